//! Every registered provider shows up everywhere, read from the registry alone: adding a
//! provider to `providers::REGISTRY` is enough for `report --demo`, `config show` and
//! `config init` to know it.

use aigcusage::providers::{sources, REGISTRY};

use crate::support::*;

#[test]
fn report_demo_has_every_registered_provider_and_source() {
    let output = run(aigcusage().args(["report", "--demo", "--last", "3d", "-o", "csv"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for (provider, source) in sources() {
        let pair = format!(",{},{},", provider.id, source.id);
        assert!(text.contains(&pair), "{pair} missing from:\n{text}");
    }
}

#[test]
fn config_show_has_every_registered_provider() {
    let output = run(aigcusage().args(["config", "show"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for provider in REGISTRY {
        assert!(
            text.lines()
                .any(|line| line.starts_with(&format!("{}.", provider.id))),
            "{} missing from:\n{text}",
            provider.id
        );
    }
}

#[test]
fn config_init_template_has_a_section_for_every_registered_provider() {
    let home = tempfile::tempdir().unwrap();
    let output = run(aigcusage()
        .env("HOME", home.path())
        .args(["config", "init"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let written =
        std::fs::read_to_string(home.path().join(".config/aigcusage/config.toml")).unwrap();
    for provider in REGISTRY {
        let section = format!("[default.{}]", provider.id);
        assert!(written.contains(&section), "{section} missing");
    }
}

#[test]
fn report_without_credentials_names_every_registered_credential_hint() {
    let output = run(aigcusage().args(["report", "--last", "3d"]));
    assert_eq!(output.status.code(), Some(3));
    let err = stderr(&output);
    for provider in REGISTRY {
        assert!(err.contains(provider.credentials_hint), "{err}");
    }
}
