//! `vod quota set|create|delete|list|apply`: validation, confirmation, thresholds, and the
//! documents the app prints. Api tokens are credentials: every view holds them redacted.

use serde_json::{Number, Value};

use super::executor::{current_quotas, VodExecutor};
use super::file;
use super::flow::{run_flow, FlowEnd, FlowIo, FlowOptions};
use super::output::{change_document, list_document, ChangeDoc, QuotaRow};
use crate::error::Error;
use crate::number::{format_value, json_number};
use crate::providers::tencent::client::{Client, Service};
use crate::providers::tencent::commands::{
    QuotaApplyArgs, QuotaCommand, QuotaDeleteArgs, QuotaListArgs, QuotaSetArgs, QuotaTargetArgs,
};
use crate::providers::tencent::credentials::{settings as tencent_settings, TencentCredentials};
use crate::providers::tencent::quota::api::{
    self, check_api_token, parse_limit, unit_of, ChangeKind, ListRequest, Quota, QuotaChange,
    QuotaType,
};
use crate::providers::tencent::vod::{SERVICE, VERSION};
use crate::providers::{ActionEnv, Interrupt};
use crate::secret::redact_id;

pub async fn run(env: &dyn ActionEnv, command: &QuotaCommand) -> Result<(), Error> {
    match command {
        QuotaCommand::Set(args) => set_or_create(env, args, ChangeKind::Set).await,
        QuotaCommand::Create(args) => set_or_create(env, args, ChangeKind::Create).await,
        QuotaCommand::Delete(args) => delete(env, args).await,
        QuotaCommand::List(args) => list(env, args).await,
        QuotaCommand::Apply(args) => apply(env, args).await,
    }
}

/// `vod quota apply` (spec §4 v3): the file validated before anything is sent, the current
/// quotas read, then the plan, consent and changes of `flow`. `--dry-run` (global, before
/// or after `apply`) is the plan only: the transport sends the reads. SIGINT (SIGTERM) while
/// changes are sent lets the request in flight finish, lists what was applied, and exits
/// 130 (143); before that (reads, the question) it ends the run at once, nothing sent.
async fn apply(env: &dyn ActionEnv, args: &QuotaApplyArgs) -> Result<(), Error> {
    let desired = file::load(&args.file, env.environment())?;
    let sub_app_id = desired.resolve_sub_app_id(
        args.sub_app_id,
        tencent_settings(env.settings())
            .sub_app_id
            .as_ref()
            .map(|s| s.value),
    )?;
    let endpoint = crate::config::endpoint::flag_or_setting(
        args.endpoint.as_deref(),
        &tencent_settings(env.settings()).vod_endpoint.value,
    )?;
    let credentials = tencent_settings(env.settings()).credentials()?;
    let client = Client {
        transport: env.transport(),
        credentials: &credentials,
        service: vod_service(endpoint),
    };
    // The reads are dropped on a signal: nothing was sent yet.
    let spinner = waiting(env, "DescribeAigcQuotas");
    let current = tokio::select! {
        signal = env.until_interrupted() => Err(signal.error()),
        current = current_quotas(&client, sub_app_id) => current,
    };
    spinner.stop();
    let current = current?;
    let plan = super::plan::plan(&desired.quotas, &current, args.prune);

    let options = FlowOptions {
        sub_app_id,
        dry_run: env.dry_run(),
        yes: args.yes,
        interactive: env.interactive(),
        json: env.json_output(),
        output_is_terminal: env.output_is_terminal(),
    };
    let mut executor = VodExecutor {
        client: &client,
        sub_app_id,
    };
    // The plan must be on the screen before the question is asked.
    let mut stdout = env.progressive_output();
    let mut stderr = env.error_output();
    let io = FlowIo {
        stdout: &mut *stdout,
        stderr: &mut *stderr,
        ask: &mut |question| env.confirm(question),
    };
    let end = run_flow(&plan, options, &mut executor, io, || {
        env.interrupted().is_some()
    })
    .await?;
    // A signal during the last request: every change was applied and reported, and the
    // exit still says the run was interrupted (spec §7).
    match (end, env.interrupted()) {
        (FlowEnd::Done, None) => Ok(()),
        (_, signal) => Err(signal.unwrap_or(Interrupt::Sigint).error()),
    }
}

/// What every action resolves before credentials: SubAppId (when known), api token,
/// endpoint.
struct Target {
    sub_app_id: Option<u64>,
    api_token: Option<String>,
    endpoint: String,
}

impl Target {
    /// The SubAppId set/create/delete require (spec §4): missing is exit 2.
    fn required_sub_app_id(&self) -> Result<u64, Error> {
        self.sub_app_id.ok_or_else(|| {
            Error::usage(
                "a VOD SubAppId is required: pass --sub-app-id N or set sub_app_id in the \
                 profile's [<profile>.tencent] section",
            )
        })
    }
}

fn resolve_target(
    env: &dyn ActionEnv,
    args: &QuotaTargetArgs,
    quota_type: Option<QuotaType>,
) -> Result<Target, Error> {
    check_api_token(quota_type, args.api_token.as_deref())?;
    let sub_app_id = args.sub_app_id.or(tencent_settings(env.settings())
        .sub_app_id
        .as_ref()
        .map(|s| s.value));
    let endpoint = crate::config::endpoint::flag_or_setting(
        args.endpoint.as_deref(),
        &tencent_settings(env.settings()).vod_endpoint.value,
    )?;
    Ok(Target {
        sub_app_id,
        api_token: args.api_token.clone(),
        endpoint,
    })
}

fn vod_service(endpoint: String) -> Service {
    Service {
        name: SERVICE,
        version: VERSION,
        endpoint,
        region: None,
    }
}

async fn set_or_create(
    env: &dyn ActionEnv,
    args: &QuotaSetArgs,
    kind: ChangeKind,
) -> Result<(), Error> {
    let quota_type = QuotaType::parse(&args.quota_type)?;
    let limit = parse_limit(&args.limit)?;
    let target = resolve_target(env, &args.target, Some(quota_type))?;
    let change = QuotaChange {
        kind,
        sub_app_id: target.required_sub_app_id()?,
        quota_type,
        limit: Some(limit),
        api_token: target.api_token,
    };
    send_change(env, target.endpoint, &change).await
}

async fn delete(env: &dyn ActionEnv, args: &QuotaDeleteArgs) -> Result<(), Error> {
    let quota_type = QuotaType::parse(&args.quota_type)?;
    let target = resolve_target(env, &args.target, Some(quota_type))?;
    let change = QuotaChange {
        kind: ChangeKind::Delete,
        sub_app_id: target.required_sub_app_id()?,
        quota_type,
        limit: None,
        api_token: target.api_token,
    };
    let interactive = env.interactive();
    // --dry-run sends nothing, so it needs no confirmation.
    let must_confirm = !args.yes && !env.dry_run();
    if must_confirm && !interactive {
        return Err(Error::usage(
            "vod quota delete needs --yes when stdin is not a terminal (nothing was sent)",
        ));
    }
    // Credentials before the question, so that a yes is not followed by exit 3.
    let credentials = tencent_settings(env.settings()).credentials()?;
    if must_confirm && !env.confirm(delete_question(&change)).await? {
        return Err(super::confirm::declined());
    }
    // Spec §7: only `apply` lets its request in flight finish; here, as for every other
    // command, a signal drops it and the command ends at once (130/143).
    tokio::select! {
        signal = env.until_interrupted() => Err(signal.error()),
        sent = send_change_with(env, target.endpoint, &change, &credentials) => sent,
    }
}

fn delete_question(change: &QuotaChange) -> String {
    let token = match &change.api_token {
        Some(t) => format!(" (api token {})", redact_id(t)),
        None => String::new(),
    };
    format!(
        "Delete the {} quota of SubAppId {}{token}? [y/N] ",
        change.quota_type.as_str(),
        change.sub_app_id
    )
}

async fn send_change(
    env: &dyn ActionEnv,
    endpoint: String,
    change: &QuotaChange,
) -> Result<(), Error> {
    let credentials = tencent_settings(env.settings()).credentials()?;
    send_change_with(env, endpoint, change, &credentials).await
}

async fn send_change_with(
    env: &dyn ActionEnv,
    endpoint: String,
    change: &QuotaChange,
    credentials: &TencentCredentials,
) -> Result<(), Error> {
    let client = Client {
        transport: env.transport(),
        credentials,
        service: vod_service(endpoint),
    };
    let spinner = waiting(env, change.kind.action());
    let answer = api::change(&client, change).await;
    spinner.stop();
    let request_id = match answer {
        Ok(id) => id,
        Err(Error::Network { target, detail }) if change.kind == ChangeKind::Create => {
            // Not sent again (it may have been created); the user decides what to do next.
            return Err(Error::Network {
                target,
                detail: format!(
                    "{detail}. The quota may or may not have been created: run \
                     `aigcusage vod quota list --sub-app-id {} --type {}` to see whether it took effect",
                    change.sub_app_id,
                    change.quota_type.as_str()
                ),
            });
        }
        Err(e) => return Err(e),
    };
    let doc = change_doc(change, request_id.as_deref());
    env.emit(&change_document(
        &doc,
        &change_line(change, request_id.as_deref()),
    ))
}

fn change_doc(change: &QuotaChange, request_id: Option<&str>) -> ChangeDoc {
    ChangeDoc {
        action: change.kind.action().to_string(),
        sub_app_id: change.sub_app_id,
        quota_type: change.quota_type.as_str().to_string(),
        quota_limit: change.limit,
        api_token: change.api_token.as_deref().map(redact_id),
        request_id: request_id.map(str::to_string),
    }
}

/// `Set the Image quota of SubAppId 200000004 to 2000 images (RequestId fd44...)`.
fn change_line(change: &QuotaChange, request_id: Option<&str>) -> String {
    let what = format!(
        "the {} quota of SubAppId {}{}",
        change.quota_type.as_str(),
        change.sub_app_id,
        match &change.api_token {
            Some(t) => format!(" for api token {}", redact_id(t)),
            None => String::new(),
        }
    );
    let unit = change.quota_type.unit();
    let done = match (change.kind, change.limit) {
        (ChangeKind::Set, Some(limit)) => format!("Set {what} to {limit} {unit}"),
        (ChangeKind::Create, Some(limit)) => {
            format!("Created {what} with a limit of {limit} {unit}")
        }
        _ => format!("Deleted {what}"),
    };
    format!("{done} (RequestId {})", request_id.unwrap_or("not given"))
}

// ---------------------------------------------------------------------------------------
// list

/// `--warn-at` / `--fail-at`: a percentage ≥ 0, `80` or `80%`.
fn parse_percent(flag: &str, value: &str) -> Result<f64, Error> {
    let text = value.trim();
    let number = text.strip_suffix('%').unwrap_or(text).trim();
    match number.parse::<f64>() {
        Ok(p) if p.is_finite() && p >= 0.0 => Ok(p),
        _ => Err(Error::usage(format!(
            "invalid {flag} '{value}': expected a percentage of 0 or more, e.g. 80 or 92.5"
        ))),
    }
}

/// Used % for thresholds: a limit of 0 is exhausted (nothing more can be generated), so
/// it counts as 100 % even though the table shows `-` for it.
fn threshold_percent(quota: &Quota) -> Option<f64> {
    match quota.limit_f64() {
        Some(limit) if limit > 0.0 => Some(quota.usage_f64() / limit * 100.0),
        Some(_) => Some(100.0),
        None => None,
    }
}

async fn list(env: &dyn ActionEnv, args: &QuotaListArgs) -> Result<(), Error> {
    let quota_type = args
        .quota_type
        .as_deref()
        .map(QuotaType::parse)
        .transpose()?;
    let warn_at = args
        .warn_at
        .as_deref()
        .map(|v| parse_percent("--warn-at", v))
        .transpose()?;
    let fail_at = args
        .fail_at
        .as_deref()
        .map(|v| parse_percent("--fail-at", v))
        .transpose()?;
    let target = resolve_target(env, &args.target, quota_type)?;
    let credentials = tencent_settings(env.settings()).credentials()?;
    let client = Client {
        transport: env.transport(),
        credentials: &credentials,
        service: vod_service(target.endpoint),
    };
    let request = ListRequest {
        sub_app_id: target.sub_app_id,
        quota_type,
        api_token: target.api_token,
    };
    let spinner = waiting(env, "DescribeAigcQuotas");
    let result = api::list(&client, &request).await;
    spinner.stop();
    let result = result?;
    let rows: Vec<QuotaRow> = result.quotas.iter().map(quota_row).collect();
    env.emit(&list_document(
        target.sub_app_id,
        &rows,
        &result.request_ids,
    ))?;

    // Warnings after the list, so that a reader of both streams sees them last.
    let mut failing = 0;
    for quota in &result.quotas {
        let Some(percent) = threshold_percent(quota) else {
            continue;
        };
        let at_fail = fail_at.is_some_and(|f| percent >= f);
        let at_warn = warn_at.is_some_and(|w| percent >= w);
        if at_fail {
            failing += 1;
        }
        if at_fail || at_warn {
            let threshold = if at_fail { fail_at } else { warn_at }.unwrap_or_default();
            env.warn(&threshold_message(target.sub_app_id, quota, threshold));
        }
    }
    if failing > 0 {
        let threshold = fail_at.unwrap_or_default();
        return Err(Error::Threshold(format!(
            "{failing} quota{}{} {} at or above {}% used (--fail-at)",
            if failing == 1 { "" } else { "s" },
            of_sub_app(target.sub_app_id),
            if failing == 1 { "is" } else { "are" },
            format_value(threshold)
        )));
    }
    Ok(())
}

fn describe_quota(quota: &Quota) -> String {
    match quota.token() {
        Some(t) => format!("{} quota for api token {}", quota.quota_type, redact_id(t)),
        None => format!("{} quota", quota.quota_type),
    }
}

/// ` of SubAppId N` when the list named one, else nothing.
fn of_sub_app(sub_app_id: Option<u64>) -> String {
    sub_app_id
        .map(|id| format!(" of SubAppId {id}"))
        .unwrap_or_default()
}

fn threshold_message(sub_app_id: Option<u64>, quota: &Quota, threshold: f64) -> String {
    let unit = unit_of(&quota.quota_type);
    let limit = quota.limit_f64().unwrap_or_default();
    let used = if limit > 0.0 {
        format!(
            "{:.1}% used ({} of {} {unit})",
            quota.usage_f64() / limit * 100.0,
            format_value(quota.usage_f64()),
            format_value(limit)
        )
    } else {
        format!(
            "exhausted (limit 0 {unit}, {} used)",
            format_value(quota.usage_f64())
        )
    };
    format!(
        "{}{} is {used}, at or above {}%",
        describe_quota(quota),
        of_sub_app(sub_app_id),
        format_value(threshold)
    )
}

/// An integral number the API wrote with a fraction (`2500.0`) as an integer (`2500`),
/// spec §5; others as written (an integer beyond f64's precision keeps its digits).
fn plain_number(number: &Number) -> Number {
    match number.as_f64().filter(|_| number.is_f64()).map(json_number) {
        Some(Value::Number(plain)) => plain,
        _ => number.clone(),
    }
}

fn quota_row(quota: &Quota) -> QuotaRow {
    let exact = quota.used_percent();
    QuotaRow {
        quota_type: quota.quota_type.clone(),
        api_token: quota.token().map(redact_id),
        quota_limit: quota.quota_limit.as_ref().map(plain_number),
        usage: quota.usage.as_ref().map(plain_number),
        unit: unit_of(&quota.quota_type),
        used_percent: exact
            .map(|p| json_number((p * 100.0).round() / 100.0))
            .unwrap_or(Value::Null),
        used_percent_exact: exact,
    }
}

/// A spinner on a terminal naming the VOD action a quota command waits for (spec §5 v3).
fn waiting(env: &dyn ActionEnv, action: &str) -> crate::term::Spinner {
    env.waiting(format!("vod {action}"))
}

#[cfg(test)]
mod tests {
    use super::super::fake_env::FakeEnv;
    use super::*;

    fn quota(kind: &str, token: Option<&str>, limit: i64, usage: i64) -> Quota {
        Quota {
            quota_type: kind.into(),
            api_token: token.map(String::from),
            quota_limit: Some(Number::from(limit)),
            usage: Some(Number::from(usage)),
        }
    }

    #[test]
    fn percent_accepts_a_trailing_sign_and_refuses_negatives() {
        assert_eq!(parse_percent("--fail-at", "80").unwrap(), 80.0);
        assert_eq!(parse_percent("--fail-at", "92.5%").unwrap(), 92.5);
        for bad in ["-1", "abc", "", "inf", "NaN"] {
            let err = parse_percent("--warn-at", bad).unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(err.to_string().contains("--warn-at"));
        }
    }

    #[test]
    fn a_zero_limit_counts_as_exhausted_for_thresholds() {
        assert_eq!(threshold_percent(&quota("Image", None, 0, 0)), Some(100.0));
        assert_eq!(
            threshold_percent(&quota("Image", None, 200, 50)),
            Some(25.0)
        );
    }

    #[test]
    fn table_redacts_tokens_and_shows_units() {
        let env = FakeEnv::default();
        let rows: Vec<QuotaRow> = [
            quota("Text", Some("tok-secret-abcd"), 1000, 333),
            quota("Image", None, 0, 0),
        ]
        .iter()
        .map(quota_row)
        .collect();
        env.emit(&list_document(Some(7), &rows, &[])).unwrap();
        let text = env.emitted.borrow().join("\n");
        assert!(!text.contains("tok-secret"), "{text}");
        assert!(text.contains("****abcd"), "{text}");
        assert!(text.contains("1000 tokens"), "{text}");
        assert!(text.contains("33.3%"), "{text}");
        assert!(text.contains("0 images"), "{text}");
    }

    #[test]
    fn integral_limits_written_with_a_fraction_print_without_one() {
        let quota: Quota = serde_json::from_value(serde_json::json!({
            "QuotaType": "Image", "QuotaLimit": 2500.0, "Usage": 12.5
        }))
        .unwrap();
        let row = quota_row(&quota);
        let json = serde_json::to_string(&row).unwrap();
        assert!(
            json.contains(r#""quota_limit":2500,"usage":12.5"#),
            "{json}"
        );
        let env = FakeEnv::default();
        env.emit(&list_document(Some(7), &[row], &[])).unwrap();
        let text = env.emitted.borrow().join("\n");
        assert!(text.contains("2500 images"), "{text}");
        assert!(!text.contains("2500.0"), "{text}");
        let big = Number::from(u64::MAX);
        assert_eq!(plain_number(&big), big);
    }

    #[test]
    fn only_changes_require_a_sub_app_id() {
        let env = FakeEnv::default();
        let args = QuotaTargetArgs {
            sub_app_id: None,
            api_token: None,
            endpoint: None,
        };
        // Spec §4: `list` takes `[--type] [--api-token]`; set/create/delete need one.
        let target = resolve_target(&env, &args, None).unwrap();
        assert_eq!(target.sub_app_id, None);
        let err = target.required_sub_app_id().unwrap_err();
        assert_eq!(err.exit_code(), 2, "{err}");
        assert!(err.to_string().contains("--sub-app-id"), "{err}");
    }

    #[test]
    fn threshold_messages_name_the_sub_app_id_when_known() {
        let quota: Quota = serde_json::from_value(serde_json::json!({
            "QuotaType": "Image", "QuotaLimit": 100, "Usage": 90
        }))
        .unwrap();
        assert_eq!(
            threshold_message(Some(7), &quota, 80.0),
            "Image quota of SubAppId 7 is 90.0% used (90 of 100 images), at or above 80%"
        );
        assert_eq!(
            threshold_message(None, &quota, 80.0),
            "Image quota is 90.0% used (90 of 100 images), at or above 80%"
        );
    }

    #[test]
    fn confirmation_line_names_action_unit_and_request_id() {
        let change = QuotaChange {
            kind: ChangeKind::Set,
            sub_app_id: 200000004,
            quota_type: QuotaType::Image,
            limit: Some(2000),
            api_token: None,
        };
        assert_eq!(
            change_line(&change, Some("fd44")),
            "Set the Image quota of SubAppId 200000004 to 2000 images (RequestId fd44)"
        );
        let question = delete_question(&QuotaChange {
            kind: ChangeKind::Delete,
            quota_type: QuotaType::Text,
            limit: None,
            api_token: Some("tok-secret-abcd".into()),
            ..change
        });
        assert_eq!(
            question,
            "Delete the Text quota of SubAppId 200000004 (api token ****abcd)? [y/N] "
        );
    }
}
