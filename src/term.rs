//! What the terminal allows: colour, width, progress. Decided once in `main`, passed down.

use std::io::{IsTerminal, Write};

/// Writes `text` to stderr, ignoring failure: a full or closed stderr (`2>/dev/full`) must
/// neither panic (as `eprintln!` does) nor change the command's own exit code.
pub fn to_stderr(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}

/// `to_stderr` with a line break.
pub fn line_to_stderr(line: &str) {
    to_stderr(&format!("{line}\n"));
}

/// Facts about where output goes, read once from the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terminal {
    pub stdout_is_tty: bool,
    pub stderr_is_tty: bool,
    pub stdin_is_tty: bool,
    /// Columns for tables: `COLUMNS`, else the terminal's width, else 100.
    pub width: usize,
    pub color: bool,
}

/// Width used when stdout is no terminal and `COLUMNS` is not set.
pub const DEFAULT_WIDTH: usize = 100;

impl Terminal {
    /// `env` is the snapshot of the process environment (`COLUMNS`, `NO_COLOR`, `TERM`).
    pub fn detect(no_color_flag: bool, env: &std::collections::HashMap<String, String>) -> Self {
        let stdout_is_tty = std::io::stdout().is_terminal();
        let env = |name: &str| env.get(name).filter(|v| !v.is_empty()).cloned();
        let columns = env("COLUMNS").and_then(|c| c.trim().parse::<usize>().ok());
        let terminal_width = terminal_size::terminal_size().map(|(w, _)| usize::from(w.0));
        Self {
            stdout_is_tty,
            stderr_is_tty: std::io::stderr().is_terminal(),
            stdin_is_tty: std::io::stdin().is_terminal(),
            width: choose_width(columns, stdout_is_tty.then_some(terminal_width).flatten()),
            color: choose_color(
                no_color_flag,
                stdout_is_tty,
                env("NO_COLOR").is_some(),
                env("TERM").as_deref(),
            ),
        }
    }
}

fn choose_width(columns: Option<usize>, terminal: Option<usize>) -> usize {
    columns
        .or(terminal)
        .filter(|w| *w > 0)
        .unwrap_or(DEFAULT_WIDTH)
        .max(20)
}

fn choose_color(flag: bool, stdout_is_tty: bool, no_color_env: bool, term: Option<&str>) -> bool {
    !flag && stdout_is_tty && !no_color_env && term != Some("dumb")
}

/// A one-line progress indicator on stderr naming what is still running. Drawn only when
/// stderr is a terminal (and not under `--quiet`); otherwise it does nothing.
pub struct Spinner {
    pending: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Spinner {
    pub fn start(enabled: bool, names: Vec<String>) -> Self {
        let pending = std::sync::Arc::new(std::sync::Mutex::new(names));
        let task = enabled.then(|| {
            let pending = pending.clone();
            tokio::spawn(async move {
                const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
                let mut frame = 0;
                loop {
                    let names = pending.lock().map(|p| p.join(", ")).unwrap_or_default();
                    to_stderr(&format!(
                        "\r\x1b[2K{} waiting for {names}",
                        FRAMES[frame % FRAMES.len()]
                    ));
                    frame += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            })
        });
        Self { pending, task }
    }

    /// `name` has answered.
    pub fn done(&self, name: &str) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.retain(|n| n != name);
        }
    }

    /// Stops drawing and clears the line.
    pub fn stop(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            to_stderr("\r\x1b[2K");
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            to_stderr("\r\x1b[2K");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_wins_over_the_terminal() {
        assert_eq!(choose_width(Some(80), Some(200)), 80);
        assert_eq!(choose_width(None, Some(200)), 200);
        assert_eq!(choose_width(None, None), DEFAULT_WIDTH);
        assert_eq!(choose_width(Some(0), None), DEFAULT_WIDTH);
    }

    #[test]
    fn colour_needs_a_terminal_and_no_opt_out() {
        assert!(choose_color(false, true, false, Some("xterm")));
        assert!(!choose_color(true, true, false, Some("xterm")));
        assert!(!choose_color(false, false, false, Some("xterm")));
        assert!(!choose_color(false, true, true, Some("xterm")));
        assert!(!choose_color(false, true, false, Some("dumb")));
    }
}
