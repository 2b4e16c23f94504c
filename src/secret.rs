//! Secrets that cannot print themselves, and the redaction used for ids and tokens.

use std::fmt;

/// A credential (secret key, access key secret, token). `Debug` and `Display` show only
/// a redacted form; the value is reached through `expose`, which signers call.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The real value, for signing and for headers. Never print it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The redacted form: the last 4 characters.
    pub fn redacted(&self) -> String {
        redact_id(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// An id or token shown by its last 4 characters: `****MPLE`. Values of 8 characters
/// or fewer are hidden whole, so that the shown part never is most of the secret.
pub fn redact_id(value: &str) -> String {
    let count = value.chars().count();
    if count <= 8 {
        return "****".to_string();
    }
    let tail: String = value.chars().skip(count - 4).collect();
    format!("****{tail}")
}

/// Replaces every occurrence of each secret in `text` with its redacted form.
pub fn redact_all<'a>(text: &str, secrets: impl IntoIterator<Item = &'a str>) -> String {
    let mut secrets: Vec<&str> = secrets.into_iter().filter(|s| s.len() >= 4).collect();
    // Longest first, so that a secret containing another is replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for secret in secrets {
        if out.contains(secret) {
            out = out.replace(secret, &redact_id(secret));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE");
        assert_eq!(format!("{s}"), "****MPLE");
        assert_eq!(format!("{s:?}"), "Secret(****MPLE)");
        assert_eq!(s.expose(), "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE");
    }

    #[test]
    fn short_values_are_hidden_whole() {
        assert_eq!(redact_id("abcd1234"), "****");
        assert_eq!(redact_id(""), "****");
        assert_eq!(redact_id("abcdefghi"), "****fghi");
    }

    #[test]
    fn redact_all_replaces_every_occurrence() {
        let text = "key=SECRETVALUE123 again SECRETVALUE123, token=tok-0000000001";
        let out = redact_all(text, ["SECRETVALUE123", "tok-0000000001"]);
        assert_eq!(out, "key=****E123 again ****E123, token=****0001");
        assert!(!out.contains("SECRETVALUE123"));
    }
}
