//! Tencent Cloud credentials: the variables that carry them and whether settings hold them.

use crate::config::{shown, shown_id, shown_secret, shown_text, vars, KeyPair, Settings, Shown};
use crate::providers::EnvVar;
use crate::secret::Secret;

pub const ENVIRONMENT: &[EnvVar] = &[
    EnvVar {
        name: vars::TENCENTCLOUD_SECRET_ID,
        meaning: "Tencent Cloud SecretId (VOD and LKE)",
    },
    EnvVar {
        name: vars::TENCENTCLOUD_SECRET_KEY,
        meaning: "Tencent Cloud SecretKey",
    },
    EnvVar {
        name: vars::TENCENTCLOUD_TOKEN,
        meaning: "Tencent Cloud session token of temporary credentials",
    },
    EnvVar {
        name: vars::TENCENTCLOUD_SESSION_TOKEN,
        meaning: "alias of TENCENTCLOUD_TOKEN, read when that one is unset",
    },
    EnvVar {
        name: vars::TENCENTCLOUD_REGION,
        meaning: "LKE region, default ap-jakarta",
    },
    EnvVar {
        name: vars::AIGCUSAGE_VOD_ENDPOINT,
        meaning: "VOD base URL",
    },
    EnvVar {
        name: vars::AIGCUSAGE_LKE_ENDPOINT,
        meaning: "LKE base URL",
    },
];

/// Its credential variables in short.
pub const VARIABLES: &str = "TENCENTCLOUD_*";

pub const HINT: &str = "TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY";

/// `--demo`: credentials that sign requests nobody receives.
pub fn demo() -> KeyPair {
    KeyPair {
        id: "AKIDDEMO0000000000000000demo".to_string(),
        secret: Secret::new("demo-secret-key-not-used-0000"),
        token: None,
    }
}

pub fn has_credentials(settings: &Settings) -> bool {
    settings.tencent.has_credentials()
}

/// Its section of `config init`'s template, under `[default.tencent]`: commented examples
/// (`# key = value`) and prose.
pub const CONFIG_TEMPLATE: &str = r#"# Tencent Cloud (vod, lke). Environment: TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY,
# TENCENTCLOUD_TOKEN, TENCENTCLOUD_REGION.
# secret_id = "AKIDxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
# secret_key = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
# token = "xxxxxxxx"             # only for temporary credentials
# region = "ap-jakarta"          # lke region
# vod_endpoint = "https://vod.intl.tencentcloudapi.com"
# lke_endpoint = "https://lke.intl.tencentcloudapi.com"
# sub_app_id = 200000004         # default --sub-app-id
"#;

/// Its section of `config show`.
pub fn show(settings: &Settings) -> Vec<Shown> {
    let t = &settings.tencent;
    vec![
        shown("secret_id", t.secret_id.as_ref(), shown_id),
        shown("secret_key", t.secret_key.as_ref(), shown_secret),
        shown("token", t.token.as_ref(), shown_secret),
        shown("region", Some(&t.region), shown_text),
        shown("vod_endpoint", Some(&t.vod_endpoint), shown_text),
        shown("lke_endpoint", Some(&t.lke_endpoint), shown_text),
        shown("sub_app_id", t.sub_app_id.as_ref(), |n: &u64| {
            serde_json::json!(n)
        }),
    ]
}

/// The keys of its config-file section, `[<profile>.tencent]`.
pub const CONFIG_KEYS: &[&str] = &[
    "secret_id",
    "secret_key",
    "token",
    "region",
    "vod_endpoint",
    "lke_endpoint",
    "sub_app_id",
];
