//! Right numbers at every edge (issue 9): partial `--group-by` buckets, non-additive
//! `model_count`, no future buckets, CSV `partial`/`labels`/`--no-header`, the summary at
//! narrow widths, `--month`, and times outside 1970–9999.

use assert_cmd::Command;
use serde_json::Value;
use unicode_width::UnicodeWidthStr;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

/// The pinned clock of every run here: 10:00 UTC on Friday 20 November 2026.
const NOW: &str = "2026-11-20T10:00:00Z";

fn demo(args: &[&str]) -> std::process::Output {
    run(aigcusage()
        .env("AIGCUSAGE_NOW", NOW)
        .arg("--demo")
        .args(args))
}

fn ok_json(output: &std::process::Output) -> Value {
    assert!(output.status.success(), "{}", stderr(output));
    json_of(output)
}

fn series<'a>(doc: &'a Value, source: &str, name: &str) -> &'a Value {
    doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == source && s["name"] == name)
        .unwrap_or_else(|| panic!("no {source} {name} in {doc}"))
}

// ---- item 1: --group-by buckets past the range are partial ----

#[test]
fn a_group_by_week_that_ends_after_the_query_end_is_partial() {
    // The range ends on Thursday the 19th (yesterday); its week runs to Sunday the 22nd.
    let doc = ok_json(&demo(&[
        "report",
        "--start",
        "2026-10-11",
        "--end",
        "yesterday",
        "--group-by",
        "week",
        "-o",
        "json",
    ]));
    for s in doc["series"].as_array().unwrap() {
        let points = s["points"].as_array().unwrap();
        let last = points.last().unwrap();
        assert!(
            last["time"].as_str().unwrap().starts_with("2026-11-16"),
            "{s}"
        );
        assert_eq!(last["partial"], true, "{s}");
        // The weeks before are over: no partial mark.
        assert!(points[..points.len() - 1]
            .iter()
            .all(|p| p.get("partial").is_none()));
    }
}

#[test]
fn a_group_by_month_of_a_whole_past_month_is_not_partial() {
    let doc = ok_json(&demo(&[
        "report",
        "--month",
        "2026-10",
        "--group-by",
        "month",
        "--providers",
        "vod,acedata",
        "-o",
        "json",
    ]));
    assert_eq!(doc["query"]["start"], "2026-10-01T00:00:00+00:00");
    assert_eq!(doc["query"]["end"], "2026-10-31T23:59:59+00:00");
    let acedata = series(&doc, "acedata.api_usage", "Claude Messages");
    let points = acedata["points"].as_array().unwrap();
    assert_eq!(points.len(), 1, "{acedata}");
    assert_eq!(points[0]["time"], "2026-10-01T00:00:00+00:00");
    assert!(points[0].get("partial").is_none(), "{acedata}");
}

// ---- item 3: model_count is not additive ----

#[test]
fn model_count_has_no_total_and_keeps_its_largest_value_when_regrouped() {
    let daily = ok_json(&demo(&[
        "report",
        "--providers",
        "modelrouter",
        "-o",
        "json",
    ]));
    let model_count = series(&daily, "modelrouter.cost_trend", "model_count");
    assert!(model_count["total"].is_null(), "{model_count}");
    let largest = model_count["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .fold(f64::MIN, f64::max);
    // Additive series keep their totals.
    assert!(series(&daily, "modelrouter.cost_trend", "total_calls")["total"].is_number());

    let weekly = ok_json(&demo(&[
        "report",
        "--providers",
        "modelrouter",
        "--group-by",
        "week",
        "-o",
        "json",
    ]));
    let model_count = series(&weekly, "modelrouter.cost_trend", "model_count");
    assert!(model_count["total"].is_null());
    assert_eq!(model_count["labels"]["aggregation"], "max");
    for p in model_count["points"].as_array().unwrap() {
        assert!(p["value"].as_f64().unwrap() <= largest, "{model_count}");
    }
    assert_eq!(
        model_count["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["value"].as_f64().unwrap())
            .fold(f64::MIN, f64::max),
        largest
    );
    assert!(
        series(&weekly, "modelrouter.cost_trend", "total_calls")["labels"]
            .get("aggregation")
            .is_none()
    );

    // The tables show `-` for its total.
    let table = stdout(&demo(&["report", "--providers", "modelrouter"]));
    let row = table
        .lines()
        .find(|l| l.contains("model_count"))
        .expect("a model_count row");
    let cells: Vec<&str> = row.split(['│', '┆']).map(str::trim).collect();
    assert!(cells.contains(&"-"), "{row}");
    let csv = stdout(&demo(&["modelrouter", "cost", "-o", "csv"]));
    assert!(csv.lines().any(|l| l.contains(",model_count,")), "{csv}");
}

// ---- item 4 (generic part): no bucket after now ----

#[test]
fn demo_shows_no_bucket_that_starts_after_now() {
    let doc = ok_json(&demo(&[
        "acedata",
        "usage",
        "--start",
        "2026-11-18",
        "--end",
        "2026-11-25",
        "-o",
        "json",
    ]));
    for s in doc["series"].as_array().unwrap() {
        let times: Vec<&str> = s["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["time"].as_str().unwrap())
            .collect();
        assert_eq!(
            times,
            [
                "2026-11-18T00:00:00+00:00",
                "2026-11-19T00:00:00+00:00",
                "2026-11-20T00:00:00+00:00"
            ]
        );
        assert_eq!(s["points"][2]["partial"], true);
    }
}

// ---- item 6: the summary fits COLUMNS ----

fn report_at(columns: &str) -> String {
    let output = run(aigcusage()
        .env("AIGCUSAGE_NOW", NOW)
        .env("COLUMNS", columns)
        .args(["report", "--demo"]));
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
}

/// The summary: everything before the first blank line.
fn summary(text: &str) -> String {
    text.split("\n\n").next().unwrap().to_string()
}

#[test]
fn report_demo_has_no_line_wider_than_the_terminal() {
    for columns in [60, 80, 100] {
        let text = report_at(&columns.to_string());
        for line in text.lines() {
            assert!(
                line.width() <= columns,
                "{} columns at COLUMNS={columns}: {line}\n{text}",
                line.width()
            );
        }
        // The currency and every total are whole.
        let head = summary(&text);
        assert!(head.contains(" 元 "), "{head}");
        for total in ["6893.95", "11320689", "19697"] {
            assert!(head.contains(&format!(" {total} ")), "{total}: {head}");
        }
    }
}

#[test]
fn narrow_summaries_drop_the_trend_then_wrap_names() {
    let wide = summary(&report_at("200"));
    assert!(wide.lines().next().unwrap().width() > 100);
    let header = |text: &str| text.lines().nth(1).unwrap().to_string();
    assert!(header(&wide).contains("trend"), "{wide}");
    let at_100 = summary(&report_at("100"));
    assert!(!header(&at_100).contains("trend"), "{at_100}");
    insta::assert_snapshot!("summary_at_60", summary(&report_at("60")));
    insta::assert_snapshot!("summary_at_80", summary(&report_at("80")));
}

#[test]
fn a_metric_that_is_its_unit_is_shown_once() {
    let text = report_at("200");
    assert!(!text.contains("tokens (tokens)"), "{text}");
    assert!(text.contains("usage (seconds)"), "{text}");
}

// ---- item 7: CSV partial, labels, --no-header ----

#[test]
fn csv_carries_partial_and_labels_and_can_leave_out_the_header() {
    let output = demo(&[
        "vod", "usage", "--type", "Video", "--last", "3d", "-o", "csv",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "time", "provider", "source", "series", "metric", "unit", "value", "partial", "labels"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().any(|r| &r[7] == "true"), "{text}");
    assert!(rows.iter().any(|r| r[7].is_empty()), "{text}");
    for r in &rows {
        let labels: Value = serde_json::from_str(&r[8]).unwrap();
        assert!(labels["aigc_type"].is_string(), "{}", &r[8]);
        assert!(labels["specification"].is_string(), "{}", &r[8]);
    }

    let bare = demo(&[
        "vod",
        "usage",
        "--type",
        "Video",
        "--last",
        "3d",
        "-o",
        "csv",
        "--no-header",
    ]);
    assert!(bare.status.success(), "{}", stderr(&bare));
    assert_eq!(stdout(&bare), text.split_once('\n').unwrap().1);
}

// ---- item 19 (time part) and --month ----

/// A local server that fails the test if anything reaches it.
async fn must_not_be_hit() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    server
}

fn lke(server: &MockServer) -> Command {
    let mut cmd = with_tencent(&server.uri());
    cmd.env("AIGCUSAGE_NOW", NOW).args(["lke", "tokens"]);
    cmd
}

#[tokio::test(flavor = "multi_thread")]
async fn times_outside_1970_to_9999_are_usage_errors_and_nothing_is_sent() {
    let server = must_not_be_hit().await;
    let cases: [&[&str]; 7] = [
        &["--start", "0000-01-01"],
        &["--start", "1969-12-31T23:59:59Z", "--end", "2026-11-01"],
        &["--last", "100000w"],
        // 10000-01-01T00:59:59Z.
        &[
            "--start",
            "2026-11-01",
            "--end",
            "9999-12-31T23:59:59-01:00",
        ],
        &["--start", "-6000000w"],
        &["--start", "2016-12-31T23:59:60Z", "--end", "2017-01-02"],
        &["--start", "2016-12-31 23:59:60", "--end", "2017-01-02"],
    ];
    for args in cases {
        let output = run(lke(&server).args(args));
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(output.stdout.is_empty(), "{args:?}");
        let message = stderr(&output);
        assert!(
            message.contains("1970") || message.contains("9999") || message.contains("leap"),
            "{args:?}: {message}"
        );
    }
    // Under --dry-run nothing is built either.
    let output = run(lke(&server).args(["--dry-run", "--start", "0000-01-01"]));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(!stdout(&output).contains("StartTime"));
}

#[test]
fn month_is_the_first_to_the_last_day_and_excludes_the_other_range_options() {
    let doc = ok_json(&demo(&[
        "acedata", "usage", "--month", "last", "--tz", "+08:00", "-o", "json",
    ]));
    assert_eq!(doc["query"]["start"], "2026-10-01T00:00:00+08:00");
    assert_eq!(doc["query"]["end"], "2026-10-31T23:59:59+08:00");
    for other in [
        ["--start", "2026-11-01"],
        ["--end", "2026-11-01"],
        ["--last", "7d"],
    ] {
        let output = demo(&["acedata", "usage", "--month", "this", other[0], other[1]]);
        assert_eq!(output.status.code(), Some(2), "{other:?}");
        assert!(stderr(&output).contains("--month"), "{}", stderr(&output));
    }
    let output = demo(&["acedata", "usage", "--month", "2026-13"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}
