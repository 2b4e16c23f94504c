//! Tencent Cloud credentials: the variables that carry them and whether settings hold them.

use crate::config::{vars, KeyPair, Settings};
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
