//! Alibaba Cloud: ACS3 signing and the AiContent ModelRouter cost trend.

pub mod client;
pub mod commands;
pub mod credentials;
pub mod demo;
pub mod modelrouter;
pub mod sign;

use futures::FutureExt;

use crate::error::Error;
use crate::providers::{FetchInput, Fetched, Provider, Source};

/// Alibaba Cloud in the registry.
pub const DESCRIPTOR: Provider = Provider {
    id: "alibaba",
    display_name: "Alibaba Cloud",
    sources: &[Source {
        name: "modelrouter",
        id: "modelrouter.cost_trend",
        service_display_name: "AiContent ModelRouter",
        fetch: |input| report_cost(input).boxed_local(),
        // `report` and `sync` ask for hourly points (`modelrouter cost --granularity
        // daily` dates its days itself): the range is asked, covered and windowed as given.
        day_offset_seconds: None,
        non_additive_metrics: modelrouter::NON_ADDITIVE_METRICS,
        options: &[],
        check_range: None,
        // Its report source answers hourly, asked as given.
        asked_range: crate::providers::range_as_given,
    }],
    has_credentials: credentials::has_credentials,
    credential_variables: credentials::VARIABLES,
    credentials_hint: credentials::HINT,
    config_template: credentials::CONFIG_TEMPLATE,
    show: credentials::show,
    config_keys: credentials::CONFIG_KEYS,
    secret_config_keys: credentials::SECRET_CONFIG_KEYS,
    check_config_section: crate::config::check_section::<credentials::RawSection>,
    resolve_settings: credentials::resolve,
    default_settings: credentials::default_settings,
    example_endpoint: credentials::defaults::ENDPOINT,
    environment: credentials::ENVIRONMENT,
    demo_answer: demo::answer,
    // ModelRouter reports money: nothing to price.
    demo_prices: "",
    prices_example: "",
    commands: commands::COMMANDS,
};

/// ModelRouter dates its daily buckets at +08:00.
pub const CALENDAR_OFFSET_SECS: i32 = 8 * 3600;

/// The ModelRouter cost trend of `request` (whose range is the input's), windowed.
pub async fn fetch_cost(
    input: &FetchInput<'_>,
    request: &modelrouter::CostRequest,
    endpoint: String,
) -> Result<Fetched, Error> {
    let credentials = if input.demo {
        credentials::demo()
    } else {
        credentials::settings(input.settings).credentials()?
    };
    let client = client::Client {
        transport: input.transport,
        credentials: &credentials,
        endpoint,
    };
    let mut series = modelrouter::cost(&client, request, &input.zone).await?;
    input.window(&mut series);
    Ok(Fetched {
        series,
        notes: Vec::new(),
    })
}

/// `report`'s ModelRouter: every model type, the profile's endpoint.
async fn report_cost(input: &FetchInput<'_>) -> Result<Fetched, Error> {
    let request = modelrouter::CostRequest {
        range: input.range,
        model_types: Vec::new(),
        client_id: None,
        granularity: None,
        page_size: None,
    };
    let endpoint = credentials::settings(input.settings).endpoint.value.clone();
    fetch_cost(input, &request, endpoint).await
}
