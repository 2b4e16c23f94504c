//! `-o table`: a caption with the range and granularity, then either
//!
//! * the wide form: one row per time bucket, one column per series, a `total` row —
//!   when every series fits the width and the buckets fit `max_table_rows`;
//! * when the series do not fit side by side, the same values one row per (time,
//!   series) ([`by_point`]), then a `total` row per series; or
//! * the long form: one row per series (source, series, metric, total, points,
//!   first → last) — when there are too many buckets, or too many values for one row
//!   each, or not even one row per value fits; the top `max_table_rows - 1` by total
//!   plus an `others` row when there are more series than that.
//!
//! The table is never wider than `RenderOptions::width`: series names are shortened in
//! the middle with `…` (`Kling2.…td_720P`), sources and metrics at the end; numbers and
//! times are never cut (if even the narrowest long form does not fit, the line is longer
//! rather than a number shorter). Values with different units are never added together.
//! Control characters in provider text are shown as spaces. Series that share a name and
//! metric (several accounts of a store) carry the labels that tell them apart after their
//! name, which a shortened name keeps ([`super::names`]).

mod by_point;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Write};

use comfy_table::{modifiers, presets, Attribute, Cell, CellAlignment, ContentArrangement, Table};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::names::{fit_name, name_min_width, series_suffixes, with_suffix, Suffix};
use super::time::{compact, keeps_own_offset, wall_clock};
use super::RenderOptions;
use crate::number::format_value;
use crate::series::{Report, Series};
use crate::zone::Zone;

/// Printed instead of a table when there is nothing to show.
pub const NO_DATA: &str = "no data for this range";
/// Footnote of the wide form when a cell is partial.
pub const PARTIAL_NOTE: &str = "* bucket not over yet (partial)";
/// Footnote of the long form when a total includes a partial bucket.
pub const PARTIAL_TOTAL_NOTE: &str = "* total includes a bucket not over yet (partial)";

/// A wide-form series column keeps at least this much of its header (when it is longer).
const WIDE_MIN_HEADER: usize = 12;
/// Long-form text columns keep at least this much (when longer): source, series, metric.
const LONG_MIN: [usize; 3] = [8, 10, 8];

/// Columns of a table line: one border, then per column its content, two spaces of
/// padding and one border.
fn table_width(widths: &[usize]) -> usize {
    widths.iter().sum::<usize>() + 3 * widths.len() + 1
}

/// `--cost`: one `total cost` line per currency under the table, from the exact decimal
/// totals (rounded half away from zero to 6 places, trailing zeros dropped), and a line
/// saying when the costs are a lower bound.
pub fn write_cost_totals(
    summary: &crate::cost::summary::CostSummary,
    out: &mut dyn Write,
) -> io::Result<()> {
    use crate::cost::money::round_for_print;
    if summary.totals.is_empty() {
        return writeln!(out, "total cost: none (nothing priced)");
    }
    for (currency, total) in &summary.totals {
        writeln!(
            out,
            "total cost {currency}: {}",
            round_for_print(*total).normalize()
        )?;
    }
    if !summary.unpriced.is_empty() {
        writeln!(
            out,
            "({} series unpriced: the totals are a lower bound)",
            summary.unpriced.len()
        )?;
    }
    Ok(())
}

/// Writes the caption, the table and its footnotes.
pub fn write(report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut lines = caption(report, options.width);
    if report.series.iter().all(|s| s.points.is_empty()) {
        lines.push(NO_DATA.to_string());
    } else {
        let layout = match grid(report, options) {
            Err(why) => long(report, options, why),
            Ok(grid) => match wide(report, &grid, options) {
                Ok(layout) => layout,
                // Too narrow for a column per series: a row per value, when that fits.
                Err(why) => by_point::layout(report, &grid, options)
                    .unwrap_or_else(|| long(report, options, why)),
            },
        };
        let mut table = new_table(options);
        table.set_header(layout.header);
        for row in layout.rows {
            table.add_row(row);
        }
        for (i, right) in layout.right_aligned.iter().enumerate() {
            if let Some(column) = table.column_mut(i) {
                column.set_cell_alignment(if *right {
                    CellAlignment::Right
                } else {
                    CellAlignment::Left
                });
            }
        }
        lines.extend(table.lines());
        for note in layout.notes {
            lines.extend(wrap_words(&note, options.width));
        }
    }
    for line in lines {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

pub(crate) fn new_table(options: &RenderOptions) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .apply_modifier(modifiers::UTF8_ROUND_CORNERS)
        .set_content_arrangement(ContentArrangement::Disabled)
        // The output is whatever writer we were given; colour is decided by the caller.
        .force_no_tty();
    if options.color {
        table.enforce_styling();
    }
    table
}

/// A table ready for comfy-table: every cell already fits its column.
struct Layout {
    header: Vec<Cell>,
    rows: Vec<Vec<Cell>>,
    right_aligned: Vec<bool>,
    notes: Vec<String>,
}

/// Why the wide form was not used (said in a footnote of the long form).
enum Fallback {
    TooManyBuckets,
    TooWide,
}

// ---------------------------------------------------------------------------------------
// Caption

/// `2025-11-18 00:00 → 2025-11-19 23:59:59 (+08:00) · granularity day · tz Asia/Shanghai`,
/// wrapped at ` · ` to the width, plus `days in +08:00` when day buckets keep an offset
/// that is not the zone's.
fn caption(report: &Report, width: usize) -> Vec<String> {
    let q = &report.query;
    let start = q.tz.localize(&q.start);
    let end = q.tz.localize(&q.end);
    // The range, in two halves so that a narrow terminal gets it on two lines.
    let (from, to) = if start.offset() == end.offset() {
        (
            format!("{} →", wall_clock(&start)),
            format!("{} ({})", wall_clock(&end), start.offset()),
        )
    } else {
        (
            format!("{} ({}) →", wall_clock(&start), start.offset()),
            format!("{} ({})", wall_clock(&end), end.offset()),
        )
    };
    let range = format!("{from} {to}");
    let mut head = Vec::new();
    let mut parts = if display_width(&range) <= width {
        vec![range]
    } else {
        head.push(from);
        vec![to]
    };
    let granularities: BTreeSet<_> = report.series.iter().map(|s| s.granularity).collect();
    if !granularities.is_empty() {
        let names: Vec<&str> = granularities
            .iter()
            .flatten()
            .map(|g| g.as_str())
            .chain(granularities.contains(&None).then_some("none"))
            .collect();
        parts.push(format!("granularity {}", names.join(", ")));
    }
    if let Some(source) = single_source(&report.series) {
        parts.push(source);
    }
    parts.push(format!("tz {}", q.tz));
    let calendar_offsets = foreign_calendar_offsets(&report.series, &q.tz);
    if !calendar_offsets.is_empty() {
        parts.push(format!("days in {}", calendar_offsets.join(", ")));
    }
    head.extend(join_wrapped(&parts, " · ", width));
    head
}

/// The offsets of day-or-longer buckets that differ from the zone's at that time.
fn foreign_calendar_offsets(series: &[Series], tz: &Zone) -> Vec<String> {
    let mut offsets = BTreeSet::new();
    for s in series.iter().filter(|s| keeps_own_offset(s.granularity)) {
        let mut seen = BTreeSet::new();
        for p in &s.points {
            let own = *p.time.offset();
            if seen.insert(own.local_minus_utc()) && tz.localize(&p.time).offset() != &own {
                offsets.insert((own.local_minus_utc(), own.to_string()));
            }
        }
    }
    offsets.into_iter().map(|(_, s)| s).collect()
}

/// Joins `parts` with `sep`, starting a new line instead of exceeding `width`.
fn join_wrapped(parts: &[String], sep: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for part in parts {
        if current.is_empty() {
            current = part.clone();
        } else if display_width(&current) + display_width(sep) + display_width(part) <= width {
            current.push_str(sep);
            current.push_str(part);
        } else {
            lines.push(std::mem::replace(&mut current, part.clone()));
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// Word-wraps a footnote to the width (a word longer than the width gets its own line).
pub(crate) fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let words: Vec<String> = text.split(' ').map(str::to_string).collect();
    join_wrapped(&words, " ", width)
}

// ---------------------------------------------------------------------------------------
// Text helpers

fn display_width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Table text from provider data: control characters (newlines, tabs, ANSI escapes)
/// would break the layout or the terminal, so they become spaces.
pub(crate) fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `s` shortened to `max` columns by replacing its middle with `…` (the ends of a name,
/// e.g. `…_720P`, are what tell series apart).
pub fn truncate_middle(s: &str, max: usize) -> String {
    if display_width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let budget = max - 1;
    let tail_budget = budget / 2;
    let head_budget = budget - tail_budget;
    let mut head = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > head_budget {
            break;
        }
        used += w;
        head.push(c);
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > tail_budget {
            break;
        }
        used += w;
        tail.push(c);
    }
    head.push('…');
    head.extend(tail.into_iter().rev());
    head
}

/// `s` shortened to `max` columns by cutting its end (`vod.aigc…`, `usage (sec…`: the
/// start of a source or a metric is what tells them apart).
pub fn truncate_end(s: &str, max: usize) -> String {
    if display_width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// `usage (seconds)`, or `usage` without a unit or when the metric is its unit
/// (`tokens`, not `tokens (tokens)`).
pub(crate) fn metric_with_unit(s: &Series) -> String {
    // A cost series says what it priced (VOD's seconds and tasks are both `cost`).
    let metric = match s.labels.get(crate::cost::price::PRICED_METRIC_LABEL) {
        Some(priced) if s.metric == crate::cost::price::COST_METRIC => {
            format!("cost of {priced}")
        }
        _ => s.metric.clone(),
    };
    match &s.unit {
        Some(unit) if *unit != s.metric => clean(&format!("{metric} ({unit})")),
        _ => clean(&metric),
    }
}

/// The ` (seconds)` that follows a metric in its column, when the unit is shown.
fn unit_suffix(s: &Series) -> Option<String> {
    match &s.unit {
        Some(unit) if *unit != s.metric => Some(clean(&format!(" ({unit})"))),
        _ => None,
    }
}

/// The columns a metric cell needs at least: its unit whole, after at least one column of
/// the metric (or `…`), or the whole text when that is shorter.
fn metric_min_width(full: &str, suffix: Option<&str>) -> usize {
    match suffix {
        Some(suffix) => display_width(full).min(display_width(suffix) + 1),
        None => 0,
    }
}

/// A metric cell (`usage (seconds)`) in `width` columns: the metric is shortened at its
/// end, the unit is never cut (spec §5 v3: `us… (seconds)`, `total_… (元)`).
fn fit_metric(full: &str, suffix: Option<&str>, width: usize) -> String {
    if display_width(full) <= width {
        return full.to_string();
    }
    match suffix {
        Some(suffix) if full.len() > suffix.len() && full.ends_with(suffix) => {
            let head = &full[..full.len() - suffix.len()];
            let room = width.saturating_sub(display_width(suffix)).max(1);
            format!("{}{suffix}", truncate_end(head, room))
        }
        Some(suffix) if full == suffix => full.to_string(),
        _ => truncate_end(full, width),
    }
}

/// Column widths: start from `natural`; first take the `sacrifice` columns down to their
/// minimum, then one character at a time off the widest column that is above its
/// minimum, until the table fits `avail` (or nothing can shrink).
fn shrink(natural: &[usize], min: &[usize], sacrifice: &[usize], avail: usize) -> Vec<usize> {
    let mut widths = natural.to_vec();
    let mut total: usize = widths.iter().sum();
    let columns = widths.len();
    for &i in sacrifice.iter().filter(|&&i| i < columns) {
        let cut = (widths[i] - min[i]).min(total.saturating_sub(avail));
        widths[i] -= cut;
        total -= cut;
    }
    while total > avail {
        let widest = (0..widths.len())
            .filter(|&i| widths[i] > min[i])
            .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)));
        match widest {
            Some(i) => {
                widths[i] -= 1;
                total -= 1;
            }
            None => break,
        }
    }
    widths
}

fn header_cell(text: String) -> Cell {
    Cell::new(text).add_attribute(Attribute::Bold)
}

/// A value with its partial marker; in a column that has partial values, the others get
/// a space in the marker's place so the digits stay aligned.
fn marked(value: f64, partial: bool, column_has_partial: bool) -> String {
    let mut text = format_value(value);
    if partial {
        text.push('*');
    } else if column_has_partial {
        text.push(' ');
    }
    text
}

/// Printed for the total of a series whose values cannot be added (spec §5 v3).
pub const NO_TOTAL: &str = "-";

/// A total with its partial marker, or `-` when the series has none.
fn marked_total(total: Option<f64>, partial: bool, column_has_partial: bool) -> String {
    match total {
        Some(total) => marked(total, partial, column_has_partial),
        None if column_has_partial => format!("{NO_TOTAL} "),
        None => NO_TOTAL.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// Wide form

/// A row of the wide form: calendar buckets are grouped by their own date (the same day
/// from two providers is one row); sub-daily points by instant.
type RowKey = (String, i64);

fn row_key(
    cache: &mut HashMap<(i64, i32, i8), RowKey>,
    s: &Series,
    time: &chrono::DateTime<chrono::FixedOffset>,
    tz: &Zone,
) -> RowKey {
    let own = keeps_own_offset(s.granularity);
    let mode = if own {
        time.offset().local_minus_utc()
    } else {
        i32::MIN
    };
    // The granularity decides the label's precision (a month is `2025-11`), so it is part
    // of what is cached.
    let granularity_code = s.granularity.map_or(-1, |g| g as i8);
    cache
        .entry((time.timestamp(), mode, granularity_code))
        .or_insert_with(|| {
            let label = compact(time, s.granularity, tz);
            let instant = if own { i64::MIN } else { time.timestamp() };
            (label, instant)
        })
        .clone()
}

/// The wide form's cells: one row per time bucket, in order, and per series its value in
/// each row.
struct Grid {
    /// Each row's time label.
    labels: Vec<String>,
    /// `cells[series][row]`: the sum (the largest for a max series) and whether partial.
    cells: Vec<Vec<Option<(f64, bool)>>>,
}

/// The rows of the wide form, or `TooManyBuckets` past `max_table_rows` of them.
fn grid(report: &Report, options: &RenderOptions) -> Result<Grid, Fallback> {
    let series = &report.series;
    let n = series.len();
    let tz = &report.query.tz;
    let mut cache = HashMap::new();
    let mut rows: BTreeMap<RowKey, usize> = BTreeMap::new();
    let mut point_rows: Vec<Vec<RowKey>> = Vec::with_capacity(n);
    for s in series {
        let mut keys = Vec::with_capacity(s.points.len());
        for p in &s.points {
            let key = row_key(&mut cache, s, &p.time, tz);
            if !rows.contains_key(&key) {
                if rows.len() >= options.max_table_rows {
                    return Err(Fallback::TooManyBuckets);
                }
                rows.insert(key.clone(), 0);
            }
            keys.push(key);
        }
        point_rows.push(keys);
    }
    for (i, index) in rows.values_mut().enumerate() {
        *index = i;
    }

    let mut cells: Vec<Vec<Option<(f64, bool)>>> = Vec::with_capacity(n);
    for (s, keys) in series.iter().zip(&point_rows) {
        let mut column = vec![None; rows.len()];
        for (p, key) in s.points.iter().zip(keys) {
            let cell: &mut Option<(f64, bool)> = &mut column[rows[key]];
            match cell {
                Some((value, partial)) => {
                    *value = s.aggregation.combine(*value, p.value);
                    *partial |= p.partial;
                }
                None => *cell = Some((p.value, p.partial)),
            }
        }
        cells.push(column);
    }

    // Two instants with the same wall-clock label (the hour repeated when daylight saving
    // ends) get their offsets added.
    let mut label_count: HashMap<&str, usize> = HashMap::new();
    for (label, _) in rows.keys() {
        *label_count.entry(label.as_str()).or_default() += 1;
    }
    let labels: Vec<String> = rows
        .keys()
        .map(|(label, instant)| {
            if label_count[label.as_str()] > 1 && *instant != i64::MIN {
                let offset = chrono::DateTime::from_timestamp(*instant, 0)
                    .map(|t| tz.offset_at(t).to_string())
                    .unwrap_or_default();
                format!("{label} {offset}")
            } else {
                label.clone()
            }
        })
        .collect();
    Ok(Grid { labels, cells })
}

/// Whether the series come from more than one source (each then names its source).
fn multi_source(series: &[Series]) -> bool {
    series
        .iter()
        .map(|s| (&s.provider, &s.source))
        .collect::<BTreeSet<_>>()
        .len()
        > 1
}

fn wide(report: &Report, grid: &Grid, options: &RenderOptions) -> Result<Layout, Fallback> {
    let series = &report.series;
    let n = series.len();
    // Every column needs at least one character and three of borders and padding; the
    // time column at least ten.
    if table_width(&vec![1; n]) + 13 > options.width {
        return Err(Fallback::TooWide);
    }
    let cells = &grid.cells;
    let time_labels = &grid.labels;
    let multi_source = multi_source(series);
    // Series that share a name and metric say the labels that tell them apart.
    let name_suffixes = series_suffixes(series);
    let headers: Vec<Vec<String>> = series
        .iter()
        .zip(&name_suffixes)
        .map(|(s, suffix)| {
            let mut lines = vec![
                with_suffix(&clean(&s.name), suffix.as_ref()),
                metric_with_unit(s),
            ];
            if multi_source {
                lines.push(clean(&s.source));
            }
            lines
        })
        .collect();
    let values: Vec<Vec<String>> = cells
        .iter()
        .zip(series)
        .map(|(column, s)| {
            let has_partial = column.iter().flatten().any(|(_, p)| *p);
            let mut texts: Vec<String> = column
                .iter()
                .map(|cell| match cell {
                    Some((v, partial)) => marked(*v, *partial, has_partial),
                    None => String::new(),
                })
                .collect();
            texts.push(marked_total(s.total(), false, has_partial));
            texts
        })
        .collect();

    let time_width = time_labels
        .iter()
        .map(|l| display_width(l))
        .chain([display_width("total"), display_width("time")])
        .max()
        .unwrap_or(5);
    let value_widths: Vec<usize> = values
        .iter()
        .map(|texts| texts.iter().map(|t| display_width(t)).max().unwrap_or(0))
        .collect();
    let natural: Vec<usize> = headers
        .iter()
        .zip(&value_widths)
        .map(|(lines, &v)| {
            lines
                .iter()
                .map(|l| display_width(l))
                .max()
                .unwrap_or(0)
                .max(v)
        })
        .collect();
    let suffixes: Vec<Option<String>> = series.iter().map(unit_suffix).collect();
    let min: Vec<usize> = natural
        .iter()
        .zip(&value_widths)
        .zip(headers.iter().zip(&suffixes))
        .zip(series.iter().zip(&name_suffixes))
        .map(|(((&nat, &v), (lines, suffix)), (s, name_suffix))| {
            v.max(nat.min(WIDE_MIN_HEADER))
                .max(metric_min_width(&lines[1], suffix.as_deref()))
                .max(name_min_width(&clean(&s.name), name_suffix.as_ref()))
        })
        .collect();
    let overhead = table_width(&vec![0; n + 1]) + time_width;
    let avail = options.width.saturating_sub(overhead);
    if options.width < overhead || min.iter().sum::<usize>() > avail {
        return Err(Fallback::TooWide);
    }
    let widths = shrink(&natural, &min, &[], avail);

    let mut header = vec![header_cell("time".to_string())];
    for (((lines, &w), suffix), (s, name_suffix)) in headers
        .iter()
        .zip(&widths)
        .zip(&suffixes)
        .zip(series.iter().zip(&name_suffixes))
    {
        let text: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| match i {
                0 => fit_name(&clean(&s.name), name_suffix.as_ref(), w),
                1 => fit_metric(l, suffix.as_deref(), w),
                _ => truncate_end(l, w),
            })
            .collect();
        header.push(header_cell(text.join("\n")));
    }
    let rows = time_labels.len();
    let mut body = Vec::with_capacity(rows + 1);
    for (r, label) in time_labels.iter().enumerate() {
        let mut row = vec![Cell::new(label)];
        row.extend(values.iter().map(|texts| Cell::new(&texts[r])));
        body.push(row);
    }
    let mut total_row = vec![Cell::new("total").add_attribute(Attribute::Bold)];
    total_row.extend(values.iter().map(|texts| Cell::new(&texts[rows])));
    body.push(total_row);

    let mut notes = Vec::new();
    if cells.iter().flatten().flatten().any(|(_, p)| *p) {
        notes.push(PARTIAL_NOTE.to_string());
    }
    let mut right_aligned = vec![false];
    right_aligned.extend(std::iter::repeat_n(true, n));
    Ok(Layout {
        header,
        rows: body,
        right_aligned,
        notes,
    })
}

// ---------------------------------------------------------------------------------------
// Long form

/// What may be added together: the same unit, or for series without a unit, the same
/// metric.
fn unit_key(s: &Series) -> (bool, &str) {
    match &s.unit {
        Some(unit) => (true, unit.as_str()),
        None => (false, s.metric.as_str()),
    }
}

/// One long-form row before layout: source, series, metric, total, points, first → last.
struct LongRow {
    cells: [String; 6],
    /// The series' name without what tells it apart from series of the same name
    /// (`[account=team-a]`, kept whole when the name is shortened).
    name: String,
    name_suffix: Option<Suffix>,
    /// The unit part at the end of the metric cell, which is never cut.
    unit_suffix: Option<String>,
    /// The `others` row.
    summary: bool,
}

const LONG_HEADERS: [&str; 6] = [
    "source",
    "series",
    "metric",
    "total",
    "points",
    "first → last",
];
const SOURCE: usize = 0;
const RIGHT_ALIGNED: [bool; 6] = [false, false, false, true, true, false];

fn range_of(first: Option<String>, last: Option<String>) -> String {
    match (first, last) {
        (Some(first), Some(last)) if first != last => format!("{first} → {last}"),
        (Some(first), _) => first,
        _ => String::new(),
    }
}

fn long(report: &Report, options: &RenderOptions, why: Fallback) -> Layout {
    let series = &report.series;
    let tz = &report.query.tz;
    let totals: Vec<Option<f64>> = series.iter().map(Series::total).collect();
    let partial: Vec<bool> = series
        .iter()
        .map(|s| s.points.iter().any(|p| p.partial))
        .collect();
    let any_partial = partial.iter().any(|p| *p);

    // Which series get a row: all of them in the order given, or the largest totals.
    let limit = options.max_table_rows.max(2);
    let (shown, rest): (Vec<usize>, Vec<usize>) = if series.len() <= limit {
        ((0..series.len()).collect(), Vec::new())
    } else {
        let mut order: Vec<usize> = (0..series.len()).collect();
        // Series without a total (or a NaN one) go last.
        let key = |i: usize| match totals[i] {
            Some(total) if !total.is_nan() => total,
            _ => f64::NEG_INFINITY,
        };
        // Stable: equal totals keep the order given.
        order.sort_by(|&a, &b| key(b).total_cmp(&key(a)));
        let rest = order.split_off(limit - 1);
        (order, rest)
    };

    let name_suffixes = series_suffixes(series);
    let mut rows: Vec<LongRow> = shown
        .iter()
        .map(|&i| {
            let s = &series[i];
            let name = clean(&s.name);
            LongRow {
                cells: [
                    clean(&s.source),
                    with_suffix(&name, name_suffixes[i].as_ref()),
                    metric_with_unit(s),
                    marked_total(totals[i], partial[i], any_partial),
                    s.points.len().to_string(),
                    range_of(
                        s.points
                            .first()
                            .map(|p| compact(&p.time, s.granularity, tz)),
                        s.points.last().map(|p| compact(&p.time, s.granularity, tz)),
                    ),
                ],
                name,
                name_suffix: name_suffixes[i].clone(),
                unit_suffix: unit_suffix(s),
                summary: false,
            }
        })
        .collect();

    let mut notes = Vec::new();
    if any_partial {
        notes.push(PARTIAL_TOTAL_NOTE.to_string());
    }
    if !rest.is_empty() {
        rows.push(others_row(
            series,
            &rest,
            &totals,
            &partial,
            any_partial,
            tz,
        ));
        notes.push(format!(
            "showing {} of {} series, largest totals first; use -o csv or -o json for everything",
            shown.len(),
            series.len()
        ));
        if rows.last().is_some_and(|r| r.cells[3].is_empty()) {
            notes.push(
                "others: their units differ or some cannot be added, so they are not added up"
                    .to_string(),
            );
        }
    }
    notes.push(match why {
        Fallback::TooManyBuckets => format!(
            "one row per series: more than {} time buckets; use -o csv or -o json for each bucket",
            options.max_table_rows
        ),
        Fallback::TooWide => format!(
            "one row per series: {} series do not fit side by side in {} columns; use -o csv or -o json for each bucket",
            series.len(),
            options.width
        ),
    });

    // Columns: the source only when there are several (the caption names a single one).
    let mut columns: Vec<usize> = (0..6).collect();
    if single_source(series).is_some() {
        columns.retain(|&c| c != SOURCE);
    }
    let natural: Vec<usize> = (0..6)
        .map(|c| {
            rows.iter()
                .map(|r| display_width(&r.cells[c]))
                .chain([display_width(LONG_HEADERS[c])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut min: Vec<usize> = (0..6)
        .map(|c| match LONG_MIN.get(c) {
            Some(&m) => natural[c].min(m),
            None => natural[c],
        })
        .collect();
    // Units are never cut.
    for r in &rows {
        min[2] = min[2].max(metric_min_width(&r.cells[2], r.unit_suffix.as_deref()));
    }
    // `others (1941 series)` carries a count: never cut.
    for r in rows.iter().filter(|r| r.summary) {
        min[1] = min[1].max(display_width(&r.cells[1]));
    }
    // What tells a series apart from another of the same name is kept whole when the
    // width allows (it is worth more than the points and first → last columns).
    let series_min = min[1];
    for r in &rows {
        min[1] = min[1].max(name_min_width(&r.name, r.name_suffix.as_ref()));
    }
    // Text columns shrink to their minimum; if that is not enough, first → last and then
    // points go; numbers are never cut, so past that the line is simply longer.
    let pick = |columns: &[usize], v: &[usize]| columns.iter().map(|&c| v[c]).collect::<Vec<_>>();
    for droppable in [5, 4] {
        if table_width(&pick(&columns, &min)) > options.width {
            columns.retain(|&c| c != droppable);
        }
    }
    let excess = table_width(&pick(&columns, &min)).saturating_sub(options.width);
    min[1] = min[1].saturating_sub(excess).max(series_min);
    let avail = options
        .width
        .saturating_sub(table_width(&vec![0; columns.len()]));
    let sacrifice: Vec<usize> = columns
        .iter()
        .position(|&c| c == SOURCE)
        .into_iter()
        .collect();
    let widths = shrink(
        &pick(&columns, &natural),
        &pick(&columns, &min),
        &sacrifice,
        avail,
    );

    let header = columns
        .iter()
        .map(|&c| header_cell(LONG_HEADERS[c].to_string()))
        .collect();
    let body = rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .zip(&widths)
                .map(|(&c, &w)| {
                    let text = match c {
                        1 if r.summary => truncate_middle(&r.cells[c], w),
                        1 => fit_name(&r.name, r.name_suffix.as_ref(), w),
                        2 => fit_metric(&r.cells[c], r.unit_suffix.as_deref(), w),
                        0 => truncate_end(&r.cells[c], w),
                        _ => r.cells[c].clone(),
                    };
                    let cell = Cell::new(text);
                    if r.summary && c == 1 {
                        cell.add_attribute(Attribute::Bold)
                    } else {
                        cell
                    }
                })
                .collect()
        })
        .collect();
    Layout {
        header,
        rows: body,
        right_aligned: columns.iter().map(|&c| RIGHT_ALIGNED[c]).collect(),
        notes,
    }
}

/// The `others (N series)` row: their sum when they share a unit, otherwise no total.
fn others_row(
    series: &[Series],
    rest: &[usize],
    totals: &[Option<f64>],
    partial: &[bool],
    any_partial: bool,
    tz: &Zone,
) -> LongRow {
    let first = &series[rest[0]];
    let same_unit = rest
        .iter()
        .all(|&i| unit_key(&series[i]) == unit_key(first));
    let sum: Option<f64> = rest.iter().map(|&i| totals[i]).sum();
    let same_metric = rest.iter().all(|&i| series[i].metric == first.metric);
    let same_source = rest.iter().all(|&i| series[i].source == first.source);
    let (metric, suffix) = match (same_unit, same_metric, &first.unit) {
        (false, _, _) => ("mixed units".to_string(), None),
        (true, true, _) => (metric_with_unit(first), unit_suffix(first)),
        (true, false, Some(unit)) => {
            let unit = clean(&format!("({unit})"));
            (unit.clone(), Some(unit))
        }
        (true, false, None) => (clean(&first.metric), None),
    };
    let total = match sum {
        Some(sum) if same_unit => marked(sum, rest.iter().any(|&i| partial[i]), any_partial),
        _ => String::new(),
    };
    let labels: BTreeSet<String> = rest
        .iter()
        .flat_map(|&i| {
            let s = &series[i];
            [s.points.first(), s.points.last()]
                .into_iter()
                .flatten()
                .map(|p| compact(&p.time, s.granularity, tz))
        })
        .collect();
    let points: usize = rest.iter().map(|&i| series[i].points.len()).sum();
    LongRow {
        cells: [
            if same_source {
                clean(&first.source)
            } else {
                String::new()
            },
            format!("others ({} series)", rest.len()),
            metric,
            total,
            points.to_string(),
            range_of(labels.first().cloned(), labels.last().cloned()),
        ],
        name: String::new(),
        name_suffix: None,
        unit_suffix: suffix,
        summary: true,
    }
}

/// `tencent vod.aigc_usage` when every series comes from the same source.
fn single_source(series: &[Series]) -> Option<String> {
    let first = series.first()?;
    series
        .iter()
        .all(|s| s.provider == first.provider && s.source == first.source)
        .then(|| clean(&format!("{} {}", first.provider, first.source)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures;
    use crate::series::{Granularity, Point};

    pub(super) fn render(report: &Report, width: usize) -> String {
        let options = RenderOptions {
            width,
            ..RenderOptions::default()
        };
        let mut out = Vec::new();
        write(report, &options, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    pub(super) fn max_line_width(text: &str) -> usize {
        text.lines().map(display_width).max().unwrap_or(0)
    }

    #[test]
    fn snapshot_wide() {
        let text = render(&fixtures::report(), 200);
        insta::assert_snapshot!(text);
    }

    #[test]
    fn snapshot_long() {
        let text = render(&fixtures::report(), 60);
        insta::assert_snapshot!(text);
    }

    #[test]
    fn wide_form_has_time_rows_series_columns_and_a_total_row() {
        let text = render(&fixtures::report(), 200);
        assert!(text.contains("Kling2.0&2.1std_720P"));
        assert!(text.contains("usage (seconds)"));
        // Days keep +08:00 (18 and 19 November); 5-minute points move to UTC.
        assert!(text.contains("2025-11-18 "));
        assert!(text.contains("2025-11-19 "));
        assert!(text.contains("2025-11-18 01:30"));
        assert!(text.contains("30.5*"));
        assert!(text.contains("45.5 "));
        assert!(text.contains(PARTIAL_NOTE));
        let total_line = text.lines().find(|l| l.starts_with("│ total ")).unwrap();
        assert!(total_line.contains("1545"));
        assert!(total_line.contains("0.3"));
        assert!(total_line.contains("45.5"));
    }

    #[test]
    fn caption_carries_range_granularity_and_zone() {
        let text = render(&fixtures::report(), 200);
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            "2025-11-17 16:00 → 2025-11-19 15:59:59 (+00:00) · granularity 5m, hour, day · tz UTC · days in +08:00"
        );
    }

    #[test]
    fn width_is_respected() {
        for width in [60, 80, 120, 200] {
            let text = render(&fixtures::report(), width);
            assert!(max_line_width(&text) <= width, "width {width}:\n{text}");
        }
        let text = render(&fixtures::big_report(2000, 365), 60);
        assert!(max_line_width(&text) <= 60, "{text}");
    }

    #[test]
    fn narrow_terminals_get_the_long_form_and_numbers_stay_whole() {
        let mut report = fixtures::report();
        report.series[0].name = "a very long model name that cannot possibly fit".into();
        report.series[0].points[0].value = 123_456_789_012.25;
        let text = render(&report, 60);
        assert!(text.contains("one row per series"), "{text}");
        assert!(text.contains("123456789012.45"), "{text}");
        assert!(text.contains('…'));
        assert!(max_line_width(&text) <= 60, "{text}");
        // Far too narrow: the line grows rather than a number being cut.
        let text = render(&report, 20);
        assert!(text.contains("123456789012.45"), "{text}");
    }

    #[test]
    fn many_series_show_the_top_by_total_plus_others() {
        let report = fixtures::big_report(2000, 365);
        let text = render(&report, 200);
        assert!(
            text.contains("showing 59 of 2000 series, largest totals first"),
            "{text}"
        );
        assert!(text.contains("others (1941 series)"));
        // The largest total comes first: spec-1999.
        let first_row = text.lines().find(|l| l.contains("spec-")).unwrap();
        assert!(first_row.contains("spec-1999"), "{first_row}");
        assert!(!text.contains("spec-1940 "));
        assert!(text.contains("spec-1941"));
        // Body rows: 59 series + others.
        let rows = text.lines().filter(|l| l.contains("spec-")).count();
        assert_eq!(rows, 59);
        // others = every series' total minus the shown ones, in seconds.
        let all: f64 = report.series.iter().filter_map(Series::total).sum();
        let shown: f64 = report.series[1941..].iter().filter_map(Series::total).sum();
        let others_line = text.lines().find(|l| l.contains("others (")).unwrap();
        assert!(
            others_line.contains(&format_value(all - shown)),
            "{others_line}"
        );
        assert!(others_line.contains("usage (seconds)"));
        assert!(max_line_width(&text) <= 200);
    }

    #[test]
    fn units_are_never_cut_and_a_metric_that_is_its_unit_shows_once() {
        let mut report = fixtures::report();
        report.series[0].metric = "total_amount".into();
        report.series[0].unit = Some("元".into());
        for width in [40, 50, 60, 80, 120, 200] {
            let text = render(&report, width);
            assert!(text.contains(" (元)"), "{width}:\n{text}");
            assert!(!text.contains("(tokens)"), "{width}:\n{text}");
            assert!(text.contains("(seconds)"), "{width}:\n{text}");
            assert!(text.contains("(tasks)"), "{width}:\n{text}");
        }
        let suffix = Some(" (seconds)");
        assert_eq!(fit_metric("usage (seconds)", suffix, 15), "usage (seconds)");
        assert_eq!(fit_metric("usage (seconds)", suffix, 14), "usa… (seconds)");
        assert_eq!(fit_metric("usage (seconds)", suffix, 12), "u… (seconds)");
        assert_eq!(metric_min_width("usage (seconds)", suffix), 11);
        assert_eq!(fit_metric("(元)", Some("(元)"), 2), "(元)");
    }

    #[test]
    fn others_with_different_units_are_not_added() {
        let mut report = fixtures::big_report(70, 3);
        for s in report.series.iter_mut().take(5) {
            s.unit = Some("tasks".into());
            s.metric = "count".into();
        }
        let options = RenderOptions {
            width: 120,
            max_table_rows: 10,
            ..RenderOptions::default()
        };
        let mut out = Vec::new();
        write(&report, &options, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let others = text
            .lines()
            .find(|l| l.contains("others (61 series)"))
            .unwrap();
        assert!(others.contains("mixed units"), "{others}");
        assert!(text.contains("not added up"));
    }

    #[test]
    fn many_buckets_fall_back_to_one_row_per_series() {
        let text = render(&fixtures::big_report(3, 90), 200);
        assert!(text.contains("more than 60 time buckets"), "{text}");
        assert!(text.contains("2025-01-01 → 2025-03-31"), "{text}");
        assert!(!text.contains("showing"));
    }

    #[test]
    fn empty_report_says_so() {
        let report = Report::new(fixtures::query(Zone::UTC), Vec::new());
        let text = render(&report, 80);
        assert!(text.lines().any(|l| l == NO_DATA), "{text}");
        assert!(text.starts_with("2025-11-17 16:00 → 2025-11-19 15:59:59 (+00:00) · tz UTC\n"));
        let mut empty = fixtures::report();
        for s in &mut empty.series {
            s.points.clear();
        }
        assert!(render(&empty, 80).contains(NO_DATA));
    }

    #[test]
    fn no_colour_means_no_escape_codes_and_colour_means_some() {
        let text = render(&fixtures::report(), 200);
        assert!(!text.contains('\u{1b}'));
        let options = RenderOptions {
            width: 200,
            color: true,
            ..RenderOptions::default()
        };
        let mut out = Vec::new();
        write(&fixtures::report(), &options, &mut out).unwrap();
        assert!(String::from_utf8(out).unwrap().contains('\u{1b}'));
    }

    #[test]
    fn control_characters_in_names_do_not_break_rows() {
        let mut report = fixtures::report();
        report.series[0].name = "evil\nname\u{1b}[31m".into();
        let text = render(&report, 200);
        assert!(!text.contains('\u{1b}'));
        assert!(text.contains("evil name [31m"));
    }

    #[test]
    fn units_are_never_added_across_columns() {
        // Two series, different units, same day: two columns, two totals, no sum.
        let t = fixtures::t("2025-11-18T00:00:00+08:00");
        let a = fixtures::series(
            "p",
            "s",
            "a",
            "usage",
            Some("seconds"),
            Some(Granularity::Day),
            vec![Point::new(t, 2.0)],
        );
        let b = fixtures::series(
            "p",
            "s",
            "b",
            "count",
            Some("tasks"),
            Some(Granularity::Day),
            vec![Point::new(t, 3.0)],
        );
        let report = Report::new(fixtures::query(Zone::UTC), vec![a, b]);
        let text = render(&report, 100);
        let total = text.lines().find(|l| l.starts_with("│ total ")).unwrap();
        assert!(
            total.contains('2') && total.contains('3') && !total.contains('5'),
            "{total}"
        );
    }

    #[test]
    fn repeated_wall_clock_hours_show_their_offsets() {
        let ny: Zone = "America/New_York".parse().unwrap();
        let points = vec![
            Point::new(fixtures::t("2025-11-02T05:30:00Z"), 1.0),
            Point::new(fixtures::t("2025-11-02T06:30:00Z"), 2.0),
        ];
        let s = fixtures::series("p", "s", "x", "m", None, Some(Granularity::Hour), points);
        let report = Report::new(fixtures::query(ny), vec![s]);
        let text = render(&report, 100);
        assert!(text.contains("2025-11-02 01:30 -04:00"), "{text}");
        assert!(text.contains("2025-11-02 01:30 -05:00"), "{text}");
    }

    #[test]
    fn series_of_the_same_name_from_two_accounts_say_their_account() {
        let report = fixtures::two_accounts();
        let wide = render(&report, 200);
        insta::assert_snapshot!("wide_two_accounts", wide);
        let header = wide.lines().nth(2).unwrap();
        for column in [
            "Claude Messages [account=team-a]",
            "Claude Messages [account=team-b]",
            "Midjourney Imagine [account=team-a]",
            "Midjourney Imagine [account=team-b]",
        ] {
            assert_eq!(header.matches(column).count(), 1, "{column}:\n{wide}");
        }
        assert!(header.contains(" Suno Music "), "{wide}");
        assert!(!wide.contains("api="), "{wide}");
        // Too many buckets for the wide form: one row per series, the accounts whole.
        let mut report = report;
        for s in &mut report.series {
            for day in 20..25 {
                let time = fixtures::t(&format!("2025-11-{day}T00:00:00+00:00"));
                s.points.push(Point::new(time, 1.0));
            }
        }
        let mut options = RenderOptions {
            width: 100,
            max_table_rows: 6,
            ..RenderOptions::default()
        };
        let mut out = Vec::new();
        write(&report, &options, &mut out).unwrap();
        let long = String::from_utf8(out).unwrap();
        insta::assert_snapshot!("long_two_accounts_100", long);
        assert!(long.contains("one row per series"), "{long}");
        assert!(long.contains("Claude Messages [account=team-b]"), "{long}");
        // At 40 the names are cut, and past a few columns of name the labels give only
        // their values.
        options.width = 40;
        let mut out = Vec::new();
        write(&report, &options, &mut out).unwrap();
        let long = String::from_utf8(out).unwrap();
        assert!(max_line_width(&long) <= 40, "{long}");
        for account in ["[team-a]", "[team-b]"] {
            assert_eq!(long.matches(account).count(), 2, "{account}:\n{long}");
        }
        assert!(long.contains("Suno Music"), "{long}");
    }

    #[test]
    fn truncate_end_keeps_the_start() {
        assert_eq!(truncate_end("usage (seconds)", 11), "usage (sec…");
        assert_eq!(truncate_end("usage", 11), "usage");
        assert_eq!(truncate_end("abc", 1), "…");
        assert_eq!(truncate_end("abc", 0), "");
        assert!(display_width(&truncate_end("可灵视频生成模型", 6)) <= 6);
    }

    #[test]
    fn truncate_middle_keeps_both_ends() {
        assert_eq!(truncate_middle("Kling2.0&2.1std_720P", 12), "Kling2…_720P");
        assert_eq!(truncate_middle("short", 12), "short");
        assert_eq!(truncate_middle("abcdef", 1), "…");
        assert_eq!(truncate_middle("abcdef", 0), "");
        // Wide characters count two columns.
        let cut = truncate_middle("可灵视频生成模型高级版", 9);
        assert!(display_width(&cut) <= 9, "{cut}");
        assert!(cut.contains('…'));
    }
}
