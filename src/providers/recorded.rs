//! What every provider's recorded `--demo` answers share: a JSON answer and a stable
//! pseudo-random variation. Imports no provider, so provider demos and the responder that
//! asks them form no circle.

use crate::transport::HttpResponse;

/// How far back a demo answer reaches: the last 366 days of the asked range, like the
/// providers' own retention (VOD keeps 365 days). A far-past range (`--start 1971-01-01`)
/// then gets a bounded answer, not one point per hour of fifty years.
pub const DEMO_DAYS: i64 = 366;

/// The first second a demo answer covers for a range `start..=end` (unix seconds).
pub fn demo_start(start: i64, end: i64) -> i64 {
    start.max(end.saturating_sub(DEMO_DAYS * 86_400))
}

pub fn json_response(body: serde_json::Value) -> HttpResponse {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    HttpResponse {
        status: 200,
        headers,
        body: body.to_string().into_bytes(),
    }
}

/// A factor between 0.5 and 1.5 that depends only on `key`: demo values vary from bucket
/// to bucket, and are the same on every run.
pub fn variation(key: &str) -> f64 {
    // FNV-1a: small, stable across platforms and releases.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // A splitmix64 finish, so that keys differing only in their last digit (consecutive
    // days) land far apart.
    hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^= hash >> 31;
    0.5 + (hash % 1001) as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demo_answer_reaches_back_at_most_366_days() {
        let end = 1_800_000_000;
        assert_eq!(demo_start(0, end), end - 366 * 86_400);
        assert_eq!(demo_start(end - 86_400, end), end - 86_400);
        assert_eq!(demo_start(i64::MIN, i64::MIN + 5), i64::MIN);
    }

    #[test]
    fn variation_is_stable_and_bounded() {
        assert_eq!(variation("2025-11-18"), variation("2025-11-18"));
        for day in 1..=28 {
            let v = variation(&format!("2025-11-{day:02}"));
            assert!((0.5..=1.5).contains(&v));
        }
    }
}
