//! Running a provider's action command (quotas): the app's side of `Invocation::Action`,
//! the [`ActionEnv`] it computes against.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::io::{BufRead, Write};

use futures::future::LocalBoxFuture;
use futures::FutureExt;
use tokio::sync::watch;

use crate::config::Settings;
use crate::document::Document;
use crate::error::Error;
use crate::providers::{ActionCommand, ActionEnv, Interrupt};
use crate::render::Format;
use crate::transport::Transport;

use super::Context;

/// Runs `command`. One that handles interrupts gets SIGINT and SIGTERM as a flag it polls
/// between requests (and a future it races reads and questions with) from the start,
/// instead of the run being dropped.
pub async fn run(ctx: &Context, command: &dyn ActionCommand) -> Result<(), Error> {
    let (sender, receiver) = watch::channel(None);
    let env = AppEnv {
        ctx,
        sender,
        interrupted: receiver,
        listener: RefCell::new(None),
    };
    if command.handles_interrupts() {
        env.watch_interrupts();
    }
    let result = command.run(&env).await;
    if let Some(listener) = env.listener.take() {
        listener.abort();
    }
    result
}

struct AppEnv<'a> {
    ctx: &'a Context,
    /// The listener's side of `interrupted`.
    sender: watch::Sender<Option<Interrupt>>,
    /// The signal that arrived, once one did.
    interrupted: watch::Receiver<Option<Interrupt>>,
    /// The SIGINT/SIGTERM listener, from `watch_interrupts` to the end of the command.
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

    fn output_is_terminal(&self) -> bool {
        self.ctx.terminal.stdout_is_tty && self.ctx.global.output_file.is_none()
    }

    /// Asks on stderr, reads one line of stdin on a thread of its own, raced with SIGINT and
    /// SIGTERM. The time the user takes is not counted by `--deadline`.
    fn confirm<'a>(&'a self, question: String) -> LocalBoxFuture<'a, Result<bool, Error>> {
        async move {
            self.watch_interrupts();
            {
                let mut err = std::io::stderr().lock();
                write!(err, "{question}")?;
                err.flush()?;
            }
            let asked = std::time::Instant::now();
            let answer = race_answer(read_answer(), self.until_interrupted()).await;
            self.ctx.transport.extend_deadline(asked.elapsed());
            match answer {
                Answer::Line(line) => Ok(is_yes(&line?)),
                Answer::Interrupted(signal) => {
                    // The question's line is still open (the terminal echoed `^C` at most).
                    crate::term::line_to_stderr("\ninterrupted: nothing sent");
                    Err(Error::Reported(signal.exit_code()))
                }
            }
        }
        .boxed_local()
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
            let sender = self.sender.clone();
            // The handlers are installed before this returns: a signal from now on is seen.
            let arrival = super::interrupt_listener();
            *listener = Some(tokio::spawn(async move {
                let signal = if arrival.await {
                    Interrupt::Sigterm
                } else {
                    Interrupt::Sigint
                };
                sender.send_replace(Some(signal));
            }));
        }
    }

    fn interrupted(&self) -> Option<Interrupt> {
        *self.interrupted.borrow()
    }

    fn until_interrupted(&self) -> LocalBoxFuture<'_, Interrupt> {
        let mut receiver = self.interrupted.clone();
        async move {
            match receiver.wait_for(Option::is_some).await {
                Ok(signal) => signal.unwrap_or(Interrupt::Sigint),
                // The sender lives as long as `self`: this cannot happen while we wait.
                Err(_) => std::future::pending().await,
            }
        }
        .boxed_local()
    }
}

/// How a question ended.
#[derive(Debug)]
enum Answer {
    /// The line the user typed (or a read error).
    Line(std::io::Result<String>),
    /// A signal came first.
    Interrupted(Interrupt),
}

/// Whichever comes first: the answer or a signal.
async fn race_answer(
    line: impl Future<Output = std::io::Result<String>>,
    interrupt: impl Future<Output = Interrupt>,
) -> Answer {
    tokio::select! {
        biased;
        signal = interrupt => Answer::Interrupted(signal),
        line = line => Answer::Line(line),
    }
}

/// One line of stdin, read on a plain thread: a blocked read cannot be cancelled, and a
/// thread (unlike the runtime's blocking pool) does not keep the process from exiting.
fn read_answer() -> impl Future<Output = std::io::Result<String>> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("answer".into())
        .spawn(move || {
            let mut answer = String::new();
            let read = std::io::stdin().lock().read_line(&mut answer);
            let _ = sender.send(read.map(|_| answer));
        });
    async move {
        spawned?;
        receiver
            .await
            .unwrap_or_else(|_| Err(std::io::Error::other("the answer could not be read")))
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
                assert!(!env.interactive() && !env.dry_run() && env.interrupted().is_none());
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

    #[tokio::test]
    async fn a_signal_ends_a_question_that_is_not_answered() {
        let never = std::future::pending::<std::io::Result<String>>();
        let signal = async { Interrupt::Sigterm };
        match race_answer(never, signal).await {
            Answer::Interrupted(signal) => assert_eq!(signal, Interrupt::Sigterm),
            other => panic!("unexpected {other:?}"),
        }
        let answered = async { Ok("y\n".to_string()) };
        match race_answer(answered, std::future::pending()).await {
            Answer::Line(line) => assert_eq!(line.unwrap(), "y\n"),
            other => panic!("unexpected {other:?}"),
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
