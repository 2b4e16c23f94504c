//! AceData Cloud `acedata`: its clap subcommands and their help (doc comments are the help text).

use clap::{Args, Subcommand};

use crate::cli::RangeOpts;

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
