//! The NDJSON rows of `history export` and `history import` (spec §10): one object per
//! point as `-o ndjson` gives (`time`, `provider`, `source`, `series`, `metric`, `unit`,
//! `value`, `labels`, numbers printed the same way), plus `account`, `granularity`,
//! `partial` (always present, true or false) and `synced_at`.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, BufRead, Write};

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;

use super::model::parse_granularity;
use super::StoredSeries;
use crate::error::Error;
use crate::number;
use crate::point_line::SeriesParts;
use crate::series::{Point, Series};
use crate::timestamp::rfc3339;

/// Writes every point of every series, one line each, in the order given (the store's
/// export order).
pub fn write(series: &[StoredSeries], out: &mut dyn Write) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    for stored in series {
        let s = &stored.series;
        // Everything between the time and the value is the same for the whole series: the
        // `-o ndjson` line's own fields, then the store's.
        let SeriesParts {
            middle,
            labels: mut tail,
        } = SeriesParts::new(s)?;
        tail.extend_from_slice(b",\"account\":");
        serde_json::to_writer(&mut tail, &stored.account)?;
        tail.extend_from_slice(b",\"granularity\":");
        serde_json::to_writer(&mut tail, &s.granularity.map(|g| g.as_str()))?;
        for (p, synced_at) in s.points.iter().zip(&stored.synced_at) {
            out.write_all(b"{\"time\":\"")?;
            out.write_all(rfc3339(&p.time).as_bytes())?;
            out.write_all(&middle)?;
            number::write_json(&mut out, p.value)?;
            out.write_all(&tail)?;
            out.write_all(if p.partial {
                b",\"partial\":true,\"synced_at\":\""
            } else {
                b",\"partial\":false,\"synced_at\":\""
            })?;
            out.write_all(rfc3339(synced_at).as_bytes())?;
            out.write_all(b"\"}\n")?;
        }
    }
    out.flush()
}

/// One line as read.
#[derive(Deserialize)]
struct Line {
    time: String,
    provider: String,
    source: String,
    series: String,
    metric: String,
    #[serde(default)]
    unit: Option<String>,
    value: f64,
    labels: BTreeMap<String, String>,
    account: String,
    #[serde(default)]
    granularity: Option<String>,
    #[serde(default)]
    partial: bool,
    synced_at: String,
}

/// (account, provider, source, series, metric, labels).
type RowKey = (
    String,
    String,
    String,
    String,
    String,
    BTreeMap<String, String>,
);

/// Says whether a (provider, source) pair may be imported: `Err` explains why not. The
/// store knows no providers; the caller asks its registry.
pub type KnownSource<'a> = &'a dyn Fn(&str, &str) -> Result<(), String>;

/// Reads export lines into series (lines of one key joined, in first-seen order).
/// `name` names the input in errors (`rows.ndjson`, `stdin`). Any malformed line, and a
/// line whose (provider, source) `known` refuses, is a usage error naming its line
/// number; blank lines are skipped.
pub fn parse(
    input: impl BufRead,
    name: &str,
    known: KnownSource<'_>,
) -> Result<Vec<StoredSeries>, Error> {
    let mut index: HashMap<RowKey, usize> = HashMap::new();
    let mut series: Vec<StoredSeries> = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let number = i + 1;
        let bad = |what: String| Error::usage(format!("{name}: line {number}: {what}"));
        let line = line.map_err(|e| bad(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        let row: Line = serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
        known(&row.provider, &row.source).map_err(bad)?;
        let time = parse_time(&row.time).map_err(|e| bad(format!("time: {e}")))?;
        let synced_at = parse_time(&row.synced_at).map_err(|e| bad(format!("synced_at: {e}")))?;
        let granularity = match row.granularity.as_deref() {
            None => None,
            Some(text) => Some(parse_granularity(text).ok_or_else(|| {
                bad(format!(
                    "granularity {text:?}: expected 5m, 15m, hour, day, week, month or null"
                ))
            })?),
        };
        let key = (
            row.account,
            row.provider,
            row.source,
            row.series,
            row.metric,
            row.labels,
        );
        let slot = match index.get(&key) {
            Some(&slot) => slot,
            None => {
                let (account, provider, source, name, metric, labels) = key.clone();
                series.push(StoredSeries {
                    account,
                    series: Series {
                        provider,
                        source,
                        name,
                        metric,
                        unit: None,
                        granularity: None,
                        aggregation: Default::default(),
                        labels,
                        points: Vec::new(),
                        exact_total: None,
                    },
                    synced_at: Vec::new(),
                });
                index.insert(key, series.len() - 1);
                series.len() - 1
            }
        };
        let stored = &mut series[slot];
        // The last row's unit and granularity win, as the upsert would.
        stored.series.unit = row.unit;
        stored.series.granularity = granularity;
        stored.series.points.push(Point {
            partial: row.partial,
            ..Point::new(time, row.value)
        });
        stored.synced_at.push(synced_at);
    }
    Ok(series)
}

fn parse_time(text: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(text).map_err(|e| format!("{text:?} is not RFC 3339: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn sample() -> Vec<StoredSeries> {
        vec![StoredSeries {
            account: "work".into(),
            series: Series {
                provider: "tencent".into(),
                source: "vod.aigc_usage".into(),
                name: "Kling \"2\"".into(),
                metric: "usage".into(),
                unit: Some("seconds".into()),
                granularity: Some(crate::series::Granularity::Day),
                aggregation: Default::default(),
                labels: [("aigc_type".to_string(), "Video".to_string())].into(),
                points: vec![
                    Point::new(t("2025-11-18T00:00:00+08:00"), 15.0),
                    Point {
                        partial: true,
                        ..Point::new(t("2025-11-19T00:00:00+08:00"), 0.1 + 0.2)
                    },
                ],
                exact_total: None,
            },
            synced_at: vec![t("2025-11-20T01:02:03Z"), t("2025-11-20T01:02:03Z")],
        }]
    }

    fn any_source(_: &str, _: &str) -> Result<(), String> {
        Ok(())
    }

    #[test]
    fn a_source_refused_is_a_usage_error_with_its_number() {
        let text = render(&sample());
        let first = text.lines().next().unwrap();
        let unknown = first.replace("\"provider\":\"tencent\"", "\"provider\":\"nope\"");
        let known = |provider: &str, _: &str| match provider {
            "tencent" => Ok(()),
            other => Err(format!("unknown provider {other:?}")),
        };
        let e = parse(format!("{first}\n\n{unknown}\n").as_bytes(), "f", &known).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert_eq!(e.to_string(), "f: line 3: unknown provider \"nope\"");
    }

    fn render(series: &[StoredSeries]) -> String {
        let mut out = Vec::new();
        write(series, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn lines_are_the_ndjson_fields_then_the_store_fields() {
        let text = render(&sample());
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            r#"{"time":"2025-11-18T00:00:00+08:00","provider":"tencent","source":"vod.aigc_usage","series":"Kling \"2\"","metric":"usage","unit":"seconds","value":15,"labels":{"aigc_type":"Video"},"account":"work","granularity":"day","partial":false,"synced_at":"2025-11-20T01:02:03+00:00"}"#
        );
        let second = text.lines().nth(1).unwrap();
        assert!(second.contains(r#""value":0.3,"#), "{second}");
        assert!(second.contains(r#""partial":true,"#), "{second}");
    }

    #[test]
    fn parse_reads_back_what_write_wrote() {
        let sample = sample();
        let text = render(&sample);
        let parsed = parse(text.as_bytes(), "rows", &any_source).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].series.points[0], sample[0].series.points[0]);
        assert_eq!(parsed[0].series.points[1].value, 0.3);
        assert!(parsed[0].series.points[1].partial);
        assert_eq!(
            parsed[0].series.points[1].time.offset().local_minus_utc(),
            8 * 3600
        );
        assert_eq!(render(&parsed), text);
    }

    #[test]
    fn a_malformed_line_is_a_usage_error_with_its_number() {
        let text = render(&sample());
        let mut lines: Vec<&str> = text.lines().collect();
        let broken = lines[1].replace("\"value\":0.3", "\"value\":\"x\"");
        lines[1] = &broken;
        let e = parse(lines.join("\n").as_bytes(), "rows.ndjson", &any_source).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().starts_with("rows.ndjson: line 2: "), "{e}");
        for bad in [
            "not json",
            r#"{"time":"yesterday"}"#,
            &text
                .lines()
                .next()
                .unwrap()
                .replace("\"day\"", "\"fortnight\""),
            &text
                .lines()
                .next()
                .unwrap()
                .replace("2025-11-18T00:00:00+08:00", "2025-11-18"),
        ] {
            let e = parse(
                format!("{}\n{bad}\n", text.lines().next().unwrap()).as_bytes(),
                "f",
                &any_source,
            )
            .unwrap_err();
            assert!(e.to_string().starts_with("f: line 2: "), "{e}");
            assert_eq!(e.exit_code(), 2);
        }
    }

    mod round_trip {
        use super::*;
        use chrono::TimeZone;
        use proptest::prelude::*;

        fn stored() -> impl Strategy<Value = StoredSeries> {
            let text = "[a-zA-Z0-9 ,\"\\\n\u{1}é&-]{0,12}";
            (
                text,
                text,
                prop::collection::btree_map(text, text, 0..3),
                prop::option::of(text),
                prop::collection::vec(
                    (
                        0i64..4_000_000_000,
                        -14 * 60..=14 * 60i32,
                        -1_000_000i64..1_000_000,
                        any::<bool>(),
                    ),
                    0..5,
                ),
            )
                .prop_map(|(account, name, labels, unit, points)| {
                    let mut series = StoredSeries {
                        account,
                        series: Series {
                            provider: "acedata".into(),
                            source: "acedata.api_usage".into(),
                            name,
                            metric: "credits".into(),
                            unit,
                            granularity: Some(crate::series::Granularity::Day),
                            aggregation: Default::default(),
                            labels,
                            points: Vec::new(),
                            exact_total: None,
                        },
                        synced_at: Vec::new(),
                    };
                    for (seconds, minutes, hundredths, partial) in points {
                        let offset = FixedOffset::east_opt(minutes * 60).unwrap();
                        series.series.points.push(Point {
                            partial,
                            // Two decimals: what `-o ndjson` prints reads back exactly.
                            ..Point::new(
                                offset.timestamp_opt(seconds, 0).unwrap(),
                                hundredths as f64 / 100.0,
                            )
                        });
                        series
                            .synced_at
                            .push(offset.timestamp_opt(seconds + 60, 0).unwrap());
                    }
                    series
                })
        }

        proptest! {
            #[test]
            fn parse_of_write_is_the_identity(series in stored()) {
                let text = render(std::slice::from_ref(&series));
                let parsed = parse(text.as_bytes(), "p", &any_source).unwrap();
                if series.series.points.is_empty() {
                    prop_assert!(parsed.is_empty());
                } else {
                    prop_assert_eq!(parsed.len(), 1);
                    prop_assert_eq!(&parsed[0].series.points, &series.series.points);
                    prop_assert_eq!(&parsed[0].series.labels, &series.series.labels);
                    prop_assert_eq!(&parsed[0].series.name, &series.series.name);
                    prop_assert_eq!(&parsed[0].account, &series.account);
                    prop_assert_eq!(&parsed[0].series.unit, &series.series.unit);
                    prop_assert_eq!(&parsed[0].synced_at, &series.synced_at);
                    prop_assert_eq!(render(&parsed), text);
                }
            }
        }
    }
}
