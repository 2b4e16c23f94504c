//! The desired-quotas file of `vod quota apply` (spec §4 v3): parsed, validated and its api
//! tokens read from the environment before anything is sent. Every error is a usage error
//! (exit 2) of the form `FILE:LINE: what is wrong`.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::error::Error;
use crate::providers::tencent::quota::api::QuotaType;
use crate::secret::{redact_id, Secret};

/// One `[[quota]]` entry, validated, its api token read from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredQuota {
    pub quota_type: QuotaType,
    /// `QuotaLimit`: a whole number ≥ 0, as `vod quota set --limit`.
    pub limit: i64,
    /// Text only: the api token, read from `api_token_env`.
    pub api_token: Option<Secret>,
    /// The variable the token came from, for messages (the token itself is never shown).
    pub api_token_env: Option<String>,
    /// The 1-based line of the entry's `[[quota]]` header.
    pub line: usize,
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredQuotas {
    /// The file's `sub_app_id`; `--sub-app-id` beats it, and it beats the profile's.
    pub sub_app_id: Option<u64>,
    pub quotas: Vec<DesiredQuota>,
}

impl DesiredQuotas {
    /// The SubAppId to apply to: `--sub-app-id` beats the file's `sub_app_id`, which beats
    /// the profile's. None of them is a usage error (exit 2), before anything is sent.
    pub fn resolve_sub_app_id(
        &self,
        flag: Option<u64>,
        profile: Option<u64>,
    ) -> Result<u64, Error> {
        flag.or(self.sub_app_id).or(profile).ok_or_else(|| {
            Error::usage(
                "a VOD SubAppId is required: set sub_app_id in the quotas file, pass \
                 --sub-app-id N, or set sub_app_id in the profile's [<profile>.tencent] section",
            )
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    sub_app_id: Option<Spanned<u64>>,
    #[serde(default)]
    quota: Vec<RawQuota>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuota {
    #[serde(rename = "type")]
    quota_type: Spanned<String>,
    limit: Spanned<i64>,
    api_token_env: Option<Spanned<String>>,
}

/// Reads and validates FILE. A file that cannot be read is a usage error naming it.
pub fn load(path: &Path, env: &HashMap<String, String>) -> Result<DesiredQuotas, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::usage(format!(
            "{}: cannot read the quotas file: {e} (nothing was sent)",
            path.display()
        ))
    })?;
    parse(path, &text, env)
}

/// Validates the text of FILE (`path` only names it in messages). Every problem found is
/// reported, one `FILE:LINE: ...` line each, so that one run shows all of them.
pub fn parse(
    path: &Path,
    text: &str,
    env: &HashMap<String, String>,
) -> Result<DesiredQuotas, Error> {
    let located = |span: Range<usize>, message: &str| {
        format!(
            "{}:{}: {message}",
            path.display(),
            line_of(text, span.start)
        )
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let message = describe_toml_error(e.message());
        match e.span() {
            Some(span) => Error::usage(located(span, &message)),
            None => Error::usage(format!("{}: {message}", path.display())),
        }
    })?;

    let mut problems: Vec<String> = Vec::new();
    if let Some(id) = &raw.sub_app_id {
        if *id.get_ref() == 0 {
            problems.push(located(
                id.span(),
                "sub_app_id must be a positive whole number, e.g. 200000004",
            ));
        }
    }

    let mut quotas: Vec<DesiredQuota> = Vec::new();
    // (type, token) → the line of the first entry that named it.
    let mut seen: HashMap<(&'static str, Option<String>), usize> = HashMap::new();
    for entry in &raw.quota {
        let raw = entry;
        let first_key = [Some(raw.quota_type.span()), Some(raw.limit.span())]
            .into_iter()
            .chain([raw.api_token_env.as_ref().map(Spanned::span)])
            .flatten()
            .map(|span| span.start)
            .min()
            .unwrap_or_default();
        let header_line = header_line(text, first_key);
        let mut entry_ok = true;

        let quota_type = match QuotaType::parse(raw.quota_type.get_ref()) {
            Ok(t) => Some(t),
            Err(_) => {
                problems.push(located(
                    raw.quota_type.span(),
                    &format!(
                        "type '{}' is not a quota type: use Image, Video or Text",
                        raw.quota_type.get_ref()
                    ),
                ));
                None
            }
        };

        let limit = *raw.limit.get_ref();
        if limit < 0 {
            problems.push(located(
                raw.limit.span(),
                &format!("limit {limit} is negative: a quota limit is a whole number of 0 or more, e.g. 2000"),
            ));
            entry_ok = false;
        }

        let api_token = match &raw.api_token_env {
            None => None,
            Some(var) => {
                let name = var.get_ref().trim();
                match (quota_type, env.get(name)) {
                    (Some(t), _) if t != QuotaType::Text => {
                        problems.push(located(
                            var.span(),
                            &format!(
                                "api_token_env is only valid on a Text quota (this one is {}): api tokens have Text quotas only",
                                t.as_str()
                            ),
                        ));
                        entry_ok = false;
                        None
                    }
                    _ if name.is_empty() => {
                        problems.push(located(
                            var.span(),
                            "api_token_env is empty: name the environment variable that holds the api token",
                        ));
                        entry_ok = false;
                        None
                    }
                    (_, None) => {
                        problems.push(located(
                            var.span(),
                            &format!("api_token_env names {name}, which is not set: export {name} with the api token"),
                        ));
                        entry_ok = false;
                        None
                    }
                    (_, Some(value)) if value.trim().is_empty() => {
                        problems.push(located(
                            var.span(),
                            &format!("api_token_env names {name}, which is empty: export {name} with the api token"),
                        ));
                        entry_ok = false;
                        None
                    }
                    (_, Some(value)) => Some(value.trim().to_string()),
                }
            }
        };

        let Some(quota_type) = quota_type else {
            continue;
        };
        if !entry_ok {
            continue;
        }
        let key = (quota_type.as_str(), api_token.clone());
        if let Some(first) = seen.get(&key) {
            let whose = match &api_token {
                Some(token) => format!(" for api token {}", redact_id(token)),
                None => String::new(),
            };
            problems.push(format!(
                "{}:{header_line}: a second entry for the {} quota{whose} (the first is at line {first}): one entry per type and api token",
                path.display(),
                quota_type.as_str(),
            ));
            continue;
        }
        seen.insert(key, header_line);
        quotas.push(DesiredQuota {
            quota_type,
            limit,
            api_token: api_token.map(Secret::new),
            api_token_env: raw
                .api_token_env
                .as_ref()
                .map(|v| v.get_ref().trim().to_string()),
            line: header_line,
        });
    }

    if !problems.is_empty() {
        problems.push("nothing was sent".to_string());
        return Err(Error::usage(problems.join("\n")));
    }
    Ok(DesiredQuotas {
        sub_app_id: raw.sub_app_id.map(Spanned::into_inner),
        quotas,
    })
}

/// The 1-based line holding byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The line of the `[[quota]]` header of the entry holding byte `offset`: the nearest
/// header line before it (toml keeps no span for an array-of-tables entry itself).
fn header_line(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    let before = &text[..end];
    let header = before
        .rmatch_indices("[[")
        .find(|(i, _)| before[..*i].ends_with('\n') || *i == 0)
        .map(|(i, _)| i);
    line_of(text, header.unwrap_or(offset))
}

/// toml's messages may span lines, and some name serde's types; say what the file needs.
fn describe_toml_error(message: &str) -> String {
    let one_line = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    if one_line.contains("unknown field `api_token`") {
        return "api_token is not allowed in the file (a token is a credential): name the environment variable that holds it with api_token_env".to_string();
    }
    if let Some(rest) = one_line.strip_prefix("unknown field ") {
        return format!("unknown key {rest}");
    }
    if one_line == "invalid type: map, expected a sequence" {
        return "quota is a list of entries: write each one under [[quota]] (two brackets)"
            .to_string();
    }
    if let Some(rest) = one_line.strip_prefix("missing field ") {
        return format!("missing key {rest}");
    }
    one_line
        .replace("expected i64", "expected a whole number (limit), e.g. 2000")
        .replace(
            "expected u64",
            "expected a positive whole number (sub_app_id)",
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn parse_ok(text: &str, vars: &[(&str, &str)]) -> DesiredQuotas {
        parse(Path::new("quotas.toml"), text, &env(vars)).unwrap()
    }

    fn parse_err(text: &str, vars: &[(&str, &str)]) -> String {
        let err = parse(Path::new("quotas.toml"), text, &env(vars)).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{err}");
        err.to_string()
    }

    const SPEC_EXAMPLE: &str = r#"sub_app_id = 200000004          # optional; else --sub-app-id or the profile's sub_app_id

[[quota]]
type = "Image"                  # Image | Video | Text (any case)
limit = 2000
[[quota]]
type = "Text"
limit = 5000000
api_token_env = "AIGC_TOKEN_A"  # Text only: the api token, read from this environment variable
"#;

    #[test]
    fn the_spec_example_parses_with_the_token_from_the_environment() {
        let file = parse_ok(SPEC_EXAMPLE, &[("AIGC_TOKEN_A", "tok-secret-abcd")]);
        assert_eq!(file.sub_app_id, Some(200000004));
        assert_eq!(file.quotas.len(), 2);
        assert_eq!(file.quotas[0].quota_type, QuotaType::Image);
        assert_eq!(file.quotas[0].limit, 2000);
        assert_eq!(file.quotas[0].api_token, None);
        assert_eq!(file.quotas[0].line, 3);
        let text = &file.quotas[1];
        assert_eq!(text.quota_type, QuotaType::Text);
        assert_eq!(text.limit, 5000000);
        assert_eq!(text.api_token.as_ref().unwrap().expose(), "tok-secret-abcd");
        assert_eq!(text.api_token_env.as_deref(), Some("AIGC_TOKEN_A"));
        assert_eq!(text.line, 6);
        // Debug never shows the token.
        assert!(!format!("{file:?}").contains("tok-secret"));
    }

    #[test]
    fn types_are_any_case_and_the_file_may_be_empty() {
        let file = parse_ok("[[quota]]\ntype = \"video\"\nlimit = 0\n", &[]);
        assert_eq!(file.quotas[0].quota_type, QuotaType::Video);
        assert_eq!(file.quotas[0].limit, 0);
        assert_eq!(file.sub_app_id, None);
        assert_eq!(parse_ok("", &[]).quotas, vec![]);
    }

    #[test]
    fn an_unknown_top_level_key_names_its_line() {
        let err = parse_err("sub_app_id = 7\nsubapp = 1\n", &[]);
        assert!(
            err.starts_with("quotas.toml:2: unknown key `subapp`"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_key_in_an_entry_names_its_line() {
        let err = parse_err(
            "[[quota]]\ntype = \"Image\"\nlimit = 5\n\n[[quota]]\ntype = \"Video\"\nlimt = 5\n",
            &[],
        );
        assert!(
            err.starts_with("quotas.toml:7: unknown key `limt`"),
            "{err}"
        );
    }

    #[test]
    fn a_token_written_in_the_file_is_refused_with_the_way_to_do_it() {
        let err = parse_err(
            "[[quota]]\ntype = \"Text\"\nlimit = 5\napi_token = \"tok-secret-abcd\"\n",
            &[],
        );
        assert!(err.starts_with("quotas.toml:4: "), "{err}");
        assert!(err.contains("api_token_env"), "{err}");
        assert!(!err.contains("tok-secret"), "{err}");
    }

    #[test]
    fn bad_types_name_their_line() {
        let err = parse_err("[[quota]]\ntype = \"Image\"\nlimit = 1.5\n", &[]);
        assert!(err.starts_with("quotas.toml:3: "), "{err}");
        assert!(err.contains("whole number"), "{err}");
        let err = parse_err("[[quota]]\ntype = \"Image\"\nlimit = \"2000\"\n", &[]);
        assert!(err.starts_with("quotas.toml:3: "), "{err}");
        let err = parse_err("[[quota]]\ntype = 3\nlimit = 5\n", &[]);
        assert!(err.starts_with("quotas.toml:2: "), "{err}");
        let err = parse_err("sub_app_id = \"x\"\n", &[]);
        assert!(err.starts_with("quotas.toml:1: "), "{err}");
        let err = parse_err("quota = 5\n", &[]);
        assert!(err.starts_with("quotas.toml:1: "), "{err}");
        let err = parse_err("[quota]\ntype = \"Image\"\nlimit = 1\n", &[]);
        assert!(
            err.starts_with("quotas.toml:1: quota is a list of entries"),
            "{err}"
        );
        let err = parse_err("[[quota]\n", &[]);
        assert!(
            err.starts_with("quotas.toml:1: invalid table header"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_key_names_the_entry() {
        let err = parse_err(
            "[[quota]]\ntype = \"Image\"\n\n[[quota]]\ntype = \"Video\"\nlimit = 1\n",
            &[],
        );
        assert!(err.contains("missing key `limit`"), "{err}");
        assert!(
            err.starts_with("quotas.toml:1: ") || err.starts_with("quotas.toml:2: "),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_quota_type_names_its_line() {
        let err = parse_err("[[quota]]\ntype = \"Audio\"\nlimit = 5\n", &[]);
        assert!(
            err.starts_with("quotas.toml:2: type 'Audio' is not a quota type"),
            "{err}"
        );
    }

    #[test]
    fn a_negative_limit_names_its_line() {
        let err = parse_err("[[quota]]\ntype = \"Image\"\nlimit = -1\n", &[]);
        assert!(
            err.starts_with("quotas.toml:3: limit -1 is negative"),
            "{err}"
        );
    }

    #[test]
    fn a_limit_beyond_the_toml_integer_range_is_refused() {
        let err = parse_err(
            "[[quota]]\ntype = \"Image\"\nlimit = 9223372036854775808\n",
            &[],
        );
        assert!(err.starts_with("quotas.toml:3: "), "{err}");
    }

    #[test]
    fn the_flag_beats_the_file_which_beats_the_profile() {
        let with = parse_ok("sub_app_id = 2\n", &[]);
        let without = parse_ok("", &[]);
        assert_eq!(with.resolve_sub_app_id(Some(1), Some(3)).unwrap(), 1);
        assert_eq!(with.resolve_sub_app_id(None, Some(3)).unwrap(), 2);
        assert_eq!(without.resolve_sub_app_id(None, Some(3)).unwrap(), 3);
        let err = without.resolve_sub_app_id(None, None).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--sub-app-id"), "{err}");
    }

    #[test]
    fn a_zero_sub_app_id_is_refused() {
        let err = parse_err("sub_app_id = 0\n", &[]);
        assert!(
            err.starts_with("quotas.toml:1: sub_app_id must be a positive"),
            "{err}"
        );
    }

    #[test]
    fn an_unset_token_variable_names_its_line_and_the_variable() {
        let err = parse_err(
            "[[quota]]\ntype = \"Text\"\nlimit = 5\napi_token_env = \"AIGC_TOKEN_B\"\n",
            &[("AIGC_TOKEN_A", "x")],
        );
        assert!(
            err.starts_with("quotas.toml:4: api_token_env names AIGC_TOKEN_B, which is not set"),
            "{err}"
        );
        let err = parse_err(
            "[[quota]]\ntype = \"Text\"\nlimit = 5\napi_token_env = \"AIGC_TOKEN_B\"\n",
            &[("AIGC_TOKEN_B", " ")],
        );
        assert!(err.contains("which is empty"), "{err}");
    }

    #[test]
    fn a_token_variable_on_a_non_text_entry_is_refused() {
        let err = parse_err(
            "[[quota]]\ntype = \"Image\"\nlimit = 5\napi_token_env = \"AIGC_TOKEN_A\"\n",
            &[("AIGC_TOKEN_A", "tok-secret-abcd")],
        );
        assert!(
            err.starts_with(
                "quotas.toml:4: api_token_env is only valid on a Text quota (this one is Image)"
            ),
            "{err}"
        );
    }

    #[test]
    fn two_entries_for_the_same_type_and_token_are_refused() {
        let err = parse_err(
            "[[quota]]\ntype = \"Image\"\nlimit = 5\n[[quota]]\ntype = \"image\"\nlimit = 6\n",
            &[],
        );
        assert!(
            err.starts_with(
                "quotas.toml:4: a second entry for the Image quota (the first is at line 1)"
            ),
            "{err}"
        );
        // Two variables holding the same token are the same quota; the token stays hidden.
        let err = parse_err(
            "[[quota]]\ntype = \"Text\"\nlimit = 5\napi_token_env = \"A\"\n\n[[quota]]\ntype = \"Text\"\nlimit = 6\napi_token_env = \"B\"\n",
            &[("A", "tok-secret-abcd"), ("B", "tok-secret-abcd")],
        );
        assert!(
            err.starts_with("quotas.toml:6: a second entry for the Text quota for api token ****abcd (the first is at line 1)"),
            "{err}"
        );
        assert!(!err.contains("tok-secret"), "{err}");
        // Different tokens, and a token next to the app-wide Text quota, are different quotas.
        let file = parse_ok(
            "[[quota]]\ntype = \"Text\"\nlimit = 5\napi_token_env = \"A\"\n[[quota]]\ntype = \"Text\"\nlimit = 6\napi_token_env = \"B\"\n[[quota]]\ntype = \"Text\"\nlimit = 7\n",
            &[("A", "tok-secret-aaaa"), ("B", "tok-secret-bbbb")],
        );
        assert_eq!(file.quotas.len(), 3);
    }

    #[test]
    fn every_problem_is_listed_then_nothing_was_sent() {
        let err = parse_err(
            "[[quota]]\ntype = \"Image\"\nlimit = -1\n[[quota]]\ntype = \"Text\"\nlimit = 1\napi_token_env = \"NOPE\"\n",
            &[],
        );
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 3, "{err}");
        assert!(lines[0].starts_with("quotas.toml:3: "), "{err}");
        assert!(lines[1].starts_with("quotas.toml:7: "), "{err}");
        assert_eq!(lines[2], "nothing was sent");
    }

    #[test]
    fn a_missing_file_is_a_usage_error_naming_it() {
        let err = load(Path::new("/nonexistent/quotas.toml"), &env(&[])).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err
            .to_string()
            .starts_with("/nonexistent/quotas.toml: cannot read"));
    }
}
