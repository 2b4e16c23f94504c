//! How point times are shown (spec §5).
//!
//! Sub-daily points (5m, 15m, hour, or no granularity) are shown in the query's zone.
//! Day-or-longer buckets keep the offset the provider gave them, so a VOD day that starts
//! `2025-11-18T00:00:00+08:00` is printed so whatever `--tz` is: a day is never shifted.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{DateTime, FixedOffset, NaiveDateTime, Timelike};

use crate::series::Granularity;
use crate::timestamp::rfc3339;
use crate::zone::Zone;

/// True when a point of this granularity keeps its own offset.
pub fn keeps_own_offset(granularity: Option<Granularity>) -> bool {
    granularity.is_some_and(Granularity::is_calendar)
}

/// The point's time as it is shown: in `tz` for sub-daily points, as given otherwise.
pub fn shown(
    time: &DateTime<FixedOffset>,
    granularity: Option<Granularity>,
    tz: &Zone,
) -> DateTime<FixedOffset> {
    if keeps_own_offset(granularity) {
        *time
    } else {
        tz.localize(time)
    }
}

/// The compact time of a table row: `2025-11-18` for day and week buckets, `2025-11` for
/// months, `2025-11-18 09:30` (seconds only when not zero) for sub-daily points, after
/// the same display rule as [`shown`].
pub fn compact(
    time: &DateTime<FixedOffset>,
    granularity: Option<Granularity>,
    tz: &Zone,
) -> String {
    let t = shown(time, granularity, tz);
    match granularity {
        Some(Granularity::Month) => t.format("%Y-%m").to_string(),
        Some(g) if g.is_calendar() => t.format("%Y-%m-%d").to_string(),
        _ => wall_clock(&t),
    }
}

/// `2025-11-18 09:30`, or `2025-11-18 23:59:59` when the seconds are not zero.
pub fn wall_clock(time: &DateTime<FixedOffset>) -> String {
    if time.second() == 0 {
        time.format("%Y-%m-%d %H:%M").to_string()
    } else {
        time.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// An RFC 3339 time kept inline (no allocation per point).
#[derive(Clone, Copy)]
pub struct TimeStr {
    buf: [u8; 40],
    len: u8,
}

impl TimeStr {
    fn new(s: &str) -> Self {
        let mut buf = [0u8; 40];
        // RFC 3339 from chrono is ASCII and at most 28 bytes (6-digit signed years);
        // cut at a char boundary all the same.
        let mut len = s.len().min(buf.len());
        while !s.is_char_boundary(len) {
            len -= 1;
        }
        buf[..len].copy_from_slice(&s.as_bytes()[..len]);
        Self {
            buf,
            // `len` is at most 40.
            len: len as u8,
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or_default()
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
}

impl serde::Serialize for TimeStr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Debug for TimeStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A small multiplicative hasher for the cache's integer keys (the default SipHash
/// would dominate the per-point cost).
#[derive(Default)]
struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }

    fn write_i64(&mut self, i: i64) {
        self.add(i as u64);
    }

    fn write_i32(&mut self, i: i32) {
        self.add(u64::from(i as u32));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Marks a key whose time is shown in the query's zone (not in the point's own offset).
const IN_ZONE: i32 = i32::MIN;

/// A point's instant and how it is shown: its own offset (in seconds), or [`IN_ZONE`].
type Key = (NaiveDateTime, i32);

/// Formats each distinct shown time once: 2,000 series over the same 365 days cost 365
/// formattings, not 730,000.
///
/// Series of one report mostly have the same times in the same order, so the entry after
/// the one found last is tried before any hashing.
pub struct TimeCache {
    tz: Zone,
    map: HashMap<Key, usize, BuildHasherDefault<FxHasher>>,
    /// Every distinct time, in the order first asked for.
    entries: Vec<(Key, TimeStr)>,
    /// The entry the next call most likely asks for.
    next: usize,
}

impl TimeCache {
    pub fn new(tz: Zone) -> Self {
        Self {
            tz,
            map: HashMap::default(),
            entries: Vec::new(),
            next: 0,
        }
    }

    /// The RFC 3339 text of a point's time, after the display rule of [`shown`].
    #[inline]
    pub fn get(
        &mut self,
        time: &DateTime<FixedOffset>,
        granularity: Option<Granularity>,
    ) -> TimeStr {
        let own = keeps_own_offset(granularity);
        let mode = if own {
            time.offset().local_minus_utc()
        } else {
            IN_ZONE
        };
        // The text depends on the instant to the second and on `mode`; a fraction of a
        // second makes another entry with the same text.
        let key = (time.naive_utc(), mode);
        if let Some((expected, text)) = self.entries.get(self.next) {
            if *expected == key {
                self.next += 1;
                return *text;
            }
        }
        let at = match self.map.get(&key) {
            Some(&at) => at,
            None => {
                let text = TimeStr::new(&rfc3339(&shown(time, granularity, &self.tz)));
                let at = self.entries.len();
                self.entries.push((key, text));
                self.map.insert(key, at);
                at
            }
        };
        self.next = at + 1;
        self.entries[at].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn utc_prints_as_offset_not_z() {
        assert_eq!(
            rfc3339(&t("2025-11-18T01:30:00Z")),
            "2025-11-18T01:30:00+00:00"
        );
    }

    #[test]
    fn day_buckets_keep_their_offset_and_sub_daily_points_move_to_the_zone() {
        let day = t("2025-11-18T00:00:00+08:00");
        let tz = Zone::UTC;
        assert_eq!(
            rfc3339(&shown(&day, Some(Granularity::Day), &tz)),
            "2025-11-18T00:00:00+08:00"
        );
        assert_eq!(
            rfc3339(&shown(&day, Some(Granularity::FiveMinutes), &tz)),
            "2025-11-17T16:00:00+00:00"
        );
        assert_eq!(
            rfc3339(&shown(&day, None, &tz)),
            "2025-11-17T16:00:00+00:00"
        );
        assert_eq!(compact(&day, Some(Granularity::Day), &tz), "2025-11-18");
        assert_eq!(compact(&day, Some(Granularity::Month), &tz), "2025-11");
        assert_eq!(
            compact(
                &t("2025-11-18T09:30:00+08:00"),
                Some(Granularity::Hour),
                &tz
            ),
            "2025-11-18 01:30"
        );
        assert_eq!(
            compact(&t("2025-11-18T09:30:15+08:00"), None, &tz),
            "2025-11-18 01:30:15"
        );
    }

    #[test]
    fn named_zones_follow_daylight_saving() {
        let ny: Zone = "America/New_York".parse().unwrap();
        let summer = t("2025-07-01T12:00:00Z");
        assert_eq!(
            rfc3339(&shown(&summer, Some(Granularity::Hour), &ny)),
            "2025-07-01T08:00:00-04:00"
        );
    }

    #[test]
    fn cache_distinguishes_offsets_of_calendar_points() {
        let mut cache = TimeCache::new(Zone::UTC);
        let a = t("2025-11-18T00:00:00+08:00");
        let b = t("2025-11-17T16:00:00+00:00"); // the same instant
        assert_eq!(
            cache.get(&a, Some(Granularity::Day)).as_str(),
            "2025-11-18T00:00:00+08:00"
        );
        assert_eq!(
            cache.get(&b, Some(Granularity::Day)).as_str(),
            "2025-11-17T16:00:00+00:00"
        );
        assert_eq!(
            cache.get(&a, Some(Granularity::FiveMinutes)).as_str(),
            "2025-11-17T16:00:00+00:00"
        );
        assert_eq!(cache.get(&a, None).as_str(), "2025-11-17T16:00:00+00:00");
        assert_eq!(cache.map.len(), 3);
    }

    #[test]
    fn cache_answers_as_formatting_does_whatever_the_order() {
        let ny: Zone = "America/New_York".parse().unwrap();
        let mut cache = TimeCache::new(ny);
        let base = t("2025-03-08T00:00:00+08:00");
        let times: Vec<DateTime<FixedOffset>> = (0..30)
            .map(|i| base + chrono::Duration::hours(7 * i))
            .collect();
        let granularities = [None, Some(Granularity::Hour), Some(Granularity::Day)];
        // The same times again and again (the expected case), then shifted, reversed,
        // with gaps and with fractions of a second.
        let mut sequence: Vec<DateTime<FixedOffset>> = Vec::new();
        for _ in 0..3 {
            sequence.extend(&times);
        }
        sequence.extend(&times[5..]);
        sequence.extend(times.iter().rev());
        sequence.extend(times.iter().step_by(3));
        sequence.extend(
            times
                .iter()
                .map(|t| *t + chrono::Duration::milliseconds(500)),
        );
        for g in granularities {
            for time in &sequence {
                assert_eq!(
                    cache.get(time, g).as_str(),
                    rfc3339(&shown(time, g, &ny)),
                    "{time} {g:?}"
                );
            }
        }
    }
}
