//! The rows both backends store and load, and their conversion from and to `Series`.
//!
//! Both backends keep the same normalized shape: one row per series (the key without
//! the time, plus unit and granularity) and one per point (time and its UTC offset in
//! seconds, value, partial, synced_at in unix seconds). Everything that is not SQL is
//! done here once.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, FixedOffset, TimeZone};

use super::coverage::Range;
use super::{SourceWrite, StoredSeries};
use crate::error::Error;
use crate::series::{Granularity, Point, Series};

/// A series' key without the time: (account, provider, source, name, metric, labels).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct SeriesKey {
    pub account: String,
    pub provider: String,
    pub source: String,
    pub name: String,
    pub metric: String,
    /// The labels as compact JSON with sorted keys (a `BTreeMap` serialized).
    pub labels: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SeriesRow {
    pub key: SeriesKey,
    pub unit: Option<String>,
    pub granularity: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PointRow {
    /// Unix seconds of the bucket start.
    pub time: i64,
    /// The UTC offset the point was written with, in seconds.
    pub offset: i32,
    pub value: f64,
    pub partial: bool,
    /// Unix seconds.
    pub synced_at: i64,
}

/// A covered range as stored: closed, in unix seconds with the offsets written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CoveredRow {
    pub account: String,
    pub provider: String,
    pub source: String,
    pub start: i64,
    pub start_offset: i32,
    pub end: i64,
    pub end_offset: i32,
    pub synced_at: i64,
}

/// Everything one transaction writes.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub series: Vec<(SeriesRow, Vec<PointRow>)>,
    pub covered: Vec<CoveredRow>,
}

impl Batch {
    pub fn points(&self) -> usize {
        self.series.iter().map(|(_, p)| p.len()).sum()
    }
}

pub(crate) fn labels_json(labels: &BTreeMap<String, String>) -> String {
    // A map of strings always serializes.
    serde_json::to_string(labels).unwrap_or_else(|_| "{}".to_string())
}

pub(crate) fn parse_labels(text: &str) -> Result<BTreeMap<String, String>, Error> {
    serde_json::from_str(text).map_err(|e| {
        Error::Internal(format!(
            "store: labels {text:?} are not a JSON object of strings: {e}"
        ))
    })
}

pub(crate) fn parse_granularity(text: &str) -> Option<Granularity> {
    [
        Granularity::FiveMinutes,
        Granularity::FifteenMinutes,
        Granularity::Hour,
        Granularity::Day,
        Granularity::Week,
        Granularity::Month,
    ]
    .into_iter()
    .find(|g| g.as_str() == text)
}

pub(crate) fn to_time(seconds: i64, offset: i32) -> Result<DateTime<FixedOffset>, Error> {
    let zone = FixedOffset::east_opt(offset)
        .ok_or_else(|| Error::Internal(format!("store: invalid UTC offset {offset} s")))?;
    zone.timestamp_opt(seconds, 0)
        .single()
        .ok_or_else(|| Error::Internal(format!("store: invalid time {seconds}")))
}

pub(crate) fn utc(seconds: i64) -> Result<DateTime<FixedOffset>, Error> {
    to_time(seconds, 0)
}

fn offset_of(time: &DateTime<FixedOffset>) -> i32 {
    time.offset().local_minus_utc()
}

fn covered_row(
    account: &str,
    provider: &str,
    source: &str,
    range: Range,
    synced_at: i64,
) -> CoveredRow {
    CoveredRow {
        account: account.to_string(),
        provider: provider.to_string(),
        source: source.to_string(),
        start: range.start.timestamp(),
        start_offset: offset_of(&range.start),
        end: range.end.timestamp(),
        end_offset: offset_of(&range.end),
        synced_at,
    }
}

/// What writing `new` does to the covered ranges of its (account, provider, source):
/// the stored rows it overlaps or touches (directly or through another such row) are
/// deleted and their union inserted in their place, so a range synced or imported twice
/// is stored once. `stored` may hold other sources' rows; they are left alone. Returns
/// (the rows to delete, the row to insert).
pub(crate) fn absorb_covered(
    stored: &[CoveredRow],
    new: &CoveredRow,
) -> (Vec<CoveredRow>, CoveredRow) {
    let mut merged = new.clone();
    let mut candidates: Vec<&CoveredRow> = stored
        .iter()
        .filter(|r| {
            r.account == new.account && r.provider == new.provider && r.source == new.source
        })
        .collect();
    let mut absorbed = Vec::new();
    // Each absorbed row can widen the union so that it touches another: repeat until
    // nothing more joins (a store holds few ranges per source).
    loop {
        let before = absorbed.len();
        candidates.retain(|r| {
            // Closed ranges in whole seconds: touching is one second apart. An empty
            // range (a sync whose start is after now) joins only its own copies.
            let joins = if merged.start > merged.end || r.start > r.end {
                r.start == merged.start && r.end == merged.end
            } else {
                r.start <= merged.end + 1 && merged.start <= r.end + 1
            };
            if joins {
                if r.start < merged.start {
                    merged.start = r.start;
                    merged.start_offset = r.start_offset;
                }
                if r.end > merged.end {
                    merged.end = r.end;
                    merged.end_offset = r.end_offset;
                }
                merged.synced_at = merged.synced_at.max(r.synced_at);
                absorbed.push((*r).clone());
            }
            !joins
        });
        if absorbed.len() == before {
            break;
        }
    }
    (absorbed, merged)
}

/// Collects series under their keys: series with the same key are joined, points of
/// one time keep the last one given (so a keyed upsert never sees a key twice).
#[derive(Default)]
struct Collector {
    index: HashMap<SeriesKey, usize>,
    series: Vec<(SeriesRow, Vec<PointRow>)>,
}

impl Collector {
    fn add(&mut self, row: SeriesRow, points: impl Iterator<Item = PointRow>) {
        let slot = match self.index.get(&row.key) {
            Some(&i) => {
                // The last unit and granularity given win, as a later upsert would.
                self.series[i].0 = row;
                i
            }
            None => {
                self.index.insert(row.key.clone(), self.series.len());
                self.series.push((row, Vec::new()));
                self.series.len() - 1
            }
        };
        self.series[slot].1.extend(points);
    }

    fn finish(mut self) -> Vec<(SeriesRow, Vec<PointRow>)> {
        for (_, points) in &mut self.series {
            keep_last_of_each_time(points);
        }
        self.series.sort_by(|a, b| a.0.key.cmp(&b.0.key));
        self.series
    }
}

/// Sorts `points` by time and keeps the last of those given for one time. Stable: equal
/// times stay in the order given; in place (no second copy of a large answer).
fn keep_last_of_each_time(points: &mut Vec<PointRow>) {
    points.sort_by_key(|p| p.time);
    let mut kept = 0;
    for i in 0..points.len() {
        let p = points[i];
        if kept > 0 && points[kept - 1].time == p.time {
            points[kept - 1] = p;
        } else {
            points[kept] = p;
            kept += 1;
        }
    }
    points.truncate(kept);
}

fn series_row(account: &str, s: &Series) -> SeriesRow {
    SeriesRow {
        key: SeriesKey {
            account: account.to_string(),
            provider: s.provider.clone(),
            source: s.source.clone(),
            name: s.name.clone(),
            metric: s.metric.clone(),
            labels: labels_json(&s.labels),
        },
        unit: s.unit.clone(),
        granularity: s.granularity.map(|g| g.as_str().to_string()),
    }
}

/// What `sync` writes for one source, planned per series key before any point is
/// converted: each key's row (the last unit and granularity given win, as a later upsert
/// would) with the indexes of its series in the order given, keys in order; and the
/// covered range.
pub(crate) struct SourcePlan {
    pub keys: Vec<(SeriesRow, Vec<usize>)>,
    pub covered: CoveredRow,
    synced_at: i64,
}

pub(crate) fn plan_source(write: &SourceWrite<'_>) -> Result<SourcePlan, Error> {
    let synced_at = write.synced_at.timestamp();
    let mut index: HashMap<SeriesKey, usize> = HashMap::new();
    let mut keys: Vec<(SeriesRow, Vec<usize>)> = Vec::new();
    for (i, s) in write.series.iter().enumerate() {
        if s.provider != write.provider || s.source != write.source {
            return Err(Error::Internal(format!(
                "store: series {} of {} {} written as {} {}",
                s.name, s.provider, s.source, write.provider, write.source
            )));
        }
        let row = series_row(write.account, s);
        match index.get(&row.key) {
            Some(&slot) => {
                keys[slot].0 = row;
                keys[slot].1.push(i);
            }
            None => {
                index.insert(row.key.clone(), keys.len());
                keys.push((row, vec![i]));
            }
        }
    }
    keys.sort_by(|a, b| a.0.key.cmp(&b.0.key));
    Ok(SourcePlan {
        keys,
        covered: covered_row(
            write.account,
            write.provider,
            write.source,
            write.covered,
            synced_at,
        ),
        synced_at,
    })
}

impl SourcePlan {
    /// The rows of one planned key: the points of its series (`indexes` into
    /// `write.series`), by time, the last one given for a time kept.
    pub fn points(&self, write: &SourceWrite<'_>, indexes: &[usize]) -> Vec<PointRow> {
        let count = indexes.iter().map(|&i| write.series[i].points.len()).sum();
        let mut points = Vec::with_capacity(count);
        for &i in indexes {
            points.extend(write.series[i].points.iter().map(|p| PointRow {
                time: p.time.timestamp(),
                offset: offset_of(&p.time),
                value: p.value,
                partial: p.partial,
                synced_at: self.synced_at,
            }));
        }
        keep_last_of_each_time(&mut points);
        points
    }
}

/// The batch `sync` writes for one source, all at once.
pub(crate) fn batch_from_source(write: &SourceWrite<'_>) -> Result<Batch, Error> {
    let plan = plan_source(write)?;
    let series = plan
        .keys
        .iter()
        .map(|(row, indexes)| (row.clone(), plan.points(write, indexes)))
        .collect();
    Ok(Batch {
        series,
        covered: vec![plan.covered],
    })
}

/// The batch `history import` writes: the rows as given, and per (account, source) one
/// covered range from its first row's bucket start to its last row's bucket end.
pub(crate) fn batch_from_import(series: &[StoredSeries]) -> Result<Batch, Error> {
    let mut collector = Collector::default();
    // (account, provider, source) → (first start, last end, latest synced_at)
    type Span = (DateTime<FixedOffset>, DateTime<FixedOffset>, i64);
    let mut spans: BTreeMap<(String, String, String), Span> = BTreeMap::new();
    for stored in series {
        let s = &stored.series;
        if stored.synced_at.len() != s.points.len() {
            return Err(Error::Internal(
                "store: import: one synced_at per point expected".into(),
            ));
        }
        collector.add(
            series_row(&stored.account, s),
            s.points
                .iter()
                .zip(&stored.synced_at)
                .map(|(p, synced)| PointRow {
                    time: p.time.timestamp(),
                    offset: offset_of(&p.time),
                    value: p.value,
                    partial: p.partial,
                    synced_at: synced.timestamp(),
                }),
        );
        for (p, synced) in s.points.iter().zip(&stored.synced_at) {
            let bucket_end = match s.granularity {
                Some(g) => g.bucket_end(p.time),
                None => p.time + Duration::seconds(1),
            };
            // Ranges are closed: the bucket's last second.
            let last_second = bucket_end - Duration::seconds(1);
            let key = (stored.account.clone(), s.provider.clone(), s.source.clone());
            let span = spans
                .entry(key)
                .or_insert((p.time, last_second, synced.timestamp()));
            if p.time < span.0 {
                span.0 = p.time;
            }
            if last_second > span.1 {
                span.1 = last_second;
            }
            span.2 = span.2.max(synced.timestamp());
        }
    }
    let covered = spans
        .into_iter()
        .map(|((account, provider, source), (start, end, synced_at))| {
            covered_row(
                &account,
                &provider,
                &source,
                Range::new(start, end),
                synced_at,
            )
        })
        .collect();
    Ok(Batch {
        series: collector.finish(),
        covered,
    })
}

/// A loaded series row and its points as the `Series` the renderers take, with the
/// `account` label. The one place a `Series` is built from stored rows.
pub(crate) fn to_series(
    row: &SeriesRow,
    points: &[PointRow],
    with_account_label: bool,
) -> Result<Series, Error> {
    let mut series = series_without_points(row.clone(), with_account_label)?;
    series.points = points
        .iter()
        .map(|p| to_point(p.time, p.offset, p.value, p.partial))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(series)
}

/// The `Series` of a stored series row with no points yet: its labels parsed once (with
/// the `account` label when asked), its granularity known.
pub(crate) fn series_without_points(
    row: SeriesRow,
    with_account_label: bool,
) -> Result<Series, Error> {
    let mut labels = parse_labels(&row.key.labels)?;
    if with_account_label {
        labels.insert("account".to_string(), row.key.account);
    }
    Ok(Series {
        provider: row.key.provider,
        source: row.key.source,
        name: row.key.name,
        metric: row.key.metric,
        unit: row.unit,
        granularity: row.granularity.as_deref().and_then(parse_granularity),
        aggregation: Default::default(),
        labels,
        points: Vec::new(),
        exact_total: None,
    })
}

/// A stored point (unix seconds, offset seconds) as a `Point`.
pub(crate) fn to_point(time: i64, offset: i32, value: f64, partial: bool) -> Result<Point, Error> {
    Ok(Point {
        partial,
        ..Point::new(to_time(time, offset)?, value)
    })
}

/// Builds the times of stored points, reusing those of the series read before: the
/// series of one source mostly share their buckets, and a time costs more to build than
/// to compare.
#[derive(Default)]
pub(crate) struct TimeReuse {
    /// (unix seconds, offset seconds, time) of the points read so far, by index.
    by_index: Vec<(i64, i32, DateTime<FixedOffset>)>,
}

impl TimeReuse {
    /// The time of the `index`-th point of a series: [`to_time`]`(seconds, offset)`.
    pub fn at(
        &mut self,
        index: usize,
        seconds: i64,
        offset: i32,
    ) -> Result<DateTime<FixedOffset>, Error> {
        if let Some(&(s, o, time)) = self.by_index.get(index) {
            if s == seconds && o == offset {
                return Ok(time);
            }
        }
        let time = to_time(seconds, offset)?;
        match self.by_index.get_mut(index) {
            Some(slot) => *slot = (seconds, offset, time),
            None => self.by_index.push((seconds, offset, time)),
        }
        Ok(time)
    }
}

/// [`keep_overlapping`] for built points: drops those whose bucket does not overlap
/// `range` (spec §5's overlap rule).
pub(crate) fn keep_overlapping_points(
    granularity: Option<Granularity>,
    points: &mut Vec<Point>,
    range: Option<Range>,
) {
    let Some(range) = range else { return };
    let (start, end) = (range.start.timestamp(), range.end.timestamp());
    points.retain(|p| {
        let time = p.time.timestamp();
        if time > end {
            return false;
        }
        // Every bucket ends after it starts: one starting at or after `start` overlaps,
        // and only earlier ones need their end.
        if time >= start {
            return true;
        }
        let bucket_end = match granularity {
            Some(g) => g.bucket_end(p.time).timestamp(),
            None => time + 1,
        };
        bucket_end > start
    });
}

/// Drops the points whose bucket does not overlap `range` (spec §5's overlap rule).
pub(crate) fn keep_overlapping(
    granularity: Option<&str>,
    points: &mut Vec<PointRow>,
    range: Option<Range>,
) -> Result<(), Error> {
    let Some(range) = range else { return Ok(()) };
    let granularity = granularity.and_then(parse_granularity);
    let (start, end) = (range.start.timestamp(), range.end.timestamp());
    let mut result = Ok(());
    points.retain(|p| {
        if p.time > end {
            return false;
        }
        // Every bucket ends after it starts: only those starting before `start` need
        // their end.
        if p.time >= start {
            return true;
        }
        let bucket_end = match granularity {
            Some(g) => match to_time(p.time, p.offset) {
                Ok(t) => g.bucket_end(t).timestamp(),
                Err(e) => {
                    result = Err(e);
                    return false;
                }
            },
            None => p.time + 1,
        };
        bucket_end > start
    });
    result
}

/// Rows of a backend grouped by series id, in the store's key order.
pub(crate) fn group_loaded(
    series: HashMap<i64, SeriesRow>,
    points: Vec<(i64, PointRow)>,
) -> Vec<(SeriesRow, Vec<PointRow>)> {
    let mut by_id: HashMap<i64, Vec<PointRow>> = HashMap::new();
    for (id, p) in points {
        by_id.entry(id).or_default().push(p);
    }
    let mut out: Vec<(SeriesRow, Vec<PointRow>)> = series
        .into_iter()
        .filter_map(|(id, row)| {
            let mut points = by_id.remove(&id)?;
            points.sort_by_key(|p| p.time);
            Some((row, points))
        })
        .collect();
    out.sort_by(|a, b| a.0.key.cmp(&b.0.key));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn reused_times_are_the_times_of_the_stored_seconds() {
        let mut times = TimeReuse::default();
        let day = 86_400;
        let first = t("2025-11-01T00:00:00Z").timestamp();
        for (index, offset) in [(0, 0), (1, 0), (2, 8 * 3600)] {
            let seconds = first + index as i64 * day;
            assert_eq!(
                times.at(index, seconds, offset).unwrap(),
                to_time(seconds, offset).unwrap()
            );
        }
        // The next series: the same first point, a second one of another offset, a
        // third at another time.
        assert_eq!(times.at(0, first, 0).unwrap(), to_time(first, 0).unwrap());
        let second = to_time(first + day, 3600).unwrap();
        assert_eq!(times.at(1, first + day, 3600).unwrap(), second);
        assert_eq!(second.offset().local_minus_utc(), 3600);
        assert_eq!(
            times.at(2, first + 7, 8 * 3600).unwrap(),
            to_time(first + 7, 8 * 3600).unwrap()
        );
        assert!(times.at(3, first, 99 * 3600).is_err());
    }

    #[test]
    fn a_covered_range_absorbs_the_ranges_it_overlaps_or_touches() {
        let row = |source: &str, start: i64, end: i64, synced_at: i64| CoveredRow {
            account: "a".into(),
            provider: "tencent".into(),
            source: source.into(),
            start,
            start_offset: 0,
            end,
            end_offset: 0,
            synced_at,
        };
        let stored = [
            row("vod", 0, 9, 1),
            // Touches the new range (ends one second before it starts).
            row("vod", 10, 19, 2),
            // Joins only through the one after it: absorbed once the union grows.
            row("vod", 40, 49, 3),
            row("vod", 25, 39, 4),
            row("vod", 60, 69, 5),
            row("lke", 20, 30, 6),
        ];
        let (replaced, merged) = absorb_covered(&stored, &row("vod", 20, 24, 7));
        let mut replaced: Vec<(i64, i64)> = replaced.iter().map(|r| (r.start, r.end)).collect();
        replaced.sort();
        assert_eq!(replaced, [(0, 9), (10, 19), (25, 39), (40, 49)]);
        assert_eq!(merged, row("vod", 0, 49, 7));
        // The same range again: it replaces its copy.
        let (replaced, merged) =
            absorb_covered(std::slice::from_ref(&merged), &row("vod", 0, 49, 7));
        assert_eq!((replaced.len(), merged), (1, row("vod", 0, 49, 7)));
        // Disjoint: nothing replaced.
        let (replaced, _) = absorb_covered(&stored, &row("vod", 51, 58, 7));
        assert!(replaced.is_empty());
        // The earliest start and latest end keep their own offsets.
        let mut early = row("vod", 0, 9, 1);
        early.start_offset = 8 * 3600;
        let (_, merged) = absorb_covered(&[early], &row("vod", 5, 30, 2));
        assert_eq!(
            (merged.start, merged.start_offset, merged.end),
            (0, 8 * 3600, 30)
        );
    }

    #[test]
    fn a_time_given_twice_keeps_the_last_value() {
        let series = |values: &[(&str, f64)]| Series {
            provider: "acedata".into(),
            source: "acedata.api_usage".into(),
            name: "x".into(),
            metric: "amount".into(),
            unit: None,
            granularity: Some(Granularity::Day),
            aggregation: Default::default(),
            labels: Default::default(),
            points: values.iter().map(|(s, v)| Point::new(t(s), *v)).collect(),
            exact_total: None,
        };
        let given = [
            series(&[
                ("2025-11-02T00:00:00Z", 1.0),
                ("2025-11-01T00:00:00Z", 2.0),
                ("2025-11-02T00:00:00Z", 3.0),
            ]),
            // The same key again: joined, its points after the first one's.
            series(&[("2025-11-01T00:00:00Z", 4.0), ("2025-11-03T00:00:00Z", 5.0)]),
        ];
        let batch = batch_from_source(&SourceWrite {
            account: "a",
            provider: "acedata",
            source: "acedata.api_usage",
            covered: Range::new(t("2025-11-01T00:00:00Z"), t("2025-11-03T23:59:59Z")),
            series: &given,
            synced_at: t("2025-11-04T00:00:00Z"),
        })
        .unwrap();
        assert_eq!(batch.series.len(), 1);
        let kept: Vec<(i64, f64)> = batch.series[0]
            .1
            .iter()
            .map(|p| (p.time, p.value))
            .collect();
        let day = |s: &str| t(s).timestamp();
        assert_eq!(
            kept,
            [
                (day("2025-11-01T00:00:00Z"), 4.0),
                (day("2025-11-02T00:00:00Z"), 3.0),
                (day("2025-11-03T00:00:00Z"), 5.0),
            ]
        );
    }

    proptest! {
        /// Stored rows and built points are cut by the overlap rule, the same way.
        #[test]
        fn overlap_of_rows_and_of_points_is_the_rule(
            raw in prop::collection::vec((0i64..24 * 80, prop::sample::select(vec![0, 8 * 3600, -5 * 3600])), 0..30),
            granularity in prop::option::of(prop::sample::select(vec![
                Granularity::FiveMinutes,
                Granularity::Hour,
                Granularity::Day,
                Granularity::Week,
                Granularity::Month,
            ])),
            start_hours in 0i64..24 * 80,
            length_hours in 0i64..24 * 40,
            everything in any::<bool>(),
        ) {
            let base = t("2025-10-01T00:00:00Z").timestamp();
            let mut rows: Vec<PointRow> = raw
                .iter()
                .map(|&(hours, offset)| PointRow {
                    time: base + hours * 3600,
                    offset,
                    value: hours as f64,
                    partial: hours % 2 == 0,
                    synced_at: base,
                })
                .collect();
            let range = (!everything).then(|| {
                let start = utc(base + start_hours * 3600).unwrap();
                Range::new(start, start + Duration::hours(length_hours))
            });
            let mut points: Vec<Point> = rows
                .iter()
                .map(|p| to_point(p.time, p.offset, p.value, p.partial).unwrap())
                .collect();
            // The rule itself (§5): the bucket starts by the end and ends after the start.
            let reference: Vec<PointRow> = rows
                .iter()
                .copied()
                .filter(|p| {
                    let Some(range) = range else { return true };
                    let time = to_time(p.time, p.offset).unwrap();
                    let bucket_end = match granularity {
                        Some(g) => g.bucket_end(time),
                        None => time + Duration::seconds(1),
                    };
                    time <= range.end && bucket_end > range.start
                })
                .collect();
            keep_overlapping(granularity.map(|g| g.as_str()), &mut rows, range).unwrap();
            prop_assert_eq!(&rows, &reference);
            keep_overlapping_points(granularity, &mut points, range);
            let expected: Vec<Point> = rows
                .iter()
                .map(|p| to_point(p.time, p.offset, p.value, p.partial).unwrap())
                .collect();
            prop_assert_eq!(points, expected);
        }
    }
}
