//! How every output writes an instant (spec §5): RFC 3339, seconds precision, an explicit
//! offset (UTC as `+00:00`, never `Z`). Renderers, the store's export and `sync`'s
//! summaries share it.

use chrono::{DateTime, FixedOffset, SecondsFormat};

/// `2025-11-18T00:00:00+08:00`.
pub fn rfc3339(time: &DateTime<FixedOffset>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_and_an_explicit_offset_never_z() {
        let utc = DateTime::parse_from_rfc3339("2025-11-18T01:02:03.9Z").unwrap();
        assert_eq!(rfc3339(&utc), "2025-11-18T01:02:03+00:00");
        let east = DateTime::parse_from_rfc3339("2025-11-18T00:00:00+08:00").unwrap();
        assert_eq!(rfc3339(&east), "2025-11-18T00:00:00+08:00");
        let west = DateTime::parse_from_rfc3339("2025-11-18T00:00:00-05:30").unwrap();
        assert_eq!(rfc3339(&west), "2025-11-18T00:00:00-05:30");
    }
}
