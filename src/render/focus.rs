//! `-o focus`: a FOCUS 1.2 cost-and-usage CSV (spec §11), one row per cost point.
//!
//! Two layers:
//! - [`write`] prints [`FocusRow`]s: the header in the order of the spec, RFC 4180 quoting,
//!   an empty cell for null, the fixed values, decimals with a decimal point and one to six
//!   fractional digits, times as UTC `YYYY-MM-DDTHH:MM:SSZ`.
//! - [`rows`] builds the rows from the cost series of spec §8 (metric `cost`, unit = the
//!   currency, labels plus `priced_metric` and `price_source`) and the quantity series
//!   they priced, with the display names the caller looks up per source.
//!
//! Periods ([`ChargePeriod::of_bucket`]): the charge period is the bucket, end exclusive; the
//! billing period is the calendar month holding the bucket's start in the bucket's own
//! calendar (spec §5): a day or longer bucket in its own offset (a VOD day of +08:00 is
//! billed in +08:00's month), a sub-daily bucket in `--tz`. A point without a granularity
//! (an instant) is a one-second charge period.

use std::io::{self, Write};
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::Error;
use crate::number;
use crate::series::{Granularity, Point, Series};
use crate::zone::Zone;

/// The header, in the order of spec §11.
pub const HEADER: [&str; 31] = [
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "x_Source",
    "x_Series",
    "x_Metric",
    "x_PriceSource",
    "x_Partial",
];

/// Fractional digits a decimal column keeps at most (spec §8: costs round half away from
/// zero to 6 decimal places when printed).
const DECIMALS: u32 = 6;

/// Who priced a cost point (the cost series' `price_source` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceSource {
    /// A price book entry priced a quantity.
    PriceBook,
    /// The provider reported money.
    Provider,
}

impl PriceSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PriceSource::PriceBook => "price_book",
            PriceSource::Provider => "provider",
        }
    }
}

impl FromStr for PriceSource {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "price_book" => Ok(PriceSource::PriceBook),
            "provider" => Ok(PriceSource::Provider),
            other => Err(Error::Internal(format!("unknown price_source '{other}'"))),
        }
    }
}

/// The charge and billing periods of one bucket, as instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChargePeriod {
    pub start: DateTime<Utc>,
    /// Exclusive.
    pub end: DateTime<Utc>,
    /// The first instant of the calendar month holding `start`.
    pub billing_start: DateTime<Utc>,
    /// The first instant of the next month (exclusive end).
    pub billing_end: DateTime<Utc>,
}

impl ChargePeriod {
    /// The periods of the bucket starting at `start`: a day or longer bucket in its own
    /// offset, a sub-daily bucket (or an instant) in `tz`.
    pub fn of_bucket(
        start: DateTime<FixedOffset>,
        granularity: Option<Granularity>,
        tz: &Zone,
    ) -> Self {
        let end = match granularity {
            Some(g) => g.bucket_end(start),
            None => start + Duration::seconds(1),
        };
        let calendar = match granularity {
            Some(g) if g.is_calendar() => Zone::Fixed(*start.offset()),
            _ => *tz,
        };
        let local = calendar.localize(&start);
        let month = NaiveDate::from_ymd_opt(local.year(), local.month(), 1);
        let next = month.and_then(|m| m.checked_add_months(chrono::Months::new(1)));
        let fallback = local.with_timezone(&Utc);
        Self {
            start: start.with_timezone(&Utc),
            end: end.with_timezone(&Utc),
            billing_start: month.map_or(fallback, |m| month_start(m, &calendar, local)),
            billing_end: next.map_or(fallback, |m| month_start(m, &calendar, local)),
        }
    }
}

/// Midnight of `first` in `zone`. Should midnight not exist there (a daylight-saving gap
/// at midnight), the offset `near` has is used.
fn month_start(first: NaiveDate, zone: &Zone, near: DateTime<FixedOffset>) -> DateTime<Utc> {
    let midnight = first.and_hms_opt(0, 0, 0).unwrap_or_default();
    match zone.from_local(midnight) {
        Ok(at) => at.with_timezone(&Utc),
        Err(_) => near
            .offset()
            .from_local_datetime(&midnight)
            .earliest()
            .map_or(near.with_timezone(&Utc), |at| at.with_timezone(&Utc)),
    }
}

/// The quantity a price book entry priced.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity<'a> {
    pub amount: Decimal,
    pub unit: &'a str,
}

/// One FOCUS row: one cost point.
#[derive(Debug, Clone, PartialEq)]
pub struct FocusRow<'a> {
    /// BilledCost = ContractedCost = EffectiveCost = ListCost.
    pub cost: Decimal,
    /// BillingCurrency: the cost's currency, after conversion.
    pub currency: &'a str,
    /// BillingAccountId = BillingAccountName (spec §10's account).
    pub account: &'a str,
    /// ProviderName = PublisherName = InvoiceIssuerName (`Tencent Cloud`, …).
    pub provider_name: &'a str,
    /// ServiceName (`Video on Demand`, …).
    pub service_name: &'a str,
    pub period: ChargePeriod,
    /// x_Source (`vod.aigc_usage`, …).
    pub source: &'a str,
    /// x_Series; ChargeDescription is `<series> <priced metric>`.
    pub series: &'a str,
    /// x_Metric: the priced metric (`usage`, `total_amount`, …).
    pub priced_metric: &'a str,
    /// Consumed/PricingQuantity and Consumed/PricingUnit; `None` for provider money.
    pub quantity: Option<Quantity<'a>>,
    /// x_PriceSource.
    pub price_source: PriceSource,
    /// x_Partial.
    pub partial: bool,
}

/// Writes the header and one line per row, in the order given. Does not flush `out`.
pub fn write(rows: &[FocusRow<'_>], out: &mut dyn Write) -> io::Result<()> {
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .quote_style(::csv::QuoteStyle::Necessary)
        .from_writer(super::buffered(out));
    writer.write_record(HEADER).map_err(csv_error)?;
    for row in rows {
        writer.write_record(fields(row)).map_err(csv_error)?;
    }
    let buffer = writer
        .into_inner()
        .map_err(|e| io::Error::new(e.error().kind(), e.error().to_string()))?;
    super::finish(buffer)
}

/// The cells of one row, in [`HEADER`]'s order.
fn fields(row: &FocusRow<'_>) -> [String; 31] {
    let cost = decimal(row.cost);
    let (quantity, unit) = match &row.quantity {
        Some(q) => (decimal(q.amount), q.unit.to_string()),
        None => (String::new(), String::new()),
    };
    [
        cost.clone(),                                    // BilledCost
        row.account.to_string(),                         // BillingAccountId
        row.account.to_string(),                         // BillingAccountName
        row.currency.to_string(),                        // BillingCurrency
        utc(row.period.billing_end),                     // BillingPeriodEnd
        utc(row.period.billing_start),                   // BillingPeriodStart
        "Usage".to_string(),                             // ChargeCategory
        String::new(),                                   // ChargeClass
        format!("{} {}", row.series, row.priced_metric), // ChargeDescription
        "Usage-Based".to_string(),                       // ChargeFrequency
        utc(row.period.end),                             // ChargePeriodEnd
        utc(row.period.start),                           // ChargePeriodStart
        quantity.clone(),                                // ConsumedQuantity
        unit.clone(),                                    // ConsumedUnit
        cost.clone(),                                    // ContractedCost
        cost.clone(),                                    // EffectiveCost
        String::new(),                                   // InvoiceId
        row.provider_name.to_string(),                   // InvoiceIssuerName
        cost,                                            // ListCost
        quantity,                                        // PricingQuantity
        unit,                                            // PricingUnit
        row.provider_name.to_string(),                   // ProviderName
        row.provider_name.to_string(),                   // PublisherName
        "AI and Machine Learning".to_string(),           // ServiceCategory
        row.service_name.to_string(),                    // ServiceName
        "Generative AI".to_string(),                     // ServiceSubcategory
        row.source.to_string(),                          // x_Source
        row.series.to_string(),                          // x_Series
        row.priced_metric.to_string(),                   // x_Metric
        row.price_source.as_str().to_string(),           // x_PriceSource
        row.partial.to_string(),                         // x_Partial
    ]
}

/// A decimal with a decimal point and one to six fractional digits, rounded half away
/// from zero: `6.0`, `873.95`, `0.333333`.
pub fn decimal(value: Decimal) -> String {
    let mut rounded = value
        .round_dp_with_strategy(DECIMALS, RoundingStrategy::MidpointAwayFromZero)
        .normalize();
    if rounded.is_zero() {
        rounded.set_sign_positive(true);
    }
    let text = rounded.to_string();
    if rounded.scale() == 0 {
        format!("{text}.0")
    } else {
        text
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn csv_error(e: ::csv::Error) -> io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// The FOCUS names of one source (constants of each provider's folder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisplayNames {
    /// ProviderName = PublisherName = InvoiceIssuerName: `Tencent Cloud`, `Alibaba Cloud`,
    /// `AceData Cloud`.
    pub provider: &'static str,
    /// ServiceName: `Video on Demand`, `Agent Development Platform`,
    /// `AiContent ModelRouter`, `AceData Cloud API`.
    pub service: &'static str,
}

/// The label the cost layer puts on a cost series naming the metric it priced.
pub const PRICED_METRIC: &str = "priced_metric";
/// The label naming who priced it: `price_book` or `provider`.
pub const PRICE_SOURCE: &str = "price_source";
/// The label a series read from the store carries (spec §10).
pub const ACCOUNT: &str = "account";

/// What [`rows`] needs besides the series.
pub struct RowsInput<'a> {
    /// The cost series (spec §8), in the order the rows are wanted (spec §5's order).
    pub costs: &'a [Series],
    /// The quantity series the cost series were priced from: a price-book row takes its
    /// quantity from the point of the same time of the series with the same provider,
    /// source and name, metric = `priced_metric`, and the cost series' labels without
    /// `priced_metric` and `price_source`.
    pub quantities: &'a [Series],
    /// The account of a series without an `account` label (the profile's `account`,
    /// else its name).
    pub account: &'a str,
    /// The FOCUS names of a (provider, source).
    pub names: &'a dyn Fn(&str, &str) -> Option<DisplayNames>,
    /// `--tz`: the calendar of sub-daily buckets.
    pub tz: Zone,
}

/// One row per point of every cost series. Errors (all [`Error::Internal`]: the cost layer
/// broke its contract): a cost series without `priced_metric` or a known `price_source`, a
/// source without names, a price-book point whose quantity is not found, a value that is
/// not a finite decimal.
pub fn rows<'a>(input: &RowsInput<'a>) -> Result<Vec<FocusRow<'a>>, Error> {
    let mut rows = Vec::new();
    for cost in input.costs {
        let label = |key: &str| {
            cost.labels.get(key).map(String::as_str).ok_or_else(|| {
                Error::Internal(format!("cost series {} has no {key} label", cost.name))
            })
        };
        let priced_metric = label(PRICED_METRIC)?;
        let price_source: PriceSource = label(PRICE_SOURCE)?.parse()?;
        let names = (input.names)(&cost.provider, &cost.source).ok_or_else(|| {
            Error::Internal(format!(
                "no FOCUS names for {} {}",
                cost.provider, cost.source
            ))
        })?;
        let account = cost
            .labels
            .get(ACCOUNT)
            .map_or(input.account, String::as_str);
        let quantity_series = match price_source {
            PriceSource::Provider => None,
            PriceSource::PriceBook => Some(priced_series(cost, priced_metric, input.quantities)?),
        };
        for point in &cost.points {
            let quantity = match quantity_series {
                Some(series) => Some(Quantity {
                    amount: decimal_of(quantity_at(series, point)?.value)?,
                    unit: series.unit.as_deref().unwrap_or(""),
                }),
                None => None,
            };
            rows.push(FocusRow {
                cost: decimal_of(point.value)?,
                currency: cost.unit.as_deref().unwrap_or(""),
                account,
                provider_name: names.provider,
                service_name: names.service,
                period: ChargePeriod::of_bucket(point.time, cost.granularity, &input.tz),
                source: &cost.source,
                series: &cost.name,
                priced_metric,
                quantity,
                price_source,
                partial: point.partial,
            });
        }
    }
    Ok(rows)
}

/// The quantity series a price-book cost series was priced from.
fn priced_series<'s>(
    cost: &Series,
    priced_metric: &str,
    quantities: &'s [Series],
) -> Result<&'s Series, Error> {
    quantities
        .iter()
        .find(|q| {
            q.provider == cost.provider
                && q.source == cost.source
                && q.name == cost.name
                && q.metric == priced_metric
                && q.labels.len() + 2 == cost.labels.len()
                && q.labels.iter().all(|(k, v)| cost.labels.get(k) == Some(v))
        })
        .ok_or_else(|| {
            Error::Internal(format!(
                "no {priced_metric} series {} {} for its cost",
                cost.source, cost.name
            ))
        })
}

fn quantity_at<'s>(series: &'s Series, cost_point: &Point) -> Result<&'s Point, Error> {
    series
        .points
        .iter()
        .find(|p| p.time == cost_point.time)
        .ok_or_else(|| {
            Error::Internal(format!(
                "{} has no {} point at {} for its cost",
                series.name, series.metric, cost_point.time
            ))
        })
}

/// The decimal the value prints as (float noise rounded away, spec §5).
fn decimal_of(value: f64) -> Result<Decimal, Error> {
    let text = number::format_value(value);
    Decimal::from_str(&text)
        .map_err(|e| Error::Internal(format!("{text} is not a decimal FOCUS can carry: {e}")))
}

#[cfg(test)]
mod tests;
