//! What the transport tells the user: `--verbose` lines on stderr and `--dry-run` requests
//! for stdout. Everything passes through redaction first.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::secret::redact_all;

use super::HttpRequest;

/// Where `--verbose` lines go (stderr in the binary, a buffer in tests).
pub type Sink = Arc<Mutex<Box<dyn Write + Send>>>;

pub fn stderr_sink() -> Sink {
    Arc::new(Mutex::new(Box::new(std::io::stderr())))
}

/// One line per HTTP attempt: method, URL, status (or failure), milliseconds, retry reason.
pub fn attempt_line(
    request: &HttpRequest,
    outcome: &str,
    elapsed: Duration,
    retry: Option<(&str, Duration)>,
    secrets: &[String],
) -> String {
    let mut line = format!(
        "* {} {} -> {} in {} ms",
        request.method,
        request.url,
        outcome,
        elapsed.as_millis()
    );
    if let Some((reason, wait)) = retry {
        line.push_str(&format!(
            "; retrying in {:.1} s ({reason})",
            wait.as_secs_f64()
        ));
    }
    redact_all(&line, secrets.iter().map(String::as_str))
}

/// The signed request as text, for `--dry-run`: request line, headers, blank line, body.
pub fn dry_run_text(request: &HttpRequest, secrets: &[String]) -> String {
    let mut text = format!("{} {}\n", request.method, request.url);
    for (name, value) in &request.headers {
        text.push_str(name);
        text.push_str(": ");
        text.push_str(value);
        text.push('\n');
    }
    if !request.body.is_empty() {
        text.push('\n');
        text.push_str(&String::from_utf8_lossy(&request.body));
        text.push('\n');
    }
    redact_all(&text, secrets.iter().map(String::as_str))
}

pub fn write_line(sink: &Sink, line: &str) {
    // A poisoned lock only means another task panicked mid-write; keep logging.
    let mut out = sink.lock().unwrap_or_else(|p| p.into_inner());
    // Losing a log line is better than failing the request over it.
    let _ = writeln!(out, "{line}");
}
