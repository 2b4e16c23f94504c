//! `lke tokens`: DescribeTokenUsageGraph (spec §4) into three series, `total`, `input` and
//! `output`, with the granularity inferred from the spacing of the points.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{Error, Target};
use crate::series::{Granularity, Point, Series};
use crate::timerange::TimeRange;

use super::client::{Client, Idempotency};

pub const SERVICE: &str = "lke";
pub const VERSION: &str = "2023-11-30";
pub const SOURCE: &str = "lke.token_usage";
pub const ACTION: &str = "DescribeTokenUsageGraph";

/// LKE writes its times in China Standard Time.
const LKE_OFFSET_SECS: i32 = 8 * 3600;

fn lke_offset() -> FixedOffset {
    FixedOffset::east_opt(LKE_OFFSET_SECS)
        .expect("invariant: 8 hours is inside the ±24 h a FixedOffset accepts")
}

/// The filters of `lke tokens`; each is sent only when given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenFilters {
    pub model: Option<String>,
    pub sub_biz_type: Option<String>,
    pub app_biz_ids: Vec<String>,
    pub uin_accounts: Vec<String>,
    pub app_type: Option<String>,
    pub sub_scenes: Vec<String>,
}

/// The request body: StartTime/EndTime are strings of unix seconds, as in the seed document.
pub fn request_body(range: &TimeRange, filters: &TokenFilters) -> Value {
    let mut body = json!({
        "StartTime": range.start.timestamp().to_string(),
        "EndTime": range.end.timestamp().to_string(),
    });
    if let Some(model) = &filters.model {
        body["ModelName"] = json!(model);
    }
    if let Some(t) = &filters.sub_biz_type {
        body["SubBizType"] = json!(t);
    }
    if !filters.app_biz_ids.is_empty() {
        body["AppBizIds"] = json!(filters.app_biz_ids);
    }
    if !filters.uin_accounts.is_empty() {
        body["UinAccount"] = json!(filters.uin_accounts);
    }
    if let Some(t) = &filters.app_type {
        body["AppType"] = json!(t);
    }
    if !filters.sub_scenes.is_empty() {
        body["SubScenes"] = json!(filters.sub_scenes);
    }
    body
}

#[derive(Debug, Deserialize)]
struct GraphResponse {
    #[serde(rename = "Total", default)]
    total: Option<Vec<Stat>>,
    #[serde(rename = "Input", default)]
    input: Option<Vec<Stat>>,
    #[serde(rename = "Output", default)]
    output: Option<Vec<Stat>>,
}

#[derive(Debug, Deserialize)]
struct Stat {
    #[serde(rename = "X")]
    x: String,
    #[serde(rename = "Y", default)]
    y: Option<f64>,
}

/// How precise an `X` is: a bucket is at least this wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum XPrecision {
    Minute,
    Hour,
    Day,
}

/// Reads an `X`: `yyyyMMddHHmm`, `yyyyMMddHH`, `yyyyMMdd`, RFC 3339 with an offset, or
/// `yyyy-MM-dd[ HH:mm[:ss]]` (also with `T`). Times without an offset are +08:00.
pub fn parse_x(value: &str) -> Option<(DateTime<FixedOffset>, XPrecision)> {
    let text = value.trim();
    let local = |naive: NaiveDateTime| lke_offset().from_local_datetime(&naive).single();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let (format, precision) = match text.len() {
            12 => ("%Y%m%d%H%M", XPrecision::Minute),
            10 => ("%Y%m%d%H", XPrecision::Hour),
            8 => ("%Y%m%d", XPrecision::Day),
            _ => return None,
        };
        let naive = if precision == XPrecision::Day {
            NaiveDate::parse_from_str(text, format)
                .ok()?
                .and_time(NaiveTime::MIN)
        } else if precision == XPrecision::Hour {
            // chrono needs minutes to build a time; append them.
            NaiveDateTime::parse_from_str(&format!("{text}00"), "%Y%m%d%H%M").ok()?
        } else {
            NaiveDateTime::parse_from_str(text, format).ok()?
        };
        return local(naive).map(|t| (t, precision));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some((t, XPrecision::Minute));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return local(naive).map(|t| (t, XPrecision::Minute));
        }
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    local(date.and_time(NaiveTime::MIN)).map(|t| (t, XPrecision::Day))
}

/// The granularity of a set of point times: the smallest spacing between consecutive
/// distinct times, when it is one we know (5m, 15m, hour, day, week). A single point is
/// a day (or an hour) when its `X` names only a day (or an hour); otherwise unknown.
pub fn infer_granularity(
    times: &BTreeSet<DateTime<FixedOffset>>,
    coarsest_precision: Option<XPrecision>,
) -> Option<Granularity> {
    let smallest = times
        .iter()
        .zip(times.iter().skip(1))
        .map(|(a, b)| (*b - *a).num_seconds())
        .min();
    match smallest {
        Some(step) => Granularity::from_step_seconds(step),
        None => match coarsest_precision? {
            XPrecision::Day => Some(Granularity::Day),
            XPrecision::Hour => Some(Granularity::Hour),
            XPrecision::Minute => None,
        },
    }
}

/// Asks for the token usage and builds the three series, points sorted by time.
/// An answer without points is three empty series, not an error.
pub async fn token_usage(
    client: &Client<'_>,
    range: &TimeRange,
    filters: &TokenFilters,
) -> Result<Vec<Series>, Error> {
    let body = request_body(range, filters);
    let (response, _request_id) = client
        .call::<GraphResponse>(ACTION, &body, Idempotency::Idempotent, Vec::new())
        .await?;
    build_series(response, filters, &client.target(ACTION))
}

fn build_series(
    response: GraphResponse,
    filters: &TokenFilters,
    target: &Target,
) -> Result<Vec<Series>, Error> {
    let mut labels = BTreeMap::new();
    if let Some(model) = &filters.model {
        labels.insert("model".to_string(), model.clone());
    }
    if let Some(t) = &filters.sub_biz_type {
        labels.insert("sub_biz_type".to_string(), t.clone());
    }
    if let Some(t) = &filters.app_type {
        labels.insert("app_type".to_string(), t.clone());
    }
    let parts = [
        ("total", response.total.unwrap_or_default()),
        ("input", response.input.unwrap_or_default()),
        ("output", response.output.unwrap_or_default()),
    ];
    let mut all_times = BTreeSet::new();
    let mut coarsest: Option<XPrecision> = None;
    let mut series = Vec::with_capacity(parts.len());
    for (name, stats) in parts {
        let mut points = Vec::with_capacity(stats.len());
        for stat in stats {
            let Some((time, precision)) = parse_x(&stat.x) else {
                return Err(Error::network(
                    target,
                    format!(
                        "the answer has an X that is not a time ('{}'): expected yyyyMMddHHmm, yyyyMMddHH, yyyyMMdd or an ISO 8601 time",
                        stat.x
                    ),
                ));
            };
            coarsest = coarsest.max(Some(precision));
            all_times.insert(time);
            points.push(Point::new(time, stat.y.unwrap_or(0.0)));
        }
        points.sort_by_key(|p| p.time);
        series.push(Series {
            provider: "tencent".to_string(),
            source: SOURCE.to_string(),
            name: name.to_string(),
            metric: "tokens".to_string(),
            unit: Some("tokens".to_string()),
            granularity: None,
            labels: labels.clone(),
            points,
            aggregation: crate::series::Aggregation::Sum,
            exact_total: None,
        });
    }
    let granularity = infer_granularity(&all_times, coarsest);
    for s in &mut series {
        s.granularity = granularity;
    }
    Ok(series)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn x_in_every_accepted_form() {
        let cases = [
            (
                "202411190930",
                "2024-11-19T09:30:00+08:00",
                XPrecision::Minute,
            ),
            ("2024111909", "2024-11-19T09:00:00+08:00", XPrecision::Hour),
            ("20241119", "2024-11-19T00:00:00+08:00", XPrecision::Day),
            (
                "2024-11-19T09:30:00+08:00",
                "2024-11-19T09:30:00+08:00",
                XPrecision::Minute,
            ),
            (
                "2024-11-19T01:30:00Z",
                "2024-11-19T09:30:00+08:00",
                XPrecision::Minute,
            ),
            (
                "2024-11-19 09:30:00",
                "2024-11-19T09:30:00+08:00",
                XPrecision::Minute,
            ),
            (
                "2024-11-19 09:30",
                "2024-11-19T09:30:00+08:00",
                XPrecision::Minute,
            ),
            (
                "2024-11-19T09:30",
                "2024-11-19T09:30:00+08:00",
                XPrecision::Minute,
            ),
            ("2024-11-19", "2024-11-19T00:00:00+08:00", XPrecision::Day),
        ];
        for (x, expected, precision) in cases {
            let (time, p) = parse_x(x).unwrap_or_else(|| panic!("{x}"));
            assert_eq!(time, t(expected), "{x}");
            assert_eq!(p, precision, "{x}");
        }
        for bad in [
            "",
            "2024111",
            "202411199930",
            "20241340",
            "yesterday",
            "1732000000",
        ] {
            assert!(parse_x(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn day_x_keeps_the_lke_calendar() {
        let (time, _) = parse_x("20241119").unwrap();
        assert_eq!(time.offset().local_minus_utc(), 8 * 3600);
    }

    #[test]
    fn granularity_is_the_smallest_spacing() {
        let set =
            |xs: &[&str]| -> BTreeSet<_> { xs.iter().map(|x| parse_x(x).unwrap().0).collect() };
        let seed = set(&[
            "202411190930",
            "202411190915",
            "202411190945",
            "202411190935",
        ]);
        assert_eq!(
            infer_granularity(&seed, Some(XPrecision::Minute)),
            Some(Granularity::FiveMinutes)
        );
        let hours = set(&["2024111909", "2024111911", "2024111910"]);
        assert_eq!(
            infer_granularity(&hours, Some(XPrecision::Hour)),
            Some(Granularity::Hour)
        );
        let days = set(&["20241119", "20241121"]);
        assert_eq!(infer_granularity(&days, Some(XPrecision::Day)), None);
        let single_day = set(&["20241119"]);
        assert_eq!(
            infer_granularity(&single_day, Some(XPrecision::Day)),
            Some(Granularity::Day)
        );
        let single_minute = set(&["202411190930"]);
        assert_eq!(
            infer_granularity(&single_minute, Some(XPrecision::Minute)),
            None
        );
        assert_eq!(infer_granularity(&BTreeSet::new(), None), None);
    }

    #[test]
    fn body_has_only_the_given_filters() {
        let range = TimeRange {
            start: t("2024-09-12T00:00:00+08:00"),
            end: t("2024-09-12T23:59:59+08:00"),
            whole_days: None,
        };
        assert_eq!(
            request_body(&range, &TokenFilters::default()),
            json!({"StartTime": "1726070400", "EndTime": "1726156799"})
        );
        let filters = TokenFilters {
            model: Some("cs-normal".into()),
            sub_biz_type: Some("KnowledgeQA".into()),
            app_biz_ids: vec!["a1".into(), "a2".into()],
            uin_accounts: vec!["100".into()],
            app_type: Some("knowledge_qa".into()),
            sub_scenes: vec!["s1".into()],
        };
        assert_eq!(
            request_body(&range, &filters),
            json!({
                "StartTime": "1726070400", "EndTime": "1726156799", "ModelName": "cs-normal",
                "SubBizType": "KnowledgeQA", "AppBizIds": ["a1", "a2"], "UinAccount": ["100"],
                "AppType": "knowledge_qa", "SubScenes": ["s1"]
            })
        );
    }

    #[test]
    fn an_unparseable_x_is_exit_5_naming_it() {
        let response = GraphResponse {
            total: Some(vec![Stat {
                x: "soon".into(),
                y: Some(1.0),
            }]),
            input: None,
            output: None,
        };
        let err = build_series(
            response,
            &TokenFilters::default(),
            &Target::new("tencent lke", ACTION),
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 5);
        assert!(err.to_string().contains("'soon'"), "{err}");
    }
}
