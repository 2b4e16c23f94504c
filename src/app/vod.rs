//! `vod ...` commands.

use crate::cli::VodUsageArgs;
use crate::error::Error;
use crate::providers::tencent::client::{Client, Service};
use crate::providers::tencent::vod;
use crate::series::Series;
use crate::timerange::TimeRange;

use super::{usage, Context};

/// What `vod usage` asks, validated.
pub struct UsageQuery {
    pub types: Vec<&'static str>,
    pub range: TimeRange,
    pub sub_app_id: Option<u64>,
    pub api_keys: Vec<String>,
    pub endpoint: String,
}

impl UsageQuery {
    /// Everything that can be refused is refused here, before credentials or the network.
    pub fn new(
        ctx: &Context,
        types: &[String],
        range: TimeRange,
        sub_app_id: Option<u64>,
        api_keys: Vec<String>,
        endpoint: Option<&str>,
    ) -> Result<Self, Error> {
        let types = vod::parse_types(types)?;
        vod::check_retention(&range, ctx.now)?;
        let endpoint = usage::endpoint(endpoint, &ctx.settings.tencent.vod_endpoint.value)?;
        let sub_app_id = sub_app_id.or(ctx.settings.tencent.sub_app_id.as_ref().map(|s| s.value));
        Ok(Self {
            types,
            range,
            sub_app_id,
            api_keys,
            endpoint,
        })
    }
}

/// The windowed series of a query (shared by `vod usage` and `report`).
pub async fn fetch_usage(ctx: &Context, query: UsageQuery) -> Result<Vec<Series>, Error> {
    let credentials = ctx.tencent_credentials()?;
    let client = Client {
        transport: &ctx.transport,
        credentials: &credentials,
        service: Service {
            name: vod::SERVICE,
            version: vod::VERSION,
            endpoint: query.endpoint,
            region: None,
        },
    };
    let range = query.range;
    let request = vod::UsageRequest {
        types: query.types,
        range,
        sub_app_id: query.sub_app_id,
        api_keys: query.api_keys,
    };
    let mut series = vod::usage(&client, &request).await?;
    usage::window(ctx, &mut series, &range);
    Ok(series)
}

pub async fn usage(ctx: &Context, args: &VodUsageArgs) -> Result<(), Error> {
    let range = ctx.range(&args.range)?;
    let query = UsageQuery::new(
        ctx,
        &args.types,
        range,
        args.sub_app_id,
        args.api_keys.clone(),
        args.endpoint.as_deref(),
    )?;
    let series = fetch_usage(ctx, query).await?;
    usage::print(ctx, "vod usage", &range, series)
}
