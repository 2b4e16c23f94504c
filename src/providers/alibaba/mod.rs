pub mod client;
pub mod modelrouter;
pub mod sign;
