//! Whole-binary tests: the real `aigcusage` binary against local servers.

mod acedata;
mod broken_pipe;
mod cli;
mod config_cmd;
mod deadline;
mod endpoint;
mod history;
mod lke_tokens;
mod modelrouter;
mod numbers;
mod registry;
mod report;
mod support;
mod vod_quota;
mod vod_usage;
