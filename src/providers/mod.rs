pub mod alibaba;
pub mod tencent;
