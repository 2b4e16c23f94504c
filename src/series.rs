//! The normalized model every provider produces and every renderer prints (spec §5).
//! No HTTP, no I/O.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Datelike, Duration, FixedOffset, Months, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::zone::Zone;

/// The width of a point's bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Granularity {
    #[serde(rename = "5m")]
    FiveMinutes,
    #[serde(rename = "15m")]
    FifteenMinutes,
    #[serde(rename = "hour")]
    Hour,
    #[serde(rename = "day")]
    Day,
    #[serde(rename = "week")]
    Week,
    #[serde(rename = "month")]
    Month,
}

impl Granularity {
    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::FiveMinutes => "5m",
            Granularity::FifteenMinutes => "15m",
            Granularity::Hour => "hour",
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }

    /// Day and longer buckets keep the provider's own calendar (spec §5).
    pub fn is_calendar(self) -> bool {
        self >= Granularity::Day
    }

    /// The end (exclusive) of the bucket that starts at `start`.
    pub fn bucket_end(self, start: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        match self.fixed_step() {
            Some(step) => start + step,
            None => start
                .checked_add_months(Months::new(1))
                .unwrap_or(start + Duration::days(31)),
        }
    }

    /// The width of every bucket, when it does not depend on the calendar (all but months).
    fn fixed_step(self) -> Option<Duration> {
        match self {
            Granularity::FiveMinutes => Some(Duration::minutes(5)),
            Granularity::FifteenMinutes => Some(Duration::minutes(15)),
            Granularity::Hour => Some(Duration::hours(1)),
            Granularity::Day => Some(Duration::days(1)),
            Granularity::Week => Some(Duration::weeks(1)),
            Granularity::Month => None,
        }
    }

    /// The granularity whose step is exactly `seconds`, if any.
    pub fn from_step_seconds(seconds: i64) -> Option<Granularity> {
        match seconds {
            300 => Some(Granularity::FiveMinutes),
            900 => Some(Granularity::FifteenMinutes),
            3600 => Some(Granularity::Hour),
            86_400 => Some(Granularity::Day),
            604_800 => Some(Granularity::Week),
            _ => None,
        }
    }

    /// The start of the bucket of this granularity that holds a calendar day
    /// (used by `report --group-by`; weeks start on Monday).
    pub fn bucket_of_day(self, day: NaiveDate) -> NaiveDate {
        match self {
            Granularity::Week => {
                day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
            }
            Granularity::Month => day.with_day(1).unwrap_or(day),
            _ => day,
        }
    }
}

impl fmt::Display for Granularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One bucket of a series. `time` is the start of the bucket, with the offset the
/// provider used (so a provider's day is never shifted into another calendar).
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub time: DateTime<FixedOffset>,
    pub value: f64,
    /// The bucket is not over yet (spec §5).
    pub partial: bool,
}

impl Point {
    pub fn new(time: DateTime<FixedOffset>, value: f64) -> Self {
        Self {
            time,
            value,
            partial: false,
        }
    }
}

/// How the values of a series combine over time (spec §5 v3, "Non-additive metrics").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregation {
    /// Values add up: the total is the sum, a longer bucket the sum of its parts.
    #[default]
    Sum,
    /// Values cannot be added (a count of distinct things): no total, and a longer
    /// bucket keeps the largest value.
    Max,
}

impl Aggregation {
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregation::Sum => "sum",
            Aggregation::Max => "max",
        }
    }

    /// Folds one more value into a bucket's value.
    pub fn combine(self, acc: f64, value: f64) -> f64 {
        match self {
            Aggregation::Sum => acc + value,
            Aggregation::Max => acc.max(value),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// `tencent`, `alibaba`, `acedata`.
    pub provider: String,
    /// `vod.aigc_usage`, `lke.token_usage`, `modelrouter.cost_trend`, `acedata.api_usage`.
    pub source: String,
    pub name: String,
    pub metric: String,
    pub unit: Option<String>,
    pub granularity: Option<Granularity>,
    pub labels: BTreeMap<String, String>,
    pub points: Vec<Point>,
    /// How the values combine over time; `Max` series have no total.
    pub aggregation: Aggregation,
    /// A cost series' exact total (spec §8: costs are summed exactly and rounded only
    /// when printed; its points are already rounded, so their sum can be off by the
    /// last place). `None` for every other series.
    pub exact_total: Option<Decimal>,
}

impl Series {
    /// The sum of the values, or `None` when they cannot be added (spec §5 v3).
    pub fn total(&self) -> Option<f64> {
        match self.aggregation {
            Aggregation::Sum => Some(match self.exact_total {
                Some(exact) => crate::cost::money::cost_to_f64(exact),
                None => self.points.iter().map(|p| p.value).sum(),
            }),
            Aggregation::Max => None,
        }
    }

    /// The key series are ordered by (spec §5).
    pub fn sort_key(&self) -> (&str, &str, &str, &str) {
        (&self.provider, &self.source, &self.name, &self.metric)
    }
}

/// What was asked: printed in the JSON document's `query` and in the table caption.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    pub tz: Zone,
    /// The commands that produced the series, e.g. `["vod usage"]`.
    pub commands: Vec<String>,
}

/// A provider that failed inside `report` (spec §4, `failures`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub provider: String,
    pub source: String,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

/// Everything a renderer needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub query: Query,
    pub series: Vec<Series>,
    /// `Some` only for `report`, whose JSON carries a `failures` array.
    pub failures: Option<Vec<Failure>>,
    /// `Some` with `--cost`: the JSON's `cost` and `unpriced`, the table's totals.
    pub cost: Option<crate::cost::summary::CostSummary>,
    /// (v3) `--from-store`: the parts of the range no sync covered (JSON `gaps`).
    pub gaps: Option<Vec<crate::store::Gap>>,
}

impl Report {
    pub fn new(query: Query, mut series: Vec<Series>) -> Self {
        sort_canonical(&mut series);
        Self {
            query,
            series,
            failures: None,
            cost: None,
            gaps: None,
        }
    }
}

/// Series sorted by (provider, source, name, metric), points by time.
pub fn sort_canonical(series: &mut [Series]) {
    for s in series.iter_mut() {
        // Providers mostly hand them over in order already.
        if !s.points.is_sorted_by_key(|p| p.time) {
            s.points.sort_by_key(|p| p.time);
        }
    }
    series.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

/// Applies the query window to a series (spec §5): points whose bucket does not overlap
/// `[start, end]` are dropped, and so are buckets that start after `now` (spec §5 v3: no
/// provider answers for the future); buckets that are not over yet (they end after `now`,
/// or more than one second after `end`) are marked partial.
pub fn apply_window(
    series: &mut Series,
    start: DateTime<FixedOffset>,
    end: DateTime<FixedOffset>,
    now: DateTime<Utc>,
) {
    let granularity = series.granularity;
    let slack_end = end + Duration::seconds(1);
    let latest_start = end.min(now.fixed_offset());
    // Buckets of a fixed width: `time + step > x` is `time > x - step`, so the two
    // thresholds are moved once instead of computing every point's bucket end.
    if let Some(step) = granularity.and_then(Granularity::fixed_step) {
        let over_by = slack_end.min(now.fixed_offset());
        if let (Some(after), Some(partial_after)) = (
            start.checked_sub_signed(step),
            over_by.checked_sub_signed(step),
        ) {
            series.points.retain_mut(|point| {
                let overlaps = point.time <= latest_start && point.time > after;
                if overlaps {
                    point.partial = point.time > partial_after;
                }
                overlaps
            });
            return;
        }
    }
    window_by_bucket_end(series, start, end, now);
}

/// [`apply_window`] computing each point's bucket end (months, instants).
fn window_by_bucket_end(
    series: &mut Series,
    start: DateTime<FixedOffset>,
    end: DateTime<FixedOffset>,
    now: DateTime<Utc>,
) {
    let granularity = series.granularity;
    let slack_end = end + Duration::seconds(1);
    let latest_start = end.min(now.fixed_offset());
    series.points.retain_mut(|point| {
        let bucket_end = match granularity {
            Some(g) => g.bucket_end(point.time),
            // An instant: it overlaps when it lies inside the range.
            None => point.time + Duration::seconds(1),
        };
        let overlaps = point.time <= latest_start && bucket_end > start;
        if overlaps && granularity.is_some() {
            point.partial = bucket_end > now || bucket_end > slack_end;
        }
        overlaps
    });
}

/// A calendar day in an offset, as the start instant of that day.
pub fn day_start(date: NaiveDate, offset: FixedOffset) -> DateTime<FixedOffset> {
    // Midnight exists in every fixed offset.
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    offset
        .from_local_datetime(&midnight)
        .single()
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight).fixed_offset())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn day_series(times: &[&str]) -> Series {
        Series {
            provider: "tencent".into(),
            source: "vod.aigc_usage".into(),
            name: "x".into(),
            metric: "usage".into(),
            unit: Some("seconds".into()),
            granularity: Some(Granularity::Day),
            labels: BTreeMap::new(),
            points: times.iter().map(|s| Point::new(t(s), 1.0)).collect(),
            aggregation: Aggregation::Sum,
            exact_total: None,
        }
    }

    #[test]
    fn window_drops_the_day_before_start_and_keeps_overlapping_days() {
        // The VOD seed example answers with the day before StartTime.
        let mut s = day_series(&[
            "2025-11-17T00:00:00+08:00",
            "2025-11-18T00:00:00+08:00",
            "2025-11-19T00:00:00+08:00",
        ]);
        let now = t("2026-01-01T00:00:00Z").with_timezone(&Utc);
        apply_window(
            &mut s,
            t("2025-11-18T00:00:00+08:00"),
            t("2025-11-19T23:59:59+08:00"),
            now,
        );
        let times: Vec<_> = s.points.iter().map(|p| p.time.to_rfc3339()).collect();
        assert_eq!(
            times,
            ["2025-11-18T00:00:00+08:00", "2025-11-19T00:00:00+08:00"]
        );
        assert!(s.points.iter().all(|p| !p.partial));
    }

    #[test]
    fn window_marks_buckets_that_are_not_over_as_partial() {
        let mut s = day_series(&["2025-11-18T00:00:00+08:00", "2025-11-19T00:00:00+08:00"]);
        let now = t("2025-11-19T12:00:00+08:00").with_timezone(&Utc);
        apply_window(
            &mut s,
            t("2025-11-18T00:00:00+08:00"),
            t("2025-11-19T12:00:00+08:00"),
            now,
        );
        assert!(!s.points[0].partial);
        assert!(s.points[1].partial);
    }

    #[test]
    fn window_drops_buckets_that_start_after_now() {
        let mut s = day_series(&[
            "2025-11-18T00:00:00+08:00",
            "2025-11-19T00:00:00+08:00",
            "2025-11-20T00:00:00+08:00",
        ]);
        // A range reaching into the future; now is during the 19th.
        let now = t("2025-11-19T12:00:00+08:00").with_timezone(&Utc);
        apply_window(
            &mut s,
            t("2025-11-18T00:00:00+08:00"),
            t("2025-11-25T23:59:59+08:00"),
            now,
        );
        let times: Vec<_> = s.points.iter().map(|p| p.time.to_rfc3339()).collect();
        assert_eq!(
            times,
            ["2025-11-18T00:00:00+08:00", "2025-11-19T00:00:00+08:00"]
        );
        assert!(s.points[1].partial);
        // The same for instants and months (the path that computes each bucket's end).
        for granularity in [None, Some(Granularity::Month)] {
            let mut s = day_series(&["2025-11-01T00:00:00+08:00", "2025-12-01T00:00:00+08:00"]);
            s.granularity = granularity;
            apply_window(
                &mut s,
                t("2025-11-01T00:00:00+08:00"),
                t("2025-12-31T23:59:59+08:00"),
                now,
            );
            assert_eq!(s.points.len(), 1, "{granularity:?}");
        }
    }

    #[test]
    fn max_series_have_no_total() {
        let mut s = day_series(&["2025-11-18T00:00:00+08:00", "2025-11-19T00:00:00+08:00"]);
        assert_eq!(s.total(), Some(2.0));
        s.aggregation = Aggregation::Max;
        assert_eq!(s.total(), None);
        assert_eq!(Aggregation::Max.combine(3.0, 2.0), 3.0);
        assert_eq!(Aggregation::Sum.combine(3.0, 2.0), 5.0);
    }

    #[test]
    fn canonical_order_is_provider_source_name_metric_then_time() {
        let mut a = day_series(&["2025-11-19T00:00:00+08:00", "2025-11-18T00:00:00+08:00"]);
        a.name = "b".into();
        let mut b = a.clone();
        b.name = "a".into();
        b.metric = "usage".into();
        let mut c = a.clone();
        c.name = "a".into();
        c.metric = "count".into();
        let mut all = vec![a, b, c];
        sort_canonical(&mut all);
        let keys: Vec<_> = all
            .iter()
            .map(|s| format!("{}/{}", s.name, s.metric))
            .collect();
        assert_eq!(keys, ["a/count", "a/usage", "b/usage"]);
        assert!(all[0].points[0].time < all[0].points[1].time);
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        let thursday = NaiveDate::from_ymd_opt(2025, 11, 20).unwrap();
        assert_eq!(
            Granularity::Week.bucket_of_day(thursday),
            NaiveDate::from_ymd_opt(2025, 11, 17).unwrap()
        );
        assert_eq!(
            Granularity::Month.bucket_of_day(thursday),
            NaiveDate::from_ymd_opt(2025, 11, 1).unwrap()
        );
    }

    #[test]
    fn window_of_fixed_width_buckets_is_the_window_by_bucket_end() {
        let zones = [0, 8 * 3600, -5 * 3600 - 1800];
        for g in [
            Granularity::FiveMinutes,
            Granularity::FifteenMinutes,
            Granularity::Hour,
            Granularity::Day,
            Granularity::Week,
        ] {
            let step = g.fixed_step().unwrap();
            let base = t("2025-11-18T00:00:00+08:00");
            let mut series = day_series(&[]);
            series.granularity = Some(g);
            for i in 0..12 {
                let offset = FixedOffset::east_opt(zones[i % zones.len()]).unwrap();
                let time = (base + step * i as i32).with_timezone(&offset);
                series.points.push(Point {
                    partial: i % 2 == 0,
                    ..Point::new(time, i as f64)
                });
            }
            // Windows and "now"s on, just before and just after bucket edges.
            let nudges = [
                Duration::zero(),
                Duration::seconds(1),
                Duration::seconds(-1),
                Duration::nanoseconds(1),
            ];
            for first in [-2, 0, 3, 11, 13] {
                for last in [-1, 2, 5, 11, 14] {
                    for until in [0, 4, 12, 20] {
                        for nudge in nudges {
                            let start = base + step * first + nudge;
                            let end = base + step * last + nudge;
                            let end = end.with_timezone(&FixedOffset::east_opt(3600).unwrap());
                            let now = (base + step * until - nudge).with_timezone(&Utc);
                            let mut fast = series.clone();
                            apply_window(&mut fast, start, end, now);
                            let mut reference = series.clone();
                            window_by_bucket_end(&mut reference, start, end, now);
                            assert_eq!(fast, reference, "{g} {start} {end} {now}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn month_bucket_ends_on_the_first_of_the_next_month() {
        assert_eq!(
            Granularity::Month.bucket_end(t("2025-01-31T00:00:00+08:00")),
            t("2025-02-28T00:00:00+08:00")
        );
        assert_eq!(
            Granularity::Month.bucket_end(t("2025-02-01T00:00:00+08:00")),
            t("2025-03-01T00:00:00+08:00")
        );
    }
}
