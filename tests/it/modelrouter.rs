//! `modelrouter cost` against a local Alibaba gateway that verifies ACS3 signatures and
//! refuses reused nonces.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const PATH: &str = "/api/v1/modelRouter/open/billing/cost/trend";
const ACTION: &str = "ModelRouterQueryCostTrendMetrics";

/// The success example of the API document, verbatim.
const SEED_ANSWER: &str = r#"{
"requestId": "xxxx-xxxx-xxxx-xxxxxxxx",
"success": true,
"errCode": "UNKNOWN_ERROR",
"errMessage": "未知错误",
"httpStatusCode": 200,
"data": {
"defaultMetric": "total_amount",
"granularity": "hourly",
"metrics": [
{
"key": "total_calls",
"label": "调用次数",
"sortable": true,
"unit": "次"
}
],
"points": [
{
"timestamp": 1700000000,
"values": "\"{\\\"total_calls\\\":0,\\\"video_duration\\\":0,\\\"total_amount\\\":0,\\\"model_count\\\":0,\\\"image_count\\\":0}\""
}
]
},
"maxResults": 10,
"nextToken": "xxxx-xxx-xxxxx"
}"#;

type Log = Arc<Mutex<Vec<Received>>>;

/// A local ModelRouter answering `answer(request, n)`; expects exactly `calls` accepted
/// or refused requests.
async fn gateway<F>(token: Option<&'static str>, answer: F, calls: u64) -> (MockServer, Log)
where
    F: Fn(&Received, usize) -> ResponseTemplate + Send + Sync + 'static,
{
    let server = MockServer::start().await;
    let received: Log = Arc::default();
    Mock::given(method("GET"))
        .respond_with(Alibaba {
            action: ACTION,
            version: "20240611",
            path: PATH,
            security_token: token,
            answer,
            received: received.clone(),
            nonces: Arc::new(Mutex::new(HashSet::new())),
        })
        .expect(calls)
        .mount(&server)
        .await;
    (server, received)
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// A successful page with the given metrics, points and next token.
fn page(metrics: Value, points: Value, next: Option<&str>) -> ResponseTemplate {
    let mut body = json!({
        "requestId": "req-page",
        "success": true,
        "httpStatusCode": 200,
        "data": {"defaultMetric": "total_amount", "granularity": "hourly", "metrics": metrics, "points": points},
        "maxResults": 2,
    });
    if let Some(next) = next {
        body["nextToken"] = json!(next);
    }
    ok(body)
}

/// The seed example's day, with the clock pinned after it (signatures use the real time).
fn cost_cmd(endpoint: &str) -> assert_cmd::Command {
    let mut cmd = with_alibaba(endpoint);
    cmd.env("AIGCUSAGE_NOW", "2023-11-20T00:00:00Z").args([
        "modelrouter",
        "cost",
        "--start",
        "1700000000",
        "--end",
        "1700086399",
        "--tz",
        "UTC",
    ]);
    cmd
}

fn series<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no series {name} in {doc}"))
}

fn point_values(series: &Value) -> Vec<(String, f64)> {
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
async fn three_pages_are_followed_with_their_tokens_and_merged() {
    let metrics = json!([
        {"key": "total_amount", "label": "Amount", "unit": "CNY"},
        {"key": "total_calls", "label": "Calls", "unit": "calls"}
    ]);
    let (server, received) = gateway(
        None,
        move |r, n| match (n, r.param("nextToken")) {
            (0, None) => page(
                metrics.clone(),
                json!([{"timestamp": 1700000000, "values": {"total_amount": 1.5, "total_calls": 2}}]),
                Some("tok/1 a"),
            ),
            (1, Some("tok/1 a")) => page(
                metrics.clone(),
                json!([{"timestamp": 1700003600, "values": {"total_amount": 2, "total_calls": 3}}]),
                Some("tok2"),
            ),
            (2, Some("tok2")) => page(
                metrics.clone(),
                json!([{"timestamp": 1700007200, "values": {"total_amount": 0.25}}]),
                Some(""),
            ),
            _ => alibaba_gateway_error(400, "InvalidParameter", "unexpected page", "r-x"),
        },
        3,
    )
    .await;
    let output = run(cost_cmd(&server.uri()).args([
        "--model-types",
        "LLM,VL",
        "--client-id",
        "7",
        "--granularity",
        "hourly",
        "--page-size",
        "2",
        "-o",
        "json",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let received = received.lock().unwrap();
    let base = "clientId=7&endTime=1700086399&granularity=hourly&maxResults=2&modelTypes=LLM,VL&startTime=1700000000";
    assert_eq!(received[0].sorted_query(), base);
    assert_eq!(
        received[1].sorted_query(),
        base.replace("&startTime", "&nextToken=tok/1 a&startTime")
    );
    assert_eq!(
        received[2].sorted_query(),
        base.replace("&startTime", "&nextToken=tok2&startTime")
    );
    let nonces: HashSet<&str> = received.iter().map(|r| r.nonce.as_str()).collect();
    assert_eq!(nonces.len(), 3);

    let doc = json_of(&output);
    assert_eq!(doc["query"]["commands"], json!(["modelrouter cost"]));
    assert_eq!(doc["series"].as_array().unwrap().len(), 2);
    let amount = series(&doc, "total_amount");
    assert_eq!(
        amount,
        &json!({
            "provider": "alibaba", "source": "modelrouter.cost_trend",
            "name": "total_amount", "metric": "total_amount", "unit": "CNY",
            "granularity": "hour", "labels": {"label": "Amount"},
            "points": [
                {"time": "2023-11-14T22:13:20+00:00", "value": 1.5},
                {"time": "2023-11-14T23:13:20+00:00", "value": 2},
                {"time": "2023-11-15T00:13:20+00:00", "value": 0.25}
            ],
            "total": 3.75
        })
    );
    assert_eq!(series(&doc, "total_calls")["total"], 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_shape_of_values_decodes_the_same() {
    let object = json!({"cost": 1, "calls": "2"});
    let once = json!(object.to_string());
    let twice = json!(once.to_string());
    let (server, _) = gateway(
        None,
        move |_, _| {
            page(
                json!([{"key": "cost", "label": "Cost", "unit": "CNY"}]),
                json!([
                    {"timestamp": 1700000000, "values": object},
                    {"timestamp": "1700003600", "values": once},
                    {"timestamp": 1700007200000u64, "values": twice},
                    {"timestamp": 1700010800, "values": {"cost": "0.5", "calls": null}},
                    {"timestamp": 1700014400}
                ]),
                None,
            )
        },
        1,
    )
    .await;
    let output = run(cost_cmd(&server.uri()).args(["-o", "json"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let doc = json_of(&output);
    assert_eq!(
        point_values(series(&doc, "cost")),
        [
            ("2023-11-14T22:13:20+00:00".to_string(), 1.0),
            ("2023-11-14T23:13:20+00:00".to_string(), 1.0),
            ("2023-11-15T00:13:20+00:00".to_string(), 1.0),
            ("2023-11-15T01:13:20+00:00".to_string(), 0.5)
        ]
    );
    let calls = series(&doc, "calls");
    assert_eq!(calls["unit"], Value::Null);
    assert_eq!(calls["labels"], json!({}));
    assert_eq!(calls["total"], 6);
    assert_eq!(calls["points"].as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_snake_case_envelope_pages_and_decodes() {
    let (server, received) = gateway(
        None,
        |r, _| match r.param("nextToken") {
            None => ok(json!({
                "request_id": "r-1", "success": true, "next_token": "p2",
                "data": {"default_metric": "total_amount", "granularity": "daily",
                         "metrics": [{"key": "total_amount", "label": "Amount", "unit": "CNY"}],
                         "points": [{"timestamp": 1699977600, "values": "{\"total_amount\": \"12.5\"}"}]}
            })),
            Some(_) => ok(json!({
                "request_id": "r-2", "success": true,
                "data": {"default_metric": "total_amount", "granularity": "daily", "metrics": [], "points": []}
            })),
        },
        4,
    )
    .await;
    let output = run(with_alibaba(&server.uri())
        .env("AIGCUSAGE_NOW", "2023-11-20T00:00:00Z")
        .args([
            "modelrouter",
            "cost",
            "--start",
            "2023-11-15",
            "--end",
            "2023-11-15",
            "--tz",
            "Asia/Shanghai",
            "--granularity",
            "daily",
            "-o",
            "json",
        ]));
    assert!(output.status.success(), "{}", stderr(&output));
    // 2023-11-15 in Asia/Shanghai, inclusive end second.
    assert_eq!(
        received.lock().unwrap()[0].param("startTime"),
        Some("1699977600")
    );
    assert_eq!(
        received.lock().unwrap()[0].param("endTime"),
        Some("1700063999")
    );
    assert_eq!(received.lock().unwrap()[1].param("nextToken"), Some("p2"));
    let doc = json_of(&output);
    let amount = series(&doc, "total_amount");
    assert_eq!(amount["granularity"], "day");
    assert_eq!(
        point_values(amount),
        [("2023-11-15T00:00:00+08:00".to_string(), 12.5)]
    );
    assert_eq!(amount["labels"], json!({"label": "Amount"}));
    assert_eq!(amount["unit"], "CNY");

    // The day keeps its own calendar whatever --tz says (spec §5).
    let output = run(with_alibaba(&server.uri())
        .env("AIGCUSAGE_NOW", "2023-11-20T00:00:00Z")
        .args([
            "modelrouter",
            "cost",
            "--start",
            "2023-11-14T16:00:00Z",
            "--end",
            "2023-11-15T15:59:59Z",
            "--tz",
            "America/New_York",
            "-o",
            "json",
        ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        point_values(series(&json_of(&output), "total_amount")),
        [("2023-11-15T00:00:00+08:00".to_string(), 12.5)]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_seed_example_gives_one_series_per_metric_key() {
    let (server, received) = gateway(
        None,
        |r, _| match r.param("nextToken") {
            None => ResponseTemplate::new(200).set_body_raw(SEED_ANSWER, "application/json"),
            Some("xxxx-xxx-xxxxx") => ok(json!({
                "requestId": "r-last", "success": true,
                "data": {"defaultMetric": "total_amount", "granularity": "hourly", "metrics": [], "points": []}
            })),
            Some(other) => alibaba_gateway_error(400, "InvalidParameter", other, "r-bad"),
        },
        2,
    )
    .await;
    let output = run(with_alibaba(&server.uri())
        .env("AIGCUSAGE_NOW", "2023-11-20T00:00:00Z")
        .args([
            "modelrouter",
            "cost",
            "--start",
            "1700000000",
            "--end",
            "1700086400",
            "--tz",
            "Asia/Shanghai",
            "-o",
            "json",
        ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        received.lock().unwrap()[0].sorted_query(),
        "endTime=1700086400&startTime=1700000000"
    );
    let doc = json_of(&output);
    let names: Vec<&str> = doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "image_count",
            "model_count",
            "total_amount",
            "total_calls",
            "video_duration"
        ]
    );
    assert_eq!(
        series(&doc, "total_calls"),
        &json!({
            "provider": "alibaba", "source": "modelrouter.cost_trend",
            "name": "total_calls", "metric": "total_calls", "unit": "次",
            "granularity": "hour", "labels": {"label": "调用次数"},
            "points": [{"time": "2023-11-15T06:13:20+08:00", "value": 0}],
            "total": 0
        })
    );
    let amount = series(&doc, "total_amount");
    assert_eq!(amount["unit"], Value::Null);
    assert_eq!(amount["labels"], json!({}));
    assert_eq!(amount["total"], 0);

    // The table prints too.
    let (server, _) = gateway(
        None,
        |r, _| match r.param("nextToken") {
            None => ResponseTemplate::new(200).set_body_raw(SEED_ANSWER, "application/json"),
            Some(_) => ok(json!({"success": true, "data": {"metrics": [], "points": []}})),
        },
        2,
    )
    .await;
    let output = run(&mut cost_cmd(&server.uri()));
    assert!(output.status.success(), "{}", stderr(&output));
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("total_calls"), "{table}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_next_token_is_a_paging_loop_exit_5() {
    let (server, _) = gateway(
        None,
        |_, _| page(json!([]), json!([]), Some("same-token")),
        2,
    )
    .await;
    let output = run(&mut cost_cmd(&server.uri()));
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("alibaba modelrouter ModelRouterQueryCostTrendMetrics")
            && err.contains("repeated nextToken 'same-token'"),
        "{err}"
    );
    assert!(output.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn success_false_under_200_is_exit_4_with_code_message_and_request_id() {
    let (server, _) = gateway(
        None,
        |_, _| {
            ok(json!({
                "requestId": "592A27EF-26D3-1434-98C1-97AD63337852",
                "success": false,
                "errCode": "B.Permission.DeniedException",
                "errMessage": "鉴权失败或权限不足",
                "httpStatusCode": 403,
                "data": null
            }))
        },
        1,
    )
    .await;
    let output = run(&mut cost_cmd(&server.uri()));
    assert_eq!(output.status.code(), Some(4));
    assert_eq!(
        stderr(&output).trim(),
        "error: alibaba modelrouter ModelRouterQueryCostTrendMetrics: B.Permission.DeniedException: 鉴权失败或权限不足 (RequestId 592A27EF-26D3-1434-98C1-97AD63337852)"
    );
    assert!(output.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_secret_fails_the_gateways_signature_check_and_is_not_retried() {
    let (server, received) = gateway(None, |_, _| page(json!([]), json!([]), None), 1).await;
    let output = run(cost_cmd(&server.uri()).env(
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "another-alibaba-secret-0000",
    ));
    assert_eq!(output.status.code(), Some(4));
    let err = stderr(&output);
    assert_eq!(
        err.trim(),
        "error: alibaba modelrouter ModelRouterQueryCostTrendMetrics: SignatureDoesNotMatch: The request signature does not conform to Aliyun standards. (RequestId req-gateway-check)"
    );
    assert!(!err.contains("another-alibaba-secret-0000"));
    assert!(received.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_then_success_is_retried_with_a_fresh_nonce() {
    let (server, received) = gateway(
        None,
        |_, n| match n {
            0 => alibaba_gateway_error(
                400,
                "Throttling.User",
                "Request was denied due to user flow control.",
                "r-t1",
            ),
            1 => alibaba_gateway_error(
                429,
                "Throttling.Api",
                "Request was denied due to api flow control.",
                "r-t2",
            ),
            _ => page(
                json!([{"key": "total_amount", "unit": "CNY"}]),
                json!([{"timestamp": 1700000000, "values": {"total_amount": 3}}]),
                None,
            ),
        },
        3,
    )
    .await;
    let output = run(cost_cmd(&server.uri()).args(["-v", "-o", "json"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let received = received.lock().unwrap();
    assert_eq!(received.len(), 3);
    let nonces: HashSet<&str> = received.iter().map(|r| r.nonce.as_str()).collect();
    assert_eq!(nonces.len(), 3, "every attempt has its own nonce");
    assert!(
        stderr(&output).contains("Throttling.User"),
        "{}",
        stderr(&output)
    );
    assert_eq!(series(&json_of(&output), "total_amount")["total"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_until_retries_run_out_is_exit_4() {
    let (server, _) = gateway(
        None,
        |_, _| alibaba_gateway_error(503, "ServiceUnavailable", "busy", "r-busy"),
        2,
    )
    .await;
    // 503 is a 5xx: exit 5 whatever its body (spec §6).
    let output = run(cost_cmd(&server.uri()).args(["--retries", "1"]));
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));

    let (server, _) = gateway(
        None,
        |_, _| alibaba_gateway_error(400, "Throttling.User", "flow control", "r-thr"),
        2,
    )
    .await;
    let output = run(cost_cmd(&server.uri()).args(["--retries", "1"]));
    assert_eq!(output.status.code(), Some(4));
    assert_eq!(
        stderr(&output).trim(),
        "error: alibaba modelrouter ModelRouterQueryCostTrendMetrics: Throttling.User: flow control (RequestId r-thr)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_security_token_is_sent_and_signed() {
    let (server, received) = gateway(
        Some(ALIBABA_TOKEN),
        |_, _| page(json!([]), json!([]), None),
        1,
    )
    .await;
    let output = run(cost_cmd(&server.uri())
        .env("ALIBABA_CLOUD_SECURITY_TOKEN", ALIBABA_TOKEN)
        .args(["-v"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let first = received.lock().unwrap()[0].clone();
    assert_eq!(first.security_token.as_deref(), Some(ALIBABA_TOKEN));
    assert!(first
        .signed_headers
        .contains(&"x-acs-security-token".to_string()));

    // Without the token the same gateway refuses.
    let (server, _) = gateway(
        Some(ALIBABA_TOKEN),
        |_, _| page(json!([]), json!([]), None),
        1,
    )
    .await;
    let output = run(&mut cost_cmd(&server.uri()));
    assert_eq!(output.status.code(), Some(4));
    assert!(stderr(&output).contains("InvalidSecurityToken"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_local_gateway_refuses_a_reused_nonce() {
    use aigcusage::providers::alibaba::sign;
    use aigcusage::secret::Secret;

    let (server, received) = gateway(None, |_, _| page(json!([]), json!([]), None), 2).await;
    let host = server.address().to_string();
    let query = vec![
        ("startTime".to_string(), "1700000000".to_string()),
        ("endTime".to_string(), "1700086400".to_string()),
    ];
    let date = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut headers = sign::base_headers(
        &host,
        ACTION,
        "20240611",
        &date,
        "0123456789abcdef0123456789abcdef",
        b"",
        None,
    );
    let signature = sign::sign(
        &sign::Acs3Request {
            method: "GET",
            pathname: PATH,
            query: &query,
            headers: &headers,
            body: b"",
        },
        ALIBABA_KEY_ID,
        &Secret::new(ALIBABA_SECRET),
    );
    headers.push(("authorization".to_string(), signature.authorization));
    let url = format!("http://{host}{PATH}?{}", sign::wire_query(&query));
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    let mut codes = Vec::new();
    for _ in 0..2 {
        let mut request = client.get(&url);
        for (name, value) in &headers {
            if name != "host" {
                request = request.header(name, value);
            }
        }
        let response = request.send().await.unwrap();
        statuses.push(response.status().as_u16());
        let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        codes.push(body["Code"].clone());
    }
    assert_eq!(statuses, [200, 400]);
    assert_eq!(codes[1], "SignatureNonceUsed");
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_prints_the_signed_request_and_sends_nothing() {
    let (server, _) = gateway(Some(ALIBABA_TOKEN), |_, _| ResponseTemplate::new(500), 0).await;
    let output = run(cost_cmd(&server.uri())
        .env("ALIBABA_CLOUD_SECURITY_TOKEN", ALIBABA_TOKEN)
        .args(["--dry-run", "--model-types", "LLM,VL"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with(&format!(
            "GET {}{PATH}?startTime=1700000000&endTime=1700086399&modelTypes=LLM%2CVL\n",
            server.uri()
        )),
        "{text}"
    );
    assert!(
        text.contains("x-acs-action: ModelRouterQueryCostTrendMetrics\n"),
        "{text}"
    );
    assert!(text.contains("x-acs-version: 20240611\n"), "{text}");
    assert!(text.contains("authorization: ACS3-HMAC-SHA256 Credential=****wxyz,SignedHeaders=accept;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,Signature="), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_json_answer_names_status_and_first_line() {
    let (server, _) = gateway(
        None,
        |_, _| ResponseTemplate::new(200).set_body_raw("<html>\n<p>proxy login</p>", "text/html"),
        1,
    )
    .await;
    let output = run(&mut cost_cmd(&server.uri()));
    assert_eq!(output.status.code(), Some(5));
    assert!(
        stderr(&output).contains("HTTP 200: the answer is not JSON: <html>"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_value_that_is_not_a_number_is_exit_5_naming_the_key() {
    let (server, _) = gateway(
        None,
        |_, _| {
            page(
                json!([]),
                json!([{"timestamp": 1700000000, "values": {"total_amount": "n/a"}}]),
                None,
            )
        },
        1,
    )
    .await;
    let output = run(&mut cost_cmd(&server.uri()));
    assert_eq!(output.status.code(), Some(5));
    assert!(
        stderr(&output).contains("\"total_amount\""),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_options_are_usage_errors_and_send_nothing() {
    let (server, _) = gateway(None, |_, _| ResponseTemplate::new(500), 0).await;
    for args in [
        &["--page-size", "0"][..],
        &["--page-size", "1001"],
        &["--granularity", "weekly"],
        &["--client-id", "abc"],
        &["--model-types", ","],
        &["--endpoint", "not a url"],
    ] {
        let output = run(cost_cmd(&server.uri()).args(args));
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_credentials_name_the_variables() {
    let output = run(aigcusage().args(["modelrouter", "cost"]));
    assert_eq!(output.status.code(), Some(3));
    let err = stderr(&output);
    assert!(err.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"), "{err}");
}
