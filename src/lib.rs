//! aigcusage: AIGC usage and cost across providers, as one normalized time series.
//!
//! Data flows one way: `cli` → `app` (dispatch) → `providers` → `transport` → HTTP, and
//! back as `series::Series` → `render` → stdout. Only `main.rs` picks exit codes.

pub mod app;
pub mod bucket;
pub mod cli;
pub mod config;
pub mod error;
pub mod output;
pub mod providers;
pub mod render;
pub mod secret;
pub mod series;
pub mod term;
pub mod timerange;
pub mod transport;
pub mod zone;

pub use error::{Error, Result};
