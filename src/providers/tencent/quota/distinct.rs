//! The current quotas as `apply` plans against them: one row per quota. DescribeAigcQuotas
//! can repeat a row (paging that shifted between pages, `Video` and `video`, which the plan
//! matches alike); planned twice, one quota would be changed twice (spec §4: never).

use crate::error::{Error, Target};
use crate::secret::redact_id;

use super::api::Quota;

/// One row per (type in any case, api token). Repeats with the same limit are dropped (the
/// first is kept); the same quota with two different limits is refused (exit 5): which one
/// holds cannot be known, so nothing is planned or sent.
pub fn distinct_quotas(rows: Vec<Quota>) -> Result<Vec<Quota>, Error> {
    let mut kept: Vec<Quota> = Vec::with_capacity(rows.len());
    for row in rows {
        let same = kept.iter().find(|k| {
            k.quota_type.eq_ignore_ascii_case(&row.quota_type) && k.token() == row.token()
        });
        match same {
            None => kept.push(row),
            Some(first) if first.limit_f64() == row.limit_f64() => {}
            Some(first) => return Err(inconsistent(first, &row)),
        }
    }
    Ok(kept)
}

fn inconsistent(first: &Quota, second: &Quota) -> Error {
    let token = match first.token() {
        Some(t) => format!(" for api token {}", redact_id(t)),
        None => String::new(),
    };
    let limit = |q: &Quota| {
        q.limit_f64()
            .map_or_else(|| "none".to_string(), crate::number::format_value)
    };
    Error::network(
        &Target::new("tencent vod", "DescribeAigcQuotas"),
        format!(
            "the provider's list is inconsistent: the {} quota{token} appears twice, with limits \
             {} and {}; nothing was sent (run `aigcusage vod quota list` to see it, and try again)",
            first.quota_type,
            limit(first),
            limit(second)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::tencent::quota::plan::tests::current;

    #[test]
    fn repeated_rows_of_one_quota_become_one() {
        let rows = vec![
            current("Video", None, 600),
            current("Image", None, 10),
            current("video", None, 600),
            current("Text", Some("tok-secret-abcd"), 5),
            current("Text", Some("tok-secret-abcd"), 5),
            current("Text", Some("tok-secret-efgh"), 5),
        ];
        let kept = distinct_quotas(rows).unwrap();
        let types: Vec<&str> = kept.iter().map(|q| q.quota_type.as_str()).collect();
        assert_eq!(types, ["Video", "Image", "Text", "Text"]);
    }

    #[test]
    fn a_limit_written_as_a_fraction_is_the_same_limit() {
        let mut again = current("Image", None, 0);
        again.quota_limit = serde_json::Number::from_f64(2500.0);
        let kept = distinct_quotas(vec![current("Image", None, 2500), again]).unwrap();
        assert_eq!(kept.len(), 1);
    }

    #[test]
    fn one_quota_with_two_limits_is_refused_naming_both() {
        let err = distinct_quotas(vec![
            current("Image", None, 10),
            current("Text", Some("tok-secret-abcd"), 1),
            current("Image", None, 20),
        ])
        .unwrap_err();
        assert_eq!(err.exit_code(), 5);
        let text = err.to_string();
        assert!(
            text.contains("Image quota appears twice, with limits 10 and 20"),
            "{text}"
        );
        let err = distinct_quotas(vec![
            current("Text", Some("tok-secret-abcd"), 1),
            current("TEXT", Some("tok-secret-abcd"), 2),
        ])
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("for api token ****abcd"), "{text}");
        assert!(!text.contains("tok-secret"), "{text}");
    }
}
