//! `--cost`, `--currency`, `prices check`, `report --budget` and `forecast` (spec §8, §9)
//! through the whole binary, against local provider servers.
//!
//! The clock is pinned to 2026-11-18 12:00 +08:00. The servers answer:
//! - VOD: a day's usage is its day of month in seconds, count 1 (support.rs); 10–12
//!   November is 33 seconds, 3 tasks.
//! - LKE: 20 input, 10 output, 30 total tokens on 11 November (never priced here).
//! - ModelRouter: 12.5 元 and 40 calls on each day asked for.
//! - AceData: 15 credits per day asked for.

use std::path::PathBuf;

use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const NOW: &str = "2026-11-18T12:00:00+08:00";
const RANGE: [&str; 6] = [
    "--start",
    "2026-11-10",
    "--end",
    "2026-11-12",
    "--tz",
    "+08:00",
];

/// VOD seconds at 0.40 CNY, AceData credits at 0.40 USD; LKE and VOD tasks unpriced.
const BOOK: &str = r#"[rates]
"USD/CNY" = "7.10"

[[price]]
provider = "tencent"
source = "vod.aigc_usage"
series = "spec"
metric = "usage"
unit = "seconds"
price = "0.40"
currency = "CNY"

[[price]]
provider = "acedata"
source = "acedata.api_usage"
match = ".*"
metric = "amount"
unit = "credits"
price = "0.40"
currency = "USD"
"#;

struct Servers {
    tencent: MockServer,
    alibaba: MockServer,
    acedata: MockServer,
    dir: tempfile::TempDir,
}

impl Servers {
    async fn start() -> Servers {
        let tencent = MockServer::start().await;
        mount_tencent(
            &tencent,
            "vod",
            "2018-07-17",
            "DescribeAigcUsageData",
            |body: &Value| vod_usage_answer(body, &["spec"], 1.0),
        )
        .await;
        mount_tencent(
            &tencent,
            "lke",
            "2023-11-30",
            "DescribeTokenUsageGraph",
            |_: &Value| {
                tencent_ok(json!({
                    "Total": [{"X": "20261111", "Y": 30}], "Input": [{"X": "20261111", "Y": 20}],
                    "Output": [{"X": "20261111", "Y": 10}], "RequestId": "lke-ok"
                }))
            },
        )
        .await;
        let alibaba = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(Alibaba {
                action: "ModelRouterQueryCostTrendMetrics",
                version: "20240611",
                path: "/api/v1/modelRouter/open/billing/cost/trend",
                security_token: None,
                answer: |received: &Received, _| {
                    let start: i64 = received.param("startTime").unwrap().parse().unwrap();
                    let end: i64 = received.param("endTime").unwrap().parse().unwrap();
                    let mut points = Vec::new();
                    let mut day = start;
                    while day < end {
                        points.push(json!({"timestamp": day, "values": {"total_amount": 12.5, "total_calls": 40}}));
                        day += 86_400;
                    }
                    ResponseTemplate::new(200).set_body_json(json!({
                        "requestId": "mr-1", "success": true,
                        "data": {
                            "granularity": "daily",
                            "metrics": [
                                {"key": "total_amount", "label": "cost", "unit": "元"},
                                {"key": "total_calls", "label": "calls", "unit": "次"}
                            ],
                            "points": points
                        }
                    }))
                },
                received: std::sync::Arc::default(),
                nonces: std::sync::Arc::default(),
            })
            .mount(&alibaba)
            .await;
        let acedata = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(AceData {
                answer: |query: &[(String, String)]| {
                    let date = |key: &str| {
                        let text = &query.iter().find(|(k, _)| k == key).unwrap().1;
                        chrono::NaiveDate::parse_from_str(&text[..10], "%Y-%m-%d").unwrap()
                    };
                    let (from, to) = (date("created_at_from"), date("created_at_to"));
                    let mut rows = Vec::new();
                    let mut day = from;
                    // `created_at_to` is the last second of the last day asked for.
                    while day <= to {
                        rows.push(
                            json!({"date": day.to_string(), "api_id": "api-1", "amount": 15}),
                        );
                        day = day.succ_opt().unwrap();
                    }
                    let total = 15 * rows.len();
                    ResponseTemplate::new(200).set_body_json(json!({
                        "results": rows, "total": total,
                        "api_map": {"api-1": {"name": "Midjourney Imagine", "path": "/v1/mj"}}
                    }))
                },
                queries: std::sync::Arc::default(),
            })
            .mount(&acedata)
            .await;
        Servers {
            tencent,
            alibaba,
            acedata,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The binary with every provider's credentials and the clock pinned.
    fn command(&self) -> assert_cmd::Command {
        let mut cmd = with_tencent(&self.tencent.uri());
        cmd.env("ALIBABA_CLOUD_ACCESS_KEY_ID", ALIBABA_KEY_ID)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ALIBABA_SECRET)
            .env("AIGCUSAGE_MODELROUTER_ENDPOINT", self.alibaba.uri())
            .env("ACEDATACLOUD_PLATFORM_TOKEN", ACEDATA_TOKEN)
            .env("AIGCUSAGE_ACEDATA_ENDPOINT", self.acedata.uri())
            .env("AIGCUSAGE_NOW", NOW);
        cmd
    }

    fn book(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// The cost series of a document by (source, name, priced metric): (unit, total).
fn costs(doc: &Value) -> Vec<(String, String, String, String, f64)> {
    doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s["metric"], "cost", "{s}");
            (
                s["source"].as_str().unwrap().to_string(),
                s["name"].as_str().unwrap().to_string(),
                s["labels"]["priced_metric"].as_str().unwrap().to_string(),
                s["unit"].as_str().unwrap().to_string(),
                s["total"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn find<'d>(
    costs: &'d [(String, String, String, String, f64)],
    source: &str,
    metric: &str,
) -> &'d (String, String, String, String, f64) {
    costs
        .iter()
        .find(|c| c.0 == source && c.2 == metric)
        .unwrap_or_else(|| panic!("no cost series {source} {metric} in {costs:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn report_cost_over_four_providers_lists_the_unpriced_and_warns_once() {
    let servers = Servers::start().await;
    let book = servers.book("prices.toml", BOOK);
    let output = run(servers
        .command()
        .args([
            "report",
            "--vod-type",
            "Video",
            "--cost",
            "-o",
            "json",
            "--prices",
        ])
        .arg(&book)
        .args(RANGE));
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert_eq!(
        err.matches(
            "warning: 4 series unpriced; costs are a lower bound (see aigcusage prices check)"
        )
        .count(),
        1,
        "{err}"
    );
    let doc = json_of(&output);
    // No target currency: each cost keeps its own.
    assert_eq!(
        doc["cost"],
        json!({"currency": null, "rates": {"USD/CNY": "7.10"},
               "price_book": book.display().to_string(), "complete": false})
    );
    let costs = costs(&doc);
    // 10 + 11 + 12 seconds at 0.40.
    assert_eq!(find(&costs, "vod.aigc_usage", "usage").3, "CNY");
    assert_eq!(find(&costs, "vod.aigc_usage", "usage").4, 13.2);
    // 3 days × 15 credits at 0.40 USD: 6 a day, exactly.
    let ace = find(&costs, "acedata.api_usage", "amount");
    assert_eq!((ace.3.as_str(), ace.4), ("USD", 18.0));
    let ace_series = doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "acedata.api_usage")
        .unwrap();
    for point in ace_series["points"].as_array().unwrap() {
        assert_eq!(point["value"].to_string(), "6", "{point}");
    }
    assert_eq!(ace_series["labels"]["price_source"], "price_book");
    // ModelRouter's money passes through as CNY; its call count is covered by it.
    let money = find(&costs, "modelrouter.cost_trend", "total_amount");
    assert_eq!(money.3, "CNY");
    assert!(money.4 > 0.0, "{money:?}");
    assert!(!costs.iter().any(|c| c.2 == "total_calls"), "{costs:?}");
    let unpriced: Vec<(String, String, String)> = doc["unpriced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["source"].as_str().unwrap().to_string(),
                u["name"].as_str().unwrap().to_string(),
                u["metric"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        unpriced,
        [
            ("lke.token_usage", "input", "tokens"),
            ("lke.token_usage", "output", "tokens"),
            ("lke.token_usage", "total", "tokens"),
            ("vod.aigc_usage", "spec", "count"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    let vod_count = &doc["unpriced"][3];
    assert_eq!(
        (vod_count["points"].clone(), vod_count["total"].clone()),
        (json!(3), json!(3))
    );

    // ndjson and csv carry the same cost points; the table a total per currency.
    let points: usize = doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["points"].as_array().unwrap().len())
        .sum();
    let ndjson = run(servers
        .command()
        .args([
            "report",
            "--vod-type",
            "Video",
            "--cost",
            "-q",
            "-o",
            "ndjson",
            "--prices",
        ])
        .arg(&book)
        .args(RANGE));
    let lines: Vec<Value> = stdout(&ndjson)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), points);
    assert!(lines.iter().all(|l| l["metric"] == "cost"));
    assert!(stderr(&ndjson).is_empty(), "{}", stderr(&ndjson));
    let csv = run(servers
        .command()
        .args([
            "report",
            "--vod-type",
            "Video",
            "--cost",
            "-o",
            "csv",
            "--prices",
        ])
        .arg(&book)
        .args(RANGE));
    let text = stdout(&csv);
    assert_eq!(text.lines().count(), points + 1);
    assert!(
        text.contains(",acedata,acedata.api_usage,Midjourney Imagine,cost,USD,6,"),
        "{text}"
    );
    let table = run(servers
        .command()
        .args(["report", "--vod-type", "Video", "--cost", "--prices"])
        .arg(&book)
        .args(RANGE));
    let text = stdout(&table);
    assert!(text.contains("total cost USD: 18\n"), "{text}");
    assert!(text.contains("total cost CNY: "), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn currency_conversion_both_ways_and_a_missing_rate() {
    let servers = Servers::start().await;
    let book = servers.book("prices.toml", BOOK);
    // "USD/CNY" = 7.10: multiply.
    let output = run(servers
        .command()
        .args([
            "acedata",
            "usage",
            "--cost",
            "--currency",
            "CNY",
            "-o",
            "json",
            "--prices",
        ])
        .arg(&book)
        .args(RANGE));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let doc = json_of(&output);
    assert_eq!(doc["cost"]["currency"], "CNY");
    assert_eq!(doc["cost"]["complete"], true);
    assert_eq!(
        costs(&doc),
        [(
            "acedata.api_usage".into(),
            "Midjourney Imagine".into(),
            "amount".into(),
            "CNY".into(),
            127.8
        )]
    );

    // Only "CNY/USD" = 0.5 given, target CNY: divide (6 USD = 12 CNY).
    let inverse = servers.book(
        "inverse.toml",
        &BOOK.replace("\"USD/CNY\" = \"7.10\"", "\"CNY/USD\" = \"0.5\""),
    );
    let output = run(servers
        .command()
        .env("AIGCUSAGE_CURRENCY", "CNY")
        .args(["acedata", "usage", "--cost", "-o", "json", "--prices"])
        .arg(&inverse)
        .args(RANGE));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(costs(&json_of(&output))[0].4, 36.0);

    // Target EUR: no pair for USD → EUR.
    let output = run(servers
        .command()
        .args([
            "acedata",
            "usage",
            "--cost",
            "--currency",
            "EUR",
            "--prices",
        ])
        .arg(&book)
        .args(RANGE));
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("USD") && err.contains("EUR"), "{err}");
    assert!(stdout(&output).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn budget_warns_exceeds_and_follows_the_6_versus_7_rule() {
    let servers = Servers::start().await;
    let book = servers.book("prices.toml", BOOK);
    let report = |budget: &str, extra: &[&str]| {
        run(servers
            .command()
            .args([
                "report",
                "--vod-type",
                "Video",
                "--providers",
                "vod,acedata",
                "--currency",
                "CNY",
                "-o",
                "json",
                "--budget",
                budget,
                "--prices",
            ])
            .arg(&book)
            .args(RANGE)
            .args(extra))
    };
    // Total: 13.2 CNY (VOD) + 18 USD × 7.10 = 127.8 CNY → 141 CNY.
    let under = report("1000", &[]);
    assert_eq!(under.status.code(), Some(0), "{}", stderr(&under));
    assert!(!stderr(&under).contains("budget"), "{}", stderr(&under));

    let warn = report("160", &[]);
    assert_eq!(warn.status.code(), Some(0), "{}", stderr(&warn));
    assert!(
        stderr(&warn).contains("warning: budget 88.1 % used: 141.00 CNY of 160.00 CNY"),
        "{}",
        stderr(&warn)
    );
    let warn_later = report("160", &["--budget-warn", "90"]);
    assert!(
        !stderr(&warn_later).contains("budget"),
        "{}",
        stderr(&warn_later)
    );

    let exceeded = report("141", &[]);
    assert_eq!(exceeded.status.code(), Some(7), "{}", stderr(&exceeded));
    let err = stderr(&exceeded);
    assert!(
        err.contains("budget exceeded: 141.00 CNY of 141.00 CNY (100.0 %)"),
        "{err}"
    );
    assert!(!err.contains("error:"), "{err}");
    // The output came first, complete.
    assert_eq!(json_of(&exceeded)["cost"]["currency"], "CNY");

    // A failing provider: LKE without a server. The others reach the budget: 7; not: 6.
    let failing = |budget: &str| {
        run(servers
            .command()
            .env("AIGCUSAGE_LKE_ENDPOINT", "http://127.0.0.1:9")
            .args([
                "report",
                "--vod-type",
                "Video",
                "--providers",
                "vod,lke,acedata",
                "--currency",
                "CNY",
                "--retries",
                "0",
                "-o",
                "json",
                "--budget",
                budget,
                "--prices",
            ])
            .arg(&book)
            .args(RANGE))
    };
    let certain = failing("100");
    assert_eq!(certain.status.code(), Some(7), "{}", stderr(&certain));
    assert_eq!(json_of(&certain)["cost"]["complete"], false);
    let unknown = failing("1000");
    assert_eq!(unknown.status.code(), Some(6), "{}", stderr(&unknown));

    // Without a currency: exit 2 before anything is sent.
    let output = run(servers
        .command()
        .env("AIGCUSAGE_VOD_ENDPOINT", "http://127.0.0.1:9")
        .args(["report", "--providers", "vod", "--budget", "10", "--prices"])
        .arg(&book)
        .args(RANGE));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("--budget needs a currency"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn prices_check_names_entries_unpriced_and_unused() {
    let servers = Servers::start().await;
    let unused_entry = "\n[[price]]\nprovider = \"tencent\"\nsource = \"lke.token_usage\"\nseries = \"nothing\"\nmetric = \"tokens\"\nunit = \"tokens\"\nprice = \"1\"\ncurrency = \"CNY\"\n";
    let book = servers.book("prices.toml", &format!("{BOOK}{unused_entry}"));
    let output = run(servers
        .command()
        .args([
            "prices",
            "check",
            "--vod-type",
            "Video",
            "--providers",
            "vod,acedata,lke",
            "--prices",
        ])
        .arg(&book)
        .args(RANGE));
    assert_eq!(output.status.code(), Some(7), "{}", stderr(&output));
    let text = stdout(&output);
    let line = |needle: &str, and: &str| {
        text.lines()
            .find(|l| l.contains(needle) && l.contains(and))
            .unwrap_or_else(|| panic!("no line with {needle} and {and}: {text}"))
            .to_string()
    };
    let book_text = book.display().to_string();
    // [[price]] lines: VOD entry on line 4, AceData on 13, the unused one on 22.
    assert!(
        line("vod.aigc_usage", "usage (seconds)").ends_with(&format!("{book_text}:4")),
        "{text}"
    );
    assert!(
        line("vod.aigc_usage", "count (tasks)").ends_with("unpriced"),
        "{text}"
    );
    assert!(
        line("Midjourney", "amount").ends_with(&format!("{book_text}:13")),
        "{text}"
    );
    assert_eq!(line("unused", ""), format!("unused  {book_text}:22"));

    // Everything priced: exit 0; JSON form.
    let output = run(servers
        .command()
        .args([
            "prices",
            "check",
            "--providers",
            "acedata",
            "-o",
            "json",
            "--prices",
        ])
        .arg(&book)
        .args(RANGE));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let doc = json_of(&output);
    assert_eq!(doc["complete"], true);
    assert_eq!(doc["series"][0]["status"], "priced");
    assert_eq!(
        doc["series"][0]["entries"],
        json!([format!("{book_text}:13")])
    );

    // A bad book: exit 3 with file and line, nothing sent.
    let bad = servers.book(
        "bad.toml",
        "[[price]]\nprovider = \"tencent\"\nprice = \"-1\"\n",
    );
    let output = run(servers
        .command()
        .env("AIGCUSAGE_VOD_ENDPOINT", "http://127.0.0.1:9")
        .args(["prices", "check", "--providers", "vod", "--prices"])
        .arg(&bad)
        .args(RANGE));
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!("{}:", bad.display())),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn forecast_mid_month_by_hand() {
    let servers = Servers::start().await;
    let book = servers.book("prices.toml", BOOK);
    let output = run(servers.command().args([
        "forecast",
        "--vod-type",
        "Video",
        "--providers",
        "acedata,vod",
        "--basis",
        "7d",
        "--tz",
        "+08:00",
        "-o",
        "json",
    ]));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let doc = json_of(&output);
    assert_eq!(doc["month"], "2026-11");
    assert_eq!(doc["as_of"], NOW);
    assert_eq!(doc["currency"], Value::Null);
    let forecasts = doc["forecasts"].as_array().unwrap();
    let ace = forecasts
        .iter()
        .find(|f| f["source"] == "acedata.api_usage")
        .unwrap();
    // AceData's calendar is UTC: at 04:00Z on the 18th, 1–17 November are complete
    // (17 × 15 = 255), 13 dates remain (18–30), 15 a day.
    assert_eq!(ace["actual"], 255);
    assert_eq!(ace["daily_rate"], 15);
    assert_eq!(ace["remaining_days"], 13);
    assert_eq!(ace["forecast"], 255 + 15 * 13);
    assert_eq!(
        (ace["lower"].clone(), ace["upper"].clone()),
        (json!(450), json!(450))
    );
    assert_eq!(ace["basis_days"], 7);
    assert_eq!(ace["method"], "mean_daily_rate");
    // VOD seconds: 1..17 complete = 153; basis 11..17 → mean 14; 13 left.
    let vod = forecasts
        .iter()
        .find(|f| f["source"] == "vod.aigc_usage" && f["metric"] == "usage")
        .unwrap();
    assert_eq!(vod["actual"], 153);
    assert_eq!(vod["daily_rate"], 14);
    assert_eq!(vod["forecast"], 153 + 14 * 13);
    // q10 / q90 of 11..17 (inclusive method): 11.6 and 16.4.
    assert_eq!(vod["lower"].as_f64().unwrap(), 303.8);
    assert_eq!(vod["upper"].as_f64().unwrap(), 366.2);
    // Quantities in different units: no total.
    assert_eq!(doc["total"], Value::Null);

    // With costs in CNY there is a total; a budget above it is exit 0, below it exit 7
    // after the output.
    let output = run(servers
        .command()
        .args([
            "forecast",
            "--providers",
            "acedata",
            "--basis",
            "7d",
            "--currency",
            "CNY",
            "-o",
            "json",
            "--budget",
            "3000",
            "--prices",
        ])
        .arg(&book));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let doc = json_of(&output);
    // 450 credits × 0.40 USD × 7.10 = 1278 CNY; 255 × 0.40 × 7.10 = 724.2 actual.
    assert_eq!(doc["total"]["forecast"], 1278);
    assert_eq!(doc["total"]["actual"].as_f64().unwrap(), 724.2);
    let output = run(servers
        .command()
        .args([
            "forecast",
            "--providers",
            "acedata",
            "--basis",
            "7d",
            "--currency",
            "CNY",
            "--budget",
            "1000",
            "--prices",
        ])
        .arg(&book));
    assert_eq!(output.status.code(), Some(7), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("forecast over budget: 1278.00 CNY of 1000.00 CNY (127.8 %)"),
        "{}",
        stderr(&output)
    );
    let table = stdout(&output);
    assert!(
        table.contains("total") && table.contains("1278.00"),
        "{table}"
    );

    // ndjson and csv: one line per forecast.
    let ndjson = run(servers.command().args([
        "forecast",
        "--providers",
        "acedata",
        "--basis",
        "7d",
        "-o",
        "ndjson",
    ]));
    let lines: Vec<Value> = stdout(&ndjson)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["forecast"], 450);
    let csv = run(servers.command().args([
        "forecast",
        "--providers",
        "acedata",
        "--basis",
        "7d",
        "-o",
        "csv",
    ]));
    let text = stdout(&csv);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.starts_with("month,as_of,currency,provider,"), "{text}");
}

#[test]
fn forecast_month_forms_and_conflicts_are_usage_errors() {
    for args in [
        vec!["forecast", "--demo", "--month", "2026-12"],
        vec!["forecast", "--demo", "--month", "last"],
        vec!["forecast", "--demo", "--month", "2026-10"],
        vec!["forecast", "--demo", "--month", "november"],
        vec!["forecast", "--demo", "--basis", "3d"],
        vec!["forecast", "--demo", "--start", "2026-11-01"],
    ] {
        let output = run(aigcusage().env("AIGCUSAGE_NOW", NOW).args(&args));
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(stdout(&output).is_empty());
    }
    let output = run(aigcusage()
        .env("AIGCUSAGE_NOW", NOW)
        .args(["forecast", "--demo", "--month", "2026-11", "-q"]));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // `--month` with `--start` on report is a usage error too.
    let output = run(aigcusage().args([
        "report",
        "--demo",
        "--month",
        "this",
        "--start",
        "2026-11-01",
    ]));
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn demo_cost_is_complete_with_the_example_prices() {
    let report = run(aigcusage().args(["report", "--demo", "--cost", "-o", "json"]));
    assert_eq!(report.status.code(), Some(0), "{}", stderr(&report));
    let err = stderr(&report);
    assert_eq!(
        err.matches("note: --demo: costs use built-in example prices, not your price book")
            .count(),
        1,
        "{err}"
    );
    assert!(!err.contains("unpriced"), "{err}");
    let doc = json_of(&report);
    assert_eq!(doc["unpriced"], json!([]));
    assert_eq!(doc["cost"]["complete"], true);
    assert_eq!(doc["cost"]["currency"], "CNY");
    assert_eq!(doc["cost"]["price_book"], Value::Null);
    let providers: std::collections::BTreeSet<&str> = doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["provider"].as_str().unwrap())
        .collect();
    assert_eq!(providers, ["acedata", "alibaba", "tencent"].into());

    let forecast = run(aigcusage().args(["forecast", "--demo", "--cost", "-o", "json"]));
    assert_eq!(forecast.status.code(), Some(0), "{}", stderr(&forecast));
    assert!(
        !stderr(&forecast).contains("unpriced"),
        "{}",
        stderr(&forecast)
    );
    let doc = json_of(&forecast);
    assert_eq!(doc["currency"], "CNY");
    assert!(doc["total"]["forecast"].as_f64().unwrap() > 0.0, "{doc}");
}

#[test]
fn config_init_writes_a_price_book_template_once_and_config_show_lists_the_keys() {
    let dir = tempfile::tempdir().unwrap();
    let xdg = dir.path().to_str().unwrap();
    let output = run(aigcusage()
        .env("XDG_CONFIG_HOME", xdg)
        .args(["config", "init"]));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let prices = dir.path().join("aigcusage").join("prices.toml");
    let template = std::fs::read_to_string(&prices).unwrap();
    assert_eq!(template, aigcusage::cost::demo::prices_template());
    // An existing book is never overwritten.
    std::fs::write(&prices, "# mine\n").unwrap();
    let output = run(aigcusage()
        .env("XDG_CONFIG_HOME", xdg)
        .args(["config", "init", "--force"]));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&prices).unwrap(), "# mine\n");

    let output = run(aigcusage()
        .env("XDG_CONFIG_HOME", xdg)
        .env("AIGCUSAGE_CURRENCY", "USD")
        .args(["config", "show"]));
    let text = stdout(&output);
    let line = |key: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("no {key} in {text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        line("prices"),
        ["prices", prices.to_str().unwrap(), "default"]
    );
    assert_eq!(line("currency"), ["currency", "USD", "env"]);
}
