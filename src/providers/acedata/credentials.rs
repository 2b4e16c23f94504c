//! AceData Cloud settings: the variables, defaults and config-file section that carry
//! them, their resolution, and the token they hold.

use serde::Deserialize;

use crate::config::endpoint::parse_endpoint;
use crate::config::{
    shown, shown_secret, shown_text, single_secret, ProfileScope, ProviderSettings, SecretNames,
    SectionInput, Settings, Shown, Sourced,
};
use crate::error::Error;
use crate::providers::EnvVar;
use crate::secret::Secret;

/// The environment variables it reads.
pub mod vars {
    pub const ACEDATACLOUD_PLATFORM_TOKEN: &str = "ACEDATACLOUD_PLATFORM_TOKEN";
    pub const AIGCUSAGE_ACEDATA_ENDPOINT: &str = "AIGCUSAGE_ACEDATA_ENDPOINT";
}

/// Built-in defaults.
pub mod defaults {
    pub const ENDPOINT: &str = crate::providers::acedata::DEFAULT_ENDPOINT;
}

/// Its resolved settings.
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
            endpoint: Sourced::default_value(defaults::ENDPOINT.to_string()),
            scope: ProfileScope::default(),
        }
    }
}

impl ProviderSettings for AcedataSettings {
    fn clone_box(&self) -> Box<dyn ProviderSettings> {
        Box::new(self.clone())
    }
}

const TOKEN: SecretNames = SecretNames {
    what: "missing AceData Cloud token",
    section: "acedata",
    env: vars::ACEDATACLOUD_PLATFORM_TOKEN,
    key: "token",
};

impl AcedataSettings {
    pub fn token(&self) -> Result<Secret, Error> {
        single_secret(&self.token, &self.scope, &TOKEN)
    }

    pub fn has_credentials(&self) -> bool {
        self.token.is_some()
    }
}

/// Its settings in `settings`.
pub fn settings(settings: &Settings) -> &AcedataSettings {
    settings.provider()
}

/// Its section of a profile, `[<profile>.acedata]`, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(expecting = "a table such as [default.acedata]")]
pub struct RawSection {
    pub token: Option<String>,
    pub endpoint: Option<String>,
}

/// Its settings from the environment, its section and the defaults.
pub fn resolve(
    input: &SectionInput<'_>,
    _warnings: &mut Vec<String>,
) -> Result<Box<dyn ProviderSettings>, Error> {
    let raw: RawSection = input.raw()?;
    Ok(Box::new(AcedataSettings {
        token: input.single_secret(vars::ACEDATACLOUD_PLATFORM_TOKEN, raw.token.as_ref()),
        endpoint: input.setting(
            vars::AIGCUSAGE_ACEDATA_ENDPOINT,
            "endpoint",
            raw.endpoint.as_deref(),
            defaults::ENDPOINT,
            parse_endpoint,
        )?,
        scope: input.scope(),
    }))
}

/// Its settings when nothing is set.
pub fn default_settings() -> Box<dyn ProviderSettings> {
    Box::new(AcedataSettings::default())
}

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

pub fn has_credentials(all: &Settings) -> bool {
    settings(all).has_credentials()
}

/// Its section of `config init`'s template, under `[default.acedata]`: commented examples
/// (`# key = value`) and prose.
pub const CONFIG_TEMPLATE: &str = r#"# AceData Cloud. Environment: ACEDATACLOUD_PLATFORM_TOKEN.
# token = "platform-v1-xxxxxxxxxxxxxxxxxxxxxxxx"
# endpoint = "https://platform.acedata.cloud"
"#;

/// Its section of `config show`.
pub fn show(settings: &Settings) -> Vec<Shown> {
    let c = self::settings(settings);
    vec![
        shown("token", c.token.as_ref(), shown_secret),
        shown("endpoint", Some(&c.endpoint), shown_text),
    ]
}

/// The keys of its config-file section, `[<profile>.acedata]`.
pub const CONFIG_KEYS: &[&str] = &["token", "endpoint"];

/// The keys of its section that hold secrets.
pub const SECRET_CONFIG_KEYS: &[&str] = &["token"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_support::prod_scope;
    use crate::config::Origin;

    #[test]
    fn explicit_profile_without_keys_says_env_is_ignored() {
        let a = AcedataSettings {
            scope: prod_scope(Some(Origin::Env)),
            ..Default::default()
        };
        let e = a.token().unwrap_err().to_string();
        assert!(
            e.contains("(named by AIGCUSAGE_PROFILE) has no token under [prod.acedata]"),
            "{e}"
        );
    }
}
