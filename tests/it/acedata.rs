//! `acedata usage` against a local AceData that checks the bearer token and the query.

use chrono::{Datelike, NaiveDate};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const PATH: &str = "/api/v1/usage/apis/aggregate/";

const SEED_ANSWER: &str = r#"{
  "results": [
    {"date": "2024-08-15", "api_id": "api-uuid-1", "amount": 45.5},
    {"date": "2024-08-15", "api_id": "api-uuid-2", "amount": 12.3},
    {"date": "2024-08-16", "api_id": "api-uuid-1", "amount": 30.2}
  ],
  "total": 88.0,
  "api_map": {
    "api-uuid-1": {"name": "Midjourney Imagine", "path": "/v1/midjourney/imagine"},
    "api-uuid-2": {"name": "Claude Messages", "path": "/v1/claude/messages"}
  }
}"#;

type Queries = AceDataQueries;

async fn acedata_server<F>(answer: F, expected_calls: u64) -> (MockServer, Queries)
where
    F: Fn(&[(String, String)]) -> ResponseTemplate + Send + Sync + 'static,
{
    let server = MockServer::start().await;
    let queries = Queries::default();
    Mock::given(method("GET"))
        .and(path(PATH))
        .respond_with(AceData {
            answer,
            queries: queries.clone(),
        })
        .expect(expected_calls)
        .mount(&server)
        .await;
    (server, queries)
}

fn body(text: impl Into<String>) -> impl Fn(&[(String, String)]) -> ResponseTemplate {
    let text = text.into();
    move |_: &[(String, String)]| {
        ResponseTemplate::new(200).set_body_raw(text.clone(), "application/json")
    }
}

/// The seed example is about August 2024: pin "now" after it.
fn august(endpoint: &str) -> assert_cmd::Command {
    let mut cmd = with_acedata(endpoint);
    cmd.env("AIGCUSAGE_NOW", "2024-09-15T00:00:00Z").args([
        "acedata",
        "usage",
        "--start",
        "2024-08-01",
        "--end",
        "2024-08-31",
    ]);
    cmd
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_example_gives_one_series_per_api() {
    let (server, queries) = acedata_server(body(SEED_ANSWER), 1).await;
    let output = run(august(&server.uri()).args([
        "--application-id",
        "app-1",
        "--api-id",
        "api-uuid-2",
        "--api-id",
        "api-uuid-1,api-uuid-3",
        "-o",
        "json",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        queries.lock().unwrap()[0],
        pairs(&[
            ("created_at_from", "2024-08-01T00:00:00Z"),
            ("created_at_to", "2024-08-31T23:59:59Z"),
            ("application_id", "app-1"),
            ("api_id", "api-uuid-2"),
            ("api_id", "api-uuid-1"),
            ("api_id", "api-uuid-3"),
        ])
    );
    let doc = json_of(&output);
    assert_eq!(doc["query"]["commands"], json!(["acedata usage"]));
    assert_eq!(doc["query"]["start"], "2024-08-01T00:00:00+00:00");
    let series = doc["series"].as_array().unwrap();
    assert_eq!(series.len(), 2);
    // Sorted by name.
    assert_eq!(
        series[0],
        json!({
            "provider": "acedata", "source": "acedata.api_usage", "name": "Claude Messages",
            "metric": "amount", "unit": "credits", "granularity": "day",
            "labels": {"api_id": "api-uuid-2", "path": "/v1/claude/messages"},
            "points": [{"time": "2024-08-15T00:00:00+00:00", "value": 12.3}],
            "total": 12.3
        })
    );
    assert_eq!(series[1]["name"], "Midjourney Imagine");
    assert_eq!(
        series[1]["labels"],
        json!({"api_id": "api-uuid-1", "path": "/v1/midjourney/imagine"})
    );
    assert_eq!(
        series[1]["points"],
        json!([
            {"time": "2024-08-15T00:00:00+00:00", "value": 45.5},
            {"time": "2024-08-16T00:00:00+00:00", "value": 30.2}
        ])
    );
    // Totals exactly as printed numbers.
    let text = stdout(&output);
    assert!(text.contains("\"total\": 12.3\n"), "{text}");
    assert!(text.contains("\"total\": 75.7\n"), "{text}");
    // total 88 = the sum of the rows: no warning.
    assert!(!stderr(&output).contains("warning"), "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_example_as_a_table_and_days_stay_utc_whatever_the_tz() {
    let (server, queries) = acedata_server(body(SEED_ANSWER), 2).await;
    let output = run(august(&server.uri()).args(["--tz", "Asia/Shanghai", "-o", "ndjson"]));
    assert!(output.status.success(), "{}", stderr(&output));
    // Whole days mean AceData's own (UTC) dates whatever --tz (spec §5 v3, "Dates mean
    // the provider's dates"): August is asked for as UTC August.
    assert_eq!(
        queries.lock().unwrap()[0][..2],
        pairs(&[
            ("created_at_from", "2024-08-01T00:00:00Z"),
            ("created_at_to", "2024-08-31T23:59:59Z"),
        ])
    );
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 3);
    assert!(
        text.contains("\"time\":\"2024-08-16T00:00:00+00:00\""),
        "{text}"
    );

    let output = run(&mut august(&server.uri()));
    assert!(output.status.success(), "{}", stderr(&output));
    let table = stdout(&output);
    for expected in [
        "Claude Messages",
        "Midjourney Imagine",
        "2024-08-15",
        "75.7",
        "12.3",
    ] {
        assert!(table.contains(expected), "{expected} missing:\n{table}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn awkward_names_survive_csv_and_json() {
    let awkward = "Suno, \"v4\"\nmusic";
    let answer = json!({
        "results": [
            {"date": "2024-08-15", "api_id": "a-1", "amount": 2},
            {"date": "2024-08-16", "api_id": "a-1", "amount": "3.5"}
        ],
        "total": 5.5,
        "api_map": {"a-1": {"name": awkward, "path": "/v1/suno,\"x\""}}
    })
    .to_string();
    let (server, _) = acedata_server(body(answer), 2).await;

    let output = run(august(&server.uri()).args(["-o", "csv"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "time", "provider", "source", "series", "metric", "unit", "value", "partial", "labels"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[1].iter().collect::<Vec<_>>(),
        [
            "2024-08-16T00:00:00+00:00",
            "acedata",
            "acedata.api_usage",
            awkward,
            "amount",
            "credits",
            "3.5",
            "",
            r#"{"api_id":"a-1","path":"/v1/suno,\"x\""}"#
        ]
    );

    let output = run(august(&server.uri()).args(["-o", "json"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let doc = json_of(&output);
    assert_eq!(doc["series"][0]["name"], awkward);
    assert_eq!(doc["series"][0]["labels"]["path"], "/v1/suno,\"x\"");
    assert_eq!(doc["series"][0]["total"], 5.5);
}

#[tokio::test(flavor = "multi_thread")]
async fn api_missing_from_api_map_is_named_by_its_id() {
    let answer = r#"{"results": [{"date": "2024-08-15", "api_id": "api-unknown", "amount": 1}],
                     "total": 1, "api_map": {}}"#;
    let (server, _) = acedata_server(body(answer), 1).await;
    let output = run(august(&server.uri()).args(["-o", "json"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let doc = json_of(&output);
    assert_eq!(doc["series"][0]["name"], "api-unknown");
    assert_eq!(doc["series"][0]["labels"], json!({"api_id": "api-unknown"}));
}

#[tokio::test(flavor = "multi_thread")]
async fn total_that_disagrees_with_the_rows_is_a_warning() {
    let answer = SEED_ANSWER.replace("\"total\": 88.0", "\"total\": 90");
    let (server, _) = acedata_server(body(answer), 2).await;
    let output = run(august(&server.uri()).args(["-o", "json"]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "warning: acedata: the answer's total 90 differs from the sum of its rows 88"
        ),
        "{}",
        stderr(&output)
    );
    // The output is still the rows.
    assert_eq!(json_of(&output)["series"].as_array().unwrap().len(), 2);

    let output = run(august(&server.uri()).args(["-o", "json", "-q"]));
    assert!(output.status.success());
    assert_eq!(stderr(&output), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_token_is_exit_4_naming_the_platform_token() {
    // Exactly one request: a 401 is never retried.
    let (server, _) = acedata_server(body(SEED_ANSWER), 1).await;
    let output = run(august(&server.uri())
        .env(
            "ACEDATACLOUD_PLATFORM_TOKEN",
            "sk-service-api-token-0000wxyz",
        )
        .args(["-o", "json"]));
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    let err = stderr(&output);
    assert!(
        err.contains("acedata GET /api/v1/usage/apis/aggregate/"),
        "{err}"
    );
    assert!(err.contains("HTTP 401"), "{err}");
    assert!(
        err.contains("Authentication credentials were not provided or are invalid."),
        "{err}"
    );
    assert!(err.contains("platform-v1-"), "{err}");
    assert!(err.contains("ACEDATACLOUD_PLATFORM_TOKEN"), "{err}");
    assert!(err.contains("not a service API token"), "{err}");
    assert!(!err.contains("sk-service-api-token-0000wxyz"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_token_is_exit_3_and_nothing_is_sent() {
    let (server, _) = acedata_server(body(SEED_ANSWER), 0).await;
    let output = run(aigcusage()
        .env("AIGCUSAGE_ACEDATA_ENDPOINT", server.uri())
        .args(["acedata", "usage"]));
    assert_eq!(output.status.code(), Some(3));
    assert!(stderr(&output).contains("ACEDATACLOUD_PLATFORM_TOKEN"));
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_shows_the_request_with_the_token_redacted() {
    let (server, _) = acedata_server(body(SEED_ANSWER), 0).await;
    let output = run(august(&server.uri()).args(["--dry-run", "--api-id", "a b&c"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with(&format!(
            "GET {}{PATH}?created_at_from=2024-08-01T00%3A00%3A00Z&created_at_to=2024-08-31T23%3A59%3A59Z&api_id=a+b%26c\n",
            server.uri()
        )),
        "{text}"
    );
    assert!(text.contains("authorization: Bearer ****abcd\n"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_are_exit_5_and_html_is_reported_by_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"))
        .mount(&server)
        .await;
    let output = run(august(&server.uri()).args(["--retries", "0"]));
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));

    let (server, _) = acedata_server(
        |_: &[(String, String)]| ResponseTemplate::new(200).set_body_string("<html>\nproxy login"),
        1,
    )
    .await;
    let output = run(&mut august(&server.uri()));
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert!(stderr(&output).contains("HTTP 200: the answer is not JSON"));
    assert!(stderr(&output).contains("<html>"));
}

#[tokio::test(flavor = "multi_thread")]
async fn http_429_that_outlasts_the_retries_is_exit_4_naming_the_attempts_and_host() {
    let (server, _) = acedata_server(
        |_: &[(String, String)]| {
            ResponseTemplate::new(429).set_body_string(r#"{"error":"slow down"}"#)
        },
        3,
    )
    .await;
    let output = run(august(&server.uri()).args(["--retries", "2"]));
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    let host = server.uri().trim_start_matches("http://").to_string();
    assert_eq!(
        stderr(&output).trim_end(),
        format!(
            r#"error: acedata GET /api/v1/usage/apis/aggregate/: HTTP 429 Too Many Requests: {{"error":"slow down"}} (after 3 attempts, {host})"#
        )
    );
}

/// 200 APIs × 365 days (the benchmark does 2,000 × 365).
#[tokio::test(flavor = "multi_thread")]
async fn a_large_answer_gives_every_row_in_csv_and_a_short_table() {
    let first_day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let (server, _) = acedata_server(body(acedata_body(200, 365, first_day)), 2).await;
    let range = [
        "acedata",
        "usage",
        "--start",
        "2024-01-01",
        "--end",
        "2024-12-30",
    ];
    let mut cmd = with_acedata(&server.uri());
    cmd.env("AIGCUSAGE_NOW", "2025-01-15T00:00:00Z").args(range);
    let output = run(cmd.args(["-o", "csv"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        assert_eq!(record.len(), 9);
        rows += 1;
    }
    assert_eq!(rows, 73_000);
    assert!(!stderr(&output).contains("warning"), "{}", stderr(&output));

    let mut cmd = with_acedata(&server.uri());
    cmd.env("AIGCUSAGE_NOW", "2025-01-15T00:00:00Z").args(range);
    let output = run(&mut cmd);
    assert!(output.status.success(), "{}", stderr(&output));
    let table = stdout(&output);
    assert!(table.lines().count() < 100, "{table}");
    assert!(table.contains("others (141 series)"), "{table}");
    assert!(table.contains("-o csv"), "{table}");
}

/// Rows whose amounts depend on the date itself, so that any split gives the same rows.
fn rows_of_days(apis: usize, first: NaiveDate, last: NaiveDate) -> String {
    let mut rows = Vec::new();
    let mut total = 0.0;
    let mut day = first;
    while day <= last {
        for a in 0..apis {
            let amount = f64::from(day.ordinal() % 7) * 1.25 + a as f64;
            total += amount;
            rows.push(
                json!({"date": day.to_string(), "api_id": format!("api-{a}"), "amount": amount}),
            );
        }
        day = day.succ_opt().unwrap();
    }
    let names: serde_json::Map<String, serde_json::Value> = (0..apis)
        .map(|a| {
            (
                format!("api-{a}"),
                json!({"name": format!("API {a}"), "path": format!("/v1/{a}")}),
            )
        })
        .collect();
    json!({"results": rows, "total": total, "api_map": names}).to_string()
}

/// An answer of the days `created_at_from` to `created_at_to` name (UTC), padded with
/// whitespace past the 64 MiB body cap whenever it spans more than one day.
fn oversized_unless_one_day(apis: usize) -> impl Fn(&[(String, String)]) -> ResponseTemplate {
    move |query: &[(String, String)]| {
        let day = |key: &str| {
            let value = &query.iter().find(|(k, _)| k == key).unwrap().1;
            NaiveDate::parse_from_str(&value[..10], "%Y-%m-%d").unwrap()
        };
        let (first, last) = (day("created_at_from"), day("created_at_to"));
        let mut text = rows_of_days(apis, first, last);
        if first != last {
            text.push_str(&" ".repeat(64 * 1024 * 1024));
        }
        ResponseTemplate::new(200).set_body_raw(text, "application/json")
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_over_the_cap_is_asked_again_in_halves_and_merged_once() {
    let first = NaiveDate::from_ymd_opt(2024, 8, 1).unwrap();
    let range = ["--start", "2024-08-01", "--end", "2024-08-04", "-o", "json"];
    // 4 days: 4d (too large) → 2d + 2d (too large) → 4 single days.
    let (split, queries) = acedata_server(oversized_unless_one_day(3), 7).await;
    let mut cmd = with_acedata(&split.uri());
    cmd.env("AIGCUSAGE_NOW", "2024-09-15T00:00:00Z")
        .args(["acedata", "usage"])
        .args(range);
    let output = run(&mut cmd);
    assert!(output.status.success(), "{}", stderr(&output));
    let split_json = json_of(&output);

    let last = NaiveDate::from_ymd_opt(2024, 8, 4).unwrap();
    let (whole, _) = acedata_server(body(rows_of_days(3, first, last)), 1).await;
    let mut cmd = with_acedata(&whole.uri());
    cmd.env("AIGCUSAGE_NOW", "2024-09-15T00:00:00Z")
        .args(["acedata", "usage"])
        .args(range);
    let whole_json = json_of(&run(&mut cmd));
    assert_eq!(split_json["series"], whole_json["series"]);
    assert_eq!(
        split_json["series"][0]["points"].as_array().unwrap().len(),
        4
    );

    // The halves meet at UTC midnights, the first ending on its last second.
    let asked: Vec<(String, String)> = queries
        .lock()
        .unwrap()
        .iter()
        .map(|q| {
            let get = |k: &str| q.iter().find(|(key, _)| key == k).unwrap().1.clone();
            (get("created_at_from"), get("created_at_to"))
        })
        .collect();
    assert!(asked.contains(&(
        "2024-08-01T00:00:00Z".to_string(),
        "2024-08-02T23:59:59Z".to_string()
    )));
    assert!(asked.contains(&(
        "2024-08-03T00:00:00Z".to_string(),
        "2024-08-04T23:59:59Z".to_string()
    )));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_single_day_over_the_cap_is_exit_5() {
    let answer = |_: &[(String, String)]| {
        let mut text = acedata_body(2, 1, NaiveDate::from_ymd_opt(2024, 8, 1).unwrap());
        text.push_str(&" ".repeat(64 * 1024 * 1024 + 1));
        ResponseTemplate::new(200).set_body_raw(text, "application/json")
    };
    let (server, _) = acedata_server(answer, 1).await;
    let mut cmd = with_acedata(&server.uri());
    cmd.env("AIGCUSAGE_NOW", "2024-09-15T00:00:00Z").args([
        "acedata",
        "usage",
        "--start",
        "2024-08-01",
        "--end",
        "2024-08-01",
    ]);
    let output = run(&mut cmd);
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("larger than 64 MiB"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());
}
