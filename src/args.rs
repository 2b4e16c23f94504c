//! Argument types shared by the command tree and the providers' subcommands, so that a
//! provider's `commands.rs` needs nothing of `cli`.

use clap::Args;

/// `--start/--end` or `--last` (spec §2).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Time range")]
pub struct RangeOpts {
    /// Start: RFC 3339, a date (2025-11-18), a date-time (2025-11-18 09:30), unix seconds,
    /// now, today, yesterday, or a duration ago (7d, 36h)
    #[arg(
        long,
        visible_alias = "since",
        value_name = "TIME",
        allow_hyphen_values = true
    )]
    pub start: Option<String>,

    /// End, same forms as --start; a date means the end of that day (inclusive)
    #[arg(
        long,
        visible_alias = "until",
        value_name = "TIME",
        allow_hyphen_values = true
    )]
    pub end: Option<String>,

    /// The DURATION before --end (or before now): <N><m|h|d|w> [default: 7d]
    #[arg(long, value_name = "DURATION", conflicts_with = "start")]
    pub last: Option<String>,

    /// One calendar month in --tz: YYYY-MM, this or last (instead of --start/--end/--last)
    #[arg(long, value_name = "MONTH")]
    pub month: Option<String>,
}

impl RangeOpts {
    /// Whether any of the range options was given.
    pub fn is_given(&self) -> bool {
        self.start.is_some() || self.end.is_some() || self.last.is_some() || self.month.is_some()
    }
}

/// Accepts any text (the command checks it and says what is wrong in its own words) but
/// offers `values` to shell completion. The help lists the values itself, so clap's
/// `[possible values: ...]` is hidden where this is used.
#[derive(Clone, Copy)]
pub struct Suggest(pub fn() -> Vec<&'static str>);

impl clap::builder::TypedValueParser for Suggest {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            (self.0)()
                .into_iter()
                .map(clap::builder::PossibleValue::new),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::builder::TypedValueParser;

    #[test]
    fn suggest_accepts_any_text_and_offers_its_values() {
        let parser = Suggest(|| vec!["a", "b"]);
        let cmd = clap::Command::new("t");
        let parsed = parser
            .parse_ref(&cmd, None, std::ffi::OsStr::new("anything"))
            .unwrap();
        assert_eq!(parsed, "anything");
        let offered: Vec<String> = parser
            .possible_values()
            .unwrap()
            .map(|v| v.get_name().to_string())
            .collect();
        assert_eq!(offered, ["a", "b"]);
    }

    #[test]
    fn a_range_is_given_by_any_of_its_options() {
        assert!(!RangeOpts::default().is_given());
        let month = RangeOpts {
            month: Some("this".into()),
            ..RangeOpts::default()
        };
        assert!(month.is_given());
    }
}
