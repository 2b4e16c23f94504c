//! The store's tables (spec §10, a contract for dashboards and SQL) and their migrations.
//!
//! Storage is normalized for size: `aigcusage_series` holds each series once (the key
//! without the time, plus unit and granularity), `aigcusage_point` one narrow row per
//! point (unix seconds, UTC offset, value, partial, synced_at), a WITHOUT ROWID table on
//! SQLite. `aigcusage_points` is the view with the columns §10 names, and
//! `aigcusage_schema(version)` says which migrations ran. `aigcusage_covered` keeps the
//! range every sync or import covered.

/// The schema this build writes; a store with a higher version is refused.
pub const CURRENT_VERSION: i64 = 1;

/// One step forward: the statements that take a store from `to - 1` to `to`.
pub struct Migration {
    pub to: i64,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// Every migration, in order. A new schema appends one (never edits an old one).
pub const MIGRATIONS: &[Migration] = &[Migration {
    to: 1,
    sqlite: SQLITE_V1,
    postgres: POSTGRES_V1,
}];

/// Creates the version table; both backends run it before reading the version.
pub const SQLITE_VERSION_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS aigcusage_schema (version INTEGER NOT NULL)";
pub const POSTGRES_VERSION_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS aigcusage_schema (version integer NOT NULL)";

const SQLITE_V1: &str = r#"
CREATE TABLE aigcusage_series (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    provider TEXT NOT NULL,
    source TEXT NOT NULL,
    name TEXT NOT NULL,
    metric TEXT NOT NULL,
    labels TEXT NOT NULL,
    unit TEXT,
    granularity TEXT,
    UNIQUE (account, provider, source, name, metric, labels)
);
CREATE TABLE aigcusage_point (
    series_id INTEGER NOT NULL REFERENCES aigcusage_series (id),
    time INTEGER NOT NULL,
    utc_offset INTEGER NOT NULL,
    value REAL NOT NULL,
    partial INTEGER NOT NULL,
    synced_at INTEGER NOT NULL,
    PRIMARY KEY (series_id, time)
) WITHOUT ROWID;
CREATE TABLE aigcusage_covered (
    account TEXT NOT NULL,
    provider TEXT NOT NULL,
    source TEXT NOT NULL,
    start INTEGER NOT NULL,
    start_offset INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    synced_at INTEGER NOT NULL
);
CREATE INDEX aigcusage_covered_source ON aigcusage_covered (account, provider, source);
CREATE VIEW aigcusage_points AS
SELECT s.account, s.provider, s.source, s.name AS series, s.metric, s.unit, s.labels,
       s.granularity,
       strftime('%Y-%m-%dT%H:%M:%S', p.time + p.utc_offset, 'unixepoch')
         || CASE WHEN p.utc_offset < 0 THEN '-' ELSE '+' END
         || printf('%02d:%02d', abs(p.utc_offset) / 3600, (abs(p.utc_offset) % 3600) / 60)
         AS time,
       p.value,
       p.partial <> 0 AS partial,
       strftime('%Y-%m-%dT%H:%M:%S', p.synced_at, 'unixepoch') || '+00:00' AS synced_at
FROM aigcusage_point p JOIN aigcusage_series s ON s.id = p.series_id;
"#;

const POSTGRES_V1: &str = r#"
CREATE TABLE aigcusage_series (
    id bigserial PRIMARY KEY,
    account text NOT NULL,
    provider text NOT NULL,
    source text NOT NULL,
    name text NOT NULL,
    metric text NOT NULL,
    labels jsonb NOT NULL,
    unit text,
    granularity text,
    UNIQUE (account, provider, source, name, metric, labels)
);
CREATE TABLE aigcusage_point (
    -- No foreign key: its per-row check would cost more than the insert; only the
    -- transaction that upserted the series writes its points.
    series_id bigint NOT NULL,
    time bigint NOT NULL,
    utc_offset integer NOT NULL,
    value double precision NOT NULL,
    partial boolean NOT NULL,
    synced_at bigint NOT NULL,
    PRIMARY KEY (series_id, time)
);
CREATE TABLE aigcusage_covered (
    account text NOT NULL,
    provider text NOT NULL,
    source text NOT NULL,
    start bigint NOT NULL,
    start_offset integer NOT NULL,
    "end" bigint NOT NULL,
    end_offset integer NOT NULL,
    synced_at bigint NOT NULL
);
CREATE INDEX aigcusage_covered_source ON aigcusage_covered (account, provider, source);
CREATE VIEW aigcusage_points AS
SELECT s.account, s.provider, s.source, s.name AS series, s.metric, s.unit, s.labels,
       s.granularity, to_timestamp(p.time) AS time, p.value, p.partial,
       to_timestamp(p.synced_at) AS synced_at
FROM aigcusage_point p JOIN aigcusage_series s ON s.id = p.series_id;
"#;

/// The migrations that take a store at `version` to [`CURRENT_VERSION`].
pub fn pending(version: i64) -> impl Iterator<Item = &'static Migration> {
    MIGRATIONS.iter().filter(move |m| m.to > version)
}

/// The refusal of a store written by a newer aigcusage.
pub fn newer_error(redacted_url: &str, version: i64) -> crate::error::Error {
    crate::error::Error::config(format!(
        "store at {redacted_url} has schema version {version}; this aigcusage supports up to {CURRENT_VERSION}: upgrade aigcusage"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_consecutive_and_end_at_the_current_version() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.to, i as i64 + 1);
        }
        assert_eq!(MIGRATIONS.last().unwrap().to, CURRENT_VERSION);
        assert_eq!(pending(0).count(), MIGRATIONS.len());
        assert_eq!(pending(CURRENT_VERSION).count(), 0);
    }

    #[test]
    fn newer_store_message_names_both_versions() {
        let e = newer_error("/tmp/h.db", 9);
        assert_eq!(e.exit_code(), 3);
        assert_eq!(
            e.to_string(),
            format!("store at /tmp/h.db has schema version 9; this aigcusage supports up to {CURRENT_VERSION}: upgrade aigcusage")
        );
    }
}
