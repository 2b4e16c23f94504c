//! `report --group-by` over cost series (spec §8): a bucket's cost is the exact sum of its
//! points' costs, rounded once when printed, not the sum of points already rounded
//! (120 × 0.0333333 is 3.999996, not 3.999997 from adding rounded days).

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, Utc};
use rust_decimal::Decimal;

use crate::bucket::{bucket_of, each_point_is_its_bucket, regroup};
use crate::cost::money::cost_to_f64;
use crate::cost::price::{CostDetail, CostSeries};
use crate::error::Error;
use crate::series::{Granularity, Series};
use crate::timerange::TimeRange;
use crate::zone::Zone;

/// [`regroup`] of a cost series with every bucket's value the exact sum of its costs.
/// Needs the per-point details (priced with `Details::Keep`) unless each point already is
/// its own bucket, where a point's rounded cost is its bucket's.
pub fn regroup_cost(
    cost: &CostSeries,
    by: Granularity,
    zone: &Zone,
    range: &TimeRange,
    now: DateTime<Utc>,
) -> Result<Series, Error> {
    if cost.details.len() != cost.series.points.len() {
        if each_point_is_its_bucket(&cost.series, by, zone) {
            return Ok(regroup(&cost.series, by, zone, range, now));
        }
        return Err(Error::Internal(format!(
            "{} {} {:?}: its costs were priced without the exact figures that --group-by needs",
            cost.series.provider, cost.series.source, cost.series.name
        )));
    }
    Ok(regroup_cost_series(cost, by, zone, range, now)?.series)
}

/// A cost series (priced with `Details::Keep`) in `by` buckets, each bucket's figures the
/// exact sums of its points': its cost, and the quantity priced (FOCUS's rows). Each
/// point was priced on its own date, so a bucket across a price change costs what its
/// days cost, as `--cost` shows it.
pub fn regroup_cost_series(
    cost: &CostSeries,
    by: Granularity,
    zone: &Zone,
    range: &TimeRange,
    now: DateTime<Utc>,
) -> Result<CostSeries, Error> {
    let too_large = || Error::config(format!("the total cost in {} is too large", cost.currency));
    let mut sums: HashMap<DateTime<FixedOffset>, CostDetail> = HashMap::new();
    for (point, detail) in cost.series.points.iter().zip(&cost.details) {
        let sum = sums
            .entry(bucket_of(&cost.series, point, by, zone))
            .or_insert(CostDetail {
                cost: Decimal::ZERO,
                quantity: detail.quantity.map(|_| Decimal::ZERO),
            });
        sum.cost = sum.cost.checked_add(detail.cost).ok_or_else(too_large)?;
        sum.quantity = match (sum.quantity, detail.quantity) {
            (Some(total), Some(quantity)) => {
                Some(total.checked_add(quantity).ok_or_else(too_large)?)
            }
            _ => None,
        };
    }
    let mut grouped = regroup(&cost.series, by, zone, range, now);
    let mut details = Vec::with_capacity(grouped.points.len());
    for point in &mut grouped.points {
        let sum = sums.remove(&point.time).ok_or_else(|| {
            Error::Internal(format!(
                "{} {} {:?}: a bucket without costs",
                cost.series.provider, cost.series.source, cost.series.name
            ))
        })?;
        point.value = cost_to_f64(sum.cost);
        details.push(sum);
    }
    let mut regrouped = cost.clone();
    regrouped.series = grouped;
    regrouped.details = details;
    Ok(regrouped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    use crate::cost::book::PriceBook;
    use crate::cost::price::{price_with, Details};
    use crate::series::{Aggregation, Point};

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn seconds_series(days: &[(&str, f64)]) -> Series {
        Series {
            provider: "tencent".into(),
            source: "vod.aigc_usage".into(),
            name: "x".into(),
            metric: "usage".into(),
            unit: Some("seconds".into()),
            granularity: Some(Granularity::Day),
            labels: Default::default(),
            points: days.iter().map(|(s, v)| Point::new(t(s), *v)).collect(),
            aggregation: Aggregation::Sum,
            exact_total: None,
        }
    }

    const BOOK: &str = r#"
[[price]]
provider = "tencent"
source = "vod.aigc_usage"
series = "x"
metric = "usage"
unit = "seconds"
price = "0.0333333"
currency = "CNY"
"#;

    fn priced(days: &[(&str, f64)], details: Details) -> CostSeries {
        let book = PriceBook::parse(BOOK, Path::new("prices.toml")).unwrap();
        let mut priced = price_with(&[seconds_series(days)], &book, None, details).unwrap();
        priced.cost_series.remove(0)
    }

    fn long_ago() -> (TimeRange, DateTime<Utc>) {
        (
            TimeRange::instants(t("2025-01-01T00:00:00Z"), t("2025-12-31T23:59:59Z")),
            t("2026-06-01T00:00:00Z").with_timezone(&Utc),
        )
    }

    /// Days of 15 s cost 0.4999995 each, printed 0.5; eight of them cost 3.999996, not
    /// the 4 the rounded days add up to.
    #[test]
    fn a_bucket_is_the_exact_sum_rounded_once() {
        let days: Vec<(String, f64)> = (1..=8)
            .map(|d| (format!("2025-09-0{d}T00:00:00+08:00"), 15.0))
            .collect();
        let days: Vec<(&str, f64)> = days.iter().map(|(s, v)| (s.as_str(), *v)).collect();
        let cost = priced(&days, Details::Keep);
        assert!(cost.series.points.iter().all(|p| p.value == 0.5));
        let (range, now) = long_ago();
        let zone = Zone::UTC;
        let month = regroup_cost(&cost, Granularity::Month, &zone, &range, now).unwrap();
        // 8 × 15 s = 120 s × 0.0333333 = 3.999996 (the rounded days add up to 4).
        assert_eq!(month.points.len(), 1);
        assert_eq!(month.points[0].value, 3.999996);
        assert_eq!(month.total(), Some(3.999996));
    }

    #[test]
    fn own_buckets_need_no_details_and_merged_ones_do() {
        let days = [
            ("2025-09-01T00:00:00+08:00", 15.0),
            ("2025-09-02T00:00:00+08:00", 15.0),
        ];
        let (range, now) = long_ago();
        let zone = Zone::UTC;
        let cost = priced(&days, Details::Skip);
        let by_day = regroup_cost(&cost, Granularity::Day, &zone, &range, now).unwrap();
        assert_eq!(by_day.points.len(), 2);
        assert_eq!(by_day.total(), Some(0.999999));
        assert!(matches!(
            regroup_cost(&cost, Granularity::Month, &zone, &range, now),
            Err(Error::Internal(_))
        ));
    }

    proptest::proptest! {
        /// Whatever the days, prices and buckets: each bucket is the exact sum of its
        /// days' costs rounded once, the buckets add up to the series' exact total, and
        /// the quantities priced are all kept.
        #[test]
        fn buckets_are_exact_sums_of_their_points(
            seconds in proptest::collection::vec(0u32..100_000, 1..60),
            price_millionths in 1u32..10_000_000,
            by in proptest::sample::select(vec![Granularity::Day, Granularity::Week, Granularity::Month]),
        ) {
            let days: Vec<(String, f64)> = seconds
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let day = chrono::NaiveDate::from_ymd_opt(2025, 9, 1).unwrap()
                        + chrono::Duration::days(i as i64);
                    (format!("{day}T00:00:00+08:00"), f64::from(*s))
                })
                .collect();
            let days: Vec<(&str, f64)> = days.iter().map(|(d, v)| (d.as_str(), *v)).collect();
            let price = Decimal::new(i64::from(price_millionths), 6);
            let book = PriceBook::parse(
                &BOOK.replace("\"0.0333333\"", &format!("\"{price}\"")),
                Path::new("prices.toml"),
            )
            .unwrap();
            let cost = price_with(&[seconds_series(&days)], &book, None, Details::Keep)
                .unwrap()
                .cost_series
                .remove(0);
            let (range, now) = long_ago();
            let grouped = regroup_cost_series(&cost, by, &Zone::UTC, &range, now).unwrap();
            let mut sum = Decimal::ZERO;
            for (point, detail) in grouped.series.points.iter().zip(&grouped.details) {
                proptest::prop_assert_eq!(point.value, cost_to_f64(detail.cost));
                sum += detail.cost;
            }
            proptest::prop_assert_eq!(sum, cost.total());
            proptest::prop_assert_eq!(grouped.series.total(), Some(cost_to_f64(cost.total())));
            let quantities: Decimal = grouped.details.iter().filter_map(|d| d.quantity).sum();
            proptest::prop_assert_eq!(quantities, Decimal::from(seconds.iter().map(|s| u64::from(*s)).sum::<u64>()));
        }
    }
}
