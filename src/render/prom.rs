//! `-o prom`: the Prometheus text exposition format 0.0.4 (spec §11), for node_exporter's
//! textfile collector and the Pushgateway.
//!
//! Gauges only, no timestamps, one `# HELP` and one `# TYPE` line per metric name, the
//! metric names in this order (a name with no sample is left out):
//!
//! - `aigcusage_value{provider,source,series,metric,unit,<labels>}`: a series' total over
//!   the range (`unit=""` when it has none); a series whose total is `None` (a
//!   non-additive metric, spec §5) is left out.
//! - `aigcusage_cost{provider,source,series,currency,<labels>}`: a cost series' total, in
//!   its currency (the series' unit).
//! - `aigcusage_provider_up{provider,source}`: 1 when the source answered, 0 when it failed.
//! - `aigcusage_range_start_seconds`, `aigcusage_range_end_seconds`: the query range.
//! - `aigcusage_last_run_timestamp_seconds`: when the output was made.
//!
//! Samples of one name are sorted as spec §5 sorts series (provider, source, name, metric),
//! then by unit and labels so that the output never depends on the input order.
//!
//! Label names are the series' label keys with every character outside `[a-zA-Z0-9_]`
//! replaced by `_`, and `_` put in front of a leading digit. A label must not appear twice
//! in a sample, so a key that then equals one of the sample's fixed labels (`provider`,
//! `unit`, …) or starts with `__` (reserved by Prometheus) gets the prefix `label_`
//! (`provider` → `label_provider`), and a key that still equals an earlier one of the same
//! series (`a-b` and `a.b` are both `a_b`) gets `_2`, `_3`, … (`a_b`, `a_b_2`; a name
//! ending in `_` gets just the number). Label values escape `\`, `"` and newlines.
//!
//! A source listed twice in [`PromInput::sources`] is printed once, down if either says so.

use std::collections::BTreeMap;
use std::io::{self, Write};

use chrono::{DateTime, FixedOffset, Utc};

use crate::number;
use crate::series::{Failure, Series};

/// Whether a source answered, for `aigcusage_provider_up`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceStatus {
    /// `tencent`, `alibaba`, `acedata`.
    pub provider: String,
    /// `vod.aigc_usage`, …
    pub source: String,
    pub up: bool,
}

/// The status of every source that was asked: down when `failures` names it, up otherwise.
pub fn source_statuses<'a>(
    asked: impl IntoIterator<Item = (&'a str, &'a str)>,
    failures: &[Failure],
) -> Vec<SourceStatus> {
    asked
        .into_iter()
        .map(|(provider, source)| SourceStatus {
            provider: provider.to_string(),
            source: source.to_string(),
            up: !failures
                .iter()
                .any(|f| f.provider == provider && f.source == source),
        })
        .collect()
}

/// Everything `-o prom` prints.
pub struct PromInput<'a> {
    /// Series printed as `aigcusage_value` (without `--cost`: all of them).
    pub values: &'a [Series],
    /// Cost series (metric `cost`, unit = currency) printed as `aigcusage_cost`
    /// (with `--cost`: all of them, and `values` is empty).
    pub costs: &'a [Series],
    /// A series' total over the range, `None` for a non-additive metric (spec §5): such a
    /// `values` series is left out. For `costs` a `None` total leaves the series out too.
    pub total: &'a dyn Fn(&Series) -> Option<f64>,
    pub range_start: DateTime<FixedOffset>,
    pub range_end: DateTime<FixedOffset>,
    /// Every source that was asked (see [`source_statuses`]).
    pub sources: &'a [SourceStatus],
    /// When the output was made.
    pub generated_at: DateTime<Utc>,
}

/// The fixed labels of `aigcusage_value` samples, before the series' own labels.
const VALUE_LABELS: [&str; 5] = ["provider", "source", "series", "metric", "unit"];
/// The fixed labels of `aigcusage_cost` samples.
const COST_LABELS: [&str; 4] = ["provider", "source", "series", "currency"];

/// Writes the exposition. Does not flush `out`.
pub fn write(input: &PromInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut out = super::buffered(out);

    let values = totals(input.values, input.total);
    if !values.is_empty() {
        family(
            &mut out,
            "aigcusage_value",
            "Total of a series over the query range.",
        )?;
        for (series, total) in values {
            let fixed = [
                series.provider.as_str(),
                series.source.as_str(),
                series.name.as_str(),
                series.metric.as_str(),
                series.unit.as_deref().unwrap_or(""),
            ];
            sample(
                &mut out,
                "aigcusage_value",
                &VALUE_LABELS,
                &fixed,
                series,
                total,
            )?;
        }
    }

    let costs = totals(input.costs, input.total);
    if !costs.is_empty() {
        family(
            &mut out,
            "aigcusage_cost",
            "Cost of a series over the query range, in its currency.",
        )?;
        for (series, total) in costs {
            let fixed = [
                series.provider.as_str(),
                series.source.as_str(),
                series.name.as_str(),
                series.unit.as_deref().unwrap_or(""),
            ];
            sample(
                &mut out,
                "aigcusage_cost",
                &COST_LABELS,
                &fixed,
                series,
                total,
            )?;
        }
    }

    if !input.sources.is_empty() {
        family(
            &mut out,
            "aigcusage_provider_up",
            "1 when the provider's source answered, 0 when it failed.",
        )?;
        let mut sources: Vec<&SourceStatus> = input.sources.iter().collect();
        sources.sort();
        sources.dedup_by(|a, b| a.provider == b.provider && a.source == b.source);
        for status in sources {
            out.write_all(b"aigcusage_provider_up{provider=\"")?;
            escape_value(&mut out, &status.provider)?;
            out.write_all(b"\",source=\"")?;
            escape_value(&mut out, &status.source)?;
            out.write_all(if status.up { b"\"} 1\n" } else { b"\"} 0\n" })?;
        }
    }

    let seconds = [
        (
            "aigcusage_range_start_seconds",
            "Start of the query range, unix seconds.",
            unix_seconds(input.range_start.with_timezone(&Utc)),
        ),
        (
            "aigcusage_range_end_seconds",
            "End of the query range, unix seconds.",
            unix_seconds(input.range_end.with_timezone(&Utc)),
        ),
        (
            "aigcusage_last_run_timestamp_seconds",
            "When this output was made, unix seconds.",
            unix_seconds(input.generated_at),
        ),
    ];
    for (name, help, value) in seconds {
        family(&mut out, name, help)?;
        out.write_all(name.as_bytes())?;
        out.write_all(b" ")?;
        write_value(&mut out, value)?;
        out.write_all(b"\n")?;
    }
    super::finish(out)
}

/// The series with a total, in the order of spec §5 (then unit and labels).
fn totals<'s>(
    series: &'s [Series],
    total: &dyn Fn(&Series) -> Option<f64>,
) -> Vec<(&'s Series, f64)> {
    let mut found: Vec<(&Series, f64)> = series
        .iter()
        .filter_map(|s| total(s).map(|t| (s, t)))
        .collect();
    found.sort_by(|(a, _), (b, _)| {
        (a.sort_key(), &a.unit, &a.labels).cmp(&(b.sort_key(), &b.unit, &b.labels))
    });
    found
}

fn family(out: &mut impl Write, name: &str, help: &str) -> io::Result<()> {
    writeln!(out, "# HELP {name} {help}")?;
    writeln!(out, "# TYPE {name} gauge")
}

/// One sample line: the fixed labels, then the series' own labels under their
/// Prometheus names.
fn sample(
    out: &mut impl Write,
    name: &str,
    fixed_names: &[&str],
    fixed_values: &[&str],
    series: &Series,
    value: f64,
) -> io::Result<()> {
    out.write_all(name.as_bytes())?;
    out.write_all(b"{")?;
    let own = label_names(fixed_names, &series.labels);
    let pairs = fixed_names
        .iter()
        .copied()
        .zip(fixed_values.iter().copied())
        .chain(own.iter().map(|(n, v)| (n.as_str(), *v)));
    for (i, (label, text)) in pairs.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(label.as_bytes())?;
        out.write_all(b"=\"")?;
        escape_value(out, text)?;
        out.write_all(b"\"")?;
    }
    out.write_all(b"} ")?;
    write_value(out, value)?;
    out.write_all(b"\n")
}

/// The series' labels under names that are valid and unique within the sample (see the
/// module documentation), in the order of the original keys.
fn label_names<'l>(fixed: &[&str], labels: &'l BTreeMap<String, String>) -> Vec<(String, &'l str)> {
    let mut taken: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
    let mut named = Vec::with_capacity(labels.len());
    for (key, value) in labels {
        let mut label = sanitize_label_name(key);
        if label.starts_with("__") || fixed.contains(&label.as_str()) {
            label = format!("label_{label}");
        }
        let base = label.clone();
        // `_` + `_2` would start with the reserved `__`.
        let separator = if base.ends_with('_') { "" } else { "_" };
        let mut n = 2;
        while taken.contains(&label) {
            label = format!("{base}{separator}{n}");
            n += 1;
        }
        taken.push(label.clone());
        named.push((label, value.as_str()));
    }
    named
}

/// `[a-zA-Z0-9_]` kept, anything else `_`, `_` before a leading digit; never empty.
pub fn sanitize_label_name(key: &str) -> String {
    let mut name: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// A label value with `\`, `"` and newline escaped as the format requires.
fn escape_value(out: &mut impl Write, value: &str) -> io::Result<()> {
    let mut rest = value;
    while let Some(at) = rest.find(['\\', '"', '\n']) {
        out.write_all(&rest.as_bytes()[..at])?;
        out.write_all(match rest.as_bytes()[at] {
            b'\\' => b"\\\\",
            b'"' => b"\\\"",
            _ => b"\\n",
        })?;
        rest = &rest[at + 1..];
    }
    out.write_all(rest.as_bytes())
}

/// Unix seconds, with the fraction of a second when there is one.
fn unix_seconds(at: DateTime<Utc>) -> f64 {
    at.timestamp() as f64 + f64::from(at.timestamp_subsec_millis()) / 1000.0
}

/// Integral values without a fraction (`15`), others as plain decimals (`0.3`);
/// NaN and infinities as Prometheus writes them.
fn write_value(out: &mut impl Write, value: f64) -> io::Result<()> {
    if value.is_nan() {
        out.write_all(b"NaN")
    } else if value.is_infinite() {
        out.write_all(if value > 0.0 { b"+Inf" } else { b"-Inf" })
    } else {
        number::write_plain(out, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::{series, t};
    use crate::series::{Granularity, Point};

    fn labelled(mut s: Series, pairs: &[(&str, &str)]) -> Series {
        s.labels = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        s
    }

    fn day(time: &str, value: f64) -> Point {
        Point::new(t(time), value)
    }

    /// ModelRouter's `model_count` is non-additive (spec §5); every other metric a sum.
    fn total(s: &Series) -> Option<f64> {
        (s.metric != "model_count").then(|| s.total()).flatten()
    }

    fn quantities() -> Vec<Series> {
        vec![
            labelled(
                series(
                    "tencent",
                    "vod.aigc_usage",
                    "Kling2.0&2.1std_720P",
                    "usage",
                    Some("seconds"),
                    Some(Granularity::Day),
                    vec![
                        day("2025-11-18T00:00:00+08:00", 15.0),
                        day("2025-11-19T00:00:00+08:00", 30.5),
                    ],
                ),
                &[
                    ("aigc_type", "Video"),
                    ("specification", "Kling2.0&2.1std_720P"),
                ],
            ),
            series(
                "alibaba",
                "modelrouter.cost_trend",
                "all",
                "total_amount",
                Some("元"),
                Some(Granularity::Hour),
                vec![
                    day("2025-11-18T00:00:00+08:00", 0.1),
                    day("2025-11-18T01:00:00+08:00", 0.2),
                ],
            ),
            series(
                "alibaba",
                "modelrouter.cost_trend",
                "all",
                "model_count",
                None,
                Some(Granularity::Hour),
                vec![day("2025-11-18T00:00:00+08:00", 3.0)],
            ),
            series(
                "acedata",
                "acedata.api_usage",
                "suno-audios",
                "amount",
                Some("credits"),
                Some(Granularity::Day),
                vec![day("2025-11-18T00:00:00+00:00", 1234.0)],
            ),
            series(
                "acedata",
                "acedata.api_usage",
                "no-unit",
                "calls",
                None,
                Some(Granularity::Day),
                vec![day("2025-11-18T00:00:00+00:00", 7.0)],
            ),
        ]
    }

    fn costs() -> Vec<Series> {
        vec![
            labelled(
                series(
                    "tencent",
                    "vod.aigc_usage",
                    "Kling2.0&2.1std_720P",
                    "cost",
                    Some("CNY"),
                    Some(Granularity::Day),
                    vec![
                        day("2025-11-18T00:00:00+08:00", 6.0),
                        day("2025-11-19T00:00:00+08:00", 12.2),
                    ],
                ),
                &[
                    ("aigc_type", "Video"),
                    ("price_source", "price_book"),
                    ("priced_metric", "usage"),
                    ("specification", "Kling2.0&2.1std_720P"),
                ],
            ),
            labelled(
                series(
                    "alibaba",
                    "modelrouter.cost_trend",
                    "all",
                    "cost",
                    Some("CNY"),
                    Some(Granularity::Hour),
                    vec![day("2025-11-18T00:00:00+08:00", 873.95)],
                ),
                &[
                    ("price_source", "provider"),
                    ("priced_metric", "total_amount"),
                ],
            ),
            labelled(
                series(
                    "acedata",
                    "acedata.api_usage",
                    "suno-audios",
                    "cost",
                    Some("USD"),
                    Some(Granularity::Day),
                    vec![day("2025-11-18T00:00:00+00:00", 160.42)],
                ),
                &[("price_source", "price_book"), ("priced_metric", "amount")],
            ),
        ]
    }

    fn sources() -> Vec<SourceStatus> {
        let failures = [Failure {
            provider: "acedata".into(),
            source: "acedata.api_usage".into(),
            code: "NetworkError".into(),
            message: "timeout".into(),
            request_id: None,
        }];
        source_statuses(
            [
                ("tencent", "vod.aigc_usage"),
                ("tencent", "lke.token_usage"),
                ("alibaba", "modelrouter.cost_trend"),
                ("acedata", "acedata.api_usage"),
            ],
            &failures,
        )
    }

    fn render(values: &[Series], costs: &[Series]) -> String {
        let sources = sources();
        let input = PromInput {
            values,
            costs,
            total: &total,
            range_start: t("2025-11-18T00:00:00+08:00"),
            range_end: t("2025-11-19T23:59:59+08:00"),
            sources: &sources,
            generated_at: t("2025-11-20T01:02:03Z").with_timezone(&Utc),
        };
        let mut out = Vec::new();
        write(&input, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn parse(text: &str) -> prometheus_parse::Scrape {
        let lines = text.lines().map(|l| Ok(l.to_string()));
        prometheus_parse::Scrape::parse(lines).unwrap()
    }

    fn gauge(sample: &prometheus_parse::Sample) -> f64 {
        match sample.value {
            prometheus_parse::Value::Gauge(v) => v,
            ref other => panic!("{} is not a gauge: {other:?}", sample.metric),
        }
    }

    #[test]
    fn snapshot_of_quantities() {
        insta::assert_snapshot!(render(&quantities(), &[]));
    }

    #[test]
    fn snapshot_of_costs() {
        insta::assert_snapshot!(render(&[], &costs()));
    }

    #[test]
    fn a_real_parser_reads_the_totals_back() {
        let quantities = quantities();
        let text = render(&quantities, &[]);
        let scrape = parse(&text);
        let values: Vec<_> = scrape
            .samples
            .iter()
            .filter(|s| s.metric == "aigcusage_value")
            .collect();
        let additive: Vec<&Series> = quantities.iter().filter(|s| total(s).is_some()).collect();
        assert_eq!(values.len(), additive.len());
        for s in additive {
            let found = values
                .iter()
                .find(|v| {
                    v.labels.get("series") == Some(s.name.as_str())
                        && v.labels.get("metric") == Some(s.metric.as_str())
                })
                .unwrap_or_else(|| panic!("{} {} missing:\n{text}", s.name, s.metric));
            assert_eq!(
                gauge(found),
                number::denoise(s.total().unwrap()),
                "{}",
                s.name
            );
            assert_eq!(found.labels.get("provider"), Some(s.provider.as_str()));
            assert_eq!(found.labels.get("source"), Some(s.source.as_str()));
            assert_eq!(
                found.labels.get("unit"),
                Some(s.unit.as_deref().unwrap_or(""))
            );
            for (k, v) in &s.labels {
                assert_eq!(found.labels.get(k), Some(v.as_str()), "{k}");
            }
        }
        // Every sample is a gauge without a timestamp of its own (the parser stamps
        // samples without one with the time of the scrape).
        for s in &scrape.samples {
            gauge(s);
            assert!(s.timestamp > t("2025-12-01T00:00:00Z").with_timezone(&Utc));
        }
        for name in [
            "aigcusage_value",
            "aigcusage_provider_up",
            "aigcusage_range_start_seconds",
            "aigcusage_range_end_seconds",
            "aigcusage_last_run_timestamp_seconds",
        ] {
            assert!(scrape.docs.contains_key(name), "{name}");
        }
    }

    #[test]
    fn a_real_parser_reads_costs_range_and_provider_up() {
        let costs = costs();
        let scrape = parse(&render(&[], &costs));
        let cost_samples: Vec<_> = scrape
            .samples
            .iter()
            .filter(|s| s.metric == "aigcusage_cost")
            .collect();
        assert_eq!(cost_samples.len(), costs.len());
        for (sample, series) in cost_samples
            .iter()
            .zip(costs.iter().rev().collect::<Vec<_>>())
        {
            // Sorted by provider: acedata, alibaba, tencent (the fixture is the reverse).
            assert_eq!(sample.labels.get("series"), Some(series.name.as_str()));
            assert_eq!(sample.labels.get("currency"), series.unit.as_deref());
            assert_eq!(
                sample.labels.get("priced_metric"),
                series.labels.get("priced_metric").map(String::as_str)
            );
            assert_eq!(sample.labels.get("metric"), None);
            assert_eq!(gauge(sample), number::denoise(series.total().unwrap()));
        }
        assert!(!scrape.samples.iter().any(|s| s.metric == "aigcusage_value"));
        let value_of =
            |metric: &str| gauge(scrape.samples.iter().find(|s| s.metric == metric).unwrap());
        assert_eq!(value_of("aigcusage_range_start_seconds"), 1_763_395_200.0);
        assert_eq!(value_of("aigcusage_range_end_seconds"), 1_763_567_999.0);
        assert_eq!(
            value_of("aigcusage_last_run_timestamp_seconds"),
            1_763_600_523.0
        );
        let up: Vec<(String, f64)> = scrape
            .samples
            .iter()
            .filter(|s| s.metric == "aigcusage_provider_up")
            .map(|s| (s.labels.get("source").unwrap().to_string(), gauge(s)))
            .collect();
        assert_eq!(
            up,
            [
                ("acedata.api_usage".to_string(), 0.0),
                ("modelrouter.cost_trend".to_string(), 1.0),
                ("lke.token_usage".to_string(), 1.0),
                ("vod.aigc_usage".to_string(), 1.0),
            ]
        );
    }

    #[test]
    fn non_additive_series_is_left_out() {
        let text = render(&quantities(), &[]);
        assert!(!text.contains("model_count"), "{text}");
        assert!(text.contains("metric=\"total_amount\""));
    }

    #[test]
    fn one_help_and_type_per_name_and_no_timestamps() {
        let text = render(&quantities(), &costs());
        for line in text.lines().filter(|l| l.starts_with('#')) {
            let name = line.split(' ').nth(2).unwrap();
            let count = text
                .lines()
                .filter(|l| l.starts_with('#') && l.split(' ').nth(2) == Some(name))
                .count();
            assert_eq!(count, 2, "{name}");
        }
        assert!(text.contains("# TYPE aigcusage_cost gauge\n"));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            // `name{labels} value`: the last space separates the value, nothing after it.
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
            let before = &line[..line.len() - value.len() - 1];
            assert!(before.ends_with('}') || !before.contains(' '), "{line}");
        }
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn integral_values_print_without_fraction_and_others_as_floats() {
        let text = render(&quantities(), &[]);
        assert!(text.contains("series=\"suno-audios\",metric=\"amount\",unit=\"credits\"} 1234\n"));
        // 0.1 + 0.2 prints as 0.3, not 0.30000000000000004.
        assert!(
            text.contains("metric=\"total_amount\",unit=\"元\"} 0.3\n"),
            "{text}"
        );
        assert!(text.contains("metric=\"calls\",unit=\"\"} 7\n"), "{text}");
        let mut out = Vec::new();
        write_value(&mut out, f64::NAN).unwrap();
        write_value(&mut out, f64::INFINITY).unwrap();
        write_value(&mut out, f64::NEG_INFINITY).unwrap();
        write_value(&mut out, -0.0).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "NaN+Inf-Inf0");
    }

    #[test]
    fn samples_follow_the_series_order_whatever_the_input_order() {
        let mut shuffled = quantities();
        shuffled.reverse();
        shuffled.swap(0, 2);
        assert_eq!(render(&shuffled, &[]), render(&quantities(), &[]));
        let text = render(&quantities(), &[]);
        let providers: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("aigcusage_value{"))
            .map(|l| l.split('"').nth(1).unwrap())
            .collect();
        assert_eq!(providers, ["acedata", "acedata", "alibaba", "tencent"]);
    }

    #[test]
    fn label_names_are_sanitized() {
        assert_eq!(sanitize_label_name("aigc_type"), "aigc_type");
        assert_eq!(sanitize_label_name("sub-app.id"), "sub_app_id");
        assert_eq!(sanitize_label_name("9lives"), "_9lives");
        assert_eq!(sanitize_label_name("模型"), "__");
        assert_eq!(sanitize_label_name(""), "_");
        assert_eq!(sanitize_label_name("A_b9"), "A_b9");
    }

    #[test]
    fn colliding_label_names_never_repeat_a_label() {
        let labels: BTreeMap<String, String> = [
            ("a-b", "1"),
            ("a.b", "2"),
            ("a_b", "3"),
            ("provider", "p"),
            ("unit", "u"),
            ("__name__", "n"),
            ("9x", "x"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let named = label_names(&VALUE_LABELS, &labels);
        let names: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "_9x",
                "label___name__",
                "a_b",
                "a_b_2",
                "a_b_3",
                "label_provider",
                "label_unit"
            ]
        );
        let mut unique = names.clone();
        unique.extend(VALUE_LABELS);
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len() + VALUE_LABELS.len());
    }

    #[test]
    fn label_values_escape_backslash_quote_and_newline() {
        let mut out = Vec::new();
        escape_value(&mut out, "a\\b\"c\nd\te").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "a\\\\b\\\"c\\nd\te");
        let s = labelled(
            series(
                "acedata",
                "acedata.api_usage",
                "say \"hi\"\\\n",
                "amount",
                Some("credits"),
                None,
                vec![day("2025-11-18T00:00:00+00:00", 1.0)],
            ),
            &[("note", "x\"y")],
        );
        let text = render(&[s], &[]);
        assert!(
            text.contains(
                r#"series="say \"hi\"\\\n",metric="amount",unit="credits",note="x\"y"} 1"#
            ),
            "{text}"
        );
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("aigcusage_value"))
                .count(),
            1
        );
    }

    #[test]
    fn nothing_but_the_range_and_run_time_for_an_empty_run() {
        let input = PromInput {
            values: &[],
            costs: &[],
            total: &total,
            range_start: t("2025-11-18T00:00:00.250+08:00"),
            range_end: t("2025-11-19T00:00:00+08:00"),
            sources: &[],
            generated_at: t("2025-11-20T01:02:03Z").with_timezone(&Utc),
        };
        let mut out = Vec::new();
        write(&input, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("\naigcusage_range_start_seconds 1763395200.25\n"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 9, "{text}");
    }

    fn is_label_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    }

    proptest::proptest! {
        #[test]
        fn any_label_keys_give_valid_unique_names(
            keys in proptest::collection::btree_set(".{0,12}", 0..8)
        ) {
            let labels: BTreeMap<String, String> =
                keys.into_iter().map(|k| (k, "v".to_string())).collect();
            for fixed in [&VALUE_LABELS[..], &COST_LABELS[..]] {
                let named = label_names(fixed, &labels);
                let mut all: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
                proptest::prop_assert!(all.iter().all(|n| is_label_name(n)), "{all:?}");
                proptest::prop_assert!(all.iter().all(|n| !n.starts_with("__")), "{all:?}");
                all.extend(fixed);
                let count = all.len();
                all.sort();
                all.dedup();
                proptest::prop_assert_eq!(all.len(), count);
            }
        }

        #[test]
        fn escaped_values_unescape_to_the_original(value in "[a-z\\\\\"\n\t{},=]{0,16}") {
            let mut out = Vec::new();
            escape_value(&mut out, &value).unwrap();
            let escaped = String::from_utf8(out).unwrap();
            // No raw newline, and every quote is escaped: the value cannot end early.
            proptest::prop_assert!(!escaped.contains('\n'));
            let mut unescaped = String::new();
            let mut chars = escaped.chars();
            while let Some(c) = chars.next() {
                if c == '"' {
                    proptest::prop_assert!(false, "raw quote in {escaped}");
                }
                if c == '\\' {
                    match chars.next() {
                        Some('n') => unescaped.push('\n'),
                        Some(other) => unescaped.push(other),
                        None => proptest::prop_assert!(false, "dangling backslash"),
                    }
                } else {
                    unescaped.push(c);
                }
            }
            proptest::prop_assert_eq!(unescaped, value);
        }
    }

    #[test]
    fn a_source_listed_twice_is_one_line_down_if_either_is() {
        let status = |up| SourceStatus {
            provider: "tencent".into(),
            source: "vod.aigc_usage".into(),
            up,
        };
        let sources = [status(true), status(false), status(true)];
        let input = PromInput {
            values: &[],
            costs: &[],
            total: &total,
            range_start: t("2025-11-18T00:00:00+08:00"),
            range_end: t("2025-11-19T00:00:00+08:00"),
            sources: &sources,
            generated_at: t("2025-11-20T01:02:03Z").with_timezone(&Utc),
        };
        let mut out = Vec::new();
        write(&input, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let up: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("aigcusage_provider_up{"))
            .collect();
        assert_eq!(
            up,
            ["aigcusage_provider_up{provider=\"tencent\",source=\"vod.aigc_usage\"} 0"]
        );
    }

    #[test]
    fn source_statuses_mark_failed_sources_down() {
        let statuses = sources();
        assert_eq!(statuses.len(), 4);
        assert!(statuses
            .iter()
            .filter(|s| !s.up)
            .all(|s| s.provider == "acedata"));
        assert_eq!(statuses.iter().filter(|s| s.up).count(), 3);
    }
}
