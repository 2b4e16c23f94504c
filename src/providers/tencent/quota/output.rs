//! What `vod quota` prints, as provider-neutral documents: one confirmation (line or
//! object) per change, and the list of quotas. Built from plain views whose api tokens are
//! already redacted; the app's one document renderer prints them in the output format.

use serde::Serialize;
use serde_json::{Number, Value};

use crate::document::{Document, Grid, Text};

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
struct ListDoc {
    /// Null when the list named no application.
    sub_app_id: Option<u64>,
    quotas: Vec<QuotaRow>,
    request_ids: Vec<String>,
}

#[derive(Serialize)]
struct NdjsonRow {
    sub_app_id: Option<u64>,
    #[serde(flatten)]
    row: QuotaRow,
}

/// A change: `line` in the table format, `doc` otherwise.
pub fn change_document(doc: &ChangeDoc, line: &str) -> Document {
    let mut csv = Grid::new(&[
        "action",
        "sub_app_id",
        "quota_type",
        "quota_limit",
        "api_token",
        "request_id",
    ]);
    csv.rows.push(vec![
        doc.action.clone(),
        doc.sub_app_id.to_string(),
        doc.quota_type.clone(),
        doc.quota_limit.map(|l| l.to_string()).unwrap_or_default(),
        doc.api_token.clone().unwrap_or_default(),
        doc.request_id.clone().unwrap_or_default(),
    ]);
    Document {
        text: Text::Lines(vec![line.to_string()]),
        json: Box::new(doc.clone()),
        ndjson: vec![Box::new(doc.clone())],
        csv,
    }
}

fn number_text(n: Option<&Number>) -> String {
    n.map(Number::to_string).unwrap_or_default()
}

/// The list of quotas: a table titled with the SubAppId, one JSON document, one NDJSON
/// line and one CSV row per quota.
pub fn list_document(
    sub_app_id: Option<u64>,
    rows: &[QuotaRow],
    request_ids: &[String],
) -> Document {
    let mut csv = Grid::new(&[
        "sub_app_id",
        "quota_type",
        "api_token",
        "quota_limit",
        "usage",
        "unit",
        "used_percent",
    ]);
    for row in rows {
        csv.rows.push(vec![
            sub_app_id.map(|id| id.to_string()).unwrap_or_default(),
            row.quota_type.clone(),
            row.api_token.clone().unwrap_or_default(),
            number_text(row.quota_limit.as_ref()),
            number_text(row.usage.as_ref()),
            row.unit.to_string(),
            match &row.used_percent {
                Value::Null => String::new(),
                v => v.to_string(),
            },
        ]);
    }
    Document {
        text: list_table(sub_app_id, rows),
        json: Box::new(ListDoc {
            sub_app_id,
            quotas: rows.to_vec(),
            request_ids: request_ids.to_vec(),
        }),
        ndjson: rows
            .iter()
            .map(|row| {
                Box::new(NdjsonRow {
                    sub_app_id,
                    row: row.clone(),
                }) as Box<dyn crate::document::JsonValue>
            })
            .collect(),
        csv,
    }
}

/// The table of `vod quota list`: type, api token, limit, used, used %.
fn list_table(sub_app_id: Option<u64>, rows: &[QuotaRow]) -> Text {
    let mut grid = Grid::new(&["type", "api token", "limit", "used", "used %"]);
    for row in rows {
        let with_unit = |n: Option<&Number>| match n {
            Some(n) => format!("{n} {}", row.unit),
            None => "-".to_string(),
        };
        grid.rows.push(vec![
            row.quota_type.clone(),
            row.api_token.clone().unwrap_or_else(|| "-".into()),
            with_unit(row.quota_limit.as_ref()),
            with_unit(row.usage.as_ref()),
            row.used_percent_exact
                .map(|p| format!("{p:.1}%"))
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    Text::Table {
        title: match sub_app_id {
            Some(id) => format!("SubAppId {id}"),
            None => "AIGC quotas".to_string(),
        },
        grid,
        right_aligned: vec![2, 3, 4],
        when_empty: match sub_app_id {
            Some(id) => format!("No AIGC quotas for SubAppId {id}."),
            None => "No AIGC quotas.".to_string(),
        },
    }
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

    /// `document` in the table format, as the app's renderer prints it.
    fn table_text(document: &Document) -> String {
        match &document.text {
            Text::Table {
                grid, when_empty, ..
            } if grid.rows.is_empty() => format!("{when_empty}\n"),
            Text::Table { title, grid, .. } => {
                let cells: Vec<String> = grid.rows.iter().flatten().cloned().collect();
                format!("{title}\n{}\n", cells.join(" | "))
            }
            Text::Lines(lines) => lines.join("\n"),
        }
    }

    fn json_text(value: &dyn crate::document::JsonValue) -> String {
        let mut out = Vec::new();
        value.write_json(&mut out, false).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn table_shows_tokens_as_given_units_and_one_decimal() {
        let text = table_text(&list_document(
            Some(7),
            &[
                row("Text", Some("****abcd"), "tokens", 1000, 333),
                row("Image", None, "images", 0, 0),
            ],
            &[],
        ));
        assert!(text.contains("****abcd"), "{text}");
        assert!(text.contains("1000 tokens"), "{text}");
        assert!(text.contains("33.3%"), "{text}");
        assert!(text.contains("0 images"), "{text}");
        assert!(text.starts_with("SubAppId 7\n"), "{text}");
    }

    #[test]
    fn an_empty_list_says_so() {
        assert_eq!(
            table_text(&list_document(Some(7), &[], &[])),
            "No AIGC quotas for SubAppId 7.\n"
        );
        assert_eq!(
            table_text(&list_document(None, &[], &[])),
            "No AIGC quotas.\n"
        );
    }

    #[test]
    fn list_csv_and_ndjson_carry_the_sub_app_id_on_every_row() {
        let doc = list_document(
            Some(7),
            &[row("Image", None, "images", 200, 50)],
            &["r1".into()],
        );
        assert_eq!(
            doc.csv.rows,
            [["7", "Image", "", "200", "50", "images", "25.0"]]
        );
        assert_eq!(
            json_text(doc.ndjson[0].as_ref()),
            r#"{"sub_app_id":7,"quota_type":"Image","api_token":null,"quota_limit":200,"usage":50,"unit":"images","used_percent":25.0}"#
        );
        assert_eq!(
            json_text(doc.json.as_ref()),
            r#"{"sub_app_id":7,"quotas":[{"quota_type":"Image","api_token":null,"quota_limit":200,"usage":50,"unit":"images","used_percent":25.0}],"request_ids":["r1"]}"#
        );
    }

    #[test]
    fn a_list_without_a_sub_app_id_has_it_null_and_empty() {
        let doc = list_document(None, &[row("Image", None, "images", 200, 50)], &[]);
        assert_eq!(doc.csv.rows[0][0], "");
        assert!(json_text(doc.ndjson[0].as_ref()).starts_with(r#"{"sub_app_id":null,"#));
        assert!(json_text(doc.json.as_ref()).starts_with(r#"{"sub_app_id":null,"#));
        assert!(table_text(&doc).starts_with("AIGC quotas\n"));
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
        let document = change_document(&doc, "Set it");
        assert_eq!(
            json_text(document.ndjson[0].as_ref()),
            "{\"action\":\"ModifyAigcQuota\",\"sub_app_id\":200000004,\"quota_type\":\"Image\",\"quota_limit\":2000,\"api_token\":null,\"request_id\":\"fd44\"}"
        );
        assert_eq!(
            document.csv.rows,
            [["ModifyAigcQuota", "200000004", "Image", "2000", "", "fd44"]]
        );
        assert!(matches!(&document.text, Text::Lines(lines) if lines == &["Set it"]));
    }
}
