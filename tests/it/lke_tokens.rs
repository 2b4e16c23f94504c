//! `lke tokens` against a local LKE that verifies TC3 signatures (service `lke`), the
//! region header and the exact JSON body.

use serde_json::{json, Value};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const SEED_ANSWER: &str = r#"{
    "Response": {
        "Total": [
            {"X": "202411190930", "Y": 14896},
            {"X": "202411190915", "Y": 694},
            {"X": "202411190945", "Y": 14968},
            {"X": "202411190935", "Y": 36641}
        ],
        "Input": [
            {"X": "202411190945", "Y": 14914},
            {"X": "202411190935", "Y": 36547},
            {"X": "202411190930", "Y": 14662},
            {"X": "202411190915", "Y": 268}
        ],
        "Output": [
            {"X": "202411190930", "Y": 234},
            {"X": "202411190915", "Y": 426},
            {"X": "202411190945", "Y": 54},
            {"X": "202411190935", "Y": 94}
        ],
        "RequestId": "ed825101-ab0f-4f3d-8803-ce43292be7cb"
    }
}"#;

type Bodies = std::sync::Arc<std::sync::Mutex<Vec<Value>>>;

/// An LKE that answers only when `X-TC-Region` is `region`.
async fn lke<F>(region: &str, answer: F) -> (MockServer, Bodies)
where
    F: Fn(&Value) -> ResponseTemplate + Send + Sync + 'static,
{
    let server = MockServer::start().await;
    let bodies: Bodies = Default::default();
    Mock::given(method("POST"))
        .and(header("X-TC-Action", "DescribeTokenUsageGraph"))
        .and(header("X-TC-Region", region))
        .respond_with(Tencent {
            service: "lke",
            version: "2023-11-30",
            answer,
            bodies: bodies.clone(),
        })
        .mount(&server)
        .await;
    (server, bodies)
}

fn seed(_: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(SEED_ANSWER, "application/json")
}

/// The seed's dates are in 2024: pin "now" after them so nothing is partial.
fn lke_cmd(endpoint: &str) -> assert_cmd::Command {
    let mut cmd = with_tencent(endpoint);
    cmd.env("AIGCUSAGE_NOW", "2024-12-01T00:00:00+08:00");
    cmd
}

fn points(series: &Value) -> Vec<(String, f64)> {
    series["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["time"].as_str().unwrap().to_string(),
                p["value"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_request_is_sent_exactly_and_out_of_range_points_are_dropped() {
    let (server, bodies) = lke("ap-jakarta", seed).await;
    let output = run(lke_cmd(&server.uri()).args([
        "lke",
        "tokens",
        "--model",
        "cs-normal",
        "--start",
        "1726070400",
        "--end",
        "1726156799",
        "-o",
        "json",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        *bodies.lock().unwrap(),
        [json!({"ModelName": "cs-normal", "StartTime": "1726070400", "EndTime": "1726156799"})]
    );
    // The seed answer's points (2024-11-19) lie outside the asked range (2024-09-12 in
    // +08:00): spec §5 drops them, and stderr says so.
    let doc = json_of(&output);
    let series = doc["series"].as_array().unwrap();
    let names: Vec<_> = series.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["input", "output", "total"]);
    for s in series {
        assert_eq!(s["points"], json!([]));
        assert_eq!(s["granularity"], "5m");
    }
    assert!(
        stderr(&output).contains("LKE answered 12 points outside the requested range"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_answer_over_its_own_day_gives_three_sorted_5m_series() {
    let (server, _) = lke("ap-jakarta", seed).await;
    let output = run(lke_cmd(&server.uri()).args([
        "lke",
        "tokens",
        "--model",
        "cs-normal",
        "--start",
        "2024-11-19",
        "--end",
        "2024-11-19",
        "--tz",
        "+08:00",
        "-o",
        "json",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let doc = json_of(&output);
    let series = doc["series"].as_array().unwrap();
    assert_eq!(series.len(), 3);
    let total = &series[2];
    assert_eq!(
        *total,
        json!({
            "provider": "tencent", "source": "lke.token_usage", "name": "total",
            "metric": "tokens", "unit": "tokens", "granularity": "5m",
            "labels": {"model": "cs-normal"},
            "points": [
                {"time": "2024-11-19T09:15:00+08:00", "value": 694},
                {"time": "2024-11-19T09:30:00+08:00", "value": 14896},
                {"time": "2024-11-19T09:35:00+08:00", "value": 36641},
                {"time": "2024-11-19T09:45:00+08:00", "value": 14968}
            ],
            "total": 67199
        })
    );
    assert_eq!(
        points(&series[0]),
        [
            ("2024-11-19T09:15:00+08:00".to_string(), 268.0),
            ("2024-11-19T09:30:00+08:00".to_string(), 14662.0),
            ("2024-11-19T09:35:00+08:00".to_string(), 36547.0),
            ("2024-11-19T09:45:00+08:00".to_string(), 14914.0)
        ]
    );
    assert_eq!(series[1]["name"], "output");
    assert_eq!(series[1]["total"], 808);
    assert!(!stderr(&output).contains("outside"), "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread")]
async fn region_comes_from_the_flag_or_the_environment() {
    let (server, bodies) = lke("ap-singapore", seed).await;
    let output = run(lke_cmd(&server.uri()).args([
        "lke",
        "tokens",
        "--region",
        "ap-singapore",
        "--last",
        "1d",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let output = run(lke_cmd(&server.uri())
        .env("TENCENTCLOUD_REGION", "ap-singapore")
        .args(["lke", "tokens", "--last", "1d"]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(bodies.lock().unwrap().len(), 2);
    // Without either, the default region ap-jakarta is sent: this server does not match.
    let output = run(lke_cmd(&server.uri()).args(["lke", "tokens", "--last", "1d"]));
    assert!(!output.status.success());
    assert_eq!(bodies.lock().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_filter_is_sent_with_its_api_name() {
    let (server, bodies) = lke("ap-jakarta", |_| {
        tencent_ok(json!({"Total": [], "Input": [], "Output": [], "RequestId": "r"}))
    })
    .await;
    let output = run(lke_cmd(&server.uri()).args([
        "lke",
        "tokens",
        "--model",
        "cs-normal",
        "--sub-biz-type",
        "KnowledgeQA",
        "--app-biz-id",
        "1730000000000000001",
        "--app-biz-id",
        "1730000000000000002",
        "--uin-account",
        "100000000001",
        "--app-type",
        "knowledge_qa",
        "--sub-scene",
        "chat",
        "--sub-scene",
        "search",
        "--start",
        "2024-11-19T00:00:00+08:00",
        "--end",
        "2024-11-19T12:00:00+08:00",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        *bodies.lock().unwrap(),
        [json!({
            "StartTime": "1731945600", "EndTime": "1731988800",
            "ModelName": "cs-normal", "SubBizType": "KnowledgeQA",
            "AppBizIds": ["1730000000000000001", "1730000000000000002"],
            "UinAccount": ["100000000001"], "AppType": "knowledge_qa",
            "SubScenes": ["chat", "search"]
        })]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_answer_is_an_empty_result() {
    let (server, _) = lke("ap-jakarta", |_| {
        tencent_ok(json!({"RequestId": "r-empty"}))
    })
    .await;
    let output = run(lke_cmd(&server.uri()).args(["lke", "tokens", "--last", "1d", "--json"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let doc = json_of(&output);
    let series = doc["series"].as_array().unwrap();
    assert_eq!(series.len(), 3);
    assert!(series
        .iter()
        .all(|s| s["points"] == json!([]) && s["total"] == 0));
    // The table of nothing is not an error either.
    let output = run(lke_cmd(&server.uri()).args(["lke", "tokens", "--last", "1d"]));
    assert!(output.status.success(), "{}", stderr(&output));
}

/// One point at `x` in each series; returns (its time, the granularity).
async fn single_x(x: &str) -> (String, Value) {
    let x = x.to_string();
    let (server, _) = lke("ap-jakarta", move |_| {
        tencent_ok(json!({
            "Total": [{"X": x, "Y": 3}], "Input": [{"X": x, "Y": 2}], "Output": [{"X": x, "Y": 1}],
            "RequestId": "r"
        }))
    })
    .await;
    let output = run(lke_cmd(&server.uri()).args([
        "lke",
        "tokens",
        "--start",
        "2024-11-18",
        "--end",
        "2024-11-20",
        "--tz",
        "+08:00",
        "-o",
        "json",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let doc = json_of(&output);
    let total = &doc["series"][2];
    assert_eq!(total["total"], 3);
    (
        total["points"][0]["time"].as_str().unwrap().to_string(),
        total["granularity"].clone(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn x_is_read_in_every_accepted_form_in_china_standard_time() {
    let cases = [
        ("202411190930", "2024-11-19T09:30:00+08:00", Value::Null),
        ("2024111909", "2024-11-19T09:00:00+08:00", json!("hour")),
        ("20241119", "2024-11-19T00:00:00+08:00", json!("day")),
        (
            "2024-11-19T09:30:00+08:00",
            "2024-11-19T09:30:00+08:00",
            Value::Null,
        ),
        (
            "2024-11-19T01:30:00Z",
            "2024-11-19T09:30:00+08:00",
            Value::Null,
        ),
        (
            "2024-11-19 09:30:00",
            "2024-11-19T09:30:00+08:00",
            Value::Null,
        ),
        ("2024-11-19 09:30", "2024-11-19T09:30:00+08:00", Value::Null),
        ("2024-11-19", "2024-11-19T00:00:00+08:00", json!("day")),
    ];
    for (x, time, granularity) in cases {
        assert_eq!(single_x(x).await, (time.to_string(), granularity), "X {x}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn day_buckets_keep_china_standard_time_whatever_the_tz() {
    let (server, _) = lke("ap-jakarta", |_| {
        tencent_ok(json!({
            "Total": [{"X": "20241120", "Y": 5}, {"X": "20241119", "Y": 7}],
            "RequestId": "r"
        }))
    })
    .await;
    let output = run(lke_cmd(&server.uri()).args([
        "lke",
        "tokens",
        "--start",
        "2024-11-19T00:00:00+08:00",
        "--end",
        "2024-11-20T23:59:59+08:00",
        "--tz",
        "UTC",
        "-o",
        "json",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let doc = json_of(&output);
    let total = &doc["series"][2];
    assert_eq!(total["granularity"], "day");
    assert_eq!(
        points(total),
        [
            ("2024-11-19T00:00:00+08:00".to_string(), 7.0),
            ("2024-11-20T00:00:00+08:00".to_string(), 5.0)
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_x_is_exit_5_naming_it() {
    let (server, _) = lke("ap-jakarta", |_| {
        tencent_ok(json!({"Total": [{"X": "19/11/2024", "Y": 1}], "RequestId": "r"}))
    })
    .await;
    let output = run(lke_cmd(&server.uri()).args(["lke", "tokens", "--last", "1d"]));
    assert_eq!(output.status.code(), Some(5));
    let err = stderr(&output);
    assert!(err.contains("tencent lke DescribeTokenUsageGraph"), "{err}");
    assert!(err.contains("'19/11/2024'"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_region_is_a_usage_error_and_sends_nothing() {
    let (server, bodies) = lke("ap-jakarta", seed).await;
    let output = run(lke_cmd(&server.uri()).args(["lke", "tokens", "--region", "AP Jakarta"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--region"));
    assert!(bodies.lock().unwrap().is_empty());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_shows_the_region_header_and_sends_nothing() {
    let (server, _) = lke("ap-jakarta", seed).await;
    let output = run(lke_cmd(&server.uri()).args([
        "lke",
        "tokens",
        "--start",
        "1726070400",
        "--end",
        "1726156799",
        "--dry-run",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("X-TC-Region: ap-jakarta"), "{text}");
    assert!(
        text.contains("X-TC-Action: DescribeTokenUsageGraph"),
        "{text}"
    );
    assert!(text.contains("/lke/tc3_request"), "{text}");
    assert!(
        text.contains(r#"{"EndTime":"1726156799","StartTime":"1726070400"}"#),
        "{text}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}
