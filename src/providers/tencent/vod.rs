//! `vod usage`: DescribeAigcUsageData, split into calls of at most 90 days and merged
//! into one granularity (spec §4).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, SecondsFormat, TimeZone, Utc};
use futures::future::join_all;
use serde::Deserialize;
use serde_json::json;

use crate::error::Error;
use crate::series::{Granularity, Point, Series};
use crate::timerange::TimeRange;

use super::client::{Client, Idempotency};

pub const SERVICE: &str = "vod";
pub const VERSION: &str = "2018-07-17";
pub const DEFAULT_ENDPOINT: &str = "https://vod.intl.tencentcloudapi.com";
pub const SOURCE: &str = "vod.aigc_usage";
const ACTION: &str = "DescribeAigcUsageData";

/// The API answers at most 90 days per call; we plan 89 so that aligning chunk edges to
/// midnight never pushes a chunk over the limit.
const MAX_CHUNK: Duration = Duration::days(89);
/// The API keeps 365 days.
const RETENTION_DAYS: i64 = 365;
/// VOD counts days in China Standard Time (its answers carry +08:00).
pub const CALENDAR_OFFSET_SECS: i32 = 8 * 3600;

/// The AIGC types of `--type`, in the order `all` expands to.
pub const AIGC_TYPES: [&str; 7] = [
    "Video",
    "Image",
    "Text",
    "Audio",
    "SceneAigcVideo",
    "SceneAigcImage",
    "SceneAigcTime",
];

/// `--type` values, case-insensitive, comma lists already split; `all` = the seven types.
/// Duplicates are dropped; the order is that of `AIGC_TYPES`.
pub fn parse_types(values: &[String]) -> Result<Vec<&'static str>, Error> {
    let mut chosen = [false; AIGC_TYPES.len()];
    for raw in values {
        let value = raw.trim();
        if value.is_empty() {
            continue;
        }
        if value.eq_ignore_ascii_case("all") {
            chosen = [true; AIGC_TYPES.len()];
            continue;
        }
        match AIGC_TYPES
            .iter()
            .position(|t| t.eq_ignore_ascii_case(value))
        {
            Some(i) => chosen[i] = true,
            None => {
                return Err(Error::usage(format!(
                    "invalid --type '{value}': expected one of {}, or all",
                    AIGC_TYPES.join(", ")
                )))
            }
        }
    }
    let types: Vec<_> = AIGC_TYPES
        .iter()
        .zip(chosen)
        .filter_map(|(t, on)| on.then_some(*t))
        .collect();
    if types.is_empty() {
        return Err(Error::usage("--type needs at least one AIGC type"));
    }
    Ok(types)
}

/// The unit of the `usage` metric of a type.
pub fn usage_unit(aigc_type: &str) -> &'static str {
    match aigc_type {
        "Video" => "seconds",
        "Image" => "images",
        "Text" => "tokens",
        _ => "units",
    }
}

#[derive(Debug, Clone)]
pub struct UsageRequest {
    pub types: Vec<&'static str>,
    pub range: TimeRange,
    pub sub_app_id: Option<u64>,
    pub api_keys: Vec<String>,
}

/// Refuses a start the API no longer keeps, before anything is sent. The limit is
/// counted in whole days of VOD's calendar, so `--start <the day 365 days ago>` works.
pub fn check_retention(range: &TimeRange, now: DateTime<Utc>) -> Result<(), Error> {
    let oldest = midnight_at_or_before(now - Duration::days(RETENTION_DAYS));
    if range.start < oldest {
        return Err(Error::usage(format!(
            "--start {} is more than {RETENTION_DAYS} days ago: VOD keeps AIGC usage for \
             {RETENTION_DAYS} days (oldest start: {})",
            range.start.to_rfc3339_opts(SecondsFormat::Secs, false),
            oldest.to_rfc3339_opts(SecondsFormat::Secs, false),
        )));
    }
    Ok(())
}

/// The range VOD is asked for `range` ([`crate::providers::Source::asked_range`]): several
/// whole dates are answered in days dated at +08:00, so those dates are asked in that
/// calendar; one date (or a range of instants) is asked as given, answered in 5-minute
/// buckets.
pub fn asked_range(range: &TimeRange) -> TimeRange {
    match range.whole_days {
        Some(days) if days.first != days.last => {
            crate::providers::dates_in_calendar(range, CALENDAR_OFFSET_SECS)
        }
        _ => *range,
    }
}

fn vod_offset() -> FixedOffset {
    FixedOffset::east_opt(CALENDAR_OFFSET_SECS)
        .expect("invariant: 8 hours is inside the ±24 h a FixedOffset accepts")
}

/// Midnight (VOD calendar) at or before an instant.
fn midnight_at_or_before<T: TimeZone>(instant: DateTime<T>) -> DateTime<FixedOffset> {
    let local = instant.with_timezone(&vod_offset());
    let midnight = local.date_naive().and_time(NaiveTime::MIN);
    vod_offset()
        .from_local_datetime(&midnight)
        .single()
        .unwrap_or(local)
}

/// One call's slice of the range, inclusive at both ends like the API's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
}

/// Splits a range into calls of at most 90 days. Chunks are about equal (so that none is
/// a day or less, which the API would answer in 5-minute points), their edges fall on
/// VOD midnights (so that no day is split between two calls), and they tile the range
/// without overlap or gap.
pub fn plan_chunks(range: &TimeRange) -> Vec<Chunk> {
    let span = range.end - range.start;
    if span <= MAX_CHUNK {
        return vec![Chunk {
            start: range.start,
            end: range.end,
        }];
    }
    let count = (span.num_seconds() + MAX_CHUNK.num_seconds() - 1) / MAX_CHUNK.num_seconds();
    let step = Duration::seconds(span.num_seconds() / count);
    let offset = range.start.offset().to_owned();
    let mut edges = vec![range.start];
    for k in 1..count {
        let edge = midnight_at_or_before(range.start + step * k as i32);
        if edge > *edges.last().unwrap_or(&range.start) && edge < range.end {
            edges.push(edge.with_timezone(&offset));
        }
    }
    let mut chunks = Vec::with_capacity(edges.len());
    for (i, start) in edges.iter().enumerate() {
        let end = match edges.get(i + 1) {
            Some(next) => *next - Duration::seconds(1),
            None => range.end,
        };
        chunks.push(Chunk { start: *start, end });
    }
    chunks
}

#[derive(Debug, Deserialize)]
struct UsageResponse {
    #[serde(rename = "AigcUsageDataSet", default)]
    items: Vec<UsageItem>,
}

#[derive(Debug, Deserialize)]
struct UsageItem {
    #[serde(rename = "Specification", default)]
    specification: String,
    #[serde(rename = "DataSet", default)]
    data: Vec<UsagePoint>,
}

#[derive(Debug, Deserialize)]
struct UsagePoint {
    #[serde(rename = "Time")]
    time: String,
    #[serde(rename = "Count", default)]
    count: f64,
    #[serde(rename = "Usage", default)]
    usage: f64,
}

/// The request body of one call. Times are ISO 8601 with the offset of the range.
pub fn request_body(
    aigc_type: &str,
    chunk: &Chunk,
    sub_app_id: Option<u64>,
    api_keys: &[String],
) -> serde_json::Value {
    let mut body = json!({
        "StartTime": chunk.start.to_rfc3339_opts(SecondsFormat::Secs, false),
        "EndTime": chunk.end.to_rfc3339_opts(SecondsFormat::Secs, false),
        "AigcType": aigc_type,
    });
    if let Some(id) = sub_app_id {
        body["SubAppId"] = json!(id);
    }
    if !api_keys.is_empty() {
        body["APIKeys"] = json!(api_keys);
    }
    body
}

/// Queries every type over every chunk concurrently (the transport keeps to the rate
/// limit) and merges the answers into `usage` and `count` series per specification.
pub async fn usage(client: &Client<'_>, request: &UsageRequest) -> Result<Vec<Series>, Error> {
    let chunks = plan_chunks(&request.range);
    let granularity = if request.range.end - request.range.start > Duration::days(1) {
        Granularity::Day
    } else {
        Granularity::FiveMinutes
    };
    let mut calls = Vec::new();
    for aigc_type in &request.types {
        for chunk in &chunks {
            calls.push((*aigc_type, *chunk));
        }
    }
    let answers = join_all(calls.iter().map(|(aigc_type, chunk)| async move {
        let body = request_body(aigc_type, chunk, request.sub_app_id, &request.api_keys);
        client
            .call::<UsageResponse>(
                ACTION,
                &body,
                Idempotency::Idempotent,
                request.api_keys.clone(),
            )
            .await
    }))
    .await;

    // Every call must succeed: a merged series with a silent hole would be a wrong number.
    // Under --dry-run every call stops with DryRun after printing its request.
    let mut responses = Vec::with_capacity(answers.len());
    let mut first_error = None;
    for answer in answers {
        match answer {
            Ok((response, _request_id)) => responses.push(response),
            Err(e) => {
                if first_error.is_none() {
                    first_error = Some(e);
                }
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }

    let mut series: Vec<Series> = Vec::new();
    // (type, specification) → index of its usage series (count follows at +1).
    let mut index: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for ((aigc_type, chunk), response) in calls.iter().zip(responses) {
        let (lower, upper) = ownership(&chunks, chunk);
        for item in response.items {
            let key = (*aigc_type, item.specification.clone());
            let at = *index.entry(key).or_insert_with(|| {
                series.push(new_series(
                    aigc_type,
                    &item.specification,
                    "usage",
                    request,
                    granularity,
                ));
                series.push(new_series(
                    aigc_type,
                    &item.specification,
                    "count",
                    request,
                    granularity,
                ));
                series.len() - 2
            });
            for point in item.data {
                let time = parse_time(&point.time, &client.target(ACTION))?;
                // Each chunk speaks only for the buckets that start inside it, so a day
                // the API repeats at a chunk edge is counted once.
                if lower.is_some_and(|l| time < l) || upper.is_some_and(|u| time >= u) {
                    continue;
                }
                series[at].points.push(Point::new(time, point.usage));
                series[at + 1].points.push(Point::new(time, point.count));
            }
        }
    }
    for s in &mut series {
        s.points.sort_by_key(|p| p.time);
        s.points.dedup_by_key(|p| p.time);
    }
    Ok(series)
}

/// The buckets a chunk is authoritative for: from its start (the first chunk: from
/// anything earlier) to the next chunk's start (the last chunk: anything later).
fn ownership(
    chunks: &[Chunk],
    chunk: &Chunk,
) -> (Option<DateTime<FixedOffset>>, Option<DateTime<FixedOffset>>) {
    let i = chunks.iter().position(|c| c == chunk).unwrap_or(0);
    let lower = (i > 0).then_some(chunk.start);
    let upper = chunks.get(i + 1).map(|next| next.start);
    (lower, upper)
}

fn new_series(
    aigc_type: &str,
    specification: &str,
    metric: &str,
    request: &UsageRequest,
    granularity: Granularity,
) -> Series {
    let mut labels = BTreeMap::new();
    labels.insert("aigc_type".to_string(), aigc_type.to_string());
    labels.insert("specification".to_string(), specification.to_string());
    if let Some(id) = request.sub_app_id {
        labels.insert("sub_app_id".to_string(), id.to_string());
    }
    let unit = if metric == "usage" {
        usage_unit(aigc_type)
    } else {
        "tasks"
    };
    Series {
        provider: "tencent".to_string(),
        source: SOURCE.to_string(),
        name: specification.to_string(),
        metric: metric.to_string(),
        unit: Some(unit.to_string()),
        granularity: Some(granularity),
        labels,
        points: Vec::new(),
        aggregation: crate::series::Aggregation::Sum,
        exact_total: None,
    }
}

fn parse_time(value: &str, target: &crate::error::Target) -> Result<DateTime<FixedOffset>, Error> {
    DateTime::parse_from_rfc3339(value).map_err(|e| {
        Error::network(
            target,
            format!("the answer has a Time that is not ISO 8601 ('{value}'): {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn range(start: &str, end: &str) -> TimeRange {
        TimeRange {
            start: t(start),
            end: t(end),
            whole_days: None,
        }
    }

    #[test]
    fn types_are_case_insensitive_and_all_expands_to_seven() {
        assert_eq!(parse_types(&["video".into()]).unwrap(), ["Video"]);
        assert_eq!(parse_types(&["all".into()]).unwrap(), AIGC_TYPES);
        assert_eq!(
            parse_types(&["Image".into(), "video".into(), "IMAGE".into()]).unwrap(),
            ["Video", "Image"]
        );
        let err = parse_types(&["Vidoe".into()]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("SceneAigcTime"));
    }

    #[test]
    fn units_follow_the_type() {
        assert_eq!(usage_unit("Video"), "seconds");
        assert_eq!(usage_unit("Image"), "images");
        assert_eq!(usage_unit("Text"), "tokens");
        assert_eq!(usage_unit("SceneAigcTime"), "units");
    }

    #[test]
    fn a_short_range_is_one_chunk() {
        let r = range("2025-11-18T00:00:00+08:00", "2025-11-19T23:59:59+08:00");
        assert_eq!(
            plan_chunks(&r),
            [Chunk {
                start: r.start,
                end: r.end
            }]
        );
    }

    fn assert_tiles(r: &TimeRange, chunks: &[Chunk]) {
        assert_eq!(chunks.first().unwrap().start, r.start);
        assert_eq!(chunks.last().unwrap().end, r.end);
        for pair in chunks.windows(2) {
            assert_eq!(
                pair[0].end + Duration::seconds(1),
                pair[1].start,
                "gap or overlap"
            );
            assert_eq!(
                pair[1].start.with_timezone(&vod_offset()).time(),
                NaiveTime::MIN
            );
        }
        for c in chunks {
            assert!(c.end - c.start <= Duration::days(90), "{c:?} over 90 days");
            assert!(c.end - c.start > Duration::days(1), "{c:?} a day or less");
        }
    }

    #[test]
    fn a_200_day_range_is_three_chunks_on_midnights() {
        let r = range("2025-01-01T00:00:00+08:00", "2025-07-19T23:59:59+08:00");
        let chunks = plan_chunks(&r);
        assert_eq!(chunks.len(), 3);
        assert_tiles(&r, &chunks);
    }

    #[test]
    fn a_365_day_range_is_five_chunks() {
        let r = range("2024-11-24T10:15:00+00:00", "2025-11-24T10:15:00+00:00");
        let chunks = plan_chunks(&r);
        assert_eq!(chunks.len(), 5);
        assert_tiles(&r, &chunks);
    }

    #[test]
    fn a_range_just_over_the_limit_never_leaves_a_tiny_last_chunk() {
        let r = range("2025-01-01T00:00:00+08:00", "2025-04-01T00:00:00+08:00");
        let chunks = plan_chunks(&r);
        assert_eq!(chunks.len(), 2);
        assert_tiles(&r, &chunks);
    }

    #[test]
    fn retention_counts_whole_days() {
        let now = t("2026-11-24T10:00:00+08:00").with_timezone(&Utc);
        let ok = range("2025-11-24T00:00:00+08:00", "2025-11-25T00:00:00+08:00");
        assert!(check_retention(&ok, now).is_ok());
        let old = range("2025-11-23T23:59:59+08:00", "2025-11-25T00:00:00+08:00");
        let err = check_retention(&old, now).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("365 days"));
    }

    #[test]
    fn body_has_iso_times_and_numbers() {
        let chunk = Chunk {
            start: t("2025-11-18T00:00:00+08:00"),
            end: t("2025-11-19T23:59:59+08:00"),
        };
        let body = request_body("Video", &chunk, Some(200000004), &["k1".into()]);
        assert_eq!(
            body,
            json!({"StartTime": "2025-11-18T00:00:00+08:00", "EndTime": "2025-11-19T23:59:59+08:00",
                   "AigcType": "Video", "SubAppId": 200000004, "APIKeys": ["k1"]})
        );
        let utc = Chunk {
            start: t("2025-11-18T00:00:00Z"),
            end: t("2025-11-19T00:00:00Z"),
        };
        assert_eq!(
            request_body("Image", &utc, None, &[])["StartTime"],
            "2025-11-18T00:00:00+00:00"
        );
    }
}
