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

mod credentials;
pub mod endpoint;
mod file;
mod process;
mod resolve;
mod section;
mod show;
mod store;
mod template;
#[cfg(test)]
pub(crate) mod test_support;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::providers::EnvVar;
use crate::zone::Zone;

pub use credentials::{single_secret, KeyPair, KeyPairNames, KeyPairSettings, SecretNames};
pub use resolve::{config_path, load};
pub use section::{
    check_section, ProviderSettings, ProviderSettingsMap, ResolveSettings, SectionInput,
};
pub use show::{
    id as shown_id, secret as shown_secret, show_json, show_text, shown, text as shown_text, Shown,
};
pub use store::StoreSettings;
pub use template::{init, init_prices, template};

/// The environment variables the configuration reads that belong to no provider (each
/// provider names its own in its `credentials.rs`).
pub mod vars {
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
    /// The PostgreSQL store's user when its URL has none, then `USER`.
    pub const PGUSER: &str = "PGUSER";
    pub const USER: &str = "USER";
    pub const XDG_DATA_HOME: &str = "XDG_DATA_HOME";
    /// Where SQLite writes its temporary files (read by SQLite itself).
    pub const SQLITE_TMPDIR: &str = "SQLITE_TMPDIR";
    pub const TMPDIR: &str = "TMPDIR";

    pub const XDG_CONFIG_HOME: &str = "XDG_CONFIG_HOME";
    pub const HOME: &str = "HOME";
    pub const TZ: &str = "TZ";

    /// Pins the clock (RFC 3339 or unix seconds).
    pub const AIGCUSAGE_NOW: &str = "AIGCUSAGE_NOW";
    pub const SSL_CERT_FILE: &str = "SSL_CERT_FILE";
    /// Read by the system roots' loader (rustls-native-certs) beside `SSL_CERT_FILE`.
    pub const SSL_CERT_DIR: &str = "SSL_CERT_DIR";
    /// Proxies, read by the HTTP client (reqwest): upper case first, then lower case.
    pub const HTTPS_PROXY: &str = "HTTPS_PROXY";
    pub const HTTPS_PROXY_LOWER: &str = "https_proxy";
    pub const HTTP_PROXY: &str = "HTTP_PROXY";
    pub const HTTP_PROXY_LOWER: &str = "http_proxy";
    pub const ALL_PROXY: &str = "ALL_PROXY";
    pub const ALL_PROXY_LOWER: &str = "all_proxy";
    pub const NO_PROXY: &str = "NO_PROXY";
    pub const NO_PROXY_LOWER: &str = "no_proxy";
    /// Set in a CGI script: the HTTP client then ignores `HTTP_PROXY` (httpoxy).
    pub const REQUEST_METHOD: &str = "REQUEST_METHOD";
    pub const COLUMNS: &str = "COLUMNS";
    pub const NO_COLOR: &str = "NO_COLOR";
    pub const TERM: &str = "TERM";

    /// All of the above.
    pub const GENERAL: &[&str] = &[
        AIGCUSAGE_OUTPUT,
        AIGCUSAGE_TZ,
        AIGCUSAGE_PROFILE,
        AIGCUSAGE_CONFIG,
        AIGCUSAGE_PRICES,
        AIGCUSAGE_CURRENCY,
        AIGCUSAGE_STORE,
        PGPASSWORD,
        PGUSER,
        USER,
        XDG_DATA_HOME,
        SQLITE_TMPDIR,
        TMPDIR,
        XDG_CONFIG_HOME,
        HOME,
        TZ,
        AIGCUSAGE_NOW,
        SSL_CERT_FILE,
        SSL_CERT_DIR,
        HTTPS_PROXY,
        HTTPS_PROXY_LOWER,
        HTTP_PROXY,
        HTTP_PROXY_LOWER,
        ALL_PROXY,
        ALL_PROXY_LOWER,
        NO_PROXY,
        NO_PROXY_LOWER,
        REQUEST_METHOD,
        COLUMNS,
        NO_COLOR,
        TERM,
    ];

    /// Every variable aigcusage reads: the general ones, then every registered provider's,
    /// for hermetic tests that must clear them.
    pub fn all() -> Vec<&'static str> {
        GENERAL
            .iter()
            .copied()
            .chain(
                crate::providers::REGISTRY
                    .iter()
                    .flat_map(|p| p.environment.iter().map(|var| var.name)),
            )
            .collect()
    }
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
        meaning:
            "the history store: a path, sqlite:<path> or postgres://... (see aigcusage help store)",
    },
    EnvVar {
        name: vars::PGPASSWORD,
        meaning: "the PostgreSQL store's password when its URL has none",
    },
    EnvVar {
        name: vars::PGUSER,
        meaning: "the PostgreSQL store's user when its URL has none",
    },
    EnvVar {
        name: vars::USER,
        meaning: "the PostgreSQL store's user when neither its URL nor PGUSER names one",
    },
    EnvVar {
        name: vars::XDG_DATA_HOME,
        meaning: "where the default history store lives, default ~/.local/share",
    },
    EnvVar {
        name: vars::SQLITE_TMPDIR,
        meaning: "where the SQLite store writes temporary files, before TMPDIR",
    },
    EnvVar {
        name: vars::TMPDIR,
        meaning: "where the SQLite store writes temporary files, default /tmp",
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
        name: vars::SSL_CERT_DIR,
        meaning: "directories (colon-separated) of TLS roots to trust instead of the system's",
    },
    EnvVar {
        name: vars::HTTPS_PROXY,
        meaning: "proxy URL for https:// requests",
    },
    EnvVar {
        name: vars::HTTPS_PROXY_LOWER,
        meaning: "the same, when HTTPS_PROXY is not set",
    },
    EnvVar {
        name: vars::HTTP_PROXY,
        meaning: "proxy URL for http:// requests (ignored when REQUEST_METHOD is set)",
    },
    EnvVar {
        name: vars::HTTP_PROXY_LOWER,
        meaning: "the same, when HTTP_PROXY is not set",
    },
    EnvVar {
        name: vars::ALL_PROXY,
        meaning: "proxy URL for requests that HTTPS_PROXY or HTTP_PROXY does not cover",
    },
    EnvVar {
        name: vars::ALL_PROXY_LOWER,
        meaning: "the same, when ALL_PROXY is not set",
    },
    EnvVar {
        name: vars::NO_PROXY,
        meaning: "hosts, domains and IP ranges (comma-separated) reached without a proxy",
    },
    EnvVar {
        name: vars::NO_PROXY_LOWER,
        meaning: "the same, when NO_PROXY is not set",
    },
    EnvVar {
        name: vars::REQUEST_METHOD,
        meaning: "set (a CGI script): HTTP_PROXY is ignored",
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

/// Built-in defaults of the general settings (each provider keeps its own).
pub mod defaults {
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
    /// Every registered provider's settings; a provider reaches its own with
    /// `provider::<T>()`.
    providers: ProviderSettingsMap,
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
            providers: ProviderSettingsMap::defaults(),
            now: None,
            ssl_cert_file: None,
            warnings: Vec::new(),
        }
    }
}

impl Settings {
    /// A provider's settings, by their type (the provider's own `credentials.rs` type).
    ///
    /// Panics for a type no registered provider resolves: `Settings` come only from `load`
    /// and `default`, which both hold every registered provider's settings, and a provider
    /// asks only for its own type, so this cannot happen for a registered provider.
    pub fn provider<T: ProviderSettings>(&self) -> &T {
        match self.providers.get::<T>() {
            Some(settings) => settings,
            None => unregistered::<T>(),
        }
    }

    /// A provider's settings, to change (tests, and flags that override a setting).
    pub fn provider_mut<T: ProviderSettings>(&mut self) -> &mut T {
        match self.providers.get_mut::<T>() {
            Some(settings) => settings,
            None => unregistered::<T>(),
        }
    }

    /// Every registered provider's settings.
    pub fn providers(&self) -> &ProviderSettingsMap {
        &self.providers
    }
}

/// See `Settings::provider`: reached only by a settings type of no registered provider.
fn unregistered<T>() -> ! {
    panic!(
        "{} belongs to no registered provider",
        std::any::type_name::<T>()
    )
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
        let mut all = vars::all();
        all.sort_unstable();
        assert_eq!(sorted, all);
        assert!(environment().iter().all(|v| !v.meaning.is_empty()));
        let mut general: Vec<&str> = GENERAL_ENVIRONMENT.iter().map(|v| v.name).collect();
        general.sort_unstable();
        let mut read = vars::GENERAL.to_vec();
        read.sort_unstable();
        assert_eq!(general, read);
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
    fn every_registered_provider_has_its_settings() {
        let settings = Settings::default();
        for provider in crate::providers::REGISTRY {
            assert!(
                settings.providers().by_id(provider.id).is_some(),
                "{}",
                provider.id
            );
        }
    }
}
