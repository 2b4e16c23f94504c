//! The AceData wire client: plain HTTPS with a bearer token, and the provider error a
//! non-2xx answer carries.

use serde_json::Value;

use super::PROVIDER;
use crate::error::{first_line, Error, Target};
use crate::secret::Secret;
use crate::transport::{Call, HttpRequest, HttpResponse, Method, Transport, Verdict};

/// What a 401/403 most often means: the wrong kind of token.
pub const TOKEN_HINT: &str = "expected an account (platform) token `platform-v1-...` from \
ACEDATACLOUD_PLATFORM_TOKEN (or the profile's acedata.token), not a service API token";

pub struct Client<'a> {
    pub transport: &'a Transport,
    pub token: &'a Secret,
    /// Base URL with scheme and optional port (and path prefix).
    pub endpoint: String,
}

impl Client<'_> {
    /// GETs `path` with `query` (URL-encoded here) and returns a 2xx answer; any other
    /// answer becomes the provider error it carries (exit 4). 5xx, network failures and
    /// timeouts come back from the transport as `Error::Network` (exit 5).
    pub async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
        rate_key: &str,
    ) -> Result<HttpResponse, Error> {
        let target = Target::new(PROVIDER, format!("GET {path}"));
        let base = format!("{}{path}", self.endpoint.trim_end_matches('/'));
        let mut url = url::Url::parse(&base).map_err(|e| {
            Error::config(format!("invalid acedata endpoint '{}': {e}", self.endpoint))
        })?;
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in query {
                pairs.append_pair(key, value);
            }
        }
        let url = url.to_string();
        let redact = vec![self.token.expose().to_string()];
        let call = Call {
            target: target.clone(),
            rate_key: rate_key.to_string(),
            idempotent: true,
            redact: redact.clone(),
        };
        let build = || -> Result<HttpRequest, Error> {
            Ok(HttpRequest {
                method: Method::Get,
                url: url.clone(),
                headers: vec![
                    ("accept".to_string(), "application/json".to_string()),
                    (
                        "authorization".to_string(),
                        format!("Bearer {}", self.token.expose()),
                    ),
                ],
                body: Vec::new(),
            })
        };
        let response = self
            .transport
            .send(&call, build, |_| Verdict::Accept)
            .await
            .map_err(|e| e.redacted(&redact))?;
        if response.is_success() {
            Ok(response)
        } else {
            Err(answer_error(&target, &response).redacted(&redact))
        }
    }
}

/// The provider error a non-2xx answer carries: its JSON `detail`/`message`/`error`
/// (with `code` and a trace or request id when present), or the status and the first
/// line of a body that is not JSON. 401/403 add which token is expected.
pub fn answer_error(target: &Target, response: &HttpResponse) -> Error {
    let status = response.status;
    let parsed: Option<Value> = serde_json::from_slice(&response.body).ok();
    let (code, mut message, request_id) = match parsed.as_ref() {
        Some(value) => {
            let fields = ErrorFields::of(value);
            (
                fields.code.unwrap_or_else(|| format!("HTTP {status}")),
                fields.message.unwrap_or_else(|| first_line(&response.body)),
                fields.request_id.or_else(|| header_request_id(response)),
            )
        }
        None => (
            format!("HTTP {status}"),
            first_line(&response.body),
            header_request_id(response),
        ),
    };
    if matches!(status, 401 | 403) {
        message = format!("{message} (HTTP {status}: {TOKEN_HINT})");
    } else if !code.starts_with("HTTP ") {
        message = format!("{message} (HTTP {status})");
    }
    Error::Provider {
        target: target.clone(),
        code,
        message,
        request_id,
    }
}

fn header_request_id(response: &HttpResponse) -> Option<String> {
    response
        .header("x-request-id")
        .or_else(|| response.header("x-trace-id"))
        .map(str::to_string)
}

/// The parts of an error body AceData and Django REST framework use.
#[derive(Debug, Default, PartialEq)]
struct ErrorFields {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
}

impl ErrorFields {
    fn of(value: &Value) -> Self {
        let text = |v: &Value| match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let mut fields = ErrorFields::default();
        for key in ["detail", "message", "error_description", "msg"] {
            if fields.message.is_none() {
                fields.message = value.get(key).and_then(text);
            }
        }
        match value.get("error") {
            Some(Value::Object(inner)) => {
                let inner = Value::Object(inner.clone());
                fields.code = inner.get("code").and_then(text);
                if let Some(m) = inner.get("message").or_else(|| inner.get("detail")) {
                    fields.message = text(m).or(fields.message);
                }
            }
            Some(other) => {
                if let Some(t) = text(other) {
                    match fields.message {
                        None => fields.message = Some(t),
                        Some(_) if fields.code.is_none() => fields.code = Some(t),
                        Some(_) => {}
                    }
                }
            }
            None => {}
        }
        if fields.code.is_none() {
            fields.code = value.get("code").and_then(text);
        }
        fields.request_id = ["trace_id", "request_id", "requestId"]
            .iter()
            .find_map(|k| value.get(*k).and_then(text));
        fields
    }
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
        Target::new(PROVIDER, "GET /api/v1/usage/apis/aggregate/")
    }

    #[test]
    fn unauthorized_names_the_expected_token() {
        let err = answer_error(&target(), &response(401, r#"{"detail": "Invalid token."}"#));
        assert_eq!(err.exit_code(), 4);
        let text = err.to_string();
        assert!(
            text.starts_with("acedata GET /api/v1/usage/apis/aggregate/: HTTP 401: Invalid token.")
        );
        assert!(text.contains("platform-v1-"), "{text}");
        assert!(text.contains("ACEDATACLOUD_PLATFORM_TOKEN"), "{text}");
        assert!(text.contains("not a service API token"), "{text}");
    }

    #[test]
    fn error_object_gives_code_message_and_trace_id() {
        let err = answer_error(
            &target(),
            &response(
                400,
                r#"{"error": {"code": "bad_request", "message": "created_at_from is invalid"}, "trace_id": "t-1"}"#,
            ),
        );
        assert_eq!(err.exit_code(), 4);
        assert_eq!(
            err.to_string(),
            "acedata GET /api/v1/usage/apis/aggregate/: bad_request: created_at_from is invalid (HTTP 400) (RequestId t-1)"
        );
    }

    #[test]
    fn html_answer_gives_status_and_first_line() {
        let err = answer_error(&target(), &response(404, "\n<html><h1>Not Found</h1>\n"));
        assert_eq!(err.exit_code(), 4);
        assert_eq!(
            err.to_string(),
            "acedata GET /api/v1/usage/apis/aggregate/: HTTP 404: <html><h1>Not Found</h1>"
        );
    }

    #[test]
    fn forbidden_with_error_string() {
        let err = answer_error(&target(), &response(403, r#"{"error": "forbidden"}"#));
        let text = err.to_string();
        assert!(text.contains("HTTP 403: forbidden"), "{text}");
        assert!(text.contains("platform-v1-"), "{text}");
    }
}
