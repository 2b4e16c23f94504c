//! `--cost` (spec §8): quantity series priced by the book into cost series, money series
//! passed through, unpriced quantities listed, totals per currency, and which entry
//! priced what (for `prices check`). Pure.
//!
//! Costs are exact `Decimal`s: value × price ÷ per, with the value recovered as the
//! decimal the provider wrote (`money::decimal_from_f64`), converted with the book's
//! rates when there is a target currency. A cost series' `Point::value` is that decimal
//! rounded half away from zero to 6 places and then made an `f64`, so renderers print
//! the once-rounded decimal; totals are summed from the exact decimals, not the points.

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::Decimal;
use serde::Serialize;

use crate::cost::book::PriceBook;
use crate::cost::matcher::Matcher;
use crate::cost::money::{cost_to_f64, decimal_from_f64, Conversion, Currency, Rates};
use crate::error::Error;
use crate::series::{Point, Series};

/// Label added to every cost series: the metric that was priced.
pub const PRICED_METRIC_LABEL: &str = "priced_metric";
/// Label added to every cost series: `price_book` or `provider`.
pub const PRICE_SOURCE_LABEL: &str = "price_source";
/// The metric of every cost series.
pub const COST_METRIC: &str = "cost";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PriceSource {
    /// Priced by a price-book entry.
    PriceBook,
    /// The provider's own money, passed through.
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

/// The exact figures behind one cost point (FOCUS needs them).
#[derive(Debug, Clone, PartialEq)]
pub struct CostDetail {
    /// The cost, exact, in the cost series' currency (after conversion).
    pub cost: Decimal,
    /// The quantity priced (ConsumedQuantity / PricingQuantity); `None` for provider money.
    pub quantity: Option<Decimal>,
}

/// A cost series and the exact decimals of its points.
#[derive(Debug, Clone, PartialEq)]
pub struct CostSeries {
    /// Metric `cost`, unit the currency code, labels plus `priced_metric` and
    /// `price_source`; points are the costs rounded to 6 places (partial kept).
    pub series: Series,
    pub currency: Currency,
    pub price_source: PriceSource,
    /// The metric that was priced (`usage`, `total_amount`, …).
    pub priced_metric: String,
    /// The unit of the quantity priced (PricingUnit); `None` for provider money.
    pub priced_unit: Option<String>,
    /// One per point of `series.points`, in the same order; empty when priced with
    /// [`Details::Skip`].
    pub details: Vec<CostDetail>,
    /// The exact sum of the points' costs (summed while pricing, in point order).
    total: Decimal,
}

impl CostSeries {
    /// The exact total of the series' costs.
    pub fn total(&self) -> Decimal {
        self.total
    }
}

/// Whether [`price_with`] keeps the exact figures behind every point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Details {
    /// Keep a [`CostDetail`] per point (FOCUS rows need them).
    Keep,
    /// Keep only the points and the exact totals: a large account's run does not build
    /// a second per-point list it never reads.
    Skip,
}

/// A quantity series whose points no entry priced, in a source without money of its own:
/// one element of the JSON document's `unpriced` array.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unpriced {
    pub provider: String,
    pub source: String,
    pub name: String,
    pub metric: String,
    pub unit: Option<String>,
    /// How many of its points were unpriced.
    pub points: usize,
    /// Their summed quantity.
    pub total: f64,
}

/// How one input series was priced (for `prices check`).
#[derive(Debug, Clone, PartialEq)]
pub enum Pricing {
    /// A money series: the provider's own cost, passed through.
    ProviderMoney,
    /// A quantity series, priced point by point. `entries` are the entries that priced
    /// some point (sorted); `unpriced_points` counts points no entry priced in a source
    /// without money; `covered_points` counts such points in a source with money (they
    /// are covered by it and not listed).
    Quantity {
        entries: Vec<usize>,
        unpriced_points: usize,
        covered_points: usize,
    },
}

/// One input series and how it was priced.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPricing {
    pub provider: String,
    pub source: String,
    pub name: String,
    pub metric: String,
    pub unit: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub pricing: Pricing,
}

impl SeriesPricing {
    /// What `prices check` prints for it: the entries' `FILE:LINE`s, `unpriced`, or how
    /// it is otherwise accounted for.
    pub fn describe(&self, book: &PriceBook) -> String {
        match &self.pricing {
            Pricing::ProviderMoney => "provider money".to_string(),
            Pricing::Quantity {
                entries,
                unpriced_points,
                covered_points,
            } => {
                let mut parts: Vec<String> =
                    entries.iter().map(|&i| book.entry_location(i)).collect();
                if *unpriced_points > 0 {
                    parts.push(if entries.is_empty() {
                        "unpriced".to_string()
                    } else {
                        format!("unpriced ({unpriced_points} points)")
                    });
                }
                if parts.is_empty() && *covered_points > 0 {
                    parts.push("covered by the provider's money".to_string());
                }
                if parts.is_empty() {
                    parts.push("no points".to_string());
                }
                parts.join(", ")
            }
        }
    }

    pub fn is_unpriced(&self) -> bool {
        matches!(self.pricing, Pricing::Quantity { unpriced_points, .. } if unpriced_points > 0)
    }
}

/// The result of pricing a set of series.
#[derive(Debug, Clone, PartialEq)]
pub struct Priced {
    /// Sorted by (provider, source, name, metric), then priced metric and currency.
    pub cost_series: Vec<CostSeries>,
    /// Sorted like series.
    pub unpriced: Vec<Unpriced>,
    /// The exact total per currency, over every cost series.
    pub totals: BTreeMap<Currency, Decimal>,
    /// One per input series, in input order.
    pub pricing: Vec<SeriesPricing>,
    /// Indexes of the book's entries that priced no point (`prices check`: `unused`).
    pub unused_entries: Vec<usize>,
}

impl Priced {
    /// The cost series as plain series, for the renderers.
    pub fn series(&self) -> Vec<Series> {
        self.cost_series.iter().map(|c| c.series.clone()).collect()
    }

    /// True when every quantity was priced or covered by a source's own money (the JSON
    /// `cost.complete` is this and "no provider failed").
    pub fn is_complete(&self) -> bool {
        self.unpriced.is_empty()
    }

    /// The stderr warning when something is unpriced (spec §8), `None` otherwise.
    pub fn unpriced_warning(&self) -> Option<String> {
        (!self.unpriced.is_empty()).then(|| {
            format!(
                "warning: {} series unpriced; costs are a lower bound (see aigcusage prices check)",
                self.unpriced.len()
            )
        })
    }
}

/// Prices `series` with `book` (spec §8 `--cost`). With `target`, every cost is converted
/// to it with the book's rates (a missing pair is exit 3); without, costs keep their
/// currencies and a series priced in two currencies gives two cost series. A tie between
/// entries is exit 3. Non-additive series are priced like any other: leave them out first
/// if they must not be.
pub fn price(
    series: &[Series],
    book: &PriceBook,
    target: Option<Currency>,
) -> Result<Priced, Error> {
    price_with(series, book, target, Details::Keep)
}

/// [`price`], keeping each point's [`CostDetail`] only with [`Details::Keep`]; everything
/// else (points, totals, unpriced, pricing) is the same either way.
pub fn price_with(
    series: &[Series],
    book: &PriceBook,
    target: Option<Currency>,
    details: Details,
) -> Result<Priced, Error> {
    price_each(series.iter().collect(), book, target, details)
}

/// [`price_with`] over series it may drop as it goes: each input series is freed once
/// priced, so the next cost series reuses its memory (a large account's run then does
/// not hold two full point lists at once).
pub fn price_owned(
    series: Vec<Series>,
    book: &PriceBook,
    target: Option<Currency>,
    details: Details,
) -> Result<Priced, Error> {
    price_each(series, book, target, details)
}

fn price_each<S: Borrow<Series>>(
    series: Vec<S>,
    book: &PriceBook,
    target: Option<Currency>,
    details: Details,
) -> Result<Priced, Error> {
    // Owned: the series themselves are dropped one by one below.
    let money_sources: BTreeSet<(String, String)> = series
        .iter()
        .map(Borrow::borrow)
        .filter(|s: &&Series| Currency::from_unit(s.unit.as_deref()).is_some())
        .map(|s| (s.provider.clone(), s.source.clone()))
        .collect();
    let matcher = Matcher::new(book);
    let converter = Converter::new(&book.rates, target);
    let mut used = vec![false; book.entries.len()];
    let mut cost_series = Vec::new();
    let mut unpriced = Vec::new();
    let mut pricing = Vec::with_capacity(series.len());

    for item in series {
        let s: &Series = item.borrow();
        let outcome = match Currency::from_unit(s.unit.as_deref()) {
            Some(currency) => {
                cost_series.push(pass_through(s, currency, &converter, details)?);
                Pricing::ProviderMoney
            }
            None => {
                let has_money = money_sources
                    .iter()
                    .any(|(provider, source)| *provider == s.provider && *source == s.source);
                let priced = price_quantity(s, book, &matcher, &converter, details, &mut used)?;
                cost_series.extend(priced.cost_series);
                let (unpriced_points, covered_points) = if has_money {
                    (0, priced.unpriced_points)
                } else {
                    (priced.unpriced_points, 0)
                };
                if unpriced_points > 0 {
                    unpriced.push(Unpriced {
                        provider: s.provider.clone(),
                        source: s.source.clone(),
                        name: s.name.clone(),
                        metric: s.metric.clone(),
                        unit: s.unit.clone(),
                        points: unpriced_points,
                        total: priced.unpriced_total,
                    });
                }
                Pricing::Quantity {
                    entries: priced.entries.into_iter().collect(),
                    unpriced_points,
                    covered_points,
                }
            }
        };
        pricing.push(SeriesPricing {
            provider: s.provider.clone(),
            source: s.source.clone(),
            name: s.name.clone(),
            metric: s.metric.clone(),
            unit: s.unit.clone(),
            labels: s.labels.clone(),
            pricing: outcome,
        });
    }

    cost_series.sort_by(|a, b| {
        (a.series.sort_key(), &a.priced_metric, a.currency).cmp(&(
            b.series.sort_key(),
            &b.priced_metric,
            b.currency,
        ))
    });
    unpriced.sort_by(|a, b| {
        (&a.provider, &a.source, &a.name, &a.metric).cmp(&(
            &b.provider,
            &b.source,
            &b.name,
            &b.metric,
        ))
    });
    let mut totals = BTreeMap::new();
    for c in &cost_series {
        let total: &mut Decimal = totals.entry(c.currency).or_default();
        *total = total.checked_add(c.total()).ok_or_else(|| {
            Error::config(format!("the total cost in {} is too large", c.currency))
        })?;
    }
    Ok(Priced {
        cost_series,
        unpriced,
        totals,
        pricing,
        unused_entries: (0..used.len()).filter(|&i| !used[i]).collect(),
    })
}

/// Converts costs to the target currency, if any.
struct Converter<'r> {
    rates: &'r Rates,
    target: Option<Currency>,
}

impl<'r> Converter<'r> {
    fn new(rates: &'r Rates, target: Option<Currency>) -> Self {
        Self { rates, target }
    }

    /// The currency an amount in `currency` is reported in.
    fn reported(&self, currency: Currency) -> Currency {
        self.target.unwrap_or(currency)
    }

    /// How amounts in `currency` become the reported currency (exit 3 for a missing rate).
    fn conversion(&self, currency: Currency) -> Result<Conversion, Error> {
        match self.target {
            Some(target) => self.rates.conversion(currency, target),
            None => Ok(Conversion::Identity),
        }
    }
}

fn exact(value: f64, s: &Series) -> Result<Decimal, Error> {
    decimal_from_f64(value).ok_or_else(|| {
        Error::Internal(format!(
            "{} {} {:?}: the value {value} cannot be priced as a decimal",
            s.provider, s.source, s.name
        ))
    })
}

/// The labels of a cost series.
fn cost_labels(s: &Series, source: PriceSource) -> BTreeMap<String, String> {
    let mut labels = s.labels.clone();
    labels.insert(PRICED_METRIC_LABEL.to_string(), s.metric.clone());
    labels.insert(PRICE_SOURCE_LABEL.to_string(), source.as_str().to_string());
    labels
}

fn empty_cost_series(
    s: &Series,
    currency: Currency,
    source: PriceSource,
    capacity: usize,
    details: Details,
) -> CostSeries {
    CostSeries {
        series: Series {
            provider: s.provider.clone(),
            source: s.source.clone(),
            name: s.name.clone(),
            metric: COST_METRIC.to_string(),
            unit: Some(currency.to_string()),
            granularity: s.granularity,
            // Money adds up, whatever the priced metric does.
            aggregation: crate::series::Aggregation::Sum,
            labels: cost_labels(s, source),
            points: Vec::with_capacity(capacity),
            exact_total: Some(Decimal::ZERO),
        },
        currency,
        price_source: source,
        priced_metric: s.metric.clone(),
        priced_unit: match source {
            PriceSource::PriceBook => s.unit.clone(),
            PriceSource::Provider => None,
        },
        details: match details {
            Details::Keep => Vec::with_capacity(capacity),
            Details::Skip => Vec::new(),
        },
        total: Decimal::ZERO,
    }
}

/// Adds a priced point; the detail is kept with [`Details::Keep`].
fn push_cost(
    c: &mut CostSeries,
    point: &Point,
    detail: CostDetail,
    details: Details,
) -> Result<(), Error> {
    c.total = c
        .total
        .checked_add(detail.cost)
        .ok_or_else(|| Error::config(format!("the total cost in {} is too large", c.currency)))?;
    c.series.exact_total = Some(c.total);
    c.series.points.push(Point {
        time: point.time,
        value: cost_to_f64(detail.cost),
        partial: point.partial,
    });
    if details == Details::Keep {
        c.details.push(detail);
    }
    Ok(())
}

/// A money series as a cost series, converted if there is a target.
fn pass_through(
    s: &Series,
    currency: Currency,
    converter: &Converter,
    details: Details,
) -> Result<CostSeries, Error> {
    // A rate is needed only when there is something to convert.
    let conversion = if s.points.is_empty() {
        Conversion::Identity
    } else {
        converter.conversion(currency)?
    };
    let mut c = empty_cost_series(
        s,
        converter.reported(currency),
        PriceSource::Provider,
        s.points.len(),
        details,
    );
    for point in &s.points {
        let cost = conversion.apply(exact(point.value, s)?)?;
        push_cost(
            &mut c,
            point,
            CostDetail {
                cost,
                quantity: None,
            },
            details,
        )?;
    }
    Ok(c)
}

struct QuantityOutcome {
    cost_series: Vec<CostSeries>,
    entries: BTreeSet<usize>,
    unpriced_points: usize,
    unpriced_total: f64,
}

/// Prices a quantity series point by point: one cost series per reported currency.
fn price_quantity(
    s: &Series,
    book: &PriceBook,
    matcher: &Matcher,
    converter: &Converter,
    details: Details,
    used: &mut [bool],
) -> Result<QuantityOutcome, Error> {
    let mut series_matcher = matcher.for_series(s);
    let mut outcome = QuantityOutcome {
        cost_series: Vec::new(),
        entries: BTreeSet::new(),
        unpriced_points: 0,
        unpriced_total: 0.0,
    };
    if series_matcher.is_empty() {
        outcome.unpriced_points = s.points.len();
        // The summed quantity of the unpriced points (spec §8), whatever its aggregation.
        outcome.unpriced_total = s.points.iter().map(|p| p.value).sum();
        return Ok(outcome);
    }
    // Index of the cost series per reported currency (one, unless two currencies and no target).
    let mut by_currency: HashMap<Currency, usize> = HashMap::new();
    // The conversion of the last entry used (consecutive points mostly share an entry).
    let mut last_conversion: Option<(usize, Conversion)> = None;
    let mut last_slot: Option<(Currency, usize)> = None;
    for point in &s.points {
        // The day of the bucket start in the bucket's own calendar (the provider's offset).
        let Some(index) = series_matcher.entry_for(point.time.date_naive())? else {
            outcome.unpriced_points += 1;
            outcome.unpriced_total += point.value;
            continue;
        };
        let entry = &book.entries[index];
        let conversion = match last_conversion {
            Some((last, conversion)) if last == index => conversion,
            _ => {
                let conversion = converter.conversion(entry.currency)?;
                last_conversion = Some((index, conversion));
                used[index] = true;
                outcome.entries.insert(index);
                conversion
            }
        };
        let quantity = exact(point.value, s)?;
        let overflow = || {
            Error::config(format!(
                "{}: {} × {} is too large to price",
                book.entry_location(index),
                quantity,
                entry.price
            ))
        };
        let mut cost = quantity.checked_mul(entry.price).ok_or_else(overflow)?;
        if entry.per != Decimal::ONE {
            cost = cost.checked_div(entry.per).ok_or_else(overflow)?;
        }
        if conversion != Conversion::Identity {
            cost = conversion.apply(cost)?;
        }
        let reported = converter.reported(entry.currency);
        let slot = match last_slot {
            Some((currency, slot)) if currency == reported => slot,
            _ => *by_currency.entry(reported).or_insert_with(|| {
                outcome.cost_series.push(empty_cost_series(
                    s,
                    reported,
                    PriceSource::PriceBook,
                    s.points.len(),
                    details,
                ));
                outcome.cost_series.len() - 1
            }),
        };
        last_slot = Some((reported, slot));
        push_cost(
            &mut outcome.cost_series[slot],
            point,
            CostDetail {
                cost,
                quantity: Some(quantity),
            },
            details,
        )?;
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::str::FromStr;

    use chrono::{DateTime, FixedOffset};
    use proptest::prelude::*;

    use crate::series::Granularity;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn book(text: &str) -> PriceBook {
        PriceBook::parse(text, Path::new("prices.toml")).unwrap()
    }

    fn series(
        provider: &str,
        source: &str,
        name: &str,
        metric: &str,
        unit: Option<&str>,
        points: &[(&str, f64)],
    ) -> Series {
        Series {
            provider: provider.into(),
            source: source.into(),
            name: name.into(),
            metric: metric.into(),
            unit: unit.map(Into::into),
            granularity: Some(Granularity::Day),
            aggregation: Default::default(),
            labels: BTreeMap::from([("k".to_string(), "v".to_string())]),
            points: points
                .iter()
                .map(|(time, v)| Point::new(t(time), *v))
                .collect(),
            exact_total: None,
        }
    }

    fn vod_seconds(points: &[(&str, f64)]) -> Series {
        series(
            "tencent",
            "vod.aigc_usage",
            "Kling",
            "usage",
            Some("seconds"),
            points,
        )
    }

    const VOD_040: &str = "[[price]]\nprovider = \"tencent\"\nsource = \"vod.aigc_usage\"\nseries = \"Kling\"\nmetric = \"usage\"\nunit = \"seconds\"\nprice = \"0.40\"\ncurrency = \"CNY\"\n";

    #[test]
    fn fifteen_seconds_at_forty_fen_cost_exactly_six() {
        let mut s = vod_seconds(&[
            ("2025-11-18T00:00:00+08:00", 15.0),
            ("2025-11-19T00:00:00+08:00", 0.1),
        ]);
        s.points[1].partial = true;
        let priced = price(&[s], &book(VOD_040), None).unwrap();
        assert_eq!(priced.cost_series.len(), 1);
        let c = &priced.cost_series[0];
        assert_eq!(c.details[0].cost, d("6"));
        assert_eq!(c.details[0].quantity, Some(d("15")));
        assert_eq!(c.details[1].cost, d("0.04"));
        assert_eq!(c.series.points[0].value, 6.0);
        assert_eq!(c.series.points[1].value, 0.04);
        assert!(!c.series.points[0].partial && c.series.points[1].partial);
        assert_eq!(c.series.metric, "cost");
        assert_eq!(c.series.unit.as_deref(), Some("CNY"));
        assert_eq!(c.series.name, "Kling");
        assert_eq!(c.series.labels.get("priced_metric").unwrap(), "usage");
        assert_eq!(c.series.labels.get("price_source").unwrap(), "price_book");
        assert_eq!(c.series.labels.get("k").unwrap(), "v");
        assert_eq!(c.priced_unit.as_deref(), Some("seconds"));
        assert_eq!(priced.totals.get(&Currency::CNY), Some(&d("6.04")));
        assert!(priced.unpriced.is_empty() && priced.unused_entries.is_empty());
        assert_eq!(priced.pricing[0].describe(&book(VOD_040)), "prices.toml:1");
    }

    #[test]
    fn tokens_per_million_are_exact() {
        let b = book("[[price]]\nprovider = \"tencent\"\nsource = \"lke.token_usage\"\nseries = \"input\"\nmetric = \"tokens\"\nunit = \"tokens\"\nprice = 0.8\nper = 1_000_000\ncurrency = \"CNY\"\n");
        let s = series(
            "tencent",
            "lke.token_usage",
            "input",
            "tokens",
            Some("tokens"),
            &[("2025-11-18T00:00:00+08:00", 1_234_567.0)],
        );
        let priced = price(&[s], &b, None).unwrap();
        assert_eq!(priced.cost_series[0].details[0].cost, d("0.9876536"));
        // Printed to 6 places, half away from zero.
        assert_eq!(priced.cost_series[0].series.points[0].value, 0.987654);
    }

    #[test]
    fn money_passes_through_and_covers_its_sources_quantities() {
        let money = series(
            "alibaba",
            "modelrouter.cost_trend",
            "total_amount",
            "total_amount",
            Some("元"),
            &[("2025-11-18T00:00:00+08:00", 873.95)],
        );
        let calls = series(
            "alibaba",
            "modelrouter.cost_trend",
            "total_calls",
            "total_calls",
            Some("次"),
            &[("2025-11-18T00:00:00+08:00", 10.0)],
        );
        let priced = price(&[money.clone(), calls.clone()], &PriceBook::default(), None).unwrap();
        assert_eq!(priced.cost_series.len(), 1);
        let c = &priced.cost_series[0];
        assert_eq!(c.series.unit.as_deref(), Some("CNY"));
        assert_eq!(
            c.series.labels.get("priced_metric").unwrap(),
            "total_amount"
        );
        assert_eq!(c.series.labels.get("price_source").unwrap(), "provider");
        assert_eq!(c.price_source, PriceSource::Provider);
        assert_eq!(c.details[0].cost, d("873.95"));
        assert_eq!(c.details[0].quantity, None);
        assert_eq!(c.priced_unit, None);
        // The calls are covered by the money: neither priced nor listed.
        assert!(priced.unpriced.is_empty());
        assert_eq!(priced.pricing[0].pricing, Pricing::ProviderMoney);
        assert_eq!(
            priced.pricing[1].describe(&PriceBook::default()),
            "covered by the provider's money"
        );
        // …unless an entry prices them.
        let b = book("[[price]]\nprovider = \"alibaba\"\nsource = \"modelrouter.cost_trend\"\nseries = \"total_calls\"\nmetric = \"total_calls\"\nunit = \"次\"\nprice = \"0.5\"\ncurrency = \"CNY\"\n");
        let priced = price(&[money, calls], &b, None).unwrap();
        assert_eq!(priced.cost_series.len(), 2);
        assert_eq!(priced.totals.get(&Currency::CNY), Some(&d("878.95")));
    }

    #[test]
    fn unpriced_quantities_are_listed_never_shown_as_zero() {
        let credits = series(
            "acedata",
            "acedata.api_usage",
            "Midjourney Imagine",
            "amount",
            Some("credits"),
            &[
                ("2025-11-18T00:00:00Z", 1.5),
                ("2025-11-19T00:00:00Z", 2.25),
            ],
        );
        let seconds = vod_seconds(&[("2025-11-18T00:00:00+08:00", 15.0)]);
        let b = book(VOD_040);
        let priced = price(&[credits, seconds], &b, None).unwrap();
        assert_eq!(priced.cost_series.len(), 1);
        assert_eq!(
            priced.unpriced,
            [Unpriced {
                provider: "acedata".into(),
                source: "acedata.api_usage".into(),
                name: "Midjourney Imagine".into(),
                metric: "amount".into(),
                unit: Some("credits".into()),
                points: 2,
                total: 3.75,
            }]
        );
        assert_eq!(
            priced.unpriced_warning().unwrap(),
            "warning: 1 series unpriced; costs are a lower bound (see aigcusage prices check)"
        );
        assert!(priced.pricing[0].is_unpriced());
        assert_eq!(priced.pricing[0].describe(&b), "unpriced");
        let json = serde_json::to_value(&priced.unpriced[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"provider": "acedata", "source": "acedata.api_usage", "name": "Midjourney Imagine", "metric": "amount", "unit": "credits", "points": 2, "total": 3.75})
        );
    }

    #[test]
    fn a_series_priced_only_on_some_dates_has_a_cost_series_and_an_unpriced_entry() {
        let b = book(&format!("{VOD_040}from = \"2025-11-19\"\n[[price]]\nprovider = \"x\"\nsource = \"y\"\nseries = \"z\"\nmetric = \"m\"\nunit = \"u\"\nprice = \"1\"\ncurrency = \"CNY\"\n"));
        let s = vod_seconds(&[
            ("2025-11-18T00:00:00+08:00", 10.0),
            ("2025-11-19T00:00:00+08:00", 15.0),
        ]);
        let priced = price(&[s], &b, None).unwrap();
        assert_eq!(priced.cost_series[0].series.points.len(), 1);
        assert_eq!(
            priced.cost_series[0].series.points[0].time,
            t("2025-11-19T00:00:00+08:00")
        );
        assert_eq!(priced.unpriced[0].points, 1);
        assert_eq!(priced.unpriced[0].total, 10.0);
        assert_eq!(
            priced.pricing[0].describe(&b),
            "prices.toml:1, unpriced (1 points)"
        );
        assert_eq!(priced.unused_entries, [1]);
    }

    #[test]
    fn a_bucket_in_plus_eight_near_midnight_utc_is_priced_by_its_own_date() {
        // 2026-01-01T00:30+08:00 is still 2025-12-31 in UTC; its own date is 1 January.
        let s = vod_seconds(&[
            ("2026-01-01T00:30:00+08:00", 10.0),
            ("2025-12-31T23:30:00+08:00", 10.0),
        ]);
        let new_price = book(&format!("{VOD_040}from = 2026-01-01\n"));
        let priced = price(std::slice::from_ref(&s), &new_price, None).unwrap();
        assert_eq!(priced.cost_series[0].series.points.len(), 1);
        assert_eq!(
            priced.cost_series[0].series.points[0].time,
            t("2026-01-01T00:30:00+08:00")
        );
        let old_price = book(&format!("{VOD_040}until = 2026-01-01\n"));
        let priced = price(&[s], &old_price, None).unwrap();
        assert_eq!(priced.cost_series[0].series.points.len(), 1);
        assert_eq!(
            priced.cost_series[0].series.points[0].time,
            t("2025-12-31T23:30:00+08:00")
        );
    }

    const TWO_CURRENCIES: &str = "[rates]\n\"USD/CNY\" = \"7.10\"\n\n[[price]]\nprovider = \"tencent\"\nsource = \"vod.aigc_usage\"\nseries = \"Kling\"\nmetric = \"usage\"\nunit = \"seconds\"\nprice = \"0.40\"\ncurrency = \"CNY\"\nuntil = 2025-11-19\n[[price]]\nprovider = \"tencent\"\nsource = \"vod.aigc_usage\"\nseries = \"Kling\"\nmetric = \"usage\"\nunit = \"seconds\"\nprice = \"0.1\"\ncurrency = \"USD\"\nfrom = 2025-11-19\n";

    #[test]
    fn two_currencies_without_a_target_are_two_cost_series_and_never_added() {
        let s = vod_seconds(&[
            ("2025-11-18T00:00:00+08:00", 15.0),
            ("2025-11-19T00:00:00+08:00", 20.0),
        ]);
        let priced = price(&[s], &book(TWO_CURRENCIES), None).unwrap();
        let units: Vec<_> = priced
            .cost_series
            .iter()
            .map(|c| c.series.unit.clone().unwrap())
            .collect();
        assert_eq!(units, ["CNY", "USD"]);
        assert_eq!(priced.totals.get(&Currency::CNY), Some(&d("6")));
        assert_eq!(
            priced.totals.get(&Currency::parse("USD").unwrap()),
            Some(&d("2"))
        );
    }

    #[test]
    fn a_target_currency_converts_with_the_rate_or_its_inverse() {
        let s = vod_seconds(&[
            ("2025-11-18T00:00:00+08:00", 15.0),
            ("2025-11-19T00:00:00+08:00", 20.0),
        ]);
        let b = book(TWO_CURRENCIES);
        let priced = price(std::slice::from_ref(&s), &b, Some(Currency::CNY)).unwrap();
        assert_eq!(priced.cost_series.len(), 1);
        // 6 CNY + 2 USD × 7.10.
        assert_eq!(priced.totals.get(&Currency::CNY), Some(&d("20.2")));
        let usd = Currency::parse("USD").unwrap();
        let priced = price(std::slice::from_ref(&s), &b, Some(usd)).unwrap();
        // 6 CNY ÷ 7.10 + 2 USD.
        assert_eq!(priced.cost_series[0].series.points[0].value, 0.84507);
        assert_eq!(
            crate::cost::money::round_for_print(priced.totals[&usd]),
            d("2.845070")
        );
        let eur = Currency::parse("EUR").unwrap();
        let err = price(&[s], &b, Some(eur)).unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(err.to_string().contains("\"CNY/EUR\""), "{err}");
        // Money in yuan converts too.
        let money = series(
            "alibaba",
            "modelrouter.cost_trend",
            "total_amount",
            "total_amount",
            Some("元"),
            &[("2025-11-18T00:00:00+08:00", 71.0)],
        );
        let priced = price(&[money], &b, Some(usd)).unwrap();
        assert_eq!(priced.cost_series[0].details[0].cost, d("10"));
        assert_eq!(priced.cost_series[0].series.unit.as_deref(), Some("USD"));
    }

    #[test]
    fn a_tie_while_pricing_is_exit_3() {
        let b = book(&format!("{VOD_040}{VOD_040}"));
        let err = price(
            &[vod_seconds(&[("2025-11-18T00:00:00+08:00", 1.0)])],
            &b,
            None,
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(
            err.to_string().contains("prices.toml:1 and prices.toml:9"),
            "{err}"
        );
    }

    fn arbitrary_series() -> impl Strategy<Value = Vec<Series>> {
        let point = (0u32..60, 0u64..10_000_000);
        let one = (0usize..4, proptest::collection::vec(point, 0..40));
        proptest::collection::vec(one, 0..6).prop_map(|all| {
            all.into_iter()
                .map(|(kind, points)| {
                    let (name, unit) = [
                        ("Kling", "seconds"),
                        ("Kling", "tasks"),
                        ("Vidu", "seconds"),
                        ("Other", "seconds"),
                    ][kind];
                    let mut s = vod_seconds(&[]);
                    s.name = name.into();
                    s.unit = Some(unit.into());
                    let start = t("2025-11-01T00:00:00+08:00");
                    s.points = points
                        .into_iter()
                        .map(|(day, milli)| {
                            Point::new(
                                start + chrono::Duration::days(i64::from(day)),
                                milli as f64 / 1000.0,
                            )
                        })
                        .collect();
                    s
                })
                .collect()
        })
    }

    const PROPERTY_BOOK: &str = "[rates]\n\"USD/CNY\" = \"7.10\"\n[[price]]\nprovider = \"tencent\"\nsource = \"vod.aigc_usage\"\nmatch = \"K.*|V.*\"\nmetric = \"usage\"\nunit = \"seconds\"\nprice = \"0.37\"\nper = 3\ncurrency = \"USD\"\n[[price]]\nprovider = \"tencent\"\nsource = \"vod.aigc_usage\"\nseries = \"Kling\"\nmetric = \"usage\"\nunit = \"seconds\"\nprice = \"0.40\"\ncurrency = \"CNY\"\nfrom = 2025-11-20\nuntil = 2025-12-10\n";

    proptest! {
        #[test]
        fn pricing_twice_is_identical_and_totals_are_the_sums_of_points(
            all in arbitrary_series(),
            target in proptest::option::of(Just(Currency::CNY)),
        ) {
            let b = book(PROPERTY_BOOK);
            let first = price(&all, &b, target).unwrap();
            let second = price(&all, &b, target).unwrap();
            prop_assert_eq!(&first, &second);
            let mut sums: BTreeMap<Currency, Decimal> = BTreeMap::new();
            for c in &first.cost_series {
                prop_assert_eq!(c.details.len(), c.series.points.len());
                let series_sum: Decimal = c.details.iter().map(|x| x.cost).sum();
                prop_assert_eq!(c.total(), series_sum);
                for (p, x) in c.series.points.iter().zip(&c.details) {
                    prop_assert_eq!(p.value, cost_to_f64(x.cost));
                }
                *sums.entry(c.currency).or_default() += series_sum;
            }
            prop_assert_eq!(&first.totals, &sums);
            // Without details: the same points, totals and the rest, and no details.
            let skipped = price_with(&all, &b, target, Details::Skip).unwrap();
            prop_assert_eq!(skipped.cost_series.len(), first.cost_series.len());
            for (s, f) in skipped.cost_series.iter().zip(&first.cost_series) {
                prop_assert!(s.details.is_empty());
                prop_assert_eq!(&s.series, &f.series);
                prop_assert_eq!(s.total(), f.total());
            }
            prop_assert_eq!(&skipped.totals, &first.totals);
            prop_assert_eq!(&skipped.unpriced, &first.unpriced);
            prop_assert_eq!(&skipped.pricing, &first.pricing);
            let owned = price_owned(all.clone(), &b, target, Details::Keep).unwrap();
            prop_assert_eq!(&owned, &first);
            // Every point is either priced or listed as unpriced: nothing vanishes.
            let quantity_points: usize = all.iter().map(|s| s.points.len()).sum();
            let priced_points: usize = first.cost_series.iter().map(|c| c.details.len()).sum();
            let unpriced_points: usize = first.unpriced.iter().map(|u| u.points).sum();
            prop_assert_eq!(quantity_points, priced_points + unpriced_points);
        }
    }
}
