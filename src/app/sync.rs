//! (v3) `sync` (spec §10): fetch every selected source and write each into the history
//! store in one transaction with the range it covered.

use chrono::{DateTime, Duration, FixedOffset};
use futures::future::join_all;
use serde::Serialize;

use crate::cli::SyncArgs;
use crate::config::Origin;
use crate::error::Error;
use crate::providers::{self, Fetched};
use crate::render::Format;
use crate::series::{day_start, Failure};
use crate::store::{Filter, Range, SourceWrite, Store};
use crate::term::Spinner;
use crate::timerange::{self, RangeArgs, TimeRange};
use crate::timestamp::rfc3339;

use super::store::{interruptible, StoreSource};
use super::{report, Context};

/// Days re-fetched before the last synced date: providers fill in late data.
const OVERLAP_DAYS: i64 = 2;

/// One source written.
struct Synced {
    provider: &'static str,
    source: &'static str,
    covered: Range,
    points: usize,
}

pub async fn run(ctx: &Context, args: &SyncArgs) -> Result<(), Error> {
    if ctx.demo && !names_scratch_store(ctx) {
        return Err(Error::usage(
            "sync --demo would write demo data into your history (the profile's store or the \
             default one); name a scratch store with --store or AIGCUSAGE_STORE to try it",
        ));
    }
    let sources = select(ctx, &args.providers)?;
    let explicit = has_range(&args.range);
    let explicit_range = if explicit {
        Some(ctx.range(&args.range)?)
    } else {
        None
    };
    if let Some(range) = &explicit_range {
        for check in sources.iter().filter_map(|(_, s)| s.check_range) {
            check(range, ctx.now)?;
        }
    }
    interruptible(sync_all(ctx, &sources, explicit_range)).await
}

async fn sync_all(
    ctx: &Context,
    sources: &[StoreSource],
    explicit_range: Option<TimeRange>,
) -> Result<(), Error> {
    let progress = shows_progress(ctx);
    // What it waits for, on a terminal (spec §5 v3), from the start: opening the store
    // may wait for another sync's write; `--dry-run` sends nothing.
    let spinner = Spinner::start(
        progress && !ctx.global.dry_run,
        sources.iter().map(|(_, s)| s.name.to_string()).collect(),
    );
    // A dry run writes nothing: it reads an existing store's coverage for the default
    // ranges, and does not create one (none is an empty store).
    let store = if ctx.global.dry_run {
        super::store::open_existing(ctx).await?
    } else {
        Some(super::store::open(ctx).await?)
    };
    let store = store.as_deref();
    let account = ctx.settings.account.value.as_str();
    let mut ranges = Vec::with_capacity(sources.len());
    for (_, source) in sources {
        ranges.push(match explicit_range {
            Some(range) => range,
            None => default_range(ctx, store, account, source).await?,
        });
    }
    let results = join_all(sources.iter().zip(&ranges).map(|(entry, range)| {
        let spinner = &spinner;
        async move {
            let result = sync_source(ctx, store, account, *entry, range).await;
            spinner.done(entry.1.name);
            // A success is said as it happens; a failure once, with the others, below.
            if let (true, Ok(synced)) = (progress, &result) {
                // Over the spinner's line, which it redraws below.
                crate::term::line_to_stderr(&format!(
                    "\r\x1b[2Ksynced {}: {} points, {} to {}",
                    synced.source,
                    synced.points,
                    rfc3339(&ctx.zone.localize(&synced.covered.start)),
                    rfc3339(&ctx.zone.localize(&synced.covered.end)),
                ));
            }
            result
        }
    }))
    .await;
    spinner.stop();

    let mut synced = Vec::new();
    let mut failures: Vec<Failure> = Vec::new();
    let mut errors = Vec::new();
    // `sources` is in registry order: the first error is the first failure of the spec's
    // order (vod, lke, modelrouter, acedata).
    for ((provider, source), result) in sources.iter().zip(results) {
        match result {
            Ok(s) => synced.push(s),
            // `--dry-run`: the requests are printed by the caller, nothing was written.
            Err(error @ (Error::Interrupted { .. } | Error::DryRun)) => return Err(error),
            Err(error) => {
                failures.push(report::failure(provider, source, &error));
                errors.push(error);
            }
        }
    }
    // Each failure once, in that order; when every source failed the run ends with the
    // first one's code.
    let first_error = report::say_failures(errors, synced.is_empty());
    let url = ctx.settings.store.url()?.value.redacted();
    print(ctx, &url, account, &synced, &failures)?;
    match first_error {
        Some(error) => Err(error),
        None if failures.is_empty() => Ok(()),
        None => Err(Error::PartialFailure {
            failed: failures.len(),
            total: sources.len(),
        }),
    }
}

/// Whether this run's store was named for it (`--store` or `AIGCUSAGE_STORE`, spec §10's
/// first two choices), not the profile's or the default history `--demo` must not fill.
fn names_scratch_store(ctx: &Context) -> bool {
    ctx.settings
        .store
        .given
        .as_ref()
        .is_some_and(|given| matches!(given.origin, Origin::Flag | Origin::Env))
}

/// Progress (the spinner, a line per source synced) goes to stderr when it is a terminal,
/// unless `--quiet`.
fn shows_progress(ctx: &Context) -> bool {
    ctx.terminal.stderr_is_tty && !ctx.global.quiet
}

/// Fetches one source (with everything its options can ask) and writes it with its covered range.
async fn sync_source(
    ctx: &Context,
    store: Option<&dyn Store>,
    account: &str,
    (provider, source): StoreSource,
    range: &TimeRange,
) -> Result<Synced, Error> {
    let options = providers::sync_options();
    let input = ctx.fetch_input(*range, &options);
    let Fetched { series, notes } = (source.fetch)(&input).await?;
    super::usage::warn_notes(ctx, &notes);
    // Only a dry run has no store; its fetch has ended in `DryRun` already when it built a
    // request. Either way a dry run writes nothing.
    let Some(store) = store.filter(|_| !ctx.global.dry_run) else {
        return Err(Error::DryRun);
    };
    // What the provider was asked is what its answer covers.
    let asked = (source.asked_range)(range);
    let covered = Range::new(asked.start, asked.end.min(ctx.now.fixed_offset()));
    let points = store
        .write_source(SourceWrite {
            account,
            provider: provider.id,
            source: source.id,
            covered,
            series: &series,
            synced_at: ctx.now.fixed_offset(),
        })
        .await?;
    Ok(Synced {
        provider: provider.id,
        source: source.id,
        covered,
        points,
    })
}

/// From the start of the date two days before the source's last covered date (in its
/// own calendar) to now; `--last 30d` when nothing of it is stored (or there is no store
/// yet, on a dry run).
async fn default_range(
    ctx: &Context,
    store: Option<&dyn Store>,
    account: &str,
    source: &providers::Source,
) -> Result<TimeRange, Error> {
    let coverage = match store {
        Some(store) => {
            store
                .coverage(&Filter {
                    accounts: vec![account.to_string()],
                    sources: vec![source.id.to_string()],
                    range: None,
                })
                .await?
        }
        None => Vec::new(),
    };
    let last_end = coverage.iter().filter_map(|c| c.last_end()).max();
    match last_end {
        Some(last_end) => Ok(TimeRange::instants(
            overlap_start(last_end, source.day_offset_seconds),
            ctx.zone.localize(&ctx.now),
        )),
        None => timerange::resolve(
            &RangeArgs {
                last: Some("30d".to_string()),
                ..RangeArgs::default()
            },
            &ctx.zone,
            ctx.now,
        ),
    }
}

/// The start of the date `OVERLAP_DAYS` before `last_end`'s date, in the source's
/// calendar (its day offset, else the offset the range was written with).
fn overlap_start(
    last_end: DateTime<FixedOffset>,
    day_offset: Option<i32>,
) -> DateTime<FixedOffset> {
    let calendar = day_offset
        .and_then(FixedOffset::east_opt)
        .unwrap_or(*last_end.offset());
    let date = last_end.with_timezone(&calendar).date_naive() - Duration::days(OVERLAP_DAYS);
    day_start(date, calendar)
}

fn has_range(range: &crate::cli::RangeOpts) -> bool {
    range.start.is_some() || range.end.is_some() || range.last.is_some() || range.month.is_some()
}

/// `--providers` names, else every source with credentials (every source with `--demo`).
fn select(ctx: &Context, names: &[String]) -> Result<Vec<StoreSource>, Error> {
    let all: Vec<StoreSource> = providers::sources().collect();
    if !names.is_empty() {
        return providers::named_sources(names);
    }
    if ctx.demo {
        return Ok(all);
    }
    let configured: Vec<StoreSource> = all
        .iter()
        .copied()
        .filter(|(p, _)| (p.has_credentials)(&ctx.settings))
        .collect();
    if configured.is_empty() {
        let hints: Vec<_> = crate::providers::REGISTRY
            .iter()
            .map(|p| p.credentials_hint)
            .collect();
        return Err(Error::config(format!(
            "sync: no provider has credentials; set them for at least one ({})",
            hints.join("; ")
        )));
    }
    Ok(configured)
}

/// §10's `sync -o json` document, keys in the spec's order.
#[derive(Serialize)]
struct SyncDocument<'a> {
    schema_version: u32,
    store: String,
    synced: Vec<SyncedOut<'a>>,
    failures: &'a [Failure],
}

#[derive(Serialize)]
struct SyncedOut<'a> {
    account: &'a str,
    provider: &'a str,
    source: &'a str,
    start: String,
    end: String,
    points: usize,
}

fn print(
    ctx: &Context,
    store_url: &str,
    account: &str,
    synced: &[Synced],
    failures: &[Failure],
) -> Result<(), Error> {
    let time = |t: &DateTime<FixedOffset>| rfc3339(&ctx.zone.localize(t));
    match ctx.format {
        Format::Json => {
            let doc = SyncDocument {
                schema_version: 1,
                store: store_url.to_string(),
                synced: synced
                    .iter()
                    .map(|s| SyncedOut {
                        account,
                        provider: s.provider,
                        source: s.source,
                        start: time(&s.covered.start),
                        end: time(&s.covered.end),
                        points: s.points,
                    })
                    .collect(),
                failures,
            };
            ctx.output.write_with(|out| {
                serde_json::to_writer_pretty(&mut *out, &doc)?;
                writeln!(out)
            })?;
        }
        // Nothing synced: no table (the failures are on stderr); JSON keeps its shape.
        _ if synced.is_empty() => {}
        _ => {
            let rows: Vec<[String; 5]> = synced
                .iter()
                .map(|s| {
                    [
                        account.to_string(),
                        s.source.to_string(),
                        s.points.to_string(),
                        time(&s.covered.start),
                        time(&s.covered.end),
                    ]
                })
                .collect();
            let text = super::history::aligned(
                &["ACCOUNT", "SOURCE", "POINTS", "FROM", "TO"],
                &rows,
                &[2],
            );
            ctx.output
                .write_with(|out| out.write_all(text.as_bytes()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn overlap_starts_two_dates_back_in_the_source_calendar() {
        // 2025-11-30T23:59:59+08:00 is VOD's November 30: start November 28, 00:00 +08:00.
        assert_eq!(
            overlap_start(t("2025-11-30T15:59:59Z"), Some(8 * 3600)),
            t("2025-11-28T00:00:00+08:00")
        );
        // The same instant in UTC is still November 30 for AceData.
        assert_eq!(
            overlap_start(t("2025-11-30T15:59:59Z"), Some(0)),
            t("2025-11-28T00:00:00Z")
        );
        // Sub-daily sources: the offset the range was written with.
        assert_eq!(
            overlap_start(t("2025-12-01T01:00:00+08:00"), None),
            t("2025-11-29T00:00:00+08:00")
        );
    }
}
