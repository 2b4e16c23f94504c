//! Exports (spec §11): `-o prom` read back by a Prometheus parser, `-o focus` rows column
//! by column, and `--output-file` that changes PATH only when the command printed its output.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::Value;
use wiremock::MockServer;

use crate::support::*;

const NOW: &str = "2025-11-20T00:00:00Z";

fn demo(args: &[&str]) -> std::process::Output {
    run(aigcusage()
        .env("AIGCUSAGE_NOW", NOW)
        .args(["report", "--demo", "-q"])
        .args(args))
}

fn scrape(text: &str) -> prometheus_parse::Scrape {
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
        .expect("valid exposition")
}

fn gauge(sample: &prometheus_parse::Sample) -> f64 {
    match sample.value {
        prometheus_parse::Value::Gauge(v) => v,
        ref other => panic!("{} is not a gauge: {other:?}", sample.metric),
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn prom_parses_back_and_its_values_are_the_json_totals() {
    let prom = demo(&["-o", "prom"]);
    assert!(prom.status.success(), "{}", stderr(&prom));
    let json = json_of(&demo(&["-o", "json"]));
    let scrape = scrape(&stdout(&prom));
    let values: Vec<_> = scrape
        .samples
        .iter()
        .filter(|s| s.metric == "aigcusage_value")
        .collect();
    let mut compared = 0;
    for series in json["series"].as_array().unwrap() {
        let Some(total) = series["total"].as_f64() else {
            continue;
        };
        // The JSON calls the series' name `name`; prom's label is `series`.
        let key = |k: &str| {
            let field = if k == "series" { "name" } else { k };
            series[field].as_str().unwrap_or("").to_string()
        };
        let matching: Vec<_> = values
            .iter()
            .filter(|s| {
                ["provider", "source", "series", "metric", "unit"]
                    .iter()
                    .all(|k| s.labels.get(k) == Some(key(k).as_str()))
                    && series["labels"]
                        .as_object()
                        .unwrap()
                        .iter()
                        .all(|(k, v)| s.labels.get(k) == v.as_str())
            })
            .collect();
        assert_eq!(matching.len(), 1, "{series}");
        assert!((gauge(matching[0]) - total).abs() < 1e-9, "{series}");
        compared += 1;
    }
    assert_eq!(compared, values.len());
    assert!(compared >= 8);
    let up: Vec<_> = scrape
        .samples
        .iter()
        .filter(|s| s.metric == "aigcusage_provider_up")
        .collect();
    assert_eq!(up.len(), 4);
    assert!(up.iter().all(|s| gauge(s) == 1.0));
    let one = |name: &str| {
        gauge(
            scrape
                .samples
                .iter()
                .find(|s| s.metric == name)
                .unwrap_or_else(|| panic!("{name}")),
        )
    };
    let start =
        chrono::DateTime::parse_from_rfc3339(json["query"]["start"].as_str().unwrap()).unwrap();
    let end = chrono::DateTime::parse_from_rfc3339(json["query"]["end"].as_str().unwrap()).unwrap();
    assert_eq!(
        one("aigcusage_range_start_seconds"),
        start.timestamp() as f64
    );
    assert_eq!(one("aigcusage_range_end_seconds"), end.timestamp() as f64);
    assert_eq!(
        one("aigcusage_last_run_timestamp_seconds"),
        end.timestamp() as f64
    );
}

/// A local Tencent API answering VOD usage and not LKE (404 on its action).
async fn vod_only() -> MockServer {
    let server = MockServer::start().await;
    mount_tencent(
        &server,
        "vod",
        "2018-07-17",
        "DescribeAigcUsageData",
        |body| vod_usage_answer(body, &["spec"], 1.0),
    )
    .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_provider_is_down_exit_6_and_the_file_is_still_written() {
    let server = vod_only().await;
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("aigcusage.prom");
    let output = run(with_tencent(&server.uri())
        .args([
            "report",
            "--providers",
            "vod,lke",
            "--retries",
            "0",
            "--last",
            "3d",
        ])
        .args(["-o", "prom", "--output-file"])
        .arg(&path));
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    let scrape = scrape(&std::fs::read_to_string(&path).unwrap());
    let up = |source: &str| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == "aigcusage_provider_up" && s.labels.get("source") == Some(source))
            .map(gauge)
    };
    assert_eq!(up("vod.aigc_usage"), Some(1.0));
    assert_eq!(up("lke.token_usage"), Some(0.0));
    assert!(
        scrape
            .samples
            .iter()
            .any(|s| s.metric == "aigcusage_value"
                && s.labels.get("source") == Some("vod.aigc_usage"))
    );
}

/// Spec §11: a failing provider is visible, not a silent gap. When every provider of a
/// `report -o prom` fails, the collector's file still gets their `provider_up 0` (it would
/// otherwise keep its last `1`), and the exit code is the failure's.
#[test]
fn when_every_provider_fails_prom_still_says_they_are_down() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("aigcusage.prom");
    std::fs::write(
        &path,
        "aigcusage_provider_up{provider=\"acedata\",source=\"acedata.api_usage\"} 1\n",
    )
    .unwrap();
    let output = run(with_acedata("http://127.0.0.1:1")
        .args([
            "report",
            "--providers",
            "acedata",
            "--retries",
            "0",
            "--last",
            "3d",
        ])
        .args(["-o", "prom", "--output-file"])
        .arg(&path));
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let scrape = scrape(&std::fs::read_to_string(&path).unwrap());
    let up: Vec<f64> = scrape
        .samples
        .iter()
        .filter(|s| s.metric == "aigcusage_provider_up")
        .map(gauge)
        .collect();
    assert_eq!(up, [0.0]);
    assert!(scrape
        .samples
        .iter()
        .any(|s| s.metric == "aigcusage_last_run_timestamp_seconds"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_usage_command_reports_its_own_source_up() {
    let server = vod_only().await;
    let output = run(with_tencent(&server.uri()).args([
        "vod", "usage", "--type", "Video", "--last", "3d", "-o", "prom",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let scrape = scrape(&stdout(&output));
    let up: Vec<_> = scrape
        .samples
        .iter()
        .filter(|s| s.metric == "aigcusage_provider_up")
        .collect();
    assert_eq!(up.len(), 1);
    assert_eq!(up[0].labels.get("source"), Some("vod.aigc_usage"));
    assert_eq!(gauge(up[0]), 1.0);
}

/// The FOCUS rows as maps from column to cell.
fn focus_rows(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// The JSON point of `series`/`metric` at `time`.
fn json_point(doc: &Value, source: &str, name: &str, metric: &str, index: usize) -> (String, f64) {
    let series = doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == source && s["name"] == name && s["metric"] == metric)
        .unwrap_or_else(|| panic!("{source} {name} {metric}"));
    let point = &series["points"][index];
    (
        point["time"].as_str().unwrap().to_string(),
        point["value"].as_f64().unwrap(),
    )
}

fn utc(time: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(time)
        .unwrap()
        .with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[test]
fn focus_rows_of_a_priced_vod_point_and_a_modelrouter_money_point() {
    let focus = demo(&["--providers", "vod,modelrouter", "-o", "focus"]);
    assert!(focus.status.success(), "{}", stderr(&focus));
    let json = json_of(&demo(&["--providers", "vod,modelrouter", "-o", "json"]));
    let rows = focus_rows(&stdout(&focus));
    let header = stdout(&focus).lines().next().unwrap().to_string();
    assert_eq!(header, "BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,ConsumedQuantity,ConsumedUnit,ContractedCost,EffectiveCost,InvoiceId,InvoiceIssuerName,ListCost,PricingQuantity,PricingUnit,ProviderName,PublisherName,ServiceCategory,ServiceName,ServiceSubcategory,x_Source,x_Series,x_Metric,x_PriceSource,x_Partial");

    // VOD: seconds of video priced at 0.40 CNY (the demo price book), a +08:00 day.
    let spec = "Kling2.0&2.1std_720P";
    let (time, seconds) = json_point(&json, "vod.aigc_usage", spec, "usage", 0);
    let start = utc(&time);
    let row = rows
        .iter()
        .find(|r| {
            r["x_Series"] == spec && r["x_Metric"] == "usage" && r["ChargePeriodStart"] == start
        })
        .expect("the VOD row");
    let cost = format!("{:.1}", seconds * 0.4);
    let quantity = format!("{seconds:.1}");
    let end = utc(&(chrono::DateTime::parse_from_rfc3339(&time).unwrap()
        + chrono::Duration::days(1))
    .to_rfc3339());
    let expected = [
        ("BilledCost", cost.as_str()),
        ("BillingAccountId", "default"),
        ("BillingAccountName", "default"),
        ("BillingCurrency", "CNY"),
        ("BillingPeriodStart", "2025-10-31T16:00:00Z"),
        ("BillingPeriodEnd", "2025-11-30T16:00:00Z"),
        ("ChargeCategory", "Usage"),
        ("ChargeClass", ""),
        ("ChargeDescription", "Kling2.0&2.1std_720P usage"),
        ("ChargeFrequency", "Usage-Based"),
        ("ChargePeriodStart", start.as_str()),
        ("ChargePeriodEnd", end.as_str()),
        ("ConsumedQuantity", quantity.as_str()),
        ("ConsumedUnit", "seconds"),
        ("ContractedCost", cost.as_str()),
        ("EffectiveCost", cost.as_str()),
        ("InvoiceId", ""),
        ("InvoiceIssuerName", "Tencent Cloud"),
        ("ListCost", cost.as_str()),
        ("PricingQuantity", quantity.as_str()),
        ("PricingUnit", "seconds"),
        ("ProviderName", "Tencent Cloud"),
        ("PublisherName", "Tencent Cloud"),
        ("ServiceCategory", "AI and Machine Learning"),
        ("ServiceName", "Video on Demand"),
        ("ServiceSubcategory", "Generative AI"),
        ("x_Source", "vod.aigc_usage"),
        ("x_Series", spec),
        ("x_Metric", "usage"),
        ("x_PriceSource", "price_book"),
        ("x_Partial", "false"),
    ];
    for (column, value) in expected {
        assert_eq!(row[column], value, "VOD {column}");
    }
    assert_eq!(row.len(), expected.len());

    // ModelRouter: the provider's own money, no quantity.
    let (time, amount) = json_point(
        &json,
        "modelrouter.cost_trend",
        "total_amount",
        "total_amount",
        0,
    );
    let start = utc(&time);
    let row = rows
        .iter()
        .find(|r| r["x_Source"] == "modelrouter.cost_trend" && r["ChargePeriodStart"] == start)
        .expect("the ModelRouter row");
    let cost = aigcusage::render::focus::decimal(
        rust_decimal::Decimal::from_str_exact(&amount.to_string()).unwrap(),
    );
    let expected = [
        ("BilledCost", cost.as_str()),
        ("BillingCurrency", "CNY"),
        ("ChargeDescription", "total_amount total_amount"),
        ("ConsumedQuantity", ""),
        ("ConsumedUnit", ""),
        ("PricingQuantity", ""),
        ("PricingUnit", ""),
        ("ContractedCost", cost.as_str()),
        ("EffectiveCost", cost.as_str()),
        ("ListCost", cost.as_str()),
        ("ProviderName", "Alibaba Cloud"),
        ("PublisherName", "Alibaba Cloud"),
        ("InvoiceIssuerName", "Alibaba Cloud"),
        ("ServiceName", "AiContent ModelRouter"),
        ("x_Metric", "total_amount"),
        ("x_PriceSource", "provider"),
        ("x_Partial", "false"),
    ];
    for (column, value) in expected {
        assert_eq!(row[column], value, "ModelRouter {column}");
    }
}

#[test]
fn a_failing_command_leaves_the_output_file_as_it_was() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("usage.csv");
    std::fs::write(&path, "old content\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    // No credentials: exit 3 after the file was opened.
    let output = run(aigcusage()
        .args([
            "vod",
            "usage",
            "--type",
            "Video",
            "-o",
            "csv",
            "--output-file",
        ])
        .arg(&path));
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old content\n");
    assert_eq!(mode(&path), 0o600);
    assert_eq!(
        std::fs::read_dir(folder.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
}

#[test]
fn a_folder_that_does_not_exist_fails_before_anything_is_sent() {
    let output = run(aigcusage().args([
        "report",
        "--demo",
        "--output-file",
        "/nonexistent-aigcusage-dir/out.prom",
    ]));
    // A bad --output-file: a usage error, nothing sent.
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("the folder /nonexistent-aigcusage-dir does not exist"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("/nonexistent-aigcusage-dir/out.prom"),
        "{}",
        stderr(&output)
    );
    assert!(
        !stderr(&output).contains("demo data"),
        "failed before the run: {}",
        stderr(&output)
    );
}

#[test]
fn a_new_file_is_0644_under_umask_077_and_an_existing_one_keeps_its_mode() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("new.prom");
    let binary = assert_cmd::cargo::cargo_bin("aigcusage");
    let status = std::process::Command::new("sh")
        .args(["-c", "umask 077; exec \"$0\" \"$@\""])
        .arg(&binary)
        .args(["report", "--demo", "-q", "-o", "prom", "--output-file"])
        .arg(&path)
        .env_clear()
        .env("HOME", "/nonexistent-aigcusage-test-home")
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(mode(&path), 0o644);
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("aigcusage_provider_up"));

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let output = demo(&["-o", "json", "--output-file", path.to_str().unwrap()]);
    assert!(output.status.success());
    assert_eq!(mode(&path), 0o640);
    assert!(std::fs::read_to_string(&path).unwrap().starts_with('{'));
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_leaves_the_output_file_as_it_was() {
    let server = MockServer::start().await;
    mount_tencent(
        &server,
        "vod",
        "2018-07-17",
        "DescribeAigcUsageData",
        |body| vod_usage_answer(body, &["spec"], 1.0).set_delay(std::time::Duration::from_secs(30)),
    )
    .await;
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("usage.prom");
    std::fs::write(&path, "previous\n").unwrap();
    let binary = assert_cmd::cargo::cargo_bin("aigcusage");
    let mut child = std::process::Command::new(binary)
        .args([
            "vod",
            "usage",
            "--type",
            "Video",
            "-o",
            "prom",
            "--output-file",
        ])
        .arg(&path)
        .env_clear()
        .env("HOME", "/nonexistent-aigcusage-test-home")
        .env("TENCENTCLOUD_SECRET_ID", SECRET_ID)
        .env("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
        .env("AIGCUSAGE_VOD_ENDPOINT", server.uri())
        .spawn()
        .unwrap();
    // Wait until the request is in flight.
    let started = std::time::Instant::now();
    while server.received_requests().await.unwrap().is_empty() {
        assert!(started.elapsed().as_secs() < 20, "no request arrived");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // SAFETY: sends SIGINT to the child this test started.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) },
        0
    );
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "previous\n");
    assert_eq!(
        std::fs::read_dir(folder.path()).unwrap().count(),
        1,
        "the temporary file is removed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_7_still_writes_the_output_file() {
    let server = MockServer::start().await;
    mount_tencent(&server, "vod", "2018-07-17", "DescribeAigcQuotas", |_| {
        tencent_ok(serde_json::json!({
            "QuotaSet": [{"QuotaType": "Image", "QuotaLimit": 100, "Usage": 99}],
            "TotalCount": 1,
            "RequestId": "req-list"
        }))
    })
    .await;
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("quotas.json");
    let output = run(with_tencent(&server.uri())
        .args([
            "vod",
            "quota",
            "list",
            "--sub-app-id",
            "1",
            "--fail-at",
            "90",
        ])
        .args(["-o", "json", "--output-file"])
        .arg(&path));
    assert_eq!(output.status.code(), Some(7), "{}", stderr(&output));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(doc["quotas"][0]["usage"], 99);
}

#[test]
fn prom_asked_for_a_quota_command_is_a_usage_error_but_a_default_is_not() {
    let output = run(aigcusage().args(["vod", "quota", "list", "--sub-app-id", "1", "-o", "prom"]));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("-o prom"), "{}", stderr(&output));
    // From the environment: the quota command goes on (and needs credentials, exit 3).
    let output = run(aigcusage().env("AIGCUSAGE_OUTPUT", "prom").args([
        "vod",
        "quota",
        "list",
        "--sub-app-id",
        "1",
    ]));
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
}

#[test]
fn focus_prices_once_with_the_commands_own_book_and_currency() {
    // `--cost -o focus` is `-o focus`: the costs are not priced twice.
    let implied = demo(&["-o", "focus"]);
    let explicit = demo(&["--cost", "-o", "focus"]);
    assert!(implied.status.success(), "{}", stderr(&implied));
    assert_eq!(stdout(&implied), stdout(&explicit));

    // `--prices` and `--currency` are honoured by a usage command's FOCUS output.
    let folder = tempfile::tempdir().unwrap();
    let book = folder.path().join("prices.toml");
    std::fs::write(
        &book,
        "[[price]]\nprovider = \"tencent\"\nsource = \"vod.aigc_usage\"\nmatch = \".*\"\n\
         metric = \"usage\"\nunit = \"seconds\"\nprice = \"2\"\ncurrency = \"USD\"\n",
    )
    .unwrap();
    let output = run(aigcusage()
        .env("AIGCUSAGE_NOW", NOW)
        .args([
            "vod", "usage", "--demo", "-q", "--type", "Video", "-o", "focus",
        ])
        .args(["--currency", "USD", "--prices"])
        .arg(&book));
    assert!(output.status.success(), "{}", stderr(&output));
    let rows = focus_rows(&stdout(&output));
    assert!(!rows.is_empty());
    for row in &rows {
        assert_eq!(row["BillingCurrency"], "USD");
        let cost: f64 = row["BilledCost"].parse().unwrap();
        let seconds: f64 = row["ConsumedQuantity"].parse().unwrap();
        assert_eq!(cost, seconds * 2.0, "{row:?}");
    }
}
