//! Dispatch: the only code that sees both providers and renderers.

mod action;
mod config_cmd;
mod cost;
mod exports;
mod forecast;
mod help;
mod history;
mod man;
mod output;
mod prices;
mod report;
pub mod store;
mod sync;
mod usage;

use std::time::Duration;

use chrono::{DateTime, Utc};

use clap::CommandFactory;

use crate::cli::{Cli, Command, GlobalArgs, ProviderCommand, RangeOpts};
use crate::config::{self, Inputs, Settings};
use crate::error::Error;
use crate::output::Output;
use crate::providers::{FetchInput, Invocation};
use crate::render::Format;
use crate::term::Terminal;
use crate::timerange::{self, RangeArgs, TimeRange};
use crate::transport::{trace, RetryPolicy, Transport, TransportOptions};
use crate::zone::Zone;

/// Everything a command needs, resolved once.
pub struct Context {
    pub settings: Settings,
    pub zone: Zone,
    pub now: DateTime<Utc>,
    pub terminal: Terminal,
    pub format: Format,
    pub global: GlobalArgs,
    pub transport: Transport,
    /// `--demo`: recorded answers, demo credentials.
    pub demo: bool,
    /// Standard output (or `--output-file`), the only way to it.
    pub output: Output,
    /// The one snapshot of the process environment (api token variables an action names).
    pub env: std::collections::HashMap<String, String>,
}

impl Context {
    /// `--cost`, or an output that is costs (`-o focus` implies `--cost`, spec §11).
    pub fn wants_costs(&self) -> bool {
        self.global.cost || self.format == Format::Focus
    }

    /// A warning on stderr, unless `--quiet`.
    pub fn warn(&self, message: &str) {
        if !self.global.quiet {
            crate::term::line_to_stderr(&format!("warning: {message}"));
        }
    }

    /// What a provider's fetch needs, for `range`, with `report`'s source `options`.
    pub fn fetch_input<'a>(
        &'a self,
        range: TimeRange,
        options: &'a [(&'static str, Vec<String>)],
    ) -> FetchInput<'a> {
        FetchInput {
            transport: &self.transport,
            settings: &self.settings,
            zone: self.zone,
            now: self.now,
            demo: self.demo,
            range,
            options,
        }
    }

    pub fn range(&self, opts: &RangeOpts) -> Result<TimeRange, Error> {
        let args = RangeArgs {
            start: opts.start.clone(),
            end: opts.end.clone(),
            last: opts.last.clone(),
            month: opts.month.clone(),
        };
        timerange::resolve(&args, &self.zone, self.now)
    }
}

/// Runs one command line. `Ok` means exit 0; errors carry their exit code.
/// `env` is the one snapshot of the process environment (`config::Inputs::from_process_env`).
///
/// SIGINT or SIGTERM drops the command where it waits (nothing it buffered for stdout is
/// written) and ends the run with `Error::Interrupted` (exit 130 or 143).
pub async fn run(
    cli: Cli,
    terminal: Terminal,
    env: std::collections::HashMap<String, String>,
) -> Result<(), Error> {
    // Before anything is read or sent: a folder that cannot take the file fails first.
    let output = match &cli.global.output_file {
        Some(path) => Output::file(path)?,
        None => Output::stdout(),
    };
    // Some commands handle Ctrl-C themselves: the request in flight finishes first.
    let handles_interrupts = invocation(&cli.command).is_some_and(Invocation::handles_interrupts);
    let command = run_command(cli, terminal, env, &output);
    if handles_interrupts {
        return finish(command.await, &output);
    }
    let interrupted = tokio::select! {
        result = command => return finish(result, &output),
        sigterm = interrupt() => sigterm,
    };
    output.discard();
    Err(Error::Interrupted {
        sigterm: interrupted,
    })
}

/// Waits for SIGINT (`false`) or SIGTERM (`true`). Where a handler cannot be installed
/// that signal keeps its default action (the process ends), so this never fails.
async fn interrupt() -> bool {
    interrupt_listener().await
}

/// Installs the SIGINT and SIGTERM handlers now, so that from here on neither ends the
/// process, and returns what resolves at the first of them (`true` for SIGTERM). Where a
/// handler cannot be installed that signal keeps its default action.
pub(crate) fn interrupt_listener() -> impl std::future::Future<Output = bool> + Send {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, Signal, SignalKind};
        async fn arrival(stream: Option<Signal>) {
            match stream {
                Some(mut stream) => {
                    stream.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
        let sigint = arrival(signal(SignalKind::interrupt()).ok());
        let sigterm = arrival(signal(SignalKind::terminate()).ok());
        async move {
            tokio::select! {
                _ = sigint => false,
                _ = sigterm => true,
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await
            }
            false
        }
    }
}

async fn run_command(
    cli: Cli,
    terminal: Terminal,
    env: std::collections::HashMap<String, String>,
    output: &Output,
) -> Result<(), Error> {
    let Cli { global, command } = cli;
    if let Command::Completions { shell } = command {
        // Generated into memory first: clap_complete panics when its writer fails.
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "aigcusage", &mut script);
        output.write_with(|out| out.write_all(&script))?;
        return Ok(());
    }
    match &command {
        Command::Help { topic } => return help::run(output, topic),
        Command::Man => return man::run(output),
        _ => {}
    }

    let tolerate_missing_file = matches!(
        command,
        Command::Config(crate::cli::ConfigCommand::Init { .. })
            | Command::Config(crate::cli::ConfigCommand::Path)
    );
    let inputs = Inputs {
        config_flag: global.config.clone(),
        profile_flag: global.profile.clone(),
        tz_flag: global.tz.clone(),
        output_flag: if global.json {
            Some("json".to_string())
        } else {
            global.output.clone()
        },
        prices_flag: global.prices.clone(),
        currency_flag: global.currency.clone(),
        store_flag: global.store.clone(),
        env,
        tolerate_missing_file,
    };
    let settings = config::load(&inputs)?;
    let demo = global.demo;
    let now = now(settings.now, demo);
    if !global.quiet {
        for warning in &settings.warnings {
            crate::term::line_to_stderr(&format!("warning: {warning}"));
        }
    }
    let mut format: Format = settings.output.value.parse()?;
    if matches!(format, Format::Prom | Format::Focus) && !prints_series(&command) {
        // A default (AIGCUSAGE_OUTPUT=prom for a cron job) does not break the other
        // commands: they print their table; asked for on the command line it is an error.
        if settings.output.origin == config::Origin::Flag {
            return Err(Error::usage(format!(
                "-o {format} is for the usage commands and report"
            )));
        }
        format = Format::Table;
    }
    let zone = settings.tz.value;
    let transport = Transport::new(
        TransportOptions {
            timeout: Duration::from_secs_f64(global.timeout),
            retry: RetryPolicy {
                max_retries: global.retries,
                deadline: Duration::from_secs_f64(global.deadline),
                ..RetryPolicy::default()
            },
            verbose: global.verbose,
            // Some commands' `--dry-run` sends their reads and stops after a plan (spec §4).
            dry_run: global.dry_run
                && !invocation(&command).is_some_and(Invocation::sends_reads_on_dry_run),
            extra_roots: settings.ssl_cert_file.clone(),
            offline: demo.then(|| {
                std::sync::Arc::new(crate::providers::demo::DemoResponder)
                    as std::sync::Arc<dyn crate::transport::Responder>
            }),
            ..TransportOptions::default()
        },
        trace::stderr_sink(),
    )?;
    let ctx = Context {
        settings,
        zone,
        now,
        terminal,
        format,
        global,
        transport,
        demo,
        output: output.clone(),
        env: inputs.env,
    };

    let result =
        match check_store_flags(&ctx, &command).and_then(|()| check_source_options(&command)) {
            Err(error) => Err(error),
            Ok(()) => dispatch(&ctx, command).await,
        };
    let result = match result {
        Err(Error::DryRun) => output::print_dry_run(&ctx),
        other => other,
    };
    // The note goes with demo data only: not before a refusal or a usage error. Stdout
    // is still buffered here, so the note comes first on a terminal.
    if ctx.demo && !ctx.global.quiet && shows_data(&result) {
        crate::term::line_to_stderr(
            "note: --demo: this is demo data from built-in example answers, not your account's usage",
        );
    }
    result
}

/// `--from-store` belongs to report and the usage commands; `--account` to those and
/// `history export`.
fn check_store_flags(ctx: &Context, command: &Command) -> Result<(), Error> {
    let reads_series = matches!(command, Command::Report(_) | Command::Forecast(_))
        || invocation(command).is_some_and(Invocation::prints_series);
    if ctx.global.from_store && !reads_series {
        return Err(Error::usage(
            "--from-store is for report, forecast and the usage commands",
        ));
    }
    let exports = matches!(
        command,
        Command::History(crate::cli::HistoryCommand::Export { .. })
    );
    let takes_accounts = exports || (reads_series && ctx.global.from_store);
    if !ctx.global.accounts.is_empty() && !takes_accounts {
        return Err(Error::usage(
            "--account picks accounts of the history store: use it with --from-store or `history export`",
        ));
    }
    if ctx.global.from_store && (ctx.demo || ctx.global.dry_run) {
        return Err(Error::usage(
            "--from-store reads the history store: it takes neither --demo nor --dry-run",
        ));
    }
    Ok(())
}

/// The source options (`--vod-type`) of report, forecast and prices check: a bad value is
/// a usage error before any provider is asked (spec §6).
fn check_source_options(command: &Command) -> Result<(), Error> {
    let options = match command {
        Command::Report(args) => &args.source_options,
        Command::Forecast(args) => &args.source_options,
        Command::Prices(crate::cli::PricesCommand::Check(args)) => &args.source_options,
        _ => return Ok(()),
    };
    crate::providers::check_source_options(&options.values)
}

async fn dispatch(ctx: &Context, command: Command) -> Result<(), Error> {
    match command {
        Command::Provider(ProviderCommand(invocation)) => run_invocation(ctx, invocation).await,
        Command::Report(args) => report::run(ctx, &args).await,
        Command::Forecast(args) => forecast::run(ctx, &args).await,
        Command::Prices(crate::cli::PricesCommand::Check(args)) => prices::run(ctx, &args).await,
        Command::Sync(args) => sync::run(ctx, &args).await,
        Command::History(cmd) => history::run(ctx, &cmd).await,
        Command::Config(cmd) => config_cmd::run(ctx, &cmd),
        Command::Completions { .. } | Command::Help { .. } | Command::Man => Ok(()),
    }
}

/// A provider's command: refused under `--demo` when it says so, else run.
async fn run_invocation(ctx: &Context, invocation: Invocation) -> Result<(), Error> {
    if let Some(refusal) = invocation.demo_refusal().filter(|_| ctx.demo) {
        return Err(Error::usage(refusal));
    }
    match invocation {
        Invocation::Usage(command) => usage::run(ctx, command.as_ref()).await,
        Invocation::Action(command) => action::run(ctx, command.as_ref()).await,
    }
}

/// The provider invocation of `command`, if it is one.
fn invocation(command: &Command) -> Option<&Invocation> {
    match command {
        Command::Provider(ProviderCommand(invocation)) => Some(invocation),
        _ => None,
    }
}

/// True when the command printed data: it succeeded, or it failed after printing
/// (some providers failed, a threshold was reached: `--fail-at`, a budget, or `prices
/// check` finding something unpriced, the last three said on stderr as `Reported(7)`).
fn shows_data(result: &Result<(), Error>) -> bool {
    matches!(
        result,
        Ok(())
            | Err(Error::PartialFailure { .. }
                | Error::Threshold(_)
                | Error::Reported(crate::error::exit::THRESHOLD))
    )
}

/// Completes the output once at the end when the command printed it: on success, and
/// whenever it wrote its output before failing (exit 6 or 7, or `report` whose every
/// provider failed: its document lists the failures). A command that failed before
/// printing leaves stdout empty and `--output-file`'s PATH as it was. The command's own
/// error wins over a failed completion.
fn finish(result: Result<(), Error>, output: &Output) -> Result<(), Error> {
    if result.is_ok() || output.has_output() {
        let completed = output.finish();
        result?;
        completed
    } else {
        output.discard();
        result
    }
}
/// The commands whose output is series (usage commands and `report`): `-o prom|focus`.
fn prints_series(command: &Command) -> bool {
    matches!(command, Command::Report(_))
        || invocation(command).is_some_and(Invocation::prints_series)
}

/// The clock, unless `AIGCUSAGE_NOW` pins it (`Settings::now`). Requests are still signed
/// with the real time. Under `--demo` the clock is the start of the current UTC day, so
/// that two demo runs print the same thing.
fn now(pinned: Option<DateTime<Utc>>, demo: bool) -> DateTime<Utc> {
    match pinned {
        Some(now) => now,
        None if demo => Utc::now()
            .date_naive()
            .and_time(chrono::NaiveTime::MIN)
            .and_utc(),
        None => Utc::now(),
    }
}
