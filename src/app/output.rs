//! Printing a command's result through the one stdout writer (`crate::output::Output`).

use std::io::Write;

use crate::error::Error;
use crate::render::{self, RenderOptions};
use crate::series::Report;

use super::Context;

type RenderFn = fn(&Report, render::Format, &RenderOptions, &mut dyn Write) -> std::io::Result<()>;

/// Renders into the command's one stdout writer.
fn print_with(ctx: &Context, report: &Report, render_fn: RenderFn) -> Result<(), Error> {
    unpriced_focus(ctx)?;
    let options = render_options(ctx, report);
    ctx.output
        .write_with(|out| render_fn(report, ctx.format, &options, out))?;
    Ok(())
}

/// `-o focus` is printed from the priced series (`exports::print_focus`), never from a
/// report: reaching a renderer with it is a bug, not an empty file.
fn unpriced_focus(ctx: &Context) -> Result<(), Error> {
    match ctx.format {
        render::Format::Focus => Err(Error::Internal(
            "-o focus reached a renderer without its priced series".to_string(),
        )),
        _ => Ok(()),
    }
}

fn render_options(ctx: &Context, report: &Report) -> RenderOptions {
    RenderOptions {
        width: ctx.terminal.width,
        color: ctx.terminal.color,
        no_header: ctx.global.no_header,
        now: ctx.now,
        asked_sources: super::exports::asked_sources(report),
        ..RenderOptions::default()
    }
}

pub fn print_report(ctx: &Context, report: &Report) -> Result<(), Error> {
    print_with(ctx, report, render::render)
}

/// `--dry-run`: the signed requests, redacted, separated by blank lines.
pub fn print_dry_run(ctx: &Context) -> Result<(), Error> {
    let requests = ctx.transport.take_dry_run_requests();
    ctx.output.write_with(|out| {
        for (i, request) in requests.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            write!(out, "{request}")?;
        }
        Ok(())
    })?;
    if !ctx.global.quiet {
        crate::term::line_to_stderr(&format!(
            "dry run: {} request{} built and signed, nothing sent",
            requests.len(),
            if requests.len() == 1 { "" } else { "s" }
        ));
    }
    Ok(())
}

/// `report`: the summary with trends above the breakdown by source for a table.
pub fn print_combined(ctx: &Context, report: &Report, per_source: &[Report]) -> Result<(), Error> {
    unpriced_focus(ctx)?;
    let options = render_options(ctx, report);
    ctx.output
        .write_with(|out| render::render_combined(report, per_source, ctx.format, &options, out))?;
    Ok(())
}
