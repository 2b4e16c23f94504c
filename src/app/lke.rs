//! `lke tokens`.

use crate::cli::LkeTokensArgs;
use crate::error::Error;
use crate::providers::tencent::client::{Client, Service};
use crate::providers::tencent::lke::{self, TokenFilters};
use crate::series::Series;
use crate::timerange::TimeRange;

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

/// The windowed series of a query (shared by `lke tokens` and `report`).
pub async fn fetch_tokens(
    ctx: &Context,
    range: &TimeRange,
    filters: &TokenFilters,
    region: String,
    endpoint: String,
) -> Result<Vec<Series>, Error> {
    let range = *range;
    let credentials = ctx.tencent_credentials()?;

    let client = Client {
        transport: &ctx.transport,
        credentials: &credentials,
        service: Service {
            name: lke::SERVICE,
            version: lke::VERSION,
            endpoint,
            region: Some(region),
        },
    };
    let mut series = lke::token_usage(&client, &range, filters).await?;
    let dropped = usage::window(ctx, &mut series, &range);
    if dropped > 0 {
        ctx.warn(&format!(
            "LKE answered {dropped} point{} outside the requested range; {} dropped",
            if dropped == 1 { "" } else { "s" },
            if dropped == 1 { "it was" } else { "they were" }
        ));
    }
    Ok(series)
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
    let series = fetch_tokens(ctx, &range, &filters, region, endpoint).await?;
    usage::print(ctx, "lke tokens", &range, series)
}
