//! `--demo` never answers for time after now and answers at most the last 366 days of a
//! range, like a provider's retention (issue 9 items 4 and 19).

use std::time::{Duration, Instant};

use crate::support::*;

const NOW: &str = "2026-12-01T00:00:00Z";

#[test]
fn demo_answers_nothing_after_now() {
    for args in [
        &[
            "acedata",
            "usage",
            "--demo",
            "--start",
            "2027-01-01",
            "--end",
            "2027-01-03",
        ][..],
        &[
            "vod",
            "usage",
            "--type",
            "all",
            "--demo",
            "--start",
            "2027-01-01",
            "--end",
            "2027-01-03",
        ][..],
        &[
            "modelrouter",
            "cost",
            "--demo",
            "--start",
            "2027-01-01",
            "--end",
            "2027-01-03",
        ][..],
    ] {
        let output = run(aigcusage()
            .env("AIGCUSAGE_NOW", NOW)
            .args(args)
            .arg("--json"));
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        let doc = json_of(&output);
        for series in doc["series"].as_array().unwrap() {
            for point in series["points"].as_array().unwrap() {
                let time = point["time"].as_str().unwrap();
                assert!(time < "2026-12-02", "{args:?}: a point at {time}");
            }
        }
    }
}

#[test]
fn far_past_demo_ranges_finish_promptly_with_a_bounded_answer() {
    for (args, codes) in [
        (
            &["lke", "tokens", "--demo", "--start", "1971-01-01"][..],
            &[0][..],
        ),
        (
            &["modelrouter", "cost", "--demo", "--start", "1971-01-01"][..],
            &[0][..],
        ),
        (
            &["acedata", "usage", "--demo", "--start", "1971-01-01"][..],
            &[0][..],
        ),
        // VOD refuses a start past its 365-day retention, the others answer: exit 6.
        (&["report", "--demo", "--start", "999999999"][..], &[6][..]),
    ] {
        let started = Instant::now();
        let output = run(aigcusage()
            .env("AIGCUSAGE_NOW", NOW)
            .args(args)
            .arg("--json")
            .timeout(Duration::from_secs(60)));
        let code = output.status.code();
        assert!(
            codes.iter().any(|c| Some(*c) == code),
            "{args:?}: {code:?} {}",
            stderr(&output)
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{args:?} took {:?}",
            started.elapsed()
        );
        let doc = json_of(&output);
        for series in doc["series"].as_array().unwrap() {
            let points = series["points"].as_array().unwrap();
            // At most 367 days of hours (ModelRouter answers hours by default).
            assert!(
                points.len() <= 367 * 24,
                "{args:?}: {} points",
                points.len()
            );
            for point in points {
                let time = point["time"].as_str().unwrap();
                assert!(time >= "2025-11-29", "{args:?}: a point at {time}");
            }
        }
    }
}

/// The demo's LKE day is the sum of its quarter-hours: asked for one date it answers 96
/// quarter-hours, asked for a week it answers days, and the two agree.
#[test]
fn a_demo_lke_day_is_the_sum_of_its_quarter_hours() {
    let input = |start: &str, end: &str| -> Vec<(String, f64)> {
        let output = aigcusage()
            .env("AIGCUSAGE_NOW", "2026-12-08T12:00:00Z")
            .args(["lke", "tokens", "--demo", "--tz", "Asia/Shanghai"])
            .args(["--start", start, "--end", end, "-o", "json"])
            .output()
            .unwrap();
        assert!(output.status.success());
        let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        doc["series"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "input")
            .unwrap()["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["time"].as_str().unwrap().to_string(),
                    p["value"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    let quarters = input("2026-12-05", "2026-12-05");
    assert_eq!(quarters.len(), 96);
    let days = input("2026-12-01", "2026-12-07");
    let day = days
        .iter()
        .find(|(time, _)| time == "2026-12-05T00:00:00+08:00")
        .unwrap();
    assert_eq!(quarters.iter().map(|(_, v)| v).sum::<f64>(), day.1);
}
