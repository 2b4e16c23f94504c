//! `-o json`: one pretty-printed document (spec §5), keys in the documented order.
//!
//! The layout of the document is fixed, so it is written by hand, straight into the
//! writer: the 730,000 points of a large report cost a few copies each. Strings are
//! escaped by serde_json. The output is byte for byte what serde_json's pretty printer
//! makes of the same document built from structs; the tests keep such a serde version as
//! the reference and compare the two.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::time::TimeCache;
use crate::cost::summary::CostSummary;
use crate::number;
use crate::series::{Failure, Report, Series};
use crate::timestamp::rfc3339;

/// The `schema_version` of the document; the shape changes only together with it.
pub const SCHEMA_VERSION: u32 = 1;

/// A JSON string, escaped.
fn string<W: Write + ?Sized>(out: &mut W, s: &str) -> io::Result<()> {
    serde_json::to_writer(out, s).map_err(io::Error::from)
}

fn optional_string<W: Write + ?Sized>(out: &mut W, s: Option<&str>) -> io::Result<()> {
    match s {
        Some(s) => string(out, s),
        None => out.write_all(b"null"),
    }
}

/// Writes `"key": ` at `indent` spaces, after the separator of the previous member.
fn key<W: Write + ?Sized>(out: &mut W, indent: usize, first: bool, name: &str) -> io::Result<()> {
    out.write_all(if first { b"\n" } else { b",\n" })?;
    spaces(out, indent)?;
    string(out, name)?;
    out.write_all(b": ")
}

fn spaces<W: Write + ?Sized>(out: &mut W, n: usize) -> io::Result<()> {
    const SPACES: &[u8; 32] = b"                                ";
    let mut left = n;
    while left > 0 {
        let take = left.min(SPACES.len());
        out.write_all(&SPACES[..take])?;
        left -= take;
    }
    Ok(())
}

/// Closes a non-empty object or array whose members were at `indent + 2`.
fn close<W: Write + ?Sized>(out: &mut W, indent: usize, bracket: &[u8]) -> io::Result<()> {
    out.write_all(b"\n")?;
    spaces(out, indent)?;
    out.write_all(bracket)
}

fn string_array<W: Write + ?Sized>(out: &mut W, indent: usize, items: &[String]) -> io::Result<()> {
    if items.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    for (i, item) in items.iter().enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        spaces(out, indent + 2)?;
        string(out, item)?;
    }
    close(out, indent, b"]")
}

fn labels<W: Write + ?Sized>(
    out: &mut W,
    indent: usize,
    labels: &BTreeMap<String, String>,
) -> io::Result<()> {
    if labels.is_empty() {
        return out.write_all(b"{}");
    }
    out.write_all(b"{")?;
    for (i, (k, v)) in labels.iter().enumerate() {
        key(out, indent + 2, i == 0, k)?;
        string(out, v)?;
    }
    close(out, indent, b"}")
}

/// Per point, at the fixed depth of `series[i].points[j]`.
const POINT_OPEN: &[u8] = b"        {\n          \"time\": \"";
const POINT_VALUE: &[u8] = b"\",\n          \"value\": ";
const POINT_PARTIAL: &[u8] = b",\n          \"partial\": true";
const POINT_CLOSE: &[u8] = b"\n        }";

fn series<W: Write + ?Sized>(out: &mut W, s: &Series, times: &mut TimeCache) -> io::Result<()> {
    const INDENT: usize = 6;
    out.write_all(b"    {")?;
    key(out, INDENT, true, "provider")?;
    string(out, &s.provider)?;
    key(out, INDENT, false, "source")?;
    string(out, &s.source)?;
    key(out, INDENT, false, "name")?;
    string(out, &s.name)?;
    key(out, INDENT, false, "metric")?;
    string(out, &s.metric)?;
    key(out, INDENT, false, "unit")?;
    optional_string(out, s.unit.as_deref())?;
    key(out, INDENT, false, "granularity")?;
    optional_string(out, s.granularity.map(|g| g.as_str()))?;
    key(out, INDENT, false, "labels")?;
    labels(out, INDENT, &s.labels)?;
    key(out, INDENT, false, "points")?;
    if s.points.is_empty() {
        out.write_all(b"[]")?;
    } else {
        out.write_all(b"[\n")?;
        for (i, p) in s.points.iter().enumerate() {
            if i > 0 {
                out.write_all(b",\n")?;
            }
            out.write_all(POINT_OPEN)?;
            // RFC 3339 text: nothing to escape.
            out.write_all(times.get(&p.time, s.granularity).as_bytes())?;
            out.write_all(POINT_VALUE)?;
            number::write_json(out, p.value)?;
            if p.partial {
                out.write_all(POINT_PARTIAL)?;
            }
            out.write_all(POINT_CLOSE)?;
        }
        close(out, INDENT, b"]")?;
    }
    key(out, INDENT, false, "total")?;
    match s.total() {
        Some(total) => number::write_json(out, total)?,
        // A non-additive series has no total (spec §5 v3).
        None => out.write_all(b"null")?,
    }
    close(out, 4, b"}")
}

fn failures<W: Write + ?Sized>(out: &mut W, failures: &[Failure]) -> io::Result<()> {
    if failures.is_empty() {
        return out.write_all(b"[]");
    }
    const INDENT: usize = 6;
    out.write_all(b"[")?;
    for (i, f) in failures.iter().enumerate() {
        out.write_all(if i == 0 { b"\n    {" } else { b",\n    {" })?;
        key(out, INDENT, true, "provider")?;
        string(out, &f.provider)?;
        key(out, INDENT, false, "source")?;
        string(out, &f.source)?;
        key(out, INDENT, false, "code")?;
        string(out, &f.code)?;
        key(out, INDENT, false, "message")?;
        string(out, &f.message)?;
        key(out, INDENT, false, "request_id")?;
        optional_string(out, f.request_id.as_deref())?;
        close(out, 4, b"}")?;
    }
    close(out, 2, b"]")
}

/// `"cost"` and `"unpriced"` (spec §8), pretty-printed at the document's second level.
fn cost<W: Write + ?Sized>(out: &mut W, summary: &CostSummary) -> io::Result<()> {
    let unpriced: Vec<serde_json::Value> = summary
        .unpriced
        .iter()
        .map(|u| {
            serde_json::json!({
                "provider": u.provider,
                "source": u.source,
                "name": u.name,
                "metric": u.metric,
                "unit": u.unit,
                "points": u.points,
                "total": crate::number::json_number(u.total),
            })
        })
        .collect();
    let cost = serde_json::json!({
        "currency": summary.currency.map(|c| c.to_string()),
        "rates": summary.rates,
        "price_book": summary.price_book,
        "complete": summary.complete,
    });
    for (name, value) in [
        ("cost", cost),
        ("unpriced", serde_json::Value::Array(unpriced)),
    ] {
        key(out, 2, false, name)?;
        let text = serde_json::to_string_pretty(&value).map_err(io::Error::from)?;
        // Nested two spaces deeper than a top-level value.
        out.write_all(text.replace('\n', "\n  ").as_bytes())?;
    }
    Ok(())
}

/// (v3) `--from-store`'s `gaps`: `[{"account", "provider", "source", "start", "end"}]`.
fn gaps<W: Write + ?Sized>(
    out: &mut W,
    gaps: &[crate::store::Gap],
    tz: crate::zone::Zone,
) -> io::Result<()> {
    if gaps.is_empty() {
        return out.write_all(b"[]");
    }
    const INDENT: usize = 6;
    out.write_all(b"[")?;
    for (i, g) in gaps.iter().enumerate() {
        out.write_all(if i == 0 { b"\n    {" } else { b",\n    {" })?;
        key(out, INDENT, true, "account")?;
        string(out, &g.account)?;
        key(out, INDENT, false, "provider")?;
        string(out, &g.provider)?;
        key(out, INDENT, false, "source")?;
        string(out, &g.source)?;
        key(out, INDENT, false, "start")?;
        string(out, &rfc3339(&tz.localize(&g.range.start)))?;
        key(out, INDENT, false, "end")?;
        string(out, &rfc3339(&tz.localize(&g.range.end)))?;
        close(out, 4, b"}")?;
    }
    close(out, 2, b"]")
}

/// Writes the §5 document, pretty-printed with 2-space indents and a trailing newline.
/// `failures` is present only when `report.failures` is `Some` (then possibly `[]`).
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let q = &report.query;
    let mut times = TimeCache::new(q.tz);
    let mut out = super::buffered(out);
    let w = &mut out;
    w.write_all(b"{")?;
    key(w, 2, true, "schema_version")?;
    number::write_int(w, i64::from(SCHEMA_VERSION))?;
    key(w, 2, false, "query")?;
    w.write_all(b"{")?;
    key(w, 4, true, "start")?;
    string(w, &rfc3339(&q.tz.localize(&q.start)))?;
    key(w, 4, false, "end")?;
    string(w, &rfc3339(&q.tz.localize(&q.end)))?;
    key(w, 4, false, "tz")?;
    string(w, &q.tz.to_string())?;
    key(w, 4, false, "commands")?;
    string_array(w, 4, &q.commands)?;
    close(w, 2, b"}")?;
    key(w, 2, false, "series")?;
    if report.series.is_empty() {
        w.write_all(b"[]")?;
    } else {
        w.write_all(b"[")?;
        for (i, s) in report.series.iter().enumerate() {
            w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
            series(w, s, &mut times)?;
        }
        close(w, 2, b"]")?;
    }
    if let Some(list) = &report.failures {
        key(w, 2, false, "failures")?;
        failures(w, list)?;
    }
    if let Some(summary) = &report.cost {
        cost(w, summary)?;
    }
    if let Some(list) = &report.gaps {
        key(w, 2, false, "gaps")?;
        gaps(w, list, q.tz)?;
    }
    w.write_all(b"\n}\n")?;
    super::finish(out)
}

/// The same document through serde_json's pretty printer: the reference the hand-written
/// writer is compared with.
#[cfg(test)]
mod reference {
    use std::cell::RefCell;
    use std::collections::BTreeMap;
    use std::io;

    use serde::ser::{SerializeSeq, Serializer};
    use serde::Serialize;

    use super::SCHEMA_VERSION;
    use crate::number::{Num, PlainFloats};
    use crate::render::time::{TimeCache, TimeStr};
    use crate::series::{Failure, Granularity, Report, Series};
    use crate::timestamp::rfc3339;

    #[derive(Serialize)]
    struct Document<'a> {
        schema_version: u32,
        query: QueryOut<'a>,
        series: SeriesList<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        failures: Option<&'a [Failure]>,
    }

    #[derive(Serialize)]
    struct QueryOut<'a> {
        start: String,
        end: String,
        tz: String,
        commands: &'a [String],
    }

    struct SeriesList<'a> {
        series: &'a [Series],
        times: &'a RefCell<TimeCache>,
    }

    #[derive(Serialize)]
    struct SeriesOut<'a> {
        provider: &'a str,
        source: &'a str,
        name: &'a str,
        metric: &'a str,
        unit: Option<&'a str>,
        granularity: Option<Granularity>,
        labels: &'a BTreeMap<String, String>,
        points: PointsOut<'a>,
        total: Num,
    }

    struct PointsOut<'a> {
        series: &'a Series,
        times: &'a RefCell<TimeCache>,
    }

    #[derive(Serialize)]
    struct PointOut {
        time: TimeStr,
        value: Num,
        #[serde(skip_serializing_if = "is_false")]
        partial: bool,
    }

    fn is_false(b: &bool) -> bool {
        !*b
    }

    impl Serialize for SeriesList<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut seq = serializer.serialize_seq(Some(self.series.len()))?;
            for s in self.series {
                seq.serialize_element(&SeriesOut {
                    provider: &s.provider,
                    source: &s.source,
                    name: &s.name,
                    metric: &s.metric,
                    unit: s.unit.as_deref(),
                    granularity: s.granularity,
                    labels: &s.labels,
                    points: PointsOut {
                        series: s,
                        times: self.times,
                    },
                    // Non-finite numbers serialize as null, like a missing total.
                    total: Num(s.total().unwrap_or(f64::NAN)),
                })?;
            }
            seq.end()
        }
    }

    impl Serialize for PointsOut<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let s = self.series;
            let mut seq = serializer.serialize_seq(Some(s.points.len()))?;
            let mut times = self.times.borrow_mut();
            for p in &s.points {
                seq.serialize_element(&PointOut {
                    time: times.get(&p.time, s.granularity),
                    value: Num(p.value),
                    partial: p.partial,
                })?;
            }
            seq.end()
        }
    }

    pub fn write(report: &Report) -> io::Result<Vec<u8>> {
        let q = &report.query;
        let times = RefCell::new(TimeCache::new(q.tz));
        let doc = Document {
            schema_version: SCHEMA_VERSION,
            query: QueryOut {
                start: rfc3339(&q.tz.localize(&q.start)),
                end: rfc3339(&q.tz.localize(&q.end)),
                tz: q.tz.to_string(),
                commands: &q.commands,
            },
            series: SeriesList {
                series: &report.series,
                times: &times,
            },
            failures: report.failures.as_deref(),
        };
        let mut out = Vec::new();
        let formatter = PlainFloats(serde_json::ser::PrettyFormatter::with_indent(b"  "));
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
        doc.serialize(&mut serializer).map_err(io::Error::from)?;
        out.push(b'\n');
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures;
    use crate::series::Point;
    use serde::Deserialize;

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        write(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The document read back into typed structs (unknown fields refused).
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        schema_version: u32,
        query: Q,
        series: Vec<S>,
        failures: Option<Vec<F>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Q {
        start: String,
        end: String,
        tz: String,
        commands: Vec<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct S {
        provider: String,
        source: String,
        name: String,
        metric: String,
        unit: Option<String>,
        granularity: Option<String>,
        labels: BTreeMap<String, String>,
        points: Vec<P>,
        total: serde_json::Number,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct P {
        time: String,
        value: serde_json::Number,
        partial: Option<bool>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct F {
        provider: String,
        source: String,
        code: String,
        message: String,
        request_id: Option<String>,
    }

    #[test]
    fn hand_written_document_is_byte_for_byte_serde_json_pretty() {
        let mut reports = vec![
            fixtures::report(),
            fixtures::big_report(20, 5),
            Report::new(fixtures::query(crate::zone::Zone::UTC), Vec::new()),
        ];
        let mut odd = fixtures::report();
        odd.query.commands.clear();
        odd.series[0].name = "a,b \"quoted\"\nnext\u{1}\\".into();
        odd.series[0].unit = Some("元/千 tokens".into());
        odd.series[1].points.clear();
        odd.series[1].granularity = None;
        odd.series[2].labels.clear();
        odd.series[3].points[0].value = f64::NAN;
        odd.series[3].points[1].value = 1e-7;
        odd.series[2].aggregation = crate::series::Aggregation::Max;
        odd.failures = Some(vec![fixtures::failure(), {
            let mut f = fixtures::failure();
            f.request_id = Some("6b1d".into());
            f.message = "bad \"token\"".into();
            f
        }]);
        reports.push(odd);
        let mut empty_failures = fixtures::report();
        empty_failures.failures = Some(Vec::new());
        reports.push(empty_failures);
        let mut with_failures_only =
            Report::new(fixtures::query(crate::zone::Zone::UTC), Vec::new());
        with_failures_only.failures = Some(vec![fixtures::failure()]);
        reports.push(with_failures_only);
        for report in &reports {
            let expected = String::from_utf8(reference::write(report).unwrap()).unwrap();
            assert_eq!(render(report), expected);
        }
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&fixtures::report()));
    }

    #[test]
    fn cost_and_unpriced_follow_the_series_two_spaces_in() {
        use crate::cost::money::Currency;
        use crate::cost::price::Unpriced;
        use crate::cost::summary::CostSummary;
        let mut report = fixtures::report();
        report.cost = Some(CostSummary {
            currency: Currency::parse("CNY"),
            rates: [("USD/CNY".to_string(), "7.10".to_string())].into(),
            price_book: Some("/p/prices.toml".to_string()),
            complete: false,
            unpriced: vec![Unpriced {
                provider: "tencent".into(),
                source: "lke.token_usage".into(),
                name: "input".into(),
                metric: "tokens".into(),
                unit: Some("tokens".into()),
                points: 2,
                total: 30.0,
            }],
            totals: Default::default(),
        });
        let text = render(&report);
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            doc["cost"],
            serde_json::json!({"currency": "CNY", "rates": {"USD/CNY": "7.10"},
                "price_book": "/p/prices.toml", "complete": false})
        );
        assert_eq!(doc["unpriced"][0]["total"].to_string(), "30");
        assert!(text.contains("\n  \"cost\": {\n    \""), "{text}");
        assert!(text.contains("\n  \"unpriced\": [\n    {"), "{text}");
        assert!(text.ends_with("]\n}\n"), "{text}");
    }

    #[test]
    fn parses_back_with_schema_version_1() {
        let text = render(&fixtures::report());
        assert!(text.ends_with("}\n"));
        let doc: Doc = serde_json::from_str(&text).unwrap();
        assert_eq!(doc.schema_version, 1);
        assert_eq!(doc.query.start, "2025-11-17T16:00:00+00:00");
        assert_eq!(doc.query.end, "2025-11-19T15:59:59+00:00");
        assert_eq!(doc.query.tz, "UTC");
        assert_eq!(doc.query.commands, ["vod usage", "lke tokens"]);
        assert!(doc.failures.is_none());
        assert!(!text.contains("\"failures\""));

        let cost = &doc.series[0];
        assert_eq!(
            (cost.provider.as_str(), cost.source.as_str()),
            ("alibaba", "modelrouter.cost_trend")
        );
        assert_eq!(cost.unit, None);
        assert_eq!(cost.granularity.as_deref(), Some("hour"));
        assert_eq!(cost.total.to_string(), "0.3");
        // Sub-daily points move to the zone; days keep their offset.
        assert_eq!(cost.points[0].time, "2025-11-18T01:00:00+00:00");
        let usage = doc.series.iter().find(|s| s.metric == "usage").unwrap();
        assert_eq!(usage.name, "Kling2.0&2.1std_720P");
        assert_eq!(usage.labels["aigc_type"], "Video");
        assert_eq!(usage.points[0].time, "2025-11-18T00:00:00+08:00");
        assert_eq!(usage.points[0].partial, None);
        assert_eq!(usage.points[1].partial, Some(true));
        assert_eq!(usage.total.to_string(), "45.5");
        assert!(usage.points[0].value.is_i64());
    }

    #[test]
    fn keys_come_in_the_documented_order() {
        let mut report = fixtures::report();
        report.failures = Some(vec![fixtures::failure()]);
        let text = render(&report);
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        // Offsets of each key in the text, in document order.
        let order = |keys: &[&str], within: &str| {
            let positions: Vec<usize> = keys
                .iter()
                .map(|k| within.find(&format!("\"{k}\":")).unwrap())
                .collect();
            assert!(positions.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        };
        order(&["schema_version", "query", "series", "failures"], &text);
        order(&["start", "end", "tz", "commands"], &text);
        let first_series = &text[text.find("\"series\"").unwrap()..];
        order(
            &[
                "provider",
                "source",
                "name",
                "metric",
                "unit",
                "granularity",
                "labels",
                "points",
                "total",
            ],
            first_series,
        );
        order(&["time", "value"], first_series);
        let top: Vec<&str> = doc
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = ["failures", "query", "schema_version", "series"];
        expected.sort();
        let mut sorted = top.clone();
        sorted.sort();
        assert_eq!(sorted, expected);
        assert_eq!(doc["failures"][0]["code"], "401");
        assert!(doc["failures"][0]["request_id"].is_null());
    }

    #[test]
    fn failures_are_present_even_when_empty_for_report() {
        let mut report = fixtures::report();
        report.failures = Some(Vec::new());
        let text = render(&report);
        let doc: Doc = serde_json::from_str(&text).unwrap();
        assert_eq!(doc.failures.unwrap().len(), 0);
        assert!(text.contains("\"failures\": []"));
    }

    #[test]
    fn integral_values_have_no_fractional_part() {
        let text = render(&fixtures::report());
        assert!(text.contains("\"value\": 15\n"));
        assert!(text.contains("\"total\": 8\n"));
        assert!(!text.contains("15.0"));
        assert!(!text.contains(".0\n"));
        assert!(!text.contains("e-"));
    }

    #[test]
    fn labels_are_sorted_and_names_are_escaped() {
        let mut report = fixtures::report();
        let s = &mut report.series[0];
        s.name = "a,b \"quoted\"\nnext line".into();
        s.labels.insert("zeta".into(), "1".into());
        s.labels.insert("alpha".into(), "2".into());
        let text = render(&report);
        assert!(text.contains(r#""name": "a,b \"quoted\"\nnext line","#));
        let doc: Doc = serde_json::from_str(&text).unwrap();
        assert_eq!(doc.series[0].name, "a,b \"quoted\"\nnext line");
        let a = text.find("\"alpha\"").unwrap();
        let l = text.find("\"label\"").unwrap();
        let z = text.find("\"zeta\"").unwrap();
        assert!(a < l && l < z);
    }

    #[test]
    fn empty_report_is_a_valid_document() {
        let report = Report::new(fixtures::query(crate::zone::Zone::UTC), Vec::new());
        let text = render(&report);
        let doc: Doc = serde_json::from_str(&text).unwrap();
        assert!(doc.series.is_empty());
        assert!(text.contains("\"series\": []"));
    }

    #[test]
    fn non_finite_values_become_null() {
        let mut report = fixtures::report();
        report.series[0].points[0] = Point::new(fixtures::t("2025-11-18T09:00:00+08:00"), f64::NAN);
        let text = render(&report);
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(doc["series"][0]["points"][0]["value"].is_null());
        assert!(doc["series"][0]["total"].is_null());
    }

    #[test]
    fn non_additive_series_have_a_null_total() {
        let mut report = fixtures::report();
        report.series[0].aggregation = crate::series::Aggregation::Max;
        let text = render(&report);
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(doc["series"][0]["total"].is_null());
        assert!(doc["series"][0]["points"][0]["value"].is_number());
        assert!(doc["series"][1]["total"].is_number());
    }
}
