//! The wide form turned on its side, for a terminal too narrow for a column per series:
//! one row per (time, series) with its value, then a `total` row per series. Every value
//! of the wide form is shown; only the layout changes (spec §5: "long form otherwise").
//!
//! Columns: time, source (only when the series come from several), series, metric (only
//! when the series' metrics differ and do not merely repeat their names), value, unit
//! (only when the units differ). A metric or unit that every series shares goes into the
//! value column's header instead (`amount` / `(credits)`), which keeps the table narrow.

use comfy_table::{Attribute, Cell};

use super::{
    clean, display_width, header_cell, marked, marked_total, multi_source, shrink, table_width,
    truncate_end, Grid, Layout, RenderOptions, PARTIAL_NOTE,
};
use crate::render::names::{fit_name, name_min_width, series_suffixes, with_suffix};
use crate::series::{Report, Series};

/// Up to this many times `max_table_rows` rows: past that, one row per series is more
/// useful than pages of values (and says how to get each one).
const ROWS_PER_TABLE_ROW: usize = 4;

const TIME: usize = 0;
const SOURCE: usize = 1;
const SERIES: usize = 2;
const METRIC: usize = 3;
const VALUE: usize = 4;
const UNIT: usize = 5;
const RIGHT_ALIGNED: [bool; 6] = [false, false, false, false, true, false];
/// Text columns keep at least this much (when longer): the source, series and metric.
const MIN_SOURCE: usize = 4;
const MIN_SERIES: usize = 8;
const MIN_METRIC: usize = 5;

/// What a series measures: `cost of usage` for a cost series, else its metric.
fn metric_name(s: &Series) -> String {
    match s.labels.get(crate::cost::price::PRICED_METRIC_LABEL) {
        Some(priced) if s.metric == crate::cost::price::COST_METRIC => {
            clean(&format!("cost of {priced}"))
        }
        _ => clean(&s.metric),
    }
}

/// `Some(x)` when every item gives the same `x`.
fn common<T: PartialEq>(mut items: impl Iterator<Item = T>) -> Option<T> {
    let first = items.next()?;
    items.all(|x| x == first).then_some(first)
}

/// The layout, or `None` when there are too many values for a row each, or when not even
/// the narrowest columns fit the width (the caller then shows one row per series).
pub(super) fn layout(report: &Report, grid: &Grid, options: &RenderOptions) -> Option<Layout> {
    let series = &report.series;
    let values: usize = grid.cells.iter().flatten().flatten().count();
    if values + series.len() > options.max_table_rows.saturating_mul(ROWS_PER_TABLE_ROW) {
        return None;
    }
    let any_partial = grid.cells.iter().flatten().flatten().any(|(_, p)| *p);

    let metrics: Vec<String> = series.iter().map(metric_name).collect();
    let common_metric = common(metrics.iter());
    let common_unit = common(series.iter().map(|s| s.unit.as_deref()));
    // The metric column: blank where the metric only repeats the series' name
    // (ModelRouter's `total_calls`), and left out when that leaves it empty.
    let metric_cells: Vec<String> = series
        .iter()
        .zip(&metrics)
        .map(|(s, m)| {
            if common_metric.is_some() || *m == clean(&s.name) {
                String::new()
            } else {
                m.clone()
            }
        })
        .collect();
    let mut value_header = vec![common_metric.cloned().unwrap_or_else(|| "value".into())];
    if let Some(Some(unit)) = common_unit {
        let unit = clean(unit);
        if unit != value_header[0] {
            value_header.push(format!("({unit})"));
        }
    }

    let mut columns = vec![TIME, SERIES, VALUE];
    if multi_source(series) {
        columns.push(SOURCE);
    }
    if metric_cells.iter().any(|m| !m.is_empty()) {
        columns.push(METRIC);
    }
    if common_unit.is_none() {
        columns.push(UNIT);
    }
    columns.sort_unstable();

    // Series that share a name and metric say the labels that tell them apart.
    let name_suffixes = series_suffixes(series);
    // Every row's cells (all six; the hidden ones are never shown), whether it is a
    // total row, and its series.
    let row = |s: &Series, i: usize, time: String, value: String| -> [String; 6] {
        [
            time,
            clean(&s.source),
            with_suffix(&clean(&s.name), name_suffixes[i].as_ref()),
            metric_cells[i].clone(),
            value,
            s.unit.as_deref().map(clean).unwrap_or_default(),
        ]
    };
    let mut rows: Vec<([String; 6], bool, usize)> = Vec::with_capacity(values + series.len());
    for (r, time) in grid.labels.iter().enumerate() {
        for (i, s) in series.iter().enumerate() {
            if let Some((value, partial)) = grid.cells[i][r] {
                let value = marked(value, partial, any_partial);
                rows.push((row(s, i, time.clone(), value), false, i));
            }
        }
    }
    for (i, s) in series.iter().enumerate() {
        let total = marked_total(s.total(), false, any_partial);
        rows.push((row(s, i, "total".into(), total), true, i));
    }

    let headers: [Vec<String>; 6] = [
        vec!["time".into()],
        vec!["source".into()],
        vec!["series".into()],
        vec!["metric".into()],
        value_header,
        vec!["unit".into()],
    ];
    let natural: Vec<usize> = (0..6)
        .map(|c| {
            rows.iter()
                .map(|(cells, _, _)| display_width(&cells[c]))
                .chain(headers[c].iter().map(|h| display_width(h)))
                .max()
                .unwrap_or(0)
        })
        .collect();
    // Times, values and units are never cut.
    let mut min: Vec<usize> = (0..6)
        .map(|c| match c {
            SOURCE => natural[c].min(MIN_SOURCE),
            SERIES => natural[c].min(MIN_SERIES),
            METRIC => natural[c].min(MIN_METRIC),
            _ => natural[c],
        })
        .collect();
    let pick = |v: &[usize]| columns.iter().map(|&c| v[c]).collect::<Vec<_>>();
    if table_width(&pick(&min)) > options.width {
        return None;
    }
    // What tells a series apart from another of the same name is kept whole, as far as
    // the width allows.
    let keep_suffix = series
        .iter()
        .zip(&name_suffixes)
        .map(|(s, suffix)| name_min_width(&clean(&s.name), suffix.as_ref()))
        .max()
        .unwrap_or(0);
    let slack = options.width - table_width(&pick(&min));
    min[SERIES] = min[SERIES].max(keep_suffix.min(min[SERIES] + slack));
    let avail = options
        .width
        .saturating_sub(table_width(&vec![0; columns.len()]));
    // The source goes first: the series and metric are what tell rows apart.
    let sacrifice: Vec<usize> = columns
        .iter()
        .position(|&c| c == SOURCE)
        .into_iter()
        .collect();
    let widths = shrink(&pick(&natural), &pick(&min), &sacrifice, avail);

    let header = columns
        .iter()
        .zip(&widths)
        .map(|(&c, &w)| {
            let lines: Vec<String> = headers[c].iter().map(|h| truncate_end(h, w)).collect();
            header_cell(lines.join("\n"))
        })
        .collect();
    let body = rows
        .iter()
        .map(|(cells, total, i)| {
            columns
                .iter()
                .zip(&widths)
                .map(|(&c, &w)| {
                    let text = match c {
                        SERIES => fit_name(&clean(&series[*i].name), name_suffixes[*i].as_ref(), w),
                        SOURCE | METRIC => truncate_end(&cells[c], w),
                        _ => cells[c].clone(),
                    };
                    let cell = Cell::new(text);
                    if *total && c == TIME {
                        cell.add_attribute(Attribute::Bold)
                    } else {
                        cell
                    }
                })
                .collect()
        })
        .collect();
    let mut notes = Vec::new();
    if any_partial {
        notes.push(PARTIAL_NOTE.to_string());
    }
    notes.push(format!(
        "one row per time and series: {} series do not fit side by side in {} columns",
        series.len(),
        options.width
    ));
    Some(Layout {
        header,
        rows: body,
        right_aligned: columns.iter().map(|&c| RIGHT_ALIGNED[c]).collect(),
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{max_line_width, render};
    use crate::render::fixtures;
    use crate::series::{Granularity, Point, Report};
    use crate::zone::Zone;

    /// Two AceData-like series with long names, one unit, the last day partial.
    fn acedata() -> Report {
        let day = |d: u32| fixtures::t(&format!("2025-11-{d:02}T00:00:00+00:00"));
        let series = |name: &str, values: &[f64]| {
            let mut points: Vec<Point> = values
                .iter()
                .enumerate()
                .map(|(i, v)| Point::new(day(17 + i as u32), *v))
                .collect();
            if let Some(last) = points.last_mut() {
                last.partial = true;
            }
            fixtures::series(
                "acedata",
                "acedata.api_usage",
                name,
                "amount",
                Some("credits"),
                Some(Granularity::Day),
                points,
            )
        };
        Report::new(
            fixtures::query(Zone::UTC),
            vec![
                series("Claude Messages", &[9.4, 13.0, 10.25]),
                series("Midjourney Imagine", &[66.1, 24.8, 31.3]),
            ],
        )
    }

    #[test]
    fn snapshot_by_point() {
        insta::assert_snapshot!(
            "by_point_several_sources_70",
            render(&fixtures::report(), 70)
        );
        insta::assert_snapshot!("by_point_one_unit_40", render(&acedata(), 40));
    }

    #[test]
    fn every_value_of_the_wide_form_is_shown_when_it_does_not_fit() {
        let report = acedata();
        let wide = render(&report, 200);
        assert!(wide.contains("Midjourney Imagine"), "{wide}");
        // The wide form needs 44 columns.
        for width in [40, 43] {
            let text = render(&report, width);
            assert!(max_line_width(&text) <= width, "{width}:\n{text}");
            assert!(text.contains("one row per time and series"), "{text}");
            for value in [
                "9.4 ", "13 ", "10.25*", "66.1 ", "24.8 ", "31.3*", "32.65 ", "122.2 ",
            ] {
                assert!(text.contains(value), "{value:?} at {width}:\n{text}");
            }
            // The shared metric and unit head the value column.
            assert!(
                text.contains("amount") && text.contains("(credits)"),
                "{text}"
            );
            // Each series has a total row.
            assert_eq!(text.lines().filter(|l| l.contains("│ total ")).count(), 2);
        }
        // Several sources, metrics and units: each gets its column.
        let text = render(&fixtures::report(), 70);
        assert!(max_line_width(&text) <= 70, "{text}");
        for value in [
            " 30.5* ",
            " 1200 ",
            " 0.2 ",
            " seconds ",
            " tasks ",
            " count ",
        ] {
            assert!(text.contains(value), "{value:?}:\n{text}");
        }
    }

    #[test]
    fn series_of_the_same_name_from_two_accounts_say_their_account() {
        let text = render(&fixtures::two_accounts(), 60);
        insta::assert_snapshot!("by_point_two_accounts_60", text);
        assert!(text.contains("one row per time and series"), "{text}");
        assert!(max_line_width(&text) <= 60, "{text}");
        // Two days and a total of each of two series; the names are cut, not the labels.
        for account in ["[account=team-a]", "[account=team-b]"] {
            assert_eq!(text.matches(account).count(), 6, "{account}:\n{text}");
        }
        assert!(text.contains("Claude …ssages [account=team-a]"), "{text}");
        assert!(text.contains(" Suno Music "), "{text}");
    }

    #[test]
    fn too_many_values_or_too_narrow_show_one_row_per_series() {
        // 30 series × 10 days: more than 4 × 60 rows.
        let text = render(&fixtures::big_report(30, 10), 100);
        assert!(text.contains("one row per series"), "{text}");
        // Several sources at 60: not even the narrowest columns fit.
        let text = render(&fixtures::report(), 60);
        assert!(text.contains("one row per series"), "{text}");
        assert!(max_line_width(&text) <= 60, "{text}");
    }
}
