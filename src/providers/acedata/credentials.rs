//! AceData Cloud credentials: the variables that carry them and whether settings hold them.

use crate::config::{shown, shown_secret, shown_text, vars, Settings, Shown};
use crate::providers::EnvVar;
use crate::secret::Secret;

pub const ENVIRONMENT: &[EnvVar] = &[
    EnvVar {
        name: vars::ACEDATACLOUD_PLATFORM_TOKEN,
        meaning: "AceData Cloud account (platform) token, platform-v1-...",
    },
    EnvVar {
        name: vars::AIGCUSAGE_ACEDATA_ENDPOINT,
        meaning: "AceData Cloud platform base URL",
    },
];

/// Its credential variables in short.
pub const VARIABLES: &str = vars::ACEDATACLOUD_PLATFORM_TOKEN;

pub const HINT: &str = "ACEDATACLOUD_PLATFORM_TOKEN";

/// `--demo`: a token for requests nobody receives.
pub fn demo() -> Secret {
    Secret::new("platform-v1-demo-token-not-used-0000")
}

pub fn has_credentials(settings: &Settings) -> bool {
    settings.acedata.has_credentials()
}

/// Its section of `config init`'s template, under `[default.acedata]`: commented examples
/// (`# key = value`) and prose.
pub const CONFIG_TEMPLATE: &str = r#"# AceData Cloud. Environment: ACEDATACLOUD_PLATFORM_TOKEN.
# token = "platform-v1-xxxxxxxxxxxxxxxxxxxxxxxx"
# endpoint = "https://platform.acedata.cloud"
"#;

/// Its section of `config show`.
pub fn show(settings: &Settings) -> Vec<Shown> {
    let c = &settings.acedata;
    vec![
        shown("token", c.token.as_ref(), shown_secret),
        shown("endpoint", Some(&c.endpoint), shown_text),
    ]
}

/// The keys of its config-file section, `[<profile>.acedata]`.
pub const CONFIG_KEYS: &[&str] = &["token", "endpoint"];
