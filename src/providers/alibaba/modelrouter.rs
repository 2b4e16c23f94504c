//! `modelrouter cost`: ModelRouterQueryCostTrendMetrics (AiContent 20240611), every page
//! of it, decoded without trusting the documented types (spec §4).
//!
//! Decisions where the documentation is loose:
//! - `values` is an object, a JSON string, or a JSON string of a JSON string (the seed
//!   example): strings are decoded up to [`MAX_VALUE_ENCODINGS`] times until an object.
//!   A value may be a number or a numeric string; `null`, `""` and an absent key mean the
//!   point has no value for that metric.
//! - Envelope keys are accepted in camelCase or snake_case (`nextToken`/`next_token`,
//!   `defaultMetric`/`default_metric`, `requestId`/`request_id`); `nextToken` is read at
//!   the top level, or inside `data` when absent there. `data` itself may also arrive as
//!   a JSON string.
//! - `timestamp` is unix seconds (a number or numeric string); values above 10^12 are
//!   taken as milliseconds.
//! - Every metric defined in `data.metrics` becomes a series even when no point carries
//!   it (a quiet account still shows its metrics, total 0); a key that appears only in
//!   `values` becomes a series with unit null.
//! - Hourly points are shown in `--tz`. A daily point's timestamp is the instant its day
//!   starts in the provider's calendar (for a China account, 16:00 UTC), so it is shown
//!   at the offset that makes that instant midnight (`2025-11-18T00:00:00+08:00`) whatever
//!   `--tz` is, and a day is never shifted (spec §5); a timestamp that is no midnight of any
//!   offset (not on a quarter hour) falls back to `--tz`.
//! - Two points of one metric at the same instant (e.g. on two pages) are added into one.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{Map, Value};

use crate::error::{Error, Target};
use crate::series::{Granularity, Point, Series};
use crate::timerange::TimeRange;
use crate::zone::Zone;

use super::client::{Api, Client};

pub const API: Api = Api {
    provider: "alibaba modelrouter",
    action: "ModelRouterQueryCostTrendMetrics",
    version: "20240611",
    path: "/api/v1/modelRouter/open/billing/cost/trend",
};
pub const PROVIDER: &str = "alibaba";
pub const SOURCE: &str = "modelrouter.cost_trend";
/// More pages than this is a paging loop, not data.
pub const MAX_PAGES: usize = 1000;
/// How many times a `values` string is decoded before giving up.
pub const MAX_VALUE_ENCODINGS: usize = 5;
/// `--page-size` bounds (`maxResults`).
pub const PAGE_SIZE_MAX: u32 = 1000;

/// `--granularity`, the API's `granularity` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostGranularity {
    Hourly,
    Daily,
}

impl CostGranularity {
    pub fn as_param(self) -> &'static str {
        match self {
            CostGranularity::Hourly => "hourly",
            CostGranularity::Daily => "daily",
        }
    }

    fn series_granularity(self) -> Granularity {
        match self {
            CostGranularity::Hourly => Granularity::Hour,
            CostGranularity::Daily => Granularity::Day,
        }
    }

    /// The answer's `granularity`, leniently.
    fn from_answer(text: &str) -> Option<CostGranularity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "hourly" | "hour" | "1h" => Some(CostGranularity::Hourly),
            "daily" | "day" | "1d" => Some(CostGranularity::Daily),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CostRequest {
    pub range: TimeRange,
    /// Sent as one comma-joined `modelTypes` value.
    pub model_types: Vec<String>,
    pub client_id: Option<i64>,
    pub granularity: Option<CostGranularity>,
    /// `maxResults`.
    pub page_size: Option<u32>,
}

/// `--model-types` values (comma lists already split): trimmed, empty entries dropped,
/// duplicates dropped keeping the first.
pub fn parse_model_types(values: &[String]) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if value.chars().any(char::is_whitespace) {
            return Err(Error::usage(format!(
                "invalid --model-types '{value}': a model type has no spaces (e.g. LLM,VL)"
            )));
        }
        if !out.iter().any(|v| v == value) {
            out.push(value.to_string());
        }
    }
    if out.is_empty() && !values.is_empty() {
        return Err(Error::usage(
            "--model-types needs at least one model type, e.g. LLM,VL",
        ));
    }
    Ok(out)
}

/// The query of one page: `startTime`, `endTime` (unix seconds, the end second of the
/// range inclusive), then each optional parameter only when given.
pub fn query(request: &CostRequest, next_token: Option<&str>) -> Vec<(String, String)> {
    let mut pairs = vec![
        (
            "startTime".to_string(),
            request.range.start.timestamp().to_string(),
        ),
        (
            "endTime".to_string(),
            request.range.end.timestamp().to_string(),
        ),
    ];
    if !request.model_types.is_empty() {
        pairs.push(("modelTypes".to_string(), request.model_types.join(",")));
    }
    if let Some(id) = request.client_id {
        pairs.push(("clientId".to_string(), id.to_string()));
    }
    if let Some(g) = request.granularity {
        pairs.push(("granularity".to_string(), g.as_param().to_string()));
    }
    if let Some(size) = request.page_size {
        pairs.push(("maxResults".to_string(), size.to_string()));
    }
    if let Some(token) = next_token {
        pairs.push(("nextToken".to_string(), token.to_string()));
    }
    pairs
}

/// One metric of `data.metrics`.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDef {
    pub key: String,
    pub label: Option<String>,
    pub unit: Option<String>,
}

/// One decoded page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub metrics: Vec<MetricDef>,
    pub granularity: Option<CostGranularity>,
    /// (instant, metric key, value).
    pub points: Vec<(DateTime<Utc>, String, f64)>,
    pub next_token: Option<String>,
}

/// Every page, following `nextToken`, merged into one series per metric key.
pub async fn cost(
    client: &Client<'_>,
    request: &CostRequest,
    zone: &Zone,
) -> Result<Vec<Series>, Error> {
    let target = API.target();
    let mut pages = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut next_token: Option<String> = None;
    loop {
        let answer = client
            .get(&API, &query(request, next_token.as_deref()))
            .await?;
        let page = decode_page(&answer, &target)?;
        let token = page.next_token.clone();
        pages.push(page);
        let Some(token) = token else { break };
        check_next_token(&mut seen, pages.len(), &token)
            .map_err(|why| Error::network(&target, why))?;
        next_token = Some(token);
    }
    Ok(build_series(&pages, request.granularity, zone))
}

/// Refuses a paging loop: a token seen before, or a next page after `MAX_PAGES` pages.
fn check_next_token(seen: &mut HashSet<String>, pages: usize, token: &str) -> Result<(), String> {
    if !seen.insert(token.to_string()) {
        return Err(format!(
            "paging loop: the answer repeated nextToken '{}' after {pages} pages",
            shorten(token)
        ));
    }
    if pages >= MAX_PAGES {
        return Err(format!(
            "paging loop: still a nextToken after {MAX_PAGES} pages; giving up"
        ));
    }
    Ok(())
}

/// A token for a message: long ones are cut (they are opaque, not secret).
fn shorten(token: &str) -> String {
    if token.chars().count() > 64 {
        let head: String = token.chars().take(64).collect();
        format!("{head}…")
    } else {
        token.to_string()
    }
}

/// The first of `keys` present (and not null) in `object`.
fn field<'a>(object: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter()
        .find_map(|key| object.get(*key).filter(|v| !v.is_null()))
}

/// A value that may be JSON encoded into a string, decoded until it is not a string
/// holding JSON (at most `MAX_VALUE_ENCODINGS` times).
fn unwrap_encoded(value: &Value) -> Value {
    let mut current = value.clone();
    for _ in 0..MAX_VALUE_ENCODINGS {
        let Value::String(text) = &current else { break };
        match serde_json::from_str::<Value>(text) {
            Ok(inner) => current = inner,
            Err(_) => break,
        }
    }
    current
}

fn bad_shape(target: &Target, what: impl Into<String>) -> Error {
    Error::network(
        target,
        format!(
            "the answer does not have the documented shape: {}",
            what.into()
        ),
    )
}

fn optional_text(value: Option<&Value>) -> Option<String> {
    match value {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Decodes one successful answer.
pub fn decode_page(answer: &Value, target: &Target) -> Result<Page, Error> {
    let Some(top) = answer.as_object() else {
        return Err(bad_shape(target, "the answer is not an object"));
    };
    let data = field(top, &["data", "Data"]).map(unwrap_encoded);
    let data = match &data {
        None => None,
        Some(Value::Object(map)) => Some(map),
        // The documentation lists `[]` as the example of an empty `data`.
        Some(Value::Array(items)) if items.is_empty() => None,
        Some(other) => {
            return Err(bad_shape(
                target,
                format!("\"data\" is {}", describe(other)),
            ))
        }
    };

    let next_token = optional_text(field(top, &["nextToken", "next_token", "NextToken"]))
        .or_else(|| data.and_then(|d| optional_text(field(d, &["nextToken", "next_token"]))));

    let mut page = Page {
        next_token,
        ..Page::default()
    };
    let Some(data) = data else {
        return Ok(page);
    };
    page.granularity = data
        .get("granularity")
        .and_then(Value::as_str)
        .and_then(CostGranularity::from_answer);

    if let Some(metrics) = field(data, &["metrics"]).map(unwrap_encoded) {
        let Value::Array(metrics) = metrics else {
            return Err(bad_shape(target, "\"data.metrics\" is not a list"));
        };
        for metric in &metrics {
            let Some(metric) = metric.as_object() else {
                continue;
            };
            let Some(key) = optional_text(metric.get("key")) else {
                continue;
            };
            page.metrics.push(MetricDef {
                key,
                label: optional_text(metric.get("label")),
                unit: optional_text(metric.get("unit")),
            });
        }
    }

    if let Some(points) = field(data, &["points"]).map(unwrap_encoded) {
        let Value::Array(points) = points else {
            return Err(bad_shape(target, "\"data.points\" is not a list"));
        };
        for (i, point) in points.iter().enumerate() {
            let Some(point) = point.as_object() else {
                return Err(bad_shape(target, format!("point {i} is not an object")));
            };
            let time = timestamp(field(point, &["timestamp", "time", "ts"]))
                .ok_or_else(|| bad_shape(target, format!("point {i} has no usable timestamp")))?;
            let Some(values) = field(point, &["values"]) else {
                continue;
            };
            let values = unwrap_encoded(values);
            let values = match &values {
                Value::Object(map) => map,
                Value::String(s) if s.trim().is_empty() => continue,
                other => {
                    return Err(bad_shape(
                        target,
                        format!(
                            "the values of point {i} are {}, not a map of metric to number",
                            describe(other)
                        ),
                    ))
                }
            };
            for (key, value) in values {
                if let Some(number) = number(value).map_err(|why| {
                    bad_shape(
                        target,
                        format!("metric \"{key}\" of point {i} is {why}, not a number"),
                    )
                })? {
                    page.points.push((time, key.clone(), number));
                }
            }
        }
    }
    Ok(page)
}

fn describe(value: &Value) -> String {
    let text = value.to_string();
    let short: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        format!("{short}…")
    } else {
        short
    }
}

/// A metric value: a number or a numeric string; `null` and `""` are no value.
fn number(value: &Value) -> Result<Option<f64>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_f64().map(Some).ok_or_else(|| describe(value)),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => match s.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Some(n)),
            _ => Err(describe(value)),
        },
        other => Err(describe(other)),
    }
}

/// Unix seconds (number or numeric string), or milliseconds when above 10^12.
fn timestamp(value: Option<&Value>) -> Option<DateTime<Utc>> {
    let raw: f64 = match value? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    if !raw.is_finite() {
        return None;
    }
    let seconds = if raw.abs() > 1e12 { raw / 1000.0 } else { raw };
    DateTime::from_timestamp(seconds.floor() as i64, 0)
}

/// One series per metric key: defined metrics first (even without values), then keys
/// that appear only in `values`.
pub fn build_series(
    pages: &[Page],
    requested: Option<CostGranularity>,
    zone: &Zone,
) -> Vec<Series> {
    let granularity = pages
        .iter()
        .find_map(|p| p.granularity)
        .or(requested)
        .unwrap_or(CostGranularity::Hourly)
        .series_granularity();
    let mut defs: BTreeMap<String, MetricDef> = BTreeMap::new();
    for def in pages.iter().flat_map(|p| &p.metrics) {
        defs.entry(def.key.clone()).or_insert_with(|| def.clone());
    }
    // key → instant → summed value.
    let mut values: BTreeMap<String, BTreeMap<DateTime<Utc>, f64>> = defs
        .keys()
        .map(|key| (key.clone(), BTreeMap::new()))
        .collect();
    for (time, key, value) in pages.iter().flat_map(|p| &p.points) {
        *values
            .entry(key.clone())
            .or_default()
            .entry(*time)
            .or_insert(0.0) += value;
    }
    values
        .into_iter()
        .map(|(key, points)| {
            let def = defs.get(&key);
            let mut labels = BTreeMap::new();
            if let Some(label) = def.and_then(|d| d.label.clone()) {
                labels.insert("label".to_string(), label);
            }
            Series {
                provider: PROVIDER.to_string(),
                source: SOURCE.to_string(),
                aggregation: aggregation_of(&key),
                name: key.clone(),
                metric: key,
                unit: def.and_then(|d| d.unit.clone()),
                granularity: Some(granularity),
                labels,
                points: points
                    .into_iter()
                    .map(|(time, value)| Point::new(show(time, granularity, zone), value))
                    .collect(),
                exact_total: None,
            }
        })
        .collect()
}

/// `model_count` counts distinct models: it cannot be added over time (spec §5 v3).
pub(crate) const NON_ADDITIVE_METRICS: &[&str] = &["model_count"];

fn aggregation_of(metric: &str) -> crate::series::Aggregation {
    if NON_ADDITIVE_METRICS.contains(&metric) {
        crate::series::Aggregation::Max
    } else {
        crate::series::Aggregation::Sum
    }
}

/// A point's time as printed: daily buckets at the offset of their own midnight.
fn show(time: DateTime<Utc>, granularity: Granularity, zone: &Zone) -> DateTime<FixedOffset> {
    if granularity.is_calendar() {
        if let Some(offset) = midnight_offset(time) {
            return time.with_timezone(&offset);
        }
    }
    zone.localize(&time)
}

/// The offset (from -12:00 to +14:00, on a quarter hour) in which `time` is midnight.
fn midnight_offset(time: DateTime<Utc>) -> Option<FixedOffset> {
    const DAY: i64 = 86_400;
    let past_utc_midnight = time.timestamp().rem_euclid(DAY);
    if past_utc_midnight % 900 != 0 {
        return None;
    }
    let seconds = if past_utc_midnight == 0 {
        0
    } else if DAY - past_utc_midnight <= 14 * 3600 {
        DAY - past_utc_midnight
    } else if past_utc_midnight <= 12 * 3600 {
        -past_utc_midnight
    } else {
        return None;
    };
    FixedOffset::east_opt(i32::try_from(seconds).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn target() -> Target {
        API.target()
    }

    fn page(answer: Value) -> Page {
        decode_page(&answer, &target()).unwrap()
    }

    const SEED: &str = r#"{
        "requestId": "xxxx-xxxx-xxxx-xxxxxxxx",
        "success": true,
        "errCode": "UNKNOWN_ERROR",
        "errMessage": "未知错误",
        "httpStatusCode": 200,
        "data": {
            "defaultMetric": "total_amount",
            "granularity": "hourly",
            "metrics": [{"key": "total_calls", "label": "调用次数", "sortable": true, "unit": "次"}],
            "points": [{
                "timestamp": 1700000000,
                "values": "\"{\\\"total_calls\\\":0,\\\"video_duration\\\":0,\\\"total_amount\\\":0,\\\"model_count\\\":0,\\\"image_count\\\":0}\""
            }]
        },
        "maxResults": 10,
        "nextToken": "xxxx-xxx-xxxxx"
    }"#;

    #[test]
    fn the_seed_example_decodes_its_doubly_encoded_values() {
        let p = page(serde_json::from_str(SEED).unwrap());
        assert_eq!(p.next_token.as_deref(), Some("xxxx-xxx-xxxxx"));
        assert_eq!(p.granularity, Some(CostGranularity::Hourly));
        assert_eq!(
            p.metrics,
            [MetricDef {
                key: "total_calls".into(),
                label: Some("调用次数".into()),
                unit: Some("次".into())
            }]
        );
        let mut keys: Vec<&str> = p.points.iter().map(|(_, k, _)| k.as_str()).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "image_count",
                "model_count",
                "total_amount",
                "total_calls",
                "video_duration"
            ]
        );
        assert!(p
            .points
            .iter()
            .all(|(t, _, v)| t.timestamp() == 1_700_000_000 && *v == 0.0));
    }

    #[test]
    fn values_as_object_string_and_numeric_strings() {
        for values in [
            json!({"a": 1.5, "b": "2"}),
            json!("{\"a\":1.5,\"b\":\"2\"}"),
            json!(json!("{\"a\":1.5,\"b\":\"2\"}").to_string()),
        ] {
            let p =
                page(json!({"data": {"points": [{"timestamp": "1700000000", "values": values}]}}));
            assert_eq!(p.points.len(), 2, "{values}");
            assert!(p.points.contains(&(
                DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
                "b".to_string(),
                2.0
            )));
        }
    }

    #[test]
    fn nulls_and_missing_values_are_no_point() {
        let p = page(json!({"data": {"points": [
            {"timestamp": 1700000000, "values": {"a": null, "b": "", "c": 3}},
            {"timestamp": 1700003600},
            {"timestamp": 1700007200, "values": null}
        ]}}));
        assert_eq!(p.points.len(), 1);
        assert_eq!(p.points[0].1, "c");
    }

    #[test]
    fn a_non_numeric_value_names_its_key() {
        let err = decode_page(
            &json!({"data": {"points": [{"timestamp": 1700000000, "values": {"cost": "abc"}}]}}),
            &target(),
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 5);
        assert!(err.to_string().contains("\"cost\""), "{err}");
    }

    #[test]
    fn snake_case_envelope_and_token_inside_data() {
        let p = page(
            json!({"next_token": "t2", "data": {"default_metric": "x", "granularity": "daily", "points": []}}),
        );
        assert_eq!(p.next_token.as_deref(), Some("t2"));
        assert_eq!(p.granularity, Some(CostGranularity::Daily));
        let p = page(json!({"data": {"nextToken": "t3"}}));
        assert_eq!(p.next_token.as_deref(), Some("t3"));
        let p = page(json!({"nextToken": "", "data": []}));
        assert_eq!(p.next_token, None);
    }

    #[test]
    fn millisecond_timestamps_are_recognised() {
        let p = page(
            json!({"data": {"points": [{"timestamp": 1700000000000u64, "values": {"a": 1}}]}}),
        );
        assert_eq!(p.points[0].0.timestamp(), 1_700_000_000);
    }

    #[test]
    fn one_series_per_key_defined_or_not() {
        let p = page(json!({"data": {
            "granularity": "daily",
            "metrics": [{"key": "total_amount", "label": "Amount", "unit": "CNY"}, {"key": "quiet", "label": "Q"}],
            "points": [
                {"timestamp": 1700000000, "values": {"total_amount": 1, "extra": 2}},
                {"timestamp": 1700086400, "values": {"total_amount": "2.5"}}
            ]
        }}));
        let series = build_series(&[p], None, &Zone::UTC);
        let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["extra", "quiet", "total_amount"]);
        assert_eq!(series[0].unit, None);
        assert!(series[0].labels.is_empty());
        assert!(series[1].points.is_empty());
        assert_eq!(series[2].unit.as_deref(), Some("CNY"));
        assert_eq!(series[2].labels["label"], "Amount");
        assert_eq!(series[2].total(), Some(3.5));
        assert_eq!(series[2].granularity, Some(Granularity::Day));
        // Not a midnight of any offset: shown in --tz.
        assert_eq!(
            series[2].points[0].time.to_rfc3339(),
            "2023-11-14T22:13:20+00:00"
        );
    }

    #[test]
    fn daily_points_keep_the_calendar_their_midnight_belongs_to() {
        let at = |ts: i64| DateTime::from_timestamp(ts, 0).unwrap();
        let shanghai: Zone = "Asia/Shanghai".parse().unwrap();
        let new_york: Zone = "America/New_York".parse().unwrap();
        // 2025-11-18T00:00:00+08:00
        assert_eq!(
            show(at(1763395200), Granularity::Day, &new_york).to_rfc3339(),
            "2025-11-18T00:00:00+08:00"
        );
        // UTC midnight stays UTC.
        assert_eq!(
            show(at(1763424000), Granularity::Day, &shanghai).to_rfc3339(),
            "2025-11-18T00:00:00+00:00"
        );
        // 2025-11-18T00:00:00-05:00
        assert_eq!(
            show(at(1763442000), Granularity::Day, &shanghai).to_rfc3339(),
            "2025-11-18T00:00:00-05:00"
        );
        // Hourly points follow --tz.
        assert_eq!(
            show(at(1763395200), Granularity::Hour, &Zone::UTC).to_rfc3339(),
            "2025-11-17T16:00:00+00:00"
        );
    }

    #[test]
    fn query_has_only_the_given_parameters() {
        let range = TimeRange {
            start: DateTime::parse_from_rfc3339("2023-11-14T22:13:20Z").unwrap(),
            end: DateTime::parse_from_rfc3339("2023-11-15T22:13:20Z").unwrap(),
            whole_days: None,
        };
        let mut request = CostRequest {
            range,
            model_types: vec![],
            client_id: None,
            granularity: None,
            page_size: None,
        };
        let pairs = |q: Vec<(String, String)>| {
            q.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        };
        assert_eq!(
            pairs(query(&request, None)),
            "startTime=1700000000&endTime=1700086400"
        );
        request.model_types = vec!["LLM".into(), "VL".into()];
        request.client_id = Some(7);
        request.granularity = Some(CostGranularity::Daily);
        request.page_size = Some(50);
        assert_eq!(
            pairs(query(&request, Some("tok"))),
            "startTime=1700000000&endTime=1700086400&modelTypes=LLM,VL&clientId=7&granularity=daily&maxResults=50&nextToken=tok"
        );
    }

    #[test]
    fn paging_stops_at_a_repeated_token_or_after_1000_pages() {
        let mut seen = HashSet::new();
        assert!(check_next_token(&mut seen, 1, "a").is_ok());
        assert!(check_next_token(&mut seen, 2, "b").is_ok());
        let err = check_next_token(&mut seen, 3, "a").unwrap_err();
        assert!(
            err.contains("repeated nextToken 'a' after 3 pages"),
            "{err}"
        );
        let mut seen = HashSet::new();
        for n in 1..MAX_PAGES {
            assert!(check_next_token(&mut seen, n, &format!("t{n}")).is_ok());
        }
        let err = check_next_token(&mut seen, MAX_PAGES, "last").unwrap_err();
        assert!(err.contains("after 1000 pages"), "{err}");
    }

    #[test]
    fn model_types_are_trimmed_and_deduplicated() {
        assert_eq!(
            parse_model_types(&[" LLM".into(), "VL".into(), "LLM".into(), "".into()]).unwrap(),
            ["LLM", "VL"]
        );
        assert_eq!(parse_model_types(&["".into()]).unwrap_err().exit_code(), 2);
        assert_eq!(
            parse_model_types(&["L LM".into()]).unwrap_err().exit_code(),
            2
        );
    }
}
