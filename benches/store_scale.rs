//! `cargo bench --bench store_scale`: the history store at scale (issue 12), side by side
//! in one run: 2,000 AceData APIs × 365 days (730,000 points) served from a local server.
//!
//! - live: `acedata usage -o csv` fetching the year;
//! - `sync --providers acedata` of the same year into a fresh SQLite store (target ≤ 2×
//!   live) and into a fresh database on a local PostgreSQL (the tests' server harness);
//! - `report --from-store -o csv` and `acedata usage --from-store -o csv` over the year,
//!   from each store (target: no slower than live, aim half; peak memory ≤ live);
//! - SQLite bytes per stored point (aim < 40);
//! - SQLite alone: the same number of rows inserted by one `INSERT … SELECT` inside SQLite
//!   (no fetch, no parse), the floor of what storing them costs;
//! - live and `sync` again with the answer sent at 1 Gbit/s, as a fast network link would
//!   carry it (loopback carries 54 MB in a few milliseconds, which no provider does).
//!
//! Wall time: median of 3 runs of the release binary (stdout to /dev/null); peak memory:
//! the child's `VmHWM`, polled. Prints figures; asserts nothing.

#[path = "acedata_scale.rs"]
#[allow(dead_code)]
mod scale;

#[path = "../tests/store/pg.rs"]
#[allow(dead_code)]
mod pg;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_aigcusage");
const APIS: usize = 2_000;
const DAYS: usize = 365;
const RUNS: usize = 3;
const YEAR: [&str; 4] = ["--start", "2024-01-01", "--end", "2024-12-30"];

struct Run {
    wall: Duration,
    peak_kib: u64,
}

/// One run of the binary with `args`, the store at `store` and AceData at `endpoint`.
fn run(endpoint: &str, store: &str, args: &[&str]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("HOME", "/nonexistent")
        .env("TZ", "UTC")
        .env("AIGCUSAGE_NOW", "2025-01-15T00:00:00Z")
        .env("ACEDATACLOUD_PLATFORM_TOKEN", scale::TOKEN)
        .env("AIGCUSAGE_ACEDATA_ENDPOINT", endpoint)
        .env("AIGCUSAGE_STORE", store)
        .args(args)
        .args(YEAR)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("the binary starts");
    let pid = child.id();
    let done = Arc::new(AtomicBool::new(false));
    let poller = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while !done.load(Ordering::Relaxed) {
                if let Some(kib) = scale::vm_hwm(pid) {
                    peak = peak.max(kib);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            peak
        })
    };
    let status = child.wait().expect("the binary runs");
    let wall = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let peak_kib = poller.join().unwrap_or(0);
    assert!(status.success(), "{args:?} exited {:?}", status.code());
    Run { wall, peak_kib }
}

/// The median wall time and the largest peak of `RUNS` runs; `before` runs first each time.
fn measure(mut once: impl FnMut() -> Run) -> (Duration, u64) {
    let runs: Vec<Run> = (0..RUNS).map(|_| once()).collect();
    let peak = runs.iter().map(|r| r.peak_kib).max().unwrap_or(0);
    (
        scale::median(runs.into_iter().map(|r| r.wall).collect()),
        peak,
    )
}

fn line(what: &str, (wall, peak): (Duration, u64), live: Duration) {
    println!(
        "{what:<48} {:>9}  {:>5.2}× live  peak {:>6.1} MiB",
        scale::ms(wall),
        wall.as_secs_f64() / live.as_secs_f64(),
        peak as f64 / 1024.0
    );
}

fn main() {
    let body = scale::body(APIS, DAYS);
    let points = APIS * DAYS;
    println!(
        "history store: {APIS} AceData APIs x {DAYS} days = {points} points, body {:.1} MB",
        body.len() as f64 / 1e6
    );
    let endpoint = scale::serve(Arc::new(body));
    let dir = tempfile::tempdir().expect("a temporary folder");
    let scratch = dir.path().join("unused.db").display().to_string();

    let live = measure(|| run(&endpoint, &scratch, &["acedata", "usage", "-o", "csv"]));
    line("live: acedata usage -o csv", live, live.0);

    let mut fresh = 0;
    let mut sqlite_path = String::new();
    let sync_sqlite = measure(|| {
        fresh += 1;
        sqlite_path = dir
            .path()
            .join(format!("h{fresh}.db"))
            .display()
            .to_string();
        run(
            &endpoint,
            &sqlite_path,
            &["sync", "-q", "--providers", "acedata"],
        )
    });
    line("sync into SQLite", sync_sqlite, live.0);
    for args in [
        &["report", "--from-store", "-o", "csv"][..],
        &["acedata", "usage", "--from-store", "-o", "csv"][..],
    ] {
        let read = measure(|| run(&endpoint, &sqlite_path, args));
        line(&format!("SQLite: {}", args.join(" ")), read, live.0);
    }
    let bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{sqlite_path}{suffix}")).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "SQLite file: {:.1} MB, {:.1} bytes per stored point",
        bytes as f64 / 1e6,
        bytes as f64 / points as f64
    );

    let floor = measure(|| {
        fresh += 1;
        let path = dir.path().join(format!("floor{fresh}.db"));
        create_store(&path);
        sqlite_floor(&path)
    });
    println!(
        "{:<48} {:>9}  {:>5.2}× live  (the write alone, no fetch)",
        "SQLite alone: the same rows by INSERT … SELECT",
        scale::ms(floor.0),
        floor.0.as_secs_f64() / live.0.as_secs_f64()
    );

    // One gigabit per second: 125 MB/s.
    let link = scale::serve_paced(Arc::new(scale::body(APIS, DAYS)), Some(1_000_000_000 / 8));
    let live_link = measure(|| run(&link, &scratch, &["acedata", "usage", "-o", "csv"]));
    line(
        "at 1 Gbit/s: live acedata usage -o csv",
        live_link,
        live_link.0,
    );
    let sync_link = measure(|| {
        fresh += 1;
        let path = dir.path().join(format!("link{fresh}.db"));
        run(
            &link,
            &path.display().to_string(),
            &["sync", "-q", "--providers", "acedata"],
        )
    });
    line("at 1 Gbit/s: sync into SQLite", sync_link, live_link.0);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let mut pg_url = String::new();
    let sync_pg = measure(|| {
        pg_url = runtime.block_on(pg::fresh_database_url());
        run(
            &endpoint,
            &pg_url,
            &["sync", "-q", "--providers", "acedata"],
        )
    });
    line("sync into PostgreSQL", sync_pg, live.0);
    for args in [
        &["report", "--from-store", "-o", "csv"][..],
        &["acedata", "usage", "--from-store", "-o", "csv"][..],
    ] {
        let read = measure(|| run(&endpoint, &pg_url, args));
        line(&format!("PostgreSQL: {}", args.join(" ")), read, live.0);
    }
}

/// A new, empty store at `path`, created by the binary (schema, page size, WAL) as
/// `sync` creates one.
fn create_store(path: &std::path::Path) {
    let status = Command::new(BIN)
        .env_clear()
        .env("HOME", "/nonexistent")
        .env("AIGCUSAGE_STORE", path)
        .args(["history", "status", "-q"])
        .stdout(Stdio::null())
        .status()
        .expect("the binary runs");
    assert!(
        status.success(),
        "history status exited {:?}",
        status.code()
    );
}

/// SQLite's own floor for the points `sync` writes: as many rows, generated inside
/// SQLite and inserted in key order (`CROSS JOIN` keeps `api` the outer loop: no sort) by
/// one `INSERT … SELECT` in one transaction, with `sync`'s pragmas (its write also turns
/// the per-row foreign key check off), until the connection closes (its checkpoint
/// included). No fetch, no parse, no binding: what storing alone costs.
fn sqlite_floor(path: &std::path::Path) -> Run {
    let started = Instant::now();
    let connection = rusqlite::Connection::open(path).expect("the store opens");
    connection
        .execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;
             PRAGMA foreign_keys = OFF;",
        )
        .expect("pragmas");
    let insert = format!(
        "BEGIN IMMEDIATE;
         INSERT INTO aigcusage_point (series_id, time, utc_offset, value, partial, synced_at)
         WITH RECURSIVE api(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM api WHERE i < {APIS}),
              day(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM day WHERE j < {DAYS} - 1)
         SELECT i, 1704067200 + j * 86400, 0, ((i * 7919 + j * 104729) % 100000) / 100.0, 0,
                1736899200
         FROM api CROSS JOIN day;
         COMMIT;"
    );
    connection.execute_batch(&insert).expect("the insert");
    drop(connection);
    Run {
        wall: started.elapsed(),
        peak_kib: 0,
    }
}
