//! Whole-binary tests: the real `aigcusage` binary against local servers.

mod acedata;
mod cli;
mod support;
mod vod_usage;
