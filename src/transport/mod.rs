//! The HTTP transport (spec §7): per-attempt timeout, retries with jittered exponential
//! backoff and `Retry-After`, a fresh signature per attempt, a client-side rate limit per
//! action, a body cap, `--verbose` lines and `--dry-run`. It knows no provider: callers
//! hand it a closure that builds and signs a request, and a closure that says whether an
//! answer is a retryable provider error.

pub mod limit;
pub mod retry;
pub mod trace;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::SeedableRng;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};

use crate::error::{first_line, Error, Target};
use limit::RateLimiter;
pub use retry::{Decision, RetryPolicy};
use trace::Sink;

/// Refuse answers larger than this (spec §7).
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Documented per-action limit of every API we call.
pub const REQUESTS_PER_SECOND: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Method::Get => "GET",
            Method::Post => "POST",
        })
    }
}

/// A fully built and signed request.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    /// Sent exactly as given, in this order (`Host` is set by the client from the URL).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What one logical call is: who is asked (for messages), which rate-limit bucket it
/// counts against, whether it may be sent twice, and which values must never be printed.
#[derive(Debug, Clone)]
pub struct Call {
    pub target: Target,
    pub rate_key: String,
    /// False for calls that create something (`CreateAigcQuota`): once the request may
    /// have reached the server it is not sent again.
    pub idempotent: bool,
    /// Secrets and ids to redact from every line the transport prints.
    pub redact: Vec<String>,
}

/// A caller's judgement of an answer the transport itself would accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    /// A throttling or busy answer: worth another attempt. The string says why.
    Retry(String),
}

/// Answers requests without a network (`--demo`). Implemented outside the transport,
/// by the providers, which know what their APIs answer.
pub trait Responder: Send + Sync {
    /// The answer to a request, or `None` when this responder knows no such request.
    fn answer(&self, request: &HttpRequest) -> Option<HttpResponse>;
}

#[derive(Clone)]
pub struct TransportOptions {
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub verbose: bool,
    pub dry_run: bool,
    pub max_body_bytes: usize,
    pub requests_per_second: usize,
    /// When set, every request is answered by it and nothing goes to the network.
    pub offline: Option<std::sync::Arc<dyn Responder>>,
    /// A PEM bundle of roots to trust besides the built-in ones (`SSL_CERT_FILE`).
    pub extra_roots: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for TransportOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportOptions")
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("verbose", &self.verbose)
            .field("dry_run", &self.dry_run)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("requests_per_second", &self.requests_per_second)
            .field("offline", &self.offline.is_some())
            .field("extra_roots", &self.extra_roots)
            .finish()
    }
}

impl Default for TransportOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            verbose: false,
            dry_run: false,
            max_body_bytes: MAX_BODY_BYTES,
            requests_per_second: REQUESTS_PER_SECOND,
            offline: None,
            extra_roots: None,
        }
    }
}

pub struct Transport {
    client: reqwest::Client,
    options: TransportOptions,
    limiter: RateLimiter,
    log: Sink,
    dry_run_requests: Mutex<Vec<String>>,
    rng: Mutex<StdRng>,
    /// When the command's `--deadline` started counting.
    started: Instant,
    /// Nanoseconds spent waiting for the user (a confirmation question): not counted
    /// against the `--deadline`.
    not_counted_nanos: std::sync::atomic::AtomicU64,
}

/// How one attempt ended before the caller's judgement.
enum Attempt {
    Answered(HttpResponse),
    /// Failed; `reached` says whether the request may have reached the server.
    Failed {
        reason: FailReason,
        reached: bool,
        retryable: bool,
    },
    /// The answer passed the body cap: never retried (it would be as large again), and
    /// typed so that a caller able to ask for less can tell it apart.
    TooLarge {
        cap: usize,
    },
}

/// Why an attempt got no answer.
enum FailReason {
    /// No answer within the per-attempt timeout.
    TimedOut(Duration),
    /// No answer before the command's `--deadline` (shorter than `--timeout`).
    Deadline,
    Other(String),
}

impl std::fmt::Display for FailReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailReason::TimedOut(timeout) => write!(f, "timed out after {} s", fmt_secs(*timeout)),
            FailReason::Deadline => f.write_str("timed out"),
            FailReason::Other(reason) => f.write_str(reason),
        }
    }
}

/// One attempt judged: see `Transport::judge`.
struct Judged {
    outcome: String,
    retry_reason: Option<String>,
    retry_after: Option<Duration>,
    result: Result<HttpResponse, Error>,
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// ` (after 1 attempt, host)`, ` (after 3 attempts, host)`: spec §6 asks a network
/// failure to name the host and the attempts made.
fn attempts_note(attempts: u32, url: &str) -> String {
    format!(
        " (after {attempts} attempt{}, {})",
        plural(attempts),
        host_of(url)
    )
}

/// `<reason>; stopped after 2 attempts: the --deadline of 5 s was reached (host)`.
fn deadline_detail(reason: Option<String>, attempts: u32, deadline: Duration, url: &str) -> String {
    let reason = reason.map(|r| format!("{r}; ")).unwrap_or_default();
    format!(
        "{reason}stopped after {attempts} attempt{}: the --deadline of {} s was reached ({})",
        plural(attempts),
        fmt_secs(deadline),
        host_of(url)
    )
}

/// `host[:port]` of a URL, for messages; the URL itself when it has no host.
fn host_of(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(parsed) => match (parsed.host_str(), parsed.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_string(),
            _ => url.to_string(),
        },
        Err(_) => url.to_string(),
    }
}

impl Transport {
    pub fn new(options: TransportOptions, log: Sink) -> Result<Self, Error> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("aigcusage/", env!("CARGO_PKG_VERSION")))
            .use_rustls_tls();
        if let Some(path) = &options.extra_roots {
            let pem = std::fs::read(path).map_err(|e| {
                Error::config(format!(
                    "SSL_CERT_FILE={}: cannot read it: {e}",
                    path.display()
                ))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                Error::config(format!(
                    "SSL_CERT_FILE={}: not a PEM certificate bundle: {e}",
                    path.display()
                ))
            })?;
            // A file without any certificate (not PEM at all) parses as an empty bundle:
            // trusting nothing more would fail later, far from the cause.
            if certs.is_empty() {
                return Err(Error::config(format!(
                    "SSL_CERT_FILE={}: no PEM certificate in it (expected -----BEGIN CERTIFICATE----- blocks)",
                    path.display()
                )));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder
            .build()
            .map_err(|e| Error::config(format!("cannot set up HTTPS: {e}")))?;
        Ok(Self {
            client,
            limiter: RateLimiter::new(options.requests_per_second, Duration::from_secs(1)),
            options,
            log,
            dry_run_requests: Mutex::new(Vec::new()),
            rng: Mutex::new(StdRng::from_entropy()),
            started: Instant::now(),
            not_counted_nanos: std::sync::atomic::AtomicU64::new(0),
        })
    }

    pub fn options(&self) -> &TransportOptions {
        &self.options
    }

    /// The requests `--dry-run` stopped, redacted, in the order they were built.
    pub fn take_dry_run_requests(&self) -> Vec<String> {
        std::mem::take(
            &mut *self
                .dry_run_requests
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        )
    }

    /// Sends a call, building and signing every attempt afresh with `build`.
    ///
    /// Returns the answer the caller should parse: a 2xx or 4xx (including a retryable
    /// one whose retries ran out: the caller turns it into a provider error). Network
    /// failures, timeouts, 5xx and oversized bodies become `Error::Network`.
    /// Under `--dry-run` the first request is recorded and `Error::DryRun` returned.
    pub async fn send<B, C>(
        &self,
        call: &Call,
        build: B,
        classify: C,
    ) -> Result<HttpResponse, Error>
    where
        B: Fn() -> Result<HttpRequest, Error>,
        C: Fn(&HttpResponse) -> Verdict,
    {
        let mut retries_done = 0u32;
        // Why the previous attempt failed, for a deadline reached before the next one.
        let mut last_reason: Option<String> = None;
        loop {
            if self.options.dry_run {
                let request = build()?;
                let text = trace::dry_run_text(&request, &call.redact);
                self.dry_run_requests
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(text);
                return Err(Error::DryRun);
            }
            if self.options.offline.is_none() {
                let acquired =
                    tokio::time::timeout(self.time_left(), self.limiter.acquire(&call.rate_key))
                        .await;
                if acquired.is_err() {
                    let url = build()?.url;
                    return Err(self.deadline_error(call, last_reason, retries_done, &url));
                }
            }
            let request = build()?;
            // No attempt starts after the deadline, and none outlasts it (spec §7).
            let time_left = self.time_left();
            if time_left.is_zero() {
                return Err(self.deadline_error(call, last_reason, retries_done, &request.url));
            }
            let started = Instant::now();
            let attempt = self.attempt(&request, time_left).await;
            let elapsed = started.elapsed();
            let attempts = retries_done + 1;
            let failure = self.judge(call, &request, attempt, attempts, &classify);

            let decision = match &failure.retry_reason {
                None => Decision::GiveUp,
                Some(_) => {
                    let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
                    self.options.retry.decide(
                        retries_done,
                        true,
                        failure.retry_after,
                        self.time_left(),
                        &mut *rng,
                    )
                }
            };
            if self.options.verbose {
                let retry_note = match (&failure.retry_reason, decision) {
                    (Some(reason), Decision::RetryAfter(wait)) => Some((reason.as_str(), wait)),
                    _ => None,
                };
                let line = trace::attempt_line(
                    &request,
                    &failure.outcome,
                    elapsed,
                    retry_note,
                    &call.redact,
                );
                trace::write_line(&self.log, &line);
            }
            match decision {
                Decision::RetryAfter(wait) => {
                    tokio::time::sleep(wait).await;
                    retries_done += 1;
                    last_reason = failure.retry_reason;
                }
                Decision::GiveUp => return failure.result,
                Decision::DeadlineReached => {
                    return Err(self.deadline_error(
                        call,
                        failure.retry_reason,
                        attempts,
                        &request.url,
                    ));
                }
            }
        }
    }

    /// What remains of the command's `--deadline`.
    fn time_left(&self) -> Duration {
        let not_counted = Duration::from_nanos(
            self.not_counted_nanos
                .load(std::sync::atomic::Ordering::Relaxed),
        );
        (self.options.retry.deadline + not_counted).saturating_sub(self.started.elapsed())
    }

    /// Moves the `--deadline` later by `waited`, time spent waiting for the user (a
    /// question), which the deadline does not count (spec §7: it bounds the command's work).
    pub fn extend_deadline(&self, waited: Duration) {
        let nanos = u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX);
        self.not_counted_nanos
            .fetch_add(nanos, std::sync::atomic::Ordering::Relaxed);
    }

    /// The failure of a call the deadline stopped: why the last attempt failed (if one
    /// did), how many were made, and the host (spec §7).
    fn deadline_error(
        &self,
        call: &Call,
        reason: Option<String>,
        attempts: u32,
        url: &str,
    ) -> Error {
        Error::network(
            &call.target,
            deadline_detail(reason, attempts, self.options.retry.deadline, url),
        )
    }

    /// What one attempt means: its status text for `--verbose`, why it is worth retrying
    /// (if it is), the server's `Retry-After`, and what to return when no retry follows.
    fn judge<C>(
        &self,
        call: &Call,
        request: &HttpRequest,
        attempt: Attempt,
        attempts: u32,
        classify: &C,
    ) -> Judged
    where
        C: Fn(&HttpResponse) -> Verdict,
    {
        match attempt {
            Attempt::Answered(response) => {
                let outcome = status_text(response.status);
                if response.status == 429 {
                    Judged {
                        retry_reason: Some("HTTP 429 Too Many Requests".to_string()),
                        retry_after: retry_after(&response),
                        result: throttled_to_the_end(call, request, response, attempts, classify),
                        outcome,
                    }
                } else if response.status >= 500 {
                    let detail = format!(
                        "HTTP {}: {}{}",
                        outcome,
                        first_line(&response.body),
                        attempts_note(attempts, &request.url)
                    );
                    Judged {
                        retry_reason: call.idempotent.then(|| format!("HTTP {}", response.status)),
                        retry_after: retry_after(&response),
                        result: Err(self.network_error(call, detail, true)),
                        outcome,
                    }
                } else {
                    match classify(&response) {
                        Verdict::Accept => Judged {
                            outcome,
                            retry_reason: None,
                            retry_after: None,
                            result: Ok(response),
                        },
                        Verdict::Retry(reason) => Judged {
                            outcome,
                            retry_reason: Some(reason),
                            retry_after: retry_after(&response),
                            result: Ok(response),
                        },
                    }
                }
            }
            Attempt::TooLarge { cap } => Judged {
                outcome: "failed".to_string(),
                retry_reason: None,
                retry_after: None,
                result: Err(Error::TooLarge {
                    target: call.target.clone(),
                    cap_bytes: cap,
                }),
            },
            Attempt::Failed {
                reason,
                reached,
                retryable,
            } => {
                let can_retry = retryable && (call.idempotent || !reached);
                let detail = match &reason {
                    FailReason::TimedOut(timeout) => format!(
                        "timed out after {attempts} attempt{} of {} s{} ({})",
                        plural(attempts),
                        fmt_secs(*timeout),
                        if attempts > 1 { " each" } else { "" },
                        host_of(&request.url)
                    ),
                    FailReason::Deadline => deadline_detail(
                        Some(reason.to_string()),
                        attempts,
                        self.options.retry.deadline,
                        &request.url,
                    ),
                    other => format!("{other}{}", attempts_note(attempts, &request.url)),
                };
                Judged {
                    outcome: "failed".to_string(),
                    retry_reason: can_retry.then(|| reason.to_string()),
                    retry_after: None,
                    result: Err(self.network_error(call, detail, reached)),
                }
            }
        }
    }

    fn network_error(&self, call: &Call, detail: String, reached: bool) -> Error {
        let mut detail = detail;
        if !call.idempotent && reached {
            detail.push_str("; the request may have reached the server, so it was not sent again");
        }
        Error::network(&call.target, detail)
    }

    /// One attempt, given at most `time_left` (the rest of the deadline) besides
    /// `--timeout`.
    async fn attempt(&self, request: &HttpRequest, time_left: Duration) -> Attempt {
        if let Some(responder) = &self.options.offline {
            return match responder.answer(request) {
                Some(response) => Attempt::Answered(response),
                None => Attempt::Failed {
                    reason: FailReason::Other(format!(
                        "no recorded answer for {} {}",
                        request.method, request.url
                    )),
                    reached: false,
                    retryable: false,
                },
            };
        }
        let timeout = self.options.timeout;
        match tokio::time::timeout(timeout.min(time_left), self.exchange(request)).await {
            Ok(result) => result,
            Err(_) if time_left < timeout => Attempt::Failed {
                reason: FailReason::Deadline,
                reached: true,
                retryable: false,
            },
            Err(_) => Attempt::Failed {
                reason: FailReason::TimedOut(timeout),
                reached: true,
                retryable: true,
            },
        }
    }

    async fn exchange(&self, request: &HttpRequest) -> Attempt {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            if name.eq_ignore_ascii_case("host") {
                // reqwest derives Host from the URL; it is the host[:port] that was signed.
                continue;
            }
            match (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                (Ok(n), Ok(v)) => {
                    headers.append(n, v);
                }
                _ => {
                    return Attempt::Failed {
                        reason: FailReason::Other(format!(
                            "header {name} holds characters HTTP does not allow"
                        )),
                        reached: false,
                        retryable: false,
                    }
                }
            }
        }
        let builder = self
            .client
            .request(method, &request.url)
            .headers(headers)
            .body(request.body.clone());
        let mut response = match builder.send().await {
            Ok(response) => response,
            Err(e) => {
                let reached = !(e.is_connect() || e.is_builder());
                return Attempt::Failed {
                    reason: FailReason::Other(describe_reqwest_error(&e)),
                    reached,
                    retryable: !e.is_builder(),
                };
            }
        };
        let status = response.status().as_u16();
        let cap = self.options.max_body_bytes;
        if response
            .content_length()
            .is_some_and(|len| len > cap as u64)
        {
            return too_large(cap);
        }
        // Room for the whole body at once when its length is announced (it is at most
        // `cap`, checked above): a 50 MB answer is not copied again as the vector grows.
        let announced = response
            .content_length()
            .map_or(0, |len| len.min(cap as u64));
        let mut body = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > cap {
                        return too_large(cap);
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    // A body error already says "reading the answer failed"; say it once.
                    let detail = describe_reqwest_error(&e);
                    let detail = if detail.starts_with(READING_FAILED) {
                        detail
                    } else {
                        format!("{READING_FAILED}: {detail}")
                    };
                    return Attempt::Failed {
                        reason: FailReason::Other(detail),
                        reached: true,
                        retryable: true,
                    };
                }
            }
        }
        Attempt::Answered(HttpResponse {
            status,
            headers: response.headers().clone(),
            body,
        })
    }
}

/// A 429 whose retries ran out: throttling that never ended is the provider refusing
/// (spec §6, exit 4), like its own throttling codes. An answer carrying such a code goes
/// back to the caller, which reports it with the provider's code and request id; a bare
/// 429 is reported here with its first line, the attempts made and the host.
fn throttled_to_the_end<C>(
    call: &Call,
    request: &HttpRequest,
    response: HttpResponse,
    attempts: u32,
    classify: &C,
) -> Result<HttpResponse, Error>
where
    C: Fn(&HttpResponse) -> Verdict,
{
    if let Verdict::Retry(_) = classify(&response) {
        return Ok(response);
    }
    Err(Error::Provider {
        target: call.target.clone(),
        code: format!("HTTP {}", status_text(response.status)),
        message: format!(
            "{}{}",
            first_line(&response.body),
            attempts_note(attempts, &request.url)
        ),
        request_id: None,
    })
}

/// The words of a failed body read.
const READING_FAILED: &str = "reading the answer failed";

fn too_large(cap: usize) -> Attempt {
    Attempt::TooLarge { cap }
}

fn retry_after(response: &HttpResponse) -> Option<Duration> {
    response
        .headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| retry::parse_retry_after(v, chrono::Utc::now()))
}

fn status_text(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

fn fmt_secs(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{}", d.as_secs())
    } else {
        format!("{secs:.1}")
    }
}

/// reqwest's own messages end in "error sending request for url (...)"; name the cause.
fn describe_reqwest_error(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(err) = source {
        let text = err.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = err.source();
    }
    let kind = if e.is_connect() {
        "connection failed"
    } else if e.is_timeout() {
        "timed out"
    } else if e.is_body() || e.is_decode() {
        READING_FAILED
    } else {
        "request failed"
    };
    match parts.last() {
        Some(cause) => format!("{kind}: {cause}"),
        None => kind.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn transport(
        configure: impl FnOnce(&mut TransportOptions),
    ) -> (Transport, Arc<Mutex<Vec<u8>>>) {
        let mut options = TransportOptions {
            retry: RetryPolicy {
                base_delay: Duration::from_millis(10),
                ..RetryPolicy::default()
            },
            ..TransportOptions::default()
        };
        configure(&mut options);
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink: Sink = Arc::new(Mutex::new(Box::new(SharedBuf(log.clone()))));
        (Transport::new(options, sink).unwrap(), log)
    }

    struct SharedBuf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for SharedBuf {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn call(idempotent: bool) -> Call {
        Call {
            target: Target::new("test", "Action"),
            rate_key: "test:Action".into(),
            idempotent,
            redact: vec!["sekret-value-1234".into()],
        }
    }

    fn get(server: &MockServer) -> impl Fn() -> Result<HttpRequest, Error> + '_ {
        move || {
            Ok(HttpRequest {
                method: Method::Post,
                url: format!("{}/", server.uri()),
                headers: vec![("X-Token".into(), "sekret-value-1234".into())],
                body: b"{}".to_vec(),
            })
        }
    }

    #[tokio::test]
    async fn a_5xx_is_retried_for_idempotent_calls_then_reported_with_its_first_line() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(503).set_body_string("<html>busy</html>\nmore"))
            .expect(3)
            .mount(&server)
            .await;
        let (t, log) = transport(|o| {
            o.retry.max_retries = 2;
            o.verbose = true;
        });
        let err = t
            .send(&call(true), get(&server), |_| Verdict::Accept)
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), 5);
        let host = server.uri().trim_start_matches("http://").to_string();
        assert_eq!(
            err.to_string(),
            format!(
                "test Action: HTTP 503 Service Unavailable: <html>busy</html> (after 3 attempts, {host})"
            )
        );
        let log = String::from_utf8(log.lock().unwrap().clone()).unwrap();
        assert_eq!(log.lines().count(), 3, "{log}");
        assert_eq!(log.matches("retrying in").count(), 2, "{log}");
    }

    #[tokio::test]
    async fn a_5xx_is_not_retried_when_the_call_is_not_idempotent() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(502))
            .expect(1)
            .mount(&server)
            .await;
        let (t, _) = transport(|_| {});
        let err = t
            .send(&call(false), get(&server), |_| Verdict::Accept)
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), 5);
        assert!(
            err.to_string().contains("may have reached the server"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_refused_connection_is_retried_even_when_not_idempotent() {
        // Bind then drop a listener: nothing listens on that port any more.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let (t, log) = transport(|o| {
            o.retry.max_retries = 1;
            o.verbose = true;
        });
        let build = || {
            Ok(HttpRequest {
                method: Method::Get,
                url: format!("http://127.0.0.1:{port}/"),
                headers: vec![],
                body: vec![],
            })
        };
        let err = t
            .send(&call(false), build, |_| Verdict::Accept)
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), 5);
        assert!(err.to_string().contains("connection failed"), "{err}");
        let log = String::from_utf8(log.lock().unwrap().clone()).unwrap();
        assert_eq!(log.matches("retrying in").count(), 1, "{log}");
    }

    #[tokio::test]
    async fn retry_after_is_honoured_and_429_then_success_returns_the_answer() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
            .up_to_n_times(1)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
            .expect(1)
            .mount(&server)
            .await;
        let (t, _) = transport(|_| {});
        let started = Instant::now();
        let response = t
            .send(&call(true), get(&server), |_| Verdict::Accept)
            .await
            .unwrap();
        assert_eq!(response.body, b"ok");
        assert!(started.elapsed() >= Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_retry_verdict_that_never_clears_returns_the_last_answer() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_string("throttled"))
            .expect(3)
            .mount(&server)
            .await;
        let (t, _) = transport(|o| o.retry.max_retries = 2);
        let response = t
            .send(&call(true), get(&server), |_| {
                Verdict::Retry("Throttling".into())
            })
            .await
            .unwrap();
        assert_eq!(response.body, b"throttled");
    }

    #[tokio::test]
    async fn bodies_over_the_cap_are_refused_and_not_retried() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(2048)))
            .expect(1)
            .mount(&server)
            .await;
        let (t, _) = transport(|o| o.max_body_bytes = 1024);
        let err = t
            .send(&call(true), get(&server), |_| Verdict::Accept)
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), 5);
        assert!(err.to_string().contains("larger than"), "{err}");
    }

    #[tokio::test]
    async fn the_default_cap_is_64_mib() {
        assert_eq!(TransportOptions::default().max_body_bytes, 64 * 1024 * 1024);
    }

    #[tokio::test]
    async fn every_attempt_is_built_afresh() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500))
            .expect(3)
            .mount(&server)
            .await;
        let (t, _) = transport(|o| o.retry.max_retries = 2);
        let built = std::sync::atomic::AtomicUsize::new(0);
        let build = || {
            built.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            get(&server)()
        };
        let _ = t.send(&call(true), build, |_| Verdict::Accept).await;
        assert_eq!(built.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn dry_run_records_the_redacted_request_and_sends_nothing() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .expect(0)
            .mount(&server)
            .await;
        let (t, _) = transport(|o| o.dry_run = true);
        let err = t
            .send(&call(true), get(&server), |_| Verdict::Accept)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::DryRun));
        let printed = t.take_dry_run_requests();
        assert_eq!(printed.len(), 1);
        assert!(printed[0].contains("X-Token: ****1234"), "{}", printed[0]);
        assert!(!printed[0].contains("sekret-value-1234"));
    }

    #[tokio::test]
    async fn an_attempt_slower_than_the_timeout_fails() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
            .mount(&server)
            .await;
        let (t, _) = transport(|o| {
            o.timeout = Duration::from_millis(200);
            o.retry.max_retries = 0;
        });
        let err = t
            .send(&call(true), get(&server), |_| Verdict::Accept)
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), 5);
        // Spec §6 (v3): the attempts are named even when there was only one.
        assert!(
            err.to_string()
                .contains("timed out after 1 attempt of 0.2 s ("),
            "{err}"
        );
    }

    #[tokio::test]
    async fn the_deadline_cuts_an_attempt_shorter_than_its_timeout() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
            .mount(&server)
            .await;
        let (t, _) = transport(|o| {
            o.timeout = Duration::from_secs(30);
            o.retry.deadline = Duration::from_millis(300);
        });
        let started = Instant::now();
        let err = t
            .send(&call(true), get(&server), |_| Verdict::Accept)
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(3));
        assert_eq!(err.exit_code(), 5);
        let host = server.uri().trim_start_matches("http://").to_string();
        assert_eq!(
            err.to_string(),
            format!(
                "test Action: timed out; stopped after 1 attempt: the --deadline of 0.3 s was reached ({host})"
            )
        );
    }

    #[tokio::test]
    async fn time_spent_waiting_for_the_user_is_not_counted_by_the_deadline() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .expect(1)
            .mount(&server)
            .await;
        let (t, _) = transport(|o| o.retry.deadline = Duration::from_millis(300));
        // The user took 400 ms to answer a question.
        tokio::time::sleep(Duration::from_millis(400)).await;
        t.extend_deadline(Duration::from_millis(400));
        t.send(&call(true), get(&server), |_| Verdict::Accept)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn no_attempt_starts_once_the_deadline_has_passed() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .expect(0)
            .mount(&server)
            .await;
        let (t, _) = transport(|o| o.retry.deadline = Duration::from_millis(50));
        tokio::time::sleep(Duration::from_millis(100)).await;
        let err = t
            .send(&call(true), get(&server), |_| Verdict::Accept)
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), 5);
        assert!(
            err.to_string()
                .contains("stopped after 0 attempts: the --deadline of 0.1 s was reached"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_single_failed_attempt_is_counted_in_the_message() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
            .expect(1)
            .mount(&server)
            .await;
        let (t, _) = transport(|o| o.retry.max_retries = 0);
        let err = t
            .send(&call(true), get(&server), |_| Verdict::Accept)
            .await
            .unwrap_err();
        let host = server.uri().trim_start_matches("http://").to_string();
        assert_eq!(
            err.to_string(),
            format!("test Action: HTTP 502 Bad Gateway: bad gateway (after 1 attempt, {host})")
        );
    }

    #[tokio::test]
    async fn a_429_that_outlasts_the_retries_is_the_provider_refusing() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(429).set_body_string(r#"{"error":"slow down"}"#))
            .expect(3)
            .mount(&server)
            .await;
        let (t, _) = transport(|o| o.retry.max_retries = 2);
        let err = t
            .send(&call(true), get(&server), |_| Verdict::Accept)
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), 4);
        let host = server.uri().trim_start_matches("http://").to_string();
        assert_eq!(
            err.to_string(),
            format!(
                r#"test Action: HTTP 429 Too Many Requests: {{"error":"slow down"}} (after 3 attempts, {host})"#
            )
        );
    }

    #[tokio::test]
    async fn a_429_carrying_a_provider_throttling_code_goes_back_to_the_caller() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(429).set_body_string("Throttling.Api"))
            .expect(2)
            .mount(&server)
            .await;
        let (t, _) = transport(|o| o.retry.max_retries = 1);
        let response = t
            .send(&call(true), get(&server), |_| {
                Verdict::Retry("Throttling.Api".into())
            })
            .await
            .unwrap();
        assert_eq!(response.status, 429);
    }
}
