//! What `-o prom` and `-o focus` need beyond the series: the sources a run asked, and
//! for FOCUS the priced series with their exact decimals and the providers' names.

use crate::cost::price::{self, Priced};
use crate::error::Error;
use crate::providers;
use crate::render::focus::{self, ChargePeriod, FocusRow, Quantity};
use crate::series::Report;
use crate::zone::Zone;

use super::Context;

/// `-o focus` (spec §11, implies `--cost`): one FOCUS row per cost point of `priced`
/// (the series priced by the command's cost plan, before any re-bucketing, with their
/// exact decimals), on the output. Unpriced series give no rows; the command says the
/// usual warning.
pub fn print_focus(ctx: &Context, priced: &Priced) -> Result<(), Error> {
    let rows = focus_rows(priced, &ctx.settings.account.value, ctx.zone)?;
    ctx.output.write_with(|out| focus::write(&rows, out))?;
    Ok(())
}

/// One row per cost point, from the exact decimals the pricing kept. `account` is the
/// account of a series without an `account` label (the profile's).
pub fn focus_rows<'a>(
    priced: &'a Priced,
    account: &'a str,
    tz: Zone,
) -> Result<Vec<FocusRow<'a>>, Error> {
    let mut rows = Vec::new();
    for cost in &priced.cost_series {
        let series = &cost.series;
        let (provider, source) = providers::sources()
            .find(|(p, s)| p.id == series.provider && s.id == series.source)
            .ok_or_else(|| {
                Error::Internal(format!(
                    "no provider registered for {} {}",
                    series.provider, series.source
                ))
            })?;
        if cost.details.len() != series.points.len() {
            return Err(Error::Internal(format!(
                "cost series {} has {} details for {} points",
                series.name,
                cost.details.len(),
                series.points.len()
            )));
        }
        let account = series
            .labels
            .get(focus::ACCOUNT)
            .map_or(account, String::as_str);
        let price_source = match cost.price_source {
            price::PriceSource::PriceBook => focus::PriceSource::PriceBook,
            price::PriceSource::Provider => focus::PriceSource::Provider,
        };
        for (point, detail) in series.points.iter().zip(&cost.details) {
            rows.push(FocusRow {
                cost: detail.cost,
                currency: cost.currency.as_str(),
                account,
                provider_name: provider.display_name,
                service_name: source.service_display_name,
                period: ChargePeriod::of_bucket(point.time, series.granularity, &tz),
                source: &series.source,
                series: &series.name,
                priced_metric: &cost.priced_metric,
                quantity: detail.quantity.map(|amount| Quantity {
                    amount,
                    unit: cost.priced_unit.as_deref().unwrap_or(""),
                }),
                price_source,
                partial: point.partial,
            });
        }
    }
    Ok(rows)
}

/// Every (provider, source id) the report's commands asked: `report vod` asks the source
/// `report --providers` calls `vod`, a usage command (`vod usage`) the source named by its
/// first word.
pub fn asked_sources(report: &Report) -> Vec<(String, String)> {
    report
        .query
        .commands
        .iter()
        .filter_map(|command| {
            let mut words = command.split_whitespace();
            let name = match words.next()? {
                "report" => words.next()?,
                first => first,
            };
            providers::sources()
                .find(|(_, source)| source.name == name)
                .map(|(provider, source)| (provider.id.to_string(), source.id.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::book::PriceBook;
    use crate::series::{Granularity, Point, Query, Series};
    use crate::zone::Zone;
    use std::path::Path;

    fn report(commands: &[&str]) -> Report {
        let start = chrono::DateTime::parse_from_rfc3339("2025-11-01T00:00:00Z").unwrap();
        Report::new(
            Query {
                start,
                end: start,
                tz: Zone::Fixed(chrono::FixedOffset::east_opt(0).unwrap()),
                commands: commands.iter().map(|c| c.to_string()).collect(),
            },
            Vec::new(),
        )
    }

    fn day_series(provider: &str, source: &str, metric: &str, unit: &str, value: f64) -> Series {
        let time = chrono::DateTime::parse_from_rfc3339("2025-11-18T00:00:00+08:00").unwrap();
        Series {
            provider: provider.into(),
            source: source.into(),
            name: "spec".into(),
            metric: metric.into(),
            unit: Some(unit.into()),
            granularity: Some(Granularity::Day),
            aggregation: Default::default(),
            labels: Default::default(),
            points: vec![Point::new(time, value)],
            exact_total: None,
        }
    }

    #[test]
    fn focus_rows_carry_the_exact_decimals_and_the_registry_names() {
        let book = PriceBook::parse(
            "[[price]]\nprovider = \"tencent\"\nsource = \"vod.aigc_usage\"\nseries = \"spec\"\n\
             metric = \"usage\"\nunit = \"seconds\"\nprice = \"0.1\"\ncurrency = \"CNY\"\n",
            Path::new("prices.toml"),
        )
        .unwrap();
        let series = [
            day_series("tencent", "vod.aigc_usage", "usage", "seconds", 3.0),
            day_series(
                "alibaba",
                "modelrouter.cost_trend",
                "total_amount",
                "元",
                12.34,
            ),
        ];
        let priced = price::price(&series, &book, None).unwrap();
        let utc = Zone::Fixed(chrono::FixedOffset::east_opt(0).unwrap());
        let rows = focus_rows(&priced, "acct", utc).unwrap();
        assert_eq!(rows.len(), 2);
        let vod = rows.iter().find(|r| r.source == "vod.aigc_usage").unwrap();
        // 3 × 0.1 exactly, not the float 0.30000000000000004.
        assert_eq!(vod.cost.to_string(), "0.3");
        assert_eq!(vod.quantity.as_ref().unwrap().amount.to_string(), "3");
        assert_eq!(vod.quantity.as_ref().unwrap().unit, "seconds");
        assert_eq!(vod.provider_name, "Tencent Cloud");
        assert_eq!(vod.service_name, "Video on Demand");
        assert_eq!(vod.account, "acct");
        assert_eq!(vod.price_source, focus::PriceSource::PriceBook);
        let money = rows
            .iter()
            .find(|r| r.source == "modelrouter.cost_trend")
            .unwrap();
        assert_eq!(money.cost.to_string(), "12.34");
        assert_eq!(money.currency, "CNY");
        assert!(money.quantity.is_none());
        assert_eq!(money.provider_name, "Alibaba Cloud");
        assert_eq!(money.price_source, focus::PriceSource::Provider);
    }

    #[test]
    fn report_and_usage_commands_name_their_sources() {
        let asked = asked_sources(&report(&["report vod", "report modelrouter"]));
        assert_eq!(
            asked,
            [
                ("tencent".to_string(), "vod.aigc_usage".to_string()),
                ("alibaba".to_string(), "modelrouter.cost_trend".to_string())
            ]
        );
        let asked = asked_sources(&report(&["lke tokens"]));
        assert_eq!(asked.len(), 1);
        assert_eq!(asked[0].0, "tencent");
    }
}
