//! Hand-built reports shared by the renderer tests.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset};

use crate::series::{Aggregation, Failure, Granularity, Point, Query, Report, Series};
use crate::zone::Zone;

pub fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn series(
    provider: &str,
    source: &str,
    name: &str,
    metric: &str,
    unit: Option<&str>,
    granularity: Option<Granularity>,
    points: Vec<Point>,
) -> Series {
    Series {
        provider: provider.into(),
        source: source.into(),
        name: name.into(),
        metric: metric.into(),
        unit: unit.map(Into::into),
        granularity,
        labels: BTreeMap::new(),
        points,
        aggregation: Aggregation::Sum,
        exact_total: None,
    }
}

fn partial(mut p: Point) -> Point {
    p.partial = true;
    p
}

pub fn query(tz: Zone) -> Query {
    Query {
        start: t("2025-11-18T00:00:00+08:00"),
        end: t("2025-11-19T23:59:59+08:00"),
        tz,
        commands: vec!["vod usage".into(), "lke tokens".into()],
    }
}

/// VOD day series in +08:00 (usage and count, the last day partial), an LKE 5-minute
/// series in +08:00 and an hourly ModelRouter cost series without a unit, rendered in UTC:
/// the sub-daily times move, the days do not.
pub fn report() -> Report {
    let spec = "Kling2.0&2.1std_720P";
    let vod_labels = labels(&[("aigc_type", "Video"), ("specification", spec)]);
    let mut usage = series(
        "tencent",
        "vod.aigc_usage",
        spec,
        "usage",
        Some("seconds"),
        Some(Granularity::Day),
        vec![
            Point::new(t("2025-11-18T00:00:00+08:00"), 15.0),
            partial(Point::new(t("2025-11-19T00:00:00+08:00"), 30.5)),
        ],
    );
    usage.labels = vod_labels.clone();
    let mut count = series(
        "tencent",
        "vod.aigc_usage",
        spec,
        "count",
        Some("tasks"),
        Some(Granularity::Day),
        vec![
            Point::new(t("2025-11-18T00:00:00+08:00"), 3.0),
            partial(Point::new(t("2025-11-19T00:00:00+08:00"), 5.0)),
        ],
    );
    count.labels = vod_labels;
    let lke = series(
        "tencent",
        "lke.token_usage",
        "total",
        "tokens",
        Some("tokens"),
        Some(Granularity::FiveMinutes),
        vec![
            Point::new(t("2025-11-18T09:30:00+08:00"), 1200.0),
            Point::new(t("2025-11-18T09:35:00+08:00"), 0.0),
            Point::new(t("2025-11-18T09:40:00+08:00"), 345.0),
        ],
    );
    let mut cost = series(
        "alibaba",
        "modelrouter.cost_trend",
        "cost",
        "cost",
        None,
        Some(Granularity::Hour),
        vec![
            Point::new(t("2025-11-18T09:00:00+08:00"), 0.1),
            Point::new(t("2025-11-18T10:00:00+08:00"), 0.2),
        ],
    );
    cost.labels = labels(&[("label", "费用")]);
    Report::new(query(Zone::UTC), vec![usage, count, lke, cost])
}

/// `n` VOD-like day series over `days` days, values growing with the index so the
/// largest totals are the last series. Values are not integral (`x.5`): the slow path of
/// number formatting.
pub fn big_report(n: usize, days: usize) -> Report {
    let start = t("2025-01-01T00:00:00+08:00");
    let all = (0..n)
        .map(|i| {
            let points = (0..days)
                .map(|d| Point::new(start + Duration::days(d as i64), (i + d) as f64 + 0.5))
                .collect();
            series(
                "tencent",
                "vod.aigc_usage",
                &format!("spec-{i:04}"),
                "usage",
                Some("seconds"),
                Some(Granularity::Day),
                points,
            )
        })
        .collect();
    let mut query = query("Asia/Shanghai".parse().unwrap());
    query.start = start;
    query.end = start + Duration::days(days as i64) - Duration::seconds(1);
    query.commands = vec!["vod usage".into()];
    Report::new(query, all)
}

/// AceData day series as `report --from-store` gives them after syncing two accounts:
/// the same names, metric and unit, told apart only by the label `account` (the
/// values differ so that the columns can be told apart too), plus one series only
/// `team-b` has.
pub fn two_accounts() -> Report {
    let day = |d: u32| t(&format!("2025-11-{d:02}T00:00:00+00:00"));
    let series = |account: &str, name: &str, values: &[f64]| {
        let points = values
            .iter()
            .enumerate()
            .map(|(i, v)| Point::new(day(18 + i as u32), *v))
            .collect();
        let mut s = series(
            "acedata",
            "acedata.api_usage",
            name,
            "amount",
            Some("credits"),
            Some(Granularity::Day),
            points,
        );
        s.labels = labels(&[("account", account), ("api", name)]);
        s
    };
    Report::new(
        query(Zone::UTC),
        vec![
            series("team-a", "Claude Messages", &[9.4, 13.0]),
            series("team-b", "Claude Messages", &[1.5, 2.0]),
            series("team-a", "Midjourney Imagine", &[66.1, 24.8]),
            series("team-b", "Midjourney Imagine", &[3.0, 4.25]),
            series("team-b", "Suno Music", &[7.0, 8.0]),
        ],
    )
}

pub fn failure() -> Failure {
    Failure {
        provider: "acedata".into(),
        source: "acedata.api_usage".into(),
        code: "401".into(),
        message: "token expired".into(),
        request_id: None,
    }
}
