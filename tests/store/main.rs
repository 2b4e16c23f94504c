//! The history store against both backends: SQLite in a temporary folder and a real
//! PostgreSQL server the tests start themselves (`pg.rs`).

mod backend;
mod pg;
mod suite;

use aigcusage::store::{self, Range, SourceWrite, StoreUrl};

use backend::{fresh, lke_hours, t, Kind};

/// Environment of a writer process started by `concurrent_writers_leave_no_duplicates`.
pub const CHILD_URL: &str = "AIGCUSAGE_STORE_TEST_CHILD_URL";
pub const CHILD_ROLE: &str = "AIGCUSAGE_STORE_TEST_CHILD_ROLE";
/// Series per writer, hours per series, and rounds each writer writes.
const CHILD_SERIES: usize = 20;
const CHILD_HOURS: usize = 500;
const CHILD_ROUNDS: usize = 5;
/// Both writers write the same series; "b" starts 250 hours later, so they overlap.
pub const CHILD_DISTINCT_POINTS: usize = CHILD_SERIES * (CHILD_HOURS + 250);

/// Runs each suite function once per backend.
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                suite::$name(Kind::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                suite::$name(Kind::Postgres).await;
            }
        }
    )*};
}

both_backends!(
    upsert_is_idempotent,
    partial_becomes_final,
    reads_keep_offsets_and_add_the_account,
    covered_ranges_and_gaps,
    covered_ranges_merge_when_written,
    open_existing_creates_nothing,
    export_then_import_round_trips,
    newer_schema_is_refused,
    older_schema_is_migrated,
    dropped_write_rolls_back,
    concurrent_writers_leave_no_duplicates,
);

/// The writer process of `concurrent_writers_leave_no_duplicates`: the test binary
/// re-executed with `CHILD_URL` and `CHILD_ROLE` set. Run without them (the ordinary
/// test run) it has nothing to do.
#[test]
fn child_writer() {
    let (Ok(url), Ok(role)) = (std::env::var(CHILD_URL), std::env::var(CHILD_ROLE)) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let url = StoreUrl::parse(&url, |_| None).unwrap();
        let store = store::open(&url).await.unwrap();
        let first = if role == "a" {
            "2025-01-01T00:00:00+00:00"
        } else {
            "2025-01-11T10:00:00+00:00"
        };
        let values: Vec<f64> = (0..CHILD_HOURS).map(|i| i as f64).collect();
        let series: Vec<_> = (0..CHILD_SERIES)
            .map(|i| lke_hours(&format!("app{i}"), first, &values))
            .collect();
        for round in 0..CHILD_ROUNDS {
            store
                .write_source(SourceWrite {
                    account: "work",
                    provider: "tencent",
                    source: "lke.token_usage",
                    covered: Range::new(t(first), t(first) + chrono::Duration::hours(500)),
                    series: &series,
                    synced_at: t("2025-03-01T00:00:00Z") + chrono::Duration::seconds(round as i64),
                })
                .await
                .unwrap();
        }
    });
    println!("child writer done");
}

#[tokio::test]
async fn sqlite_file_is_private_and_its_folder_created() {
    use std::os::unix::fs::PermissionsExt;
    let fresh = fresh(Kind::Sqlite).await;
    let StoreUrl::Sqlite(path) = &fresh.url else {
        unreachable!()
    };
    assert!(!path.parent().unwrap().exists());
    let store = store::open(&fresh.url).await.unwrap();
    let mode = std::fs::metadata(path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    // The write-ahead log holds the same rows: it is as private as the file.
    let series = [lke_hours("app", "2025-11-18T00:00:00+00:00", &[1.0])];
    store
        .write_source(SourceWrite {
            account: "work",
            provider: "tencent",
            source: "lke.token_usage",
            covered: Range::new(t("2025-11-18T00:00:00Z"), t("2025-11-18T00:59:59Z")),
            series: &series,
            synced_at: t("2025-11-19T00:00:00Z"),
        })
        .await
        .unwrap();
    let wal = path.with_extension("db-wal");
    let mode = std::fs::metadata(&wal).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{} mode {mode:o}", wal.display());
    drop(store);
    let journal = backend::sql(&fresh.url, "PRAGMA journal_mode").await;
    assert_eq!(journal[0][0], "wal");
}

#[tokio::test]
async fn sqlite_store_in_an_unwritable_place_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    // A folder where a file is.
    let url = StoreUrl::parse(&format!("{}/sub/history.db", file.display()), |_| None).unwrap();
    let error = store::open(&url).await.err().expect("opened");
    assert_eq!(error.exit_code(), 3);
    assert!(
        error
            .to_string()
            .starts_with(&format!("store at {}", url.redacted())),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_errors_never_show_the_password() {
    let server = pg::server();
    // A wrong password: refused by the server.
    let wrong = format!(
        "postgres://{}:wrong-Secret-77@127.0.0.1:{}/postgres?sslmode=disable",
        pg::USER,
        server.port
    );
    let url = StoreUrl::parse(&wrong, |_| None).unwrap();
    let error = store::open(&url)
        .await
        .err()
        .expect("connected with a wrong password");
    assert_eq!(error.exit_code(), 3);
    let message = error.to_string();
    assert!(!message.contains("wrong-Secret-77"), "{message}");
    assert!(
        message.starts_with(&format!(
            "store at postgres://{}:****@127.0.0.1:{}/postgres?sslmode=disable: ",
            pg::USER,
            server.port
        )),
        "{message}"
    );
    assert!(message.contains("password"), "{message}");

    // Nothing listening: unreachable.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = StoreUrl::parse(
        &format!("postgres://aigc:hunter2-Zz@127.0.0.1:{port}/db"),
        |_| None,
    )
    .unwrap();
    let error = store::open(&url).await.err().expect("connected to nothing");
    assert_eq!(error.exit_code(), 3);
    assert!(!error.to_string().contains("hunter2-Zz"), "{error}");

    // PGPASSWORD supplies the password; the URL then shows none.
    let fresh = pg::fresh_database_url().await;
    let without = fresh.replace(&format!(":{}", "pw-Zq8%21never-shown"), "");
    assert_ne!(without, fresh);
    let url = StoreUrl::parse(&without, |name| {
        (name == "PGPASSWORD").then(|| pg::PASSWORD.to_string())
    })
    .unwrap();
    assert!(!url.redacted().contains("****"));
    store::open(&url).await.unwrap();
}

/// How many TLS connections the store's client holds to `dbname` right now.
async fn tls_connections(dbname: &str) -> i64 {
    let admin = pg::connect(pg::server().port, "postgres").await;
    admin
        .query_one(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
             WHERE s.ssl AND a.application_name = 'aigcusage' AND a.datname = $1",
            &[&dbname],
        )
        .await
        .unwrap()
        .get(0)
}

/// Waits until the dropped store's connection to `dbname` is gone.
async fn closed(dbname: &str) {
    for _ in 0..100 {
        if tls_connections(dbname).await == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the store's connection to {dbname} stayed open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sslmode_is_honoured() {
    let server = pg::server();
    let plain = pg::fresh_database_url().await;
    let base = plain.trim_end_matches("?sslmode=disable").to_string();
    let dbname = base.rsplit('/').next().unwrap().to_string();
    let root = server.certificate.display().to_string();
    let open = |text: String| async move {
        let url = StoreUrl::parse(&text, |_| None).unwrap();
        store::open(&url).await
    };

    // disable: no TLS.
    let store = open(plain.clone()).await.unwrap();
    assert_eq!(tls_connections(&dbname).await, 0);
    drop(store);
    closed(&dbname).await;

    // require: encrypted, the certificate (trusted by nobody) not checked.
    let store = open(format!("{base}?sslmode=require")).await.unwrap();
    assert_eq!(tls_connections(&dbname).await, 1);
    drop(store);
    closed(&dbname).await;

    // verify-full: refused without the root, accepted with it for the name `localhost`.
    let localhost = base.replace("127.0.0.1", "localhost");
    let error = open(format!("{localhost}?sslmode=verify-full"))
        .await
        .err()
        .expect("an untrusted certificate was accepted");
    assert_eq!(error.exit_code(), 3);
    assert!(!error.to_string().contains(pg::PASSWORD), "{error}");
    assert!(!error.to_string().contains("never-shown"), "{error}");
    let store = open(format!(
        "{localhost}?sslmode=verify-full&sslrootcert={root}"
    ))
    .await
    .unwrap();
    assert_eq!(tls_connections(&dbname).await, 1);
    drop(store);
    closed(&dbname).await;

    // The certificate names localhost, not 127.0.0.1: verify-full refuses, verify-ca
    // (the chain only) accepts.
    assert!(
        open(format!("{base}?sslmode=verify-full&sslrootcert={root}"))
            .await
            .is_err()
    );
    open(format!("{base}?sslmode=verify-ca&sslrootcert={root}"))
        .await
        .unwrap();
}
