//! "Dates mean the provider's dates" (spec §5 v3): when a range is whole days in `--tz`,
//! a provider that answers in day buckets is asked for the same dates in its own calendar
//! and shows exactly the buckets dated inside them. November is then every provider's
//! November, whatever `--tz`.
//!
//! Pure functions: the caller decides which provider answers in days (AceData always;
//! VOD when the range covers more than one date; ModelRouter with `--granularity daily`)
//! and passes that provider's calendar offset. No I/O, no clock.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Offset, Utc};

use crate::series::{apply_window, day_start, Series};
use crate::timerange::{DateSpan, TimeRange};

/// The calendar VOD and ModelRouter date their days in: +08:00.
pub fn china_calendar() -> FixedOffset {
    // 8 hours is inside the ±24 h a FixedOffset allows.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(utc)
}

/// The calendar AceData dates its days in: UTC.
pub fn utc() -> FixedOffset {
    Utc.fix()
}

/// The range to ask a day-bucket provider for: the dates of `days` in its `calendar`,
/// from the first date at 00:00 to the last date at 23:59:59 in that offset.
pub fn request_range(days: DateSpan, calendar: FixedOffset) -> TimeRange {
    let start = day_start(days.first, calendar);
    let end = days
        .last
        .succ_opt()
        .map(|next| day_start(next, calendar) - Duration::seconds(1))
        // 9999-12-31 has no successor in chrono's range; its last second is fixed.
        .unwrap_or_else(|| day_start(days.last, calendar) + Duration::seconds(86_399));
    TimeRange {
        start,
        end,
        whole_days: Some(days),
    }
}

/// The first and last date of a bucket, each in the bucket's own offset.
fn bucket_dates(
    start: DateTime<FixedOffset>,
    end: DateTime<FixedOffset>,
) -> (NaiveDate, NaiveDate) {
    let last_second = (end - Duration::seconds(1)).with_timezone(start.offset());
    (start.date_naive(), last_second.date_naive())
}

/// Applies `range` to a provider's series: for a whole-day range and a series of day (or
/// longer) buckets, [`window_dates`]; otherwise the overlap rule of
/// [`crate::series::apply_window`] (sub-daily answers, and LKE).
pub fn window(series: &mut Series, range: &TimeRange, now: DateTime<Utc>) {
    match (range.whole_days, series.granularity) {
        (Some(days), Some(granularity)) if granularity.is_calendar() => {
            window_dates(series, days, now)
        }
        _ => apply_window(series, range.start, range.end, now),
    }
}

/// Keeps exactly the buckets dated inside `days` (a bucket's date is its date in its
/// own offset), drops buckets that start after `now`, and marks a bucket partial only
/// when it is not over yet (it ends after `now`) or, for a bucket longer than a day, when
/// it reaches past the last date. Points without a granularity are left to
/// [`crate::series::apply_window`]'s rule and are not handled here.
pub fn window_dates(series: &mut Series, days: DateSpan, now: DateTime<Utc>) {
    let Some(granularity) = series.granularity else {
        return;
    };
    series.points.retain_mut(|point| {
        let end = granularity.bucket_end(point.time);
        let (first, last) = bucket_dates(point.time, end);
        let keep = first <= days.last && last >= days.first && point.time <= now;
        if keep {
            point.partial = end > now || last > days.last || first < days.first;
        }
        keep
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::{Aggregation, Granularity, Point};
    use crate::timerange::{resolve, RangeArgs};
    use crate::zone::Zone;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn november(tz: &str) -> TimeRange {
        let args = RangeArgs {
            start: Some("2026-11-01".into()),
            end: Some("2026-11-30".into()),
            ..Default::default()
        };
        resolve(&args, &tz.parse::<Zone>().unwrap(), later()).unwrap()
    }

    fn later() -> DateTime<Utc> {
        t("2027-01-15T00:00:00Z").with_timezone(&Utc)
    }

    /// Day buckets at midnight in `offset` from `first` for `count` days.
    fn days(offset: &str, first: &str, count: u64) -> Series {
        let start = t(&format!("{first}T00:00:00{offset}"));
        Series {
            provider: "p".into(),
            source: "s".into(),
            name: "n".into(),
            metric: "m".into(),
            unit: None,
            granularity: Some(Granularity::Day),
            labels: Default::default(),
            points: (0..count)
                .map(|i| Point::new(start + Duration::days(i as i64), 1.0))
                .collect(),
            aggregation: Aggregation::Sum,
            exact_total: None,
        }
    }

    fn dates(s: &Series) -> Vec<NaiveDate> {
        s.points.iter().map(|p| p.time.date_naive()).collect()
    }

    #[test]
    fn the_range_knows_its_dates() {
        let range = november("UTC");
        let span = range.whole_days.unwrap();
        assert_eq!(
            (span.first, span.last),
            (date("2026-11-01"), date("2026-11-30"))
        );
        assert_eq!(span.dates().count(), 30);
    }

    #[test]
    fn vod_is_asked_for_its_own_november_whatever_the_zone() {
        for tz in ["UTC", "Asia/Shanghai", "America/New_York"] {
            let range = november(tz);
            let vod = request_range(range.whole_days.unwrap(), china_calendar());
            assert_eq!(vod.start.to_rfc3339(), "2026-11-01T00:00:00+08:00");
            assert_eq!(vod.end.to_rfc3339(), "2026-11-30T23:59:59+08:00");
            let acedata = request_range(range.whole_days.unwrap(), utc());
            assert_eq!(acedata.start.to_rfc3339(), "2026-11-01T00:00:00+00:00");
            assert_eq!(acedata.end.to_rfc3339(), "2026-11-30T23:59:59+00:00");
        }
    }

    #[test]
    fn utc_november_is_vods_november_not_1_december() {
        // What a UTC range used to show: VOD's days from 1 November to 1 December (+08:00).
        let range = november("UTC");
        let mut vod = days("+08:00", "2026-10-31", 32);
        window(&mut vod, &range, later());
        let got = dates(&vod);
        assert_eq!(got.first(), Some(&date("2026-11-01")));
        assert_eq!(got.last(), Some(&date("2026-11-30")));
        assert_eq!(got.len(), 30);
        assert!(vod.points.iter().all(|p| !p.partial));
        assert_eq!(vod.total(), Some(30.0));
    }

    #[test]
    fn shanghai_november_does_not_give_acedata_31_october() {
        let range = november("Asia/Shanghai");
        let mut acedata = days("Z", "2026-10-31", 32);
        window(&mut acedata, &range, later());
        let got = dates(&acedata);
        assert_eq!(got.first(), Some(&date("2026-11-01")));
        assert_eq!(got.len(), 30);
        assert!(acedata.points.iter().all(|p| !p.partial));
    }

    #[test]
    fn a_day_is_partial_only_while_not_over_and_the_future_is_absent() {
        let range = november("UTC");
        // Now is 10:00 UTC on 15 November: 18:00 in +08:00, that day is not over.
        let now = t("2026-11-15T10:00:00Z").with_timezone(&Utc);
        let mut vod = days("+08:00", "2026-11-01", 30);
        window(&mut vod, &range, now);
        assert_eq!(dates(&vod).last(), Some(&date("2026-11-15")));
        let partial: Vec<NaiveDate> = vod
            .points
            .iter()
            .filter(|p| p.partial)
            .map(|p| p.time.date_naive())
            .collect();
        assert_eq!(partial, [date("2026-11-15")]);
        // Exactly at a bucket's start it exists (and is not over).
        let now = t("2026-11-15T00:00:00Z").with_timezone(&Utc);
        let mut acedata = days("Z", "2026-11-01", 30);
        window(&mut acedata, &range, now);
        assert_eq!(dates(&acedata).last(), Some(&date("2026-11-15")));
        assert!(acedata.points.last().unwrap().partial);
    }

    #[test]
    fn sub_daily_series_and_instant_ranges_keep_the_overlap_rule() {
        let range = november("UTC");
        let mut hourly = days("+08:00", "2026-11-01", 1);
        hourly.granularity = Some(Granularity::Hour);
        hourly.points = vec![
            Point::new(t("2026-11-01T07:00:00+08:00"), 1.0), // 23:00 UTC on 31 Oct
            Point::new(t("2026-11-01T08:00:00+08:00"), 1.0), // 00:00 UTC on 1 Nov
        ];
        window(&mut hourly, &range, later());
        assert_eq!(hourly.points.len(), 1);

        let instants = TimeRange::instants(t("2026-11-01T00:00:00Z"), t("2026-11-30T23:59:59Z"));
        let mut vod = days("+08:00", "2026-10-31", 32);
        window(&mut vod, &instants, later());
        // Overlap in instants: 1 December +08:00 starts at 16:00 UTC on the 30th.
        assert_eq!(dates(&vod).last(), Some(&date("2026-12-01")));
        assert!(vod.points.last().unwrap().partial);
    }

    #[test]
    fn a_month_bucket_past_the_last_date_is_partial() {
        let span = DateSpan {
            first: date("2026-11-01"),
            last: date("2026-11-15"),
        };
        let mut monthly = days("+08:00", "2026-11-01", 1);
        monthly.granularity = Some(Granularity::Month);
        window_dates(&mut monthly, span, later());
        assert_eq!(monthly.points.len(), 1);
        assert!(monthly.points[0].partial);
    }
}
