//! Budgets (spec §9): `report --budget` and `forecast --budget`, as pure functions that
//! return the stderr message and the exit code; the caller prints and exits.

use rust_decimal::Decimal;

use crate::cost::money::{format_fixed, parse_decimal, Currency};
use crate::error::{exit, Error};

/// `--budget-warn` default, in percent.
pub const DEFAULT_WARN_PERCENT: u32 = 80;

/// Reads `--budget <AMOUNT>`: a decimal greater than 0 (exit 2 otherwise).
pub fn parse_budget(text: &str) -> Result<Decimal, Error> {
    parse_decimal(text)
        .filter(|amount| *amount > Decimal::ZERO)
        .ok_or_else(|| {
            Error::usage(format!(
                "invalid --budget {text:?}: expected an amount greater than 0, e.g. 5000 or 1250.50"
            ))
        })
}

/// Reads `--budget-warn <PCT>`: a percentage from 0 to 100 (exit 2 otherwise).
pub fn parse_warn_percent(text: &str) -> Result<Decimal, Error> {
    parse_decimal(text.trim_end_matches('%'))
        .filter(|pct| *pct >= Decimal::ZERO && *pct <= Decimal::ONE_HUNDRED)
        .ok_or_else(|| {
            Error::usage(format!(
                "invalid --budget-warn {text:?}: expected a percentage from 0 to 100, e.g. 80"
            ))
        })
}

/// `--budget` needs a target currency; without one it is exit 2 before anything is sent.
pub fn require_currency(target: Option<Currency>, command: &str) -> Result<Currency, Error> {
    target.ok_or_else(|| {
        Error::usage(format!(
            "{command} --budget needs a currency: set --currency, AIGCUSAGE_CURRENCY, `currency` in the price book, or `currency` in the profile"
        ))
    })
}

/// Where a total stands against a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetLevel {
    /// Below the warning threshold.
    Under,
    /// At or above `--budget-warn` percent, below 100 %.
    Warning,
    /// At or above 100 %.
    Exceeded,
}

/// The outcome of `report --budget`: what to print on stderr after the output, and the
/// exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetVerdict {
    pub level: BudgetLevel,
    /// The stderr line (without a trailing newline), if any.
    pub message: Option<String>,
    /// 0, 6 (some providers failed and the others alone stay below the budget) or 7.
    pub exit_code: u8,
}

/// `total / budget` in percent.
fn percent(total: Decimal, budget: Decimal) -> Decimal {
    if budget.is_zero() {
        return Decimal::ZERO;
    }
    total * Decimal::ONE_HUNDRED / budget
}

/// `report --budget` (spec §9). `total` is the exact total cost in `currency` of the
/// providers that answered; `some_failed` is true when others failed. A breach with
/// failures is still certain (exit 7); anything else with failures is exit 6.
pub fn check_budget(
    total: Decimal,
    budget: Decimal,
    warn_percent: Decimal,
    currency: Currency,
    some_failed: bool,
) -> BudgetVerdict {
    let pct = percent(total, budget);
    let (total_text, budget_text, pct_text) = (
        format_fixed(total, 2),
        format_fixed(budget, 2),
        format_fixed(pct, 1),
    );
    let (level, message) = if total >= budget {
        (
            BudgetLevel::Exceeded,
            Some(format!(
                "budget exceeded: {total_text} {currency} of {budget_text} {currency} ({pct_text} %)"
            )),
        )
    } else if pct >= warn_percent {
        (
            BudgetLevel::Warning,
            Some(format!(
                "warning: budget {pct_text} % used: {total_text} {currency} of {budget_text} {currency}"
            )),
        )
    } else {
        (BudgetLevel::Under, None)
    };
    let exit_code = match (level, some_failed) {
        (BudgetLevel::Exceeded, _) => exit::THRESHOLD,
        (_, true) => exit::PARTIAL,
        (_, false) => exit::OK,
    };
    BudgetVerdict {
        level,
        message,
        exit_code,
    }
}

/// `forecast --budget` (spec §9): the stderr message when the total forecast is at or
/// above the budget (then exit 7), `None` otherwise.
pub fn check_forecast_budget(
    forecast_total: Decimal,
    budget: Decimal,
    currency: Currency,
) -> Option<String> {
    (forecast_total >= budget).then(|| {
        format!(
            "forecast over budget: {} {currency} of {} {currency} ({} %)",
            format_fixed(forecast_total, 2),
            format_fixed(budget, 2),
            format_fixed(percent(forecast_total, budget), 1)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn check(total: &str, budget: &str, failed: bool) -> BudgetVerdict {
        check_budget(d(total), d(budget), d("80"), Currency::CNY, failed)
    }

    #[test]
    fn under_warn_and_exceeded_with_their_exact_messages() {
        let under = check("799.99", "1000", false);
        assert_eq!(
            (under.level, under.message, under.exit_code),
            (BudgetLevel::Under, None, 0)
        );

        let warn = check("800", "1000", false);
        assert_eq!(warn.level, BudgetLevel::Warning);
        assert_eq!(
            warn.message.as_deref(),
            Some("warning: budget 80.0 % used: 800.00 CNY of 1000.00 CNY")
        );
        assert_eq!(warn.exit_code, 0);

        let exceeded = check("1000", "1000", false);
        assert_eq!(
            exceeded.message.as_deref(),
            Some("budget exceeded: 1000.00 CNY of 1000.00 CNY (100.0 %)")
        );
        assert_eq!(exceeded.exit_code, 7);
    }

    #[test]
    fn figures_are_rounded_half_away_from_zero_from_the_exact_values() {
        // 873.955 / 1000 = 87.3955 % → 87.4; 873.955 → 873.96.
        let warn = check("873.955", "1000", false);
        assert_eq!(
            warn.message.as_deref(),
            Some("warning: budget 87.4 % used: 873.96 CNY of 1000.00 CNY")
        );
        // 99.95 % rounds to 100.0 but is still a warning: the comparison is exact.
        let almost = check("999.5", "1000", false);
        assert_eq!(almost.level, BudgetLevel::Warning);
        assert_eq!(
            almost.message.as_deref(),
            Some("warning: budget 100.0 % used: 999.50 CNY of 1000.00 CNY")
        );
        // 1/3 of the budget: 33.333… % → 33.3.
        let third = check_budget(d("100"), d("300"), d("30"), Currency::CNY, false);
        assert_eq!(
            third.message.as_deref(),
            Some("warning: budget 33.3 % used: 100.00 CNY of 300.00 CNY")
        );
        let over = check("1234.5678", "1000.005", false);
        assert_eq!(
            over.message.as_deref(),
            Some("budget exceeded: 1234.57 CNY of 1000.01 CNY (123.5 %)")
        );
    }

    #[test]
    fn with_failed_providers_a_certain_breach_is_7_else_6() {
        assert_eq!(check("1500", "1000", true).exit_code, 7);
        let warn = check("900", "1000", true);
        assert_eq!(warn.exit_code, 6);
        assert!(warn.message.is_some());
        assert_eq!(check("10", "1000", true).exit_code, 6);
    }

    #[test]
    fn forecast_over_budget_message() {
        let usd = Currency::parse("USD").unwrap();
        assert_eq!(
            check_forecast_budget(d("1234.5"), d("1000"), usd).as_deref(),
            Some("forecast over budget: 1234.50 USD of 1000.00 USD (123.5 %)")
        );
        assert_eq!(check_forecast_budget(d("999.99"), d("1000"), usd), None);
        assert!(check_forecast_budget(d("1000"), d("1000"), usd).is_some());
    }

    #[test]
    fn budget_options_are_validated_as_usage_errors() {
        assert_eq!(parse_budget("5000").unwrap(), d("5000"));
        assert_eq!(parse_budget("1250.50").unwrap(), d("1250.50"));
        for bad in ["0", "-5", "lots", ""] {
            assert_eq!(parse_budget(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
        assert_eq!(parse_warn_percent("80").unwrap(), d("80"));
        assert_eq!(parse_warn_percent("92.5%").unwrap(), d("92.5"));
        for bad in ["101", "-1", "x"] {
            assert_eq!(parse_warn_percent(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
        assert_eq!(require_currency(None, "report").unwrap_err().exit_code(), 2);
        assert_eq!(
            require_currency(Some(Currency::CNY), "report").unwrap(),
            Currency::CNY
        );
    }
}
