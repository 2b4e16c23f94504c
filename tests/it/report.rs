//! `report`: every provider at once, and `--demo`.

use std::collections::BTreeMap;

use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

fn json_of(output: &std::process::Output) -> Value {
    assert!(
        output.status.success() || output.status.code() == Some(6),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

/// Totals per (source, name, metric, unit) of a report document.
fn totals(doc: &Value) -> BTreeMap<String, f64> {
    doc["series"]
        .as_array()
        .unwrap()
        .iter()
        // A non-additive series (total null) has maxima, not sums, as its buckets.
        .filter(|s| !s["total"].is_null())
        .map(|s| {
            let key = format!(
                "{}/{}/{}/{}",
                s["source"], s["name"], s["metric"], s["unit"]
            );
            let sum: f64 = s["points"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["value"].as_f64().unwrap())
                .sum();
            assert!((sum - s["total"].as_f64().unwrap()).abs() < 1e-9);
            // Sums of decimals carry float noise; compare to the micro-unit.
            (key, (sum * 1e6).round() / 1e6)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_works_with_an_empty_environment_and_sends_nothing() {
    // Any request that escaped would land here (or fail on the dead proxy).
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let output = aigcusage()
        .env("AIGCUSAGE_VOD_ENDPOINT", server.uri())
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .args(["report", "--demo"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("demo data"), "{stderr}");
    let table = String::from_utf8_lossy(&output.stdout);
    for source in [
        "tencent vod.aigc_usage",
        "tencent lke.token_usage",
        "alibaba modelrouter.cost_trend",
        "acedata acedata.api_usage",
    ] {
        assert!(table.contains(source), "{source} missing: {table}");
    }
    assert!(table.contains("trend"), "{table}");
    assert!(table.contains('█'), "a sparkline: {table}");
    // The breakdown: one time × series table per source, each with its caption and total.
    assert_eq!(table.matches("granularity day").count(), 4, "{table}");
    assert_eq!(table.matches("│ total ").count(), 4, "{table}");
}

#[test]
fn demo_output_is_identical_on_two_runs() {
    let run = || {
        let output = aigcusage()
            .args([
                "report",
                "--demo",
                "-o",
                "json",
                "--start",
                "2026-10-01",
                "--end",
                "2026-10-31",
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    };
    assert_eq!(run(), run());
    let run_default = || {
        aigcusage()
            .args(["report", "--demo", "-o", "csv"])
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(run_default(), run_default());
}

#[test]
fn group_by_week_and_month_keep_the_daily_totals() {
    let doc = |group: &str| {
        let output = aigcusage()
            .args([
                "report",
                "--demo",
                "-o",
                "json",
                "--start",
                "2026-09-01",
                "--end",
                "2026-10-31",
                "--group-by",
                group,
                "--tz",
                "+08:00",
            ])
            .output()
            .unwrap();
        json_of(&output)
    };
    let day = doc("day");
    let week = doc("week");
    let month = doc("month");
    assert_eq!(day["series"][0]["granularity"], "day");
    assert_eq!(week["series"][0]["granularity"], "week");
    assert_eq!(month["series"][0]["granularity"], "month");
    assert!(!totals(&day).is_empty());
    assert_eq!(totals(&day), totals(&week));
    assert_eq!(totals(&day), totals(&month));
    let vod = |doc: &Value| {
        doc["series"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["source"] == "vod.aigc_usage")
            .unwrap()
            .clone()
    };
    // Weeks start on Monday (VOD days are +08:00).
    for point in vod(&week)["points"].as_array().unwrap() {
        let time = chrono::DateTime::parse_from_rfc3339(point["time"].as_str().unwrap()).unwrap();
        assert_eq!(
            chrono::Datelike::weekday(&time),
            chrono::Weekday::Mon,
            "{time}"
        );
    }
    assert_eq!(vod(&month)["points"].as_array().unwrap().len(), 2);
    assert_eq!(day["failures"], serde_json::json!([]));
}

#[test]
fn report_without_credentials_is_exit_3() {
    let output = aigcusage().args(["report"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("TENCENTCLOUD_SECRET_ID"));
}

#[test]
fn unknown_provider_is_exit_2() {
    let output = aigcusage()
        .args(["report", "--demo", "--providers", "vod,nope"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn report_queries_a_configured_provider_through_its_signed_api() {
    let server = MockServer::start().await;
    let bodies = std::sync::Arc::default();
    Mock::given(method("POST"))
        .respond_with(Tencent {
            service: "vod",
            version: "2018-07-17",
            answer: |body: &Value| vod_usage_answer(body, &["spec"], 1.0),
            bodies,
        })
        .expect(7)
        .mount(&server)
        .await;
    let output = with_tencent(&server.uri())
        .args(["report", "--providers", "vod", "--last", "3d", "-o", "json"])
        .output()
        .unwrap();
    assert_no_secrets(&output);
    let doc = json_of(&output);
    assert_eq!(doc["series"].as_array().unwrap().len(), 14);
    assert_eq!(doc["failures"], serde_json::json!([]));
}

/// A local Alibaba gateway (ACS3-verifying) answering one cost-trend page to each of two runs.
async fn modelrouter_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(Alibaba {
            action: "ModelRouterQueryCostTrendMetrics",
            version: "20240611",
            path: "/api/v1/modelRouter/open/billing/cost/trend",
            security_token: None,
            answer: |received: &Received, _| {
                let start: i64 = received.param("startTime").unwrap().parse().unwrap();
                let day = start - start.rem_euclid(86_400) + 86_400;
                ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "requestId": "mr-1", "success": true,
                    "data": {
                        "granularity": "daily",
                        "metrics": [{"key": "total_amount", "label": "cost", "unit": "CNY"}],
                        "points": [{"timestamp": day, "values": {"total_amount": 12.5, "total_calls": 40}}]
                    }
                }))
            },
            received: std::sync::Arc::default(),
            nonces: std::sync::Arc::default(),
        })
        .expect(2)
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn one_provider_failing_is_exit_6_with_the_others_printed_and_units_apart() {
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
            tencent_error(
                "AuthFailure.UnauthorizedOperation",
                "no LKE for this account",
                "lke-req-9",
            )
        },
    )
    .await;
    let alibaba = modelrouter_server().await;
    let output = with_tencent(&tencent.uri())
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", ALIBABA_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ALIBABA_SECRET)
        .env("AIGCUSAGE_MODELROUTER_ENDPOINT", alibaba.uri())
        .args([
            "report",
            "--vod-type",
            "Video",
            "--last",
            "3d",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_no_secrets(&output);
    assert_no_alibaba_secrets(&output);
    assert_eq!(
        output.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("tencent lke DescribeTokenUsageGraph: AuthFailure.UnauthorizedOperation: no LKE for this account (RequestId lke-req-9)"),
        "{stderr}"
    );
    let doc = json_of(&output);
    assert_eq!(
        doc["failures"],
        serde_json::json!([{"provider": "tencent", "source": "lke.token_usage",
            "code": "AuthFailure.UnauthorizedOperation", "message": "no LKE for this account",
            "request_id": "lke-req-9"}])
    );
    let sources: std::collections::BTreeSet<&str> = doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["modelrouter.cost_trend", "vod.aigc_usage"].into());
    // Units stay apart: each series keeps its own unit, no cross-unit total appears.
    let units: Vec<(String, Value)> = doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (format!("{}/{}", s["name"], s["metric"]), s["unit"].clone()))
        .collect();
    assert!(
        units.contains(&("\"total_amount\"/\"total_amount\"".into(), "CNY".into())),
        "{units:?}"
    );
    assert!(
        units.contains(&("\"spec\"/\"usage\"".into(), "seconds".into())),
        "{units:?}"
    );
    assert!(
        units.contains(&("\"spec\"/\"count\"".into(), "tasks".into())),
        "{units:?}"
    );

    // The table carries the same series, with the summary and the breakdown.
    let table = with_tencent(&tencent.uri())
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", ALIBABA_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ALIBABA_SECRET)
        .env("AIGCUSAGE_MODELROUTER_ENDPOINT", alibaba.uri())
        .args([
            "report",
            "--providers",
            "vod,modelrouter",
            "--vod-type",
            "Video",
            "--last",
            "3d",
        ])
        .output()
        .unwrap();
    assert_eq!(table.status.code(), Some(0));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("alibaba modelrouter.cost_trend") && text.contains("tencent vod.aigc_usage"),
        "{text}"
    );
}

/// A local AceData (bearer-checking) answering the seed example shifted to the range's
/// first day, to each of two runs.
async fn acedata_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(AceData {
            answer: |query: &[(String, String)]| {
                let from = query
                    .iter()
                    .find(|(k, _)| k == "created_at_from")
                    .map(|(_, v)| v[..10].to_string())
                    .unwrap();
                ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "results": [{"date": from, "api_id": "api-uuid-1", "amount": 45.5}],
                    "total": 45.5,
                    "api_map": {"api-uuid-1": {"name": "Midjourney Imagine", "path": "/v1/midjourney/imagine"}}
                }))
            },
            queries: std::sync::Arc::default(),
        })
        .expect(2)
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn the_combined_json_has_every_providers_series() {
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
            let day = (chrono::Utc::now() - chrono::Duration::days(1))
                .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
                .format("%Y%m%d")
                .to_string();
            tencent_ok(serde_json::json!({
                "Total": [{"X": day, "Y": 30}], "Input": [{"X": day, "Y": 20}],
                "Output": [{"X": day, "Y": 10}], "RequestId": "lke-ok"
            }))
        },
    )
    .await;
    let alibaba = modelrouter_server().await;
    let acedata = acedata_server().await;
    let output = with_tencent(&tencent.uri())
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", ALIBABA_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ALIBABA_SECRET)
        .env("AIGCUSAGE_MODELROUTER_ENDPOINT", alibaba.uri())
        .env("ACEDATACLOUD_PLATFORM_TOKEN", ACEDATA_TOKEN)
        .env("AIGCUSAGE_ACEDATA_ENDPOINT", acedata.uri())
        .args([
            "report",
            "--vod-type",
            "Video",
            "--last",
            "3d",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_no_secrets(&output);
    assert_no_alibaba_secrets(&output);
    assert_no_acedata_token(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc = json_of(&output);
    assert_eq!(doc["failures"], serde_json::json!([]));
    let sources: std::collections::BTreeSet<&str> = doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["points"].as_array().unwrap().is_empty())
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            "acedata.api_usage",
            "lke.token_usage",
            "modelrouter.cost_trend",
            "vod.aigc_usage"
        ]
        .into()
    );
    assert_eq!(
        doc["query"]["commands"],
        serde_json::json!([
            "report vod",
            "report lke",
            "report modelrouter",
            "report acedata"
        ])
    );
    // ndjson and csv carry the same points.
    let points: usize = doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["points"].as_array().unwrap().len())
        .sum();
    let csv = with_tencent(&tencent.uri())
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", ALIBABA_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ALIBABA_SECRET)
        .env("AIGCUSAGE_MODELROUTER_ENDPOINT", alibaba.uri())
        .env("ACEDATACLOUD_PLATFORM_TOKEN", ACEDATA_TOKEN)
        .env("AIGCUSAGE_ACEDATA_ENDPOINT", acedata.uri())
        .args(["report", "--vod-type", "Video", "--last", "3d", "-o", "csv"])
        .output()
        .unwrap();
    assert_eq!(csv.status.code(), Some(0));
    let rows = String::from_utf8_lossy(&csv.stdout).lines().count() - 1;
    assert_eq!(rows, points, "csv rows = json points");
}

#[test]
fn every_usage_command_answers_under_demo_with_no_credentials() {
    for args in [
        vec!["vod", "usage", "--type", "Video"],
        vec!["lke", "tokens"],
        vec!["modelrouter", "cost", "--granularity", "daily"],
        vec!["acedata", "usage"],
    ] {
        let output = aigcusage()
            .args(&args)
            .args(["--demo", "-o", "json", "--last", "3d"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(String::from_utf8_lossy(&output.stderr).contains("demo data"));
        let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
        let points: usize = doc["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["points"].as_array().unwrap().len())
            .sum();
        assert!(points > 0, "{args:?} gave no points");
    }
}

#[test]
fn quota_changes_refuse_demo() {
    let output = aigcusage()
        .args([
            "vod",
            "quota",
            "set",
            "--type",
            "Image",
            "--limit",
            "5",
            "--sub-app-id",
            "1",
            "--demo",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// Spec §4: every provider failing exits with the first failure's own code, "first" in
/// the order vod, lke, modelrouter, acedata whatever `--providers` says; stderr and the
/// JSON `failures` follow that order, each failure once.
#[tokio::test(flavor = "multi_thread")]
async fn every_provider_failing_follows_the_registry_order() {
    let acedata = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .mount(&acedata)
        .await;
    for providers in ["acedata,modelrouter", "modelrouter,acedata"] {
        let output = aigcusage()
            .env("ACEDATACLOUD_PLATFORM_TOKEN", "platform-v1-tok0007")
            .env("AIGCUSAGE_ACEDATA_ENDPOINT", acedata.uri())
            .args(["--retries", "0", "report", "--providers", providers])
            .args(["--last", "2d", "-o", "json"])
            .output()
            .unwrap();
        let message = String::from_utf8_lossy(&output.stderr).into_owned();
        // ModelRouter without credentials (3) comes before AceData's 502 (5).
        assert_eq!(output.status.code(), Some(3), "{providers}: {message}");
        let errors: Vec<&str> = message
            .lines()
            .filter(|l| l.starts_with("error:"))
            .collect();
        assert_eq!(errors.len(), 2, "{providers}: {message}");
        assert!(errors[0].contains("Alibaba"), "{providers}: {message}");
        assert!(errors[1].contains("acedata"), "{providers}: {message}");
        let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
        let failed: Vec<&str> = doc["failures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["source"].as_str().unwrap())
            .collect();
        assert_eq!(failed, ["modelrouter.cost_trend", "acedata.api_usage"]);
        assert_eq!(
            doc["query"]["commands"],
            serde_json::json!(["report modelrouter", "report acedata"])
        );
    }
}

/// Spec §6: a bad `--vod-type` is a usage error naming `--vod-type`, before any request
/// to any provider (report, forecast, prices check; also with --from-store).
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_vod_type_sends_nothing() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let commands: [&[&str]; 5] = [
        &["report", "--vod-type", "bogus"],
        &[
            "report",
            "--vod-type",
            "Video,bogus",
            "--providers",
            "acedata",
        ],
        &["forecast", "--vod-type", "bogus"],
        &["prices", "check", "--vod-type", "bogus"],
        &["report", "--from-store", "--vod-type", "bogus"],
    ];
    for args in commands {
        let dir = tempfile::tempdir().unwrap();
        let output = with_tencent(&server.uri())
            .env("ACEDATACLOUD_PLATFORM_TOKEN", ACEDATA_TOKEN)
            .env("AIGCUSAGE_ACEDATA_ENDPOINT", server.uri())
            .env("AIGCUSAGE_STORE", dir.path().join("h.db"))
            .env("AIGCUSAGE_CURRENCY", "CNY")
            .args(args)
            .output()
            .unwrap();
        let message = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert!(
            message.contains("--vod-type 'bogus'"),
            "{args:?}: {message}"
        );
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
    // Any case, as `vod usage --type`, is accepted.
    let output = aigcusage()
        .args([
            "report",
            "--demo",
            "--vod-type",
            "video,IMAGE",
            "--last",
            "2d",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
