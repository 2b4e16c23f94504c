//! Whole-binary tests: the real `aigcusage` binary against local servers.

mod cli;
mod modelrouter;
mod report;
mod support;
mod vod_usage;
