//! The head of `report`'s table: one row per provider / series / metric with its total,
//! unit and a sparkline of its buckets, so a trend is seen at a glance.

use std::collections::BTreeSet;
use std::io::{self, Write};

use chrono::NaiveDateTime;
use comfy_table::{Cell, CellAlignment};

use super::number::format_value;
use super::table::{new_table, truncate_middle};
use super::RenderOptions;
use crate::series::Report;

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

/// Sums neighbouring buckets so that at most `max` remain.
fn squeeze(values: Vec<Option<f64>>, max: usize) -> Vec<Option<f64>> {
    if values.len() <= max || max == 0 {
        return values;
    }
    let group = values.len().div_ceil(max);
    values
        .chunks(group)
        .map(|chunk| chunk.iter().flatten().copied().reduce(|a, b| a + b))
        .collect()
}

pub fn write(report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    // One sparkline slot per bucket seen in any series, so trends line up. Slots are
    // wall-clock starts: a day that starts at midnight +08:00 and one that starts at
    // midnight UTC are the same calendar day, in the same slot.
    let buckets: BTreeSet<NaiveDateTime> = report
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.time.naive_local()))
        .collect();
    let mut table = new_table(options);
    table.set_header(["provider", "series", "metric", "total", "unit", "trend"]);
    for series in &report.series {
        let values: Vec<Option<f64>> = buckets
            .iter()
            .map(|b| {
                series
                    .points
                    .iter()
                    .filter(|p| p.time.naive_local() == *b)
                    .map(|p| p.value)
                    .reduce(|a, b| a + b)
            })
            .collect();
        let mut trend = sparkline(&squeeze(values, MAX_SPARK));
        if series.points.last().is_some_and(|p| p.partial) {
            trend.push_str(PARTIAL_MARK);
        }
        let total = format_value(series.total());
        table.add_row(vec![
            Cell::new(format!("{} {}", series.provider, series.source)),
            Cell::new(truncate_middle(&series.name, MAX_NAME)),
            Cell::new(&series.metric),
            Cell::new(total).set_alignment(CellAlignment::Right),
            Cell::new(series.unit.as_deref().unwrap_or("-")),
            Cell::new(trend),
        ]);
    }
    if report.series.is_empty() {
        writeln!(out, "no data for this range")?;
        return Ok(());
    }
    for line in table.lines() {
        writeln!(out, "{line}")?;
    }
    if report
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
    fn long_series_are_squeezed_by_summing_neighbours() {
        let values: Vec<Option<f64>> = (0..100).map(|i| Some(i as f64)).collect();
        let squeezed = squeeze(values, 32);
        assert!(squeezed.len() <= 32);
        assert_eq!(squeezed[0], Some(0.0 + 1.0 + 2.0 + 3.0));
        assert_eq!(
            squeeze(vec![None, None, Some(1.0)], 2),
            vec![None, Some(1.0)]
        );
    }
}
