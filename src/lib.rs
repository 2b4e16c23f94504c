//! aigcusage: AIGC usage and cost across providers, as one normalized time series.

pub mod error;
pub mod render;
pub mod secret;
pub mod series;
pub mod zone;

pub use error::{Error, Result};
