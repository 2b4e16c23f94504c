//! AceData Cloud (<https://platform.acedata.cloud>): plain HTTPS with a bearer token, no
//! request signing. The token is an account ("platform") token, `platform-v1-...`; the
//! service API tokens used to call AceData's generation APIs are refused by the usage API.

pub mod client;
pub mod commands;
pub mod credentials;
pub mod demo;
pub mod usage;

pub use client::{answer_error, Client, TOKEN_HINT};

use crate::error::Error;

/// Our provider label in series and messages.
pub const PROVIDER: &str = "acedata";
pub const DEFAULT_ENDPOINT: &str = "https://platform.acedata.cloud";

/// AceData Cloud in the registry.
/// The range AceData is asked for `range` ([`crate::providers::Source::asked_range`]):
/// whole dates as AceData's own, UTC, dates; anything else as given.
pub fn asked_range(range: &crate::timerange::TimeRange) -> crate::timerange::TimeRange {
    crate::providers::dates_in_calendar(range, 0)
}

pub const DESCRIPTOR: crate::providers::Provider = crate::providers::Provider {
    id: PROVIDER,
    display_name: "AceData Cloud",
    sources: &[crate::providers::Source {
        name: "acedata",
        id: "acedata.api_usage",
        service_display_name: "AceData Cloud API",
        fetch: |input| futures::FutureExt::boxed_local(report_usage(input)),
        // AceData's days are UTC days.
        day_offset_seconds: Some(0),
        non_additive_metrics: &[],
        options: &[],
        check_range: None,
        asked_range,
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
    demo_prices: demo::DEMO_PRICES,
    prices_example: demo::PRICES_EXAMPLE,
    commands: commands::COMMANDS,
};

/// AceData API usage of `request` (whose range is the input's), windowed; a total that
/// disagrees with the rows comes back as a note.
pub async fn fetch_usage(
    input: &crate::providers::FetchInput<'_>,
    request: &usage::UsageRequest,
    endpoint: String,
) -> Result<crate::providers::Fetched, Error> {
    let token = if input.demo {
        credentials::demo()
    } else {
        credentials::settings(input.settings).token()?
    };
    let client = Client {
        transport: input.transport,
        token: &token,
        endpoint,
    };
    let answer = usage::usage(&client, request).await?;
    let notes = answer
        .total_mismatch()
        .map(|m| crate::providers::Note::TotalMismatch {
            label: PROVIDER,
            total: m.total,
            sum: m.sum,
            rows: m.rows,
        })
        .into_iter()
        .collect();
    let mut series = answer.series;
    input.window(&mut series);
    Ok(crate::providers::Fetched { series, notes })
}

/// `report`'s AceData: every API, the profile's endpoint.
async fn report_usage(
    input: &crate::providers::FetchInput<'_>,
) -> Result<crate::providers::Fetched, Error> {
    let request = usage::UsageRequest {
        range: asked_range(&input.range),
        application_id: None,
        api_ids: Vec::new(),
    };
    let endpoint = credentials::settings(input.settings).endpoint.value.clone();
    fetch_usage(input, &request, endpoint).await
}
