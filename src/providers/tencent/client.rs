//! Tencent Cloud API 3.0 over the shared transport: TC3-signed POST JSON, and the
//! envelope `{"Response": {..., "Error": {"Code", "Message"}, "RequestId"}}` that carries
//! errors under HTTP 200.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::credentials::TencentCredentials;
use crate::error::{first_line, Error, Target};
use crate::transport::{Call, HttpRequest, HttpResponse, Method, Transport, Verdict};

use super::sign::{self, Tc3Request};

/// One Tencent Cloud product: `vod` 2018-07-17, `lke` 2023-11-30.
#[derive(Debug, Clone)]
pub struct Service {
    /// Signing service name and our provider label: `vod`, `lke`.
    pub name: &'static str,
    pub version: &'static str,
    /// Base URL with scheme and optional port.
    pub endpoint: String,
    /// Sent as `X-TC-Region` when set.
    pub region: Option<String>,
}

pub struct Client<'a> {
    pub transport: &'a Transport,
    pub credentials: &'a TencentCredentials,
    pub service: Service,
}

/// Whether a call may be sent again once it may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    Idempotent,
    /// Creates something: only throttling answers (refused before any work) are retried.
    NotIdempotent,
}

#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(rename = "Response")]
    response: T,
}

#[derive(Deserialize)]
struct ErrorOnly {
    #[serde(rename = "Error")]
    error: Option<ApiError>,
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
}

#[derive(Deserialize)]
struct ApiError {
    #[serde(rename = "Code", default)]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
}

/// Throttling or busy codes (spec §7). `InternalError` may have done work, so it is
/// retried only for idempotent calls.
fn retryable_code(code: &str, idempotency: Idempotency) -> bool {
    code.starts_with("RequestLimitExceeded")
        || (idempotency == Idempotency::Idempotent && code == "InternalError")
}

impl Client<'_> {
    pub fn target(&self, action: &str) -> Target {
        Target::new(format!("tencent {}", self.service.name), action)
    }

    /// Sends `Action` with a JSON body and returns the typed `Response`.
    pub async fn call<T: DeserializeOwned>(
        &self,
        action: &str,
        body: &serde_json::Value,
        idempotency: Idempotency,
        mut redact: Vec<String>,
    ) -> Result<(T, Option<String>), Error> {
        let target = self.target(action);
        let url = url::Url::parse(&self.service.endpoint).map_err(|e| {
            Error::config(format!(
                "invalid {} endpoint '{}': {e}",
                self.service.name, self.service.endpoint
            ))
        })?;
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_string(),
            (None, _) => {
                return Err(Error::config(format!(
                    "invalid {} endpoint '{}': no host",
                    self.service.name, self.service.endpoint
                )))
            }
        };
        let request_url = format!("{}://{}/", url.scheme(), host);
        let payload = serde_json::to_vec(body)
            .map_err(|e| Error::Internal(format!("serializing the request: {e}")))?;

        redact.push(self.credentials.id.clone());
        redact.push(self.credentials.secret.expose().to_string());
        if let Some(token) = &self.credentials.token {
            redact.push(token.expose().to_string());
        }
        let call = Call {
            target: target.clone(),
            rate_key: format!("{}:{action}", self.service.name),
            idempotent: idempotency == Idempotency::Idempotent,
            redact,
        };

        let build = || -> Result<HttpRequest, Error> {
            // A fresh timestamp, hence a fresh signature, for every attempt.
            let timestamp = chrono::Utc::now().timestamp();
            let request = Tc3Request {
                method: "POST",
                host: &host,
                query: "",
                content_type: "application/json",
                payload: &payload,
                service: self.service.name,
            };
            let signature = sign::sign(
                &request,
                &self.credentials.id,
                &self.credentials.secret,
                timestamp,
            );
            let headers = sign::headers(
                &request,
                action,
                self.service.version,
                self.service.region.as_deref(),
                self.credentials.token.as_ref(),
                &signature,
                timestamp,
            );
            Ok(HttpRequest {
                method: Method::Post,
                url: request_url.clone(),
                headers,
                body: payload.clone(),
            })
        };
        let classify = |response: &HttpResponse| match error_code(response) {
            Some(code) if retryable_code(&code, idempotency) => Verdict::Retry(code),
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

fn error_code(response: &HttpResponse) -> Option<String> {
    let envelope: Envelope<ErrorOnly> = serde_json::from_slice(&response.body).ok()?;
    envelope.response.error.map(|e| e.code)
}

/// Turns an answer into the typed `Response`, or the error it carries.
fn decode<T: DeserializeOwned>(
    target: &Target,
    response: &HttpResponse,
) -> Result<(T, Option<String>), Error> {
    let status = response.status;
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&response.body) else {
        return Err(Error::network(
            target,
            format!(
                "HTTP {status}: the answer is not JSON: {}",
                first_line(&response.body)
            ),
        ));
    };
    let envelope: Envelope<ErrorOnly> =
        serde_json::from_value(value.clone()).map_err(|_| unexpected(target, status, &value))?;
    if let Some(error) = envelope.response.error {
        return Err(Error::Provider {
            target: target.clone(),
            code: error.code,
            message: error.message,
            request_id: envelope.response.request_id,
        });
    }
    if !response.is_success() {
        return Err(Error::Provider {
            target: target.clone(),
            code: format!("HTTP {status}"),
            message: first_line(&response.body),
            request_id: envelope.response.request_id,
        });
    }
    let typed: Envelope<T> = serde_json::from_value(value.clone()).map_err(|e| {
        Error::network(
            target,
            format!("HTTP {status}: the answer does not have the documented shape: {e}"),
        )
    })?;
    Ok((typed.response, envelope.response.request_id))
}

fn unexpected(target: &Target, status: u16, value: &serde_json::Value) -> Error {
    let text = value.to_string();
    Error::network(
        target,
        format!(
            "HTTP {status}: the answer has no \"Response\" object: {}",
            first_line(text.as_bytes())
        ),
    )
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

    #[derive(Debug, Deserialize)]
    struct Empty {}

    #[test]
    fn error_envelope_under_200_is_a_provider_error() {
        let target = Target::new("tencent vod", "DescribeAigcUsageData");
        let body = r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"bad"},"RequestId":"r-1"}}"#;
        let err = decode::<Empty>(&target, &response(200, body)).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert_eq!(
            err.to_string(),
            "tencent vod DescribeAigcUsageData: AuthFailure.SignatureFailure: bad (RequestId r-1)"
        );
    }

    #[test]
    fn html_answer_names_status_and_first_line() {
        let target = Target::new("tencent vod", "DescribeAigcUsageData");
        let err = decode::<Empty>(&target, &response(200, "<html>\n<h1>oops</h1>")).unwrap_err();
        assert_eq!(err.exit_code(), 5);
        assert!(err
            .to_string()
            .contains("HTTP 200: the answer is not JSON: <html>"));
    }

    #[test]
    fn throttling_is_retryable_and_internal_error_only_when_idempotent() {
        assert!(retryable_code(
            "RequestLimitExceeded",
            Idempotency::NotIdempotent
        ));
        assert!(retryable_code(
            "RequestLimitExceeded.UinLimitExceeded",
            Idempotency::Idempotent
        ));
        assert!(retryable_code("InternalError", Idempotency::Idempotent));
        assert!(!retryable_code("InternalError", Idempotency::NotIdempotent));
        assert!(!retryable_code(
            "AuthFailure.SignatureFailure",
            Idempotency::Idempotent
        ));
        assert!(!retryable_code(
            "InvalidParameterValue",
            Idempotency::Idempotent
        ));
    }
}
