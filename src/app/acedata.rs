//! `acedata ...` commands.

use crate::cli::AcedataUsageArgs;
use crate::error::Error;
use crate::providers::acedata::fetch_usage;
use crate::providers::acedata::usage::{self as api, UsageRequest};

use super::{usage, Context};

pub async fn usage(ctx: &Context, args: &AcedataUsageArgs) -> Result<(), Error> {
    // Everything that can be refused is refused before credentials or the network.
    let range = ctx.range(&args.range)?;
    let api_ids = api::parse_api_ids(&args.api_ids)?;
    let application_id = match args.application_id.as_deref().map(str::trim) {
        Some("") => return Err(Error::usage("--application-id needs a value")),
        other => other.map(str::to_string),
    };
    let endpoint = usage::endpoint(
        args.endpoint.as_deref(),
        &ctx.settings.acedata.endpoint.value,
    )?;
    let request = UsageRequest {
        range,
        application_id,
        api_ids,
    };
    let fetched = fetch_usage(&ctx.fetch_input(range, &[]), &request, endpoint).await?;
    usage::print(ctx, "acedata usage", &range, fetched)
}
