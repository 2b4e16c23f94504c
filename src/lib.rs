//! aigcusage: AIGC usage and cost across providers, as one normalized time series.
//!
//! Data flows one way: `cli` → `app` (dispatch) → `providers` → `transport` → HTTP, and
//! back as `series::Series` → `render` → stdout. Only `main.rs` picks exit codes.

pub mod app;
pub mod args;
pub mod bucket;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod cost;
pub mod document;
pub mod error;
pub mod help_topics;
pub mod man;
pub mod number;
pub mod outfile;
pub mod output;
pub mod point_line;
pub mod providers;
pub mod render;
pub mod secret;
pub mod series;
pub mod store;
pub mod term;
pub mod timerange;
pub mod timestamp;
pub mod transport;
pub mod zone;

pub use error::{Error, Result};
