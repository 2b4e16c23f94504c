//! `acedata usage`: GET /api/v1/usage/apis/aggregate/ (spec §4) — one series per API.
//!
//! A large account answers with thousands of APIs over a year (730,000 rows, ~50 MB), so
//! the answer is read in one pass straight from the response bytes: rows are typed and
//! borrow their strings from the body, go into their API's series as they are read (no
//! row vector, no `serde_json::Value`), and each distinct date is parsed once.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, SecondsFormat, Utc};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use crate::error::{first_line, Error, Target};
use crate::series::{day_start, Granularity, Point, Series};
use crate::timerange::TimeRange;

use super::{Client, PROVIDER};

/// The unit of `amount` (spec §4 v3).
pub const UNIT: &str = "credits";

pub const PATH: &str = "/api/v1/usage/apis/aggregate/";
pub const SOURCE: &str = "acedata.api_usage";
pub const METRIC: &str = "amount";
const RATE_KEY: &str = "acedata:usage";

#[derive(Debug, Clone, PartialEq)]
pub struct UsageRequest {
    pub range: TimeRange,
    pub application_id: Option<String>,
    pub api_ids: Vec<String>,
}

/// The series of an answer, with the answer's own `total` and the sum of its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    pub series: Vec<Series>,
    pub total: Option<f64>,
    pub sum: f64,
    pub rows: usize,
}

/// An answer whose own `total` is not the sum of its rows: data for a warning the app
/// words and prints (providers never format for display).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TotalMismatch {
    pub total: f64,
    pub sum: f64,
    pub rows: usize,
}

impl Usage {
    /// The mismatch to warn about when the answer's `total` is not the sum of its rows.
    pub fn total_mismatch(&self) -> Option<TotalMismatch> {
        let total = self.total?;
        let diff = (total - self.sum).abs();
        let scale = total.abs().max(self.sum.abs());
        if diff <= 1e-6 || diff <= scale * 1e-9 {
            return None;
        }
        Some(TotalMismatch {
            total,
            sum: self.sum,
            rows: self.rows,
        })
    }
}

/// `--api-id` values: comma lists split, blanks and repeats dropped, order kept.
pub fn parse_api_ids(values: &[String]) -> Result<Vec<String>, Error> {
    let mut ids: Vec<String> = Vec::new();
    for value in values.iter().flat_map(|v| v.split(',')) {
        let id = value.trim();
        if id.is_empty() {
            continue;
        }
        if id.chars().any(char::is_control) {
            return Err(Error::usage(format!(
                "invalid --api-id {id:?}: control characters"
            )));
        }
        if !ids.iter().any(|known| known == id) {
            ids.push(id.to_string());
        }
    }
    Ok(ids)
}

/// The query of a request, in the order it is sent: the range as UTC ISO 8601 (`Z`),
/// `application_id` when given, `api_id` once per id.
pub fn query(request: &UsageRequest) -> Vec<(&'static str, String)> {
    let utc = |t: DateTime<FixedOffset>| {
        t.with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    };
    let mut pairs = vec![
        ("created_at_from", utc(request.range.start)),
        ("created_at_to", utc(request.range.end)),
    ];
    if let Some(app) = &request.application_id {
        pairs.push(("application_id", app.clone()));
    }
    for id in &request.api_ids {
        pairs.push(("api_id", id.clone()));
    }
    pairs
}

pub fn target() -> Target {
    Target::new(PROVIDER, format!("GET {PATH}"))
}

/// Sends the request and turns the answer into series (not yet windowed). An answer over
/// the body cap is asked again as two halves split at a UTC midnight, recursively, and
/// the halves merged as one answer (spec §7 v3); only a single day over the cap fails.
pub async fn usage(client: &Client<'_>, request: &UsageRequest) -> Result<Usage, Error> {
    match usage_once(client, request).await {
        Err(too_large @ Error::TooLarge { .. }) => {
            let Some((first, second)) = split_at_utc_midnight(&request.range) else {
                return Err(too_large);
            };
            let midnight = second.start;
            // One half after the other: the halves' answers are the bulk of the memory.
            let first = Box::pin(usage(client, &request.with_range(first))).await?;
            let second = Box::pin(usage(client, &request.with_range(second))).await?;
            Ok(first.merge(second, midnight))
        }
        other => other,
    }
}

/// The range as two halves that meet at a UTC midnight (the first ends one second
/// before it, as every range ends on its last second), or `None` when it lies within one
/// UTC day.
pub fn split_at_utc_midnight(range: &TimeRange) -> Option<(TimeRange, TimeRange)> {
    let first_day = range.start.with_timezone(&Utc).date_naive();
    let last_day = range.end.with_timezone(&Utc).date_naive();
    let days = (last_day - first_day).num_days();
    if days < 1 {
        return None;
    }
    let middle = first_day + chrono::Duration::days((days + 1) / 2);
    let midnight = day_start(middle, Utc.fix());
    let before = midnight - chrono::Duration::seconds(1);
    // The halves are requests: the caller windows the merged answer by the whole range.
    Some((
        TimeRange::instants(range.start, before.with_timezone(range.end.offset())),
        TimeRange::instants(midnight.with_timezone(range.start.offset()), range.end),
    ))
}

impl UsageRequest {
    fn with_range(&self, range: TimeRange) -> UsageRequest {
        UsageRequest {
            range,
            ..self.clone()
        }
    }
}

impl Usage {
    /// The answers for the days before and from `midnight` as the one answer of their
    /// union: each API's day once (a day a half was not asked for is left to the other
    /// half), its name and path from whichever half knew them.
    fn merge(mut self, mut other: Usage, midnight: DateTime<FixedOffset>) -> Usage {
        for series in &mut self.series {
            series.points.retain(|p| p.time < midnight);
        }
        for series in &mut other.series {
            series.points.retain(|p| p.time >= midnight);
        }
        let mut by_id: BTreeMap<String, Series> = BTreeMap::new();
        for series in self.series.into_iter().chain(other.series) {
            let id = series.labels.get("api_id").cloned().unwrap_or_default();
            match by_id.get_mut(&id) {
                None => {
                    by_id.insert(id, series);
                }
                Some(kept) => {
                    // A half whose api_map lacked the id named the series by its id.
                    if kept.labels.len() < series.labels.len() || kept.name == id {
                        kept.name = series.name.clone();
                        kept.labels = series.labels.clone();
                    }
                    kept.points.extend(series.points);
                    merge_days(&mut kept.points);
                }
            }
        }
        Usage {
            series: by_id.into_values().collect(),
            total: self.total.zip(other.total).map(|(a, b)| a + b),
            sum: self.sum + other.sum,
            rows: self.rows + other.rows,
        }
    }
}

async fn usage_once(client: &Client<'_>, request: &UsageRequest) -> Result<Usage, Error> {
    let response = client.get(PATH, &query(request), RATE_KEY).await?;
    let status = response.status;
    parse(&response.body).map_err(|e| {
        let detail = if e.is_syntax() || e.is_eof() {
            format!(
                "HTTP {status}: the answer is not JSON ({e}): {}",
                first_line(&response.body)
            )
        } else {
            format!("HTTP {status}: the answer does not have the documented shape: {e}")
        };
        Error::network(&target(), detail)
    })
}

/// Parses an answer body into one series per API, sorted by API id (the report sorts
/// them by name later).
///
/// Rows are read first with their strings as raw bytes ([`RawRow`]), which spares
/// checking the UTF-8 of every key and value (each distinct id and date is checked once).
/// Whatever that reading refuses is read again as typed rows ([`Row`]), so an answer is
/// accepted, and an error worded, exactly as serde_json's typed reading does.
pub fn parse(body: &[u8]) -> Result<Usage, serde_json::Error> {
    match serde_json::from_slice::<Answer<true>>(body) {
        Ok(answer) => Ok(usage_of(answer)),
        Err(_) => serde_json::from_slice::<Answer<false>>(body).map(usage_of),
    }
}

fn usage_of<const RAW: bool>(answer: Answer<'_, RAW>) -> Usage {
    let Grouped {
        ids,
        points,
        sum,
        rows,
        ..
    } = answer.results;
    let api_map = answer.api_map.unwrap_or_default();
    let mut series = Vec::with_capacity(ids.len());
    for (id, points) in ids.into_iter().zip(points) {
        let info = api_map.get(id.as_ref()).and_then(Option::as_ref);
        let name = info
            .and_then(|i| i.name.as_deref())
            .filter(|n| !n.is_empty())
            .unwrap_or(&id)
            .to_string();
        let mut labels = BTreeMap::new();
        labels.insert("api_id".to_string(), id.to_string());
        if let Some(path) = info
            .and_then(|i| i.path.as_deref())
            .filter(|p| !p.is_empty())
        {
            labels.insert("path".to_string(), path.to_string());
        }
        series.push(Series {
            provider: PROVIDER.to_string(),
            source: SOURCE.to_string(),
            name,
            metric: METRIC.to_string(),
            // AceData bills in credits, not money (spec §4 v3): `amount` is credits used.
            unit: Some(UNIT.to_string()),
            granularity: Some(Granularity::Day),
            labels,
            points,
            aggregation: crate::series::Aggregation::Sum,
            exact_total: None,
        });
    }
    Usage {
        series,
        total: answer.total.map(|a| a.0),
        sum,
        rows,
    }
}

/// The answer; `RAW`: its rows are read as [`RawRow`]s, else as [`Row`]s.
#[derive(Deserialize)]
struct Answer<'a, const RAW: bool> {
    #[serde(borrow, default)]
    results: Grouped<'a, RAW>,
    #[serde(default)]
    total: Option<Amount>,
    #[serde(borrow, default)]
    api_map: Option<HashMap<Cow<'a, str>, Option<ApiInfo>>>,
}

#[derive(Deserialize)]
struct ApiInfo {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    path: Option<String>,
}

/// One row; its strings point into the body unless they hold escapes.
#[derive(Deserialize)]
struct Row<'a> {
    #[serde(borrow)]
    date: Cow<'a, str>,
    #[serde(borrow)]
    api_id: Cow<'a, str>,
    #[serde(default)]
    amount: Amount,
}

/// A row as [`RawRow`] reads it: the strings as bytes, unescaped but not checked to be
/// UTF-8.
struct RawRow<'a> {
    date: Cow<'a, [u8]>,
    api_id: Cow<'a, [u8]>,
    amount: Amount,
}

impl<'a> From<Row<'a>> for RawRow<'a> {
    fn from(row: Row<'a>) -> Self {
        let bytes = |s: Cow<'a, str>| match s {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        };
        Self {
            date: bytes(row.date),
            api_id: bytes(row.api_id),
            amount: row.amount,
        }
    }
}

/// A JSON string as bytes (borrowed from the body when it holds no escapes).
struct RawStr<'a>(Cow<'a, [u8]>);

impl<'de: 'a, 'a> Deserialize<'de> for RawStr<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RawStrVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for RawStrVisitor<'a> {
            type Value = RawStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<RawStr<'a>, E> {
                Ok(RawStr(Cow::Borrowed(v)))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<RawStr<'a>, E> {
                Ok(RawStr(Cow::Owned(v.to_vec())))
            }
        }
        // serde_json hands a JSON string to `deserialize_bytes` unescaped, as bytes.
        deserializer.deserialize_bytes(RawStrVisitor(std::marker::PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawRow<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RawRowVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for RawRowVisitor<'a> {
            type Value = RawRow<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a {date, api_id, amount} object")
            }
            // Only what `Row` reads the same way is accepted here; anything else (a
            // repeated or missing key, a key that is not UTF-8, another shape) is an
            // error, and the answer is read again as `Row`s.
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<RawRow<'a>, A::Error> {
                let mut date = None;
                let mut api_id = None;
                let mut amount = None;
                while let Some(RawStr(key)) = map.next_key::<RawStr<'de>>()? {
                    let slot = match key.as_ref() {
                        b"date" => &mut date,
                        b"api_id" => &mut api_id,
                        b"amount" => {
                            if amount.replace(map.next_value::<Amount>()?).is_some() {
                                return Err(de::Error::duplicate_field("amount"));
                            }
                            continue;
                        }
                        other => {
                            std::str::from_utf8(other).map_err(de::Error::custom)?;
                            map.next_value::<de::IgnoredAny>()?;
                            continue;
                        }
                    };
                    if slot.replace(map.next_value::<RawStr<'de>>()?.0).is_some() {
                        return Err(de::Error::custom("duplicate field"));
                    }
                }
                Ok(RawRow {
                    date: date.ok_or_else(|| de::Error::missing_field("date"))?,
                    api_id: api_id.ok_or_else(|| de::Error::missing_field("api_id"))?,
                    amount: amount.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_map(RawRowVisitor(std::marker::PhantomData))
    }
}

/// A number, a numeric string, or null (= 0).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Amount(f64);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AmountVisitor;
        impl Visitor<'_> for AmountVisitor {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a numeric string")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
                Ok(Amount(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
                Ok(Amount(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
                Ok(Amount(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
                match v.trim().parse::<f64>() {
                    Ok(n) if n.is_finite() => Ok(Amount(n)),
                    _ => Err(E::custom(format!("amount {v:?} is not a number"))),
                }
            }
            fn visit_unit<E: de::Error>(self) -> Result<Amount, E> {
                Ok(Amount(0.0))
            }
            fn visit_none<E: de::Error>(self) -> Result<Amount, E> {
                Ok(Amount(0.0))
            }
        }
        deserializer.deserialize_any(AmountVisitor)
    }
}

/// The rows, grouped into one point list per API id, in order of first appearance.
#[derive(Default)]
struct Grouped<'a, const RAW: bool> {
    ids: Vec<Cow<'a, str>>,
    points: Vec<Vec<Point>>,
    /// The sum of every row's amount, to check the answer's `total`.
    sum: f64,
    rows: usize,
}

impl<'de: 'a, 'a, const RAW: bool> Deserialize<'de> for Grouped<'a, RAW> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_option(GroupedVisitor(std::marker::PhantomData))
    }
}

struct GroupedVisitor<'a, const RAW: bool>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a, const RAW: bool> GroupedVisitor<'a, RAW> {
    fn next_row<A: SeqAccess<'de>>(seq: &mut A) -> Result<Option<RawRow<'de>>, A::Error> {
        if RAW {
            seq.next_element::<RawRow<'de>>()
        } else {
            Ok(seq.next_element::<Row<'de>>()?.map(RawRow::from))
        }
    }
}

impl<'de: 'a, 'a, const RAW: bool> Visitor<'de> for GroupedVisitor<'a, RAW> {
    type Value = Grouped<'a, RAW>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of {date, api_id, amount} rows")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Grouped::default())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Grouped::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // First pass, while reading: each row as (API index, date index, amount), 16 bytes.
        let mut ids: Vec<Cow<'a, str>> = Vec::new();
        let mut index: HashMap<Cow<'a, str>, u32> = HashMap::new();
        let mut dates = DateCache::default();
        let mut rows: Vec<(u32, u32, f64)> = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        let mut sum = 0.0;
        // Answers list the same APIs in the same order for every date: the API after the
        // previous row's is tried before any hashing.
        let mut next = 0usize;
        while let Some(row) = Self::next_row(&mut seq)? {
            let date = dates.index(&row.date).map_err(de::Error::custom)?;
            let at = match ids.get(next) {
                Some(id) if id.as_bytes() == row.api_id.as_ref() => next,
                _ => {
                    let api_id = utf8(row.api_id).map_err(de::Error::custom)?;
                    match index.get(api_id.as_ref()) {
                        Some(&at) => at as usize,
                        None => {
                            let at = ids.len();
                            let key = u32::try_from(at)
                                .map_err(|_| de::Error::custom("more than 2^32 APIs"))?;
                            index.insert(api_id.clone(), key);
                            ids.push(api_id);
                            at
                        }
                    }
                }
            };
            next = if at + 1 == ids.len() { 0 } else { at + 1 };
            sum += row.amount.0;
            // `at` fits: it was checked when the API was first seen.
            rows.push((at as u32, date, row.amount.0));
        }
        drop(index);
        // Second pass: exact-size point lists, one per API.
        let mut counts = vec![0usize; ids.len()];
        for &(at, _, _) in &rows {
            counts[at as usize] += 1;
        }
        let mut points: Vec<Vec<Point>> = counts.into_iter().map(Vec::with_capacity).collect();
        for &(at, date, amount) in &rows {
            points[at as usize].push(Point::new(dates.times[date as usize], amount));
        }
        let count = rows.len();
        drop(rows);
        // Per API: by day, one point per day (a repeated day is added up).
        for list in &mut points {
            merge_days(list);
        }
        Ok(Grouped {
            ids,
            points,
            sum,
            rows: count,
        })
    }
}

/// Bytes read by [`RawStr`] as the string they must be.
fn utf8(bytes: Cow<'_, [u8]>) -> Result<Cow<'_, str>, std::str::Utf8Error> {
    Ok(match bytes {
        Cow::Borrowed(b) => Cow::Borrowed(std::str::from_utf8(b)?),
        Cow::Owned(b) => Cow::Owned(String::from_utf8(b).map_err(|e| e.utf8_error())?),
    })
}

/// Sorts points by time (a no-op pass when they already are) and adds up repeated days.
fn merge_days(points: &mut Vec<Point>) {
    if !points.windows(2).all(|w| w[0].time < w[1].time) {
        points.sort_by_key(|p| p.time);
        points.dedup_by(|later, kept| {
            if later.time == kept.time {
                kept.value += later.value;
                true
            } else {
                false
            }
        });
    }
}

/// Each distinct date string parsed once; the last one is checked first (answers come
/// grouped by date).
#[derive(Default)]
struct DateCache {
    last: Option<(Vec<u8>, u32)>,
    seen: HashMap<Vec<u8>, u32>,
    times: Vec<DateTime<FixedOffset>>,
}

impl DateCache {
    /// The index in `times` of a date string (as read by [`RawStr`]; checked to be UTF-8
    /// when first seen).
    fn index(&mut self, text: &[u8]) -> Result<u32, String> {
        if let Some((last, at)) = &self.last {
            if last == text {
                return Ok(*at);
            }
        }
        let at = match self.seen.get(text) {
            Some(at) => *at,
            None => {
                let at = u32::try_from(self.times.len())
                    .map_err(|_| "more than 2^32 dates".to_string())?;
                let text = std::str::from_utf8(text).map_err(|e| e.to_string())?;
                self.times.push(parse_day(text)?);
                self.seen.insert(text.as_bytes().to_vec(), at);
                at
            }
        };
        self.last = Some((text.to_vec(), at));
        Ok(at)
    }
}

/// `YYYY-MM-DD` (also the date of an ISO date-time) as the start of that day in UTC.
fn parse_day(text: &str) -> Result<DateTime<FixedOffset>, String> {
    let day = text.get(..10).filter(|_| {
        text.len() == 10 || matches!(text.as_bytes().get(10), Some(b'T' | b't' | b' '))
    });
    let date = day
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| format!("date {text:?} is not YYYY-MM-DD"))?;
    Ok(day_start(date, Utc.fix()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(start: &str, end: &str) -> TimeRange {
        TimeRange::instants(t(start), t(end))
    }

    #[test]
    fn a_range_within_one_utc_day_is_not_split() {
        // 08:00 to 23:59 in +08:00 is one UTC day (00:00 to 15:59).
        let one_day = range("2024-08-01T08:00:00+08:00", "2024-08-01T23:59:59+08:00");
        assert_eq!(split_at_utc_midnight(&one_day), None);
    }

    #[test]
    fn halves_meet_at_a_utc_midnight_and_keep_their_outer_ends() {
        let (first, second) = split_at_utc_midnight(&range(
            "2024-08-01T10:30:00+08:00",
            "2024-08-05T12:00:00+08:00",
        ))
        .unwrap();
        // UTC dates 1 to 5 August (four days on): the second half starts on the 3rd.
        assert_eq!(first.start, t("2024-08-01T10:30:00+08:00"));
        assert_eq!(first.end, t("2024-08-02T23:59:59Z"));
        assert_eq!(second.start, t("2024-08-03T00:00:00Z"));
        assert_eq!(second.end, t("2024-08-05T12:00:00+08:00"));
        // Two UTC days split into one each.
        let (a, b) =
            split_at_utc_midnight(&range("2024-08-01T00:00:00Z", "2024-08-02T23:59:59Z")).unwrap();
        assert_eq!(a.end, t("2024-08-01T23:59:59Z"));
        assert_eq!(b.start, t("2024-08-02T00:00:00Z"));
    }

    const SEED: &str = r#"{
      "results": [
        {"date": "2024-08-15", "api_id": "api-uuid-1", "amount": 45.5},
        {"date": "2024-08-15", "api_id": "api-uuid-2", "amount": 12.3},
        {"date": "2024-08-16", "api_id": "api-uuid-1", "amount": 30.2}
      ],
      "total": 88.0,
      "api_map": {
        "api-uuid-1": {"name": "Midjourney Imagine", "path": "/v1/midjourney/imagine"},
        "api-uuid-2": {"name": "Claude Messages", "path": "/v1/claude/messages"}
      }
    }"#;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn seed_example_gives_one_series_per_api() {
        let usage = parse(SEED.as_bytes()).unwrap();
        assert_eq!(usage.rows, 3);
        assert_eq!(usage.total, Some(88.0));
        assert!(usage.total_mismatch().is_none());
        assert_eq!(usage.series.len(), 2);
        let mj = &usage.series[0];
        assert_eq!(mj.name, "Midjourney Imagine");
        assert_eq!(mj.provider, "acedata");
        assert_eq!(mj.source, "acedata.api_usage");
        assert_eq!(mj.metric, "amount");
        assert_eq!(mj.unit.as_deref(), Some("credits"));
        assert_eq!(mj.granularity, Some(Granularity::Day));
        assert_eq!(mj.labels["api_id"], "api-uuid-1");
        assert_eq!(mj.labels["path"], "/v1/midjourney/imagine");
        assert_eq!(
            mj.points,
            [
                Point::new(t("2024-08-15T00:00:00Z"), 45.5),
                Point::new(t("2024-08-16T00:00:00Z"), 30.2)
            ]
        );
        assert_eq!(usage.series[1].name, "Claude Messages");
        assert_eq!(usage.series[1].total(), Some(12.3));
    }

    #[test]
    fn unknown_api_is_named_by_its_id_without_path() {
        let body = r#"{"results": [{"date": "2024-08-15", "api_id": "x-1", "amount": 1},
                                    {"date": "2024-08-15", "api_id": "x-2", "amount": 2}],
                       "total": 3, "api_map": {"x-2": {"name": null, "path": null}}}"#;
        let usage = parse(body.as_bytes()).unwrap();
        for s in &usage.series {
            assert_eq!(s.name, s.labels["api_id"]);
            assert!(!s.labels.contains_key("path"));
        }
    }

    #[test]
    fn amounts_may_be_strings_or_null_and_strings_may_hold_escapes() {
        let body = r#"{"results": [
            {"date": "2024-08-15", "api_id": "a\"b", "amount": "1.5"},
            {"date": "2024-08-15T00:00:00Z", "api_id": "a\"b", "amount": null},
            {"date": "2024-08-16", "api_id": "a\u0022b", "amount": 2}
        ], "total": "3.5", "api_map": {"a\"b": {"name": "n\u00e9,\"x\"", "path": "/p"}}}"#;
        let usage = parse(body.as_bytes()).unwrap();
        assert_eq!(usage.series.len(), 1);
        let s = &usage.series[0];
        assert_eq!(s.name, "n\u{e9},\"x\"");
        assert_eq!(s.labels["api_id"], "a\"b");
        // The repeated day is added up.
        assert_eq!(
            s.points,
            [
                Point::new(t("2024-08-15T00:00:00Z"), 1.5),
                Point::new(t("2024-08-16T00:00:00Z"), 2.0)
            ]
        );
        assert_eq!(usage.total, Some(3.5));
        assert!(usage.total_mismatch().is_none());
    }

    #[test]
    fn apis_in_changing_order_still_group_right() {
        let body = r#"{"results": [
            {"date": "2024-08-15", "api_id": "a", "amount": 1},
            {"date": "2024-08-15", "api_id": "b", "amount": 2},
            {"date": "2024-08-16", "api_id": "b", "amount": 3},
            {"date": "2024-08-16", "api_id": "c", "amount": 4},
            {"date": "2024-08-16", "api_id": "a", "amount": 5},
            {"date": "2024-08-17", "api_id": "a", "amount": 6},
            {"date": "2024-08-17", "api_id": "b", "amount": 7},
            {"date": "2024-08-17", "api_id": "c", "amount": 8}
        ], "total": 36}"#;
        let usage = parse(body.as_bytes()).unwrap();
        let got: Vec<(&str, Vec<f64>)> = usage
            .series
            .iter()
            .map(|s| (s.name.as_str(), s.points.iter().map(|p| p.value).collect()))
            .collect();
        assert_eq!(
            got,
            [
                ("a", vec![1.0, 5.0, 6.0]),
                ("b", vec![2.0, 3.0, 7.0]),
                ("c", vec![4.0, 8.0])
            ]
        );
        assert_eq!(usage.series[2].points[0].time, t("2024-08-16T00:00:00Z"));
        assert_eq!(usage.rows, 8);
        assert!(usage.total_mismatch().is_none());
    }

    #[test]
    fn rows_out_of_order_are_sorted() {
        let body = r#"{"results": [{"date": "2024-08-16", "api_id": "a", "amount": 1},
                                    {"date": "2024-08-15", "api_id": "a", "amount": 2}]}"#;
        let usage = parse(body.as_bytes()).unwrap();
        assert_eq!(usage.series[0].points[0].time, t("2024-08-15T00:00:00Z"));
        assert_eq!(usage.total, None);
        assert!(usage.total_mismatch().is_none());
    }

    #[test]
    fn total_mismatch_names_both_numbers_within_tolerance() {
        let mut usage = parse(SEED.as_bytes()).unwrap();
        usage.total = Some(90.0);
        assert_eq!(
            usage.total_mismatch(),
            Some(TotalMismatch {
                total: 90.0,
                sum: 88.0,
                rows: usage.rows
            })
        );
        usage.total = Some(88.0 + 1e-9);
        assert!(usage.total_mismatch().is_none());
    }

    #[test]
    fn bad_rows_are_shape_errors() {
        let err = parse(br#"{"results": [{"date": "15/08/2024", "api_id": "a", "amount": 1}]}"#)
            .err()
            .unwrap();
        assert!(err.to_string().contains("YYYY-MM-DD"), "{err}");
        let err = parse(br#"{"results": [{"date": "2024-08-15", "api_id": "a", "amount": "x"}]}"#)
            .err()
            .unwrap();
        assert!(err.is_data(), "{err}");
        assert!(parse(b"<html>").err().unwrap().is_syntax());
    }

    #[test]
    fn empty_and_null_results_are_no_series() {
        assert!(parse(br#"{"results": [], "total": 0, "api_map": {}}"#)
            .unwrap()
            .series
            .is_empty());
        assert!(
            parse(br#"{"results": null, "total": null, "api_map": null}"#)
                .unwrap()
                .series
                .is_empty()
        );
    }

    /// The answer read with raw rows, and read with typed rows.
    fn both_readings(body: &[u8]) -> (Result<Usage, String>, Result<Usage, String>) {
        let raw = serde_json::from_slice::<Answer<true>>(body)
            .map(usage_of)
            .map_err(|e| e.to_string());
        let typed = serde_json::from_slice::<Answer<false>>(body)
            .map(usage_of)
            .map_err(|e| e.to_string());
        (raw, typed)
    }

    #[test]
    fn raw_rows_read_well_formed_answers_as_typed_rows_do() {
        let bodies: [&[u8]; 5] = [
            SEED.as_bytes(),
            br#"{"results": [
                {"date": "2024-08-15", "api_id": "a\"b", "amount": "1.5", "extra": [1, "\u00e9"]},
                {"amount": null, "api_id": "a\"b", "date": "2024-08-15T00:00:00Z"},
                {"d\u0061te": "2024-08-16", "api_id": "a\u0022b", "amount": 2},
                {"date": "2024-08-16", "api_id": "\u00e9x"}
            ], "total": "3.5", "api_map": {"a\"b": {"name": "n", "path": "/p"}}}"#,
            br#"{"results": [], "total": 0, "api_map": {}}"#,
            br#"{"results": null}"#,
            br#"{"results": [{"date": "2024-08-15", "api_id": "b", "amount": 1e-7},
                {"date": "2024-08-14", "api_id": "a", "amount": 3},
                {"date": "2024-08-15", "api_id": "a", "amount": 4}]}"#,
        ];
        for body in bodies {
            let (raw, typed) = both_readings(body);
            assert!(raw.is_ok(), "{raw:?}");
            assert_eq!(raw, typed);
            assert_eq!(parse(body).map_err(|e| e.to_string()), typed);
        }
    }

    #[test]
    fn what_raw_rows_refuse_is_read_and_worded_as_typed_rows_do() {
        let bodies: [&[u8]; 8] = [
            // A row as an array: typed rows accept it.
            br#"{"results": [["2024-08-15", "a", 1]]}"#,
            // Repeated and missing keys.
            br#"{"results": [{"date": "2024-08-15", "date": "2024-08-16", "api_id": "a"}]}"#,
            br#"{"results": [{"date": "2024-08-15", "api_id": "a", "amount": 1, "amount": 2}]}"#,
            br#"{"results": [{"api_id": "a", "amount": 1}]}"#,
            // Not UTF-8: in an id, in a date, in an unknown key, a lone surrogate.
            b"{\"results\": [{\"date\": \"2024-08-15\", \"api_id\": \"a\xff\"}]}",
            b"{\"results\": [{\"date\": \"2024-08-1\xff\", \"api_id\": \"a\"}]}",
            b"{\"results\": [{\"date\": \"2024-08-15\", \"api_id\": \"a\", \"\xff\": 1}]}",
            br#"{"results": [{"date": "2024-08-15", "api_id": "\ud800"}]}"#,
        ];
        for body in bodies {
            let (_, typed) = both_readings(body);
            assert_eq!(parse(body).map_err(|e| e.to_string()), typed);
        }
        // The array row is accepted (by the typed reading).
        assert_eq!(
            parse(br#"{"results": [["2024-08-15", "a", 1]]}"#)
                .unwrap()
                .rows,
            1
        );
    }

    #[test]
    fn query_is_utc_with_repeated_api_ids() {
        let request = UsageRequest {
            range: TimeRange {
                start: t("2024-08-01T00:00:00+08:00"),
                end: t("2024-08-31T23:59:59+08:00"),
                whole_days: None,
            },
            application_id: Some("app 1".into()),
            api_ids: parse_api_ids(&["a,b".into(), " c ".into(), "a".into(), "".into()]).unwrap(),
        };
        assert_eq!(
            query(&request),
            [
                ("created_at_from", "2024-07-31T16:00:00Z".to_string()),
                ("created_at_to", "2024-08-31T15:59:59Z".to_string()),
                ("application_id", "app 1".to_string()),
                ("api_id", "a".to_string()),
                ("api_id", "b".to_string()),
                ("api_id", "c".to_string()),
            ]
        );
    }
}
