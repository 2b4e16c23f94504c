//! The store's behaviour, written once; `main.rs` runs every function here against
//! SQLite and against a real PostgreSQL server.

use std::time::Duration;

use aigcusage::store::{self, export, Filter, Range, SourceWrite, Store};

use crate::backend::{fresh, lke_hours, sql, t, vod_days, Kind};

fn vod_write<'a>(
    account: &'a str,
    series: &'a [aigcusage::series::Series],
    covered: Range,
    synced_at: &str,
) -> SourceWrite<'a> {
    SourceWrite {
        account,
        provider: "tencent",
        source: "vod.aigc_usage",
        covered,
        series,
        synced_at: t(synced_at),
    }
}

fn november(first: u32, last: u32) -> Range {
    Range::new(
        t(&format!("2025-11-{first:02}T00:00:00+08:00")),
        t(&format!("2025-11-{last:02}T23:59:59+08:00")),
    )
}

async fn export_text(store: &dyn Store, filter: &Filter) -> String {
    let mut out = Vec::new();
    export::write(&store.export(filter).await.unwrap(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn without_synced_at(text: &str) -> String {
    text.lines()
        .map(|l| l.split(",\"synced_at\"").next().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

pub async fn upsert_is_idempotent(kind: Kind) {
    let fresh = fresh(kind).await;
    let store = store::open(&fresh.url).await.unwrap();
    let series = [
        vod_days(
            "Kling",
            &[("2025-11-18", 15.0, false), ("2025-11-19", 3.5, false)],
        ),
        vod_days("Hunyuan", &[("2025-11-18", 1.0, false)]),
    ];
    let written = store
        .write_source(vod_write(
            "work",
            &series,
            november(18, 19),
            "2025-11-20T01:00:00Z",
        ))
        .await
        .unwrap();
    assert_eq!(written, 3);
    let once = export_text(&*store, &Filter::default()).await;
    store
        .write_source(vod_write(
            "work",
            &series,
            november(18, 19),
            "2025-11-21T01:00:00Z",
        ))
        .await
        .unwrap();
    let twice = export_text(&*store, &Filter::default()).await;
    assert_eq!(once.lines().count(), 3);
    assert_ne!(once, twice, "synced_at moves");
    assert_eq!(without_synced_at(&once), without_synced_at(&twice));
    let count = sql(&fresh.url, "SELECT count(*) FROM aigcusage_points").await;
    assert_eq!(count[0][0], "3");
}

pub async fn partial_becomes_final(kind: Kind) {
    let fresh = fresh(kind).await;
    let store = store::open(&fresh.url).await.unwrap();
    let early = [vod_days("Kling", &[("2025-11-19", 2.0, true)])];
    store
        .write_source(vod_write(
            "work",
            &early,
            november(19, 19),
            "2025-11-19T06:00:00Z",
        ))
        .await
        .unwrap();
    let mut late = [vod_days("Kling", &[("2025-11-19", 7.0, false)])];
    late[0].unit = Some("minutes".into());
    store
        .write_source(vod_write(
            "work",
            &late,
            november(19, 19),
            "2025-11-20T06:00:00Z",
        ))
        .await
        .unwrap();
    let read = store.read(&Filter::default()).await.unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].points.len(), 1);
    assert_eq!(read[0].points[0].value, 7.0);
    assert!(!read[0].points[0].partial);
    assert_eq!(read[0].unit.as_deref(), Some("minutes"));
    let view = sql(
        &fresh.url,
        "SELECT count(*) FROM aigcusage_points WHERE partial",
    )
    .await;
    assert_eq!(view[0][0], "0");
}

pub async fn reads_keep_offsets_and_add_the_account(kind: Kind) {
    let fresh = fresh(kind).await;
    let store = store::open(&fresh.url).await.unwrap();
    let vod = [vod_days(
        "Kling",
        &[
            ("2025-11-17", 1.0, false),
            ("2025-11-18", 2.0, false),
            ("2025-11-19", 3.0, true),
        ],
    )];
    store
        .write_source(vod_write(
            "work",
            &vod,
            november(17, 19),
            "2025-11-19T06:00:00Z",
        ))
        .await
        .unwrap();
    store
        .write_source(vod_write(
            "home",
            &vod[..],
            november(17, 19),
            "2025-11-19T06:00:00Z",
        ))
        .await
        .unwrap();
    let lke = [lke_hours(
        "app",
        "2025-11-18T00:00:00+00:00",
        &[10.0, 20.0, 30.0],
    )];
    store
        .write_source(SourceWrite {
            account: "work",
            provider: "tencent",
            source: "lke.token_usage",
            covered: Range::new(t("2025-11-18T00:00:00Z"), t("2025-11-18T02:59:59Z")),
            series: &lke,
            synced_at: t("2025-11-19T06:00:00Z"),
        })
        .await
        .unwrap();

    let all = store.read(&Filter::default()).await.unwrap();
    assert_eq!(all.len(), 3);
    // Sorted by (provider, source, name, metric), then labels: lke < vod; home < work.
    assert_eq!(all[0].source, "lke.token_usage");
    assert_eq!(all[1].labels["account"], "home");
    assert_eq!(all[2].labels["account"], "work");
    assert_eq!(all[2].labels["aigc_type"], "Video");
    let times: Vec<String> = all[2].points.iter().map(|p| p.time.to_rfc3339()).collect();
    assert_eq!(
        times,
        [
            "2025-11-17T00:00:00+08:00",
            "2025-11-18T00:00:00+08:00",
            "2025-11-19T00:00:00+08:00"
        ]
    );
    assert!(all[2].points[2].partial);
    assert_eq!(all[2], {
        let mut expected = vod[0].clone();
        expected.labels.insert("account".into(), "work".into());
        expected
    });

    // Filters: account, source, and the overlap rule for the range.
    let work_vod = store
        .read(&Filter {
            accounts: vec!["work".into()],
            sources: vec!["vod.aigc_usage".into()],
            range: Some(Range::new(
                t("2025-11-18T12:00:00+00:00"),
                t("2025-11-18T20:00:00+00:00"),
            )),
        })
        .await
        .unwrap();
    assert_eq!(work_vod.len(), 1);
    let times: Vec<String> = work_vod[0]
        .points
        .iter()
        .map(|p| p.time.to_rfc3339())
        .collect();
    // 2025-11-18 12:00Z is 20:00 on the 18th (+08:00); 20:00Z is 04:00 on the 19th.
    assert_eq!(
        times,
        ["2025-11-18T00:00:00+08:00", "2025-11-19T00:00:00+08:00"]
    );
    let none = store
        .read(&Filter {
            accounts: vec!["nobody".into()],
            ..Filter::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty());

    // The view's columns, as §10 names them.
    let view = sql(
        &fresh.url,
        "SELECT account, provider, source, series, metric, unit, labels, granularity, time, value, partial, synced_at
         FROM aigcusage_points WHERE account = 'work' AND source = 'vod.aigc_usage' ORDER BY time",
    )
    .await;
    assert_eq!(view.len(), 3);
    assert_eq!(
        &view[0][..6],
        [
            "work",
            "tencent",
            "vod.aigc_usage",
            "Kling",
            "usage",
            "seconds"
        ]
    );
    let labels: serde_json::Value = serde_json::from_str(&view[0][6]).unwrap();
    assert_eq!(labels["aigc_type"], "Video");
    assert_eq!(view[0][7], "day");
    match kind {
        Kind::Sqlite => {
            assert_eq!(view[0][8], "2025-11-17T00:00:00+08:00");
            assert_eq!(view[0][11], "2025-11-19T06:00:00+00:00");
            assert_eq!(view[2][10], "1");
        }
        Kind::Postgres => {
            assert!(
                view[0][8].starts_with("2025-11-16 16:00:00"),
                "{}",
                view[0][8]
            );
            assert_eq!(view[2][10], "t");
        }
    }
}

pub async fn covered_ranges_and_gaps(kind: Kind) {
    let fresh = fresh(kind).await;
    let store = store::open(&fresh.url).await.unwrap();
    let series = [vod_days("Kling", &[("2025-11-02", 1.0, false)])];
    for (first, last) in [(1, 3), (4, 5), (10, 12)] {
        store
            .write_source(vod_write(
                "work",
                &series,
                november(first, last),
                "2025-11-20T00:00:00Z",
            ))
            .await
            .unwrap();
    }
    let coverage = store.coverage(&Filter::default()).await.unwrap();
    assert_eq!(coverage.len(), 1);
    assert_eq!(coverage[0].ranges, vec![november(1, 5), november(10, 12)]);
    let gaps = store::gaps(&coverage, november(1, 15));
    let gap_ranges: Vec<Range> = gaps.iter().map(|g| g.range).collect();
    assert_eq!(gap_ranges, vec![november(6, 9), november(13, 15)]);
    assert_eq!(gaps[0].source, "vod.aigc_usage");
    assert_eq!(gaps[0].account, "work");
    // Filtered to another account: nothing is known about it.
    let other = store
        .coverage(&Filter {
            accounts: vec!["home".into()],
            ..Filter::default()
        })
        .await
        .unwrap();
    assert!(other.is_empty());

    let status = store.status().await.unwrap();
    assert_eq!(status.len(), 1);
    assert_eq!(status[0].rows, 1);
    assert_eq!(status[0].first, Some(t("2025-11-02T00:00:00+08:00")));
    assert_eq!(
        status[0].first.unwrap().offset().local_minus_utc(),
        8 * 3600
    );
    assert_eq!(status[0].covered, vec![november(1, 5), november(10, 12)]);
    assert_eq!(status[0].last_sync, Some(t("2025-11-20T00:00:00Z")));
}

/// The covered table as stored: (start, end) in unix seconds, per row, sorted.
async fn covered_table(url: &aigcusage::store::StoreUrl) -> Vec<Vec<String>> {
    sql(
        url,
        "SELECT account, source, start, start_offset, \"end\", end_offset, synced_at
         FROM aigcusage_covered ORDER BY account, source, start, \"end\"",
    )
    .await
}

/// Spec §10: syncing the same range twice leaves the store exactly as once, and
/// importing the same file twice changes nothing — the covered table included: a
/// range is merged with the stored ones it overlaps or touches.
pub async fn covered_ranges_merge_when_written(kind: Kind) {
    let synced = fresh(kind).await;
    let store = store::open(&synced.url).await.unwrap();
    let series = [vod_days("Kling", &[("2025-11-02", 1.0, false)])];
    let write = |first, last| {
        vod_write(
            "work",
            &series,
            november(first, last),
            "2025-11-20T00:00:00Z",
        )
    };
    store.write_source(write(1, 3)).await.unwrap();
    let once = covered_table(&synced.url).await;
    assert_eq!(once.len(), 1);
    store.write_source(write(1, 3)).await.unwrap();
    assert_eq!(
        covered_table(&synced.url).await,
        once,
        "the same range again"
    );
    // Overlapping: one merged range; touching (the next day): still one.
    store.write_source(write(2, 6)).await.unwrap();
    store.write_source(write(7, 8)).await.unwrap();
    // Disjoint: a second range.
    store.write_source(write(15, 16)).await.unwrap();
    let table = covered_table(&synced.url).await;
    assert_eq!(table.len(), 2, "{table:?}");
    let coverage = store.coverage(&Filter::default()).await.unwrap();
    assert_eq!(coverage[0].ranges, vec![november(1, 8), november(15, 16)]);
    // A range bridging both joins them all into one row.
    store.write_source(write(9, 14)).await.unwrap();
    assert_eq!(covered_table(&synced.url).await.len(), 1);
    let status = store.status().await.unwrap();
    assert_eq!(status[0].covered, vec![november(1, 16)]);
    // Another account's ranges are its own.
    store
        .write_source(vod_write(
            "home",
            &series,
            november(1, 3),
            "2025-11-20T00:00:00Z",
        ))
        .await
        .unwrap();
    assert_eq!(covered_table(&synced.url).await.len(), 2);

    // Import: the same file twice leaves the table as once.
    let exported = export_text(&*store, &Filter::default()).await;
    let target = fresh(kind).await;
    let imported = store::open(&target.url).await.unwrap();
    let rows = export::parse(exported.as_bytes(), "export.ndjson", &|_, _| Ok(())).unwrap();
    imported.import(rows.clone()).await.unwrap();
    let once = covered_table(&target.url).await;
    assert_eq!(once.len(), 2, "{once:?}");
    imported.import(rows).await.unwrap();
    assert_eq!(covered_table(&target.url).await, once);
}

/// `open_existing` (for `sync --dry-run`) never creates a store; it opens one that is.
pub async fn open_existing_creates_nothing(kind: Kind) {
    let fresh = fresh(kind).await;
    assert!(store::open_existing(&fresh.url).await.unwrap().is_none());
    assert!(store::open_existing(&fresh.url).await.unwrap().is_none());
    match &fresh.url {
        aigcusage::store::StoreUrl::Sqlite(path) => {
            assert!(!path.exists() && !path.parent().unwrap().exists())
        }
        _ => {
            let tables = sql(
                &fresh.url,
                "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'aigcusage%'",
            )
            .await;
            assert_eq!(tables[0][0], "0");
        }
    }
    let store = store::open(&fresh.url).await.unwrap();
    let series = [vod_days("Kling", &[("2025-11-02", 1.0, false)])];
    store
        .write_source(vod_write(
            "work",
            &series,
            november(1, 3),
            "2025-11-20T00:00:00Z",
        ))
        .await
        .unwrap();
    let existing = store::open_existing(&fresh.url).await.unwrap().unwrap();
    assert_eq!(
        existing.coverage(&Filter::default()).await.unwrap().len(),
        1
    );
}

pub async fn export_then_import_round_trips(kind: Kind) {
    let source = fresh(kind).await;
    let store = store::open(&source.url).await.unwrap();
    let vod = [
        vod_days(
            "Kling",
            &[("2025-11-18", 15.0, false), ("2025-11-19", 0.1, true)],
        ),
        vod_days("A \"quoted\", name", &[("2025-11-18", 1e-7, false)]),
    ];
    store
        .write_source(vod_write(
            "work",
            &vod,
            november(18, 19),
            "2025-11-19T06:00:00Z",
        ))
        .await
        .unwrap();
    let lke = [lke_hours("app", "2025-11-18T00:00:00+00:00", &[1.0, 2.0])];
    store
        .write_source(SourceWrite {
            account: "home",
            provider: "tencent",
            source: "lke.token_usage",
            covered: Range::new(t("2025-11-18T00:00:00Z"), t("2025-11-18T23:59:59Z")),
            series: &lke,
            synced_at: t("2025-11-19T07:00:00Z"),
        })
        .await
        .unwrap();
    let exported = export_text(&*store, &Filter::default()).await;
    // Rows in (account, provider, source, series, metric, labels, time) order.
    let accounts: Vec<&str> = exported
        .lines()
        .map(|l| {
            if l.contains("\"account\":\"home\"") {
                "home"
            } else {
                "work"
            }
        })
        .collect();
    assert_eq!(accounts, ["home", "home", "work", "work", "work"]);
    assert!(exported
        .lines()
        .nth(2)
        .unwrap()
        .contains("A \\\"quoted\\\", name"));

    let target = fresh(kind).await;
    let imported_store = store::open(&target.url).await.unwrap();
    let rows = export::parse(exported.as_bytes(), "export.ndjson", &|_, _| Ok(())).unwrap();
    assert_eq!(imported_store.import(rows.clone()).await.unwrap(), 5);
    assert_eq!(
        export_text(&*imported_store, &Filter::default()).await,
        exported
    );
    // Importing again changes nothing (synced_at is the file's).
    imported_store.import(rows).await.unwrap();
    assert_eq!(
        export_text(&*imported_store, &Filter::default()).await,
        exported
    );
    // Each (account, source) covers its first bucket's start to its last bucket's end.
    let coverage = imported_store.coverage(&Filter::default()).await.unwrap();
    let work = coverage.iter().find(|c| c.account == "work").unwrap();
    assert_eq!(work.ranges, vec![november(18, 19)]);
    let home = coverage.iter().find(|c| c.account == "home").unwrap();
    assert_eq!(
        home.ranges,
        vec![Range::new(
            t("2025-11-18T00:00:00Z"),
            t("2025-11-18T01:59:59Z")
        )]
    );
    // The export of one account only.
    let work_only = export_text(
        &*imported_store,
        &Filter {
            accounts: vec!["work".into()],
            ..Filter::default()
        },
    )
    .await;
    assert_eq!(work_only.lines().count(), 3);
}

pub async fn newer_schema_is_refused(kind: Kind) {
    let fresh = fresh(kind).await;
    drop(store::open(&fresh.url).await.unwrap());
    sql(&fresh.url, "UPDATE aigcusage_schema SET version = 99").await;
    let error = match store::open(&fresh.url).await {
        Ok(_) => panic!("a store at version 99 was opened"),
        Err(e) => e,
    };
    assert_eq!(error.exit_code(), 3);
    let message = error.to_string();
    assert_eq!(
        message,
        format!(
            "store at {} has schema version 99; this aigcusage supports up to {}: upgrade aigcusage",
            fresh.url.redacted(),
            store::schema::CURRENT_VERSION
        )
    );
    assert!(!message.contains(crate::pg::PASSWORD));
}

pub async fn older_schema_is_migrated(kind: Kind) {
    let fresh = fresh(kind).await;
    if let aigcusage::store::StoreUrl::Sqlite(path) = &fresh.url {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    }
    // A store at version 0: the version table and nothing else.
    sql(
        &fresh.url,
        "CREATE TABLE aigcusage_schema (version integer NOT NULL)",
    )
    .await;
    sql(
        &fresh.url,
        "INSERT INTO aigcusage_schema (version) VALUES (0)",
    )
    .await;
    let store = store::open(&fresh.url).await.unwrap();
    let version = sql(&fresh.url, "SELECT version FROM aigcusage_schema").await;
    assert_eq!(
        version,
        vec![vec![store::schema::CURRENT_VERSION.to_string()]]
    );
    let series = [vod_days("Kling", &[("2025-11-18", 1.0, false)])];
    store
        .write_source(vod_write(
            "work",
            &series,
            november(18, 18),
            "2025-11-19T00:00:00Z",
        ))
        .await
        .unwrap();
    assert_eq!(store.read(&Filter::default()).await.unwrap().len(), 1);
    // Opening a current store again migrates nothing and keeps the data.
    drop(store);
    let again = store::open(&fresh.url).await.unwrap();
    assert_eq!(again.read(&Filter::default()).await.unwrap().len(), 1);
}

/// A write whose future is dropped before it finishes (an interrupt) leaves nothing.
pub async fn dropped_write_rolls_back(kind: Kind) {
    let fresh = fresh(kind).await;
    let store = store::open(&fresh.url).await.unwrap();
    let values: Vec<f64> = (0..150_000).map(f64::from).collect();
    let big = [lke_hours("app", "2000-01-01T00:00:00+00:00", &values)];
    let write = store.write_source(SourceWrite {
        account: "work",
        provider: "tencent",
        source: "lke.token_usage",
        covered: Range::new(t("2000-01-01T00:00:00Z"), t("2017-02-13T00:00:00Z")),
        series: &big,
        synced_at: t("2025-11-19T00:00:00Z"),
    });
    let outcome = tokio::time::timeout(Duration::from_millis(30), write).await;
    assert!(
        outcome.is_err(),
        "the write finished before it could be dropped"
    );
    // The next operation waits for the abandoned one to roll back.
    let status = store.status().await.unwrap();
    assert!(status.is_empty(), "{status:?}");
    let count = sql(&fresh.url, "SELECT count(*) FROM aigcusage_point").await;
    assert_eq!(count[0][0], "0");
}

/// Two processes write overlapping data into one store at the same time: both succeed
/// and no row is there twice.
pub async fn concurrent_writers_leave_no_duplicates(kind: Kind) {
    let fresh = fresh(kind).await;
    // Created by the first writer; both also race to create the tables.
    let children: Vec<_> = ["a", "b"]
        .iter()
        .map(|role| {
            std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
                .env(crate::CHILD_URL, &fresh.text)
                .env(crate::CHILD_ROLE, role)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "a writer failed: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(String::from_utf8_lossy(&output.stdout).contains("child writer done"));
    }
    let duplicates = sql(
        &fresh.url,
        "SELECT count(*) FROM (SELECT account, provider, source, series, metric, labels, time
         FROM aigcusage_points GROUP BY account, provider, source, series, metric, labels, time
         HAVING count(*) > 1) d",
    )
    .await;
    assert_eq!(duplicates[0][0], "0");
    let total = sql(&fresh.url, "SELECT count(*) FROM aigcusage_points").await;
    assert_eq!(total[0][0], crate::CHILD_DISTINCT_POINTS.to_string());
}
