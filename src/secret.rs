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

/// Field names whose values are credentials wherever they appear in a provider's body.
fn is_secret_field(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace(['_', '-'], "");
    // `ApiToken`, `SessionToken`, `token`, but not `InputTokens` (a count).
    name.ends_with("token")
        || [
            "secret",
            "password",
            "passwd",
            "signature",
            "authorization",
            "credential",
        ]
        .iter()
        .any(|word| name.contains(word))
        || name == "apikey"
}

/// Masks the value of every credential-like field (`"ApiToken": "…"`, `token=…`,
/// `secret_key: …`) in an excerpt of a provider's body, whatever its shape: JSON, a
/// truncated JSON, a form or a plain text. The value is shown by its last 4 characters,
/// as ids are.
pub fn mask_secret_fields(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((before, name, after_name)) = next_word(rest) {
        out.push_str(before);
        out.push_str(name);
        rest = after_name;
        if !is_secret_field(name.trim_matches('"')) {
            continue;
        }
        // `"`? then `:` or `=`, then an optionally quoted value.
        let separator_len = separator(rest);
        if separator_len == 0 {
            continue;
        }
        out.push_str(&rest[..separator_len]);
        rest = &rest[separator_len..];
        let quoted = rest.starts_with('"');
        if quoted {
            out.push('"');
            rest = &rest[1..];
        }
        let end = value_end(rest, quoted);
        let value = &rest[..end];
        // A number is a count or a flag, never a credential.
        if !value.is_empty() && value.parse::<f64>().is_err() {
            out.push_str(&redact_id(value));
        } else {
            out.push_str(value);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The text before the next word (letters, digits, `_`, `-`; with its quotes when
/// quoted), the word, and the text after it.
fn next_word(text: &str) -> Option<(&str, &str, &str)> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let start = text.find(is_word)?;
    let len = text[start..]
        .find(|c: char| !is_word(c))
        .unwrap_or(text.len() - start);
    let mut end = start + len;
    if text[end..].starts_with('"') {
        end += 1;
    }
    Some((&text[..start], &text[start..end], &text[end..]))
}

/// The length of `\s*[:=]\s*` at the start of `text`, or 0.
fn separator(text: &str) -> usize {
    let trimmed = text.trim_start();
    let Some(after) = trimmed.strip_prefix([':', '=']) else {
        return 0;
    };
    text.len() - after.trim_start().len()
}

/// Where a value ends: its closing quote (escapes skipped), or for an unquoted value the
/// first delimiter; the end of the text when it was cut off.
fn value_end(text: &str, quoted: bool) -> usize {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => return i,
                _ => {}
            }
        } else if c.is_whitespace() || matches!(c, ',' | '&' | ';' | '}' | ']' | '<' | '"') {
            return i;
        }
    }
    text.len()
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

    #[test]
    fn credential_fields_are_masked_in_any_shape_of_body() {
        let cut = r#"{"Response": {"AigcQuotaSet": [{"ApiToken": "aigc-tok-0098", "QuotaLimit": 5"#;
        let out = mask_secret_fields(cut);
        assert_eq!(
            out,
            r#"{"Response": {"AigcQuotaSet": [{"ApiToken": "****0098", "QuotaLimit": 5"#
        );
        // Cut inside the value.
        assert_eq!(
            mask_secret_fields(r#"[{"ApiToken": "aigc-tok-00"#),
            r#"[{"ApiToken": "****k-00"#
        );
        assert_eq!(
            mask_secret_fields("error: token=platform-v1-abcdefgh1234&x=1"),
            "error: token=****1234&x=1"
        );
        assert_eq!(
            mask_secret_fields("SecretKey: Gu5t9xGARNpq86cd98joQYCN3EXAMPLE end"),
            "SecretKey: ****MPLE end"
        );
        assert_eq!(
            mask_secret_fields(r#"{"api_key":"a\"bcdefghijkl", "name": "tokenizer"}"#),
            r#"{"api_key":"****ijkl", "name": "tokenizer"}"#
        );
        // Other fields and words are left alone.
        let plain = r#"{"TotalCount": 3, "Tokens": 12, "InputToken": 7, "message": "bad token"}"#;
        assert_eq!(mask_secret_fields(plain), plain);
    }
}
