//! `lke tokens`.

use crate::cli::LkeTokensArgs;
use crate::error::Error;
use crate::providers::tencent::fetch_lke;
use crate::providers::tencent::lke::TokenFilters;

use super::{usage, Context};

/// `--region`: the same rules as the environment and the config file.
fn region_flag(value: &str) -> Result<String, Error> {
    crate::config::endpoint::parse_region(value, crate::config::endpoint::From::Flag("--region"))
}

fn given(value: &Option<String>) -> Option<String> {
    value
        .as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

pub async fn tokens(ctx: &Context, args: &LkeTokensArgs) -> Result<(), Error> {
    // Everything that can be refused is refused before credentials or the network.
    let range = ctx.range(&args.range)?;
    let region = match &args.region {
        Some(flag) => region_flag(flag)?,
        None => ctx.settings.tencent.region.value.clone(),
    };
    let endpoint = usage::endpoint(
        args.endpoint.as_deref(),
        &ctx.settings.tencent.lke_endpoint.value,
    )?;
    let filters = TokenFilters {
        model: given(&args.model),
        sub_biz_type: given(&args.sub_biz_type),
        app_biz_ids: args.app_biz_ids.clone(),
        uin_accounts: args.uin_accounts.clone(),
        app_type: given(&args.app_type),
        sub_scenes: args.sub_scenes.clone(),
    };
    let fetched = fetch_lke(&ctx.fetch_input(range, &[]), &filters, region, endpoint).await?;
    usage::print(ctx, "lke tokens", &range, fetched)
}
