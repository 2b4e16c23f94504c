//! (v3) What every store command shares (spec §10): opening the store named by
//! `--store`, reading series for a range the way a live query would show them, and
//! stopping on SIGINT/SIGTERM.

use std::collections::BTreeSet;
use std::future::Future;

use crate::error::Error;
use crate::providers::{self, Provider, Source};
use crate::series::Series;
use crate::store::{self, Filter, Gap, Range, Store};
use crate::timerange::TimeRange;

use super::Context;

/// Opens (creating and migrating on first use) the store the settings name.
pub async fn open(ctx: &Context) -> Result<Box<dyn Store>, Error> {
    let url = ctx.settings.store.url()?.value;
    if ctx.global.verbose {
        eprintln!("store: {}", url.redacted());
    }
    store::open(&url).await
}

/// For `sync --dry-run`: the store the settings name if it exists, never creating it.
pub async fn open_existing(ctx: &Context) -> Result<Option<Box<dyn Store>>, Error> {
    let url = ctx.settings.store.url()?.value;
    if ctx.global.verbose {
        eprintln!("store: {}", url.redacted());
    }
    store::open_existing(&url).await
}

/// A source as the store names it: its registry entry.
pub type StoreSource = (&'static Provider, &'static Source);

/// The range `--from-store` reads, and checks for gaps, for `source`: for a whole-day
/// range of a source with days of its own, the same dates in its calendar (spec §5 v3),
/// also where the provider itself would ask one date as given (VOD answers one date in
/// 5-minute buckets; what the store holds of it are its days); otherwise the range as
/// given. `sync` records as covered what it asked ([`Source::asked_range`]).
pub fn source_range(source: &Source, range: &TimeRange) -> TimeRange {
    match source.day_offset_seconds {
        Some(offset) => providers::dates_in_calendar(range, offset),
        None => *range,
    }
}

/// `--from-store`: the series of `sources` over `range` as a live query of the same
/// range shows them (windowed the same way, non-additive metrics restored), each with
/// the label `account`, for `accounts` (empty: every account); and the parts of the
/// range no sync covered, per (account, source). Empty `sources`: every source the
/// store holds. Needs no credentials and no network. `forecast` reads through this too.
pub async fn series_from_store(
    ctx: &Context,
    sources: &[StoreSource],
    range: &TimeRange,
    accounts: &[String],
) -> Result<(Vec<Series>, Vec<Gap>), Error> {
    let store = open(ctx).await?;
    let wanted_sources: Vec<StoreSource> = if sources.is_empty() {
        // The sources held for any account: an `--account` with nothing stored (a typo)
        // then gets its gaps named, not an empty answer that looks complete.
        let held = store.coverage(&Filter::default()).await?;
        if held.is_empty() {
            ctx.warn(&format!(
                "the store {} holds no synced data yet (run aigcusage sync)",
                store.url().redacted()
            ));
        }
        let ids: BTreeSet<String> = held.into_iter().map(|c| c.source).collect();
        providers::sources()
            .filter(|(_, source)| ids.contains(source.id))
            .collect()
    } else {
        sources.to_vec()
    };
    let mut all = Vec::new();
    let mut gaps = Vec::new();
    for (provider, source) in wanted_sources {
        // Coverage is recorded in the provider's dates (as sync asked for them); the read
        // spans both those and the range as given, since a source's sub-daily series are
        // windowed by the range itself.
        let asked = source_range(source, range);
        // What is not over yet cannot have been synced: no gap after now.
        let wanted = Range::new(asked.start, asked.end.min(ctx.now.fixed_offset()));
        let filter = Filter {
            accounts: accounts.to_vec(),
            sources: vec![source.id.to_string()],
            range: Some(Range::new(
                asked.start.min(range.start),
                asked.end.max(range.end),
            )),
        };
        let mut series = store.read(&filter).await?;
        for s in &mut series {
            s.aggregation = source.aggregation_of(&s.metric);
            window_keeping_partial(source, s, range, ctx.now);
        }
        series.retain(|s| !s.points.is_empty());
        all.extend(series);

        let coverage = store.coverage(&filter).await?;
        let mut found = store::gaps(&coverage, wanted);
        // An account (asked for, or this one) with nothing of this source is one gap.
        let covered_accounts: BTreeSet<&str> =
            coverage.iter().map(|c| c.account.as_str()).collect();
        let expected: Vec<String> = if accounts.is_empty() {
            if covered_accounts.is_empty() {
                vec![ctx.settings.account.value.clone()]
            } else {
                Vec::new()
            }
        } else {
            accounts.to_vec()
        };
        for account in expected {
            if !covered_accounts.contains(account.as_str()) && wanted.start <= wanted.end {
                found.push(Gap {
                    account,
                    provider: provider.id.to_string(),
                    source: source.id.to_string(),
                    range: wanted,
                });
            }
        }
        gaps.extend(found);
    }
    Ok((all, gaps))
}

/// `history export`'s rows of `range`, chosen by the rule `--from-store` reads by: the
/// store is read wide enough for every source's own dates, then each series is cut as
/// [`providers::window`] cuts it for its source (a whole-day range means the source's
/// own dates). A source the registry does not know keeps the overlap rule on the range
/// as given. The rows keep their stored values and flags; only which rows is decided.
pub async fn export_range(
    store: &dyn Store,
    accounts: &[String],
    range: &TimeRange,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<store::StoredSeries>, Error> {
    let (mut start, mut end) = (range.start, range.end);
    for (_, source) in providers::sources() {
        let asked = source_range(source, range);
        start = start.min(asked.start);
        end = end.max(asked.end);
    }
    let filter = Filter {
        accounts: accounts.to_vec(),
        sources: Vec::new(),
        range: Some(Range::new(start, end)),
    };
    let mut rows = store.export(&filter).await?;
    for stored in &mut rows {
        let mut windowed = stored.series.clone();
        match providers::sources().find(|(_, s)| s.id == stored.series.source) {
            Some((_, source)) => providers::window(source, &mut windowed, range, now),
            None => crate::series::apply_window(&mut windowed, range.start, range.end, now),
        }
        // The window keeps points in order and never moves one: the kept times, sorted.
        let kept: Vec<_> = windowed.points.iter().map(|p| p.time).collect();
        let points = std::mem::take(&mut stored.series.points);
        let synced = std::mem::take(&mut stored.synced_at);
        (stored.series.points, stored.synced_at) = points
            .into_iter()
            .zip(synced)
            .filter(|(p, _)| kept.binary_search(&p.time).is_ok())
            .unzip();
    }
    rows.retain(|r| !r.series.points.is_empty());
    Ok(rows)
}

/// The same cut as the live fetch's, except that a bucket stored as partial stays
/// partial: its value is what the provider had when it was synced (half a day, say),
/// whether or not the bucket is over now, until a later sync replaces it with a final
/// one.
fn window_keeping_partial(
    source: &Source,
    series: &mut Series,
    range: &TimeRange,
    now: chrono::DateTime<chrono::Utc>,
) {
    // Stored points come in time order, so these are sorted.
    let stored_partial: Vec<_> = series
        .points
        .iter()
        .filter(|p| p.partial)
        .map(|p| p.time)
        .collect();
    providers::window(source, series, range, now);
    if stored_partial.is_empty() {
        return;
    }
    for point in &mut series.points {
        if stored_partial.binary_search(&point.time).is_ok() {
            point.partial = true;
        }
    }
}

/// Warns about each gap on stderr: `store has no vod.aigc_usage data from T to T`.
pub fn warn_gaps(ctx: &Context, gaps: &[Gap]) {
    for gap in gaps {
        ctx.warn(&format!(
            "store has no {} data from {} to {}{}",
            gap.source,
            crate::timestamp::rfc3339(&ctx.zone.localize(&gap.range.start)),
            crate::timestamp::rfc3339(&ctx.zone.localize(&gap.range.end)),
            if gap.account == ctx.settings.account.value {
                String::new()
            } else {
                format!(" (account {})", gap.account)
            }
        ));
    }
}

/// Runs `work` until it finishes or SIGINT/SIGTERM arrives; on a signal `work` is
/// dropped (a store transaction in it rolls back) and the error says which signal.
pub async fn interruptible<T>(work: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt())
            .map_err(|e| Error::Internal(format!("cannot watch SIGINT: {e}")))?;
        let mut terminate = signal(SignalKind::terminate())
            .map_err(|e| Error::Internal(format!("cannot watch SIGTERM: {e}")))?;
        tokio::select! {
            result = work => result,
            _ = interrupt.recv() => Err(Error::Interrupted { sigterm: false }),
            _ = terminate.recv() => Err(Error::Interrupted { sigterm: true }),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::select! {
            result = work => result,
            _ = tokio::signal::ctrl_c() => Err(Error::Interrupted { sigterm: false }),
        }
    }
}
