//! The one path from series to stdout shared by every usage command and `report`: window
//! the series to the range, build the query, print.

use crate::error::Error;
use crate::providers::{Fetched, Note, UsageCommand};
use crate::render::number;
use crate::series::{Query, Report};
use crate::timerange::TimeRange;

use super::{output, Context};

/// The query of a run over `range` made of `commands` (`vod usage`, `report vod`, ...).
pub fn query(ctx: &Context, range: &TimeRange, commands: Vec<String>) -> Query {
    Query {
        start: range.start,
        end: range.end,
        tz: ctx.zone,
        commands,
    }
}

/// The end of every usage command: the notes warned about, the series printed as the
/// report of `command`.
pub fn print(
    ctx: &Context,
    command: &str,
    range: &TimeRange,
    fetched: Fetched,
) -> Result<(), Error> {
    warn_notes(ctx, &fetched.notes);
    let query = query(ctx, range, vec![command.to_string()]);
    output::print_report(ctx, &Report::new(query, fetched.series))
}

/// A provider's notes, worded, on stderr (unless `--quiet`).
pub fn warn_notes(ctx: &Context, notes: &[Note]) {
    for note in notes {
        ctx.warn(&note_text(note));
    }
}

fn note_text(note: &Note) -> String {
    match note {
        Note::OutsideRange { label, dropped } => format!(
            "{label} answered {dropped} point{} outside the requested range; {} dropped",
            if *dropped == 1 { "" } else { "s" },
            if *dropped == 1 { "it was" } else { "they were" }
        ),
        Note::TotalMismatch {
            label,
            total,
            sum,
            rows,
        } => format!(
            "{label}: the answer's total {} differs from the sum of its rows {} ({rows} rows)",
            number::format_value(*total),
            number::format_value(*sum),
        ),
    }
}

/// Every usage command: resolve the range, fetch, print.
pub async fn run(ctx: &Context, command: &dyn UsageCommand) -> Result<(), Error> {
    let range = ctx.range(command.range())?;
    let input = ctx.fetch_input(range, &[]);
    // A usage command can wait minutes (timeouts, retries): say what it waits for.
    let spinner = crate::term::Spinner::start(
        ctx.terminal.stderr_is_tty && !ctx.global.quiet && !ctx.global.dry_run,
        vec![command.name().to_string()],
    );
    let fetched = command.fetch(&input).await;
    spinner.stop();
    print(ctx, command.name(), &range, fetched?)
}
