//! Whole-binary tests: the real `aigcusage` binary against local servers.

mod acedata;
mod broken_pipe;
mod cli;
mod config_cmd;
mod cost;
mod deadline;
mod demo_bounds;
mod docs;
mod edges;
mod endpoint;
mod exports;
mod help;
mod history;
mod layering;
mod lke_tokens;
mod modelrouter;
mod narrow;
mod numbers;
mod provider_dates;
mod quota_apply;
mod registry;
mod report;
mod support;
mod vod_quota;
mod vod_usage;
