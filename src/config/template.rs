//! `config init`: a commented template, written with mode 0600.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::error::Error;

/// What comes first.
const INTRO: &str = r#"# aigcusage configuration.
#
# Each top-level table is a profile; pick one with --profile NAME or AIGCUSAGE_PROFILE.
# Without either, the profile [default] is used (it may be absent).
#
# Precedence: command-line option, then environment variable, then this file, then the
# built-in default. A profile named with --profile or AIGCUSAGE_PROFILE is the only source
"#;

/// What comes after the sentence naming every provider's credential variables.
const HEAD: &str = r#"#
# This file may hold secrets: keep it readable by you alone (chmod 600).
# Check what is in effect with: aigcusage config show

[default]
# Defaults for the global options.
# output = "table"               # table, json, ndjson or csv
# tz = "Asia/Shanghai"           # IANA name, UTC, or an offset such as +08:00
# prices = "prices.toml"         # the price book for --cost (relative to this file)
# currency = "CNY"               # report every cost in this currency
# store = "postgres://aigc@db.internal/aigcusage"   # the history store (default: ~/.local/share/aigcusage/history.db)
# account = "work"               # the account synced rows are stored under (default: the profile's name)

"#;

/// What comes after them, before a second profile's example (the last provider's section
/// with its first example line).
const TAIL: &str = r#"# Another profile, used with --profile work:
# [work]
"#;

/// The file `config init` writes: every section of spec §3 with commented-out examples,
/// one `[default.<provider>]` section per registered provider (its `config_template`).
/// Example lines are `# key = value` (and `# [table]`), prose lines are `# ` followed by
/// text that is not a key, so a test can uncomment exactly the examples.
pub fn template() -> String {
    let mut text = INTRO.to_string();
    text.push_str(&wrap_comment(&format!(
        "of credentials: {} are then ignored, so that --profile prod always means prod's keys.",
        super::section::credential_variables_text()
    )));
    text.push_str(HEAD);
    for provider in crate::providers::REGISTRY {
        text.push_str(&format!(
            "[default.{}]\n{}\n",
            provider.id, provider.config_template
        ));
    }
    text.push_str(TAIL);
    if let Some(provider) = crate::providers::REGISTRY.last() {
        text.push_str(&format!("# [work.{}]\n", provider.id));
        if let Some(example) = provider
            .config_template
            .lines()
            .find(|line| is_example(line))
        {
            text.push_str(example);
            text.push('\n');
        }
    }
    text
}

/// The widest line of the template's prose.
const WIDTH: usize = 90;

/// `text` as `# ` comment lines of at most `WIDTH` characters, broken between words.
fn wrap_comment(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() > 1 && line.len() + 1 + word.len() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// An example line of a provider's template: `# key = value`.
fn is_example(line: &str) -> bool {
    line.strip_prefix("# ").is_some_and(|rest| {
        rest.split_once(" = ")
            .is_some_and(|(key, _)| key.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    })
}

/// Writes the commented price-book template (`cost::demo::prices_template`) as
/// `prices.toml` next to the config file at `config_path`, unless one is there already.
/// It holds no secrets, so the usual mode (0644 under a 022 umask) is fine. Returns the
/// path written, `None` when the file existed.
pub fn init_prices(config_path: &Path) -> Result<Option<std::path::PathBuf>, Error> {
    let Some(dir) = config_path.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(None);
    };
    let path = dir.join("prices.toml");
    match OpenOptions::new().write(true).create_new(true).open(&path) {
        Ok(mut file) => {
            file.write_all(crate::cost::demo::prices_template().as_bytes())
                .map_err(|e| Error::config(format!("cannot write {}: {e}", path.display())))?;
            Ok(Some(path))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(None),
        Err(e) => Err(Error::config(format!(
            "cannot create {}: {e}",
            path.display()
        ))),
    }
}

/// Writes `template()` at `path`, creating parent directories (0700 where new). A new file is
/// created with mode 0600 (never chmod-ed after the fact). An existing file is a usage error
/// (exit 2) unless `force`, which truncates it and sets its mode to 0600 before writing.
pub fn init(path: &Path, force: bool) -> Result<(), Error> {
    if path.as_os_str().is_empty() {
        return Err(Error::config(
            "no config path: set HOME, or use --config or AIGCUSAGE_CONFIG",
        ));
    }
    // `--config /dev/full` or a named pipe: only a regular file is a config file.
    if let Ok(metadata) = std::fs::metadata(path) {
        if !metadata.is_file() {
            return Err(Error::config(format!(
                "{} is not a regular file; config init writes the template only to a regular file",
                path.display()
            )));
        }
    }
    let fail = |what: &str, e: std::io::Error| {
        Error::config(format!("cannot {what} {}: {e}", path.display()))
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dirs(parent).map_err(|e| {
            Error::config(format!("cannot create directory {}: {e}", parent.display()))
        })?;
    }
    let mut file = match create_new(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            if !force {
                return Err(Error::usage(format!(
                    "{} already exists; use --force to overwrite",
                    path.display()
                )));
            }
            let file = OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(path)
                .map_err(|e| fail("open", e))?;
            restrict(&file).map_err(|e| fail("change the mode of", e))?;
            file
        }
        Err(e) => return Err(fail("create", e)),
    };
    file.write_all(template().as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| fail("write", e))
}

#[cfg(unix)]
fn create_new(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_new(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(unix)]
fn restrict(file: &File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_file: &File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn create_dirs(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_dirs(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(test)]
mod tests {
    use super::super::file::{self, GENERAL_KEYS};
    use super::super::{load, Inputs, Origin};
    use super::*;
    use crate::providers::REGISTRY;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    /// The template with every example line (`# key = …`, `# [table]`) uncommented.
    fn uncommented() -> String {
        template()
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with('[')
                        || rest.split_once(" = ").is_some_and(|(k, _)| {
                            k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                        }) =>
                {
                    rest.to_string()
                }
                _ => line.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn init_writes_mode_0600_and_creates_parents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/config.toml");
        init(&path, false).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), template());
        #[cfg(unix)]
        {
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
    }

    #[test]
    fn init_refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[mine]\n").unwrap();
        let e = init(&path, false).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            e.to_string(),
            format!(
                "{} already exists; use --force to overwrite",
                path.display()
            )
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[mine]\n");

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        init(&path, true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), template());
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn written_template_loads_as_a_valid_config() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        init(&path, false).unwrap();
        let s = load(&Inputs {
            config_flag: Some(path.clone()),
            ..Default::default()
        })
        .unwrap();
        assert!(s.file_found);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        assert_eq!(s.output.origin, Origin::Default);
        for provider in REGISTRY {
            assert!(!(provider.has_credentials)(&s), "{}", provider.id);
        }
    }

    #[test]
    fn template_examples_use_exactly_the_known_keys() {
        let text = uncommented();
        let f = file::parse(Path::new("template"), &text).unwrap();
        assert!(f.warnings.is_empty(), "{:?}", f.warnings);
        assert_eq!(f.profile_list(), "default, work");
        let table: toml::Table = toml::from_str(&text).unwrap();
        let default = &table["default"];
        let keys = |t: &toml::Value| {
            let mut k: Vec<String> = t.as_table().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        let sorted = |k: &[&str]| {
            let mut v: Vec<String> = k.iter().map(|s| s.to_string()).collect();
            v.sort();
            v
        };
        let profile_keys: Vec<&str> = GENERAL_KEYS
            .iter()
            .copied()
            .chain(REGISTRY.iter().map(|p| p.id))
            .collect();
        assert_eq!(keys(&table["default"]), sorted(&profile_keys));
        for provider in REGISTRY {
            assert_eq!(
                keys(&default[provider.id]),
                sorted(provider.config_keys),
                "{}",
                provider.id
            );
        }
        // Every example endpoint passes validation, and the example values load.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, &text).unwrap();
        let s = load(&Inputs {
            config_flag: Some(path),
            ..Default::default()
        })
        .unwrap();
        for provider in REGISTRY {
            assert!((provider.has_credentials)(&s), "{}", provider.id);
        }
        assert_eq!(s.tz.value.to_string(), "Asia/Shanghai");
    }
}
