//! Deletes need consent (spec §4, as `vod quota delete`): `--yes`, or a `y` answer on a
//! terminal. Without either, the run stops after the plan with exit 2, nothing sent.

use crate::error::Error;

use super::plan::{Action, Plan};

/// What to do about the plan's deletes before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consent {
    /// No deletes, `--yes`, or `--dry-run` (which sends no change): go on.
    NotNeeded,
    /// Ask this question on the terminal; go on only for a yes.
    Ask(String),
}

/// `interactive`: stdin and stderr are terminals (a question can be asked and answered).
pub fn delete_consent(
    plan: &Plan,
    sub_app_id: u64,
    dry_run: bool,
    yes: bool,
    interactive: bool,
) -> Result<Consent, Error> {
    let deletes = plan.count(Action::Delete);
    if deletes == 0 || dry_run || yes {
        return Ok(Consent::NotNeeded);
    }
    let quotas = if deletes == 1 { "quota" } else { "quotas" };
    if !interactive {
        return Err(Error::usage(format!(
            "the plan deletes {deletes} {quotas} of SubAppId {sub_app_id}: pass --yes to apply it \
             when stdin is not a terminal (nothing was sent)"
        )));
    }
    Ok(Consent::Ask(format!(
        "Apply this plan, deleting {deletes} {quotas} of SubAppId {sub_app_id}? [y/N] "
    )))
}

/// The error after a `no` (exit 2): nothing was sent.
pub fn declined() -> Error {
    Error::usage("aborted, nothing sent")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::tencent::quota::api::QuotaType;
    use crate::providers::tencent::quota::plan::plan;
    use crate::providers::tencent::quota::plan::tests::{current, desired};

    fn with_deletes() -> Plan {
        plan(
            &[],
            &[current("Video", None, 5), current("Image", None, 5)],
            true,
        )
    }

    fn without_deletes() -> Plan {
        plan(
            &[desired(QuotaType::Image, None, 5)],
            &[current("Video", None, 5)],
            false,
        )
    }

    #[test]
    fn deletes_without_yes_or_a_terminal_are_a_usage_error() {
        let err = delete_consent(&with_deletes(), 7, false, false, false).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert_eq!(
            err.to_string(),
            "the plan deletes 2 quotas of SubAppId 7: pass --yes to apply it when stdin is not a terminal (nothing was sent)"
        );
    }

    #[test]
    fn a_terminal_is_asked() {
        assert_eq!(
            delete_consent(&with_deletes(), 7, false, false, true).unwrap(),
            Consent::Ask("Apply this plan, deleting 2 quotas of SubAppId 7? [y/N] ".into())
        );
    }

    #[test]
    fn yes_dry_run_or_no_deletes_need_no_consent() {
        for (plan, dry_run, yes) in [
            (with_deletes(), false, true),
            (with_deletes(), true, false),
            (without_deletes(), false, false),
        ] {
            assert_eq!(
                delete_consent(&plan, 7, dry_run, yes, false).unwrap(),
                Consent::NotNeeded
            );
        }
    }

    #[test]
    fn a_declined_question_is_a_usage_error() {
        assert_eq!(declined().exit_code(), 2);
    }
}
