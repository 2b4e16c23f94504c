//! The plan and a run's outcome as the plain, redacted view `plan_output` prints.

use crate::providers::tencent::quota::plan_output::{PlanChangeDoc, PlanDoc};
use crate::secret::redact_id;

use super::plan::Plan;
use super::run::ApplyOutcome;

/// The document of `vod quota apply`: every change of the plan, marked applied (with its
/// RequestId) when `outcome` says so. `outcome` is `None` before a run and for `--dry-run`.
/// Api tokens are redacted to their last 4 characters.
pub fn plan_doc(
    sub_app_id: u64,
    dry_run: bool,
    plan: &Plan,
    outcome: Option<&ApplyOutcome>,
) -> PlanDoc {
    let changes = plan
        .changes
        .iter()
        .enumerate()
        .map(|(index, change)| {
            let applied = outcome.and_then(|o| o.applied_at(index));
            PlanChangeDoc {
                action: change.action.as_str().to_string(),
                quota_type: change.quota_type.as_str().to_string(),
                api_token: change.api_token.as_ref().map(|t| redact_id(t.expose())),
                old_limit: change.old_limit,
                new_limit: change.new_limit,
                applied: applied.is_some(),
                request_id: applied.and_then(|a| a.request_id.clone()),
            }
        })
        .collect();
    PlanDoc {
        sub_app_id,
        dry_run,
        changes,
        unchanged: plan.unchanged,
        not_in_file: plan.not_in_file,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::tencent::quota::api::QuotaType;
    use crate::providers::tencent::quota::plan::plan;
    use crate::providers::tencent::quota::plan::tests::{current, desired};
    use crate::providers::tencent::quota::plan_output::{write_plan_json, write_plan_table};
    use crate::providers::tencent::quota::run::AppliedChange;

    const TOKEN: &str = "tok-secret-abcd";

    fn the_plan() -> Plan {
        plan(
            &[
                desired(QuotaType::Image, None, 2000),
                desired(QuotaType::Text, Some(TOKEN), 5000),
            ],
            &[
                current("Text", Some(TOKEN), 1000),
                current("Video", None, 600),
            ],
            true,
        )
    }

    #[test]
    fn a_dry_run_document_applies_nothing() {
        let doc = plan_doc(7, true, &the_plan(), None);
        assert!(doc.dry_run);
        assert!(doc
            .changes
            .iter()
            .all(|c| !c.applied && c.request_id.is_none()));
        assert_eq!(doc.counts_line(), the_plan().counts_line());
    }

    #[test]
    fn applied_changes_are_marked_with_their_request_ids() {
        let outcome = ApplyOutcome {
            applied: vec![AppliedChange {
                index: 0,
                request_id: Some("req-0".into()),
            }],
            stopped: None,
        };
        let doc = plan_doc(7, false, &the_plan(), Some(&outcome));
        let marks: Vec<(bool, Option<&str>)> = doc
            .changes
            .iter()
            .map(|c| (c.applied, c.request_id.as_deref()))
            .collect();
        assert_eq!(marks, [(true, Some("req-0")), (false, None), (false, None)]);
    }

    #[test]
    fn api_tokens_are_redacted_in_every_output() {
        let doc = plan_doc(7, false, &the_plan(), None);
        let mut table = Vec::new();
        write_plan_table(&doc, &mut table).unwrap();
        let table = String::from_utf8(table).unwrap();
        let mut json = Vec::new();
        write_plan_json(&doc, &mut json).unwrap();
        let json = String::from_utf8(json).unwrap();
        for output in [
            &table,
            &json,
            &format!("{doc:?}"),
            &format!("{:?}", the_plan()),
        ] {
            assert!(!output.contains("tok-secret"), "{output}");
        }
        assert!(
            table.contains("modify Text ****abcd 1000 → 5000"),
            "{table}"
        );
        assert!(json.contains("\"api_token\": \"****abcd\""), "{json}");
    }
}
