//! `vod quota delete` and `apply` asking on a terminal: the binary's stdin and stderr are a
//! pseudo-terminal this test drives (its stdout a pipe), to check that a signal ends an
//! unanswered question at once, that the plan is seen before the question, and that the
//! time the user takes is not counted by `--deadline` (spec §4, §7).

use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::MockServer;

use crate::support::*;

/// The binary under test on a pseudo-terminal, and what it wrote there (its stderr).
struct OnTerminal {
    child: Child,
    master: std::fs::File,
    screen: Arc<Mutex<Vec<u8>>>,
}

impl OnTerminal {
    fn start(endpoint: &str, args: &[&str]) -> Self {
        let (mut master_fd, mut slave_fd) = (0, 0);
        // SAFETY: openpty writes two new descriptors into the ints it is given; the name,
        // termios and window size may be null.
        let rc = unsafe {
            libc::openpty(
                &mut master_fd,
                &mut slave_fd,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty failed");
        // SAFETY: both descriptors were just opened and are owned by nothing else.
        let (master, slave) = unsafe {
            (
                std::fs::File::from_raw_fd(master_fd),
                std::fs::File::from_raw_fd(slave_fd),
            )
        };
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("aigcusage"));
        cmd.args(args)
            .env_clear()
            .env("HOME", "/nonexistent-aigcusage-test-home")
            .env("TENCENTCLOUD_SECRET_ID", SECRET_ID)
            .env("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
            .env("AIGCUSAGE_VOD_ENDPOINT", endpoint)
            .env("AIGC_TOKEN_A", "aigc-prompt-SECRET-token-9f2e")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .stdout(Stdio::piped());
        let child = cmd.spawn().unwrap();
        // The slave's last copies go with `cmd`: reading the master then ends with the child.
        drop(cmd);
        let screen = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().unwrap();
        let sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        OnTerminal {
            child,
            master,
            screen,
        }
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned()
    }

    /// Waits until the question is on the screen.
    fn wait_for_question(&self) {
        let started = Instant::now();
        while !self.screen().contains("[y/N]") {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no question: {}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, signal: libc::c_int) {
        // SAFETY: sends a signal to the child this test started.
        assert_eq!(
            unsafe { libc::kill(self.child.id() as libc::pid_t, signal) },
            0
        );
    }

    fn answer(&mut self, line: &str) {
        self.master.write_all(line.as_bytes()).unwrap();
    }

    /// The exit code, stdout and the screen, failing if the binary takes longer than
    /// `limit` (it is killed then).
    fn finish_within(mut self, limit: Duration) -> (Option<i32>, String, String) {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "still running after {limit:?}; the screen: {}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let mut out = String::new();
        if let Some(mut stdout) = self.child.stdout.take() {
            stdout.read_to_string(&mut out).unwrap();
        }
        // What is left on the terminal reaches the reader shortly after the exit.
        std::thread::sleep(Duration::from_millis(100));
        let screen = self.screen();
        assert!(!screen.contains("SECRET"), "a secret leaked: {screen}");
        (status.code(), out, screen)
    }
}

async fn vod() -> MockServer {
    let server = MockServer::start().await;
    mount_tencent(&server, "vod", "2018-07-17", "DescribeAigcQuotas", |_| {
        tencent_ok(json!({
            "QuotaSet": [
                {"QuotaType": "Image", "QuotaLimit": 1000, "Usage": 0},
                {"QuotaType": "Video", "QuotaLimit": 600, "Usage": 0}
            ],
            "TotalCount": 2,
            "RequestId": "req-list"
        }))
    })
    .await;
    for action in ["DeleteAigcQuota", "ModifyAigcQuota", "CreateAigcQuota"] {
        mount_tencent(&server, "vod", "2018-07-17", action, move |_| {
            tencent_ok(json!({"RequestId": format!("req-{action}")}))
        })
        .await;
    }
    server
}

const DELETE: &[&str] = &[
    "vod",
    "quota",
    "delete",
    "--sub-app-id",
    "7",
    "--type",
    "Image",
];

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_at_the_delete_question_stops_at_once_and_sends_nothing() {
    let server = vod().await;
    let terminal = OnTerminal::start(&server.uri(), DELETE);
    terminal.wait_for_question();
    terminal.signal(libc::SIGINT);
    let (code, out, screen) = terminal.finish_within(Duration::from_secs(2));
    assert_eq!(code, Some(130), "{screen}");
    assert!(screen.contains("interrupted: nothing sent"), "{screen}");
    assert!(!screen.contains("error:"), "{screen}");
    assert!(out.is_empty(), "{out}");
    assert!(tencent_actions(&server).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_at_the_apply_question_is_143_after_the_plan_was_shown_on_the_terminal() {
    let server = vod().await;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "[[quota]]\ntype = \"Image\"\nlimit = 2000\n").unwrap();
    let path = file.path().to_str().unwrap();
    // JSON on stdout: the plan the user approves is shown on the terminal (stderr).
    let args = [
        "vod",
        "quota",
        "apply",
        "-f",
        path,
        "--sub-app-id",
        "7",
        "--prune",
        "-o",
        "json",
    ];
    let terminal = OnTerminal::start(&server.uri(), &args);
    terminal.wait_for_question();
    let screen = terminal.screen();
    let plan = screen.find("delete Video").expect("the plan is shown");
    assert!(
        plan < screen.find("[y/N]").unwrap(),
        "the plan comes before the question: {screen}"
    );
    assert!(screen.contains("modify Image 1000 → 2000"), "{screen}");
    terminal.signal(libc::SIGTERM);
    let (code, out, screen) = terminal.finish_within(Duration::from_secs(2));
    assert_eq!(code, Some(143), "{screen}");
    assert!(screen.contains("interrupted: nothing sent"), "{screen}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(tencent_actions(&server).await, ["DescribeAigcQuotas"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_time_taken_to_answer_is_not_counted_by_the_deadline() {
    let server = vod().await;
    let mut args = DELETE.to_vec();
    args.extend(["--deadline", "2"]);
    let mut terminal = OnTerminal::start(&server.uri(), &args);
    terminal.wait_for_question();
    // Longer than the whole deadline.
    std::thread::sleep(Duration::from_millis(3000));
    terminal.answer("y\n");
    let (code, out, screen) = terminal.finish_within(Duration::from_secs(10));
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        out.contains("Deleted the Image quota of SubAppId 7"),
        "{out}"
    );
    assert_eq!(tencent_actions(&server).await, ["DeleteAigcQuota"]);
}
