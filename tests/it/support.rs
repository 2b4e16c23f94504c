//! Shared helpers: a hermetic `aigcusage` command and a local Tencent Cloud API that
//! checks the TC3 signature and headers of every request, as the real one does.

use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone};
use serde_json::{json, Value};
use wiremock::{Request, Respond, ResponseTemplate};

use aigcusage::providers::tencent::sign::{self, Tc3Request};
use aigcusage::secret::Secret;

pub const SECRET_ID: &str = "AKIDtestEXAMPLEid0000000000wxyz";
pub const SECRET_KEY: &str = "TESTsecretKEYnever-printed-0000";
pub const TOKEN: &str = "TESTsessionTOKENnever-printed-000";

/// The binary with an empty environment: nothing of the developer's machine leaks in.
pub fn aigcusage() -> Command {
    let mut cmd = Command::cargo_bin("aigcusage").expect("binary built");
    cmd.env_clear()
        .env("HOME", "/nonexistent-aigcusage-test-home")
        .env("COLUMNS", "120")
        .env("TZ", "UTC");
    cmd
}

/// `aigcusage()` with Tencent credentials pointing at a local VOD.
pub fn with_tencent(endpoint: &str) -> Command {
    let mut cmd = aigcusage();
    cmd.env("TENCENTCLOUD_SECRET_ID", SECRET_ID)
        .env("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
        .env("AIGCUSAGE_VOD_ENDPOINT", endpoint)
        .env("AIGCUSAGE_LKE_ENDPOINT", endpoint);
    cmd
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// stdout parsed as JSON; on failure the panic shows both streams.
pub fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            stdout(output),
            stderr(output)
        )
    })
}

/// Runs the binary and asserts that no test secret of any provider appears in its output.
pub fn run(cmd: &mut Command) -> std::process::Output {
    let output = cmd.output().expect("binary runs");
    assert_no_secrets(&output);
    assert_no_alibaba_secrets(&output);
    assert_no_acedata_token(&output);
    output
}

/// Asserts that no secret of the test credentials appears in the output.
pub fn assert_no_secrets(output: &std::process::Output) {
    for stream in [&output.stdout, &output.stderr] {
        let text = String::from_utf8_lossy(stream);
        for secret in [SECRET_KEY, TOKEN, SECRET_ID] {
            assert!(!text.contains(secret), "a secret leaked: {text}");
        }
    }
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks a request the way Tencent Cloud does: headers present, timestamp fresh,
/// signature recomputed from what was received. `Err` holds the error code to answer.
pub fn verify_tc3(request: &Request, service: &str, version: &str) -> Result<(), (String, String)> {
    let fail = |code: &str, message: String| Err((code.to_string(), message));
    if request.method.as_str() != "POST" {
        return fail("InvalidParameter", format!("method {}", request.method));
    }
    let Some(content_type) = header(request, "content-type") else {
        return fail("InvalidParameter", "no Content-Type".into());
    };
    if content_type != "application/json" {
        return fail("InvalidParameter", format!("Content-Type {content_type}"));
    }
    if header(request, "x-tc-version") != Some(version) {
        return fail(
            "InvalidParameter",
            format!("X-TC-Version {:?}", header(request, "x-tc-version")),
        );
    }
    let Some(timestamp) = header(request, "x-tc-timestamp").and_then(|t| t.parse::<i64>().ok())
    else {
        return fail("MissingParameter", "X-TC-Timestamp".into());
    };
    let skew = (chrono::Utc::now().timestamp() - timestamp).abs();
    if skew > 300 {
        return fail(
            "AuthFailure.SignatureExpire",
            format!("timestamp off by {skew} s"),
        );
    }
    let host = header(request, "host").unwrap_or_default().to_string();
    let tc3 = Tc3Request {
        method: "POST",
        host: &host,
        query: "",
        content_type,
        payload: &request.body,
        service,
    };
    let expected = sign::sign(&tc3, SECRET_ID, &Secret::new(SECRET_KEY), timestamp);
    match header(request, "authorization") {
        Some(auth) if auth == expected.authorization => Ok(()),
        Some(auth) => fail(
            "AuthFailure.SignatureFailure",
            format!("The provided credentials could not be validated. got {auth}"),
        ),
        None => fail("AuthFailure.SignatureFailure", "no Authorization".into()),
    }
}

pub fn tencent_error(code: &str, message: &str, request_id: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}
    }))
}

/// A Tencent action: verifies the signature, then answers with `answer(body)`.
pub struct Tencent<F> {
    pub service: &'static str,
    pub version: &'static str,
    pub answer: F,
    /// Every verified JSON body, in arrival order.
    pub bodies: Arc<Mutex<Vec<Value>>>,
}

impl<F> Respond for Tencent<F>
where
    F: Fn(&Value) -> ResponseTemplate + Send + Sync + 'static,
{
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if let Err((code, message)) = verify_tc3(request, self.service, self.version) {
            return tencent_error(&code, &message, "req-signature-check");
        }
        let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
            return tencent_error("InvalidParameter", "body is not JSON", "req-bad-json");
        };
        self.bodies.lock().unwrap().push(body.clone());
        (self.answer)(&body)
    }
}

fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap()
}

/// Answers DescribeAigcUsageData like VOD: refuses spans over 90 days, answers days
/// (span over one day) or 5-minute points, starting with the day before StartTime as the
/// seed example does. Usage of a day = its day of month × `scale`; count = 1.
pub fn vod_usage_answer(body: &Value, specifications: &[&str], scale: f64) -> ResponseTemplate {
    let parse = |key: &str| {
        body[key]
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
    };
    let (Some(start), Some(end)) = (parse("StartTime"), parse("EndTime")) else {
        return tencent_error("InvalidParameterValue", "StartTime/EndTime", "req-bad-time");
    };
    if end < start || end - start > Duration::days(90) {
        return tencent_error(
            "InvalidParameterValue",
            "time span over 90 days",
            "req-span",
        );
    }
    let mut data = Vec::new();
    if end - start > Duration::days(1) {
        let first = start.with_timezone(&cst()).date_naive() - Duration::days(1);
        let last = end.with_timezone(&cst()).date_naive();
        let mut day = first;
        while day <= last {
            let time = cst()
                .from_local_datetime(&day.and_time(NaiveTime::MIN))
                .unwrap();
            let usage = if day < start.with_timezone(&cst()).date_naive() {
                0.0
            } else {
                f64::from(chrono::Datelike::day(&day)) * scale
            };
            data.push(json!({"Time": time.to_rfc3339(), "Count": if usage > 0.0 {1} else {0}, "Usage": usage}));
            day += Duration::days(1);
        }
    } else {
        let mut time = start.with_timezone(&cst());
        while time <= end {
            data.push(json!({"Time": time.to_rfc3339(), "Count": 1, "Usage": scale}));
            time += Duration::minutes(5);
        }
    }
    let set: Vec<Value> = specifications
        .iter()
        .map(|spec| json!({"Specification": spec, "DataSet": data}))
        .collect();
    ResponseTemplate::new(200).set_body_json(json!({
        "Response": {"AigcUsageDataSet": set, "RequestId": "req-usage-ok"}
    }))
}

// ---------------------------------------------------------------------------------------
// Alibaba Cloud: a local API gateway that verifies ACS3-HMAC-SHA256 as the real one does.
// ---------------------------------------------------------------------------------------

pub const ALIBABA_KEY_ID: &str = "LTAI5tTESTaccessKEYid00wxyz";
pub const ALIBABA_SECRET: &str = "TESTalibabaSECRETnever-printed-0";
pub const ALIBABA_TOKEN: &str = "CAISTESTstsTOKENnever-printed-0000+/==";

/// `aigcusage()` with Alibaba Cloud credentials pointing at a local ModelRouter.
pub fn with_alibaba(endpoint: &str) -> Command {
    let mut cmd = aigcusage();
    cmd.env("ALIBABA_CLOUD_ACCESS_KEY_ID", ALIBABA_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ALIBABA_SECRET)
        .env("AIGCUSAGE_MODELROUTER_ENDPOINT", endpoint);
    cmd
}

/// Asserts that neither the Alibaba secret, the STS token nor the whole access key id
/// appears in the output.
pub fn assert_no_alibaba_secrets(output: &std::process::Output) {
    for stream in [&output.stdout, &output.stderr] {
        let text = String::from_utf8_lossy(stream);
        for secret in [ALIBABA_SECRET, ALIBABA_TOKEN, ALIBABA_KEY_ID] {
            assert!(!text.contains(secret), "a secret leaked: {text}");
        }
    }
}

/// A request the local gateway accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// The decoded query pairs, in the order received.
    pub query: Vec<(String, String)>,
    pub nonce: String,
    /// `SignedHeaders` of the Authorization.
    pub signed_headers: Vec<String>,
    pub security_token: Option<String>,
}

impl Received {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The query as `k=v&...` (decoded), sorted by key, for exact assertions.
    pub fn sorted_query(&self) -> String {
        let mut pairs: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        pairs.sort();
        pairs.join("&")
    }
}

/// A gateway error: `{"RequestId", "HostId", "Code", "Message", "Recommend"}`.
pub fn alibaba_gateway_error(
    status: u16,
    code: &str,
    message: &str,
    request_id: &str,
) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "RequestId": request_id,
        "HostId": "aicontent.aliyuncs.com",
        "Code": code,
        "Message": message,
        "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}"),
    }))
}

/// What the gateway expects of every request.
pub struct Acs3Expectation<'a> {
    pub action: &'a str,
    pub version: &'a str,
    pub path: &'a str,
    /// The STS token that must be sent (and signed), or `None` for none at all.
    pub security_token: Option<&'a str>,
}

/// Checks a request the way the Alibaba gateway does: method, path, action, version,
/// date within 15 minutes, payload hash, signed headers (host and every x-acs-* header
/// received), and the signature recomputed from what was received. A nonce is accepted
/// once only. `Err` is the (status, code, message) to answer.
pub fn verify_acs3(
    request: &Request,
    expected: &Acs3Expectation,
    nonces: &Mutex<std::collections::HashSet<String>>,
) -> Result<Received, (u16, String, String)> {
    use aigcusage::providers::alibaba::sign as acs3;
    let fail = |status: u16, code: &str, message: String| Err((status, code.to_string(), message));
    if request.method.as_str() != "GET" {
        return fail(
            405,
            "UnsupportedHTTPMethod",
            format!("method {}", request.method),
        );
    }
    let path = request.url.path().to_string();
    if path != expected.path {
        return fail(404, "InvalidAction.NotFound", format!("path {path}"));
    }
    if header(request, "x-acs-action") != Some(expected.action) {
        return fail(
            400,
            "MissingParameter",
            format!("x-acs-action {:?}", header(request, "x-acs-action")),
        );
    }
    if header(request, "x-acs-version") != Some(expected.version) {
        return fail(
            400,
            "InvalidVersion",
            format!("x-acs-version {:?}", header(request, "x-acs-version")),
        );
    }
    let Some(date) = header(request, "x-acs-date") else {
        return fail(400, "MissingParameter", "x-acs-date".into());
    };
    let Ok(sent_at) = chrono::NaiveDateTime::parse_from_str(date, "%Y-%m-%dT%H:%M:%SZ") else {
        return fail(400, "InvalidTimeStamp.Format", format!("x-acs-date {date}"));
    };
    let skew = (chrono::Utc::now().naive_utc() - sent_at)
        .num_seconds()
        .abs();
    if skew > 15 * 60 {
        return fail(400, "InvalidTimeStamp.Expired", format!("off by {skew} s"));
    }
    let Some(nonce) = header(request, "x-acs-signature-nonce").map(str::to_string) else {
        return fail(400, "MissingParameter", "x-acs-signature-nonce".into());
    };
    if header(request, "x-acs-content-sha256") != Some(acs3::hashed_payload(&request.body).as_str())
    {
        return fail(
            400,
            "InvalidParameter",
            "x-acs-content-sha256 does not match the body".into(),
        );
    }
    let token = header(request, acs3::SECURITY_TOKEN_HEADER).map(str::to_string);
    if token.as_deref() != expected.security_token {
        return fail(
            400,
            "InvalidSecurityToken.Mismatch",
            format!("security token sent: {}", token.is_some()),
        );
    }

    let Some(authorization) = header(request, "authorization") else {
        return fail(400, "MissingAuthorization", "no Authorization".into());
    };
    let Some(fields) = authorization.strip_prefix("ACS3-HMAC-SHA256 ") else {
        return fail(
            400,
            "IncompleteSignature",
            format!("algorithm of {authorization}"),
        );
    };
    let field = |name: &str| {
        fields
            .split(',')
            .find_map(|part| part.strip_prefix(&format!("{name}=")))
    };
    let (Some(credential), Some(signed), Some(_)) = (
        field("Credential"),
        field("SignedHeaders"),
        field("Signature"),
    ) else {
        return fail(400, "IncompleteSignature", authorization.to_string());
    };
    if credential != ALIBABA_KEY_ID {
        return fail(
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.".into(),
        );
    }
    let signed_headers: Vec<String> = signed.split(';').map(str::to_string).collect();
    for (name, _) in request.headers.iter() {
        let name = name.as_str();
        if (name == "host" || name.starts_with("x-acs-"))
            && !signed_headers.iter().any(|s| s == name)
        {
            return fail(
                400,
                "IncompleteSignature",
                format!("header {name} is not signed"),
            );
        }
    }
    let mut headers = Vec::new();
    for name in &signed_headers {
        let Some(value) = header(request, name) else {
            return fail(
                400,
                "IncompleteSignature",
                format!("signed header {name} not sent"),
            );
        };
        headers.push((name.clone(), value.to_string()));
    }
    let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    let expected_signature = acs3::sign(
        &acs3::Acs3Request {
            method: "GET",
            pathname: &path,
            query: &query,
            headers: &headers,
            body: &request.body,
        },
        ALIBABA_KEY_ID,
        &Secret::new(ALIBABA_SECRET),
    );
    if authorization != expected_signature.authorization {
        return fail(
            400,
            "SignatureDoesNotMatch",
            "The request signature does not conform to Aliyun standards.".into(),
        );
    }
    if !nonces.lock().unwrap().insert(nonce.clone()) {
        return fail(
            400,
            "SignatureNonceUsed",
            "The request signature nonce has been used.".into(),
        );
    }
    Ok(Received {
        query,
        nonce,
        signed_headers,
        security_token: token,
    })
}

/// An Alibaba ROA API: verifies every request, then answers `answer(request, n)` where
/// `n` counts the requests accepted before this one.
pub struct Alibaba<F> {
    pub action: &'static str,
    pub version: &'static str,
    pub path: &'static str,
    pub security_token: Option<&'static str>,
    pub answer: F,
    /// Every accepted request, in arrival order.
    pub received: Arc<Mutex<Vec<Received>>>,
    pub nonces: Arc<Mutex<std::collections::HashSet<String>>>,
}

impl<F> Respond for Alibaba<F>
where
    F: Fn(&Received, usize) -> ResponseTemplate + Send + Sync + 'static,
{
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let expected = Acs3Expectation {
            action: self.action,
            version: self.version,
            path: self.path,
            security_token: self.security_token,
        };
        match verify_acs3(request, &expected, &self.nonces) {
            Ok(received) => {
                let n = {
                    let mut all = self.received.lock().unwrap();
                    all.push(received.clone());
                    all.len() - 1
                };
                (self.answer)(&received, n)
            }
            Err((status, code, message)) => {
                alibaba_gateway_error(status, &code, &message, "req-gateway-check")
            }
        }
    }
}

/// A successful Tencent answer: `{"Response": response}`.
pub fn tencent_ok(response: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "Response": response }))
}

/// Mounts a Tencent action that verifies signatures (service, version) and answers with
/// `answer(body)`; returns the bodies it received.
pub async fn mount_tencent<F>(
    server: &wiremock::MockServer,
    service: &'static str,
    version: &'static str,
    action: &str,
    answer: F,
) -> Arc<Mutex<Vec<Value>>>
where
    F: Fn(&Value) -> ResponseTemplate + Send + Sync + 'static,
{
    let bodies: Arc<Mutex<Vec<Value>>> = Arc::default();
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::header("X-TC-Action", action))
        .respond_with(Tencent {
            service,
            version,
            answer,
            bodies: bodies.clone(),
        })
        .mount(server)
        .await;
    bodies
}

/// An AceData platform token for tests (never printed: only its last 4 characters).
pub const ACEDATA_TOKEN: &str = "platform-v1-TESTtokenNEVERprinted0000abcd";

/// `aigcusage()` with an AceData token pointing at a local AceData.
pub fn with_acedata(endpoint: &str) -> Command {
    let mut cmd = aigcusage();
    cmd.env("ACEDATACLOUD_PLATFORM_TOKEN", ACEDATA_TOKEN)
        .env("AIGCUSAGE_ACEDATA_ENDPOINT", endpoint);
    cmd
}

/// Asserts that the AceData token appears nowhere in the output.
pub fn assert_no_acedata_token(output: &std::process::Output) {
    for stream in [&output.stdout, &output.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(
            !text.contains(ACEDATA_TOKEN),
            "the AceData token leaked: {text}"
        );
    }
}

/// The AceData usage API: GET only, refuses (401, JSON `detail`) any request without
/// `authorization: Bearer <ACEDATA_TOKEN>`, records the query pairs of every accepted
/// request in order (repeated keys kept), then answers with `answer(pairs)`.
pub struct AceData<F> {
    pub answer: F,
    pub queries: AceDataQueries,
}

/// The query pairs of every accepted AceData request, in arrival order.
pub type AceDataQueries = Arc<Mutex<Vec<Vec<(String, String)>>>>;

impl<F> Respond for AceData<F>
where
    F: Fn(&[(String, String)]) -> ResponseTemplate + Send + Sync + 'static,
{
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.method.as_str() != "GET" {
            return ResponseTemplate::new(405)
                .set_body_json(json!({"detail": "Method not allowed."}));
        }
        if header(request, "authorization") != Some(&format!("Bearer {ACEDATA_TOKEN}")) {
            return ResponseTemplate::new(401).set_body_json(json!({
                "detail": "Authentication credentials were not provided or are invalid."
            }));
        }
        let pairs: Vec<(String, String)> = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        self.queries.lock().unwrap().push(pairs.clone());
        (self.answer)(&pairs)
    }
}

/// A deterministic answer of `apis` APIs × `days` days from `first_day` (UTC), the shape
/// of the seed example: rows grouped by date, `total` = the sum of the rows, `api_map`
/// naming every API.
pub fn acedata_body(apis: usize, days: usize, first_day: chrono::NaiveDate) -> String {
    use std::fmt::Write;
    let mut body = String::with_capacity(apis * days * 70 + apis * 100);
    body.push_str("{\"results\": [");
    let mut total = 0.0;
    for d in 0..days {
        let date = first_day + Duration::days(d as i64);
        for a in 0..apis {
            let amount = ((a * 7 + d * 3) % 1000) as f64 / 4.0;
            total += amount;
            if d + a > 0 {
                body.push(',');
            }
            write!(
                body,
                "{{\"date\": \"{date}\", \"api_id\": \"api-{a:05}\", \"amount\": {amount}}}"
            )
            .unwrap();
        }
    }
    write!(body, "], \"total\": {total}, \"api_map\": {{").unwrap();
    for a in 0..apis {
        if a > 0 {
            body.push(',');
        }
        write!(
            body,
            "\"api-{a:05}\": {{\"name\": \"API {a:05}\", \"path\": \"/v1/api/{a}\"}}"
        )
        .unwrap();
    }
    body.push_str("}}");
    body
}

/// The Tencent actions (`X-TC-Action`) a local server received, in order.
pub async fn tencent_actions(server: &wiremock::MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.headers
                .get("X-TC-Action")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}
