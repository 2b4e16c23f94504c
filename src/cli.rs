//! The command tree (spec §2). Pure data: doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const AFTER_HELP: &str = "\
Examples:
  aigcusage vod usage --type Video --last 7d
  aigcusage vod usage --type all --start 2025-11-01 --end 2025-11-30 -o csv > november.csv
  aigcusage vod usage --type Video,Image --tz Asia/Shanghai -o json | jq '.series[].total'

Credentials come from the environment (TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY, ...)
or from a profile in the config file: run `aigcusage config init` to write a commented one.";

/// How much AI generation did we use, and what did it cost?
///
/// One command tree over Tencent Cloud VOD and the other AIGC platforms you pay for,
/// with one normalized time series and one set of output formats (table, json, ndjson, csv).
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

    /// Build and sign every request, print them (secrets redacted), send nothing
    #[arg(long, global = true, help_heading = "Global options")]
    pub dry_run: bool,

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
    /// Tencent Cloud VOD: AIGC usage
    #[command(subcommand)]
    Vod(VodCommand),

    /// AceData Cloud: API usage
    #[command(subcommand)]
    Acedata(AcedataCommand),

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
