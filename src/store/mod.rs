//! The history store (spec §10): every synced point, kept in SQLite (embedded, the
//! default) or PostgreSQL (shared), behind one small trait.
//!
//! Knows `Series`, not providers. Every write is one transaction (dropped unfinished, it
//! rolls back), rows are keyed upserts, and both backends hold the same tables
//! (`schema.rs`), so SQL users and dashboards read `aigcusage_points` from either.

pub mod coverage;
pub mod export;
mod model;
mod postgres;
pub mod schema;
mod sqlite;
mod status;
mod tls;
pub mod url;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, FixedOffset};

pub use coverage::Range;
pub use url::{default_store_path, PostgresUrl, SslMode, StoreUrl};

use crate::error::Error;
use crate::series::Series;

/// What every store operation returns: a boxed future, so `dyn Store` works.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// One source's answer for `sync`: written in one transaction with its covered range.
#[derive(Debug, Clone, Copy)]
pub struct SourceWrite<'a> {
    /// The profile's `account`, else the profile's name.
    pub account: &'a str,
    pub provider: &'a str,
    pub source: &'a str,
    /// The range the source was asked for (closed, whole seconds; its own dates for
    /// day-bucket sources).
    pub covered: Range,
    /// Every series must have this provider and source.
    pub series: &'a [Series],
    pub synced_at: DateTime<FixedOffset>,
}

/// Which rows to read. Empty lists mean every account / every source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub accounts: Vec<String>,
    /// Source names (`vod.aigc_usage`, ...).
    pub sources: Vec<String>,
    /// Points whose bucket overlaps this range (spec §5's overlap rule); `None`: all.
    pub range: Option<Range>,
}

/// A stored series as `history export` prints it: the series (without the `account`
/// label) and, for each point, when it was synced.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSeries {
    pub account: String,
    pub series: Series,
    /// `synced_at[i]` belongs to `series.points[i]`.
    pub synced_at: Vec<DateTime<FixedOffset>>,
}

/// The covered ranges of one (account, provider, source), merged.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub account: String,
    pub provider: String,
    pub source: String,
    pub ranges: Vec<Range>,
}

impl Coverage {
    /// The end of the latest covered range, with the offset it was written with (for
    /// `sync`'s default start: two days before this date in the source's own calendar).
    pub fn last_end(&self) -> Option<DateTime<FixedOffset>> {
        self.ranges.iter().map(|r| r.end).max()
    }
}

/// A part of a requested range that no sync covered, for `--from-store`.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    pub account: String,
    pub provider: String,
    pub source: String,
    pub range: Range,
}

/// `history status`: one line per (account, provider, source).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceStatus {
    pub account: String,
    pub provider: String,
    pub source: String,
    /// The earliest and latest point (bucket start, with its own offset).
    pub first: Option<DateTime<FixedOffset>>,
    pub last: Option<DateTime<FixedOffset>>,
    pub covered: Vec<Range>,
    pub rows: u64,
    /// The latest sync (or import) that covered this source, UTC.
    pub last_sync: Option<DateTime<FixedOffset>>,
}

/// The store. Both backends implement it; every method is one transaction or one
/// consistent read.
pub trait Store: Send + Sync {
    /// Where it is (print `url().redacted()`).
    fn url(&self) -> &StoreUrl;

    /// `sync`: upserts every point of one source and records its covered range, in one
    /// transaction. Returns how many points were written.
    fn write_source<'a>(&'a self, write: SourceWrite<'a>) -> StoreFuture<'a, usize>;

    /// `--from-store`: the stored series (each with the label `account`), sorted by
    /// (provider, source, name, metric, labels, account), points by time, each point with
    /// the offset it was written with.
    fn read<'a>(&'a self, filter: &'a Filter) -> StoreFuture<'a, Vec<Series>>;

    /// The covered ranges per (account, provider, source) matching the filter's
    /// accounts and sources.
    fn coverage<'a>(&'a self, filter: &'a Filter) -> StoreFuture<'a, Vec<Coverage>>;

    /// `history status`, sorted by (account, provider, source).
    fn status(&self) -> StoreFuture<'_, Vec<SourceStatus>>;

    /// `history export`: rows in the order (account, provider, source, series, metric,
    /// labels, time).
    fn export<'a>(&'a self, filter: &'a Filter) -> StoreFuture<'a, Vec<StoredSeries>>;

    /// `history import`: keyed upsert of every row keeping its `synced_at`, and one
    /// covered range per (account, provider, source), in one transaction. Returns how
    /// many points were written.
    fn import(&self, series: Vec<StoredSeries>) -> StoreFuture<'_, usize>;
}

/// Opens (creating and migrating on first use) the store at `url`.
pub async fn open(url: &StoreUrl) -> Result<Box<dyn Store>, Error> {
    Ok(match url {
        StoreUrl::Sqlite(_) => Box::new(sqlite::SqliteStore::open(url.clone()).await?),
        StoreUrl::Postgres(_) => Box::new(postgres::PostgresStore::open(url.clone()).await?),
    })
}

/// Opens the store at `url` only if it exists, never creating it (`sync --dry-run`);
/// `None` when there is none yet.
pub async fn open_existing(url: &StoreUrl) -> Result<Option<Box<dyn Store>>, Error> {
    Ok(match url {
        StoreUrl::Sqlite(path) => match path.try_exists() {
            Ok(false) => None,
            // Present, or unknown: opening says what is wrong.
            _ => Some(Box::new(sqlite::SqliteStore::open(url.clone()).await?)),
        },
        StoreUrl::Postgres(_) => postgres::PostgresStore::open_existing(url.clone())
            .await?
            .map(|store| Box::new(store) as Box<dyn Store>),
    })
}

/// The gaps of `wanted` per (account, provider, source) in `coverage`, for the
/// `--from-store` warning and the JSON `gaps`.
pub fn gaps(coverage: &[Coverage], wanted: Range) -> Vec<Gap> {
    coverage
        .iter()
        .flat_map(|c| {
            coverage::gaps(&c.ranges, wanted)
                .into_iter()
                .map(move |range| Gap {
                    account: c.account.clone(),
                    provider: c.provider.clone(),
                    source: c.source.clone(),
                    range,
                })
        })
        .collect()
}

/// The error for a store that cannot be opened or used: exit 3, the redacted URL, and
/// the driver's message with every secret of the URL masked.
pub(crate) fn store_error(url: &StoreUrl, what: &str, detail: impl std::fmt::Display) -> Error {
    let mut detail = detail.to_string();
    for secret in url.secrets() {
        // Not even the last characters of a password are shown.
        detail = detail.replace(&secret, "****");
    }
    Error::config(format!("store at {}: {what}: {detail}", url.redacted()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn store_errors_never_show_the_password() {
        let url = StoreUrl::parse("postgres://aigc:hunter2@h/db", |_| None).unwrap();
        let e = store_error(&url, "connecting", "password hunter2 rejected");
        assert_eq!(e.exit_code(), 3);
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(e.to_string().contains("postgres://aigc:****@h/db"), "{e}");
    }

    #[test]
    fn gaps_are_named_per_source() {
        let coverage = vec![Coverage {
            account: "a".into(),
            provider: "tencent".into(),
            source: "vod.aigc_usage".into(),
            ranges: vec![Range::new(
                t("2025-11-05T00:00:00Z"),
                t("2025-11-30T23:59:59Z"),
            )],
        }];
        let found = gaps(
            &coverage,
            Range::new(t("2025-11-01T00:00:00Z"), t("2025-11-30T23:59:59Z")),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].source, "vod.aigc_usage");
        assert_eq!(found[0].range.end, t("2025-11-04T23:59:59Z"));
        assert_eq!(coverage[0].last_end(), Some(t("2025-11-30T23:59:59Z")));
    }
}
