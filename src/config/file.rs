//! The TOML config file: parsing (errors as `path:line: what is wrong`), unknown-key
//! warnings, and the ssh-style permission warning.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::Error;
use crate::secret::redact_all;

/// The keys of a profile table other than the providers' sections (whose keys each
/// provider's descriptor lists in `config_keys`).
pub(crate) const GENERAL_KEYS: &[&str] =
    &["output", "tz", "prices", "currency", "store", "account"];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(expecting = "a profile table such as [default]")]
pub(crate) struct RawProfile {
    /// Spanned so that a value of the right type but wrong content is named with its line.
    pub output: Option<toml::Spanned<String>>,
    pub tz: Option<toml::Spanned<String>>,
    /// The price book's path (spec §8).
    pub prices: Option<String>,
    /// The currency costs are reported in (spec §8).
    pub currency: Option<toml::Spanned<String>>,
    /// (v3) The default `--store`.
    pub store: Option<String>,
    /// (v3) The account history rows are stored under; default: the profile's name.
    pub account: Option<String>,
    /// Each registered provider's section, by provider id, untyped: its types were checked
    /// by the provider's `check_config_section` (filled by `parse`).
    #[serde(skip)]
    pub sections: BTreeMap<String, toml::Value>,
    /// The 1-based line of `output`, `tz` and `currency`, from their spans (filled by
    /// `parse`).
    #[serde(skip)]
    pub lines: BTreeMap<&'static str, usize>,
}

impl RawProfile {
    pub fn output(&self) -> Option<&str> {
        self.output.as_ref().map(|v| v.get_ref().as_str())
    }

    pub fn tz(&self) -> Option<&str> {
        self.tz.as_ref().map(|v| v.get_ref().as_str())
    }

    pub fn currency(&self) -> Option<&str> {
        self.currency.as_ref().map(|v| v.get_ref().as_str())
    }
}

impl RawProfile {
    /// True when any secret (not an id) is set in this profile.
    fn holds_secret(&self) -> bool {
        crate::providers::REGISTRY.iter().any(|provider| {
            self.sections
                .get(provider.id)
                .is_some_and(|section| super::section::holds_secret(provider, section))
        })
    }
}

/// A parsed config file.
#[derive(Debug, Clone)]
pub(crate) struct ConfigFile {
    pub profiles: BTreeMap<String, RawProfile>,
    /// Unknown keys and loose permissions.
    pub warnings: Vec<String>,
}

impl ConfigFile {
    pub fn holds_secret(&self) -> bool {
        self.profiles.values().any(RawProfile::holds_secret)
    }

    /// `default, work`, or `none` for a file without profiles.
    pub fn profile_list(&self) -> String {
        if self.profiles.is_empty() {
            "none".to_string()
        } else {
            self.profiles
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

/// The largest config file read (spec §3): a config is a few lines; anything larger is
/// a mistaken path.
pub(crate) const MAX_BYTES: u64 = 10 * 1024 * 1024;

/// The one device read as a config: empty.
const DEV_NULL: &str = "/dev/null";

/// Reads and parses the file at `path`; `Ok(None)` when it does not exist.
///
/// Only a regular file (or `/dev/null`, an empty config) of at most `MAX_BYTES` is read:
/// `/dev/zero` would never end, a named pipe would block.
pub(crate) fn read(path: &Path) -> Result<Option<ConfigFile>, Error> {
    if path == Path::new(DEV_NULL) {
        return parse(path, "").map(Some);
    }
    let cannot_read = |e: std::io::Error| {
        Error::config(format!("cannot read config file {}: {e}", path.display()))
    };
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(cannot_read(e)),
    };
    if !metadata.is_file() {
        return Err(Error::config(format!(
            "config file {} is not a regular file (it is {}); --config and AIGCUSAGE_CONFIG name a TOML file",
            path.display(),
            kind_of(&metadata)
        )));
    }
    let too_large = || {
        Error::config(format!(
            "config file {} is larger than 10 MiB; is it the right file?",
            path.display()
        ))
    };
    if metadata.len() > MAX_BYTES {
        return Err(too_large());
    }
    // Read at most one byte over the limit, in case the file grew since `metadata`.
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(
            std::fs::File::open(path).map_err(cannot_read)?,
            MAX_BYTES + 1,
        ),
        &mut bytes,
    )
    .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_large());
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = line_of(e.as_bytes(), e.utf8_error().valid_up_to());
        Error::config(format!("{}:{line}: not valid UTF-8", path.display()))
    })?;
    let mut file = parse(path, &text)?;
    if let Some(warning) =
        mode_of(path).and_then(|mode| permission_warning(path, file.holds_secret(), mode))
    {
        file.warnings.push(warning);
    }
    Ok(Some(file))
}

/// `a directory`, `a named pipe`, ... for the not-a-regular-file message.
fn kind_of(metadata: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = metadata.file_type();
        if kind.is_fifo() {
            return "a named pipe";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if metadata.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Parses config text; `path` is only used in messages.
pub(crate) fn parse(path: &Path, text: &str) -> Result<ConfigFile, Error> {
    // First the syntax, into an untyped table (kept for the unknown-key check and for
    // redacting values out of type errors), then the types.
    let table: toml::Table = toml::from_str(text)
        .map_err(|e| located(path, text, e.span(), None, one_line(e.message())))?;
    // `[[name]]` would otherwise get serde's puzzling "expected a string, found a table".
    if let Some((name, _)) = table.iter().find(|(_, v)| v.is_array()) {
        if let Some(start) = text.find(&format!("[[{name}]]")) {
            return Err(located(
                path,
                text,
                Some(start..start),
                None,
                format!("[[{name}]] is an array of tables; a profile is one table: [{name}]"),
            ));
        }
        // `default = [1, 2]`: a value where a profile table belongs.
        return Err(located(
            path,
            text,
            key_line_span(text, name),
            None,
            format!("{name} is an array, but a top-level name is a profile and must be a table: [{name}]"),
        ));
    }
    let type_error = |e: toml::de::Error| {
        let mut strings = Vec::new();
        collect_strings(&toml::Value::Table(table.clone()), &mut strings);
        let message = redact_all(
            &describe_type_error(&one_line(e.message())),
            strings.iter().map(String::as_str),
        );
        located(path, text, e.span(), key_at(text, e.span()), message)
    };
    // The general keys first, then each provider's section, typed by the provider.
    let mut profiles: BTreeMap<String, RawProfile> = toml::from_str(text).map_err(type_error)?;
    for provider in crate::providers::REGISTRY {
        (provider.check_config_section)(text, provider.id).map_err(type_error)?;
    }
    for (name, profile) in profiles.iter_mut() {
        let sections = table.get(name).and_then(toml::Value::as_table);
        for provider in crate::providers::REGISTRY {
            if let Some(section) = sections.and_then(|t| t.get(provider.id)) {
                profile
                    .sections
                    .insert(provider.id.to_string(), section.clone());
            }
        }
        let spans = [
            ("output", profile.output.as_ref().map(toml::Spanned::span)),
            ("tz", profile.tz.as_ref().map(toml::Spanned::span)),
            (
                "currency",
                profile.currency.as_ref().map(toml::Spanned::span),
            ),
        ];
        for (key, span) in spans {
            if let Some(span) = span {
                profile
                    .lines
                    .insert(key, line_of(text.as_bytes(), span.start));
            }
        }
    }
    let warnings = unknown_keys(path, &table);
    Ok(ConfigFile { profiles, warnings })
}

/// Where a top-level `name = ...` starts, for a message's line.
fn key_line_span(text: &str, name: &str) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let key = trimmed.trim_start_matches(['"', '\'']);
        if key.starts_with(name)
            && key[name.len()..]
                .trim_start_matches(['"', '\''])
                .trim_start()
                .starts_with('=')
        {
            return Some(offset..offset);
        }
        offset += line.len();
    }
    None
}

/// `path:line: [key: ]message`, or `path: message` without a span.
fn located(
    path: &Path,
    text: &str,
    span: Option<std::ops::Range<usize>>,
    key: Option<String>,
    message: String,
) -> Error {
    let key = key.map(|k| format!("{k}: ")).unwrap_or_default();
    match span {
        Some(span) => Error::config(format!(
            "{}:{}: {key}{message}",
            path.display(),
            line_of(text.as_bytes(), span.start)
        )),
        None => Error::config(format!("{}: {key}{message}", path.display())),
    }
}

/// toml's messages may span lines (`invalid table header\nexpected ...`).
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The 1-based line holding byte `offset`.
pub(crate) fn line_of(bytes: &[u8], offset: usize) -> usize {
    let end = offset.min(bytes.len());
    bytes[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The key whose value starts at `span`: `sub_app_id` in `sub_app_id = "abc"` (also inside
/// an inline table). `None` when the span is not on a `key = value` line.
fn key_at(text: &str, span: Option<std::ops::Range<usize>>) -> Option<String> {
    let start = span?.start.min(text.len());
    let line_start = text.as_bytes()[..start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let before = text.get(line_start..start)?;
    let eq = before.rfind('=')?;
    let key = before[..eq]
        .trim_end()
        .rsplit(['{', ',', ' ', '\t'])
        .next()?
        .trim();
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_string())
}

/// serde's `invalid type: string "…", expected u64` as `expected a non-negative integer,
/// found a string`: the value is left out (it may be a misplaced secret), the line says where.
fn describe_type_error(message: &str) -> String {
    let message = message.replace("expected u64", "expected a non-negative integer");
    let Some(rest) = message.strip_prefix("invalid type: ") else {
        return message;
    };
    let Some((found, expected)) = rest.split_once(", expected ") else {
        return message;
    };
    let found = match found.split_whitespace().next().unwrap_or(found) {
        "string" => "a string",
        "integer" => "an integer",
        "floating" => "a float",
        "boolean" => "a boolean",
        "map" => "a table",
        "sequence" => "an array",
        other => other,
    };
    format!("expected {expected}, found {found}")
}

fn collect_strings(value: &toml::Value, out: &mut Vec<String>) {
    match value {
        toml::Value::String(s) => out.push(s.clone()),
        toml::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        toml::Value::Table(table) => table.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

/// One warning per key the tool does not know, naming the file, the table and the key.
fn unknown_keys(path: &Path, table: &toml::Table) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut warn = |section: &str, key: &str| {
        warnings.push(format!(
            "{}: unknown key '{key}' in [{section}] (a typo?); it is ignored",
            path.display()
        ))
    };
    for (profile, value) in table {
        let Some(profile_table) = value.as_table() else {
            continue; // a type error, reported by the typed parse
        };
        for (key, value) in profile_table {
            if GENERAL_KEYS.contains(&key.as_str()) {
                continue;
            }
            let provider = crate::providers::REGISTRY
                .iter()
                .find(|provider| provider.id == key.as_str());
            let Some(provider) = provider else {
                warn(profile, key);
                continue;
            };
            let known = provider.config_keys;
            let section = format!("{profile}.{key}");
            for inner in value.as_table().into_iter().flat_map(|t| t.keys()) {
                if !known.contains(&inner.as_str()) {
                    warn(&section, inner);
                }
            }
        }
    }
    warnings
}

#[cfg(unix)]
fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode())
}

#[cfg(not(unix))]
fn mode_of(_path: &Path) -> Option<u32> {
    None
}

/// As ssh does: a file holding secrets must not be readable by group or others.
pub(crate) fn permission_warning(path: &Path, holds_secret: bool, mode: u32) -> Option<String> {
    (holds_secret && mode & 0o077 != 0).then(|| {
        format!(
            "{p} holds secrets and is readable by others (mode {:04o}); run: chmod 600 {p}",
            mode & 0o7777,
            p = path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("/cfg/config.toml")
    }

    #[test]
    fn parses_the_spec_layout() {
        let text = r#"
[default]
output = "json"
tz = "Asia/Shanghai"

[default.tencent]
secret_id = "AKID"
secret_key = "key"
sub_app_id = 200000004

[work.acedata]
token = "platform-v1-abc"
"#;
        let f = parse(p(), text).unwrap();
        assert_eq!(f.profile_list(), "default, work");
        let d = &f.profiles["default"];
        assert_eq!(d.output(), Some("json"));
        assert_eq!(
            d.sections["tencent"].get("sub_app_id"),
            Some(&toml::Value::Integer(200000004))
        );
        assert!(f.warnings.is_empty());
        assert!(f.holds_secret());
    }

    #[test]
    fn bad_toml_is_reported_with_path_and_line() {
        let text = "[default]\noutput = \"json\"\ntz = \"Asia/Shanghai\n";
        let e = parse(p(), text).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        let msg = e.to_string();
        assert!(msg.starts_with("/cfg/config.toml:3: "), "{msg}");
    }

    #[test]
    fn duplicate_key_is_reported_with_its_line() {
        let text = "[default]\noutput = \"json\"\n\noutput = \"csv\"\n";
        let msg = parse(p(), text).unwrap_err().to_string();
        assert!(msg.starts_with("/cfg/config.toml:4: "), "{msg}");
    }

    #[test]
    fn wrong_type_is_reported_with_line_and_key() {
        let text = "[default]\n\n[default.tencent]\nsecret_id = \"AKID\"\nsub_app_id = \"abc\"\n";
        let e = parse(p(), text).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert_eq!(
            e.to_string(),
            "/cfg/config.toml:5: sub_app_id: expected a non-negative integer, found a string"
        );
    }

    #[test]
    fn wrong_type_never_shows_a_misplaced_secret() {
        let text = "[default]\ntencent = \"SuperSecretValue12345\"\n";
        let msg = parse(p(), text).unwrap_err().to_string();
        assert!(msg.starts_with("/cfg/config.toml:2: tencent: "), "{msg}");
        assert!(!msg.contains("SuperSecretValue12345"), "{msg}");
    }

    #[test]
    fn syntax_error_is_one_line() {
        let msg = parse(p(), "[default]\n[default.tencent\n")
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("/cfg/config.toml:2: invalid table header; "),
            "{msg}"
        );
        assert!(!msg.contains('\n'), "{msg}");
    }

    #[test]
    fn array_of_tables_is_not_a_profile() {
        let msg = parse(p(), "# x\n[[default]]\noutput = \"json\"\n")
            .unwrap_err()
            .to_string();
        assert_eq!(msg, "/cfg/config.toml:2: [[default]] is an array of tables; a profile is one table: [default]");
    }

    #[test]
    fn an_array_where_a_profile_belongs_names_its_line() {
        let msg = parse(p(), "# x\ndefault = [1, 2]\n")
            .unwrap_err()
            .to_string();
        assert_eq!(msg, "/cfg/config.toml:2: default is an array, but a top-level name is a profile and must be a table: [default]");
    }

    #[test]
    fn output_and_tz_lines_are_kept() {
        let file = parse(p(), "[default]\n\noutput = \"yaml\"\ntz = \"Mars\"\n").unwrap();
        let profile = &file.profiles["default"];
        assert_eq!(profile.output(), Some("yaml"));
        assert_eq!(profile.lines["output"], 3);
        assert_eq!(profile.lines["tz"], 4);
    }

    #[test]
    fn a_device_or_directory_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let msg = read(dir.path()).unwrap_err().to_string();
        assert!(
            msg.contains("is not a regular file (it is a directory)"),
            "{msg}"
        );
        assert!(read(Path::new("/dev/null"))
            .unwrap()
            .unwrap()
            .profiles
            .is_empty());
        #[cfg(unix)]
        assert!(read(Path::new("/dev/zero"))
            .unwrap_err()
            .to_string()
            .contains("a device"));
    }

    #[test]
    fn top_level_value_is_not_a_profile() {
        let msg = parse(p(), "output = \"json\"\n").unwrap_err().to_string();
        assert!(msg.starts_with("/cfg/config.toml:1: output: "), "{msg}");
        assert!(msg.contains("a profile table such as [default]"), "{msg}");
    }

    #[test]
    fn unknown_keys_are_warnings_naming_path_profile_and_key() {
        let text = "[default]\noutptu = \"json\"\n[work.tencent]\nscret_key = \"x\"\n[work.aws]\n";
        let f = parse(p(), text).unwrap();
        assert_eq!(
            f.warnings,
            [
                "/cfg/config.toml: unknown key 'outptu' in [default] (a typo?); it is ignored",
                "/cfg/config.toml: unknown key 'aws' in [work] (a typo?); it is ignored",
                "/cfg/config.toml: unknown key 'scret_key' in [work.tencent] (a typo?); it is ignored",
            ]
        );
    }

    #[test]
    fn permission_warning_reads_like_ssh() {
        assert_eq!(
            permission_warning(p(), true, 0o100644).unwrap(),
            "/cfg/config.toml holds secrets and is readable by others (mode 0644); run: chmod 600 /cfg/config.toml"
        );
        assert_eq!(permission_warning(p(), true, 0o100600), None);
        assert_eq!(permission_warning(p(), false, 0o100644), None);
    }

    #[test]
    fn ids_alone_are_not_secrets() {
        let f = parse(p(), "[default.tencent]\nsecret_id = \"AKID\"\n[default.alibaba]\naccess_key_id = \"LTAI\"\n").unwrap();
        assert!(!f.holds_secret());
        for secret in [
            "[a.tencent]\ntoken = \"t\"",
            "[a.alibaba]\nsecurity_token = \"t\"",
            "[a.alibaba]\naccess_key_secret = \"t\"",
            "[a.acedata]\ntoken = \"t\"",
        ] {
            assert!(parse(p(), secret).unwrap().holds_secret(), "{secret}");
        }
    }

    #[test]
    fn line_of_counts_newlines_before_the_offset() {
        assert_eq!(line_of(b"a\nb\nc", 0), 1);
        assert_eq!(line_of(b"a\nb\nc", 2), 2);
        assert_eq!(line_of(b"a\nb\nc", 99), 3);
    }
}
