pub mod acedata;
pub mod alibaba;
pub mod tencent;
