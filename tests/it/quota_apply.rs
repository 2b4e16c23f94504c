//! `vod quota apply` against a local VOD that verifies TC3 signatures and keeps the quotas
//! it is told to create, modify and delete, so that a second run sees the first one's work.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use wiremock::{MockServer, ResponseTemplate};

use crate::support::*;

const TOKEN_ENV: &str = "AIGC_TOKEN_A";
const API_TOKEN: &str = "aigc-apply-SECRET-token-7c1d";

/// The quotas the local VOD holds: (type, api token, limit).
type Quotas = Arc<Mutex<Vec<(String, Option<String>, i64)>>>;

struct Vod {
    server: MockServer,
    quotas: Quotas,
}

/// A VOD holding `initial`; `fail_action` answers that action with a provider error.
async fn vod(initial: &[(&str, Option<&str>, i64)], fail_action: Option<&str>) -> Vod {
    vod_with(initial, fail_action, None).await
}

/// As [`vod`]; `slow_action` answers after two seconds.
async fn vod_with(
    initial: &[(&str, Option<&str>, i64)],
    fail_action: Option<&str>,
    slow_action: Option<&str>,
) -> Vod {
    let server = MockServer::start().await;
    let quotas: Quotas = Arc::new(Mutex::new(
        initial
            .iter()
            .map(|(t, tok, l)| (t.to_string(), tok.map(str::to_string), *l))
            .collect(),
    ));
    let q = quotas.clone();
    mount_tencent(&server, "vod", "2018-07-17", "DescribeAigcQuotas", move |body| {
        let offset = body["Offset"].as_u64().unwrap_or(0) as usize;
        let limit = body["Limit"].as_u64().unwrap_or(10) as usize;
        let all = q.lock().unwrap();
        let page: Vec<Value> = all
            .iter()
            .skip(offset)
            .take(limit)
            .map(|(t, tok, l)| json!({"QuotaType": t, "ApiToken": tok, "QuotaLimit": l, "Usage": 0}))
            .collect();
        tencent_ok(json!({"QuotaSet": page, "TotalCount": all.len(), "RequestId": "req-list"}))
    })
    .await;
    for action in ["CreateAigcQuota", "ModifyAigcQuota", "DeleteAigcQuota"] {
        let q = quotas.clone();
        let fails = fail_action == Some(action);
        let slow = slow_action == Some(action);
        mount_tencent(&server, "vod", "2018-07-17", action, move |body| {
            if fails {
                return tencent_error("InvalidParameterValue", "refused", "req-fail");
            }
            let answer = change(&q, action, body);
            if slow {
                answer.set_delay(std::time::Duration::from_secs(2))
            } else {
                answer
            }
        })
        .await;
    }
    Vod { server, quotas }
}

fn change(quotas: &Quotas, action: &str, body: &Value) -> ResponseTemplate {
    let mut all = quotas.lock().unwrap();
    let quota_type = body["QuotaType"].as_str().unwrap_or_default().to_string();
    let token = body["ApiToken"].as_str().map(str::to_string);
    let position = all
        .iter()
        .position(|(t, tok, _)| *t == quota_type && *tok == token);
    match (action, position) {
        ("CreateAigcQuota", None) => {
            all.push((quota_type, token, body["QuotaLimit"].as_i64().unwrap()))
        }
        ("ModifyAigcQuota", Some(i)) => all[i].2 = body["QuotaLimit"].as_i64().unwrap(),
        ("DeleteAigcQuota", Some(i)) => {
            all.remove(i);
        }
        _ => return tencent_error("ResourceNotFound", "no such quota", "req-missing"),
    }
    tencent_ok(json!({"RequestId": format!("req-{action}")}))
}

const FILE: &str = r#"sub_app_id = 200000004

[[quota]]
type = "Image"
limit = 2000

[[quota]]
type = "Text"
limit = 5000000
api_token_env = "AIGC_TOKEN_A"
"#;

fn quotas_file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
    file
}

fn apply(vod: &Vod, file: &tempfile::NamedTempFile, extra: &[&str]) -> std::process::Output {
    let mut cmd = with_tencent(&vod.server.uri());
    cmd.env(TOKEN_ENV, API_TOKEN)
        .args(["vod", "quota", "apply", "-f"])
        .arg(file.path())
        .args(extra);
    let output = run(&mut cmd);
    for stream in [&output.stdout, &output.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(!text.contains(API_TOKEN), "the api token leaked: {text}");
    }
    output
}

/// Image 1000 (modify to 2000), Video 600 (not in the file), no Text (create).
fn initial() -> Vec<(&'static str, Option<&'static str>, i64)> {
    vec![("Image", None, 1000), ("Video", None, 600)]
}

#[tokio::test(flavor = "multi_thread")]
async fn the_plan_then_the_changes_and_a_second_run_changes_nothing() {
    let vod = vod(&initial(), None).await;
    let file = quotas_file(FILE);
    let output = apply(&vod, &file, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("1 to create, 1 to modify, 0 to delete, 0 unchanged, 1 not in the file"),
        "{out}"
    );
    assert!(
        out.contains("1000 → 2000") || out.contains("1000 -> 2000"),
        "{out}"
    );
    assert_eq!(
        tencent_actions(&vod.server).await,
        ["DescribeAigcQuotas", "ModifyAigcQuota", "CreateAigcQuota"]
    );
    assert_eq!(
        *vod.quotas.lock().unwrap(),
        [
            ("Image".to_string(), None, 2000),
            ("Video".to_string(), None, 600),
            ("Text".to_string(), Some(API_TOKEN.to_string()), 5000000)
        ]
    );

    let before = tencent_actions(&vod.server).await.len();
    let output = apply(&vod, &file, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output)
            .contains("0 to create, 0 to modify, 0 to delete, 2 unchanged, 1 not in the file"),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        tencent_actions(&vod.server).await[before..],
        ["DescribeAigcQuotas"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_sends_only_the_read_before_or_after_the_subcommand() {
    let vod = vod(&initial(), None).await;
    let file = quotas_file(FILE);
    for position in ["after", "before"] {
        let before = tencent_actions(&vod.server).await.len();
        let mut cmd = with_tencent(&vod.server.uri());
        cmd.env(TOKEN_ENV, API_TOKEN);
        if position == "before" {
            cmd.arg("--dry-run");
        }
        cmd.args(["vod", "quota", "apply", "-f"]).arg(file.path());
        if position == "after" {
            cmd.arg("--dry-run");
        }
        let output = run(&mut cmd);
        assert!(output.status.success(), "{position}: {}", stderr(&output));
        assert!(
            stdout(&output).contains("1 to create, 1 to modify"),
            "{}",
            stdout(&output)
        );
        assert_eq!(
            tencent_actions(&vod.server).await[before..],
            ["DescribeAigcQuotas"],
            "{position}"
        );
    }
    assert_eq!(vod.quotas.lock().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_deletes_first_and_needs_yes_without_a_terminal() {
    let vod = vod(&initial(), None).await;
    let file = quotas_file(FILE);
    let output = apply(&vod, &file, &["--prune"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stdout(&output)
            .contains("1 to create, 1 to modify, 1 to delete, 0 unchanged, 0 not in the file"),
        "{}",
        stdout(&output)
    );
    assert!(stderr(&output).contains("--yes"), "{}", stderr(&output));
    assert_eq!(tencent_actions(&vod.server).await, ["DescribeAigcQuotas"]);

    let before = tencent_actions(&vod.server).await.len();
    let output = apply(&vod, &file, &["--prune", "--yes"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        tencent_actions(&vod.server).await[before..],
        [
            "DescribeAigcQuotas",
            "DeleteAigcQuota",
            "ModifyAigcQuota",
            "CreateAigcQuota"
        ]
    );
    assert!(!vod
        .quotas
        .lock()
        .unwrap()
        .iter()
        .any(|(t, _, _)| t == "Video"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_in_the_middle_stops_with_exit_4_and_lists_what_was_applied() {
    let vod = vod(&initial(), Some("CreateAigcQuota")).await;
    let file = quotas_file(FILE);
    let output = apply(&vod, &file, &[]);
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("InvalidParameterValue"), "{err}");
    assert!(
        err.contains("Image") && err.contains("2000"),
        "the applied modify is listed: {err}"
    );
    assert_eq!(
        tencent_actions(&vod.server).await,
        ["DescribeAigcQuotas", "ModifyAigcQuota", "CreateAigcQuota"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_lists_every_change_with_the_token_redacted() {
    let vod = vod(&initial(), None).await;
    let file = quotas_file(FILE);
    let output = apply(&vod, &file, &["-o", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let doc = json_of(&output);
    assert_eq!(doc["sub_app_id"], 200000004);
    assert_eq!(doc["dry_run"], false);
    assert_eq!(doc["unchanged"], 0);
    assert_eq!(doc["not_in_file"], 1);
    let changes = doc["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0]["action"], "modify");
    assert_eq!(changes[0]["old_limit"], 1000);
    assert_eq!(changes[0]["new_limit"], 2000);
    assert_eq!(changes[0]["applied"], true);
    assert_eq!(changes[1]["action"], "create");
    assert_eq!(changes[1]["quota_type"], "Text");
    assert_eq!(changes[1]["api_token"], "****7c1d");
    assert_eq!(changes[1]["request_id"], "req-CreateAigcQuota");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_file_is_exit_2_with_its_line_and_nothing_is_sent() {
    let vod = vod(&initial(), None).await;
    let file = quotas_file("[[quota]]\ntype = \"Image\"\nlimit = 1\n\n[[quota]]\ntype = \"Text\"\nlimit = 5\napi_token_env = \"UNSET_TOKEN_VAR\"\n");
    let output = apply(&vod, &file, &["--sub-app-id", "1"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains(&format!("{}:", file.path().display())),
        "{err}"
    );
    assert!(err.contains("UNSET_TOKEN_VAR"), "{err}");
    assert!(tencent_actions(&vod.server).await.is_empty());
}

/// Runs the FILE against a VOD whose ModifyAigcQuota takes two seconds, and sends `signal`
/// while that request is in flight.
async fn signal_while_the_modify_is_in_flight(signal: libc::c_int) -> (Vod, std::process::Output) {
    signal_while_the_modify_of(FILE, signal).await
}

async fn signal_while_the_modify_of(
    text: &str,
    signal: libc::c_int,
) -> (Vod, std::process::Output) {
    let vod = vod_with(&initial(), None, Some("ModifyAigcQuota")).await;
    let file = quotas_file(text);
    let mut apply = vec!["vod", "quota", "apply", "-f"];
    apply.push(file.path().to_str().unwrap());
    let output = signal_while_in_flight(&vod, &apply, "ModifyAigcQuota", signal).await;
    (vod, output)
}

/// Runs `args` against `vod` (whose `action` is slow) and sends `signal` once that
/// action has arrived.
async fn signal_while_in_flight(
    vod: &Vod,
    args: &[&str],
    action: &str,
    signal: libc::c_int,
) -> std::process::Output {
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("aigcusage"))
        .args(args)
        .env_clear()
        .env("HOME", "/nonexistent-aigcusage-test-home")
        .env("TENCENTCLOUD_SECRET_ID", SECRET_ID)
        .env("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
        .env("AIGCUSAGE_VOD_ENDPOINT", vod.server.uri())
        .env(TOKEN_ENV, API_TOKEN)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !tencent_actions(&vod.server)
        .await
        .contains(&action.to_string())
    {
        assert!(started.elapsed().as_secs() < 20, "{action} never arrived");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // SAFETY: sends a signal to the child this test started.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
    child.wait_with_output().unwrap()
}

/// The one request in flight finished, is reported, and nothing was sent after it.
async fn assert_only_the_modify_was_sent_and_reported(vod: &Vod, output: &std::process::Output) {
    let err = stderr(output);
    assert!(
        err.contains("applied: modify Image 1000 → 2000 (RequestId req-ModifyAigcQuota)"),
        "the applied modify is listed: {err}"
    );
    assert!(err.contains("interrupted: 1 change not sent"), "{err}");
    assert_eq!(
        tencent_actions(&vod.server).await,
        ["DescribeAigcQuotas", "ModifyAigcQuota"]
    );
    assert_eq!(vod.quotas.lock().unwrap()[0].2, 2000, "the modify finished");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_lets_the_request_in_flight_finish_sends_nothing_after_it_and_exits_130() {
    let (vod, output) = signal_while_the_modify_is_in_flight(libc::SIGINT).await;
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert_only_the_modify_was_sent_and_reported(&vod, &output).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_the_request_in_flight_finish_reports_it_and_exits_143() {
    let (vod, output) = signal_while_the_modify_is_in_flight(libc::SIGTERM).await;
    assert_eq!(output.status.code(), Some(143), "{}", stderr(&output));
    assert_only_the_modify_was_sent_and_reported(&vod, &output).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signal_during_the_last_request_reports_it_and_still_exits_130() {
    let (vod, output) = signal_while_the_modify_of(
        "sub_app_id = 7\n[[quota]]\ntype = \"Image\"\nlimit = 2000\n",
        libc::SIGINT,
    )
    .await;
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert!(
        stdout(&output)
            .contains("applied: modify Image 1000 → 2000 (RequestId req-ModifyAigcQuota)"),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        tencent_actions(&vod.server).await,
        ["DescribeAigcQuotas", "ModifyAigcQuota"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_quota_listed_twice_is_changed_once() {
    // Paging that shifted repeats a row; `video` is the same quota as `Video`.
    let vod = vod(
        &[
            ("Image", None, 1000),
            ("Video", None, 600),
            ("video", None, 600),
            ("Image", None, 1000),
        ],
        None,
    )
    .await;
    let file = quotas_file(FILE);
    let output = apply(&vod, &file, &["--prune", "--yes"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output)
            .contains("1 to create, 1 to modify, 1 to delete, 0 unchanged, 0 not in the file"),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        tencent_actions(&vod.server).await,
        [
            "DescribeAigcQuotas",
            "DeleteAigcQuota",
            "ModifyAigcQuota",
            "CreateAigcQuota"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_quota_listed_with_two_limits_is_exit_5_and_nothing_is_sent() {
    let vod = vod(&[("Image", None, 10), ("Image", None, 20)], None).await;
    let file = quotas_file(FILE);
    let output = apply(&vod, &file, &["--prune", "--yes"]);
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("inconsistent")
            && err.contains("Image quota appears twice, with limits 10 and 20"),
        "{err}"
    );
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    assert_eq!(tencent_actions(&vod.server).await, ["DescribeAigcQuotas"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn json_after_a_failed_create_says_what_was_applied_and_what_was_not() {
    let server = MockServer::start().await;
    mount_tencent(&server, "vod", "2018-07-17", "DescribeAigcQuotas", |_| {
        tencent_ok(json!({
            "QuotaSet": [{"QuotaType": "Image", "QuotaLimit": 1000, "Usage": 0}],
            "TotalCount": 1,
            "RequestId": "req-list"
        }))
    })
    .await;
    mount_tencent(&server, "vod", "2018-07-17", "ModifyAigcQuota", |_| {
        tencent_ok(json!({"RequestId": "req-modify"}))
    })
    .await;
    mount_tencent(&server, "vod", "2018-07-17", "CreateAigcQuota", |_| {
        ResponseTemplate::new(500)
    })
    .await;
    let vod = Vod {
        server,
        quotas: Quotas::default(),
    };
    let file = quotas_file(FILE);
    let output = apply(&vod, &file, &["-o", "json"]);
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let doc = json_of(&output);
    let changes = doc["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0]["action"], "modify");
    assert_eq!(changes[0]["applied"], true);
    assert_eq!(changes[0]["request_id"], "req-modify");
    assert_eq!(changes[1]["action"], "create");
    assert_eq!(changes[1]["applied"], false);
    assert_eq!(changes[1]["request_id"], Value::Null);
    assert!(
        stderr(&output).contains("applied: modify Image 1000 → 2000 (RequestId req-modify)"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        tencent_actions(&vod.server).await,
        ["DescribeAigcQuotas", "ModifyAigcQuota", "CreateAigcQuota"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_that_may_have_reached_the_server_is_not_resent() {
    let server = MockServer::start().await;
    mount_tencent(&server, "vod", "2018-07-17", "DescribeAigcQuotas", |_| {
        tencent_ok(json!({"QuotaSet": [], "TotalCount": 0, "RequestId": "req-list"}))
    })
    .await;
    mount_tencent(&server, "vod", "2018-07-17", "CreateAigcQuota", |_| {
        ResponseTemplate::new(502)
    })
    .await;
    let vod = Vod {
        server,
        quotas: Quotas::default(),
    };
    let file = quotas_file("[[quota]]\ntype = \"Image\"\nlimit = 10\n");
    let output = apply(&vod, &file, &["--sub-app-id", "7"]);
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("may or may not have been created"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        tencent_actions(&vod.server).await,
        ["DescribeAigcQuotas", "CreateAigcQuota"]
    );
}

/// Spec §7: only `apply` lets its request in flight finish; `vod quota delete` is dropped
/// on a signal like every other command's (exit 130 at once, nothing reported as deleted).
#[tokio::test(flavor = "multi_thread")]
async fn a_signal_during_a_delete_drops_it_and_exits_130() {
    let vod = vod_with(&[("Video", None, 600)], None, Some("DeleteAigcQuota")).await;
    let delete = [
        "vod",
        "quota",
        "delete",
        "--type",
        "Video",
        "--sub-app-id",
        "7",
        "--yes",
    ];
    let output = signal_while_in_flight(&vod, &delete, "DeleteAigcQuota", libc::SIGINT).await;
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    assert!(!stderr(&output).contains("Deleted"), "{}", stderr(&output));
}
