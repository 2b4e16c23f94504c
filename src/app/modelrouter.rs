//! `modelrouter cost`.

use crate::cli::{CostGranularityArg, ModelrouterCostArgs};
use crate::error::Error;
use crate::providers::alibaba::client::Client;
use crate::providers::alibaba::modelrouter::{self, CostGranularity, CostRequest};
use crate::series::Series;

use super::{usage, Context};

/// The windowed series of a request (shared by `modelrouter cost` and `report`).
pub async fn fetch_cost(
    ctx: &Context,
    request: &CostRequest,
    endpoint: String,
) -> Result<Vec<Series>, Error> {
    let credentials = ctx.alibaba_credentials()?;
    let client = Client {
        transport: &ctx.transport,
        credentials: &credentials,
        endpoint,
    };
    let range = request.range;
    let mut series = modelrouter::cost(&client, request, &ctx.zone).await?;
    usage::window(ctx, &mut series, &range);
    Ok(series)
}

pub async fn cost(ctx: &Context, args: &ModelrouterCostArgs) -> Result<(), Error> {
    // Everything that can be refused is refused before credentials or the network.
    let model_types = modelrouter::parse_model_types(&args.model_types)?;
    let range = ctx.range(&args.range)?;
    let endpoint = usage::endpoint(
        args.endpoint.as_deref(),
        &ctx.settings.alibaba.endpoint.value,
    )?;
    let request = CostRequest {
        range,
        model_types,
        client_id: args.client_id,
        granularity: args.granularity.map(|g| match g {
            CostGranularityArg::Hourly => CostGranularity::Hourly,
            CostGranularityArg::Daily => CostGranularity::Daily,
        }),
        page_size: args.page_size,
    };
    let series = fetch_cost(ctx, &request, endpoint).await?;
    usage::print(ctx, "modelrouter cost", &range, series)
}
