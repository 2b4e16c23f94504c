//! Narrow terminals (spec §2 "Table width follows the terminal, or `COLUMNS`", §5 table
//! output): no line of `forecast`, `prices check`, the breakdown tables or the `report`
//! summary is wider than `COLUMNS`, and narrowing the table never hides a value without
//! saying so.

use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use crate::support::*;

/// The pinned clock of every run here: 10:00 UTC on Friday 20 November 2026.
const NOW: &str = "2026-11-20T10:00:00Z";

fn demo_at(columns: usize, args: &[&str]) -> std::process::Output {
    run(aigcusage()
        .env("AIGCUSAGE_NOW", NOW)
        .env("COLUMNS", columns.to_string())
        .arg("--demo")
        .args(args))
}

/// stdout of a run that must succeed, with every line checked against `columns`
/// (terminal columns: `元` counts two).
fn fitted(columns: usize, args: &[&str]) -> String {
    let output = demo_at(columns, args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    let text = stdout(&output);
    for line in text.lines() {
        assert!(
            line.width() <= columns,
            "{args:?}: {} columns at COLUMNS={columns}: {line}\n{text}",
            line.width()
        );
    }
    text
}

#[test]
fn forecast_tables_fit_80_and_60_columns_and_say_what_they_left_out() {
    for args in [&["forecast", "--cost"][..], &["forecast"][..]] {
        let wide = fitted(200, args);
        assert!(!wide.contains("not shown"), "{wide}");
        assert!(wide.contains("basis"), "{wide}");
        for columns in [80, 60] {
            let text = fitted(columns, args);
            assert!(text.contains("not shown at this width:"), "{text}");
            assert!(text.contains("every field"), "{text}");
            // Names are shortened, never numbers: every forecast is whole.
            let doc = json_of(&demo_at(columns, &[args, &["-o", "json"][..]].concat()));
            for forecast in doc["forecasts"].as_array().unwrap() {
                let value = &forecast["forecast"];
                let shown = match value.as_f64() {
                    Some(v) if args.contains(&"--cost") => format!("{v:.2}"),
                    _ => value.to_string(),
                };
                assert!(text.contains(&format!(" {shown}")), "{shown}: {text}");
            }
        }
    }
    let text = fitted(60, &["forecast", "--cost"]);
    assert!(text.contains("total"), "{text}");
    assert!(text.contains('…'), "{text}");
}

#[test]
fn prices_check_fits_80_and_60_columns_and_never_cuts_a_unit() {
    for columns in [80, 60] {
        let text = fitted(columns, &["prices", "check"]);
        // Eleven priced or covered series and model_count, never priced.
        assert_eq!(text.lines().count(), 12, "{text}");
        for unit in ["(credits)", "(元)", "(次)", "(seconds)", "(tasks)"] {
            assert!(text.contains(unit), "{unit} at {columns}: {text}");
        }
        assert!(text.contains('…'), "{text}");
    }
}

/// Every point's value as the table prints it.
fn values(doc: &Value) -> Vec<String> {
    doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["points"].as_array().unwrap().iter())
        .map(|p| p["value"].to_string())
        .collect()
}

#[test]
fn a_breakdown_too_narrow_for_its_series_shows_one_row_per_value() {
    let args = ["acedata", "usage", "--last", "7d"];
    // Side by side at 60.
    let text = fitted(60, &args);
    assert!(!text.contains("one row per"), "{text}");
    let text = fitted(40, &args);
    assert!(text.contains("one row per time and series"), "{text}");
    let doc = json_of(&demo_at(40, &[&args[..], &["-o", "json"]].concat()));
    let values = values(&doc);
    assert!(values.len() >= 14, "{doc}");
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("│ 2026-")).collect();
    assert_eq!(rows.len(), values.len(), "{text}");
    for value in &values {
        assert!(
            rows.iter()
                .any(|r| r.contains(&format!(" {value} ")) || r.contains(&format!(" {value}*"))),
            "{value}: {text}"
        );
    }
    // A total row per series, and the unit they share heads the value column.
    assert_eq!(
        text.lines().filter(|l| l.starts_with("│ total ")).count(),
        2
    );
    assert!(text.contains("(credits)"), "{text}");
    insta::assert_snapshot!("acedata_usage_at_40", text);
}

#[test]
fn the_report_fits_40_columns() {
    let text = fitted(40, &["report"]);
    // The summary: one table per source under its name, no provider or trend column.
    let summary = text.split("\n\n").next().unwrap();
    for heading in [
        "acedata acedata.api_usage",
        "alibaba modelrouter.cost_trend",
        "tencent lke.token_usage",
        "tencent vod.aigc_usage",
    ] {
        assert!(
            summary.lines().any(|l| l == heading),
            "{heading}: {summary}"
        );
    }
    assert!(
        !summary.contains("provider") && !summary.contains(" trend "),
        "{summary}"
    );
    for total in ["6893.95", "11320689", "19697", " 元 "] {
        assert!(summary.contains(total), "{total}: {summary}");
    }
    insta::assert_snapshot!("report_summary_at_40", summary);
    fitted(40, &["report", "--cost"]);
}
