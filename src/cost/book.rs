//! The price book (spec §8): where it is, parsing it with the line of every key, and
//! validating it. Matching entries to series is `matcher.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use regex::Regex;
use rust_decimal::Decimal;
use toml_edit::{ImDocument, Item, TableLike, Value};

use crate::cost::money::{parse_decimal, Currency, Rates};
use crate::error::Error;

/// Which file the price book is read from, and whether the user named it (a named file
/// must exist; the default path may be absent, which is an empty book).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookLocation {
    pub path: PathBuf,
    pub explicit: bool,
}

/// `$XDG_CONFIG_HOME/aigcusage/prices.toml`, else `$HOME/.config/aigcusage/prices.toml`
/// (a relative `XDG_CONFIG_HOME` is ignored, as the XDG spec says).
pub fn default_path(xdg_config_home: Option<&str>, home: Option<&str>) -> Option<PathBuf> {
    if let Some(xdg) = xdg_config_home.filter(|x| Path::new(x).is_absolute()) {
        return Some(Path::new(xdg).join("aigcusage").join("prices.toml"));
    }
    home.filter(|h| !h.is_empty()).map(|h| {
        Path::new(h)
            .join(".config")
            .join("aigcusage")
            .join("prices.toml")
    })
}

/// The lookup order of spec §8: `--prices`, else `AIGCUSAGE_PRICES`, else the profile's
/// `prices`, else the default path. `None` when there is nowhere to look (an empty book).
pub fn locate(
    flag: Option<&Path>,
    env: Option<&str>,
    profile: Option<&Path>,
    default: Option<PathBuf>,
) -> Option<BookLocation> {
    let named = flag
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .or_else(|| env.filter(|e| !e.is_empty()).map(PathBuf::from))
        .or_else(|| {
            profile
                .filter(|p| !p.as_os_str().is_empty())
                .map(Path::to_path_buf)
        });
    match named {
        Some(path) => Some(BookLocation {
            path,
            explicit: true,
        }),
        None => default.map(|path| BookLocation {
            path,
            explicit: false,
        }),
    }
}

/// The series name an entry applies to.
#[derive(Debug, Clone)]
pub enum NameRule {
    /// `series = "..."`: exactly this name.
    Exact(String),
    /// `match = "..."`: the regular expression over the whole name (anchored here).
    Match { pattern: String, regex: Regex },
}

impl NameRule {
    pub fn matches(&self, name: &str) -> bool {
        match self {
            NameRule::Exact(exact) => exact == name,
            NameRule::Match { regex, .. } => regex.is_match(name),
        }
    }

    pub fn is_exact(&self) -> bool {
        matches!(self, NameRule::Exact(_))
    }
}

/// One `[[price]]` entry.
#[derive(Debug, Clone)]
pub struct PriceEntry {
    /// The line of its `[[price]]` header (1-based): how messages and `prices check` name it.
    pub line: usize,
    pub provider: String,
    pub source: String,
    pub name: NameRule,
    pub metric: String,
    pub unit: String,
    pub price: Decimal,
    /// The price is for this many units (>= 1).
    pub per: Decimal,
    pub currency: Currency,
    /// First date the price applies (inclusive).
    pub from: Option<NaiveDate>,
    /// First date it no longer applies (exclusive).
    pub until: Option<NaiveDate>,
    pub labels: BTreeMap<String, String>,
}

impl PriceEntry {
    /// Whether `[from, until)` holds `date`.
    pub fn applies_on(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|from| date >= from) && self.until.is_none_or(|until| date < until)
    }

    pub fn is_dated(&self) -> bool {
        self.from.is_some() || self.until.is_some()
    }
}

/// A parsed, valid price book.
#[derive(Debug, Clone, Default)]
pub struct PriceBook {
    /// The file it was read from; `None` for an empty book (no file at the default path).
    pub path: Option<PathBuf>,
    /// The book's `currency`, below `--currency` and `AIGCUSAGE_CURRENCY`.
    pub currency: Option<Currency>,
    pub rates: Rates,
    pub entries: Vec<PriceEntry>,
}

impl PriceBook {
    /// Reads the book at `location`. A missing file at the default path is an empty book;
    /// a named file that is missing, unreadable or invalid is exit 3.
    pub fn load(location: Option<&BookLocation>) -> Result<PriceBook, Error> {
        Ok(PriceBook::find(location)?.unwrap_or_default())
    }

    /// [`PriceBook::load`], but `None` when there is no book: nowhere to look, or no file at
    /// the default path. `--demo` prices with its example book only then (the user's own
    /// book, named or at the default path, always wins).
    pub fn find(location: Option<&BookLocation>) -> Result<Option<PriceBook>, Error> {
        let Some(location) = location else {
            return Ok(None);
        };
        match std::fs::read_to_string(&location.path) {
            Ok(text) => PriceBook::parse(&text, &location.path).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !location.explicit => Ok(None),
            Err(e) => Err(Error::config(format!(
                "{}: cannot read the price book: {e}",
                location.path.display()
            ))),
        }
    }

    /// Parses and validates a book's text; `path` names it in messages (`FILE:LINE: ...`).
    pub fn parse(text: &str, path: &Path) -> Result<PriceBook, Error> {
        Parser::new(text, path).book()
    }

    /// `FILE:LINE` of an entry's `[[price]]` line.
    pub fn entry_location(&self, index: usize) -> String {
        let line = self.entries.get(index).map_or(0, |e| e.line);
        match &self.path {
            Some(path) => format!("{}:{line}", path.display()),
            None => format!("(price book):{line}"),
        }
    }
}

const TOP_LEVEL_KEYS: [&str; 3] = ["currency", "rates", "price"];
const ENTRY_KEYS: [&str; 12] = [
    "provider", "source", "series", "match", "metric", "unit", "price", "per", "currency", "from",
    "until", "labels",
];

struct Parser<'t> {
    text: &'t str,
    path: &'t Path,
    /// Byte offsets where each line starts.
    line_starts: Vec<usize>,
}

impl<'t> Parser<'t> {
    fn new(text: &'t str, path: &'t Path) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            text,
            path,
            line_starts,
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset)
    }

    fn error_at(&self, offset: usize, what: impl std::fmt::Display) -> Error {
        Error::config(format!(
            "{}:{}: {what}",
            self.path.display(),
            self.line_of(offset)
        ))
    }

    /// The offset of a key's line, else of its value.
    fn key_offset(&self, table: &dyn TableLike, key: &str, fallback: usize) -> usize {
        table
            .key(key)
            .and_then(|k| k.span())
            .or_else(|| table.get(key).and_then(Item::span))
            .map_or(fallback, |span| span.start)
    }

    fn book(&self) -> Result<PriceBook, Error> {
        let document = ImDocument::parse(self.text).map_err(|e| {
            let offset = e.span().map_or(0, |span| span.start);
            self.error_at(offset, e.message().trim())
        })?;
        let root = document.as_table();
        for (key, _) in root.iter() {
            if !TOP_LEVEL_KEYS.contains(&key) {
                return Err(self.error_at(
                    self.key_offset(root, key, 0),
                    format!("unknown key `{key}` (expected `currency`, `[rates]` or `[[price]]`)"),
                ));
            }
        }
        let currency = match root.get("currency") {
            None => None,
            Some(item) => Some(self.currency(root, "currency", item, 0)?),
        };
        let rates = match root.get("rates") {
            None => Rates::default(),
            Some(item) => self.rates(root, item)?,
        };
        let entries = match root.get("price") {
            None => Vec::new(),
            Some(item) => self.entries(root, item)?,
        };
        Ok(PriceBook {
            path: Some(self.path.to_path_buf()),
            currency,
            rates,
            entries,
        })
    }

    fn currency(
        &self,
        table: &dyn TableLike,
        key: &str,
        item: &Item,
        fallback: usize,
    ) -> Result<Currency, Error> {
        let offset = self.key_offset(table, key, fallback);
        let code = item.as_str().ok_or_else(|| {
            self.error_at(offset, format!("`{key}` must be a string such as \"CNY\""))
        })?;
        Currency::parse(code).ok_or_else(|| {
            self.error_at(
                offset,
                format!("`{key}` = {code:?} is not an ISO 4217 code (three upper-case letters, e.g. \"CNY\")"),
            )
        })
    }

    fn rates(&self, root: &dyn TableLike, item: &Item) -> Result<Rates, Error> {
        let offset = self.key_offset(root, "rates", 0);
        let table = item
            .as_table_like()
            .ok_or_else(|| self.error_at(offset, "`rates` must be a table: [rates]"))?;
        let mut rates = Rates::default();
        for (pair, value) in table.iter() {
            let at = self.key_offset(table, pair, offset);
            let currencies = pair
                .split_once('/')
                .and_then(|(a, b)| Some((Currency::parse(a)?, Currency::parse(b)?)))
                .filter(|(a, b)| a != b);
            let Some((from, to)) = currencies else {
                return Err(self.error_at(
                    at,
                    format!("rate {pair:?}: the key must be two different ISO 4217 codes, \"A/B\" (e.g. \"USD/CNY\")"),
                ));
            };
            let (rate, written) = self.decimal(value).ok_or_else(|| {
                self.error_at(
                    at,
                    format!("rate {pair:?} must be a decimal such as \"7.10\""),
                )
            })?;
            if rate <= Decimal::ZERO {
                return Err(self.error_at(at, format!("rate {pair:?} must be greater than 0")));
            }
            rates.insert(from, to, rate, &written);
        }
        Ok(rates)
    }

    /// A decimal written as a string or as a TOML number, read from its text (never via
    /// a float), with that text.
    fn decimal(&self, item: &Item) -> Option<(Decimal, String)> {
        let written = match item.as_value()? {
            Value::String(s) => s.value().clone(),
            Value::Integer(_) | Value::Float(_) => {
                let span = item.span()?;
                self.text.get(span)?.trim().to_string()
            }
            _ => return None,
        };
        parse_decimal(&written).map(|d| (d, written))
    }

    fn entries(&self, root: &dyn TableLike, item: &Item) -> Result<Vec<PriceEntry>, Error> {
        let offset = self.key_offset(root, "price", 0);
        let not_entries = || {
            self.error_at(
                offset,
                "`price` must be a list of entries, each starting with a [[price]] line",
            )
        };
        let mut entries = Vec::new();
        match item {
            Item::ArrayOfTables(tables) => {
                for table in tables.iter() {
                    let start = table.span().map_or(offset, |s| s.start);
                    entries.push(self.entry(table, start)?);
                }
            }
            Item::Value(Value::Array(array)) => {
                for value in array.iter() {
                    let table = value.as_inline_table().ok_or_else(not_entries)?;
                    let start = table.span().map_or(offset, |s| s.start);
                    entries.push(self.entry(table, start)?);
                }
            }
            _ => return Err(not_entries()),
        }
        Ok(entries)
    }

    fn entry(&self, table: &dyn TableLike, start: usize) -> Result<PriceEntry, Error> {
        let line = self.line_of(start);
        for (key, _) in table.iter() {
            if !ENTRY_KEYS.contains(&key) {
                return Err(self.error_at(
                    self.key_offset(table, key, start),
                    format!("unknown key `{key}` in [[price]] (expected provider, source, series or match, metric, unit, price, per, currency, from, until, labels)"),
                ));
            }
        }
        let at = |key: &str| self.key_offset(table, key, start);
        let text = |key: &str| -> Result<String, Error> {
            let item = table
                .get(key)
                .ok_or_else(|| self.error_at(start, format!("[[price]] is missing `{key}`")))?;
            match item.as_str() {
                Some(s) if !s.is_empty() => Ok(s.to_string()),
                _ => Err(self.error_at(at(key), format!("`{key}` must be a non-empty string"))),
            }
        };
        let provider = text("provider")?;
        let source = text("source")?;
        let name = self.name_rule(table, start, &text)?;
        let metric = text("metric")?;
        let unit = text("unit")?;

        let price_item = table
            .get("price")
            .ok_or_else(|| self.error_at(start, "[[price]] is missing `price`"))?;
        let (price, written) = self.decimal(price_item).ok_or_else(|| {
            self.error_at(
                at("price"),
                "`price` must be a decimal such as \"0.40\" (a string or a number)",
            )
        })?;
        if price < Decimal::ZERO {
            return Err(self.error_at(at("price"), format!("`price` = {written} is negative")));
        }

        let per = match table.get("per") {
            None => Decimal::ONE,
            Some(item) => match item.as_integer() {
                Some(n) if n >= 1 => Decimal::from(n),
                _ => {
                    return Err(self.error_at(at("per"), "`per` must be a whole number >= 1"));
                }
            },
        };

        let currency_item = table
            .get("currency")
            .ok_or_else(|| self.error_at(start, "[[price]] is missing `currency`"))?;
        let currency = self.currency(table, "currency", currency_item, start)?;

        let from = self.date(table, "from", start)?;
        let until = self.date(table, "until", start)?;
        if let (Some(from), Some(until)) = (from, until) {
            if from >= until {
                return Err(self.error_at(
                    at("until"),
                    format!("`until` ({until}) must be after `from` ({from}): `until` is the first day the price no longer applies"),
                ));
            }
        }
        let labels = self.labels(table, start)?;
        Ok(PriceEntry {
            line,
            provider,
            source,
            name,
            metric,
            unit,
            price,
            per,
            currency,
            from,
            until,
            labels,
        })
    }

    fn name_rule(
        &self,
        table: &dyn TableLike,
        start: usize,
        text: &dyn Fn(&str) -> Result<String, Error>,
    ) -> Result<NameRule, Error> {
        match (table.contains_key("series"), table.contains_key("match")) {
            (true, true) => {
                let later = self
                    .key_offset(table, "series", start)
                    .max(self.key_offset(table, "match", start));
                Err(self.error_at(
                    later,
                    "[[price]] has both `series` and `match`; give exactly one",
                ))
            }
            (false, false) => Err(self.error_at(
                start,
                "[[price]] is missing `series` (the exact name) or `match` (a regular expression)",
            )),
            (true, false) => Ok(NameRule::Exact(text("series")?)),
            (false, true) => {
                let pattern = text("match")?;
                // The expression must match the whole name, not a part of it.
                let regex = Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
                    let detail = e
                        .to_string()
                        .lines()
                        .rev()
                        .find(|l| !l.trim().is_empty())
                        .unwrap_or("")
                        .trim()
                        .trim_start_matches("error: ")
                        .to_string();
                    self.error_at(
                        self.key_offset(table, "match", start),
                        format!(
                            "`match` = {pattern:?} is not a valid regular expression: {detail}"
                        ),
                    )
                })?;
                Ok(NameRule::Match { pattern, regex })
            }
        }
    }

    fn date(
        &self,
        table: &dyn TableLike,
        key: &str,
        start: usize,
    ) -> Result<Option<NaiveDate>, Error> {
        let Some(item) = table.get(key) else {
            return Ok(None);
        };
        let date = match item.as_value() {
            Some(Value::String(s)) => NaiveDate::parse_from_str(s.value(), "%Y-%m-%d").ok(),
            Some(Value::Datetime(d)) => {
                let d = d.value();
                match (d.date, d.time) {
                    (Some(date), None) => NaiveDate::from_ymd_opt(
                        i32::from(date.year),
                        u32::from(date.month),
                        u32::from(date.day),
                    ),
                    _ => None,
                }
            }
            _ => None,
        };
        date.map(Some).ok_or_else(|| {
            self.error_at(
                self.key_offset(table, key, start),
                format!("`{key}` must be a date such as \"2026-01-01\""),
            )
        })
    }

    fn labels(
        &self,
        table: &dyn TableLike,
        start: usize,
    ) -> Result<BTreeMap<String, String>, Error> {
        let Some(item) = table.get("labels") else {
            return Ok(BTreeMap::new());
        };
        let at = self.key_offset(table, "labels", start);
        let labels = item.as_table_like().ok_or_else(|| {
            self.error_at(
                at,
                "`labels` must be a table such as { sub_app_id = \"200000004\" }",
            )
        })?;
        let mut out = BTreeMap::new();
        for (key, value) in labels.iter() {
            // Numbers are compared as the text they were written as (`sub_app_id = 200000004`).
            let text = match value.as_value() {
                Some(Value::String(s)) => Some(s.value().clone()),
                Some(Value::Integer(_) | Value::Float(_)) => value
                    .span()
                    .and_then(|span| self.text.get(span))
                    .map(|t| t.trim().to_string()),
                _ => None,
            };
            let text = text.ok_or_else(|| {
                self.error_at(
                    self.key_offset(labels, key, at),
                    format!("label `{key}` must be a string"),
                )
            })?;
            out.insert(key.to_string(), text);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn parse(text: &str) -> Result<PriceBook, Error> {
        PriceBook::parse(text, Path::new("prices.toml"))
    }

    /// The message of a book that must be rejected, checked to be exit 3.
    fn rejected(text: &str) -> String {
        let err = parse(text).expect_err("the book must be rejected");
        assert_eq!(err.exit_code(), 3, "{err}");
        err.to_string()
    }

    const VALID: &str = r#"currency = "CNY"

[rates]
"USD/CNY" = "7.10"
"EUR/CNY" = 7.8

[[price]]
provider = "tencent"
source = "vod.aigc_usage"
series = "Kling2.0&2.1std_720P"
metric = "usage"
unit = "seconds"
price = "0.40"
currency = "CNY"
from = "2025-01-01"
until = 2026-01-01
labels = { sub_app_id = 200000004, aigc_type = "Video" }

[[price]]
provider = "acedata"
source = "acedata.api_usage"
match = "Midjourney.*"
metric = "amount"
unit = "credits"
price = 0.13
per = 1_000
currency = "USD"
"#;

    #[test]
    fn a_valid_book_is_read_with_its_lines_numbers_from_their_text_and_dates() {
        let book = parse(VALID).unwrap();
        assert_eq!(book.currency, Some(Currency::CNY));
        assert_eq!(book.rates.as_written().get("EUR/CNY").unwrap(), "7.8");
        assert_eq!(book.rates.as_written().get("USD/CNY").unwrap(), "7.10");
        assert_eq!(book.entries.len(), 2);
        let vod = &book.entries[0];
        assert_eq!(vod.line, 7);
        assert_eq!(vod.price, Decimal::from_str("0.40").unwrap());
        assert_eq!(vod.per, Decimal::ONE);
        assert_eq!(vod.from, NaiveDate::from_ymd_opt(2025, 1, 1));
        assert_eq!(vod.until, NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(vod.labels.get("sub_app_id").unwrap(), "200000004");
        assert!(vod.name.is_exact() && vod.name.matches("Kling2.0&2.1std_720P"));
        let ace = &book.entries[1];
        assert_eq!(ace.line, 19);
        // 0.13 read from its text, not through a float.
        assert_eq!(ace.price, Decimal::from_str("0.13").unwrap());
        assert_eq!(ace.per, Decimal::from(1000));
        assert_eq!(ace.currency.as_str(), "USD");
        assert!(ace.name.matches("Midjourney Imagine"));
        // The expression matches the whole name only.
        assert!(!ace.name.matches("Claude Midjourney Imagine"));
        assert_eq!(book.entry_location(1), "prices.toml:19");
    }

    #[test]
    fn an_empty_book_and_inline_entries_are_accepted() {
        let book = parse("").unwrap();
        assert!(book.entries.is_empty() && book.currency.is_none() && book.rates.is_empty());
        let inline = parse(
            "price = [{ provider = \"a\", source = \"b\", series = \"c\", metric = \"d\", unit = \"e\", price = \"1\", currency = \"USD\" }]\n",
        )
        .unwrap();
        assert_eq!(inline.entries[0].line, 1);
    }

    const ENTRY: &str = "provider = \"tencent\"\nsource = \"vod.aigc_usage\"\nseries = \"x\"\nmetric = \"usage\"\nunit = \"seconds\"\nprice = \"0.40\"\ncurrency = \"CNY\"\n";

    /// A book with one entry starting on line 3 plus `extra` lines after the entry
    /// (from line 11 on).
    fn with_entry(replace: &[(&str, &str)], extra: &str) -> String {
        let mut entry = ENTRY.to_string();
        for (from, to) in replace {
            assert!(entry.contains(from), "{from}");
            entry = entry.replace(from, to);
        }
        format!("currency = \"CNY\"\n\n[[price]]\n{entry}{extra}")
    }

    #[test]
    fn every_validation_error_names_file_and_line() {
        let cases: Vec<(String, &str, &str)> = vec![
            (
                with_entry(&[], "colour = \"red\"\n"),
                "prices.toml:11:",
                "unknown key `colour`",
            ),
            (
                "currrency = \"CNY\"\n".into(),
                "prices.toml:1:",
                "unknown key `currrency`",
            ),
            (
                with_entry(&[("provider = \"tencent\"\n", "")], ""),
                "prices.toml:3:",
                "missing `provider`",
            ),
            (
                with_entry(&[("unit = \"seconds\"\n", "")], ""),
                "prices.toml:3:",
                "missing `unit`",
            ),
            (
                with_entry(&[("price = \"0.40\"\n", "")], ""),
                "prices.toml:3:",
                "missing `price`",
            ),
            (
                with_entry(&[("currency = \"CNY\"\n", "")], ""),
                "prices.toml:3:",
                "missing `currency`",
            ),
            (
                with_entry(&[("series = \"x\"\n", "")], ""),
                "prices.toml:3:",
                "missing `series`",
            ),
            (
                with_entry(&[("price = \"0.40\"", "price = \"-0.40\"")], ""),
                "prices.toml:9:",
                "negative",
            ),
            (
                with_entry(&[("price = \"0.40\"", "price = -1")], ""),
                "prices.toml:9:",
                "negative",
            ),
            (
                with_entry(&[("price = \"0.40\"", "price = \"forty\"")], ""),
                "prices.toml:9:",
                "must be a decimal",
            ),
            (
                with_entry(&[("price = \"0.40\"", "price = true")], ""),
                "prices.toml:9:",
                "must be a decimal",
            ),
            (
                with_entry(&[], "per = 0\n"),
                "prices.toml:11:",
                "`per` must be a whole number >= 1",
            ),
            (
                with_entry(&[], "per = 1.5\n"),
                "prices.toml:11:",
                "`per` must be a whole number >= 1",
            ),
            (
                with_entry(&[("currency = \"CNY\"", "currency = \"cny\"")], ""),
                "prices.toml:10:",
                "not an ISO 4217 code",
            ),
            (
                with_entry(&[("currency = \"CNY\"", "currency = \"RMB元\"")], ""),
                "prices.toml:10:",
                "not an ISO 4217 code",
            ),
            (
                "currency = \"Yuan\"\n".into(),
                "prices.toml:1:",
                "not an ISO 4217 code",
            ),
            (
                with_entry(&[], "from = \"2026-01-01\"\nuntil = \"2026-01-01\"\n"),
                "prices.toml:12:",
                "`until` (2026-01-01) must be after `from`",
            ),
            (
                with_entry(&[], "until = 2025-01-01\n\nfrom = 2026-01-01\n"),
                "prices.toml:11:",
                "must be after `from`",
            ),
            (
                with_entry(&[], "from = \"next year\"\n"),
                "prices.toml:11:",
                "`from` must be a date",
            ),
            (
                with_entry(&[], "until = 2026-01-01T00:00:00Z\n"),
                "prices.toml:11:",
                "`until` must be a date",
            ),
            (
                with_entry(&[], "match = \"x.*\"\n"),
                "prices.toml:11:",
                "both `series` and `match`",
            ),
            (
                with_entry(&[("series = \"x\"\n", "")], "match = \"(unclosed\"\n"),
                "prices.toml:10:",
                "not a valid regular expression",
            ),
            (
                with_entry(&[], "labels = { sub_app_id = true }\n"),
                "prices.toml:11:",
                "label `sub_app_id` must be a string",
            ),
            (
                with_entry(&[], "labels = \"all\"\n"),
                "prices.toml:11:",
                "`labels` must be a table",
            ),
            (
                with_entry(&[("metric = \"usage\"", "metric = 5")], ""),
                "prices.toml:7:",
                "`metric` must be a non-empty string",
            ),
            (
                "[rates]\n\"USD-CNY\" = \"7.10\"\n".into(),
                "prices.toml:2:",
                "\"A/B\"",
            ),
            (
                "[rates]\n\"USD/CNY\" = \"0\"\n".into(),
                "prices.toml:2:",
                "greater than 0",
            ),
            (
                "[rates]\n\"USD/CNY\" = \"seven\"\n".into(),
                "prices.toml:2:",
                "must be a decimal",
            ),
            ("price = 3\n".into(), "prices.toml:1:", "list of entries"),
            ("\n\n[[price]\n".into(), "prices.toml:3:", ""),
        ];
        for (text, location, what) in cases {
            let message = rejected(&text);
            assert!(
                message.starts_with(location) && message.contains(what),
                "expected {location} … {what}, got {message:?} for\n{text}"
            );
        }
    }

    #[test]
    fn both_series_and_match_is_reported_at_the_later_of_the_two() {
        let text = with_entry(
            &[("series = \"x\"\n", "match = \"y\"\n")],
            "series = \"x\"\n",
        );
        assert!(rejected(&text).starts_with("prices.toml:11:"));
        let text = with_entry(&[], "match = \"y\"\n");
        assert!(rejected(&text).starts_with("prices.toml:11:"));
    }

    #[test]
    fn lookup_order_is_flag_env_profile_default() {
        let default = Some(PathBuf::from("/xdg/aigcusage/prices.toml"));
        let at = |flag: Option<&str>, env: Option<&str>, profile: Option<&str>| {
            locate(
                flag.map(Path::new),
                env,
                profile.map(Path::new),
                default.clone(),
            )
            .unwrap()
        };
        assert_eq!(
            at(Some("/f"), Some("/e"), Some("/p")).path,
            PathBuf::from("/f")
        );
        assert_eq!(at(None, Some("/e"), Some("/p")).path, PathBuf::from("/e"));
        assert_eq!(at(None, None, Some("/p")).path, PathBuf::from("/p"));
        assert!(at(None, None, Some("/p")).explicit);
        let fallback = at(None, None, None);
        assert_eq!(fallback.path, PathBuf::from("/xdg/aigcusage/prices.toml"));
        assert!(!fallback.explicit);
        assert_eq!(locate(None, None, None, None), None);
        assert_eq!(
            default_path(Some("/x"), Some("/home/u")),
            Some(PathBuf::from("/x/aigcusage/prices.toml"))
        );
        assert_eq!(
            default_path(Some("relative"), Some("/home/u")),
            Some(PathBuf::from("/home/u/.config/aigcusage/prices.toml"))
        );
        assert_eq!(default_path(None, None), None);
    }

    #[test]
    fn a_missing_default_book_is_empty_and_a_missing_named_book_is_exit_3() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("prices.toml");
        let default = BookLocation {
            path: missing.clone(),
            explicit: false,
        };
        let book = PriceBook::load(Some(&default)).unwrap();
        assert!(book.entries.is_empty() && book.path.is_none());
        let named = BookLocation {
            path: missing,
            explicit: true,
        };
        let err = PriceBook::load(Some(&named)).unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(err.to_string().contains("prices.toml"), "{err}");

        let present = dir.path().join("named.toml");
        std::fs::write(&present, VALID).unwrap();
        let book = PriceBook::load(Some(&BookLocation {
            path: present.clone(),
            explicit: false,
        }))
        .unwrap();
        assert_eq!(book.path.as_deref(), Some(present.as_path()));
        std::fs::write(&present, "[[price]]\nprovider = 1\n").unwrap();
        let err = PriceBook::load(Some(&BookLocation {
            path: present.clone(),
            explicit: false,
        }))
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("{}:2:", present.display())),
            "{err}"
        );
    }

    #[test]
    fn find_tells_no_book_from_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prices.toml");
        let default = BookLocation {
            path: path.clone(),
            explicit: false,
        };
        assert!(PriceBook::find(None).unwrap().is_none());
        assert!(PriceBook::find(Some(&default)).unwrap().is_none());
        // An existing file is a book, even with no entries.
        std::fs::write(&path, "# nothing yet\n").unwrap();
        let book = PriceBook::find(Some(&default)).unwrap().unwrap();
        assert!(book.entries.is_empty());
        assert_eq!(book.path.as_deref(), Some(path.as_path()));
        std::fs::write(&path, "currency = 1\n").unwrap();
        assert_eq!(PriceBook::find(Some(&default)).unwrap_err().exit_code(), 3);
    }
}
