//! (v3) `history status|export|import` (spec §10).

use std::io::BufReader;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use crate::cli::{HistoryCommand, RangeOpts};
use crate::error::Error;
use crate::providers;
use crate::render::Format;
use crate::store::{export, Filter, SourceStatus};
use crate::timestamp::rfc3339;

use super::store::{export_range, interruptible, open};
use super::Context;

pub async fn run(ctx: &Context, command: &HistoryCommand) -> Result<(), Error> {
    match command {
        HistoryCommand::Status => status(ctx).await,
        HistoryCommand::Export { range } => export_rows(ctx, range).await,
        HistoryCommand::Import { file } => import(ctx, file).await,
    }
}

/// §10's `history status -o json` document, keys in the spec's order.
#[derive(Serialize)]
struct StatusDocument<'a> {
    schema_version: u32,
    store: String,
    sources: Vec<StatusOut<'a>>,
}

#[derive(Serialize)]
struct StatusOut<'a> {
    account: &'a str,
    provider: &'a str,
    source: &'a str,
    first: Option<String>,
    last: Option<String>,
    covered: Vec<RangeOut>,
    rows: u64,
    last_sync: Option<String>,
}

#[derive(Serialize)]
struct RangeOut {
    start: String,
    end: String,
}

async fn status(ctx: &Context) -> Result<(), Error> {
    let store = open(ctx).await?;
    let sources = store.status().await?;
    // Covered ranges and the last sync are instants: shown in --tz.
    let time = |t: &DateTime<FixedOffset>| rfc3339(&ctx.zone.localize(t));
    let optional = |t: &Option<DateTime<FixedOffset>>| t.as_ref().map(time);
    // The first and last point are buckets: shown in their provider's own calendar (the
    // offset they were stored with), whatever --tz (spec §5).
    let bucket = |t: &Option<DateTime<FixedOffset>>| t.as_ref().map(rfc3339);
    if ctx.format == Format::Json {
        let doc = StatusDocument {
            schema_version: 1,
            store: store.url().redacted(),
            sources: sources
                .iter()
                .map(|s: &SourceStatus| StatusOut {
                    account: &s.account,
                    provider: &s.provider,
                    source: &s.source,
                    first: bucket(&s.first),
                    last: bucket(&s.last),
                    covered: s
                        .covered
                        .iter()
                        .map(|r| RangeOut {
                            start: time(&r.start),
                            end: time(&r.end),
                        })
                        .collect(),
                    rows: s.rows,
                    last_sync: optional(&s.last_sync),
                })
                .collect(),
        };
        ctx.output.write_with(|out| {
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        })?;
        return Ok(());
    }
    let none = || "-".to_string();
    let rows: Vec<[String; 7]> = sources
        .iter()
        .map(|s| {
            [
                s.account.clone(),
                s.source.clone(),
                bucket(&s.first).unwrap_or_else(none),
                bucket(&s.last).unwrap_or_else(none),
                s.rows.to_string(),
                optional(&s.last_sync).unwrap_or_else(none),
                s.covered
                    .iter()
                    .map(|r| format!("{}..{}", time(&r.start), time(&r.end)))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    let mut text = format!("store: {}\n", store.url().redacted());
    if rows.is_empty() {
        text.push_str("(empty: run `aigcusage sync`)\n");
    } else {
        text.push_str(&aligned(
            &[
                "ACCOUNT",
                "SOURCE",
                "FIRST",
                "LAST",
                "ROWS",
                "LAST SYNC",
                "COVERED",
            ],
            &rows,
            &[4],
        ));
    }
    ctx.output
        .write_with(|out| out.write_all(text.as_bytes()))?;
    Ok(())
}

async fn export_rows(ctx: &Context, range: &RangeOpts) -> Result<(), Error> {
    let range = if range.start.is_some()
        || range.end.is_some()
        || range.last.is_some()
        || range.month.is_some()
    {
        Some(ctx.range(range)?)
    } else {
        None
    };
    let store = open(ctx).await?;
    let accounts = &ctx.global.accounts;
    let rows = match range {
        // The rows `--from-store` would read for this range, no more.
        Some(range) => export_range(store.as_ref(), accounts, &range, ctx.now).await?,
        None => {
            let filter = Filter {
                accounts: accounts.clone(),
                ..Filter::default()
            };
            store.export(&filter).await?
        }
    };
    ctx.output.write_with(|out| export::write(&rows, out))?;
    Ok(())
}

async fn import(ctx: &Context, file: &std::path::Path) -> Result<(), Error> {
    // Everything is parsed before the store is touched: a malformed line writes nothing.
    let rows = if file.as_os_str() == "-" {
        export::parse(std::io::stdin().lock(), "stdin", &known_source)?
    } else {
        let opened = std::fs::File::open(file)
            .map_err(|e| Error::usage(format!("cannot read {}: {e}", file.display())))?;
        export::parse(
            BufReader::new(opened),
            &file.display().to_string(),
            &known_source,
        )?
    };
    let written = interruptible(async {
        let store = open(ctx).await?;
        store.import(rows).await
    })
    .await?;
    if !ctx.global.quiet {
        eprintln!("imported {written} points");
    }
    Ok(())
}

/// Whether the registry has this (provider, source): rows of anything else would be
/// stored where no command reads them.
fn known_source(provider: &str, source: &str) -> Result<(), String> {
    if providers::sources().any(|(p, s)| p.id == provider && s.id == source) {
        return Ok(());
    }
    let known: Vec<String> = providers::sources()
        .map(|(p, s)| format!("{}/{}", p.id, s.id))
        .collect();
    Err(format!(
        "unknown provider/source \"{provider}/{source}\": expected one of {}",
        known.join(", ")
    ))
}

/// A plain aligned table: a header, then rows; columns in `right` are right-aligned.
pub(super) fn aligned<const N: usize>(
    header: &[&str; N],
    rows: &[[String; N]],
    right: &[usize],
) -> String {
    let mut widths: [usize; N] = [0; N];
    for (i, h) in header.iter().enumerate() {
        widths[i] = h.chars().count();
    }
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            let pad = widths[i] - cell.chars().count();
            if right.contains(&i) {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_right_align_numbers() {
        let text = aligned(
            &["SOURCE", "POINTS"],
            &[
                ["vod.aigc_usage".to_string(), "7".to_string()],
                ["acedata.api_usage".to_string(), "1234".to_string()],
            ],
            &[1],
        );
        insta::assert_snapshot!(text, @r"
        SOURCE             POINTS
        vod.aigc_usage          7
        acedata.api_usage    1234
        ");
    }
}
