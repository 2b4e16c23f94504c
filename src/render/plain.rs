//! Borderless tables (`forecast`, `prices check`): columns padded to their widest cell,
//! two spaces apart, fitted to the terminal's width the way the boxed tables are — first
//! the columns that are only nice to have go (a sparkline), then long texts are shortened
//! in the middle with `…`, then the columns that can be spared go; numbers and units are
//! never cut, so past that a line is longer rather than a number shorter.

use unicode_width::UnicodeWidthStr;

use super::names::{fit_name, name_min_width, Suffix};
use super::table::{truncate_end, truncate_middle};

/// Between two columns.
const GAP: &str = "  ";

/// Where a cut column loses its text: `Middle` keeps both ends (names: `Kling…_720P`),
/// `End` keeps the start (sources: `modelro…`), `Name` is `Middle` for a series' name
/// that ends with its row's [`Plain::suffixes`], which is kept (`Kl…0P [account=a]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutAt {
    Middle,
    End,
    Name,
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
    /// Per row, what tells its series apart from another of the same name
    /// ([`crate::render::names`]): the `CutAt::Name` cell ends with ` ` and its full text.
    pub suffixes: Vec<Option<Suffix>>,
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
        let min = match cut.at {
            // The suffixes are kept whole.
            CutAt::Name => (0..plain.rows.len())
                .filter_map(|r| plain.name_parts(r, cut.column))
                .map(|(name, suffix)| name_min_width(name, Some(suffix)))
                .fold(cut.min, usize::max),
            _ => cut.min,
        };
        let room = widths[cut.column].saturating_sub(min);
        widths[cut.column] -= excess.min(room);
    }
    widths
}

impl Plain {
    /// A `CutAt::Name` cell's name and the suffix it ends with, when its row has one.
    fn name_parts(&self, row: usize, column: usize) -> Option<(&str, &Suffix)> {
        let suffix = self.suffixes.get(row)?.as_ref()?;
        let text = self.rows.get(row)?.get(column)?;
        let name = text.strip_suffix(suffix.full.as_str())?.strip_suffix(' ')?;
        Some((name, suffix))
    }

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
            .enumerate()
            .map(|(r, row)| {
                let mut line = String::new();
                for (i, &c) in columns.iter().enumerate() {
                    let text = row.get(c).map_or("", String::as_str);
                    let text = match self.cut.iter().find(|cut| cut.column == c) {
                        Some(Cut { at: CutAt::End, .. }) => truncate_end(text, widths[c]),
                        Some(Cut {
                            at: CutAt::Name, ..
                        }) => match self.name_parts(r, c) {
                            Some((name, suffix)) => fit_name(name, Some(suffix), widths[c]),
                            None => truncate_middle(text, widths[c]),
                        },
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
            suffixes: Vec::new(),
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

    #[test]
    fn a_name_is_cut_before_what_tells_it_apart() {
        let suffix = |account: &str| Suffix {
            full: format!("[account={account}]"),
            short: format!("[{account}]"),
        };
        let plain = Plain {
            rows: vec![
                vec!["series".into(), "total".into()],
                vec!["Claude Messages [account=team-a]".into(), "1".into()],
                vec!["Claude Messages [account=team-b]".into(), "2".into()],
                vec!["Suno Music".into(), "3".into()],
            ],
            right: vec![false, true],
            cut: vec![Cut {
                column: 0,
                min: 8,
                at: CutAt::Name,
            }],
            suffixes: vec![None, Some(suffix("team-a")), Some(suffix("team-b")), None],
            ..Plain::default()
        };
        let fitted = plain.fit(80);
        assert_eq!(fitted.lines[1], "Claude Messages [account=team-a]      1");
        let fitted = plain.fit(32);
        assert_eq!(fitted.lines[1], "Clau…ges [account=team-a]      1");
        assert_eq!(fitted.lines[3], "Suno Music                     3");
        // Less than 8 columns of name left: the labels' values alone.
        let fitted = plain.fit(30);
        assert_eq!(fitted.lines[1], "Claude …ssages [team-a]      1");
        // The labels are kept (their values at least) even past the column's minimum.
        let fitted = plain.fit(10);
        assert_eq!(fitted.lines[2], "… [team-b]      2");
    }
}
