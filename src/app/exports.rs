//! What `-o prom` needs beyond the series: the sources a run asked, from the registry.

use crate::providers;
use crate::series::Report;

/// Every (provider, source id) the report's commands asked: `report vod` asks the source
/// `report --providers` calls `vod`, a usage command (`vod usage`) the source named by its
/// first word.
pub fn asked_sources(report: &Report) -> Vec<(String, String)> {
    report
        .query
        .commands
        .iter()
        .filter_map(|command| {
            let mut words = command.split_whitespace();
            let name = match words.next()? {
                "report" => words.next()?,
                first => first,
            };
            providers::sources()
                .find(|(_, source)| source.name == name)
                .map(|(provider, source)| (provider.id.to_string(), source.id.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Query;
    use crate::zone::Zone;

    fn report(commands: &[&str]) -> Report {
        let start = chrono::DateTime::parse_from_rfc3339("2025-11-01T00:00:00Z").unwrap();
        Report::new(
            Query {
                start,
                end: start,
                tz: Zone::Fixed(chrono::FixedOffset::east_opt(0).unwrap()),
                commands: commands.iter().map(|c| c.to_string()).collect(),
            },
            Vec::new(),
        )
    }

    #[test]
    fn report_and_usage_commands_name_their_sources() {
        let asked = asked_sources(&report(&["report vod", "report modelrouter"]));
        assert_eq!(
            asked,
            [
                ("tencent".to_string(), "vod.aigc_usage".to_string()),
                ("alibaba".to_string(), "modelrouter.cost_trend".to_string())
            ]
        );
        let asked = asked_sources(&report(&["lke tokens"]));
        assert_eq!(asked.len(), 1);
        assert_eq!(asked[0].0, "tencent");
    }
}
