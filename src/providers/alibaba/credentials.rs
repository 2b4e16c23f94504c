//! Alibaba Cloud credentials: the variables that carry them and whether settings hold them.

use crate::config::{shown, shown_id, shown_secret, shown_text, vars, KeyPair, Settings, Shown};
use crate::providers::EnvVar;
use crate::secret::Secret;

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

pub fn has_credentials(settings: &Settings) -> bool {
    settings.alibaba.has_credentials()
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
    let a = &settings.alibaba;
    vec![
        shown("access_key_id", a.access_key_id.as_ref(), shown_id),
        shown(
            "access_key_secret",
            a.access_key_secret.as_ref(),
            shown_secret,
        ),
        shown("security_token", a.security_token.as_ref(), shown_secret),
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
