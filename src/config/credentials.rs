//! The credential rules every provider shares: a key pair (id, secret, optional session
//! token) or a single secret, checked before anything is sent, and the exit-3 messages
//! that name exactly what is missing and where it was looked for. Each provider names its
//! variables and keys (`KeyPairNames`, `SecretNames`) in its own `credentials.rs`.

use super::{Origin, ProfileScope, Sourced};
use crate::error::Error;
use crate::secret::Secret;

/// An access key pair with an optional session token: what a signing provider signs with
/// (an access key id, its secret, and the token of temporary credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPair {
    pub id: String,
    pub secret: Secret,
    pub token: Option<Secret>,
}

/// How a key pair is named in messages, the environment and the config file.
#[derive(Debug)]
pub struct KeyPairNames {
    /// The start of the error: `missing <Provider> credentials`.
    pub what: &'static str,
    /// The provider's section of a profile.
    pub section: &'static str,
    /// Its variables in short (`PREFIX_*`), for "ignored" messages.
    pub env_glob: &'static str,
    /// The id's environment variable and file key.
    pub id: (&'static str, &'static str),
    /// The secret's environment variable and file key.
    pub secret: (&'static str, &'static str),
    /// The session token's environment variables: the first one set wins.
    pub tokens: &'static [&'static str],
}

impl KeyPairNames {
    /// The token's variables for messages: `A_TOKEN (or A_SESSION_TOKEN)`.
    fn token_env(&self) -> String {
        match self.tokens {
            [first, rest @ ..] if !rest.is_empty() => {
                format!("{first} (or {})", rest.join(" or "))
            }
            names => names.join(""),
        }
    }
}

/// A key pair as resolved: each part with where it came from, `None` when not set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyPairSettings {
    pub id: Option<Sourced<String>>,
    pub secret: Option<Sourced<Secret>>,
    pub token: Option<Sourced<Secret>>,
}

impl KeyPairSettings {
    /// The key pair, or the exit-3 error naming exactly what is missing.
    pub fn credentials(
        &self,
        scope: &ProfileScope,
        names: &KeyPairNames,
    ) -> Result<KeyPair, Error> {
        key_pair(self, scope, names)
    }

    /// Both the id and the secret are set.
    pub fn is_set(&self) -> bool {
        self.id.is_some() && self.secret.is_some()
    }
}

/// How a single secret (a bearer token) is named in messages, the environment and the file.
#[derive(Debug)]
pub struct SecretNames {
    /// The start of the error: `missing <Provider> token`.
    pub what: &'static str,
    pub section: &'static str,
    pub env: &'static str,
    pub key: &'static str,
}

fn key_pair(
    KeyPairSettings { id, secret, token }: &KeyPairSettings,
    scope: &ProfileScope,
    names: &KeyPairNames,
) -> Result<KeyPair, Error> {
    match (id, secret) {
        (Some(id), Some(secret)) => {
            credential_value(&id.value, id.origin, names.id, names.section, scope)?;
            credential_value(
                secret.value.expose(),
                secret.origin,
                names.secret,
                names.section,
                scope,
            )?;
            if let Some(token) = token {
                let token_env = names.token_env();
                let name = (token_env.as_str(), "token");
                credential_value(
                    token.value.expose(),
                    token.origin,
                    name,
                    names.section,
                    scope,
                )?;
            }
            Ok(KeyPair {
                id: id.value.clone(),
                secret: secret.value.clone(),
                token: token.as_ref().map(|t| t.value.clone()),
            })
        }
        (id, secret) => Err(missing_credentials(
            names.what,
            names.section,
            names.env_glob,
            scope,
            &[
                Part {
                    env: names.id.0,
                    key: names.id.1,
                    found: id.as_ref().map(|s| s.origin),
                },
                Part {
                    env: names.secret.0,
                    key: names.secret.1,
                    found: secret.as_ref().map(|s| s.origin),
                },
            ],
        )),
    }
}

/// The resolved single secret, or the exit-3 error naming where it was looked for.
pub fn single_secret(
    secret: &Option<Sourced<Secret>>,
    scope: &ProfileScope,
    names: &SecretNames,
) -> Result<Secret, Error> {
    match secret {
        Some(secret) => {
            credential_value(
                secret.value.expose(),
                secret.origin,
                (names.env, names.key),
                names.section,
                scope,
            )?;
            Ok(secret.value.clone())
        }
        None => Err(missing_credentials(
            names.what,
            names.section,
            names.env,
            scope,
            &[Part {
                env: names.env,
                key: names.key,
                found: None,
            }],
        )),
    }
}

/// Exit 3 when a credential cannot be sent in an HTTP header: a line break or another
/// control character (`abc\r\nX-Evil: 1` would end in a transport error, or worse), or
/// bytes that are not UTF-8 (U+FFFD from the environment snapshot). The message names
/// where the value came from, never the value.
fn credential_value(
    value: &str,
    origin: Origin,
    (env, key): (&str, &str),
    section: &str,
    scope: &ProfileScope,
) -> Result<(), Error> {
    let problem = if value.contains(char::REPLACEMENT_CHARACTER) {
        "is not valid UTF-8"
    } else if value.chars().any(char::is_control) {
        "holds a line break or another control character, which HTTP cannot carry"
    } else {
        return Ok(());
    };
    let name = match origin {
        Origin::Env | Origin::Flag => env.to_string(),
        Origin::File | Origin::Default => format!(
            "{key} under [{}.{section}] in {}",
            scope.profile,
            scope.path_text()
        ),
    };
    Err(Error::config(format!("{name} {problem}; nothing was sent")))
}

/// One required credential part: its environment variable, its key in the file, and
/// where it was found (if it was).
struct Part {
    env: &'static str,
    key: &'static str,
    found: Option<Origin>,
}

/// The exit-3 error for missing or half-set credentials, naming exactly what is missing.
fn missing_credentials(
    what: &str,
    section: &str,
    env_glob: &str,
    scope: &ProfileScope,
    parts: &[Part],
) -> Error {
    let profile = &scope.profile;
    let path = scope.path_text();
    let missing: Vec<&Part> = parts.iter().filter(|p| p.found.is_none()).collect();
    let present: Vec<&Part> = parts.iter().filter(|p| p.found.is_some()).collect();
    let keys = |ps: &[&Part]| ps.iter().map(|p| p.key).collect::<Vec<_>>().join("/");
    let envs = |ps: &[&Part]| ps.iter().map(|p| p.env).collect::<Vec<_>>().join(" and ");

    if scope.explicit() {
        let has = if present.is_empty() {
            String::new()
        } else {
            format!(" (it has {})", keys(&present))
        };
        return Error::config(format!(
            "{what}: profile '{profile}' (named by {}) has no {} under [{profile}.{section}] in {path}{has}; \
             {env_glob} environment variables are ignored because a profile was named",
            scope.named_by_text(),
            keys(&missing),
        ));
    }
    match present.first().and_then(|p| p.found) {
        Some(Origin::Env) | Some(Origin::Flag) => Error::config(format!(
            "{what}: {} is set but {} is not; set {}",
            envs(&present),
            envs(&missing),
            envs(&missing),
        )),
        Some(Origin::File) | Some(Origin::Default) => Error::config(format!(
            "{what}: [{profile}.{section}] in {path} has {} but no {}; add it there, or set {}",
            keys(&present),
            keys(&missing),
            parts
                .iter()
                .map(|p| p.env)
                .collect::<Vec<_>>()
                .join(" and "),
        )),
        None => Error::config(format!(
            "{what}: set {}, or {} under [{profile}.{section}] in {path}",
            envs(&missing),
            keys(&missing),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: KeyPairNames = KeyPairNames {
        what: "missing Example credentials",
        section: "example",
        env_glob: "EXAMPLE_*",
        id: ("EXAMPLE_ID", "id"),
        secret: ("EXAMPLE_SECRET", "secret"),
        tokens: &["EXAMPLE_TOKEN", "EXAMPLE_SESSION_TOKEN"],
    };

    fn env<T>(value: T) -> Option<Sourced<T>> {
        Some(Sourced::new(value, Origin::Env))
    }

    #[test]
    fn a_token_is_named_by_its_variables() {
        assert_eq!(
            NAMES.token_env(),
            "EXAMPLE_TOKEN (or EXAMPLE_SESSION_TOKEN)"
        );
        let one = KeyPairNames {
            tokens: &["EXAMPLE_TOKEN"],
            ..NAMES
        };
        assert_eq!(one.token_env(), "EXAMPLE_TOKEN");
    }

    #[test]
    fn a_token_http_cannot_carry_is_refused_by_its_variables() {
        let keys = KeyPairSettings {
            id: env("id".to_string()),
            secret: env(Secret::new("secret")),
            token: env(Secret::new("tok\r\nX-Evil: 1")),
        };
        assert!(keys.is_set());
        let e = keys
            .credentials(&ProfileScope::default(), &NAMES)
            .unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert_eq!(
            e.to_string(),
            "EXAMPLE_TOKEN (or EXAMPLE_SESSION_TOKEN) holds a line break or another control \
             character, which HTTP cannot carry; nothing was sent"
        );
    }

    #[test]
    fn a_missing_secret_names_where_it_was_looked_for() {
        let e = single_secret(
            &None,
            &ProfileScope::default(),
            &SecretNames {
                what: "missing Example token",
                section: "example",
                env: "EXAMPLE_TOKEN",
                key: "token",
            },
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "missing Example token: set EXAMPLE_TOKEN, or token under [default.example] in \
             the config file (no path: HOME and XDG_CONFIG_HOME are unset)"
        );
    }
}
