//! `vod usage` against a local VOD that verifies TC3 signatures.

use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const SEED_ANSWER: &str = r#"{
    "Response": {
        "AigcUsageDataSet": [
            {
                "DataSet": [
                    {"Count": 0, "Time": "2025-11-17T00:00:00+08:00", "Usage": 0},
                    {"Count": 3, "Time": "2025-11-18T00:00:00+08:00", "Usage": 15},
                    {"Count": 0, "Time": "2025-11-19T00:00:00+08:00", "Usage": 0}
                ],
                "Specification": "Kling2.0&2.1std_720P"
            }
        ],
        "RequestId": "2f47fc6d-c03a-49f7-b50b-xxxxxxxx"
    }
}"#;

type Bodies = Arc<Mutex<Vec<Value>>>;

/// The seed example asks about 2025-11-18/19; VOD keeps 365 days, so its tests pin the
/// clock to a day later with `AIGCUSAGE_NOW` (signatures still use the real time).
fn at_seed_time(endpoint: &str) -> assert_cmd::Command {
    let mut cmd = with_tencent(endpoint);
    cmd.env("AIGCUSAGE_NOW", "2025-11-20T12:00:00+08:00");
    cmd
}

async fn vod_server<F>(answer: F, expected_calls: u64) -> (MockServer, Bodies)
where
    F: Fn(&Value) -> ResponseTemplate + Send + Sync + 'static,
{
    let server = MockServer::start().await;
    let bodies: Bodies = Arc::default();
    Mock::given(method("POST"))
        .and(header("X-TC-Action", "DescribeAigcUsageData"))
        .respond_with(Tencent {
            service: "vod",
            version: "2018-07-17",
            answer,
            bodies: bodies.clone(),
        })
        .expect(expected_calls)
        .mount(&server)
        .await;
    (server, bodies)
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_example_gives_the_documented_json() {
    let (server, bodies) = vod_server(
        |_| ResponseTemplate::new(200).set_body_raw(SEED_ANSWER, "application/json"),
        1,
    )
    .await;
    let output = run(at_seed_time(&server.uri()).args([
        "vod",
        "usage",
        "--type",
        "Video",
        "--start",
        "2025-11-18",
        "--end",
        "2025-11-19",
        "--tz",
        "Asia/Shanghai",
        "-o",
        "json",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        bodies.lock().unwrap()[0],
        json!({"StartTime": "2025-11-18T00:00:00+08:00", "EndTime": "2025-11-19T23:59:59+08:00", "AigcType": "Video"})
    );
    let doc = json_of(&output);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["query"]["start"], "2025-11-18T00:00:00+08:00");
    assert_eq!(doc["query"]["end"], "2025-11-19T23:59:59+08:00");
    assert_eq!(doc["query"]["tz"], "Asia/Shanghai");
    assert_eq!(doc["query"]["commands"], json!(["vod usage"]));
    let series = doc["series"].as_array().unwrap();
    assert_eq!(series.len(), 2);
    // Sorted by (provider, source, name, metric): count before usage.
    assert_eq!(
        series[1],
        json!({
            "provider": "tencent", "source": "vod.aigc_usage", "name": "Kling2.0&2.1std_720P",
            "metric": "usage", "unit": "seconds", "granularity": "day",
            "labels": {"aigc_type": "Video", "specification": "Kling2.0&2.1std_720P"},
            "points": [
                {"time": "2025-11-18T00:00:00+08:00", "value": 15},
                {"time": "2025-11-19T00:00:00+08:00", "value": 0}
            ],
            "total": 15
        })
    );
    assert_eq!(series[0]["metric"], "count");
    assert_eq!(series[0]["unit"], "tasks");
    assert_eq!(series[0]["total"], 3);
    // Integral values print without a fractional part.
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("\"value\": 15") && !text.contains("15.0"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn day_buckets_keep_vod_calendar_whatever_the_tz() {
    let (server, _) = vod_server(
        |_| ResponseTemplate::new(200).set_body_raw(SEED_ANSWER, "application/json"),
        1,
    )
    .await;
    let output = run(at_seed_time(&server.uri()).args([
        "vod",
        "usage",
        "--type",
        "video",
        "--start",
        "2025-11-18T00:00:00+08:00",
        "--end",
        "2025-11-19T23:59:59+08:00",
        "--tz",
        "America/New_York",
        "-o",
        "json",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let doc = json_of(&output);
    assert_eq!(
        doc["series"][1]["points"][0]["time"],
        "2025-11-18T00:00:00+08:00"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_and_ndjson_of_the_seed_example() {
    let (server, _) = vod_server(
        |_| ResponseTemplate::new(200).set_body_raw(SEED_ANSWER, "application/json"),
        2,
    )
    .await;
    let args = [
        "vod",
        "usage",
        "--type",
        "Video",
        "--start",
        "2025-11-18",
        "--end",
        "2025-11-19",
        "--tz",
        "+08:00",
    ];
    let output = run(at_seed_time(&server.uri()).args(args).args(["-o", "csv"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let csv = String::from_utf8(output.stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("time,provider,source,series,metric,unit,value,partial,labels")
    );
    assert!(csv.contains(
        "2025-11-18T00:00:00+08:00,tencent,vod.aigc_usage,Kling2.0&2.1std_720P,usage,seconds,15,,"
    ));
    assert_eq!(csv.lines().count(), 5);

    let output = run(at_seed_time(&server.uri())
        .args(args)
        .args(["-o", "ndjson"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[2]["series"], "Kling2.0&2.1std_720P");
    assert_eq!(lines[2]["value"], 15);
}

/// Every day of a range over 90 days comes exactly once, from calls of at most 90 days.
#[tokio::test(flavor = "multi_thread")]
async fn a_200_day_range_is_split_and_merged_without_gaps_or_duplicates() {
    let (server, bodies) = vod_server(|body| vod_usage_answer(body, &["Hunyuan"], 1.0), 3).await;
    let start = (Utc::now() - Duration::days(220)).date_naive();
    let end = start + Duration::days(199);
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "usage",
        "--type",
        "Video",
        "--start",
        &start.to_string(),
        "--end",
        &end.to_string(),
        "--tz",
        "Asia/Shanghai",
        "-o",
        "json",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let doc = json_of(&output);
    let usage = &doc["series"][1];
    assert_eq!(usage["granularity"], "day");
    let times: Vec<String> = usage["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["time"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(times.len(), 200, "one point per day");
    for (i, time) in times.iter().enumerate() {
        let expected = start + Duration::days(i as i64);
        assert_eq!(time, &format!("{expected}T00:00:00+08:00"));
    }
    let expected_total: f64 = (0..200)
        .map(|i| f64::from(chrono::Datelike::day(&(start + Duration::days(i)))))
        .sum();
    assert_eq!(usage["total"].as_f64().unwrap(), expected_total);
    let bodies = bodies.lock().unwrap();
    for body in bodies.iter() {
        let s = DateTime::parse_from_rfc3339(body["StartTime"].as_str().unwrap()).unwrap();
        let e = DateTime::parse_from_rfc3339(body["EndTime"].as_str().unwrap()).unwrap();
        assert!(e - s <= Duration::days(90) && e - s > Duration::days(1));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn type_all_asks_for_the_seven_types_with_units() {
    let (server, bodies) = vod_server(|body| vod_usage_answer(body, &["spec"], 2.0), 7).await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "usage",
        "--type",
        "all",
        "--last",
        "3d",
        "--sub-app-id",
        "200000004",
        "-o",
        "json",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let mut types: Vec<String> = bodies
        .lock()
        .unwrap()
        .iter()
        .map(|b| {
            assert_eq!(b["SubAppId"], 200000004);
            b["AigcType"].as_str().unwrap().to_string()
        })
        .collect();
    types.sort();
    assert_eq!(
        types,
        [
            "Audio",
            "Image",
            "SceneAigcImage",
            "SceneAigcTime",
            "SceneAigcVideo",
            "Text",
            "Video"
        ]
    );
    let doc = json_of(&output);
    let series = doc["series"].as_array().unwrap();
    assert_eq!(series.len(), 14);
    let unit_of = |aigc_type: &str| {
        series
            .iter()
            .find(|s| s["labels"]["aigc_type"] == aigc_type && s["metric"] == "usage")
            .unwrap()["unit"]
            .clone()
    };
    assert_eq!(unit_of("Video"), "seconds");
    assert_eq!(unit_of("Image"), "images");
    assert_eq!(unit_of("Text"), "tokens");
    assert_eq!(unit_of("Audio"), "units");
    assert!(series
        .iter()
        .all(|s| s["labels"]["sub_app_id"] == "200000004"));
    // The last day is not over yet.
    let last = series[0]["points"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["partial"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_start_older_than_365_days_is_refused_before_sending() {
    let (server, _) = vod_server(|_| ResponseTemplate::new(500), 0).await;
    let output = run(
        with_tencent(&server.uri()).args(["vod", "usage", "--type", "Video", "--last", "400d"])
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("365 days"), "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_type_is_a_usage_error_and_sends_nothing() {
    let (server, _) = vod_server(|_| ResponseTemplate::new(500), 0).await;
    let output = run(with_tencent(&server.uri()).args(["vod", "usage", "--type", "Hologram"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("Hologram"));
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_failure_is_exit_4_naming_provider_action_code_and_request_id() {
    let (server, _) = vod_server(
        |_| {
            tencent_error(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated",
                "6b1d-req",
            )
        },
        1,
    )
    .await;
    let output = run(with_tencent(&server.uri()).args(["vod", "usage", "--type", "Video"]));
    assert_eq!(output.status.code(), Some(4));
    assert_eq!(
        stderr(&output).trim(),
        "error: tencent vod DescribeAigcUsageData: AuthFailure.SignatureFailure: The provided credentials could not be validated (RequestId 6b1d-req)"
    );
    assert!(output.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_secret_key_fails_the_servers_signature_check() {
    let (server, _) = vod_server(|_| ResponseTemplate::new(200), 1).await;
    let output = run(with_tencent(&server.uri())
        .env("TENCENTCLOUD_SECRET_KEY", "another-secret-key-000000")
        .args(["vod", "usage", "--type", "Video"]));
    assert_eq!(output.status.code(), Some(4));
    assert!(stderr(&output).contains("AuthFailure.SignatureFailure"));
    assert!(!stderr(&output).contains("another-secret-key-000000"));
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_parameter_is_not_retried() {
    let (server, _) = vod_server(
        |_| tencent_error("InvalidParameterValue", "Incorrect parameter value.", "r-2"),
        1,
    )
    .await;
    let output = run(with_tencent(&server.uri()).args(["vod", "usage", "--type", "Video"]));
    assert_eq!(output.status.code(), Some(4));
    assert!(stderr(&output).contains("InvalidParameterValue"));
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_then_success_is_retried_with_a_fresh_signature() {
    let server = MockServer::start().await;
    let bodies: Bodies = Arc::default();
    Mock::given(method("POST"))
        .respond_with(Tencent {
            service: "vod",
            version: "2018-07-17",
            answer: |_: &Value| tencent_error("RequestLimitExceeded", "too many", "r-t"),
            bodies: bodies.clone(),
        })
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(Tencent {
            service: "vod",
            version: "2018-07-17",
            answer: |_: &Value| {
                ResponseTemplate::new(200).set_body_raw(SEED_ANSWER, "application/json")
            },
            bodies: bodies.clone(),
        })
        .expect(1)
        .mount(&server)
        .await;
    let output = run(at_seed_time(&server.uri()).args([
        "vod",
        "usage",
        "--type",
        "Video",
        "--start",
        "2025-11-18",
        "--end",
        "2025-11-19",
        "-v",
        "-o",
        "json",
        "--tz",
        "+08:00",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(json_of(&output)["series"][1]["total"], 15);
    let log = stderr(&output);
    assert_eq!(log.matches("retrying").count(), 2, "{log}");
    assert!(log.contains("RequestLimitExceeded"), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_that_never_ends_is_exit_4_after_the_retries() {
    let (server, _) = vod_server(
        |_| tencent_error("RequestLimitExceeded", "slow down", "r-x"),
        2,
    )
    .await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "usage",
        "--type",
        "Video",
        "--retries",
        "1",
    ]));
    assert_eq!(output.status.code(), Some(4));
    assert!(stderr(&output).contains("RequestLimitExceeded: slow down (RequestId r-x)"));
}

#[tokio::test(flavor = "multi_thread")]
async fn http_429_that_outlasts_the_retries_is_exit_4_naming_the_attempts_and_host() {
    let (server, _) = vod_server(
        |_| ResponseTemplate::new(429).set_body_string(r#"{"error":"slow down"}"#),
        3,
    )
    .await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "usage",
        "--type",
        "Video",
        "--retries",
        "2",
    ]));
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    let host = server.uri().trim_start_matches("http://").to_string();
    assert_eq!(
        stderr(&output).trim_end(),
        format!(
            r#"error: tencent vod DescribeAigcUsageData: HTTP 429 Too Many Requests: {{"error":"slow down"}} (after 3 attempts, {host})"#
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn http_502_with_html_is_exit_5_with_status_and_first_line() {
    let (server, _) = vod_server(
        |_| {
            ResponseTemplate::new(502).set_body_raw(
                "<html>\n<head><title>502 Bad Gateway</title></head>\n</html>",
                "text/html",
            )
        },
        3,
    )
    .await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "usage",
        "--type",
        "Video",
        "--retries",
        "2",
    ]));
    assert_eq!(output.status.code(), Some(5));
    let err = stderr(&output);
    assert!(err.contains("HTTP 502 Bad Gateway: <html>"), "{err}");
    assert!(!err.to_lowercase().contains("expected value"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_slower_than_the_timeout_is_exit_5() {
    let (server, _) = vod_server(
        |_| {
            ResponseTemplate::new(200)
                .set_body_raw(SEED_ANSWER, "application/json")
                .set_delay(StdDuration::from_secs(5))
        },
        2,
    )
    .await;
    let started = std::time::Instant::now();
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "usage",
        "--type",
        "Video",
        "--timeout",
        "0.5",
        "--retries",
        "1",
    ]));
    assert_eq!(output.status.code(), Some(5));
    assert!(stderr(&output).contains("timed out"), "{}", stderr(&output));
    assert!(started.elapsed() < StdDuration::from_secs(4));
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_credentials_is_exit_3_naming_the_variables() {
    let output = run(aigcusage().args(["vod", "usage", "--type", "Video"]));
    assert_eq!(output.status.code(), Some(3));
    let err = stderr(&output);
    assert!(err.contains("TENCENTCLOUD_SECRET_ID"), "{err}");
    assert!(err.contains("TENCENTCLOUD_SECRET_KEY"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_prints_the_signed_request_and_sends_nothing() {
    let (server, _) = vod_server(|_| ResponseTemplate::new(500), 0).await;
    let output = run(at_seed_time(&server.uri())
        .env("TENCENTCLOUD_TOKEN", TOKEN)
        .args([
            "vod",
            "usage",
            "--type",
            "Video",
            "--start",
            "2025-11-18",
            "--end",
            "2025-11-19",
            "--tz",
            "+08:00",
            "--api-key",
            "aigc-api-key-secret-1234",
            "--dry-run",
        ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with(&format!("POST {}/\n", server.uri())),
        "{text}"
    );
    assert!(
        text.contains("TC3-HMAC-SHA256 Credential=****wxyz/"),
        "{text}"
    );
    assert!(
        text.contains("X-TC-Action: DescribeAigcUsageData"),
        "{text}"
    );
    assert!(text.contains("X-TC-Token: ****-000"), "{text}");
    assert!(
        text.contains("\"StartTime\":\"2025-11-18T00:00:00+08:00\""),
        "{text}"
    );
    assert!(!text.contains("aigc-api-key-secret-1234"), "{text}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_lines_name_method_url_status_and_time_without_secrets() {
    let (server, _) = vod_server(
        |_| ResponseTemplate::new(200).set_body_raw(SEED_ANSWER, "application/json"),
        1,
    )
    .await;
    let output = run(with_tencent(&server.uri())
        .env("TENCENTCLOUD_TOKEN", TOKEN)
        .args(["vod", "usage", "--type", "Video", "-v", "-o", "csv"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let log = stderr(&output);
    assert!(
        log.contains(&format!("POST {}/ -> 200 OK in ", server.uri())),
        "{log}"
    );
    assert!(log.contains(" ms"), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_pipe_exits_quietly() {
    let (server, _) = vod_server(|body| vod_usage_answer(body, &["a", "b", "c"], 1.0), 1).await;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("aigcusage"))
        .env_clear()
        .env("TENCENTCLOUD_SECRET_ID", SECRET_ID)
        .env("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
        .env("AIGCUSAGE_VOD_ENDPOINT", server.uri())
        .args([
            "vod", "usage", "--type", "Video", "--last", "60d", "-o", "ndjson",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close our end, as `| head -1` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(output.stderr.is_empty(), "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread")]
async fn http_proxy_is_honoured() {
    // The endpoint's host does not resolve; only the proxy can carry the request there.
    let (proxy, bodies) = vod_server(
        |_| ResponseTemplate::new(200).set_body_raw(SEED_ANSWER, "application/json"),
        1,
    )
    .await;
    let output = run(at_seed_time("http://vod.invalid")
        .env("HTTP_PROXY", proxy.uri())
        .args([
            "vod",
            "usage",
            "--type",
            "Video",
            "--start",
            "2025-11-18",
            "--end",
            "2025-11-19",
            "--tz",
            "+08:00",
            "-o",
            "json",
        ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(bodies.lock().unwrap().len(), 1);
    assert_eq!(json_of(&output)["series"][1]["total"], 15);
}
