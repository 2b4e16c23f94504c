//! `report`: every selected provider at once, one combined view (spec §4 `report`).

use futures::future::{join_all, LocalBoxFuture};
use futures::FutureExt;

use crate::bucket::regroup;
use crate::cli::ReportArgs;
use crate::error::Error;
use crate::providers::{self, Provider, Source};
use crate::series::{Failure, Granularity, Report, Series};
use crate::term::Spinner;
use crate::timerange::TimeRange;

use crate::providers::alibaba::modelrouter::CostRequest;

use crate::providers::tencent::lke::TokenFilters;

use crate::providers::acedata::usage::UsageRequest;

use super::{acedata, lke, modelrouter, output, usage, vod, Context};

type Fetch = for<'a> fn(
    &'a Context,
    &'a ReportArgs,
    TimeRange,
) -> LocalBoxFuture<'a, Result<Vec<Series>, Error>>;

/// A source `report` can query: its registry entry and how the app fetches it.
struct ReportSource {
    provider: &'static Provider,
    source: &'static Source,
    fetch: Fetch,
}

impl ReportSource {
    /// The name `--providers` takes.
    fn name(&self) -> &'static str {
        self.source.name
    }
}

/// How the app fetches a registered source for `report`.
// The fetch adapters still live in the app (they share the usage commands' option
// handling); moving them behind the registry descriptor is the next step of issue 10.
fn fetcher(source_name: &str) -> Option<Fetch> {
    let fetch: Fetch = match source_name {
        "vod" => |ctx, args, range| fetch_vod(ctx, args, range).boxed_local(),
        "lke" => |ctx, _, range| fetch_lke(ctx, range).boxed_local(),
        "modelrouter" => |ctx, _, range| fetch_modelrouter(ctx, range).boxed_local(),
        "acedata" => |ctx, _, range| fetch_acedata(ctx, range).boxed_local(),
        _ => return None,
    };
    Some(fetch)
}

/// Every registered source, in registry order.
fn report_sources() -> Result<Vec<ReportSource>, Error> {
    providers::sources()
        .map(|(provider, source)| {
            let fetch = fetcher(source.name).ok_or_else(|| {
                Error::Internal(format!("report cannot fetch the source {}", source.id))
            })?;
            Ok(ReportSource {
                provider,
                source,
                fetch,
            })
        })
        .collect()
}

async fn fetch_vod(
    ctx: &Context,
    args: &ReportArgs,
    range: TimeRange,
) -> Result<Vec<Series>, Error> {
    let query = vod::UsageQuery::new(ctx, &args.vod_type, range, None, Vec::new(), None)?;
    vod::fetch_usage(ctx, query).await
}

async fn fetch_lke(ctx: &Context, range: TimeRange) -> Result<Vec<Series>, Error> {
    let region = ctx.settings.tencent.region.value.clone();
    let endpoint = ctx.settings.tencent.lke_endpoint.value.clone();
    lke::fetch_tokens(ctx, &range, &TokenFilters::default(), region, endpoint).await
}

async fn fetch_modelrouter(ctx: &Context, range: TimeRange) -> Result<Vec<Series>, Error> {
    let request = CostRequest {
        range,
        model_types: Vec::new(),
        client_id: None,
        granularity: None,
        page_size: None,
    };
    let endpoint = ctx.settings.alibaba.endpoint.value.clone();
    modelrouter::fetch_cost(ctx, &request, endpoint).await
}

async fn fetch_acedata(ctx: &Context, range: TimeRange) -> Result<Vec<Series>, Error> {
    let request = UsageRequest {
        range,
        application_id: None,
        api_ids: Vec::new(),
    };
    let endpoint = ctx.settings.acedata.endpoint.value.clone();
    acedata::fetch_usage(ctx, &request, endpoint).await
}

fn select(ctx: &Context, args: &ReportArgs) -> Result<Vec<ReportSource>, Error> {
    let all = report_sources()?;
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
    let sources = select(ctx, args)?;
    let spinner = Spinner::start(
        ctx.terminal.stderr_is_tty && !ctx.global.quiet && !ctx.global.dry_run,
        sources.iter().map(|s| s.name().to_string()).collect(),
    );
    let results = join_all(sources.iter().map(|source| {
        let spinner = &spinner;
        async move {
            let result = (source.fetch)(ctx, args, range).await;
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
            Ok(found) => per_source.push(found.iter().map(|s| regroup(s, by, &ctx.zone)).collect()),
            Err(Error::DryRun) => dry_run = true,
            Err(error) => {
                eprintln!("error: {error}");
                failures.push(failure(source, &error));
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

/// The (provider, source) of a source's report; empty reports sort first and print nothing.
fn source_key(part: &Report) -> Option<(&str, &str)> {
    part.series
        .first()
        .map(|s| (s.provider.as_str(), s.source.as_str()))
}

fn failure(source: &ReportSource, error: &Error) -> Failure {
    let (code, message, request_id) = match error {
        Error::Provider {
            code,
            message,
            request_id,
            ..
        } => (code.clone(), message.clone(), request_id.clone()),
        Error::Network { detail, .. } => ("NetworkError".to_string(), detail.clone(), None),
        Error::Config(message) => ("ConfigError".to_string(), message.clone(), None),
        Error::Usage(message) => ("UsageError".to_string(), message.clone(), None),
        other => ("Error".to_string(), other.to_string(), None),
    };
    Failure {
        provider: source.provider.id.to_string(),
        source: source.source.id.to_string(),
        code,
        message,
        request_id,
    }
}
