//! The head of `report`'s table: one row per provider / series / metric with its total,
//! unit and a sparkline of its buckets, so a trend is seen at a glance.
//!
//! It fits the width (spec §5 v3): the trend column goes first, then names wrap; when even
//! that is too wide, each source's rows get a table of their own under the source's name,
//! which frees the provider column's width (it fits 40 columns with the demo data).
//! Series of the same name and metric say the labels that tell them apart after their
//! name ([`super::names`]); those wrap with the name and are never cut.

use std::collections::BTreeSet;
use std::io::{self, Write};

use chrono::NaiveDateTime;
use comfy_table::{Cell, CellAlignment};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::names::{series_suffixes, with_suffix};
use super::table::{clean, new_table, truncate_middle, NO_TOTAL};
use super::RenderOptions;
use crate::number::format_value;
use crate::series::{Aggregation, Report};

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// A sparkline never takes more columns than this; more buckets are summed in groups.
const MAX_SPARK: usize = 32;
const MAX_NAME: usize = 28;
/// Marks a trend whose last bucket is not over yet.
pub const PARTIAL_MARK: &str = "*";

/// A sparkline of `values` (`None` = no data in that bucket, shown as a space), scaled
/// from 0 (or the smallest negative value) to the largest value.
pub fn sparkline(values: &[Option<f64>]) -> String {
    let present = values.iter().flatten().copied();
    let max = present.clone().fold(0.0_f64, f64::max);
    let min = present.fold(0.0_f64, f64::min);
    let span = max - min;
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(_) if span <= 0.0 => BLOCKS[0],
            Some(v) => {
                let level = ((v - min) / span * (BLOCKS.len() - 1) as f64).round() as usize;
                BLOCKS[level.min(BLOCKS.len() - 1)]
            }
        })
        .collect()
}

/// Combines neighbouring buckets (sums, or the largest for a max series) so that at most
/// `max` remain.
fn squeeze(values: Vec<Option<f64>>, max: usize, aggregation: Aggregation) -> Vec<Option<f64>> {
    if values.len() <= max || max == 0 {
        return values;
    }
    let group = values.len().div_ceil(max);
    values
        .chunks(group)
        .map(|chunk| {
            chunk
                .iter()
                .flatten()
                .copied()
                .reduce(|a, b| aggregation.combine(a, b))
        })
        .collect()
}

/// One summary row's text, before it is fitted to the width.
struct Row {
    /// provider and source, series, metric: may be wrapped.
    texts: [String; 3],
    /// The metric only repeats the series' name (ModelRouter's): it may be left blank.
    repeats_name: bool,
    /// Never cut or wrapped (spec §5 v3).
    total: String,
    unit: String,
    trend: String,
}

const HEADERS: [&str; 6] = ["provider", "series", "metric", "total", "unit", "trend"];
/// A wrapped text column keeps at least this many columns (when its text is longer).
const MIN_TEXT: usize = 6;

fn width_of(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Columns of a table line: one border, then per column its content, two spaces of
/// padding and one border.
fn table_width(widths: &[usize]) -> usize {
    widths.iter().sum::<usize>() + 3 * widths.len() + 1
}

/// `text` in lines of at most `width` columns, broken after a space, `.`, `_`, `-`, `&`
/// or `/` (`modelrouter.` / `cost_trend`), and inside a part only when the part alone is
/// wider than that. Spaces at the end of a line are dropped.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut parts: Vec<&str> = Vec::new();
    let mut from = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, ' ' | '.' | '_' | '-' | '&' | '/') {
            let to = i + c.len_utf8();
            parts.push(&text[from..to]);
            from = to;
        }
    }
    parts.push(&text[from..]);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for part in parts.into_iter().filter(|p| !p.is_empty()) {
        // Spaces inside the line count; only those at its end are dropped.
        if width_of(&line) + width_of(part.trim_end()) <= width {
            line.push_str(part);
            continue;
        }
        if !line.is_empty() {
            lines.push(line.trim_end().to_string());
            line.clear();
        }
        if width_of(part.trim_end()) <= width {
            line.push_str(part);
            continue;
        }
        for c in part.chars() {
            let w = c.width().unwrap_or(0);
            if width_of(line.trim_end()) + w > width && !line.is_empty() {
                lines.push(line.trim_end().to_string());
                line.clear();
            }
            line.push(c);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Text columns' widths: each is cut one column at a time from the widest that is above
/// its minimum, until `total` columns of text fit in `avail` (or none can shrink).
fn shrink_texts(natural: &[usize], avail: usize) -> Vec<usize> {
    let min: Vec<usize> = natural.iter().map(|n| (*n).min(MIN_TEXT)).collect();
    let mut widths = natural.to_vec();
    while widths.iter().sum::<usize>() > avail {
        let widest = (0..widths.len())
            .filter(|&i| widths[i] > min[i])
            .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)));
        match widest {
            Some(i) => widths[i] -= 1,
            None => break,
        }
    }
    widths
}

/// How a set of rows is laid out in a table of `width` columns.
struct Plan {
    /// The text columns shown (indices into `Row::texts`) and their widths.
    texts: Vec<usize>,
    widths: Vec<usize>,
    /// A metric that repeats its series name is left blank.
    blank_repeated_metrics: bool,
    trend: bool,
    /// False when even the narrowest text columns are too wide.
    fits: bool,
}

fn plan(rows: &[&Row], texts: &[usize], allow_trend: bool, width: usize) -> Plan {
    let column_width = |i: usize| {
        rows.iter()
            .map(|r| match i {
                0..=2 => width_of(&r.texts[i]),
                3 => width_of(&r.total),
                4 => width_of(&r.unit),
                _ => width_of(&r.trend),
            })
            .chain([width_of(HEADERS[i])])
            .max()
            .unwrap_or(0)
    };
    let mut natural: Vec<usize> = texts.iter().map(|&i| column_width(i)).collect();
    let fixed = [column_width(3), column_width(4)];
    let trend = column_width(5);
    let all: Vec<usize> = natural
        .iter()
        .chain(&fixed)
        .chain([&trend])
        .copied()
        .collect();
    // First the trend goes, then the names wrap; numbers and units are never cut, so if
    // even that does not fit, the line is longer rather than a number shorter.
    if allow_trend && table_width(&all) <= width {
        return Plan {
            texts: texts.to_vec(),
            widths: natural,
            blank_repeated_metrics: false,
            trend: true,
            fits: true,
        };
    }
    let avail_for = |columns: usize| {
        width.saturating_sub(table_width(&vec![0; columns + 2]) + fixed[0] + fixed[1])
    };
    let mut avail = avail_for(texts.len());
    let mut texts = texts.to_vec();
    // Still too wide: a metric that repeats its series name (ModelRouter's) is left
    // blank before names are wrapped, and a metric column left all blank goes.
    let metric = texts.iter().position(|&i| i == 2);
    let blank_repeated_metrics = natural.iter().sum::<usize>() > avail && metric.is_some();
    if let (true, Some(m)) = (blank_repeated_metrics, metric) {
        if rows.iter().all(|r| r.repeats_name) {
            texts.remove(m);
            natural.remove(m);
            avail = avail_for(texts.len());
        } else {
            natural[m] = rows
                .iter()
                .filter(|r| !r.repeats_name)
                .map(|r| width_of(&r.texts[2]))
                .chain([width_of(HEADERS[2])])
                .max()
                .unwrap_or(0);
        }
    }
    let widths = shrink_texts(&natural, avail);
    Plan {
        texts,
        fits: widths.iter().sum::<usize>() <= avail,
        widths,
        blank_repeated_metrics,
        trend: false,
    }
}

/// The table of `rows` laid out as `plan` says.
fn table_lines(rows: &[&Row], plan: &Plan, options: &RenderOptions) -> Vec<String> {
    let mut table = new_table(options);
    let mut header: Vec<String> = plan
        .texts
        .iter()
        .zip(&plan.widths)
        .map(|(&i, &w)| wrap(HEADERS[i], w).join("\n"))
        .collect();
    header.extend(["total", "unit"].map(String::from));
    if plan.trend {
        header.push(HEADERS[5].to_string());
    }
    table.set_header(header);
    for row in rows {
        let mut cells: Vec<Cell> = plan
            .texts
            .iter()
            .zip(&plan.widths)
            .map(|(&i, &w)| {
                let text = &row.texts[i];
                if i == 2 && plan.blank_repeated_metrics && row.repeats_name {
                    Cell::new("")
                } else {
                    Cell::new(wrap(text, w).join("\n"))
                }
            })
            .collect();
        cells.push(Cell::new(&row.total).set_alignment(CellAlignment::Right));
        cells.push(Cell::new(&row.unit));
        if plan.trend {
            cells.push(Cell::new(&row.trend));
        }
        table.add_row(cells);
    }
    table.lines().collect()
}

pub fn write(report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    if report.series.is_empty() {
        writeln!(out, "no data for this range")?;
        return Ok(());
    }
    // One sparkline slot per bucket seen in any series, so trends line up. Slots are
    // wall-clock starts: a day that starts at midnight +08:00 and one that starts at
    // midnight UTC are the same calendar day, in the same slot.
    let buckets: BTreeSet<NaiveDateTime> = report
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.time.naive_local()))
        .collect();
    // Series that share a name and metric say the labels that tell them apart; a long
    // name is shortened, the labels are not (they wrap).
    let name_suffixes = series_suffixes(&report.series);
    let rows: Vec<Row> = report
        .series
        .iter()
        .zip(&name_suffixes)
        .map(|(series, suffix)| {
            let values: Vec<Option<f64>> = buckets
                .iter()
                .map(|b| {
                    series
                        .points
                        .iter()
                        .filter(|p| p.time.naive_local() == *b)
                        .map(|p| p.value)
                        .reduce(|a, b| series.aggregation.combine(a, b))
                })
                .collect();
            let mut trend = sparkline(&squeeze(values, MAX_SPARK, series.aggregation));
            if series.points.last().is_some_and(|p| p.partial) {
                trend.push_str(PARTIAL_MARK);
            }
            let name = truncate_middle(&clean(&series.name), MAX_NAME);
            // A cost series says what it priced (`cost of usage`).
            let metric = match series.labels.get(crate::cost::price::PRICED_METRIC_LABEL) {
                Some(priced) if series.metric == crate::cost::price::COST_METRIC => {
                    clean(&format!("cost of {priced}"))
                }
                _ => clean(&series.metric),
            };
            Row {
                repeats_name: name == metric,
                texts: [
                    clean(&format!("{} {}", series.provider, series.source)),
                    with_suffix(&name, suffix.as_ref()),
                    metric,
                ],
                total: series
                    .total()
                    .map_or_else(|| NO_TOTAL.to_string(), format_value),
                unit: clean(series.unit.as_deref().unwrap_or("-")),
                trend,
            }
        })
        .collect();

    let all: Vec<&Row> = rows.iter().collect();
    let whole = plan(&all, &[0, 1, 2], true, options.width);
    let with_trend = whole.trend;
    let mut lines = Vec::new();
    if whole.fits {
        lines = table_lines(&all, &whole, options);
    } else {
        // Too narrow for a provider column: one table per source under its name, so the
        // series and metric get the width (rows are sorted by provider and source).
        let mut start = 0;
        while start < rows.len() {
            let source = &rows[start].texts[0];
            let end = start
                + rows[start..]
                    .iter()
                    .take_while(|r| r.texts[0] == *source)
                    .count();
            let group: Vec<&Row> = rows[start..end].iter().collect();
            lines.extend(wrap(source, options.width));
            lines.extend(table_lines(
                &group,
                &plan(&group, &[1, 2], false, options.width),
                options,
            ));
            start = end;
        }
    }
    for line in lines {
        writeln!(out, "{line}")?;
    }
    if with_trend
        && report
            .series
            .iter()
            .any(|s| s.points.last().is_some_and(|p| p.partial))
    {
        writeln!(
            out,
            "{PARTIAL_MARK} the last bucket is not over yet (partial)"
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_from_zero_to_the_largest_value() {
        assert_eq!(sparkline(&[Some(0.0), Some(7.0), Some(3.5), None]), "▁█▅ ");
        assert_eq!(sparkline(&[Some(0.0), Some(0.0)]), "▁▁");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn wrap_breaks_after_spaces_and_dots_and_inside_words_only_when_needed() {
        assert_eq!(
            wrap("alibaba modelrouter.cost_trend", 30),
            ["alibaba modelrouter.cost_trend"]
        );
        assert_eq!(
            wrap("alibaba modelrouter.cost_trend", 12),
            ["alibaba", "modelrouter.", "cost_trend"]
        );
        assert_eq!(
            wrap("tencent lke.token_usage", 12),
            ["tencent lke.", "token_usage"]
        );
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        // Wide characters count two columns and are never split.
        assert_eq!(wrap("元元元", 4), ["元元", "元"]);
        assert_eq!(wrap("", 5), [""]);
        for width in 1..30 {
            for text in [
                "Kling2.0&2.1std_720P",
                "a b  c",
                "acedata acedata.api_usage 元x",
            ] {
                for line in wrap(text, width) {
                    assert!(
                        width_of(&line) <= width.max(2),
                        "{text:?} at {width}: {line:?}"
                    );
                }
            }
        }
    }

    fn render(report: &Report, width: usize) -> String {
        let options = RenderOptions {
            width,
            ..RenderOptions::default()
        };
        let mut out = Vec::new();
        write(report, &options, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_summary_fits_dropping_the_trend_first_and_never_cuts_a_number_or_unit() {
        let mut report = crate::render::fixtures::report();
        report.series[0].unit = Some("元".into());
        let wide = render(&report, 200);
        assert!(wide.lines().nth(1).unwrap().contains("trend"), "{wide}");
        let natural = wide.lines().next().unwrap().width();
        let without_trend = render(&report, natural - 1);
        assert!(!without_trend.lines().nth(1).unwrap().contains("trend"));
        for width in [50, 60, 80] {
            let text = render(&report, width);
            for line in text.lines() {
                assert!(line.width() <= width, "{width}: {line}\n{text}");
            }
            assert!(text.contains(" 元 "), "{text}");
            assert!(text.contains(" 1545 "), "{text}");
        }
        // Narrower than names, numbers and units can be: longer lines, nothing cut.
        let text = render(&report, 20);
        assert!(text.contains(" 元 ") && text.contains(" 1545 "), "{text}");
    }

    #[test]
    fn too_narrow_for_a_provider_column_one_table_per_source_fits_40() {
        let mut report = crate::render::fixtures::report();
        report.series[0].unit = Some("元".into());
        // At 60 the provider is a column; below what that needs, a heading per source.
        assert!(render(&report, 60)
            .lines()
            .nth(1)
            .unwrap()
            .contains("provider"));
        for width in [38, 40] {
            let text = render(&report, width);
            for line in text.lines() {
                assert!(line.width() <= width, "{width}: {line}\n{text}");
            }
            assert!(!text.contains("provider"), "{text}");
            assert!(!text.contains(" trend "), "{text}");
            for heading in ["tencent vod.aigc_usage", "tencent lke.token_usage"] {
                assert!(text.lines().any(|l| l == heading), "{heading}:\n{text}");
            }
            assert!(text.contains(" 元 ") && text.contains(" 1545 "), "{text}");
        }
        insta::assert_snapshot!("summary_by_source_at_40", render(&report, 40));
    }

    #[test]
    fn series_of_the_same_name_from_two_accounts_say_their_account() {
        let report = crate::render::fixtures::two_accounts();
        let text = render(&report, 100);
        insta::assert_snapshot!("summary_two_accounts", text);
        for name in ["Claude Messages", "Midjourney Imagine"] {
            for account in ["team-a", "team-b"] {
                let row = format!("{name} [account={account}]");
                assert_eq!(text.matches(&row).count(), 1, "{row}:\n{text}");
            }
        }
        // A series only one account has needs nothing more; nor do labels that agree.
        assert!(text.contains("Suno Music "), "{text}");
        assert!(!text.contains("Suno Music ["), "{text}");
        assert!(!text.contains("api="), "{text}");
        // Narrow: the suffix wraps with the name, nothing is cut.
        let text = render(&report, 40);
        for line in text.lines() {
            assert!(line.width() <= 40, "{line}\n{text}");
        }
        assert_eq!(text.matches("team-b]").count(), 2, "{text}");
    }

    #[test]
    fn a_max_series_has_no_total_and_its_trend_takes_the_largest() {
        let mut report = crate::render::fixtures::report();
        report.series[0].aggregation = Aggregation::Max;
        let text = render(&report, 200);
        let row = text.lines().find(|l| l.contains("cost")).unwrap();
        assert!(row.contains(" - "), "{row}");
        assert_eq!(
            squeeze(vec![Some(1.0), Some(3.0), Some(2.0)], 1, Aggregation::Max),
            vec![Some(3.0)]
        );
    }

    #[test]
    fn long_series_are_squeezed_by_summing_neighbours() {
        let values: Vec<Option<f64>> = (0..100).map(|i| Some(i as f64)).collect();
        let squeezed = squeeze(values, 32, Aggregation::Sum);
        assert!(squeezed.len() <= 32);
        assert_eq!(squeezed[0], Some(0.0 + 1.0 + 2.0 + 3.0));
        assert_eq!(
            squeeze(vec![None, None, Some(1.0)], 2, Aggregation::Sum),
            vec![None, Some(1.0)]
        );
    }
}
