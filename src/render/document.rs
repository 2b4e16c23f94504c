//! The one renderer of a provider-neutral [`Document`] in every output format.

use std::io::{self, Write};

use comfy_table::{presets, CellAlignment, ContentArrangement, Table};

use super::Format;
use crate::document::{Document, Grid, Text};

/// Writes `document` in `format`. Prom and focus are refused for these commands before
/// anything is sent; they print the table format.
pub fn write(document: &Document, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Table | Format::Prom | Format::Focus => write_text(&document.text, out),
        Format::Json => {
            document.json.write_json(out, true)?;
            writeln!(out)
        }
        Format::Ndjson => {
            for line in &document.ndjson {
                line.write_json(out, false)?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Csv => write_csv(&document.csv, out),
    }
}

fn write_text(text: &Text, out: &mut dyn Write) -> io::Result<()> {
    match text {
        Text::Lines(lines) => {
            for line in lines {
                writeln!(out, "{line}")?;
            }
            Ok(())
        }
        Text::Table {
            grid, when_empty, ..
        } if grid.rows.is_empty() => writeln!(out, "{when_empty}"),
        Text::Table {
            title,
            grid,
            right_aligned,
            ..
        } => writeln!(out, "{title}\n{}", table(grid, right_aligned)),
    }
}

fn table(grid: &Grid, right_aligned: &[usize]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .apply_modifier(comfy_table::modifiers::UTF8_ROUND_CORNERS)
        .set_content_arrangement(ContentArrangement::Disabled)
        .force_no_tty()
        .set_header(&grid.header);
    for row in &grid.rows {
        table.add_row(row);
    }
    for &column in right_aligned {
        if let Some(c) = table.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// Rows are built in memory and written once, so that the csv writer never flushes the
/// stream it would otherwise wrap.
fn write_csv(grid: &Grid, out: &mut dyn Write) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&grid.header)?;
    for row in &grid.rows {
        writer.write_record(row)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| io::Error::other(e.error().to_string()))?;
    out.write_all(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Row {
        name: &'static str,
        n: u32,
    }

    fn document(rows: Vec<Vec<String>>) -> Document {
        let grid = Grid {
            header: vec!["name".into(), "n".into()],
            rows,
        };
        Document {
            text: Text::Table {
                title: "Title".into(),
                grid: grid.clone(),
                right_aligned: vec![1],
                when_empty: "Nothing.".into(),
            },
            json: Box::new(Row { name: "a", n: 1 }),
            ndjson: vec![
                Box::new(Row { name: "a", n: 1 }),
                Box::new(Row { name: "b", n: 22 }),
            ],
            csv: grid,
        }
    }

    fn rendered(document: &Document, format: Format) -> String {
        let mut out = Vec::new();
        write(document, format, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_format_prints_its_own_form() {
        let doc = document(vec![
            vec!["a".into(), "1".into()],
            vec!["b, c".into(), "22".into()],
        ]);
        assert_eq!(
            rendered(&doc, Format::Table),
            "Title\n╭──────┬────╮\n│ name ┆  n │\n╞══════╪════╡\n│ a    ┆  1 │\n│ b, c ┆ 22 │\n╰──────┴────╯\n"
        );
        assert_eq!(
            rendered(&doc, Format::Json),
            "{\n  \"name\": \"a\",\n  \"n\": 1\n}\n"
        );
        assert_eq!(
            rendered(&doc, Format::Ndjson),
            "{\"name\":\"a\",\"n\":1}\n{\"name\":\"b\",\"n\":22}\n"
        );
        assert_eq!(rendered(&doc, Format::Csv), "name,n\na,1\n\"b, c\",22\n");
    }

    #[test]
    fn an_empty_table_is_its_message_and_lines_are_lines() {
        let doc = document(Vec::new());
        assert_eq!(rendered(&doc, Format::Table), "Nothing.\n");
        assert_eq!(rendered(&doc, Format::Csv), "name,n\n");
        let lines = Document {
            text: Text::Lines(vec!["one".into(), "two".into()]),
            ..document(Vec::new())
        };
        assert_eq!(rendered(&lines, Format::Table), "one\ntwo\n");
    }
}
