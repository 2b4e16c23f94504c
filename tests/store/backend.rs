//! The two backends as the shared suite sees them: a fresh empty store, and raw SQL
//! for what the trait does not do (reading the view, forcing a schema version).

use std::collections::BTreeMap;

use aigcusage::series::{Granularity, Point, Series};
use aigcusage::store::StoreUrl;
use chrono::{DateTime, FixedOffset};

use crate::pg;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub struct Fresh {
    /// The URL as a user would write it (with the password for PostgreSQL).
    pub text: String,
    pub url: StoreUrl,
    _dir: Option<tempfile::TempDir>,
}

pub async fn fresh(kind: Kind) -> Fresh {
    match kind {
        Kind::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let text = format!("sqlite:{}", dir.path().join("sub/history.db").display());
            Fresh {
                url: StoreUrl::parse(&text, |_| None).unwrap(),
                text,
                _dir: Some(dir),
            }
        }
        Kind::Postgres => {
            let text = pg::fresh_database_url().await;
            Fresh {
                url: StoreUrl::parse(&text, |_| None).unwrap(),
                text,
                _dir: None,
            }
        }
    }
}

/// Runs `sql` directly; returns each row's columns as text (NULL as "NULL").
pub async fn sql(url: &StoreUrl, sql: &str) -> Vec<Vec<String>> {
    match url {
        StoreUrl::Sqlite(path) => {
            let connection = rusqlite::Connection::open(path).unwrap();
            let mut rows_out = Vec::new();
            let mut statement = connection.prepare(sql).unwrap();
            let columns = statement.column_count();
            let mut rows = statement.query([]).unwrap();
            while let Some(row) = rows.next().unwrap() {
                let mut out = Vec::new();
                for i in 0..columns {
                    use rusqlite::types::ValueRef;
                    out.push(match row.get_ref(i).unwrap() {
                        ValueRef::Null => "NULL".to_string(),
                        ValueRef::Integer(v) => v.to_string(),
                        ValueRef::Real(v) => v.to_string(),
                        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                        ValueRef::Blob(_) => "BLOB".to_string(),
                    });
                }
                rows_out.push(out);
            }
            rows_out
        }
        StoreUrl::Postgres(url) => {
            let client = pg::connect(pg::server().port, &url.dbname).await;
            let mut rows_out = Vec::new();
            for message in client.simple_query(sql).await.unwrap() {
                if let tokio_postgres::SimpleQueryMessage::Row(row) = message {
                    rows_out.push(
                        (0..row.len())
                            .map(|i| row.get(i).unwrap_or("NULL").to_string())
                            .collect(),
                    );
                }
            }
            rows_out
        }
    }
}

pub fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

/// A VOD day series (+08:00 days) with the given (date, value, partial) points.
pub fn vod_days(name: &str, points: &[(&str, f64, bool)]) -> Series {
    Series {
        provider: "tencent".into(),
        source: "vod.aigc_usage".into(),
        name: name.into(),
        metric: "usage".into(),
        unit: Some("seconds".into()),
        granularity: Some(Granularity::Day),
        aggregation: Default::default(),
        labels: BTreeMap::from([
            ("aigc_type".to_string(), "Video".to_string()),
            ("specification".to_string(), name.to_string()),
        ]),
        points: points
            .iter()
            .map(|&(day, value, partial)| Point {
                partial,
                ..Point::new(t(&format!("{day}T00:00:00+08:00")), value)
            })
            .collect(),
        exact_total: None,
    }
}

/// An LKE hourly series in UTC.
pub fn lke_hours(name: &str, first: &str, values: &[f64]) -> Series {
    let start = t(first);
    Series {
        provider: "tencent".into(),
        source: "lke.token_usage".into(),
        name: name.into(),
        metric: "tokens".into(),
        unit: Some("tokens".into()),
        granularity: Some(Granularity::Hour),
        aggregation: Default::default(),
        labels: BTreeMap::new(),
        points: values
            .iter()
            .enumerate()
            .map(|(i, &v)| Point::new(start + chrono::Duration::hours(i as i64), v))
            .collect(),
        exact_total: None,
    }
}
