//! The one path from series to stdout shared by every usage command and `report`: window
//! the series to the range, build the query, print.

use crate::error::Error;
use crate::number;
use crate::providers::{Fetched, Note, UsageCommand};
use crate::series::{Query, Report};
use crate::timerange::TimeRange;

use super::{cost, output, Context};

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
/// With `--cost`'s plan, costs replace the quantities.
pub fn print(
    ctx: &Context,
    command: &str,
    range: &TimeRange,
    fetched: Fetched,
    plan: Option<&cost::CostPlan>,
    gaps: Option<Vec<crate::store::Gap>>,
) -> Result<(), Error> {
    warn_notes(ctx, &fetched.notes);
    let query = query(ctx, range, vec![command.to_string()]);
    let Some(plan) = plan else {
        let mut report = Report::new(query, fetched.series);
        report.gaps = gaps;
        return output::print_report(ctx, &report);
    };
    if ctx.format == crate::render::Format::Focus {
        // FOCUS rows need each point's exact cost and quantity.
        let priced = cost::price_for_focus(plan, &fetched.series)?;
        super::exports::print_focus(ctx, &priced)?;
        cost::warn_unpriced(ctx, &priced);
        return Ok(());
    }
    let (mut priced, summary) = cost::price_series_owned(plan, fetched.series, false)?;
    // Moved, not copied: a large account's cost series are as long as its series.
    let series = std::mem::take(&mut priced.cost_series)
        .into_iter()
        .map(|c| c.series)
        .collect();
    let mut report = Report::new(query, series);
    report.cost = Some(summary);
    report.gaps = gaps;
    output::print_report(ctx, &report)?;
    cost::warn_unpriced(ctx, &priced);
    Ok(())
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

/// Every usage command: resolve the range, fetch (or read the store), print.
pub async fn run(ctx: &Context, command: &dyn UsageCommand) -> Result<(), Error> {
    let range = ctx.range(command.range())?;
    // A bad book or currency is found before anything is sent.
    let plan = ctx.wants_costs().then(|| cost::plan(ctx)).transpose()?;
    if ctx.global.from_store {
        return run_from_store(ctx, command, &range, plan.as_ref()).await;
    }
    let input = ctx.fetch_input(range, &[]);
    // A usage command can wait minutes (timeouts, retries): say what it waits for.
    let spinner = crate::term::Spinner::start(
        ctx.terminal.stderr_is_tty && !ctx.global.quiet && !ctx.global.dry_run,
        vec![command.name().to_string()],
    );
    let fetched = command.fetch(&input).await;
    spinner.stop();
    print(ctx, command.name(), &range, fetched?, plan.as_ref(), None)
}

/// `--from-store` (spec §10): the command's source read from the history store.
async fn run_from_store(
    ctx: &Context,
    command: &dyn UsageCommand,
    range: &TimeRange,
    plan: Option<&cost::CostPlan>,
) -> Result<(), Error> {
    // A usage command is named after its source: `vod usage` reads `vod`.
    let name = command.name().split(' ').next().unwrap_or_default();
    let source = crate::providers::source_named(name)
        .ok_or_else(|| Error::Internal(format!("{} names no source", command.name())))?;
    // Options the store cannot answer are refused before it is opened.
    let selected = command.stored_selection()?;
    let (mut series, gaps) =
        super::store::series_from_store(ctx, &[source], range, &ctx.global.accounts).await?;
    series.retain(|s| selected(s));
    super::store::warn_gaps(ctx, &gaps);
    let fetched = Fetched {
        series,
        notes: Vec::new(),
    };
    print(ctx, command.name(), range, fetched, plan, Some(gaps))
}
