//! Where the history store lives (spec §10 "Where"): a path or `sqlite:<path>`, or
//! `postgres://[user[:password]@]host[:port]/dbname[?sslmode=...]`.
//!
//! The password is a secret: it is kept as [`Secret`] and no `Display` or `Debug` of a
//! URL shows it (`postgres://aigc:****@host/db`).

use std::fmt;
use std::path::{Path, PathBuf};

use percent_encoding::percent_decode_str;

use crate::error::Error;
use crate::secret::Secret;

/// How a PostgreSQL connection uses TLS (libpq's `sslmode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    /// Like `prefer`: TLS when the server offers it (libpq tries plain text first).
    Allow,
    /// TLS when the server offers it, the certificate not verified (libpq's default).
    Prefer,
    /// TLS always; the certificate is not verified.
    Require,
    /// TLS always; the certificate chain is verified, not the host name.
    VerifyCa,
    /// TLS always; the chain and the host name are verified.
    VerifyFull,
}

impl SslMode {
    fn parse(text: &str) -> Option<SslMode> {
        Some(match text {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// A parsed `postgres://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresUrl {
    /// As written (`postgres` or `postgresql`), so the redacted form reads like the input.
    pub scheme: String,
    pub user: String,
    /// From the URL, else `PGPASSWORD`.
    pub password: Option<Secret>,
    /// True when the password was written in the URL (the redacted form shows `****`).
    pub password_in_url: bool,
    pub host: String,
    pub port: u16,
    pub dbname: String,
    pub sslmode: SslMode,
    /// `sslrootcert=<PEM file>`: extra trusted roots for `verify-ca`/`verify-full`.
    pub sslrootcert: Option<PathBuf>,
}

/// A store location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    Sqlite(PathBuf),
    Postgres(PostgresUrl),
}

/// The default store when none is named: `$XDG_DATA_HOME/aigcusage/history.db`, else
/// `~/.local/share/aigcusage/history.db`. `env` looks up an environment variable.
pub fn default_store_path(env: impl Fn(&str) -> Option<String>) -> Result<PathBuf, Error> {
    let non_empty = |name: &str| env(name).filter(|v| !v.is_empty());
    // The XDG spec ignores a relative XDG_DATA_HOME.
    if let Some(data) = non_empty("XDG_DATA_HOME").filter(|v| Path::new(v).is_absolute()) {
        return Ok(Path::new(&data).join("aigcusage").join("history.db"));
    }
    match non_empty("HOME") {
        Some(home) => Ok(Path::new(&home)
            .join(".local")
            .join("share")
            .join("aigcusage")
            .join("history.db")),
        None => Err(Error::config(
            "no history store: set --store, AIGCUSAGE_STORE, XDG_DATA_HOME or HOME",
        )),
    }
}

impl StoreUrl {
    /// Parses `--store`/`AIGCUSAGE_STORE`/the profile's `store`. `env` supplies
    /// `PGPASSWORD` (and `PGUSER`, `USER` for a URL without a user).
    pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<StoreUrl, Error> {
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return parse_postgres(text, &env).map(StoreUrl::Postgres);
        }
        let path = text.strip_prefix("sqlite:").unwrap_or(text);
        if path.is_empty() {
            return Err(Error::config("--store: empty path"));
        }
        if lower.contains("://") && !lower.starts_with("sqlite:") {
            // Show the scheme only: the rest may hold a password.
            let scheme = text.split("://").next().unwrap_or_default();
            return Err(Error::config(format!(
                "--store: unsupported store URL scheme {scheme:?}: use a path, sqlite:<path> or postgres://..."
            )));
        }
        Ok(StoreUrl::Sqlite(PathBuf::from(path)))
    }

    /// The form that may be printed: the password (if any) as `****`.
    pub fn redacted(&self) -> String {
        self.to_string()
    }

    /// Every secret in this URL, for masking errors from the database drivers.
    pub fn secrets(&self) -> Vec<String> {
        match self {
            StoreUrl::Postgres(pg) => pg
                .password
                .iter()
                .map(|p| p.expose().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
            StoreUrl::Sqlite(_) => Vec::new(),
        }
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreUrl::Sqlite(path) => write!(f, "{}", path.display()),
            StoreUrl::Postgres(pg) => {
                write!(f, "{}://{}", pg.scheme, pg.user)?;
                if pg.password_in_url {
                    f.write_str(":****")?;
                }
                write!(f, "@{}", pg.host)?;
                if pg.port != 5432 {
                    write!(f, ":{}", pg.port)?;
                }
                write!(f, "/{}", pg.dbname)?;
                if pg.sslmode != SslMode::Prefer {
                    write!(f, "?sslmode={}", pg.sslmode.as_str())?;
                }
                Ok(())
            }
        }
    }
}

fn parse_postgres(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<PostgresUrl, Error> {
    // Errors below never quote `text`: it may hold a password.
    let bad = |what: &str| Error::config(format!("--store: invalid PostgreSQL URL: {what}"));
    let url = url::Url::parse(text).map_err(|e| bad(&e.to_string()))?;
    let decode = |s: &str| -> Result<String, Error> {
        percent_decode_str(s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| bad("not UTF-8 after percent-decoding"))
    };
    let host = match url.host() {
        Some(url::Host::Domain(d)) if !d.is_empty() => d.to_string(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        _ => {
            return Err(bad(
                "no host (postgres://[user[:password]@]host[:port]/dbname)",
            ))
        }
    };
    let dbname = decode(url.path().trim_start_matches('/'))?;
    if dbname.is_empty() || dbname.contains('/') {
        return Err(bad("no database name (postgres://host/dbname)"));
    }
    let user = match url.username() {
        "" => env("PGUSER")
            .or_else(|| env("USER"))
            .filter(|u| !u.is_empty())
            .ok_or_else(|| bad("no user (postgres://user@host/dbname)"))?,
        u => decode(u)?,
    };
    let url_password = url.password().map(decode).transpose()?;
    let password_in_url = url_password.is_some();
    let password = url_password
        .or_else(|| env("PGPASSWORD").filter(|p| !p.is_empty()))
        .map(Secret::new);
    let mut sslmode = SslMode::Prefer;
    let mut sslrootcert = None;
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "sslmode" => {
                sslmode = SslMode::parse(&value).ok_or_else(|| {
                    bad(&format!(
                        "sslmode={value}: expected disable, allow, prefer, require, verify-ca or verify-full"
                    ))
                })?
            }
            "sslrootcert" => sslrootcert = Some(PathBuf::from(value.as_ref())),
            other => return Err(bad(&format!("unknown parameter {other:?}"))),
        }
    }
    Ok(PostgresUrl {
        scheme: url.scheme().to_string(),
        user,
        password,
        password_in_url,
        host,
        port: url.port().unwrap_or(5432),
        dbname,
        sslmode,
        sslrootcert,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn paths_and_sqlite_prefix_are_sqlite() {
        let none = env(&[]);
        assert_eq!(
            StoreUrl::parse("/tmp/h.db", &none).unwrap(),
            StoreUrl::Sqlite("/tmp/h.db".into())
        );
        assert_eq!(
            StoreUrl::parse("sqlite:rel/h.db", &none).unwrap(),
            StoreUrl::Sqlite("rel/h.db".into())
        );
        assert!(StoreUrl::parse("sqlite:", &none).is_err());
        let e = StoreUrl::parse("mysql://u:hunter2@h/db", &none).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(!e.to_string().contains("hunter2"));
    }

    #[test]
    fn postgres_url_is_parsed_and_redacted() {
        let url = StoreUrl::parse(
            "postgres://aigc:s%40cret@db.internal:5433/usage?sslmode=require",
            env(&[]),
        )
        .unwrap();
        let StoreUrl::Postgres(pg) = &url else {
            panic!("not postgres")
        };
        assert_eq!(pg.user, "aigc");
        assert_eq!(pg.password.as_ref().unwrap().expose(), "s@cret");
        assert_eq!(pg.port, 5433);
        assert_eq!(pg.dbname, "usage");
        assert_eq!(pg.sslmode, SslMode::Require);
        assert_eq!(
            url.redacted(),
            "postgres://aigc:****@db.internal:5433/usage?sslmode=require"
        );
        assert_eq!(format!("{url}"), url.redacted());
        assert!(!format!("{url:?}").contains("s@cret"));
        assert_eq!(url.secrets(), vec!["s@cret".to_string()]);
    }

    #[test]
    fn password_from_pgpassword_is_never_shown() {
        let url =
            StoreUrl::parse("postgresql://aigc@host/db", env(&[("PGPASSWORD", "pw123")])).unwrap();
        let StoreUrl::Postgres(pg) = &url else {
            panic!("not postgres")
        };
        assert_eq!(pg.password.as_ref().unwrap().expose(), "pw123");
        assert_eq!(url.redacted(), "postgresql://aigc@host/db");
        // The URL's own password wins over PGPASSWORD.
        let url =
            StoreUrl::parse("postgres://aigc:own@host/db", env(&[("PGPASSWORD", "env")])).unwrap();
        assert_eq!(url.secrets(), vec!["own".to_string()]);
    }

    #[test]
    fn bad_postgres_urls_are_config_errors_without_the_password() {
        for text in [
            "postgres://u:hunter2@/db",
            "postgres://u:hunter2@host/",
            "postgres://u:hunter2@host/db?sslmode=maybe",
            "postgres://u:hunter2@host/db?color=blue",
            "postgres://u:hunter2@host:99999/db",
        ] {
            let e = StoreUrl::parse(text, env(&[])).unwrap_err();
            assert_eq!(e.exit_code(), 3, "{text}");
            assert!(!e.to_string().contains("hunter2"), "{e}");
        }
        // No user anywhere.
        assert!(StoreUrl::parse("postgres://host/db", env(&[])).is_err());
        let url = StoreUrl::parse("postgres://host/db", env(&[("USER", "me")])).unwrap();
        assert_eq!(url.redacted(), "postgres://me@host/db");
    }

    #[test]
    fn default_path_follows_xdg_data_home_then_home() {
        assert_eq!(
            default_store_path(env(&[("XDG_DATA_HOME", "/x"), ("HOME", "/h")])).unwrap(),
            PathBuf::from("/x/aigcusage/history.db")
        );
        assert_eq!(
            default_store_path(env(&[("XDG_DATA_HOME", "rel"), ("HOME", "/h")])).unwrap(),
            PathBuf::from("/h/.local/share/aigcusage/history.db")
        );
        assert_eq!(default_store_path(env(&[])).unwrap_err().exit_code(), 3);
    }
}
