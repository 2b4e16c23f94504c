//! `vod quota set|create|delete|list`: validation, confirmation, and the quota output
//! (one confirmation line or object per change; a table/JSON/NDJSON/CSV of quotas).
//! Api tokens are credentials: everything printed here shows them redacted.

use std::io::{BufRead, Write};

use comfy_table::{presets, CellAlignment, ContentArrangement, Table};
use serde::Serialize;
use serde_json::{Number, Value};

use crate::cli::{QuotaCommand, QuotaDeleteArgs, QuotaListArgs, QuotaSetArgs, QuotaTargetArgs};
use crate::error::Error;
use crate::providers::tencent::client::{Client, Service};
use crate::providers::tencent::vod::{SERVICE, VERSION};
use crate::providers::tencent::vod_quota::{
    self, check_api_token, parse_limit, unit_of, ChangeKind, ListRequest, Quota, QuotaChange,
    QuotaType,
};
use crate::render::number::{format_value, json_number};
use crate::render::Format;
use crate::secret::redact_id;

use super::{endpoint_flag, Context};

pub async fn run(ctx: &Context, command: &QuotaCommand) -> Result<(), Error> {
    match command {
        QuotaCommand::Set(args) => set_or_create(ctx, args, ChangeKind::Set).await,
        QuotaCommand::Create(args) => set_or_create(ctx, args, ChangeKind::Create).await,
        QuotaCommand::Delete(args) => delete(ctx, args).await,
        QuotaCommand::List(args) => list(ctx, args).await,
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
    let endpoint = match &args.endpoint {
        Some(flag) => endpoint_flag(flag)?,
        None => ctx.settings.tencent.vod_endpoint.value.clone(),
    };
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
    let request_id = match vod_quota::change(&client, change).await {
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

/// The JSON object of a set/create/delete (spec §4), fields in the documented order.
#[derive(Serialize)]
struct ChangeDoc<'a> {
    action: &'a str,
    sub_app_id: u64,
    quota_type: &'a str,
    quota_limit: Option<i64>,
    api_token: Option<String>,
    request_id: Option<&'a str>,
}

fn change_doc<'a>(change: &'a QuotaChange, request_id: Option<&'a str>) -> ChangeDoc<'a> {
    ChangeDoc {
        action: change.kind.action(),
        sub_app_id: change.sub_app_id,
        quota_type: change.quota_type.as_str(),
        quota_limit: change.limit,
        api_token: change.api_token.as_deref().map(redact_id),
        request_id,
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
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match ctx.format {
        Format::Table => writeln!(out, "{}", change_line(change, request_id))?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &doc).map_err(json_error)?;
            writeln!(out)?;
        }
        Format::Ndjson => {
            serde_json::to_writer(&mut out, &doc).map_err(json_error)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record([
                "action",
                "sub_app_id",
                "quota_type",
                "quota_limit",
                "api_token",
                "request_id",
            ])
            .map_err(csv_error)?;
            w.write_record([
                doc.action.to_string(),
                doc.sub_app_id.to_string(),
                doc.quota_type.to_string(),
                doc.quota_limit.map(|l| l.to_string()).unwrap_or_default(),
                doc.api_token.clone().unwrap_or_default(),
                doc.request_id.unwrap_or_default().to_string(),
            ])
            .map_err(csv_error)?;
            w.flush()?;
        }
    }
    out.flush()?;
    Ok(())
}

fn json_error(e: serde_json::Error) -> Error {
    match e.io_error_kind() {
        Some(kind) => Error::Io(std::io::Error::from(kind)),
        None => Error::Internal(format!("serializing the output: {e}")),
    }
}

fn csv_error(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::Io(io),
        other => Error::Internal(format!("writing CSV: {other:?}")),
    }
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
    let result = vod_quota::list(&client, &request).await?;
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

/// One quota in `-o json` / `-o ndjson`.
#[derive(Serialize)]
struct QuotaRow {
    quota_type: String,
    api_token: Option<String>,
    quota_limit: Option<Number>,
    usage: Option<Number>,
    unit: &'static str,
    used_percent: Value,
}

fn quota_row(quota: &Quota) -> QuotaRow {
    QuotaRow {
        quota_type: quota.quota_type.clone(),
        api_token: quota.token().map(redact_id),
        quota_limit: quota.quota_limit.clone(),
        usage: quota.usage.clone(),
        unit: unit_of(&quota.quota_type),
        used_percent: quota
            .used_percent()
            .map(|p| json_number((p * 100.0).round() / 100.0))
            .unwrap_or(Value::Null),
    }
}

#[derive(Serialize)]
struct ListDoc<'a> {
    sub_app_id: u64,
    quotas: Vec<QuotaRow>,
    request_ids: &'a [String],
}

#[derive(Serialize)]
struct NdjsonRow {
    sub_app_id: u64,
    #[serde(flatten)]
    row: QuotaRow,
}

fn number_text(n: Option<&Number>) -> String {
    n.map(Number::to_string).unwrap_or_default()
}

fn print_list(
    ctx: &Context,
    sub_app_id: u64,
    quotas: &[Quota],
    request_ids: &[String],
) -> Result<(), Error> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match ctx.format {
        Format::Table => write!(out, "{}", list_table(sub_app_id, quotas))?,
        Format::Json => {
            let doc = ListDoc {
                sub_app_id,
                quotas: quotas.iter().map(quota_row).collect(),
                request_ids,
            };
            serde_json::to_writer_pretty(&mut out, &doc).map_err(json_error)?;
            writeln!(out)?;
        }
        Format::Ndjson => {
            for quota in quotas {
                let row = NdjsonRow {
                    sub_app_id,
                    row: quota_row(quota),
                };
                serde_json::to_writer(&mut out, &row).map_err(json_error)?;
                writeln!(out)?;
            }
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record([
                "sub_app_id",
                "quota_type",
                "api_token",
                "quota_limit",
                "usage",
                "unit",
                "used_percent",
            ])
            .map_err(csv_error)?;
            for quota in quotas {
                let row = quota_row(quota);
                w.write_record([
                    sub_app_id.to_string(),
                    row.quota_type,
                    row.api_token.unwrap_or_default(),
                    number_text(row.quota_limit.as_ref()),
                    number_text(row.usage.as_ref()),
                    row.unit.to_string(),
                    match row.used_percent {
                        Value::Null => String::new(),
                        v => v.to_string(),
                    },
                ])
                .map_err(csv_error)?;
            }
            w.flush()?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The table of `vod quota list`: type, api token, limit, used, used %.
fn list_table(sub_app_id: u64, quotas: &[Quota]) -> String {
    if quotas.is_empty() {
        return format!("No AIGC quotas for SubAppId {sub_app_id}.\n");
    }
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .apply_modifier(comfy_table::modifiers::UTF8_ROUND_CORNERS)
        .set_content_arrangement(ContentArrangement::Disabled)
        .force_no_tty()
        .set_header(["type", "api token", "limit", "used", "used %"]);
    for quota in quotas {
        let unit = unit_of(&quota.quota_type);
        let with_unit = |n: Option<&Number>| match n {
            Some(n) => format!("{n} {unit}"),
            None => "-".to_string(),
        };
        table.add_row([
            quota.quota_type.clone(),
            quota.token().map(redact_id).unwrap_or_else(|| "-".into()),
            with_unit(quota.quota_limit.as_ref()),
            with_unit(quota.usage.as_ref()),
            quota
                .used_percent()
                .map(|p| format!("{p:.1}%"))
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    for column in 2..5 {
        if let Some(c) = table.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    format!("SubAppId {sub_app_id}\n{table}\n")
}

#[cfg(test)]
mod tests {
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
        let text = list_table(
            7,
            &[
                quota("Text", Some("tok-secret-abcd"), 1000, 333),
                quota("Image", None, 0, 0),
            ],
        );
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
