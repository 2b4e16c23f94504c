//! The plan: what to create, modify and delete so that the current quotas become the ones
//! in the file. Pure: the current quotas are the rows DescribeAigcQuotas returned.

use serde_json::Number;

use crate::providers::tencent::quota::api::{ChangeKind, Quota, QuotaChange, QuotaType};
use crate::secret::Secret;

use super::file::DesiredQuota;

/// What one change does; the order of the variants is the order of application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Delete,
    Modify,
    Create,
}

impl Action {
    /// The word of the plan and of the JSON document.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Modify => "modify",
            Action::Delete => "delete",
        }
    }

    /// The VOD write action this change is sent as.
    pub fn change_kind(self) -> ChangeKind {
        match self {
            Action::Create => ChangeKind::Create,
            Action::Modify => ChangeKind::Set,
            Action::Delete => ChangeKind::Delete,
        }
    }
}

/// One change of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub action: Action,
    pub quota_type: QuotaType,
    /// Text quotas of one api token; `None` for the application's own quota.
    pub api_token: Option<Secret>,
    /// The current limit (modify, delete); `None` for create, or when the API gave none.
    pub old_limit: Option<i64>,
    /// The limit from the file (create, modify); `None` for delete.
    pub new_limit: Option<i64>,
}

impl Change {
    /// The request that carries this change out, for `api::change`.
    pub fn to_quota_change(&self, sub_app_id: u64) -> QuotaChange {
        QuotaChange {
            kind: self.action.change_kind(),
            sub_app_id,
            quota_type: self.quota_type,
            limit: self.new_limit,
            api_token: self.api_token.as_ref().map(|t| t.expose().to_string()),
        }
    }
}

/// The changes in the order they are applied (every delete, then every modify, then every
/// create), and how many quotas stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub changes: Vec<Change>,
    /// In the file with the same limit.
    pub unchanged: usize,
    /// Existing, not in the file, and kept because `--prune` was not given (0 with
    /// `--prune`). Quotas of a type this tool does not know are never deleted and are
    /// counted here too.
    pub not_in_file: usize,
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }

    pub fn has_deletes(&self) -> bool {
        self.count(Action::Delete) > 0
    }

    /// `N to create, M to modify, K to delete, L unchanged, U not in the file`.
    pub fn counts_line(&self) -> String {
        format!(
            "{} to create, {} to modify, {} to delete, {} unchanged, {} not in the file",
            self.count(Action::Create),
            self.count(Action::Modify),
            self.count(Action::Delete),
            self.unchanged,
            self.not_in_file
        )
    }
}

/// A limit as the API wrote it, when it is a whole number.
fn whole_limit(limit: Option<&Number>) -> Option<i64> {
    let number = limit?;
    number.as_i64().or_else(|| {
        number
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= i64::MIN as f64 && *f <= i64::MAX as f64)
            .map(|f| f as i64)
    })
}

fn same_quota(desired: &DesiredQuota, current: &Quota) -> bool {
    QuotaType::parse(&current.quota_type).ok() == Some(desired.quota_type)
        && desired.api_token.as_ref().map(Secret::expose) == current.token()
}

/// The plan from the file's quotas to the current ones. Api tokens are matched exactly; a
/// current quota without a token (or with an empty one) is the application's own.
pub fn plan(desired: &[DesiredQuota], current: &[Quota], prune: bool) -> Plan {
    let mut plan = Plan::default();
    let mut deletes = Vec::new();
    let mut modifies = Vec::new();
    let mut creates = Vec::new();

    for quota in current {
        if desired.iter().any(|d| same_quota(d, quota)) {
            continue;
        }
        match QuotaType::parse(&quota.quota_type) {
            Ok(quota_type) if prune => deletes.push(Change {
                action: Action::Delete,
                quota_type,
                api_token: quota.token().map(Secret::new),
                old_limit: whole_limit(quota.quota_limit.as_ref()),
                new_limit: None,
            }),
            _ => plan.not_in_file += 1,
        }
    }

    for wanted in desired {
        match current.iter().find(|q| same_quota(wanted, q)) {
            Some(existing) => {
                let old_limit = whole_limit(existing.quota_limit.as_ref());
                if old_limit == Some(wanted.limit) {
                    plan.unchanged += 1;
                } else {
                    modifies.push(Change {
                        action: Action::Modify,
                        quota_type: wanted.quota_type,
                        api_token: wanted.api_token.clone(),
                        old_limit,
                        new_limit: Some(wanted.limit),
                    });
                }
            }
            None => creates.push(Change {
                action: Action::Create,
                quota_type: wanted.quota_type,
                api_token: wanted.api_token.clone(),
                old_limit: None,
                new_limit: Some(wanted.limit),
            }),
        }
    }

    plan.changes = deletes;
    plan.changes.extend(modifies);
    plan.changes.extend(creates);
    plan
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn desired(quota_type: QuotaType, token: Option<&str>, limit: i64) -> DesiredQuota {
        DesiredQuota {
            quota_type,
            limit,
            api_token: token.map(Secret::new),
            api_token_env: token.map(|_| "AIGC_TOKEN".to_string()),
            line: 1,
        }
    }

    pub(crate) fn current(quota_type: &str, token: Option<&str>, limit: i64) -> Quota {
        Quota {
            quota_type: quota_type.to_string(),
            api_token: token.map(String::from),
            quota_limit: Some(Number::from(limit)),
            usage: Some(Number::from(0)),
        }
    }

    const TOKEN_A: &str = "tok-secret-aaaa";
    const TOKEN_B: &str = "tok-secret-bbbb";

    fn file() -> Vec<DesiredQuota> {
        vec![
            desired(QuotaType::Image, None, 2000),
            desired(QuotaType::Text, Some(TOKEN_A), 5000),
            desired(QuotaType::Video, None, 600),
        ]
    }

    fn existing() -> Vec<Quota> {
        vec![
            current("Image", None, 2000),         // unchanged
            current("Text", Some(TOKEN_A), 1000), // modify
            current("Text", Some(TOKEN_B), 300),  // not in the file
            current("Text", None, 900),           // not in the file
        ]
    }

    /// (action, type, token, old limit, new limit) of each change.
    type Row = (Action, QuotaType, Option<String>, Option<i64>, Option<i64>);

    fn summary(plan: &Plan) -> Vec<Row> {
        plan.changes
            .iter()
            .map(|c| {
                (
                    c.action,
                    c.quota_type,
                    c.api_token.as_ref().map(|t| t.expose().to_string()),
                    c.old_limit,
                    c.new_limit,
                )
            })
            .collect()
    }

    #[test]
    fn without_prune_quotas_not_in_the_file_are_kept_and_counted() {
        let plan = plan(&file(), &existing(), false);
        assert_eq!(
            summary(&plan),
            vec![
                (
                    Action::Modify,
                    QuotaType::Text,
                    Some(TOKEN_A.into()),
                    Some(1000),
                    Some(5000)
                ),
                (Action::Create, QuotaType::Video, None, None, Some(600)),
            ]
        );
        assert_eq!(
            plan.counts_line(),
            "1 to create, 1 to modify, 0 to delete, 1 unchanged, 2 not in the file"
        );
        assert!(!plan.has_deletes());
    }

    #[test]
    fn with_prune_they_are_deleted_first_and_none_is_left_not_in_the_file() {
        let plan = plan(&file(), &existing(), true);
        assert_eq!(
            summary(&plan),
            vec![
                (
                    Action::Delete,
                    QuotaType::Text,
                    Some(TOKEN_B.into()),
                    Some(300),
                    None
                ),
                (Action::Delete, QuotaType::Text, None, Some(900), None),
                (
                    Action::Modify,
                    QuotaType::Text,
                    Some(TOKEN_A.into()),
                    Some(1000),
                    Some(5000)
                ),
                (Action::Create, QuotaType::Video, None, None, Some(600)),
            ]
        );
        assert_eq!(
            plan.counts_line(),
            "1 to create, 1 to modify, 2 to delete, 1 unchanged, 0 not in the file"
        );
        assert!(plan.has_deletes());
    }

    #[test]
    fn applying_the_file_to_its_own_result_changes_nothing() {
        let now: Vec<Quota> = file()
            .iter()
            .map(|d| {
                current(
                    d.quota_type.as_str(),
                    d.api_token.as_ref().map(Secret::expose),
                    d.limit,
                )
            })
            .collect();
        for prune in [false, true] {
            let plan = plan(&file(), &now, prune);
            assert!(plan.changes.is_empty());
            assert_eq!(
                plan.counts_line(),
                "0 to create, 0 to modify, 0 to delete, 3 unchanged, 0 not in the file"
            );
        }
    }

    #[test]
    fn tokens_are_matched_exactly_and_types_in_any_case() {
        // The API's "text" row is the file's Text quota; a token differing by case is not.
        let now = vec![
            current("text", Some("tok-secret-AAAA"), 5000),
            current("image", None, 2000),
        ];
        let plan = plan(&file()[..2], &now, false);
        assert_eq!(plan.unchanged, 1);
        assert_eq!(plan.count(Action::Create), 1);
        assert_eq!(plan.not_in_file, 1);
    }

    #[test]
    fn an_empty_api_token_is_the_applications_own_quota() {
        let now = vec![current("Text", Some(""), 10)];
        let plan = plan(&[desired(QuotaType::Text, None, 10)], &now, false);
        assert_eq!(plan.unchanged, 1);
        assert!(plan.changes.is_empty());
    }

    #[test]
    fn an_unknown_type_is_never_deleted() {
        let now = vec![current("Audio", None, 10)];
        let plan = plan(&[], &now, true);
        assert!(plan.changes.is_empty());
        assert_eq!(plan.not_in_file, 1);
    }

    #[test]
    fn a_limit_written_as_a_whole_float_is_the_same_limit() {
        let mut row = current("Image", None, 0);
        row.quota_limit = Number::from_f64(2000.0);
        let plan = plan(
            &[desired(QuotaType::Image, None, 2000)],
            &[row.clone()],
            false,
        );
        assert_eq!(plan.unchanged, 1);
        // A missing limit is a change from unknown.
        row.quota_limit = None;
        let plan = super::plan(&[desired(QuotaType::Image, None, 2000)], &[row], false);
        assert_eq!(
            summary(&plan),
            vec![(Action::Modify, QuotaType::Image, None, None, Some(2000))]
        );
    }

    #[test]
    fn a_change_becomes_the_vod_request() {
        let plan = plan(&file(), &existing(), true);
        let request = plan.changes[2].to_quota_change(200000004);
        assert_eq!(request.kind, ChangeKind::Set);
        assert_eq!(
            request.body(),
            serde_json::json!({"SubAppId": 200000004, "QuotaType": "Text", "QuotaLimit": 5000, "ApiToken": TOKEN_A})
        );
        let delete = plan.changes[0].to_quota_change(200000004);
        assert_eq!(delete.kind, ChangeKind::Delete);
        assert_eq!(delete.limit, None);
        assert_eq!(plan.changes[3].to_quota_change(1).kind, ChangeKind::Create);
    }

    /// Every combination over five quotas (absent, limit 0 or limit 1 on each side): the
    /// plan applied to the current quotas gives the file's (with --prune exactly them,
    /// without it them plus the kept ones), and planning again changes nothing.
    #[test]
    fn the_plan_always_reaches_the_file_and_then_stays_put() {
        let keys: [(QuotaType, Option<&str>); 5] = [
            (QuotaType::Image, None),
            (QuotaType::Video, None),
            (QuotaType::Text, None),
            (QuotaType::Text, Some(TOKEN_A)),
            (QuotaType::Text, Some(TOKEN_B)),
        ];
        // state[i]: 0 absent, 1 limit 0, 2 limit 1.
        let states = |mut n: usize| -> [usize; 5] {
            let mut out = [0; 5];
            for slot in &mut out {
                *slot = n % 3;
                n /= 3;
            }
            out
        };
        let as_current = |state: &[usize; 5]| -> Vec<Quota> {
            keys.iter()
                .zip(state)
                .filter(|(_, s)| **s > 0)
                .map(|((t, token), s)| current(t.as_str(), *token, *s as i64 - 1))
                .collect()
        };
        for file_n in 0..243 {
            let file_state = states(file_n);
            let file: Vec<DesiredQuota> = keys
                .iter()
                .zip(&file_state)
                .filter(|(_, s)| **s > 0)
                .map(|((t, token), s)| desired(*t, *token, *s as i64 - 1))
                .collect();
            for now_n in 0..243 {
                let now_state = states(now_n);
                for prune in [false, true] {
                    let plan = plan(&file, &as_current(&now_state), prune);
                    // Apply it to the state.
                    let mut after = now_state;
                    let mut last = Action::Delete;
                    for change in &plan.changes {
                        assert!(change.action >= last, "out of order");
                        last = change.action;
                        let at = keys
                            .iter()
                            .position(|(t, token)| {
                                *t == change.quota_type
                                    && *token == change.api_token.as_ref().map(Secret::expose)
                            })
                            .unwrap();
                        after[at] = match change.new_limit {
                            Some(limit) => limit as usize + 1,
                            None => 0,
                        };
                    }
                    for i in 0..5 {
                        let expected = match (file_state[i], prune) {
                            (0, false) => now_state[i],
                            (wanted, _) => wanted,
                        };
                        assert_eq!(after[i], expected, "file {file_state:?} now {now_state:?}");
                    }
                    let kept = (0..5)
                        .filter(|&i| file_state[i] == 0 && now_state[i] > 0)
                        .count();
                    assert_eq!(plan.not_in_file, if prune { 0 } else { kept });
                    assert_eq!(plan.count(Action::Delete), if prune { kept } else { 0 });
                    let again = super::plan(&file, &as_current(&after), prune);
                    assert!(
                        again.changes.is_empty(),
                        "file {file_state:?} now {now_state:?}"
                    );
                    assert_eq!(again.unchanged, file.len());
                }
            }
        }
    }
}
