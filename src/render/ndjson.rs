//! `-o ndjson`: one JSON object per point, one line each (spec §5):
//! `{"time", "provider", "source", "series", "metric", "unit", "value", "labels"}`, plus
//! `"partial": true` when the bucket is not over yet.
//!
//! Everything but the time and the value is the same for every point of a series, so it
//! is escaped once per series; a point costs a few copies and a number.

use std::io::{self, Write};

use super::time::TimeCache;
use crate::number;
use crate::point_line::SeriesParts;
use crate::series::Report;

/// Writes one line per point, series in the order given, points in order.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut times = TimeCache::new(report.query.tz);
    let mut buffer = super::buffered(out);
    for s in &report.series {
        let parts = SeriesParts::new(s)?;
        for p in &s.points {
            let time = times.get(&p.time, s.granularity);
            buffer.write_all(b"{\"time\":\"")?;
            // RFC 3339 text: digits, `-`, `:`, `+` and `T`, nothing to escape.
            buffer.write_all(time.as_bytes())?;
            buffer.write_all(&parts.middle)?;
            number::write_json(&mut buffer, p.value)?;
            buffer.write_all(&parts.labels)?;
            if p.partial {
                buffer.write_all(b",\"partial\":true}\n")?;
            } else {
                buffer.write_all(b"}\n")?;
            }
        }
    }
    super::finish(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        write(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Line {
        time: String,
        provider: String,
        source: String,
        series: String,
        metric: String,
        unit: Option<String>,
        value: serde_json::Number,
        labels: BTreeMap<String, String>,
        partial: Option<bool>,
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&fixtures::report()));
    }

    #[test]
    fn every_line_parses_and_keys_are_in_order() {
        let report = fixtures::report();
        let text = render(&report);
        let points: usize = report.series.iter().map(|s| s.points.len()).sum();
        assert_eq!(text.lines().count(), points);
        assert!(text.ends_with('\n'));
        let keys = [
            "time", "provider", "source", "series", "metric", "unit", "value", "labels",
        ];
        for line in text.lines() {
            let parsed: Line = serde_json::from_str(line).unwrap();
            assert_ne!(parsed.partial, Some(false));
            let positions: Vec<usize> = keys
                .iter()
                .map(|k| line.find(&format!("\"{k}\":")).unwrap())
                .collect();
            assert!(positions.windows(2).all(|w| w[0] < w[1]), "{line}");
        }
        let first: Line = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first.time, "2025-11-18T01:00:00+00:00");
        assert_eq!(first.unit, None);
        assert_eq!(first.value.to_string(), "0.1");
        let partial: Vec<Line> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .filter(|l: &Line| l.partial == Some(true))
            .collect();
        assert_eq!(partial.len(), 2);
        assert!(partial
            .iter()
            .all(|l| l.time == "2025-11-19T00:00:00+08:00"));
    }

    #[test]
    fn awkward_names_are_escaped() {
        let mut report = fixtures::report();
        report.series[0].name = "a,b \"q\"\nline\u{1}".into();
        let text = render(&report);
        let first: Line = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first.series, "a,b \"q\"\nline\u{1}");
    }

    #[test]
    fn empty_report_prints_nothing() {
        let report = Report::new(fixtures::query(crate::zone::Zone::UTC), Vec::new());
        assert_eq!(render(&report), "");
    }
}
