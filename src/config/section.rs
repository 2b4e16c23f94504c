//! A provider's part of the settings, without naming any provider: the trait its settings
//! type implements, the map `Settings` keeps them in (one per registered provider), what
//! its resolution is given (`SectionInput`, with the shared precedence rules), and the
//! typed check of its config-file section.

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use super::credentials::{KeyPairNames, KeyPairSettings};
use super::endpoint;
use super::resolve::Ctx;
use super::{Origin, ProfileScope, Sourced};
use crate::error::Error;
use crate::providers::{Provider, REGISTRY};
use crate::secret::Secret;

/// A provider's resolved settings (its `credentials.rs` defines the type). `Settings`
/// holds one per registered provider; the provider reaches its own with
/// `Settings::provider::<T>()`.
pub trait ProviderSettings: Any + fmt::Debug + Send + Sync {
    /// A boxed copy, so that `Settings` stays `Clone`.
    fn clone_box(&self) -> Box<dyn ProviderSettings>;
}

/// How a provider resolves its settings; warnings go to the `Vec` (without `warning: `).
pub type ResolveSettings =
    fn(&SectionInput<'_>, &mut Vec<String>) -> Result<Box<dyn ProviderSettings>, Error>;

/// Every registered provider's settings, keyed by provider id, in registry order.
#[derive(Debug)]
pub struct ProviderSettingsMap {
    entries: Vec<(&'static str, Box<dyn ProviderSettings>)>,
}

impl Clone for ProviderSettingsMap {
    fn clone(&self) -> Self {
        ProviderSettingsMap {
            entries: self
                .entries
                .iter()
                .map(|(id, settings)| (*id, (**settings).clone_box()))
                .collect(),
        }
    }
}

impl ProviderSettingsMap {
    /// Every registered provider's built-in defaults.
    pub(super) fn defaults() -> Self {
        ProviderSettingsMap {
            entries: REGISTRY
                .iter()
                .map(|provider| (provider.id, (provider.default_settings)()))
                .collect(),
        }
    }

    pub(super) fn from_entries(entries: Vec<(&'static str, Box<dyn ProviderSettings>)>) -> Self {
        ProviderSettingsMap { entries }
    }

    /// The settings of type `T`, if a registered provider has them.
    pub fn get<T: ProviderSettings>(&self) -> Option<&T> {
        self.entries.iter().find_map(|(_, settings)| {
            let any: &dyn Any = &**settings;
            any.downcast_ref::<T>()
        })
    }

    pub fn get_mut<T: ProviderSettings>(&mut self) -> Option<&mut T> {
        self.entries.iter_mut().find_map(|(_, settings)| {
            let any: &mut dyn Any = &mut **settings;
            any.downcast_mut::<T>()
        })
    }

    /// The settings of the provider with id `id`.
    pub fn by_id(&self, id: &str) -> Option<&dyn ProviderSettings> {
        self.entries
            .iter()
            .find(|(entry, _)| *entry == id)
            .map(|(_, settings)| &**settings)
    }
}

/// What a provider's resolution is given: the environment, its section of the profile,
/// and the profile's scope, with the precedence rules every provider shares.
pub struct SectionInput<'a> {
    pub(super) ctx: &'a Ctx<'a>,
    /// The provider's id, which is its section's name.
    pub(super) section: &'static str,
    /// Its section of the profile, when the profile has one.
    pub(super) raw: Option<&'a toml::Value>,
    pub(super) scope: &'a ProfileScope,
}

impl SectionInput<'_> {
    /// Its section as the provider's raw type (the defaults when absent). The file's parse
    /// already checked the types (`check_section`), with lines in its messages.
    pub fn raw<T: DeserializeOwned + Default>(&self) -> Result<T, Error> {
        match self.raw {
            None => Ok(T::default()),
            Some(value) => T::deserialize(value.clone()).map_err(|e| {
                Error::config(format!(
                    "{}: [{}.{}]: {}",
                    self.ctx.path.display(),
                    self.ctx.profile,
                    self.section,
                    e.message()
                ))
            }),
        }
    }

    /// Which profile was used and how it was named, for credential messages.
    pub fn scope(&self) -> ProfileScope {
        self.scope.clone()
    }

    /// A plain (non-credential) setting: environment > file > default, validated with
    /// one of `endpoint`'s parsers (`parse_endpoint`, `parse_region`).
    pub fn setting(
        &self,
        env_name: &str,
        key: &str,
        file_value: Option<&str>,
        default: &str,
        validate: fn(&str, endpoint::From<'_>) -> Result<String, Error>,
    ) -> Result<Sourced<String>, Error> {
        self.ctx
            .setting(env_name, self.section, key, file_value, default, validate)
    }

    /// A key pair with its token, all three from one place: the environment when it holds
    /// the id or the secret (and no profile was named), else the file (`[id, secret,
    /// token]`). A token in the environment without its pair is ignored with a warning.
    pub fn key_pair(
        &self,
        names: &KeyPairNames,
        file: [Option<&String>; 3],
        warnings: &mut Vec<String>,
    ) -> KeyPairSettings {
        let env = self.ctx.env;
        let explicit = self.ctx.explicit;
        let (id_name, secret_name) = (names.id.0, names.secret.0);
        let env_id = env.get(id_name);
        let env_secret = env.get(secret_name);
        let env_token = names
            .tokens
            .iter()
            .find_map(|name| env.get(name).map(|value| (*name, value)));
        let [file_id, file_secret, file_token] = file;
        let (id, secret_value, token) = if !explicit && (env_id.is_some() || env_secret.is_some()) {
            (
                from_env(env_id),
                from_env(env_secret),
                from_env(env_token.map(|(_, value)| value)),
            )
        } else {
            if let Some((token_name, _)) = env_token.filter(|_| !explicit) {
                warnings.push(format!(
                    "{token_name} is set but {id_name} and {secret_name} are not; it is ignored"
                ));
            }
            (
                from_file(file_id),
                from_file(file_secret),
                from_file(file_token),
            )
        };
        KeyPairSettings {
            id,
            secret: secret(secret_value),
            token: secret(token),
        }
    }

    /// A single secret (a bearer token): the environment unless a profile was named, else
    /// the file.
    pub fn single_secret(
        &self,
        env_name: &str,
        file_value: Option<&String>,
    ) -> Option<Sourced<Secret>> {
        let env_value = self.ctx.env.get(env_name);
        let value = match env_value {
            Some(_) if !self.ctx.explicit => from_env(env_value),
            _ => from_file(file_value),
        };
        secret(value)
    }

    /// A value the file alone sets (no variable, no default).
    pub fn file_only<T>(&self, value: Option<T>) -> Option<Sourced<T>> {
        value.map(|v| Sourced::new(v, Origin::File))
    }
}

fn from_env(value: Option<&str>) -> Option<Sourced<String>> {
    value.map(|v| Sourced::new(v.to_string(), Origin::Env))
}

fn from_file(value: Option<&String>) -> Option<Sourced<String>> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| Sourced::new(v.to_string(), Origin::File))
}

fn secret(value: Option<Sourced<String>>) -> Option<Sourced<Secret>> {
    value.map(|s| Sourced::new(Secret::new(s.value), s.origin))
}

/// Resolves every registered provider's settings for one profile.
pub(super) fn resolve_all(
    ctx: &Ctx<'_>,
    profile: &super::file::RawProfile,
    scope: &ProfileScope,
    warnings: &mut Vec<String>,
) -> Result<ProviderSettingsMap, Error> {
    let mut entries = Vec::with_capacity(REGISTRY.len());
    for provider in REGISTRY {
        let input = SectionInput {
            ctx,
            section: provider.id,
            raw: profile.sections.get(provider.id),
            scope,
        };
        entries.push((provider.id, (provider.resolve_settings)(&input, warnings)?));
    }
    Ok(ProviderSettingsMap::from_entries(entries))
}

/// Checks the types of section `id` in every profile of the config `text` as `T`, so
/// that an error carries the span of the offending value (the config parse turns it into
/// `path:line: key: …`). Providers name it in their descriptor:
/// `check_config_section: config::check_section::<RawSection>`.
pub fn check_section<T: DeserializeOwned>(text: &str, id: &str) -> Result<(), toml::de::Error> {
    Profiles::<T> {
        section: id,
        raw: PhantomData,
    }
    .deserialize(toml::Deserializer::new(text))
}

/// True when a section holds a non-blank value under one of `provider`'s secret keys.
pub(super) fn holds_secret(provider: &Provider, section: &toml::Value) -> bool {
    provider.secret_config_keys.iter().any(|key| {
        section
            .get(key)
            .and_then(toml::Value::as_str)
            .is_some_and(|v| !v.trim().is_empty())
    })
}

/// Every provider's credential variables in short, as a list: `A_*, B_* and C_TOKEN`.
pub(super) fn credential_variables_text() -> String {
    let variables: Vec<&str> = REGISTRY.iter().map(|p| p.credential_variables).collect();
    match variables.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Every profile, typing only the section named `section`.
struct Profiles<'s, T> {
    section: &'s str,
    raw: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Profiles<'_, T> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Profiles<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("profile tables")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(Section::<T> {
                section: self.section,
                raw: PhantomData,
            })?;
        }
        Ok(())
    }
}

/// One profile, typing only its section named `section`.
struct Section<'s, T> {
    section: &'s str,
    raw: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Section<'_, T> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Section<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a profile table such as [default]")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == self.section {
                map.next_value::<T>()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, Deserialize)]
    #[allow(dead_code)] // only its types are checked
    struct Raw {
        n: Option<u64>,
    }

    fn line_of_error(text: &str) -> Option<usize> {
        let e = check_section::<Raw>(text, "x").err()?;
        let span = e.span()?;
        Some(super::super::file::line_of(text.as_bytes(), span.start))
    }

    #[test]
    fn check_section_types_only_its_own_section_and_names_the_line() {
        assert_eq!(
            line_of_error("[a.x]\nn = 1\n[a.y]\nn = \"other's\"\n"),
            None
        );
        assert_eq!(line_of_error("[a]\nk = 1\n[b.x]\n\nn = \"one\"\n"), Some(5));
        assert_eq!(line_of_error("[a]\nx = { n = \"one\" }\n"), Some(2));
        assert_eq!(line_of_error("[a]\nx.n = -1\n"), Some(2));
        assert_eq!(line_of_error("[a]\nx = \"a string\"\n"), Some(2));
    }

    #[derive(Debug, Clone, PartialEq)]
    struct Unregistered;

    impl ProviderSettings for Unregistered {
        fn clone_box(&self) -> Box<dyn ProviderSettings> {
            Box::new(self.clone())
        }
    }

    #[test]
    fn the_map_finds_settings_by_type_and_by_id_and_clones_them() {
        let map = ProviderSettingsMap::from_entries(vec![("u", Box::new(Unregistered))]);
        let copy = map.clone();
        assert_eq!(copy.get::<Unregistered>(), Some(&Unregistered));
        assert!(copy.by_id("u").is_some());
        assert!(copy.by_id("v").is_none());
        assert!(ProviderSettingsMap::defaults()
            .get::<Unregistered>()
            .is_none());
    }

    #[test]
    fn the_variables_are_listed_with_a_final_and() {
        let text = credential_variables_text();
        for provider in REGISTRY {
            assert!(text.contains(provider.credential_variables), "{text}");
        }
        if REGISTRY.len() > 1 {
            assert_eq!(text.matches(" and ").count(), 1, "{text}");
        }
    }
}
