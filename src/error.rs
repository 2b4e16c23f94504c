//! The one error type of the library and its mapping to the exit codes of spec §6.
//!
//! Nothing here prints: `main.rs` renders the message and picks the exit code.

use std::fmt;

/// `64 MiB`, or bytes below a MiB.
fn byte_size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Exit codes from spec §6.
pub mod exit {
    pub const OK: u8 = 0;
    pub const INTERNAL: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const CONFIG: u8 = 3;
    pub const PROVIDER: u8 = 4;
    pub const NETWORK: u8 = 5;
    pub const PARTIAL: u8 = 6;
    pub const THRESHOLD: u8 = 7;
    /// SIGINT: 128 + 2.
    pub const INTERRUPTED: u8 = 130;
    /// SIGTERM: 128 + 15.
    pub const TERMINATED: u8 = 143;

    /// Every exit code with its meaning (spec §6), for `aigcusage help exit-codes`.
    pub const TABLE: &[(u8, &str)] = &[
        (OK, "success"),
        (INTERNAL, "unexpected internal error"),
        (USAGE, "usage error: bad option, bad time, invalid value (nothing was sent)"),
        (CONFIG, "credentials or config missing or invalid (the message names the variables to set)"),
        (PROVIDER, "the provider answered with an error (auth, parameter, permission, not found; also a retryable provider error once retries are used up)"),
        (NETWORK, "network failure, timeout, HTTP 5xx, an unreadable or oversized response, or a paging loop, after retries"),
        (PARTIAL, "some providers failed, others succeeded (report, forecast, prices check, sync)"),
        (THRESHOLD, "a threshold you set was reached: vod quota list --fail-at, report/forecast --budget, prices check finding something unpriced"),
        (INTERRUPTED, "interrupted (Ctrl-C, SIGINT): nothing partial on stdout or in --output-file, no half-written store"),
        (TERMINATED, "terminated (SIGTERM), with the same guarantees as 130"),
    ];
}

/// Who was being asked when something went wrong: `tencent vod DescribeAigcUsageData`.
///
/// The transport carries it opaquely so it can name the call in its own errors
/// without knowing anything about providers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `tencent vod`, `alibaba modelrouter`, `acedata`.
    pub provider: String,
    /// `DescribeAigcUsageData`, `GET /api/v1/usage/apis/aggregate/`.
    pub action: String,
}

impl Target {
    pub fn new(provider: impl Into<String>, action: impl Into<String>) -> Self {
        Self {
            provider: provider.into(),
            action: action.into(),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.provider, self.action)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad option, bad time, invalid value. Nothing was sent. Exit 2.
    #[error("{0}")]
    Usage(String),

    /// Credentials or configuration missing or invalid. Exit 3.
    #[error("{0}")]
    Config(String),

    /// The provider answered with an error. Exit 4.
    #[error("{target}: {code}: {message}{}", request_id_suffix(.request_id))]
    Provider {
        target: Target,
        code: String,
        message: String,
        request_id: Option<String>,
    },

    /// Network failure, timeout, HTTP 5xx, unreadable or oversized answer, paging loop. Exit 5.
    #[error("{target}: {detail}")]
    Network { target: Target, detail: String },

    /// An answer over the body cap (spec §7). Exit 5. Its own variant so that a caller that
    /// can ask for less (AceData splits its range) knows this failure from any other.
    #[error("{target}: the answer is larger than {} and was refused", byte_size(*.cap_bytes))]
    TooLarge { target: Target, cap_bytes: usize },

    /// `report`: some providers failed (already reported), others were printed. Exit 6.
    #[error("{failed} of {total} providers failed")]
    PartialFailure { failed: usize, total: usize },

    /// `vod quota list --fail-at`: a quota is at or above the threshold. Exit 7.
    #[error("{0}")]
    Threshold(String),

    /// The command already said why on stderr in its own words (a budget reached: spec §9
    /// prints no `error:` line): exit with this code, print nothing more.
    #[error("exit {0}")]
    Reported(u8),

    /// `--dry-run` stopped a request after printing it; not a failure.
    #[error("dry run: request printed, nothing sent")]
    DryRun,

    /// Writing the output failed (a closed pipe is handled by `main`).
    #[error("writing output: {0}")]
    Io(#[from] std::io::Error),

    /// SIGINT (Ctrl-C) or SIGTERM arrived: the command was dropped before printing anything
    /// (`vod quota apply`: after the request in flight, with what was applied on stderr).
    /// Exit 130 or 143 (spec §6).
    #[error("interrupted")]
    Interrupted { sigterm: bool },

    /// A bug: an invariant did not hold. Exit 1.
    #[error("internal error: {0}")]
    Internal(String),
}

fn request_id_suffix(request_id: &Option<String>) -> String {
    match request_id {
        Some(id) if !id.is_empty() => format!(" (RequestId {id})"),
        _ => String::new(),
    }
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    pub fn config(message: impl Into<String>) -> Self {
        Error::Config(message.into())
    }

    pub fn network(target: &Target, detail: impl Into<String>) -> Self {
        Error::Network {
            target: target.clone(),
            detail: detail.into(),
        }
    }

    /// The exit code of spec §6 for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::Config(_) => exit::CONFIG,
            Error::Provider { .. } => exit::PROVIDER,
            Error::Network { .. } | Error::TooLarge { .. } => exit::NETWORK,
            Error::PartialFailure { .. } => exit::PARTIAL,
            Error::Threshold(_) => exit::THRESHOLD,
            Error::Reported(code) => *code,
            Error::DryRun => exit::OK,
            Error::Io(_) if self.is_broken_pipe() => exit::OK,
            Error::Io(_) | Error::Internal(_) => exit::INTERNAL,
            Error::Interrupted { sigterm: false } => exit::INTERRUPTED,
            Error::Interrupted { sigterm: true } => exit::TERMINATED,
        }
    }

    /// The same error with every listed secret masked in its text, so that a provider
    /// echoing a credential back cannot make us print it.
    pub fn redacted(self, secrets: &[String]) -> Self {
        let mask =
            |text: String| crate::secret::redact_all(&text, secrets.iter().map(String::as_str));
        match self {
            Error::Provider {
                target,
                code,
                message,
                request_id,
            } => Error::Provider {
                target,
                code: mask(code),
                message: mask(message),
                request_id,
            },
            Error::Network { target, detail } => Error::Network {
                target,
                detail: mask(detail),
            },
            other => other,
        }
    }

    /// True when stdout was closed by the reader (`aigcusage ... | head -1`), wherever in
    /// the error's chain the broken pipe sits: the csv and serde_json writers wrap the
    /// io error of the stream they write to.
    pub fn is_broken_pipe(&self) -> bool {
        chain_has_broken_pipe(self)
    }
}

/// Walks `source()` and the payload of every wrapping `io::Error` (whose `source()`
/// skips its own payload), looking for `ErrorKind::BrokenPipe`. A `csv::Error` does not
/// expose its io error through `source()`, so it is asked directly.
fn chain_has_broken_pipe(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(csv) = error.downcast_ref::<::csv::Error>() {
            if let ::csv::ErrorKind::Io(io) = csv.kind() {
                if chain_has_broken_pipe(io) {
                    return true;
                }
            }
        }
        if let Some(json) = error.downcast_ref::<serde_json::Error>() {
            if json.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe) {
                return true;
            }
        }
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return true;
            }
            if let Some(inner) = io.get_ref() {
                if chain_has_broken_pipe(inner) {
                    return true;
                }
            }
        }
        next = error.source();
    }
    false
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The first line of a body that is not the JSON we expected, trimmed for an error message.
///
/// Credential-like fields (`"ApiToken": "…"`) are masked first: an answer that could not
/// be read may still hold api tokens or secrets.
pub fn first_line(body: &[u8]) -> String {
    let text = crate::secret::mask_secret_fields(&String::from_utf8_lossy(body));
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("(empty body)");
    let mut out: String = line.chars().take(200).collect();
    if line.chars().count() > 200 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_error_names_provider_action_code_message_and_request_id() {
        let e = Error::Provider {
            target: Target::new("tencent vod", "DescribeAigcUsageData"),
            code: "AuthFailure.SignatureFailure".into(),
            message: "The provided credentials could not be validated".into(),
            request_id: Some("6b1d".into()),
        };
        assert_eq!(
            e.to_string(),
            "tencent vod DescribeAigcUsageData: AuthFailure.SignatureFailure: The provided credentials could not be validated (RequestId 6b1d)"
        );
        assert_eq!(e.exit_code(), 4);
    }

    #[test]
    fn exit_codes_follow_the_spec() {
        let t = Target::new("acedata", "usage");
        assert_eq!(Error::usage("x").exit_code(), 2);
        assert_eq!(Error::config("x").exit_code(), 3);
        assert_eq!(Error::network(&t, "timeout").exit_code(), 5);
        assert_eq!(
            Error::PartialFailure {
                failed: 1,
                total: 2
            }
            .exit_code(),
            6
        );
        assert_eq!(Error::Threshold("x".into()).exit_code(), 7);
        assert_eq!(Error::DryRun.exit_code(), 0);
        assert_eq!(Error::Interrupted { sigterm: false }.exit_code(), 130);
        assert_eq!(Error::Interrupted { sigterm: true }.exit_code(), 143);
        let pipe = Error::Io(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(pipe.is_broken_pipe());
        assert_eq!(pipe.exit_code(), 0);
    }

    #[test]
    fn a_broken_pipe_wrapped_by_csv_inside_an_io_error_is_still_a_broken_pipe() {
        let csv_error = ::csv::Error::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        let wrapped = Error::Io(std::io::Error::from(csv_error));
        assert_ne!(
            std::io::Error::from(::csv::Error::from(std::io::Error::from(
                std::io::ErrorKind::BrokenPipe
            )))
            .kind(),
            std::io::ErrorKind::BrokenPipe,
            "the top of the chain hides the broken pipe"
        );
        assert!(wrapped.is_broken_pipe());
        assert_eq!(wrapped.exit_code(), 0);
        let json_error =
            serde_json::Error::io(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(Error::Io(std::io::Error::other(json_error)).is_broken_pipe());
        let other = Error::Io(std::io::Error::other("disk full"));
        assert!(!other.is_broken_pipe());
        assert_eq!(other.exit_code(), 1);
    }

    #[test]
    fn first_line_skips_blank_lines_and_truncates() {
        assert_eq!(
            first_line(b"\n  <html><head>502</head>\n<body>"),
            "<html><head>502</head>"
        );
        assert_eq!(first_line(b""), "(empty body)");
        let long = "x".repeat(500);
        assert_eq!(first_line(long.as_bytes()).chars().count(), 201);
    }
}
