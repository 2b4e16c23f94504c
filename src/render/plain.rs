//! Borderless tables (`forecast`, `prices check`): columns padded to their widest cell,
//! two spaces apart, fitted to the terminal's width the way the boxed tables are — first
//! the columns that are only nice to have go (a sparkline), then long texts are shortened
//! in the middle with `…`, then the columns that can be spared go; numbers and units are
//! never cut, so past that a line is longer rather than a number shorter.

use unicode_width::UnicodeWidthStr;

use super::table::{truncate_end, truncate_middle};

/// Between two columns.
const GAP: &str = "  ";

/// Where a cut column loses its text: `Middle` keeps both ends (names: `Kling…_720P`),
/// `End` keeps the start (sources: `modelro…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutAt {
    Middle,
    End,
}

/// A column that may be shortened, down to `min` columns.
#[derive(Debug, Clone, Copy)]
pub struct Cut {
    pub column: usize,
    pub min: usize,
    pub at: CutAt,
}

/// A table's cells (a header, if any, is its first row) and how it gives way.
#[derive(Debug, Default)]
pub struct Plain {
    pub rows: Vec<Vec<String>>,
    /// Right-aligned columns (numbers).
    pub right: Vec<bool>,
    /// Columns left out, in this order, before anything is cut.
    pub drop_first: Vec<usize>,
    /// Columns shortened in the middle, in this order, each down to its minimum (or its
    /// natural width when that is smaller) before the next is cut.
    pub cut: Vec<Cut>,
    /// Columns left out, in this order, when cutting to the minimums is not enough.
    pub drop_later: Vec<usize>,
}

/// The lines of a fitted table and the columns it left out.
#[derive(Debug)]
pub struct Fitted {
    pub lines: Vec<String>,
    pub dropped: Vec<usize>,
}

fn width_of(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// The line width of `columns` at `widths`.
fn line_width(columns: &[usize], widths: &[usize]) -> usize {
    columns.iter().map(|&c| widths[c]).sum::<usize>() + GAP.len() * columns.len().saturating_sub(1)
}

/// Widths with the `cut` columns shortened, in order, until `columns` fit `width` (or
/// every cut column is at its minimum).
fn cut_to(plain: &Plain, natural: &[usize], columns: &[usize], width: usize) -> Vec<usize> {
    let mut widths = natural.to_vec();
    for cut in plain.cut.iter().filter(|cut| columns.contains(&cut.column)) {
        let excess = line_width(columns, &widths).saturating_sub(width);
        let room = widths[cut.column].saturating_sub(cut.min);
        widths[cut.column] -= excess.min(room);
    }
    widths
}

impl Plain {
    pub fn fit(&self, width: usize) -> Fitted {
        let count = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let natural: Vec<usize> = (0..count)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|t| width_of(t))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut columns: Vec<usize> = (0..count).collect();
        let mut dropped = Vec::new();
        for &c in &self.drop_first {
            if line_width(&columns, &natural) > width {
                columns.retain(|&k| k != c);
                dropped.push(c);
            }
        }
        let mut widths = cut_to(self, &natural, &columns, width);
        for &c in &self.drop_later {
            if line_width(&columns, &widths) <= width {
                break;
            }
            columns.retain(|&k| k != c);
            dropped.push(c);
            // What is left may need less cutting.
            widths = cut_to(self, &natural, &columns, width);
        }
        let lines = self
            .rows
            .iter()
            .map(|row| {
                let mut line = String::new();
                for (i, &c) in columns.iter().enumerate() {
                    let text = row.get(c).map_or("", String::as_str);
                    let text = match self.cut.iter().find(|cut| cut.column == c) {
                        Some(Cut { at: CutAt::End, .. }) => truncate_end(text, widths[c]),
                        Some(Cut {
                            at: CutAt::Middle, ..
                        }) => truncate_middle(text, widths[c]),
                        // Never cut: a longer line rather than a shorter number.
                        None => text.to_string(),
                    };
                    let pad = " ".repeat(widths[c].saturating_sub(width_of(&text)));
                    if i > 0 {
                        line.push_str(GAP);
                    }
                    if self.right.get(c).copied().unwrap_or(false) {
                        line.push_str(&pad);
                        line.push_str(&text);
                    } else {
                        line.push_str(&text);
                        line.push_str(&pad);
                    }
                }
                line.trim_end().to_string()
            })
            .collect();
        Fitted { lines, dropped }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Plain {
        Plain {
            rows: vec![
                vec![
                    "series".into(),
                    "total".into(),
                    "note".into(),
                    "trend".into(),
                ],
                vec![
                    "a long series name".into(),
                    "12345".into(),
                    "元 ok".into(),
                    "▁▂▃".into(),
                ],
                vec!["short".into(), "7".into(), String::new(), "▃▂▁".into()],
            ],
            right: vec![false, true, false, false],
            drop_first: vec![3],
            cut: vec![Cut {
                column: 0,
                min: 8,
                at: CutAt::Middle,
            }],
            drop_later: vec![2],
        }
    }

    fn widest(fitted: &Fitted) -> usize {
        fitted.lines.iter().map(|l| width_of(l)).max().unwrap_or(0)
    }

    #[test]
    fn wide_enough_keeps_everything_aligned() {
        let fitted = table().fit(80);
        assert!(fitted.dropped.is_empty());
        assert_eq!(fitted.lines[0], "series              total  note   trend");
        assert_eq!(fitted.lines[1], "a long series name  12345  元 ok  ▁▂▃");
        assert_eq!(fitted.lines[2], "short                   7         ▃▂▁");
    }

    #[test]
    fn the_trend_goes_first_then_names_are_cut_then_spare_columns_go() {
        // Without the trend: 18 + 2 + 5 + 2 + 5 = 32.
        let fitted = table().fit(32);
        assert_eq!(fitted.dropped, [3]);
        assert_eq!(widest(&fitted), 32);
        let fitted = table().fit(26);
        assert_eq!(fitted.dropped, [3]);
        assert_eq!(fitted.lines[1], "a long… name  12345  元 ok");
        // The name at its minimum (8) is not enough: the note goes, and the name grows back.
        let fitted = table().fit(20);
        assert_eq!(fitted.dropped, [3, 2]);
        assert_eq!(fitted.lines[1], "a long…s name  12345");
        assert!(widest(&fitted) <= 20);
        // Numbers are never cut: too narrow means a longer line.
        let fitted = table().fit(5);
        assert_eq!(fitted.lines[1], "a lo…ame  12345");
    }
}
