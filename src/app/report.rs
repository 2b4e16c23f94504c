//! `report`: every selected provider at once, one combined view (spec §4 `report`).

use futures::future::join_all;

use crate::bucket::regroup;
use crate::cli::ReportArgs;
use crate::error::Error;
use crate::providers::{self, Provider, Source};
use crate::series::{Failure, Granularity, Report, Series};
use crate::term::Spinner;

use super::{output, usage, Context};

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

fn select(ctx: &Context, args: &ReportArgs) -> Result<Vec<ReportSource>, Error> {
    let all = report_sources();
    if !args.providers.is_empty() {
        let mut chosen: Vec<usize> = Vec::new();
        for name in &args.providers {
            let name = name.trim().to_ascii_lowercase();
            match all.iter().position(|s| s.name() == name) {
                Some(index) if !chosen.contains(&index) => chosen.push(index),
                Some(_) => {}
                None => {
                    let names: Vec<_> = all.iter().map(ReportSource::name).collect();
                    return Err(Error::usage(format!(
                        "invalid --providers '{name}': choose from {}",
                        names.join(", ")
                    )));
                }
            }
        }
        let mut all: Vec<Option<ReportSource>> = all.into_iter().map(Some).collect();
        return Ok(chosen
            .into_iter()
            .filter_map(|index| all[index].take())
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

pub async fn run(ctx: &Context, args: &ReportArgs) -> Result<(), Error> {
    let range = ctx.range(&args.range)?;
    if ctx.global.from_store {
        return run_from_store(ctx, args, &range).await;
    }
    let sources = select(ctx, args)?;
    let spinner = Spinner::start(
        ctx.terminal.stderr_is_tty && !ctx.global.quiet && !ctx.global.dry_run,
        sources.iter().map(|s| s.name().to_string()).collect(),
    );
    // Options of `report` that a source reads by name.
    let options = [("vod-type", args.vod_type.clone())];
    let input = ctx.fetch_input(range, &options);
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

    let by = group_by(&args.group_by);
    // Each source's series stay apart: the table prints one breakdown per source.
    let mut per_source: Vec<Vec<Series>> = Vec::new();
    let mut failures = Vec::new();
    let mut first_error = None;
    let mut dry_run = false;
    for (source, result) in sources.iter().zip(results) {
        match result {
            Ok(fetched) => {
                usage::warn_notes(ctx, &fetched.notes);
                per_source.push(
                    fetched
                        .series
                        .iter()
                        .map(|s| regroup(s, by, &ctx.zone, &range, ctx.now))
                        .collect(),
                )
            }
            Err(Error::DryRun) => dry_run = true,
            Err(error) => {
                eprintln!("error: {error}");
                failures.push(failure(source.provider, source.source, &error));
                first_error.get_or_insert(error);
            }
        }
    }
    if dry_run {
        return Err(Error::DryRun);
    }
    if let Some(error) = first_error.filter(|_| failures.len() == sources.len()) {
        // Nothing to show: the run fails as the (first) provider did.
        return Err(error);
    }
    let query = usage::query(
        ctx,
        &range,
        sources
            .iter()
            .map(|s| format!("report {}", s.name()))
            .collect(),
    );
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
    let mut report = Report::new(query, all);
    report.failures = Some(failures);
    output::print_combined(ctx, &report, &parts)?;
    let failed = report.failures.as_ref().map_or(0, Vec::len);
    if failed > 0 {
        return Err(Error::PartialFailure {
            failed,
            total: sources.len(),
        });
    }
    Ok(())
}

/// `report --from-store` (spec §10): the sources named by `--providers`, else every
/// source the store holds; no credentials, no network.
async fn run_from_store(
    ctx: &Context,
    args: &ReportArgs,
    range: &crate::timerange::TimeRange,
) -> Result<(), Error> {
    let chosen: Vec<(&'static Provider, &'static Source)> = if args.providers.is_empty() {
        Vec::new()
    } else {
        select(ctx, args)?
            .into_iter()
            .map(|s| (s.provider, s.source))
            .collect()
    };
    let (series, gaps) =
        super::store::series_from_store(ctx, &chosen, range, &ctx.global.accounts).await?;
    super::store::warn_gaps(ctx, &gaps);
    let by = group_by(&args.group_by);
    let mut sources: Vec<&'static str> = Vec::new();
    let mut per_source: Vec<Vec<Series>> = Vec::new();
    for s in &series {
        let regrouped = regroup(s, by, &ctx.zone, range, ctx.now);
        match sources.iter().position(|id| *id == s.source) {
            Some(i) => per_source[i].push(regrouped),
            None => {
                let id = providers::sources()
                    .find(|(_, source)| source.id == s.source)
                    .map_or("", |(_, source)| source.id);
                sources.push(id);
                per_source.push(vec![regrouped]);
            }
        }
    }
    let names: Vec<String> = if chosen.is_empty() {
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
    let query = usage::query(ctx, range, names);
    let mut parts: Vec<Report> = per_source
        .into_iter()
        .map(|series| Report::new(query.clone(), series))
        .collect();
    parts.sort_by(|a, b| source_key(a).cmp(&source_key(b)));
    let all = parts
        .iter()
        .flat_map(|part| part.series.iter().cloned())
        .collect();
    let mut report = Report::new(query, all);
    report.failures = Some(Vec::new());
    report.gaps = Some(gaps);
    output::print_combined(ctx, &report, &parts)
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
