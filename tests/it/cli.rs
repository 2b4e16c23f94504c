//! The command line itself: help, completions, usage errors.

use crate::support::aigcusage;

fn stdout_of(args: &[&str]) -> String {
    let output = aigcusage().args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn top_level_help() {
    insta::assert_snapshot!(stdout_of(&["--help"]));
}

#[test]
fn vod_usage_help() {
    insta::assert_snapshot!(stdout_of(&["vod", "usage", "--help"]));
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains("aigcusage"), "{shell}");
        assert!(script.contains("usage"), "{shell}");
    }
}

#[test]
fn unknown_output_format_is_exit_2() {
    let output = aigcusage()
        .args(["vod", "usage", "--type", "Video", "-o", "xml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn bad_time_is_exit_2_and_names_the_option() {
    let output = aigcusage()
        .args(["vod", "usage", "--type", "Video", "--start", "2025-13-01"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--start"));
}

#[test]
fn end_before_start_is_exit_2() {
    let output = aigcusage()
        .args([
            "vod",
            "usage",
            "--type",
            "Video",
            "--start",
            "2025-11-19",
            "--end",
            "2025-11-18",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn bad_tz_is_exit_2() {
    let output = aigcusage()
        .args(["vod", "usage", "--type", "Video", "--tz", "Mars/Olympus"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Mars/Olympus"));
}

#[test]
fn version_is_printed() {
    assert!(stdout_of(&["--version"]).starts_with("aigcusage "));
}

/// Spec §2: global options are valid before or after the subcommand, and mean the same
/// either way, conflicts included (clap alone checks them only on one side).
#[test]
fn global_conflicts_hold_across_the_subcommand() {
    for args in [
        &["--dry-run", "report", "--demo"][..],
        &["--demo", "report", "--dry-run"],
        &["report", "--demo", "--dry-run"],
        &["-o", "csv", "report", "--demo", "--json"],
        &["--json", "report", "--demo", "-o", "csv"],
    ] {
        let output = aigcusage().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(err.contains("cannot be used with"), "{args:?}: {err}");
    }
}

/// Spec §2: `--tz` takes a fixed offset, western ones too, as a separate argument.
#[test]
fn a_western_offset_is_a_tz_value() {
    let output = aigcusage()
        .args(["report", "--demo", "--providers", "acedata", "--last", "1d"])
        .args(["--tz", "-05:00", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["query"]["tz"], "-05:00");
}
