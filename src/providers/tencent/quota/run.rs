//! Applying a plan: one request per change in the plan's order (delete, modify, create),
//! stopping at the first failure or when interrupted between requests. Generic over the
//! executor so that the order and the stopping rules are tested without HTTP.

use std::future::Future;

use crate::error::Error;
use crate::providers::tencent::quota::api::QuotaType;

use super::plan::{Action, Plan};

/// The three write requests. `executor.rs` implements it with `api::change` (see
/// [`super::plan::Change::to_quota_change`]); each returns the request's RequestId.
pub trait QuotaExecutor {
    fn create(
        &mut self,
        quota_type: QuotaType,
        api_token: Option<&str>,
        limit: i64,
    ) -> impl Future<Output = Result<Option<String>, Error>>;

    fn modify(
        &mut self,
        quota_type: QuotaType,
        api_token: Option<&str>,
        limit: i64,
    ) -> impl Future<Output = Result<Option<String>, Error>>;

    fn delete(
        &mut self,
        quota_type: QuotaType,
        api_token: Option<&str>,
    ) -> impl Future<Output = Result<Option<String>, Error>>;
}

/// A change that the provider accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedChange {
    /// Its index in `Plan::changes`.
    pub index: usize,
    pub request_id: Option<String>,
}

/// Why the run stopped before the end of the plan.
#[derive(Debug)]
pub enum Stop {
    /// The change at `index` failed; nothing after it was sent.
    Failed { index: usize, error: Error },
    /// Interrupted between requests (the request in flight was finished first); the change
    /// at `next` and those after it were not sent.
    Interrupted { next: usize },
}

/// What a run did.
#[derive(Debug)]
pub struct ApplyOutcome {
    /// In the order they were applied.
    pub applied: Vec<AppliedChange>,
    /// `None` when every change was applied.
    pub stopped: Option<Stop>,
}

impl ApplyOutcome {
    /// The change at `index`, when it was applied.
    pub fn applied_at(&self, index: usize) -> Option<&AppliedChange> {
        self.applied.iter().find(|a| a.index == index)
    }
}

/// Applies the plan's changes in order. `interrupted` is asked before each request, so an
/// interrupt lets the request in flight finish and sends nothing after it.
pub async fn apply<E: QuotaExecutor>(
    plan: &Plan,
    executor: &mut E,
    interrupted: impl Fn() -> bool,
) -> ApplyOutcome {
    let mut applied = Vec::new();
    for (index, change) in plan.changes.iter().enumerate() {
        if interrupted() {
            return ApplyOutcome {
                applied,
                stopped: Some(Stop::Interrupted { next: index }),
            };
        }
        let token = change.api_token.as_ref().map(|t| t.expose());
        let result = match (change.action, change.new_limit) {
            (Action::Delete, _) => executor.delete(change.quota_type, token).await,
            (Action::Modify, Some(limit)) => executor.modify(change.quota_type, token, limit).await,
            (Action::Create, Some(limit)) => executor.create(change.quota_type, token, limit).await,
            (action, None) => Err(Error::Internal(format!(
                "a {} change without a new limit",
                action.as_str()
            ))),
        };
        match result {
            Ok(request_id) => applied.push(AppliedChange { index, request_id }),
            Err(error) => {
                return ApplyOutcome {
                    applied,
                    stopped: Some(Stop::Failed { index, error }),
                }
            }
        }
    }
    ApplyOutcome {
        applied,
        stopped: None,
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use serde_json::Number;

    use super::*;
    use crate::error::Target;
    use crate::providers::tencent::quota::api::Quota;
    use crate::providers::tencent::quota::plan::plan;
    use crate::providers::tencent::quota::plan::tests::{current, desired};
    use crate::providers::tencent::quota::plan_output::applied_lines;
    use crate::providers::tencent::quota::view::plan_doc;

    /// A VOD application in memory: records every request and fails the n-th when told.
    #[derive(Default)]
    struct FakeVod {
        quotas: Vec<Quota>,
        requests: Vec<String>,
        fail_at: Option<usize>,
    }

    impl FakeVod {
        fn request(&mut self, what: String) -> Result<Option<String>, Error> {
            let n = self.requests.len();
            self.requests.push(what);
            if self.fail_at == Some(n) {
                return Err(Error::Provider {
                    target: Target::new("tencent vod", "ModifyAigcQuota"),
                    code: "InvalidParameterValue".into(),
                    message: "bad".into(),
                    request_id: Some(format!("req-{n}")),
                });
            }
            Ok(Some(format!("req-{n}")))
        }

        fn find(&self, quota_type: QuotaType, token: Option<&str>) -> Option<usize> {
            self.quotas.iter().position(|q| {
                QuotaType::parse(&q.quota_type).ok() == Some(quota_type) && q.token() == token
            })
        }
    }

    impl QuotaExecutor for FakeVod {
        async fn create(
            &mut self,
            quota_type: QuotaType,
            api_token: Option<&str>,
            limit: i64,
        ) -> Result<Option<String>, Error> {
            let id = self.request(format!("create {} {limit}", quota_type.as_str()))?;
            assert!(self.find(quota_type, api_token).is_none(), "created twice");
            self.quotas.push(Quota {
                quota_type: quota_type.as_str().into(),
                api_token: api_token.map(String::from),
                quota_limit: Some(Number::from(limit)),
                usage: None,
            });
            Ok(id)
        }

        async fn modify(
            &mut self,
            quota_type: QuotaType,
            api_token: Option<&str>,
            limit: i64,
        ) -> Result<Option<String>, Error> {
            let id = self.request(format!("modify {} {limit}", quota_type.as_str()))?;
            let at = self
                .find(quota_type, api_token)
                .expect("modify of a missing quota");
            self.quotas[at].quota_limit = Some(Number::from(limit));
            Ok(id)
        }

        async fn delete(
            &mut self,
            quota_type: QuotaType,
            api_token: Option<&str>,
        ) -> Result<Option<String>, Error> {
            let id = self.request(format!("delete {}", quota_type.as_str()))?;
            let at = self
                .find(quota_type, api_token)
                .expect("delete of a missing quota");
            self.quotas.remove(at);
            Ok(id)
        }
    }

    fn file() -> Vec<crate::providers::tencent::quota::DesiredQuota> {
        vec![
            desired(QuotaType::Image, None, 2000),
            desired(QuotaType::Text, Some("tok-secret-aaaa"), 5000),
        ]
    }

    fn vod() -> FakeVod {
        FakeVod {
            quotas: vec![
                current("Video", None, 100),
                current("Text", Some("tok-secret-aaaa"), 1000),
            ],
            ..FakeVod::default()
        }
    }

    #[tokio::test]
    async fn changes_are_applied_delete_modify_create_and_a_second_run_sends_nothing() {
        let mut vod = vod();
        let first = plan(&file(), &vod.quotas, true);
        let outcome = apply(&first, &mut vod, || false).await;
        assert!(outcome.stopped.is_none());
        assert_eq!(
            vod.requests,
            ["delete Video", "modify Text 5000", "create Image 2000"]
        );
        assert_eq!(outcome.applied.len(), 3);
        assert_eq!(
            outcome.applied_at(2).unwrap().request_id.as_deref(),
            Some("req-2")
        );

        let second = plan(&file(), &vod.quotas, true);
        assert!(second.changes.is_empty());
        assert_eq!(
            second.counts_line(),
            "0 to create, 0 to modify, 0 to delete, 2 unchanged, 0 not in the file"
        );
        let outcome = apply(&second, &mut vod, || false).await;
        assert!(outcome.applied.is_empty() && outcome.stopped.is_none());
        assert_eq!(vod.requests.len(), 3);
    }

    #[tokio::test]
    async fn a_failure_stops_the_run_and_lists_what_was_applied() {
        let mut vod = FakeVod {
            fail_at: Some(1),
            ..vod()
        };
        let plan = plan(&file(), &vod.quotas, true);
        let outcome = apply(&plan, &mut vod, || false).await;
        // The create after the failing modify was never sent.
        assert_eq!(vod.requests, ["delete Video", "modify Text 5000"]);
        assert_eq!(
            outcome.applied,
            vec![AppliedChange {
                index: 0,
                request_id: Some("req-0".into())
            }]
        );
        match &outcome.stopped {
            Some(Stop::Failed { index: 1, error }) => assert_eq!(error.exit_code(), 4),
            other => panic!("unexpected {other:?}"),
        }
        let doc = plan_doc(200000004, false, &plan, Some(&outcome));
        assert_eq!(
            applied_lines(&doc),
            ["applied: delete Video (RequestId req-0)"]
        );
    }

    #[tokio::test]
    async fn a_failure_at_the_first_change_applied_nothing() {
        let mut vod = FakeVod {
            fail_at: Some(0),
            ..vod()
        };
        let plan = plan(&file(), &vod.quotas, false);
        let outcome = apply(&plan, &mut vod, || false).await;
        assert!(outcome.applied.is_empty());
        let doc = plan_doc(200000004, false, &plan, Some(&outcome));
        assert_eq!(applied_lines(&doc), ["applied: nothing"]);
    }

    #[tokio::test]
    async fn an_interrupt_finishes_the_request_in_flight_and_sends_no_more() {
        let mut vod = vod();
        let plan = plan(&file(), &vod.quotas, true);
        // Interrupted while the first request was in flight: asked again before the second.
        let asked = Cell::new(0);
        let outcome = apply(&plan, &mut vod, || {
            asked.set(asked.get() + 1);
            asked.get() > 1
        })
        .await;
        assert_eq!(vod.requests, ["delete Video"]);
        assert_eq!(outcome.applied.len(), 1);
        assert!(matches!(
            outcome.stopped,
            Some(Stop::Interrupted { next: 1 })
        ));
    }
}
