pub mod client;
pub mod demo;
pub mod modelrouter;
pub mod sign;
