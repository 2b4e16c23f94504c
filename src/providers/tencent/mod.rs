//! Tencent Cloud: TC3 signing, the API 3.0 envelope, and the VOD and LKE commands.

pub mod client;
pub mod demo;
pub mod lke;
pub mod sign;
pub mod vod;
pub mod vod_quota;
