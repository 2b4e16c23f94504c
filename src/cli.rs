//! The command tree (spec §2). Pure data: doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

// Each provider's subcommands and their help live in its folder (`commands.rs`).
pub use crate::providers::acedata::commands::*;
pub use crate::providers::alibaba::commands::*;
pub use crate::providers::tencent::commands::*;

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
/// ndjson, csv, and prom and focus for Prometheus and FinOps tools). Try
/// `aigcusage report --demo`: no credentials needed.
#[derive(Debug, Parser)]
#[command(
    name = "aigcusage",
    version,
    propagate_version = true,
    after_help = AFTER_HELP,
    max_term_width = 100,
    // `help` is ours: it also prints topics (`aigcusage help exit-codes`).
    disable_help_subcommand = true
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
    /// Output format; prom is Prometheus' text format, focus a FOCUS 1.2 cost CSV (implies
    /// --cost) [env: AIGCUSAGE_OUTPUT] [default: table]
    #[arg(
        short = 'o',
        long,
        global = true,
        value_name = "FORMAT",
        value_parser = crate::render::Format::NAMES,
        help_heading = "Global options"
    )]
    pub output: Option<String>,

    /// Write the output to PATH instead of stdout, atomically: PATH changes only when the
    /// command printed its output (a new file gets mode 0644, an existing one keeps its mode)
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        help_heading = "Global options"
    )]
    pub output_file: Option<PathBuf>,

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

    /// CSV without its header line, to append runs to one file
    #[arg(long, global = true, help_heading = "Global options")]
    pub no_header: bool,

    /// Costs instead of quantities, priced with the price book (usage commands and report)
    #[arg(long, global = true, help_heading = "Cost")]
    pub cost: bool,

    /// The price book [env: AIGCUSAGE_PRICES] [default: ~/.config/aigcusage/prices.toml]
    #[arg(long, global = true, value_name = "PATH", help_heading = "Cost")]
    pub prices: Option<PathBuf>,

    /// Report every cost in this ISO 4217 currency, converted with the book's [rates]
    /// [env: AIGCUSAGE_CURRENCY]
    #[arg(long, global = true, value_name = "CODE", help_heading = "Cost")]
    pub currency: Option<String>,

    /// The history store: a path, sqlite:<path> or postgres://user@host/db [env:
    /// AIGCUSAGE_STORE] [default: $XDG_DATA_HOME/aigcusage/history.db]
    #[arg(
        long,
        global = true,
        value_name = "URL",
        help_heading = "Global options"
    )]
    pub store: Option<String>,

    /// report and the usage commands: answer from the history store instead of the
    /// providers (no credentials, no network)
    #[arg(long, global = true, help_heading = "History store")]
    pub from_store: bool,

    /// With --from-store and `history export`: only this account (repeatable) [default:
    /// every account]
    #[arg(
        long = "account",
        global = true,
        value_name = "NAME",
        help_heading = "History store"
    )]
    pub accounts: Vec<String>,
}

fn parse_timeout(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs <= 86_400.0 => Ok(secs),
        _ => Err(
            "expected a number of seconds greater than 0 and at most 86400 (one day), e.g. 30 or 2.5"
                .to_string(),
        ),
    }
}

/// Accepts any text (the command checks it and says what is wrong in its own words) but
/// offers `values` to shell completion. The help lists the values itself, so clap's
/// `[possible values: ...]` is hidden where this is used.
#[derive(Clone, Copy)]
pub struct Suggest(pub fn() -> Vec<&'static str>);

impl clap::builder::TypedValueParser for Suggest {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            (self.0)()
                .into_iter()
                .map(clap::builder::PossibleValue::new),
        ))
    }
}

/// `--type`'s values for completion: every VOD AIGC type and `all`.
pub fn vod_type_values() -> Vec<&'static str> {
    let mut values = crate::providers::tencent::vod::AIGC_TYPES.to_vec();
    values.push("all");
    values
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

    /// This month's cost or usage so far, and where it will end
    #[command(after_help = "\
Examples:
  aigcusage forecast --demo --cost
  aigcusage forecast --cost --currency CNY --budget 5000
  aigcusage forecast --providers vod --basis 28d -o json

The forecast is the actual over the month's complete days plus the mean daily rate of the
last N complete days (the basis) times the days left; lower and upper use the basis days'
10th and 90th percentiles. Exit 7 when --budget is reached by the forecast.")]
    Forecast(ForecastArgs),

    /// The price book: which series it prices, and which it does not
    #[command(subcommand)]
    Prices(PricesCommand),

    /// Fetch every configured provider into the history store
    #[command(after_help = "\
Examples:
  aigcusage sync -q                      # from cron: */30 * * * * aigcusage sync -q
  aigcusage sync --providers vod --start 2025-01-01 --end 2025-06-30

Without a time range each source is fetched from two days before its last synced date
(late data), or for the last 30 days when nothing of it is stored yet.")]
    Sync(SyncArgs),

    /// The history store: status, export, import
    #[command(subcommand)]
    History(HistoryCommand),

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

    /// Print the help of a command, or a topic: exit-codes, environment, time, prices, store
    #[command(after_help = "\
Examples:
  aigcusage help exit-codes
  aigcusage help vod quota apply")]
    Help {
        /// A topic, or a command path (`vod quota`)
        #[arg(value_name = "TOPIC|COMMAND")]
        topic: Vec<String>,
    },

    /// Print the manual page (roff) of the whole command tree: aigcusage man | man -l -
    Man,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Providers to query, comma-separated [default: every provider with credentials]
    #[arg(
        long,
        value_name = "NAME,...",
        value_delimiter = ',',
        value_parser = Suggest(crate::providers::report_names),
        hide_possible_values = true
    )]
    pub providers: Vec<String>,

    /// VOD AIGC types, as `vod usage --type`
    #[arg(
        long,
        value_name = "TYPE",
        value_delimiter = ',',
        default_value = "all",
        value_parser = Suggest(vod_type_values),
        hide_possible_values = true
    )]
    pub vod_type: Vec<String>,

    /// Buckets of the breakdown (weeks start on Monday)
    #[arg(long, value_name = "BUCKET", default_value = "day", value_parser = ["day", "week", "month"])]
    pub group_by: String,

    /// Compare the total cost with this budget after the output (implies --cost, needs a
    /// currency); exit 7 at or above it
    #[arg(long, value_name = "AMOUNT", help_heading = "Cost")]
    pub budget: Option<String>,

    /// Warn on stderr at or above this percentage of --budget [default: 80]
    #[arg(long, value_name = "PCT", requires = "budget", help_heading = "Cost")]
    pub budget_warn: Option<String>,

    #[command(flatten)]
    pub range: RangeOpts,
}

/// `forecast` (spec §9).
#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// The month to forecast, in --tz: this or YYYY-MM (it must be in progress)
    #[arg(long, value_name = "MONTH", default_value = "this")]
    pub month: String,

    /// The basis: the last N complete days the daily rate is read from (7d..90d)
    #[arg(long, value_name = "N", default_value = "14d")]
    pub basis: String,

    /// Exit 7 when the total forecast reaches this amount (implies --cost, needs a
    /// currency)
    #[arg(long, value_name = "AMOUNT", help_heading = "Cost")]
    pub budget: Option<String>,

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
}

#[derive(Debug, Subcommand)]
pub enum PricesCommand {
    /// For report's range and providers: the entry (file:line) that priced each series, or
    /// `unpriced`, and the entries that priced nothing (`unused`); exit 7 when something
    /// is unpriced, 3 for a bad book
    Check(PricesCheckArgs),
}

#[derive(Debug, Args)]
pub struct PricesCheckArgs {
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

    #[command(flatten)]
    pub range: RangeOpts,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Sources to sync, comma-separated [default: every provider with credentials]
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    pub providers: Vec<String>,

    #[command(flatten)]
    pub range: RangeOpts,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Per account and source: first and last point, ranges covered, rows, last sync
    Status,
    /// Every stored row as NDJSON on stdout (--account, time range)
    Export {
        #[command(flatten)]
        range: RangeOpts,
    },
    /// Read NDJSON rows (as `history export` writes them) from FILE or `-` into the store
    Import {
        /// The file, or `-` for stdin
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
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

    /// One calendar month in --tz: YYYY-MM, this or last (instead of --start/--end/--last)
    #[arg(long, value_name = "MONTH")]
    pub month: Option<String>,
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
