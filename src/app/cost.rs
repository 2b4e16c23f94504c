//! `--cost` wired into the commands (spec §8): the price book and the target currency
//! from the settings, the series priced into cost series, and the summary the renderers
//! print. The arithmetic is `crate::cost`; this is where it meets the settings and stderr.

use std::path::Path;

use crate::config::Origin;
use crate::cost::book::{BookLocation, PriceBook};
use crate::cost::demo::demo_price_book;
use crate::cost::money::{resolve_target_currency, Currency};
use crate::cost::price::{self, Details, Priced};
use crate::cost::summary::CostSummary;
use crate::error::Error;
use crate::series::{Aggregation, Series};

use super::Context;

/// The book a run prices with and the currency it reports in.
#[derive(Debug, Clone)]
pub struct CostPlan {
    pub book: PriceBook,
    pub target: Option<Currency>,
}

/// Said once on stderr when `--demo` prices with the built-in example book.
const DEMO_NOTE: &str = "note: --demo: costs use built-in example prices, not your price book";

/// The price book (`--prices`, `AIGCUSAGE_PRICES`, the profile's `prices`, the default
/// path) and the target currency. Under `--demo`, when the user has no book (none named,
/// and at the default path no file or one without entries, such as the template `config
/// init` writes), the built-in example book (said on stderr): a book of the user's with
/// entries always wins. Exit 3 for a bad book; exit 2 for a bad `--currency`.
pub fn plan(ctx: &Context) -> Result<CostPlan, Error> {
    let location = ctx.settings.prices.as_ref().map(|p| BookLocation {
        path: p.value.clone(),
        explicit: p.origin != Origin::Default,
    });
    let explicit = location.as_ref().is_some_and(|l| l.explicit);
    let book = match PriceBook::find(location.as_ref())? {
        // The commented template `config init` writes at the default path prices nothing:
        // under `--demo` the example prices show more (said on stderr). A book the user
        // names, or one with entries, is theirs.
        Some(book) if ctx.demo && !explicit && book.entries.is_empty() => demo_book(ctx)?,
        Some(book) => book,
        None if ctx.demo => demo_book(ctx)?,
        None => PriceBook::default(),
    };
    let target = target_currency(ctx, &book)?;
    Ok(CostPlan { book, target })
}

/// The built-in example book `--demo` prices with when the user has none, said on stderr.
fn demo_book(ctx: &Context) -> Result<PriceBook, Error> {
    if !ctx.global.quiet {
        crate::term::line_to_stderr(DEMO_NOTE);
    }
    let mut book = PriceBook::parse(&demo_price_book(), Path::new("(demo prices)"))?;
    // Not a file: the JSON's `price_book` is null.
    book.path = None;
    Ok(book)
}

/// `--currency`, `AIGCUSAGE_CURRENCY`, the book's `currency`, the profile's `currency`.
fn target_currency(ctx: &Context, book: &PriceBook) -> Result<Option<Currency>, Error> {
    let written = ctx.settings.currency.as_ref();
    let from = |origin: Origin| {
        written
            .filter(|c| c.origin == origin)
            .map(|c| c.value.as_str())
    };
    Ok(resolve_target_currency(
        from(Origin::Flag),
        from(Origin::Env),
        book.currency,
        from(Origin::File),
    )?
    .map(|(currency, _)| currency))
}

/// Prices `series` (non-additive ones are left out: a maximum is no quantity to price),
/// without per-point details (nothing here reads them; FOCUS prices on its own).
/// `some_failed`: a provider failed, so the costs are not complete.
pub fn price_series(
    plan: &CostPlan,
    series: &[Series],
    some_failed: bool,
) -> Result<(Priced, CostSummary), Error> {
    price_series_with(plan, series, some_failed, Details::Skip)
}

/// [`price_series`], keeping every point's exact cost with [`Details::Keep`] (needed to
/// add costs into longer buckets or days without adding rounded numbers).
pub fn price_series_with(
    plan: &CostPlan,
    series: &[Series],
    some_failed: bool,
    details: Details,
) -> Result<(Priced, CostSummary), Error> {
    let is_additive = |s: &Series| s.aggregation == Aggregation::Sum;
    let priced = if series.iter().all(is_additive) {
        price::price_with(series, &plan.book, plan.target, details)?
    } else {
        let additive: Vec<Series> = series.iter().filter(|s| is_additive(s)).cloned().collect();
        price::price_with(&additive, &plan.book, plan.target, details)?
    };
    let summary = summary(plan, &priced, some_failed);
    Ok((priced, summary))
}

/// The additive series priced with every point's exact cost and quantity kept, for
/// `-o focus` (the other outputs need only the cost points and totals).
pub fn price_for_focus(plan: &CostPlan, series: &[Series]) -> Result<Priced, Error> {
    let additive: Vec<Series> = series
        .iter()
        .filter(|s| s.aggregation == Aggregation::Sum)
        .cloned()
        .collect();
    price::price_with(&additive, &plan.book, plan.target, Details::Keep)
}

/// [`price_series`] over series the caller no longer needs (freed as they are priced).
pub fn price_series_owned(
    plan: &CostPlan,
    series: Vec<Series>,
    some_failed: bool,
) -> Result<(Priced, CostSummary), Error> {
    let additive: Vec<Series> = series
        .into_iter()
        .filter(|s| s.aggregation == Aggregation::Sum)
        .collect();
    let priced = price::price_owned(additive, &plan.book, plan.target, Details::Skip)?;
    let summary = summary(plan, &priced, some_failed);
    Ok((priced, summary))
}

/// What the renderers print besides the cost series.
pub fn summary(plan: &CostPlan, priced: &Priced, some_failed: bool) -> CostSummary {
    CostSummary {
        currency: plan.target,
        rates: plan.book.rates.as_written().clone(),
        price_book: plan.book.path.as_ref().map(|p| p.display().to_string()),
        complete: priced.is_complete() && !some_failed,
        unpriced: priced.unpriced.clone(),
        totals: priced.totals.clone(),
    }
}

/// The unpriced warning, once, unless `--quiet`.
pub fn warn_unpriced(ctx: &Context, priced: &Priced) {
    if let Some(warning) = priced.unpriced_warning() {
        if !ctx.global.quiet {
            crate::term::line_to_stderr(&warning);
        }
    }
}
