//! What the terminal allows: colour, width, progress. Decided once in `main`, passed down.

use std::io::IsTerminal;

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
    pub fn detect(no_color_flag: bool) -> Self {
        let stdout_is_tty = std::io::stdout().is_terminal();
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
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
