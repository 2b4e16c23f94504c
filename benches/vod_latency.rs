//! `cargo bench --bench vod_latency`: what a `vod usage` run costs next to its floors.
//!
//! (a) one call, next to `curl` sending an equivalent request to the same local server:
//!     the floor any client pays (process start, connect, one exchange). Target ≤ 1.5×.
//! (b) a 365-day `--type all` (35 calls) with 200 ms added to every answer, next to the
//!     same calls one after another (≈ 7 s) and the rate-limit floor (a burst of 20, then
//!     15 a second later: ≈ 1.2 s). Target ≤ 1.5 s.
//!
//! Prints figures; asserts nothing (benchmarks measure, tests decide).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const BIN: &str = env!("CARGO_BIN_EXE_aigcusage");

fn answer(request: &Request) -> ResponseTemplate {
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
    let start = body["StartTime"]
        .as_str()
        .unwrap_or("2025-11-18T00:00:00+08:00");
    ResponseTemplate::new(200).set_body_json(json!({"Response": {
        "AigcUsageDataSet": [{"Specification": "bench", "DataSet": [
            {"Time": start, "Count": 1, "Usage": 5}
        ]}],
        "RequestId": "bench"
    }}))
}

fn aigcusage(endpoint: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("TENCENTCLOUD_SECRET_ID", "AKIDbenchEXAMPLE0000")
        .env("TENCENTCLOUD_SECRET_KEY", "benchSECRETkey000000")
        .env("AIGCUSAGE_VOD_ENDPOINT", endpoint)
        .env("HOME", "/nonexistent")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn time_runs(runs: usize, mut make: impl FnMut() -> Command) -> Vec<Duration> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let output = make().output().expect("command runs");
        let elapsed = started.elapsed();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        times.push(elapsed);
    }
    times.sort();
    times
}

fn median(times: &[Duration]) -> Duration {
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let runs = 30;
    let fast = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(answer)
        .mount(&fast)
        .await;
    let uri = fast.uri();

    println!("(a) one `vod usage` call against a local server, median of {runs} runs");
    let ours = time_runs(runs, || {
        aigcusage(&uri, &["vod", "usage", "--type", "Video", "-o", "json"])
    });
    let body = r#"{"StartTime":"2025-11-18T00:00:00+08:00","EndTime":"2025-11-24T23:59:59+08:00","AigcType":"Video"}"#;
    let curl = time_runs(runs, || {
        let mut cmd = Command::new("curl");
        cmd.args(["-s", "-o", "/dev/null", "-X", "POST"])
            .args(["-H", "Content-Type: application/json"])
            .args(["-H", "X-TC-Action: DescribeAigcUsageData"])
            .args(["-H", "X-TC-Version: 2018-07-17"])
            .args(["-H", "X-TC-Timestamp: 1763424000"])
            .args(["-H", "Authorization: TC3-HMAC-SHA256 Credential=x/2025-11-18/vod/tc3_request, SignedHeaders=content-type;host, Signature=0"])
            .args(["--data", body, &format!("{uri}/")])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        cmd
    });
    println!("    aigcusage   {}", ms(median(&ours)));
    println!("    curl        {}", ms(median(&curl)));
    println!(
        "    ratio       {:.2}x (target <= 1.5x)",
        median(&ours).as_secs_f64() / median(&curl).as_secs_f64()
    );

    let slow = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(move |r: &Request| answer(r).set_delay(Duration::from_millis(200)))
        .mount(&slow)
        .await;
    let slow_uri = slow.uri();
    println!("(b) 365 days, --type all (35 calls), 200 ms added to every answer, median of 5 runs");
    let all = time_runs(5, || {
        aigcusage(
            &slow_uri,
            &[
                "vod", "usage", "--type", "all", "--last", "365d", "-o", "json",
            ],
        )
    });
    let client = reqwest::Client::new();
    let started = Instant::now();
    for _ in 0..35 {
        client
            .post(format!("{slow_uri}/"))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("sequential call");
    }
    let sequential = started.elapsed();
    println!("    aigcusage             {}", ms(median(&all)));
    println!("    one after another     {}", ms(sequential));
    println!("    rate-limit floor      1200.0 ms (20 at once, 15 one second later, +200 ms)");
    println!("    target                <= 1500 ms");
}
