//! The one path from series to stdout shared by every usage command and `report`: window
//! the series to the range, build the query, print.

use crate::error::Error;
use crate::series::{apply_window, Query, Report, Series};
use crate::timerange::TimeRange;

use super::{output, Context};

/// Drops points outside `range` (and in the future); returns how many were dropped.
pub fn window(ctx: &Context, series: &mut [Series], range: &TimeRange) -> usize {
    let mut dropped = 0;
    for s in series {
        let before = s.points.len();
        apply_window(s, range.start, range.end, ctx.now);
        dropped += before - s.points.len();
    }
    dropped
}

/// The query of a run over `range` made of `commands` (`vod usage`, `report vod`, ...).
pub fn query(ctx: &Context, range: &TimeRange, commands: Vec<String>) -> Query {
    Query {
        start: range.start,
        end: range.end,
        tz: ctx.zone,
        commands,
    }
}

/// The end of every usage command: `series` printed as the report of `command`.
pub fn print(
    ctx: &Context,
    command: &str,
    range: &TimeRange,
    series: Vec<Series>,
) -> Result<(), Error> {
    let query = query(ctx, range, vec![command.to_string()]);
    output::print_report(ctx, &Report::new(query, series))
}

/// `--endpoint` when given (checked as a flag), else the resolved setting.
pub fn endpoint(flag: Option<&str>, setting: &str) -> Result<String, Error> {
    match flag {
        Some(flag) => super::endpoint_flag(flag),
        None => Ok(setting.to_string()),
    }
}
