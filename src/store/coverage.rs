//! Covered ranges and the gaps between them.
//!
//! Ranges are closed and in whole seconds, as the query ranges of `timerange` are: a
//! date-only `--end` is 23:59:59, so `[.., 23:59:59]` and `[00:00:00, ..]` of the next
//! day touch and merge.

use chrono::{DateTime, Duration, FixedOffset};

/// A closed range `[start, end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
}

impl Range {
    pub fn new(start: DateTime<FixedOffset>, end: DateTime<FixedOffset>) -> Self {
        Self { start, end }
    }
}

/// The ranges merged: sorted by start, overlapping or touching ranges (the next starts
/// at most one second after the previous ends) joined.
pub fn merge(mut ranges: Vec<Range>) -> Vec<Range> {
    ranges.retain(|r| r.start <= r.end);
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end + Duration::seconds(1) => {
                if range.end > last.end {
                    last.end = range.end;
                }
            }
            _ => merged.push(range),
        }
    }
    merged
}

/// The parts of `wanted` that no range of `covered` covers, in order.
pub fn gaps(covered: &[Range], wanted: Range) -> Vec<Range> {
    let mut gaps = Vec::new();
    let mut next_uncovered = wanted.start;
    for range in merge(covered.to_vec()) {
        if next_uncovered > wanted.end {
            break;
        }
        if range.end < next_uncovered {
            continue;
        }
        if range.start > next_uncovered {
            let gap_end = (range.start - Duration::seconds(1)).min(wanted.end);
            gaps.push(Range::new(
                next_uncovered,
                gap_end.with_timezone(&wanted.end.timezone()),
            ));
        }
        next_uncovered = range.end + Duration::seconds(1);
    }
    if next_uncovered <= wanted.end {
        gaps.push(Range::new(
            next_uncovered.with_timezone(&wanted.start.timezone()),
            wanted.end,
        ));
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn r(a: &str, b: &str) -> Range {
        Range::new(t(a), t(b))
    }

    #[test]
    fn touching_days_merge() {
        let merged = merge(vec![
            r("2025-11-02T00:00:00+08:00", "2025-11-02T23:59:59+08:00"),
            r("2025-11-01T00:00:00+08:00", "2025-11-01T23:59:59+08:00"),
            r("2025-11-05T00:00:00+08:00", "2025-11-05T23:59:59+08:00"),
        ]);
        assert_eq!(
            merged,
            vec![
                r("2025-11-01T00:00:00+08:00", "2025-11-02T23:59:59+08:00"),
                r("2025-11-05T00:00:00+08:00", "2025-11-05T23:59:59+08:00"),
            ]
        );
    }

    #[test]
    fn gaps_are_the_uncovered_parts() {
        let covered = [
            r("2025-11-03T00:00:00Z", "2025-11-04T23:59:59Z"),
            r("2025-11-08T00:00:00Z", "2025-11-20T00:00:00Z"),
        ];
        let wanted = r("2025-11-01T00:00:00Z", "2025-11-10T23:59:59Z");
        assert_eq!(
            gaps(&covered, wanted),
            vec![
                r("2025-11-01T00:00:00Z", "2025-11-02T23:59:59Z"),
                r("2025-11-05T00:00:00Z", "2025-11-07T23:59:59Z"),
            ]
        );
        assert_eq!(gaps(&[], wanted), vec![wanted]);
        assert_eq!(
            gaps(&[r("2025-10-01T00:00:00Z", "2025-12-01T00:00:00Z")], wanted),
            vec![]
        );
    }

    proptest! {
        /// Every second of the wanted range is in exactly one of: a covered range, a gap.
        #[test]
        fn gaps_and_covered_partition_the_range(
            covered in prop::collection::vec((0i64..100, 0i64..20), 0..6),
            start in 0i64..100,
            len in 0i64..100,
        ) {
            let base = t("2025-01-01T00:00:00Z");
            let at = |s: i64| base + Duration::seconds(s);
            let covered: Vec<Range> =
                covered.iter().map(|&(s, l)| Range::new(at(s), at(s + l))).collect();
            let wanted = Range::new(at(start), at(start + len));
            let found = gaps(&covered, wanted);
            for second in start..=start + len {
                let in_covered = covered.iter().any(|r| r.start <= at(second) && at(second) <= r.end);
                let in_gaps = found.iter().filter(|r| r.start <= at(second) && at(second) <= r.end).count();
                prop_assert_eq!(in_gaps, usize::from(!in_covered), "second {}", second);
            }
        }
    }
}
