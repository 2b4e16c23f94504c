//! `vod quota set|create|delete|list`: validation, confirmation, thresholds, and the views
//! `render::quota` prints. Api tokens are credentials: every view holds them redacted.

use std::io::{BufRead, Write};

use serde_json::Value;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::Error;
use crate::providers::tencent::client::{Client, Service};
use crate::providers::tencent::commands::{
    QuotaApplyArgs, QuotaCommand, QuotaDeleteArgs, QuotaListArgs, QuotaSetArgs, QuotaTargetArgs,
};
use crate::providers::tencent::vod::{SERVICE, VERSION};
use crate::providers::tencent::vod_quota::{
    self, check_api_token, parse_limit, unit_of, ChangeKind, ListRequest, Quota, QuotaChange,
    QuotaType,
};
use crate::quota_apply::flow::{run_flow, FlowEnd, FlowIo, FlowOptions};
use crate::quota_apply::{self, confirm, file};
use crate::render::number::{format_value, json_number};
use crate::render::quota::{self, ChangeDoc, QuotaRow};
use crate::render::Format;
use crate::secret::redact_id;

use super::super::Context;

pub async fn run(ctx: &Context, command: &QuotaCommand) -> Result<(), Error> {
    match command {
        QuotaCommand::Set(args) => set_or_create(ctx, args, ChangeKind::Set).await,
        QuotaCommand::Create(args) => set_or_create(ctx, args, ChangeKind::Create).await,
        QuotaCommand::Delete(args) => delete(ctx, args).await,
        QuotaCommand::List(args) => list(ctx, args).await,
        QuotaCommand::Apply(args) => apply(ctx, args).await,
    }
}

/// `vod quota apply` (spec §4 v3): the file validated before anything is sent, the current
/// quotas read, then the plan, consent and changes of `quota_apply::flow`. `--dry-run`
/// (global, before or after `apply`) is the plan only: the transport sends the reads.
/// Ctrl-C while changes are sent lets the request in flight finish, lists what was
/// applied, and exits 130.
async fn apply(ctx: &Context, args: &QuotaApplyArgs) -> Result<(), Error> {
    let desired = file::load(&args.file, &ctx.env)?;
    let sub_app_id = desired.resolve_sub_app_id(
        args.sub_app_id,
        ctx.settings.tencent.sub_app_id.as_ref().map(|s| s.value),
    )?;
    let endpoint = crate::config::endpoint::flag_or_setting(
        args.endpoint.as_deref(),
        &ctx.settings.tencent.vod_endpoint.value,
    )?;
    let credentials = ctx.settings.tencent.credentials()?;
    let client = Client {
        transport: &ctx.transport,
        credentials: &credentials,
        service: vod_service(endpoint),
    };
    let spinner = waiting(ctx, "DescribeAigcQuotas");
    let current = quota_apply::vod::current_quotas(&client, sub_app_id).await;
    spinner.stop();
    let current = current?;
    let plan = quota_apply::plan::plan(&desired.quotas, &current, args.prune);

    let interrupted = Arc::new(AtomicBool::new(false));
    let listener = {
        let interrupted = Arc::clone(&interrupted);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupted.store(true, Ordering::SeqCst);
            }
        })
    };
    let options = FlowOptions {
        sub_app_id,
        dry_run: ctx.global.dry_run,
        yes: args.yes,
        interactive: ctx.terminal.stdin_is_tty && ctx.terminal.stderr_is_tty,
        json: ctx.format == Format::Json,
    };
    let mut executor = quota_apply::vod::VodExecutor {
        client: &client,
        sub_app_id,
    };
    let end = {
        // The plan must be on the screen before the question is asked.
        let mut stdout = FlushEachWrite(&ctx.output);
        let mut stderr = std::io::stderr();
        let mut ask = |question: &str| -> std::io::Result<bool> {
            let mut err = std::io::stderr().lock();
            write!(err, "{question}")?;
            err.flush()?;
            let mut answer = String::new();
            std::io::stdin().lock().read_line(&mut answer)?;
            Ok(confirm::is_yes(&answer))
        };
        let io = FlowIo {
            stdout: &mut stdout,
            stderr: &mut stderr,
            ask: &mut ask,
        };
        run_flow(&plan, options, &mut executor, io, || {
            interrupted.load(Ordering::SeqCst)
        })
        .await
    };
    listener.abort();
    match end? {
        FlowEnd::Done => Ok(()),
        FlowEnd::Interrupted => Err(Error::Interrupted { sigterm: false }),
    }
}

/// Writes into the command's output and flushes after every write (into the temporary
/// file for `--output-file`, which still appears only at the end). Takes the writer per
/// write, so that it is not held while requests are awaited.
struct FlushEachWrite<'a>(&'a crate::output::Output);

impl Write for FlushEachWrite<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_with(|out| {
            out.write_all(buf)?;
            out.flush()
        })?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.write_with(|out| out.flush())
    }
}

/// What every action resolves before credentials: SubAppId, api token, endpoint.
struct Target {
    sub_app_id: u64,
    api_token: Option<String>,
    endpoint: String,
}

fn resolve_target(
    ctx: &Context,
    args: &QuotaTargetArgs,
    quota_type: Option<QuotaType>,
) -> Result<Target, Error> {
    check_api_token(quota_type, args.api_token.as_deref())?;
    let sub_app_id = args
        .sub_app_id
        .or(ctx.settings.tencent.sub_app_id.as_ref().map(|s| s.value))
        .ok_or_else(|| {
            Error::usage(
                "a VOD SubAppId is required: pass --sub-app-id N or set sub_app_id in the \
                 profile's [<profile>.tencent] section",
            )
        })?;
    let endpoint = crate::config::endpoint::flag_or_setting(
        args.endpoint.as_deref(),
        &ctx.settings.tencent.vod_endpoint.value,
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

async fn set_or_create(ctx: &Context, args: &QuotaSetArgs, kind: ChangeKind) -> Result<(), Error> {
    let quota_type = QuotaType::parse(&args.quota_type)?;
    let limit = parse_limit(&args.limit)?;
    let target = resolve_target(ctx, &args.target, Some(quota_type))?;
    let change = QuotaChange {
        kind,
        sub_app_id: target.sub_app_id,
        quota_type,
        limit: Some(limit),
        api_token: target.api_token,
    };
    send_change(ctx, target.endpoint, &change).await
}

async fn delete(ctx: &Context, args: &QuotaDeleteArgs) -> Result<(), Error> {
    let quota_type = QuotaType::parse(&args.quota_type)?;
    let target = resolve_target(ctx, &args.target, Some(quota_type))?;
    let change = QuotaChange {
        kind: ChangeKind::Delete,
        sub_app_id: target.sub_app_id,
        quota_type,
        limit: None,
        api_token: target.api_token,
    };
    let interactive = ctx.terminal.stdin_is_tty && ctx.terminal.stderr_is_tty;
    // --dry-run sends nothing, so it needs no confirmation.
    let must_confirm = !args.yes && !ctx.global.dry_run;
    if must_confirm && !interactive {
        return Err(Error::usage(
            "vod quota delete needs --yes when stdin is not a terminal (nothing was sent)",
        ));
    }
    // Credentials before the question, so that a yes is not followed by exit 3.
    let credentials = ctx.settings.tencent.credentials()?;
    if must_confirm && !confirm(&delete_question(&change))? {
        return Err(Error::usage("aborted, nothing sent"));
    }
    send_change_with(ctx, target.endpoint, &change, &credentials).await
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

/// Asks on stderr, reads one line of stdin: only `y` or `yes` (any case) is a yes.
fn confirm(question: &str) -> Result<bool, Error> {
    let mut err = std::io::stderr().lock();
    write!(err, "{question}")?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    let answer = answer.trim().to_ascii_lowercase();
    Ok(answer == "y" || answer == "yes")
}

async fn send_change(ctx: &Context, endpoint: String, change: &QuotaChange) -> Result<(), Error> {
    let credentials = ctx.settings.tencent.credentials()?;
    send_change_with(ctx, endpoint, change, &credentials).await
}

async fn send_change_with(
    ctx: &Context,
    endpoint: String,
    change: &QuotaChange,
    credentials: &crate::config::TencentCredentials,
) -> Result<(), Error> {
    let client = Client {
        transport: &ctx.transport,
        credentials,
        service: vod_service(endpoint),
    };
    let spinner = waiting(ctx, change.kind.action());
    let answer = vod_quota::change(&client, change).await;
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
    print_change(ctx, change, request_id.as_deref())
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

fn print_change(
    ctx: &Context,
    change: &QuotaChange,
    request_id: Option<&str>,
) -> Result<(), Error> {
    let doc = change_doc(change, request_id);
    let line = change_line(change, request_id);
    ctx.output
        .write_with(|out| quota::write_change(&doc, &line, ctx.format, out))?;
    Ok(())
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

async fn list(ctx: &Context, args: &QuotaListArgs) -> Result<(), Error> {
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
    let target = resolve_target(ctx, &args.target, quota_type)?;
    let credentials = ctx.settings.tencent.credentials()?;
    let client = Client {
        transport: &ctx.transport,
        credentials: &credentials,
        service: vod_service(target.endpoint),
    };
    let request = ListRequest {
        sub_app_id: target.sub_app_id,
        quota_type,
        api_token: target.api_token,
    };
    let spinner = waiting(ctx, "DescribeAigcQuotas");
    let result = vod_quota::list(&client, &request).await;
    spinner.stop();
    let result = result?;
    print_list(ctx, target.sub_app_id, &result.quotas, &result.request_ids)?;

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
            ctx.warn(&threshold_message(target.sub_app_id, quota, threshold));
        }
    }
    if failing > 0 {
        let threshold = fail_at.unwrap_or_default();
        return Err(Error::Threshold(format!(
            "{failing} quota{} of SubAppId {} {} at or above {}% used (--fail-at)",
            if failing == 1 { "" } else { "s" },
            target.sub_app_id,
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

fn threshold_message(sub_app_id: u64, quota: &Quota, threshold: f64) -> String {
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
        "{} of SubAppId {sub_app_id} is {used}, at or above {}%",
        describe_quota(quota),
        format_value(threshold)
    )
}

fn quota_row(quota: &Quota) -> QuotaRow {
    let exact = quota.used_percent();
    QuotaRow {
        quota_type: quota.quota_type.clone(),
        api_token: quota.token().map(redact_id),
        quota_limit: quota.quota_limit.clone(),
        usage: quota.usage.clone(),
        unit: unit_of(&quota.quota_type),
        used_percent: exact
            .map(|p| json_number((p * 100.0).round() / 100.0))
            .unwrap_or(Value::Null),
        used_percent_exact: exact,
    }
}

fn print_list(
    ctx: &Context,
    sub_app_id: u64,
    quotas: &[Quota],
    request_ids: &[String],
) -> Result<(), Error> {
    let rows: Vec<QuotaRow> = quotas.iter().map(quota_row).collect();
    ctx.output
        .write_with(|out| quota::write_list(sub_app_id, &rows, request_ids, ctx.format, out))?;
    Ok(())
}

/// A spinner on a terminal naming the VOD action a quota command waits for (spec §5 v3).
fn waiting(ctx: &Context, action: &str) -> crate::term::Spinner {
    crate::term::Spinner::start(
        ctx.terminal.stderr_is_tty && !ctx.global.quiet && !ctx.global.dry_run,
        vec![format!("vod {action}")],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Number;

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
        let rows: Vec<QuotaRow> = [
            quota("Text", Some("tok-secret-abcd"), 1000, 333),
            quota("Image", None, 0, 0),
        ]
        .iter()
        .map(quota_row)
        .collect();
        let text = quota::list_table(7, &rows);
        assert!(!text.contains("tok-secret"), "{text}");
        assert!(text.contains("****abcd"), "{text}");
        assert!(text.contains("1000 tokens"), "{text}");
        assert!(text.contains("33.3%"), "{text}");
        assert!(text.contains("0 images"), "{text}");
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
