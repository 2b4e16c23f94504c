//! "Dates mean the provider's dates" (issue 9 item 2, spec §5): a whole-day range asks a
//! day-bucket provider for the same dates in its own calendar and keeps exactly those.

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn november_in_utc_asks_vod_for_its_november_and_shows_no_first_of_december() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(|request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            assert_eq!(body["StartTime"], "2026-11-01T00:00:00+08:00", "{body}");
            assert_eq!(body["EndTime"], "2026-11-30T23:59:59+08:00", "{body}");
            vod_usage_answer(&body, &["Video"], 1.0)
        })
        .expect(1)
        .mount(&server)
        .await;
    let output = run(with_tencent(&server.uri())
        .env("AIGCUSAGE_NOW", "2026-12-05T00:00:00Z")
        .args([
            "vod",
            "usage",
            "--type",
            "Video",
            "--start",
            "2026-11-01",
            "--end",
            "2026-11-30",
            "--tz",
            "UTC",
            "-o",
            "json",
        ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let doc = json_of(&output);
    let points = doc["series"][0]["points"].as_array().unwrap();
    let times: Vec<&str> = points.iter().map(|p| p["time"].as_str().unwrap()).collect();
    assert_eq!(times.len(), 30, "{times:?}");
    assert!(times[0].starts_with("2026-11-01"), "{times:?}");
    assert!(times[29].starts_with("2026-11-30"), "{times:?}");
    assert!(points
        .iter()
        .all(|p| p.get("partial").is_none_or(|v| v == false)));
}

#[tokio::test(flavor = "multi_thread")]
async fn november_in_shanghai_asks_acedata_for_utc_november_and_shows_no_31_october() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/usage/apis/aggregate/"))
        .respond_with(|request: &Request| {
            let query: Vec<(String, String)> = request
                .url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let get = |key: &str| {
                query
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            assert_eq!(get("created_at_from"), "2026-11-01T00:00:00Z", "{query:?}");
            assert_eq!(get("created_at_to"), "2026-11-30T23:59:59Z", "{query:?}");
            // One day either side, as a provider that answers its own dates might.
            let first = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
            ResponseTemplate::new(200).set_body_raw(acedata_body(1, 32, first), "application/json")
        })
        .expect(1)
        .mount(&server)
        .await;
    let output = run(with_acedata(&server.uri())
        .env("AIGCUSAGE_NOW", "2026-12-05T00:00:00Z")
        .args([
            "acedata",
            "usage",
            "--start",
            "2026-11-01",
            "--end",
            "2026-11-30",
            "--tz",
            "Asia/Shanghai",
            "-o",
            "json",
        ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let doc = json_of(&output);
    let points = doc["series"][0]["points"].as_array().unwrap();
    let times: Vec<&str> = points.iter().map(|p| p["time"].as_str().unwrap()).collect();
    assert_eq!(times.len(), 30, "{times:?}");
    assert!(
        !times.iter().any(|t| t.starts_with("2026-10-31")),
        "{times:?}"
    );
    assert!(
        !times.iter().any(|t| t.starts_with("2026-12-01")),
        "{times:?}"
    );
}

#[test]
fn a_month_grouped_by_month_is_one_bucket_per_series_whatever_the_zone() {
    for tz in [
        "UTC",
        "Asia/Shanghai",
        "America/New_York",
        "Pacific/Kiritimati",
    ] {
        let output = run(aigcusage()
            .env("AIGCUSAGE_NOW", "2026-12-05T00:00:00Z")
            .args([
                "report",
                "--demo",
                "--month",
                "2026-11",
                "--group-by",
                "month",
                "-o",
                "json",
                "--tz",
                tz,
            ]));
        assert!(output.status.success(), "{tz}: {}", stderr(&output));
        let doc = json_of(&output);
        for series in doc["series"].as_array().unwrap() {
            // LKE has no calendar of its own (spec §5 keeps the overlap rule for it): its
            // +08:00 buckets that overlap November may include 1 December.
            if series["source"] == "lke.token_usage" {
                continue;
            }
            let points = series["points"].as_array().unwrap();
            let times: Vec<&str> = points.iter().map(|p| p["time"].as_str().unwrap()).collect();
            assert_eq!(times.len(), 1, "{tz} {}: {times:?}", series["source"]);
            assert!(times[0].starts_with("2026-11-01"), "{tz}: {times:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn daily_modelrouter_is_asked_for_its_own_november() {
    use chrono::{FixedOffset, TimeZone};
    let cst = FixedOffset::east_opt(8 * 3600).unwrap();
    let first = cst
        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .unwrap()
        .timestamp();
    let last = cst
        .with_ymd_and_hms(2026, 11, 30, 23, 59, 59)
        .unwrap()
        .timestamp();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/modelRouter/open/billing/cost/trend"))
        .respond_with(Alibaba {
            action: "ModelRouterQueryCostTrendMetrics",
            version: "20240611",
            path: "/api/v1/modelRouter/open/billing/cost/trend",
            security_token: None,
            answer: move |received: &Received, _| {
                let start: i64 = received.param("startTime").unwrap().parse().unwrap();
                let end: i64 = received.param("endTime").unwrap().parse().unwrap();
                // A day bucket per +08:00 midnight asked for.
                let points: Vec<Value> = (0..)
                    .map(|d| start + d * 86_400)
                    .take_while(|t| *t <= end)
                    .map(|t| serde_json::json!({"timestamp": t, "values": {"total_amount": 10}}))
                    .collect();
                ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "requestId": "mr-dates", "success": true,
                    "data": {
                        "granularity": "daily",
                        "metrics": [{"key": "total_amount", "label": "cost", "unit": "CNY"}],
                        "points": points
                    }
                }))
            },
            received: std::sync::Arc::default(),
            nonces: std::sync::Arc::default(),
        })
        .expect(1)
        .mount(&server)
        .await;
    let output = run(with_alibaba(&server.uri())
        .env("AIGCUSAGE_NOW", "2026-12-05T00:00:00Z")
        .args([
            "modelrouter",
            "cost",
            "--granularity",
            "daily",
            "--start",
            "2026-11-01",
            "--end",
            "2026-11-30",
            "--tz",
            "UTC",
            "-o",
            "json",
        ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let received = server.received_requests().await.unwrap();
    let query: std::collections::HashMap<String, String> =
        received[0].url.query_pairs().into_owned().collect();
    assert_eq!(query["startTime"], first.to_string());
    assert_eq!(query["endTime"], last.to_string());
    let doc = json_of(&output);
    let times: Vec<&str> = doc["series"][0]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["time"].as_str().unwrap())
        .collect();
    assert_eq!(times.len(), 30, "{times:?}");
    assert_eq!(times[0], "2026-11-01T00:00:00+08:00");
    assert_eq!(times[29], "2026-11-30T00:00:00+08:00");
}
