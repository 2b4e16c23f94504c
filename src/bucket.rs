//! Re-bucketing for `report --group-by day|week|month` (spec §4 `report`): buckets are
//! sums, weeks start on Monday, and a day keeps its provider's calendar.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::series::{day_start, Granularity, Point, Series};
use crate::timerange;
use crate::zone::Zone;

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

/// A copy of `series` whose points are sums over `by` buckets (day, week or month).
pub fn regroup(series: &Series, by: Granularity, zone: &Zone) -> Series {
    let mut buckets: BTreeMap<DateTime<FixedOffset>, Point> = BTreeMap::new();
    for point in &series.points {
        let day = by.bucket_of_day(calendar_day(series, point, zone));
        let start = bucket_start(series, point, day, zone);
        let bucket = buckets.entry(start).or_insert(Point {
            time: start,
            value: 0.0,
            partial: false,
        });
        bucket.value += point.value;
        bucket.partial |= point.partial;
    }
    Series {
        granularity: Some(by),
        points: buckets.into_values().collect(),
        ..series.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        }
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
}
