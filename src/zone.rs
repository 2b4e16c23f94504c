//! `--tz`: an IANA zone, `UTC`, or a fixed offset such as `+08:00`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Named(Tz),
    Fixed(FixedOffset),
}

impl Zone {
    pub const UTC: Zone = Zone::Named(Tz::UTC);

    /// The offset in force at an instant.
    pub fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
        match self {
            Zone::Named(tz) => tz.offset_from_utc_datetime(&instant.naive_utc()).fix(),
            Zone::Fixed(offset) => *offset,
        }
    }

    /// An instant shown in this zone.
    pub fn localize<T: TimeZone>(&self, instant: &DateTime<T>) -> DateTime<FixedOffset> {
        let utc = instant.with_timezone(&Utc);
        utc.with_timezone(&self.offset_at(utc))
    }

    /// A wall-clock time read in this zone. In a daylight-saving gap the time does not
    /// exist (an error); in an overlap the earlier of the two instants is taken.
    pub fn from_local(&self, local: NaiveDateTime) -> Result<DateTime<FixedOffset>, Error> {
        let resolved = match self {
            Zone::Named(tz) => tz
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.fixed_offset()),
            Zone::Fixed(offset) => offset.from_local_datetime(&local).earliest(),
        };
        resolved.ok_or_else(|| {
            Error::usage(format!(
                "{local} does not exist in {self} (a daylight-saving gap); pick another time"
            ))
        })
    }

    /// The zone of this machine: `/etc/localtime`, else UTC. (`TZ` is the configuration's
    /// business: it reads it from its environment snapshot before asking this.)
    pub fn system() -> Zone {
        if let Ok(target) = std::fs::read_link("/etc/localtime") {
            let path = target.to_string_lossy();
            if let Some(idx) = path.find("zoneinfo/") {
                if let Ok(zone) = path[idx + "zoneinfo/".len()..].parse() {
                    return zone;
                }
            }
        }
        Zone::UTC
    }
}

impl FromStr for Zone {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("utc") || s.eq_ignore_ascii_case("z") {
            return Ok(Zone::UTC);
        }
        if let Some(offset) = parse_fixed_offset(s) {
            return Ok(Zone::Fixed(offset));
        }
        s.parse::<Tz>().map(Zone::Named).map_err(|_| {
            Error::usage(format!(
                "invalid time zone '{s}': use an IANA name (Asia/Shanghai), UTC, or an offset (+08:00)"
            ))
        })
    }
}

/// `+08:00`, `-0530`, `+8`, `UTC+8`.
fn parse_fixed_offset(s: &str) -> Option<FixedOffset> {
    let s = s
        .strip_prefix("UTC")
        .or_else(|| s.strip_prefix("GMT"))
        .unwrap_or(s);
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (hours, minutes) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    if hours.is_empty() || hours.len() > 2 || minutes.len() > 2 {
        return None;
    }
    let hours: i32 = hours.parse().ok()?;
    let minutes: i32 = minutes.parse().ok()?;
    if hours > 14 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Named(tz) => f.write_str(tz.name()),
            Zone::Fixed(offset) => write!(f, "{offset}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_utc_and_offsets() {
        assert_eq!("UTC".parse::<Zone>().unwrap(), Zone::UTC);
        assert_eq!(
            "Asia/Shanghai".parse::<Zone>().unwrap().to_string(),
            "Asia/Shanghai"
        );
        assert_eq!("+08:00".parse::<Zone>().unwrap().to_string(), "+08:00");
        assert_eq!("-0530".parse::<Zone>().unwrap().to_string(), "-05:30");
        assert_eq!("UTC+8".parse::<Zone>().unwrap().to_string(), "+08:00");
        assert!("Mars/Olympus".parse::<Zone>().is_err());
        assert!("+25:00".parse::<Zone>().is_err());
    }

    #[test]
    fn named_zone_follows_daylight_saving() {
        let ny: Zone = "America/New_York".parse().unwrap();
        let winter = Utc.with_ymd_and_hms(2025, 1, 15, 12, 0, 0).unwrap();
        let summer = Utc.with_ymd_and_hms(2025, 7, 15, 12, 0, 0).unwrap();
        assert_eq!(ny.offset_at(winter).local_minus_utc(), -5 * 3600);
        assert_eq!(ny.offset_at(summer).local_minus_utc(), -4 * 3600);
    }

    #[test]
    fn local_time_in_a_gap_is_refused() {
        let ny: Zone = "America/New_York".parse().unwrap();
        let gap = chrono::NaiveDate::from_ymd_opt(2025, 3, 9)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert!(ny.from_local(gap).is_err());
    }
}
