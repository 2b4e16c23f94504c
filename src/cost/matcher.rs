//! Which price-book entry prices a point (spec §8): candidates by provider, source,
//! metric, unit, name and labels; effective dates in the bucket's own calendar; exact
//! `series` over `match`, then more labels; a tie is an error. Never fuzzy.
//! A series without a unit is never priced: every entry names a unit it must equal.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::cost::book::{PriceBook, PriceEntry};
use crate::error::Error;
use crate::series::Series;

/// The book's entries indexed by (provider, source, metric, unit), built once per book.
pub struct Matcher<'b> {
    book: &'b PriceBook,
    by_key: HashMap<(&'b str, &'b str, &'b str, &'b str), Vec<usize>>,
}

impl<'b> Matcher<'b> {
    pub fn new(book: &'b PriceBook) -> Self {
        let mut by_key: HashMap<_, Vec<usize>> = HashMap::new();
        for (index, entry) in book.entries.iter().enumerate() {
            by_key
                .entry((
                    entry.provider.as_str(),
                    entry.source.as_str(),
                    entry.metric.as_str(),
                    entry.unit.as_str(),
                ))
                .or_default()
                .push(index);
        }
        Self { book, by_key }
    }

    /// The entries that may price `series` on some date: everything but the dates is
    /// checked here, once per series, so no expression runs per point.
    pub fn for_series<'s>(&self, series: &'s Series) -> SeriesMatcher<'b, 's> {
        let unit = series.unit.as_deref().unwrap_or_default();
        let candidates: Vec<usize> = match series.unit.as_deref().and(self.by_key.get(&(
            series.provider.as_str(),
            series.source.as_str(),
            series.metric.as_str(),
            unit,
        ))) {
            None => Vec::new(),
            Some(indexes) => indexes
                .iter()
                .copied()
                .filter(|&i| {
                    let entry = &self.book.entries[i];
                    entry.name.matches(&series.name)
                        && entry
                            .labels
                            .iter()
                            .all(|(k, v)| series.labels.get(k) == Some(v))
                })
                .collect(),
        };
        let dated = candidates.iter().any(|&i| self.book.entries[i].is_dated());
        SeriesMatcher {
            book: self.book,
            series,
            candidates,
            dated,
            undated: None,
            last: None,
        }
    }
}

/// The candidates for one series, with the last answer cached (points come in date order).
pub struct SeriesMatcher<'b, 's> {
    book: &'b PriceBook,
    series: &'s Series,
    candidates: Vec<usize>,
    dated: bool,
    /// The answer for every date when no candidate has dates.
    undated: Option<Option<usize>>,
    last: Option<(NaiveDate, Option<usize>)>,
}

impl SeriesMatcher<'_, '_> {
    /// True when no entry can price any point of the series.
    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty()
    }

    /// The index of the entry that prices a point whose bucket starts on `date` (in the
    /// bucket's own calendar), `None` when no entry does; a tie is exit 3 naming both.
    pub fn entry_for(&mut self, date: NaiveDate) -> Result<Option<usize>, Error> {
        if self.candidates.is_empty() {
            return Ok(None);
        }
        if !self.dated {
            if let Some(answer) = self.undated {
                return Ok(answer);
            }
            let answer = self.pick(date)?;
            self.undated = Some(answer);
            return Ok(answer);
        }
        if let Some((cached, answer)) = self.last {
            if cached == date {
                return Ok(answer);
            }
        }
        let answer = self.pick(date)?;
        self.last = Some((date, answer));
        Ok(answer)
    }

    fn pick(&self, date: NaiveDate) -> Result<Option<usize>, Error> {
        let rank = |entry: &PriceEntry| (entry.name.is_exact(), entry.labels.len());
        let mut best: Option<usize> = None;
        let mut tied: Option<usize> = None;
        for &index in &self.candidates {
            let entry = &self.book.entries[index];
            if !entry.applies_on(date) {
                continue;
            }
            match best {
                None => best = Some(index),
                Some(current) => {
                    let (new, old) = (rank(entry), rank(&self.book.entries[current]));
                    if new > old {
                        best = Some(index);
                        tied = None;
                    } else if new == old && tied.is_none() {
                        tied = Some(index);
                    }
                }
            }
        }
        match (best, tied) {
            (Some(first), Some(second)) => Err(self.tie(first, second, date)),
            (best, _) => Ok(best),
        }
    }

    fn tie(&self, first: usize, second: usize, date: NaiveDate) -> Error {
        let (a, b) = (first.min(second), first.max(second));
        let s = self.series;
        Error::config(format!(
            "price book entries {} and {} both price {} {} {:?} {} on {date}; make one more specific (an exact `series`, more `labels`) or give them different dates",
            self.book.entry_location(a),
            self.book.entry_location(b),
            s.provider,
            s.source,
            s.name,
            s.metric,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::Path;

    use crate::series::Granularity;

    fn book(text: &str) -> PriceBook {
        PriceBook::parse(text, Path::new("prices.toml")).unwrap()
    }

    fn vod(name: &str, labels: &[(&str, &str)]) -> Series {
        Series {
            provider: "tencent".into(),
            source: "vod.aigc_usage".into(),
            name: name.into(),
            metric: "usage".into(),
            unit: Some("seconds".into()),
            granularity: Some(Granularity::Day),
            aggregation: Default::default(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            points: Vec::new(),
            exact_total: None,
        }
    }

    fn entry(key: &str, extra: &str) -> String {
        format!(
            "[[price]]\nprovider = \"tencent\"\nsource = \"vod.aigc_usage\"\n{key}\nmetric = \"usage\"\nunit = \"seconds\"\nprice = \"1\"\ncurrency = \"CNY\"\n{extra}\n"
        )
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn winner(book: &PriceBook, series: &Series, on: &str) -> Result<Option<usize>, Error> {
        Matcher::new(book).for_series(series).entry_for(date(on))
    }

    #[test]
    fn exact_series_beats_match_and_more_labels_beat_fewer() {
        let b = book(
            &[
                entry(
                    "match = \"Kling.*\"",
                    "labels = { aigc_type = \"Video\", sub_app_id = \"1\" }",
                ),
                entry("series = \"Kling\"", ""),
                entry("series = \"Kling\"", "labels = { aigc_type = \"Video\" }"),
            ]
            .concat(),
        );
        let labelled = vod("Kling", &[("aigc_type", "Video"), ("sub_app_id", "1")]);
        // Exact name wins over a match with more labels; then more labels win.
        assert_eq!(winner(&b, &labelled, "2025-11-18").unwrap(), Some(2));
        // Without the label, only the unlabelled exact entry applies.
        assert_eq!(
            winner(&b, &vod("Kling", &[]), "2025-11-18").unwrap(),
            Some(1)
        );
        // The match applies to other names that carry its labels.
        let other = vod("Kling2", &[("aigc_type", "Video"), ("sub_app_id", "1")]);
        assert_eq!(winner(&b, &other, "2025-11-18").unwrap(), Some(0));
        // A label with another value, or a name the expression only partly matches: none.
        assert_eq!(
            winner(
                &b,
                &vod("Kling2", &[("aigc_type", "Image"), ("sub_app_id", "1")]),
                "2025-11-18"
            )
            .unwrap(),
            None
        );
        assert_eq!(
            winner(
                &b,
                &vod("XKling", &[("aigc_type", "Video"), ("sub_app_id", "1")]),
                "2025-11-18"
            )
            .unwrap(),
            None
        );
    }

    #[test]
    fn provider_source_metric_and_unit_must_all_equal() {
        let b = book(&entry("series = \"Kling\"", ""));
        let mut s = vod("Kling", &[]);
        assert_eq!(winner(&b, &s, "2025-11-18").unwrap(), Some(0));
        for change in 0..5 {
            let mut other = s.clone();
            match change {
                0 => other.provider = "alibaba".into(),
                1 => other.source = "lke.token_usage".into(),
                2 => other.metric = "count".into(),
                3 => other.unit = Some("tasks".into()),
                _ => other.unit = None,
            }
            assert_eq!(winner(&b, &other, "2025-11-18").unwrap(), None, "{change}");
        }
        s.name = "kling".into();
        assert_eq!(winner(&b, &s, "2025-11-18").unwrap(), None, "never fuzzy");
    }

    #[test]
    fn a_tie_is_exit_3_naming_both_entries_by_their_price_lines() {
        let b = book(
            &[
                entry("series = \"Kling\"", "labels = { a = \"1\" }"),
                entry("series = \"Kling\"", "labels = { b = \"2\" }"),
            ]
            .concat(),
        );
        let err = winner(&b, &vod("Kling", &[("a", "1"), ("b", "2")]), "2025-11-18").unwrap_err();
        assert_eq!(err.exit_code(), 3);
        let message = err.to_string();
        assert!(
            message.contains("prices.toml:1 and prices.toml:10"),
            "{message}"
        );
        assert!(
            message.contains("\"Kling\"") && message.contains("2025-11-18"),
            "{message}"
        );
        // Either alone is no tie.
        assert_eq!(
            winner(&b, &vod("Kling", &[("a", "1")]), "2025-11-18").unwrap(),
            Some(0)
        );
    }

    #[test]
    fn effective_dates_include_from_and_exclude_until() {
        let b = book(
            &[
                entry(
                    "series = \"Kling\"",
                    "from = \"2025-01-01\"\nuntil = \"2026-01-01\"",
                ),
                entry("series = \"Kling\"", "from = 2026-01-01"),
            ]
            .concat(),
        );
        let s = vod("Kling", &[]);
        assert_eq!(winner(&b, &s, "2024-12-31").unwrap(), None);
        assert_eq!(winner(&b, &s, "2025-01-01").unwrap(), Some(0));
        assert_eq!(winner(&b, &s, "2025-12-31").unwrap(), Some(0));
        assert_eq!(winner(&b, &s, "2026-01-01").unwrap(), Some(1));
        // The cached answer follows the date.
        let matcher = Matcher::new(&b);
        let mut m = matcher.for_series(&s);
        let answers: Vec<_> = ["2025-12-31", "2025-12-31", "2026-01-01", "2025-06-01"]
            .iter()
            .map(|d| m.entry_for(date(d)).unwrap())
            .collect();
        assert_eq!(answers, [Some(0), Some(0), Some(1), Some(0)]);
    }

    #[test]
    fn overlapping_dates_of_equal_rank_tie_only_where_they_overlap() {
        let b = book(
            &[
                entry("series = \"Kling\"", "until = \"2026-01-02\""),
                entry("series = \"Kling\"", "from = \"2026-01-01\""),
            ]
            .concat(),
        );
        let s = vod("Kling", &[]);
        assert_eq!(winner(&b, &s, "2025-12-31").unwrap(), Some(0));
        assert!(winner(&b, &s, "2026-01-01").is_err());
        assert_eq!(winner(&b, &s, "2026-01-02").unwrap(), Some(1));
    }
}
