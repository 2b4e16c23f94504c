//! `vod quota apply` (spec §4 v3): declarative quotas. The file states the quotas one
//! application should have; the plan says what to create, modify and delete to get there;
//! the run applies it in the order delete, modify, create and stops at the first failure.
//!
//! Everything here is pure or generic over [`run::QuotaExecutor`], so it is tested without
//! HTTP; the app wires the executor to the VOD client.

pub mod confirm;
pub mod file;
pub mod flow;
pub mod plan;
pub mod run;
pub mod view;
pub mod vod;

pub use confirm::{delete_consent, Consent};
pub use file::{DesiredQuota, DesiredQuotas};
pub use flow::{run_flow, FlowEnd, FlowIo, FlowOptions};
pub use plan::{plan, Action, Change, Plan};
pub use run::{apply, AppliedChange, ApplyOutcome, QuotaExecutor, Stop};
