//! One folder per provider. Each turns requests into `Series` and never prints.
//!
//! The rest of the crate reaches a provider through its `Provider` descriptor in
//! `REGISTRY`: adding a provider is a folder and one line there.

pub mod acedata;
pub mod alibaba;
pub mod demo;
pub mod recorded;
pub mod tencent;

use chrono::{DateTime, Utc};
use futures::future::LocalBoxFuture;

use crate::config::Settings;
use crate::error::Error;
use crate::series::{apply_window, Series};
use crate::timerange::TimeRange;
use crate::transport::{HttpRequest, HttpResponse, Transport};
use crate::zone::Zone;

/// Every provider, in the order `report` and the help list them. One line per provider.
pub const REGISTRY: &[&Provider] = &[
    &tencent::DESCRIPTOR,
    &alibaba::DESCRIPTOR,
    &acedata::DESCRIPTOR,
];

/// What the rest of the crate knows of a provider.
#[derive(Debug)]
pub struct Provider {
    /// The label in series, failures and messages: `tencent`.
    pub id: &'static str,
    /// `Tencent Cloud`.
    pub display_name: &'static str,
    /// The sources it serves, each a `--providers` name of `report`.
    pub sources: &'static [Source],
    /// Whether the settings hold its credentials (`report` skips it otherwise).
    pub has_credentials: fn(&Settings) -> bool,
    /// Its credential variables in short (`TENCENTCLOUD_*`), for "ignored" notes.
    pub credential_variables: &'static str,
    /// What to set, for "no credentials" messages.
    pub credentials_hint: &'static str,
    /// The keys of its config-file section (others are warned about as typos).
    pub config_keys: &'static [&'static str],
    /// The keys of its section that hold secrets (a file holding one must be private).
    pub secret_config_keys: &'static [&'static str],
    /// Checks the types of its section in config text (`config::check_section::<Raw>`).
    pub check_config_section: fn(&str, &str) -> Result<(), toml::de::Error>,
    /// Its settings from the environment, its section of the profile and its defaults.
    pub resolve_settings: crate::config::ResolveSettings,
    /// Its settings when nothing is set (`Settings::default()`).
    pub default_settings: fn() -> Box<dyn crate::config::ProviderSettings>,
    /// Its main API's default base URL, the example of endpoint messages.
    pub example_endpoint: &'static str,
    /// Its section of `config show`: every setting, redacted, with its origin.
    pub show: fn(&Settings) -> Vec<crate::config::Shown>,
    /// Its section of `config init`'s template (the lines under `[default.<id>]`).
    pub config_template: &'static str,
    /// The environment variables it reads, with their meaning.
    pub environment: &'static [EnvVar],
    /// Its recorded `--demo` answer to a request, `None` for requests of other providers.
    pub demo_answer: fn(&HttpRequest) -> Option<HttpResponse>,
    /// Its `[[price]]` entries of the `--demo` price book (in CNY, or in a currency the
    /// book's `[rates]` converts): every quantity its demo answers is priced. Empty for a
    /// provider that reports money.
    pub demo_prices: &'static str,
    /// Its commented example entries of the `prices.toml` template (`# ` lines to
    /// uncomment, `## ` lines of prose). Empty for a provider that reports money.
    pub prices_example: &'static str,
    /// Its top-level subcommands (`vod`, `lke`).
    pub commands: Commands,
}

/// A provider's top-level subcommands in the command tree, and what running one means.
#[derive(Debug)]
pub struct Commands {
    /// What it covers, for the program's description: `Tencent Cloud VOD and LKE`.
    pub summary: &'static str,
    /// Adds its subcommands (with their help) to the command.
    pub augment: fn(clap::Command) -> clap::Command,
    /// Whether `name` is one of its top-level subcommands.
    pub has_subcommand: fn(&str) -> bool,
    /// The invocation of the matches whose subcommand is one of its own.
    pub from_matches: fn(&clap::ArgMatches) -> Result<Invocation, clap::Error>,
}

/// What the app runs for a provider's subcommand.
pub enum Invocation {
    /// A usage command: down the one usage path, printed as series.
    Usage(Box<dyn UsageCommand>),
    /// A command that acts on the provider's account (quotas) and prints what it did.
    Action(Box<dyn ActionCommand>),
}

impl Invocation {
    /// The command's words: `vod usage`.
    pub fn name(&self) -> &'static str {
        match self {
            Invocation::Usage(command) => command.name(),
            Invocation::Action(command) => command.name(),
        }
    }

    /// Whether it prints series (`-o prom|focus`, `--from-store`).
    pub fn prints_series(&self) -> bool {
        matches!(self, Invocation::Usage(_))
    }

    /// Why `--demo` is refused, when it is.
    pub fn demo_refusal(&self) -> Option<&'static str> {
        match self {
            Invocation::Usage(_) => None,
            Invocation::Action(command) => command.demo_refusal(),
        }
    }

    /// Whether it handles Ctrl-C itself (the request in flight finishes first).
    pub fn handles_interrupts(&self) -> bool {
        match self {
            Invocation::Usage(_) => false,
            Invocation::Action(command) => command.handles_interrupts(),
        }
    }

    /// Whether `--dry-run` still sends its reads (it stops before any change instead).
    pub fn sends_reads_on_dry_run(&self) -> bool {
        match self {
            Invocation::Usage(_) => false,
            Invocation::Action(command) => command.sends_reads_on_dry_run(),
        }
    }
}

impl std::fmt::Debug for Invocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            Invocation::Usage(_) => "Usage",
            Invocation::Action(_) => "Action",
        };
        f.debug_tuple(kind).field(&self.name()).finish()
    }
}

/// The signal that interrupted a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    /// Ctrl-C: exit 130.
    Sigint,
    /// Exit 143.
    Sigterm,
}

impl Interrupt {
    /// Exit 130 or 143 (spec §6).
    pub fn exit_code(self) -> u8 {
        match self {
            Interrupt::Sigint => crate::error::exit::INTERRUPTED,
            Interrupt::Sigterm => crate::error::exit::TERMINATED,
        }
    }

    /// `Error::Interrupted` for this signal.
    pub fn error(self) -> Error {
        Error::Interrupted {
            sigterm: self == Interrupt::Sigterm,
        }
    }
}

/// A command that changes or lists something of the provider's account (`vod quota set`).
/// It computes; the app does the interaction and the printing through [`ActionEnv`]. The
/// rules the app applies before running it are asked of it.
pub trait ActionCommand {
    /// `vod quota set`.
    fn name(&self) -> &'static str;
    /// Why it refuses `--demo` (it acts on real accounts), if it does.
    fn demo_refusal(&self) -> Option<&'static str>;
    /// Whether it handles Ctrl-C itself ([`ActionEnv::watch_interrupts`]).
    fn handles_interrupts(&self) -> bool {
        false
    }
    /// Whether `--dry-run` sends its reads and stops before changes.
    fn sends_reads_on_dry_run(&self) -> bool {
        false
    }
    fn run<'a>(&'a self, env: &'a dyn ActionEnv) -> LocalBoxFuture<'a, Result<(), Error>>;
}

/// What an action command is given by the app: settings, the transport, the terminal,
/// questions, progress, warnings and the output. Nothing of a provider.
pub trait ActionEnv {
    fn settings(&self) -> &Settings;
    fn transport(&self) -> &Transport;
    /// The one snapshot of the process environment (variables a file names).
    fn environment(&self) -> &std::collections::HashMap<String, String>;
    /// `-o json` (formats differ in shape, not only in syntax, for some commands).
    fn json_output(&self) -> bool;
    /// `--dry-run`.
    fn dry_run(&self) -> bool;
    /// stdin and stderr are terminals: a question can be asked and answered.
    fn interactive(&self) -> bool;
    /// The output is a terminal (stdout, no `--output-file`): text written to it is seen.
    fn output_is_terminal(&self) -> bool;
    /// Asks `question` on the terminal; true only for a yes. SIGINT or SIGTERM while the
    /// user has not answered ends the wait at once (spec §7): "interrupted: nothing sent" is
    /// said on stderr and the error is exit 130 or 143 (`Error::Reported`).
    fn confirm<'a>(&'a self, question: String) -> LocalBoxFuture<'a, Result<bool, Error>>;
    /// A spinner naming what the command waits for, where progress is shown.
    fn waiting(&self, what: String) -> crate::term::Spinner;
    /// A warning on stderr, unless `--quiet`.
    fn warn(&self, message: &str);
    /// Prints `document` in the output format.
    fn emit(&self, document: &crate::document::Document) -> Result<(), Error>;
    /// The output as a stream flushed on every write, for text that must be on the screen
    /// before a question (it still goes to `--output-file` when one is given).
    fn progressive_output(&self) -> Box<dyn std::io::Write + '_>;
    /// Stderr, for what the user must see even with `--quiet` (what was applied before a
    /// failure or an interrupt).
    fn error_output(&self) -> Box<dyn std::io::Write + '_>;
    /// From now on SIGINT (Ctrl-C) and SIGTERM set [`ActionEnv::interrupted`] instead of
    /// ending the process (the app calls it first for a command that handles interrupts).
    fn watch_interrupts(&self);
    /// Which signal arrived since [`ActionEnv::watch_interrupts`], if one did.
    fn interrupted(&self) -> Option<Interrupt>;
    /// Resolves when a signal arrives (after [`ActionEnv::watch_interrupts`]; never
    /// before it), to drop what may be dropped: a read, a wait for the user.
    fn until_interrupted(&self) -> LocalBoxFuture<'_, Interrupt>;
}

/// One source of series.
#[derive(Debug)]
pub struct Source {
    /// The name `report --providers` takes: `vod`.
    pub name: &'static str,
    /// The source id in series and failures: `vod.aigc_usage`.
    pub id: &'static str,
    /// The service's own name: `Video on Demand`.
    pub service_display_name: &'static str,
    /// Every series of the source over a range, with its defaults (`report`).
    pub fetch: Fetch,
    /// The offset east of UTC, in seconds, at which the provider's days start; `None` when
    /// it answers in sub-daily buckets (its calendar never shows).
    pub day_offset_seconds: Option<i32>,
    /// Metrics whose values cannot be added over time (spec §5 v3): their series are
    /// `Aggregation::Max`. `--from-store` restores the aggregation from here.
    pub non_additive_metrics: &'static [&'static str],
    /// The options `report`, `forecast` and `prices check` take for it (`--vod-type`).
    pub options: &'static [SourceOption],
    /// A check of a range before anything is fetched (VOD's retention); `sync` runs it on
    /// an explicit range before it opens the store.
    pub check_range: Option<RangeCheck>,
    /// The range the provider is asked for when a command asks for `range`: what its
    /// answer covers, so what `sync` records as covered (VOD asks one date in `--tz` but
    /// several dates in its own calendar).
    pub asked_range: fn(&TimeRange) -> TimeRange,
}

/// [`Source::asked_range`] of a source asked for the range as given.
pub fn range_as_given(range: &TimeRange) -> TimeRange {
    *range
}

/// The range to ask a provider answering in day buckets dated at
/// `calendar_offset_seconds` east of UTC: for a whole-day range, the same dates in that
/// calendar ("dates mean the provider's dates", spec §5); otherwise the range.
pub fn dates_in_calendar(range: &TimeRange, calendar_offset_seconds: i32) -> TimeRange {
    match (
        range.whole_days,
        chrono::FixedOffset::east_opt(calendar_offset_seconds),
    ) {
        (Some(days), Some(calendar)) => crate::calendar::request_range(days, calendar),
        _ => *range,
    }
}

/// A source's check of a range against the clock (see [`Source::check_range`]).
pub type RangeCheck = fn(&TimeRange, DateTime<Utc>) -> Result<(), Error>;

/// An option a source reads by name (`vod-type`), and its command-line argument.
#[derive(Debug)]
pub struct SourceOption {
    /// The long option and the name the source reads it by: `vod-type`.
    pub name: &'static str,
    /// The argument (id = `name`) with its value parser, default and help.
    pub arg: fn() -> clap::Arg,
    /// What `sync` passes: everything the source can answer.
    pub sync_values: &'static [&'static str],
}

impl Source {
    /// How a metric of this source combines over time.
    pub fn aggregation_of(&self, metric: &str) -> crate::series::Aggregation {
        if self.non_additive_metrics.contains(&metric) {
            crate::series::Aggregation::Max
        } else {
            crate::series::Aggregation::Sum
        }
    }
}

/// The source whose id (`vod.aigc_usage`) is `id`.
pub fn source_with_id(id: &str) -> Option<(&'static Provider, &'static Source)> {
    sources().find(|(_, source)| source.id == id)
}

/// How a source's series are fetched for `report` (and later `sync`).
pub type Fetch = for<'a> fn(&'a FetchInput<'a>) -> LocalBoxFuture<'a, Result<Fetched, Error>>;

/// What a fetch is given: everything resolved, nothing of the app or the command line
/// beyond plain values.
pub struct FetchInput<'a> {
    pub transport: &'a Transport,
    pub settings: &'a Settings,
    pub zone: Zone,
    /// The clock series are windowed against (future points are dropped).
    pub now: DateTime<Utc>,
    /// `--demo`: demo credentials; the transport answers from recordings.
    pub demo: bool,
    pub range: TimeRange,
    /// Options `report` passes to a source by name (`vod-type`); a source reads its own.
    pub options: &'a [(&'static str, Vec<String>)],
}

impl FetchInput<'_> {
    /// The values of option `name`, empty when not given.
    pub fn option(&self, name: &str) -> &[String] {
        self.options
            .iter()
            .find(|(option, _)| *option == name)
            .map_or(&[], |(_, values)| values.as_slice())
    }

    /// The range to ask a provider answering in day buckets dated at
    /// `calendar_offset_seconds` east of UTC: for a whole-day range, the same dates in
    /// that calendar ("dates mean the provider's dates", spec §5); otherwise the range.
    pub fn day_range(&self, calendar_offset_seconds: i32) -> TimeRange {
        dates_in_calendar(&self.range, calendar_offset_seconds)
    }

    /// `series` cut to the range (and to now); returns how many points were dropped for
    /// lying outside the range (a bucket that has not begun is dropped, not counted: it is
    /// in the range, only not yet).
    /// Day (or longer) buckets of a whole-day range are kept by their dates
    /// (`calendar::window`); anything else by the overlap rule.
    pub fn window(&self, series: &mut [Series]) -> usize {
        let mut dropped = 0;
        for s in series {
            let before = s.points.len() - self.not_begun(s);
            crate::calendar::window(s, &self.range, self.now);
            dropped += before.saturating_sub(s.points.len());
        }
        dropped
    }

    /// The points of `series` whose bucket starts after now (a demo answers up to the
    /// range's end; a provider never does).
    fn not_begun(&self, series: &Series) -> usize {
        series.points.iter().filter(|p| p.time > self.now).count()
    }

    /// `series` cut to the range by the overlap rule only (LKE, whose days are not dated
    /// in a calendar of its own).
    pub fn window_overlap(&self, series: &mut [Series]) -> usize {
        let mut dropped = 0;
        for s in series {
            let before = s.points.len() - self.not_begun(s);
            apply_window(s, self.range.start, self.range.end, self.now);
            dropped += before.saturating_sub(s.points.len());
        }
        dropped
    }
}

/// How a fetch of `source` cuts a series to its range (and to now): the one rule
/// `--from-store` applies to stored series too, so both answer the same points. A source
/// with a calendar of its own keeps day buckets by their dates (`calendar::window`); one
/// without (LKE) keeps the overlap rule.
pub fn window(source: &Source, series: &mut Series, range: &TimeRange, now: DateTime<Utc>) {
    match source.day_offset_seconds {
        Some(_) => crate::calendar::window(series, range, now),
        None => apply_window(series, range.start, range.end, now),
    }
}

/// A usage command (`vod usage`, `lke tokens`, ...): its parsed arguments know their
/// range options and how to fetch what they ask. The app resolves the range, builds the
/// input and prints the result; the command refuses what it must before credentials or
/// the network.
pub trait UsageCommand {
    /// `vod usage`, for the query's `commands`.
    fn name(&self) -> &'static str;
    fn range(&self) -> &crate::args::RangeOpts;
    fn fetch<'a>(&'a self, input: &'a FetchInput<'a>)
        -> LocalBoxFuture<'a, Result<Fetched, Error>>;
    /// `--from-store`: which stored series this command's options select (by the labels
    /// the store keeps). An option the store cannot answer, a filter the provider applies
    /// that no label records, is a usage error: a silent "everything" would be wrong.
    fn stored_selection(&self) -> Result<StoredSelection, Error> {
        Ok(Box::new(|_| true))
    }
}

/// A predicate over stored series (see [`UsageCommand::stored_selection`]).
pub type StoredSelection = Box<dyn Fn(&Series) -> bool>;

/// The usage error for an option `--from-store` cannot answer.
pub fn not_in_store(option: &str) -> Error {
    Error::usage(format!(
        "{option} filters what the provider answers and is not recorded in the history store; \
         drop it, or query the provider without --from-store"
    ))
}

/// A fetch's series, windowed, and what the user should be told about them.
#[derive(Debug, Default)]
pub struct Fetched {
    pub series: Vec<Series>,
    pub notes: Vec<Note>,
}

/// Something to warn about, as data: the app words and prints it.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// The provider answered points outside the range; they were dropped.
    OutsideRange { label: &'static str, dropped: usize },
    /// An answer's own total is not the sum of its rows.
    TotalMismatch {
        label: &'static str,
        total: f64,
        sum: f64,
        rows: usize,
    },
}

/// An environment variable and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvVar {
    pub name: &'static str,
    pub meaning: &'static str,
}

/// China Standard Time, the calendar of VOD and ModelRouter days.
pub const UTC_PLUS_8: Option<i32> = Some(8 * 3600);

/// Every source of every provider, with its provider.
pub fn sources() -> impl Iterator<Item = (&'static Provider, &'static Source)> {
    REGISTRY.iter().flat_map(|provider| {
        provider
            .sources
            .iter()
            .map(move |source| (*provider, source))
    })
}

/// The source `report --providers` calls `name`.
pub fn source_named(name: &str) -> Option<(&'static Provider, &'static Source)> {
    sources().find(|(_, source)| source.name == name)
}

/// The sources `--providers` names: a source's name (`vod`), or a provider's id for all
/// its sources (`tencent`); each once, in registry order whatever the order given, so
/// "the first failure" is always vod's, then lke's, modelrouter's, acedata's (spec §4).
/// An unknown name is a usage error listing the names.
pub fn named_sources(names: &[String]) -> Result<Vec<(&'static Provider, &'static Source)>, Error> {
    let mut chosen = vec![false; sources().count()];
    for name in names {
        let name = name.trim().to_ascii_lowercase();
        let mut found = false;
        for (index, (provider, source)) in sources().enumerate() {
            if source.name == name || provider.id == name {
                chosen[index] = true;
                found = true;
            }
        }
        if !found {
            return Err(Error::usage(format!(
                "invalid --providers '{name}': choose from {}",
                report_names().join(", ")
            )));
        }
    }
    Ok(sources()
        .zip(chosen)
        .filter_map(|(entry, chosen)| chosen.then_some(entry))
        .collect())
}

/// Every name `report --providers` takes: each source's (`vod`), then each provider's
/// (`tencent`, meaning all its sources) that is not also a source's.
pub fn report_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = sources().map(|(_, s)| s.name).collect();
    for provider in REGISTRY {
        if !names.contains(&provider.id) {
            names.push(provider.id);
        }
    }
    names
}

/// Every option of every source, each once, in registry order.
pub fn source_options() -> impl Iterator<Item = &'static SourceOption> {
    sources().flat_map(|(_, source)| source.options.iter())
}

/// Checks the values given to source options (`--vod-type`) before anything is sent: each
/// must be one of the values its argument offers (any case, spaces around ignored, as the
/// sources read them), and at least one must be given. An option offering no values takes
/// any text. A violation is a usage error naming the option.
pub fn check_source_options(given: &[(&'static str, Vec<String>)]) -> Result<(), Error> {
    for option in source_options() {
        let Some((_, values)) = given.iter().find(|(name, _)| *name == option.name) else {
            continue;
        };
        let offered: Vec<String> = (option.arg)()
            .get_possible_values()
            .iter()
            .map(|v| v.get_name().to_string())
            .collect();
        if offered.is_empty() {
            continue;
        }
        let expected = || format!("expected one of {}", offered.join(", "));
        let mut named = values.iter().map(|v| v.trim()).filter(|v| !v.is_empty());
        if let Some(bad) = named
            .clone()
            .find(|v| !offered.iter().any(|o| o.eq_ignore_ascii_case(v)))
        {
            return Err(Error::usage(format!(
                "invalid --{} '{bad}': {}",
                option.name,
                expected()
            )));
        }
        if !values.is_empty() && named.next().is_none() {
            return Err(Error::usage(format!(
                "--{} needs a value: {}",
                option.name,
                expected()
            )));
        }
    }
    Ok(())
}

/// What `sync` passes every source: each option's `sync_values`.
pub fn sync_options() -> Vec<(&'static str, Vec<String>)> {
    source_options()
        .map(|option| {
            let values = option.sync_values.iter().map(|v| v.to_string()).collect();
            (option.name, values)
        })
        .collect()
}

/// The provider whose top-level subcommand is `name`.
pub fn provider_with_subcommand(name: &str) -> Option<&'static Provider> {
    REGISTRY
        .iter()
        .copied()
        .find(|provider| (provider.commands.has_subcommand)(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids_are_unique_across_the_registry() {
        let mut names: Vec<_> = sources().map(|(_, s)| s.name).collect();
        let mut ids: Vec<_> = sources().map(|(_, s)| s.id).collect();
        let mut providers: Vec<_> = REGISTRY.iter().map(|p| p.id).collect();
        for list in [&mut names, &mut ids, &mut providers] {
            let before = list.len();
            list.sort_unstable();
            list.dedup();
            assert_eq!(list.len(), before, "{list:?}");
        }
    }

    #[test]
    fn subcommands_and_source_options_belong_to_one_provider_each() {
        let mut names: Vec<String> = Vec::new();
        for provider in REGISTRY {
            let command = (provider.commands.augment)(clap::Command::new("t"));
            for sub in command.get_subcommands() {
                assert!((provider.commands.has_subcommand)(sub.get_name()));
                assert_eq!(
                    provider_with_subcommand(sub.get_name()).map(|p| p.id),
                    Some(provider.id)
                );
                names.push(sub.get_name().to_string());
            }
        }
        let before = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), before, "{names:?}");
        let mut options: Vec<_> = source_options().map(|o| o.name).collect();
        let before = options.len();
        options.sort_unstable();
        options.dedup();
        assert_eq!(options.len(), before, "{options:?}");
        assert_eq!(sync_options().len(), before);
    }

    #[test]
    fn source_options_are_checked_as_the_sources_read_them() {
        let given =
            |values: &[&str]| vec![("vod-type", values.iter().map(|v| v.to_string()).collect())];
        for ok in [&["all"][..], &["video", " IMAGE "], &["Text", ""], &[]] {
            assert!(check_source_options(&given(ok)).is_ok(), "{ok:?}");
            // VOD reads them the same way.
            let strings: Vec<String> = ok.iter().map(|v| v.to_string()).collect();
            assert_eq!(
                tencent::vod::parse_types(&strings).is_ok(),
                !ok.is_empty(),
                "{ok:?}"
            );
        }
        for bad in [&["bogus"][..], &["Video", "bogus"], &[" "]] {
            let message = check_source_options(&given(bad)).unwrap_err().to_string();
            assert!(message.contains("--vod-type"), "{message}");
            let strings: Vec<String> = bad.iter().map(|v| v.to_string()).collect();
            assert!(tencent::vod::parse_types(&strings).is_err(), "{bad:?}");
        }
        assert!(check_source_options(&[]).is_ok());
    }

    #[test]
    fn every_source_id_starts_with_its_name() {
        for (_, source) in sources() {
            assert!(
                source.id.starts_with(&format!("{}.", source.name)),
                "{}",
                source.id
            );
        }
    }

    #[test]
    fn every_secret_key_is_a_config_key() {
        for provider in REGISTRY {
            for key in provider.secret_config_keys {
                assert!(provider.config_keys.contains(key), "{}: {key}", provider.id);
            }
        }
    }

    #[test]
    fn every_provider_names_its_credential_variables_in_its_hint() {
        for provider in REGISTRY {
            assert!(!provider.environment.is_empty(), "{}", provider.id);
            assert!(
                provider
                    .environment
                    .iter()
                    .any(|var| provider.credentials_hint.contains(var.name)),
                "{}",
                provider.id
            );
        }
    }
}
