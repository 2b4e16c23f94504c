//! `aigcusage man`: one roff manual page of the whole command tree, from the same clap
//! definition as `--help` (`aigcusage man | man -l -`).
//!
//! `clap_mangen` writes one page per command; the page here is the root's title, synopsis,
//! description and global options, then a COMMANDS section with one subsection per command
//! of the tree (its description, synopsis, own options and notes), then the examples.

use std::io::{self, Write};

use clap_mangen::Man;

/// The preamble `roff` writes before every piece: it defines the `\*(Aq` apostrophe.
const PREAMBLE: [&str; 2] = [".ie \\n(.g .ds Aq \\(aq", ".el .ds Aq '"];

/// Writes the manual page of `cmd` and every command under it.
pub fn render_man(cmd: clap::Command, out: &mut dyn Write) -> io::Result<()> {
    let mut cmd = cmd;
    // Builds the tree: global options propagate, and each command gets its full name.
    cmd.build();
    let root = Man::new(cmd.clone()).title(cmd.get_name().to_uppercase());

    let mut body = Vec::new();
    root.render_name_section(&mut body)?;
    root.render_synopsis_section(&mut body)?;
    root.render_description_section(&mut body)?;
    root.render_options_section(&mut body)?;
    body.extend_from_slice(b".SH COMMANDS\n");
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        render_command(sub, &mut body)?;
    }
    render_environment(&mut body);
    render_exit_status(&mut body);
    if cmd.get_after_help().is_some() || cmd.get_after_long_help().is_some() {
        let mut extra = Vec::new();
        root.render_extra_section(&mut extra)?;
        body.extend_from_slice(
            String::from_utf8_lossy(&extra)
                .replacen(".SH EXTRA", ".SH EXAMPLES", 1)
                .as_bytes(),
        );
    }
    if cmd.get_version().is_some() {
        root.render_version_section(&mut body)?;
    }

    let mut title = Vec::new();
    root.render_title(&mut title)?;
    // `.TH` first, so that the output is recognisably a manual page; the preamble once.
    let title = without_preamble(&String::from_utf8_lossy(&title));
    let body = without_preamble(&String::from_utf8_lossy(&body));
    out.write_all(title.as_bytes())?;
    for line in PREAMBLE {
        writeln!(out, "{line}")?;
    }
    out.write_all(body.as_bytes())
}

/// One command's subsection, then those of the commands under it. The `help` commands
/// clap adds under every group, and the copy of the tree under `help`, are left out: the
/// root's `help` subsection covers them.
fn render_command(cmd: &clap::Command, out: &mut Vec<u8>) -> io::Result<()> {
    let full_name = cmd.get_bin_name().unwrap_or_else(|| cmd.get_name());
    writeln!(out, ".SS \"{}\"", full_name.replace('"', ""))?;

    // Global options are described once, at the top; --help and --version everywhere.
    let own = cmd.clone().mut_args(|arg| {
        let id = arg.get_id().as_str();
        if arg.is_global_set() || id == "help" || id == "version" {
            arg.hide(true)
        } else {
            arg
        }
    });
    let man = Man::new(own);
    let mut piece = Vec::new();
    man.render_description_section(&mut piece)?;
    man.render_synopsis_section(&mut piece)?;
    man.render_options_section(&mut piece)?;
    if cmd.get_after_help().is_some() || cmd.get_after_long_help().is_some() {
        man.render_extra_section(&mut piece)?;
    }
    out.extend_from_slice(as_paragraphs(&String::from_utf8_lossy(&piece)).as_bytes());

    if cmd.get_name() == "help" {
        return Ok(());
    }
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        render_command(sub, out)?;
    }
    Ok(())
}

/// `.SH ENVIRONMENT`: every variable aigcusage reads, the list `help environment` prints.
fn render_environment(out: &mut Vec<u8>) {
    out.extend_from_slice(b".SH ENVIRONMENT\n");
    for var in crate::config::environment() {
        let text = format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            roff_text(var.name),
            roff_text(var.meaning)
        );
        out.extend_from_slice(text.as_bytes());
    }
}

/// `.SH EXIT STATUS`: the codes `help exit-codes` lists (spec §6).
fn render_exit_status(out: &mut Vec<u8>) {
    out.extend_from_slice(b".SH \"EXIT STATUS\"\n");
    for (code, meaning) in crate::error::exit::TABLE {
        let text = format!(".TP\n\\fB{code}\\fR\n{}\n", roff_text(meaning));
        out.extend_from_slice(text.as_bytes());
    }
}

/// Text safe in a roff line: backslashes and hyphens escaped, no leading control dot.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// A command page's sections as paragraphs of one subsection: `.SH OPTIONS` becomes a
/// paragraph `Options:`, `.SH "TIME RANGE"` one saying `Time range:`; the description
/// and synopsis need no heading, and the notes after the options none either.
fn as_paragraphs(page: &str) -> String {
    let mut out = String::new();
    for line in page.lines() {
        match line.strip_prefix(".SH ") {
            Some("DESCRIPTION" | "SYNOPSIS" | "EXTRA") => out.push_str(".PP\n"),
            Some(heading) => {
                let heading = heading.trim_matches('"').to_lowercase();
                let mut chars = heading.chars();
                let heading: String = chars
                    .next()
                    .map(|first| first.to_uppercase().chain(chars).collect())
                    .unwrap_or_default();
                out.push_str(&format!(".PP\n\\fI{heading}:\\fR\n"));
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

fn without_preamble(text: &str) -> String {
    text.lines()
        .filter(|line| !PREAMBLE.contains(line))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn page() -> String {
        let mut out = Vec::new();
        render_man(crate::cli::Cli::command(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Every command path of the tree, `vod quota list` style.
    fn command_paths(cmd: &clap::Command, prefix: &str, paths: &mut Vec<String>) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let path = format!("{prefix}{} ", sub.get_name());
            paths.push(path.trim_end().to_string());
            command_paths(sub, &path, paths);
        }
    }

    #[test]
    fn the_page_starts_with_its_title_and_has_one() {
        let page = page();
        assert!(page.starts_with(".TH AIGCUSAGE 1 "), "{}", &page[..200]);
        assert_eq!(page.matches(".TH ").count(), 1);
        assert_eq!(page.matches(".ie \\n(.g").count(), 1);
    }

    #[test]
    fn every_command_of_the_tree_has_a_subsection() {
        let page = page();
        let mut paths = Vec::new();
        command_paths(&crate::cli::Cli::command(), "", &mut paths);
        assert!(paths.len() > 10, "{paths:?}");
        for path in paths {
            let heading = format!(".SS \"aigcusage {path}\"\n");
            assert!(page.contains(&heading), "missing {heading}");
        }
        assert!(page.contains(".SS \"aigcusage help\"\n"));
        assert!(!page.contains(".SS \"aigcusage help vod"));
    }

    #[test]
    fn global_options_are_described_once() {
        let page = page();
        assert_eq!(page.matches("[env: AIGCUSAGE_OUTPUT]").count(), 1);
        // A command's own options are there.
        assert!(page.contains("\\fB\\-\\-fail\\-at\\fR"), "no --fail-at");
    }

    #[test]
    fn the_environment_section_lists_every_variable_read() {
        let page = page();
        let section = &page[page.find(".SH ENVIRONMENT\n").expect("no ENVIRONMENT")..];
        for var in crate::config::environment() {
            let entry = format!(".TP\n\\fB{}\\fR\n", roff_text(var.name));
            assert!(section.contains(&entry), "{} missing", var.name);
        }
        assert!(section.contains("\\fBHTTPS_PROXY\\fR"));
    }

    #[test]
    fn the_exit_status_section_lists_every_code() {
        let page = page();
        let section = &page[page.find(".SH \"EXIT STATUS\"\n").expect("no EXIT STATUS")..];
        for (code, _) in crate::error::exit::TABLE {
            assert!(section.contains(&format!("\\fB{code}\\fR")), "{code}");
        }
    }

    #[test]
    fn man_page_snapshot() {
        insta::assert_snapshot!(page());
    }

    #[test]
    fn man_formats_the_page_without_warnings() {
        // Optional: only where man(1) is installed.
        let Ok(dir) = tempfile::tempdir() else {
            return;
        };
        let path = dir.path().join("aigcusage.1");
        std::fs::write(&path, page()).unwrap();
        let Ok(output) = std::process::Command::new("man")
            .args(["--warnings", "-l"])
            .arg(&path)
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
        else {
            return;
        };
        let text = String::from_utf8_lossy(&output.stdout);
        let warnings = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{warnings}");
        assert!(warnings.trim().is_empty(), "{warnings}");
        assert!(text.contains("aigcusage vod quota list"), "{text}");
    }
}
