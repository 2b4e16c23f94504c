//! `acedata ...` commands.

use crate::cli::AcedataUsageArgs;
use crate::error::Error;
use crate::providers::acedata::usage::{self as api, UsageRequest};
use crate::providers::acedata::Client;
use crate::series::Series;

use super::{usage, Context};

/// The windowed series of a request (shared by `acedata usage` and `report`); a total
/// that disagrees with the rows is a warning.
pub async fn fetch_usage(
    ctx: &Context,
    request: &UsageRequest,
    endpoint: String,
) -> Result<Vec<Series>, Error> {
    let token = if ctx.demo {
        crate::providers::acedata::credentials::demo()
    } else {
        ctx.settings.acedata.token()?
    };
    let client = Client {
        transport: &ctx.transport,
        token: &token,
        endpoint,
    };
    let answer = api::usage(&client, request).await?;
    if let Some(mismatch) = answer.total_mismatch() {
        ctx.warn(&format!(
            "acedata: the answer's total {} differs from the sum of its rows {} ({} rows)",
            crate::render::number::format_value(mismatch.total),
            crate::render::number::format_value(mismatch.sum),
            mismatch.rows
        ));
    }
    let range = request.range;
    let mut series = answer.series;
    usage::window(ctx, &mut series, &range);
    Ok(series)
}

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
    let series = fetch_usage(ctx, &request, endpoint).await?;
    usage::print(ctx, "acedata usage", &range, series)
}
