//! Tencent Cloud: TC3 signing, the API 3.0 envelope, and the VOD (usage, quotas) and LKE
//! commands.

pub mod client;
pub mod commands;
pub mod credentials;
pub mod demo;
pub mod lke;
pub mod quota;
pub mod sign;
pub mod vod;

use futures::FutureExt;

use crate::config::KeyPair;
use crate::error::Error;
use crate::providers::{FetchInput, Fetched, Note, Provider, Source, UTC_PLUS_8};
use crate::timerange::TimeRange;
use client::{Client, Service};

/// Tencent Cloud in the registry.
pub const DESCRIPTOR: Provider = Provider {
    id: "tencent",
    display_name: "Tencent Cloud",
    sources: &[
        Source {
            name: "vod",
            id: "vod.aigc_usage",
            service_display_name: "Video on Demand",
            fetch: |input| report_vod(input).boxed_local(),
            day_offset_seconds: UTC_PLUS_8,
            non_additive_metrics: &[],
            options: &[commands::VOD_TYPE_OPTION],
            check_range: Some(vod::check_retention),
            asked_range: vod::asked_range,
        },
        Source {
            name: "lke",
            id: "lke.token_usage",
            service_display_name: "Agent Development Platform",
            fetch: |input| report_lke(input).boxed_local(),
            // LKE answers in sub-daily buckets: its calendar never shows.
            day_offset_seconds: None,
            non_additive_metrics: &[],
            options: &[],
            check_range: None,
            asked_range: crate::providers::range_as_given,
        },
    ],
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
    example_endpoint: credentials::defaults::VOD_ENDPOINT,
    environment: credentials::ENVIRONMENT,
    demo_answer: demo::answer,
    demo_prices: demo::DEMO_PRICES,
    prices_example: demo::PRICES_EXAMPLE,
    commands: commands::COMMANDS,
};

/// The key pair to sign with: demo credentials under `--demo` (nothing is sent then).
fn key_pair(input: &FetchInput<'_>) -> Result<KeyPair, Error> {
    if input.demo {
        return Ok(credentials::demo());
    }
    credentials::settings(input.settings).credentials()
}

/// What `vod usage` asks, validated.
pub struct VodQuery {
    pub types: Vec<&'static str>,
    pub sub_app_id: Option<u64>,
    pub api_keys: Vec<String>,
    pub endpoint: String,
}

impl VodQuery {
    /// Refuses what VOD would refuse (unknown types, a start past retention) before
    /// credentials or the network. `sub_app_id` falls back to the profile's.
    pub fn new(
        input: &FetchInput<'_>,
        types: &[String],
        sub_app_id: Option<u64>,
        api_keys: Vec<String>,
        endpoint: String,
    ) -> Result<Self, Error> {
        let types = vod::parse_types(types)?;
        vod::check_retention(&input.range, input.now)?;
        let profile_sub_app_id = credentials::settings(input.settings)
            .sub_app_id
            .as_ref()
            .map(|s| s.value);
        Ok(Self {
            types,
            sub_app_id: sub_app_id.or(profile_sub_app_id),
            api_keys,
            endpoint,
        })
    }
}

/// VOD AIGC usage over the input's range, windowed.
pub async fn fetch_vod(input: &FetchInput<'_>, query: VodQuery) -> Result<Fetched, Error> {
    let credentials = key_pair(input)?;
    let client = Client {
        transport: input.transport,
        credentials: &credentials,
        service: Service {
            name: vod::SERVICE,
            version: vod::VERSION,
            endpoint: query.endpoint,
            region: None,
        },
    };
    let range = vod::asked_range(&input.range);
    let request = vod::UsageRequest {
        types: query.types,
        range,
        sub_app_id: query.sub_app_id,
        api_keys: query.api_keys,
    };
    let mut series = vod::usage(&client, &request).await?;
    input.window(&mut series);
    Ok(Fetched {
        series,
        notes: Vec::new(),
    })
}

/// `report`'s VOD: the types of its `--vod-type`, the profile's endpoint.
async fn report_vod(input: &FetchInput<'_>) -> Result<Fetched, Error> {
    let endpoint = credentials::settings(input.settings)
        .vod_endpoint
        .value
        .clone();
    let query = VodQuery::new(input, input.option("vod-type"), None, Vec::new(), endpoint)?;
    fetch_vod(input, query).await
}

/// LKE token usage over `range` (an LKE range may differ from the input's), windowed;
/// points LKE answered outside the range are dropped with a note.
pub async fn fetch_lke(
    input: &FetchInput<'_>,
    filters: &lke::TokenFilters,
    region: String,
    endpoint: String,
) -> Result<Fetched, Error> {
    let range: TimeRange = input.range;
    let credentials = key_pair(input)?;
    let client = Client {
        transport: input.transport,
        credentials: &credentials,
        service: Service {
            name: lke::SERVICE,
            version: lke::VERSION,
            endpoint,
            region: Some(region),
        },
    };
    let mut series = lke::token_usage(&client, &range, filters).await?;
    let dropped = input.window_overlap(&mut series);
    let notes = if dropped > 0 {
        vec![Note::OutsideRange {
            label: "LKE",
            dropped,
        }]
    } else {
        Vec::new()
    };
    Ok(Fetched { series, notes })
}

/// `report`'s LKE: every token, the profile's region and endpoint.
async fn report_lke(input: &FetchInput<'_>) -> Result<Fetched, Error> {
    let tencent = credentials::settings(input.settings);
    fetch_lke(
        input,
        &lke::TokenFilters::default(),
        tencent.region.value.clone(),
        tencent.lke_endpoint.value.clone(),
    )
    .await
}
