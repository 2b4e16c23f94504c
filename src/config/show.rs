//! `config show`: every resolved setting with its origin; ids and secrets redacted to their
//! last 4 characters, missing values as `(not set)`.

use serde_json::{json, Map, Value};

use super::{Origin, ProfileScope, Settings, Sourced};
use crate::secret::{redact_id, Secret};

const NOT_SET: &str = "(not set)";

/// One line of `config show`: `section.key`, and the shown value with its origin.
struct Entry {
    section: Option<&'static str>,
    key: &'static str,
    value: Option<(Value, Origin)>,
}

/// One setting of a provider's section as `config show` shows it: its key, and its value
/// (already redacted) with its origin, `None` when not set.
pub struct Shown {
    pub key: &'static str,
    pub value: Option<(Value, Origin)>,
}

/// A setting shown with `show` (`text`, `id`, `secret`, or any other).
pub fn shown<T, U: ?Sized>(
    key: &'static str,
    value: Option<&Sourced<T>>,
    show: impl Fn(&U) -> Value,
) -> Shown
where
    T: std::borrow::Borrow<U>,
{
    Shown {
        key,
        value: value.map(|s| (show(s.value.borrow()), s.origin)),
    }
}

fn entry<T, U: ?Sized>(
    section: Option<&'static str>,
    key: &'static str,
    value: Option<&Sourced<T>>,
    show: impl Fn(&U) -> Value,
) -> Entry
where
    T: std::borrow::Borrow<U>,
{
    let Shown { key, value } = shown(key, value, show);
    Entry {
        section,
        key,
        value,
    }
}

/// A plain value.
pub fn text(s: &str) -> Value {
    Value::String(s.to_string())
}

/// An id, redacted to its last 4 characters.
pub fn id(s: &str) -> Value {
    Value::String(redact_id(s))
}

/// A secret, redacted to its last 4 characters.
pub fn secret(s: &Secret) -> Value {
    Value::String(s.redacted())
}

/// The general settings, then every registered provider's section.
fn entries(s: &Settings) -> Vec<Entry> {
    let mut entries = vec![
        entry(None, "profile", Some(&s.profile), text),
        entry(None, "output", Some(&s.output), text),
        entry(None, "tz", Some(&s.tz), |z| Value::String(z.to_string())),
        entry(None, "prices", s.prices.as_ref(), |p: &std::path::Path| {
            Value::String(p.display().to_string())
        }),
        entry(None, "currency", s.currency.as_ref(), text),
        store_entry(s),
        entry(None, "account", Some(&s.account), text),
    ];
    for provider in crate::providers::REGISTRY {
        entries.extend((provider.show)(s).into_iter().map(|shown| Entry {
            section: Some(provider.id),
            key: shown.key,
            value: shown.value,
        }));
    }
    entries
}

/// The store URL, redacted (a password is never shown); an invalid one says so.
fn store_entry(s: &Settings) -> Entry {
    let value = match s.store.url() {
        Ok(url) => Some((Value::String(url.value.redacted()), url.origin)),
        Err(e) => s
            .store
            .given
            .as_ref()
            .map(|given| (Value::String(format!("(invalid: {e})")), given.origin)),
    };
    Entry {
        section: None,
        key: "store",
        value,
    }
}

fn config_value(s: &Settings) -> Option<String> {
    let path = &s.path.value;
    if path.as_os_str().is_empty() {
        return None;
    }
    let note = if s.file_found { "" } else { " (not found)" };
    Some(format!("{}{note}", path.display()))
}

fn explicit_note(s: &Settings) -> Option<String> {
    s.profile_explicit.then(|| {
        let listed = super::section::credential_variables_text();
        format!(
            "credentials come only from profile '{}' (named by {}); {listed} are ignored",
            s.profile.value,
            named_by_text(s.profile.origin)
        )
    })
}

/// `--profile` or `AIGCUSAGE_PROFILE`, for a profile named by `origin`.
fn named_by_text(origin: Origin) -> &'static str {
    ProfileScope {
        named_by: Some(origin),
        ..ProfileScope::default()
    }
    .named_by_text()
}

/// The `config show` text: one `name  value  origin` line per setting, aligned.
pub fn show_text(settings: &Settings) -> String {
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let config = config_value(settings);
    for e in entries(settings) {
        let name = match e.section {
            Some(section) => format!("{section}.{}", e.key),
            None => e.key.to_string(),
        };
        let (value, origin) = match e.value {
            Some((Value::String(v), origin)) => (v, origin.to_string()),
            Some((v, origin)) => (v.to_string(), origin.to_string()),
            None => (NOT_SET.to_string(), String::new()),
        };
        rows.push((name, value, origin));
        if e.key == "profile" {
            rows.push((
                "config".to_string(),
                config.clone().unwrap_or_else(|| NOT_SET.to_string()),
                if config.is_some() {
                    settings.path.origin.to_string()
                } else {
                    String::new()
                },
            ));
        }
    }
    let name_width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let value_width = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (name, value, origin) in rows {
        let line = format!("{name:<name_width$}  {value:<value_width$}  {origin}");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if let Some(note) = explicit_note(settings) {
        out.push('\n');
        out.push_str(&note);
        out.push('\n');
    }
    out
}

/// The `config show -o json` object: `{"profile": {"value": …, "origin": …}, "config": {…,
/// "found": bool}, "<provider>": {"<key>": {…} | null, …}, …, "warnings": […]}`.
pub fn show_json(settings: &Settings) -> Value {
    let mut root = Map::new();
    let mut sections: Vec<(&str, Map<String, Value>)> = Vec::new();
    for e in entries(settings) {
        let value = match e.value {
            Some((value, origin)) => json!({ "value": value, "origin": origin.as_str() }),
            None => Value::Null,
        };
        match e.section {
            None => {
                root.insert(e.key.to_string(), value);
            }
            Some(section) => {
                if sections.last().is_none_or(|(name, _)| *name != section) {
                    sections.push((section, Map::new()));
                }
                if let Some((_, map)) = sections.last_mut() {
                    map.insert(e.key.to_string(), value);
                }
            }
        }
    }
    root.insert(
        "profile_explicit".into(),
        Value::Bool(settings.profile_explicit),
    );
    root.insert(
        "config".into(),
        json!({
            "value": config_value(settings).map(|_| settings.path.value.display().to_string()),
            "origin": settings.path.origin.as_str(),
            "found": settings.file_found,
        }),
    );
    for (name, map) in sections {
        root.insert(name.to_string(), Value::Object(map));
    }
    root.insert("warnings".into(), json!(settings.warnings));
    Value::Object(root)
}

#[cfg(test)]
mod tests {
    use super::super::{load, Inputs};
    use super::*;
    use std::collections::HashMap;

    const ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
    const KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLEKEY1";
    const TOKEN: &str = "session-token-should-never-print-TOK9";
    const ALI_SECRET: &str = "alibaba-secret-never-print-SEC7";
    const ACE: &str = "platform-v1-acedata-never-print-ACE5";

    fn settings(profile_flag: Option<&str>) -> (tempfile::TempDir, Settings) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            format!(
                "[default]\ntz = \"Asia/Shanghai\"\n[default.tencent]\nsub_app_id = 200000004\n\
                 [default.acedata]\ntoken = \"{ACE}\"\n[prod.alibaba]\naccess_key_id = \"LTAI5tExampleId0001\"\n\
                 access_key_secret = \"{ALI_SECRET}\"\n"
            ),
        )
        .unwrap();
        let env: HashMap<String, String> = [
            ("TENCENTCLOUD_SECRET_ID", ID),
            ("TENCENTCLOUD_SECRET_KEY", KEY),
            ("TENCENTCLOUD_TOKEN", TOKEN),
            ("AIGCUSAGE_OUTPUT", "json"),
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tEnvId000002"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ALI_SECRET),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let s = load(&Inputs {
            config_flag: Some(path),
            profile_flag: profile_flag.map(str::to_string),
            tz_flag: None,
            output_flag: None,
            store_flag: None,
            env,
            tolerate_missing_file: false,
            ..Default::default()
        })
        .unwrap();
        (dir, s)
    }

    fn line<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} in\n{text}"))
            .split_whitespace()
            .collect()
    }

    #[test]
    fn show_text_redacts_and_names_origins() {
        let (_dir, s) = settings(None);
        let text = show_text(&s);
        for secret in [ID, KEY, TOKEN, ALI_SECRET, ACE] {
            assert!(!text.contains(secret), "{secret} in\n{text}");
        }
        assert_eq!(
            line(&text, "tencent.secret_id"),
            ["tencent.secret_id", "****MPLE", "env"]
        );
        assert_eq!(
            line(&text, "tencent.secret_key"),
            ["tencent.secret_key", "****KEY1", "env"]
        );
        assert_eq!(
            line(&text, "tencent.token"),
            ["tencent.token", "****TOK9", "env"]
        );
        assert_eq!(
            line(&text, "alibaba.access_key_secret"),
            ["alibaba.access_key_secret", "****SEC7", "env"]
        );
        assert_eq!(
            line(&text, "acedata.token"),
            ["acedata.token", "****ACE5", "file"]
        );
        assert_eq!(line(&text, "profile"), ["profile", "default", "default"]);
        assert_eq!(line(&text, "output"), ["output", "json", "env"]);
        assert_eq!(line(&text, "tz"), ["tz", "Asia/Shanghai", "file"]);
        assert_eq!(
            line(&text, "tencent.sub_app_id"),
            ["tencent.sub_app_id", "200000004", "file"]
        );
        assert_eq!(
            line(&text, "tencent.vod_endpoint"),
            [
                "tencent.vod_endpoint",
                "https://vod.intl.tencentcloudapi.com",
                "default"
            ]
        );
        assert_eq!(
            line(&text, "alibaba.security_token"),
            ["alibaba.security_token", "(not", "set)"]
        );
        let config = line(&text, "config");
        assert_eq!(config[1], s.path.value.display().to_string());
        assert_eq!(config[2], "flag");
        assert!(!text.contains("credentials come only"));
    }

    #[test]
    fn show_text_for_an_explicit_profile() {
        let (_dir, s) = settings(Some("prod"));
        let text = show_text(&s);
        assert!(!text.contains(ALI_SECRET));
        assert_eq!(line(&text, "profile"), ["profile", "prod", "flag"]);
        assert_eq!(
            line(&text, "tencent.secret_id"),
            ["tencent.secret_id", "(not", "set)"]
        );
        assert_eq!(
            line(&text, "alibaba.access_key_id"),
            ["alibaba.access_key_id", "****0001", "file"]
        );
        assert!(
            text.contains("credentials come only from profile 'prod' (named by --profile)"),
            "{text}"
        );
    }

    #[test]
    fn show_json_has_values_origins_and_nulls() {
        let (_dir, s) = settings(None);
        let v = show_json(&s);
        let text = v.to_string();
        for secret in [ID, KEY, TOKEN, ALI_SECRET, ACE] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(
            v["profile"],
            json!({"value": "default", "origin": "default"})
        );
        assert_eq!(v["profile_explicit"], json!(false));
        assert_eq!(v["config"]["origin"], "flag");
        assert_eq!(v["config"]["found"], true);
        assert_eq!(
            v["tencent"]["secret_key"],
            json!({"value": "****KEY1", "origin": "env"})
        );
        assert_eq!(
            v["tencent"]["sub_app_id"],
            json!({"value": 200000004, "origin": "file"})
        );
        assert_eq!(v["alibaba"]["security_token"], Value::Null);
        assert_eq!(v["acedata"]["endpoint"]["origin"], "default");
        // The fixture is written 0644 and holds secrets: the warning travels in the JSON too.
        assert_eq!(v["warnings"].as_array().unwrap().len(), 1);
        assert!(v["warnings"][0].as_str().unwrap().contains("holds secrets"));
    }

    #[test]
    fn show_without_a_path() {
        let s = Settings::default();
        let text = show_text(&s);
        assert_eq!(line(&text, "config"), ["config", "(not", "set)"]);
        assert_eq!(show_json(&s)["config"]["value"], Value::Null);
    }
}
