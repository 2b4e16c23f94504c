//! `vod quota set|create|delete|list` against a local VOD that verifies TC3 signatures
//! and records the exact JSON bodies it receives.

use serde_json::{json, Value};
use wiremock::{MockServer, ResponseTemplate};

use crate::support::*;

const SEED_REQUEST_ID: &str = "fd44c32f-5ccc-4bd4-a6cc-f07e006182f7";
const API_TOKEN: &str = "aigc-token-SECRET-value-9f3c";

fn run(cmd: &mut assert_cmd::Command) -> std::process::Output {
    let output = cmd.output().expect("binary runs");
    assert_no_secrets(&output);
    for stream in [&output.stdout, &output.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(!text.contains(API_TOKEN), "the api token leaked: {text}");
    }
    output
}

async fn vod(action: &str, answer: ResponseTemplate) -> (MockServer, Bodies) {
    let server = MockServer::start().await;
    let bodies = mount_tencent(&server, "vod", "2018-07-17", action, move |_| {
        answer.clone()
    })
    .await;
    (server, bodies)
}

type Bodies = std::sync::Arc<std::sync::Mutex<Vec<Value>>>;

fn seed_ok() -> ResponseTemplate {
    tencent_ok(json!({"RequestId": SEED_REQUEST_ID}))
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread")]
async fn set_reproduces_the_seed_example() {
    let (server, bodies) = vod("ModifyAigcQuota", seed_ok()).await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "quota",
        "set",
        "--type",
        "Image",
        "--limit",
        "2000",
        "--sub-app-id",
        "200000004",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        *bodies.lock().unwrap(),
        [json!({"SubAppId": 200000004, "QuotaType": "Image", "QuotaLimit": 2000})]
    );
    assert_eq!(
        stdout(&output),
        format!("Set the Image quota of SubAppId 200000004 to 2000 images (RequestId {SEED_REQUEST_ID})\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn set_json_is_the_documented_object_and_numbers_stay_numbers() {
    let (server, bodies) = vod("ModifyAigcQuota", seed_ok()).await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "quota",
        "set",
        "--type",
        "text",
        "--limit",
        "5000000",
        "--sub-app-id",
        "200000004",
        "--api-token",
        API_TOKEN,
        "-o",
        "json",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    // The server gets the real token; every output shows it redacted.
    let body = bodies.lock().unwrap()[0].clone();
    assert_eq!(
        body,
        json!({"SubAppId": 200000004, "QuotaType": "Text", "QuotaLimit": 5000000, "ApiToken": API_TOKEN})
    );
    assert!(body["SubAppId"].is_u64() && body["QuotaLimit"].is_u64());
    assert_eq!(
        json_of(&output),
        json!({
            "action": "ModifyAigcQuota", "sub_app_id": 200000004, "quota_type": "Text",
            "quota_limit": 5000000, "api_token": "****9f3c", "request_id": SEED_REQUEST_ID
        })
    );
    // Fields in the documented order.
    let text = stdout(&output);
    let order: Vec<usize> = [
        "\"action\"",
        "\"sub_app_id\"",
        "\"quota_type\"",
        "\"quota_limit\"",
        "\"api_token\"",
        "\"request_id\"",
    ]
    .iter()
    .map(|k| text.find(k).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn create_sends_create_aigc_quota_with_the_profile_sub_app_id() {
    let (server, bodies) = vod(
        "CreateAigcQuota",
        tencent_ok(json!({"RequestId": "req-create"})),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[default.tencent]\nsub_app_id = 1500000001\n").unwrap();
    let output = run(with_tencent(&server.uri())
        .env("AIGCUSAGE_CONFIG", &config)
        .args([
            "vod", "quota", "create", "--type", "VIDEO", "--limit", "3600", "--json",
        ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        *bodies.lock().unwrap(),
        [json!({"SubAppId": 1500000001u64, "QuotaType": "Video", "QuotaLimit": 3600})]
    );
    assert_eq!(
        json_of(&output),
        json!({
            "action": "CreateAigcQuota", "sub_app_id": 1500000001u64, "quota_type": "Video",
            "quota_limit": 3600, "api_token": null, "request_id": "req-create"
        })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_table_line_names_the_unit() {
    let (server, _) = vod("CreateAigcQuota", tencent_ok(json!({"RequestId": "r-c"}))).await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "quota",
        "create",
        "--type",
        "Text",
        "--limit",
        "0",
        "--sub-app-id",
        "7",
        "--api-token",
        API_TOKEN,
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "Created the Text quota of SubAppId 7 for api token ****9f3c with a limit of 0 tokens (RequestId r-c)\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_with_yes_sends_no_limit_and_prints_null() {
    let (server, bodies) = vod(
        "DeleteAigcQuota",
        tencent_ok(json!({"RequestId": "req-del"})),
    )
    .await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "quota",
        "delete",
        "--type",
        "Text",
        "--api-token",
        API_TOKEN,
        "--sub-app-id",
        "200000004",
        "--yes",
        "-o",
        "json",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        *bodies.lock().unwrap(),
        [json!({"SubAppId": 200000004, "QuotaType": "Text", "ApiToken": API_TOKEN})]
    );
    assert_eq!(
        json_of(&output),
        json!({
            "action": "DeleteAigcQuota", "sub_app_id": 200000004, "quota_type": "Text",
            "quota_limit": null, "api_token": "****9f3c", "request_id": "req-del"
        })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_without_yes_off_a_terminal_is_exit_2_and_sends_nothing() {
    let (server, _) = vod("DeleteAigcQuota", seed_ok()).await;
    // Even a "y" on a piped stdin is not a confirmation.
    let output = run(with_tencent(&server.uri())
        .args([
            "vod",
            "quota",
            "delete",
            "--type",
            "Image",
            "--sub-app-id",
            "200000004",
        ])
        .write_stdin("y\n"));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--yes"), "{}", stderr(&output));
    assert_eq!(requests(&server).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_validation_error_is_exit_2_and_sends_nothing() {
    let server = MockServer::start().await;
    let uri = server.uri();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "set",
                "--type",
                "Image",
                "--limit",
                "-1",
                "--sub-app-id",
                "1",
            ],
            "--limit",
        ),
        (
            vec![
                "set",
                "--type",
                "Image",
                "--limit",
                "1.5",
                "--sub-app-id",
                "1",
            ],
            "--limit",
        ),
        (
            vec![
                "set",
                "--type",
                "Image",
                "--limit",
                "1e3",
                "--sub-app-id",
                "1",
            ],
            "--limit",
        ),
        (
            vec![
                "set",
                "--type",
                "Image",
                "--limit",
                "+5",
                "--sub-app-id",
                "1",
            ],
            "--limit",
        ),
        (
            vec![
                "set",
                "--type",
                "Image",
                "--limit",
                "abc",
                "--sub-app-id",
                "1",
            ],
            "--limit",
        ),
        (
            vec![
                "set",
                "--type",
                "Image",
                "--limit",
                "9223372036854775808",
                "--sub-app-id",
                "1",
            ],
            "--limit",
        ),
        (
            vec![
                "create",
                "--type",
                "Image",
                "--limit",
                "99999999999999999999",
                "--sub-app-id",
                "1",
            ],
            "--limit",
        ),
        (
            vec![
                "set",
                "--type",
                "Audio",
                "--limit",
                "5",
                "--sub-app-id",
                "1",
            ],
            "--type",
        ),
        (
            vec![
                "create",
                "--type",
                "all",
                "--limit",
                "5",
                "--sub-app-id",
                "1",
            ],
            "--type",
        ),
        (
            vec![
                "set",
                "--type",
                "Image",
                "--limit",
                "5",
                "--sub-app-id",
                "1",
                "--api-token",
                API_TOKEN,
            ],
            "--api-token",
        ),
        (
            vec![
                "delete",
                "--type",
                "Video",
                "--sub-app-id",
                "1",
                "--api-token",
                API_TOKEN,
                "--yes",
            ],
            "--api-token",
        ),
        (
            vec!["list", "--sub-app-id", "1", "--api-token", API_TOKEN],
            "--api-token",
        ),
        (
            vec!["set", "--type", "Image", "--limit", "5"],
            "--sub-app-id",
        ),
        (
            vec!["create", "--type", "Image", "--limit", "5"],
            "--sub-app-id",
        ),
        (vec!["delete", "--type", "Image", "--yes"], "--sub-app-id"),
        // (`list` takes no SubAppId, spec §4: see list_without_a_sub_app_id_sends_none.)
        (
            vec!["list", "--sub-app-id", "1", "--fail-at", "-5"],
            "--fail-at",
        ),
        (
            vec!["list", "--sub-app-id", "1", "--warn-at", "lots"],
            "--warn-at",
        ),
        (
            vec!["list", "--sub-app-id", "1", "--type", "Audio"],
            "--type",
        ),
        (
            vec![
                "set",
                "--type",
                "Image",
                "--limit",
                "5",
                "--sub-app-id",
                "1",
                "--endpoint",
                "ftp://x",
            ],
            "--endpoint",
        ),
    ];
    for (args, names) in cases {
        let output = run(with_tencent(&uri).args(["vod", "quota"]).args(&args));
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(names),
            "{args:?} should name {names}: {}",
            stderr(&output)
        );
    }
    assert_eq!(requests(&server).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_largest_int64_limit_is_sent_exactly() {
    let (server, bodies) = vod("ModifyAigcQuota", seed_ok()).await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "quota",
        "set",
        "--type",
        "Video",
        "--limit",
        "9223372036854775807",
        "--sub-app-id",
        "1",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        bodies.lock().unwrap()[0]["QuotaLimit"],
        json!(9223372036854775807i64)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_is_not_retried_after_a_502_and_says_to_check_the_list() {
    let (server, _) = vod(
        "CreateAigcQuota",
        ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"),
    )
    .await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "quota",
        "create",
        "--type",
        "Image",
        "--limit",
        "10",
        "--sub-app-id",
        "200000004",
        "--retries",
        "3",
    ]));
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert_eq!(requests(&server).await, 1);
    let err = stderr(&output);
    assert!(err.contains("HTTP 502"), "{err}");
    assert!(
        err.contains("aigcusage vod quota list --sub-app-id 200000004 --type Image"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn set_is_retried_after_a_502() {
    let server = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let bodies = mount_tencent(&server, "vod", "2018-07-17", "ModifyAigcQuota", |_| {
        tencent_ok(json!({"RequestId": "req-after-retry"}))
    })
    .await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "quota",
        "set",
        "--type",
        "Image",
        "--limit",
        "10",
        "--sub-app-id",
        "200000004",
        "-v",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(requests(&server).await, 2);
    assert_eq!(bodies.lock().unwrap().len(), 1);
    assert!(stdout(&output).contains("req-after-retry"));
    assert!(stderr(&output).contains("retrying"), "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_provider_error_is_exit_4_with_the_token_redacted() {
    let (server, _) = vod(
        "ModifyAigcQuota",
        tencent_error(
            "InvalidParameterValue",
            &format!("ApiToken {API_TOKEN} does not exist"),
            "req-err",
        ),
    )
    .await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "quota",
        "set",
        "--type",
        "Text",
        "--limit",
        "1",
        "--sub-app-id",
        "5",
        "--api-token",
        API_TOKEN,
    ]));
    assert_eq!(output.status.code(), Some(4));
    let err = stderr(&output);
    assert!(
        err.contains("tencent vod ModifyAigcQuota: InvalidParameterValue: ApiToken ****9f3c does not exist (RequestId req-err)"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_prints_the_signed_request_redacted_and_needs_no_yes() {
    let server = MockServer::start().await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "quota",
        "delete",
        "--type",
        "Text",
        "--api-token",
        API_TOKEN,
        "--sub-app-id",
        "5",
        "--dry-run",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("X-TC-Action: DeleteAigcQuota"), "{text}");
    assert!(text.contains("\"ApiToken\":\"****9f3c\""), "{text}");
    assert!(text.contains("\"SubAppId\":5"), "{text}");
    assert_eq!(requests(&server).await, 0);

    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "quota",
        "set",
        "--type",
        "Image",
        "--limit",
        "2000",
        "--sub-app-id",
        "200000004",
        "--dry-run",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("X-TC-Action: ModifyAigcQuota"));
    assert!(stdout(&output).contains("\"QuotaLimit\":2000"));
    assert_eq!(requests(&server).await, 0);
}

// ---------------------------------------------------------------------------------------
// list

/// A DescribeAigcQuotas that pages `rows` by the body's Offset and Limit.
fn paging(rows: Vec<Value>) -> impl Fn(&Value) -> ResponseTemplate + Send + Sync + 'static {
    move |body: &Value| {
        let offset = body["Offset"].as_u64().unwrap_or(0) as usize;
        let limit = body["Limit"].as_u64().unwrap_or(10) as usize;
        if limit == 0 || limit > 100 {
            return tencent_error("InvalidParameterValue.Limit", "Limit 1..100", "r-limit");
        }
        let page: Vec<Value> = rows.iter().skip(offset).take(limit).cloned().collect();
        tencent_ok(json!({
            "QuotaSet": page,
            "TotalCount": rows.len(),
            "RequestId": format!("req-page-{offset}")
        }))
    }
}

fn image_rows(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"QuotaType": "Image", "QuotaLimit": 1000, "Usage": i}))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_follows_every_page_until_total_count() {
    let server = MockServer::start().await;
    let bodies = mount_tencent(
        &server,
        "vod",
        "2018-07-17",
        "DescribeAigcQuotas",
        paging(image_rows(250)),
    )
    .await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "quota",
        "list",
        "--sub-app-id",
        "200000004",
        "--type",
        "image",
        "-o",
        "json",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        *bodies.lock().unwrap(),
        [0, 100, 200]
            .iter()
            .map(
                |o| json!({"SubAppId": 200000004, "QuotaType": "Image", "Limit": 100, "Offset": o})
            )
            .collect::<Vec<_>>()
    );
    let doc = json_of(&output);
    assert_eq!(doc["sub_app_id"], 200000004);
    assert_eq!(doc["quotas"].as_array().unwrap().len(), 250);
    assert_eq!(doc["quotas"][249]["usage"], 249);
    assert_eq!(
        doc["request_ids"],
        json!(["req-page-0", "req-page-100", "req-page-200"])
    );
}

/// Spec §4: `list` is `[--type] [--api-token]`; SubAppId is sent only when known (flag,
/// env or profile).
#[tokio::test(flavor = "multi_thread")]
async fn list_without_a_sub_app_id_sends_none() {
    let server = MockServer::start().await;
    let bodies = mount_tencent(
        &server,
        "vod",
        "2018-07-17",
        "DescribeAigcQuotas",
        paging(image_rows(3)),
    )
    .await;
    let output = run(with_tencent(&server.uri()).args(["vod", "quota", "list", "-o", "json"]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        *bodies.lock().unwrap(),
        [json!({"Limit": 100, "Offset": 0})]
    );
    let doc = json_of(&output);
    assert_eq!(doc["sub_app_id"], Value::Null);
    assert_eq!(doc["quotas"].as_array().unwrap().len(), 3);
    let table = run(with_tencent(&server.uri()).args(["vod", "quota", "list"]));
    assert!(table.status.success(), "{}", stderr(&table));
    assert!(
        stdout(&table).starts_with("AIGC quotas\n"),
        "{}",
        stdout(&table)
    );
}

fn mixed_rows() -> Vec<Value> {
    vec![
        json!({"QuotaType": "Image", "ApiToken": "", "QuotaLimit": 2000, "Usage": 1900}),
        json!({"QuotaType": "Video", "QuotaLimit": 3600, "Usage": 360}),
        json!({"QuotaType": "Text", "ApiToken": API_TOKEN, "QuotaLimit": 3, "Usage": 1}),
        json!({"QuotaType": "Text", "ApiToken": "another-token-0000abcd", "QuotaLimit": 0, "Usage": 0}),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn list_table_shows_type_token_limit_used_and_percent() {
    let server = MockServer::start().await;
    mount_tencent(
        &server,
        "vod",
        "2018-07-17",
        "DescribeAigcQuotas",
        paging(mixed_rows()),
    )
    .await;
    let output =
        run(with_tencent(&server.uri()).args(["vod", "quota", "list", "--sub-app-id", "9"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for expected in [
        "type",
        "api token",
        "limit",
        "used",
        "used %",
        "2000 images",
        "1900 images",
        "95.0%",
        "3600 seconds",
        "10.0%",
        "****9f3c",
        "3 tokens",
        "33.3%",
        "****abcd",
        "0 tokens",
    ] {
        assert!(text.contains(expected), "{expected} missing:\n{text}");
    }
    // No token: `-`; a zero limit: `-` for used %.
    let image_line = text.lines().find(|l| l.contains("Image")).unwrap();
    assert!(image_line.contains(" - "), "{image_line}");
    let zero_line = text.lines().find(|l| l.contains("****abcd")).unwrap();
    assert!(
        zero_line.trim_end_matches('│').trim_end().ends_with('-'),
        "{zero_line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_json_redacts_tokens_and_gives_units_and_percent() {
    let server = MockServer::start().await;
    mount_tencent(
        &server,
        "vod",
        "2018-07-17",
        "DescribeAigcQuotas",
        paging(mixed_rows()),
    )
    .await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "quota",
        "list",
        "--sub-app-id",
        "9",
        "--json",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let doc = json_of(&output);
    assert_eq!(
        doc["quotas"][0],
        json!({"quota_type": "Image", "api_token": null, "quota_limit": 2000, "usage": 1900, "unit": "images", "used_percent": 95})
    );
    assert_eq!(doc["quotas"][2]["api_token"], "****9f3c");
    assert_eq!(doc["quotas"][2]["used_percent"], 33.33);
    assert_eq!(doc["quotas"][3]["used_percent"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn integral_numbers_written_with_a_fraction_print_without_one() {
    let server = MockServer::start().await;
    mount_tencent(
        &server,
        "vod",
        "2018-07-17",
        "DescribeAigcQuotas",
        paging(vec![
            json!({"QuotaType": "Image", "QuotaLimit": 2500.0, "Usage": 100.0}),
        ]),
    )
    .await;
    let list = |format: &str| {
        run(with_tencent(&server.uri()).args([
            "vod",
            "quota",
            "list",
            "--sub-app-id",
            "9",
            "-o",
            format,
        ]))
    };
    let table = stdout(&list("table"));
    assert!(
        table.contains("2500 images") && table.contains("100 images"),
        "{table}"
    );
    let csv = stdout(&list("csv"));
    assert!(csv.contains("9,Image,,2500,100,images,4"), "{csv}");
    let doc = json_of(&list("json"));
    assert_eq!(doc["quotas"][0]["quota_limit"].to_string(), "2500");
    assert_eq!(doc["quotas"][0]["usage"].to_string(), "100");
    for text in [table, csv, doc.to_string()] {
        assert!(
            !text.contains("2500.0") && !text.contains("100.0"),
            "{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fail_at_prints_the_list_warns_and_exits_7() {
    let server = MockServer::start().await;
    mount_tencent(
        &server,
        "vod",
        "2018-07-17",
        "DescribeAigcQuotas",
        paging(mixed_rows()),
    )
    .await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "quota",
        "list",
        "--sub-app-id",
        "9",
        "--warn-at",
        "30",
        "--fail-at",
        "90",
    ]));
    assert_eq!(output.status.code(), Some(7), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("1900 images"),
        "{}",
        stdout(&output)
    );
    let err = stderr(&output);
    assert!(
        err.contains("warning: Image quota of SubAppId 9 is 95.0% used (1900 of 2000 images), at or above 90%"),
        "{err}"
    );
    assert!(
        err.contains("warning: Text quota for api token ****9f3c of SubAppId 9 is 33.3% used (1 of 3 tokens), at or above 30%"),
        "{err}"
    );
    // A zero limit is exhausted: it counts for the threshold.
    assert!(err.contains("****abcd of SubAppId 9 is exhausted"), "{err}");
    assert!(!err.contains("Video quota"), "{err}");
    assert!(
        err.contains("error: 2 quotas of SubAppId 9 are at or above 90% used"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn warn_at_alone_warns_and_exits_0() {
    let server = MockServer::start().await;
    mount_tencent(
        &server,
        "vod",
        "2018-07-17",
        "DescribeAigcQuotas",
        paging(mixed_rows()),
    )
    .await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "quota",
        "list",
        "--sub-app-id",
        "9",
        "--warn-at",
        "95",
        "-o",
        "csv",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stderr(&output).matches("warning:").count(),
        2,
        "{}",
        stderr(&output)
    );
    let csv = stdout(&output);
    assert!(
        csv.starts_with("sub_app_id,quota_type,api_token,quota_limit,usage,unit,used_percent\n")
    );
    assert!(csv.contains("9,Image,,2000,1900,images,95\n"), "{csv}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_page_before_total_count_is_exit_5_not_a_loop() {
    let server = MockServer::start().await;
    mount_tencent(&server, "vod", "2018-07-17", "DescribeAigcQuotas", |body| {
        let rows = if body["Offset"] == 0 {
            image_rows(100)
        } else {
            vec![]
        };
        tencent_ok(json!({"QuotaSet": rows, "TotalCount": 500, "RequestId": "r"}))
    })
    .await;
    let output =
        run(with_tencent(&server.uri()).args(["vod", "quota", "list", "--sub-app-id", "1"]));
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert!(stderr(&output).contains("no rows although TotalCount is 500"));
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_total_count_that_shrinks_between_pages_is_exit_5() {
    let server = MockServer::start().await;
    mount_tencent(&server, "vod", "2018-07-17", "DescribeAigcQuotas", |body| {
        let total = if body["Offset"] == 0 { 150 } else { 120 };
        tencent_ok(json!({"QuotaSet": image_rows(if body["Offset"] == 0 {100} else {20}), "TotalCount": total, "RequestId": "r"}))
    })
    .await;
    let output =
        run(with_tencent(&server.uri()).args(["vod", "quota", "list", "--sub-app-id", "1"]));
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("changed while it was read"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_list_is_not_an_error() {
    let server = MockServer::start().await;
    mount_tencent(
        &server,
        "vod",
        "2018-07-17",
        "DescribeAigcQuotas",
        paging(vec![]),
    )
    .await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "quota",
        "list",
        "--sub-app-id",
        "1",
        "--fail-at",
        "0",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "No AIGC quotas for SubAppId 1.\n");
}

/// `delete` on a terminal: util-linux `script` gives the binary a pseudo-terminal for
/// stdin and stderr; what we write to `script`'s stdin is what the user types.
#[cfg(target_os = "linux")]
fn delete_on_a_terminal(endpoint: &str, typed: &str) -> std::process::Output {
    use std::io::Write;
    let binary = assert_cmd::cargo::cargo_bin("aigcusage");
    let command = format!(
        "{} vod quota delete --type Text --api-token {API_TOKEN} --sub-app-id 5",
        binary.display()
    );
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", "/nonexistent-aigcusage-test-home")
        .env("TENCENTCLOUD_SECRET_ID", SECRET_ID)
        .env("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
        .env("AIGCUSAGE_VOD_ENDPOINT", endpoint)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("util-linux `script` is installed");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(typed.as_bytes()).unwrap();
    drop(stdin);
    child.wait_with_output().unwrap()
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn delete_on_a_terminal_asks_and_only_yes_sends() {
    let (server, bodies) = vod("DeleteAigcQuota", tencent_ok(json!({"RequestId": "r-tty"}))).await;
    let output = delete_on_a_terminal(&server.uri(), "n\n");
    // The pseudo-terminal merges stdout and stderr into script's stdout.
    let screen = stdout(&output);
    assert_eq!(output.status.code(), Some(2), "{screen}");
    assert!(
        screen.contains("Delete the Text quota of SubAppId 5 (api token ****9f3c)? [y/N]"),
        "{screen}"
    );
    assert!(screen.contains("aborted, nothing sent"), "{screen}");
    assert!(!screen.contains(API_TOKEN), "{screen}");
    assert_eq!(requests(&server).await, 0);

    let output = delete_on_a_terminal(&server.uri(), "y\n");
    let screen = stdout(&output);
    assert!(output.status.success(), "{screen}");
    assert!(
        screen.contains(
            "Deleted the Text quota of SubAppId 5 for api token ****9f3c (RequestId r-tty)"
        ),
        "{screen}"
    );
    assert_eq!(
        *bodies.lock().unwrap(),
        [json!({"SubAppId": 5, "QuotaType": "Text", "ApiToken": API_TOKEN})]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cut_off_quota_list_is_quoted_with_its_api_tokens_masked() {
    // A proxy cut the answer: not JSON, and the excerpt in the error holds a token.
    let cut = format!(
        r#"{{"Response": {{"TotalCount": 1, "AigcQuotaSet": [{{"QuotaType": "Text", "ApiToken": "{API_TOKEN}", "QuotaLimit": 5"#
    );
    let (server, _) = vod(
        "DescribeAigcQuotas",
        ResponseTemplate::new(200).set_body_raw(cut, "application/json"),
    )
    .await;
    // `run` fails the test if the token appears anywhere.
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "quota",
        "list",
        "--sub-app-id",
        "200000004",
    ]));
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("\"ApiToken\": \"****9f3c\""),
        "{}",
        stderr(&output)
    );
}
