//! The binary: parse, run, map the error to an exit code. Nothing else.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use aigcusage::cli::Cli;
use aigcusage::error::exit;
use aigcusage::term::{line_to_stderr, to_stderr, Terminal};

fn main() -> ExitCode {
    let cli = match Cli::try_parse().and_then(|cli| cli.check_global_conflicts().map(|()| cli)) {
        Ok(cli) => cli,
        Err(error) => return clap_exit(&error),
    };
    // Rust's stdout ignores a closed fd 1 (EBADF) and would report success; and a file
    // opened later could take fd 1 and receive the output.
    if !stdout_is_open() {
        line_to_stderr("error: stdout is closed; nothing can be printed");
        return ExitCode::from(exit::INTERNAL);
    }
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
            line_to_stderr(&format!(
                "error: {:#}",
                anyhow::Error::new(e).context("starting the async runtime")
            ));
            return ExitCode::from(exit::INTERNAL);
        }
    };
    let result = runtime.block_on(aigcusage::app::run(cli, terminal, env));
    // An interrupt may leave a blocking task (a name lookup) running: do not wait for it.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `aigcusage ... | head -1`: the reader left; that is not our failure.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        // Already said on stderr.
        Err(aigcusage::error::Error::Reported(code)) => ExitCode::from(code),
        Err(e) => {
            line_to_stderr(&format!("error: {e}"));
            ExitCode::from(e.exit_code())
        }
    }
}

/// `--help`, `--version` (stdout) and usage errors (stderr), printed by us so that a
/// failing stream is an exit code rather than a panic or a silent success.
fn clap_exit(error: &clap::Error) -> ExitCode {
    let code = u8::try_from(error.exit_code()).unwrap_or(exit::USAGE);
    let text = error.render().to_string();
    if error.use_stderr() {
        to_stderr(&text);
        return ExitCode::from(code);
    }
    if !stdout_is_open() {
        line_to_stderr("error: stdout is closed; nothing can be printed");
        return ExitCode::from(exit::INTERNAL);
    }
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::from(code),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(code),
        Err(e) => {
            line_to_stderr(&format!("error: writing output: {e}"));
            ExitCode::from(exit::INTERNAL)
        }
    }
}

/// False when file descriptor 1 was not open when the process started
/// (`aigcusage report >&-`).
///
/// Rust's runtime opens `/dev/null` on a closed fd 0, 1 or 2 before `main`, so the
/// descriptor must be looked at earlier: by a constructor in `.init_array`, which the
/// loader runs before the runtime's own start-up.
#[cfg(target_os = "linux")]
fn stdout_is_open() -> bool {
    !STDOUT_CLOSED_AT_START.load(std::sync::atomic::Ordering::Relaxed)
}

#[cfg(target_os = "linux")]
static STDOUT_CLOSED_AT_START: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static RECORD_STDOUT_AT_START: extern "C" fn() = record_stdout_at_start;

#[cfg(target_os = "linux")]
extern "C" fn record_stdout_at_start() {
    // SAFETY: F_GETFD only reads the descriptor's flags; any fd number is a valid argument.
    let closed = unsafe { libc::fcntl(1, libc::F_GETFD) } == -1;
    STDOUT_CLOSED_AT_START.store(closed, std::sync::atomic::Ordering::Relaxed);
}

#[cfg(not(target_os = "linux"))]
fn stdout_is_open() -> bool {
    true
}
