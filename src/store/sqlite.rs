//! The embedded SQLite store (the default): one file, mode 0600, WAL, a busy timeout so
//! concurrent runs wait for each other. Work runs on tokio's blocking pool.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, TransactionBehavior};

use super::model::{self, Batch, CoveredRow, PointRow, SeriesKey, SeriesRow};
use super::{
    schema, store_error, Coverage, Filter, SourceStatus, SourceWrite, Store, StoreFuture, StoreUrl,
    StoredSeries,
};
use crate::error::Error;
use crate::series::{Point, Series};

/// How long a writer waits for another run's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// The pause between two tries of a lock SQLite refuses without waiting.
const BUSY_RETRY_PAUSE: Duration = Duration::from_millis(10);

/// The page size of a new store: a year's sync writes (and checkpoints) a quarter of the
/// pages 4 KiB would take, about an eighth faster; re-syncing the last days writes no
/// more than with 4 KiB pages, as most of their pages would be touched anyway.
const PAGE_BYTES: i64 = 16 * 1024;

/// How much of the file reads may map (SQLite caps it at its own limit).
const MMAP_BYTES: i64 = 256 * 1024 * 1024;

pub struct SqliteStore {
    url: StoreUrl,
    connection: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    pub async fn open(url: StoreUrl) -> Result<Self, Error> {
        let StoreUrl::Sqlite(path) = &url else {
            return Err(Error::Internal(
                "SqliteStore::open: not a SQLite URL".into(),
            ));
        };
        let path = path.clone();
        let for_task = url.clone();
        let connection = tokio::task::spawn_blocking(move || open_file(&for_task, &path))
            .await
            .map_err(|e| Error::Internal(format!("store: {e}")))??;
        Ok(Self {
            url,
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// Runs `work` with the connection on the blocking pool.
    fn run<'a, T: Send + 'static>(
        &'a self,
        what: &'static str,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> StoreFuture<'a, T> {
        let connection = Arc::clone(&self.connection);
        Box::pin(async move {
            let joined = tokio::task::spawn_blocking(move || {
                let mut guard = connection
                    .lock()
                    .map_err(|_| Error::Internal("store: connection lock poisoned".into()))?;
                Ok::<_, Error>(work(&mut guard))
            })
            .await
            .map_err(|e| Error::Internal(format!("store: {e}")))??;
            joined.map_err(|e| store_error(&self.url, what, e))
        })
    }

    /// Writes the batch in one transaction; dropping the future rolls it back.
    fn write(&self, what: &'static str, batch: Batch) -> StoreFuture<'_, usize> {
        let cancelled = Cancelled::default();
        let guard = CancelOnDrop(cancelled.clone());
        let work = self.run(what, move |c| write_batch(c, batch, &cancelled));
        Box::pin(async move {
            let written = work.await;
            drop(guard);
            written
        })
    }

    /// Like [`run`](Self::run) for work that fails with our own errors too.
    fn run_checked<'a, T: Send + 'static>(
        &'a self,
        what: &'static str,
        work: impl FnOnce(&mut Connection) -> Result<T, Error> + Send + 'static,
    ) -> StoreFuture<'a, T> {
        let url = self.url.clone();
        let connection = Arc::clone(&self.connection);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let mut guard = connection
                    .lock()
                    .map_err(|_| Error::Internal("store: connection lock poisoned".into()))?;
                work(&mut guard).map_err(|e| match e {
                    Error::Internal(detail) if detail.starts_with("sqlite:") => {
                        store_error(&url, what, detail.trim_start_matches("sqlite: "))
                    }
                    other => other,
                })
            })
            .await
            .map_err(|e| Error::Internal(format!("store: {e}")))?
        })
    }
}

fn sql(e: rusqlite::Error) -> Error {
    Error::Internal(format!("sqlite: {e}"))
}

fn open_file(url: &StoreUrl, path: &Path) -> Result<Connection, Error> {
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|e| store_error(url, "cannot create its folder", e))?;
    }
    create_private(path).map_err(|e| store_error(url, "cannot create the file", e))?;
    let mut connection =
        Connection::open(path).map_err(|e| store_error(url, "cannot open it", e))?;
    connection
        .busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| store_error(url, "cannot open it", e))?;
    let prepare = |c: &mut Connection| -> rusqlite::Result<()> {
        // Before anything is written (a no-op on an existing store, which keeps its own).
        c.pragma_update(None, "page_size", PAGE_BYTES)?;
        c.pragma_update(None, "journal_mode", "WAL")?;
        c.pragma_update(None, "synchronous", "NORMAL")?;
        // A multi-row upsert keeps a statement journal (to undo just that statement):
        // in memory it costs a copy, in a temporary file a write.
        c.pragma_update(None, "temp_store", "MEMORY")?;
        // Reads map the file instead of copying each page out of the kernel's cache.
        c.pragma_update(None, "mmap_size", MMAP_BYTES)?;
        c.pragma_update(None, "foreign_keys", "ON")
    };
    retry_busy(|| prepare(&mut connection)).map_err(|e| store_error(url, "cannot open it", e))?;
    migrate(&mut connection, url)?;
    Ok(connection)
}

/// SQLite answers some lock waits with SQLITE_BUSY at once instead of calling its busy
/// handler: switching a new file to WAL while another run opens it is one (the handler
/// is skipped where waiting could deadlock). Those are retried for as long as the busy
/// timeout would have waited.
fn retry_busy<T>(mut attempt: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match attempt() {
            Err(e) if is_busy(&e) && Instant::now() < deadline => {
                std::thread::sleep(BUSY_RETRY_PAUSE);
            }
            other => return other,
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Creates the file with mode 0600 when it does not exist (SQLite would use the umask).
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop)
}

fn migrate(connection: &mut Connection, url: &StoreUrl) -> Result<(), Error> {
    let failed = |e: rusqlite::Error| store_error(url, "cannot migrate its schema", e);
    // IMMEDIATE: two first runs at once do not both create the tables.
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(failed)?;
    tx.execute(schema::SQLITE_VERSION_TABLE, [])
        .map_err(failed)?;
    let version: Option<i64> = tx
        .query_row("SELECT max(version) FROM aigcusage_schema", [], |r| {
            r.get(0)
        })
        .map_err(failed)?;
    let version = version.unwrap_or(0);
    if version > schema::CURRENT_VERSION {
        return Err(schema::newer_error(&url.redacted(), version));
    }
    if version == schema::CURRENT_VERSION {
        return Ok(());
    }
    for migration in schema::pending(version) {
        tx.execute_batch(migration.sqlite).map_err(failed)?;
    }
    tx.execute("DELETE FROM aigcusage_schema", [])
        .map_err(failed)?;
    tx.execute(
        "INSERT INTO aigcusage_schema (version) VALUES (?1)",
        [schema::CURRENT_VERSION],
    )
    .map_err(failed)?;
    tx.commit().map_err(failed)
}

/// Set when the future that started a write is dropped (an interrupt, a timeout): the
/// write then rolls back instead of committing on the blocking pool.
#[derive(Clone, Default)]
struct Cancelled(Arc<AtomicBool>);

impl Cancelled {
    fn check(&self) -> rusqlite::Result<()> {
        if self.0.load(Ordering::Relaxed) {
            return Err(Self::error());
        }
        Ok(())
    }

    /// The error that rolls a cancelled write back (any error does).
    fn error() -> rusqlite::Error {
        rusqlite::Error::ToSqlConversionFailure("the write was cancelled".into())
    }
}

/// Cancels the write when dropped before it finished.
struct CancelOnDrop(Cancelled);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0 .0.store(true, Ordering::Relaxed);
    }
}

/// One series of a write with its rows, as the writer takes them.
type SeriesRows = (SeriesRow, Vec<PointRow>);

/// Series converted ahead of the writer (each a few KiB): enough that it never waits,
/// few enough that a large answer is not converted twice over in memory.
const PARTS_IN_FLIGHT: usize = 64;

fn write_batch(
    connection: &mut Connection,
    batch: Batch,
    cancelled: &Cancelled,
) -> rusqlite::Result<usize> {
    let Batch { series, covered } = batch;
    let mut series = series.into_iter();
    write_parts(connection, || Ok(series.next()), &covered, cancelled)
}

/// Writes each series `next` gives until it gives `None`, then `covered`, in one
/// transaction; an error from `next` rolls it back.
fn write_parts(
    connection: &mut Connection,
    next: impl FnMut() -> rusqlite::Result<Option<SeriesRows>>,
    covered: &[CoveredRow],
    cancelled: &Cancelled,
) -> rusqlite::Result<usize> {
    // The per-row foreign key check costs a series lookup for every point, and cannot
    // fail here: the points' series is upserted first in the same transaction. The
    // pragma only takes effect outside a transaction, so it is set around it.
    connection.pragma_update(None, "foreign_keys", "OFF")?;
    let written = write_parts_unchecked(connection, next, covered, cancelled);
    let restored = connection.pragma_update(None, "foreign_keys", "ON");
    let written = written?;
    restored?;
    Ok(written)
}

fn write_parts_unchecked(
    connection: &mut Connection,
    mut next: impl FnMut() -> rusqlite::Result<Option<SeriesRows>>,
    covered: &[CoveredRow],
    cancelled: &Cancelled,
) -> rusqlite::Result<usize> {
    // IMMEDIATE takes the write lock first, so concurrent writers wait (busy timeout)
    // instead of failing when they upgrade a read transaction.
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut written = 0;
    {
        let mut upsert_series = tx.prepare_cached(
            "INSERT INTO aigcusage_series (account, provider, source, name, metric, labels, unit, granularity)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (account, provider, source, name, metric, labels)
             DO UPDATE SET unit = excluded.unit, granularity = excluded.granularity
             RETURNING id",
        )?;
        // Prepared once per write when first needed; not through the statement cache,
        // which would hash and compare their long text on every lookup.
        let mut upserts: [Option<rusqlite::Statement<'_>>; STATEMENT_SIZES.len()] =
            Default::default();
        let mut since_check = 0;
        while let Some((row, points)) = next()? {
            written += points.len();
            let k = &row.key;
            let id: i64 = upsert_series.query_row(
                params![
                    k.account,
                    k.provider,
                    k.source,
                    k.name,
                    k.metric,
                    k.labels,
                    row.unit,
                    row.granularity
                ],
                |r| r.get(0),
            )?;
            cancelled.check()?;
            // Many rows per statement: a statement's own cost (bind, step, reset) is
            // most of a narrow row's. The rest goes in halving sizes.
            let mut rest = points.as_slice();
            for (slot, size) in STATEMENT_SIZES.iter().copied().enumerate() {
                if rest.len() < size {
                    continue;
                }
                let upsert = match upserts[slot].as_mut() {
                    Some(prepared) => prepared,
                    None => upserts[slot].insert(tx.prepare(&upsert_points_sql(size))?),
                };
                while rest.len() >= size {
                    let (chunk, after) = rest.split_at(size);
                    bind_points(upsert, id, chunk)?;
                    upsert.raw_execute()?;
                    rest = after;
                    since_check += size;
                    if since_check >= 4096 {
                        since_check = 0;
                        cancelled.check()?;
                    }
                }
            }
        }
        write_covered(&tx, covered)?;
    }
    cancelled.check()?;
    tx.commit()?;
    Ok(written)
}

/// Records each covered range merged with the stored ranges of its source it overlaps
/// or touches (they are replaced by the union), in the caller's transaction.
fn write_covered(tx: &rusqlite::Transaction<'_>, covered: &[CoveredRow]) -> rusqlite::Result<()> {
    let mut select = tx.prepare_cached(
        "SELECT account, provider, source, start, start_offset, \"end\", end_offset, synced_at
         FROM aigcusage_covered WHERE account = ?1 AND provider = ?2 AND source = ?3",
    )?;
    let mut delete = tx.prepare_cached(
        "DELETE FROM aigcusage_covered
         WHERE account = ?1 AND provider = ?2 AND source = ?3 AND start = ?4 AND \"end\" = ?5",
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO aigcusage_covered (account, provider, source, start, start_offset, \"end\", end_offset, synced_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for c in covered {
        let stored = select
            .query_map(params![c.account, c.provider, c.source], covered_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let (replaced, merged) = model::absorb_covered(&stored, c);
        for r in &replaced {
            delete.execute(params![r.account, r.provider, r.source, r.start, r.end])?;
        }
        insert.execute(params![
            merged.account,
            merged.provider,
            merged.source,
            merged.start,
            merged.start_offset,
            merged.end,
            merged.end_offset,
            merged.synced_at
        ])?;
    }
    Ok(())
}

/// Rows per multi-row point upsert, largest first (1 + 5 × 256 parameters at most, far
/// below SQLite's limit of 32,766); every length is a sum of these. Fewer, larger
/// statements: each costs a reset and a statement journal.
const STATEMENT_SIZES: [usize; 9] = [256, 128, 64, 32, 16, 8, 4, 2, 1];

/// A row of `SELECT account, provider, source, start, start_offset, "end", end_offset,
/// synced_at FROM aigcusage_covered`.
fn covered_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CoveredRow> {
    Ok(CoveredRow {
        account: r.get(0)?,
        provider: r.get(1)?,
        source: r.get(2)?,
        start: r.get(3)?,
        start_offset: r.get(4)?,
        end: r.get(5)?,
        end_offset: r.get(6)?,
        synced_at: r.get(7)?,
    })
}

/// The upsert of `rows` points of one series: parameter 1 is the series id, then six
/// per point.
fn upsert_points_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|i| {
            let first = 2 + 5 * i;
            format!(
                "(?1, ?{}, ?{}, ?{}, ?{}, ?{})",
                first,
                first + 1,
                first + 2,
                first + 3,
                first + 4
            )
        })
        .collect();
    format!(
        "INSERT INTO aigcusage_point (series_id, time, utc_offset, value, partial, synced_at)
         VALUES {}
         ON CONFLICT (series_id, time) DO UPDATE SET utc_offset = excluded.utc_offset,
           value = excluded.value, partial = excluded.partial, synced_at = excluded.synced_at",
        values.join(", ")
    )
}

/// Binds a statement of [`upsert_points_sql`]`(points.len())`.
fn bind_points(
    statement: &mut rusqlite::Statement<'_>,
    series_id: i64,
    points: &[PointRow],
) -> rusqlite::Result<()> {
    statement.raw_bind_parameter(1, series_id)?;
    for (i, p) in points.iter().enumerate() {
        let first = 2 + 5 * i;
        statement.raw_bind_parameter(first, p.time)?;
        statement.raw_bind_parameter(first + 1, p.offset)?;
        statement.raw_bind_parameter(first + 2, p.value)?;
        statement.raw_bind_parameter(first + 3, p.partial)?;
        statement.raw_bind_parameter(first + 4, p.synced_at)?;
    }
    Ok(())
}

/// `?, ?, ?` for `n` parameters, numbered from `first`.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `WHERE` clause on the series table and its parameters.
fn series_condition(filter: &Filter) -> (String, Vec<String>) {
    let mut conditions = vec!["1 = 1".to_string()];
    let mut values = Vec::new();
    if !filter.accounts.is_empty() {
        conditions.push(format!(
            "s.account IN ({})",
            placeholders(values.len() + 1, filter.accounts.len())
        ));
        values.extend(filter.accounts.iter().cloned());
    }
    if !filter.sources.is_empty() {
        conditions.push(format!(
            "s.source IN ({})",
            placeholders(values.len() + 1, filter.sources.len())
        ));
        values.extend(filter.sources.iter().cloned());
    }
    (conditions.join(" AND "), values)
}

/// The stored series matching `filter`'s accounts and sources, in key order, with their
/// ids; read inside the caller's transaction.
fn series_rows(
    tx: &rusqlite::Transaction<'_>,
    filter: &Filter,
) -> Result<Vec<(i64, SeriesRow)>, Error> {
    let (condition, values) = series_condition(filter);
    let mut series: Vec<(i64, SeriesRow)> = Vec::new();
    let mut statement = tx
        .prepare(&format!(
            "SELECT id, account, provider, source, name, metric, labels, unit, granularity
             FROM aigcusage_series s WHERE {condition}"
        ))
        .map_err(sql)?;
    let rows = statement
        .query_map(rusqlite::params_from_iter(values.iter()), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                SeriesRow {
                    key: SeriesKey {
                        account: r.get(1)?,
                        provider: r.get(2)?,
                        source: r.get(3)?,
                        name: r.get(4)?,
                        metric: r.get(5)?,
                        labels: r.get(6)?,
                    },
                    unit: r.get(7)?,
                    granularity: r.get(8)?,
                },
            ))
        })
        .map_err(sql)?;
    for row in rows {
        series.push(row.map_err(sql)?);
    }
    series.sort_by(|a, b| a.1.key.cmp(&b.1.key));
    Ok(series)
}

/// The unix seconds that bound the points to read: a month is the longest bucket, so
/// earlier points cannot overlap the range.
fn time_bounds(filter: &Filter) -> (i64, i64) {
    match filter.range {
        Some(r) => (r.start.timestamp() - 32 * 86_400, r.end.timestamp()),
        None => (i64::MIN, i64::MAX),
    }
}

/// One series' points along the primary key: in time order, with no join, no sort and
/// no regrouping.
const POINTS_OF_SERIES: &str =
    "SELECT time, utc_offset, value, partial, synced_at FROM aigcusage_point
     WHERE series_id = ?1 AND time >= ?2 AND time <= ?3 ORDER BY time";

/// Every stored row matching `filter` (`history export`), with each point's `synced_at`.
fn load(
    connection: &mut Connection,
    filter: &Filter,
) -> Result<Vec<(SeriesRow, Vec<PointRow>)>, Error> {
    // One read transaction: the series and their points of the same moment.
    let tx = connection.transaction().map_err(sql)?;
    let series = series_rows(&tx, filter)?;
    let (from, to) = time_bounds(filter);
    let mut grouped = Vec::with_capacity(series.len());
    {
        let mut statement = tx.prepare(POINTS_OF_SERIES).map_err(sql)?;
        for (id, row) in series {
            let mut points = Vec::new();
            let mut rows = statement.query(params![id, from, to]).map_err(sql)?;
            while let Some(r) = rows.next().map_err(sql)? {
                points.push(PointRow {
                    time: r.get(0).map_err(sql)?,
                    offset: r.get(1).map_err(sql)?,
                    value: r.get(2).map_err(sql)?,
                    partial: r.get(3).map_err(sql)?,
                    synced_at: r.get(4).map_err(sql)?,
                });
            }
            if !points.is_empty() {
                grouped.push((row, points));
            }
        }
    }
    tx.finish().map_err(sql)?;
    for (row, points) in &mut grouped {
        model::keep_overlapping(row.granularity.as_deref(), points, filter.range)?;
    }
    grouped.retain(|(_, points)| !points.is_empty());
    Ok(grouped)
}

/// `--from-store`: the series matching `filter`, each with the `account` label, built
/// straight from the rows (no intermediate rows, no `synced_at`).
fn read_series(connection: &mut Connection, filter: &Filter) -> Result<Vec<Series>, Error> {
    // One read transaction: the series and their points of the same moment.
    let tx = connection.transaction().map_err(sql)?;
    let rows = series_rows(&tx, filter)?;
    let (from, to) = time_bounds(filter);
    let mut series = Vec::with_capacity(rows.len());
    {
        let mut statement = tx
            .prepare(
                "SELECT time, utc_offset, value, partial FROM aigcusage_point
                 WHERE series_id = ?1 AND time >= ?2 AND time <= ?3 ORDER BY time",
            )
            .map_err(sql)?;
        // Series of one source are mostly of one length: the last one's is a good guess.
        let mut expected_points = 0;
        let mut times = model::TimeReuse::default();
        for (id, row) in rows {
            let mut points = Vec::with_capacity(expected_points);
            let mut stored = statement.query(params![id, from, to]).map_err(sql)?;
            while let Some(r) = stored.next().map_err(sql)? {
                let time =
                    times.at(points.len(), r.get(0).map_err(sql)?, r.get(1).map_err(sql)?)?;
                points.push(Point {
                    time,
                    value: r.get(2).map_err(sql)?,
                    partial: r.get(3).map_err(sql)?,
                });
            }
            if points.is_empty() {
                continue;
            }
            expected_points = points.len();
            let mut one = model::series_without_points(row, true)?;
            model::keep_overlapping_points(one.granularity, &mut points, filter.range);
            if !points.is_empty() {
                one.points = points;
                series.push(one);
            }
        }
    }
    tx.finish().map_err(sql)?;
    super::status::sort_for_reading(&mut series);
    Ok(series)
}

fn covered_rows(connection: &Connection, filter: &Filter) -> Result<Vec<CoveredRow>, Error> {
    let (condition, values) = series_condition(filter);
    let mut statement = connection
        .prepare(&format!(
            "SELECT account, provider, source, start, start_offset, \"end\", end_offset, synced_at
             FROM aigcusage_covered s WHERE {condition}"
        ))
        .map_err(sql)?;
    let rows = statement
        .query_map(rusqlite::params_from_iter(values.iter()), covered_row)
        .map_err(sql)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(sql)
}

/// Per (account, provider, source): rows, first (time, offset), last (time, offset).
fn point_counts(connection: &Connection) -> Result<Vec<super::status::Counts>, Error> {
    let mut statement = connection
        .prepare(
            "WITH per_source AS (
               SELECT s.account, s.provider, s.source, count(*) AS n, min(p.time) AS first, max(p.time) AS last
               FROM aigcusage_point p JOIN aigcusage_series s ON s.id = p.series_id
               GROUP BY s.account, s.provider, s.source)
             SELECT account, provider, source, n, first,
               (SELECT p.utc_offset FROM aigcusage_point p JOIN aigcusage_series s ON s.id = p.series_id
                WHERE s.account = x.account AND s.provider = x.provider AND s.source = x.source AND p.time = x.first LIMIT 1),
               last,
               (SELECT p.utc_offset FROM aigcusage_point p JOIN aigcusage_series s ON s.id = p.series_id
                WHERE s.account = x.account AND s.provider = x.provider AND s.source = x.source AND p.time = x.last LIMIT 1)
             FROM per_source x",
        )
        .map_err(sql)?;
    let rows = statement
        .query_map([], |r| {
            Ok(super::status::Counts {
                account: r.get(0)?,
                provider: r.get(1)?,
                source: r.get(2)?,
                rows: r.get::<_, i64>(3)? as u64,
                first: (r.get(4)?, r.get(5)?),
                last: (r.get(6)?, r.get(7)?),
            })
        })
        .map_err(sql)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(sql)
}

impl Store for SqliteStore {
    fn url(&self) -> &StoreUrl {
        &self.url
    }

    fn write_source<'a>(&'a self, write: SourceWrite<'a>) -> StoreFuture<'a, usize> {
        Box::pin(async move {
            let plan = model::plan_source(&write)?;
            let covered = vec![plan.covered.clone()];
            // Each series' rows are converted here while the blocking pool writes the
            // ones before, so only a few are held converted at once. `None` is the end
            // of the write.
            let (sender, mut receiver) =
                tokio::sync::mpsc::channel::<Option<SeriesRows>>(PARTS_IN_FLIGHT);
            let cancelled = Cancelled::default();
            let guard = CancelOnDrop(cancelled.clone());
            let writing = self.run("writing", move |c| {
                let next = || match receiver.blocking_recv() {
                    Some(part) => Ok(part),
                    // The converting side is gone before the end: roll back.
                    None => Err(Cancelled::error()),
                };
                write_parts(c, next, &covered, &cancelled)
            });
            let converting = async {
                for (row, indexes) in &plan.keys {
                    let part = Some((row.clone(), plan.points(&write, indexes)));
                    if sender.send(part).await.is_err() {
                        // The writer stopped (it failed): its error is the answer.
                        return;
                    }
                }
                // Fails only when the writer stopped, as above.
                let _ = sender.send(None).await;
            };
            let (written, ()) = tokio::join!(writing, converting);
            drop(guard);
            written
        })
    }

    fn read<'a>(&'a self, filter: &'a Filter) -> StoreFuture<'a, Vec<Series>> {
        let filter = filter.clone();
        self.run_checked("reading", move |c| read_series(c, &filter))
    }

    fn coverage<'a>(&'a self, filter: &'a Filter) -> StoreFuture<'a, Vec<Coverage>> {
        let filter = filter.clone();
        self.run_checked("reading", move |c| {
            super::status::to_coverage(covered_rows(c, &filter)?)
        })
    }

    fn status(&self) -> StoreFuture<'_, Vec<SourceStatus>> {
        self.run_checked("reading", move |c| {
            // One read transaction: counts and ranges of the same moment.
            let tx = c.transaction().map_err(sql)?;
            let counts = point_counts(&tx)?;
            let covered = covered_rows(&tx, &Filter::default())?;
            tx.finish().map_err(sql)?;
            super::status::to_status(counts, covered)
        })
    }

    fn export<'a>(&'a self, filter: &'a Filter) -> StoreFuture<'a, Vec<StoredSeries>> {
        let filter = filter.clone();
        self.run_checked("reading", move |c| {
            let loaded = load(c, &filter)?;
            super::status::to_stored_series(&loaded)
        })
    }

    fn import(&self, series: Vec<StoredSeries>) -> StoreFuture<'_, usize> {
        match model::batch_from_import(&series) {
            Ok(batch) => self.write("importing", batch),
            Err(e) => Box::pin(async move { Err(e) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Granularity;
    use crate::store::Range;
    use chrono::{DateTime, Duration, FixedOffset};

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn series(name: &str, granularity: Granularity, first: &str, step: Duration) -> Series {
        let start = t(first);
        Series {
            provider: "tencent".into(),
            source: "vod.aigc_usage".into(),
            name: name.into(),
            metric: "usage".into(),
            unit: Some("seconds".into()),
            granularity: Some(granularity),
            aggregation: Default::default(),
            labels: [("aigc_type".to_string(), name.to_string())].into(),
            points: (0..40)
                .map(|i| Point {
                    partial: i % 7 == 0,
                    ..Point::new(start + step * i, f64::from(i) * 1.5)
                })
                .collect(),
            exact_total: None,
        }
    }

    fn write(connection: &mut Connection, account: &str, series: &[Series]) {
        let batch = model::batch_from_source(&SourceWrite {
            account,
            provider: "tencent",
            source: "vod.aigc_usage",
            covered: Range::new(t("2025-10-01T00:00:00Z"), t("2025-12-31T23:59:59Z")),
            series,
            synced_at: t("2026-01-02T03:04:05Z"),
        })
        .unwrap();
        write_batch(connection, batch, &Cancelled::default()).unwrap();
    }

    /// The direct read gives what building series from the exported rows gives.
    #[test]
    fn reading_series_equals_building_them_from_the_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        let url = StoreUrl::Sqlite(path.clone());
        let mut connection = open_file(&url, &path).unwrap();
        let days = Duration::days(1);
        write(
            &mut connection,
            "b",
            &[
                series("v", Granularity::Day, "2025-10-01T00:00:00+08:00", days),
                series(
                    "m",
                    Granularity::Month,
                    "2025-10-01T00:00:00+08:00",
                    days * 31,
                ),
            ],
        );
        write(
            &mut connection,
            "a",
            &[
                series("v", Granularity::Day, "2025-10-03T00:00:00+08:00", days),
                series(
                    "h",
                    Granularity::Hour,
                    "2025-11-01T00:00:00Z",
                    Duration::hours(1),
                ),
                series("w", Granularity::Day, "2025-10-05T00:00:00-05:00", days),
            ],
        );
        let ranges = [
            None,
            Some(Range::new(
                t("2025-10-20T00:00:00Z"),
                t("2025-11-01T05:00:00Z"),
            )),
            Some(Range::new(
                t("2025-10-10T12:00:00+08:00"),
                t("2025-10-10T12:00:00+08:00"),
            )),
            Some(Range::new(
                t("2027-01-01T00:00:00Z"),
                t("2027-02-01T00:00:00Z"),
            )),
        ];
        for range in ranges {
            for accounts in [vec![], vec!["a".to_string()]] {
                let filter = Filter {
                    accounts,
                    sources: vec!["vod.aigc_usage".into()],
                    range,
                };
                let direct = read_series(&mut connection, &filter).unwrap();
                let from_rows =
                    crate::store::status::to_read_series(load(&mut connection, &filter).unwrap())
                        .unwrap();
                assert_eq!(direct, from_rows, "{filter:?}");
                if range.is_none() {
                    assert!(direct.len() >= 3 && direct.iter().all(|s| !s.points.is_empty()));
                }
            }
        }
    }

    /// A write whose converting side stops before the end leaves nothing behind.
    #[test]
    fn a_write_without_its_end_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        let url = StoreUrl::Sqlite(path.clone());
        let mut connection = open_file(&url, &path).unwrap();
        let given = [series(
            "v",
            Granularity::Day,
            "2025-10-01T00:00:00+08:00",
            Duration::days(1),
        )];
        let write = SourceWrite {
            account: "a",
            provider: "tencent",
            source: "vod.aigc_usage",
            covered: Range::new(t("2025-10-01T00:00:00Z"), t("2025-12-31T23:59:59Z")),
            series: &given,
            synced_at: t("2026-01-02T03:04:05Z"),
        };
        let plan = model::plan_source(&write).unwrap();
        let (row, indexes) = &plan.keys[0];
        let mut parts = vec![
            Ok(Some((row.clone(), plan.points(&write, indexes)))),
            Err(Cancelled::error()),
        ]
        .into_iter();
        let covered = vec![plan.covered.clone()];
        let result = write_parts(
            &mut connection,
            || parts.next().unwrap(),
            &covered,
            &Cancelled::default(),
        );
        assert!(result.is_err());
        let count = |connection: &Connection, table: &str| -> i64 {
            connection
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(
            (
                count(&connection, "aigcusage_point"),
                count(&connection, "aigcusage_series"),
                count(&connection, "aigcusage_covered")
            ),
            (0, 0, 0)
        );
        // The same parts with their end are written.
        let mut parts = vec![
            Ok(Some((row.clone(), plan.points(&write, indexes)))),
            Ok(None),
        ]
        .into_iter();
        let written = write_parts(
            &mut connection,
            || parts.next().unwrap(),
            &covered,
            &Cancelled::default(),
        )
        .unwrap();
        assert_eq!(written, 40);
        assert_eq!(
            (
                count(&connection, "aigcusage_point"),
                count(&connection, "aigcusage_series"),
                count(&connection, "aigcusage_covered")
            ),
            (40, 1, 1)
        );
    }

    /// Another run holding the write lock of a store not yet in WAL (the first run
    /// creating it) makes SQLite refuse the switch to WAL without waiting: the open
    /// waits for that run instead of failing with "database is locked".
    #[test]
    fn opening_waits_for_a_run_creating_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.db");
        let holder = Connection::open(&path).unwrap();
        holder
            .execute_batch("BEGIN IMMEDIATE; CREATE TABLE first_run (a INTEGER);")
            .unwrap();
        let (held, released) = std::sync::mpsc::channel();
        let other = std::thread::spawn(move || {
            held.send(()).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(300));
            holder.execute_batch("COMMIT").unwrap();
        });
        released.recv().unwrap();
        let url = StoreUrl::Sqlite(path.clone());
        let connection = open_file(&url, &path).unwrap();
        other.join().unwrap();
        let mode: String = connection
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    /// A new store gets the larger pages; one written with 4 KiB pages (every store
    /// before them) keeps its pages and reads as it was written.
    #[test]
    fn new_stores_get_large_pages_and_old_ones_keep_theirs() {
        let dir = tempfile::tempdir().unwrap();
        let page_size = |connection: &Connection| -> i64 {
            connection
                .query_row("PRAGMA page_size", [], |r| r.get(0))
                .unwrap()
        };
        let fresh = dir.path().join("new.db");
        let connection = open_file(&StoreUrl::Sqlite(fresh.clone()), &fresh).unwrap();
        assert_eq!(page_size(&connection), PAGE_BYTES);

        let old = dir.path().join("old.db");
        let url = StoreUrl::Sqlite(old.clone());
        {
            // A store as earlier builds made it: SQLite's default 4 KiB pages.
            let c = Connection::open(&old).unwrap();
            c.pragma_update(None, "page_size", 4096).unwrap();
            c.pragma_update(None, "journal_mode", "WAL").unwrap();
            c.execute_batch(schema::MIGRATIONS[0].sqlite).unwrap();
            c.execute_batch(schema::SQLITE_VERSION_TABLE).unwrap();
            c.execute("INSERT INTO aigcusage_schema (version) VALUES (1)", [])
                .unwrap();
        }
        let mut connection = open_file(&url, &old).unwrap();
        assert_eq!(page_size(&connection), 4096);
        let given = [series(
            "v",
            Granularity::Day,
            "2025-10-01T00:00:00+08:00",
            Duration::days(1),
        )];
        write(&mut connection, "a", &given);
        drop(connection);
        let mut connection = open_file(&url, &old).unwrap();
        assert_eq!(page_size(&connection), 4096);
        let read = read_series(&mut connection, &Filter::default()).unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].points, given[0].points);
    }
}
