//! `--demo` answers for Alibaba Cloud ModelRouter: the seed document's example (a doubly
//! encoded `values` string) spread over the asked range, hourly or daily.

use serde_json::json;

use crate::providers::recorded::{json_response, variation};
use crate::transport::{HttpRequest, HttpResponse};

const PATH: &str = "/api/v1/modelRouter/open/billing/cost/trend";

pub fn answer(request: &HttpRequest) -> Option<HttpResponse> {
    let url = url::Url::parse(&request.url).ok()?;
    if url.path() != PATH {
        return None;
    }
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let start: i64 = param("startTime")?.parse().ok()?;
    let end: i64 = param("endTime")?.parse().ok()?;
    let start = crate::providers::recorded::demo_start(start, end);
    let daily = param("granularity").as_deref() == Some("daily");
    let step = if daily { 86_400 } else { 3_600 };
    let mut points = Vec::new();
    // Buckets start on whole hours (days in China Standard Time, as the console shows them).
    let align = if daily { 8 * 3_600 } else { 0 };
    let mut time = (start + align).div_euclid(step) * step - align;
    while time <= end {
        let factor = variation(&time.to_string());
        let calls = (120.0 * factor).round();
        let values = json!({
            "total_calls": calls,
            "video_duration": (calls * 0.4).round(),
            "total_amount": (calls * 0.35 * 100.0).round() / 100.0,
            "model_count": 3,
            "image_count": (calls * 0.2).round(),
        });
        // Encoded twice, exactly as the seed document shows it.
        let once = values.to_string();
        let twice = serde_json::Value::String(once).to_string();
        points.push(json!({"timestamp": time, "values": twice}));
        time += step;
    }
    Some(json_response(json!({
        "requestId": "592A27EF-26D3-1434-98C1-97AD63337852",
        "success": true,
        "httpStatusCode": 200,
        "data": {
            "defaultMetric": "total_amount",
            "granularity": if daily { "daily" } else { "hourly" },
            "metrics": [
                {"key": "total_calls", "label": "调用次数", "sortable": true, "unit": "次"},
                {"key": "total_amount", "label": "总费用", "sortable": true, "unit": "元"}
            ],
            "points": points
        }
    })))
}
