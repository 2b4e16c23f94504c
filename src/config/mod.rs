//! Resolved settings (spec §3): command-line option > environment > config profile >
//! built-in default, except that a profile named explicitly (`--profile`,
//! `AIGCUSAGE_PROFILE`) is the only source of credentials.
//!
//! Nothing here prints: problems that are not errors come back in `Settings::warnings`
//! (without a `warning: ` prefix; the caller adds it and honours `--quiet`).
//!
//! - `file`: reading and parsing the TOML file (errors carry `path:line`), unknown-key and
//!   permission warnings.
//! - `resolve`: the precedence rules, `load` and `config_path`.
//! - `endpoint`: the one endpoint parser and region check (flags, environment, file).
//! - `template`: `config init`.
//! - `show`: `config show` as text and as JSON.

pub mod endpoint;
mod file;
mod process;
mod resolve;
mod show;
mod store;
mod template;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::providers::EnvVar;
use crate::secret::Secret;
use crate::zone::Zone;

pub use resolve::{config_path, load};
pub use show::{
    id as shown_id, secret as shown_secret, show_json, show_text, shown, text as shown_text, Shown,
};
pub use store::StoreSettings;
pub use template::{init, init_prices, template};

/// Every environment variable the configuration reads.
pub mod vars {
    pub const TENCENTCLOUD_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
    pub const TENCENTCLOUD_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
    pub const TENCENTCLOUD_TOKEN: &str = "TENCENTCLOUD_TOKEN";
    /// Alias of `TENCENTCLOUD_TOKEN`, read when that one is unset.
    pub const TENCENTCLOUD_SESSION_TOKEN: &str = "TENCENTCLOUD_SESSION_TOKEN";
    pub const TENCENTCLOUD_REGION: &str = "TENCENTCLOUD_REGION";

    pub const ALIBABA_CLOUD_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
    pub const ALIBABA_CLOUD_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
    pub const ALIBABA_CLOUD_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";

    pub const ACEDATACLOUD_PLATFORM_TOKEN: &str = "ACEDATACLOUD_PLATFORM_TOKEN";

    pub const AIGCUSAGE_VOD_ENDPOINT: &str = "AIGCUSAGE_VOD_ENDPOINT";
    pub const AIGCUSAGE_LKE_ENDPOINT: &str = "AIGCUSAGE_LKE_ENDPOINT";
    pub const AIGCUSAGE_MODELROUTER_ENDPOINT: &str = "AIGCUSAGE_MODELROUTER_ENDPOINT";
    pub const AIGCUSAGE_ACEDATA_ENDPOINT: &str = "AIGCUSAGE_ACEDATA_ENDPOINT";

    pub const AIGCUSAGE_OUTPUT: &str = "AIGCUSAGE_OUTPUT";
    pub const AIGCUSAGE_TZ: &str = "AIGCUSAGE_TZ";
    pub const AIGCUSAGE_PROFILE: &str = "AIGCUSAGE_PROFILE";
    pub const AIGCUSAGE_CONFIG: &str = "AIGCUSAGE_CONFIG";
    /// The price book (spec §8).
    pub const AIGCUSAGE_PRICES: &str = "AIGCUSAGE_PRICES";
    /// The currency costs are reported in (spec §8).
    pub const AIGCUSAGE_CURRENCY: &str = "AIGCUSAGE_CURRENCY";
    pub const AIGCUSAGE_STORE: &str = "AIGCUSAGE_STORE";
    /// The PostgreSQL store's password when its URL has none.
    pub const PGPASSWORD: &str = "PGPASSWORD";
    pub const XDG_DATA_HOME: &str = "XDG_DATA_HOME";

    pub const XDG_CONFIG_HOME: &str = "XDG_CONFIG_HOME";
    pub const HOME: &str = "HOME";
    pub const TZ: &str = "TZ";

    /// Pins the clock (RFC 3339 or unix seconds).
    pub const AIGCUSAGE_NOW: &str = "AIGCUSAGE_NOW";
    pub const SSL_CERT_FILE: &str = "SSL_CERT_FILE";
    pub const COLUMNS: &str = "COLUMNS";
    pub const NO_COLOR: &str = "NO_COLOR";
    pub const TERM: &str = "TERM";

    /// All of the above, for hermetic tests that must clear them.
    pub const ALL: &[&str] = &[
        TENCENTCLOUD_SECRET_ID,
        TENCENTCLOUD_SECRET_KEY,
        TENCENTCLOUD_TOKEN,
        TENCENTCLOUD_SESSION_TOKEN,
        TENCENTCLOUD_REGION,
        ALIBABA_CLOUD_ACCESS_KEY_ID,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET,
        ALIBABA_CLOUD_SECURITY_TOKEN,
        ACEDATACLOUD_PLATFORM_TOKEN,
        AIGCUSAGE_VOD_ENDPOINT,
        AIGCUSAGE_LKE_ENDPOINT,
        AIGCUSAGE_MODELROUTER_ENDPOINT,
        AIGCUSAGE_ACEDATA_ENDPOINT,
        AIGCUSAGE_OUTPUT,
        AIGCUSAGE_TZ,
        AIGCUSAGE_PROFILE,
        AIGCUSAGE_CONFIG,
        AIGCUSAGE_PRICES,
        AIGCUSAGE_CURRENCY,
        AIGCUSAGE_STORE,
        PGPASSWORD,
        XDG_DATA_HOME,
        XDG_CONFIG_HOME,
        HOME,
        TZ,
        AIGCUSAGE_NOW,
        SSL_CERT_FILE,
        COLUMNS,
        NO_COLOR,
        TERM,
    ];
}

/// The environment variables that belong to no provider, with their meaning.
const GENERAL_ENVIRONMENT: &[EnvVar] = &[
    EnvVar {
        name: vars::AIGCUSAGE_OUTPUT,
        meaning: "default output format (table, json, ndjson, csv, prom, focus)",
    },
    EnvVar {
        name: vars::AIGCUSAGE_TZ,
        meaning: "time zone to read and print times in",
    },
    EnvVar {
        name: vars::AIGCUSAGE_PROFILE,
        meaning: "config profile, default `default`",
    },
    EnvVar {
        name: vars::AIGCUSAGE_CONFIG,
        meaning: "config file path",
    },
    EnvVar {
        name: vars::AIGCUSAGE_PRICES,
        meaning: "the price book, default ~/.config/aigcusage/prices.toml",
    },
    EnvVar {
        name: vars::AIGCUSAGE_CURRENCY,
        meaning: "report every cost in this ISO 4217 currency",
    },
    EnvVar {
        name: vars::AIGCUSAGE_STORE,
        meaning: "the history store: a path, sqlite:<path> or postgres://... (§10)",
    },
    EnvVar {
        name: vars::PGPASSWORD,
        meaning: "the PostgreSQL store's password when its URL has none",
    },
    EnvVar {
        name: vars::XDG_DATA_HOME,
        meaning: "where the default history store lives, default ~/.local/share",
    },
    EnvVar {
        name: vars::AIGCUSAGE_NOW,
        meaning: "pins the clock (RFC 3339 or unix seconds)",
    },
    EnvVar {
        name: vars::XDG_CONFIG_HOME,
        meaning: "where the config file lives, default ~/.config",
    },
    EnvVar {
        name: vars::HOME,
        meaning: "home directory, for the default config path",
    },
    EnvVar {
        name: vars::TZ,
        meaning: "the system time zone, after AIGCUSAGE_TZ and the profile's tz",
    },
    EnvVar {
        name: vars::SSL_CERT_FILE,
        meaning: "a PEM bundle of extra TLS roots to trust",
    },
    EnvVar {
        name: vars::COLUMNS,
        meaning: "table width when stdout is no terminal",
    },
    EnvVar {
        name: vars::NO_COLOR,
        meaning: "set: no colour",
    },
    EnvVar {
        name: vars::TERM,
        meaning: "`dumb`: no colour",
    },
];

/// Every environment variable aigcusage reads, with its meaning: the general ones, then
/// every registered provider's (for `help environment`).
pub fn environment() -> Vec<EnvVar> {
    GENERAL_ENVIRONMENT
        .iter()
        .chain(
            crate::providers::REGISTRY
                .iter()
                .flat_map(|p| p.environment),
        )
        .copied()
        .collect()
}

/// Built-in defaults.
pub mod defaults {
    pub const VOD_ENDPOINT: &str = "https://vod.intl.tencentcloudapi.com";
    pub const LKE_ENDPOINT: &str = "https://lke.intl.tencentcloudapi.com";
    pub const LKE_REGION: &str = "ap-jakarta";
    pub const MODELROUTER_ENDPOINT: &str = "https://aicontent.aliyuncs.com";
    pub const ACEDATA_ENDPOINT: &str = "https://platform.acedata.cloud";
    pub const OUTPUT: &str = "table";
    pub const PROFILE: &str = "default";
    /// The output formats `-o` accepts.
    pub const OUTPUTS: &[&str] = &crate::render::Format::NAMES;
}

/// Where a setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Flag,
    Env,
    File,
    Default,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Flag => "flag",
            Origin::Env => "env",
            Origin::File => "file",
            Origin::Default => "default",
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Sourced<T> {
    pub fn new(value: T, origin: Origin) -> Self {
        Sourced { value, origin }
    }

    pub fn default_value(value: T) -> Self {
        Sourced::new(value, Origin::Default)
    }
}

/// Everything the resolution reads, so tests never touch the real environment.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub config_flag: Option<PathBuf>,
    pub profile_flag: Option<String>,
    pub tz_flag: Option<String>,
    pub output_flag: Option<String>,
    /// `--prices`.
    pub prices_flag: Option<PathBuf>,
    /// `--currency`.
    pub currency_flag: Option<String>,
    /// `--store`.
    pub store_flag: Option<String>,
    /// A snapshot of the environment.
    pub env: HashMap<String, String>,
    /// `config init` / `config path`: a missing (or unreadable, or malformed) file, or a
    /// named profile that is not in it, is not an error; it becomes a warning at most.
    pub tolerate_missing_file: bool,
}

impl Inputs {
    /// A snapshot of the process environment. Variables whose name is not valid Unicode
    /// are left out (none of ours is named so); a value that is not valid UTF-8 is kept
    /// with U+FFFD for the invalid bytes, so that a credential holding it is reported as
    /// invalid (`credential_value`) rather than as missing.
    pub fn from_process_env() -> HashMap<String, String> {
        std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.to_string_lossy().into_owned())))
            .collect()
    }
}

/// Which profile was used and whether it was named explicitly; carried by each provider's
/// settings so that `credentials()` can say where the keys were looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileScope {
    pub profile: String,
    /// The config file path; empty when none could be determined (no HOME, no XDG_CONFIG_HOME).
    pub path: PathBuf,
    /// `Some(Flag)` for `--profile`, `Some(Env)` for `AIGCUSAGE_PROFILE`, `None` when the
    /// profile was not named. When named, credentials come only from the profile.
    pub named_by: Option<Origin>,
}

impl ProfileScope {
    pub fn explicit(&self) -> bool {
        self.named_by.is_some()
    }

    /// `--profile` or `AIGCUSAGE_PROFILE`.
    pub fn named_by_text(&self) -> &'static str {
        match self.named_by {
            Some(Origin::Env) => vars::AIGCUSAGE_PROFILE,
            _ => "--profile",
        }
    }

    fn path_text(&self) -> String {
        path_text(&self.path)
    }
}

impl Default for ProfileScope {
    fn default() -> Self {
        ProfileScope {
            profile: defaults::PROFILE.to_string(),
            path: PathBuf::new(),
            named_by: None,
        }
    }
}

fn path_text(path: &Path) -> String {
    if path.as_os_str().is_empty() {
        "the config file (no path: HOME and XDG_CONFIG_HOME are unset)".to_string()
    } else {
        path.display().to_string()
    }
}

/// The resolved settings for one run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub profile: Sourced<String>,
    pub profile_explicit: bool,
    /// The config file path. Empty (origin default) when none could be determined.
    pub path: Sourced<PathBuf>,
    /// A config file was found at `path` and read.
    pub file_found: bool,
    /// One of `table`, `json`, `ndjson`, `csv`.
    pub output: Sourced<String>,
    pub tz: Sourced<Zone>,
    /// The price book's path (spec §8): `--prices`, `AIGCUSAGE_PRICES`, the profile's
    /// `prices`, else the default path (origin `Default`, which may be absent).
    pub prices: Option<Sourced<PathBuf>>,
    /// The target currency as written by `--currency`, `AIGCUSAGE_CURRENCY` or the
    /// profile's `currency` (origin `File`); the book's `currency` sits between the
    /// environment and the profile, so the cost layer validates and orders them.
    pub currency: Option<Sourced<String>>,
    /// (v3) The history store (§10), resolved lazily: only store commands parse it.
    pub store: StoreSettings,
    /// (v3) The account history rows are written under: the profile's `account`, else
    /// the profile's name.
    pub account: Sourced<String>,
    pub tencent: TencentSettings,
    pub alibaba: AlibabaSettings,
    pub acedata: AcedataSettings,
    /// `AIGCUSAGE_NOW`: the clock pinned for reproducible reports.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    /// `SSL_CERT_FILE`: extra TLS roots.
    pub ssl_cert_file: Option<PathBuf>,
    /// Messages for stderr, without the `warning: ` prefix.
    pub warnings: Vec<String>,
}

impl Default for Settings {
    /// Built-in defaults only, UTC; for tests of code that takes `Settings`.
    fn default() -> Self {
        Settings {
            profile: Sourced::default_value(defaults::PROFILE.to_string()),
            profile_explicit: false,
            path: Sourced::default_value(PathBuf::new()),
            file_found: false,
            output: Sourced::default_value(defaults::OUTPUT.to_string()),
            tz: Sourced::default_value(Zone::UTC),
            prices: None,
            currency: None,
            store: StoreSettings::default(),
            account: Sourced::default_value(defaults::PROFILE.to_string()),
            tencent: TencentSettings::default(),
            alibaba: AlibabaSettings::default(),
            acedata: AcedataSettings::default(),
            now: None,
            ssl_cert_file: None,
            warnings: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TencentSettings {
    pub secret_id: Option<Sourced<String>>,
    pub secret_key: Option<Sourced<Secret>>,
    pub token: Option<Sourced<Secret>>,
    /// LKE region.
    pub region: Sourced<String>,
    pub vod_endpoint: Sourced<String>,
    pub lke_endpoint: Sourced<String>,
    pub sub_app_id: Option<Sourced<u64>>,
    pub scope: ProfileScope,
}

impl Default for TencentSettings {
    fn default() -> Self {
        TencentSettings {
            secret_id: None,
            secret_key: None,
            token: None,
            region: Sourced::default_value(defaults::LKE_REGION.to_string()),
            vod_endpoint: Sourced::default_value(defaults::VOD_ENDPOINT.to_string()),
            lke_endpoint: Sourced::default_value(defaults::LKE_ENDPOINT.to_string()),
            sub_app_id: None,
            scope: ProfileScope::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlibabaSettings {
    pub access_key_id: Option<Sourced<String>>,
    pub access_key_secret: Option<Sourced<Secret>>,
    pub security_token: Option<Sourced<Secret>>,
    pub endpoint: Sourced<String>,
    pub scope: ProfileScope,
}

impl Default for AlibabaSettings {
    fn default() -> Self {
        AlibabaSettings {
            access_key_id: None,
            access_key_secret: None,
            security_token: None,
            endpoint: Sourced::default_value(defaults::MODELROUTER_ENDPOINT.to_string()),
            scope: ProfileScope::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AcedataSettings {
    pub token: Option<Sourced<Secret>>,
    pub endpoint: Sourced<String>,
    pub scope: ProfileScope,
}

impl Default for AcedataSettings {
    fn default() -> Self {
        AcedataSettings {
            token: None,
            endpoint: Sourced::default_value(defaults::ACEDATA_ENDPOINT.to_string()),
            scope: ProfileScope::default(),
        }
    }
}

/// An access key pair with an optional session token: what a signing provider signs with
/// (Tencent's SecretId/SecretKey/Token, Alibaba's AccessKey ID/secret/STS token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPair {
    pub id: String,
    pub secret: Secret,
    pub token: Option<Secret>,
}

pub type TencentCredentials = KeyPair;
pub type AlibabaCredentials = KeyPair;

/// How a key pair is named in messages, the environment and the config file.
struct KeyPairNames {
    /// `missing Tencent Cloud credentials`.
    what: &'static str,
    section: &'static str,
    env_glob: &'static str,
    id: (&'static str, &'static str),
    secret: (&'static str, &'static str),
    /// The session token's variable(s), for messages.
    token_env: &'static str,
}

const TENCENT_KEY_PAIR: KeyPairNames = KeyPairNames {
    what: "missing Tencent Cloud credentials",
    section: "tencent",
    env_glob: "TENCENTCLOUD_*",
    id: (vars::TENCENTCLOUD_SECRET_ID, "secret_id"),
    secret: (vars::TENCENTCLOUD_SECRET_KEY, "secret_key"),
    token_env: "TENCENTCLOUD_TOKEN (or TENCENTCLOUD_SESSION_TOKEN)",
};

const ALIBABA_KEY_PAIR: KeyPairNames = KeyPairNames {
    what: "missing Alibaba Cloud credentials",
    section: "alibaba",
    env_glob: "ALIBABA_CLOUD_*",
    id: (vars::ALIBABA_CLOUD_ACCESS_KEY_ID, "access_key_id"),
    secret: (vars::ALIBABA_CLOUD_ACCESS_KEY_SECRET, "access_key_secret"),
    token_env: vars::ALIBABA_CLOUD_SECURITY_TOKEN,
};

/// A key pair's resolved id, secret and token.
type KeyPairParts<'a> = (
    &'a Option<Sourced<String>>,
    &'a Option<Sourced<Secret>>,
    &'a Option<Sourced<Secret>>,
);

/// The key pair of resolved settings, or the exit-3 error naming exactly what is missing.
fn key_pair(
    (id, secret, token): KeyPairParts<'_>,
    scope: &ProfileScope,
    names: &KeyPairNames,
) -> Result<KeyPair, Error> {
    match (id, secret) {
        (Some(id), Some(secret)) => {
            credential_value(&id.value, id.origin, names.id, names.section, scope)?;
            credential_value(
                secret.value.expose(),
                secret.origin,
                names.secret,
                names.section,
                scope,
            )?;
            if let Some(token) = token {
                let name = (names.token_env, "token");
                credential_value(
                    token.value.expose(),
                    token.origin,
                    name,
                    names.section,
                    scope,
                )?;
            }
            Ok(KeyPair {
                id: id.value.clone(),
                secret: secret.value.clone(),
                token: token.as_ref().map(|t| t.value.clone()),
            })
        }
        (id, secret) => Err(missing_credentials(
            names.what,
            names.section,
            names.env_glob,
            scope,
            &[
                Part {
                    env: names.id.0,
                    key: names.id.1,
                    found: id.as_ref().map(|s| s.origin),
                },
                Part {
                    env: names.secret.0,
                    key: names.secret.1,
                    found: secret.as_ref().map(|s| s.origin),
                },
            ],
        )),
    }
}

/// Exit 3 when a credential cannot be sent in an HTTP header: a line break or another
/// control character (`abc\r\nX-Evil: 1` would end in a transport error, or worse), or
/// bytes that are not UTF-8 (U+FFFD from the environment snapshot). The message names
/// where the value came from, never the value.
fn credential_value(
    value: &str,
    origin: Origin,
    (env, key): (&str, &str),
    section: &str,
    scope: &ProfileScope,
) -> Result<(), Error> {
    let problem = if value.contains(char::REPLACEMENT_CHARACTER) {
        "is not valid UTF-8"
    } else if value.chars().any(char::is_control) {
        "holds a line break or another control character, which HTTP cannot carry"
    } else {
        return Ok(());
    };
    let name = match origin {
        Origin::Env | Origin::Flag => env.to_string(),
        Origin::File | Origin::Default => format!(
            "{key} under [{}.{section}] in {}",
            scope.profile,
            scope.path_text()
        ),
    };
    Err(Error::config(format!("{name} {problem}; nothing was sent")))
}

/// One required credential part: its environment variable, its key in the file, and
/// where it was found (if it was).
struct Part {
    env: &'static str,
    key: &'static str,
    found: Option<Origin>,
}

/// The exit-3 error for missing or half-set credentials, naming exactly what is missing.
fn missing_credentials(
    what: &str,
    section: &str,
    env_glob: &str,
    scope: &ProfileScope,
    parts: &[Part],
) -> Error {
    let profile = &scope.profile;
    let path = scope.path_text();
    let missing: Vec<&Part> = parts.iter().filter(|p| p.found.is_none()).collect();
    let present: Vec<&Part> = parts.iter().filter(|p| p.found.is_some()).collect();
    let keys = |ps: &[&Part]| ps.iter().map(|p| p.key).collect::<Vec<_>>().join("/");
    let envs = |ps: &[&Part]| ps.iter().map(|p| p.env).collect::<Vec<_>>().join(" and ");

    if scope.explicit() {
        let has = if present.is_empty() {
            String::new()
        } else {
            format!(" (it has {})", keys(&present))
        };
        return Error::config(format!(
            "{what}: profile '{profile}' (named by {}) has no {} under [{profile}.{section}] in {path}{has}; \
             {env_glob} environment variables are ignored because a profile was named",
            scope.named_by_text(),
            keys(&missing),
        ));
    }
    match present.first().and_then(|p| p.found) {
        Some(Origin::Env) | Some(Origin::Flag) => Error::config(format!(
            "{what}: {} is set but {} is not; set {}",
            envs(&present),
            envs(&missing),
            envs(&missing),
        )),
        Some(Origin::File) | Some(Origin::Default) => Error::config(format!(
            "{what}: [{profile}.{section}] in {path} has {} but no {}; add it there, or set {}",
            keys(&present),
            keys(&missing),
            parts
                .iter()
                .map(|p| p.env)
                .collect::<Vec<_>>()
                .join(" and "),
        )),
        None => Error::config(format!(
            "{what}: set {}, or {} under [{profile}.{section}] in {path}",
            envs(&missing),
            keys(&missing),
        )),
    }
}

impl TencentSettings {
    pub fn credentials(&self) -> Result<TencentCredentials, Error> {
        let parts = (&self.secret_id, &self.secret_key, &self.token);
        key_pair(parts, &self.scope, &TENCENT_KEY_PAIR)
    }

    pub fn has_credentials(&self) -> bool {
        self.secret_id.is_some() && self.secret_key.is_some()
    }
}

impl AlibabaSettings {
    pub fn credentials(&self) -> Result<AlibabaCredentials, Error> {
        let parts = (
            &self.access_key_id,
            &self.access_key_secret,
            &self.security_token,
        );
        key_pair(parts, &self.scope, &ALIBABA_KEY_PAIR)
    }

    pub fn has_credentials(&self) -> bool {
        self.access_key_id.is_some() && self.access_key_secret.is_some()
    }
}

impl AcedataSettings {
    pub fn token(&self) -> Result<Secret, Error> {
        match &self.token {
            Some(token) => {
                credential_value(
                    token.value.expose(),
                    token.origin,
                    (vars::ACEDATACLOUD_PLATFORM_TOKEN, "token"),
                    "acedata",
                    &self.scope,
                )?;
                Ok(token.value.clone())
            }
            None => Err(missing_credentials(
                "missing AceData Cloud token",
                "acedata",
                vars::ACEDATACLOUD_PLATFORM_TOKEN,
                &self.scope,
                &[Part {
                    env: vars::ACEDATACLOUD_PLATFORM_TOKEN,
                    key: "token",
                    found: None,
                }],
            )),
        }
    }

    pub fn has_credentials(&self) -> bool {
        self.token.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_list_is_every_variable_read_once() {
        let listed: Vec<&str> = environment().iter().map(|v| v.name).collect();
        let mut sorted = listed.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), listed.len(), "listed twice: {listed:?}");
        let mut all = vars::ALL.to_vec();
        all.sort_unstable();
        assert_eq!(sorted, all);
        assert!(environment().iter().all(|v| !v.meaning.is_empty()));
    }

    fn scope(named_by: Option<Origin>) -> ProfileScope {
        ProfileScope {
            profile: "prod".into(),
            path: PathBuf::from("/home/u/.config/aigcusage/config.toml"),
            named_by,
        }
    }

    #[test]
    fn origin_displays_as_the_spec_words() {
        let words: Vec<String> = [Origin::Flag, Origin::Env, Origin::File, Origin::Default]
            .iter()
            .map(|o| o.to_string())
            .collect();
        assert_eq!(words, ["flag", "env", "file", "default"]);
    }

    #[test]
    fn no_tencent_credentials_names_both_variables_and_the_file() {
        let t = TencentSettings {
            scope: scope(None),
            ..Default::default()
        };
        let e = t.credentials().unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert_eq!(
            e.to_string(),
            "missing Tencent Cloud credentials: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, \
             or secret_id/secret_key under [prod.tencent] in /home/u/.config/aigcusage/config.toml"
        );
        assert!(!t.has_credentials());
    }

    #[test]
    fn half_set_env_credentials_name_the_missing_variable() {
        let t = TencentSettings {
            secret_id: Some(Sourced::new("AKIDEXAMPLE".into(), Origin::Env)),
            ..Default::default()
        };
        let e = t.credentials().unwrap_err().to_string();
        assert_eq!(
            e,
            "missing Tencent Cloud credentials: TENCENTCLOUD_SECRET_ID is set but TENCENTCLOUD_SECRET_KEY is not; set TENCENTCLOUD_SECRET_KEY"
        );

        let a = AlibabaSettings {
            access_key_secret: Some(Sourced::new(Secret::new("s3cr3t-value"), Origin::Env)),
            ..Default::default()
        };
        let e = a.credentials().unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains(
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET is set but ALIBABA_CLOUD_ACCESS_KEY_ID is not"
        ));
        assert!(!e.to_string().contains("s3cr3t-value"));
    }

    #[test]
    fn half_set_file_credentials_name_the_missing_key() {
        let t = TencentSettings {
            secret_key: Some(Sourced::new(Secret::new("k"), Origin::File)),
            scope: scope(None),
            ..Default::default()
        };
        let e = t.credentials().unwrap_err().to_string();
        assert!(
            e.contains("[prod.tencent] in /home/u/.config/aigcusage/config.toml has secret_key but no secret_id"),
            "{e}"
        );
    }

    #[test]
    fn explicit_profile_without_keys_says_env_is_ignored() {
        let t = TencentSettings {
            scope: scope(Some(Origin::Flag)),
            ..Default::default()
        };
        let e = t.credentials().unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert_eq!(
            e.to_string(),
            "missing Tencent Cloud credentials: profile 'prod' (named by --profile) has no secret_id/secret_key \
             under [prod.tencent] in /home/u/.config/aigcusage/config.toml; TENCENTCLOUD_* environment variables \
             are ignored because a profile was named"
        );
        let a = AcedataSettings {
            scope: scope(Some(Origin::Env)),
            ..Default::default()
        };
        let e = a.token().unwrap_err().to_string();
        assert!(
            e.contains("(named by AIGCUSAGE_PROFILE) has no token under [prod.acedata]"),
            "{e}"
        );
    }

    #[test]
    fn complete_credentials_are_returned() {
        let t = TencentSettings {
            secret_id: Some(Sourced::new("AKIDEXAMPLE".into(), Origin::File)),
            secret_key: Some(Sourced::new(Secret::new("key"), Origin::File)),
            token: Some(Sourced::new(Secret::new("tok"), Origin::File)),
            ..Default::default()
        };
        let c = t.credentials().unwrap();
        assert_eq!(c.id, "AKIDEXAMPLE");
        assert_eq!(c.secret.expose(), "key");
        assert_eq!(c.token.unwrap().expose(), "tok");
        assert!(t.has_credentials());
    }
}
