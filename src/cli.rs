//! The command tree (spec §2). Pure data: doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const AFTER_HELP: &str = "\
Examples:
  aigcusage report --demo
  aigcusage vod usage --type Video --last 7d
  aigcusage vod usage --type all --start 2025-11-01 --end 2025-11-30 -o csv > november.csv
  aigcusage modelrouter cost --granularity daily -o json | jq '.series[].total'
  aigcusage report --last 30d --group-by week

Credentials come from the environment (TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY, ...)
or from a profile in the config file: run `aigcusage config init` to write a commented one.";

/// How much AI generation did we use, and what did it cost?
///
/// One command tree over Tencent Cloud VOD and LKE, Alibaba Cloud ModelRouter and AceData
/// Cloud, with one normalized time series and one set of output formats (table, json,
/// ndjson, csv). Try `aigcusage report --demo`: no credentials needed.
#[derive(Debug, Parser)]
#[command(
    name = "aigcusage",
    version,
    propagate_version = true,
    after_help = AFTER_HELP,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options valid before or after the subcommand.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Output format [env: AIGCUSAGE_OUTPUT] [default: table]
    #[arg(
        short = 'o',
        long,
        global = true,
        value_name = "FORMAT",
        value_parser = ["table", "json", "ndjson", "csv"],
        help_heading = "Global options"
    )]
    pub output: Option<String>,

    /// Short for `-o json`
    #[arg(
        long,
        global = true,
        conflicts_with = "output",
        help_heading = "Global options"
    )]
    pub json: bool,

    /// Time zone for reading times without an offset and for printing times: an IANA name
    /// (Asia/Shanghai), UTC, or an offset (+08:00) [env: AIGCUSAGE_TZ]
    #[arg(
        long,
        global = true,
        value_name = "ZONE",
        help_heading = "Global options"
    )]
    pub tz: Option<String>,

    /// Config profile to use [env: AIGCUSAGE_PROFILE] [default: default]
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        help_heading = "Global options"
    )]
    pub profile: Option<String>,

    /// Config file [env: AIGCUSAGE_CONFIG] [default: ~/.config/aigcusage/config.toml]
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        help_heading = "Global options"
    )]
    pub config: Option<PathBuf>,

    /// Timeout of each HTTP attempt, in seconds
    #[arg(
        long,
        global = true,
        value_name = "SECS",
        default_value = "30",
        value_parser = parse_timeout,
        help_heading = "Global options"
    )]
    pub timeout: f64,

    /// Retries after the first attempt for retryable failures (throttling, 5xx, timeouts)
    #[arg(
        long,
        global = true,
        value_name = "N",
        default_value_t = 3,
        value_parser = clap::value_parser!(u32).range(0..=10),
        help_heading = "Global options"
    )]
    pub retries: u32,

    /// The whole command's time limit, in seconds: no retry wait is started that would end
    /// after it
    #[arg(
        long,
        global = true,
        value_name = "SECS",
        default_value = "300",
        value_parser = parse_timeout,
        help_heading = "Global options"
    )]
    pub deadline: f64,

    /// Build and sign every request, print them (secrets redacted), send nothing
    #[arg(long, global = true, help_heading = "Global options")]
    pub dry_run: bool,

    /// Answer every request from built-in example responses instead of the network; no
    /// credentials needed
    #[arg(
        long,
        global = true,
        conflicts_with = "dry_run",
        help_heading = "Global options"
    )]
    pub demo: bool,

    /// One line per HTTP attempt on stderr (method, URL, status, time, retry reason)
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub verbose: bool,

    /// No progress or warnings on stderr
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub quiet: bool,

    /// No colour (also off when stdout is not a terminal, or NO_COLOR or TERM=dumb is set)
    #[arg(long, global = true, help_heading = "Global options")]
    pub no_color: bool,
}

fn parse_timeout(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs <= 86_400.0 => Ok(secs),
        _ => Err("expected a number of seconds greater than 0, e.g. 30 or 2.5".to_string()),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Tencent Cloud VOD: AIGC usage and quotas
    #[command(subcommand)]
    Vod(VodCommand),

    /// Tencent Cloud LKE / ADP: token usage
    #[command(subcommand)]
    Lke(LkeCommand),

    /// Alibaba Cloud ModelRouter (AiContent): cost trend
    #[command(subcommand)]
    Modelrouter(ModelrouterCommand),

    /// AceData Cloud: API usage
    #[command(subcommand)]
    Acedata(AcedataCommand),

    /// Every configured provider at once: totals, a breakdown by day, week or month, and
    /// a trend per series
    #[command(after_help = "\
Examples:
  aigcusage report --demo
  aigcusage report --last 30d --group-by week
  aigcusage report --providers vod --vod-type Video,Image -o json

Providers that fail are reported on stderr while the others are printed; the exit code is
then 6.")]
    Report(ReportArgs),

    /// Write, show or locate the config file
    #[command(subcommand)]
    Config(ConfigCommand),

    /// Print a shell completion script
    #[command(
        after_help = "Example:\n  aigcusage completions bash > ~/.local/share/bash-completion/completions/aigcusage"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum VodCommand {
    /// AIGC usage per specification (DescribeAigcUsageData): seconds of video, images,
    /// tokens, and task counts
    #[command(after_help = "\
Examples:
  aigcusage vod usage --type Video
  aigcusage vod usage --type all --last 30d -o csv
  aigcusage vod usage --type Video,Image --start 2025-11-18 --end 2025-11-19 -o json

Ranges over 90 days are split into several calls and merged; VOD keeps 365 days.
A range of more than one day gives daily points, otherwise 5-minute points.")]
    Usage(VodUsageArgs),

    /// AIGC quotas: set, create, delete, list (with --warn-at/--fail-at for cron and CI)
    #[command(subcommand)]
    Quota(QuotaCommand),
}

#[derive(Debug, Subcommand)]
pub enum QuotaCommand {
    /// Set a quota's limit (ModifyAigcQuota); safe to retry
    #[command(after_help = "\
Examples:
  aigcusage vod quota set --type Image --limit 2000 --sub-app-id 200000004
  aigcusage vod quota set --type Text --limit 5000000 --api-token \"$AIGC_TOKEN\" --dry-run

Units: Image in images, Video in seconds, Text in tokens.")]
    Set(QuotaSetArgs),

    /// Create a quota (CreateAigcQuota); not retried once it may have reached the server
    #[command(after_help = "\
Example:
  aigcusage vod quota create --type Video --limit 3600 --sub-app-id 200000004")]
    Create(QuotaSetArgs),

    /// Delete a quota (DeleteAigcQuota); asks on a terminal, needs --yes otherwise
    #[command(after_help = "\
Example:
  aigcusage vod quota delete --type Image --sub-app-id 200000004 --yes")]
    Delete(QuotaDeleteArgs),

    /// List quotas with their usage (DescribeAigcQuotas, every page)
    #[command(after_help = "\
Examples:
  aigcusage vod quota list --sub-app-id 200000004
  aigcusage vod quota list --warn-at 80 --fail-at 95   # exit 7 at or above 95 % used")]
    List(QuotaListArgs),
}

#[derive(Debug, Args)]
pub struct QuotaSetArgs {
    /// Quota type: Image, Video or Text (case-insensitive)
    #[arg(long = "type", value_name = "TYPE")]
    pub quota_type: String,

    /// The limit: a whole number >= 0 (images, seconds or tokens)
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub limit: String,

    #[command(flatten)]
    pub target: QuotaTargetArgs,
}

#[derive(Debug, Args)]
pub struct QuotaDeleteArgs {
    /// Quota type: Image, Video or Text (case-insensitive)
    #[arg(long = "type", value_name = "TYPE")]
    pub quota_type: String,

    /// Do not ask for confirmation (required when stdin is not a terminal)
    #[arg(short, long)]
    pub yes: bool,

    #[command(flatten)]
    pub target: QuotaTargetArgs,
}

#[derive(Debug, Args)]
pub struct QuotaListArgs {
    /// Only quotas of this type: Image, Video or Text
    #[arg(long = "type", value_name = "TYPE")]
    pub quota_type: Option<String>,

    /// Print a warning on stderr for each quota at or above PCT % used
    #[arg(long, value_name = "PCT", allow_hyphen_values = true)]
    pub warn_at: Option<String>,

    /// Like --warn-at, then exit 7 after printing the list
    #[arg(long, value_name = "PCT", allow_hyphen_values = true)]
    pub fail_at: Option<String>,

    #[command(flatten)]
    pub target: QuotaTargetArgs,
}

/// Options shared by every quota action.
#[derive(Debug, Args)]
pub struct QuotaTargetArgs {
    /// VOD application id (default: the profile's tencent.sub_app_id)
    #[arg(long, value_name = "N")]
    pub sub_app_id: Option<u64>,

    /// The AIGC api token of a Text quota (shown redacted in every output)
    #[arg(long, value_name = "TOKEN", allow_hyphen_values = true)]
    pub api_token: Option<String>,

    /// VOD endpoint base URL [env: AIGCUSAGE_VOD_ENDPOINT]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum LkeCommand {
    /// Token usage over time (DescribeTokenUsageGraph): total, input and output tokens
    #[command(after_help = "\
Examples:
  aigcusage lke tokens --last 1d
  aigcusage lke tokens --model cs-normal --start 2025-11-01 --end 2025-11-30 -o csv
  aigcusage lke tokens --app-biz-id 1730000000000000000 --region ap-jakarta -o json")]
    Tokens(LkeTokensArgs),
}

#[derive(Debug, Args)]
pub struct LkeTokensArgs {
    /// Only this model (ModelName)
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,

    /// Sub-business type (SubBizType), e.g. KnowledgeQA, Embedding, fileparse
    #[arg(long, value_name = "T")]
    pub sub_biz_type: Option<String>,

    /// Only this application (AppBizIds; repeatable)
    #[arg(long = "app-biz-id", value_name = "ID")]
    pub app_biz_ids: Vec<String>,

    /// Only this root account (UinAccount; repeatable)
    #[arg(long = "uin-account", value_name = "UIN")]
    pub uin_accounts: Vec<String>,

    /// Application type (AppType)
    #[arg(long, value_name = "T")]
    pub app_type: Option<String>,

    /// Only this sub-scene (SubScenes; repeatable)
    #[arg(long = "sub-scene", value_name = "S")]
    pub sub_scenes: Vec<String>,

    /// Region sent as X-TC-Region [env: TENCENTCLOUD_REGION] [default: ap-jakarta]
    #[arg(long, value_name = "R")]
    pub region: Option<String>,

    /// LKE endpoint base URL [env: AIGCUSAGE_LKE_ENDPOINT]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    #[command(flatten)]
    pub range: RangeOpts,
}

#[derive(Debug, Args)]
pub struct VodUsageArgs {
    /// AIGC types: Video, Image, Text, Audio, SceneAigcVideo, SceneAigcImage,
    /// SceneAigcTime, or all (comma-separated or repeated, case-insensitive)
    #[arg(
        long = "type",
        value_name = "TYPE",
        required = true,
        value_delimiter = ','
    )]
    pub types: Vec<String>,

    /// VOD application id (default: the profile's tencent.sub_app_id)
    #[arg(long, value_name = "N")]
    pub sub_app_id: Option<u64>,

    /// Only usage made with this AIGC API key (repeatable)
    #[arg(long = "api-key", value_name = "KEY")]
    pub api_keys: Vec<String>,

    /// VOD endpoint base URL [env: AIGCUSAGE_VOD_ENDPOINT]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    #[command(flatten)]
    pub range: RangeOpts,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Providers to query, comma-separated [default: every provider with credentials]
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    pub providers: Vec<String>,

    /// VOD AIGC types, as `vod usage --type`
    #[arg(
        long,
        value_name = "TYPE",
        value_delimiter = ',',
        default_value = "all"
    )]
    pub vod_type: Vec<String>,

    /// Buckets of the breakdown (weeks start on Monday)
    #[arg(long, value_name = "BUCKET", default_value = "day", value_parser = ["day", "week", "month"])]
    pub group_by: String,

    #[command(flatten)]
    pub range: RangeOpts,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CostGranularityArg {
    Hourly,
    Daily,
}

/// `--start/--end` or `--last` (spec §2).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Time range")]
pub struct RangeOpts {
    /// Start: RFC 3339, a date (2025-11-18), a date-time (2025-11-18 09:30), unix seconds,
    /// now, today, yesterday, or a duration ago (7d, 36h)
    #[arg(
        long,
        visible_alias = "since",
        value_name = "TIME",
        allow_hyphen_values = true
    )]
    pub start: Option<String>,

    /// End, same forms as --start; a date means the end of that day (inclusive)
    #[arg(
        long,
        visible_alias = "until",
        value_name = "TIME",
        allow_hyphen_values = true
    )]
    pub end: Option<String>,

    /// The DURATION before --end (or before now): <N><m|h|d|w> [default: 7d]
    #[arg(long, value_name = "DURATION", conflicts_with = "start")]
    pub last: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented config template (mode 0600)
    Init {
        /// Overwrite an existing file
        #[arg(long)]
        force: bool,
    },
    /// Show the resolved settings of the profile and where each came from (secrets redacted)
    Show,
    /// Print the config file's path
    Path,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every `[env: NAME]` written into a help text, in every subcommand.
    fn env_names_in_help(command: &mut clap::Command, found: &mut Vec<String>) {
        let help = command.render_long_help().to_string();
        let mut rest = help.as_str();
        while let Some(start) = rest.find("[env: ") {
            rest = &rest[start + "[env: ".len()..];
            let end = rest.find(']').unwrap_or(rest.len());
            found.push(rest[..end].to_string());
        }
        for sub in command.get_subcommands_mut() {
            env_names_in_help(sub, found);
        }
    }

    #[test]
    fn every_env_named_in_help_is_one_the_configuration_reads() {
        let mut found = Vec::new();
        env_names_in_help(&mut Cli::command(), &mut found);
        assert!(found.len() >= 8, "{found:?}");
        let known: Vec<&str> = crate::config::environment()
            .iter()
            .map(|v| v.name)
            .collect();
        for name in &found {
            assert!(
                known.contains(&name.as_str()),
                "{name} is not read by config"
            );
        }
    }

    #[test]
    fn command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_work_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "aigcusage",
            "vod",
            "usage",
            "--type",
            "Video,image",
            "-o",
            "json",
            "--tz",
            "UTC",
        ])
        .unwrap();
        assert_eq!(cli.global.output.as_deref(), Some("json"));
        assert_eq!(cli.global.tz.as_deref(), Some("UTC"));
        let Command::Vod(VodCommand::Usage(args)) = cli.command else {
            panic!("wrong command")
        };
        assert_eq!(args.types, ["Video", "image"]);
    }

    #[test]
    fn last_conflicts_with_start() {
        let err = Cli::try_parse_from([
            "aigcusage",
            "vod",
            "usage",
            "--type",
            "Video",
            "--last",
            "7d",
            "--start",
            "2025-11-01",
        ])
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn since_and_until_are_aliases() {
        let cli = Cli::try_parse_from([
            "aigcusage",
            "vod",
            "usage",
            "--type",
            "Video",
            "--since",
            "-7d",
            "--until",
            "now",
        ])
        .unwrap();
        let Command::Vod(VodCommand::Usage(args)) = cli.command else {
            panic!("wrong command")
        };
        assert_eq!(args.range.start.as_deref(), Some("-7d"));
        assert_eq!(args.range.end.as_deref(), Some("now"));
    }
}
