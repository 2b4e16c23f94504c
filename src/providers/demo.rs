//! `--demo`: recorded example answers instead of the network. Each provider folder has a
//! `demo.rs` that answers its own requests; this responder asks them in turn. The helpers
//! they share live in `recorded.rs`, which imports no provider (no import circle).

use crate::transport::{HttpRequest, HttpResponse, Responder};

pub struct DemoResponder;

impl Responder for DemoResponder {
    fn answer(&self, request: &HttpRequest) -> Option<HttpResponse> {
        super::REGISTRY
            .iter()
            .find_map(|provider| (provider.demo_answer)(request))
    }
}
