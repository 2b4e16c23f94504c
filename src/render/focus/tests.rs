use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::render::fixtures::{series, t};

fn labelled(mut s: Series, pairs: &[(&str, &str)]) -> Series {
    s.labels = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    s
}

fn point(time: &str, value: f64, partial: bool) -> Point {
    Point {
        partial,
        ..Point::new(t(time), value)
    }
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// What the integrator looks up in each provider's folder.
fn names(provider: &str, source: &str) -> Option<DisplayNames> {
    let provider_name = match provider {
        "tencent" => "Tencent Cloud",
        "alibaba" => "Alibaba Cloud",
        "acedata" => "AceData Cloud",
        _ => return None,
    };
    let service = match source {
        "vod.aigc_usage" => "Video on Demand",
        "lke.token_usage" => "Agent Development Platform",
        "modelrouter.cost_trend" => "AiContent ModelRouter",
        "acedata.api_usage" => "AceData Cloud API",
        _ => return None,
    };
    Some(DisplayNames {
        provider: provider_name,
        service,
    })
}

const SPEC: &str = "Kling2.0&2.1std_720P";

fn vod_labels() -> Vec<(&'static str, &'static str)> {
    vec![("aigc_type", "Video"), ("specification", SPEC)]
}

/// Quantities and the cost series the cost layer makes of them (spec §8): a VOD day series
/// in +08:00 (15 s at 0.40 CNY = 6, the second day partial), LKE hourly tokens, a
/// ModelRouter hourly money series, AceData UTC day credits priced in USD.
fn quantities() -> Vec<Series> {
    vec![
        labelled(
            series(
                "tencent",
                "vod.aigc_usage",
                SPEC,
                "usage",
                Some("seconds"),
                Some(Granularity::Day),
                vec![
                    point("2025-11-30T00:00:00+08:00", 15.0, false),
                    point("2025-12-01T00:00:00+08:00", 7.5, true),
                ],
            ),
            &vod_labels(),
        ),
        series(
            "tencent",
            "lke.token_usage",
            "deepseek-v3, \"0324\"",
            "tokens",
            Some("tokens"),
            Some(Granularity::Hour),
            vec![
                point("2025-11-30T23:00:00+08:00", 120_000.0, false),
                point("2025-12-01T00:00:00+08:00", 3_000.0, false),
            ],
        ),
        series(
            "acedata",
            "acedata.api_usage",
            "suno-audios",
            "amount",
            Some("credits"),
            Some(Granularity::Day),
            vec![
                point("2025-11-30T00:00:00+00:00", 1234.0, false),
                point("2025-12-01T00:00:00+00:00", 10.5, true),
            ],
        ),
    ]
}

fn costs() -> Vec<Series> {
    let cost = |mut s: Series, priced: &str, source: &str| {
        s.labels
            .insert(PRICED_METRIC.to_string(), priced.to_string());
        s.labels
            .insert(PRICE_SOURCE.to_string(), source.to_string());
        s
    };
    vec![
        cost(
            series(
                "acedata",
                "acedata.api_usage",
                "suno-audios",
                "cost",
                Some("USD"),
                Some(Granularity::Day),
                vec![
                    point("2025-11-30T00:00:00+00:00", 160.42, false),
                    point("2025-12-01T00:00:00+00:00", 1.365, true),
                ],
            ),
            "amount",
            "price_book",
        ),
        cost(
            series(
                "alibaba",
                "modelrouter.cost_trend",
                "all",
                "cost",
                Some("CNY"),
                Some(Granularity::Hour),
                vec![
                    point("2025-11-18T09:00:00+08:00", 873.95, false),
                    point("2025-11-18T10:00:00+08:00", 0.1 + 0.2, false),
                ],
            ),
            "total_amount",
            "provider",
        ),
        cost(
            series(
                "tencent",
                "lke.token_usage",
                "deepseek-v3, \"0324\"",
                "cost",
                Some("CNY"),
                Some(Granularity::Hour),
                vec![
                    point("2025-11-30T23:00:00+08:00", 0.48, false),
                    point("2025-12-01T00:00:00+08:00", 0.012, false),
                ],
            ),
            "tokens",
            "price_book",
        ),
        cost(
            labelled(
                series(
                    "tencent",
                    "vod.aigc_usage",
                    SPEC,
                    "cost",
                    Some("CNY"),
                    Some(Granularity::Day),
                    vec![
                        point("2025-11-30T00:00:00+08:00", 6.0, false),
                        point("2025-12-01T00:00:00+08:00", 3.0, true),
                    ],
                ),
                &vod_labels(),
            ),
            "usage",
            "price_book",
        ),
    ]
}

fn build<'a>(costs: &'a [Series], quantities: &'a [Series], tz: Zone) -> Vec<FocusRow<'a>> {
    rows(&RowsInput {
        costs,
        quantities,
        account: "work",
        names: &names,
        tz,
    })
    .unwrap()
}

fn render(rows: &[FocusRow<'_>]) -> String {
    let mut out = Vec::new();
    write(rows, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The CSV read back as header → cell maps, by a CSV reader.
fn records(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = ::csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, HEADER);
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn assert_row(row: &BTreeMap<String, String>, expected: &[(&str, &str)]) {
    assert_eq!(expected.len(), HEADER.len(), "every column is checked");
    for (column, value) in expected {
        assert_eq!(row[*column], *value, "{column}");
    }
}

#[test]
fn header_is_in_the_order_of_the_spec() {
    let text = render(&[]);
    assert_eq!(
        text,
        "BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,\
BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,\
ChargePeriodEnd,ChargePeriodStart,ConsumedQuantity,ConsumedUnit,ContractedCost,\
EffectiveCost,InvoiceId,InvoiceIssuerName,ListCost,PricingQuantity,PricingUnit,\
ProviderName,PublisherName,ServiceCategory,ServiceName,ServiceSubcategory,x_Source,\
x_Series,x_Metric,x_PriceSource,x_Partial\n"
    );
}

#[test]
fn priced_vod_day_point_column_by_column() {
    let (costs, quantities) = (costs(), quantities());
    // --tz plays no part for day buckets: the +08:00 day stays a +08:00 day.
    let tz: Zone = "America/New_York".parse().unwrap();
    let text = render(&build(&costs[3..], &quantities, tz));
    let records = records(&text);
    assert_eq!(records.len(), 2);
    assert_row(
        &records[0],
        &[
            ("BilledCost", "6.0"),
            ("BillingAccountId", "work"),
            ("BillingAccountName", "work"),
            ("BillingCurrency", "CNY"),
            // November in +08:00: 2025-11-01T00:00+08:00 to 2025-12-01T00:00+08:00.
            ("BillingPeriodEnd", "2025-11-30T16:00:00Z"),
            ("BillingPeriodStart", "2025-10-31T16:00:00Z"),
            ("ChargeCategory", "Usage"),
            ("ChargeClass", ""),
            ("ChargeDescription", "Kling2.0&2.1std_720P usage"),
            ("ChargeFrequency", "Usage-Based"),
            ("ChargePeriodEnd", "2025-11-30T16:00:00Z"),
            ("ChargePeriodStart", "2025-11-29T16:00:00Z"),
            ("ConsumedQuantity", "15.0"),
            ("ConsumedUnit", "seconds"),
            ("ContractedCost", "6.0"),
            ("EffectiveCost", "6.0"),
            ("InvoiceId", ""),
            ("InvoiceIssuerName", "Tencent Cloud"),
            ("ListCost", "6.0"),
            ("PricingQuantity", "15.0"),
            ("PricingUnit", "seconds"),
            ("ProviderName", "Tencent Cloud"),
            ("PublisherName", "Tencent Cloud"),
            ("ServiceCategory", "AI and Machine Learning"),
            ("ServiceName", "Video on Demand"),
            ("ServiceSubcategory", "Generative AI"),
            ("x_Source", "vod.aigc_usage"),
            ("x_Series", SPEC),
            ("x_Metric", "usage"),
            ("x_PriceSource", "price_book"),
            ("x_Partial", "false"),
        ],
    );
    // The next +08:00 day is 1 December: December's billing period, and partial.
    let second = &records[1];
    assert_eq!(second["ChargePeriodStart"], "2025-11-30T16:00:00Z");
    assert_eq!(second["BillingPeriodStart"], "2025-11-30T16:00:00Z");
    assert_eq!(second["BillingPeriodEnd"], "2025-12-31T16:00:00Z");
    assert_eq!(second["PricingQuantity"], "7.5");
    assert_eq!(second["BilledCost"], "3.0");
    assert_eq!(second["x_Partial"], "true");
}

#[test]
fn modelrouter_money_point_column_by_column() {
    let (costs, quantities) = (costs(), quantities());
    let text = render(&build(&costs[1..2], &quantities, Zone::UTC));
    let records = records(&text);
    assert_eq!(records.len(), 2);
    assert_row(
        &records[0],
        &[
            ("BilledCost", "873.95"),
            ("BillingAccountId", "work"),
            ("BillingAccountName", "work"),
            ("BillingCurrency", "CNY"),
            ("BillingPeriodEnd", "2025-12-01T00:00:00Z"),
            ("BillingPeriodStart", "2025-11-01T00:00:00Z"),
            ("ChargeCategory", "Usage"),
            ("ChargeClass", ""),
            ("ChargeDescription", "all total_amount"),
            ("ChargeFrequency", "Usage-Based"),
            ("ChargePeriodEnd", "2025-11-18T02:00:00Z"),
            ("ChargePeriodStart", "2025-11-18T01:00:00Z"),
            ("ConsumedQuantity", ""),
            ("ConsumedUnit", ""),
            ("ContractedCost", "873.95"),
            ("EffectiveCost", "873.95"),
            ("InvoiceId", ""),
            ("InvoiceIssuerName", "Alibaba Cloud"),
            ("ListCost", "873.95"),
            ("PricingQuantity", ""),
            ("PricingUnit", ""),
            ("ProviderName", "Alibaba Cloud"),
            ("PublisherName", "Alibaba Cloud"),
            ("ServiceCategory", "AI and Machine Learning"),
            ("ServiceName", "AiContent ModelRouter"),
            ("ServiceSubcategory", "Generative AI"),
            ("x_Source", "modelrouter.cost_trend"),
            ("x_Series", "all"),
            ("x_Metric", "total_amount"),
            ("x_PriceSource", "provider"),
            ("x_Partial", "false"),
        ],
    );
    // 0.1 + 0.2 in binary floating point is still 0.3.
    assert_eq!(records[1]["BilledCost"], "0.3");
}

#[test]
fn sub_daily_buckets_are_billed_in_the_month_of_tz() {
    let (costs, quantities) = (costs(), quantities());
    // 2025-11-30T23:00+08:00 is 15:00 UTC: November in UTC, and in +08:00 too.
    // 2025-12-01T00:00+08:00 is 2025-11-30T16:00 UTC: November in UTC, December in +08:00.
    let in_utc = records(&render(&build(&costs[2..3], &quantities, Zone::UTC)));
    assert_eq!(in_utc[1]["ChargePeriodStart"], "2025-11-30T16:00:00Z");
    assert_eq!(in_utc[1]["BillingPeriodStart"], "2025-11-01T00:00:00Z");
    assert_eq!(in_utc[1]["BillingPeriodEnd"], "2025-12-01T00:00:00Z");
    let shanghai: Zone = "Asia/Shanghai".parse().unwrap();
    let in_shanghai = records(&render(&build(&costs[2..3], &quantities, shanghai)));
    assert_eq!(in_shanghai[0]["BillingPeriodStart"], "2025-10-31T16:00:00Z");
    assert_eq!(in_shanghai[1]["BillingPeriodStart"], "2025-11-30T16:00:00Z");
    assert_eq!(in_shanghai[1]["BillingPeriodEnd"], "2025-12-31T16:00:00Z");
    // The quantity of each point is the token count of the same hour.
    assert_eq!(in_utc[0]["ConsumedQuantity"], "120000.0");
    assert_eq!(in_utc[1]["PricingQuantity"], "3000.0");
    assert_eq!(in_utc[1]["PricingUnit"], "tokens");
    assert_eq!(in_utc[1]["BilledCost"], "0.012");
}

#[test]
fn named_zone_months_follow_daylight_saving() {
    let ny: Zone = "America/New_York".parse().unwrap();
    // 2025-11-15 is EST (-05:00); November began in EDT (-04:00) and December in EST.
    let period = ChargePeriod::of_bucket(
        t("2025-11-15T12:00:00Z"),
        Some(Granularity::FifteenMinutes),
        &ny,
    );
    assert_eq!(utc(period.start), "2025-11-15T12:00:00Z");
    assert_eq!(utc(period.end), "2025-11-15T12:15:00Z");
    assert_eq!(utc(period.billing_start), "2025-11-01T04:00:00Z");
    assert_eq!(utc(period.billing_end), "2025-12-01T05:00:00Z");
}

#[test]
fn week_month_and_instant_periods() {
    let week = ChargePeriod::of_bucket(
        t("2025-12-29T00:00:00+08:00"),
        Some(Granularity::Week),
        &Zone::UTC,
    );
    assert_eq!(utc(week.end), "2026-01-04T16:00:00Z");
    assert_eq!(utc(week.billing_start), "2025-11-30T16:00:00Z");
    assert_eq!(utc(week.billing_end), "2025-12-31T16:00:00Z");
    let month = ChargePeriod::of_bucket(
        t("2025-12-01T00:00:00+00:00"),
        Some(Granularity::Month),
        &Zone::UTC,
    );
    assert_eq!(utc(month.end), "2026-01-01T00:00:00Z");
    assert_eq!(month.billing_start, month.start);
    assert_eq!(month.billing_end, month.end);
    let instant = ChargePeriod::of_bucket(t("2025-12-31T23:59:59Z"), None, &Zone::UTC);
    assert_eq!(utc(instant.end), "2026-01-01T00:00:00Z");
    assert_eq!(utc(instant.billing_end), "2026-01-01T00:00:00Z");
}

#[test]
fn decimals_have_a_point_and_one_to_six_fractional_digits() {
    for (value, printed) in [
        ("6", "6.0"),
        ("6.000", "6.0"),
        ("873.95", "873.95"),
        ("0", "0.0"),
        ("-0.0000001", "0.0"),
        ("0.0000005", "0.000001"),
        ("-0.0000005", "-0.000001"),
        ("0.0000004", "0.0"),
        ("1.23456749", "1.234567"),
        ("1.2345675", "1.234568"),
        ("120000", "120000.0"),
        ("-2.5", "-2.5"),
        (
            "79228162514264337593543950335",
            "79228162514264337593543950335.0",
        ),
    ] {
        assert_eq!(decimal(dec(value)), printed, "{value}");
    }
}

#[test]
fn cells_that_need_quotes_are_quoted() {
    let (costs, quantities) = (costs(), quantities());
    let text = render(&build(&costs[2..3], &quantities, Zone::UTC));
    assert!(
        text.contains(",\"deepseek-v3, \"\"0324\"\" tokens\","),
        "{text}"
    );
    assert_eq!(records(&text)[0]["x_Series"], "deepseek-v3, \"0324\"");
}

#[test]
fn account_label_of_a_stored_series_wins() {
    let (mut costs, mut quantities) = (costs(), quantities());
    costs[3]
        .labels
        .insert(ACCOUNT.to_string(), "team-b".to_string());
    quantities[0]
        .labels
        .insert(ACCOUNT.to_string(), "team-b".to_string());
    let rows = build(&costs, &quantities, Zone::UTC);
    assert!(rows.iter().all(|r| r.account
        == if r.source == "vod.aigc_usage" {
            "team-b"
        } else {
            "work"
        }));
}

#[test]
fn rows_follow_the_cost_series_and_their_points() {
    let (costs, quantities) = (costs(), quantities());
    let rows = build(&costs, &quantities, Zone::UTC);
    let order: Vec<(&str, String)> = rows
        .iter()
        .map(|r| (r.source, utc(r.period.start)))
        .collect();
    assert_eq!(order.len(), 8);
    assert_eq!(order[0].0, "acedata.api_usage");
    assert_eq!(order[7].0, "vod.aigc_usage");
    assert!(rows[0].period.start < rows[1].period.start);
    assert_eq!(rows[1].quantity.as_ref().unwrap().amount, dec("10.5"));
    assert_eq!(rows[1].cost, dec("1.365"));
}

#[test]
fn broken_cost_layer_contract_is_an_internal_error() {
    let (costs, quantities) = (costs(), quantities());
    let attempt = |costs: &[Series], quantities: &[Series]| {
        rows(&RowsInput {
            costs,
            quantities,
            account: "work",
            names: &names,
            tz: Zone::UTC,
        })
        .map(|r| r.len())
    };
    // No quantity series to take the priced quantity from.
    let err = attempt(&costs[3..], &quantities[1..]).unwrap_err();
    assert!(matches!(err, Error::Internal(_)), "{err}");
    // A cost point whose quantity point is missing.
    let mut short = quantities.clone();
    short[0].points.pop();
    assert!(attempt(&costs[3..], &short).is_err());
    // No price_source label; an unknown price source; no names for the source.
    let mut unlabelled = costs[1..2].to_vec();
    unlabelled[0].labels.remove(PRICE_SOURCE);
    assert!(attempt(&unlabelled, &quantities).is_err());
    unlabelled[0]
        .labels
        .insert(PRICE_SOURCE.to_string(), "guess".to_string());
    assert!(attempt(&unlabelled, &quantities).is_err());
    let mut unknown = costs[1..2].to_vec();
    unknown[0].source = "other.source".into();
    assert!(attempt(&unknown, &quantities).is_err());
    // Provider money needs no quantity series at all.
    assert_eq!(attempt(&costs[1..2], &[]).unwrap(), 2);
}

/// Several providers, partial and final points, sub-daily and day buckets, CNY and USD.
fn sample() -> String {
    let (costs, quantities) = (costs(), quantities());
    let tz: Zone = "Asia/Shanghai".parse().unwrap();
    render(&build(&costs, &quantities, tz))
}

/// `tools/focus-validator/sample.csv` is what this code writes for [`sample`]; `.ci/run`
/// checks that file with the FinOps Foundation's validator (`tools/focus-check.sh`), which
/// needs Python packages from PyPI that tests may not fetch. `UPDATE_FOCUS_SAMPLE=1`
/// rewrites the file after a deliberate change.
#[test]
fn sample_checked_by_the_focus_validator_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/focus-validator/sample.csv");
    let text = sample();
    if std::env::var_os("UPDATE_FOCUS_SAMPLE").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        committed,
        text,
        "{} is stale: rerun with UPDATE_FOCUS_SAMPLE=1 and check it with tools/focus-check.sh",
        path.display()
    );
    assert_eq!(records(&text).len(), 8);
}

proptest::proptest! {
    #[test]
    fn decimal_cells_read_back_as_the_value_rounded_to_six_places(
        mantissa in proptest::num::i64::ANY,
        scale in 0u32..=12,
    ) {
        let value = Decimal::new(mantissa, scale);
        let printed = decimal(value);
        let (_, fraction) = printed.split_once('.').unwrap();
        proptest::prop_assert!((1..=6).contains(&fraction.len()), "{printed}");
        proptest::prop_assert!(fraction.len() == 1 || !fraction.ends_with('0'), "{printed}");
        let expected = value.round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero);
        proptest::prop_assert_eq!(dec(&printed), expected);
        // Half away from zero: the error is at most half a unit of the sixth place.
        proptest::prop_assert!((dec(&printed) - value).abs() <= dec("0.0000005"));
    }
}
