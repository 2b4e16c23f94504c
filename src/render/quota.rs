//! The output of `vod quota`: one confirmation (line or object) per change, and the list
//! of quotas as a table, JSON, NDJSON or CSV. Takes plain views built by the caller, whose
//! api tokens are already redacted; never sees HTTP or provider types.

use std::io::{self, Write};

use comfy_table::{presets, CellAlignment, ContentArrangement, Table};
use serde::Serialize;
use serde_json::{Number, Value};

use super::Format;

/// The JSON object of a set/create/delete (spec §4), fields in the documented order.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeDoc {
    pub action: String,
    pub sub_app_id: u64,
    pub quota_type: String,
    pub quota_limit: Option<i64>,
    /// Redacted to its last 4 characters.
    pub api_token: Option<String>,
    pub request_id: Option<String>,
}

/// One quota of `vod quota list`.
#[derive(Debug, Clone, Serialize)]
pub struct QuotaRow {
    pub quota_type: String,
    /// Redacted to its last 4 characters.
    pub api_token: Option<String>,
    pub quota_limit: Option<Number>,
    pub usage: Option<Number>,
    pub unit: &'static str,
    /// Rounded to two decimals; null when the limit is 0.
    pub used_percent: Value,
    /// Unrounded, for the table's one decimal.
    #[serde(skip)]
    pub used_percent_exact: Option<f64>,
}

#[derive(Serialize)]
struct ListDoc<'a> {
    sub_app_id: u64,
    quotas: &'a [QuotaRow],
    request_ids: &'a [String],
}

#[derive(Serialize)]
struct NdjsonRow<'a> {
    sub_app_id: u64,
    #[serde(flatten)]
    row: &'a QuotaRow,
}

/// A change: `line` in the table format, `doc` otherwise.
pub fn write_change(
    doc: &ChangeDoc,
    line: &str,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        // prom and focus are refused for quota commands before anything is sent.
        Format::Table | Format::Prom | Format::Focus => writeln!(out, "{line}"),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, doc)?;
            writeln!(out)
        }
        Format::Ndjson => {
            serde_json::to_writer(&mut *out, doc)?;
            writeln!(out)
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([
                "action",
                "sub_app_id",
                "quota_type",
                "quota_limit",
                "api_token",
                "request_id",
            ])?;
            w.write_record([
                doc.action.clone(),
                doc.sub_app_id.to_string(),
                doc.quota_type.clone(),
                doc.quota_limit.map(|l| l.to_string()).unwrap_or_default(),
                doc.api_token.clone().unwrap_or_default(),
                doc.request_id.clone().unwrap_or_default(),
            ])?;
            out.write_all(&csv_bytes(w)?)
        }
    }
}

/// The bytes a csv writer over memory holds. Rows are built in memory and written once,
/// so that the csv writer never flushes the stream it would otherwise wrap.
fn csv_bytes(writer: csv::Writer<Vec<u8>>) -> io::Result<Vec<u8>> {
    writer
        .into_inner()
        .map_err(|e| io::Error::other(e.error().to_string()))
}

fn number_text(n: Option<&Number>) -> String {
    n.map(Number::to_string).unwrap_or_default()
}

pub fn write_list(
    sub_app_id: u64,
    rows: &[QuotaRow],
    request_ids: &[String],
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table | Format::Prom | Format::Focus => {
            write!(out, "{}", list_table(sub_app_id, rows))
        }
        Format::Json => {
            let doc = ListDoc {
                sub_app_id,
                quotas: rows,
                request_ids,
            };
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        Format::Ndjson => {
            for row in rows {
                serde_json::to_writer(&mut *out, &NdjsonRow { sub_app_id, row })?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([
                "sub_app_id",
                "quota_type",
                "api_token",
                "quota_limit",
                "usage",
                "unit",
                "used_percent",
            ])?;
            for row in rows {
                w.write_record([
                    sub_app_id.to_string(),
                    row.quota_type.clone(),
                    row.api_token.clone().unwrap_or_default(),
                    number_text(row.quota_limit.as_ref()),
                    number_text(row.usage.as_ref()),
                    row.unit.to_string(),
                    match &row.used_percent {
                        Value::Null => String::new(),
                        v => v.to_string(),
                    },
                ])?;
            }
            out.write_all(&csv_bytes(w)?)
        }
    }
}

/// The table of `vod quota list`: type, api token, limit, used, used %.
pub fn list_table(sub_app_id: u64, rows: &[QuotaRow]) -> String {
    if rows.is_empty() {
        return format!("No AIGC quotas for SubAppId {sub_app_id}.\n");
    }
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .apply_modifier(comfy_table::modifiers::UTF8_ROUND_CORNERS)
        .set_content_arrangement(ContentArrangement::Disabled)
        .force_no_tty()
        .set_header(["type", "api token", "limit", "used", "used %"]);
    for row in rows {
        let with_unit = |n: Option<&Number>| match n {
            Some(n) => format!("{n} {}", row.unit),
            None => "-".to_string(),
        };
        table.add_row([
            row.quota_type.clone(),
            row.api_token.clone().unwrap_or_else(|| "-".into()),
            with_unit(row.quota_limit.as_ref()),
            with_unit(row.usage.as_ref()),
            row.used_percent_exact
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

    fn row(
        kind: &str,
        token: Option<&str>,
        unit: &'static str,
        limit: i64,
        usage: i64,
    ) -> QuotaRow {
        let exact = (limit > 0).then(|| usage as f64 / limit as f64 * 100.0);
        QuotaRow {
            quota_type: kind.into(),
            api_token: token.map(String::from),
            quota_limit: Some(Number::from(limit)),
            usage: Some(Number::from(usage)),
            unit,
            used_percent: exact.map(|p| serde_json::json!(p)).unwrap_or(Value::Null),
            used_percent_exact: exact,
        }
    }

    #[test]
    fn table_shows_tokens_as_given_units_and_one_decimal() {
        let text = list_table(
            7,
            &[
                row("Text", Some("****abcd"), "tokens", 1000, 333),
                row("Image", None, "images", 0, 0),
            ],
        );
        assert!(text.contains("****abcd"), "{text}");
        assert!(text.contains("1000 tokens"), "{text}");
        assert!(text.contains("33.3%"), "{text}");
        assert!(text.contains("0 images"), "{text}");
        assert!(text.starts_with("SubAppId 7\n"), "{text}");
    }

    #[test]
    fn an_empty_list_says_so() {
        assert_eq!(list_table(7, &[]), "No AIGC quotas for SubAppId 7.\n");
    }

    #[test]
    fn change_json_keeps_the_documented_key_order() {
        let doc = ChangeDoc {
            action: "ModifyAigcQuota".into(),
            sub_app_id: 200000004,
            quota_type: "Image".into(),
            quota_limit: Some(2000),
            api_token: None,
            request_id: Some("fd44".into()),
        };
        let mut out = Vec::new();
        write_change(&doc, "", Format::Ndjson, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"action\":\"ModifyAigcQuota\",\"sub_app_id\":200000004,\"quota_type\":\"Image\",\"quota_limit\":2000,\"api_token\":null,\"request_id\":\"fd44\"}\n"
        );
    }
}
