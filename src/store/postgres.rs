//! The shared PostgreSQL store (`tokio-postgres`, TLS by rustls). Writers serialize on
//! a transaction-scoped advisory lock, so two syncs at once both succeed (one waits) and
//! never deadlock on each other's rows.

use std::collections::HashMap;
use std::error::Error as _;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;
use tokio_postgres::{Client, GenericClient, NoTls};

use super::model::{self, Batch, CoveredRow, PointRow, SeriesKey, SeriesRow};
use super::status::Counts;
use super::{
    schema, store_error, tls, Coverage, Filter, SourceStatus, SourceWrite, SslMode, Store,
    StoreFuture, StoreUrl, StoredSeries,
};
use crate::error::Error;
use crate::series::Series;

/// The advisory lock every schema change and write holds ("aigc" in ASCII).
const WRITE_LOCK: i64 = 0x6169_6763;

pub struct PostgresStore {
    url: StoreUrl,
    client: Mutex<Client>,
}

/// A driver error with its causes, for the message (the caller masks secrets).
fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{}: {}", db.severity(), db.message());
    }
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl PostgresStore {
    /// Connects and creates or migrates the tables.
    pub async fn open(url: StoreUrl) -> Result<Self, Error> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects; `None` when the database holds no store yet (its tables are not
    /// created: `sync --dry-run` writes nothing).
    pub async fn open_existing(url: StoreUrl) -> Result<Option<Self>, Error> {
        let store = Self::connect(url).await?;
        let exists: bool = {
            let client = store.client.lock().await;
            client
                .query_one("SELECT to_regclass('aigcusage_schema') IS NOT NULL", &[])
                .await
                .map_err(store.failed("reading"))?
                .get(0)
        };
        if !exists {
            return Ok(None);
        }
        store.migrate().await?;
        Ok(Some(store))
    }

    async fn connect(url: StoreUrl) -> Result<Self, Error> {
        let StoreUrl::Postgres(pg) = &url else {
            return Err(Error::Internal(
                "PostgresStore::open: not a PostgreSQL URL".into(),
            ));
        };
        let mut config = tokio_postgres::Config::new();
        config
            .user(&pg.user)
            .host(&pg.host)
            .port(pg.port)
            .dbname(&pg.dbname)
            .application_name("aigcusage")
            .connect_timeout(Duration::from_secs(10));
        if let Some(password) = &pg.password {
            config.password(password.expose());
        }
        let cannot_connect =
            |e: &tokio_postgres::Error| store_error(&url, "cannot connect", describe(e));
        let client = if pg.sslmode == SslMode::Disable {
            let (client, connection) = config
                .connect(NoTls)
                .await
                .map_err(|e| cannot_connect(&e))?;
            tokio::spawn(connection);
            client
        } else {
            config.ssl_mode(match pg.sslmode {
                SslMode::Allow | SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
                _ => tokio_postgres::config::SslMode::Require,
            });
            let tls_config = tls::client_config(pg).map_err(|e| store_error(&url, "TLS", e))?;
            let connector = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config);
            let (client, connection) = config
                .connect(connector)
                .await
                .map_err(|e| cannot_connect(&e))?;
            tokio::spawn(connection);
            client
        };
        Ok(Self {
            url,
            client: Mutex::new(client),
        })
    }

    fn failed(&self, what: &str) -> impl Fn(tokio_postgres::Error) -> Error + '_ {
        let what = what.to_string();
        move |e| store_error(&self.url, &what, describe(&e))
    }

    async fn migrate(&self) -> Result<(), Error> {
        let failed = self.failed("cannot migrate its schema");
        let mut client = self.client.lock().await;
        let tx = client.transaction().await.map_err(&failed)?;
        // Two first runs at once must not both create the tables.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
            .await
            .map_err(&failed)?;
        tx.batch_execute(schema::POSTGRES_VERSION_TABLE)
            .await
            .map_err(&failed)?;
        let version: Option<i32> = tx
            .query_one("SELECT max(version) FROM aigcusage_schema", &[])
            .await
            .map_err(&failed)?
            .get(0);
        let version = i64::from(version.unwrap_or(0));
        if version > schema::CURRENT_VERSION {
            return Err(schema::newer_error(&self.url.redacted(), version));
        }
        if version == schema::CURRENT_VERSION {
            return Ok(());
        }
        for migration in schema::pending(version) {
            tx.batch_execute(migration.postgres)
                .await
                .map_err(&failed)?;
        }
        tx.execute("DELETE FROM aigcusage_schema", &[])
            .await
            .map_err(&failed)?;
        // The current version is small: it fits an integer column.
        let current = schema::CURRENT_VERSION as i32;
        tx.execute(
            "INSERT INTO aigcusage_schema (version) VALUES ($1)",
            &[&current],
        )
        .await
        .map_err(&failed)?;
        tx.commit().await.map_err(&failed)
    }

    async fn write_batch(&self, batch: Batch, what: &str) -> Result<usize, Error> {
        let failed = self.failed(what);
        let mut client = self.client.lock().await;
        // Dropped before commit (an interrupt), the transaction rolls back.
        let tx = client.transaction().await.map_err(&failed)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
            .await
            .map_err(&failed)?;
        let upsert_series = tx
            .prepare(
                "INSERT INTO aigcusage_series (account, provider, source, name, metric, labels, unit, granularity)
                 VALUES ($1, $2, $3, $4, $5, CAST($6::text AS jsonb), $7, $8)
                 ON CONFLICT (account, provider, source, name, metric, labels)
                 DO UPDATE SET unit = excluded.unit, granularity = excluded.granularity
                 RETURNING id",
            )
            .await
            .map_err(&failed)?;
        // The series rows first, pipelined on the one connection.
        let ids: Vec<i64> = futures::future::try_join_all(batch.series.iter().map(|(row, _)| {
            let upsert_series = &upsert_series;
            let tx = &tx;
            async move {
                let k = &row.key;
                let answer = tx
                    .query_one(
                        upsert_series,
                        &[
                            &k.account,
                            &k.provider,
                            &k.source,
                            &k.name,
                            &k.metric,
                            &k.labels,
                            &row.unit,
                            &row.granularity,
                        ],
                    )
                    .await?;
                Ok::<i64, tokio_postgres::Error>(answer.get(0))
            }
        }))
        .await
        .map_err(&failed)?;
        // The points: binary COPY into a scratch table, then one keyed upsert.
        tx.batch_execute(
            "CREATE TEMP TABLE aigcusage_incoming (series_id bigint, time bigint, utc_offset integer,
               value double precision, partial boolean, synced_at bigint) ON COMMIT DROP",
        )
        .await
        .map_err(&failed)?;
        let sink = tx
            .copy_in("COPY aigcusage_incoming FROM STDIN (FORMAT binary)")
            .await
            .map_err(&failed)?;
        let writer = BinaryCopyInWriter::new(
            sink,
            &[
                Type::INT8,
                Type::INT8,
                Type::INT4,
                Type::FLOAT8,
                Type::BOOL,
                Type::INT8,
            ],
        );
        futures::pin_mut!(writer);
        for ((_, points), id) in batch.series.iter().zip(&ids) {
            for p in points {
                writer
                    .as_mut()
                    .write(&[id, &p.time, &p.offset, &p.value, &p.partial, &p.synced_at])
                    .await
                    .map_err(&failed)?;
            }
        }
        writer.finish().await.map_err(&failed)?;
        tx.batch_execute(
            "INSERT INTO aigcusage_point (series_id, time, utc_offset, value, partial, synced_at)
             SELECT series_id, time, utc_offset, value, partial, synced_at FROM aigcusage_incoming
             ON CONFLICT (series_id, time) DO UPDATE SET utc_offset = excluded.utc_offset,
               value = excluded.value, partial = excluded.partial, synced_at = excluded.synced_at",
        )
        .await
        .map_err(&failed)?;
        // Each range merged with the stored ranges of its source it overlaps or touches
        // (they are replaced by the union); the advisory lock keeps other writers out.
        for c in &batch.covered {
            let stored: Vec<CoveredRow> = tx
                .query(
                    "SELECT account, provider, source, start, start_offset, \"end\", end_offset, synced_at
                     FROM aigcusage_covered WHERE account = $1 AND provider = $2 AND source = $3",
                    &[&c.account, &c.provider, &c.source],
                )
                .await
                .map_err(&failed)?
                .iter()
                .map(covered_row)
                .collect();
            let (replaced, merged) = model::absorb_covered(&stored, c);
            for r in &replaced {
                tx.execute(
                    "DELETE FROM aigcusage_covered
                     WHERE account = $1 AND provider = $2 AND source = $3 AND start = $4 AND \"end\" = $5",
                    &[&r.account, &r.provider, &r.source, &r.start, &r.end],
                )
                .await
                .map_err(&failed)?;
            }
            tx.execute(
                "INSERT INTO aigcusage_covered (account, provider, source, start, start_offset, \"end\", end_offset, synced_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &merged.account,
                    &merged.provider,
                    &merged.source,
                    &merged.start,
                    &merged.start_offset,
                    &merged.end,
                    &merged.end_offset,
                    &merged.synced_at,
                ],
            )
            .await
            .map_err(&failed)?;
        }
        tx.commit().await.map_err(&failed)?;
        Ok(batch.points())
    }

    async fn load(&self, filter: &Filter) -> Result<Vec<(SeriesRow, Vec<PointRow>)>, Error> {
        let failed = self.failed("reading");
        let mut client = self.client.lock().await;
        // One snapshot for the series and their points.
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(&failed)?;
        let (accounts, sources) = filter_arrays(filter);
        let mut series = HashMap::new();
        for r in tx
            .query(
                "SELECT id, account, provider, source, name, metric, labels::text, unit, granularity
                 FROM aigcusage_series s
                 WHERE ($1::text[] IS NULL OR s.account = ANY($1)) AND ($2::text[] IS NULL OR s.source = ANY($2))",
                &[&accounts, &sources],
            )
            .await
            .map_err(&failed)?
        {
            // jsonb prints its own spacing and key order: back to the canonical form.
            let labels = model::labels_json(&model::parse_labels(r.get(6))?);
            series.insert(
                r.get::<_, i64>(0),
                SeriesRow {
                    key: SeriesKey {
                        account: r.get(1),
                        provider: r.get(2),
                        source: r.get(3),
                        name: r.get(4),
                        metric: r.get(5),
                        labels,
                    },
                    unit: r.get(7),
                    granularity: r.get(8),
                },
            );
        }
        // A month is the longest bucket: earlier points cannot overlap the range.
        let (from, to) = match filter.range {
            Some(r) => (r.start.timestamp() - 32 * 86_400, r.end.timestamp()),
            None => (i64::MIN, i64::MAX),
        };
        let points = tx
            .query(
                "SELECT p.series_id, p.time, p.utc_offset, p.value, p.partial, p.synced_at
                 FROM aigcusage_point p JOIN aigcusage_series s ON s.id = p.series_id
                 WHERE ($1::text[] IS NULL OR s.account = ANY($1)) AND ($2::text[] IS NULL OR s.source = ANY($2))
                   AND p.time >= $3 AND p.time <= $4",
                &[&accounts, &sources, &from, &to],
            )
            .await
            .map_err(&failed)?
            .into_iter()
            .map(|r| {
                (
                    r.get::<_, i64>(0),
                    PointRow {
                        time: r.get(1),
                        offset: r.get(2),
                        value: r.get(3),
                        partial: r.get(4),
                        synced_at: r.get(5),
                    },
                )
            })
            .collect();
        tx.commit().await.map_err(&failed)?;
        let mut grouped = model::group_loaded(series, points);
        for (row, points) in &mut grouped {
            model::keep_overlapping(row.granularity.as_deref(), points, filter.range)?;
        }
        grouped.retain(|(_, points)| !points.is_empty());
        Ok(grouped)
    }

    async fn covered_rows(
        &self,
        client: &impl GenericClient,
        filter: &Filter,
    ) -> Result<Vec<CoveredRow>, Error> {
        let (accounts, sources) = filter_arrays(filter);
        Ok(client
            .query(
                "SELECT account, provider, source, start, start_offset, \"end\", end_offset, synced_at
                 FROM aigcusage_covered s
                 WHERE ($1::text[] IS NULL OR s.account = ANY($1)) AND ($2::text[] IS NULL OR s.source = ANY($2))",
                &[&accounts, &sources],
            )
            .await
            .map_err(self.failed("reading"))?
            .iter()
            .map(covered_row)
            .collect())
    }

    async fn status_rows(&self) -> Result<(Vec<Counts>, Vec<CoveredRow>), Error> {
        let failed = self.failed("reading");
        let mut client = self.client.lock().await;
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(&failed)?;
        let counts = tx
            .query(
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
                &[],
            )
            .await
            .map_err(&failed)?
            .into_iter()
            .map(|r| Counts {
                account: r.get(0),
                provider: r.get(1),
                source: r.get(2),
                // A count is never negative.
                rows: r.get::<_, i64>(3) as u64,
                first: (r.get(4), r.get(5)),
                last: (r.get(6), r.get(7)),
            })
            .collect();
        let covered = self.covered_rows(&tx, &Filter::default()).await?;
        tx.commit().await.map_err(&failed)?;
        Ok((counts, covered))
    }
}

/// A row of `aigcusage_covered` selected in its column order.
fn covered_row(r: &tokio_postgres::Row) -> CoveredRow {
    CoveredRow {
        account: r.get(0),
        provider: r.get(1),
        source: r.get(2),
        start: r.get(3),
        start_offset: r.get(4),
        end: r.get(5),
        end_offset: r.get(6),
        synced_at: r.get(7),
    }
}

/// The filter's accounts and sources as arrays, `None` for "all".
fn filter_arrays(filter: &Filter) -> (Option<Vec<String>>, Option<Vec<String>>) {
    let some = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
    (some(&filter.accounts), some(&filter.sources))
}

impl Store for PostgresStore {
    fn url(&self) -> &StoreUrl {
        &self.url
    }

    fn write_source<'a>(&'a self, write: SourceWrite<'a>) -> StoreFuture<'a, usize> {
        Box::pin(async move {
            let batch = model::batch_from_source(&write)?;
            self.write_batch(batch, "writing").await
        })
    }

    fn read<'a>(&'a self, filter: &'a Filter) -> StoreFuture<'a, Vec<Series>> {
        Box::pin(async move { super::status::to_read_series(self.load(filter).await?) })
    }

    fn coverage<'a>(&'a self, filter: &'a Filter) -> StoreFuture<'a, Vec<Coverage>> {
        Box::pin(async move {
            let client = self.client.lock().await;
            super::status::to_coverage(self.covered_rows(&*client, filter).await?)
        })
    }

    fn status(&self) -> StoreFuture<'_, Vec<SourceStatus>> {
        Box::pin(async move {
            let (counts, covered) = self.status_rows().await?;
            super::status::to_status(counts, covered)
        })
    }

    fn export<'a>(&'a self, filter: &'a Filter) -> StoreFuture<'a, Vec<StoredSeries>> {
        Box::pin(async move { super::status::to_stored_series(&self.load(filter).await?) })
    }

    fn import(&self, series: Vec<StoredSeries>) -> StoreFuture<'_, usize> {
        Box::pin(async move {
            let batch = model::batch_from_import(&series)?;
            self.write_batch(batch, "importing").await
        })
    }
}
