//! The time range of every usage command and `report` (spec §2, "Time range options"):
//! `--start`/`--end` (aliases `--since`/`--until`) or `--last`, default `--last 7d`.
//!
//! Nothing here reads the clock: `now` is always passed in, so every result is
//! reproducible. Resolved times are whole seconds and carry the offset the zone has at
//! that instant. The end of a range is inclusive.
//!
//! Decisions on inputs the spec leaves open:
//! - An all-digit TIME of exactly 8 digits (`20251118`) is a `yyyymmdd` date, never unix
//!   seconds (8-digit unix seconds are dates in 1970–1973, which no provider keeps).
//!   9 to 11 digits are unix seconds; 13 digits are refused with a hint that they look
//!   like milliseconds; any other length is refused.
//! - Sub-second parts (`...T09:30:00.750Z`, and `now` itself) are truncated to the second.
//! - Durations are exact elapsed time (`m` = 60 s, `h` = 3600 s, `d` = 86 400 s,
//!   `w` = 7 d); `d`, `h`, `w` are also accepted in capitals, `M` is refused (months are
//!   not a unit). Zero, negative and overflowing durations are refused.
//! - `--last D --end E` is the D before E. When E is a whole day (a date, `today`,
//!   `yesterday`) the range is whole days: `--last 7d --end 2025-11-30` starts on
//!   2025-11-24 at 00:00 (seven days, Nov 24–30) rather than at 23:59:59 of the 23rd,
//!   which would drag in an eighth daily bucket; `--last 36h --end 2025-11-30` starts
//!   36 hours before the end of Nov 30, i.e. at 12:00 on Nov 29.
//! - `--end E` alone is the default 7 days before E (as if `--last 7d --end E`);
//!   `--start S` alone ends now.
//! - A relative TIME (`7d`, `-7d`) is now minus that exact duration, as start or end.
//! - Times before 1970-01-01T00:00:00Z or after 9999-12-31T23:59:59Z are refused (no
//!   provider keeps them, and a year 0 would be sent as a negative timestamp), whatever
//!   form produced them: a date, unix seconds, or a duration ago (`--last 100000w`).
//! - A leap second (`23:59:60`) is refused rather than normalized: providers count in
//!   POSIX time, where it does not exist.
//! - `--month M` (`YYYY-MM`, `this`, `last`) is exactly `--start <first day> --end
//!   <last day>`, and cannot be combined with `--start`, `--end` or `--last`.
//! - A range is *whole days* ([`TimeRange::whole_days`]) when both ends name days: a date,
//!   `today` or `yesterday` as `--start` and `--end`, `--month`, or `--last Nd|Nw` with
//!   such an `--end` (which starts at a midnight, see above).
//! - A date whose midnight falls in a daylight-saving gap starts at the first instant
//!   that exists on that day; a date ends one second before the next day's first instant,
//!   so a 23- or 25-hour day is covered exactly.

use chrono::{
    DateTime, Datelike, Days, Duration, FixedOffset, Months, NaiveDate, NaiveDateTime, NaiveTime,
    SubsecRound, Timelike, Utc,
};

use crate::error::Error;
use crate::zone::Zone;

/// The accepted TIME forms, for error messages.
const TIME_FORMS: &str = "expected RFC 3339 (2025-11-18T00:00:00+08:00), a date (2025-11-18), \
a date-time (2025-11-18 09:30), unix seconds (1726070400), now/today/yesterday, \
or a duration ago (7d, 36h, 90m, 2w)";

/// The accepted DURATION form, for error messages.
const DURATION_FORMS: &str = "expected <N><m|h|d|w> with N > 0, e.g. 90m, 36h, 7d, 2w";

/// The default range when neither `--start` nor `--last` is given.
const DEFAULT_LAST: &str = "7d";

/// The time range options as given on the command line (strings, not yet resolved).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeArgs {
    /// `--start` / `--since`.
    pub start: Option<String>,
    /// `--end` / `--until`.
    pub end: Option<String>,
    /// `--last`.
    pub last: Option<String>,
    /// `--month` (spec §2 v3): `YYYY-MM`, `this` or `last`.
    pub month: Option<String>,
}

/// The calendar dates (in `--tz`) a whole-day range covers, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateSpan {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl DateSpan {
    /// Every date from `first` to `last`.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.first.iter_days().take_while(|d| *d <= self.last)
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.first <= date && date <= self.last
    }
}

/// A resolved range: whole seconds, `start <= end`, both ends inclusive, each carrying
/// the zone's offset at that instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    /// `Some` when the range is whole days in `--tz` (see the module documentation):
    /// `start` is the first instant of `first`, `end` the last second of `last`.
    pub whole_days: Option<DateSpan>,
}

impl TimeRange {
    /// A range between two instants that is not whole days.
    pub fn instants(start: DateTime<FixedOffset>, end: DateTime<FixedOffset>) -> Self {
        Self {
            start,
            end,
            whole_days: None,
        }
    }

    /// `end - start` (zero when they are equal; the inclusive last second is not added).
    pub fn duration(&self) -> Duration {
        self.end - self.start
    }
}

/// Which end of the range a TIME is read for: a date means the start of the day as
/// `Start` and the last second of the day as `End`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Start,
    End,
}

impl Bound {
    /// The option name used in messages.
    pub fn option(self) -> &'static str {
        match self {
            Bound::Start => "--start",
            Bound::End => "--end",
        }
    }
}

/// A TIME resolved for one bound, remembering whether it named a whole day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Resolved {
    at: DateTime<FixedOffset>,
    /// The calendar day (in the zone) when the input was a date, `today` or `yesterday`.
    day: Option<NaiveDate>,
}

/// The earliest time a range may touch: 1970-01-01T00:00:00Z.
fn earliest() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH
}

/// The latest time a range may touch: 9999-12-31T23:59:59Z.
fn latest() -> DateTime<Utc> {
    // 253402300799 is 9999-12-31T23:59:59Z, inside chrono's range.
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The reason `at` is outside the supported years, if it is.
fn out_of_bounds(at: DateTime<FixedOffset>) -> Option<String> {
    if at < earliest() {
        Some(format!(
            "{} is before 1970-01-01T00:00:00Z, the earliest time supported",
            at.to_rfc3339()
        ))
    } else if at > latest() {
        Some(format!(
            "{} is after 9999-12-31T23:59:59Z, the latest time supported",
            at.to_rfc3339()
        ))
    } else {
        None
    }
}

/// Resolves the time range options against `zone` and `now`.
pub fn resolve(args: &RangeArgs, zone: &Zone, now: DateTime<Utc>) -> Result<TimeRange, Error> {
    if let Some(month) = &args.month {
        let others: Vec<&str> = [
            (args.start.is_some(), "--start"),
            (args.end.is_some(), "--end"),
            (args.last.is_some(), "--last"),
        ]
        .into_iter()
        .filter_map(|(given, name)| given.then_some(name))
        .collect();
        if !others.is_empty() {
            return Err(Error::usage(format!(
                "--month '{month}' cannot be combined with {}: --month is a whole range",
                others.join(", ")
            )));
        }
        return resolve_month(month, zone, now);
    }
    if let (Some(start), Some(last)) = (&args.start, &args.last) {
        return Err(Error::usage(format!(
            "--last '{last}' cannot be combined with --start '{start}': use --start/--end, \
             or --last with an optional --end"
        )));
    }

    let end = match &args.end {
        Some(text) => resolve_time(text, Bound::End, zone, now)?,
        None => Resolved {
            at: now_in(zone, now),
            day: None,
        },
    };

    let (start, start_day, start_desc) = match (&args.start, &args.last) {
        (Some(text), _) => {
            let start = resolve_time(text, Bound::Start, zone, now)?;
            (start.at, start.day, format!("--start '{text}'"))
        }
        (None, last) => {
            let (text, option) = match last {
                Some(text) => (text.as_str(), "--last"),
                None => (DEFAULT_LAST, "the default --last"),
            };
            let span = parse_span(text).map_err(|why| {
                Error::usage(format!(
                    "invalid {option} '{text}': {why}; {DURATION_FORMS}"
                ))
            })?;
            let invalid = |why: String| Error::usage(format!("invalid {option} '{text}': {why}"));
            let start = start_before(end, span, zone).map_err(invalid)?;
            if let Some(why) = out_of_bounds(start) {
                return Err(invalid(format!("the range would start too early: {why}")));
            }
            // Whole days before a whole-day end start at a midnight: the first date.
            let first_day = end
                .day
                .zip(span.days)
                .map(|_| zone.localize(&start).date_naive());
            (start, first_day, format!("{option} '{text}'"))
        }
    };

    if end.at < start {
        let (end_at, start_at) = (end.at.to_rfc3339(), start.to_rfc3339());
        return Err(Error::usage(match &args.end {
            Some(text) => format!(
                "--end '{text}' ({end_at}) is before {start_desc} ({start_at}); the end must \
                 not be earlier than the start"
            ),
            None => format!(
                "{start_desc} ({start_at}) is in the future (now is {end_at}); give an --end \
                 after it or an earlier --start"
            ),
        }));
    }

    let whole_days = start_day
        .zip(end.day)
        .map(|(first, last)| DateSpan { first, last });
    Ok(TimeRange {
        start,
        end: end.at,
        whole_days,
    })
}

/// `--month M`: the first to the last day of a calendar month in the zone.
fn resolve_month(text: &str, zone: &Zone, now: DateTime<Utc>) -> Result<TimeRange, Error> {
    let invalid = |why: &str| {
        Error::usage(format!(
            "invalid --month '{text}': {why}; expected YYYY-MM (2025-11), this or last"
        ))
    };
    let s = text.trim();
    let this_month = zone.localize(&now).date_naive().with_day(1);
    let first = if s.eq_ignore_ascii_case("this") {
        this_month
    } else if s.eq_ignore_ascii_case("last") {
        this_month.and_then(|d| d.checked_sub_months(Months::new(1)))
    } else {
        let (year, month) = s.split_once('-').ok_or_else(|| invalid("not a month"))?;
        let digits = |part: &str, len: usize| {
            (part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse::<u32>().ok())
                .flatten()
        };
        let (year, month) = digits(year, 4)
            .zip(digits(month, 2))
            .ok_or_else(|| invalid("not a month"))?;
        i32::try_from(year)
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, month, 1))
    }
    .ok_or_else(|| invalid("not a month"))?;
    let last = first
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .ok_or_else(|| invalid("out of range"))?;
    let start = day_start(first, zone).map_err(|why| invalid(&why))?;
    let end = day_end(last, zone).map_err(|why| invalid(&why))?;
    for at in [start, end] {
        if let Some(why) = out_of_bounds(at) {
            return Err(invalid(&why));
        }
    }
    Ok(TimeRange {
        start,
        end,
        whole_days: Some(DateSpan { first, last }),
    })
}

/// Parses a TIME for one bound of the range (see the module documentation).
/// Errors are usage errors naming `--start` or `--end` and quoting the value.
pub fn parse_time(
    text: &str,
    bound: Bound,
    zone: &Zone,
    now: DateTime<Utc>,
) -> Result<DateTime<FixedOffset>, Error> {
    resolve_time(text, bound, zone, now).map(|r| r.at)
}

/// Parses a DURATION: `<N><m|h|d|w>` with N > 0 (`90m`, `36h`, `7d`, `2w`).
pub fn parse_duration(s: &str) -> Result<Duration, Error> {
    parse_span(s)
        .map(|span| span.duration)
        .map_err(|why| Error::usage(format!("invalid duration '{s}': {why}; {DURATION_FORMS}")))
}

/// A parsed DURATION: the exact length and whether it counts whole days (`d`, `w`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    duration: Duration,
    /// The number of calendar days for `d` and `w`, `None` for `m` and `h`.
    days: Option<u64>,
}

/// The reason (without the value, the option name or the accepted forms) when `s` is not
/// a DURATION.
fn parse_span(s: &str) -> Result<Span, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty".to_string());
    }
    if s.starts_with('-') {
        return Err("a duration cannot be negative".to_string());
    }
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    if digits.is_empty() {
        return Err("missing number".to_string());
    }
    let seconds_per_unit: i64 = match unit {
        "m" => 60,
        "h" | "H" => 3_600,
        "d" | "D" => 86_400,
        "w" | "W" => 604_800,
        "M" => return Err("months are not a unit, use days (30d)".to_string()),
        "s" | "S" => return Err("seconds are not a unit, use minutes (90m)".to_string()),
        "" => return Err("missing unit".to_string()),
        _ => return Err(format!("unknown unit '{unit}'")),
    };
    let too_long = || "the duration is too long".to_string();
    let count: u64 = digits.parse().map_err(|_| too_long())?;
    if count == 0 {
        return Err("a duration must be greater than zero".to_string());
    }
    let seconds = i64::try_from(count)
        .ok()
        .and_then(|n| n.checked_mul(seconds_per_unit))
        .ok_or_else(too_long)?;
    let duration = Duration::try_seconds(seconds).ok_or_else(too_long)?;
    let days = match seconds_per_unit {
        86_400 => Some(count),
        604_800 => count.checked_mul(7),
        _ => None,
    };
    Ok(Span { duration, days })
}

/// The start of `--last span` ending at `end`, or the reason it has none.
fn start_before(end: Resolved, span: Span, zone: &Zone) -> Result<DateTime<FixedOffset>, String> {
    let too_early = || "the range would start before the earliest supported time".to_string();
    match (end.day, span.days) {
        // Whole days ending with a whole day: start at midnight, `days - 1` days earlier
        // (`days >= 1`: zero durations are refused by `parse_span`).
        (Some(day), Some(days)) => {
            let first = day
                .checked_sub_days(Days::new(days - 1))
                .ok_or_else(too_early)?;
            day_start(first, zone)
        }
        // The span before the end of that day (the second after its last second).
        (Some(_), None) => end
            .at
            .checked_add_signed(Duration::seconds(1))
            .and_then(|exclusive_end| exclusive_end.checked_sub_signed(span.duration))
            .map(|at| zone.localize(&at))
            .ok_or_else(too_early),
        (None, _) => end
            .at
            .checked_sub_signed(span.duration)
            .map(|at| zone.localize(&at))
            .ok_or_else(too_early),
    }
}

fn resolve_time(
    text: &str,
    bound: Bound,
    zone: &Zone,
    now: DateTime<Utc>,
) -> Result<Resolved, Error> {
    let resolved = resolve_any_time(text, bound, zone, now)?;
    match out_of_bounds(resolved.at) {
        Some(why) => Err(Error::usage(format!(
            "invalid {} '{text}': {why}",
            bound.option()
        ))),
        None => Ok(resolved),
    }
}

/// A leap second (`23:59:60`): chrono keeps it as a nanosecond count of a second or more.
fn is_leap_second(time: &impl Timelike) -> bool {
    time.nanosecond() >= 1_000_000_000
}

const LEAP_SECOND: &str =
    "a leap second (:60) is not supported: providers count time without leap seconds; give :59";

/// [`resolve_time`] without the bounds check.
fn resolve_any_time(
    text: &str,
    bound: Bound,
    zone: &Zone,
    now: DateTime<Utc>,
) -> Result<Resolved, Error> {
    let option = bound.option();
    let invalid = |why: &str| {
        if why.is_empty() {
            Error::usage(format!("invalid {option} '{text}': {TIME_FORMS}"))
        } else {
            Error::usage(format!("invalid {option} '{text}': {why}"))
        }
    };
    let s = text.trim();
    if s.is_empty() {
        return Err(Error::usage(format!("{option} is empty: {TIME_FORMS}")));
    }

    let instant = |at: DateTime<FixedOffset>| Resolved {
        at: zone.localize(&at.trunc_subsecs(0)),
        day: None,
    };
    let whole_day = |day: NaiveDate| -> Result<Resolved, Error> {
        let at = match bound {
            Bound::Start => day_start(day, zone),
            Bound::End => day_end(day, zone),
        }
        .map_err(|why| invalid(&why))?;
        Ok(Resolved { at, day: Some(day) })
    };

    // Keywords.
    if s.eq_ignore_ascii_case("now") {
        return Ok(Resolved {
            at: now_in(zone, now),
            day: None,
        });
    }
    if s.eq_ignore_ascii_case("today") || s.eq_ignore_ascii_case("yesterday") {
        let today = zone.localize(&now).date_naive();
        let day = if s.eq_ignore_ascii_case("today") {
            Some(today)
        } else {
            today.pred_opt()
        };
        return whole_day(day.ok_or_else(|| invalid("out of range"))?);
    }

    // A duration ago: `7d`, `-7d` (digits, then letters).
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    if looks_like_duration(unsigned) {
        let span = parse_span(unsigned)
            .map_err(|why| invalid(&format!("{why} (read as a duration ago); {TIME_FORMS}")))?;
        let at = now
            .checked_sub_signed(span.duration)
            .ok_or_else(|| invalid("too far in the past"))?;
        return Ok(instant(at.fixed_offset()));
    }

    // All digits: `yyyymmdd` or unix seconds.
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.len() {
            // Ambiguous as unix seconds (1970–1973); read as a date, see the module docs.
            8 => match NaiveDate::parse_from_str(s, "%Y%m%d") {
                Ok(day) => whole_day(day),
                Err(_) => Err(invalid(
                    "an 8-digit number is read as a date yyyymmdd, and this is not a valid date",
                )),
            },
            9..=11 => {
                let at = s
                    .parse::<i64>()
                    .ok()
                    .and_then(|secs| DateTime::from_timestamp(secs, 0))
                    .ok_or_else(|| invalid("unix seconds out of range"))?;
                Ok(instant(at.fixed_offset()))
            }
            13 => Err(invalid(
                "this looks like unix milliseconds; give unix seconds (drop the last 3 digits)",
            )),
            _ => Err(invalid(&format!(
                "a number is read as unix seconds (9 to 11 digits, e.g. 1726070400) or a date \
                 yyyymmdd; {TIME_FORMS}"
            ))),
        };
    }

    // A date.
    if let Ok(day) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return whole_day(day);
    }

    // A date-time with an offset (RFC 3339, also with `Z`, a space, or no seconds).
    if let Some(at) = parse_with_offset(s) {
        if is_leap_second(&at) {
            return Err(invalid(LEAP_SECOND));
        }
        return Ok(instant(at));
    }

    // A date-time without an offset, read in the zone.
    if let Some(local) = parse_naive(s) {
        if is_leap_second(&local) {
            return Err(invalid(LEAP_SECOND));
        }
        let at = zone
            .from_local(local.trunc_subsecs(0))
            .map_err(|e| invalid(&e.to_string()))?;
        return Ok(instant(at));
    }

    Err(invalid(""))
}

/// `7d`, `36h`, `7x`, `0d`: one or more digits followed by letters only.
fn looks_like_duration(s: &str) -> bool {
    let rest = s.trim_start_matches(|c: char| c.is_ascii_digit());
    rest.len() < s.len() && !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphabetic())
}

/// `now` in the zone, whole seconds.
fn now_in(zone: &Zone, now: DateTime<Utc>) -> DateTime<FixedOffset> {
    zone.localize(&now.trunc_subsecs(0))
}

const OFFSET_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M%#z",
    "%Y-%m-%d %H:%M%#z",
];

fn parse_with_offset(s: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(s) {
        return Some(at);
    }
    let utc;
    let s = match s.strip_suffix(['Z', 'z']) {
        Some(rest) => {
            utc = format!("{rest}+00:00");
            utc.as_str()
        }
        None => s,
    };
    OFFSET_FORMATS
        .iter()
        .find_map(|f| DateTime::parse_from_str(s, f).ok())
}

const NAIVE_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];

fn parse_naive(s: &str) -> Option<NaiveDateTime> {
    NAIVE_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
}

/// The first instant of a calendar day in the zone: midnight, or when midnight falls in
/// a daylight-saving gap, the first wall-clock minute of that day that exists.
/// The reason is returned when no moment of the day exists (a skipped day).
pub fn day_start(day: NaiveDate, zone: &Zone) -> Result<DateTime<FixedOffset>, String> {
    let midnight = day.and_time(NaiveTime::MIN);
    if let Ok(at) = zone.from_local(midnight) {
        return Ok(zone.localize(&at));
    }
    // Gaps start and end on whole minutes in the tz database; scan the day.
    (1..24 * 60)
        .map(|m| midnight + Duration::minutes(m))
        .find_map(|local| zone.from_local(local).ok())
        .map(|at| zone.localize(&at))
        .ok_or_else(|| format!("{day} does not exist in {zone} (the whole day was skipped)"))
}

/// The last second of a calendar day in the zone: one second before the first instant
/// of the next day that exists (so 23- and 25-hour days are covered exactly).
pub fn day_end(day: NaiveDate, zone: &Zone) -> Result<DateTime<FixedOffset>, String> {
    let out_of_range = || format!("{day} is out of range");
    let mut next = day.succ_opt().ok_or_else(out_of_range)?;
    // Skip a following day that does not exist at all (Pacific/Apia, 2011-12-30).
    for _ in 0..3 {
        if let Ok(start) = day_start(next, zone) {
            return Ok(zone.localize(&(start - Duration::seconds(1))));
        }
        next = next.succ_opt().ok_or_else(out_of_range)?;
    }
    Err(format!("no end of {day} exists in {zone}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The pinned clock: 2025-11-20T10:15:00Z (18:15 in Shanghai, 05:15 in New York).
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 11, 20, 10, 15, 0).unwrap()
    }

    fn zone(s: &str) -> Zone {
        s.parse().unwrap()
    }

    fn args(start: Option<&str>, end: Option<&str>, last: Option<&str>) -> RangeArgs {
        RangeArgs {
            start: start.map(str::to_string),
            end: end.map(str::to_string),
            last: last.map(str::to_string),
            month: None,
        }
    }

    fn range(start: Option<&str>, end: Option<&str>, last: Option<&str>, tz: &str) -> TimeRange {
        resolve(&args(start, end, last), &zone(tz), now()).unwrap()
    }

    fn range_err(start: Option<&str>, end: Option<&str>, last: Option<&str>, tz: &str) -> Error {
        resolve(&args(start, end, last), &zone(tz), now()).unwrap_err()
    }

    /// Start and end as RFC 3339 strings, for compact assertions.
    fn strs(r: TimeRange) -> (String, String) {
        (r.start.to_rfc3339(), r.end.to_rfc3339())
    }

    fn start_of(text: &str, tz: &str) -> String {
        parse_time(text, Bound::Start, &zone(tz), now())
            .unwrap()
            .to_rfc3339()
    }

    fn end_of(text: &str, tz: &str) -> String {
        parse_time(text, Bound::End, &zone(tz), now())
            .unwrap()
            .to_rfc3339()
    }

    fn time_err(text: &str, bound: Bound, tz: &str) -> Error {
        parse_time(text, bound, &zone(tz), now()).unwrap_err()
    }

    fn assert_usage(e: &Error, needles: &[&str]) {
        assert_eq!(e.exit_code(), 2, "{e}");
        let msg = e.to_string();
        for n in needles {
            assert!(msg.contains(n), "{msg:?} does not contain {n:?}");
        }
    }

    // ---- TIME forms ----

    #[test]
    fn rfc3339_with_offset_is_the_same_instant_in_the_zone() {
        assert_eq!(
            start_of("2025-11-18T00:00:00+08:00", "Asia/Shanghai"),
            "2025-11-18T00:00:00+08:00"
        );
        assert_eq!(
            start_of("2025-11-18T00:00:00+08:00", "UTC"),
            "2025-11-17T16:00:00+00:00"
        );
        assert_eq!(
            start_of("2025-11-18T00:00:00Z", "Asia/Shanghai"),
            "2025-11-18T08:00:00+08:00"
        );
        assert_eq!(
            end_of("2025-11-18T00:00:00Z", "America/New_York"),
            "2025-11-17T19:00:00-05:00"
        );
    }

    #[test]
    fn offset_forms_beyond_strict_rfc3339_are_accepted() {
        for text in [
            "2025-11-18 00:00:00+08:00",
            "2025-11-18T00:00+08:00",
            "2025-11-18 00:00+0800",
            "2025-11-17T16:00:00z",
            "2025-11-17t16:00:00Z",
            "2025-11-17T16:00Z",
        ] {
            assert_eq!(
                start_of(text, "+08:00"),
                "2025-11-18T00:00:00+08:00",
                "{text}"
            );
        }
    }

    #[test]
    fn subseconds_are_truncated() {
        assert_eq!(
            start_of("2025-11-18T00:00:00.999+08:00", "+08:00"),
            "2025-11-18T00:00:00+08:00"
        );
        assert_eq!(
            end_of("2025-11-18 09:30:15.5", "+08:00"),
            "2025-11-18T09:30:15+08:00"
        );
        let r = resolve(
            &RangeArgs::default(),
            &Zone::UTC,
            now() + Duration::milliseconds(750),
        )
        .unwrap();
        assert_eq!(r.end.to_rfc3339(), "2025-11-20T10:15:00+00:00");
    }

    #[test]
    fn date_is_start_of_day_as_start_and_last_second_as_end() {
        assert_eq!(
            start_of("2025-11-18", "Asia/Shanghai"),
            "2025-11-18T00:00:00+08:00"
        );
        assert_eq!(
            end_of("2025-11-18", "Asia/Shanghai"),
            "2025-11-18T23:59:59+08:00"
        );
        assert_eq!(start_of("2025-11-18", "UTC"), "2025-11-18T00:00:00+00:00");
        assert_eq!(end_of("2025-11-18", "UTC"), "2025-11-18T23:59:59+00:00");
    }

    #[test]
    fn eight_digits_are_a_compact_date() {
        assert_eq!(start_of("20251118", "+08:00"), "2025-11-18T00:00:00+08:00");
        assert_eq!(end_of("20251118", "+08:00"), "2025-11-18T23:59:59+08:00");
        assert_usage(
            &time_err("20251318", Bound::Start, "UTC"),
            &["--start", "'20251318'", "yyyymmdd"],
        );
    }

    #[test]
    fn offsetless_date_times_are_read_in_the_zone() {
        assert_eq!(
            start_of("2025-11-18T09:30", "Asia/Shanghai"),
            "2025-11-18T09:30:00+08:00"
        );
        assert_eq!(
            start_of("2025-11-18 09:30:00", "Asia/Shanghai"),
            "2025-11-18T09:30:00+08:00"
        );
        assert_eq!(
            end_of("2025-11-18T09:30:45", "UTC"),
            "2025-11-18T09:30:45+00:00"
        );
        assert_eq!(
            end_of("2025-11-18 09:30", "America/New_York"),
            "2025-11-18T09:30:00-05:00"
        );
        // A date-time end is that exact second, not the end of the day or minute.
        assert_eq!(
            end_of("2025-11-18 09:30", "+08:00"),
            "2025-11-18T09:30:00+08:00"
        );
    }

    #[test]
    fn unix_seconds() {
        // 1726070400 = 2024-09-11T16:00:00Z
        assert_eq!(start_of("1726070400", "UTC"), "2024-09-11T16:00:00+00:00");
        assert_eq!(end_of("1726070400", "+08:00"), "2024-09-12T00:00:00+08:00");
        assert_eq!(start_of("999999999", "UTC"), "2001-09-09T01:46:39+00:00");
        assert_eq!(start_of("10000000000", "UTC"), "2286-11-20T17:46:40+00:00");
        assert_usage(
            &time_err("1726070400000", Bound::End, "UTC"),
            &["--end", "'1726070400000'", "milliseconds"],
        );
        assert_usage(
            &time_err("2025", Bound::Start, "UTC"),
            &["--start", "'2025'", "unix seconds"],
        );
    }

    #[test]
    fn keywords_now_today_yesterday() {
        // Shanghai: now is 2025-11-20 18:15.
        assert_eq!(
            start_of("now", "Asia/Shanghai"),
            "2025-11-20T18:15:00+08:00"
        );
        assert_eq!(end_of("NOW", "Asia/Shanghai"), "2025-11-20T18:15:00+08:00");
        assert_eq!(
            start_of("today", "Asia/Shanghai"),
            "2025-11-20T00:00:00+08:00"
        );
        assert_eq!(
            end_of("today", "Asia/Shanghai"),
            "2025-11-20T23:59:59+08:00"
        );
        assert_eq!(
            start_of("yesterday", "Asia/Shanghai"),
            "2025-11-19T00:00:00+08:00"
        );
        assert_eq!(
            end_of("Yesterday", "Asia/Shanghai"),
            "2025-11-19T23:59:59+08:00"
        );
        // "today" is the zone's today: still the 19th at 23:00 in -11:00.
        assert_eq!(start_of("today", "-11:00"), "2025-11-19T00:00:00-11:00");
        assert_eq!(end_of("yesterday", "-11:00"), "2025-11-18T23:59:59-11:00");
    }

    #[test]
    fn relative_durations_ago_with_every_unit() {
        assert_eq!(start_of("7d", "UTC"), "2025-11-13T10:15:00+00:00");
        assert_eq!(start_of("-7d", "UTC"), "2025-11-13T10:15:00+00:00");
        assert_eq!(start_of("36h", "UTC"), "2025-11-18T22:15:00+00:00");
        assert_eq!(start_of("90m", "UTC"), "2025-11-20T08:45:00+00:00");
        assert_eq!(start_of("2w", "UTC"), "2025-11-06T10:15:00+00:00");
        assert_eq!(end_of("-1h", "+08:00"), "2025-11-20T17:15:00+08:00");
        assert_eq!(start_of(" 7D ", "UTC"), "2025-11-13T10:15:00+00:00");
    }

    // ---- DURATION ----

    #[test]
    fn parse_duration_every_unit() {
        assert_eq!(parse_duration("90m").unwrap(), Duration::minutes(90));
        assert_eq!(parse_duration("36h").unwrap(), Duration::hours(36));
        assert_eq!(parse_duration("7d").unwrap(), Duration::days(7));
        assert_eq!(parse_duration("2w").unwrap(), Duration::weeks(2));
        assert_eq!(parse_duration("1W").unwrap(), Duration::weeks(1));
    }

    #[test]
    fn parse_duration_rejects_garbage_zero_negative_and_overflow() {
        for bad in [
            "",
            " ",
            "7",
            "d",
            "7x",
            "0d",
            "0m",
            "-7d",
            "+7d",
            "7.5d",
            "7 d",
            "7dd",
            "1M",
            "30s",
            "99999999999999999999d",
            "9223372036854775807w",
        ] {
            let e = parse_duration(bad).unwrap_err();
            assert_usage(&e, &[&format!("'{bad}'")]);
        }
        assert_usage(&parse_duration("0d").unwrap_err(), &["greater than zero"]);
        assert_usage(&parse_duration("-7d").unwrap_err(), &["negative"]);
        assert_usage(&parse_duration("1M").unwrap_err(), &["months"]);
        assert_usage(
            &parse_duration("7x").unwrap_err(),
            &["unknown unit 'x'", "<N><m|h|d|w>"],
        );
    }

    // ---- resolve ----

    #[test]
    fn default_is_last_7_days() {
        let r = range(None, None, None, "UTC");
        assert_eq!(
            strs(r),
            (
                "2025-11-13T10:15:00+00:00".into(),
                "2025-11-20T10:15:00+00:00".into()
            )
        );
        assert_eq!(r.duration(), Duration::days(7));
        assert_eq!(r, range(None, None, Some("7d"), "UTC"));
    }

    #[test]
    fn last_alone_with_every_unit() {
        let cases = [
            ("90m", "2025-11-20T16:45:00+08:00"),
            ("36h", "2025-11-19T06:15:00+08:00"),
            ("1d", "2025-11-19T18:15:00+08:00"),
            ("2w", "2025-11-06T18:15:00+08:00"),
        ];
        for (last, start) in cases {
            let r = range(None, None, Some(last), "Asia/Shanghai");
            assert_eq!(
                strs(r),
                (start.into(), "2025-11-20T18:15:00+08:00".into()),
                "{last}"
            );
            assert_eq!(r.duration(), parse_duration(last).unwrap());
        }
    }

    #[test]
    fn last_with_an_instant_end_is_the_span_before_it() {
        let r = range(
            None,
            Some("2025-11-18T12:00:00+08:00"),
            Some("36h"),
            "+08:00",
        );
        assert_eq!(
            strs(r),
            (
                "2025-11-17T00:00:00+08:00".into(),
                "2025-11-18T12:00:00+08:00".into()
            )
        );
    }

    #[test]
    fn last_days_with_a_date_end_is_whole_days() {
        let r = range(None, Some("2025-11-30"), Some("7d"), "Asia/Shanghai");
        assert_eq!(
            strs(r),
            (
                "2025-11-24T00:00:00+08:00".into(),
                "2025-11-30T23:59:59+08:00".into()
            )
        );
        let r = range(None, Some("today"), Some("1w"), "Asia/Shanghai");
        assert_eq!(
            strs(r),
            (
                "2025-11-14T00:00:00+08:00".into(),
                "2025-11-20T23:59:59+08:00".into()
            )
        );
        // Hours before the end of a day count from the following midnight.
        let r = range(None, Some("yesterday"), Some("36h"), "Asia/Shanghai");
        assert_eq!(
            strs(r),
            (
                "2025-11-18T12:00:00+08:00".into(),
                "2025-11-19T23:59:59+08:00".into()
            )
        );
    }

    #[test]
    fn end_alone_is_the_default_7_days_before_it() {
        let r = range(None, Some("2025-11-18T00:00:00Z"), None, "UTC");
        assert_eq!(
            strs(r),
            (
                "2025-11-11T00:00:00+00:00".into(),
                "2025-11-18T00:00:00+00:00".into()
            )
        );
    }

    #[test]
    fn start_alone_ends_now() {
        let r = range(Some("2025-11-18"), None, None, "Asia/Shanghai");
        assert_eq!(
            strs(r),
            (
                "2025-11-18T00:00:00+08:00".into(),
                "2025-11-20T18:15:00+08:00".into()
            )
        );
    }

    #[test]
    fn all_of_november_in_shanghai() {
        let r = range(
            Some("2025-11-01"),
            Some("2025-11-30"),
            None,
            "Asia/Shanghai",
        );
        assert_eq!(
            strs(r),
            (
                "2025-11-01T00:00:00+08:00".into(),
                "2025-11-30T23:59:59+08:00".into()
            )
        );
        assert_eq!(r.duration(), Duration::days(30) - Duration::seconds(1));
    }

    #[test]
    fn fixed_offset_zone() {
        let r = range(Some("2025-11-01"), Some("2025-11-01"), None, "+08:00");
        assert_eq!(
            strs(r),
            (
                "2025-11-01T00:00:00+08:00".into(),
                "2025-11-01T23:59:59+08:00".into()
            )
        );
        let r = range(Some("yesterday"), Some("today"), None, "-05:30");
        assert_eq!(
            strs(r),
            (
                "2025-11-19T00:00:00-05:30".into(),
                "2025-11-20T23:59:59-05:30".into()
            )
        );
    }

    #[test]
    fn utc_zone() {
        let r = range(Some("today"), Some("now"), None, "UTC");
        assert_eq!(
            strs(r),
            (
                "2025-11-20T00:00:00+00:00".into(),
                "2025-11-20T10:15:00+00:00".into()
            )
        );
    }

    #[test]
    fn start_equal_to_end_is_allowed() {
        let r = range(Some("now"), Some("now"), None, "UTC");
        assert_eq!(r.start, r.end);
        assert_eq!(r.duration(), Duration::zero());
    }

    #[test]
    fn relative_start_and_end() {
        let r = range(Some("-7d"), Some("1d"), None, "UTC");
        assert_eq!(
            strs(r),
            (
                "2025-11-13T10:15:00+00:00".into(),
                "2025-11-19T10:15:00+00:00".into()
            )
        );
    }

    // ---- daylight saving ----

    #[test]
    fn new_york_offsets_follow_the_instant() {
        let r = range(
            Some("2025-01-15"),
            Some("2025-07-15"),
            None,
            "America/New_York",
        );
        assert_eq!(
            strs(r),
            (
                "2025-01-15T00:00:00-05:00".into(),
                "2025-07-15T23:59:59-04:00".into()
            )
        );
    }

    #[test]
    fn range_across_spring_forward_keeps_per_instant_offsets() {
        // Berlin springs forward on 2025-03-30 at 02:00 (+01:00 → +02:00).
        let r = range(
            Some("2025-03-29"),
            Some("2025-03-30"),
            None,
            "Europe/Berlin",
        );
        assert_eq!(
            strs(r),
            (
                "2025-03-29T00:00:00+01:00".into(),
                "2025-03-30T23:59:59+02:00".into()
            )
        );
        // Two calendar days, one of them 23 hours long.
        assert_eq!(r.duration(), Duration::hours(47) - Duration::seconds(1));
    }

    #[test]
    fn range_across_fall_back_keeps_per_instant_offsets() {
        // New York falls back on 2025-11-02 at 02:00 (-04:00 → -05:00).
        let r = range(
            Some("2025-11-01"),
            Some("2025-11-03"),
            None,
            "America/New_York",
        );
        assert_eq!(
            strs(r),
            (
                "2025-11-01T00:00:00-04:00".into(),
                "2025-11-03T23:59:59-05:00".into()
            )
        );
        assert_eq!(r.duration(), Duration::hours(73) - Duration::seconds(1));
    }

    #[test]
    fn date_end_on_the_25_hour_day_is_its_last_second() {
        let ny = "America/New_York";
        assert_eq!(start_of("2025-11-02", ny), "2025-11-02T00:00:00-04:00");
        assert_eq!(end_of("2025-11-02", ny), "2025-11-02T23:59:59-05:00");
        let r = range(Some("2025-11-02"), Some("2025-11-02"), None, ny);
        assert_eq!(r.duration(), Duration::hours(25) - Duration::seconds(1));
        // The 23-hour spring-forward day.
        let r = range(Some("2025-03-09"), Some("2025-03-09"), None, ny);
        assert_eq!(
            strs(r),
            (
                "2025-03-09T00:00:00-05:00".into(),
                "2025-03-09T23:59:59-04:00".into()
            )
        );
        assert_eq!(r.duration(), Duration::hours(23) - Duration::seconds(1));
    }

    #[test]
    fn ambiguous_fall_back_time_takes_the_earlier_instant() {
        assert_eq!(
            start_of("2025-11-02 01:30", "America/New_York"),
            "2025-11-02T01:30:00-04:00"
        );
    }

    #[test]
    fn offsetless_time_in_the_spring_forward_gap_is_rejected() {
        let e = time_err("2025-03-09T02:30", Bound::Start, "America/New_York");
        assert_usage(&e, &["--start", "'2025-03-09T02:30'", "does not exist"]);
        let e = range_err(None, Some("2025-03-30 02:30:00"), None, "Europe/Berlin");
        assert_usage(
            &e,
            &["--end", "'2025-03-30 02:30:00'", "daylight-saving gap"],
        );
        // With an explicit offset the same wall time is a fine instant.
        assert_eq!(
            start_of("2025-03-09T02:30:00-05:00", "America/New_York"),
            "2025-03-09T03:30:00-04:00"
        );
    }

    #[test]
    fn day_whose_midnight_is_skipped_starts_at_its_first_instant() {
        // America/Havana springs forward at midnight: 2025-03-09 00:00 → 01:00.
        let havana = "America/Havana";
        assert_eq!(start_of("2025-03-09", havana), "2025-03-09T01:00:00-04:00");
        assert_eq!(end_of("2025-03-08", havana), "2025-03-08T23:59:59-05:00");
    }

    #[test]
    fn skipped_day_is_a_usage_error_as_start_and_skipped_as_end() {
        // Samoa skipped 2011-12-30 entirely.
        let apia = "Pacific/Apia";
        assert_usage(
            &time_err("2011-12-30", Bound::Start, apia),
            &["--start", "'2011-12-30'", "does not exist"],
        );
        assert_eq!(end_of("2011-12-29", apia), "2011-12-29T23:59:59-10:00");
    }

    // ---- errors ----

    #[test]
    fn last_with_start_is_a_usage_error() {
        let e = range_err(Some("2025-11-01"), None, Some("7d"), "UTC");
        assert_usage(&e, &["--last '7d'", "--start '2025-11-01'"]);
    }

    #[test]
    fn end_before_start_is_a_usage_error_naming_both() {
        let e = range_err(Some("2025-11-19"), Some("2025-11-18"), None, "UTC");
        assert_usage(
            &e,
            &[
                "--end '2025-11-18'",
                "--start '2025-11-19'",
                "2025-11-18T23:59:59+00:00",
                "2025-11-19T00:00:00+00:00",
            ],
        );
        // A start in the future with the default end (now).
        let e = range_err(Some("2030-01-01"), None, None, "UTC");
        assert_usage(
            &e,
            &[
                "--start '2030-01-01'",
                "in the future",
                "2025-11-20T10:15:00+00:00",
            ],
        );
        // A start one second after the end.
        let e = range_err(
            Some("2025-11-18T00:00:01Z"),
            Some("2025-11-18T00:00:00Z"),
            None,
            "UTC",
        );
        assert_usage(&e, &["before"]);
    }

    #[test]
    fn garbage_times_are_usage_errors_naming_the_option_and_forms() {
        for bad in [
            "2025-13-01",
            "2025-02-30",
            "2025-11-18T25:00",
            "7x",
            "0d",
            "",
            "   ",
            "tomorrow",
            "2025/11/18",
            "18-11-2025",
            "-1726070400",
            "2025-11-18T09:30+25:00",
        ] {
            for bound in [Bound::Start, Bound::End] {
                let e = time_err(bad, bound, "Asia/Shanghai");
                assert_usage(&e, &[bound.option()]);
                if !bad.trim().is_empty() {
                    assert_usage(&e, &[&format!("'{bad}'")]);
                }
            }
        }
        let e = time_err("2025-13-01", Bound::Start, "UTC");
        assert_eq!(
            e.to_string(),
            format!("invalid --start '2025-13-01': {TIME_FORMS}")
        );
        assert_usage(
            &time_err("", Bound::End, "UTC"),
            &["--end is empty", "RFC 3339"],
        );
        assert_usage(&time_err("0d", Bound::Start, "UTC"), &["greater than zero"]);
        assert_usage(
            &time_err("7x", Bound::Start, "UTC"),
            &["unknown unit", "RFC 3339"],
        );
    }

    #[test]
    fn garbage_last_is_a_usage_error_naming_last() {
        for bad in ["7x", "0d", "", "-7d", "7"] {
            let e = range_err(None, None, Some(bad), "UTC");
            assert_usage(&e, &["--last", &format!("'{bad}'"), "<N><m|h|d|w>"]);
        }
        // Errors in --end are reported even with --last.
        let e = range_err(None, Some("2025-13-01"), Some("7d"), "UTC");
        assert_usage(&e, &["--end '2025-13-01'"]);
    }

    // ---- years 1970–9999, leap seconds ----

    #[test]
    fn times_before_1970_or_after_9999_are_usage_errors() {
        for (start, end, last) in [
            (Some("0000-01-01"), None, None),
            (Some("1969-12-31"), Some("2025-11-01"), None),
            (Some("1969-12-31T23:59:59Z"), Some("2025-11-01"), None),
            (Some("1970-01-01T07:59:59+08:00"), Some("2025-11-01"), None),
            (None, None, Some("100000w")),
            (None, Some("1970-01-03"), Some("4d")),
            (Some("2025-11-01"), Some("9999-12-31T23:59:59-01:00"), None),
            (Some("3000000w"), None, None),
        ] {
            let e = range_err(start, end, last, "UTC");
            assert_usage(&e, &[]);
            let msg = e.to_string();
            assert!(
                msg.contains("1970-01-01T00:00:00Z") || msg.contains("9999-12-31T23:59:59Z"),
                "{msg}"
            );
        }
        // The edges themselves are fine.
        let r = range(Some("1970-01-01"), Some("9999-12-31"), None, "UTC");
        assert_eq!(r.start.timestamp(), 0);
        assert_eq!(r.end.to_rfc3339(), "9999-12-31T23:59:59+00:00");
        assert!(parse_time("100000000", Bound::Start, &zone("UTC"), now()).is_ok());
    }

    #[test]
    fn a_leap_second_is_refused_with_a_clear_message() {
        for text in [
            "2016-12-31T23:59:60Z",
            "2016-12-31T23:59:60+00:00",
            "2016-12-31 23:59:60",
            "2016-12-31T23:59:60",
        ] {
            let e = time_err(text, Bound::Start, "UTC");
            assert_usage(&e, &["leap second", &format!("'{text}'")]);
        }
    }

    // ---- --month and whole days ----

    fn month(text: &str, tz: &str) -> Result<TimeRange, Error> {
        let args = RangeArgs {
            month: Some(text.to_string()),
            ..Default::default()
        };
        resolve(&args, &zone(tz), now())
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn month_is_its_first_to_its_last_day() {
        let r = month("2025-02", "Asia/Shanghai").unwrap();
        assert_eq!(
            strs(r),
            (
                "2025-02-01T00:00:00+08:00".into(),
                "2025-02-28T23:59:59+08:00".into()
            )
        );
        let span = r.whole_days.unwrap();
        assert_eq!(
            (span.first, span.last),
            (day("2025-02-01"), day("2025-02-28"))
        );
        assert_eq!(span.dates().count(), 28);
        // Exactly --start <first day> --end <last day>.
        assert_eq!(
            r,
            range(
                Some("2025-02-01"),
                Some("2025-02-28"),
                None,
                "Asia/Shanghai"
            )
        );
        assert_eq!(
            month("2024-02", "UTC").unwrap().whole_days.unwrap().last,
            day("2024-02-29")
        );
        assert_eq!(
            strs(month("2025-12", "UTC").unwrap()).1,
            "2025-12-31T23:59:59+00:00"
        );
    }

    #[test]
    fn month_this_and_last_are_in_the_zone() {
        // Now is 2025-11-20 10:15 UTC.
        let this = month("this", "UTC").unwrap();
        assert_eq!(
            strs(this),
            (
                "2025-11-01T00:00:00+00:00".into(),
                "2025-11-30T23:59:59+00:00".into()
            )
        );
        let last = month("LAST", "America/New_York").unwrap();
        assert_eq!(
            strs(last),
            (
                "2025-10-01T00:00:00-04:00".into(),
                "2025-10-31T23:59:59-04:00".into()
            )
        );
        // January's "last" is December of the year before.
        let january = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
        let args = RangeArgs {
            month: Some("last".into()),
            ..Default::default()
        };
        let r = resolve(&args, &zone("UTC"), january).unwrap();
        assert_eq!(r.whole_days.unwrap().first, day("2025-12-01"));
    }

    #[test]
    fn month_with_other_range_options_or_garbage_is_a_usage_error() {
        for (start, end, last) in [
            (Some("2025-11-01"), None, None),
            (None, Some("2025-11-30"), None),
            (None, None, Some("7d")),
        ] {
            let mut args = args(start, end, last);
            args.month = Some("this".into());
            let e = resolve(&args, &zone("UTC"), now()).unwrap_err();
            assert_usage(&e, &["--month 'this'", "cannot be combined"]);
        }
        for bad in [
            "2025-13",
            "2025-1",
            "25-11",
            "next",
            "",
            "2025-11-01",
            "1969-12",
            "+2025-11",
        ] {
            assert_usage(&month(bad, "UTC").unwrap_err(), &["--month", "YYYY-MM"]);
        }
    }

    #[test]
    fn whole_days_are_known_only_when_both_ends_are_days() {
        let whole = |s, e, l| range(s, e, l, "Asia/Shanghai").whole_days;
        let span = |a: &str, b: &str| {
            Some(DateSpan {
                first: day(a),
                last: day(b),
            })
        };
        assert_eq!(
            whole(Some("2025-11-01"), Some("2025-11-30"), None),
            span("2025-11-01", "2025-11-30")
        );
        assert_eq!(
            whole(Some("2025-11-01"), Some("today"), None),
            span("2025-11-01", "2025-11-20")
        );
        assert_eq!(
            whole(Some("yesterday"), Some("yesterday"), None),
            span("2025-11-19", "2025-11-19")
        );
        assert_eq!(
            whole(None, Some("2025-11-30"), Some("7d")),
            span("2025-11-24", "2025-11-30")
        );
        assert_eq!(whole(Some("2025-11-01"), None, None), None);
        assert_eq!(whole(Some("2025-11-01"), Some("now"), None), None);
        assert_eq!(
            whole(Some("2025-11-01T00:00:00+08:00"), Some("2025-11-30"), None),
            None
        );
        assert_eq!(whole(None, Some("2025-11-30"), Some("36h")), None);
        assert_eq!(whole(None, None, Some("7d")), None);
    }

    #[test]
    fn overflowing_ranges_are_usage_errors() {
        let e = range_err(None, None, Some("9999999999w"), "UTC");
        assert_usage(&e, &["--last '9999999999w'"]);
        let e = range_err(None, Some("2025-11-30"), Some("99999999999d"), "UTC");
        assert_usage(&e, &["--last '99999999999d'", "earliest supported time"]);
        let e = range_err(None, Some("2025-11-30"), Some("999999999999m"), "UTC");
        assert_usage(&e, &["--last '999999999999m'"]);
        let e = time_err("9999999999w", Bound::Start, "UTC");
        assert_usage(&e, &["--start '9999999999w'"]);
    }
}
