//! `modelrouter cost`.

use crate::cli::{CostGranularityArg, ModelrouterCostArgs};
use crate::error::Error;
use crate::providers::alibaba::fetch_cost;
use crate::providers::alibaba::modelrouter::{self, CostGranularity, CostRequest};

use super::{usage, Context};

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
    let fetched = fetch_cost(&ctx.fetch_input(range, &[]), &request, endpoint).await?;
    usage::print(ctx, "modelrouter cost", &range, fetched)
}
