//! The history store end to end (spec §10): `sync`, `--from-store`, `history`, on SQLite
//! and on a real PostgreSQL server (the harness of tests/store).

use std::time::{Duration, Instant};

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[path = "../store/pg.rs"]
#[allow(dead_code)]
mod pg;

const NOW: &str = "2026-12-01T06:00:00Z";
const ACEDATA_PATH: &str = "/api/v1/usage/apis/aggregate/";

#[derive(Clone, Copy, Debug)]
enum Kind {
    Sqlite,
    Postgres,
}

/// A fresh, empty store of `kind`; the folder keeps a SQLite file alive.
async fn fresh_store(kind: Kind) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = match kind {
        Kind::Sqlite => dir.path().join("history.db").display().to_string(),
        Kind::Postgres => pg::fresh_database_url().await,
    };
    (dir, url)
}

/// Runs `sql` against the store (the tests' own client).
async fn execute(url: &str, sql: &str) {
    if url.starts_with("postgres://") {
        let dbname = url.rsplit('/').next().unwrap().split('?').next().unwrap();
        let client = pg::connect(pg::server().port, dbname).await;
        client.batch_execute(sql).await.unwrap();
    } else {
        let connection = rusqlite::Connection::open(url).unwrap();
        connection.execute_batch(sql).unwrap();
    }
}

/// The rows of the covered-ranges table, in one order (the tests' own client).
async fn covered_rows(url: &str) -> Vec<String> {
    let sql =
        "SELECT account || ' ' || source || ' ' || start || ' ' || \"end\" || ' ' || synced_at
               FROM aigcusage_covered ORDER BY 1";
    if url.starts_with("postgres://") {
        let dbname = url.rsplit('/').next().unwrap().split('?').next().unwrap();
        let client = pg::connect(pg::server().port, dbname).await;
        let rows = client.query(sql, &[]).await.unwrap();
        rows.iter().map(|r| r.get::<_, String>(0)).collect()
    } else {
        let connection = rusqlite::Connection::open(url).unwrap();
        let mut statement = connection.prepare(sql).unwrap();
        let rows = statement.query_map([], |r| r.get::<_, String>(0)).unwrap();
        rows.map(Result::unwrap).collect()
    }
}

/// The binary with the clock pinned and the store named in the environment.
fn with_store(mut cmd: assert_cmd::Command, url: &str) -> assert_cmd::Command {
    cmd.env("AIGCUSAGE_NOW", NOW).env("AIGCUSAGE_STORE", url);
    cmd
}

/// The binary with the clock pinned at `now` and the store at `store`.
fn at(now: &str, store: impl AsRef<std::ffi::OsStr>) -> assert_cmd::Command {
    let mut cmd = aigcusage();
    cmd.env("AIGCUSAGE_NOW", now).env("AIGCUSAGE_STORE", store);
    cmd
}

fn ok(output: &std::process::Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        stdout(output),
        stderr(output)
    );
}

/// A local AceData answering `apis` APIs × the 30 days of November 2026.
async fn acedata_server(apis: usize, delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    let body = acedata_body(
        apis,
        30,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
    );
    Mock::given(method("GET"))
        .and(path(ACEDATA_PATH))
        .respond_with(AceData {
            answer: move |_: &[(String, String)]| {
                ResponseTemplate::new(200)
                    .set_body_raw(body.clone(), "application/json")
                    .set_delay(delay)
            },
            queries: Default::default(),
        })
        .mount(&server)
        .await;
    server
}

/// The document without each series' `account` label (checked to be `account`).
fn without_account(mut doc: Value, account: &str) -> Value {
    for s in doc["series"].as_array_mut().unwrap() {
        let labels = s["labels"].as_object_mut().unwrap();
        assert_eq!(labels.remove("account"), Some(Value::from(account)), "{s}");
    }
    doc.as_object_mut().unwrap().remove("gaps");
    doc
}

/// `history export` lines without `synced_at`, and the `synced_at` values.
fn export_lines(url: &str) -> (Vec<Value>, Vec<String>) {
    let output = with_store(aigcusage(), url)
        .args(["history", "export"])
        .output()
        .unwrap();
    ok(&output);
    let mut synced = Vec::new();
    let rows = stdout(&output)
        .lines()
        .map(|line| {
            let mut row: Value = serde_json::from_str(line).unwrap();
            let at = row.as_object_mut().unwrap().remove("synced_at").unwrap();
            synced.push(at.as_str().unwrap().to_string());
            row
        })
        .collect();
    (rows, synced)
}

const NOVEMBER: [&str; 4] = ["--start", "2026-11-01", "--end", "2026-11-30"];

/// Every provider (`--demo`) synced, then `report --from-store` equals the live report.
async fn from_store_equals_live(kind: Kind) {
    let (_dir, url) = fresh_store(kind).await;
    let output = aigcusage()
        .env("AIGCUSAGE_NOW", NOW)
        .args(["sync", "--demo", "--store", &url, "-o", "json"])
        .args(NOVEMBER)
        .output()
        .unwrap();
    ok(&output);
    let synced = json_of(&output);
    assert_eq!(synced["synced"].as_array().unwrap().len(), 4, "{synced}");
    assert!(!stdout(&output).contains(pg::PASSWORD));

    let live = aigcusage()
        .env("AIGCUSAGE_NOW", NOW)
        .args(["report", "--demo", "-o", "json"])
        .args(NOVEMBER)
        .output()
        .unwrap();
    ok(&live);
    // No credentials, no demo: the store only.
    let stored = with_store(aigcusage(), &url)
        .args(["report", "--from-store", "-o", "json"])
        .args(NOVEMBER)
        .output()
        .unwrap();
    ok(&stored);
    let stored_doc = json_of(&stored);
    assert_eq!(
        stored_doc["gaps"],
        serde_json::json!([]),
        "{}",
        stderr(&stored)
    );
    assert_eq!(without_account(stored_doc, "default"), json_of(&live));

    // Weeks too, and a usage command with a non-additive metric (model_count).
    for args in [
        vec!["report", "--group-by", "week"],
        vec!["modelrouter", "cost"],
    ] {
        let live = aigcusage()
            .env("AIGCUSAGE_NOW", NOW)
            .args(&args)
            .args(["--demo", "-o", "json"])
            .args(NOVEMBER)
            .output()
            .unwrap();
        ok(&live);
        let stored = with_store(aigcusage(), &url)
            .args(&args)
            .args(["--from-store", "-o", "json"])
            .args(NOVEMBER)
            .output()
            .unwrap();
        ok(&stored);
        if args[0] == "report" {
            assert_eq!(without_account(json_of(&stored), "default"), json_of(&live));
        } else {
            // `modelrouter cost` fetches its own default granularity live; the store holds
            // what sync fetched (report's): compare the non-additive series' totals.
            let doc = json_of(&stored);
            let model_count = doc["series"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["metric"] == "model_count")
                .expect("model_count stored");
            assert!(model_count["total"].is_null(), "{model_count}");
        }
    }
}

/// A real provider over HTTP: synced, then read with the server gone and no credentials.
async fn local_server_then_offline(kind: Kind) {
    let (_dir, url) = fresh_store(kind).await;
    let server = acedata_server(3, Duration::ZERO).await;
    let output = with_store(with_acedata(&server.uri()), &url)
        .args(["sync"])
        .args(NOVEMBER)
        .output()
        .unwrap();
    ok(&output);
    assert_no_acedata_token(&output);
    let live = with_store(with_acedata(&server.uri()), &url)
        .args(["acedata", "usage", "-o", "json"])
        .args(NOVEMBER)
        .output()
        .unwrap();
    ok(&live);
    drop(server);
    let stored = with_store(aigcusage(), &url)
        .args(["acedata", "usage", "--from-store", "-o", "json"])
        .args(NOVEMBER)
        .output()
        .unwrap();
    ok(&stored);
    assert_eq!(without_account(json_of(&stored), "default"), json_of(&live));

    // history status as JSON, in the spec's key order.
    let status = with_store(aigcusage(), &url)
        .args(["history", "status", "-o", "json"])
        .output()
        .unwrap();
    ok(&status);
    let text = stdout(&status);
    assert!(!text.contains(pg::PASSWORD), "{text}");
    let doc = json_of(&status);
    let at = |key: &str| text.find(&format!("\"{key}\"")).unwrap();
    assert!(
        at("schema_version") < at("store") && at("store") < at("sources"),
        "{text}"
    );
    assert!(at("first") < at("last") && at("covered") < at("rows") && at("rows") < at("last_sync"));
    let sources = doc["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 1);
    let source = &sources[0];
    assert_eq!(source["account"], "default");
    assert_eq!(source["provider"], "acedata");
    assert_eq!(source["source"], "acedata.api_usage");
    assert_eq!(source["first"], "2026-11-01T00:00:00+00:00");
    assert_eq!(source["last"], "2026-11-30T00:00:00+00:00");
    assert_eq!(source["rows"], 90);
    assert_eq!(
        source["covered"],
        serde_json::json!([{"start": "2026-11-01T00:00:00+00:00", "end": "2026-11-30T23:59:59+00:00"}])
    );
    assert_eq!(source["last_sync"], "2026-12-01T06:00:00+00:00");
}

/// A provider failing during sync writes nothing; the others are kept; exit 6.
async fn failing_provider_writes_nothing(kind: Kind) {
    let (_dir, url) = fresh_store(kind).await;
    let acedata = acedata_server(2, Duration::ZERO).await;
    let tencent = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(tencent_error(
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found.",
            "req-1",
        ))
        .mount(&tencent)
        .await;
    let mut cmd = with_store(with_tencent(&tencent.uri()), &url);
    cmd.env("ACEDATACLOUD_PLATFORM_TOKEN", ACEDATA_TOKEN)
        .env("AIGCUSAGE_ACEDATA_ENDPOINT", acedata.uri())
        .args(["sync", "-o", "json"])
        .args(NOVEMBER);
    let output = run(&mut cmd);
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    let doc = json_of(&output);
    let synced: Vec<&str> = doc["synced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(synced, ["acedata.api_usage"]);
    let failed: Vec<&str> = doc["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["vod.aigc_usage", "lke.token_usage"]);
    let (rows, _) = export_lines(&url);
    assert_eq!(rows.len(), 60);
    assert!(rows.iter().all(|r| r["source"] == "acedata.api_usage"));

    // Every source failing: the first failure's code (4), nothing written.
    let (_dir2, url2) = fresh_store(kind).await;
    let output = with_store(with_tencent(&tencent.uri()), &url2)
        .args(["sync"])
        .args(NOVEMBER)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert!(stdout(&output).lines().count() <= 1, "{}", stdout(&output));
    assert!(export_lines(&url2).0.is_empty());
}

/// Syncing the same range twice leaves the rows as once (only `synced_at` moves).
async fn syncing_twice_changes_nothing_but_synced_at(kind: Kind) {
    let (_dir, url) = fresh_store(kind).await;
    let sync = |now: &str| {
        aigcusage()
            .env("AIGCUSAGE_NOW", now)
            .args(["sync", "--demo", "-q", "--store", &url])
            .args(NOVEMBER)
            .output()
            .unwrap()
    };
    ok(&sync(NOW));
    let (first, first_synced) = export_lines(&url);
    let covered_once = covered_rows(&url).await;
    ok(&sync(NOW));
    assert_eq!(
        covered_rows(&url).await,
        covered_once,
        "the covered ranges as once"
    );
    ok(&sync("2026-12-01T07:00:00Z"));
    let (second, second_synced) = export_lines(&url);
    // One range per source still (only its synced_at moves).
    assert_eq!(covered_rows(&url).await.len(), covered_once.len());
    assert!(!first.is_empty());
    assert_eq!(first, second);
    assert!(first_synced
        .iter()
        .all(|s| s == "2026-12-01T06:00:00+00:00"));
    assert!(second_synced
        .iter()
        .all(|s| s == "2026-12-01T07:00:00+00:00"));

    // Export → import into an empty store round trips, twice changes nothing.
    let exported = with_store(aigcusage(), &url)
        .args(["history", "export"])
        .output()
        .unwrap();
    let (_dir2, url2) = fresh_store(kind).await;
    let mut imported_covered = Vec::new();
    for _ in 0..2 {
        let output = with_store(aigcusage(), &url2)
            .args(["history", "import", "-"])
            .write_stdin(exported.stdout.clone())
            .output()
            .unwrap();
        ok(&output);
        imported_covered.push(covered_rows(&url2).await);
    }
    assert_eq!(imported_covered[0], imported_covered[1], "importing twice");
    assert!(!imported_covered[0].is_empty());
    let again = with_store(aigcusage(), &url2)
        .args(["history", "export"])
        .output()
        .unwrap();
    assert_eq!(stdout(&again), stdout(&exported));
}

/// A bucket synced before it ended keeps its partial mark when read later (its value is
/// half a day's), until a sync after it ended replaces it with a final one.
async fn partial_buckets_stay_partial_until_synced_again(kind: Kind) {
    let (_dir, url) = fresh_store(kind).await;
    let sync = |now: &str| {
        aigcusage()
            .env("AIGCUSAGE_NOW", now)
            .args([
                "sync",
                "--demo",
                "-q",
                "--providers",
                "acedata",
                "--store",
                &url,
            ])
            .output()
            .unwrap()
    };
    // December 9 (UTC, AceData's calendar) is half over at this sync.
    ok(&sync("2026-12-09T12:00:00Z"));
    let december_9 = || {
        let output = aigcusage()
            .env("AIGCUSAGE_NOW", "2026-12-11T12:00:00Z")
            .args([
                "report",
                "--from-store",
                "--providers",
                "acedata",
                "-o",
                "json",
            ])
            .args([
                "--start",
                "2026-12-08",
                "--end",
                "2026-12-09",
                "--store",
                &url,
            ])
            .output()
            .unwrap();
        ok(&output);
        let doc = json_of(&output);
        let series = doc["series"].as_array().unwrap().clone();
        assert!(!series.is_empty());
        series
            .iter()
            .map(|s| {
                let points = s["points"].as_array().unwrap();
                assert_eq!(points.len(), 2, "{s}");
                // December 8 was over when synced: final.
                assert_eq!(points[0].get("partial"), None, "{s}");
                assert_eq!(points[1]["time"], "2026-12-09T00:00:00+00:00");
                points[1].get("partial").cloned()
            })
            .collect::<Vec<_>>()
    };
    assert!(
        december_9().iter().all(|p| p == &Some(Value::Bool(true))),
        "{:?}",
        december_9()
    );
    // Synced after it ended: final.
    ok(&sync("2026-12-11T12:00:00Z"));
    assert!(
        december_9().iter().all(Option::is_none),
        "{:?}",
        december_9()
    );
}

/// `history export` with a range exports the rows `report --from-store` reads for it:
/// VOD's own dates for a whole-day range (spec §5), not every bucket overlapping the
/// range in --tz.
async fn export_selects_rows_as_from_store_reads_them(kind: Kind) {
    let (_dir, url) = fresh_store(kind).await;
    // December 1 +08:00 is stored (it began before this now).
    ok(&with_store(aigcusage(), &url)
        .args([
            "sync",
            "--demo",
            "-q",
            "--start",
            "2026-11-01",
            "--end",
            "2026-12-01",
        ])
        .output()
        .unwrap());
    // (source, series, labels without account, time) of each line.
    let keys = |text: &str| -> std::collections::BTreeSet<String> {
        text.lines()
            .map(|line| {
                let mut row: Value = serde_json::from_str(line).unwrap();
                row["labels"].as_object_mut().unwrap().remove("account");
                format!(
                    "{} {} {} {}",
                    row["source"], row["series"], row["labels"], row["time"]
                )
            })
            // The report sums modelrouter's hours into days; the other sources' buckets
            // are the stored ones.
            .filter(|key| !key.starts_with("\"modelrouter"))
            .collect()
    };
    for tz in ["UTC", "Asia/Shanghai", "America/New_York"] {
        let exported = with_store(aigcusage(), &url)
            .args(["history", "export", "--month", "2026-11", "--tz", tz])
            .output()
            .unwrap();
        ok(&exported);
        let read = with_store(aigcusage(), &url)
            .args([
                "report",
                "--from-store",
                "--month",
                "2026-11",
                "-o",
                "ndjson",
                "--tz",
                tz,
            ])
            .output()
            .unwrap();
        ok(&read);
        let exported = keys(&stdout(&exported));
        let vod_has = |date: &str| {
            exported
                .iter()
                .any(|k| k.starts_with("\"vod.aigc_usage\"") && k.contains(date))
        };
        assert!(vod_has("2026-11-01T00:00:00+08:00"), "{tz}");
        assert!(vod_has("2026-11-30T00:00:00+08:00"), "{tz}");
        assert!(
            !vod_has("2026-12-01T00:00:00+08:00") && !vod_has("2026-10-31T00:00:00+08:00"),
            "{tz}"
        );
        assert_eq!(exported, keys(&stdout(&read)), "{tz}");
    }
}

/// `history status` prints the first and last point (buckets) in their provider's own
/// calendar whatever --tz (spec §5); covered ranges and the last sync (instants) in --tz.
async fn status_shows_buckets_in_their_own_calendar(kind: Kind) {
    let (_dir, url) = fresh_store(kind).await;
    ok(&with_store(aigcusage(), &url)
        .args(["sync", "--demo", "-q", "--providers", "vod"])
        .args(NOVEMBER)
        .output()
        .unwrap());
    let status = |format: &[&str]| {
        let output = with_store(aigcusage(), &url)
            .args(["history", "status", "--tz", "UTC"])
            .args(format)
            .output()
            .unwrap();
        ok(&output);
        output
    };
    let doc = json_of(&status(&["-o", "json"]));
    let vod = &doc["sources"][0];
    assert_eq!(vod["source"], "vod.aigc_usage");
    assert_eq!(vod["first"], "2026-11-01T00:00:00+08:00");
    assert_eq!(vod["last"], "2026-11-30T00:00:00+08:00");
    assert_eq!(
        vod["covered"],
        serde_json::json!([{"start": "2026-10-31T16:00:00+00:00", "end": "2026-11-30T15:59:59+00:00"}])
    );
    assert_eq!(vod["last_sync"], "2026-12-01T06:00:00+00:00");
    let table = stdout(&status(&[]));
    let row = table
        .lines()
        .find(|l| l.contains("vod.aigc_usage"))
        .unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells[2..4],
        ["2026-11-01T00:00:00+08:00", "2026-11-30T00:00:00+08:00"],
        "{table}"
    );
    assert_eq!(cells[5], "2026-12-01T06:00:00+00:00", "{table}");
}

/// Whether the store's tables exist (a SQLite file, or the tables in PostgreSQL).
async fn store_exists(url: &str) -> bool {
    if url.starts_with("postgres://") {
        let dbname = url.rsplit('/').next().unwrap().split('?').next().unwrap();
        let client = pg::connect(pg::server().port, dbname).await;
        let row = client
            .query_one("SELECT to_regclass('aigcusage_schema') IS NOT NULL", &[])
            .await
            .unwrap();
        row.get(0)
    } else {
        std::path::Path::new(url).exists()
    }
}

/// `sync --dry-run` sends nothing and writes nothing: a store that does not exist is not
/// created (its default range is `--last 30d`), an existing one is read for the default
/// ranges and left as it was.
async fn dry_run_sync_writes_no_store(kind: Kind) {
    let (_dir, url) = fresh_store(kind).await;
    let server = acedata_server(1, Duration::ZERO).await;
    let dry_run = || {
        let output = with_store(with_acedata(&server.uri()), &url)
            .args(["sync", "--dry-run"])
            .output()
            .unwrap();
        ok(&output);
        stdout(&output)
    };
    let requests = dry_run();
    // `--last 30d` before 2026-12-01T06:00:00Z.
    assert!(
        requests.contains("created_at_from=2026-11-01T06%3A00%3A00Z"),
        "{requests}"
    );
    assert!(!store_exists(&url).await, "the dry run created the store");
    assert!(server.received_requests().await.unwrap().is_empty());

    ok(&with_store(with_acedata(&server.uri()), &url)
        .args(["sync"])
        .args(NOVEMBER)
        .output()
        .unwrap());
    let before = (export_lines(&url), covered_rows(&url).await);
    let requests = dry_run();
    // Two dates before the last covered one (November 30).
    assert!(
        requests.contains("created_at_from=2026-11-28T00%3A00%3A00Z"),
        "{requests}"
    );
    assert_eq!((export_lines(&url), covered_rows(&url).await), before);
}

/// A range partly never synced: its gaps on stderr and in the JSON.
async fn gaps_are_named(kind: Kind) {
    let (_dir, url) = fresh_store(kind).await;
    let server = acedata_server(1, Duration::ZERO).await;
    ok(&with_store(with_acedata(&server.uri()), &url)
        .args(["sync", "--start", "2026-11-10", "--end", "2026-11-20"])
        .output()
        .unwrap());
    let output = with_store(aigcusage(), &url)
        .args([
            "report",
            "--from-store",
            "--providers",
            "acedata",
            "-o",
            "json",
        ])
        .args(NOVEMBER)
        .output()
        .unwrap();
    ok(&output);
    let doc = json_of(&output);
    assert_eq!(
        doc["gaps"],
        serde_json::json!([
            {"account": "default", "provider": "acedata", "source": "acedata.api_usage",
             "start": "2026-11-01T00:00:00+00:00", "end": "2026-11-09T23:59:59+00:00"},
            {"account": "default", "provider": "acedata", "source": "acedata.api_usage",
             "start": "2026-11-21T00:00:00+00:00", "end": "2026-11-30T23:59:59+00:00"},
        ])
    );
    assert!(
        stderr(&output).contains(
            "warning: store has no acedata.api_usage data from 2026-11-01T00:00:00+00:00 to 2026-11-09T23:59:59+00:00"
        ),
        "{}",
        stderr(&output)
    );
    // Nothing is invented for the gaps: 11 days of points.
    assert_eq!(doc["series"][0]["points"].as_array().unwrap().len(), 11);
    assert_eq!(doc["series"][0]["labels"]["account"], "default");

    // An account the store does not hold: one gap over the whole range, no series.
    let output = with_store(aigcusage(), &url)
        .args([
            "report",
            "--from-store",
            "--providers",
            "acedata",
            "--account",
            "other",
            "-o",
            "json",
        ])
        .args(NOVEMBER)
        .output()
        .unwrap();
    ok(&output);
    let doc = json_of(&output);
    assert_eq!(doc["series"], serde_json::json!([]));
    assert_eq!(doc["gaps"][0]["account"], "other");
}

/// SIGINT during a slow sync: exit 130 within a second, nothing on stdout, the store
/// as before.
async fn interrupted_sync_leaves_the_store(kind: Kind) {
    let (_dir, url) = fresh_store(kind).await;
    let fast = acedata_server(2, Duration::ZERO).await;
    ok(&with_store(with_acedata(&fast.uri()), &url)
        .args(["sync", "--start", "2026-11-01", "--end", "2026-11-10"])
        .output()
        .unwrap());
    let before = export_lines(&url);
    let slow = acedata_server(2, Duration::from_secs(30)).await;
    let binary = assert_cmd::cargo::cargo_bin("aigcusage");
    let child = std::process::Command::new(binary)
        .env_clear()
        .env("HOME", "/nonexistent-aigcusage-test-home")
        .env("AIGCUSAGE_NOW", NOW)
        .env("AIGCUSAGE_STORE", &url)
        .env("ACEDATACLOUD_PLATFORM_TOKEN", ACEDATA_TOKEN)
        .env("AIGCUSAGE_ACEDATA_ENDPOINT", slow.uri())
        .args(["sync"])
        .args(NOVEMBER)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Let it open the store and send its request.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sent = Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert!(
        // Well before the slow answer: the signal stopped the sync (no clock-tight bound
        // on a shared, noisy machine).
        sent.elapsed() < Duration::from_secs(5),
        "{:?}",
        sent.elapsed()
    );
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert_eq!(export_lines(&url), before);
}

/// A malformed import line is exit 2 with its number, and nothing is written.
async fn malformed_import_writes_nothing(kind: Kind) {
    let (dir, url) = fresh_store(kind).await;
    let file = dir.path().join("rows.ndjson");
    std::fs::write(
        &file,
        concat!(
            r#"{"time":"2026-11-01T00:00:00+00:00","provider":"acedata","source":"acedata.api_usage","series":"A","metric":"amount","unit":"credits","value":1,"labels":{},"account":"x","granularity":"day","partial":false,"synced_at":"2026-12-01T00:00:00+00:00"}"#,
            "\n{\"time\": \"not a time\"}\n"
        ),
    )
    .unwrap();
    let output = with_store(aigcusage(), &url)
        .args(["history", "import"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("line 2"), "{}", stderr(&output));
    assert!(export_lines(&url).0.is_empty());

    // A provider or source the registry does not know (or a source of another provider)
    // is malformed too: no command would ever read those rows.
    let good = r#"{"time":"2026-11-01T00:00:00+00:00","provider":"acedata","source":"acedata.api_usage","series":"A","metric":"amount","unit":"credits","value":1,"labels":{},"account":"x","granularity":"day","partial":false,"synced_at":"2026-12-01T00:00:00+00:00"}"#;
    for (provider, source) in [
        ("nope", "acedata.api_usage"),
        ("acedata", "nope.usage"),
        ("tencent", "acedata.api_usage"),
    ] {
        let bad = good
            .replace(
                "\"provider\":\"acedata\"",
                &format!("\"provider\":\"{provider}\""),
            )
            .replace(
                "\"source\":\"acedata.api_usage\"",
                &format!("\"source\":\"{source}\""),
            );
        let output = with_store(aigcusage(), &url)
            .args(["history", "import", "-"])
            .write_stdin(format!("{good}\n{good}\n{bad}\n"))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let message = stderr(&output);
        assert!(
            message.contains("line 3") && message.contains(&format!("{provider}/{source}")),
            "{message}"
        );
        assert!(export_lines(&url).0.is_empty());
    }
    // The good line alone is imported.
    ok(&with_store(aigcusage(), &url)
        .args(["history", "import", "-"])
        .write_stdin(format!("{good}\n"))
        .output()
        .unwrap());
    assert_eq!(export_lines(&url).0.len(), 1);
}

/// A store written by a newer aigcusage is refused with exit 3.
async fn newer_schema_is_refused(kind: Kind) {
    let (_dir, url) = fresh_store(kind).await;
    ok(&with_store(aigcusage(), &url)
        .args(["history", "status"])
        .output()
        .unwrap());
    execute(&url, "UPDATE aigcusage_schema SET version = 99").await;
    for args in [
        vec!["history", "status"],
        vec!["report", "--from-store", "--last", "7d"],
    ] {
        let output = with_store(aigcusage(), &url).args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
        assert!(stderr(&output).contains("99"), "{}", stderr(&output));
        assert!(!stderr(&output).contains(pg::PASSWORD));
    }
}

/// A usage command's own options select from the store as they select from the provider,
/// and an option the store cannot answer is refused (a silent "everything" would be wrong).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_options_select_stored_series() {
    let (_dir, url) = fresh_store(Kind::Sqlite).await;
    let output = aigcusage()
        .env("AIGCUSAGE_NOW", NOW)
        .args(["sync", "--demo", "-q", "--store", &url])
        .args(NOVEMBER)
        .output()
        .unwrap();
    ok(&output);
    let read = |args: &[&str]| {
        aigcusage()
            .env("AIGCUSAGE_NOW", NOW)
            .args(["--from-store", "--store", &url, "-o", "json"])
            .args(args)
            .args(NOVEMBER)
            .output()
            .unwrap()
    };
    let video = json_of(&read(&["vod", "usage", "--type", "Video"]));
    // The demo's VOD answers are all Video: asking the store for Image finds none.
    let image = json_of(&read(&["vod", "usage", "--type", "Image"]));
    let types = |doc: &Value| -> Vec<String> {
        let mut types: Vec<String> = doc["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["labels"]["aigc_type"].as_str().unwrap().to_string())
            .collect();
        types.dedup();
        types
    };
    assert_eq!(types(&video), ["Video"]);
    assert_eq!(image["series"], serde_json::json!([]), "{image}");
    for args in [
        &["lke", "tokens", "--model", "hunyuan"][..],
        &["acedata", "usage", "--application-id", "app-1"][..],
        &["modelrouter", "cost", "--client-id", "7"][..],
        &["vod", "usage", "--type", "Video", "--api-key", "k"][..],
    ] {
        let output = read(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("history store"),
            "{}",
            stderr(&output)
        );
    }
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(super::Kind::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(super::Kind::Postgres).await;
            }
        }
    )*};
}

both_backends!(
    from_store_equals_live,
    local_server_then_offline,
    failing_provider_writes_nothing,
    syncing_twice_changes_nothing_but_synced_at,
    partial_buckets_stay_partial_until_synced_again,
    export_selects_rows_as_from_store_reads_them,
    status_shows_buckets_in_their_own_calendar,
    dry_run_sync_writes_no_store,
    gaps_are_named,
    interrupted_sync_leaves_the_store,
    malformed_import_writes_nothing,
    newer_schema_is_refused,
);

#[test]
fn demo_sync_needs_a_named_store() {
    // Spec §10: the store is --store, else AIGCUSAGE_STORE: both name it for this run.
    let dir = tempfile::tempdir().unwrap();
    let output = aigcusage()
        .env("AIGCUSAGE_NOW", NOW)
        .env("AIGCUSAGE_STORE", dir.path().join("env.db"))
        .args(["sync", "--demo", "-q"])
        .output()
        .unwrap();
    ok(&output);
    assert!(dir.path().join("env.db").exists());
    let output = aigcusage()
        .env("AIGCUSAGE_NOW", NOW)
        .args(["sync", "--demo", "-q", "--store"])
        .arg(dir.path().join("flag.db"))
        .output()
        .unwrap();
    ok(&output);
    assert!(dir.path().join("flag.db").exists());
    // The default path (here under XDG_DATA_HOME) and the profile's store are refused.
    let data = dir.path().join("data");
    let output = aigcusage()
        .env("XDG_DATA_HOME", &data)
        .args(["sync", "--demo"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("--store or AIGCUSAGE_STORE") && message.contains("default"),
        "{message}"
    );
    assert!(!data.exists());
    let config = dir.path().join("config.toml");
    let profile_store = dir.path().join("profile.db");
    std::fs::write(
        &config,
        format!(
            "[default]\nstore = {:?}\n",
            profile_store.display().to_string()
        ),
    )
    .unwrap();
    let output = aigcusage()
        .env("AIGCUSAGE_CONFIG", &config)
        .args(["sync", "--demo"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(!profile_store.exists());
}

/// Spec §4/§6: each failure once on stderr, also for `sync`; nothing synced prints no table.
#[tokio::test(flavor = "multi_thread")]
async fn sync_says_each_failure_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("o.db");
    // No credentials for either named source: exit 3, each message once, no header.
    let output = aigcusage()
        .args(["sync", "--providers", "vod,acedata", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let message = stderr(&output);
    assert_eq!(
        message.matches("Tencent Cloud credentials").count(),
        1,
        "{message}"
    );
    assert_eq!(
        message.matches("AceData Cloud token").count(),
        1,
        "{message}"
    );
    assert_eq!(stdout(&output), "");
    // -o json still prints its document, every failure in it.
    let output = aigcusage()
        .args([
            "sync",
            "--providers",
            "acedata,vod",
            "-o",
            "json",
            "--store",
        ])
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let doc = json_of(&output);
    assert_eq!(doc["synced"], serde_json::json!([]));
    let failed: Vec<&str> = doc["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["source"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["vod.aigc_usage", "acedata.api_usage"]);
    // One source, unreachable: its network error once.
    let output = aigcusage()
        .env("ACEDATACLOUD_PLATFORM_TOKEN", "platform-v1-abcdefgh")
        .env("AIGCUSAGE_ACEDATA_ENDPOINT", "http://127.0.0.1:1")
        .args(["sync", "--retries", "1", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let message = stderr(&output);
    assert_eq!(message.matches("connection failed").count(), 1, "{message}");
    assert_eq!(stdout(&output), "");
}
#[test]
fn store_passwords_are_never_shown() {
    let output = aigcusage()
        .env(
            "AIGCUSAGE_STORE",
            "postgres://aigc:Sup3r-secret@127.0.0.1:1/db",
        )
        .args(["config", "show", "-o", "json"])
        .output()
        .unwrap();
    ok(&output);
    let doc = json_of(&output);
    assert_eq!(
        doc["store"],
        serde_json::json!({"value": "postgres://aigc:****@127.0.0.1:1/db", "origin": "env"})
    );
    assert_eq!(
        doc["account"],
        serde_json::json!({"value": "default", "origin": "default"})
    );
    // Unreachable: exit 3, the URL redacted.
    let output = aigcusage()
        .env(
            "AIGCUSAGE_STORE",
            "postgres://aigc:Sup3r-secret@127.0.0.1:1/db",
        )
        .args(["history", "status", "--verbose"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        !stderr(&output).contains("Sup3r-secret"),
        "{}",
        stderr(&output)
    );
}

/// On a terminal (`script`), `sync` shows a spinner naming what it waits for (spec §5 v3),
/// a progress line per source synced, and each failure once.
#[tokio::test(flavor = "multi_thread")]
async fn sync_on_a_terminal_shows_a_spinner_and_each_failure_once() {
    let (dir, url) = fresh_store(Kind::Sqlite).await;
    let acedata = acedata_server(1, Duration::from_millis(900)).await;
    let tencent = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(tencent_error(
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found.",
            "req-1",
        ))
        .mount(&tencent)
        .await;
    let run_on_terminal = |extra: &str| {
        let inner = format!(
            "{} sync {extra} --store {url} --start 2026-11-01 --end 2026-11-30 > {}",
            assert_cmd::cargo::cargo_bin("aigcusage").display(),
            dir.path().join("out.txt").display()
        );
        std::process::Command::new("script")
            .args(["-qfec", &inner, "/dev/null"])
            .env_clear()
            .env("HOME", "/nonexistent-aigcusage-test-home")
            .env("TERM", "xterm")
            .env("TZ", "UTC")
            .env("AIGCUSAGE_NOW", NOW)
            .env("TENCENTCLOUD_SECRET_ID", SECRET_ID)
            .env("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
            .env("AIGCUSAGE_VOD_ENDPOINT", tencent.uri())
            .env("AIGCUSAGE_LKE_ENDPOINT", tencent.uri())
            .env("ACEDATACLOUD_PLATFORM_TOKEN", ACEDATA_TOKEN)
            .env("AIGCUSAGE_ACEDATA_ENDPOINT", acedata.uri())
            .output()
            .unwrap()
    };
    let output = run_on_terminal("");
    assert_eq!(output.status.code(), Some(6), "{}", stdout(&output));
    let terminal = stdout(&output);
    assert!(
        ['⠋', '⠙', '⠹', '⠸'].iter().any(|c| terminal.contains(*c))
            && terminal.contains("waiting for")
            && terminal.contains("acedata"),
        "no spinner: {terminal:?}"
    );
    assert_eq!(
        terminal.matches("synced acedata.api_usage").count(),
        1,
        "{terminal:?}"
    );
    // VOD and LKE fail with the same provider error: each said once.
    assert_eq!(
        terminal.matches("SecretIdNotFound").count(),
        2,
        "{terminal:?}"
    );
    assert!(!terminal.contains("failed:"), "{terminal:?}");
    // `-q`: no spinner, no progress.
    let output = run_on_terminal("-q");
    assert_eq!(output.status.code(), Some(6), "{}", stdout(&output));
    let terminal = stdout(&output);
    assert!(!terminal.contains("waiting for"), "{terminal:?}");
    assert!(!terminal.contains("synced "), "{terminal:?}");
}

/// Spec §10/§5: gaps lie within the queried range. ModelRouter's hourly points follow
/// --tz: its range is asked, covered and checked as given, not in +08:00 dates.
#[test]
fn hourly_gaps_lie_within_the_queried_range() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db");
    let cmd = || at("2025-11-20T12:00:00Z", &store);
    ok(&cmd().args(["sync", "--demo", "-q"]).output().unwrap());
    let output = cmd()
        .args([
            "report",
            "--from-store",
            "--start",
            "2025-10-01",
            "--end",
            "2025-10-25",
        ])
        .args(["-o", "json"])
        .output()
        .unwrap();
    ok(&output);
    let doc = json_of(&output);
    let gap = |source: &str| {
        let gaps: Vec<&Value> = doc["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["source"] == source)
            .collect();
        assert_eq!(gaps.len(), 1, "{source}: {}", doc["gaps"]);
        (
            gaps[0]["start"].as_str().unwrap().to_string(),
            gaps[0]["end"].as_str().unwrap().to_string(),
        )
    };
    // The demo sync covered the last 30 days (from 2025-10-21T12:00Z).
    let uncovered = |start: &str| (start.to_string(), "2025-10-21T11:59:59+00:00".to_string());
    assert_eq!(
        gap("modelrouter.cost_trend"),
        uncovered("2025-10-01T00:00:00+00:00")
    );
    assert_eq!(
        gap("lke.token_usage"),
        uncovered("2025-10-01T00:00:00+00:00")
    );
    assert_eq!(
        gap("acedata.api_usage"),
        uncovered("2025-10-01T00:00:00+00:00")
    );
    // VOD answers in days: its dates are the +08:00 calendar's (spec §5 v3).
    assert_eq!(
        gap("vod.aigc_usage"),
        uncovered("2025-09-30T16:00:00+00:00")
    );

    // An explicit whole-day sync covers ModelRouter's range as given.
    let output = cmd()
        .args(["sync", "--demo", "-q", "--providers", "modelrouter"])
        .args(["--start", "2025-10-01", "--end", "2025-10-25", "-o", "json"])
        .output()
        .unwrap();
    ok(&output);
    let doc = json_of(&output);
    assert_eq!(doc["synced"][0]["start"], "2025-10-01T00:00:00+00:00");
    assert_eq!(doc["synced"][0]["end"], "2025-10-25T23:59:59+00:00");
}

/// Spec §5 v3: VOD answers one date in 5-minute buckets, asked in --tz as given, and
/// several dates in its +08:00 days. `sync` records as covered what VOD was asked, so a
/// one-date sync in UTC does not claim the +08:00 day (8 hours of which it never fetched).
#[test]
fn a_one_date_vod_sync_covers_the_date_it_asked() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db");
    let sync = |start: &str, end: &str| {
        let output = at("2025-11-20T12:00:00Z", &store)
            .args(["sync", "--demo", "-q", "--providers", "vod", "--tz", "UTC"])
            .args(["--start", start, "--end", end, "-o", "json"])
            .output()
            .unwrap();
        ok(&output);
        let doc = json_of(&output);
        (
            doc["synced"][0]["start"].as_str().unwrap().to_string(),
            doc["synced"][0]["end"].as_str().unwrap().to_string(),
        )
    };
    let utc = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
            .to_rfc3339()
    };
    let (start, end) = sync("2025-11-10", "2025-11-10");
    assert_eq!(utc(&start), "2025-11-10T00:00:00+00:00");
    assert_eq!(utc(&end), "2025-11-10T23:59:59+00:00");
    let (start, end) = sync("2025-11-10", "2025-11-11");
    assert_eq!(utc(&start), "2025-11-09T16:00:00+00:00");
    assert_eq!(utc(&end), "2025-11-11T15:59:59+00:00");
}

/// `sync --providers` takes what `report --providers` takes: a provider's id for all its
/// sources.
#[test]
fn sync_takes_provider_names_like_report() {
    let dir = tempfile::tempdir().unwrap();
    let output = at("2025-11-20T12:00:00Z", dir.path().join("h.db"))
        .args([
            "sync",
            "--demo",
            "-q",
            "--providers",
            "tencent",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    ok(&output);
    let doc = json_of(&output);
    let sources: Vec<&str> = doc["synced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["vod.aigc_usage", "lke.token_usage"]);
}

/// Spec §10: parts of the range no sync covered are named. An `--account` with nothing
/// stored (a typo) gets its gaps, not an empty answer that looks complete; a store with
/// nothing at all says so; and what is not over yet (the rest of a month) is no gap.
#[test]
fn unknown_accounts_empty_stores_and_the_future() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db");
    let cmd = || at("2026-12-08T12:00:00Z", &store);
    let empty = cmd()
        .args(["report", "--from-store", "--last", "3d", "-o", "json"])
        .output()
        .unwrap();
    ok(&empty);
    assert!(
        stderr(&empty).contains("holds no synced data yet (run aigcusage sync)"),
        "{}",
        stderr(&empty)
    );

    ok(&cmd().args(["sync", "--demo", "-q"]).output().unwrap());
    let typo = cmd()
        .args([
            "report",
            "--from-store",
            "--last",
            "3d",
            "--account",
            "nobody",
        ])
        .args(["-o", "json"])
        .output()
        .unwrap();
    ok(&typo);
    let doc = json_of(&typo);
    let gaps = doc["gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 4, "{}", doc["gaps"]);
    assert!(gaps.iter().all(|g| g["account"] == "nobody"), "{gaps:?}");
    assert!(
        stderr(&typo).contains("(account nobody)"),
        "{}",
        stderr(&typo)
    );

    // The month is synced up to now: no gap for 8 December 12:00 to 31 December.
    let forecast = cmd()
        .args(["forecast", "--from-store", "--providers", "acedata"])
        .output()
        .unwrap();
    ok(&forecast);
    assert!(
        !stderr(&forecast).contains("store has no"),
        "{}",
        stderr(&forecast)
    );
}

/// Spec §9: a series with too little history has no forecast; `--budget` then counts its
/// actual so far and says the total is a lower bound (a pass is no forecast).
#[test]
fn a_budget_over_series_without_history_says_it_is_a_lower_bound() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db");
    let book = dir.path().join("prices.toml");
    std::fs::write(
        &book,
        "[[price]]\nprovider = \"acedata\"\nsource = \"acedata.api_usage\"\nmatch = \".*\"\n\
         metric = \"amount\"\nunit = \"credits\"\nprice = \"0.01\"\ncurrency = \"USD\"\n",
    )
    .unwrap();
    let cmd = || {
        let mut cmd = at("2026-12-08T12:00:00Z", &store);
        cmd.env("AIGCUSAGE_PRICES", &book);
        cmd
    };
    // Two complete days of history: fewer than the 3 a forecast needs.
    ok(&cmd()
        .args(["sync", "--demo", "-q", "--providers", "acedata"])
        .args(["--start", "2026-12-06", "--end", "2026-12-08"])
        .output()
        .unwrap());
    let output = cmd()
        .args(["forecast", "--from-store", "--providers", "acedata"])
        .args(["--currency", "USD", "--budget", "1000000", "-o", "json"])
        .output()
        .unwrap();
    ok(&output);
    assert_eq!(json_of(&output)["total"], Value::Null);
    assert!(
        stderr(&output).contains("the budget is checked against a lower bound"),
        "{}",
        stderr(&output)
    );
}

/// Spec §5/§10: series from several accounts share their names; the tables say which
/// account each is (JSON and CSV carry the label), and a series of one account does not.
#[test]
fn tables_tell_the_accounts_of_a_store_apart() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[team-a]\n[team-b]\naccount = \"team-b-billing\"\n",
    )
    .unwrap();
    let cmd = || {
        let mut cmd = at(NOW, &store);
        cmd.env("AIGCUSAGE_CONFIG", &config);
        cmd
    };
    for profile in ["team-a", "team-b"] {
        let output = cmd()
            .args(["--profile", profile, "sync", "--demo", "-q"])
            .args(["--providers", "acedata,vod"])
            .output()
            .unwrap();
        ok(&output);
    }
    let accounts = ["[account=team-a]", "[account=team-b-billing]"];
    let output = cmd()
        .env("COLUMNS", "200")
        .args([
            "report",
            "--from-store",
            "--last",
            "3d",
            "--providers",
            "acedata",
        ])
        .output()
        .unwrap();
    ok(&output);
    let text = stdout(&output);
    for name in ["Claude Messages", "Midjourney Imagine"] {
        for account in accounts {
            // A summary row and a column of the table.
            let named = format!("{name} {account}");
            assert_eq!(text.matches(&named).count(), 2, "{named}:\n{text}");
        }
    }
    assert!(!text.contains("api="), "{text}");

    // VOD's count and usage of one specification: four columns, or at 60 columns four
    // series of one row per time, each naming its account.
    let output = cmd()
        .env("COLUMNS", "60")
        .args([
            "report",
            "--from-store",
            "--last",
            "3d",
            "--providers",
            "vod",
        ])
        .output()
        .unwrap();
    ok(&output);
    let text = stdout(&output);
    // Four days and a total, of two metrics, per account: the end of the account at
    // least (the whole `[team-b-billing]` and a space need one column more).
    assert!(text.contains("one row per time and series"), "{text}");
    for account in ["[team-a]", "billing]"] {
        let rows = text
            .lines()
            .filter(|l| l.starts_with("│ 2026-") || l.starts_with("│ total "))
            .filter(|l| l.contains(account))
            .count();
        assert_eq!(rows, 10, "{account}:\n{text}");
    }
    for line in text.lines() {
        assert!(line.chars().count() <= 60, "{line}\n{text}");
    }

    // `forecast --from-store` lists each account's series once.
    let output = cmd()
        .env("COLUMNS", "200")
        .args(["forecast", "--from-store", "--providers", "acedata"])
        .output()
        .unwrap();
    ok(&output);
    let text = stdout(&output);
    for account in accounts {
        let named = format!("Claude Messages amount {account}");
        assert_eq!(text.matches(&named).count(), 1, "{named}:\n{text}");
    }
}
