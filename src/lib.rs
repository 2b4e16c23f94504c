//! aigcusage: AIGC usage and cost across providers, as one normalized time series.

pub mod config;
pub mod error;
pub mod providers;
pub mod secret;
pub mod series;
pub mod timerange;
pub mod zone;

pub use error::{Error, Result};
pub mod cli;
pub mod term;
pub mod transport;
