//! Running a provider's action command (quotas): the app's side of `Invocation::Action`.

mod vod_quota;

use crate::error::Error;
use crate::providers::ActionCommand;

use super::Context;

/// Runs `command` with the interaction and printing it needs.
pub async fn run(ctx: &Context, command: &dyn ActionCommand) -> Result<(), Error> {
    if let Some(quota) = command.as_any().downcast_ref() {
        return vod_quota::run(ctx, quota).await;
    }
    Err(Error::Internal(format!(
        "{} has no runner in the app",
        command.name()
    )))
}
