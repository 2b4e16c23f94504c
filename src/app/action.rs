//! Running a provider's action command (quotas): the app's side of `Invocation::Action`,
//! the [`ActionEnv`] it computes against.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::config::Settings;
use crate::document::Document;
use crate::error::Error;
use crate::providers::{ActionCommand, ActionEnv};
use crate::render::Format;
use crate::transport::Transport;

use super::Context;

/// Runs `command`. One that handles interrupts gets Ctrl-C as a flag it polls between
/// requests once it asks for it, instead of the run being dropped.
pub async fn run(ctx: &Context, command: &dyn ActionCommand) -> Result<(), Error> {
    let env = AppEnv {
        ctx,
        interrupted: Arc::new(AtomicBool::new(false)),
        listener: RefCell::new(None),
    };
    let result = command.run(&env).await;
    if let Some(listener) = env.listener.take() {
        listener.abort();
    }
    result
}

struct AppEnv<'a> {
    ctx: &'a Context,
    interrupted: Arc<AtomicBool>,
    /// The Ctrl-C listener, from `watch_interrupts` to the end of the command.
    listener: RefCell<Option<tokio::task::JoinHandle<()>>>,
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

    fn watch_interrupts(&self) {
        let mut listener = self.listener.borrow_mut();
        if listener.is_none() {
            let interrupted = Arc::clone(&self.interrupted);
            *listener = Some(tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    interrupted.store(true, Ordering::SeqCst);
                }
            }));
        }
    }

    fn interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
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
    use crate::document::{Grid, Text};
    use clap::Parser;
    use futures::future::LocalBoxFuture;
    use futures::FutureExt;
    use std::rc::Rc;

    /// A sink the test reads back.
    #[derive(Clone, Default)]
    struct Shared(Rc<RefCell<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn context(format: Format, sink: &Shared) -> Context {
        let cli = crate::cli::Cli::try_parse_from(["aigcusage", "config", "path"]).unwrap();
        Context {
            settings: Settings::default(),
            zone: crate::zone::Zone::UTC,
            now: chrono::Utc::now(),
            terminal: crate::term::Terminal {
                stdout_is_tty: false,
                stderr_is_tty: false,
                stdin_is_tty: false,
                width: 100,
                color: false,
            },
            format,
            global: cli.global,
            transport: Transport::new(
                crate::transport::TransportOptions::default(),
                crate::transport::trace::stderr_sink(),
            )
            .unwrap(),
            demo: false,
            output: crate::output::Output::new(Box::new(sink.clone())),
            env: HashMap::new(),
        }
    }

    /// Emits a two-row document, then a line through the progressive output.
    struct Emits;

    impl ActionCommand for Emits {
        fn name(&self) -> &'static str {
            "test emit"
        }
        fn demo_refusal(&self) -> Option<&'static str> {
            None
        }
        fn run<'a>(&'a self, env: &'a dyn ActionEnv) -> LocalBoxFuture<'a, Result<(), Error>> {
            async move {
                assert!(!env.interactive() && !env.dry_run() && !env.interrupted());
                let mut grid = Grid::new(&["n"]);
                grid.rows = vec![
                    vec![crate::number::format_value(2.50)],
                    vec![crate::number::format_value(3.0)],
                ];
                env.emit(&Document {
                    text: Text::Lines(vec!["two rows".into()]),
                    json: Box::new(crate::number::json_number(3.0)),
                    ndjson: Vec::new(),
                    csv: grid,
                })?;
                writeln!(env.progressive_output(), "after")?;
                Ok(())
            }
            .boxed_local()
        }
    }

    #[test]
    fn an_action_prints_through_the_renderer_in_the_context_format() {
        for (format, expected) in [
            (Format::Csv, "n\n2.5\n3\nafter\n"),
            (Format::Table, "two rows\nafter\n"),
            (Format::Json, "3\nafter\n"),
        ] {
            let sink = Shared::default();
            let ctx = context(format, &sink);
            futures::executor::block_on(run(&ctx, &Emits)).unwrap();
            ctx.output.finish().unwrap();
            assert_eq!(String::from_utf8(sink.0.take()).unwrap(), expected);
        }
    }

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
