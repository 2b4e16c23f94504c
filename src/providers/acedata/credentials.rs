//! AceData Cloud credentials: the variables that carry them and whether settings hold them.

use crate::config::{vars, Settings};
use crate::providers::EnvVar;

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

pub const HINT: &str = "ACEDATACLOUD_PLATFORM_TOKEN";

pub fn has_credentials(settings: &Settings) -> bool {
    settings.acedata.has_credentials()
}
