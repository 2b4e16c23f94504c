//! `aigcusage help <topic>` (spec §11): short manuals on what is not a command. The exit
//! codes come from `error::exit::TABLE` and the environment list from the caller (the
//! providers' registry), so the help cannot drift from what the code does.

use crate::error::exit;

/// Every topic with a one-line summary, in the order `help` lists them.
pub const TOPICS: &[(&str, &str)] = &[
    ("exit-codes", "what each exit code means"),
    ("environment", "every environment variable aigcusage reads"),
    ("time", "how to write times, durations and months"),
    ("prices", "the price book that turns usage into cost"),
    (
        "store",
        "where the history store lives and what its tables hold",
    ),
];

/// The names of the topics.
pub fn topic_names() -> impl Iterator<Item = &'static str> {
    TOPICS.iter().map(|(name, _)| *name)
}

/// The text of a topic, `None` for a name that is not one. `environment` lists the
/// variables the tool reads as (name, meaning), from the config and provider registry.
pub fn topic(name: &str, environment: &[(&str, &str)]) -> Option<String> {
    match name {
        "exit-codes" => Some(exit_codes()),
        "environment" => Some(environment_topic(environment)),
        "time" => Some(TIME.to_string()),
        "prices" => Some(PRICES.to_string()),
        "store" => Some(STORE.to_string()),
        _ => None,
    }
}

/// The topic list, for `help` without a topic and for an unknown topic's message.
pub fn topic_list() -> String {
    let width = topic_names().map(str::len).max().unwrap_or(0);
    let mut out = String::from("Help topics (aigcusage help <topic>):\n");
    for (name, summary) in TOPICS {
        out.push_str(&format!("  {name:<width$}  {summary}\n"));
    }
    out
}

const WIDTH: usize = 80;

/// Words of `text` in lines of at most `width` characters (a longer word gets its own line).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn exit_codes() -> String {
    let mut out = String::from(
        "Exit codes\n\n\
         Scripts can tell what happened from the exit code alone. Error messages go\n\
         to stderr, once each, and name the provider, the action and the request id.\n\n\
         \x20 code  meaning\n",
    );
    let indent = " ".repeat(8);
    for (code, meaning) in exit::TABLE {
        for (i, line) in wrap(meaning, WIDTH - indent.len()).iter().enumerate() {
            if i == 0 {
                out.push_str(&format!("  {code:>4}  {line}\n"));
            } else {
                out.push_str(&format!("{indent}{line}\n"));
            }
        }
    }
    out
}

fn environment_topic(environment: &[(&str, &str)]) -> String {
    let mut out = String::from(
        "Environment variables\n\n\
         Every variable aigcusage reads. A command-line option beats its variable,\n\
         and a variable beats the config profile, except that a profile named with\n\
         --profile or AIGCUSAGE_PROFILE wins over credential variables. Secrets are\n\
         never accepted as options; they come from these variables or the config\n\
         file. vod quota apply also reads the variable each quota's api_token_env\n\
         names in its file.\n\n",
    );
    let indent = " ".repeat(6);
    for (name, meaning) in environment {
        out.push_str(&format!("  {name}\n"));
        for line in wrap(meaning, WIDTH - indent.len()) {
            out.push_str(&format!("{indent}{line}\n"));
        }
    }
    out
}

const TIME: &str = "\
Times, durations and months

Every usage command and report takes a time range: --start and --end (also
written --since and --until), or --last, or --month. Without any of them the
range is the last 7 days (--last 7d).

TIME (for --start and --end) is any of:
  2025-11-18T00:00:00+08:00   RFC 3339 with an offset, or ending in Z for UTC
  2025-11-18                  a date: as --start the start of that day, as --end
                              the end of it, so the day is included
  2025-11-18T09:30            a date and time without an offset, read in --tz
  2025-11-18 09:30:00         the same with a space and seconds
  1726070400                  unix seconds
  now, today, yesterday       today and yesterday are whole days, as dates are
  7d, 36h, 90m, 2w            that long ago; also written -7d

  So --start 2025-11-01 --end 2025-11-30 is all of November in --tz.

DURATION (for --last) is a whole number and a unit: m (minutes), h (hours), d
(days) or w (weeks), e.g. 90m, 36h, 7d, 2w. --last D means from D ago until
now; --last D --end E means the D before E.

--month M is one calendar month in --tz, where M is YYYY-MM (2025-11), this or
last. It is exactly --start <first day> --end <last day>, so --month this ends
at the end of this month and its buckets that are not over yet are partial.

These are usage errors (exit 2), and nothing is sent: --end before --start;
--last together with --start; --month together with --start, --end or --last.

Times without an offset are read in the zone of --tz (also AIGCUSAGE_TZ, the
profile's tz, TZ, then the system's zone): an IANA name such as Asia/Shanghai,
UTC, or a fixed offset such as +08:00.
";

const PRICES: &str = r#"The price book

Some providers report money (ModelRouter, in CNY), others quantities (VOD
seconds, images and tokens; LKE tokens; AceData credits). With --cost,
aigcusage turns quantities into money with a price book you keep, and never
shows an unpriced quantity as free: unpriced series are listed, and the costs
are a lower bound.

The book is a TOML file found at --prices, else AIGCUSAGE_PRICES, else the
profile's prices, else $XDG_CONFIG_HOME/aigcusage/prices.toml. A missing file
at that default path is an empty book; a named file that is missing or
malformed is exit 3 with the file, the line and what is wrong.

Example:

  currency = "CNY"                # optional: report costs in this currency

  [rates]                         # optional: "A/B" = how many B one A is worth
  "USD/CNY" = "7.10"

  [[price]]
  provider = "tencent"            # required
  source = "vod.aigc_usage"       # required
  series = "Kling2.0&2.1std_720P" # the exact name; or match, not both
  metric = "usage"                # required
  unit = "seconds"                # required: must equal the series' unit
  price = "0.40"                  # required: a decimal >= 0
  per = 1                         # optional, default 1: price per this many
  currency = "CNY"                # required: ISO 4217
  from = "2025-01-01"             # optional: first day the price applies
  until = "2026-01-01"            # optional: first day it no longer applies
  labels = { sub_app_id = "200000004" }   # optional: must equal its labels

  [[price]]
  provider = "acedata"
  source = "acedata.api_usage"
  match = ".*"                    # a regular expression, whole name
  metric = "amount"
  unit = "credits"
  price = "0.13"
  currency = "USD"

Which entry prices a point: the entries whose provider, source, metric, unit
and labels equal the series', whose series equals its name (or whose match
matches the whole name), and whose from/until holds the day of the point. An
exact series wins over a match, then the entry with more labels; two entries
still tied are exit 3.

The cost of a point is value x price / per, computed in decimals (15 x 0.40 is
exactly 6) and rounded to 6 decimal places only when printed.

Currencies: the target currency is --currency, else AIGCUSAGE_CURRENCY, else
the book's currency, else the profile's. With a target, a cost in another
currency C is converted with "C/T" from [rates] (or the inverse of "T/C"); a
missing pair is exit 3. Without one, each cost stays in its own currency and
amounts in different currencies are never added.

Run aigcusage prices check to see which series the book prices and which it
does not.
"#;

const STORE: &str = "\
The history store

aigcusage sync writes every fetched point into the store, and --from-store
answers from it: no credentials, no network, and no limit on how far back (VOD
itself keeps only 365 days). Several machines or people can share one store.

Where: --store URL, else AIGCUSAGE_STORE, else the profile's store, else
$XDG_DATA_HOME/aigcusage/history.db (~/.local/share/aigcusage/history.db).

URL forms:
  /path/to/history.db     an embedded SQLite file, created with its folder
  sqlite:/path/to/file    on first use, mode 0600
  postgres://[user[:password]@]host[:port]/dbname[?sslmode=...]
                          a shared PostgreSQL server; the tables are created on
                          first use; the password may also come from PGPASSWORD

A password in a URL is a secret: it is never printed, and is redacted in
--verbose, in errors and in config show.

The tables are a contract: dashboards and SQL may read them.

aigcusage_points (a table, or a view over normalized tables), one row per
point, unique on (account, provider, source, series, metric, labels, time):
  account       the profile's account, else the profile's name
  provider      tencent, alibaba, acedata
  source        vod.aigc_usage, lke.token_usage, modelrouter.cost_trend, ...
  series        the series name
  metric        usage, count, tokens, amount, ...
  unit          seconds, images, tokens, credits, CNY, ... (may be null)
  labels        the labels as a JSON object (text; jsonb on PostgreSQL)
  granularity   5m, 15m, hour, day, week, month
  time          the bucket start (RFC 3339 text; timestamptz on PostgreSQL)
  value         double precision
  partial       boolean: the bucket was not over when it was synced
  synced_at     when the row was written (same type as time)

aigcusage_schema(version): the schema version. A store written by a newer
aigcusage is refused (exit 3); an older one is migrated forward in place.

Syncing the same range twice leaves the store as once: a row that exists is
replaced. aigcusage history status shows what a store holds, history export
writes it as NDJSON, and history import reads that back.
";

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::error::{Error, Target};
    use crate::timerange::{parse_duration, parse_time, Bound};
    use crate::zone::Zone;

    /// What the integrator passes: the variables of spec §2 and §3.
    const ENVIRONMENT: &[(&str, &str)] = &[
        (
            "AIGCUSAGE_OUTPUT",
            "the output format: table, json, ndjson, csv, prom or focus (as -o)",
        ),
        (
            "AIGCUSAGE_TZ",
            "the zone times are read and printed in (as --tz)",
        ),
        (
            "TENCENTCLOUD_SECRET_ID",
            "Tencent Cloud secret id (vod, lke)",
        ),
        (
            "TENCENTCLOUD_SECRET_KEY",
            "Tencent Cloud secret key (vod, lke)",
        ),
        (
            "AIGCUSAGE_VOD_ENDPOINT",
            "the VOD base URL with scheme and optional port, e.g. http://127.0.0.1:8080",
        ),
    ];

    #[test]
    fn every_listed_topic_has_a_text_and_others_have_none() {
        for name in topic_names() {
            let text = topic(name, ENVIRONMENT).unwrap();
            assert!(text.ends_with('\n') && text.len() > 200, "{name}");
        }
        assert_eq!(topic("nope", ENVIRONMENT), None);
        assert_eq!(topic("vod", ENVIRONMENT), None);
    }

    #[test]
    fn exit_codes_snapshot() {
        insta::assert_snapshot!(topic("exit-codes", ENVIRONMENT).unwrap());
    }

    #[test]
    fn environment_snapshot() {
        insta::assert_snapshot!(topic("environment", ENVIRONMENT).unwrap());
    }

    #[test]
    fn time_snapshot() {
        insta::assert_snapshot!(topic("time", ENVIRONMENT).unwrap());
    }

    #[test]
    fn prices_snapshot() {
        insta::assert_snapshot!(topic("prices", ENVIRONMENT).unwrap());
    }

    #[test]
    fn store_snapshot() {
        insta::assert_snapshot!(topic("store", ENVIRONMENT).unwrap());
    }

    #[test]
    fn topic_list_snapshot() {
        insta::assert_snapshot!(topic_list());
    }

    #[test]
    fn every_exit_code_an_error_can_have_is_in_the_table() {
        let target = Target::new("tencent vod", "X");
        let errors = [
            Error::usage("x"),
            Error::config("x"),
            Error::Provider {
                target: target.clone(),
                code: "c".into(),
                message: "m".into(),
                request_id: None,
            },
            Error::network(&target, "x"),
            Error::PartialFailure {
                failed: 1,
                total: 2,
            },
            Error::Threshold("x".into()),
            Error::DryRun,
            Error::Internal("x".into()),
        ];
        let text = topic("exit-codes", &[]).unwrap();
        for error in errors {
            let code = error.exit_code();
            assert!(exit::TABLE.iter().any(|(c, _)| *c == code), "{code}");
            assert!(text.contains(&format!("  {code:>4}  ")), "{code}");
        }
        // Codes are listed once each, in increasing order.
        assert!(exit::TABLE.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn every_environment_variable_is_listed_with_its_meaning() {
        let text = topic("environment", ENVIRONMENT).unwrap();
        for (name, _) in ENVIRONMENT {
            assert!(text.contains(&format!("  {name}\n")), "{name}");
        }
        assert!(text.contains("http://127.0.0.1:8080"));
    }

    #[test]
    fn lines_fit_in_80_columns() {
        for name in topic_names() {
            for line in topic(name, ENVIRONMENT).unwrap().lines() {
                assert!(line.chars().count() <= WIDTH, "{name}: {line}");
            }
        }
    }

    #[test]
    fn the_time_topic_examples_parse() {
        let now = Utc.with_ymd_and_hms(2025, 11, 20, 12, 0, 0).unwrap();
        let zone = Zone::UTC;
        for time in [
            "2025-11-18T00:00:00+08:00",
            "2025-11-18T00:00:00Z",
            "2025-11-18",
            "2025-11-18T09:30",
            "2025-11-18 09:30:00",
            "1726070400",
            "now",
            "today",
            "yesterday",
            "7d",
            "36h",
            "90m",
            "2w",
            "-7d",
        ] {
            assert!(TIME.contains(time.trim_end_matches("Z")), "{time}");
            for bound in [Bound::Start, Bound::End] {
                parse_time(time, bound, &zone, now).unwrap_or_else(|e| panic!("{time}: {e}"));
            }
        }
        for duration in ["90m", "36h", "7d", "2w"] {
            assert!(TIME.contains(duration));
            parse_duration(duration).unwrap();
        }
    }

    #[test]
    fn the_prices_example_is_valid_toml() {
        let example: String = PRICES
            .lines()
            .skip_while(|l| *l != "Example:")
            .skip(1)
            .take_while(|l| !l.starts_with("Which entry"))
            .map(|l| format!("{}\n", l.strip_prefix("  ").unwrap_or(l)))
            .collect();
        let book: toml::Table = toml::from_str(&example).unwrap();
        assert_eq!(book["price"].as_array().unwrap().len(), 2);
        assert_eq!(book["rates"]["USD/CNY"].as_str(), Some("7.10"));
    }
}
