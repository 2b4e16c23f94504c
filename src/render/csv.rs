//! `-o csv`: header `time,provider,source,series,metric,unit,value,partial,labels`, one
//! row per point, RFC 4180 quoting, `\n` line ends (spec §5). A missing unit is an empty
//! field; `partial` is `true` or empty; `labels` is the series' labels as a compact JSON
//! object (the last two columns are new in v3, after the v2 ones, so readers by name or
//! position keep working). `--no-header` leaves the header out.

use std::io::{self, Write};

use super::time::TimeCache;
use crate::number;
use crate::series::Report;

pub const HEADER: [&str; 9] = [
    "time", "provider", "source", "series", "metric", "unit", "value", "partial", "labels",
];

fn csv_error(e: ::csv::Error) -> io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// `fields` as one CSV record (RFC 4180 quoting where needed) without its line end.
fn record(fields: &[&[u8]]) -> io::Result<Vec<u8>> {
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .quote_style(::csv::QuoteStyle::Necessary)
        .from_writer(Vec::with_capacity(128));
    writer.write_record(fields).map_err(csv_error)?;
    let mut bytes = writer
        .into_inner()
        .map_err(|e| io::Error::other(e.to_string()))?;
    bytes.pop();
    Ok(bytes)
}

/// Writes the header (unless `no_header`) and one row per point, series in the order
/// given.
///
/// The fields that are the same for every point of a series are quoted once, by the csv
/// crate; each row then adds the time, the value and the partial flag, which never need
/// quoting.
pub fn write(report: &Report, no_header: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut out = super::buffered(out);
    if !no_header {
        let header: Vec<&[u8]> = HEADER.iter().map(|h| h.as_bytes()).collect();
        out.write_all(&record(&header)?)?;
        out.write_all(b"\n")?;
    }
    let mut times = TimeCache::new(report.query.tz);
    for s in &report.series {
        let mut middle = vec![b','];
        middle.extend(record(&[
            s.provider.as_bytes(),
            s.source.as_bytes(),
            s.name.as_bytes(),
            s.metric.as_bytes(),
            s.unit.as_deref().unwrap_or("").as_bytes(),
        ])?);
        middle.push(b',');
        // A map of strings always serializes.
        let labels = serde_json::to_string(&s.labels).map_err(io::Error::other)?;
        let mut tail = vec![b','];
        tail.extend(record(&[labels.as_bytes()])?);
        tail.push(b'\n');
        for p in &s.points {
            out.write_all(times.get(&p.time, s.granularity).as_bytes())?;
            out.write_all(&middle)?;
            number::write_plain(&mut out, p.value)?;
            out.write_all(if p.partial { b",true" } else { b"," })?;
            out.write_all(&tail)?;
        }
    }
    super::finish(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures;

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        write(report, false, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&fixtures::report()));
    }

    #[test]
    fn header_rows_and_line_ends() {
        let report = fixtures::report();
        let text = render(&report);
        assert!(!text.contains('\r'));
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            "time,provider,source,series,metric,unit,value,partial,labels"
        );
        assert_eq!(
            lines.next().unwrap(),
            r#"2025-11-18T01:00:00+00:00,alibaba,modelrouter.cost_trend,cost,cost,,0.1,,"{""label"":""费用""}""#
        );
        let points: usize = report.series.iter().map(|s| s.points.len()).sum();
        assert_eq!(text.lines().count(), points + 1);
        assert!(text.contains(
            "2025-11-18T00:00:00+08:00,tencent,vod.aigc_usage,Kling2.0&2.1std_720P,usage,seconds,15,,"
        ));
    }

    #[test]
    fn partial_and_labels_columns_read_back() {
        let mut report = fixtures::report();
        let s = report
            .series
            .iter_mut()
            .find(|s| s.points.iter().any(|p| p.partial))
            .expect("the fixture has a partial point");
        s.labels.clear();
        s.labels.insert("aigc_type".into(), "Video".into());
        s.labels.insert("note".into(), "a,\"b\"".into());
        let name = s.name.clone();
        let text = render(&report);
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let mine: Vec<_> = rows.iter().filter(|r| &r[3] == name.as_str()).collect();
        assert!(mine.iter().any(|r| &r[7] == "true"));
        assert!(mine.iter().any(|r| r[7].is_empty()));
        assert!(rows
            .iter()
            .all(|r| r.len() == 9 && (r[7].is_empty() || &r[7] == "true")));
        let labels: serde_json::Value = serde_json::from_str(&mine[0][8]).unwrap();
        assert_eq!(labels["aigc_type"], "Video");
        assert_eq!(labels["note"], "a,\"b\"");
        // Compact JSON: no spaces after separators.
        assert_eq!(&mine[0][8], r#"{"aigc_type":"Video","note":"a,\"b\""}"#);
    }

    #[test]
    fn no_header_leaves_only_the_rows() {
        let report = fixtures::report();
        let mut out = Vec::new();
        write(&report, true, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let with_header = render(&report);
        assert_eq!(with_header.split_once('\n').unwrap().1, text);
    }

    #[test]
    fn awkward_names_are_quoted_per_rfc_4180() {
        let mut report = fixtures::report();
        report.series[0].name = "a,b \"quoted\"\nnext".into();
        let text = render(&report);
        assert!(text.contains(",\"a,b \"\"quoted\"\"\nnext\","));
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(&rows[0][3], "a,b \"quoted\"\nnext");
        assert_eq!(rows[0].len(), 9);
    }

    #[test]
    fn empty_report_is_just_the_header() {
        let report = Report::new(fixtures::query(crate::zone::Zone::UTC), Vec::new());
        assert_eq!(
            render(&report),
            "time,provider,source,series,metric,unit,value,partial,labels\n"
        );
    }
}
