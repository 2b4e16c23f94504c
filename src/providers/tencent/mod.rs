//! Tencent Cloud: TC3 signing, the API 3.0 envelope, and the VOD and LKE commands.

pub mod client;
pub mod credentials;
pub mod demo;
pub mod lke;
pub mod sign;
pub mod vod;
pub mod vod_quota;

use crate::providers::{Provider, Source, UTC_PLUS_8};

/// Tencent Cloud in the registry.
pub const DESCRIPTOR: Provider = Provider {
    id: "tencent",
    display_name: "Tencent Cloud",
    sources: &[
        Source {
            name: "vod",
            id: "vod.aigc_usage",
            service_display_name: "Video on Demand",
            day_offset_seconds: UTC_PLUS_8,
        },
        Source {
            name: "lke",
            id: "lke.token_usage",
            service_display_name: "Agent Development Platform",
            // LKE answers in sub-daily buckets: its calendar never shows.
            day_offset_seconds: None,
        },
    ],
    has_credentials: credentials::has_credentials,
    credentials_hint: credentials::HINT,
    environment: credentials::ENVIRONMENT,
    demo_answer: demo::answer,
};
