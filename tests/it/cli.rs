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
