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
