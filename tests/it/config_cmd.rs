//! `config init|show|path`, profiles and settings through the real binary (spec §3).

use std::os::unix::fs::PermissionsExt;

use wiremock::matchers::method;
use wiremock::{Mock, MockServer};

use crate::support::*;

fn home() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn in_home(dir: &tempfile::TempDir) -> assert_cmd::Command {
    let mut cmd = aigcusage();
    cmd.env("HOME", dir.path());
    cmd
}

#[test]
fn path_init_and_refusing_to_overwrite() {
    let dir = home();
    let expected = dir.path().join(".config/aigcusage/config.toml");
    let output = run(in_home(&dir).args(["config", "path"]));
    assert!(output.status.success());
    assert_eq!(stdout(&output).trim(), expected.display().to_string());

    let output = run(in_home(&dir).args(["config", "init"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let mode = std::fs::metadata(&expected).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let template = std::fs::read_to_string(&expected).unwrap();
    assert!(template.contains("[default.tencent]"), "{template}");

    let again = run(in_home(&dir).args(["config", "init"]));
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(std::fs::read_to_string(&expected).unwrap(), template);
    assert!(run(in_home(&dir).args(["config", "init", "--force"]))
        .status
        .success());
}

#[test]
fn show_names_origins_and_redacts_secrets() {
    let dir = home();
    let file = dir.path().join("c.toml");
    std::fs::write(
        &file,
        format!("[default.tencent]\nsecret_id = \"{SECRET_ID}\"\nsecret_key = \"{SECRET_KEY}\"\n"),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let output = run(in_home(&dir)
        .env("AIGCUSAGE_CONFIG", &file)
        .env("AIGCUSAGE_VOD_ENDPOINT", "http://127.0.0.1:9")
        .args(["config", "show", "--tz", "Asia/Shanghai"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name}: {text}"))
            .to_string()
    };
    assert!(line("tencent.secret_id").contains("****wxyz"), "{text}");
    assert!(line("tencent.secret_id").ends_with("file"), "{text}");
    assert!(line("tencent.vod_endpoint").ends_with("env"), "{text}");
    assert!(
        line("tz ").contains("Asia/Shanghai") && line("tz ").ends_with("flag"),
        "{text}"
    );
    assert!(line("output").ends_with("default"), "{text}");
    assert!(stderr(&output).is_empty(), "a 0600 file gets no warning");
}

#[test]
fn a_secret_file_readable_by_others_gets_a_warning() {
    let dir = home();
    let file = dir.path().join("c.toml");
    std::fs::write(
        &file,
        format!("[default.acedata]\ntoken = \"{ACEDATA_TOKEN}\"\n"),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let output = run(in_home(&dir).args(["--config", file.to_str().unwrap(), "config", "show"]));
    assert!(output.status.success());
    assert!(
        stderr(&output).contains("readable by others"),
        "{}",
        stderr(&output)
    );
    let quiet =
        run(in_home(&dir).args(["--config", file.to_str().unwrap(), "config", "show", "-q"]));
    assert!(quiet.stderr.is_empty());
}

#[test]
fn a_malformed_file_is_exit_3_with_file_and_line() {
    let dir = home();
    let file = dir.path().join("c.toml");
    std::fs::write(&file, "[default]\noutput = \"json\"\n[default.tencent\n").unwrap();
    let output = run(in_home(&dir).args([
        "--config",
        file.to_str().unwrap(),
        "vod",
        "usage",
        "--type",
        "Video",
    ]));
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&output).contains(&format!("{}:3", file.display())),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_named_config_file_that_does_not_exist_is_exit_3() {
    let dir = home();
    let output = run(in_home(&dir)
        .env("AIGCUSAGE_CONFIG", dir.path().join("missing.toml"))
        .args(["vod", "usage", "--type", "Video"]));
    assert_eq!(output.status.code(), Some(3));
}

/// `--profile prod` means prod's keys even when TENCENTCLOUD_* are set; without a named
/// profile the environment wins over the default profile.
#[tokio::test(flavor = "multi_thread")]
async fn an_explicit_profile_wins_over_credential_env_vars() {
    let server = MockServer::start().await;
    let bodies = std::sync::Arc::default();
    Mock::given(method("POST"))
        .respond_with(Tencent {
            service: "vod",
            version: "2018-07-17",
            answer: |body: &serde_json::Value| vod_usage_answer(body, &["spec"], 1.0),
            bodies,
        })
        .mount(&server)
        .await;
    let dir = home();
    let file = dir.path().join("c.toml");
    // prod holds the keys the local VOD accepts; default holds wrong ones.
    std::fs::write(
        &file,
        format!(
            "[default.tencent]\nsecret_id = \"AKIDdefault00000000000\"\nsecret_key = \"wrong-key-000000000\"\n\
             [prod.tencent]\nsecret_id = \"{SECRET_ID}\"\nsecret_key = \"{SECRET_KEY}\"\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let base = |cmd: &mut assert_cmd::Command| {
        cmd.env("AIGCUSAGE_CONFIG", &file)
            .env("AIGCUSAGE_VOD_ENDPOINT", server.uri())
            .env("TENCENTCLOUD_SECRET_ID", "AKIDenvironment000000")
            .env("TENCENTCLOUD_SECRET_KEY", "env-key-that-is-wrong-0")
            .args([
                "vod", "usage", "--type", "Video", "--last", "2d", "-o", "json",
            ]);
    };
    let mut named = in_home(&dir);
    base(&mut named);
    let output = run(named.args(["--profile", "prod"]));
    assert!(output.status.success(), "{}", stderr(&output));

    let mut by_env = in_home(&dir);
    base(&mut by_env);
    let output = run(by_env.env("AIGCUSAGE_PROFILE", "prod"));
    assert!(output.status.success(), "{}", stderr(&output));

    // No named profile: the (wrong) environment keys are used, and the server says so.
    let mut unnamed = in_home(&dir);
    base(&mut unnamed);
    let output = run(&mut unnamed);
    assert_eq!(output.status.code(), Some(4));
    assert!(stderr(&output).contains("AuthFailure.SignatureFailure"));
}

#[tokio::test(flavor = "multi_thread")]
async fn output_comes_from_the_environment_and_json_flag() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(Tencent {
            service: "vod",
            version: "2018-07-17",
            answer: |body: &serde_json::Value| vod_usage_answer(body, &["spec"], 1.0),
            bodies: std::sync::Arc::default(),
        })
        .mount(&server)
        .await;
    let csv = run(with_tencent(&server.uri())
        .env("AIGCUSAGE_OUTPUT", "csv")
        .args(["vod", "usage", "--type", "Video", "--last", "2d"]));
    assert!(
        stdout(&csv).starts_with("time,provider,source,series,metric,unit,value,partial,labels\n")
    );
    let json = run(with_tencent(&server.uri())
        .env("AIGCUSAGE_OUTPUT", "csv")
        .args(["vod", "usage", "--type", "Video", "--last", "2d", "--json"]));
    assert_eq!(json_of(&json)["schema_version"], 1);
    let bad = run(with_tencent(&server.uri())
        .env("AIGCUSAGE_OUTPUT", "xml")
        .args(["vod", "usage", "--type", "Video"]));
    assert_eq!(bad.status.code(), Some(3));
}

#[test]
fn an_unreadable_ssl_cert_file_is_exit_3() {
    let output = run(with_tencent("https://127.0.0.1:9")
        .env("SSL_CERT_FILE", "/nonexistent/ca.pem")
        .args(["vod", "usage", "--type", "Video"]));
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&output).contains("SSL_CERT_FILE"),
        "{}",
        stderr(&output)
    );

    // A file that is not PEM at all holds no certificate: exit 3 too, not a TLS failure
    // later.
    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("ca.py");
    std::fs::write(&not_pem, "print('not a certificate')\n").unwrap();
    let output = run(with_tencent("https://127.0.0.1:9")
        .env("SSL_CERT_FILE", &not_pem)
        .args(["vod", "usage", "--type", "Video"]));
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("no PEM certificate in it"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn no_colour_when_stdout_is_not_a_terminal() {
    let output = run(aigcusage().args(["report", "--demo"]));
    assert!(output.status.success());
    assert!(
        !stdout(&output).contains('\u{1b}'),
        "ANSI escapes in piped output"
    );
}

/// A one-shot HTTPS VOD on 127.0.0.1 with a certificate no system trusts: it answers the
/// VOD seed shape to every request on every connection.
async fn https_vod() -> (u16, String) {
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls;

    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let pem = cert.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Read until the end of the headers and the small JSON body.
                while let Ok(n) = tls.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    request.extend_from_slice(&buf[..n]);
                    if request.ends_with(b"}") {
                        break;
                    }
                }
                let body = r#"{"Response":{"AigcUsageDataSet":[],"RequestId":"tls-ok"}}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, pem)
}

#[tokio::test(flavor = "multi_thread")]
async fn ssl_cert_file_adds_a_trusted_root() {
    let (port, pem) = https_vod().await;
    let dir = home();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, pem).unwrap();
    let endpoint = format!("https://localhost:{port}");

    let untrusted =
        run(with_tencent(&endpoint).args(["vod", "usage", "--type", "Video", "--retries", "0"]));
    assert_eq!(untrusted.status.code(), Some(5), "{}", stderr(&untrusted));

    let trusted = run(with_tencent(&endpoint)
        .env("SSL_CERT_FILE", &ca)
        .args(["vod", "usage", "--type", "Video", "-o", "json"]));
    assert!(trusted.status.success(), "{}", stderr(&trusted));
    assert_eq!(json_of(&trusted)["schema_version"], 1);
}
