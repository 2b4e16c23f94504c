//! Alibaba Cloud `modelrouter`: its clap subcommands and their help (doc comments are the help text).

use clap::{Args, FromArgMatches, Subcommand};
use futures::future::LocalBoxFuture;
use futures::FutureExt;

use super::fetch_cost;
use super::modelrouter::{self, CostGranularity, CostRequest};
use crate::args::RangeOpts;
use crate::config::endpoint;
use crate::error::Error;
use crate::providers::{Commands, FetchInput, Fetched, Invocation, UsageCommand};

/// Its subcommands in the registry.
pub const COMMANDS: Commands = Commands {
    summary: "Alibaba Cloud ModelRouter",
    augment: TopCommand::augment_subcommands,
    has_subcommand: TopCommand::has_subcommand,
    from_matches,
};

/// The top-level subcommands.
#[derive(Debug, Subcommand)]
pub enum TopCommand {
    /// Alibaba Cloud ModelRouter (AiContent): cost trend
    #[command(subcommand)]
    Modelrouter(ModelrouterCommand),
}

fn from_matches(matches: &clap::ArgMatches) -> Result<Invocation, clap::Error> {
    Ok(match TopCommand::from_arg_matches(matches)? {
        TopCommand::Modelrouter(ModelrouterCommand::Cost(args)) => {
            Invocation::Usage(Box::new(args))
        }
    })
}

#[derive(Debug, Subcommand)]
pub enum ModelrouterCommand {
    /// Cost trend per metric (ModelRouterQueryCostTrendMetrics): amount, calls, ... as the
    /// API defines them, every page
    #[command(after_help = "\
Examples:
  aigcusage modelrouter cost --last 7d --granularity daily
  aigcusage modelrouter cost --model-types LLM,VL --start 2025-11-01 --end 2025-11-30 -o csv

Credentials: ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (optional
ALIBABA_CLOUD_SECURITY_TOKEN), or the profile's [alibaba] table.")]
    Cost(ModelrouterCostArgs),
}

#[derive(Debug, Args)]
pub struct ModelrouterCostArgs {
    /// Model types, comma-separated or repeated (e.g. LLM,VL); sent as one modelTypes value
    #[arg(long = "model-types", value_name = "A,B", value_delimiter = ',')]
    pub model_types: Vec<String>,

    /// Department (client) id
    #[arg(long, value_name = "N")]
    pub client_id: Option<i64>,

    /// Bucket size of the answer [default: the API's, hourly]
    #[arg(long, value_enum, value_name = "G")]
    pub granularity: Option<CostGranularityArg>,

    /// Results per page (maxResults), 1 to 1000 [default: the API's]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub page_size: Option<u32>,

    /// ModelRouter endpoint base URL [env: AIGCUSAGE_MODELROUTER_ENDPOINT]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    #[command(flatten)]
    pub range: RangeOpts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CostGranularityArg {
    Hourly,
    Daily,
}

impl UsageCommand for ModelrouterCostArgs {
    fn name(&self) -> &'static str {
        "modelrouter cost"
    }

    fn range(&self) -> &RangeOpts {
        &self.range
    }

    fn fetch<'a>(
        &'a self,
        input: &'a FetchInput<'a>,
    ) -> LocalBoxFuture<'a, Result<Fetched, Error>> {
        async move {
            let model_types = modelrouter::parse_model_types(&self.model_types)?;
            let endpoint = endpoint::flag_or_setting(
                self.endpoint.as_deref(),
                &super::credentials::settings(input.settings).endpoint.value,
            )?;
            let granularity = self.granularity.map(|g| match g {
                CostGranularityArg::Hourly => CostGranularity::Hourly,
                CostGranularityArg::Daily => CostGranularity::Daily,
            });
            // Daily answers are dated at +08:00: ask for the same dates there.
            let range = match granularity {
                Some(CostGranularity::Daily) => {
                    input.day_range(crate::providers::alibaba::CALENDAR_OFFSET_SECS)
                }
                _ => input.range,
            };
            let request = CostRequest {
                range,
                model_types,
                client_id: self.client_id,
                granularity,
                page_size: self.page_size,
            };
            fetch_cost(input, &request, endpoint).await
        }
        .boxed_local()
    }

    fn stored_selection(&self) -> Result<crate::providers::StoredSelection, Error> {
        if !self.model_types.is_empty() {
            return Err(crate::providers::not_in_store("--model-types"));
        }
        if self.client_id.is_some() {
            return Err(crate::providers::not_in_store("--client-id"));
        }
        // The store keeps each series' granularity: `--granularity` picks by it.
        let wanted = self.granularity.map(|g| match g {
            CostGranularityArg::Hourly => crate::series::Granularity::Hour,
            CostGranularityArg::Daily => crate::series::Granularity::Day,
        });
        Ok(Box::new(move |s| {
            wanted.is_none_or(|g| s.granularity == Some(g))
        }))
    }
}
