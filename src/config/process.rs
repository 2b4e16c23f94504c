//! Settings of the process rather than of a provider, read from the one environment
//! snapshot: the pinned clock (`AIGCUSAGE_NOW`) and extra TLS roots (`SSL_CERT_FILE`).

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::vars;
use crate::error::Error;

/// `AIGCUSAGE_NOW` (RFC 3339 or unix seconds): reproducible reports "as of" a moment, and
/// tests of ranges relative to now. `None` when unset or empty.
pub fn pinned_now(value: Option<&str>) -> Result<Option<DateTime<Utc>>, Error> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let parsed = DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            value
                .parse::<i64>()
                .ok()
                .and_then(|s| DateTime::from_timestamp(s, 0))
        });
    parsed.map(Some).ok_or_else(|| {
        Error::config(format!(
            "{}='{value}' is not an RFC 3339 time or unix seconds",
            vars::AIGCUSAGE_NOW
        ))
    })
}

/// `SSL_CERT_FILE`: a PEM bundle of roots to trust besides the built-in ones.
pub fn ssl_cert_file(value: Option<&str>) -> Option<PathBuf> {
    value.filter(|v| !v.is_empty()).map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_rfc3339_or_unix_seconds() {
        assert_eq!(pinned_now(None).unwrap(), None);
        assert_eq!(pinned_now(Some("")).unwrap(), None);
        let t = pinned_now(Some("2025-11-18T08:00:00+08:00"))
            .unwrap()
            .unwrap();
        assert_eq!(t.to_rfc3339(), "2025-11-18T00:00:00+00:00");
        assert_eq!(pinned_now(Some("1763424000")).unwrap(), Some(t));
        let e = pinned_now(Some("yesterday")).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().starts_with("AIGCUSAGE_NOW='yesterday'"));
    }
}
