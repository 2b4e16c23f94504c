//! `cargo bench --bench report_latency`: `report` over all four providers, each answer
//! 300 ms late, next to its longest chain of dependent calls (the three ModelRouter pages,
//! ≈ 0.9 s) and the sum of all its calls made one after another (12 calls, ≈ 3.6 s).
//!
//! Prints figures; asserts nothing (benchmarks measure, tests decide).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BIN: &str = env!("CARGO_BIN_EXE_aigcusage");
const DELAY: Duration = Duration::from_millis(300);

fn late(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(body)
        .set_delay(DELAY)
}

async fn tencent() -> MockServer {
    let server = MockServer::start().await;
    let day = chrono::Utc::now()
        .format("%Y-%m-%dT00:00:00+08:00")
        .to_string();
    Mock::given(method("POST"))
        .and(header("X-TC-Action", "DescribeAigcUsageData"))
        .respond_with(late(json!({"Response": {"AigcUsageDataSet": [
            {"Specification": "bench", "DataSet": [{"Time": day, "Count": 1, "Usage": 5}]}
        ], "RequestId": "b"}})))
        .mount(&server)
        .await;
    let x = chrono::Utc::now().format("%Y%m%d").to_string();
    Mock::given(method("POST"))
        .and(header("X-TC-Action", "DescribeTokenUsageGraph"))
        .respond_with(late(json!({"Response": {
            "Total": [{"X": x, "Y": 3}], "Input": [{"X": x, "Y": 2}], "Output": [{"X": x, "Y": 1}],
            "RequestId": "b"}})))
        .mount(&server)
        .await;
    server
}

async fn modelrouter() -> MockServer {
    let server = MockServer::start().await;
    let now = chrono::Utc::now().timestamp();
    let page = |token: Option<&str>| {
        let mut body = json!({"requestId": "b", "success": true, "data": {
            "granularity": "hourly",
            "metrics": [{"key": "total_amount", "label": "cost", "unit": "CNY"}],
            "points": [{"timestamp": now - now % 3600 - 7200, "values": {"total_amount": 1.5}}]
        }});
        if let Some(token) = token {
            body["nextToken"] = json!(token);
        }
        late(body)
    };
    const PATH: &str = "/api/v1/modelRouter/open/billing/cost/trend";
    Mock::given(method("GET"))
        .and(path(PATH))
        .and(query_param_is_missing("nextToken"))
        .respond_with(page(Some("p2")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(PATH))
        .and(query_param("nextToken", "p2"))
        .respond_with(page(Some("p3")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(PATH))
        .and(query_param("nextToken", "p3"))
        .respond_with(page(None))
        .mount(&server)
        .await;
    server
}

async fn acedata() -> MockServer {
    let server = MockServer::start().await;
    let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
    Mock::given(method("GET"))
        .respond_with(late(json!({
            "results": [{"date": day, "api_id": "a", "amount": 1.5}],
            "total": 1.5,
            "api_map": {"a": {"name": "bench", "path": "/v1/bench"}}
        })))
        .mount(&server)
        .await;
    server
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let (tc, mr, ad) = (tencent().await, modelrouter().await, acedata().await);
    let run = || {
        let started = Instant::now();
        let output = Command::new(BIN)
            .env_clear()
            .env("HOME", "/nonexistent")
            .env("TENCENTCLOUD_SECRET_ID", "AKIDbenchEXAMPLE0000")
            .env("TENCENTCLOUD_SECRET_KEY", "benchSECRETkey000000")
            .env("AIGCUSAGE_VOD_ENDPOINT", tc.uri())
            .env("AIGCUSAGE_LKE_ENDPOINT", tc.uri())
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIbenchEXAMPLE0000")
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "benchSECRETkey000000")
            .env("AIGCUSAGE_MODELROUTER_ENDPOINT", mr.uri())
            .env("ACEDATACLOUD_PLATFORM_TOKEN", "platform-v1-bench000000")
            .env("AIGCUSAGE_ACEDATA_ENDPOINT", ad.uri())
            .args(["report", "--last", "7d", "-o", "json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .expect("report runs");
        let elapsed = started.elapsed();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        elapsed
    };
    let mut times: Vec<Duration> = (0..5).map(|_| run()).collect();
    times.sort();
    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
    println!("report over vod (7 types), lke, modelrouter (3 pages), acedata; 300 ms per answer");
    println!(
        "    aigcusage report          {} (median of 5)",
        ms(times[2])
    );
    println!(
        "    longest dependent chain   {} (3 ModelRouter pages)",
        ms(DELAY * 3)
    );
    println!("    all 12 calls in sequence  {}", ms(DELAY * 12));
}
