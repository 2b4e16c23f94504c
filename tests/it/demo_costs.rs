//! `--demo` with costs (spec §8, §9): which price book it uses (the user's own, named or
//! at the default path, before the built-in example book), a budget without a currency,
//! and the stderr notes on exit 7. Each test has its own `XDG_CONFIG_HOME`.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::support::*;

const DATA_NOTE: &str =
    "note: --demo: this is demo data from built-in example answers, not your account's usage";
const PRICES_NOTE: &str = "note: --demo: costs use built-in example prices, not your price book";

/// Prices only AceData's credits, in USD, and has no `currency`.
const ACEDATA_BOOK: &str = r#"[[price]]
provider = "acedata"
source = "acedata.api_usage"
match = ".*"
metric = "amount"
unit = "credits"
price = "0.13"
currency = "USD"
"#;

/// An empty config folder; `book` writes the default-path book in it.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// `$XDG_CONFIG_HOME/aigcusage/prices.toml`, where spec §8 looks last.
    fn default_book(&self) -> PathBuf {
        self.dir.path().join("aigcusage").join("prices.toml")
    }

    fn book(&self, text: &str) -> PathBuf {
        let path = self.default_book();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn command(&self) -> assert_cmd::Command {
        let mut cmd = aigcusage();
        cmd.env("XDG_CONFIG_HOME", self.dir.path());
        cmd
    }
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

fn demo_cost_json(home: &Home, extra: &[&str]) -> (std::process::Output, Value) {
    let output = run(home
        .command()
        .args(["report", "--demo", "--cost", "-o", "json"])
        .args(extra));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let doc = json_of(&output);
    (output, doc)
}

fn path_text(path: &Path) -> String {
    path.display().to_string()
}

#[test]
fn demo_prices_with_the_example_book_only_when_the_user_has_none() {
    // No book anywhere: the built-in example book, said once.
    let home = Home::new();
    let (output, doc) = demo_cost_json(&home, &[]);
    let err = stderr(&output);
    assert_eq!(count(&err, PRICES_NOTE), 1, "{err}");
    assert_eq!(count(&err, DATA_NOTE), 1, "{err}");
    assert_eq!(doc["cost"]["price_book"], Value::Null);
    assert_eq!(doc["cost"]["currency"], "CNY");
    assert_eq!(doc["cost"]["complete"], true);

    // A book at the default path is the user's book: it prices the demo data.
    let book = home.book(ACEDATA_BOOK);
    let (output, doc) = demo_cost_json(&home, &[]);
    let err = stderr(&output);
    assert_eq!(count(&err, PRICES_NOTE), 0, "{err}");
    assert_eq!(count(&err, DATA_NOTE), 1, "{err}");
    assert_eq!(doc["cost"]["price_book"], json!(path_text(&book)));
    // Its own currency (none) and rates (none), not the example book's.
    assert_eq!(doc["cost"]["currency"], Value::Null);
    assert_eq!(doc["cost"]["rates"], json!({}));
    assert_eq!(doc["cost"]["complete"], false);
    let unpriced: Vec<&str> = doc["unpriced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["source"].as_str().unwrap())
        .collect();
    assert!(unpriced.contains(&"vod.aigc_usage"), "{unpriced:?}");
    assert!(!unpriced.contains(&"acedata.api_usage"), "{unpriced:?}");

    // A named book wins over the default path (and over the example book).
    let named = home.dir.path().join("named.toml");
    std::fs::write(&named, ACEDATA_BOOK).unwrap();
    let (output, doc) = demo_cost_json(&home, &["--prices", named.to_str().unwrap()]);
    assert_eq!(count(&stderr(&output), PRICES_NOTE), 0);
    assert_eq!(doc["cost"]["price_book"], json!(path_text(&named)));
    let (_, doc) = demo_cost_json(
        &Home {
            dir: tempfile::tempdir().unwrap(),
        },
        &["--prices", named.to_str().unwrap()],
    );
    assert_eq!(doc["cost"]["price_book"], json!(path_text(&named)));

    // A malformed book at the default path is exit 3 with file and line, demo or not.
    home.book("[[price]]\nprovider = \"acedata\"\nprice = \"-1\"\n");
    let output = run(home.command().args(["report", "--demo", "--cost"]));
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    let err = stderr(&output);
    assert!(
        err.contains(&format!("{}:", path_text(&home.default_book()))),
        "{err}"
    );
    assert_eq!(count(&err, PRICES_NOTE), 0, "{err}");
    assert_eq!(count(&err, DATA_NOTE), 0, "{err}");
}

#[test]
fn demo_budget_takes_the_example_books_currency_and_needs_one_from_the_users_book() {
    // The example book says CNY: a budget far above the demo costs passes.
    let home = Home::new();
    for command in ["report", "forecast"] {
        let output = run(home
            .command()
            .args([command, "--demo", "--budget", "1000000000"]));
        assert_eq!(
            output.status.code(),
            Some(0),
            "{command}: {}",
            stderr(&output)
        );
    }

    // The user's book has no currency, and nothing else gives one: exit 2, nothing sent
    // or shown.
    home.book(ACEDATA_BOOK);
    for command in ["report", "forecast"] {
        let output = run(home.command().args([command, "--demo", "--budget", "10"]));
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command}: {}",
            stderr(&output)
        );
        assert!(stdout(&output).is_empty(), "{command}");
        let err = stderr(&output);
        assert!(
            err.contains(&format!("{command} --budget needs a currency")),
            "{err}"
        );
        assert_eq!(count(&err, DATA_NOTE), 0, "{err}");
        assert_eq!(count(&err, PRICES_NOTE), 0, "{err}");
    }
}

#[test]
fn exit_7_after_demo_data_still_says_it_is_demo_data() {
    let home = Home::new();
    for (command, breach) in [
        ("report", "budget exceeded: "),
        ("forecast", "forecast over budget: "),
    ] {
        let output =
            run(home
                .command()
                .args([command, "--demo", "--budget", "0.01", "--currency", "CNY"]));
        assert_eq!(
            output.status.code(),
            Some(7),
            "{command}: {}",
            stderr(&output)
        );
        assert!(!stdout(&output).is_empty(), "{command}");
        let err = stderr(&output);
        assert_eq!(count(&err, breach), 1, "{err}");
        assert_eq!(count(&err, DATA_NOTE), 1, "{err}");
        assert_eq!(count(&err, PRICES_NOTE), 1, "{err}");
    }

    // `prices check` finding the user's book incomplete for the demo data.
    home.book(ACEDATA_BOOK);
    let output = run(home.command().args(["prices", "check", "--demo"]));
    assert_eq!(output.status.code(), Some(7), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("series unpriced"), "{err}");
    assert_eq!(count(&err, DATA_NOTE), 1, "{err}");
    assert_eq!(count(&err, PRICES_NOTE), 0, "{err}");

    // `--quiet` keeps the breach, not the notes.
    let home = Home::new();
    let output = run(home.command().args([
        "report",
        "--demo",
        "--budget",
        "0.01",
        "--currency",
        "CNY",
        "-q",
    ]));
    assert_eq!(output.status.code(), Some(7), "{}", stderr(&output));
    let err = stderr(&output);
    assert_eq!(count(&err, "budget exceeded: "), 1, "{err}");
    assert!(!err.contains("note:"), "{err}");
}

/// `config init` writes a commented template at the default path: it prices nothing, so
/// `--demo` keeps the example prices (said once) instead of calling everything unpriced.
/// The same empty book named with `--prices` is the user's choice, and is used.
#[test]
fn demo_after_config_init_keeps_the_example_prices() {
    let home = Home::new();
    let init = run(home.command().args(["config", "init"]));
    assert_eq!(init.status.code(), Some(0), "{}", stderr(&init));
    assert!(home.default_book().exists());
    let (output, doc) = demo_cost_json(&home, &[]);
    let err = stderr(&output);
    assert_eq!(count(&err, PRICES_NOTE), 1, "{err}");
    assert!(!err.contains("unpriced"), "{err}");
    assert_eq!(doc["cost"]["complete"], true);

    let named = home.default_book();
    let (output, doc) = demo_cost_json(&home, &["--prices", named.to_str().unwrap()]);
    assert_eq!(count(&stderr(&output), PRICES_NOTE), 0);
    assert_eq!(doc["cost"]["complete"], false);
}
