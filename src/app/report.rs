//! `report`: every selected provider at once, one combined view (spec §4 `report`).

use futures::future::join_all;
use rust_decimal::Decimal;

use crate::bucket::{each_point_is_its_bucket, regroup_owned};
use crate::cli::ReportArgs;
use crate::cost::budget::{
    check_budget, parse_budget, parse_warn_percent, require_currency, DEFAULT_WARN_PERCENT,
};
use crate::cost::money::Currency;
use crate::cost::price::Details;
use crate::cost::regroup::{regroup_cost, regroup_cost_series};
use crate::error::{exit, Error};
use crate::providers::{self, Provider, Source};
use crate::series::{Failure, Granularity, Report, Series};
use crate::term::Spinner;
use crate::timerange::TimeRange;

use super::{cost, output, usage, Context};

/// A source `report` can query, from the registry.
struct ReportSource {
    provider: &'static Provider,
    source: &'static Source,
}

impl ReportSource {
    /// The name `--providers` takes.
    fn name(&self) -> &'static str {
        self.source.name
    }
}

/// Every registered source, in registry order.
fn report_sources() -> Vec<ReportSource> {
    providers::sources()
        .map(|(provider, source)| ReportSource { provider, source })
        .collect()
}

fn select(ctx: &Context, providers: &[String]) -> Result<Vec<ReportSource>, Error> {
    let all = report_sources();
    if !providers.is_empty() {
        return Ok(providers::named_sources(providers)?
            .into_iter()
            .map(|(provider, source)| ReportSource { provider, source })
            .collect());
    }
    if ctx.demo {
        return Ok(all);
    }
    let hints: Vec<_> = all
        .iter()
        .map(|s| format!("{}: {}", s.name(), s.provider.credentials_hint))
        .collect();
    let configured: Vec<_> = all
        .into_iter()
        .filter(|s| (s.provider.has_credentials)(&ctx.settings))
        .collect();
    if configured.is_empty() {
        return Err(Error::config(format!(
            "no provider has credentials; set them for at least one ({}), or try `aigcusage report --demo`",
            hints.join("; ")
        )));
    }
    Ok(configured)
}

fn group_by(value: &str) -> Granularity {
    match value {
        "week" => Granularity::Week,
        "month" => Granularity::Month,
        _ => Granularity::Day,
    }
}

/// What `report`, `prices check` and `forecast` fetched: each answering source's series
/// (windowed, not re-bucketed), and the sources that failed (already said on stderr).
pub(super) struct Gathered {
    /// `report <source>` per selected source, for the query's `commands`.
    pub commands: Vec<String>,
    pub per_source: Vec<Vec<Series>>,
    pub failures: Vec<Failure>,
    /// How many sources were selected.
    pub selected: usize,
    /// When every selected source failed: the first failure's exit code, as
    /// `Error::Reported` (every failure is already said on stderr).
    pub first_error: Option<Error>,
}

impl Gathered {
    /// Every answering source's series together.
    pub fn all_series(&self) -> Vec<Series> {
        self.per_source.iter().flatten().cloned().collect()
    }
}

/// Fetches `providers` (every source with credentials when empty) over `range`
/// concurrently. Every failure is said on stderr once; when all fail, the run fails as
/// the first did.
pub(super) async fn gather(
    ctx: &Context,
    providers: &[String],
    options: &[(&'static str, Vec<String>)],
    range: TimeRange,
) -> Result<Gathered, Error> {
    let sources = select(ctx, providers)?;
    let spinner = Spinner::start(
        ctx.terminal.stderr_is_tty && !ctx.global.quiet && !ctx.global.dry_run,
        sources.iter().map(|s| s.name().to_string()).collect(),
    );
    // Options of `report` that a source reads by name.
    let input = ctx.fetch_input(range, options);
    let results = join_all(sources.iter().map(|source| {
        let spinner = &spinner;
        let input = &input;
        async move {
            let result = (source.source.fetch)(input).await;
            spinner.done(source.name());
            result
        }
    }))
    .await;
    spinner.stop();

    let mut per_source: Vec<Vec<Series>> = Vec::new();
    let mut failures = Vec::new();
    let mut errors = Vec::new();
    let mut dry_run = false;
    for (source, result) in sources.iter().zip(results) {
        match result {
            Ok(fetched) => {
                usage::warn_notes(ctx, &fetched.notes);
                per_source.push(fetched.series);
            }
            Err(Error::DryRun) => dry_run = true,
            Err(error) => {
                failures.push(failure(source.provider, source.source, &error));
                errors.push(error);
            }
        }
    }
    if dry_run {
        return Err(Error::DryRun);
    }
    let all_failed = !errors.is_empty() && errors.len() == sources.len();
    let first_error = say_failures(errors, all_failed);
    Ok(Gathered {
        commands: sources
            .iter()
            .map(|s| format!("report {}", s.name()))
            .collect(),
        per_source,
        failures,
        selected: sources.len(),
        first_error,
    })
}

/// Says every error on stderr once, in the order given (the registry's). When `all_failed`
/// the run fails as the first did: returned as already said, with that failure's own
/// exit code (§4: "the first failure's own", also for `sync`).
pub(super) fn say_failures(errors: Vec<Error>, all_failed: bool) -> Option<Error> {
    let first_code = errors.first().map(Error::exit_code);
    for error in &errors {
        crate::term::line_to_stderr(&format!("error: {error}"));
    }
    first_code.filter(|_| all_failed).map(Error::Reported)
}

/// `--budget` and `--budget-warn`, read before anything is sent.
struct Budget {
    amount: Decimal,
    warn_percent: Decimal,
    currency: Currency,
}

fn budget(args: &ReportArgs, plan: Option<&cost::CostPlan>) -> Result<Option<Budget>, Error> {
    let Some(text) = &args.budget else {
        return Ok(None);
    };
    let amount = parse_budget(text)?;
    let warn_percent = match &args.budget_warn {
        Some(pct) => parse_warn_percent(pct)?,
        None => Decimal::from(DEFAULT_WARN_PERCENT),
    };
    let currency = require_currency(plan.and_then(|p| p.target), "report")?;
    Ok(Some(Budget {
        amount,
        warn_percent,
        currency,
    }))
}

pub async fn run(ctx: &Context, args: &ReportArgs) -> Result<(), Error> {
    let range = ctx.range(&args.range)?;
    // `--budget` implies `--cost`; a bad book, currency or budget is exit 2/3 before
    // anything is sent.
    let plan = (ctx.wants_costs() || args.budget.is_some())
        .then(|| cost::plan(ctx))
        .transpose()?;
    let budget = budget(args, plan.as_ref())?;
    let (mut gathered, gaps) = if ctx.global.from_store {
        let (gathered, gaps) = gather_from_store(ctx, &args.providers, &range).await?;
        (gathered, Some(gaps))
    } else {
        (
            gather(ctx, &args.providers, &args.source_options.values, range).await?,
            None,
        )
    };
    let some_failed = !gathered.failures.is_empty();

    let by = group_by(&args.group_by);
    // With `--cost`, the provider points are priced first (each on its own bucket's
    // date), then the cost series re-bucketed.
    let (per_source, priced) = match &plan {
        // Moved, not copied: a series already in `by` buckets keeps its points.
        None => (
            std::mem::take(&mut gathered.per_source)
                .into_iter()
                .map(|source| {
                    source
                        .into_iter()
                        .map(|s| regroup_owned(s, by, &ctx.zone, &range, ctx.now))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>(),
            None,
        ),
        Some(plan) => {
            let all = gathered.all_series();
            // Costs merged into longer buckets are added exactly (spec §8), which needs
            // every point's exact cost; a point that is its own bucket is already right.
            let details = if all
                .iter()
                .all(|s| each_point_is_its_bucket(s, by, &ctx.zone))
            {
                Details::Skip
            } else {
                Details::Keep
            };
            let (priced, summary) = cost::price_series_with(plan, &all, some_failed, details)?;
            let cost_series = priced
                .cost_series
                .iter()
                .map(|c| regroup_cost(c, by, &ctx.zone, &range, ctx.now))
                .collect::<Result<Vec<_>, _>>()?;
            let per_source = gathered
                .per_source
                .iter()
                .map(|source| {
                    let key = source.first().map(|s| (&s.provider, &s.source));
                    cost_series
                        .iter()
                        .filter(|c| Some((&c.provider, &c.source)) == key)
                        .cloned()
                        .collect()
                })
                .collect();
            (per_source, Some((priced, summary)))
        }
    };

    let query = usage::query(ctx, &range, gathered.commands.clone());
    // Only the table prints a breakdown per source; the other formats print the one
    // document, so a large account's series are moved into it, not copied.
    let (all, parts): (Vec<Series>, Vec<Report>) = if ctx.format == crate::render::Format::Table {
        let mut parts: Vec<Report> = per_source
            .into_iter()
            .map(|series| Report::new(query.clone(), series))
            .collect();
        // In the canonical order of series: by provider, then source.
        parts.sort_by(|a, b| source_key(a).cmp(&source_key(b)));
        let all = parts
            .iter()
            .flat_map(|part| part.series.iter().cloned())
            .collect();
        (all, parts)
    } else {
        (per_source.into_iter().flatten().collect(), Vec::new())
    };
    let mut report = Report::new(query, all);
    report.failures = Some(gathered.failures);
    report.gaps = gaps;
    if let Some(error) = gathered.first_error {
        // Nothing to show but the failures; a JSON reader still gets its document, and a
        // Prometheus scrape its `provider_up 0` lines (spec §11: a failing provider is
        // visible, not a silent gap; a collector's file would otherwise keep saying up).
        if matches!(
            ctx.format,
            crate::render::Format::Json | crate::render::Format::Prom
        ) {
            output::print_combined(ctx, &report, &parts)?;
        }
        return Err(error);
    }
    if let Some((_, summary)) = &priced {
        report.cost = Some(summary.clone());
    }
    match (&plan, &priced) {
        // FOCUS rows are the report's buckets (as its JSON and CSV points are), with
        // the exact figures `--cost` shows: each provider point priced on its own date,
        // then its cost and quantity added into its bucket.
        (Some(plan), Some(_)) if ctx.format == crate::render::Format::Focus => {
            let points: Vec<Series> = gathered.per_source.iter().flatten().cloned().collect();
            let mut bucket_costs = cost::price_for_focus(plan, &points)?;
            bucket_costs.cost_series = bucket_costs
                .cost_series
                .iter()
                .map(|c| regroup_cost_series(c, by, &ctx.zone, &range, ctx.now))
                .collect::<Result<_, _>>()?;
            super::exports::print_focus(ctx, &bucket_costs)?
        }
        _ => output::print_combined(ctx, &report, &parts)?,
    }
    if let Some((priced, _)) = &priced {
        cost::warn_unpriced(ctx, priced);
    }
    let failed = report.failures.as_ref().map_or(0, Vec::len);
    let partial = || Error::PartialFailure {
        failed,
        total: gathered.selected,
    };
    if let (Some(budget), Some((priced, _))) = (&budget, &priced) {
        let total = priced
            .totals
            .get(&budget.currency)
            .copied()
            .unwrap_or_default();
        let verdict = check_budget(
            total,
            budget.amount,
            budget.warn_percent,
            budget.currency,
            failed > 0,
        );
        if let Some(message) = &verdict.message {
            // A warning is quiet under `--quiet`; a breach (exit 7) is always said.
            if verdict.exit_code == exit::THRESHOLD || !ctx.global.quiet {
                crate::term::line_to_stderr(message);
            }
        }
        return match verdict.exit_code {
            exit::OK => Ok(()),
            exit::PARTIAL => Err(partial()),
            code => Err(Error::Reported(code)),
        };
    }
    if failed > 0 {
        return Err(partial());
    }
    Ok(())
}

/// `report --from-store` (spec §10): what `gather` gives, read from the history store
/// instead of the providers (the sources named by `--providers`, else every source the
/// store holds; no credentials, no network), with the gaps no sync covered.
pub(super) async fn gather_from_store(
    ctx: &Context,
    providers_named: &[String],
    range: &TimeRange,
) -> Result<(Gathered, Vec<crate::store::Gap>), Error> {
    let chosen: Vec<(&'static Provider, &'static Source)> = if providers_named.is_empty() {
        Vec::new()
    } else {
        select(ctx, providers_named)?
            .into_iter()
            .map(|s| (s.provider, s.source))
            .collect()
    };
    let (series, gaps) =
        super::store::series_from_store(ctx, &chosen, range, &ctx.global.accounts).await?;
    super::store::warn_gaps(ctx, &gaps);
    let mut sources: Vec<&str> = Vec::new();
    let mut per_source: Vec<Vec<Series>> = Vec::new();
    for s in series {
        match sources.iter().position(|id| *id == s.source) {
            Some(i) => per_source[i].push(s),
            None => {
                let id = providers::sources()
                    .find(|(_, source)| source.id == s.source)
                    .map_or("", |(_, source)| source.id);
                sources.push(id);
                per_source.push(vec![s]);
            }
        }
    }
    let commands: Vec<String> = if chosen.is_empty() {
        providers::sources()
            .filter(|(_, source)| sources.contains(&source.id))
            .map(|(_, source)| format!("report {}", source.name))
            .collect()
    } else {
        chosen
            .iter()
            .map(|(_, source)| format!("report {}", source.name))
            .collect()
    };
    let gathered = Gathered {
        selected: commands.len(),
        commands,
        per_source,
        failures: Vec::new(),
        first_error: None,
    };
    Ok((gathered, gaps))
}

/// The (provider, source) of a source's report; empty reports sort first and print nothing.
fn source_key(part: &Report) -> Option<(&str, &str)> {
    part.series
        .first()
        .map(|s| (s.provider.as_str(), s.source.as_str()))
}

/// A source's failure as `report` and `sync` list it.
pub(super) fn failure(provider: &Provider, source: &Source, error: &Error) -> Failure {
    let (code, message, request_id) = match error {
        Error::Provider {
            code,
            message,
            request_id,
            ..
        } => (code.clone(), message.clone(), request_id.clone()),
        Error::Network { detail, .. } => ("NetworkError".to_string(), detail.clone(), None),
        Error::TooLarge { .. } => {
            let message = error.to_string();
            ("NetworkError".to_string(), message, None)
        }
        Error::Config(message) => ("ConfigError".to_string(), message.clone(), None),
        Error::Usage(message) => ("UsageError".to_string(), message.clone(), None),
        other => ("Error".to_string(), other.to_string(), None),
    };
    Failure {
        provider: provider.id.to_string(),
        source: source.id.to_string(),
        code,
        message,
        request_id,
    }
}
