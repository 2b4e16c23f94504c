//! Dispatch: the only code that sees both providers and renderers.

mod config_cmd;
mod history;
mod output;
mod report;
pub mod store;
mod sync;
mod usage;
mod vod_quota;

use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::CommandFactory;

use crate::cli::{
    AcedataCommand, Cli, Command, GlobalArgs, LkeCommand, ModelrouterCommand, RangeOpts, VodCommand,
};
use crate::config::{self, Inputs, Settings};
use crate::error::Error;
use crate::output::Output;
use crate::providers::FetchInput;
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
    /// Standard output, the only way to it.
    pub output: Output,
}

impl Context {
    /// A warning on stderr, unless `--quiet`.
    pub fn warn(&self, message: &str) {
        if !self.global.quiet {
            eprintln!("warning: {message}");
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
pub async fn run(
    cli: Cli,
    terminal: Terminal,
    env: std::collections::HashMap<String, String>,
) -> Result<(), Error> {
    let Cli { global, command } = cli;
    let output = Output::stdout();
    if let Command::Completions { shell } = command {
        let written = output.write_with(|out| {
            clap_complete::generate(shell, &mut Cli::command(), "aigcusage", out);
            Ok(())
        });
        return finish(written.map_err(Error::from), &output);
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
        store_flag: global.store.clone(),
        env,
        tolerate_missing_file,
    };
    let settings = config::load(&inputs)?;
    let demo = global.demo;
    let now = now(settings.now, demo);
    if !global.quiet {
        for warning in &settings.warnings {
            eprintln!("warning: {warning}");
        }
    }
    let format: Format = settings.output.value.parse()?;
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
            dry_run: global.dry_run,
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
        output,
    };
    if demo && !ctx.global.quiet {
        eprintln!("note: --demo: this is demo data from built-in example answers, not your account's usage");
    }

    let result = match check_store_flags(&ctx, &command) {
        Err(error) => Err(error),
        Ok(()) => dispatch(&ctx, command).await,
    };
    let result = match result {
        Err(Error::DryRun) => output::print_dry_run(&ctx),
        other => other,
    };
    finish(result, &ctx.output)
}

/// `--from-store` belongs to report and the usage commands; `--account` to those and
/// `history export`.
fn check_store_flags(ctx: &Context, command: &Command) -> Result<(), Error> {
    let reads_series = matches!(
        command,
        Command::Report(_)
            | Command::Vod(VodCommand::Usage(_))
            | Command::Lke(LkeCommand::Tokens(_))
            | Command::Modelrouter(ModelrouterCommand::Cost(_))
            | Command::Acedata(AcedataCommand::Usage(_))
    );
    if ctx.global.from_store && !reads_series {
        return Err(Error::usage(
            "--from-store is for report and the usage commands",
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

async fn dispatch(ctx: &Context, command: Command) -> Result<(), Error> {
    match command {
        Command::Vod(VodCommand::Usage(args)) => usage::run(ctx, &args).await,
        Command::Report(args) => report::run(ctx, &args).await,
        Command::Modelrouter(ModelrouterCommand::Cost(args)) => {
            usage::run(ctx, &args).await
        }
        Command::Vod(VodCommand::Quota(_)) if ctx.demo => Err(Error::usage(
            "--demo answers the usage commands and report; vod quota manages real quotas and has no demo",
        )),
        Command::Vod(VodCommand::Quota(cmd)) => vod_quota::run(ctx, &cmd).await,
        Command::Lke(LkeCommand::Tokens(args)) => usage::run(ctx, &args).await,
        Command::Acedata(AcedataCommand::Usage(args)) => usage::run(ctx, &args).await,
        Command::Sync(args) => sync::run(ctx, &args).await,
        Command::History(cmd) => history::run(ctx, &cmd).await,
        Command::Config(cmd) => config_cmd::run(ctx, &cmd),
        Command::Completions { .. } => Ok(()),
    }
}

/// Flushes stdout once at the end. What was printed before an error (a quota list before
/// `--fail-at`'s exit 7) is still the reader's; the command's own error wins over a
/// failed flush.
fn finish(result: Result<(), Error>, output: &Output) -> Result<(), Error> {
    let flushed = output.finish();
    result?;
    flushed?;
    Ok(())
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
