//! (v3) The history store setting (spec §10): `--store`, else `AIGCUSAGE_STORE`, else the
//! profile's `store`, else `$XDG_DATA_HOME/aigcusage/history.db`.
//!
//! Kept as text until a store command asks for it, so a malformed store URL never breaks
//! a live usage command; the environment the URL needs (`PGPASSWORD`, `PGUSER`, `USER`,
//! `XDG_DATA_HOME`, `HOME`) is captured here so resolution stays pure.

use std::collections::HashMap;

use super::{vars, Origin, Sourced};
use crate::error::Error;
use crate::store::{default_store_path, StoreUrl};

/// The variables a store URL or the default path reads.
const STORE_ENV: &[&str] = &[
    vars::PGPASSWORD,
    vars::PGUSER,
    vars::USER,
    vars::XDG_DATA_HOME,
    vars::HOME,
];

#[derive(Debug, Clone, PartialEq, Default)]
pub struct StoreSettings {
    /// The URL as given and where; `None`: the default path.
    pub given: Option<Sourced<String>>,
    /// Where in the config file `given` came from, for messages (`store under [work] in …`).
    file_source: String,
    env: HashMap<String, String>,
}

impl StoreSettings {
    pub(super) fn resolve(
        flag: Option<&str>,
        env: &HashMap<String, String>,
        file_value: Option<&str>,
        file_source: String,
    ) -> StoreSettings {
        let non_empty = |v: Option<&str>| v.filter(|v| !v.trim().is_empty()).map(str::to_string);
        let given = non_empty(flag)
            .map(|v| Sourced::new(v, Origin::Flag))
            .or_else(|| {
                non_empty(env.get(vars::AIGCUSAGE_STORE).map(String::as_str))
                    .map(|v| Sourced::new(v, Origin::Env))
            })
            .or_else(|| non_empty(file_value).map(|v| Sourced::new(v, Origin::File)));
        StoreSettings {
            given,
            file_source,
            env: STORE_ENV
                .iter()
                .filter_map(|name| Some((name.to_string(), env.get(*name)?.clone())))
                .collect(),
        }
    }

    /// Where `given` came from, worded for an error.
    fn origin_text(&self, origin: Origin) -> &str {
        match origin {
            Origin::Flag => "--store",
            Origin::Env => vars::AIGCUSAGE_STORE,
            _ => &self.file_source,
        }
    }

    /// The store URL and its origin. An invalid URL is exit 3 (exit 2 for `--store`),
    /// its message never showing a password.
    pub fn url(&self) -> Result<Sourced<StoreUrl>, Error> {
        let lookup = |name: &str| self.env.get(name).cloned();
        match &self.given {
            Some(given) => StoreUrl::parse(&given.value, lookup)
                .map(|url| Sourced::new(url, given.origin))
                .map_err(|e| {
                    let message = format!("{e} (from {})", self.origin_text(given.origin));
                    match given.origin {
                        Origin::Flag => Error::usage(message),
                        _ => Error::config(message),
                    }
                }),
            None => Ok(Sourced::default_value(StoreUrl::Sqlite(
                default_store_path(lookup)?,
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn flag_beats_environment_beats_profile_beats_default() {
        let e = env(&[("AIGCUSAGE_STORE", "/env.db"), ("HOME", "/home/u")]);
        let s = StoreSettings::resolve(Some("/flag.db"), &e, Some("/file.db"), "f".into());
        assert_eq!(s.url().unwrap().value, StoreUrl::Sqlite("/flag.db".into()));
        assert_eq!(s.url().unwrap().origin, Origin::Flag);
        let s = StoreSettings::resolve(None, &e, Some("/file.db"), "f".into());
        assert_eq!(s.url().unwrap().origin, Origin::Env);
        let e = env(&[("HOME", "/home/u")]);
        let s = StoreSettings::resolve(None, &e, Some("/file.db"), "f".into());
        assert_eq!(s.url().unwrap().origin, Origin::File);
        let s = StoreSettings::resolve(None, &e, None, "f".into());
        assert_eq!(
            s.url().unwrap().value,
            StoreUrl::Sqlite("/home/u/.local/share/aigcusage/history.db".into())
        );
        let e = env(&[("XDG_DATA_HOME", "/data")]);
        let s = StoreSettings::resolve(None, &e, None, "f".into());
        assert_eq!(
            s.url().unwrap().value,
            StoreUrl::Sqlite("/data/aigcusage/history.db".into())
        );
    }

    #[test]
    fn pgpassword_is_used_and_never_shown() {
        let e = env(&[("PGPASSWORD", "hunter2")]);
        let s = StoreSettings::resolve(Some("postgres://u@h/db"), &e, None, "f".into());
        let url = s.url().unwrap().value;
        assert_eq!(url.secrets(), ["hunter2"]);
        assert!(!url.redacted().contains("hunter2"));
    }

    #[test]
    fn invalid_urls_name_their_origin() {
        let s =
            StoreSettings::resolve(Some("mysql://u:pw@h/db"), &HashMap::new(), None, "f".into());
        let e = s.url().unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("--store"), "{e}");
        assert!(!e.to_string().contains("pw"), "{e}");
    }
}
