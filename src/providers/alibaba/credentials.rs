//! Alibaba Cloud settings: the variables, defaults and config-file section that carry
//! them, their resolution, and the credentials they hold.

use serde::Deserialize;

use crate::config::endpoint::parse_endpoint;
use crate::config::{
    shown, shown_id, shown_secret, shown_text, KeyPair, KeyPairNames, KeyPairSettings,
    ProfileScope, ProviderSettings, SectionInput, Settings, Shown, Sourced,
};
use crate::error::Error;
use crate::providers::EnvVar;
use crate::secret::Secret;

/// The environment variables it reads.
pub mod vars {
    pub const ALIBABA_CLOUD_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
    pub const ALIBABA_CLOUD_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
    pub const ALIBABA_CLOUD_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
    pub const AIGCUSAGE_MODELROUTER_ENDPOINT: &str = "AIGCUSAGE_MODELROUTER_ENDPOINT";
}

/// Built-in defaults.
pub mod defaults {
    /// The ModelRouter (AiContent) endpoint.
    pub const ENDPOINT: &str = "https://aicontent.aliyuncs.com";
}

/// What it signs with.
pub type AlibabaCredentials = KeyPair;

/// Its resolved settings.
#[derive(Debug, Clone, PartialEq)]
pub struct AlibabaSettings {
    /// AccessKey ID, AccessKey secret and the STS security token.
    pub keys: KeyPairSettings,
    pub endpoint: Sourced<String>,
    pub scope: ProfileScope,
}

impl Default for AlibabaSettings {
    fn default() -> Self {
        AlibabaSettings {
            keys: KeyPairSettings::default(),
            endpoint: Sourced::default_value(defaults::ENDPOINT.to_string()),
            scope: ProfileScope::default(),
        }
    }
}

impl ProviderSettings for AlibabaSettings {
    fn clone_box(&self) -> Box<dyn ProviderSettings> {
        Box::new(self.clone())
    }
}

const KEY_PAIR: KeyPairNames = KeyPairNames {
    what: "missing Alibaba Cloud credentials",
    section: "alibaba",
    env_glob: VARIABLES,
    id: (vars::ALIBABA_CLOUD_ACCESS_KEY_ID, "access_key_id"),
    secret: (vars::ALIBABA_CLOUD_ACCESS_KEY_SECRET, "access_key_secret"),
    tokens: &[vars::ALIBABA_CLOUD_SECURITY_TOKEN],
};

impl AlibabaSettings {
    pub fn credentials(&self) -> Result<AlibabaCredentials, Error> {
        self.keys.credentials(&self.scope, &KEY_PAIR)
    }

    pub fn has_credentials(&self) -> bool {
        self.keys.is_set()
    }
}

/// Its settings in `settings`.
pub fn settings(settings: &Settings) -> &AlibabaSettings {
    settings.provider()
}

/// Its section of a profile, `[<profile>.alibaba]`, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(expecting = "a table such as [default.alibaba]")]
pub struct RawSection {
    pub access_key_id: Option<String>,
    pub access_key_secret: Option<String>,
    pub security_token: Option<String>,
    pub endpoint: Option<String>,
}

/// Its settings from the environment, its section and the defaults.
pub fn resolve(
    input: &SectionInput<'_>,
    warnings: &mut Vec<String>,
) -> Result<Box<dyn ProviderSettings>, Error> {
    let raw: RawSection = input.raw()?;
    let keys = input.key_pair(
        &KEY_PAIR,
        [
            raw.access_key_id.as_ref(),
            raw.access_key_secret.as_ref(),
            raw.security_token.as_ref(),
        ],
        warnings,
    );
    Ok(Box::new(AlibabaSettings {
        keys,
        endpoint: input.setting(
            vars::AIGCUSAGE_MODELROUTER_ENDPOINT,
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
    Box::new(AlibabaSettings::default())
}

pub const ENVIRONMENT: &[EnvVar] = &[
    EnvVar {
        name: vars::ALIBABA_CLOUD_ACCESS_KEY_ID,
        meaning: "Alibaba Cloud AccessKey ID (ModelRouter)",
    },
    EnvVar {
        name: vars::ALIBABA_CLOUD_ACCESS_KEY_SECRET,
        meaning: "Alibaba Cloud AccessKey secret",
    },
    EnvVar {
        name: vars::ALIBABA_CLOUD_SECURITY_TOKEN,
        meaning: "Alibaba Cloud STS security token of temporary credentials",
    },
    EnvVar {
        name: vars::AIGCUSAGE_MODELROUTER_ENDPOINT,
        meaning: "ModelRouter (AiContent) base URL",
    },
];

/// Its credential variables in short.
pub const VARIABLES: &str = "ALIBABA_CLOUD_*";

pub const HINT: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET";

/// `--demo`: credentials that sign requests nobody receives.
pub fn demo() -> KeyPair {
    KeyPair {
        id: "LTAIDEMO000000000000demo".to_string(),
        secret: Secret::new("demo-secret-not-used-00000"),
        token: None,
    }
}

pub fn has_credentials(all: &Settings) -> bool {
    settings(all).has_credentials()
}

/// Its section of `config init`'s template, under `[default.alibaba]`: commented examples
/// (`# key = value`) and prose.
pub const CONFIG_TEMPLATE: &str = r#"# Alibaba Cloud (modelrouter). Environment: ALIBABA_CLOUD_ACCESS_KEY_ID,
# ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN.
# access_key_id = "LTAIxxxxxxxxxxxxxxxxxxxx"
# access_key_secret = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
# security_token = "xxxxxxxx"    # only for STS credentials
# endpoint = "https://aicontent.aliyuncs.com"
"#;

/// Its section of `config show`.
pub fn show(settings: &Settings) -> Vec<Shown> {
    let a = self::settings(settings);
    vec![
        shown("access_key_id", a.keys.id.as_ref(), shown_id),
        shown("access_key_secret", a.keys.secret.as_ref(), shown_secret),
        shown("security_token", a.keys.token.as_ref(), shown_secret),
        shown("endpoint", Some(&a.endpoint), shown_text),
    ]
}

/// The keys of its config-file section, `[<profile>.alibaba]`.
pub const CONFIG_KEYS: &[&str] = &[
    "access_key_id",
    "access_key_secret",
    "security_token",
    "endpoint",
];

/// The keys of its section that hold secrets.
pub const SECRET_CONFIG_KEYS: &[&str] = &["access_key_secret", "security_token"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Origin;

    #[test]
    fn half_set_env_credentials_name_the_missing_variable() {
        let a = AlibabaSettings {
            keys: KeyPairSettings {
                secret: Some(Sourced::new(Secret::new("s3cr3t-value"), Origin::Env)),
                ..Default::default()
            },
            ..Default::default()
        };
        let e = a.credentials().unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains(
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET is set but ALIBABA_CLOUD_ACCESS_KEY_ID is not"
        ));
        assert!(!e.to_string().contains("s3cr3t-value"));
    }
}
