//! `forecast` (spec §9): this month's actual over its complete days and where it will
//! end, per series, from the providers (live). [`compute`] takes plain series, so the
//! history store can hand it stored series instead of fetched ones.
//!
//! `-o ndjson` writes one object per forecast and `-o csv` one row per forecast, each
//! with `month`, `as_of` and `currency` (the target, or empty) followed by the fields of
//! a JSON `forecasts[]` element; csv's `labels` is a compact JSON object and a null is an
//! empty cell.

use std::io::Write;

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::cli::ForecastArgs;
use crate::cost::budget::{check_forecast_budget, parse_budget, require_currency};
use crate::cost::forecast::{
    check_month_in_progress, forecast, forecast_total, month_bounds, parse_basis, Forecast,
    ForecastInput, ForecastTotal,
};
use crate::cost::money::{cost_to_f64, format_fixed, round_for_print, Currency};
use crate::cost::price::Details;
use crate::error::{exit, Error};
use crate::number::json_number;
use crate::render::names::{series_suffixes, with_suffix};
use crate::render::plain::{Cut, CutAt, Plain};
use crate::render::summary::sparkline;
use crate::render::table::{clean, wrap_words};
use crate::render::Format;
use crate::series::{Aggregation, Query, Series};
use crate::timerange::{self, RangeArgs};
use crate::timestamp::rfc3339;

use super::{cost, report, usage, Context};

/// The method every forecast uses (spec §9).
const METHOD: &str = "mean_daily_rate";

/// One series' forecast with what names it.
#[derive(Debug, Clone)]
pub struct SeriesForecast {
    pub series: Series,
    /// Its currency when it is money.
    pub currency: Option<Currency>,
    pub forecast: Forecast,
}

/// Every forecast of a month, and their total when there is one.
#[derive(Debug, Clone)]
pub struct Forecasts {
    pub month: NaiveDate,
    pub items: Vec<SeriesForecast>,
    pub total: Option<ForecastTotal>,
}

/// `--month this|YYYY-MM` (also `last`, which has always ended): the month's first day.
fn parse_month(text: &str, today: NaiveDate) -> Result<NaiveDate, Error> {
    let first_of_today = month_bounds(today).0;
    match text.trim() {
        "this" => Ok(first_of_today),
        "last" => Ok(month_bounds(first_of_today.pred_opt().unwrap_or(first_of_today)).0),
        other => NaiveDate::parse_from_str(&format!("{other}-01"), "%Y-%m-%d")
            .ok()
            .filter(|_| other.len() == 7)
            .ok_or_else(|| {
                Error::usage(format!(
                    "invalid --month {other:?}: expected this or YYYY-MM, e.g. 2026-11"
                ))
            }),
    }
}

/// The forecasts of `month` from `series` (the month so far and the basis window before
/// it): cost series when `plan` is given (priced first), else the series themselves.
/// Non-additive series are left out.
pub fn compute(
    series: &[Series],
    plan: Option<&cost::CostPlan>,
    ctx_zone: crate::zone::Zone,
    now: chrono::DateTime<chrono::Utc>,
    month: NaiveDate,
    basis_days: u32,
) -> Result<(Forecasts, Option<crate::cost::price::Priced>), Error> {
    let forecast_of = |s: &Series, exact: Option<&[Decimal]>| -> Result<SeriesForecast, Error> {
        let forecast = forecast(&ForecastInput {
            points: &s.points,
            exact,
            granularity: s.granularity,
            tz: ctx_zone,
            now,
            month,
            basis_days,
        })?;
        Ok(SeriesForecast {
            currency: Currency::from_unit(s.unit.as_deref()),
            series: s.clone(),
            forecast,
        })
    };
    let mut items = Vec::new();
    let priced = match plan {
        Some(plan) => {
            // Each day's cost is the exact sum of its points' costs (spec §8), so the
            // exact costs are kept and forecast, not the rounded points.
            let (priced, _) = cost::price_series_with(plan, series, false, Details::Keep)?;
            for c in &priced.cost_series {
                let exact: Vec<Decimal> = c.details.iter().map(|d| d.cost).collect();
                items.push(forecast_of(&c.series, Some(&exact))?);
            }
            Some(priced)
        }
        None => {
            for s in series.iter().filter(|s| s.aggregation == Aggregation::Sum) {
                items.push(forecast_of(s, None)?);
            }
            None
        }
    };
    items.sort_by(|a, b| a.series.sort_key().cmp(&b.series.sort_key()));
    let total = forecast_total(items.iter().map(|i| (i.currency, &i.forecast)));
    Ok((
        Forecasts {
            month,
            items,
            total,
        },
        priced,
    ))
}

pub async fn run(ctx: &Context, args: &ForecastArgs) -> Result<(), Error> {
    let today = ctx.zone.localize(&ctx.now).date_naive();
    let month = parse_month(&args.month, today)?;
    check_month_in_progress(month, today)?;
    let basis_days = parse_basis(&args.basis)?;
    let plan = (ctx.global.cost || args.budget.is_some())
        .then(|| cost::plan(ctx))
        .transpose()?;
    let budget = match &args.budget {
        Some(text) => Some((
            parse_budget(text)?,
            require_currency(plan.as_ref().and_then(|p| p.target), "forecast")?,
        )),
        None => None,
    };
    // The basis reaches back N complete days before today, one more for a provider whose
    // calendar is a day behind `--tz`.
    let (first, last) = month_bounds(month);
    let start = first.min(today - Duration::days(i64::from(basis_days) + 1));
    let range = timerange::resolve(
        &RangeArgs {
            start: Some(start.to_string()),
            end: Some(last.to_string()),
            last: None,
            month: None,
        },
        &ctx.zone,
        ctx.now,
    )?;
    let mut gathered = if ctx.global.from_store {
        // The gaps are said on stderr; a forecast has no document field for them.
        report::gather_from_store(ctx, &args.providers, &range)
            .await?
            .0
    } else {
        report::gather(ctx, &args.providers, &args.source_options.values, range).await?
    };
    if let Some(error) = gathered.first_error.take() {
        // Every provider failed: nothing to compute.
        return Err(error);
    }
    let (forecasts, priced) = compute(
        &gathered.all_series(),
        plan.as_ref(),
        ctx.zone,
        ctx.now,
        month,
        basis_days,
    )?;
    let query = usage::query(ctx, &range, gathered.commands.clone());
    let target = plan.as_ref().and_then(|p| p.target);
    ctx.output.write_with(|out| match ctx.format {
        Format::Json => write_json(out, ctx, &query, target, &forecasts),
        Format::Ndjson => write_ndjson(out, ctx, target, &forecasts),
        Format::Csv => write_csv(out, ctx, target, &forecasts),
        // prom and focus are refused for forecast before it runs (`app::run`).
        Format::Table | Format::Prom | Format::Focus => {
            write_table(out, &forecasts, ctx.terminal.width)
        }
    })?;
    if let Some(priced) = &priced {
        cost::warn_unpriced(ctx, priced);
    }
    if let Some((amount, currency)) = budget {
        // A series without enough history counts with its actual so far, and the total
        // is then a lower bound: said, so a pass is not taken for a forecast.
        let counted = || {
            forecasts
                .items
                .iter()
                .filter(|i| i.currency == Some(currency))
        };
        let total: Decimal = counted()
            .map(|i| i.forecast.forecast.unwrap_or(i.forecast.actual))
            .sum();
        let without = counted().filter(|i| i.forecast.forecast.is_none()).count();
        if without > 0 {
            ctx.warn(&format!(
                "{without} series without enough history count with their actual so far: \
                 the budget is checked against a lower bound of the forecast"
            ));
        }
        if let Some(message) = check_forecast_budget(total, amount, currency) {
            crate::term::line_to_stderr(&message);
            return Err(Error::Reported(exit::THRESHOLD));
        }
    }
    if !gathered.failures.is_empty() {
        return Err(Error::PartialFailure {
            failed: gathered.failures.len(),
            total: gathered.selected,
        });
    }
    Ok(())
}

/// A decimal as a JSON number, rounded half away from zero to 6 places.
fn number(value: Decimal) -> Value {
    json_number(cost_to_f64(round_for_print(value)))
}

fn optional(value: Option<Decimal>) -> Value {
    value.map_or(Value::Null, number)
}

fn month_text(month: NaiveDate) -> String {
    format!("{:04}-{:02}", month.year(), month.month())
}

/// A `forecasts[]` element (spec §9).
fn forecast_object(item: &SeriesForecast) -> serde_json::Map<String, Value> {
    let (s, f) = (&item.series, &item.forecast);
    let mut object = serde_json::Map::new();
    let fields = [
        ("provider", json!(s.provider)),
        ("source", json!(s.source)),
        ("name", json!(s.name)),
        ("metric", json!(s.metric)),
        ("unit", json!(s.unit)),
        ("labels", json!(s.labels)),
        ("actual", number(f.actual)),
        ("daily_rate", number(f.daily_rate)),
        ("remaining_days", json!(f.remaining_days)),
        ("forecast", optional(f.forecast)),
        ("lower", optional(f.lower)),
        ("upper", optional(f.upper)),
        ("basis_days", json!(f.basis_days)),
        ("method", json!(METHOD)),
    ];
    for (key, value) in fields {
        object.insert(key.to_string(), value);
    }
    if let Some(reason) = f.reason {
        object.insert("reason".to_string(), json!(reason));
    }
    object
}

fn as_of(ctx: &Context) -> String {
    rfc3339(&ctx.zone.localize(&ctx.now))
}

fn write_json(
    out: &mut dyn Write,
    ctx: &Context,
    query: &Query,
    target: Option<Currency>,
    forecasts: &Forecasts,
) -> std::io::Result<()> {
    let total = forecasts.total.as_ref().map_or(Value::Null, |t| {
        json!({
            "actual": number(t.actual),
            "forecast": number(t.forecast),
            "lower": number(t.lower),
            "upper": number(t.upper),
        })
    });
    let document = json!({
        "schema_version": 1,
        "query": {
            "start": rfc3339(&query.tz.localize(&query.start)),
            "end": rfc3339(&query.tz.localize(&query.end)),
            "tz": query.tz.to_string(),
            "commands": query.commands,
        },
        "month": month_text(forecasts.month),
        "as_of": as_of(ctx),
        "currency": target.map(|c| c.to_string()),
        "forecasts": forecasts.items.iter().map(forecast_object).collect::<Vec<_>>(),
        "total": total,
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

/// The fields every ndjson line and csv row starts with.
fn row_head(
    ctx: &Context,
    target: Option<Currency>,
    forecasts: &Forecasts,
) -> [(String, Value); 3] {
    [
        ("month".to_string(), json!(month_text(forecasts.month))),
        ("as_of".to_string(), json!(as_of(ctx))),
        ("currency".to_string(), json!(target.map(|c| c.to_string()))),
    ]
}

fn write_ndjson(
    out: &mut dyn Write,
    ctx: &Context,
    target: Option<Currency>,
    forecasts: &Forecasts,
) -> std::io::Result<()> {
    for item in &forecasts.items {
        let mut object: serde_json::Map<String, Value> =
            row_head(ctx, target, forecasts).into_iter().collect();
        object.extend(forecast_object(item));
        serde_json::to_writer(&mut *out, &Value::Object(object))?;
        writeln!(out)?;
    }
    Ok(())
}

const CSV_COLUMNS: [&str; 17] = [
    "month",
    "as_of",
    "currency",
    "provider",
    "source",
    "name",
    "metric",
    "unit",
    "labels",
    "actual",
    "daily_rate",
    "remaining_days",
    "forecast",
    "lower",
    "upper",
    "basis_days",
    "method",
];

fn write_csv(
    out: &mut dyn Write,
    ctx: &Context,
    target: Option<Currency>,
    forecasts: &Forecasts,
) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let header: Vec<&str> = CSV_COLUMNS.iter().copied().chain(["reason"]).collect();
    if !ctx.global.no_header {
        writer.write_record(&header)?;
    }
    for item in &forecasts.items {
        let mut object: serde_json::Map<String, Value> =
            row_head(ctx, target, forecasts).into_iter().collect();
        object.extend(forecast_object(item));
        let cells: Vec<String> = header
            .iter()
            .map(|column| match object.get(*column) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
            })
            .collect();
        writer.write_record(&cells)?;
    }
    writer.flush()?;
    Ok(())
}

/// A value for the table: money with two decimals, a quantity as exactly as printed
/// elsewhere (6 places at most).
fn cell(value: Decimal, money: bool) -> String {
    if money {
        format_fixed(value, 2)
    } else {
        round_for_print(value).normalize().to_string()
    }
}

/// The table's columns, and how they give way to a narrow terminal: the basis sparkline
/// goes first, then the sources and then the series names are shortened in the middle,
/// then `per day`, `left` and `range` go, in that order; the other numbers and the unit
/// are never cut.
const TABLE_HEADER: [&str; 9] = [
    "source", "series", "unit", "actual", "per day", "left", "forecast", "range", "basis",
];
const SOURCE: usize = 0;
const SERIES: usize = 1;
const UNIT: usize = 2;
const PER_DAY: usize = 4;
const LEFT: usize = 5;
const RANGE: usize = 7;
const BASIS: usize = 8;
/// A source keeps at least this many columns (`modelro…`), a series name this many
/// (`Kling…P usage`).
const MIN_SOURCE: usize = 8;
const MIN_SERIES: usize = 12;

fn write_table(out: &mut dyn Write, forecasts: &Forecasts, width: usize) -> std::io::Result<()> {
    let (first, last) = month_bounds(forecasts.month);
    let title = format!(
        "forecast for {} ({first} to {last}), mean daily rate of the basis days",
        month_text(forecasts.month)
    );
    for line in wrap_words(&title, width) {
        writeln!(out, "{line}")?;
    }
    if forecasts.items.is_empty() {
        return writeln!(out, "no series to forecast");
    }
    let fitted = forecast_table(forecasts).fit(width);
    for line in &fitted.lines {
        writeln!(out, "{line}")?;
    }
    if !fitted.dropped.is_empty() {
        let mut dropped = fitted.dropped.clone();
        dropped.sort_unstable();
        let names: Vec<&str> = dropped.iter().map(|&c| TABLE_HEADER[c]).collect();
        let note = format!(
            "not shown at this width: {}; -o json has every field",
            names.join(", ")
        );
        for line in wrap_words(&note, width) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// The table's cells: a header, a row per forecast and the total row.
fn forecast_table(forecasts: &Forecasts) -> Plain {
    let mut rows: Vec<Vec<String>> = vec![TABLE_HEADER.iter().map(|h| h.to_string()).collect()];
    // Series of the same name and metric (from several accounts) say what tells them
    // apart; the header and total rows have nothing to tell.
    let series: Vec<Series> = forecasts.items.iter().map(|i| i.series.clone()).collect();
    let mut suffixes = vec![None];
    suffixes.extend(series_suffixes(&series));
    for (item, suffix) in forecasts.items.iter().zip(&suffixes[1..]) {
        let (s, f) = (&item.series, &item.forecast);
        let money = item.currency.is_some();
        let basis: Vec<Option<f64>> = f.basis.iter().map(|v| Some(cost_to_f64(*v))).collect();
        let (forecast, range) = match (f.forecast, f.lower, f.upper) {
            (Some(value), Some(lower), Some(upper)) => (
                cell(value, money),
                format!("{} – {}", cell(lower, money), cell(upper, money)),
            ),
            _ => ("-".to_string(), f.reason.unwrap_or("-").to_string()),
        };
        // A cost series is named by the metric it prices (a source's seconds and tasks);
        // a metric that is the series' name (ModelRouter's) is not said twice.
        let metric = match s.labels.get(crate::cost::price::PRICED_METRIC_LABEL) {
            Some(priced) if s.metric == "cost" => priced.as_str(),
            _ => s.metric.as_str(),
        };
        let metric = if metric == s.name {
            String::new()
        } else {
            format!(" {metric}")
        };
        rows.push(vec![
            clean(&s.source),
            with_suffix(&clean(&format!("{}{metric}", s.name)), suffix.as_ref()),
            clean(&s.unit.clone().unwrap_or_default()),
            cell(f.actual, money),
            cell(f.daily_rate, money),
            f.remaining_days.to_string(),
            forecast,
            range,
            sparkline(&basis),
        ]);
    }
    if let Some(total) = &forecasts.total {
        rows.push(vec![
            "total".to_string(),
            String::new(),
            total.currency.to_string(),
            cell(total.actual, true),
            String::new(),
            String::new(),
            cell(total.forecast, true),
            format!("{} – {}", cell(total.lower, true), cell(total.upper, true)),
            String::new(),
        ]);
    }
    Plain {
        rows,
        // Text left, numbers right.
        right: (0..TABLE_HEADER.len())
            .map(|c| !(c <= UNIT || c == BASIS))
            .collect(),
        drop_first: vec![BASIS],
        cut: vec![
            Cut {
                column: SOURCE,
                min: MIN_SOURCE,
                at: CutAt::End,
            },
            Cut {
                column: SERIES,
                min: MIN_SERIES,
                at: CutAt::Name,
            },
        ],
        drop_later: vec![PER_DAY, LEFT, RANGE],
        suffixes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn forecasts() -> Forecasts {
        let d = |n: i64| Decimal::new(n, 2);
        let series = Series {
            provider: "acedata".into(),
            source: "acedata.api_usage".into(),
            name: "A Remarkably Long Model Name For Narrow Terminals".into(),
            metric: "cost".into(),
            unit: Some("CNY".into()),
            granularity: None,
            labels: [(
                crate::cost::price::PRICED_METRIC_LABEL.to_string(),
                "amount".to_string(),
            )]
            .into(),
            points: Vec::new(),
            aggregation: Aggregation::Sum,
            exact_total: None,
        };
        let forecast = Forecast {
            actual: d(123_456),
            daily_rate: d(4_321),
            remaining_days: 11,
            basis_days: 3,
            forecast: Some(d(1_234_567)),
            lower: Some(d(1_000_000)),
            upper: Some(d(1_500_000)),
            reason: None,
            basis_start: date("2026-11-01"),
            basis: vec![d(100), d(300), d(200)],
        };
        Forecasts {
            month: date("2026-11-01"),
            items: vec![SeriesForecast {
                series,
                currency: Some(Currency::CNY),
                forecast,
            }],
            total: None,
        }
    }

    fn table_at(width: usize) -> String {
        let mut out = Vec::new();
        write_table(&mut out, &forecasts(), width).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_table_fits_the_width_dropping_the_sparkline_then_cutting_names() {
        use unicode_width::UnicodeWidthStr;
        let wide = table_at(200);
        assert!(wide.contains("A Remarkably Long Model Name For Narrow Terminals amount"));
        assert!(wide.contains("▃█▆"), "{wide}");
        assert!(!wide.contains("not shown"), "{wide}");
        for width in [100, 80, 60, 50] {
            let text = table_at(width);
            for line in text.lines() {
                assert!(line.width() <= width, "{width}: {line}\n{text}");
            }
            assert!(!text.contains("▃█▆"), "{text}");
            assert!(text.contains('…'), "{text}");
            // Numbers are never cut.
            assert!(
                text.contains(" 1234.56") && text.contains(" 12345.67"),
                "{text}"
            );
        }
        assert!(table_at(100).contains("not shown at this width: basis;"));
        let at_50 = table_at(50);
        assert!(
            at_50.contains("not shown at this width: per day, left,"),
            "{at_50}"
        );
    }

    #[test]
    fn month_forms() {
        let today = date("2026-11-17");
        assert_eq!(parse_month("this", today).unwrap(), date("2026-11-01"));
        assert_eq!(parse_month("last", today).unwrap(), date("2026-10-01"));
        assert_eq!(parse_month("2026-02", today).unwrap(), date("2026-02-01"));
        for bad in ["2026-2", "2026-13", "nov", "2026-11-01"] {
            assert_eq!(parse_month(bad, today).unwrap_err().exit_code(), 2, "{bad}");
        }
    }
}
