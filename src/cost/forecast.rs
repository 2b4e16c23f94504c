//! The month-end forecast of spec §9, as pure arithmetic: the caller fetches the points
//! (the month plus the basis window before it) and passes the clock in.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::cost::money::{decimal_from_f64, Currency};
use crate::error::Error;
use crate::series::{Granularity, Point};
use crate::zone::Zone;

/// `--basis` default, in days.
pub const DEFAULT_BASIS_DAYS: u32 = 14;
/// The basis lengths `--basis` accepts.
pub const BASIS_DAYS: std::ops::RangeInclusive<u32> = 7..=90;
/// The `reason` of a series with fewer than 3 basis days that have a point.
pub const NOT_ENOUGH_HISTORY: &str = "not enough history";
/// How many basis days must have a point for a forecast.
const MIN_DAYS_WITH_POINTS: usize = 3;

/// Reads `--basis <N>d` (7d..90d). A usage error (exit 2) otherwise.
pub fn parse_basis(text: &str) -> Result<u32, Error> {
    text.strip_suffix('d')
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| BASIS_DAYS.contains(n))
        .ok_or_else(|| {
            Error::usage(format!(
                "invalid --basis {text:?}: expected a number of days from 7d to 90d, e.g. 14d"
            ))
        })
}

/// The first and last date of the month holding `day`.
pub fn month_bounds(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = day.with_day(1).unwrap_or(day);
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first + Duration::days(31));
    (first, next.pred_opt().unwrap_or(first))
}

/// `forecast` needs a month in progress: one that has not begun, or has ended, is exit 2.
/// `today` is today's date in `--tz`.
pub fn check_month_in_progress(month: NaiveDate, today: NaiveDate) -> Result<(), Error> {
    let (first, last) = month_bounds(month);
    let label = first.format("%Y-%m");
    if today < first {
        return Err(Error::usage(format!(
            "forecast: {label} has not begun yet; a forecast is for the month in progress (--month this)"
        )));
    }
    if today > last {
        return Err(Error::usage(format!(
            "forecast: {label} has ended; use `report --month {label}` for its actual figures"
        )));
    }
    Ok(())
}

/// What one series' forecast is computed from.
#[derive(Debug, Clone)]
pub struct ForecastInput<'a> {
    /// The series' points: the month so far and the basis window before it.
    pub points: &'a [Point],
    /// The exact value of each point, in the same order, when the points are rounded
    /// (a cost series: spec §8 sums exact costs and rounds only when printing); `None`
    /// reads the points' own values.
    pub exact: Option<&'a [Decimal]>,
    pub granularity: Option<Granularity>,
    /// `--tz`: the calendar of sub-daily points.
    pub tz: Zone,
    pub now: DateTime<Utc>,
    /// Any day of the month forecast.
    pub month: NaiveDate,
    /// N, the basis length in days (7..=90).
    pub basis_days: u32,
}

/// One series' forecast (spec §9's `forecasts[]` fields).
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// The sum over the month's complete dates.
    pub actual: Decimal,
    /// The mean of the basis days.
    pub daily_rate: Decimal,
    /// The month's dates that are not complete (today included).
    pub remaining_days: u32,
    pub basis_days: u32,
    /// `None` (with `reason`) when fewer than 3 basis days have a point.
    pub forecast: Option<Decimal>,
    pub lower: Option<Decimal>,
    pub upper: Option<Decimal>,
    pub reason: Option<&'static str>,
    /// The first basis date; `basis[i]` is the value of that date + i (the sparkline).
    pub basis_start: NaiveDate,
    pub basis: Vec<Decimal>,
}

/// The forecast of spec §9 for one series.
///
/// Dates: a day (or longer) bucket belongs to the date it starts on in its own calendar
/// (the provider's offset) and is complete once it has ended; sub-daily points belong to
/// their date in `tz`, complete once that date has ended in `tz`. "Today" is now's date in
/// the same calendar.
pub fn forecast(input: &ForecastInput) -> Result<Forecast, Error> {
    let calendar = Calendar::of(input);
    let today = calendar.today(input.now);
    let (first, last) = month_bounds(input.month);

    let mut by_date: HashMap<NaiveDate, Decimal> = HashMap::new();
    if input
        .exact
        .is_some_and(|exact| exact.len() != input.points.len())
    {
        return Err(Error::Internal(
            "a forecast's exact values do not match its points".to_string(),
        ));
    }
    for (index, point) in input.points.iter().enumerate() {
        let value = match input.exact {
            Some(exact) => exact[index],
            None => decimal_from_f64(point.value).ok_or_else(|| {
                Error::Internal(format!("the value {} cannot be forecast", point.value))
            })?,
        };
        *by_date.entry(calendar.date_of(point.time)).or_default() += value;
    }

    let last_complete = today.pred_opt().unwrap_or(today);
    let actual = dates(first, last.min(last_complete))
        .filter_map(|date| by_date.get(&date))
        .sum();
    let remaining_days = if today > last {
        0
    } else {
        days_between(today.max(first), last) + 1
    };

    let basis_days = input.basis_days.max(1);
    let basis_start = today - Duration::days(i64::from(basis_days));
    let basis: Vec<Decimal> = dates(basis_start, last_complete)
        .map(|date| by_date.get(&date).copied().unwrap_or_default())
        .collect();
    let days_with_points = dates(basis_start, last_complete)
        .filter(|date| by_date.contains_key(date))
        .count();
    let daily_rate = basis.iter().sum::<Decimal>() / Decimal::from(basis_days);

    let remaining = Decimal::from(remaining_days);
    let mut result = Forecast {
        actual,
        daily_rate,
        remaining_days,
        basis_days,
        forecast: None,
        lower: None,
        upper: None,
        reason: None,
        basis_start,
        basis,
    };
    if days_with_points < MIN_DAYS_WITH_POINTS {
        result.reason = Some(NOT_ENOUGH_HISTORY);
        return Ok(result);
    }
    let (q10, q90) = deciles_10_90(&result.basis);
    result.forecast = Some(actual + daily_rate * remaining);
    result.lower = Some(actual + q10 * remaining);
    result.upper = Some(actual + q90 * remaining);
    Ok(result)
}

/// The forecast document's `total` (spec §9).
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastTotal {
    pub currency: Currency,
    pub actual: Decimal,
    pub forecast: Decimal,
    pub lower: Decimal,
    pub upper: Decimal,
}

/// Each field the sum of the series' fields, present only when there is at least one
/// forecast, every one is money (`Some` currency) in one currency, and none is null.
pub fn forecast_total<'f>(
    forecasts: impl IntoIterator<Item = (Option<Currency>, &'f Forecast)>,
) -> Option<ForecastTotal> {
    let mut total: Option<ForecastTotal> = None;
    for (currency, f) in forecasts {
        let currency = currency?;
        let (forecast, lower, upper) = (f.forecast?, f.lower?, f.upper?);
        match &mut total {
            None => {
                total = Some(ForecastTotal {
                    currency,
                    actual: f.actual,
                    forecast,
                    lower,
                    upper,
                })
            }
            Some(t) if t.currency == currency => {
                t.actual += f.actual;
                t.forecast += forecast;
                t.lower += lower;
                t.upper += upper;
            }
            Some(_) => return None,
        }
    }
    total
}

/// How dates are read for one series.
enum Calendar {
    /// Day or longer buckets: each in the offset the provider gave.
    Own(FixedOffset),
    /// Sub-daily points and instants: `--tz`.
    Tz(Zone),
}

impl Calendar {
    fn of(input: &ForecastInput) -> Calendar {
        match input.granularity {
            Some(g) if g.is_calendar() => Calendar::Own(
                input
                    .points
                    .first()
                    .map_or_else(|| input.tz.offset_at(input.now), |p| *p.time.offset()),
            ),
            _ => Calendar::Tz(input.tz),
        }
    }

    fn date_of(&self, time: DateTime<FixedOffset>) -> NaiveDate {
        match self {
            Calendar::Own(_) => time.date_naive(),
            Calendar::Tz(zone) => zone.localize(&time).date_naive(),
        }
    }

    fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        match self {
            Calendar::Own(offset) => now.with_timezone(offset).date_naive(),
            Calendar::Tz(zone) => zone.localize(&now).date_naive(),
        }
    }
}

/// The dates from `first` to `last`, both included (none when `last < first`).
fn dates(first: NaiveDate, last: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    first.iter_days().take_while(move |d| *d <= last)
}

fn days_between(first: NaiveDate, last: NaiveDate) -> u32 {
    u32::try_from((last - first).num_days()).unwrap_or(0)
}

/// The 10th and 90th percentiles, as Python's
/// `statistics.quantiles(data, n=10, method="inclusive")[0]` and `[8]`.
pub fn deciles_10_90(values: &[Decimal]) -> (Decimal, Decimal) {
    let q = quantiles_inclusive(values, 10);
    match (q.first(), q.last()) {
        (Some(low), Some(high)) => (*low, *high),
        _ => (Decimal::ZERO, Decimal::ZERO),
    }
}

/// Python's `statistics.quantiles(data, n=n, method="inclusive")`: the n−1 cut points,
/// linear interpolation between closest ranks. Empty for no data or n < 2.
pub fn quantiles_inclusive(values: &[Decimal], n: u32) -> Vec<Decimal> {
    let mut data = values.to_vec();
    data.sort();
    if data.is_empty() || n < 2 {
        return Vec::new();
    }
    if data.len() == 1 {
        return vec![data[0]; n as usize - 1];
    }
    let n = n as usize;
    let m = data.len() - 1;
    (1..n)
        .map(|i| {
            let (j, delta) = ((i * m) / n, (i * m) % n);
            let weighted = data[j] * Decimal::from(n - delta) + data[j + 1] * Decimal::from(delta);
            weighted / Decimal::from(n)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn ds(values: &[&str]) -> Vec<Decimal> {
        values.iter().map(|v| d(v)).collect()
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// Day buckets at +08:00 with these values, the first on `first`.
    fn days(first: &str, values: &[f64]) -> Vec<Point> {
        let start = DateTime::parse_from_rfc3339(&format!("{first}T00:00:00+08:00")).unwrap();
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Point::new(start + Duration::days(i as i64), *v))
            .collect()
    }

    #[test]
    fn quantiles_are_pythons_inclusive_method() {
        // statistics.quantiles([1, 2, 3, 4, 5, 6, 7], n=10, method="inclusive")
        // = [1.6, 2.2, 2.8, 3.4, 4.0, 4.6, 5.2, 5.8, 6.4]
        assert_eq!(
            quantiles_inclusive(&ds(&["7", "1", "5", "3", "2", "6", "4"]), 10),
            ds(&["1.6", "2.2", "2.8", "3.4", "4.0", "4.6", "5.2", "5.8", "6.4"])
        );
        // [0, 0, 10, 10, 10, 20, 30, 40]: m = 7; i=1: j=0, δ=7 → (0·3 + 0·7)/10 = 0;
        // i=9: 63 → j=6, δ=3 → (30·7 + 40·3)/10 = 33.
        assert_eq!(
            deciles_10_90(&ds(&["0", "0", "10", "10", "10", "20", "30", "40"])),
            (d("0"), d("33"))
        );
        // 14 values 1..14: m = 13; i=1: j=1, δ=3 → (2·7 + 3·3)/10 = 2.3;
        // i=9: 117 → j=11, δ=7 → (12·3 + 13·7)/10 = 12.7.
        let fourteen: Vec<Decimal> = (1..=14).map(Decimal::from).collect();
        assert_eq!(deciles_10_90(&fourteen), (d("2.3"), d("12.7")));
        assert_eq!(quantiles_inclusive(&ds(&["5"]), 10), vec![d("5"); 9]);
        assert!(quantiles_inclusive(&[], 10).is_empty());
    }

    fn sample(actual: &str, forecast: Option<&str>) -> Forecast {
        Forecast {
            actual: d(actual),
            daily_rate: d("1"),
            remaining_days: 10,
            basis_days: 14,
            forecast: forecast.map(d),
            lower: forecast.map(|_| d("1")),
            upper: forecast.map(|_| d("2")),
            reason: forecast.is_none().then_some(NOT_ENOUGH_HISTORY),
            basis_start: date("2026-11-01"),
            basis: Vec::new(),
        }
    }

    #[test]
    fn the_total_needs_money_in_one_currency_and_no_null() {
        let (a, b) = (sample("10", Some("30")), sample("5", Some("7.5")));
        let cny = Some(Currency::CNY);
        let total = forecast_total([(cny, &a), (cny, &b)]).unwrap();
        assert_eq!(
            (
                total.currency,
                total.actual,
                total.forecast,
                total.lower,
                total.upper
            ),
            (Currency::CNY, d("15"), d("37.5"), d("2"), d("4"))
        );
        let usd = Currency::parse("USD");
        assert_eq!(forecast_total([(cny, &a), (usd, &b)]), None);
        assert_eq!(forecast_total([(cny, &a), (None, &b)]), None);
        let none = sample("1", None);
        assert_eq!(forecast_total([(cny, &a), (cny, &none)]), None);
        assert_eq!(forecast_total(std::iter::empty()), None);
    }

    #[test]
    fn mid_month_forecast_by_hand() {
        // Now: 2026-11-15 12:00 at +08:00. Complete: up to 14 November. Remaining: 15..30 = 16.
        // Values: 1 November .. 14 November = 1, 2, …, 14; nothing on 15 yet (partial).
        let mut points = days("2026-11-01", &(1..=14).map(f64::from).collect::<Vec<_>>());
        points.push(Point::new(
            DateTime::parse_from_rfc3339("2026-11-15T00:00:00+08:00").unwrap(),
            100.0,
        ));
        let input = ForecastInput {
            points: &points,
            exact: None,
            granularity: Some(Granularity::Day),
            tz: Zone::UTC,
            now: utc("2026-11-15T04:00:00Z"),
            month: date("2026-11-01"),
            basis_days: 7,
        };
        let f = forecast(&input).unwrap();
        // actual = 1 + … + 14 = 105 (today's partial 100 is not counted).
        assert_eq!(f.actual, d("105"));
        assert_eq!(f.remaining_days, 16);
        // basis = 8..14 (7 days), mean 11.
        assert_eq!(f.basis_start, date("2026-11-08"));
        assert_eq!(f.basis, ds(&["8", "9", "10", "11", "12", "13", "14"]));
        assert_eq!(f.daily_rate, d("11"));
        assert_eq!(f.forecast, Some(d("281"))); // 105 + 11 × 16
                                                // q10 of 8..14 = 8.6, q90 = 13.4 → 105 + 8.6 × 16 = 242.6; 105 + 13.4 × 16 = 319.4.
        assert_eq!(f.lower, Some(d("242.6")));
        assert_eq!(f.upper, Some(d("319.4")));
        assert_eq!(f.reason, None);
    }

    #[test]
    fn the_basis_reaches_before_the_month_and_missing_dates_count_as_zero() {
        // Now 2026-12-03 10:00 +08:00: complete 1–2 December, remaining 3..31 = 29.
        // Points on 25, 27, 29 November and 1 December; basis 7 = 26 Nov .. 2 Dec.
        let mut points = days("2026-11-25", &[70.0, 0.0, 7.0, 0.0, 14.0, 0.0, 21.0]);
        points.retain(|p| p.value != 0.0);
        let input = ForecastInput {
            points: &points,
            exact: None,
            granularity: Some(Granularity::Day),
            tz: Zone::UTC,
            now: utc("2026-12-03T02:00:00Z"),
            month: date("2026-12-15"),
            basis_days: 7,
        };
        let f = forecast(&input).unwrap();
        assert_eq!(f.actual, d("21"));
        assert_eq!(f.remaining_days, 29);
        assert_eq!(f.basis, ds(&["0", "7", "0", "14", "0", "21", "0"]));
        assert_eq!(f.daily_rate, d("6"));
        assert_eq!(f.forecast, Some(d("195"))); // 21 + 6 × 29
                                                // Sorted 0,0,0,0,7,14,21: q10 = 0; q90: j=5, δ=4 → (14·6 + 21·4)/10 = 16.8.
        assert_eq!(f.lower, Some(d("21")));
        assert_eq!(f.upper, Some(d("508.2"))); // 21 + 16.8 × 29
    }

    #[test]
    fn fewer_than_three_basis_days_with_points_is_not_enough_history() {
        let points = days("2026-11-12", &[5.0, 0.0]);
        let input = ForecastInput {
            points: &points,
            exact: None,
            granularity: Some(Granularity::Day),
            tz: Zone::UTC,
            now: utc("2026-11-15T04:00:00Z"),
            month: date("2026-11-01"),
            basis_days: 14,
        };
        let f = forecast(&input).unwrap();
        assert_eq!(f.reason, Some(NOT_ENOUGH_HISTORY));
        assert_eq!((f.forecast, f.lower, f.upper), (None, None, None));
        assert_eq!(f.actual, d("5"));
        assert_eq!(f.basis_days, 14);
        assert_eq!(f.basis.len(), 14);
        // A zero value is a point: three days with points are enough.
        let points = days("2026-11-12", &[5.0, 0.0, 1.0]);
        let f = forecast(&ForecastInput {
            points: &points,
            exact: None,
            ..input
        })
        .unwrap();
        assert_eq!(f.reason, None);
    }

    #[test]
    fn a_day_bucket_is_complete_when_it_has_ended_in_its_own_calendar() {
        // The bucket of 2026-11-14 at +08:00 ends at 2026-11-14T16:00Z.
        let points = days("2026-11-11", &[1.0, 1.0, 1.0, 1.0]);
        let input = |now: &str| ForecastInput {
            points: &points,
            exact: None,
            granularity: Some(Granularity::Day),
            // --tz is irrelevant for day buckets.
            tz: Zone::Fixed(FixedOffset::west_opt(5 * 3600).unwrap()),
            now: utc(now),
            month: date("2026-11-01"),
            basis_days: 7,
        };
        let before = forecast(&input("2026-11-14T15:59:59Z")).unwrap();
        assert_eq!(before.actual, d("3"));
        assert_eq!(before.remaining_days, 17);
        let after = forecast(&input("2026-11-14T16:00:00Z")).unwrap();
        assert_eq!(after.actual, d("4"));
        assert_eq!(after.remaining_days, 16);
    }

    #[test]
    fn sub_daily_points_are_summed_into_dates_of_tz() {
        // Hourly points in UTC; --tz +08:00. 2026-11-14T15:00Z is 23:00 on the 14th,
        // 16:00Z is 00:00 on the 15th.
        let at = |s: &str, v| Point::new(DateTime::parse_from_rfc3339(s).unwrap(), v);
        let points = vec![
            at("2026-11-12T00:00:00Z", 1.0),
            at("2026-11-13T00:00:00Z", 2.0),
            at("2026-11-14T15:00:00Z", 3.0),
            at("2026-11-14T16:00:00Z", 4.0),
        ];
        let input = ForecastInput {
            points: &points,
            exact: None,
            granularity: Some(Granularity::Hour),
            tz: Zone::Fixed(FixedOffset::east_opt(8 * 3600).unwrap()),
            now: utc("2026-11-15T01:00:00Z"),
            month: date("2026-11-01"),
            basis_days: 7,
        };
        let f = forecast(&input).unwrap();
        // Complete dates in +08:00 end with the 14th: 1 + 2 + 3 (the 4 is on the 15th).
        assert_eq!(f.actual, d("6"));
        assert_eq!(f.remaining_days, 16);
        assert_eq!(f.basis.last(), Some(&d("3")));
    }

    #[test]
    fn the_last_day_of_the_month_has_one_remaining_day_and_basis_is_parsed() {
        let points = days("2026-11-20", &[1.0; 10]);
        let f = forecast(&ForecastInput {
            points: &points,
            exact: None,
            granularity: Some(Granularity::Day),
            tz: Zone::UTC,
            now: utc("2026-11-30T12:00:00Z"),
            month: date("2026-11-30"),
            basis_days: 7,
        })
        .unwrap();
        assert_eq!(f.remaining_days, 1);
        assert_eq!(f.actual, d("10"));
        assert_eq!(f.forecast, Some(d("11")));
        assert_eq!(parse_basis("14d").unwrap(), 14);
        assert_eq!(parse_basis("7d").unwrap(), 7);
        assert_eq!(parse_basis("90d").unwrap(), 90);
        for bad in ["6d", "91d", "14", "2w", "d"] {
            assert_eq!(parse_basis(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
        assert_eq!(
            month_bounds(date("2024-02-10")),
            (date("2024-02-01"), date("2024-02-29"))
        );
        assert!(check_month_in_progress(date("2026-11-01"), date("2026-11-30")).is_ok());
        assert_eq!(
            check_month_in_progress(date("2026-12-01"), date("2026-11-30"))
                .unwrap_err()
                .exit_code(),
            2
        );
        assert_eq!(
            check_month_in_progress(date("2026-10-01"), date("2026-11-01"))
                .unwrap_err()
                .exit_code(),
            2
        );
    }
}
