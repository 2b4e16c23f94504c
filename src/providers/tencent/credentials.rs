//! Tencent Cloud settings: the variables, defaults and config-file section that carry
//! them, their resolution, and the credentials they hold.

use serde::Deserialize;

use crate::config::endpoint::{parse_endpoint, parse_region};
use crate::config::{
    shown, shown_id, shown_secret, shown_text, KeyPair, KeyPairNames, KeyPairSettings,
    ProfileScope, ProviderSettings, SectionInput, Settings, Shown, Sourced,
};
use crate::error::Error;
use crate::providers::EnvVar;
use crate::secret::Secret;

/// The environment variables it reads.
pub mod vars {
    pub const TENCENTCLOUD_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
    pub const TENCENTCLOUD_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
    pub const TENCENTCLOUD_TOKEN: &str = "TENCENTCLOUD_TOKEN";
    /// Alias of `TENCENTCLOUD_TOKEN`, read when that one is unset.
    pub const TENCENTCLOUD_SESSION_TOKEN: &str = "TENCENTCLOUD_SESSION_TOKEN";
    pub const TENCENTCLOUD_REGION: &str = "TENCENTCLOUD_REGION";
    pub const AIGCUSAGE_VOD_ENDPOINT: &str = "AIGCUSAGE_VOD_ENDPOINT";
    pub const AIGCUSAGE_LKE_ENDPOINT: &str = "AIGCUSAGE_LKE_ENDPOINT";
}

/// Built-in defaults.
pub mod defaults {
    pub const VOD_ENDPOINT: &str = crate::providers::tencent::vod::DEFAULT_ENDPOINT;
    pub const LKE_ENDPOINT: &str = "https://lke.intl.tencentcloudapi.com";
    pub const LKE_REGION: &str = "ap-jakarta";
}

/// What it signs with.
pub type TencentCredentials = KeyPair;

/// Its resolved settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TencentSettings {
    /// SecretId, SecretKey and the session token.
    pub keys: KeyPairSettings,
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
            keys: KeyPairSettings::default(),
            region: Sourced::default_value(defaults::LKE_REGION.to_string()),
            vod_endpoint: Sourced::default_value(defaults::VOD_ENDPOINT.to_string()),
            lke_endpoint: Sourced::default_value(defaults::LKE_ENDPOINT.to_string()),
            sub_app_id: None,
            scope: ProfileScope::default(),
        }
    }
}

impl ProviderSettings for TencentSettings {
    fn clone_box(&self) -> Box<dyn ProviderSettings> {
        Box::new(self.clone())
    }
}

const KEY_PAIR: KeyPairNames = KeyPairNames {
    what: "missing Tencent Cloud credentials",
    section: "tencent",
    env_glob: VARIABLES,
    id: (vars::TENCENTCLOUD_SECRET_ID, "secret_id"),
    secret: (vars::TENCENTCLOUD_SECRET_KEY, "secret_key"),
    tokens: &[vars::TENCENTCLOUD_TOKEN, vars::TENCENTCLOUD_SESSION_TOKEN],
};

impl TencentSettings {
    pub fn credentials(&self) -> Result<TencentCredentials, Error> {
        self.keys.credentials(&self.scope, &KEY_PAIR)
    }

    pub fn has_credentials(&self) -> bool {
        self.keys.is_set()
    }
}

/// Its settings in `settings`.
pub fn settings(settings: &Settings) -> &TencentSettings {
    settings.provider()
}

/// Its section of a profile, `[<profile>.tencent]`, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(expecting = "a table such as [default.tencent]")]
pub struct RawSection {
    pub secret_id: Option<String>,
    pub secret_key: Option<String>,
    pub token: Option<String>,
    pub region: Option<String>,
    pub vod_endpoint: Option<String>,
    pub lke_endpoint: Option<String>,
    pub sub_app_id: Option<u64>,
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
            raw.secret_id.as_ref(),
            raw.secret_key.as_ref(),
            raw.token.as_ref(),
        ],
        warnings,
    );
    Ok(Box::new(TencentSettings {
        keys,
        region: input.setting(
            vars::TENCENTCLOUD_REGION,
            "region",
            raw.region.as_deref(),
            defaults::LKE_REGION,
            parse_region,
        )?,
        vod_endpoint: input.setting(
            vars::AIGCUSAGE_VOD_ENDPOINT,
            "vod_endpoint",
            raw.vod_endpoint.as_deref(),
            defaults::VOD_ENDPOINT,
            parse_endpoint,
        )?,
        lke_endpoint: input.setting(
            vars::AIGCUSAGE_LKE_ENDPOINT,
            "lke_endpoint",
            raw.lke_endpoint.as_deref(),
            defaults::LKE_ENDPOINT,
            parse_endpoint,
        )?,
        sub_app_id: input.file_only(raw.sub_app_id),
        scope: input.scope(),
    }))
}

/// Its settings when nothing is set.
pub fn default_settings() -> Box<dyn ProviderSettings> {
    Box::new(TencentSettings::default())
}

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

pub fn has_credentials(all: &Settings) -> bool {
    settings(all).has_credentials()
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
    let t = self::settings(settings);
    vec![
        shown("secret_id", t.keys.id.as_ref(), shown_id),
        shown("secret_key", t.keys.secret.as_ref(), shown_secret),
        shown("token", t.keys.token.as_ref(), shown_secret),
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

/// The keys of its section that hold secrets.
pub const SECRET_CONFIG_KEYS: &[&str] = &["secret_key", "token"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_support::{config, inputs, prod_scope, FULL};
    use crate::config::{load, Origin};

    fn tencent(s: &Settings) -> &TencentSettings {
        settings(s)
    }

    #[test]
    fn no_tencent_credentials_names_both_variables_and_the_file() {
        let t = TencentSettings {
            scope: prod_scope(None),
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
            keys: KeyPairSettings {
                id: Some(Sourced::new("AKIDEXAMPLE".into(), Origin::Env)),
                ..Default::default()
            },
            ..Default::default()
        };
        let e = t.credentials().unwrap_err().to_string();
        assert_eq!(
            e,
            "missing Tencent Cloud credentials: TENCENTCLOUD_SECRET_ID is set but TENCENTCLOUD_SECRET_KEY is not; set TENCENTCLOUD_SECRET_KEY"
        );
    }

    #[test]
    fn half_set_file_credentials_name_the_missing_key() {
        let t = TencentSettings {
            keys: KeyPairSettings {
                secret: Some(Sourced::new(Secret::new("k"), Origin::File)),
                ..Default::default()
            },
            scope: prod_scope(None),
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
            scope: prod_scope(Some(Origin::Flag)),
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
    }

    #[test]
    fn complete_credentials_are_returned() {
        let t = TencentSettings {
            keys: KeyPairSettings {
                id: Some(Sourced::new("AKIDEXAMPLE".into(), Origin::File)),
                secret: Some(Sourced::new(Secret::new("key"), Origin::File)),
                token: Some(Sourced::new(Secret::new("tok"), Origin::File)),
            },
            ..Default::default()
        };
        let c = t.credentials().unwrap();
        assert_eq!(c.id, "AKIDEXAMPLE");
        assert_eq!(c.secret.expose(), "key");
        assert_eq!(c.token.unwrap().expose(), "tok");
        assert!(t.has_credentials());
    }

    #[test]
    fn tencent_token_alias_loses_to_the_main_name() {
        let f = config("");
        let s = load(&inputs(
            &f.path,
            &[
                ("TENCENTCLOUD_SECRET_ID", "id"),
                ("TENCENTCLOUD_SECRET_KEY", "key"),
                ("TENCENTCLOUD_TOKEN", "main-token"),
                ("TENCENTCLOUD_SESSION_TOKEN", "alias-token"),
            ],
        ))
        .unwrap();
        assert_eq!(
            tencent(&s).credentials().unwrap().token.unwrap().expose(),
            "main-token"
        );
    }

    #[test]
    fn env_credentials_beat_the_default_profile_as_a_group() {
        let f = config(FULL);
        // Only the id in the environment: the key is NOT taken from the file.
        let s = load(&inputs(
            &f.path,
            &[("TENCENTCLOUD_SECRET_ID", "AKIDenv0000000000009")],
        ))
        .unwrap();
        let e = tencent(&s).credentials().unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(
            e.to_string()
                .contains("TENCENTCLOUD_SECRET_ID is set but TENCENTCLOUD_SECRET_KEY is not"),
            "{e}"
        );
    }

    #[test]
    fn invalid_region_is_a_config_error() {
        let f = config("");
        let e = load(&inputs(&f.path, &[("TENCENTCLOUD_REGION", "ap jakarta")])).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains("(from TENCENTCLOUD_REGION)"));
    }

    #[test]
    fn lone_token_env_is_ignored_with_a_warning() {
        let f = config(FULL);
        let s = load(&inputs(
            &f.path,
            &[("TENCENTCLOUD_TOKEN", "lonely-token-0001")],
        ))
        .unwrap();
        assert_eq!(tencent(&s).keys.token, None);
        assert_eq!(tencent(&s).keys.id.as_ref().unwrap().origin, Origin::File);
        assert!(s
            .warnings
            .iter()
            .any(|w| w.starts_with("TENCENTCLOUD_TOKEN is set but")));
        assert!(s.warnings.iter().all(|w| !w.contains("lonely-token-0001")));
    }
}
