//! The binary: parse, run, map the error to an exit code. Nothing else.

use std::process::ExitCode;

use clap::Parser;

use aigcusage::cli::Cli;
use aigcusage::term::Terminal;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The one read of the process environment; everything else is handed this snapshot.
    let env = aigcusage::config::Inputs::from_process_env();
    let terminal = Terminal::detect(cli.global.no_color, &env);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!(
                "error: {:#}",
                anyhow::Error::new(e).context("starting the async runtime")
            );
            return ExitCode::from(aigcusage::error::exit::INTERNAL);
        }
    };
    match runtime.block_on(aigcusage::app::run(cli, terminal, env)) {
        Ok(()) => ExitCode::SUCCESS,
        // `aigcusage ... | head -1`: the reader left; that is not our failure.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        // Already said on stderr.
        Err(aigcusage::error::Error::Reported(code)) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
