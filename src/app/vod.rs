//! `vod ...` commands.

use crate::cli::VodUsageArgs;
use crate::error::Error;
use crate::providers::tencent::client::{Client, Service};
use crate::providers::tencent::vod;
use crate::series::{apply_window, Query, Report};

use super::{endpoint_flag, output, Context};

pub async fn usage(ctx: &Context, args: &VodUsageArgs) -> Result<(), Error> {
    // Everything that can be refused is refused before credentials or the network.
    let types = vod::parse_types(&args.types)?;
    let range = ctx.range(&args.range)?;
    vod::check_retention(&range, ctx.now)?;
    let endpoint = match &args.endpoint {
        Some(flag) => endpoint_flag(flag)?,
        None => ctx.settings.tencent.vod_endpoint.value.clone(),
    };
    let credentials = ctx.settings.tencent.credentials()?;
    let sub_app_id = args
        .sub_app_id
        .or(ctx.settings.tencent.sub_app_id.as_ref().map(|s| s.value));

    let client = Client {
        transport: &ctx.transport,
        credentials: &credentials,
        service: Service {
            name: vod::SERVICE,
            version: vod::VERSION,
            endpoint,
            region: None,
        },
    };
    let request = vod::UsageRequest {
        types,
        range,
        sub_app_id,
        api_keys: args.api_keys.clone(),
    };
    let mut series = vod::usage(&client, &request).await?;
    for s in &mut series {
        apply_window(s, range.start, range.end, ctx.now);
    }
    let query = Query {
        start: range.start,
        end: range.end,
        tz: ctx.zone,
        commands: vec!["vod usage".to_string()],
    };
    output::print_report(ctx, &Report::new(query, series))
}
