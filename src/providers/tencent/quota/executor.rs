//! The executor over Tencent Cloud VOD: each change is one `api::change` request
//! (CreateAigcQuota, ModifyAigcQuota, DeleteAigcQuota), and the current quotas are every
//! page of DescribeAigcQuotas. Retries follow the transport's rules: a create is not sent
//! again once it may have reached the server.

use crate::error::Error;
use crate::providers::tencent::client::Client;
use crate::providers::tencent::quota::api::{
    self, ChangeKind, ListRequest, Quota, QuotaChange, QuotaType,
};

use super::run::QuotaExecutor;

/// Sends the plan's changes for one application.
pub struct VodExecutor<'a> {
    pub client: &'a Client<'a>,
    pub sub_app_id: u64,
}

impl VodExecutor<'_> {
    async fn send(
        &self,
        kind: ChangeKind,
        quota_type: QuotaType,
        api_token: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Option<String>, Error> {
        let change = QuotaChange {
            kind,
            sub_app_id: self.sub_app_id,
            quota_type,
            limit,
            api_token: api_token.map(str::to_string),
        };
        api::change(self.client, &change).await
    }
}

impl QuotaExecutor for VodExecutor<'_> {
    async fn create(
        &mut self,
        quota_type: QuotaType,
        api_token: Option<&str>,
        limit: i64,
    ) -> Result<Option<String>, Error> {
        match self
            .send(ChangeKind::Create, quota_type, api_token, Some(limit))
            .await
        {
            // Not sent again (it may have been created): say how to find out.
            Err(Error::Network { target, detail }) => Err(Error::Network {
                target,
                detail: format!(
                    "{detail}. The quota may or may not have been created: run \
                     `aigcusage vod quota list --sub-app-id {} --type {}` to see whether it took effect",
                    self.sub_app_id,
                    quota_type.as_str()
                ),
            }),
            other => other,
        }
    }

    async fn modify(
        &mut self,
        quota_type: QuotaType,
        api_token: Option<&str>,
        limit: i64,
    ) -> Result<Option<String>, Error> {
        self.send(ChangeKind::Set, quota_type, api_token, Some(limit))
            .await
    }

    async fn delete(
        &mut self,
        quota_type: QuotaType,
        api_token: Option<&str>,
    ) -> Result<Option<String>, Error> {
        self.send(ChangeKind::Delete, quota_type, api_token, None)
            .await
    }
}

/// Every quota of the application (all pages), each once, for the plan.
pub async fn current_quotas(client: &Client<'_>, sub_app_id: u64) -> Result<Vec<Quota>, Error> {
    let request = ListRequest {
        sub_app_id: Some(sub_app_id),
        quota_type: None,
        api_token: None,
    };
    super::distinct::distinct_quotas(api::list(client, &request).await?.quotas)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use serde_json::{json, Value};
    use wiremock::matchers::{header, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::providers::tencent::client::Service;
    use crate::providers::tencent::credentials::TencentCredentials;
    use crate::providers::tencent::quota::file::parse;
    use crate::providers::tencent::quota::flow::{run_flow, FlowEnd, FlowIo, FlowOptions};
    use crate::providers::tencent::quota::plan::plan;
    use crate::secret::Secret;
    use crate::transport::{Transport, TransportOptions};

    fn ok(request_id: &str) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(json!({"Response": {"RequestId": request_id}}))
    }

    async fn mount(server: &MockServer, action: &str, answer: ResponseTemplate) {
        Mock::given(method("POST"))
            .and(header("X-TC-Action", action))
            .respond_with(answer)
            .mount(server)
            .await;
    }

    /// (action, body) of every request the server received, in order.
    async fn received(server: &MockServer) -> Vec<(String, Value)> {
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| {
                let action = r
                    .headers
                    .get("X-TC-Action")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                (
                    action,
                    serde_json::from_slice(&r.body).unwrap_or(Value::Null),
                )
            })
            .collect()
    }

    fn transport_and_credentials() -> (Transport, TencentCredentials) {
        let sink = Arc::new(Mutex::new(
            Box::new(std::io::sink()) as Box<dyn std::io::Write + Send>
        ));
        let transport = Transport::new(TransportOptions::default(), sink).unwrap();
        let credentials = TencentCredentials {
            id: "AKIDEXAMPLE".into(),
            secret: Secret::new("secret-key-example"),
            token: None,
        };
        (transport, credentials)
    }

    fn vod_client<'a>(
        transport: &'a Transport,
        credentials: &'a TencentCredentials,
        server: &MockServer,
    ) -> Client<'a> {
        Client {
            transport,
            credentials,
            service: Service {
                name: "vod",
                version: "2018-07-17",
                endpoint: server.uri(),
                region: None,
            },
        }
    }

    #[tokio::test]
    async fn a_file_is_planned_against_the_list_and_applied_in_order_over_http() {
        let server = MockServer::start().await;
        mount(
            &server,
            "DescribeAigcQuotas",
            ResponseTemplate::new(200).set_body_json(json!({"Response": {
                "QuotaSet": [
                    {"QuotaType": "Video", "QuotaLimit": 600, "Usage": 10},
                    {"QuotaType": "Text", "ApiToken": "tok-secret-abcd", "QuotaLimit": 1000, "Usage": 5}
                ],
                "TotalCount": 2,
                "RequestId": "list-1"
            }})),
        )
        .await;
        for action in ["DeleteAigcQuota", "ModifyAigcQuota", "CreateAigcQuota"] {
            mount(&server, action, ok(&format!("{action}-id"))).await;
        }

        let (transport, credentials) = transport_and_credentials();
        let client = vod_client(&transport, &credentials, &server);

        let env = [("AIGC_TOKEN_A".to_string(), "tok-secret-abcd".to_string())].into();
        let file = parse(
            std::path::Path::new("quotas.toml"),
            "sub_app_id = 200000004\n[[quota]]\ntype = \"Image\"\nlimit = 2000\n[[quota]]\ntype = \"Text\"\nlimit = 5000\napi_token_env = \"AIGC_TOKEN_A\"\n",
            &env,
        )
        .unwrap();
        let current = current_quotas(&client, 200000004).await.unwrap();
        let plan = plan(&file.quotas, &current, true);
        let mut executor = VodExecutor {
            client: &client,
            sub_app_id: 200000004,
        };
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let mut ask = |_: String| -> futures::future::LocalBoxFuture<'_, Result<bool, Error>> {
            Box::pin(async { Ok(false) })
        };
        let options = FlowOptions {
            sub_app_id: 200000004,
            dry_run: false,
            yes: true,
            interactive: false,
            json: false,
            output_is_terminal: false,
        };
        let io = FlowIo {
            stdout: &mut stdout,
            stderr: &mut stderr,
            ask: &mut ask,
        };
        let end = run_flow(&plan, options, &mut executor, io, || false)
            .await
            .unwrap();
        assert_eq!(end, FlowEnd::Done);

        let requests = received(&server).await;
        let actions: Vec<&str> = requests.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            actions,
            [
                "DescribeAigcQuotas",
                "DeleteAigcQuota",
                "ModifyAigcQuota",
                "CreateAigcQuota"
            ]
        );
        assert_eq!(
            requests[1].1,
            json!({"SubAppId": 200000004, "QuotaType": "Video"})
        );
        assert_eq!(
            requests[2].1,
            json!({"SubAppId": 200000004, "QuotaType": "Text", "QuotaLimit": 5000, "ApiToken": "tok-secret-abcd"})
        );
        assert_eq!(
            requests[3].1,
            json!({"SubAppId": 200000004, "QuotaType": "Image", "QuotaLimit": 2000})
        );
        let stdout = String::from_utf8(stdout).unwrap();
        assert!(
            stdout.contains("applied: create Image limit 2000 (RequestId CreateAigcQuota-id)"),
            "{stdout}"
        );
        assert!(!stdout.contains("tok-secret"), "{stdout}");
    }

    #[tokio::test]
    async fn a_provider_error_stops_the_run_with_exit_4() {
        let server = MockServer::start().await;
        mount(&server, "DeleteAigcQuota", ok("del-1")).await;
        mount(
            &server,
            "ModifyAigcQuota",
            ResponseTemplate::new(200).set_body_json(json!({"Response": {
                "Error": {"Code": "InvalidParameterValue.QuotaLimit", "Message": "bad limit"},
                "RequestId": "mod-1"
            }})),
        )
        .await;
        let (transport, credentials) = transport_and_credentials();
        let client = vod_client(&transport, &credentials, &server);
        let plan = plan(
            &[crate::providers::tencent::quota::plan::tests::desired(
                QuotaType::Image,
                None,
                5,
            )],
            &[
                crate::providers::tencent::quota::plan::tests::current("Image", None, 1),
                crate::providers::tencent::quota::plan::tests::current("Video", None, 1),
            ],
            true,
        );
        let mut executor = VodExecutor {
            client: &client,
            sub_app_id: 7,
        };
        let outcome =
            crate::providers::tencent::quota::run::apply(&plan, &mut executor, || false).await;
        assert_eq!(outcome.applied.len(), 1);
        assert_eq!(outcome.applied[0].request_id.as_deref(), Some("del-1"));
        match outcome.stopped {
            Some(crate::providers::tencent::quota::run::Stop::Failed { index: 1, error }) => {
                assert_eq!(error.exit_code(), 4);
                assert!(error.to_string().contains("(RequestId mod-1)"), "{error}");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(received(&server).await.len(), 2);
    }
}
