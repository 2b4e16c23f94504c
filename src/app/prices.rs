//! `prices check` (spec §8): for `report`'s range and providers, which entry of the price
//! book priced each series (`FILE:LINE`), which series are `unpriced`, and which entries
//! priced nothing (`unused`). Exit 0 when everything is priced, 7 when something is not,
//! 3 for a bad book.
//!
//! `-o json` is one document:
//! `{"schema_version": 1, "price_book": PATH|null, "complete": bool,
//!   "series": [{"provider", "source", "name", "metric", "unit", "labels", "status",
//!   "entries": ["FILE:LINE", ...], "unpriced_points": N}],
//!   "unused": ["FILE:LINE", ...]}`
//! where `status` is `priced`, `unpriced` (some or all points), `provider money` (a money
//! series, passed through), `covered` (a quantity in a source with its own money),
//! `no points` or `not additive` (a non-additive series, spec §5 v3, left out of pricing:
//! printed `not additive (never priced)`, and never making the exit 7). Every other format
//! prints the text form: one line per series, then one `unused` line per entry that
//! priced nothing.

use std::io::Write;

use serde_json::json;

use crate::cli::PricesCheckArgs;
use crate::cost::book::PriceBook;
use crate::cost::price::{Pricing, SeriesPricing};
use crate::error::{exit, Error};
use crate::render::names::{label_suffixes, with_suffix, Identity};
use crate::render::plain::{Cut, CutAt, Plain};
use crate::render::table::{clean, truncate_middle};
use crate::render::Format;
use crate::series::{Aggregation, Series};

use super::{cost, report, Context};

pub async fn run(ctx: &Context, args: &PricesCheckArgs) -> Result<(), Error> {
    let range = ctx.range(&args.range)?;
    // A bad book is exit 3 before anything is sent.
    let plan = cost::plan(ctx)?;
    let mut gathered =
        report::gather(ctx, &args.providers, &args.source_options.values, range).await?;
    if let Some(error) = gathered.first_error.take() {
        // Every provider failed: nothing to compute.
        return Err(error);
    }
    let series = gathered.all_series();
    let (priced, _) = cost::price_series(&plan, &series, false)?;
    let mut pricing: Vec<Line> = priced
        .pricing
        .iter()
        .cloned()
        .map(|priced| Line {
            series: priced,
            not_additive: false,
        })
        .chain(
            series
                .iter()
                .filter(|s| s.aggregation != Aggregation::Sum)
                .map(not_additive),
        )
        .collect();
    pricing.sort_by(|a, b| {
        let (a, b) = (&a.series, &b.series);
        (&a.provider, &a.source, &a.name, &a.metric).cmp(&(
            &b.provider,
            &b.source,
            &b.name,
            &b.metric,
        ))
    });
    // An entry of a source that failed may well price its data: it is not known unused.
    let failed = |i: usize| {
        let entry = &plan.book.entries[i];
        gathered
            .failures
            .iter()
            .any(|f| f.provider == entry.provider && f.source == entry.source)
    };
    let unused: Vec<String> = priced
        .unused_entries
        .iter()
        .filter(|&&i| !failed(i))
        .map(|&i| plan.book.entry_location(i))
        .collect();
    // A failed source's series were not checked: the answer is not complete.
    let complete = priced.unpriced.is_empty() && gathered.failures.is_empty();
    ctx.output.write_with(|out| match ctx.format {
        Format::Json => write_json(out, &plan.book, &pricing, &unused, complete),
        _ => write_text(out, &plan.book, &pricing, &unused, ctx.terminal.width),
    })?;
    if !priced.unpriced.is_empty() {
        if !ctx.global.quiet {
            crate::term::line_to_stderr(&format!(
                "{} series unpriced: add entries for them to the price book",
                priced.unpriced.len()
            ));
        }
        return Err(Error::Reported(exit::THRESHOLD));
    }
    if !gathered.failures.is_empty() {
        return Err(Error::PartialFailure {
            failed: gathered.failures.len(),
            total: gathered.selected,
        });
    }
    Ok(())
}

/// A line of the listing: a series and how the book priced it.
struct Line {
    series: SeriesPricing,
    /// A non-additive series (spec §5 v3): a maximum is no quantity, so it is left out of
    /// pricing (`series` says nothing was priced) and never counts as unpriced.
    not_additive: bool,
}

/// What `prices check` prints for a non-additive series.
const NOT_ADDITIVE: &str = "not additive (never priced)";

impl Line {
    fn describe(&self, book: &PriceBook) -> String {
        if self.not_additive {
            NOT_ADDITIVE.to_string()
        } else {
            self.series.describe(book)
        }
    }
}

/// The line of a non-additive series: none of its points was priced or left unpriced.
fn not_additive(s: &Series) -> Line {
    Line {
        series: SeriesPricing {
            provider: s.provider.clone(),
            source: s.source.clone(),
            name: s.name.clone(),
            metric: s.metric.clone(),
            unit: s.unit.clone(),
            labels: s.labels.clone(),
            pricing: Pricing::Quantity {
                entries: Vec::new(),
                unpriced_points: 0,
                covered_points: 0,
            },
        },
        not_additive: true,
    }
}

/// The `status` of a series (see the module docs).
fn status(line: &Line) -> &'static str {
    if line.not_additive {
        return "not additive";
    }
    match &line.series.pricing {
        Pricing::ProviderMoney => "provider money",
        Pricing::Quantity {
            unpriced_points, ..
        } if *unpriced_points > 0 => "unpriced",
        Pricing::Quantity { entries, .. } if !entries.is_empty() => "priced",
        Pricing::Quantity { covered_points, .. } if *covered_points > 0 => "covered",
        Pricing::Quantity { .. } => "no points",
    }
}

fn write_json(
    out: &mut dyn Write,
    book: &PriceBook,
    pricing: &[Line],
    unused: &[String],
    complete: bool,
) -> std::io::Result<()> {
    let series: Vec<serde_json::Value> = pricing
        .iter()
        .map(|line| {
            let p = &line.series;
            let (entries, unpriced_points) = match &p.pricing {
                Pricing::ProviderMoney => (Vec::new(), 0),
                Pricing::Quantity {
                    entries,
                    unpriced_points,
                    ..
                } => (
                    entries.iter().map(|&i| book.entry_location(i)).collect(),
                    *unpriced_points,
                ),
            };
            json!({
                "provider": p.provider,
                "source": p.source,
                "name": p.name,
                "metric": p.metric,
                "unit": p.unit,
                "labels": p.labels,
                "status": status(line),
                "entries": entries,
                "unpriced_points": unpriced_points,
            })
        })
        .collect();
    let document = json!({
        "schema_version": 1,
        "price_book": book.path.as_ref().map(|p| p.display().to_string()),
        "complete": complete,
        "series": series,
        "unused": unused,
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

/// The provider and source keep at least this many columns (`tencent…`), the series'
/// name and what priced it this many.
const MIN_SOURCE: usize = 8;
const MIN_NAME: usize = 12;
const MIN_DESCRIBED: usize = 16;
/// Before each entry that priced nothing.
const UNUSED: &str = "unused  ";

/// One line per series (provider and source, name, metric and unit, what priced it),
/// fitted to `width`: the source is shortened at its end first, then the name in its
/// middle, then what priced it (a long book path keeps its `:LINE`); the metric and its
/// unit are never cut.
fn write_text(
    out: &mut dyn Write,
    book: &PriceBook,
    pricing: &[Line],
    unused: &[String],
    width: usize,
) -> std::io::Result<()> {
    // Series of the same name and metric say the labels that tell them apart.
    let identities: Vec<Identity> = pricing
        .iter()
        .map(|line| Identity {
            provider: &line.series.provider,
            source: &line.series.source,
            name: &line.series.name,
            metric: line.series.metric.clone(),
            labels: &line.series.labels,
        })
        .collect();
    let suffixes = label_suffixes(&identities);
    let rows: Vec<Vec<String>> = pricing
        .iter()
        .zip(&suffixes)
        .map(|(line, suffix)| {
            let p = &line.series;
            let metric = match &p.unit {
                Some(unit) if unit != &p.metric => format!("{} ({unit})", p.metric),
                _ => p.metric.clone(),
            };
            vec![
                clean(&format!("{} {}", p.provider, p.source)),
                with_suffix(&clean(&p.name), suffix.as_ref()),
                clean(&metric),
                clean(&line.describe(book)),
            ]
        })
        .collect();
    if rows.is_empty() {
        writeln!(out, "no series for this range")?;
    }
    let table = Plain {
        rows,
        right: Vec::new(),
        drop_first: Vec::new(),
        cut: vec![
            Cut {
                column: 0,
                min: MIN_SOURCE,
                at: CutAt::End,
            },
            Cut {
                column: 1,
                min: MIN_NAME,
                at: CutAt::Name,
            },
            Cut {
                column: 3,
                min: MIN_DESCRIBED,
                at: CutAt::Middle,
            },
        ],
        drop_later: Vec::new(),
        suffixes,
    };
    for line in table.fit(width).lines {
        writeln!(out, "{line}")?;
    }
    for location in unused {
        let room = width.saturating_sub(UNUSED.len()).max(MIN_DESCRIBED);
        writeln!(out, "{UNUSED}{}", truncate_middle(&clean(location), room))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn line(account: &str, name: &str) -> Line {
        Line {
            series: SeriesPricing {
                provider: "alibaba".into(),
                source: "modelrouter.cost_trend".into(),
                name: name.into(),
                metric: name.into(),
                unit: Some("元".into()),
                labels: BTreeMap::from([("account".to_string(), account.to_string())]),
                pricing: Pricing::ProviderMoney,
            },
            not_additive: false,
        }
    }

    #[test]
    fn series_of_one_name_from_two_accounts_say_their_account() {
        let pricing = [
            line("team-a", "total_amount"),
            line("team-b", "total_amount"),
            line("team-b", "total_calls"),
        ];
        let mut out = Vec::new();
        write_text(&mut out, &PriceBook::default(), &pricing, &[], 100).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].contains("total_amount [account=team-a] "),
            "{text}"
        );
        assert!(
            lines[1].contains("total_amount [account=team-b] "),
            "{text}"
        );
        assert!(lines[2].contains("total_calls "), "{text}");
        assert!(!lines[2].contains("account"), "{text}");
    }
}
