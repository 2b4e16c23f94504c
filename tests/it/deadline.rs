//! Spec §7 `--deadline` and spec §6's network messages: the host and the attempts made.

use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

use crate::support::*;

async fn vod_answering(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    mount_tencent(
        &server,
        "vod",
        "2018-07-17",
        "DescribeAigcUsageData",
        move |_| answer.clone(),
    )
    .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_after_beyond_the_deadline_fails_at_once_with_exit_5() {
    let server = vod_answering(ResponseTemplate::new(429).insert_header("Retry-After", "60")).await;
    let started = Instant::now();
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "usage",
        "--type",
        "Video",
        "--retries",
        "10",
        "--deadline",
        "2",
    ]));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("1 attempt"), "{err}");
    assert!(err.contains("--deadline of 2 s was reached"), "{err}");
    assert!(err.contains("HTTP 429"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn short_waits_are_retried_until_the_deadline_and_the_attempts_are_counted() {
    let server = vod_answering(ResponseTemplate::new(429).insert_header("Retry-After", "1")).await;
    let started = Instant::now();
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "usage",
        "--type",
        "Video",
        "--retries",
        "10",
        "--deadline",
        "2.5",
    ]));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let attempts = server.received_requests().await.unwrap().len();
    assert!((2..=3).contains(&attempts), "{attempts} attempts");
    let err = stderr(&output);
    assert!(
        err.contains(&format!("stopped after {attempts} attempts")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timeout_names_the_attempts_their_length_and_the_host() {
    let server = vod_answering(
        ResponseTemplate::new(200)
            .set_body_json(json!({"Response": {"RequestId": "r"}}))
            .set_delay(Duration::from_secs(5)),
    )
    .await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "usage",
        "--type",
        "Video",
        "--timeout",
        "0.3",
        "--retries",
        "1",
    ]));
    assert_eq!(output.status.code(), Some(5));
    let host = server.uri().trim_start_matches("http://").to_string();
    assert_eq!(
        stderr(&output).trim_end(),
        format!("error: tencent vod DescribeAigcUsageData: timed out after 2 attempts of 0.3 s each ({host})")
    );
}

#[test]
fn a_deadline_that_is_not_a_positive_number_is_exit_2() {
    let output = run(aigcusage().args(["vod", "usage", "--type", "Video", "--deadline", "0"]));
    assert_eq!(output.status.code(), Some(2));
}

/// A local server that accepts connections and never answers; it lives as long as the
/// test process (the accepting thread is left running).
fn hanging_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    format!("http://{address}")
}

#[test]
fn the_deadline_cuts_an_attempt_that_never_gets_an_answer() {
    let endpoint = hanging_server();
    let started = Instant::now();
    let output = run(with_tencent(&endpoint).args([
        "vod",
        "usage",
        "--type",
        "Video",
        "--timeout",
        "30",
        "--deadline",
        "1",
    ]));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let host = endpoint.trim_start_matches("http://");
    assert_eq!(
        stderr(&output).trim_end(),
        format!(
            "error: tencent vod DescribeAigcUsageData: timed out; stopped after 1 attempt: the --deadline of 1 s was reached ({host})"
        )
    );
}

#[test]
fn no_retry_outlasts_the_deadline_either() {
    let endpoint = hanging_server();
    let started = Instant::now();
    let output = run(with_tencent(&endpoint).args([
        "vod",
        "usage",
        "--type",
        "Video",
        "--timeout",
        "1",
        "--retries",
        "10",
        "--deadline",
        "2.5",
    ]));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("the --deadline of 2.5 s was reached"), "{err}");
    assert!(
        err.contains("stopped after 2 attempts") || err.contains("stopped after 3 attempts"),
        "{err}"
    );
}

#[test]
fn a_single_attempt_is_named_in_a_network_failure() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = run(with_tencent(&format!("http://127.0.0.1:{port}")).args([
        "vod",
        "usage",
        "--type",
        "Video",
        "--retries",
        "0",
    ]));
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("connection failed"), "{err}");
    assert!(
        err.trim_end()
            .ends_with(&format!("(after 1 attempt, 127.0.0.1:{port})")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_single_timed_out_attempt_is_named_too() {
    let server = vod_answering(
        ResponseTemplate::new(200)
            .set_body_json(json!({"Response": {"RequestId": "r"}}))
            .set_delay(Duration::from_secs(5)),
    )
    .await;
    let output = run(with_tencent(&server.uri()).args([
        "vod",
        "usage",
        "--type",
        "Video",
        "--timeout",
        "0.3",
        "--retries",
        "0",
    ]));
    assert_eq!(output.status.code(), Some(5));
    let host = server.uri().trim_start_matches("http://").to_string();
    assert_eq!(
        stderr(&output).trim_end(),
        format!(
            "error: tencent vod DescribeAigcUsageData: timed out after 1 attempt of 0.3 s ({host})"
        )
    );
}
