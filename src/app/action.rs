//! Running a provider's action command (quotas): the app's side of `Invocation::Action`,
//! the [`ActionEnv`] it computes against.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::config::Settings;
use crate::document::Document;
use crate::error::Error;
use crate::providers::{ActionCommand, ActionEnv};
use crate::render::{number, Format};
use crate::transport::Transport;

use super::Context;

/// Runs `command`. One that handles interrupts gets Ctrl-C as a flag it polls between
/// requests, instead of the run being dropped.
pub async fn run(ctx: &Context, command: &dyn ActionCommand) -> Result<(), Error> {
    let interrupted = Arc::new(AtomicBool::new(false));
    let listener = command.handles_interrupts().then(|| {
        let interrupted = Arc::clone(&interrupted);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupted.store(true, Ordering::SeqCst);
            }
        })
    });
    let env = AppEnv { ctx, interrupted };
    let result = command.run(&env).await;
    if let Some(listener) = listener {
        listener.abort();
    }
    result
}

struct AppEnv<'a> {
    ctx: &'a Context,
    interrupted: Arc<AtomicBool>,
}

impl ActionEnv for AppEnv<'_> {
    fn settings(&self) -> &Settings {
        &self.ctx.settings
    }

    fn transport(&self) -> &Transport {
        &self.ctx.transport
    }

    fn environment(&self) -> &HashMap<String, String> {
        &self.ctx.env
    }

    fn json_output(&self) -> bool {
        self.ctx.format == Format::Json
    }

    fn dry_run(&self) -> bool {
        self.ctx.global.dry_run
    }

    fn interactive(&self) -> bool {
        self.ctx.terminal.stdin_is_tty && self.ctx.terminal.stderr_is_tty
    }

    /// Asks on stderr, reads one line of stdin.
    fn confirm(&self, question: &str) -> std::io::Result<bool> {
        let mut err = std::io::stderr().lock();
        write!(err, "{question}")?;
        err.flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        Ok(is_yes(&answer))
    }

    fn waiting(&self, what: String) -> crate::term::Spinner {
        let global = &self.ctx.global;
        crate::term::Spinner::start(
            self.ctx.terminal.stderr_is_tty && !global.quiet && !global.dry_run,
            vec![what],
        )
    }

    fn warn(&self, message: &str) {
        self.ctx.warn(message);
    }

    fn emit(&self, document: &Document) -> Result<(), Error> {
        let format = self.ctx.format;
        self.ctx
            .output
            .write_with(|out| crate::render::document::write(document, format, out))?;
        Ok(())
    }

    fn progressive_output(&self) -> Box<dyn Write + '_> {
        Box::new(FlushEachWrite(&self.ctx.output))
    }

    fn error_output(&self) -> Box<dyn Write + '_> {
        Box::new(std::io::stderr())
    }

    fn interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }

    fn format_number(&self, value: f64) -> String {
        number::format_value(value)
    }

    fn json_number(&self, value: f64) -> serde_json::Value {
        number::json_number(value)
    }
}

/// Only `y` or `yes` (any case, surrounding blanks ignored) is a yes.
fn is_yes(answer: &str) -> bool {
    let answer = answer.trim();
    answer.eq_ignore_ascii_case("y") || answer.eq_ignore_ascii_case("yes")
}

/// Writes into the command's output and flushes after every write (into the temporary
/// file for `--output-file`, which still appears only at the end). Takes the writer per
/// write, so that it is not held while requests are awaited.
struct FlushEachWrite<'a>(&'a crate::output::Output);

impl Write for FlushEachWrite<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_with(|out| {
            out.write_all(buf)?;
            out.flush()
        })?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.write_with(|out| out.flush())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_y_or_yes_is_a_yes() {
        for answer in ["y", "Y\n", " yes ", "YES"] {
            assert!(is_yes(answer), "{answer}");
        }
        for answer in ["", "n", "no", "yep", "\n"] {
            assert!(!is_yes(answer), "{answer}");
        }
    }
}
