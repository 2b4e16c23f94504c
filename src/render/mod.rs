//! Renderers: each output format writes a [`Report`] to a `&mut dyn Write` (spec §5).
//!
//! One module per format, one entry point each; nothing here touches HTTP, the
//! environment or the clock. The caller hands in a buffered writer and flushes it once;
//! renderers never flush.

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::error::Error;
use crate::series::Report;

pub mod csv;
pub mod document;
pub mod focus;
pub mod json;
pub mod names;
pub mod ndjson;
pub mod plain;
pub mod prom;
pub mod summary;
pub mod table;
pub mod time;

#[cfg(test)]
mod fixtures;

/// `-o, --output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Ndjson,
    Csv,
    /// Prometheus text exposition (spec §11).
    Prom,
    /// FOCUS 1.2 CSV (spec §11); written by the app from priced series, implies `--cost`.
    Focus,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Table,
        Format::Json,
        Format::Ndjson,
        Format::Csv,
        Format::Prom,
        Format::Focus,
    ];

    /// The names `-o` takes, in the order help lists them.
    pub const NAMES: [&'static str; 6] = ["table", "json", "ndjson", "csv", "prom", "focus"];

    pub fn as_str(&self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
            Format::Prom => "prom",
            Format::Focus => "focus",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                Error::usage(format!(
                    "invalid output format '{s}': choose one of {}",
                    Format::NAMES.join(", ")
                ))
            })
    }
}

/// What the table needs to know about the terminal (decided once, in `main`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// Terminal columns: the table is never wider (numbers excepted: they are never cut).
    pub width: usize,
    /// ANSI styling in the table.
    pub color: bool,
    /// At most this many body rows in a table (time rows, or series rows in the long form).
    pub max_table_rows: usize,
    /// `--no-header`: CSV without its header line.
    pub no_header: bool,
    /// `-o prom`: when the output is made (`aigcusage_last_run_timestamp_seconds`).
    pub now: DateTime<Utc>,
    /// `-o prom`: every (provider, source) that was asked, for `aigcusage_provider_up`
    /// (a failed one is down when the report's failures name it).
    pub asked_sources: Vec<(String, String)>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            width: 80,
            color: false,
            max_table_rows: 60,
            no_header: false,
            now: DateTime::UNIX_EPOCH,
            asked_sources: Vec::new(),
        }
    }
}

/// Writes `report` in `format`. Does not flush `out`.
pub fn render(
    report: &Report,
    format: Format,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => {
            table::write(report, options, out)?;
            write_cost_totals(report, out)
        }
        Format::Json => json::write(report, out),
        Format::Ndjson => ndjson::write(report, out),
        Format::Csv => csv::write(report, options.no_header, out),
        Format::Prom => write_prom(report, options, out),
        // FOCUS rows are cost points with their quantities and the providers' names, which
        // only the app has (it prices the series first); a report alone cannot make them.
        Format::Focus => Err(io::Error::other(
            "internal error: -o focus is written from priced series by the app",
        )),
    }
}

/// `-o prom` of a report: totals as `aigcusage_value` (cost series, metric `cost`, as
/// `aigcusage_cost`), every asked source up unless the report's failures name it.
fn write_prom(report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let (costs, values): (Vec<_>, Vec<_>) = report
        .series
        .iter()
        .cloned()
        .partition(|s| s.metric == crate::cost::price::COST_METRIC);
    let failures = report.failures.as_deref().unwrap_or(&[]);
    let mut asked: Vec<(&str, &str)> = options
        .asked_sources
        .iter()
        .map(|(p, s)| (p.as_str(), s.as_str()))
        .chain(
            report
                .series
                .iter()
                .map(|s| (s.provider.as_str(), s.source.as_str())),
        )
        .chain(
            failures
                .iter()
                .map(|f| (f.provider.as_str(), f.source.as_str())),
        )
        .collect();
    asked.sort_unstable();
    asked.dedup();
    let sources = prom::source_statuses(asked, failures);
    prom::write(
        &prom::PromInput {
            values: &values,
            costs: &costs,
            total: &|s: &crate::series::Series| s.total(),
            range_start: report.query.start,
            range_end: report.query.end,
            sources: &sources,
            generated_at: options.now,
        },
        out,
    )
}

/// `report`'s output: `report` is every source together, `per_source` the same series
/// kept apart, one report per source in the order to print them. For a table: the
/// per-series summary with trends, then the breakdown by bucket as one table per source
/// (so that each fits side by side, time rows by series columns); the other formats carry
/// the same data as for any report.
pub fn render_combined(
    report: &Report,
    per_source: &[Report],
    format: Format,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    if format != Format::Table {
        return render(report, format, options, out);
    }
    summary::write(report, options, out)?;
    for part in per_source.iter().filter(|part| !part.series.is_empty()) {
        writeln!(out)?;
        table::write(part, options, out)?;
    }
    write_cost_totals(report, out)
}

/// `--cost` in a table: a blank line, then the total per currency.
fn write_cost_totals(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    match &report.cost {
        Some(summary) => {
            writeln!(out)?;
            table::write_cost_totals(summary, out)
        }
        None => Ok(()),
    }
}

/// A large buffer in front of `out` for the streaming formats: a few big writes instead
/// of many small virtual calls. Dropping it (or [`finish`]) hands the rest to `out`
/// without flushing `out` itself.
///
/// Larger than the caller's own buffer (256 KiB on stdout): a `BufWriter` passes writes
/// at least as large as its capacity straight through, so the bytes are not copied a
/// second time into the caller's buffer.
pub(crate) fn buffered(out: &mut dyn Write) -> io::BufWriter<&mut dyn Write> {
    io::BufWriter::with_capacity(1024 * 1024, out)
}

/// Writes what is left in the buffer to the inner writer (not flushing the inner writer),
/// reporting the error that dropping would swallow.
pub(crate) fn finish(buffer: io::BufWriter<&mut dyn Write>) -> io::Result<()> {
    buffer.into_inner().map(|_| ()).map_err(|e| e.into_error())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_parses_case_insensitively() {
        assert_eq!("table".parse::<Format>().unwrap(), Format::Table);
        assert_eq!("JSON".parse::<Format>().unwrap(), Format::Json);
        assert_eq!("NdJson".parse::<Format>().unwrap(), Format::Ndjson);
        assert_eq!(" csv ".parse::<Format>().unwrap(), Format::Csv);
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>().unwrap(), f);
            assert_eq!(f.to_string(), f.as_str());
        }
    }

    #[test]
    fn unknown_format_is_a_usage_error_listing_the_choices() {
        let err = "yaml".parse::<Format>().unwrap_err();
        assert_eq!(err.exit_code(), crate::error::exit::USAGE);
        let msg = err.to_string();
        for choice in ["table", "json", "ndjson", "csv", "prom", "focus", "yaml"] {
            assert!(msg.contains(choice), "{msg}");
        }
    }

    #[test]
    fn render_dispatches_every_format() {
        let report = fixtures::report();
        for f in Format::ALL.into_iter().filter(|f| *f != Format::Focus) {
            let mut out = Vec::new();
            render(&report, f, &RenderOptions::default(), &mut out).unwrap();
            assert!(!out.is_empty(), "{f}");
        }
    }

    /// A writer that fails on flush: renderers must never flush.
    struct NoFlush(Vec<u8>);

    impl Write for NoFlush {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::other("renderers must not flush"))
        }
    }

    #[test]
    fn renderers_do_not_flush() {
        let report = fixtures::report();
        for f in Format::ALL.into_iter().filter(|f| *f != Format::Focus) {
            let mut out = NoFlush(Vec::new());
            render(&report, f, &RenderOptions::default(), &mut out).unwrap();
        }
    }
}
