//! Re-bucketing for `report --group-by day|week|month` (spec §4 `report`): buckets are
//! sums (the largest value for a non-additive series, spec §5 v3), weeks start on
//! Monday, and a day keeps its provider's calendar.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};

use crate::series::{day_start, Aggregation, Granularity, Point, Series};
use crate::timerange::{self, TimeRange};
use crate::zone::Zone;

/// The label a re-bucketed non-additive series carries (spec §5 v3).
pub const AGGREGATION_LABEL: &str = "aggregation";

/// The calendar day a point belongs to: a provider's day (or longer) bucket keeps its own
/// offset; a sub-daily point falls on its day in `zone`.
fn calendar_day(series: &Series, point: &Point, zone: &Zone) -> NaiveDate {
    match series.granularity {
        Some(g) if g.is_calendar() => point.time.date_naive(),
        _ => zone.localize(&point.time).date_naive(),
    }
}

/// The start instant of the bucket holding `day`.
fn bucket_start(
    series: &Series,
    point: &Point,
    bucket_day: NaiveDate,
    zone: &Zone,
) -> DateTime<FixedOffset> {
    match series.granularity {
        Some(g) if g.is_calendar() => day_start(bucket_day, *point.time.offset()),
        _ => timerange::day_start(bucket_day, zone).unwrap_or_else(|_| {
            day_start(bucket_day, zone.localize(&point.time).offset().to_owned())
        }),
    }
}

/// Whether a re-bucketed bucket `[start, end)` is not over yet (spec §5): it ends after
/// `now`, or past the range. For a whole-day range "past the range" means its last date
/// (in the bucket's own calendar) comes after the range's last date; otherwise that it
/// ends more than one second after the range's end.
fn bucket_not_over(
    start: DateTime<FixedOffset>,
    end: DateTime<FixedOffset>,
    range: &TimeRange,
    now: DateTime<Utc>,
) -> bool {
    if end > now {
        return true;
    }
    match range.whole_days {
        Some(days) => {
            // The bucket's last date: the day before its (exclusive) end, in its offset.
            let last_date = (end.with_timezone(start.offset()) - Duration::seconds(1)).date_naive();
            last_date > days.last
        }
        None => end > range.end + Duration::seconds(1),
    }
}

/// A copy of `series` whose points are `by` buckets (day, week or month): sums, or the
/// largest value of the bucket for a [`Aggregation::Max`] series (which then carries the
/// label `aggregation: max`). A bucket is partial when a point in it is, or when it is
/// not over yet (it ends after `now` or reaches past `range`).
pub fn regroup(
    series: &Series,
    by: Granularity,
    zone: &Zone,
    range: &TimeRange,
    now: DateTime<Utc>,
) -> Series {
    let mut buckets: BTreeMap<DateTime<FixedOffset>, Point> = BTreeMap::new();
    for point in &series.points {
        let start = bucket_of(series, point, by, zone);
        match buckets.get_mut(&start) {
            Some(bucket) => {
                bucket.value = series.aggregation.combine(bucket.value, point.value);
                bucket.partial |= point.partial;
            }
            None => {
                buckets.insert(
                    start,
                    Point {
                        time: start,
                        value: point.value,
                        partial: point.partial,
                    },
                );
            }
        }
    }
    let mut points: Vec<Point> = buckets.into_values().collect();
    for point in &mut points {
        let end = by.bucket_end(point.time);
        point.partial |= bucket_not_over(point.time, end, range, now);
    }
    let mut labels = series.labels.clone();
    if series.aggregation == Aggregation::Max {
        labels.insert(
            AGGREGATION_LABEL.to_string(),
            Aggregation::Max.as_str().to_string(),
        );
    }
    Series {
        granularity: Some(by),
        points,
        labels,
        ..series.clone()
    }
}

/// [`regroup`] taking the series by value: when every point already is its own bucket
/// (it starts its bucket, in the bucket's offset, and comes strictly after the one
/// before; e.g. a day series grouped by day), the points stay where they are and only
/// the partial flags, the granularity and the labels change. Otherwise the same as
/// [`regroup`]. Either way the result equals `regroup(&series, ..)`.
pub fn regroup_owned(
    mut series: Series,
    by: Granularity,
    zone: &Zone,
    range: &TimeRange,
    now: DateTime<Utc>,
) -> Series {
    if !each_point_is_its_bucket(&series, by, zone) {
        return regroup(&series, by, zone, range, now);
    }
    for point in &mut series.points {
        let end = by.bucket_end(point.time);
        point.partial |= bucket_not_over(point.time, end, range, now);
    }
    if series.aggregation == Aggregation::Max {
        series.labels.insert(
            AGGREGATION_LABEL.to_string(),
            Aggregation::Max.as_str().to_string(),
        );
    }
    series.granularity = Some(by);
    series
}

/// The start of the `by` bucket [`regroup`] puts `point` of `series` in.
pub fn bucket_of(
    series: &Series,
    point: &Point,
    by: Granularity,
    zone: &Zone,
) -> DateTime<FixedOffset> {
    let day = by.bucket_of_day(calendar_day(series, point, zone));
    bucket_start(series, point, day, zone)
}

/// Whether [`regroup`] would make one bucket of each point, starting where the point
/// starts (the same instant and offset), in the order given.
pub fn each_point_is_its_bucket(series: &Series, by: Granularity, zone: &Zone) -> bool {
    let mut previous: Option<DateTime<FixedOffset>> = None;
    series.points.iter().all(|point| {
        let start = bucket_of(series, point, by, zone);
        let own = start == point.time
            && start.offset() == point.time.offset()
            && previous.is_none_or(|before| before < point.time);
        previous = Some(point.time);
        own
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn series(granularity: Granularity, points: &[(&str, f64)]) -> Series {
        Series {
            provider: "tencent".into(),
            source: "vod.aigc_usage".into(),
            name: "x".into(),
            metric: "usage".into(),
            unit: Some("seconds".into()),
            granularity: Some(granularity),
            labels: Default::default(),
            points: points.iter().map(|(s, v)| Point::new(t(s), *v)).collect(),
            aggregation: Aggregation::Sum,
            exact_total: None,
        }
    }

    /// A range long over (now is far later), given as instants.
    fn past_range() -> TimeRange {
        TimeRange::instants(t("2025-01-01T00:00:00Z"), t("2025-12-31T23:59:59Z"))
    }

    fn later() -> DateTime<Utc> {
        t("2026-06-01T00:00:00Z").with_timezone(&Utc)
    }

    fn regroup(series: &Series, by: Granularity, zone: &Zone) -> Series {
        super::regroup(series, by, zone, &past_range(), later())
    }

    #[test]
    fn days_keep_the_provider_calendar_whatever_the_zone() {
        let s = series(
            Granularity::Day,
            &[
                ("2025-11-18T00:00:00+08:00", 1.0),
                ("2025-11-19T00:00:00+08:00", 2.0),
            ],
        );
        let ny: Zone = "America/New_York".parse().unwrap();
        let g = regroup(&s, Granularity::Day, &ny);
        assert_eq!(g.points.len(), 2);
        assert_eq!(g.points[0].time, t("2025-11-18T00:00:00+08:00"));
    }

    #[test]
    fn weeks_start_on_monday_and_sum() {
        // 2025-11-16 is a Sunday; 17..23 is one week.
        let s = series(
            Granularity::Day,
            &[
                ("2025-11-16T00:00:00+08:00", 1.0),
                ("2025-11-17T00:00:00+08:00", 2.0),
                ("2025-11-23T00:00:00+08:00", 3.0),
                ("2025-11-24T00:00:00+08:00", 4.0),
            ],
        );
        let g = regroup(&s, Granularity::Week, &Zone::UTC);
        let got: Vec<_> = g
            .points
            .iter()
            .map(|p| (p.time.to_rfc3339(), p.value))
            .collect();
        assert_eq!(
            got,
            [
                ("2025-11-10T00:00:00+08:00".to_string(), 1.0),
                ("2025-11-17T00:00:00+08:00".to_string(), 5.0),
                ("2025-11-24T00:00:00+08:00".to_string(), 4.0),
            ]
        );
        assert_eq!(g.total(), s.total());
    }

    #[test]
    fn months_sum_and_keep_partial() {
        let mut s = series(
            Granularity::Day,
            &[
                ("2025-10-31T00:00:00Z", 1.0),
                ("2025-11-01T00:00:00Z", 2.0),
                ("2025-11-30T00:00:00Z", 3.0),
            ],
        );
        s.points[2].partial = true;
        let g = regroup(&s, Granularity::Month, &Zone::UTC);
        assert_eq!(g.points.len(), 2);
        assert_eq!(g.points[1].value, 5.0);
        assert!(g.points[1].partial && !g.points[0].partial);
    }

    #[test]
    fn a_week_that_ends_after_the_query_end_is_partial() {
        // Monday 2025-11-17 .. Sunday 23; the range ends Wednesday the 19th (instants).
        let s = series(
            Granularity::Day,
            &[
                ("2025-11-10T00:00:00Z", 1.0),
                ("2025-11-17T00:00:00Z", 2.0),
                ("2025-11-19T00:00:00Z", 3.0),
            ],
        );
        let range = TimeRange::instants(t("2025-11-05T00:00:00Z"), t("2025-11-19T23:59:59Z"));
        let g = super::regroup(&s, Granularity::Week, &Zone::UTC, &range, later());
        let partial: Vec<bool> = g.points.iter().map(|p| p.partial).collect();
        assert_eq!(partial, [false, true]);
        // A week that ends exactly one second after the end is over.
        let range = TimeRange::instants(t("2025-11-05T00:00:00Z"), t("2025-11-23T23:59:59Z"));
        let g = super::regroup(&s, Granularity::Week, &Zone::UTC, &range, later());
        assert!(g.points.iter().all(|p| !p.partial));
        // ... unless it ends after now.
        let now = t("2025-11-23T12:00:00Z").with_timezone(&Utc);
        let g = super::regroup(&s, Granularity::Week, &Zone::UTC, &range, now);
        assert_eq!(
            g.points.iter().map(|p| p.partial).collect::<Vec<_>>(),
            [false, true]
        );
    }

    #[test]
    fn whole_day_ranges_compare_dates_in_the_bucket_calendar() {
        // All of November in UTC; VOD's month in +08:00 ends at 16:00 UTC on the 30th,
        // AceData's in UTC at midnight: both are November, neither is partial.
        let utc_november = crate::timerange::resolve(
            &crate::timerange::RangeArgs {
                month: Some("2025-11".into()),
                ..Default::default()
            },
            &Zone::UTC,
            later(),
        )
        .unwrap();
        for offset in ["+08:00", "Z"] {
            let s = series(
                Granularity::Day,
                &[
                    (&format!("2025-11-01T00:00:00{offset}"), 1.0),
                    (&format!("2025-11-30T00:00:00{offset}"), 2.0),
                ],
            );
            let g = super::regroup(&s, Granularity::Month, &Zone::UTC, &utc_november, later());
            assert_eq!(g.points.len(), 1);
            assert!(!g.points[0].partial, "{offset}");
            assert_eq!(g.points[0].value, 3.0);
        }
        // A month that reaches past the range's last date is partial.
        let half = TimeRange {
            whole_days: Some(crate::timerange::DateSpan {
                first: NaiveDate::from_ymd_opt(2025, 11, 1).unwrap(),
                last: NaiveDate::from_ymd_opt(2025, 11, 15).unwrap(),
            }),
            ..utc_november
        };
        let s = series(Granularity::Day, &[("2025-11-01T00:00:00Z", 1.0)]);
        let g = super::regroup(&s, Granularity::Month, &Zone::UTC, &half, later());
        assert!(g.points[0].partial);
    }

    #[test]
    fn max_series_keep_the_largest_value_and_say_so() {
        let mut s = series(
            Granularity::Day,
            &[
                ("2025-11-17T00:00:00+08:00", 72.0),
                ("2025-11-18T00:00:00+08:00", 3.0),
                ("2025-11-24T00:00:00+08:00", 5.0),
            ],
        );
        s.aggregation = Aggregation::Max;
        let g = regroup(&s, Granularity::Week, &Zone::UTC);
        let values: Vec<f64> = g.points.iter().map(|p| p.value).collect();
        assert_eq!(values, [72.0, 5.0]);
        assert_eq!(g.total(), None);
        assert_eq!(
            g.labels.get(AGGREGATION_LABEL).map(String::as_str),
            Some("max")
        );
        // Sums carry no such label.
        s.aggregation = Aggregation::Sum;
        assert!(!regroup(&s, Granularity::Week, &Zone::UTC)
            .labels
            .contains_key(AGGREGATION_LABEL));
    }

    #[test]
    fn sub_daily_points_fall_on_their_day_in_the_zone() {
        let s = series(
            Granularity::FiveMinutes,
            &[
                ("2025-11-18T23:55:00+08:00", 1.0),
                ("2025-11-19T00:05:00+08:00", 2.0),
            ],
        );
        let shanghai: Zone = "Asia/Shanghai".parse().unwrap();
        assert_eq!(regroup(&s, Granularity::Day, &shanghai).points.len(), 2);
        // In UTC both are on the 18th (15:55 and 16:05).
        let utc = regroup(&s, Granularity::Day, &Zone::UTC);
        assert_eq!(utc.points.len(), 1);
        assert_eq!(utc.points[0].time, t("2025-11-18T00:00:00+00:00"));
        assert_eq!(utc.points[0].value, 3.0);
    }

    #[test]
    fn a_day_series_grouped_by_day_keeps_its_points_in_place() {
        let mut s = series(
            Granularity::Day,
            &[
                ("2025-11-18T00:00:00+08:00", 1.0),
                ("2025-11-19T00:00:00+08:00", 2.0),
            ],
        );
        s.aggregation = Aggregation::Max;
        s.points[0].partial = true;
        assert!(each_point_is_its_bucket(&s, Granularity::Day, &Zone::UTC));
        // The second day (in +08:00) is not over at this moment.
        let now = t("2025-11-19T12:00:00Z").with_timezone(&Utc);
        let moved = regroup_owned(s.clone(), Granularity::Day, &Zone::UTC, &past_range(), now);
        assert_eq!(
            moved,
            super::regroup(&s, Granularity::Day, &Zone::UTC, &past_range(), now)
        );
        let partial: Vec<bool> = moved.points.iter().map(|p| p.partial).collect();
        assert_eq!(partial, [true, true]);
        assert_eq!(
            moved.labels.get(AGGREGATION_LABEL).map(String::as_str),
            Some("max")
        );
    }

    #[test]
    fn points_sharing_a_bucket_or_off_its_start_take_the_regroup() {
        let cases = [
            // Two days of one week.
            (
                Granularity::Day,
                vec![("2025-11-17T00:00:00Z", 1.0), ("2025-11-18T00:00:00Z", 2.0)],
                Granularity::Week,
            ),
            // Two hours of one day.
            (
                Granularity::Hour,
                vec![("2025-11-17T01:00:00Z", 1.0), ("2025-11-17T02:00:00Z", 2.0)],
                Granularity::Day,
            ),
            // A day point that does not start its day.
            (
                Granularity::Day,
                vec![("2025-11-17T06:00:00Z", 1.0)],
                Granularity::Day,
            ),
            // Out of order.
            (
                Granularity::Day,
                vec![("2025-11-18T00:00:00Z", 1.0), ("2025-11-17T00:00:00Z", 2.0)],
                Granularity::Day,
            ),
        ];
        for (granularity, points, by) in cases {
            let s = series(granularity, &points);
            assert!(!each_point_is_its_bucket(&s, by, &Zone::UTC), "{points:?}");
            assert_eq!(
                regroup_owned(s.clone(), by, &Zone::UTC, &past_range(), later()),
                regroup(&s, by, &Zone::UTC)
            );
        }
    }

    /// Points at day starts of one offset, strictly increasing (`aligned`), or anywhere
    /// in any order in one of three offsets.
    fn any_series() -> impl Strategy<Value = Series> {
        let offsets = [0, 8 * 3600, -5 * 3600];
        (
            any::<bool>(),
            0usize..3,
            prop::collection::vec((0i64..24 * 90, 0usize..3, 0u32..1000, any::<bool>()), 0..40),
            prop::sample::select(vec![Granularity::Hour, Granularity::Day, Granularity::Week]),
            any::<bool>(),
        )
            .prop_map(move |(aligned, offset, raw, granularity, max)| {
                let base = t("2025-10-01T00:00:00Z").naive_utc().date();
                let mut points: Vec<Point> = raw
                    .iter()
                    .map(|&(hours, own_offset, value, partial)| {
                        let time = if aligned {
                            let zone = FixedOffset::east_opt(offsets[offset]).unwrap();
                            day_start(base + Duration::days(hours / 24), zone)
                        } else {
                            let zone = FixedOffset::east_opt(offsets[own_offset]).unwrap();
                            (t("2025-10-01T00:00:00Z") + Duration::hours(hours))
                                .with_timezone(&zone)
                        };
                        Point {
                            partial,
                            ..Point::new(time, f64::from(value))
                        }
                    })
                    .collect();
                if aligned {
                    points.sort_by_key(|p| p.time);
                    points.dedup_by_key(|p| p.time);
                }
                let mut s = series(granularity, &[]);
                s.points = points;
                s.aggregation = if max {
                    Aggregation::Max
                } else {
                    Aggregation::Sum
                };
                s
            })
    }

    proptest! {
        /// The in-place path and the copying one give the same series, whichever is taken.
        #[test]
        fn regroup_owned_equals_regroup(
            s in any_series(),
            by in prop::sample::select(vec![Granularity::Day, Granularity::Week, Granularity::Month]),
            shanghai in any::<bool>(),
            whole_days in any::<bool>(),
            now_days in 0i64..120,
        ) {
            let zone: Zone = if shanghai { "Asia/Shanghai".parse().unwrap() } else { Zone::UTC };
            let range = if whole_days {
                crate::timerange::resolve(
                    &crate::timerange::RangeArgs {
                        start: Some("2025-10-01".into()),
                        end: Some("2025-11-30".into()),
                        ..Default::default()
                    },
                    &zone,
                    later(),
                )
                .unwrap()
            } else {
                TimeRange::instants(t("2025-10-01T00:00:00Z"), t("2025-11-30T23:59:59Z"))
            };
            let now = (t("2025-10-01T00:00:00Z") + Duration::days(now_days)).with_timezone(&Utc);
            prop_assert_eq!(
                regroup_owned(s.clone(), by, &zone, &range, now),
                super::regroup(&s, by, &zone, &range, now)
            );
        }
    }
}
