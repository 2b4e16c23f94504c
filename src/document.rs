//! A provider-neutral output document: what a command prints, given in each form the
//! output formats need, so that one renderer (`render::document`) prints every format and
//! the command knows none of them.

use std::io::{self, Write};

use serde::Serialize;

/// One command's output in every form: the table format's text, the JSON document, the
/// NDJSON lines and the CSV rows.
pub struct Document {
    pub text: Text,
    /// `-o json`: pretty-printed, then a newline.
    pub json: Box<dyn JsonValue>,
    /// `-o ndjson`: one compact line each.
    pub ndjson: Vec<Box<dyn JsonValue>>,
    /// `-o csv`: the header line, then the rows.
    pub csv: Grid,
}

/// The table format of a document.
pub enum Text {
    /// Lines as they are (a confirmation sentence).
    Lines(Vec<String>),
    /// A title line, then a table; `when_empty` alone when there are no rows.
    Table {
        title: String,
        grid: Grid,
        /// Columns whose cells are right-aligned (numbers), by index.
        right_aligned: Vec<usize>,
        when_empty: String,
    },
}

/// A header and rows of cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grid {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Grid {
    pub fn new(header: &[&str]) -> Self {
        Self {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }
}

/// A value that writes itself as JSON (any `Serialize`): documents keep their own field
/// order, which a `serde_json::Value` would sort.
pub trait JsonValue {
    fn write_json(&self, out: &mut dyn Write, pretty: bool) -> io::Result<()>;
}

impl<T: Serialize> JsonValue for T {
    fn write_json(&self, out: &mut dyn Write, pretty: bool) -> io::Result<()> {
        if pretty {
            serde_json::to_writer_pretty(out, self)?;
        } else {
            serde_json::to_writer(out, self)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Ordered {
        zulu: u8,
        alpha: u8,
    }

    #[test]
    fn json_keeps_the_field_order_of_the_value() {
        let value: Box<dyn JsonValue> = Box::new(Ordered { zulu: 1, alpha: 2 });
        let mut out = Vec::new();
        value.write_json(&mut out, false).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"zulu":1,"alpha":2}"#);
    }

    #[test]
    fn a_grid_starts_with_its_header_and_no_rows() {
        let grid = Grid::new(&["a", "b"]);
        assert_eq!(grid.header, ["a", "b"]);
        assert!(grid.rows.is_empty());
    }
}
