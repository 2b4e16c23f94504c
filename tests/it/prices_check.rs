//! `prices check` (spec §8): non-additive series (spec §5 v3: ModelRouter's `model_count`)
//! are never priced, so they are listed as such, in order, and never make the exit 7; a
//! failed provider leaves the check incomplete.

use serde_json::json;

use crate::support::*;

const NOT_ADDITIVE: &str = "not additive (never priced)";

#[test]
fn non_additive_series_are_listed_as_never_priced() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(aigcusage()
        .env("XDG_CONFIG_HOME", dir.path())
        .args(["prices", "check", "--demo"]));
    // The example book prices everything else: model_count does not make it exit 7.
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    let model_count = lines
        .iter()
        .position(|l| l.contains(NOT_ADDITIVE))
        .unwrap_or_else(|| panic!("no non-additive line: {text}"));
    assert_eq!(
        lines.iter().filter(|l| l.contains(NOT_ADDITIVE)).count(),
        1,
        "{text}"
    );
    let line = lines[model_count];
    let columns: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        columns[..4],
        [
            "alibaba",
            "modelrouter.cost_trend",
            "model_count",
            "model_count"
        ],
        "{line}"
    );
    assert!(line.ends_with(&format!("  {NOT_ADDITIVE}")), "{line}");
    // In the order of the other lines (provider, source, name, metric), the same columns.
    let names: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("alibaba "))
        .map(|l| l.split_whitespace().nth(2).unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "image_count",
            "model_count",
            "total_amount",
            "total_calls",
            "video_duration"
        ],
        "{text}"
    );
    let column = |l: &str| l.find(&format!("  {}", l.split("  ").last().unwrap()));
    assert_eq!(
        column(line),
        column(lines[model_count - 1]),
        "columns differ: {text}"
    );

    let output = run(aigcusage()
        .env("XDG_CONFIG_HOME", dir.path())
        .args(["prices", "check", "--demo", "-o", "json"]));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let doc = json_of(&output);
    assert_eq!(doc["complete"], true);
    let series = doc["series"].as_array().unwrap();
    let entry = series
        .iter()
        .find(|s| s["name"] == "model_count")
        .unwrap_or_else(|| panic!("no model_count: {doc}"));
    assert_eq!(
        *entry,
        json!({
            "provider": "alibaba",
            "source": "modelrouter.cost_trend",
            "name": "model_count",
            "metric": "model_count",
            "unit": null,
            "labels": {},
            "status": "not additive",
            "entries": [],
            "unpriced_points": 0,
        })
    );
    assert_eq!(
        series
            .iter()
            .filter(|s| s["status"] == "not additive")
            .count(),
        1
    );
}

/// A provider that failed was not checked: `complete` is false and its entries are not
/// called unused (they may well price its data); exit 6.
#[test]
fn a_failed_provider_is_not_complete_and_its_entries_not_unused() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("prices.toml");
    std::fs::write(
        &book,
        r#"
[[price]]
provider = "tencent"
source = "vod.aigc_usage"
match = ".*"
metric = "usage"
unit = "seconds"
price = "0.4"
currency = "CNY"

[[price]]
provider = "acedata"
source = "acedata.api_usage"
match = ".*"
metric = "amount"
unit = "credits"
price = "0.01"
currency = "USD"

[[price]]
provider = "acedata"
source = "acedata.api_usage"
match = ".*"
metric = "never"
unit = "credits"
price = "1"
currency = "USD"
"#,
    )
    .unwrap();
    // VOD answers only 365 days: a range in November 2025 fails it (code 2).
    let output = run(aigcusage()
        .env("AIGCUSAGE_NOW", "2026-12-08T12:00:00Z")
        .args(["prices", "check", "--demo", "--providers", "vod,acedata"])
        .args([
            "--start",
            "2025-11-01",
            "--end",
            "2025-11-05",
            "-o",
            "json",
            "--prices",
        ])
        .arg(&book));
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    let doc = json_of(&output);
    assert_eq!(doc["complete"], false, "{doc}");
    let unused: Vec<&str> = doc["unused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert_eq!(unused.len(), 1, "{doc}");
    assert!(unused[0].ends_with("prices.toml:20"), "{doc}");
}
