//! Turning loaded rows into what the trait returns; the same for both backends.

use std::collections::BTreeMap;

use super::coverage::{self, Range};
use super::model::{self, CoveredRow, PointRow, SeriesRow};
use super::{Coverage, SourceStatus, StoredSeries};
use crate::error::Error;
use crate::series::Series;

/// Point counts of one (account, provider, source): rows, first and last (unix seconds,
/// offset seconds).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Counts {
    pub account: String,
    pub provider: String,
    pub source: String,
    pub rows: u64,
    pub first: (i64, i32),
    pub last: (i64, i32),
}

type SourceKey = (String, String, String);

/// `--from-store` series: with the `account` label, in the renderers' order.
pub(crate) fn to_read_series(
    loaded: Vec<(SeriesRow, Vec<PointRow>)>,
) -> Result<Vec<Series>, Error> {
    // By value: each series' rows are freed once its points are built.
    let mut series = loaded
        .into_iter()
        .map(|(row, points)| model::to_series(&row, &points, true))
        .collect::<Result<Vec<_>, Error>>()?;
    sort_for_reading(&mut series);
    Ok(series)
}

/// The order `--from-store` reads give: ties of (provider, source, name, metric) are
/// ordered by labels (account included).
pub(crate) fn sort_for_reading(series: &mut [Series]) {
    series.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.labels.cmp(&b.labels))
    });
}

/// `history export` series: without the `account` label, in key order.
pub(crate) fn to_stored_series(
    loaded: &[(SeriesRow, Vec<PointRow>)],
) -> Result<Vec<StoredSeries>, Error> {
    loaded
        .iter()
        .map(|(row, points)| {
            Ok(StoredSeries {
                account: row.key.account.clone(),
                series: model::to_series(row, points, false)?,
                synced_at: points
                    .iter()
                    .map(|p| model::utc(p.synced_at))
                    .collect::<Result<Vec<_>, Error>>()?,
            })
        })
        .collect()
}

fn ranges_by_source(
    rows: Vec<CoveredRow>,
) -> Result<BTreeMap<SourceKey, (Vec<Range>, i64)>, Error> {
    let mut by_source: BTreeMap<SourceKey, (Vec<Range>, i64)> = BTreeMap::new();
    for row in rows {
        let range = Range::new(
            model::to_time(row.start, row.start_offset)?,
            model::to_time(row.end, row.end_offset)?,
        );
        let entry = by_source
            .entry((row.account, row.provider, row.source))
            .or_insert_with(|| (Vec::new(), row.synced_at));
        entry.0.push(range);
        entry.1 = entry.1.max(row.synced_at);
    }
    for (ranges, _) in by_source.values_mut() {
        *ranges = coverage::merge(std::mem::take(ranges));
    }
    Ok(by_source)
}

pub(crate) fn to_coverage(rows: Vec<CoveredRow>) -> Result<Vec<Coverage>, Error> {
    Ok(ranges_by_source(rows)?
        .into_iter()
        .map(|((account, provider, source), (ranges, _))| Coverage {
            account,
            provider,
            source,
            ranges,
        })
        .collect())
}

pub(crate) fn to_status(
    counts: Vec<Counts>,
    covered: Vec<CoveredRow>,
) -> Result<Vec<SourceStatus>, Error> {
    let mut ranges = ranges_by_source(covered)?;
    let mut by_source: BTreeMap<SourceKey, SourceStatus> = BTreeMap::new();
    for c in counts {
        let key = (c.account.clone(), c.provider.clone(), c.source.clone());
        let (covered, last_sync) = match ranges.remove(&key) {
            Some((r, synced)) => (r, Some(model::utc(synced)?)),
            None => (Vec::new(), None),
        };
        by_source.insert(
            key,
            SourceStatus {
                account: c.account,
                provider: c.provider,
                source: c.source,
                first: Some(model::to_time(c.first.0, c.first.1)?),
                last: Some(model::to_time(c.last.0, c.last.1)?),
                covered,
                rows: c.rows,
                last_sync,
            },
        );
    }
    // Sources synced without a single point (an empty answer) are listed too.
    for ((account, provider, source), (covered, synced)) in ranges {
        by_source.insert(
            (account.clone(), provider.clone(), source.clone()),
            SourceStatus {
                account,
                provider,
                source,
                first: None,
                last: None,
                covered,
                rows: 0,
                last_sync: Some(model::utc(synced)?),
            },
        );
    }
    Ok(by_source.into_values().collect())
}
