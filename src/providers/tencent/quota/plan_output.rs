//! The output of `vod quota apply` (spec §4 v3): the plan as lines with a counts line, the
//! changes applied, and the JSON document. Takes a plain view whose api tokens are already
//! redacted; sees no HTTP.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

/// The JSON document of `vod quota apply -o json`, fields in the documented order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDoc {
    pub sub_app_id: u64,
    pub dry_run: bool,
    /// In the order of application: deletes, modifies, creates.
    pub changes: Vec<PlanChangeDoc>,
    pub unchanged: usize,
    pub not_in_file: usize,
}

/// One change of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanChangeDoc {
    /// `create`, `modify` or `delete`.
    pub action: String,
    pub quota_type: String,
    /// Redacted to its last 4 characters (`****abcd`).
    pub api_token: Option<String>,
    pub old_limit: Option<i64>,
    pub new_limit: Option<i64>,
    pub applied: bool,
    pub request_id: Option<String>,
}

impl PlanDoc {
    fn count(&self, action: &str) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }

    /// `N to create, M to modify, K to delete, L unchanged, U not in the file`.
    pub fn counts_line(&self) -> String {
        format!(
            "{} to create, {} to modify, {} to delete, {} unchanged, {} not in the file",
            self.count("create"),
            self.count("modify"),
            self.count("delete"),
            self.unchanged,
            self.not_in_file
        )
    }
}

/// One change as the plan shows it: `create Image limit 2000`, `modify Text ****abcd 1000
/// → 5000`, `delete Video`.
pub fn change_line(change: &PlanChangeDoc) -> String {
    let mut text = format!("{} {}", change.action, change.quota_type);
    if let Some(token) = &change.api_token {
        text.push(' ');
        text.push_str(token);
    }
    let limit = |l: Option<i64>| l.map_or_else(|| "none".to_string(), |l| l.to_string());
    match change.action.as_str() {
        "create" => text.push_str(&format!(" limit {}", limit(change.new_limit))),
        "modify" => text.push_str(&format!(
            " {} → {}",
            limit(change.old_limit),
            limit(change.new_limit)
        )),
        _ => {}
    }
    text
}

/// The plan: one line per change, then the counts line.
pub fn write_plan_table(doc: &PlanDoc, out: &mut dyn Write) -> io::Result<()> {
    for change in &doc.changes {
        writeln!(out, "{}", change_line(change))?;
    }
    writeln!(out, "{}", doc.counts_line())
}

/// The changes that were applied, one line each with its RequestId:
/// `applied: delete Video (RequestId ...)`; `applied: nothing` when none was.
pub fn applied_lines(doc: &PlanDoc) -> Vec<String> {
    let lines: Vec<String> = doc
        .changes
        .iter()
        .filter(|c| c.applied)
        .map(|c| {
            format!(
                "applied: {} (RequestId {})",
                change_line(c),
                c.request_id.as_deref().unwrap_or("not given")
            )
        })
        .collect();
    if lines.is_empty() {
        vec!["applied: nothing".to_string()]
    } else {
        lines
    }
}

/// After a run in the table format: what was applied.
pub fn write_applied_table(doc: &PlanDoc, out: &mut dyn Write) -> io::Result<()> {
    for line in applied_lines(doc) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// `-o json`: the document, pretty-printed.
pub fn write_plan_json(doc: &PlanDoc, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, doc)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(
        action: &str,
        quota_type: &str,
        token: Option<&str>,
        old: Option<i64>,
        new: Option<i64>,
        request_id: Option<&str>,
    ) -> PlanChangeDoc {
        PlanChangeDoc {
            action: action.into(),
            quota_type: quota_type.into(),
            api_token: token.map(String::from),
            old_limit: old,
            new_limit: new,
            applied: request_id.is_some(),
            request_id: request_id.map(String::from),
        }
    }

    fn doc(applied: bool) -> PlanDoc {
        let id = |s: &'static str| applied.then_some(s);
        PlanDoc {
            sub_app_id: 200000004,
            dry_run: !applied,
            changes: vec![
                change("delete", "Video", None, Some(600), None, id("req-1")),
                change(
                    "modify",
                    "Text",
                    Some("****abcd"),
                    Some(1000),
                    Some(5000),
                    id("req-2"),
                ),
                change("create", "Image", None, None, Some(2000), None),
            ],
            unchanged: 1,
            not_in_file: 0,
        }
    }

    fn text(write: impl Fn(&PlanDoc, &mut dyn Write) -> io::Result<()>, doc: &PlanDoc) -> String {
        let mut out = Vec::new();
        write(doc, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_plan_is_one_line_per_change_and_the_counts() {
        assert_eq!(
            text(write_plan_table, &doc(false)),
            "delete Video\n\
             modify Text ****abcd 1000 → 5000\n\
             create Image limit 2000\n\
             1 to create, 1 to modify, 1 to delete, 1 unchanged, 0 not in the file\n"
        );
    }

    #[test]
    fn an_empty_plan_is_the_counts_line_alone() {
        let empty = PlanDoc {
            changes: vec![],
            unchanged: 3,
            not_in_file: 2,
            ..doc(false)
        };
        assert_eq!(
            text(write_plan_table, &empty),
            "0 to create, 0 to modify, 0 to delete, 3 unchanged, 2 not in the file\n"
        );
    }

    #[test]
    fn applied_changes_carry_their_request_ids() {
        assert_eq!(
            text(write_applied_table, &doc(true)),
            "applied: delete Video (RequestId req-1)\n\
             applied: modify Text ****abcd 1000 → 5000 (RequestId req-2)\n"
        );
        assert_eq!(applied_lines(&doc(false)), ["applied: nothing"]);
    }

    #[test]
    fn json_document_snapshot() {
        insta::assert_snapshot!(text(write_plan_json, &doc(true)));
    }

    #[test]
    fn json_document_reads_back_with_the_documented_keys() {
        let written = text(write_plan_json, &doc(true));
        let value: serde_json::Value = serde_json::from_str(&written).unwrap();
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "changes",
                "dry_run",
                "not_in_file",
                "sub_app_id",
                "unchanged"
            ]
        );
        let change_keys: Vec<&String> = value["changes"][0].as_object().unwrap().keys().collect();
        assert_eq!(
            change_keys,
            [
                "action",
                "api_token",
                "applied",
                "new_limit",
                "old_limit",
                "quota_type",
                "request_id"
            ]
        );
        assert_eq!(value["changes"][2]["request_id"], serde_json::Value::Null);
        let back: PlanDoc = serde_json::from_str(&written).unwrap();
        assert_eq!(back, doc(true));
    }
}
