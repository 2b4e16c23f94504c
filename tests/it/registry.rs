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

#[test]
fn top_level_help_lists_every_registered_provider_command() {
    let output = run(aigcusage().arg("--help"));
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for provider in REGISTRY {
        let tree = (provider.commands.augment)(clap::Command::new("probe"));
        let names: Vec<_> = tree.get_subcommands().map(|c| c.get_name()).collect();
        assert!(!names.is_empty(), "{} has no subcommand", provider.id);
        for name in names {
            assert!((provider.commands.has_subcommand)(name), "{name}");
            assert!(
                text.lines().any(|line| line.trim_start().starts_with(name)),
                "{name} of {} missing from --help:\n{text}",
                provider.id
            );
            let help = run(aigcusage().args([name, "--help"]));
            assert!(help.status.success(), "{name} --help: {}", stderr(&help));
        }
    }
}

#[test]
fn demo_prices_price_every_quantity_of_every_provider_that_supplies_them() {
    let output = run(aigcusage().args(["report", "--demo", "--cost", "-o", "json"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let unpriced = doc["unpriced"].as_array().cloned().unwrap_or_default();
    assert!(unpriced.is_empty(), "{unpriced:?}");
    let book = aigcusage::cost::demo::demo_price_book();
    for provider in REGISTRY.iter().filter(|p| !p.demo_prices.is_empty()) {
        assert!(book.contains(provider.demo_prices), "{}", provider.id);
        let template = aigcusage::cost::demo::prices_template();
        assert!(
            template.contains(provider.prices_example),
            "{}",
            provider.id
        );
    }
}
