//! AceData Cloud `acedata`: its clap subcommands and their help (doc comments are the help text).

use clap::{Args, FromArgMatches, Subcommand};
use futures::future::LocalBoxFuture;
use futures::FutureExt;

use super::fetch_usage;
use super::usage::{parse_api_ids, UsageRequest};
use crate::args::RangeOpts;
use crate::config::endpoint;
use crate::error::Error;
use crate::providers::{Commands, FetchInput, Fetched, Invocation, UsageCommand};

/// Its subcommands in the registry.
pub const COMMANDS: Commands = Commands {
    summary: "AceData Cloud",
    augment: TopCommand::augment_subcommands,
    has_subcommand: TopCommand::has_subcommand,
    from_matches,
};

/// The top-level subcommands.
#[derive(Debug, Subcommand)]
pub enum TopCommand {
    /// AceData Cloud: API usage
    #[command(subcommand)]
    Acedata(AcedataCommand),
}

fn from_matches(matches: &clap::ArgMatches) -> Result<Invocation, clap::Error> {
    Ok(match TopCommand::from_arg_matches(matches)? {
        TopCommand::Acedata(AcedataCommand::Usage(args)) => Invocation::Usage(Box::new(args)),
    })
}

#[derive(Debug, Subcommand)]
pub enum AcedataCommand {
    /// Consumption per API and day (GET /api/v1/usage/apis/aggregate/)
    #[command(after_help = "\
Examples:
  aigcusage acedata usage --last 30d
  aigcusage acedata usage --start 2024-08-01 --end 2024-08-31 -o csv > august.csv
  aigcusage acedata usage --api-id <ID> --api-id <ID> -o json | jq '.series[].total'

Needs an account (platform) token, platform-v1-..., in ACEDATACLOUD_PLATFORM_TOKEN or in the
profile's acedata.token; a service API token is refused. Days are UTC days.")]
    Usage(AcedataUsageArgs),
}

#[derive(Debug, Args)]
pub struct AcedataUsageArgs {
    /// Only usage of this application
    #[arg(long, value_name = "ID")]
    pub application_id: Option<String>,

    /// Only usage of this API (repeatable, or comma-separated)
    #[arg(long = "api-id", value_name = "ID")]
    pub api_ids: Vec<String>,

    /// AceData endpoint base URL [env: AIGCUSAGE_ACEDATA_ENDPOINT]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    #[command(flatten)]
    pub range: RangeOpts,
}

impl UsageCommand for AcedataUsageArgs {
    fn name(&self) -> &'static str {
        "acedata usage"
    }

    fn range(&self) -> &RangeOpts {
        &self.range
    }

    fn fetch<'a>(
        &'a self,
        input: &'a FetchInput<'a>,
    ) -> LocalBoxFuture<'a, Result<Fetched, Error>> {
        async move {
            let api_ids = parse_api_ids(&self.api_ids)?;
            let application_id = match self.application_id.as_deref().map(str::trim) {
                Some("") => return Err(Error::usage("--application-id needs a value")),
                other => other.map(str::to_string),
            };
            let endpoint = endpoint::flag_or_setting(
                self.endpoint.as_deref(),
                &super::credentials::settings(input.settings).endpoint.value,
            )?;
            let request = UsageRequest {
                // AceData answers in UTC days: ask for the same dates in UTC.
                range: super::asked_range(&input.range),
                application_id,
                api_ids,
            };
            fetch_usage(input, &request, endpoint).await
        }
        .boxed_local()
    }

    fn stored_selection(&self) -> Result<crate::providers::StoredSelection, Error> {
        if self.application_id.is_some() {
            return Err(crate::providers::not_in_store("--application-id"));
        }
        let api_ids = parse_api_ids(&self.api_ids)?;
        Ok(Box::new(move |s| {
            api_ids.is_empty()
                || s.labels
                    .get("api_id")
                    .is_some_and(|id| api_ids.iter().any(|wanted| wanted == id))
        }))
    }
}
