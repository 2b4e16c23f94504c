//! `vod quota`: set, create, delete and list quotas, and `apply`, declarative quotas (spec
//! §4 v3): the file states the quotas one application should have; the plan says what to
//! create, modify and delete to get there; the run applies it in the order delete, modify,
//! create and stops at the first failure.
//!
//! The app runs these through `ActionEnv` (questions, progress, output); everything here
//! computes. The plan and run are pure or generic over [`run::QuotaExecutor`], so they are
//! tested without HTTP; `executor.rs` wires the executor to the VOD client.

pub mod actions;
pub mod api;
pub mod confirm;
pub mod distinct;
pub mod executor;
pub mod file;
pub mod flow;
pub mod output;
pub mod plan;
pub mod plan_output;
pub mod run;
pub mod view;

pub use confirm::{delete_consent, Consent};
pub use file::{DesiredQuota, DesiredQuotas};
pub use flow::{run_flow, FlowEnd, FlowIo, FlowOptions};
pub use plan::{plan, Action, Change, Plan};
pub use run::{apply, AppliedChange, ApplyOutcome, QuotaExecutor, Stop};

#[cfg(test)]
pub mod fake_env {
    //! An `ActionEnv` for tests: records what a command emits and warns.

    use std::cell::RefCell;
    use std::collections::HashMap;

    use crate::config::Settings;
    use crate::document::{Document, Text};
    use crate::error::Error;
    use crate::providers::ActionEnv;
    use crate::transport::{Transport, TransportOptions};

    pub struct FakeEnv {
        pub settings: Settings,
        pub transport: Transport,
        pub environment: HashMap<String, String>,
        /// The table text of each emitted document.
        pub emitted: RefCell<Vec<String>>,
        pub warnings: RefCell<Vec<String>>,
    }

    impl Default for FakeEnv {
        fn default() -> Self {
            Self {
                settings: Settings::default(),
                transport: Transport::new(
                    TransportOptions::default(),
                    crate::transport::trace::stderr_sink(),
                )
                .unwrap(),
                environment: HashMap::new(),
                emitted: RefCell::new(Vec::new()),
                warnings: RefCell::new(Vec::new()),
            }
        }
    }

    impl ActionEnv for FakeEnv {
        fn settings(&self) -> &Settings {
            &self.settings
        }
        fn transport(&self) -> &Transport {
            &self.transport
        }
        fn environment(&self) -> &HashMap<String, String> {
            &self.environment
        }
        fn json_output(&self) -> bool {
            false
        }
        fn dry_run(&self) -> bool {
            false
        }
        fn interactive(&self) -> bool {
            false
        }
        fn output_is_terminal(&self) -> bool {
            false
        }
        fn confirm<'a>(
            &'a self,
            _question: String,
        ) -> futures::future::LocalBoxFuture<'a, Result<bool, Error>> {
            Box::pin(async { Ok(false) })
        }
        fn waiting(&self, what: String) -> crate::term::Spinner {
            crate::term::Spinner::start(false, vec![what])
        }
        fn warn(&self, message: &str) {
            self.warnings.borrow_mut().push(message.to_string());
        }
        fn emit(&self, document: &Document) -> Result<(), Error> {
            let text = match &document.text {
                Text::Lines(lines) => lines.join("\n"),
                Text::Table {
                    title,
                    grid,
                    when_empty,
                    ..
                } if grid.rows.is_empty() => format!("{title}|{when_empty}"),
                Text::Table { title, grid, .. } => {
                    format!("{title}|{}", grid.rows.concat().join("|"))
                }
            };
            self.emitted.borrow_mut().push(text);
            Ok(())
        }
        fn progressive_output(&self) -> Box<dyn std::io::Write + '_> {
            Box::new(std::io::sink())
        }
        fn error_output(&self) -> Box<dyn std::io::Write + '_> {
            Box::new(std::io::sink())
        }
        fn watch_interrupts(&self) {}
        fn interrupted(&self) -> Option<crate::providers::Interrupt> {
            None
        }
        fn until_interrupted(
            &self,
        ) -> futures::future::LocalBoxFuture<'_, crate::providers::Interrupt> {
            Box::pin(std::future::pending())
        }
    }
}
