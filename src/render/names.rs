//! Series names that tell series apart in a table.
//!
//! A table shows a series by its provider, source, name and metric. Two series can share
//! all four and differ only in their labels: the same model synced from several accounts
//! (`report --from-store`, spec §10, adds the label `account`), or a VOD specification
//! under two `aigc_type`s. JSON and CSV carry the labels; a table would print identical
//! rows. So such series get the labels that differ among them after their name, keys
//! sorted: `Claude Messages [account=team-a]`, `Kling2.0&2.1std_720P [aigc_type=Video]`.
//! Only those labels, and only for series that need them: a unique series keeps its name.
//!
//! When a name must be shortened, the name is cut in the middle and the suffix is kept,
//! since the suffix is what tells the rows apart; in a narrow column the suffix gives
//! only the values (`Cla…es [team-a]`), see [`fit_name`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use unicode_width::UnicodeWidthStr;

use super::table::{clean, truncate_middle};
use crate::series::Series;

/// What a table row is known by, before its labels.
#[derive(Debug, Clone)]
pub struct Identity<'a> {
    pub provider: &'a str,
    pub source: &'a str,
    pub name: &'a str,
    /// The metric as the table shows it: a cost series is `cost of usage`, so a series'
    /// cost of seconds and cost of tasks are already told apart.
    pub metric: String,
    pub labels: &'a BTreeMap<String, String>,
}

impl<'a> Identity<'a> {
    pub fn of(s: &'a Series) -> Self {
        let metric = match s.labels.get(crate::cost::price::PRICED_METRIC_LABEL) {
            Some(priced) if s.metric == crate::cost::price::COST_METRIC => {
                format!("cost of {priced}")
            }
            _ => s.metric.clone(),
        };
        Identity {
            provider: &s.provider,
            source: &s.source,
            name: &s.name,
            metric,
            labels: &s.labels,
        }
    }
}

/// What follows a series' name to tell it apart, cleaned of control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suffix {
    /// `[account=team-a, aigc_type=Video]`.
    pub full: String,
    /// The values alone, for narrow columns: `[team-a, Video]`.
    pub short: String,
}

impl Suffix {
    fn of(pairs: &[(&str, &str)]) -> Self {
        let full: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let short: Vec<&str> = pairs.iter().map(|(_, v)| *v).collect();
        Suffix {
            full: clean(&format!("[{}]", full.join(", "))),
            short: clean(&format!("[{}]", short.join(", "))),
        }
    }
}

/// Per item, what follows its name: the labels whose values differ among the items that
/// share its provider, source, name and metric (keys sorted; a label an item lacks is
/// left out of its suffix), or `None` when nothing needs telling apart.
pub fn label_suffixes(items: &[Identity]) -> Vec<Option<Suffix>> {
    let mut groups: HashMap<(&str, &str, &str, &str), Vec<usize>> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        groups
            .entry((item.provider, item.source, item.name, item.metric.as_str()))
            .or_default()
            .push(i);
    }
    let mut suffixes = vec![None; items.len()];
    for members in groups.values().filter(|m| m.len() > 1) {
        let keys: BTreeSet<&str> = members
            .iter()
            .flat_map(|&i| items[i].labels.keys().map(String::as_str))
            .collect();
        let differing: Vec<&str> = keys
            .into_iter()
            .filter(|key| {
                let first = items[members[0]].labels.get(*key);
                members[1..]
                    .iter()
                    .any(|&i| items[i].labels.get(*key) != first)
            })
            .collect();
        for &i in members {
            let pairs: Vec<(&str, &str)> = differing
                .iter()
                .filter_map(|key| Some((*key, items[i].labels.get(*key)?.as_str())))
                .collect();
            if !pairs.is_empty() {
                suffixes[i] = Some(Suffix::of(&pairs));
            }
        }
    }
    suffixes
}

/// [`label_suffixes`] of the series of one table.
pub fn series_suffixes(series: &[Series]) -> Vec<Option<Suffix>> {
    let items: Vec<Identity> = series.iter().map(Identity::of).collect();
    label_suffixes(&items)
}

/// `name [account=team-a]`, or the name alone.
pub fn with_suffix(name: &str, suffix: Option<&Suffix>) -> String {
    match suffix {
        Some(suffix) => format!("{name} {}", suffix.full),
        None => name.to_string(),
    }
}

/// The full suffix is used only while the name keeps this much (or all of itself).
const NAME_KEEP: usize = 8;

fn width_of(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// The columns a name cell needs so that its suffix is never cut: the short suffix after
/// a space and one column of the name (`… [team-a]`), or the whole when it is shorter;
/// 0 without a suffix.
pub fn name_min_width(name: &str, suffix: Option<&Suffix>) -> usize {
    match suffix {
        Some(suffix) => {
            width_of(&format!("{name} {}", suffix.short)).min(width_of(&suffix.short) + 2)
        }
        None => 0,
    }
}

/// `name [account=a]` in at most `width` columns: the name is shortened in the middle
/// while it keeps a few columns (`Kling…_720P [account=a]`); narrower, the suffix gives
/// only the values (`Kl…0P [a]`); narrower still, the whole text is shortened in the
/// middle, which keeps the end of the suffix.
pub fn fit_name(name: &str, suffix: Option<&Suffix>, width: usize) -> String {
    let Some(suffix) = suffix else {
        return truncate_middle(name, width);
    };
    let full = with_suffix(name, Some(suffix));
    if width_of(&full) <= width {
        return full;
    }
    let keep = width_of(name).min(NAME_KEEP);
    if width >= width_of(&suffix.full) + 1 + keep {
        let room = width - width_of(&suffix.full) - 1;
        return format!("{} {}", truncate_middle(name, room), suffix.full);
    }
    let short = format!("{name} {}", suffix.short);
    if width_of(&short) <= width {
        return short;
    }
    if width >= width_of(&suffix.short) + 2 {
        let room = width - width_of(&suffix.short) - 1;
        return format!("{} {}", truncate_middle(name, room), suffix.short);
    }
    truncate_middle(&short, width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn item<'a>(name: &'a str, metric: &str, labels: &'a BTreeMap<String, String>) -> Identity<'a> {
        Identity {
            provider: "acedata",
            source: "acedata.api_usage",
            name,
            metric: metric.to_string(),
            labels,
        }
    }

    /// The full suffixes.
    fn full(items: &[Identity]) -> Vec<Option<String>> {
        label_suffixes(items)
            .into_iter()
            .map(|s| s.map(|s| s.full))
            .collect()
    }

    fn suffix(full: &str, short: &str) -> Suffix {
        Suffix {
            full: full.into(),
            short: short.into(),
        }
    }

    #[test]
    fn unique_series_keep_their_names() {
        let a = labels(&[("account", "team-a"), ("api", "1")]);
        let b = labels(&[("account", "team-b"), ("api", "2")]);
        // Different names, or the same name with different metrics: nothing to add.
        let items = [
            item("Claude Messages", "amount", &a),
            item("Midjourney Imagine", "amount", &b),
            item("Claude Messages", "count", &b),
        ];
        assert_eq!(full(&items), [None, None, None]);
        assert!(label_suffixes(&[]).is_empty());
    }

    #[test]
    fn the_account_that_differs_is_added_and_only_it() {
        let a = labels(&[("account", "team-a"), ("api", "claude")]);
        let b = labels(&[("account", "team-b"), ("api", "claude")]);
        let other = labels(&[("account", "team-a")]);
        let items = [
            item("Claude Messages", "amount", &a),
            item("Claude Messages", "amount", &b),
            item("Midjourney Imagine", "amount", &other),
        ];
        assert_eq!(
            label_suffixes(&items),
            [
                Some(suffix("[account=team-a]", "[team-a]")),
                Some(suffix("[account=team-b]", "[team-b]")),
                None
            ]
        );
    }

    #[test]
    fn several_differing_labels_come_in_key_order_whatever_the_series_order() {
        let a = labels(&[("sub_app_id", "1"), ("aigc_type", "Video"), ("spec", "K")]);
        let b = labels(&[("sub_app_id", "2"), ("aigc_type", "Image"), ("spec", "K")]);
        let c = labels(&[("spec", "K"), ("aigc_type", "Video")]);
        let forward = [
            item("K", "usage", &a),
            item("K", "usage", &b),
            item("K", "usage", &c),
        ];
        let expected = [
            Some("[aigc_type=Video, sub_app_id=1]".to_string()),
            Some("[aigc_type=Image, sub_app_id=2]".to_string()),
            // It has no sub_app_id: only what it has is said.
            Some("[aigc_type=Video]".to_string()),
        ];
        assert_eq!(full(&forward), expected);
        assert_eq!(
            label_suffixes(&forward)[0].as_ref().unwrap().short,
            "[Video, 1]"
        );
        let backward = [forward[2].clone(), forward[1].clone(), forward[0].clone()];
        let mut reversed = expected.to_vec();
        reversed.reverse();
        assert_eq!(full(&backward), reversed);
    }

    #[test]
    fn a_cost_of_seconds_and_a_cost_of_tasks_are_already_apart() {
        let mut usage = crate::render::fixtures::series(
            "tencent",
            "vod.aigc_usage",
            "K",
            "cost",
            Some("CNY"),
            None,
            Vec::new(),
        );
        let mut count = usage.clone();
        usage.labels = labels(&[("priced_metric", "usage")]);
        count.labels = labels(&[("priced_metric", "count")]);
        assert_eq!(series_suffixes(&[usage.clone(), count]), [None, None]);
        // The same cost from two accounts is told apart.
        let mut other = usage.clone();
        other.labels.insert("account".into(), "b".into());
        usage.labels.insert("account".into(), "a".into());
        let suffixes = series_suffixes(&[usage, other]);
        assert_eq!(suffixes[1].as_ref().unwrap().full, "[account=b]");
    }

    #[test]
    fn control_characters_in_labels_become_spaces() {
        let a = labels(&[("account", "a\u{1b}[31m")]);
        let b = labels(&[("account", "b")]);
        let items = [item("X", "m", &a), item("X", "m", &b)];
        assert_eq!(full(&items)[0].as_deref(), Some("[account=a [31m]"));
    }

    #[test]
    fn the_name_is_cut_before_the_suffix_and_then_the_suffix_gives_only_values() {
        let s = suffix("[account=team-a]", "[team-a]");
        let name = "Kling2.0&2.1std_720P";
        assert_eq!(
            fit_name(name, Some(&s), 60),
            "Kling2.0&2.1std_720P [account=team-a]"
        );
        assert_eq!(
            fit_name(name, Some(&s), 30),
            "Kling2…d_720P [account=team-a]"
        );
        assert_eq!(fit_name(name, Some(&s), 25), "Klin…20P [account=team-a]");
        // The name would keep less than 8 columns: the values alone.
        assert_eq!(fit_name(name, Some(&s), 24), "Kling2.…td_720P [team-a]");
        assert_eq!(fit_name(name, Some(&s), 10), "… [team-a]");
        // Too narrow even for that: the end of the suffix stays.
        assert_eq!(fit_name(name, Some(&s), 9), "Klin…m-a]");
        assert_eq!(fit_name("K", Some(&s), 10), "K [team-a]");
        assert_eq!(fit_name(name, None, 12), "Kling2…_720P");
        assert_eq!(name_min_width(name, Some(&s)), 10);
        assert_eq!(name_min_width("K", Some(&s)), 10);
        assert_eq!(name_min_width(name, None), 0);
        for width in 0..50 {
            assert!(width_of(&fit_name(name, Some(&s), width)) <= width);
        }
    }
}
