//! The documentation in `docs/` that is generated from the code stays in step with it
//! (issue 9 item 14). `AIGCUSAGE_UPDATE_DOCS=1 cargo test --test it docs` rewrites it.

use std::path::PathBuf;

fn docs_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(name)
}

/// Compares `docs/<name>` with `expected`, or writes it when asked to.
fn check(name: &str, expected: &str) {
    let path = docs_file(name);
    if std::env::var_os("AIGCUSAGE_UPDATE_DOCS").is_some() {
        std::fs::write(&path, expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        actual, expected,
        "docs/{name} is out of date: run AIGCUSAGE_UPDATE_DOCS=1 cargo test --test it docs"
    );
}

#[test]
fn docs_environment_lists_every_variable_aigcusage_reads() {
    let mut text = String::from(
        "# Environment\n\n\
         Every environment variable `aigcusage` reads.\n\
         Generated from `config::environment()`; a test fails when this file drifts.\n\n\
         | variable | meaning |\n|---|---|\n",
    );
    for var in aigcusage::config::environment() {
        text.push_str(&format!("| `{}` | {} |\n", var.name, var.meaning));
    }
    check("environment.md", &text);
}

#[test]
fn docs_exit_codes_lists_every_exit_code() {
    let mut text = String::from(
        "# Exit codes\n\n\
         Every exit code of `aigcusage`.\n\
         Generated from `error::exit::TABLE`; a test fails when this file drifts.\n\n\
         | code | meaning |\n|---|---|\n",
    );
    for (code, meaning) in aigcusage::error::exit::TABLE {
        text.push_str(&format!("| {code} | {} |\n", meaning.replace('|', "\\|")));
    }
    check("exit-codes.md", &text);
}

#[test]
fn the_readme_stands_alone() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    assert!(
        !readme.contains("../shared"),
        "the README links outside the repository"
    );
    assert!(readme.contains("cargo install --path ."));
    for doc in [
        "docs/output.md",
        "docs/exit-codes.md",
        "docs/environment.md",
    ] {
        assert!(readme.contains(doc), "the README does not link {doc}");
        assert!(docs_file(doc.trim_start_matches("docs/")).exists(), "{doc}");
    }
}
