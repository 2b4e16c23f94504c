//! Spec §8: costs are exact decimals, rounded half away from zero to 6 places only when
//! printed. A price of 0.0333333 per second makes every 15 s day cost 0.4999995 (printed
//! 0.5), so any total, bucket or forecast built from the printed days is off in the last
//! place. The demo's VOD answers are pinned with AIGCUSAGE_NOW; the test first checks the
//! seconds it prices, so a change in the demo data fails here, not silently.

use std::path::PathBuf;

use serde_json::Value;

use crate::support::*;

const NOW: &str = "2026-12-08T12:00:00Z";

const BOOK: &str = r#"
[[price]]
provider = "tencent"
source = "vod.aigc_usage"
match = ".*"
metric = "usage"
unit = "seconds"
price = "0.0333333"
currency = "CNY"

[[price]]
provider = "tencent"
source = "vod.aigc_usage"
match = ".*"
metric = "count"
unit = "tasks"
price = "0"
currency = "CNY"
"#;

fn book(dir: &tempfile::TempDir) -> PathBuf {
    let path = dir.path().join("prices.toml");
    std::fs::write(&path, BOOK).unwrap();
    path
}

fn demo(args: &[&str], prices: &PathBuf) -> std::process::Output {
    run(aigcusage()
        .env("AIGCUSAGE_NOW", NOW)
        .args(["--demo", "--prices"])
        .arg(prices)
        .args(args))
}

/// The `usage` cost series of a report document.
fn usage_cost(doc: &Value) -> &Value {
    doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["labels"]["priced_metric"] == "usage")
        .unwrap_or_else(|| panic!("no cost of usage in {doc}"))
}

#[test]
fn the_seconds_priced_are_the_demo_days() {
    let out = run(aigcusage().env("AIGCUSAGE_NOW", NOW).args([
        "vod",
        "usage",
        "--type",
        "video",
        "--demo",
        "--start",
        "2026-11-24",
        "--end",
        "2026-12-08",
        "-o",
        "json",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json_of(&out);
    let seconds: Vec<f64> = doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["metric"] == "usage")
        .unwrap()["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .collect();
    assert_eq!(
        seconds,
        [10., 20., 15., 10., 15., 10., 10., 15., 20., 15., 20., 20., 20., 20., 15.]
    );
}

#[test]
fn totals_and_longer_buckets_add_exact_costs() {
    let dir = tempfile::tempdir().unwrap();
    let prices = book(&dir);
    // 1–8 December: 145 s × 0.0333333 = 4.8333285, printed 4.833329 (the printed days
    // add up to 4.83333).
    let by_day = demo(
        &[
            "vod", "usage", "--type", "video", "--cost", "--last", "7d", "-o", "json",
        ],
        &prices,
    );
    assert_eq!(by_day.status.code(), Some(0), "{}", stderr(&by_day));
    assert_eq!(usage_cost(&json_of(&by_day))["total"], 4.833329);

    let table = demo(
        &["vod", "usage", "--type", "video", "--cost", "--last", "7d"],
        &prices,
    );
    let text = stdout(&table);
    let total_row = text.lines().find(|l| l.contains("total  ")).unwrap();
    assert!(total_row.contains("4.833329"), "{text}");

    // Weeks: 1–6 December (110 s) = 3.666663, 7–8 December (35 s) = 1.1666655 → 1.166666.
    let weeks = demo(
        &[
            "report",
            "--providers",
            "vod",
            "--cost",
            "--last",
            "7d",
            "--group-by",
            "week",
            "-o",
            "json",
        ],
        &prices,
    );
    assert_eq!(weeks.status.code(), Some(0), "{}", stderr(&weeks));
    let doc = json_of(&weeks);
    let cost = usage_cost(&doc);
    let buckets: Vec<f64> = cost["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .collect();
    assert_eq!(buckets, [3.666663, 1.166666]);
    assert_eq!(cost["total"], 4.833329);
}

#[test]
fn forecasts_and_their_budget_use_exact_costs() {
    let dir = tempfile::tempdir().unwrap();
    let prices = book(&dir);
    let out = demo(
        &["forecast", "--providers", "vod", "--cost", "-o", "json"],
        &prices,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json_of(&out);
    // actual: 1–7 December, 130 s = 4.333329; basis: 24 November – 7 December, 220 s,
    // 7.333326 / 14 = 0.523809 a day; forecast = 4.333329 + 24 × 0.523809 = 16.904745.
    assert_eq!(doc["total"]["actual"], 4.333329, "{doc}");
    assert_eq!(doc["total"]["forecast"], 16.904745, "{doc}");

    // At the exact forecast the budget is reached; a millionth above it, it is not.
    let at = demo(
        &[
            "forecast",
            "--providers",
            "vod",
            "--currency",
            "CNY",
            "--budget",
            "16.904745",
        ],
        &prices,
    );
    assert_eq!(at.status.code(), Some(7), "{}", stderr(&at));
    let above = demo(
        &[
            "forecast",
            "--providers",
            "vod",
            "--currency",
            "CNY",
            "--budget",
            "16.904746",
        ],
        &prices,
    );
    assert_eq!(above.status.code(), Some(0), "{}", stderr(&above));
}

/// Spec §8/§11: a FOCUS row of a longer bucket costs what `--cost` shows for it: each day
/// priced on its own date, then added (not the bucket's seconds at its first day's price).
#[test]
fn focus_buckets_across_a_price_change_cost_what_cost_shows() {
    let dir = tempfile::tempdir().unwrap();
    let prices = dir.path().join("change.toml");
    std::fs::write(
        &prices,
        r#"
[[price]]
provider = "tencent"
source = "vod.aigc_usage"
match = ".*"
metric = "usage"
unit = "seconds"
price = "1"
currency = "CNY"
until = "2026-12-04"

[[price]]
provider = "tencent"
source = "vod.aigc_usage"
match = ".*"
metric = "usage"
unit = "seconds"
price = "2"
currency = "CNY"
from = "2026-12-04"

[[price]]
provider = "tencent"
source = "vod.aigc_usage"
match = ".*"
metric = "count"
unit = "tasks"
price = "0"
currency = "CNY"
"#,
    )
    .unwrap();
    let args = [
        "report",
        "--providers",
        "vod",
        "--vod-type",
        "Video",
        "--start",
        "2026-12-01",
        "--end",
        "2026-12-07",
        "--group-by",
        "month",
    ];
    // 1–3 December: 50 s at 1; 4–7 December: 80 s at 2.
    let json = demo(&[&args[..], &["--cost", "-o", "json"]].concat(), &prices);
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    assert_eq!(usage_cost(&json_of(&json))["points"][0]["value"], 210);

    let focus = demo(&[&args[..], &["-o", "focus"]].concat(), &prices);
    assert_eq!(focus.status.code(), Some(0), "{}", stderr(&focus));
    let text = stdout(&focus);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let usage: Vec<Vec<&str>> = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|row| row[column("x_Metric")] == "usage")
        .collect();
    assert_eq!(usage.len(), 1, "{text}");
    assert_eq!(usage[0][column("BilledCost")], "210.0", "{text}");
    assert_eq!(usage[0][column("ConsumedQuantity")], "130.0", "{text}");
    assert_eq!(
        usage[0][column("ChargePeriodStart")],
        "2026-11-30T16:00:00Z"
    );
}
