//! What a `--cost` run adds to its output besides the cost series: the JSON document's
//! `cost` and `unpriced` (spec §8) and the table's total per currency.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::cost::money::Currency;
use crate::cost::price::Unpriced;

/// Carried by `Report::cost` when the run priced its series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CostSummary {
    /// The target currency, `None` when every cost keeps its own.
    pub currency: Option<Currency>,
    /// The book's `[rates]` as written.
    pub rates: BTreeMap<String, String>,
    /// The book's file, `None` when there is none (or the built-in demo prices).
    pub price_book: Option<String>,
    /// False when anything is unpriced or a provider failed.
    pub complete: bool,
    pub unpriced: Vec<Unpriced>,
    /// The exact total per currency (the table's total rows).
    pub totals: BTreeMap<Currency, Decimal>,
}
