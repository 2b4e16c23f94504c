//! `vod quota ...`: ModifyAigcQuota, CreateAigcQuota, DeleteAigcQuota and DescribeAigcQuotas
//! (spec §4). Values are validated here before anything is built; nothing prints.

use serde::Deserialize;
use serde_json::{json, Number, Value};

use crate::error::Error;

use crate::providers::tencent::client::{Client, Idempotency};

pub const ACTION_MODIFY: &str = "ModifyAigcQuota";
pub const ACTION_CREATE: &str = "CreateAigcQuota";
pub const ACTION_DELETE: &str = "DeleteAigcQuota";
pub const ACTION_DESCRIBE: &str = "DescribeAigcQuotas";

/// Rows per DescribeAigcQuotas page: the API's maximum.
pub const PAGE_LIMIT: u64 = 100;

/// The three quota types of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaType {
    Image,
    Video,
    Text,
}

impl QuotaType {
    pub const ALL: [QuotaType; 3] = [QuotaType::Image, QuotaType::Video, QuotaType::Text];

    pub fn as_str(self) -> &'static str {
        match self {
            QuotaType::Image => "Image",
            QuotaType::Video => "Video",
            QuotaType::Text => "Text",
        }
    }

    /// The unit of `QuotaLimit` and `Usage` (ModifyAigcQuota: sheets, seconds, tokens).
    pub fn unit(self) -> &'static str {
        match self {
            QuotaType::Image => "images",
            QuotaType::Video => "seconds",
            QuotaType::Text => "tokens",
        }
    }

    /// `--type`, case-insensitive.
    pub fn parse(value: &str) -> Result<QuotaType, Error> {
        let value = value.trim();
        QuotaType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(value))
            .ok_or_else(|| {
                Error::usage(format!(
                    "invalid --type '{value}': a quota type is one of Image, Video, Text"
                ))
            })
    }
}

/// The unit of a quota type as the API names it, `units` for a type we do not know.
pub fn unit_of(quota_type: &str) -> &'static str {
    QuotaType::parse(quota_type)
        .map(QuotaType::unit)
        .unwrap_or("units")
}

/// `--limit`: a whole number ≥ 0 written in decimal digits only.
///
/// The API declares `QuotaLimit` as Integer, which the official SDKs carry as a signed
/// 64-bit integer (`*int64` in Go, `Long` in Java), so the largest value is `i64::MAX`.
/// Signs, fractions, exponents and anything larger are refused with a message that names
/// `--limit`, never rounded or clamped.
pub fn parse_limit(value: &str) -> Result<i64, Error> {
    let text = value.trim();
    let bad = |why: &str| {
        Error::usage(format!(
            "invalid --limit '{value}': {why}; expected a whole number of 0 or more, e.g. 2000"
        ))
    };
    if text.is_empty() {
        return Err(bad("it is empty"));
    }
    if text.starts_with('-') {
        return Err(bad("a quota limit cannot be negative"));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(
            "only the digits 0-9 are allowed (no sign, fraction or exponent)",
        ));
    }
    text.parse::<i64>()
        .map_err(|_| bad(&format!("the API accepts at most {}", i64::MAX)))
}

/// `--api-token` is only valid with `--type Text`.
pub fn check_api_token(
    quota_type: Option<QuotaType>,
    api_token: Option<&str>,
) -> Result<(), Error> {
    match (quota_type, api_token) {
        (_, Some(token)) if token.trim().is_empty() => Err(Error::usage("--api-token is empty")),
        (_, None) | (Some(QuotaType::Text), Some(_)) => Ok(()),
        (Some(other), Some(_)) => Err(Error::usage(format!(
            "--api-token is only valid with --type Text (not {}): api tokens have Text quotas only",
            other.as_str()
        ))),
        (None, Some(_)) => Err(Error::usage(
            "--api-token is only valid with --type Text: add --type Text",
        )),
    }
}

/// Which write action a change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Set,
    Create,
    Delete,
}

impl ChangeKind {
    pub fn action(self) -> &'static str {
        match self {
            ChangeKind::Set => ACTION_MODIFY,
            ChangeKind::Create => ACTION_CREATE,
            ChangeKind::Delete => ACTION_DELETE,
        }
    }

    /// Setting or deleting a value twice ends in the same state; creating does not.
    pub fn idempotency(self) -> Idempotency {
        match self {
            ChangeKind::Create => Idempotency::NotIdempotent,
            ChangeKind::Set | ChangeKind::Delete => Idempotency::Idempotent,
        }
    }
}

/// One validated set/create/delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaChange {
    pub kind: ChangeKind,
    pub sub_app_id: u64,
    pub quota_type: QuotaType,
    /// `None` for delete.
    pub limit: Option<i64>,
    pub api_token: Option<String>,
}

impl QuotaChange {
    /// The request body: `SubAppId` and `QuotaLimit` are JSON numbers.
    pub fn body(&self) -> Value {
        let mut body = json!({
            "SubAppId": self.sub_app_id,
            "QuotaType": self.quota_type.as_str(),
        });
        if let Some(limit) = self.limit {
            body["QuotaLimit"] = json!(limit);
        }
        if let Some(token) = &self.api_token {
            body["ApiToken"] = json!(token);
        }
        body
    }
}

#[derive(Debug, Deserialize)]
struct Empty {}

/// Sends a change; returns the RequestId.
pub async fn change(client: &Client<'_>, change: &QuotaChange) -> Result<Option<String>, Error> {
    let redact = change.api_token.iter().cloned().collect();
    let (_, request_id) = client
        .call::<Empty>(
            change.kind.action(),
            &change.body(),
            change.kind.idempotency(),
            redact,
        )
        .await?;
    Ok(request_id)
}

/// One row of DescribeAigcQuotas, numbers as the API wrote them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Quota {
    #[serde(rename = "QuotaType", default)]
    pub quota_type: String,
    #[serde(rename = "ApiToken", default)]
    pub api_token: Option<String>,
    #[serde(rename = "QuotaLimit", default)]
    pub quota_limit: Option<Number>,
    #[serde(rename = "Usage", default)]
    pub usage: Option<Number>,
}

impl Quota {
    pub fn limit_f64(&self) -> Option<f64> {
        self.quota_limit.as_ref().and_then(Number::as_f64)
    }

    pub fn usage_f64(&self) -> f64 {
        self.usage.as_ref().and_then(Number::as_f64).unwrap_or(0.0)
    }

    /// Usage as a percentage of the limit; `None` when there is no positive limit.
    pub fn used_percent(&self) -> Option<f64> {
        match self.limit_f64() {
            Some(limit) if limit > 0.0 => Some(self.usage_f64() / limit * 100.0),
            _ => None,
        }
    }

    /// An api token that is present and not empty.
    pub fn token(&self) -> Option<&str> {
        self.api_token.as_deref().filter(|t| !t.is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRequest {
    /// Sent only when known: `list` takes none (spec §4), `apply` names its application.
    pub sub_app_id: Option<u64>,
    pub quota_type: Option<QuotaType>,
    pub api_token: Option<String>,
}

impl ListRequest {
    pub fn body(&self, offset: u64) -> Value {
        let mut body = json!({
            "Limit": PAGE_LIMIT,
            "Offset": offset,
        });
        if let Some(id) = self.sub_app_id {
            body["SubAppId"] = json!(id);
        }
        if let Some(t) = self.quota_type {
            body["QuotaType"] = json!(t.as_str());
        }
        if let Some(token) = &self.api_token {
            body["ApiToken"] = json!(token);
        }
        body
    }
}

#[derive(Debug, Deserialize)]
struct ListResponse {
    #[serde(rename = "QuotaSet", default)]
    quota_set: Vec<Quota>,
    #[serde(rename = "TotalCount", default)]
    total_count: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuotaList {
    pub quotas: Vec<Quota>,
    /// One per page, in order.
    pub request_ids: Vec<String>,
}

/// Every quota: pages of 100 until `TotalCount` rows are read. A page that is empty before
/// then, or a `TotalCount` that changes between pages, is an error (exit 5), never a loop
/// or a silently incomplete list.
pub async fn list(client: &Client<'_>, request: &ListRequest) -> Result<QuotaList, Error> {
    let target = client.target(ACTION_DESCRIBE);
    let redact: Vec<String> = request.api_token.iter().cloned().collect();
    let mut quotas: Vec<Quota> = Vec::new();
    let mut request_ids = Vec::new();
    let mut expected: Option<u64> = None;
    loop {
        let offset = quotas.len() as u64;
        let (page, request_id) = client
            .call::<ListResponse>(
                ACTION_DESCRIBE,
                &request.body(offset),
                Idempotency::Idempotent,
                redact.clone(),
            )
            .await?;
        request_ids.extend(request_id);
        let total = page.total_count;
        if let Some(first) = expected {
            if first != total {
                return Err(Error::network(
                    &target,
                    format!(
                        "the quota list changed while it was read (TotalCount {first}, then {total} at Offset {offset}); run the command again"
                    ),
                ));
            }
        }
        expected = Some(total);
        if page.quota_set.is_empty() {
            if offset < total {
                return Err(Error::network(
                    &target,
                    format!(
                        "the answer at Offset {offset} has no rows although TotalCount is {total}; stopped instead of looping"
                    ),
                ));
            }
            break;
        }
        quotas.extend(page.quota_set);
        if quotas.len() as u64 >= total {
            break;
        }
    }
    Ok(QuotaList {
        quotas,
        request_ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_case_insensitive_with_units() {
        assert_eq!(QuotaType::parse("image").unwrap(), QuotaType::Image);
        assert_eq!(QuotaType::parse("TEXT").unwrap().unit(), "tokens");
        assert_eq!(QuotaType::Video.unit(), "seconds");
        let err = QuotaType::parse("Audio").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("Image, Video, Text"));
        assert_eq!(unit_of("Image"), "images");
        assert_eq!(unit_of("Other"), "units");
    }

    #[test]
    fn limit_is_a_whole_number_in_the_int64_range() {
        assert_eq!(parse_limit("0").unwrap(), 0);
        assert_eq!(parse_limit("2000").unwrap(), 2000);
        assert_eq!(parse_limit("9223372036854775807").unwrap(), i64::MAX);
        for bad in [
            "-1",
            "1.5",
            "1e3",
            "+5",
            "",
            " ",
            "0x10",
            "9223372036854775808",
            "99999999999999999999",
            "NaN",
        ] {
            let err = parse_limit(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad}");
            assert!(err.to_string().contains("--limit"), "{bad}: {err}");
        }
        assert!(parse_limit("-1")
            .unwrap_err()
            .to_string()
            .contains("negative"));
        assert!(parse_limit("99999999999999999999")
            .unwrap_err()
            .to_string()
            .contains("9223372036854775807"));
    }

    #[test]
    fn api_token_only_with_text() {
        assert!(check_api_token(Some(QuotaType::Text), Some("tok")).is_ok());
        assert!(check_api_token(Some(QuotaType::Image), None).is_ok());
        assert!(check_api_token(None, None).is_ok());
        assert_eq!(
            check_api_token(Some(QuotaType::Text), Some(" "))
                .unwrap_err()
                .exit_code(),
            2
        );
        for t in [Some(QuotaType::Image), Some(QuotaType::Video), None] {
            assert_eq!(check_api_token(t, Some("tok")).unwrap_err().exit_code(), 2);
        }
    }

    #[test]
    fn bodies_carry_numbers() {
        let change = QuotaChange {
            kind: ChangeKind::Set,
            sub_app_id: 200000004,
            quota_type: QuotaType::Image,
            limit: Some(2000),
            api_token: None,
        };
        assert_eq!(
            change.body(),
            json!({"SubAppId": 200000004, "QuotaType": "Image", "QuotaLimit": 2000})
        );
        let delete = QuotaChange {
            kind: ChangeKind::Delete,
            limit: None,
            quota_type: QuotaType::Text,
            api_token: Some("tok-1".into()),
            ..change
        };
        assert_eq!(
            delete.body(),
            json!({"SubAppId": 200000004, "QuotaType": "Text", "ApiToken": "tok-1"})
        );
        assert_eq!(ChangeKind::Create.idempotency(), Idempotency::NotIdempotent);
        assert_eq!(ChangeKind::Set.idempotency(), Idempotency::Idempotent);
    }

    #[test]
    fn used_percent_needs_a_positive_limit() {
        let q = |limit: Option<i64>, usage: i64| Quota {
            quota_type: "Image".into(),
            api_token: None,
            quota_limit: limit.map(Number::from),
            usage: Some(Number::from(usage)),
        };
        assert_eq!(q(Some(2000), 500).used_percent(), Some(25.0));
        assert_eq!(q(Some(0), 5).used_percent(), None);
        assert_eq!(q(None, 5).used_percent(), None);
    }
}
