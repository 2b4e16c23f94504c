//! The whole `vod quota apply` after the file is read and the current quotas are listed:
//! print the plan, get consent for deletes, apply, and report (spec §4 v3). Writers, the
//! question and the interrupt flag are parameters, so every path is tested here;
//! `actions.rs` passes what the app's `ActionEnv` gives: the output, stderr, its question
//! and its Ctrl-C flag.

use std::io::Write;

use futures::future::LocalBoxFuture;

use crate::error::Error;
use crate::providers::tencent::quota::plan_output::{
    applied_lines, write_applied_table, write_plan_json, write_plan_table,
};

use super::confirm::{declined, delete_consent, Consent};
use super::plan::Plan;
use super::run::{apply, QuotaExecutor, Stop};
use super::view::plan_doc;

/// The flags and the terminal, as the app resolved them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowOptions {
    pub sub_app_id: u64,
    /// `vod quota apply --dry-run`: the plan only (the reads were already sent).
    pub dry_run: bool,
    /// `--yes`: deletes need no question.
    pub yes: bool,
    /// stdin and stderr are terminals, so a question can be asked.
    pub interactive: bool,
    /// `-o json` (otherwise the table form: lines and the counts line).
    pub json: bool,
    /// The output is a terminal: the plan printed on it is seen before the question.
    pub output_is_terminal: bool,
}

/// How a run that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowEnd {
    /// Every change applied (or none needed, or a dry run).
    Done,
    /// Interrupted between requests; what was applied is on stderr. Exit 130.
    Interrupted,
}

/// Where the flow writes and asks.
pub struct FlowIo<'a> {
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    /// Asks a yes/no question on the terminal; true for a yes. An interrupt while waiting
    /// for the answer is its error (exit 130 or 143, nothing sent).
    pub ask: &'a mut dyn FnMut(String) -> LocalBoxFuture<'a, Result<bool, Error>>,
}

/// Table form: the plan is printed before anything is sent, then the changes applied.
/// JSON: one document at the end (also after a refused or declined delete, with nothing
/// applied, and after a failure, with what was applied). A failure lists what was applied
/// on stderr and returns the failure (exit 4 or 5); deletes without `--yes` and without a terminal return a usage error (exit 2) after
/// the plan, before any change.
pub async fn run_flow<E: QuotaExecutor>(
    plan: &Plan,
    options: FlowOptions,
    executor: &mut E,
    io: FlowIo<'_>,
    interrupted: impl Fn() -> bool,
) -> Result<FlowEnd, Error> {
    let before = plan_doc(options.sub_app_id, options.dry_run, plan, None);
    if !options.json {
        write_plan_table(&before, io.stdout)?;
    }
    let consent = delete_consent(
        plan,
        options.sub_app_id,
        options.dry_run,
        options.yes,
        options.interactive,
    );
    let refused = match consent {
        Ok(Consent::NotNeeded) => None,
        Ok(Consent::Ask(question)) => {
            // The user approves deletes they can see: on stderr when the output is JSON
            // or is not on the screen.
            if options.json || !options.output_is_terminal {
                write_plan_table(&before, io.stderr)?;
            }
            if (io.ask)(question).await? {
                None
            } else {
                Some(declined())
            }
        }
        Err(error) => Some(error),
    };
    if let Some(error) = refused {
        if options.json {
            write_plan_json(&before, io.stdout)?;
        }
        return Err(error);
    }
    if options.dry_run {
        if options.json {
            write_plan_json(&before, io.stdout)?;
        }
        return Ok(FlowEnd::Done);
    }

    let outcome = apply(plan, executor, interrupted).await;
    let after = plan_doc(options.sub_app_id, false, plan, Some(&outcome));
    match outcome.stopped {
        None => {
            if options.json {
                write_plan_json(&after, io.stdout)?;
            } else if !plan.changes.is_empty() {
                write_applied_table(&after, io.stdout)?;
            }
            Ok(FlowEnd::Done)
        }
        Some(Stop::Failed { error, .. }) => {
            for line in applied_lines(&after) {
                writeln!(io.stderr, "{line}")?;
            }
            // The document says what was applied and what was not, as stderr does.
            if options.json {
                write_plan_json(&after, io.stdout)?;
            }
            Err(error)
        }
        Some(Stop::Interrupted { next }) => {
            for line in applied_lines(&after) {
                writeln!(io.stderr, "{line}")?;
            }
            let left = plan.changes.len() - next;
            writeln!(
                io.stderr,
                "interrupted: {left} change{} not sent",
                if left == 1 { "" } else { "s" }
            )?;
            Ok(FlowEnd::Interrupted)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::error::Target;
    use crate::providers::tencent::quota::api::QuotaType;
    use crate::providers::tencent::quota::plan::plan;
    use crate::providers::tencent::quota::plan::tests::{current, desired};

    /// Records requests; fails the n-th.
    #[derive(Default)]
    struct Recorder {
        requests: Vec<String>,
        fail_at: Option<usize>,
    }

    impl Recorder {
        fn record(&mut self, what: String) -> Result<Option<String>, Error> {
            let n = self.requests.len();
            self.requests.push(what);
            if self.fail_at == Some(n) {
                return Err(Error::network(
                    &Target::new("tencent vod", "ModifyAigcQuota"),
                    "timed out after 4 attempts",
                ));
            }
            Ok(Some(format!("req-{n}")))
        }
    }

    impl QuotaExecutor for Recorder {
        async fn create(
            &mut self,
            quota_type: QuotaType,
            _: Option<&str>,
            limit: i64,
        ) -> Result<Option<String>, Error> {
            self.record(format!("create {} {limit}", quota_type.as_str()))
        }
        async fn modify(
            &mut self,
            quota_type: QuotaType,
            _: Option<&str>,
            limit: i64,
        ) -> Result<Option<String>, Error> {
            self.record(format!("modify {} {limit}", quota_type.as_str()))
        }
        async fn delete(
            &mut self,
            quota_type: QuotaType,
            _: Option<&str>,
        ) -> Result<Option<String>, Error> {
            self.record(format!("delete {}", quota_type.as_str()))
        }
    }

    fn the_plan(prune: bool) -> Plan {
        plan(
            &[
                desired(QuotaType::Image, None, 2000),
                desired(QuotaType::Text, Some("tok-secret-abcd"), 5000),
            ],
            &[
                current("Text", Some("tok-secret-abcd"), 1000),
                current("Video", None, 600),
            ],
            prune,
        )
    }

    fn options() -> FlowOptions {
        FlowOptions {
            sub_app_id: 200000004,
            dry_run: false,
            yes: false,
            interactive: false,
            json: false,
            output_is_terminal: false,
        }
    }

    struct Run {
        result: Result<FlowEnd, Error>,
        stdout: String,
        stderr: String,
        requests: Vec<String>,
        questions: Vec<String>,
    }

    async fn run(plan: &Plan, options: FlowOptions, answer: bool, fail_at: Option<usize>) -> Run {
        run_with(plan, options, answer, fail_at, || false).await
    }

    async fn run_with(
        plan: &Plan,
        options: FlowOptions,
        answer: bool,
        fail_at: Option<usize>,
        interrupted: impl Fn() -> bool,
    ) -> Run {
        let mut recorder = Recorder {
            fail_at,
            ..Recorder::default()
        };
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let mut questions = Vec::new();
        let mut ask = |q: String| -> LocalBoxFuture<'_, Result<bool, Error>> {
            questions.push(q);
            Box::pin(async move { Ok(answer) })
        };
        let io = FlowIo {
            stdout: &mut stdout,
            stderr: &mut stderr,
            ask: &mut ask,
        };
        let result = run_flow(plan, options, &mut recorder, io, interrupted).await;
        Run {
            result,
            stdout: String::from_utf8(stdout).unwrap(),
            stderr: String::from_utf8(stderr).unwrap(),
            requests: recorder.requests,
            questions,
        }
    }

    #[tokio::test]
    async fn the_plan_is_printed_then_applied_in_order() {
        let run = run(&the_plan(false), options(), false, None).await;
        assert_eq!(run.result.unwrap(), FlowEnd::Done);
        assert_eq!(run.requests, ["modify Text 5000", "create Image 2000"]);
        assert_eq!(
            run.stdout,
            "modify Text ****abcd 1000 → 5000\n\
             create Image limit 2000\n\
             1 to create, 1 to modify, 0 to delete, 0 unchanged, 1 not in the file\n\
             applied: modify Text ****abcd 1000 → 5000 (RequestId req-0)\n\
             applied: create Image limit 2000 (RequestId req-1)\n"
        );
        assert!(run.stderr.is_empty());
        assert!(run.questions.is_empty());
    }

    #[tokio::test]
    async fn a_dry_run_prints_the_plan_and_sends_nothing() {
        let dry = FlowOptions {
            dry_run: true,
            ..options()
        };
        let run = run(&the_plan(true), dry, false, None).await;
        assert_eq!(run.result.unwrap(), FlowEnd::Done);
        assert!(run.requests.is_empty());
        assert!(run
            .stdout
            .ends_with("1 to create, 1 to modify, 1 to delete, 0 unchanged, 0 not in the file\n"));
        let json = run_json(&the_plan(true), dry).await;
        assert_eq!(json["dry_run"], true);
        assert_eq!(json["changes"].as_array().unwrap().len(), 3);
    }

    async fn run_json(plan: &Plan, options: FlowOptions) -> serde_json::Value {
        let run = run(
            plan,
            FlowOptions {
                json: true,
                ..options
            },
            false,
            None,
        )
        .await;
        serde_json::from_str(&run.stdout).unwrap()
    }

    #[tokio::test]
    async fn deletes_without_yes_or_terminal_stop_after_the_plan_with_exit_2() {
        let run = run(&the_plan(true), options(), false, None).await;
        assert_eq!(run.result.unwrap_err().exit_code(), 2);
        assert!(run.requests.is_empty());
        assert!(run.stdout.starts_with("delete Video\n"), "{}", run.stdout);
        assert!(
            run.stdout.ends_with("0 not in the file\n"),
            "{}",
            run.stdout
        );
        // JSON: the document, nothing applied, then the same error.
        let json = FlowOptions {
            json: true,
            ..options()
        };
        let run = super::tests::run(&the_plan(true), json, false, None).await;
        assert_eq!(run.result.unwrap_err().exit_code(), 2);
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert!(doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["applied"] == false));
    }

    #[tokio::test]
    async fn deletes_with_yes_are_applied_first() {
        let yes = FlowOptions {
            yes: true,
            ..options()
        };
        let run = run(&the_plan(true), yes, false, None).await;
        assert_eq!(run.result.unwrap(), FlowEnd::Done);
        assert_eq!(
            run.requests,
            ["delete Video", "modify Text 5000", "create Image 2000"]
        );
    }

    #[tokio::test]
    async fn a_terminal_is_asked_and_a_no_sends_nothing() {
        let tty = FlowOptions {
            interactive: true,
            ..options()
        };
        let no = run(&the_plan(true), tty, false, None).await;
        assert_eq!(no.questions.len(), 1);
        assert_eq!(no.result.unwrap_err().to_string(), "aborted, nothing sent");
        assert!(no.requests.is_empty());
        let yes = run(&the_plan(true), tty, true, None).await;
        assert_eq!(yes.result.unwrap(), FlowEnd::Done);
        assert_eq!(yes.requests.len(), 3);
        // No deletes: no question.
        let plain = run(&the_plan(false), tty, false, None).await;
        assert!(plain.questions.is_empty());
        assert_eq!(plain.requests.len(), 2);
    }

    #[tokio::test]
    async fn a_failure_lists_what_was_applied_on_stderr_and_keeps_its_exit_code() {
        let yes = FlowOptions {
            yes: true,
            ..options()
        };
        let run = run(&the_plan(true), yes, false, Some(1)).await;
        assert_eq!(run.result.unwrap_err().exit_code(), 5);
        assert_eq!(run.requests, ["delete Video", "modify Text 5000"]);
        assert_eq!(run.stderr, "applied: delete Video (RequestId req-0)\n");
        assert!(!run.stdout.contains("applied:"), "{}", run.stdout);
    }

    #[tokio::test]
    async fn json_after_a_failure_says_what_was_applied_and_what_was_not() {
        let json = FlowOptions {
            yes: true,
            json: true,
            ..options()
        };
        let run = run(&the_plan(true), json, false, Some(1)).await;
        assert_eq!(run.result.unwrap_err().exit_code(), 5);
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let applied: Vec<(bool, &serde_json::Value)> = doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["applied"] == true, &c["request_id"]))
            .collect();
        assert_eq!(
            applied,
            [
                (true, &serde_json::json!("req-0")),
                (false, &serde_json::Value::Null),
                (false, &serde_json::Value::Null)
            ]
        );
        assert_eq!(run.stderr, "applied: delete Video (RequestId req-0)\n");
    }

    #[tokio::test]
    async fn the_plan_is_shown_on_stderr_before_the_question_unless_the_output_shows_it() {
        let plan_text = "delete Video\n";
        for (json, output_is_terminal, on_stderr) in [
            (true, true, true),
            (true, false, true),
            (false, false, true),
            (false, true, false),
        ] {
            let tty = FlowOptions {
                interactive: true,
                json,
                output_is_terminal,
                ..options()
            };
            let run = run(&the_plan(true), tty, false, None).await;
            assert_eq!(run.questions.len(), 1);
            assert_eq!(
                run.stderr.starts_with(plan_text),
                on_stderr,
                "json {json}, terminal {output_is_terminal}: {}",
                run.stderr
            );
        }
        // No question, no plan on stderr.
        let yes = FlowOptions {
            yes: true,
            json: true,
            ..options()
        };
        assert!(run(&the_plan(true), yes, false, None)
            .await
            .stderr
            .is_empty());
    }

    #[tokio::test]
    async fn an_interrupt_reports_what_was_applied_and_what_was_not_sent() {
        let asked = Cell::new(0);
        let run = run_with(&the_plan(false), options(), false, None, || {
            asked.set(asked.get() + 1);
            asked.get() > 1
        })
        .await;
        assert_eq!(run.result.unwrap(), FlowEnd::Interrupted);
        assert_eq!(run.requests, ["modify Text 5000"]);
        assert_eq!(
            run.stderr,
            "applied: modify Text ****abcd 1000 → 5000 (RequestId req-0)\ninterrupted: 1 change not sent\n"
        );
    }

    #[tokio::test]
    async fn nothing_to_do_prints_the_counts_alone() {
        let same = plan(
            &[desired(QuotaType::Image, None, 2000)],
            &[current("Image", None, 2000)],
            true,
        );
        let run = run(&same, options(), false, None).await;
        assert_eq!(run.result.unwrap(), FlowEnd::Done);
        assert!(run.requests.is_empty());
        assert_eq!(
            run.stdout,
            "0 to create, 0 to modify, 0 to delete, 1 unchanged, 0 not in the file\n"
        );
    }

    #[tokio::test]
    async fn json_after_a_run_marks_each_change_applied_with_its_request_id() {
        let json = run_json(&the_plan(false), options()).await;
        assert_eq!(json["dry_run"], false);
        assert_eq!(json["changes"][0]["applied"], true);
        assert_eq!(json["changes"][0]["request_id"], "req-0");
        assert_eq!(json["changes"][0]["api_token"], "****abcd");
        assert_eq!(json["not_in_file"], 1);
    }
}
