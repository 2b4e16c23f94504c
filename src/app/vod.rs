//! `vod ...` commands.

use crate::cli::VodUsageArgs;
use crate::error::Error;
use crate::providers::tencent::{fetch_vod, VodQuery};

use super::{usage, Context};

pub async fn usage(ctx: &Context, args: &VodUsageArgs) -> Result<(), Error> {
    let range = ctx.range(&args.range)?;
    let input = ctx.fetch_input(range, &[]);
    let endpoint = usage::endpoint(
        args.endpoint.as_deref(),
        &ctx.settings.tencent.vod_endpoint.value,
    )?;
    let query = VodQuery::new(
        &input,
        &args.types,
        args.sub_app_id,
        args.api_keys.clone(),
        endpoint,
    )?;
    let fetched = fetch_vod(&input, query).await?;
    usage::print(ctx, "vod usage", &range, fetched)
}
