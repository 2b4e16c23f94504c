//! `--demo` answers for AceData: the seed document's example (Midjourney Imagine and
//! Claude Messages) for every UTC day of the asked range.

use chrono::{DateTime, Duration};
use serde_json::json;

use crate::providers::recorded::{json_response, variation};
use crate::transport::{HttpRequest, HttpResponse};

const PATH: &str = "/api/v1/usage/apis/aggregate/";

pub fn answer(request: &HttpRequest) -> Option<HttpResponse> {
    let url = url::Url::parse(&request.url).ok()?;
    if url.path() != PATH {
        return None;
    }
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| DateTime::parse_from_rfc3339(&v).ok())
    };
    let (from, to) = (param("created_at_from")?, param("created_at_to")?);
    let first = crate::providers::recorded::demo_start(from.timestamp(), to.timestamp());
    let from = DateTime::from_timestamp(first, 0)?.fixed_offset();
    let apis = [("api-uuid-1", 45.5), ("api-uuid-2", 12.3)];
    let mut results = Vec::new();
    let mut total = 0.0;
    let mut day = from.date_naive();
    while day <= to.date_naive() {
        for (id, seed) in apis {
            // One decimal, as in the example.
            let amount = (seed * variation(&format!("{id}{day}")) * 10.0).round() / 10.0;
            total += amount;
            results.push(json!({"date": day.to_string(), "api_id": id, "amount": amount}));
        }
        day += Duration::days(1);
    }
    Some(json_response(json!({
        "results": results,
        "total": (total * 10.0_f64).round() / 10.0,
        "api_map": {
            "api-uuid-1": {"name": "Midjourney Imagine", "path": "/v1/midjourney/imagine"},
            "api-uuid-2": {"name": "Claude Messages", "path": "/v1/claude/messages"}
        }
    })))
}

/// Its entry of the `--demo` price book.
pub const DEMO_PRICES: &str = r#"# AceData Cloud: credits bought in US dollars (converted with [rates]).
[[price]]
provider = "acedata"
source = "acedata.api_usage"
match = ".*"
metric = "amount"
unit = "credits"
price = "0.01"
currency = "USD"
"#;

/// Its example entry of the `prices.toml` template.
pub const PRICES_EXAMPLE: &str = r#"## AceData Cloud, every API, credits in US dollars:
# [[price]]
# provider = "acedata"
# source = "acedata.api_usage"
# match = ".*"
# metric = "amount"
# unit = "credits"
# price = "0.01"
# currency = "USD"
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Method;

    #[test]
    fn answers_the_seed_apis_for_every_day() {
        let request = HttpRequest {
            method: Method::Get,
            url: "https://platform.acedata.cloud/api/v1/usage/apis/aggregate/?created_at_from=2026-11-17T00%3A00%3A00Z&created_at_to=2026-11-18T23%3A59%3A59Z".into(),
            headers: vec![],
            body: vec![],
        };
        let response = answer(&request).expect("an answer");
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(body["results"].as_array().unwrap().len(), 4);
        assert_eq!(body["api_map"]["api-uuid-1"]["name"], "Midjourney Imagine");
    }
}
