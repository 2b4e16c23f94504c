//! A reader that leaves early (`aigcusage ... | head -1`) is not a failure: exit 0, even
//! when the broken pipe reaches us wrapped inside a csv or JSON writer's error.

use std::process::{Command, Stdio};

use serde_json::{json, Value};
use wiremock::MockServer;

use crate::support::*;

/// Enough quota rows that the csv output overflows every buffer between the csv writer
/// and stdout, so the broken pipe surfaces inside the csv writer's error.
fn many_quota_rows(body: &Value) -> wiremock::ResponseTemplate {
    const ROWS: usize = 3000;
    let offset = body["Offset"].as_u64().unwrap_or(0) as usize;
    let limit = body["Limit"].as_u64().unwrap_or(100) as usize;
    let page: Vec<Value> = (offset..(offset + limit).min(ROWS))
        .map(|i| json!({"QuotaType": "Image", "QuotaLimit": 1_000_000, "Usage": i}))
        .collect();
    tencent_ok(json!({
        "QuotaSet": page,
        "TotalCount": ROWS,
        "RequestId": format!("req-{offset}")
    }))
}

#[tokio::test(flavor = "multi_thread")]
async fn quota_list_csv_into_a_closed_pipe_exits_0() {
    let server = MockServer::start().await;
    mount_tencent(
        &server,
        "vod",
        "2018-07-17",
        "DescribeAigcQuotas",
        many_quota_rows,
    )
    .await;
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("aigcusage"))
        .env_clear()
        .env("HOME", "/nonexistent-aigcusage-test-home")
        .env("TZ", "UTC")
        .env("TENCENTCLOUD_SECRET_ID", SECRET_ID)
        .env("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
        .env("AIGCUSAGE_VOD_ENDPOINT", server.uri())
        .args(["vod", "quota", "list", "--sub-app-id", "1", "-o", "csv"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    // The reader leaves before anything is written: every write is a broken pipe.
    drop(child.stdout.take());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("joined")
        .expect("binary ran");
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}
