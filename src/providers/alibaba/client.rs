//! Alibaba Cloud ROA-style GET requests signed with ACS3-HMAC-SHA256, over the shared
//! transport, and the two ways Alibaba reports an error:
//! - the API gateway (bad signature, throttling, reused nonce) answers non-2xx with
//!   `{"RequestId", "Code", "Message", "HostId", "Recommend"}`;
//! - the product itself answers `{"success": false, "errCode", "errMessage", "requestId"}`,
//!   also under HTTP 200.
//!
//! Every attempt gets a fresh `x-acs-date` and `x-acs-signature-nonce`, hence a fresh
//! signature: the gateway refuses a nonce it has seen.

use rand::RngCore;
use serde_json::Value;

use super::credentials::AlibabaCredentials;
use crate::error::{first_line, Error, Target};
use crate::transport::{Call, HttpRequest, HttpResponse, Method, Transport, Verdict};

use super::sign::{self, Acs3Request};

/// One API of an Alibaba Cloud product.
#[derive(Debug, Clone, Copy)]
pub struct Api {
    /// Our provider label in messages: `alibaba modelrouter`.
    pub provider: &'static str,
    /// `x-acs-action`.
    pub action: &'static str,
    /// `x-acs-version`.
    pub version: &'static str,
    /// The ROA path, e.g. `/api/v1/modelRouter/open/billing/cost/trend`.
    pub path: &'static str,
}

impl Api {
    pub fn target(&self) -> Target {
        Target::new(self.provider, self.action)
    }
}

pub struct Client<'a> {
    pub transport: &'a Transport,
    pub credentials: &'a AlibabaCredentials,
    /// Base URL with scheme and optional port.
    pub endpoint: String,
}

impl Client<'_> {
    /// Sends a signed GET with `query` (unencoded pairs) and returns the JSON answer of a
    /// successful call. Errors: gateway and `success: false` answers → `Error::Provider`
    /// (exit 4); non-JSON, 5xx, network → `Error::Network` (exit 5).
    pub async fn get(&self, api: &Api, query: &[(String, String)]) -> Result<Value, Error> {
        let target = api.target();
        let (scheme, host) = split_endpoint(&self.endpoint)?;
        let wire = sign::wire_query(query);
        let url = if wire.is_empty() {
            format!("{scheme}://{host}{}", api.path)
        } else {
            format!("{scheme}://{host}{}?{wire}", api.path)
        };

        let mut redact = vec![
            self.credentials.id.clone(),
            self.credentials.secret.expose().to_string(),
        ];
        if let Some(token) = &self.credentials.token {
            redact.push(token.expose().to_string());
        }
        let call = Call {
            target: target.clone(),
            rate_key: format!("alibaba:{}", api.action),
            idempotent: true,
            redact,
        };

        let build = || -> Result<HttpRequest, Error> {
            // A fresh date and nonce for every attempt: the gateway refuses a reused nonce.
            let date = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
            let nonce = fresh_nonce();
            let mut headers = sign::base_headers(
                &host,
                api.action,
                api.version,
                &date,
                &nonce,
                b"",
                self.credentials.token.as_ref(),
            );
            // Signed exactly as sent; reqwest's own user-agent is not signed (the gateway
            // only requires host and the x-acs-* headers to be).
            headers.push(("accept".to_string(), "application/json".to_string()));
            let signature = sign::sign(
                &Acs3Request {
                    method: "GET",
                    pathname: api.path,
                    query,
                    headers: &headers,
                    body: b"",
                },
                &self.credentials.id,
                &self.credentials.secret,
            );
            headers.push(("authorization".to_string(), signature.authorization));
            Ok(HttpRequest {
                method: Method::Get,
                url: url.clone(),
                headers,
                body: Vec::new(),
            })
        };
        let classify = |response: &HttpResponse| match error_fields(response.status, &response.body)
        {
            Some(fields) if retryable_code(&fields.code) => Verdict::Retry(fields.code),
            _ => Verdict::Accept,
        };

        let redact = call.redact.clone();
        let response = self
            .transport
            .send(&call, build, classify)
            .await
            .map_err(|e| e.redacted(&redact))?;
        decode(&target, &response).map_err(|e| e.redacted(&redact))
    }
}

/// Throttling and busy codes are worth another attempt (spec §7).
pub fn retryable_code(code: &str) -> bool {
    code.starts_with("Throttling") || code == "ServiceUnavailable"
}

/// A 32-hex-digit random nonce.
fn fresh_nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// `(scheme, host[:port])` of a base URL; the host is what is signed and sent.
fn split_endpoint(endpoint: &str) -> Result<(String, String), Error> {
    let invalid = |why: &str| {
        Error::config(format!(
            "invalid Alibaba Cloud ModelRouter endpoint '{endpoint}': {why}"
        ))
    };
    let url = url::Url::parse(endpoint).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        (None, _) => return Err(invalid("no host")),
    };
    Ok((url.scheme().to_string(), host))
}

/// An error's code, message and request id, from either error shape.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ErrorFields {
    code: String,
    message: String,
    request_id: Option<String>,
}

/// The first of `keys` that holds a non-empty string (or a number) in `object`.
fn text_field(object: &serde_json::Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| match object.get(*key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

const CODE_KEYS: &[&str] = &["Code", "code", "errCode", "err_code", "errorCode"];
const MESSAGE_KEYS: &[&str] = &[
    "Message",
    "message",
    "errMessage",
    "err_message",
    "errorMessage",
];
const REQUEST_ID_KEYS: &[&str] = &["RequestId", "requestId", "request_id"];

fn request_id_of(object: &serde_json::Map<String, Value>) -> Option<String> {
    text_field(object, REQUEST_ID_KEYS)
}

/// The error an answer carries, if it is one: `success: false`, or a gateway error (a
/// `Code` without a `success` field; under a 2xx only the gateway's own `Code` spelling
/// counts, so a product's informational `code: 200` is not mistaken for an error).
/// `success: true` wins over any `errCode` (the seed example has both).
fn error_fields(status: u16, body: &[u8]) -> Option<ErrorFields> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    match object.get("success") {
        Some(Value::Bool(true)) => None,
        Some(Value::Bool(false)) => Some(ErrorFields {
            code: text_field(object, CODE_KEYS).unwrap_or_else(|| "UnknownError".to_string()),
            message: text_field(object, MESSAGE_KEYS)
                .unwrap_or_else(|| "the answer says success: false".to_string()),
            request_id: request_id_of(object),
        }),
        _ if (200..300).contains(&status) => {
            text_field(object, &["Code"]).map(|code| ErrorFields {
                code,
                message: text_field(object, MESSAGE_KEYS).unwrap_or_default(),
                request_id: request_id_of(object),
            })
        }
        _ => text_field(object, CODE_KEYS).map(|code| ErrorFields {
            code,
            message: text_field(object, MESSAGE_KEYS).unwrap_or_default(),
            request_id: request_id_of(object),
        }),
    }
}

/// Turns an answer into its JSON, or the error it carries.
fn decode(target: &Target, response: &HttpResponse) -> Result<Value, Error> {
    let status = response.status;
    let Ok(value) = serde_json::from_slice::<Value>(&response.body) else {
        return Err(Error::network(
            target,
            format!(
                "HTTP {status}: the answer is not JSON: {}",
                first_line(&response.body)
            ),
        ));
    };
    if let Some(fields) = error_fields(status, &response.body) {
        return Err(Error::Provider {
            target: target.clone(),
            code: fields.code,
            message: fields.message,
            request_id: fields.request_id,
        });
    }
    if !response.is_success() {
        let request_id = value.as_object().and_then(request_id_of);
        return Err(Error::Provider {
            target: target.clone(),
            code: format!("HTTP {status}"),
            message: first_line(&response.body),
            request_id,
        });
    }
    if !value.is_object() {
        return Err(Error::network(
            target,
            format!(
                "HTTP {status}: the answer is not a JSON object: {}",
                first_line(&response.body)
            ),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: Default::default(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn target() -> Target {
        Target::new("alibaba modelrouter", "ModelRouterQueryCostTrendMetrics")
    }

    #[test]
    fn gateway_error_is_a_provider_error_with_code_message_and_request_id() {
        let body = r#"{"RequestId":"R-1","HostId":"aicontent.aliyuncs.com","Code":"SignatureDoesNotMatch","Message":"The request signature does not conform to Aliyun standards.","Recommend":"https://api.aliyun.com/troubleshoot"}"#;
        let err = decode(&target(), &response(400, body)).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert_eq!(
            err.to_string(),
            "alibaba modelrouter ModelRouterQueryCostTrendMetrics: SignatureDoesNotMatch: \
             The request signature does not conform to Aliyun standards. (RequestId R-1)"
        );
    }

    #[test]
    fn success_false_under_200_is_a_provider_error() {
        let body = r#"{"success":false,"errCode":"B.Permission.DeniedException","errMessage":"denied","requestId":"R-2","httpStatusCode":403}"#;
        let err = decode(&target(), &response(200, body)).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err
            .to_string()
            .ends_with(": B.Permission.DeniedException: denied (RequestId R-2)"));
        let snake = r#"{"success":false,"code":"X","message":"m","request_id":"R-3"}"#;
        let err = decode(&target(), &response(200, snake)).unwrap_err();
        assert!(err.to_string().ends_with(": X: m (RequestId R-3)"), "{err}");
    }

    #[test]
    fn success_true_wins_over_an_err_code() {
        let body = r#"{"success":true,"errCode":"UNKNOWN_ERROR","errMessage":"x","data":{}}"#;
        assert!(decode(&target(), &response(200, body)).is_ok());
        let informational = r#"{"code":200,"data":{}}"#;
        assert!(decode(&target(), &response(200, informational)).is_ok());
    }

    #[test]
    fn non_json_names_status_and_first_line() {
        let err = decode(&target(), &response(403, "\n<html>Forbidden</html>\n")).unwrap_err();
        assert_eq!(err.exit_code(), 5);
        assert!(err
            .to_string()
            .contains("HTTP 403: the answer is not JSON: <html>Forbidden</html>"));
    }

    #[test]
    fn a_json_4xx_without_a_code_still_fails() {
        let err = decode(&target(), &response(404, r#"{"RequestId":"R-4"}"#)).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err.to_string().contains("HTTP 404"), "{err}");
    }

    #[test]
    fn throttling_and_busy_codes_are_retryable_others_not() {
        for code in [
            "Throttling",
            "Throttling.User",
            "Throttling.Api",
            "ServiceUnavailable",
        ] {
            assert!(retryable_code(code), "{code}");
        }
        for code in [
            "SignatureDoesNotMatch",
            "InvalidAccessKeyId.NotFound",
            "SignatureNonceUsed",
        ] {
            assert!(!retryable_code(code), "{code}");
        }
    }

    #[test]
    fn nonces_are_32_hex_and_fresh() {
        let a = fresh_nonce();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, fresh_nonce());
    }

    #[test]
    fn endpoint_keeps_an_explicit_port() {
        assert_eq!(
            split_endpoint("http://127.0.0.1:8080").unwrap(),
            ("http".to_string(), "127.0.0.1:8080".to_string())
        );
        assert_eq!(
            split_endpoint("https://aicontent.aliyuncs.com/").unwrap(),
            ("https".to_string(), "aicontent.aliyuncs.com".to_string())
        );
        assert_eq!(split_endpoint("ftp://x").unwrap_err().exit_code(), 3);
    }
}
