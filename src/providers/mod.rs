//! One folder per provider. Each turns requests into `Series` and never prints.

pub mod acedata;
pub mod alibaba;
pub mod demo;
pub mod tencent;
