//! Alibaba Cloud: ACS3 signing and the AiContent ModelRouter cost trend.

pub mod client;
pub mod credentials;
pub mod demo;
pub mod modelrouter;
pub mod sign;

use crate::providers::{Provider, Source, UTC_PLUS_8};

/// Alibaba Cloud in the registry.
pub const DESCRIPTOR: Provider = Provider {
    id: "alibaba",
    display_name: "Alibaba Cloud",
    sources: &[Source {
        name: "modelrouter",
        id: "modelrouter.cost_trend",
        service_display_name: "AiContent ModelRouter",
        day_offset_seconds: UTC_PLUS_8,
    }],
    has_credentials: credentials::has_credentials,
    credentials_hint: credentials::HINT,
    environment: credentials::ENVIRONMENT,
    demo_answer: demo::answer,
};
