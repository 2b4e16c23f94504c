//! The one endpoint parser and the one region check, used alike by the `--endpoint` and
//! `--region` flags, the environment and the config file: same rules, same messages. Only
//! the exit code differs (a flag is a usage error, exit 2; a setting is a configuration
//! error, exit 3), and a message never shows the user information of a URL.

use crate::error::Error;

/// Where a value came from.
#[derive(Debug, Clone, Copy)]
pub enum From<'a> {
    /// A command-line flag such as `--endpoint`.
    Flag(&'a str),
    /// The environment or the config file, described (`AIGCUSAGE_<NAME>_ENDPOINT`,
    /// `endpoint under [default.<provider>] in /path`).
    Setting(&'a str),
}

/// What an endpoint should look like, with the first registered provider's default
/// endpoint as the example.
fn endpoint_example() -> String {
    let example = crate::providers::REGISTRY
        .first()
        .map_or("https://api.example.com", |provider| {
            provider.example_endpoint
        });
    format!(
        "expected a base URL with scheme http or https and an optional port, such as {example} \
         or http://127.0.0.1:8080"
    )
}

/// A base URL: scheme http or https, a host, an optional port, no user information, no
/// query or fragment, and no path other than `/`. Returned without a trailing `/`.
pub fn parse_endpoint(value: &str, from: From<'_>) -> Result<String, Error> {
    let value = value.trim();
    endpoint_problem(value)
        .map(|why| Err(invalid("endpoint", value, from, &why, &endpoint_example())))
        .unwrap_or_else(|| Ok(value.trim_end_matches('/').to_string()))
}

/// `--endpoint` when given (checked as a flag), else the resolved setting.
pub fn flag_or_setting(flag: Option<&str>, setting: &str) -> Result<String, Error> {
    match flag {
        Some(flag) => parse_endpoint(flag, From::Flag("--endpoint")),
        None => Ok(setting.to_string()),
    }
}

/// Why `value` is not a base URL, or `None` when it is one.
fn endpoint_problem(value: &str) -> Option<String> {
    let url = match url::Url::parse(value) {
        Ok(url) => url,
        Err(e) => return Some(e.to_string()),
    };
    if url.scheme() != "http" && url.scheme() != "https" {
        return Some(format!("scheme '{}' is not http or https", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Some("no host".to_string());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Some("user information is not allowed".to_string());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Some("a query or fragment is not allowed".to_string());
    }
    if !matches!(url.path(), "" | "/") {
        return Some(format!("a path ('{}') is not allowed", url.path()));
    }
    None
}

/// A region such as `ap-jakarta`: lower-case letters, digits and dashes.
pub fn parse_region(value: &str, from: From<'_>) -> Result<String, Error> {
    let value = value.trim();
    let well_formed = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if well_formed {
        Ok(value.to_string())
    } else {
        Err(invalid(
            "region",
            value,
            from,
            "not lower-case letters, digits and dashes",
            "expected a region such as ap-jakarta",
        ))
    }
}

fn invalid(what: &str, value: &str, from: From<'_>, why: &str, expected: &str) -> Error {
    let shown = without_userinfo(value);
    match from {
        From::Flag(flag) => Error::usage(format!("invalid {flag} '{shown}': {why}; {expected}")),
        From::Setting(source) => Error::config(format!(
            "invalid {what} '{shown}' (from {source}): {why}; {expected}"
        )),
    }
}

/// `value` with anything before an `@` in its authority masked, whether or not it parses:
/// `http://user:pw@host` becomes `http://****@host`.
fn without_userinfo(value: &str) -> String {
    let authority_start = value.find("://").map_or(0, |i| i + 3);
    let rest = &value[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_len].rfind('@') {
        Some(at) => format!(
            "{}****{}",
            &value[..authority_start],
            &value[authority_start + at..]
        ),
        None => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENV: From<'static> = From::Setting("AIGCUSAGE_VOD_ENDPOINT");
    const FLAG: From<'static> = From::Flag("--endpoint");

    #[test]
    fn the_example_is_the_first_providers_endpoint() {
        assert_eq!(
            endpoint_example(),
            "expected a base URL with scheme http or https and an optional port, such as \
             https://vod.intl.tencentcloudapi.com or http://127.0.0.1:8080"
        );
    }

    #[test]
    fn good_endpoints_are_kept_without_a_trailing_slash() {
        for (given, kept) in [
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            (
                "https://vod.tencentcloudapi.com/",
                "https://vod.tencentcloudapi.com",
            ),
            (" http://[::1]:9000/ ", "http://[::1]:9000"),
        ] {
            assert_eq!(parse_endpoint(given, FLAG).unwrap(), kept);
            assert_eq!(parse_endpoint(given, ENV).unwrap(), kept);
        }
    }

    #[test]
    fn flags_and_settings_refuse_the_same_values_with_their_own_exit_codes() {
        for bad in [
            "ftp://example.com",
            "localhost:8080",
            "https://user:pw@example.com",
            "http://x?y=1",
            "http://x/#f",
            "http://x/api/v1",
            "http://",
            "not a url",
        ] {
            let flag = parse_endpoint(bad, FLAG).unwrap_err();
            let env = parse_endpoint(bad, ENV).unwrap_err();
            assert_eq!(flag.exit_code(), 2, "{bad}");
            assert_eq!(env.exit_code(), 3, "{bad}");
            let flag_text = flag.to_string();
            let env_text = env.to_string();
            let flag_why = flag_text.split_once("': ").unwrap().1;
            let env_why = env_text
                .split_once("(from AIGCUSAGE_VOD_ENDPOINT): ")
                .unwrap()
                .1;
            assert_eq!(flag_why, env_why, "{bad}");
            assert!(env.to_string().contains("(from AIGCUSAGE_VOD_ENDPOINT)"));
        }
    }

    #[test]
    fn user_information_is_never_shown() {
        for bad in [
            "http://user:S3cretPass@127.0.0.1:9",
            "http://S3cretPass@host/x?y",
            "ftp://a:S3cretPass@h",
        ] {
            for from in [FLAG, ENV] {
                let text = parse_endpoint(bad, from).unwrap_err().to_string();
                assert!(!text.contains("S3cretPass"), "{text}");
                assert!(text.contains("****@"), "{text}");
            }
        }
    }

    #[test]
    fn regions_are_lower_case_letters_digits_and_dashes() {
        assert_eq!(parse_region(" ap-jakarta ", FLAG).unwrap(), "ap-jakarta");
        for bad in ["ap jakarta", "AP-JAKARTA", ""] {
            assert_eq!(parse_region(bad, FLAG).unwrap_err().exit_code(), 2);
            assert_eq!(
                parse_region(bad, From::Setting("TENCENTCLOUD_REGION"))
                    .unwrap_err()
                    .exit_code(),
                3
            );
        }
    }
}
