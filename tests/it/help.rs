//! `aigcusage help [<topic>|<command>]` and `aigcusage man` through the binary.

use crate::support::*;

fn help(args: &[&str]) -> std::process::Output {
    run(aigcusage().arg("help").args(args))
}

#[test]
fn every_topic_prints_and_is_snapshotted() {
    for topic in aigcusage::help_topics::topic_names() {
        let output = help(&[topic]);
        assert!(output.status.success(), "{topic}: {}", stderr(&output));
        insta::assert_snapshot!(format!("help_topic_{topic}"), stdout(&output));
    }
}

#[test]
fn the_environment_topic_lists_every_variable_the_registry_declares() {
    let text = stdout(&help(&["environment"]));
    for var in aigcusage::config::environment() {
        assert!(text.contains(var.name), "{} missing:\n{text}", var.name);
    }
}

/// The variables our dependencies read on our behalf: the HTTP client's proxies
/// (reqwest, through hyper-util), the system roots' loader (rustls-native-certs) and SQLite's
/// temporary files. A source scan cannot see them, so they are named here.
const READ_BY_DEPENDENCIES: &[&str] = &[
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "REQUEST_METHOD",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "SQLITE_TMPDIR",
    "TMPDIR",
];

/// Every variable named in a direct read in src (`var_os("X")`, `env("X")`, `get("X")`,
/// `lookup("X")`), outside test modules.
fn variables_read_in_the_sources() -> Vec<String> {
    let read =
        regex::Regex::new(r#"\b(?:var_os|var|env|get|lookup)\("([A-Z][A-Z0-9_]*)"\)"#).unwrap();
    let mut found = Vec::new();
    let mut pending = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy();
            if !name.ends_with(".rs") || name == "tests.rs" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for capture in read.captures_iter(code) {
                found.push(capture[1].to_string());
            }
        }
    }
    found
}

#[test]
fn the_environment_topic_lists_every_variable_the_code_and_its_dependencies_read() {
    let text = stdout(&help(&["environment"]));
    let listed = aigcusage::config::vars::all();
    let scanned = variables_read_in_the_sources();
    assert!(scanned.iter().any(|v| v == "PGUSER"), "{scanned:?}");
    for var in scanned
        .iter()
        .map(String::as_str)
        .chain(READ_BY_DEPENDENCIES.iter().copied())
    {
        assert!(
            listed.contains(&var),
            "{var} is read but not in vars::all()"
        );
        assert!(
            text.contains(&format!("  {var}\n")),
            "{var} missing:\n{text}"
        );
    }
}

#[test]
fn the_exit_codes_topic_is_the_error_types_table() {
    let text = stdout(&help(&["exit-codes"]));
    for (code, _) in aigcusage::error::exit::TABLE {
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(&code.to_string())),
            "{code} missing:\n{text}"
        );
    }
}

#[test]
fn help_alone_is_the_top_level_help_and_the_topics() {
    let output = help(&[]);
    assert!(output.status.success());
    let text = stdout(&output);
    let top = stdout(&run(aigcusage().arg("--help")));
    assert!(text.starts_with(top.trim_end()), "{text}");
    for topic in aigcusage::help_topics::topic_names() {
        assert!(text.contains(topic), "{topic}");
    }
}

#[test]
fn help_of_a_command_is_its_help() {
    let output = help(&["vod", "quota", "apply"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let long = stdout(&run(aigcusage().args(["vod", "quota", "apply", "--help"])));
    assert_eq!(stdout(&output), long);
    assert!(long.contains("--prune"), "{long}");
}

#[test]
fn an_unknown_topic_is_exit_2_with_the_topic_list() {
    let output = help(&["nonsense"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("exit-codes"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn man_prints_the_roff_page_of_the_whole_tree() {
    let output = run(aigcusage().arg("man"));
    assert!(output.status.success(), "{}", stderr(&output));
    let page = stdout(&output);
    assert!(page.starts_with(".TH AIGCUSAGE 1"), "{page}");
    for command in ["vod quota apply", "report", "help", "man"] {
        assert!(page.contains(&format!("aigcusage {command}")), "{command}");
    }
    insta::assert_snapshot!("man_page", page);
}
