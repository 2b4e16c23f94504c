//! Fixtures for tests of the settings: config files at temporary paths and the inputs
//! that read them.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::Inputs;

pub(crate) const FULL: &str = r#"
[default]
output = "csv"
tz = "Asia/Shanghai"

[default.tencent]
secret_id = "AKIDdefault000000001"
secret_key = "default-secret-key-0001"
region = "ap-singapore"
vod_endpoint = "https://vod.tencentcloudapi.com"
lke_endpoint = "https://lke.tencentcloudapi.com/"
sub_app_id = 200000004

[default.alibaba]
access_key_id = "LTAIdefault00000001"
access_key_secret = "default-alibaba-secret-0001"
endpoint = "http://127.0.0.1:8080"

[default.acedata]
token = "platform-v1-default-0001"
endpoint = "https://platform.acedata.cloud"

[prod]
[prod.tencent]
secret_id = "AKIDprod000000000002"
secret_key = "prod-secret-key-0002"

[work.acedata]
token = "platform-v1-work-0003"
"#;

pub(crate) struct Fixture {
    _dir: tempfile::TempDir,
    pub(crate) path: PathBuf,
}

/// A config file with mode 0600 at a temporary path.
pub(crate) fn config(text: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    fs::write(&path, text).unwrap();
    chmod(&path, 0o600);
    Fixture { _dir: dir, path }
}

pub(crate) fn chmod(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

pub(crate) fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Inputs that read `path` through `--config` and the given environment.
pub(crate) fn inputs(path: &Path, pairs: &[(&str, &str)]) -> Inputs {
    Inputs {
        config_flag: Some(path.to_path_buf()),
        env: env(pairs),
        ..Default::default()
    }
}

/// The scope of profile `prod` in the usual config path, named by `named_by`.
pub(crate) fn prod_scope(named_by: Option<super::Origin>) -> super::ProfileScope {
    super::ProfileScope {
        profile: "prod".into(),
        path: PathBuf::from("/home/u/.config/aigcusage/config.toml"),
        named_by,
    }
}
