//! Precedence: command-line option > environment > config profile > built-in default.
//! The exception: when a profile is named (`--profile`, `AIGCUSAGE_PROFILE`), credentials
//! come only from that profile, never from a provider's credential variables.
//!
//! Without a named profile, each provider's credentials come as a group from one place:
//! from the environment when its id or secret variable is set, else from the profile. An
//! id from one place is never paired with a key from another.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::file::{self, ConfigFile, RawProfile};
use super::{defaults, vars, Inputs, Origin, ProfileScope, Settings, Sourced, StoreSettings};
use super::{endpoint, process, section};
use crate::error::Error;
use crate::zone::Zone;

/// Reads environment values; empty (or blank) values count as unset.
pub(super) struct Env<'a>(&'a HashMap<String, String>);

impl<'a> Env<'a> {
    pub(super) fn get(&self, name: &str) -> Option<&'a str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
}

/// Where a value was read, for messages: `AIGCUSAGE_TZ`, `tz under [work] in /p/config.toml`.
struct Source(String);

impl Source {
    fn env(name: &str) -> Self {
        Source(name.to_string())
    }

    fn file(path: &Path, section: &str, key: &str) -> Self {
        Source(format!("{key} under [{section}] in {}", path.display()))
    }
}

/// The config file path: `--config`, then `AIGCUSAGE_CONFIG`, then
/// `$XDG_CONFIG_HOME/aigcusage/config.toml`, then `$HOME/.config/aigcusage/config.toml`. Exit 3 when none can be determined; exit 2 for an
/// empty `--config`. For `config path` and `config init`, which need no more than this.
pub fn config_path(inputs: &Inputs) -> Result<Sourced<PathBuf>, Error> {
    find_path(inputs)?.ok_or_else(|| {
        Error::config(format!(
            "cannot find the config file: {} and {} are unset; use --config or {}",
            vars::XDG_CONFIG_HOME,
            vars::HOME,
            vars::AIGCUSAGE_CONFIG
        ))
    })
}

fn find_path(inputs: &Inputs) -> Result<Option<Sourced<PathBuf>>, Error> {
    let env = Env(&inputs.env);
    if let Some(flag) = &inputs.config_flag {
        if flag.as_os_str().is_empty() {
            return Err(Error::usage("--config needs a path"));
        }
        return Ok(Some(Sourced::new(flag.clone(), Origin::Flag)));
    }
    if let Some(path) = env.get(vars::AIGCUSAGE_CONFIG) {
        return Ok(Some(Sourced::new(PathBuf::from(path), Origin::Env)));
    }
    // The XDG base directory spec says relative values are invalid and to be ignored.
    if let Some(xdg) = env
        .get(vars::XDG_CONFIG_HOME)
        .filter(|x| Path::new(x).is_absolute())
    {
        return Ok(Some(Sourced::default_value(
            Path::new(xdg).join("aigcusage").join("config.toml"),
        )));
    }
    Ok(env.get(vars::HOME).map(|home| {
        Sourced::default_value(
            Path::new(home)
                .join(".config")
                .join("aigcusage")
                .join("config.toml"),
        )
    }))
}

fn origin_text(origin: Origin) -> &'static str {
    match origin {
        Origin::Flag => "--config",
        _ => vars::AIGCUSAGE_CONFIG,
    }
}

/// Resolves every setting. Exit 3 for a missing `--config` file, a malformed file, a named
/// profile that is not in the file, or an invalid value from the environment or the file;
/// exit 2 for an invalid flag value.
pub fn load(inputs: &Inputs) -> Result<Settings, Error> {
    let env = Env(&inputs.env);
    let mut warnings = Vec::new();

    let profile = resolve_profile(inputs, &env)?;
    let named_by = (profile.origin != Origin::Default).then_some(profile.origin);

    let path = find_path(inputs)?;
    let file = match &path {
        None => None,
        Some(path) => match file::read(&path.value) {
            Ok(Some(file)) => Some(file),
            Ok(None) => {
                if path.origin != Origin::Default && !inputs.tolerate_missing_file {
                    return Err(Error::config(format!(
                        "config file {} (from {}) does not exist; run `aigcusage config init` to create it",
                        path.value.display(),
                        origin_text(path.origin)
                    )));
                }
                None
            }
            Err(e) if inputs.tolerate_missing_file => {
                warnings.push(e.to_string());
                None
            }
            Err(e) => return Err(e),
        },
    };
    let path = path.unwrap_or_else(|| Sourced::default_value(PathBuf::new()));
    let file_found = file.is_some();
    if let Some(file) = &file {
        warnings.extend(file.warnings.iter().cloned());
    }

    let raw = file.as_ref().and_then(|f| f.profiles.get(&profile.value));
    if raw.is_none() && named_by.is_some() && !inputs.tolerate_missing_file {
        return Err(profile_not_found(&profile, &path.value, file.as_ref()));
    }
    let empty = RawProfile::default();
    let raw = raw.unwrap_or(&empty);

    let scope = ProfileScope {
        profile: profile.value.clone(),
        path: path.value.clone(),
        named_by,
    };
    let ctx = Ctx {
        env: &env,
        path: &path.value,
        profile: &profile.value,
        explicit: named_by.is_some(),
    };

    let output = resolve_output(inputs, &ctx, raw.output(), raw.lines.get("output"))?;
    let tz = resolve_tz(inputs, &ctx, raw.tz(), raw.lines.get("tz"), &mut warnings)?;
    let prices = resolve_prices(inputs, &ctx, raw.prices.as_deref());
    let currency = resolve_currency(inputs, &ctx, raw.currency(), raw.lines.get("currency"))?;
    let store = StoreSettings::resolve(
        inputs.store_flag.as_deref(),
        &inputs.env,
        raw.store.as_deref(),
        ctx.file_source(None, "store").0,
    );
    let account = match nonempty(raw.account.as_deref()) {
        Some(account) => Sourced::new(account.trim().to_string(), Origin::File),
        None => Sourced::default_value(profile.value.clone()),
    };
    let providers = section::resolve_all(&ctx, raw, &scope, &mut warnings)?;

    Ok(Settings {
        profile,
        profile_explicit: named_by.is_some(),
        path,
        file_found,
        output,
        tz,
        prices,
        currency,
        store,
        account,
        providers,
        now: process::pinned_now(env.get(vars::AIGCUSAGE_NOW))?,
        ssl_cert_file: process::ssl_cert_file(env.get(vars::SSL_CERT_FILE)),
        warnings,
    })
}

fn resolve_profile(inputs: &Inputs, env: &Env) -> Result<Sourced<String>, Error> {
    if let Some(flag) = &inputs.profile_flag {
        if flag.trim().is_empty() {
            return Err(Error::usage("--profile needs a name"));
        }
        return Ok(Sourced::new(flag.clone(), Origin::Flag));
    }
    Ok(match env.get(vars::AIGCUSAGE_PROFILE) {
        Some(name) => Sourced::new(name.to_string(), Origin::Env),
        None => Sourced::default_value(defaults::PROFILE.to_string()),
    })
}

fn profile_not_found(profile: &Sourced<String>, path: &Path, file: Option<&ConfigFile>) -> Error {
    let named_by = match profile.origin {
        Origin::Flag => "--profile",
        _ => vars::AIGCUSAGE_PROFILE,
    };
    match file {
        Some(file) => Error::config(format!(
            "profile '{}' (from {named_by}) not found in {}; profiles there: {}",
            profile.value,
            path.display(),
            file.profile_list()
        )),
        None => Error::config(format!(
            "profile '{}' (from {named_by}) not found: no config file at {}; run `aigcusage config init` to create one",
            profile.value,
            super::path_text(path)
        )),
    }
}

/// What every resolution reads.
pub(super) struct Ctx<'a> {
    pub(super) env: &'a Env<'a>,
    pub(super) path: &'a Path,
    pub(super) profile: &'a str,
    /// A profile was named: credentials come only from it.
    pub(super) explicit: bool,
}

impl Ctx<'_> {
    fn file_source(&self, section: Option<&str>, key: &str) -> Source {
        let section = match section {
            Some(s) => format!("{}.{s}", self.profile),
            None => self.profile.to_string(),
        };
        Source::file(self.path, &section, key)
    }

    /// `path:line: key under [profile]`, for a top-level key whose line is known.
    fn file_source_at(&self, key: &str, line: Option<&usize>) -> Source {
        match line {
            Some(line) => Source(format!(
                "{}:{line}: {key} under [{}]",
                self.path.display(),
                self.profile
            )),
            None => self.file_source(None, key),
        }
    }

    /// A plain (non-credential) setting: environment > file > default, validated.
    pub(super) fn setting(
        &self,
        env_name: &str,
        section: &str,
        key: &str,
        file_value: Option<&str>,
        default: &str,
        validate: fn(&str, endpoint::From<'_>) -> Result<String, Error>,
    ) -> Result<Sourced<String>, Error> {
        if let Some(v) = self.env.get(env_name) {
            let source = Source::env(env_name);
            return Ok(Sourced::new(
                validate(v, endpoint::From::Setting(&source.0))?,
                Origin::Env,
            ));
        }
        if let Some(v) = nonempty(file_value) {
            let source = self.file_source(Some(section), key);
            return match validate(v, endpoint::From::Setting(&source.0)) {
                Ok(value) => Ok(Sourced::new(value, Origin::File)),
                // Named by its line too, as every other bad value in the file is.
                Err(error) => match self.line_in_section(section, key) {
                    Some(line) => {
                        let at = Source(format!(
                            "{}:{line}: {key} under [{}.{section}]",
                            self.path.display(),
                            self.profile
                        ));
                        Err(validate(v, endpoint::From::Setting(&at.0))
                            .err()
                            .unwrap_or(error))
                    }
                    None => Err(error),
                },
            };
        }
        Ok(Sourced::default_value(default.to_string()))
    }

    /// The line of `key` in `[<profile>.<section>]` of the config file, read again (only
    /// for an error message).
    fn line_in_section(&self, section: &str, key: &str) -> Option<usize> {
        let text = std::fs::read_to_string(self.path).ok()?;
        let document = toml_edit::ImDocument::parse(text.as_str()).ok()?;
        let span = document.get(self.profile)?.get(section)?.get(key)?.span()?;
        Some(super::file::line_of(text.as_bytes(), span.start))
    }
}

fn nonempty(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.trim().is_empty())
}

fn resolve_output(
    inputs: &Inputs,
    ctx: &Ctx,
    file_value: Option<&str>,
    file_line: Option<&usize>,
) -> Result<Sourced<String>, Error> {
    let check = |value: &str, source: &str| {
        let v = value.trim().to_ascii_lowercase();
        if defaults::OUTPUTS.contains(&v.as_str()) {
            Ok(v)
        } else {
            Err(format!(
                "invalid output format '{value}' (from {source}): use {}",
                defaults::OUTPUTS.join(", ")
            ))
        }
    };
    if let Some(flag) = &inputs.output_flag {
        return check(flag, "--output")
            .map(|v| Sourced::new(v, Origin::Flag))
            .map_err(Error::usage);
    }
    if let Some(v) = ctx.env.get(vars::AIGCUSAGE_OUTPUT) {
        return check(v, vars::AIGCUSAGE_OUTPUT)
            .map(|v| Sourced::new(v, Origin::Env))
            .map_err(Error::config);
    }
    if let Some(v) = nonempty(file_value) {
        let source = ctx.file_source_at("output", file_line);
        return check(v, &source.0)
            .map(|v| Sourced::new(v, Origin::File))
            .map_err(Error::config);
    }
    Ok(Sourced::default_value(defaults::OUTPUT.to_string()))
}

/// `--tz`, `AIGCUSAGE_TZ`, the profile's `tz`, `TZ`, the system's zone.
///
/// `TZ` is shared with every program and may hold forms this tool does not read (POSIX
/// `CST-8`, `:/etc/localtime`); an unreadable `TZ` is a warning and falls through to the
/// system zone rather than failing every command.
fn resolve_tz(
    inputs: &Inputs,
    ctx: &Ctx,
    file_value: Option<&str>,
    file_line: Option<&usize>,
    warnings: &mut Vec<String>,
) -> Result<Sourced<Zone>, Error> {
    if let Some(flag) = &inputs.tz_flag {
        return flag
            .parse::<Zone>()
            .map(|z| Sourced::new(z, Origin::Flag))
            .map_err(|e| Error::usage(format!("--tz: {e}")));
    }
    if let Some(v) = ctx.env.get(vars::AIGCUSAGE_TZ) {
        return v
            .parse::<Zone>()
            .map(|z| Sourced::new(z, Origin::Env))
            .map_err(|e| Error::config(format!("{}: {e}", vars::AIGCUSAGE_TZ)));
    }
    if let Some(v) = nonempty(file_value) {
        return v
            .parse::<Zone>()
            .map(|z| Sourced::new(z, Origin::File))
            .map_err(|e| Error::config(format!("{}: {e}", ctx.file_source_at("tz", file_line).0)));
    }
    if let Some(v) = ctx.env.get(vars::TZ) {
        let name = v.trim_start_matches(':');
        let name = name
            .find("zoneinfo/")
            .map_or(name, |i| &name[i + "zoneinfo/".len()..]);
        match name.parse::<Zone>() {
            Ok(zone) => return Ok(Sourced::new(zone, Origin::Env)),
            Err(_) => warnings.push(format!(
                "TZ='{v}' is not a zone aigcusage can read (use an IANA name such as Asia/Shanghai, \
                 or set AIGCUSAGE_TZ or --tz); using the system zone"
            )),
        }
    }
    Ok(Sourced::default_value(Zone::system()))
}

/// `--prices`, `AIGCUSAGE_PRICES`, the profile's `prices`, else the default path next to
/// the default config file (spec §8). A relative profile value is relative to the config
/// file's folder, as a path written in a file should be.
fn resolve_prices(
    inputs: &Inputs,
    ctx: &Ctx,
    file_value: Option<&str>,
) -> Option<Sourced<PathBuf>> {
    if let Some(flag) = inputs
        .prices_flag
        .as_ref()
        .filter(|p| !p.as_os_str().is_empty())
    {
        return Some(Sourced::new(flag.clone(), Origin::Flag));
    }
    if let Some(v) = ctx.env.get(vars::AIGCUSAGE_PRICES) {
        return Some(Sourced::new(PathBuf::from(v), Origin::Env));
    }
    if let Some(v) = nonempty(file_value) {
        let path = Path::new(v);
        let path = match ctx.path.parent() {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.to_path_buf(),
        };
        return Some(Sourced::new(path, Origin::File));
    }
    crate::cost::book::default_path(ctx.env.get(vars::XDG_CONFIG_HOME), ctx.env.get(vars::HOME))
        .map(Sourced::default_value)
}

/// `--currency`, `AIGCUSAGE_CURRENCY`, the profile's `currency`, as written: the cost
/// layer validates them and puts the price book's `currency` between the environment and
/// the profile (spec §8). The profile's is checked here, whether or not it is used: a bad
/// value in the file is exit 3 naming its file and line, as any other.
fn resolve_currency(
    inputs: &Inputs,
    ctx: &Ctx,
    file_value: Option<&str>,
    file_line: Option<&usize>,
) -> Result<Option<Sourced<String>>, Error> {
    let from_file = nonempty(file_value);
    if let Some(code) = from_file {
        if crate::cost::money::Currency::parse(code).is_none() {
            return Err(Error::config(format!(
                "{}: invalid currency {code:?}: expected an ISO 4217 code of three upper-case \
                 letters, e.g. CNY or USD",
                ctx.file_source_at("currency", file_line).0
            )));
        }
    }
    if let Some(flag) = &inputs.currency_flag {
        return Ok(Some(Sourced::new(flag.clone(), Origin::Flag)));
    }
    if let Some(v) = ctx.env.get(vars::AIGCUSAGE_CURRENCY) {
        return Ok(Some(Sourced::new(v.trim().to_string(), Origin::Env)));
    }
    Ok(from_file.map(|v| Sourced::new(v.to_string(), Origin::File)))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{chmod, config, env, inputs, FULL};
    use super::*;
    use crate::providers::acedata::credentials::{self as acedata_credentials, AcedataSettings};
    use crate::providers::alibaba::credentials::{self as alibaba_credentials, AlibabaSettings};
    use crate::providers::tencent::credentials::{self as tencent_credentials, TencentSettings};
    use std::fs;

    fn tencent(s: &Settings) -> &TencentSettings {
        s.provider()
    }

    fn alibaba(s: &Settings) -> &AlibabaSettings {
        s.provider()
    }

    fn acedata(s: &Settings) -> &AcedataSettings {
        s.provider()
    }

    #[test]
    fn a_bad_profile_currency_is_named_by_file_and_line_even_when_overridden() {
        let f = config("[default]\noutput = \"json\"\ncurrency = \"cny\"\n");
        for env in [&[][..], &[("AIGCUSAGE_CURRENCY", "USD")]] {
            let e = load(&inputs(&f.path, env)).unwrap_err();
            let message = e.to_string();
            assert!(
                message.contains(&format!(
                    "{}:3: currency under [default]: invalid currency \"cny\"",
                    f.path.display()
                )),
                "{message}"
            );
            assert_eq!(e.exit_code(), crate::error::exit::CONFIG);
        }
    }

    #[test]
    fn prices_and_currency_follow_flag_env_profile_default() {
        let f = config("[default]\nprices = \"book.toml\"\ncurrency = \"USD\"\n");
        // The profile's values: the book relative to the config file's folder.
        let s = load(&inputs(&f.path, &[("HOME", "/home/u")])).unwrap();
        let prices = s.prices.unwrap();
        assert_eq!(prices.value, f.path.parent().unwrap().join("book.toml"));
        assert_eq!(prices.origin, Origin::File);
        assert_eq!(
            s.currency,
            Some(Sourced::new("USD".to_string(), Origin::File))
        );
        // The environment over the profile.
        let s = load(&inputs(
            &f.path,
            &[
                ("AIGCUSAGE_PRICES", "/e/p.toml"),
                ("AIGCUSAGE_CURRENCY", "CNY"),
            ],
        ))
        .unwrap();
        assert_eq!(
            s.prices,
            Some(Sourced::new(PathBuf::from("/e/p.toml"), Origin::Env))
        );
        assert_eq!(
            s.currency,
            Some(Sourced::new("CNY".to_string(), Origin::Env))
        );
        // Flags over both.
        let mut i = inputs(&f.path, &[("AIGCUSAGE_PRICES", "/e/p.toml")]);
        i.prices_flag = Some(PathBuf::from("/f/p.toml"));
        i.currency_flag = Some("EUR".into());
        let s = load(&i).unwrap();
        assert_eq!(
            s.prices,
            Some(Sourced::new(PathBuf::from("/f/p.toml"), Origin::Flag))
        );
        assert_eq!(
            s.currency,
            Some(Sourced::new("EUR".to_string(), Origin::Flag))
        );
        // Nothing set: the default path next to the default config, no currency.
        let empty = config("");
        let s = load(&inputs(&empty.path, &[("XDG_CONFIG_HOME", "/x")])).unwrap();
        assert_eq!(
            s.prices,
            Some(Sourced::default_value(PathBuf::from(
                "/x/aigcusage/prices.toml"
            )))
        );
        assert_eq!(s.currency, None);
    }

    #[test]
    fn defaults_when_nothing_is_set_and_no_default_file() {
        let home = tempfile::tempdir().unwrap();
        let home_str = home.path().to_str().unwrap();
        let s = load(&Inputs {
            env: env(&[("HOME", home_str)]),
            ..Default::default()
        })
        .unwrap();
        assert!(!s.file_found);
        assert_eq!(s.path.origin, Origin::Default);
        assert_eq!(
            s.profile,
            Sourced::new("default".to_string(), Origin::Default)
        );
        assert!(!s.profile_explicit);
        assert_eq!(s.output, Sourced::new("table".to_string(), Origin::Default));
        assert_eq!(s.tz.origin, Origin::Default);
        assert_eq!(
            tencent(&s).vod_endpoint.value,
            tencent_credentials::defaults::VOD_ENDPOINT
        );
        assert_eq!(
            tencent(&s).lke_endpoint.value,
            tencent_credentials::defaults::LKE_ENDPOINT
        );
        assert_eq!(tencent(&s).region.value, "ap-jakarta");
        assert_eq!(
            alibaba(&s).endpoint.value,
            alibaba_credentials::defaults::ENDPOINT
        );
        assert_eq!(
            acedata(&s).endpoint,
            Sourced::default_value(acedata_credentials::defaults::ENDPOINT.to_string())
        );
        assert!(!tencent(&s).has_credentials());
        assert!(!alibaba(&s).has_credentials());
        assert!(!acedata(&s).has_credentials());
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn file_values_beat_defaults() {
        let f = config(FULL);
        let s = load(&inputs(&f.path, &[])).unwrap();
        assert!(s.file_found);
        assert_eq!(s.output, Sourced::new("csv".to_string(), Origin::File));
        assert_eq!(s.tz.value.to_string(), "Asia/Shanghai");
        assert_eq!(s.tz.origin, Origin::File);
        let t = tencent(&s);
        assert_eq!(
            t.region,
            Sourced::new("ap-singapore".to_string(), Origin::File)
        );
        assert_eq!(t.vod_endpoint.value, "https://vod.tencentcloudapi.com");
        assert_eq!(
            t.lke_endpoint.value, "https://lke.tencentcloudapi.com",
            "trailing / dropped"
        );
        assert_eq!(t.sub_app_id, Some(Sourced::new(200000004, Origin::File)));
        let c = t.credentials().unwrap();
        assert_eq!(c.id, "AKIDdefault000000001");
        assert_eq!(c.secret.expose(), "default-secret-key-0001");
        assert_eq!(c.token, None);
        assert_eq!(
            alibaba(&s).endpoint,
            Sourced::new("http://127.0.0.1:8080".to_string(), Origin::File)
        );
        assert_eq!(alibaba(&s).credentials().unwrap().id, "LTAIdefault00000001");
        assert_eq!(
            acedata(&s).token().unwrap().expose(),
            "platform-v1-default-0001"
        );
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn env_beats_file_for_every_setting() {
        let f = config(FULL);
        let s = load(&inputs(
            &f.path,
            &[
                ("AIGCUSAGE_OUTPUT", "json"),
                ("AIGCUSAGE_TZ", "Europe/Paris"),
                ("TENCENTCLOUD_SECRET_ID", "AKIDenv0000000000009"),
                ("TENCENTCLOUD_SECRET_KEY", "env-secret-key-0009"),
                ("TENCENTCLOUD_SESSION_TOKEN", "env-session-token-0009"),
                ("TENCENTCLOUD_REGION", "ap-guangzhou"),
                ("AIGCUSAGE_VOD_ENDPOINT", "http://127.0.0.1:9001"),
                ("AIGCUSAGE_LKE_ENDPOINT", "http://127.0.0.1:9002"),
                ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIenv0000009"),
                ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-alibaba-secret-0009"),
                ("ALIBABA_CLOUD_SECURITY_TOKEN", "env-sts-0009"),
                ("AIGCUSAGE_MODELROUTER_ENDPOINT", "http://127.0.0.1:9003"),
                ("ACEDATACLOUD_PLATFORM_TOKEN", "platform-v1-env-0009"),
                ("AIGCUSAGE_ACEDATA_ENDPOINT", "http://127.0.0.1:9004"),
            ],
        ))
        .unwrap();
        assert_eq!(s.output, Sourced::new("json".to_string(), Origin::Env));
        assert_eq!(s.tz.value.to_string(), "Europe/Paris");
        assert_eq!(s.tz.origin, Origin::Env);
        let t = tencent(&s);
        assert_eq!(
            t.keys.id,
            Some(Sourced::new(
                "AKIDenv0000000000009".to_string(),
                Origin::Env
            ))
        );
        assert_eq!(
            t.keys.token.as_ref().unwrap().value.expose(),
            "env-session-token-0009"
        );
        assert_eq!(
            t.region,
            Sourced::new("ap-guangzhou".to_string(), Origin::Env)
        );
        assert_eq!(
            t.vod_endpoint,
            Sourced::new("http://127.0.0.1:9001".to_string(), Origin::Env)
        );
        assert_eq!(
            t.lke_endpoint,
            Sourced::new("http://127.0.0.1:9002".to_string(), Origin::Env)
        );
        let a = alibaba(&s).credentials().unwrap();
        assert_eq!(a.id, "LTAIenv0000009");
        assert_eq!(a.token.unwrap().expose(), "env-sts-0009");
        assert_eq!(alibaba(&s).endpoint.origin, Origin::Env);
        assert_eq!(acedata(&s).token.as_ref().unwrap().origin, Origin::Env);
        assert_eq!(acedata(&s).endpoint.value, "http://127.0.0.1:9004");
    }

    #[test]
    fn flags_beat_env_and_file() {
        let f = config(FULL);
        let mut i = inputs(
            &f.path,
            &[
                ("AIGCUSAGE_OUTPUT", "json"),
                ("AIGCUSAGE_TZ", "Europe/Paris"),
            ],
        );
        i.output_flag = Some("ndjson".into());
        i.tz_flag = Some("+08:00".into());
        let s = load(&i).unwrap();
        assert_eq!(s.output, Sourced::new("ndjson".to_string(), Origin::Flag));
        assert_eq!(s.tz.value.to_string(), "+08:00");
        assert_eq!(s.tz.origin, Origin::Flag);
        assert_eq!(s.path.origin, Origin::Flag);
    }

    #[test]
    fn empty_env_values_count_as_unset() {
        let f = config(FULL);
        let s = load(&inputs(
            &f.path,
            &[
                ("AIGCUSAGE_OUTPUT", ""),
                ("AIGCUSAGE_PROFILE", ""),
                ("TENCENTCLOUD_SECRET_ID", ""),
                ("AIGCUSAGE_VOD_ENDPOINT", ""),
            ],
        ))
        .unwrap();
        assert_eq!(s.output.origin, Origin::File);
        assert_eq!(s.profile.origin, Origin::Default);
        assert_eq!(tencent(&s).keys.id.as_ref().unwrap().origin, Origin::File);
        assert_eq!(tencent(&s).vod_endpoint.origin, Origin::File);
    }

    #[test]
    fn profile_flag_beats_credential_env() {
        let f = config(FULL);
        let mut i = inputs(
            &f.path,
            &[
                ("TENCENTCLOUD_SECRET_ID", "AKIDenv0000000000009"),
                ("TENCENTCLOUD_SECRET_KEY", "env-secret-key-0009"),
                ("TENCENTCLOUD_TOKEN", "env-token-0009"),
            ],
        );
        i.profile_flag = Some("prod".into());
        let s = load(&i).unwrap();
        assert_eq!(s.profile, Sourced::new("prod".to_string(), Origin::Flag));
        assert!(s.profile_explicit);
        let c = tencent(&s).credentials().unwrap();
        assert_eq!(c.id, "AKIDprod000000000002");
        assert_eq!(c.secret.expose(), "prod-secret-key-0002");
        assert_eq!(
            c.token, None,
            "the env token must not ride along with prod's keys"
        );
        // prod has no output/tz/region: those fall back to the defaults, not to [default].
        assert_eq!(s.output.origin, Origin::Default);
        assert_eq!(tencent(&s).region.origin, Origin::Default);
    }

    #[test]
    fn profile_env_beats_credential_env() {
        let f = config(FULL);
        let s = load(&inputs(
            &f.path,
            &[
                ("AIGCUSAGE_PROFILE", "prod"),
                ("TENCENTCLOUD_SECRET_ID", "AKIDenv0000000000009"),
                ("TENCENTCLOUD_SECRET_KEY", "env-secret-key-0009"),
            ],
        ))
        .unwrap();
        assert_eq!(s.profile, Sourced::new("prod".to_string(), Origin::Env));
        assert_eq!(
            tencent(&s).credentials().unwrap().id,
            "AKIDprod000000000002"
        );
    }

    #[test]
    fn profile_flag_beats_profile_env() {
        let f = config(FULL);
        let mut i = inputs(&f.path, &[("AIGCUSAGE_PROFILE", "prod")]);
        i.profile_flag = Some("work".into());
        let s = load(&i).unwrap();
        assert_eq!(s.profile, Sourced::new("work".to_string(), Origin::Flag));
        assert_eq!(
            acedata(&s).token().unwrap().expose(),
            "platform-v1-work-0003"
        );
    }

    #[test]
    fn explicit_profile_without_keys_ignores_env_and_says_so() {
        let f = config(FULL);
        let mut i = inputs(
            &f.path,
            &[
                ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIenv0000009"),
                ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-alibaba-secret-0009"),
                ("ACEDATACLOUD_PLATFORM_TOKEN", "platform-v1-env-0009"),
            ],
        );
        i.profile_flag = Some("prod".into());
        let s = load(&i).unwrap();
        assert!(!alibaba(&s).has_credentials());
        assert!(!acedata(&s).has_credentials());
        let e = alibaba(&s).credentials().unwrap_err();
        assert_eq!(e.exit_code(), 3);
        let msg = e.to_string();
        assert!(msg.contains("profile 'prod' (named by --profile) has no access_key_id/access_key_secret under [prod.alibaba]"), "{msg}");
        assert!(
            msg.contains(
                "ALIBABA_CLOUD_* environment variables are ignored because a profile was named"
            ),
            "{msg}"
        );
        assert!(acedata(&s)
            .token()
            .unwrap_err()
            .to_string()
            .contains("ACEDATACLOUD_PLATFORM_TOKEN environment variables are ignored"));
    }

    #[test]
    fn without_explicit_profile_env_beats_the_default_profile() {
        let f = config(FULL);
        let s = load(&inputs(
            &f.path,
            &[
                ("TENCENTCLOUD_SECRET_ID", "AKIDenv0000000000009"),
                ("TENCENTCLOUD_SECRET_KEY", "env-secret-key-0009"),
            ],
        ))
        .unwrap();
        assert_eq!(
            tencent(&s).credentials().unwrap().id,
            "AKIDenv0000000000009"
        );
        // Alibaba has no env vars set: the default profile's keys are used.
        assert_eq!(alibaba(&s).keys.id.as_ref().unwrap().origin, Origin::File);
    }

    #[test]
    fn named_profile_missing_lists_the_profiles() {
        let f = config(FULL);
        let mut i = inputs(&f.path, &[]);
        i.profile_flag = Some("staging".into());
        let e = load(&i).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert_eq!(
            e.to_string(),
            format!(
                "profile 'staging' (from --profile) not found in {}; profiles there: default, prod, work",
                f.path.display()
            )
        );
        let e = load(&inputs(&f.path, &[("AIGCUSAGE_PROFILE", "staging")])).unwrap_err();
        assert!(e.to_string().contains("(from AIGCUSAGE_PROFILE)"), "{e}");
    }

    #[test]
    fn named_profile_without_any_file_is_an_error() {
        let home = tempfile::tempdir().unwrap();
        let e = load(&Inputs {
            profile_flag: Some("prod".into()),
            env: env(&[("HOME", home.path().to_str().unwrap())]),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(
            e.to_string()
                .contains("profile 'prod' (from --profile) not found: no config file at"),
            "{e}"
        );
    }

    #[test]
    fn default_profile_may_be_absent() {
        let f = config("[work.acedata]\ntoken = \"platform-v1-work-0003\"\n");
        let s = load(&inputs(&f.path, &[])).unwrap();
        assert!(s.file_found);
        assert!(!acedata(&s).has_credentials());
        let e = acedata(&s).token().unwrap_err().to_string();
        assert!(e.starts_with("missing AceData Cloud token: set ACEDATACLOUD_PLATFORM_TOKEN, or token under [default.acedata] in"), "{e}");
    }

    #[test]
    fn missing_config_flag_file_is_an_error_unless_tolerated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.toml");
        let e = load(&inputs(&path, &[])).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(
            e.to_string().contains("(from --config) does not exist"),
            "{e}"
        );

        let e = load(&Inputs {
            env: env(&[("AIGCUSAGE_CONFIG", path.to_str().unwrap())]),
            ..Default::default()
        })
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("(from AIGCUSAGE_CONFIG) does not exist"),
            "{e}"
        );

        let mut i = inputs(&path, &[]);
        i.tolerate_missing_file = true;
        i.profile_flag = Some("prod".into());
        let s = load(&i).unwrap();
        assert!(!s.file_found);
        assert_eq!(s.path, Sourced::new(path.clone(), Origin::Flag));
    }

    #[test]
    fn malformed_file_is_an_error_with_path_and_line() {
        let f = config("[default]\noutput = \"json\"\n[default.tencent\n");
        let e = load(&inputs(&f.path, &[])).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(
            e.to_string()
                .starts_with(&format!("{}:3: ", f.path.display())),
            "{e}"
        );

        let f = config("[default.tencent]\nregion = \"ap-jakarta\"\nsub_app_id = \"abc\"\n");
        let e = load(&inputs(&f.path, &[])).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(
            e.to_string()
                .starts_with(&format!("{}:3: sub_app_id: ", f.path.display())),
            "{e}"
        );

        // config init --force must still be able to replace a broken file.
        let mut i = inputs(&f.path, &[]);
        i.tolerate_missing_file = true;
        let s = load(&i).unwrap();
        assert!(!s.file_found);
        assert_eq!(s.warnings.len(), 1);
    }

    #[test]
    fn unknown_key_is_a_warning() {
        let f = config("[default.tencent]\nscret_key = \"x\"\n");
        let s = load(&inputs(&f.path, &[])).unwrap();
        assert_eq!(
            s.warnings,
            [format!(
                "{}: unknown key 'scret_key' in [default.tencent] (a typo?); it is ignored",
                f.path.display()
            )]
        );
    }

    #[cfg(unix)]
    #[test]
    fn permission_warning_only_for_readable_files_with_secrets() {
        let f = config(FULL);
        chmod(&f.path, 0o644);
        let s = load(&inputs(&f.path, &[])).unwrap();
        let p = f.path.display();
        assert_eq!(
            s.warnings,
            [format!(
                "{p} holds secrets and is readable by others (mode 0644); run: chmod 600 {p}"
            )]
        );

        chmod(&f.path, 0o600);
        assert!(load(&inputs(&f.path, &[])).unwrap().warnings.is_empty());

        let f = config("[default]\noutput = \"json\"\n[default.tencent]\nsecret_id = \"AKID\"\n");
        chmod(&f.path, 0o644);
        assert!(load(&inputs(&f.path, &[])).unwrap().warnings.is_empty());
    }

    #[test]
    fn path_order_flag_env_xdg_home() {
        let flag = Inputs {
            config_flag: Some("/flag.toml".into()),
            env: env(&[
                ("AIGCUSAGE_CONFIG", "/env.toml"),
                ("XDG_CONFIG_HOME", "/xdg"),
                ("HOME", "/home/u"),
            ]),
            ..Default::default()
        };
        assert_eq!(
            config_path(&flag).unwrap(),
            Sourced::new(PathBuf::from("/flag.toml"), Origin::Flag)
        );
        let mut i = flag.clone();
        i.config_flag = None;
        assert_eq!(
            config_path(&i).unwrap(),
            Sourced::new(PathBuf::from("/env.toml"), Origin::Env)
        );
        i.env.remove("AIGCUSAGE_CONFIG");
        assert_eq!(
            config_path(&i).unwrap(),
            Sourced::default_value(PathBuf::from("/xdg/aigcusage/config.toml"))
        );
        i.env
            .insert("XDG_CONFIG_HOME".into(), "relative/xdg".into());
        assert_eq!(
            config_path(&i).unwrap(),
            Sourced::default_value(PathBuf::from("/home/u/.config/aigcusage/config.toml")),
            "a relative XDG_CONFIG_HOME is ignored"
        );
        i.env.remove("XDG_CONFIG_HOME");
        assert_eq!(
            config_path(&i).unwrap(),
            Sourced::default_value(PathBuf::from("/home/u/.config/aigcusage/config.toml"))
        );
        i.env.remove("HOME");
        assert_eq!(config_path(&i).unwrap_err().exit_code(), 3);
        // Without any path, an ordinary command still runs on env and defaults.
        let s = load(&i).unwrap();
        assert!(!s.file_found);
        assert!(s.path.value.as_os_str().is_empty());
    }

    #[test]
    fn xdg_config_home_file_is_read() {
        let xdg = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        fs::create_dir_all(xdg.path().join("aigcusage")).unwrap();
        let path = xdg.path().join("aigcusage/config.toml");
        fs::write(&path, "[default]\noutput = \"csv\"\n").unwrap();
        let s = load(&Inputs {
            env: env(&[
                ("XDG_CONFIG_HOME", xdg.path().to_str().unwrap()),
                ("HOME", home.path().to_str().unwrap()),
            ]),
            ..Default::default()
        })
        .unwrap();
        assert!(s.file_found);
        assert_eq!(s.path.value, path);
        assert_eq!(s.output.origin, Origin::File);
    }

    #[test]
    fn tz_order_ends_with_tz_env_then_system() {
        let f = config("[default]\n");
        let s = load(&inputs(&f.path, &[("TZ", "America/New_York")])).unwrap();
        assert_eq!(s.tz.value.to_string(), "America/New_York");
        assert_eq!(s.tz.origin, Origin::Env);

        let s = load(&inputs(
            &f.path,
            &[("TZ", ":/usr/share/zoneinfo/Asia/Tokyo")],
        ))
        .unwrap();
        assert_eq!(s.tz.value.to_string(), "Asia/Tokyo");

        let f = config("[default]\ntz = \"Asia/Shanghai\"\n");
        let s = load(&inputs(&f.path, &[("TZ", "America/New_York")])).unwrap();
        assert_eq!(
            s.tz.value.to_string(),
            "Asia/Shanghai",
            "profile tz beats TZ"
        );
        assert_eq!(s.tz.origin, Origin::File);

        let s = load(&inputs(
            &f.path,
            &[("TZ", "America/New_York"), ("AIGCUSAGE_TZ", "UTC")],
        ))
        .unwrap();
        assert_eq!(s.tz.value, Zone::UTC, "AIGCUSAGE_TZ beats the profile");

        let f = config("[default]\n");
        let s = load(&inputs(&f.path, &[("TZ", "CST-8")])).unwrap();
        assert_eq!(
            s.tz.origin,
            Origin::Default,
            "an unreadable TZ falls to the system zone"
        );
        assert!(
            s.warnings[0].starts_with("TZ='CST-8' is not a zone"),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn invalid_tz_is_usage_error_from_flag_and_config_error_otherwise() {
        let f = config("[default]\ntz = \"Mars/Olympus\"\n");
        let mut i = inputs(&f.path, &[]);
        i.tz_flag = Some("Nowhere/City".into());
        let e = load(&i).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.to_string()
                .starts_with("--tz: invalid time zone 'Nowhere/City'"),
            "{e}"
        );

        let e = load(&inputs(&f.path, &[("AIGCUSAGE_TZ", "Nowhere/City")])).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(
            e.to_string().starts_with("AIGCUSAGE_TZ: invalid time zone"),
            "{e}"
        );

        let e = load(&inputs(&f.path, &[])).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(
            e.to_string().starts_with(&format!(
                "{}:2: tz under [default]: invalid time zone 'Mars/Olympus'",
                f.path.display()
            )),
            "{e}"
        );
    }

    #[test]
    fn invalid_output_is_usage_error_from_flag_and_config_error_otherwise() {
        let f = config("[default]\noutput = \"yaml\"\n");
        let mut i = inputs(&f.path, &[]);
        i.output_flag = Some("xml".into());
        let e = load(&i).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            e.to_string(),
            "invalid output format 'xml' (from --output): use table, json, ndjson, csv, prom, focus"
        );
        let e = load(&inputs(&f.path, &[("AIGCUSAGE_OUTPUT", "xml")])).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains("(from AIGCUSAGE_OUTPUT)"));
        let e = load(&inputs(&f.path, &[])).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(
            e.to_string().contains(&format!(
                "(from {}:2: output under [default])",
                f.path.display()
            )),
            "{e}"
        );
    }

    #[test]
    fn invalid_endpoint_is_a_config_error_naming_its_source() {
        let f = config("[default.acedata]\nendpoint = \"platform.acedata.cloud\"\n");
        let e = load(&inputs(&f.path, &[])).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(
            e.to_string().starts_with(&format!(
                "invalid endpoint 'platform.acedata.cloud' (from {}:2: endpoint under [default.acedata])",
                f.path.display()
            )),
            "{e}"
        );
        let f = config("");
        for bad in [
            "ftp://example.com",
            "localhost:8080",
            "https://user:pw@example.com",
            "http://x?y=1",
            "http://",
        ] {
            let e = load(&inputs(&f.path, &[("AIGCUSAGE_VOD_ENDPOINT", bad)])).unwrap_err();
            assert_eq!(e.exit_code(), 3, "{bad}");
            assert!(
                e.to_string().contains("(from AIGCUSAGE_VOD_ENDPOINT)"),
                "{e}"
            );
        }
        for good in [
            "http://127.0.0.1:8080",
            "https://vod.tencentcloudapi.com",
            "http://[::1]:9000/",
        ] {
            assert!(
                load(&inputs(&f.path, &[("AIGCUSAGE_VOD_ENDPOINT", good)])).is_ok(),
                "{good}"
            );
        }
    }

    #[test]
    fn empty_profile_or_config_flag_is_a_usage_error() {
        let i = Inputs {
            profile_flag: Some(String::new()),
            ..Default::default()
        };
        assert_eq!(load(&i).unwrap_err().exit_code(), 2);
        let i = Inputs {
            config_flag: Some(PathBuf::new()),
            ..Default::default()
        };
        assert_eq!(load(&i).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn secrets_never_appear_in_debug() {
        let f = config(FULL);
        let s = load(&inputs(&f.path, &[])).unwrap();
        let debug = format!("{s:?}");
        for secret in [
            "default-secret-key-0001",
            "default-alibaba-secret-0001",
            "platform-v1-default-0001",
        ] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
    }
}
