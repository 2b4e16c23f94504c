//! `--demo` answers for Tencent Cloud: the seed documents' examples spread over the asked range.

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone};
use serde_json::{json, Value};

use crate::providers::recorded::{json_response, variation};
use crate::transport::{HttpRequest, HttpResponse};

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

pub fn answer(request: &HttpRequest) -> Option<HttpResponse> {
    let action = header(request, "X-TC-Action")?;
    let body: Value = serde_json::from_slice(&request.body).ok()?;
    match action {
        "DescribeAigcUsageData" => Some(vod_usage(&body)),
        "DescribeTokenUsageGraph" => Some(lke_token_usage(&body)),
        _ => None,
    }
}

fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("invariant: 8 hours is a valid offset")
}

/// The seed answer (Kling2.0&2.1std_720P: 3 tasks, 15 seconds a day) for every day or
/// 5 minutes of the range, varied per bucket so that a trend shows. Video only: the seed
/// documents give no example for the other types, so they answer no data.
fn vod_usage(body: &Value) -> HttpResponse {
    let parse = |key: &str| {
        body[key]
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
    };
    let (Some(start), Some(end)) = (parse("StartTime"), parse("EndTime")) else {
        return json_response(json!({"Response": {
            "Error": {"Code": "InvalidParameterValue", "Message": "StartTime/EndTime"},
            "RequestId": "demo-invalid"
        }}));
    };
    let first = crate::providers::recorded::demo_start(start.timestamp(), end.timestamp());
    let start = DateTime::from_timestamp(first, 0)
        .map_or(start, |first| first.with_timezone(start.offset()));
    let mut data = Vec::new();
    if body["AigcType"] == "Video" {
        let mut push = |time: DateTime<FixedOffset>, scale: f64| {
            let count = (3.0 * variation(&time.to_rfc3339()) * scale).round();
            data.push(json!({"Time": time.to_rfc3339(), "Count": count, "Usage": count * 5.0}));
        };
        if end - start > Duration::days(1) {
            let mut day = start.with_timezone(&cst()).date_naive();
            while day <= end.with_timezone(&cst()).date_naive() {
                if let Some(time) = cst()
                    .from_local_datetime(&day.and_time(NaiveTime::MIN))
                    .single()
                {
                    push(time, 1.0);
                }
                day += Duration::days(1);
            }
        } else {
            let mut time = start.with_timezone(&cst());
            while time <= end {
                push(time, 0.5);
                time += Duration::minutes(5);
            }
        }
    }
    let set = if data.is_empty() {
        json!([])
    } else {
        json!([{"Specification": "Kling2.0&2.1std_720P", "DataSet": data}])
    };
    json_response(json!({"Response": {
        "AigcUsageDataSet": set,
        "RequestId": "2f47fc6d-c03a-49f7-b50b-xxxxxxxx"
    }}))
}

/// The seed answer of DescribeTokenUsageGraph (about 14,700 input and 230 output tokens a
/// bucket) for every day of the range (`X` as `yyyyMMdd`), or every 15 minutes of a range of
/// two days or less (`X` as `yyyyMMddHHmm`), in China Standard Time.
fn lke_token_usage(body: &Value) -> HttpResponse {
    let seconds = |key: &str| body[key].as_str().and_then(|s| s.parse::<i64>().ok());
    let (Some(start), Some(end)) = (seconds("StartTime"), seconds("EndTime")) else {
        return json_response(json!({"Response": {
            "Error": {"Code": "InvalidParameterValue", "Message": "StartTime/EndTime"},
            "RequestId": "demo-invalid"
        }}));
    };
    let daily = end - start > 2 * 86_400;
    let start = crate::providers::recorded::demo_start(start, end);
    let step = if daily { 86_400 } else { 900 };
    let offset = 8 * 3_600;
    let mut bucket = (start + offset).div_euclid(step) * step - offset;
    let (mut total, mut input, mut output) = (Vec::new(), Vec::new(), Vec::new());
    while bucket <= end {
        let Some(time) = DateTime::from_timestamp(bucket, 0) else {
            break;
        };
        let local = time.with_timezone(&cst());
        let x = if daily {
            local.format("%Y%m%d").to_string()
        } else {
            local.format("%Y%m%d%H%M").to_string()
        };
        // A day is the sum of its 96 quarter-hours, so a day and its quarter-hours agree.
        let quarters: Vec<String> = if daily {
            (0..96)
                .map(|q| {
                    (local + chrono::Duration::minutes(15 * q))
                        .format("%Y%m%d%H%M")
                        .to_string()
                })
                .collect()
        } else {
            vec![x.clone()]
        };
        let tokens = |base: f64, prefix: &str| -> f64 {
            quarters
                .iter()
                .map(|q| (base * variation(&format!("{prefix}{q}"))).round())
                .sum()
        };
        let input_tokens = tokens(14_662.0, "in");
        let output_tokens = tokens(234.0, "out");
        total.push(json!({"X": x, "Y": input_tokens + output_tokens}));
        input.push(json!({"X": x, "Y": input_tokens}));
        output.push(json!({"X": x, "Y": output_tokens}));
        bucket += step;
    }
    json_response(json!({"Response": {
        "Total": total,
        "Input": input,
        "Output": output,
        "RequestId": "ed825101-ab0f-4f3d-8803-ce43292be7cb"
    }}))
}

/// Its entries of the `--demo` price book: VOD seconds and tasks, LKE tokens.
pub const DEMO_PRICES: &str = r#"# Tencent Cloud VOD: AIGC video, per second of generated video.
[[price]]
provider = "tencent"
source = "vod.aigc_usage"
series = "Kling2.0&2.1std_720P"
metric = "usage"
unit = "seconds"
price = "0.40"
currency = "CNY"

# The task count is billed through the seconds above: an explicit zero price.
[[price]]
provider = "tencent"
source = "vod.aigc_usage"
match = ".*"
metric = "count"
unit = "tasks"
price = "0"
currency = "CNY"

# Tencent Cloud LKE: per million tokens, input and output priced apart.
[[price]]
provider = "tencent"
source = "lke.token_usage"
series = "input"
metric = "tokens"
unit = "tokens"
price = "0.80"
per = 1000000
currency = "CNY"

[[price]]
provider = "tencent"
source = "lke.token_usage"
series = "output"
metric = "tokens"
unit = "tokens"
price = "2.00"
per = 1000000
currency = "CNY"

# `total` is input + output, already priced above: an explicit zero price.
[[price]]
provider = "tencent"
source = "lke.token_usage"
series = "total"
metric = "tokens"
unit = "tokens"
price = "0"
per = 1000000
currency = "CNY"
"#;

/// Its example entries of the `prices.toml` template.
pub const PRICES_EXAMPLE: &str = r#"## Tencent Cloud VOD, AIGC video, per second:
# [[price]]
# provider = "tencent"
# source = "vod.aigc_usage"
# series = "Kling2.0&2.1std_720P"
# metric = "usage"
# unit = "seconds"
# price = "0.40"
# currency = "CNY"
# from = "2025-01-01"
# labels = { aigc_type = "Video" }
##
## Tencent Cloud LKE, per million tokens:
# [[price]]
# provider = "tencent"
# source = "lke.token_usage"
# series = "input"
# metric = "tokens"
# unit = "tokens"
# price = "0.80"
# per = 1000000
# currency = "CNY"
"#;
