//! `report`: every selected provider at once, one combined view (spec §4 `report`).

use futures::future::{join_all, BoxFuture};
use futures::FutureExt;

use crate::bucket::regroup;
use crate::cli::ReportArgs;
use crate::config::Settings;
use crate::error::Error;
use crate::series::{Failure, Granularity, Query, Report, Series};
use crate::term::Spinner;
use crate::timerange::TimeRange;

use crate::providers::alibaba::modelrouter::CostRequest;

use crate::providers::tencent::lke::TokenFilters;

use crate::providers::acedata::usage::UsageRequest;

use super::{acedata, lke, modelrouter, output, vod, Context};

type Fetch =
    for<'a> fn(&'a Context, &'a ReportArgs, TimeRange) -> BoxFuture<'a, Result<Vec<Series>, Error>>;

/// A provider `report` can query. Adding a provider to `report` is one entry in `SOURCES`.
struct ReportSource {
    /// The name `--providers` takes.
    name: &'static str,
    provider: &'static str,
    source: &'static str,
    has_credentials: fn(&Settings) -> bool,
    /// What to set, for the "no credentials" message.
    credentials_hint: &'static str,
    fetch: Fetch,
}

const SOURCES: &[ReportSource] = &[
    ReportSource {
        name: "vod",
        provider: "tencent",
        source: "vod.aigc_usage",
        has_credentials: |s| s.tencent.has_credentials(),
        credentials_hint: "TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY",
        fetch: |ctx, args, range| fetch_vod(ctx, args, range).boxed(),
    },
    ReportSource {
        name: "lke",
        provider: "tencent",
        source: "lke.token_usage",
        has_credentials: |s| s.tencent.has_credentials(),
        credentials_hint: "TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY",
        fetch: |ctx, _, range| fetch_lke(ctx, range).boxed(),
    },
    ReportSource {
        name: "modelrouter",
        provider: "alibaba",
        source: "modelrouter.cost_trend",
        has_credentials: |s| s.alibaba.has_credentials(),
        credentials_hint: "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        fetch: |ctx, _, range| fetch_modelrouter(ctx, range).boxed(),
    },
    ReportSource {
        name: "acedata",
        provider: "acedata",
        source: "acedata.api_usage",
        has_credentials: |s| s.acedata.has_credentials(),
        credentials_hint: "ACEDATACLOUD_PLATFORM_TOKEN",
        fetch: |ctx, _, range| fetch_acedata(ctx, range).boxed(),
    },
];

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

fn select<'a>(ctx: &Context, args: &ReportArgs) -> Result<Vec<&'a ReportSource>, Error> {
    if !args.providers.is_empty() {
        let mut chosen = Vec::new();
        for name in &args.providers {
            let name = name.trim().to_ascii_lowercase();
            match SOURCES.iter().find(|s| s.name == name) {
                Some(source) if !chosen.iter().any(|c: &&ReportSource| c.name == source.name) => {
                    chosen.push(source)
                }
                Some(_) => {}
                None => {
                    let names: Vec<_> = SOURCES.iter().map(|s| s.name).collect();
                    return Err(Error::usage(format!(
                        "invalid --providers '{name}': choose from {}",
                        names.join(", ")
                    )));
                }
            }
        }
        return Ok(chosen);
    }
    if ctx.demo {
        return Ok(SOURCES.iter().collect());
    }
    let configured: Vec<_> = SOURCES
        .iter()
        .filter(|s| (s.has_credentials)(&ctx.settings))
        .collect();
    if configured.is_empty() {
        let hints: Vec<_> = SOURCES
            .iter()
            .map(|s| format!("{}: {}", s.name, s.credentials_hint))
            .collect();
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
        sources.iter().map(|s| s.name.to_string()).collect(),
    );
    let results = join_all(sources.iter().map(|source| {
        let spinner = &spinner;
        async move {
            let result = (source.fetch)(ctx, args, range).await;
            spinner.done(source.name);
            result
        }
    }))
    .await;
    spinner.stop();

    let by = group_by(&args.group_by);
    let mut series = Vec::new();
    let mut failures = Vec::new();
    let mut first_error = None;
    let mut dry_run = false;
    for (source, result) in sources.iter().zip(results) {
        match result {
            Ok(found) => series.extend(
                found
                    .iter()
                    .map(|s| regroup(s, by, &ctx.zone, &range, ctx.now)),
            ),
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
    let query = Query {
        start: range.start,
        end: range.end,
        tz: ctx.zone,
        commands: sources
            .iter()
            .map(|s| format!("report {}", s.name))
            .collect(),
    };
    let mut report = Report::new(query, series);
    report.failures = Some(failures);
    output::print_combined(ctx, &report)?;
    let failed = report.failures.as_ref().map_or(0, Vec::len);
    if failed > 0 {
        return Err(Error::PartialFailure {
            failed,
            total: sources.len(),
        });
    }
    Ok(())
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
        Error::TooLarge { .. } => {
            let message = error.to_string();
            ("NetworkError".to_string(), message, None)
        }
        Error::Config(message) => ("ConfigError".to_string(), message.clone(), None),
        Error::Usage(message) => ("UsageError".to_string(), message.clone(), None),
        other => ("Error".to_string(), other.to_string(), None),
    };
    Failure {
        provider: source.provider.to_string(),
        source: source.source.to_string(),
        code,
        message,
        request_id,
    }
}
