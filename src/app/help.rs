//! `aigcusage help [<topic>|<command>...]` (spec §11): a topic, a command's help, or (alone)
//! the top-level help followed by the topic list.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Error;
use crate::help_topics;
use crate::output::Output;

pub fn run(output: &Output, words: &[String]) -> Result<(), Error> {
    let text = help_text(words)?;
    output.write_with(|out| out.write_all(text.as_bytes()))?;
    Ok(())
}

/// The text `help WORDS` prints.
pub fn help_text(words: &[String]) -> Result<String, Error> {
    if words.is_empty() {
        return Ok(format!(
            "{}\n{}",
            command_help(&[])?,
            help_topics::topic_list()
        ));
    }
    if let [word] = words {
        let environment: Vec<(&str, &str)> = crate::config::environment()
            .iter()
            .map(|v| (v.name, v.meaning))
            .collect();
        if let Some(text) = help_topics::topic(word, &environment) {
            return Ok(text);
        }
    }
    let mut command = &Cli::command();
    for word in words {
        command = command.find_subcommand(word).ok_or_else(|| {
            Error::usage(format!(
                "no help topic or command '{}'\n\n{}",
                words.join(" "),
                help_topics::topic_list().trim_end()
            ))
        })?;
    }
    command_help(words)
}

/// Exactly what `aigcusage WORDS --help` prints: clap answers `--help` with an "error" that
/// carries the help text.
fn command_help(words: &[String]) -> Result<String, Error> {
    let args = std::iter::once("aigcusage")
        .chain(words.iter().map(String::as_str))
        .chain(std::iter::once("--help"));
    match Cli::command().try_get_matches_from(args) {
        Err(help) if help.kind() == clap::error::ErrorKind::DisplayHelp => {
            Ok(help.render().to_string())
        }
        Err(other) => Err(Error::usage(other.to_string())),
        Ok(_) => Err(Error::Internal("--help printed no help".to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn alone_it_prints_the_help_and_the_topics() {
        let text = help_text(&[]).unwrap();
        assert!(text.contains("Usage: aigcusage"), "{text}");
        for topic in help_topics::topic_names() {
            assert!(text.contains(topic), "{topic}");
        }
    }

    #[test]
    fn a_command_path_prints_that_commands_help() {
        let text = help_text(&words("vod quota list")).unwrap();
        assert!(text.contains("Usage: aigcusage vod quota list"), "{text}");
        assert!(text.contains("--fail-at"), "{text}");
    }

    #[test]
    fn the_environment_topic_lists_what_config_reads() {
        let text = help_text(&words("environment")).unwrap();
        for var in crate::config::environment() {
            assert!(text.contains(var.name), "{}", var.name);
        }
    }

    #[test]
    fn an_unknown_word_is_a_usage_error_listing_the_topics() {
        let err = help_text(&words("nonsense")).unwrap_err();
        assert_eq!(err.exit_code(), crate::error::exit::USAGE);
        assert!(err.to_string().contains("exit-codes"), "{err}");
    }
}
