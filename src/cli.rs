//! The command tree (spec §2). Pure data: doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use crate::args::{RangeOpts, Suggest};
use crate::providers::{self, Invocation, REGISTRY};

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
/// (The long description names the providers: `long_about`.)
#[derive(Debug, Parser)]
#[command(
    name = "aigcusage",
    long_about = long_about(),
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

impl Cli {
    /// The conflicts among global options, whichever side of the subcommand each was given
    /// on: clap checks `conflicts_with` only among the options of one side, so
    /// `--dry-run report --demo` would otherwise run.
    pub fn check_global_conflicts(&self) -> Result<(), clap::Error> {
        let conflict = |a: &str, b: &str| {
            <Cli as clap::CommandFactory>::command().error(
                clap::error::ErrorKind::ArgumentConflict,
                format!("the argument '{a}' cannot be used with '{b}'"),
            )
        };
        if self.global.demo && self.global.dry_run {
            return Err(conflict("--demo", "--dry-run"));
        }
        if self.global.json && self.global.output.is_some() {
            return Err(conflict("--json", "--output <FORMAT>"));
        }
        Ok(())
    }
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
        // A western offset (`--tz -05:00`) is a value, not an option.
        allow_hyphen_values = true,
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

/// The program's long description: what it covers comes from the registry.
fn long_about() -> String {
    let summaries: Vec<&str> = REGISTRY.iter().map(|p| p.commands.summary).collect();
    format!(
        "How much AI generation did we use, and what did it cost?\n\n\
         One command tree over {}, with one normalized time series and one set of output \
         formats (table, json, ndjson, csv, and prom and focus for Prometheus and FinOps \
         tools). Try `aigcusage report --demo`: no credentials needed.",
        join_with_and(&summaries)
    )
}

/// `a`, `a and b`, `a, b and c`.
fn join_with_and(items: &[&str]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// Every provider's top-level subcommands, from the registry.
#[derive(Debug)]
pub struct ProviderCommand(pub Invocation);

impl clap::FromArgMatches for ProviderCommand {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let provider = matches
            .subcommand_name()
            .and_then(providers::provider_with_subcommand)
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::MissingSubcommand))?;
        (provider.commands.from_matches)(matches).map(ProviderCommand)
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Subcommand for ProviderCommand {
    fn augment_subcommands(command: clap::Command) -> clap::Command {
        REGISTRY.iter().fold(command, |command, provider| {
            (provider.commands.augment)(command)
        })
    }

    fn augment_subcommands_for_update(command: clap::Command) -> clap::Command {
        Self::augment_subcommands(command)
    }

    fn has_subcommand(name: &str) -> bool {
        providers::provider_with_subcommand(name).is_some()
    }
}

/// The options sources declare, from the registry: what `report`,
/// `forecast` and `prices check` pass them by name.
#[derive(Debug, Clone, Default)]
pub struct SourceOptionArgs {
    pub values: Vec<(&'static str, Vec<String>)>,
}

impl clap::FromArgMatches for SourceOptionArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut values = Vec::new();
        for option in providers::source_options() {
            let given = matches
                .try_get_many::<String>(option.name)
                .map_err(|e| {
                    let message = format!("--{}: {e}", option.name);
                    clap::Error::raw(clap::error::ErrorKind::InvalidValue, message)
                })?
                .map(|v| v.cloned().collect())
                .unwrap_or_default();
            values.push((option.name, given));
        }
        Ok(Self { values })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for SourceOptionArgs {
    fn augment_args(command: clap::Command) -> clap::Command {
        providers::source_options().fold(command, |command, option| command.arg((option.arg)()))
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    // The providers' subcommands come first, in registry order.
    #[command(flatten)]
    Provider(ProviderCommand),

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

    #[command(flatten)]
    pub source_options: SourceOptionArgs,

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

    #[command(flatten)]
    pub source_options: SourceOptionArgs,
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

    #[command(flatten)]
    pub source_options: SourceOptionArgs,

    #[command(flatten)]
    pub range: RangeOpts,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Providers to sync, comma-separated [default: every provider with credentials]
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

    /// The provider invocation of a parsed command line.
    fn invocation(cli: &Cli) -> &Invocation {
        let Command::Provider(ProviderCommand(invocation)) = &cli.command else {
            panic!("not a provider command: {:?}", cli.command)
        };
        invocation
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
        assert_eq!(invocation(&cli).name(), "vod usage");
    }

    #[test]
    fn every_provider_subcommand_parses_to_its_invocation() {
        for (words, name, series) in [
            (&["vod", "usage", "--type", "all"][..], "vod usage", true),
            (&["vod", "quota", "list"][..], "vod quota list", false),
            (&["lke", "tokens"][..], "lke tokens", true),
            (&["modelrouter", "cost"][..], "modelrouter cost", true),
            (&["acedata", "usage"][..], "acedata usage", true),
        ] {
            let cli =
                Cli::try_parse_from(std::iter::once("aigcusage").chain(words.iter().copied()))
                    .unwrap();
            assert_eq!(invocation(&cli).name(), name);
            assert_eq!(invocation(&cli).prints_series(), series, "{name}");
        }
    }

    #[test]
    fn a_provider_command_without_its_subcommand_is_a_usage_error() {
        let err = Cli::try_parse_from(["aigcusage", "vod"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn source_options_are_passed_by_name_with_their_defaults() {
        let cli =
            Cli::try_parse_from(["aigcusage", "report", "--vod-type", "Video,Image"]).unwrap();
        let Command::Report(args) = cli.command else {
            panic!("wrong command")
        };
        let vod_type = args
            .source_options
            .values
            .iter()
            .find(|(name, _)| *name == "vod-type");
        assert_eq!(vod_type.unwrap().1, ["Video", "Image"]);

        let cli = Cli::try_parse_from(["aigcusage", "prices", "check"]).unwrap();
        let Command::Prices(PricesCommand::Check(args)) = cli.command else {
            panic!("wrong command")
        };
        let vod_type = args
            .source_options
            .values
            .iter()
            .find(|(name, _)| *name == "vod-type");
        assert_eq!(vod_type.unwrap().1, ["all"]);
    }

    #[test]
    fn the_long_description_names_every_provider_in_registry_order() {
        assert_eq!(join_with_and(&[]), "");
        assert_eq!(join_with_and(&["a"]), "a");
        assert_eq!(join_with_and(&["a", "b", "c"]), "a, b and c");
        let about = long_about();
        let mut at = 0;
        for provider in REGISTRY {
            let found = about[at..].find(provider.commands.summary);
            assert!(found.is_some(), "{} missing or out of order", provider.id);
            at += found.unwrap_or_default();
        }
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
        let Invocation::Usage(command) = invocation(&cli) else {
            panic!("not a usage command")
        };
        assert_eq!(command.range().start.as_deref(), Some("-7d"));
        assert_eq!(command.range().end.as_deref(), Some("now"));
    }
}
