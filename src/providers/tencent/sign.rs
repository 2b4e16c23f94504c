//! TC3-HMAC-SHA256: the Tencent Cloud API 3.0 request signature.
//!
//! A pure function of its inputs: the timestamp and the credentials are parameters, nothing
//! here reads a clock. Every stage is computed by its own function and returned in
//! [`Tc3Signature`], so a mismatch can be located stage by stage (canonical request first).
//!
//! Only `content-type` and `host` are signed, as the official SDKs do. `X-TC-Action`,
//! `X-TC-Region`, `X-TC-Token` and the other `X-TC-*` headers travel unsigned.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::secret::Secret;

/// The algorithm name, first line of the string to sign and prefix of `Authorization`.
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";

/// The headers covered by the signature, in canonical (sorted) order.
pub const SIGNED_HEADERS: &str = "content-type;host";

/// The request as it will be sent. It holds no credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tc3Request<'a> {
    /// `POST` or `GET`, used as given.
    pub method: &'a str,
    /// `host[:port]` exactly as sent in the `Host` header.
    pub host: &'a str,
    /// The exact query string as sent, without `?` (`""` for POST).
    pub query: &'a str,
    /// The exact `Content-Type` value, e.g. `application/json`.
    pub content_type: &'a str,
    /// The exact body bytes (`b""` for GET).
    pub payload: &'a [u8],
    /// The service of the credential scope: `vod`, `lke`.
    pub service: &'a str,
}

/// Every stage of a TC3 signature. None of these strings contains the secret key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tc3Signature {
    pub canonical_request: String,
    pub string_to_sign: String,
    /// Lower-case hex HMAC-SHA256.
    pub signature: String,
    /// The full `Authorization` header value.
    pub authorization: String,
    /// `YYYY-MM-DD/service/tc3_request`.
    pub credential_scope: String,
}

/// Signs `request` as of `timestamp` (unix seconds). The credential date is the UTC date of
/// `timestamp`.
pub fn sign(
    request: &Tc3Request,
    secret_id: &str,
    secret_key: &Secret,
    timestamp: i64,
) -> Tc3Signature {
    let date = utc_date(timestamp);
    let canonical_request = canonical_request(request);
    let credential_scope = credential_scope(&date, request.service);
    let string_to_sign = string_to_sign(timestamp, &credential_scope, &canonical_request);
    let signature = signature(secret_key, &date, request.service, &string_to_sign);
    let authorization = authorization(secret_id, &credential_scope, &signature);
    Tc3Signature {
        canonical_request,
        string_to_sign,
        signature,
        authorization,
        credential_scope,
    }
}

/// Every header a TC3 request carries, Authorization included, in a stable order:
/// Authorization, Content-Type, Host, X-TC-Action, X-TC-Timestamp, X-TC-Version, then
/// X-TC-Region (if Some) and X-TC-Token (if Some).
///
/// `timestamp` must be the one `signature` was computed with.
pub fn headers(
    request: &Tc3Request,
    action: &str,
    version: &str,
    region: Option<&str>,
    token: Option<&Secret>,
    signature: &Tc3Signature,
    timestamp: i64,
) -> Vec<(String, String)> {
    let mut out = vec![
        ("Authorization".to_string(), signature.authorization.clone()),
        ("Content-Type".to_string(), request.content_type.to_string()),
        ("Host".to_string(), request.host.to_string()),
        ("X-TC-Action".to_string(), action.to_string()),
        ("X-TC-Timestamp".to_string(), timestamp.to_string()),
        ("X-TC-Version".to_string(), version.to_string()),
    ];
    if let Some(region) = region {
        out.push(("X-TC-Region".to_string(), region.to_string()));
    }
    if let Some(token) = token {
        out.push(("X-TC-Token".to_string(), token.expose().to_string()));
    }
    out
}

/// Stage 1. `METHOD\n/\nQUERY\ncontent-type:CT\nhost:HOST\n\ncontent-type;host\nHEX(SHA256(payload))`.
///
/// The canonical URI is always `/`; the query is the string as sent (not re-sorted, not
/// re-encoded); header values are used as given.
pub fn canonical_request(request: &Tc3Request) -> String {
    format!(
        "{method}\n/\n{query}\ncontent-type:{content_type}\nhost:{host}\n\n{SIGNED_HEADERS}\n{payload_hash}",
        method = request.method,
        query = request.query,
        content_type = request.content_type,
        host = request.host,
        payload_hash = sha256_hex(request.payload),
    )
}

/// `YYYY-MM-DD/service/tc3_request`, where the date is the UTC date of the timestamp.
pub fn credential_scope(date: &str, service: &str) -> String {
    format!("{date}/{service}/tc3_request")
}

/// Stage 2. `TC3-HMAC-SHA256\nTIMESTAMP\nSCOPE\nHEX(SHA256(canonical_request))`.
pub fn string_to_sign(timestamp: i64, credential_scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{timestamp}\n{credential_scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// Stage 3. The derived key chain `"TC3"+key -> date -> service -> "tc3_request"`, then the
/// HMAC of the string to sign, as lower-case hex.
pub fn signature(secret_key: &Secret, date: &str, service: &str, string_to_sign: &str) -> String {
    let mut key = Vec::with_capacity(3 + secret_key.expose().len());
    key.extend_from_slice(b"TC3");
    key.extend_from_slice(secret_key.expose().as_bytes());
    let secret_date = hmac_sha256(&key, date.as_bytes());
    let secret_service = hmac_sha256(&secret_date, service.as_bytes());
    let secret_signing = hmac_sha256(&secret_service, b"tc3_request");
    hex::encode(hmac_sha256(&secret_signing, string_to_sign.as_bytes()))
}

/// Stage 4. The `Authorization` header value.
pub fn authorization(secret_id: &str, credential_scope: &str, signature: &str) -> String {
    format!(
        "{ALGORITHM} Credential={secret_id}/{credential_scope}, SignedHeaders={SIGNED_HEADERS}, Signature={signature}"
    )
}

/// The UTC calendar date `YYYY-MM-DD` of a unix timestamp. Total for every `i64`
/// (proleptic Gregorian calendar; days-to-civil conversion after H. Hinnant), so the signer
/// needs no fallible date library call.
pub fn utc_date(timestamp: i64) -> String {
    let days = timestamp.div_euclid(86_400);
    // Shift the epoch to 0000-03-01 so leap days fall at the end of a 400-year era.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // [0, 399]
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let mp = (5 * day_of_year + 2) / 153; // [0, 11], March = 0
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC is defined for keys of every length (long keys are hashed, short ones padded),
    // so `new_from_slice` cannot fail for HMAC-SHA256.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    const VECTORS: &str = include_str!("../../../tests/vectors/tc3.json");

    #[derive(Deserialize)]
    struct File {
        algorithm: String,
        cases: Vec<Case>,
    }

    #[derive(Deserialize)]
    struct Case {
        name: String,
        secret_id: String,
        secret_key: String,
        token: Option<String>,
        service: String,
        host: String,
        region: Option<String>,
        action: String,
        version: String,
        timestamp: i64,
        method: String,
        content_type: String,
        payload: String,
        query: String,
        canonical_request: String,
        string_to_sign: String,
        signature: String,
        authorization: String,
        headers: std::collections::BTreeMap<String, String>,
    }

    fn cases() -> Vec<Case> {
        let file: File = serde_json::from_str(VECTORS).expect("tc3.json parses");
        assert_eq!(file.algorithm, ALGORITHM);
        assert!(!file.cases.is_empty());
        file.cases
    }

    fn request(case: &Case) -> Tc3Request<'_> {
        Tc3Request {
            method: &case.method,
            host: &case.host,
            query: &case.query,
            content_type: &case.content_type,
            payload: case.payload.as_bytes(),
            service: &case.service,
        }
    }

    #[test]
    fn every_vector_matches_stage_by_stage() {
        let cases = cases();
        assert_eq!(cases.len(), 16);
        for case in &cases {
            let name = &case.name;
            let secret = Secret::new(case.secret_key.clone());
            let got = sign(&request(case), &case.secret_id, &secret, case.timestamp);
            assert_eq!(
                got.canonical_request, case.canonical_request,
                "{name}: canonical_request"
            );
            assert_eq!(
                got.string_to_sign, case.string_to_sign,
                "{name}: string_to_sign"
            );
            assert_eq!(got.signature, case.signature, "{name}: signature");
            assert_eq!(
                got.authorization, case.authorization,
                "{name}: authorization"
            );
            // The scope is the third line of the string to sign.
            assert_eq!(
                case.string_to_sign.lines().nth(2),
                Some(got.credential_scope.as_str()),
                "{name}: credential_scope"
            );
        }
    }

    #[test]
    fn every_vector_headers_match_the_sdk() {
        const COMPARED: [&str; 8] = [
            "Authorization",
            "Content-Type",
            "Host",
            "X-TC-Action",
            "X-TC-Timestamp",
            "X-TC-Version",
            "X-TC-Region",
            "X-TC-Token",
        ];
        for case in &cases() {
            let name = &case.name;
            let secret = Secret::new(case.secret_key.clone());
            let token = case.token.clone().map(Secret::new);
            let req = request(case);
            let sig = sign(&req, &case.secret_id, &secret, case.timestamp);
            let got = headers(
                &req,
                &case.action,
                &case.version,
                case.region.as_deref(),
                token.as_ref(),
                &sig,
                case.timestamp,
            );
            // Same values as the SDK for every header we send...
            for (header, value) in &got {
                assert_eq!(
                    case.headers.get(header),
                    Some(value),
                    "{name}: header {header}"
                );
            }
            // ...and nothing of the compared set missing (region and token only when given).
            for header in COMPARED {
                assert_eq!(
                    got.iter().any(|(h, _)| h == header),
                    case.headers.contains_key(header),
                    "{name}: presence of {header}"
                );
            }
            // The documented order.
            let order: Vec<&str> = got.iter().map(|(h, _)| h.as_str()).collect();
            let expected: Vec<&str> = COMPARED
                .iter()
                .copied()
                .filter(|h| case.headers.contains_key(*h))
                .collect();
            assert_eq!(order, expected, "{name}: header order");
        }
    }

    #[test]
    fn credential_date_is_the_utc_date() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(-1), "1969-12-31");
        assert_eq!(utc_date(1_767_225_599), "2025-12-31");
        assert_eq!(utc_date(1_767_225_600), "2026-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(4_107_542_400), "2100-03-01");
        // Agrees with chrono across leap years, century rules and negative times.
        let mut t = -10_000_000_000_i64;
        while t < 10_000_000_000 {
            let expected = chrono::DateTime::from_timestamp(t, 0)
                .expect("in range")
                .format("%Y-%m-%d")
                .to_string();
            assert_eq!(utc_date(t), expected, "timestamp {t}");
            t += 7_777_777;
        }
        // Total: extreme inputs do not panic.
        let _ = utc_date(i64::MAX);
        let _ = utc_date(i64::MIN);
    }

    #[test]
    fn debug_never_shows_the_secret_key() {
        for case in &cases() {
            let secret = Secret::new(case.secret_key.clone());
            let req = request(case);
            let sig = sign(&req, &case.secret_id, &secret, case.timestamp);
            let text = format!("{req:?} {sig:?} {secret:?}");
            assert!(!text.contains(&case.secret_key), "{}", case.name);
        }
    }
}
