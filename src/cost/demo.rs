//! Built-in price-book texts: the EXAMPLE book `--demo` prices its demo data with, and the
//! commented template `config init` writes and `help prices` shows. Each provider supplies
//! its own entries (`Provider::demo_prices`, `Provider::prices_example`); the parts every
//! book shares are here.

use crate::providers::REGISTRY;

/// The head of the demo book: the currency everything is reported in, and the rate its
/// entries in other currencies are converted with.
const DEMO_HEAD: &str = r#"# EXAMPLE PRICES for --demo only: not anyone's real price list.
currency = "CNY"

[rates]
"USD/CNY" = "7.10"
"#;

/// The example price book used with `--demo` (the caller says on stderr that these are
/// example prices): the head, then every provider's entries, which price every quantity
/// series of its demo data. Everything is reported in CNY.
pub fn demo_price_book() -> String {
    let mut book = String::from(DEMO_HEAD);
    for provider in REGISTRY.iter().filter(|p| !p.demo_prices.is_empty()) {
        book.push('\n');
        book.push_str(provider.demo_prices);
    }
    book
}

/// The head of the template: how a book is written. Lines starting with `## ` explain;
/// lines starting with `# ` are an example to uncomment.
const TEMPLATE_HEAD: &str = r#"## aigcusage price book: turns quantities (seconds, tokens, credits) into money.
## Used by --cost, report --budget, forecast and prices check. Found at --prices,
## AIGCUSAGE_PRICES, the profile's `prices`, else $XDG_CONFIG_HOME/aigcusage/prices.toml.
## Run `aigcusage prices check` to see which series each entry prices.
##
## Optional: the currency every cost is reported in (--currency and
## AIGCUSAGE_CURRENCY win over it; the profile's `currency` is below it).
# currency = "CNY"
##
## Optional: exchange rates, "A/B" = how many B one A is worth. The inverse is used
## when only the other direction is given.
# [rates]
# "USD/CNY" = "7.10"
##
## One [[price]] per price. Required: provider, source, exactly one of series (the exact
## name) or match (a regular expression over the whole name), metric, unit (must equal
## the series' unit), price (a decimal, >= 0), currency (ISO 4217). Optional: per (the
## price is for this many units, default 1), from (first day, inclusive), until (first
## day it no longer applies, exclusive), labels (each must equal the series' label).
## The most specific entry wins: an exact series over match, then more labels; two
## equally specific entries for the same day are an error. Days are the provider's own.
"#;

/// The commented template `config init` writes as `prices.toml`: the head, then every
/// provider's commented example entry.
pub fn prices_template() -> String {
    let mut template = String::from(TEMPLATE_HEAD);
    for provider in REGISTRY.iter().filter(|p| !p.prices_example.is_empty()) {
        template.push_str("##\n");
        template.push_str(provider.prices_example);
    }
    template
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::Path;

    use chrono::DateTime;

    use crate::cost::book::PriceBook;
    use crate::cost::money::Currency;
    use crate::cost::price::price;
    use crate::series::{Granularity, Point, Series};

    fn demo_series(
        provider: &str,
        source: &str,
        name: &str,
        metric: &str,
        unit: &str,
        value: f64,
    ) -> Series {
        Series {
            provider: provider.into(),
            source: source.into(),
            name: name.into(),
            metric: metric.into(),
            unit: Some(unit.into()),
            granularity: Some(Granularity::Day),
            aggregation: Default::default(),
            labels: BTreeMap::new(),
            points: vec![Point::new(
                DateTime::parse_from_rfc3339("2026-11-18T00:00:00+08:00").unwrap(),
                value,
            )],
            exact_total: None,
        }
    }

    #[test]
    fn the_demo_book_prices_every_demo_quantity_in_cny() {
        let book = PriceBook::parse(&demo_price_book(), Path::new("(demo prices)")).unwrap();
        assert_eq!(book.currency, Some(Currency::CNY));
        let vod = "vod.aigc_usage";
        let lke = "lke.token_usage";
        let ace = "acedata.api_usage";
        let series = [
            demo_series(
                "tencent",
                vod,
                "Kling2.0&2.1std_720P",
                "usage",
                "seconds",
                15.0,
            ),
            demo_series(
                "tencent",
                vod,
                "Kling2.0&2.1std_720P",
                "count",
                "tasks",
                3.0,
            ),
            demo_series("tencent", lke, "input", "tokens", "tokens", 1_000_000.0),
            demo_series("tencent", lke, "output", "tokens", "tokens", 500_000.0),
            demo_series("tencent", lke, "total", "tokens", "tokens", 1_500_000.0),
            demo_series(
                "acedata",
                ace,
                "Midjourney Imagine",
                "amount",
                "credits",
                100.0,
            ),
            demo_series("acedata", ace, "Claude Messages", "amount", "credits", 12.5),
        ];
        let priced = price(&series, &book, book.currency).unwrap();
        assert!(priced.unpriced.is_empty(), "{:?}", priced.unpriced);
        assert!(priced.unused_entries.is_empty());
        // 6 (VOD) + 0.8 + 1 (LKE) + 112.5 credits × 0.01 USD × 7.10 = 7.9875 (AceData).
        let total = priced.totals.get(&Currency::CNY).unwrap();
        assert_eq!(*total, "15.7875".parse().unwrap());
        assert_eq!(priced.totals.len(), 1);
    }

    #[test]
    fn the_template_is_a_valid_empty_book_and_its_example_is_valid_uncommented() {
        let book = PriceBook::parse(&prices_template(), Path::new("prices.toml")).unwrap();
        assert!(book.entries.is_empty());
        let uncommented: String = prices_template()
            .lines()
            .filter(|line| !line.starts_with("##"))
            .map(|line| format!("{}\n", line.strip_prefix("# ").unwrap_or(line)))
            .collect();
        let example = PriceBook::parse(&uncommented, Path::new("prices.toml")).unwrap();
        assert_eq!(example.entries.len(), 3);
        assert_eq!(example.currency, Some(Currency::CNY));
        assert_eq!(example.rates.as_written().len(), 1);
    }
}
