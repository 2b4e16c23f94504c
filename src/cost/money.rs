//! Decimal money (spec §8 "Money", "Currencies"): currency codes, exact decimals from
//! provider numbers, rounding, and `[rates]` conversion. Pure: no I/O, no env.

use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;
use std::str::FromStr;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::Error;

/// An ISO 4217 code: exactly three upper-case ASCII letters (`CNY`, `USD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const CNY: Currency = Currency(*b"CNY");

    /// The code when `code` is three upper-case ASCII letters.
    pub fn parse(code: &str) -> Option<Currency> {
        match code.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => Some(Currency([a, b, c])),
            _ => None,
        }
    }

    /// The currency a series' unit names, when the series is money: an ISO code, or `元`
    /// (which is CNY).
    pub fn from_unit(unit: Option<&str>) -> Option<Currency> {
        match unit? {
            "元" => Some(Currency::CNY),
            code => Currency::parse(code),
        }
    }

    pub fn as_str(&self) -> &str {
        // Only upper-case ASCII letters are ever stored, so this is always UTF-8.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Currency {
    type Err = Error;

    /// For values given by the user; the caller picks the error kind if it needs another.
    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Currency::parse(code).ok_or_else(|| {
            Error::config(format!(
                "invalid currency {code:?}: expected an ISO 4217 code of three upper-case letters, e.g. CNY or USD"
            ))
        })
    }
}

/// A series is money when its unit is an ISO 4217 code or `元` (spec §8).
pub fn is_money(unit: Option<&str>) -> bool {
    Currency::from_unit(unit).is_some()
}

/// The exact decimal a provider wrote, recovered from the `f64` it was parsed into.
///
/// Providers send decimal text (`0.1`, `873.95`); parsing turned it into the nearest
/// binary double. The shortest decimal that round-trips to that double (what `{}` prints
/// for an `f64`) is exactly the text the provider wrote whenever that text had at most
/// 15 significant digits, which holds for every amount and count the providers send.
/// So `0.1` becomes the decimal 0.1, not 0.1000000000000000055511151231…, and
/// 15 × 0.40 is exactly 6. `None` for NaN, infinities and magnitudes beyond `Decimal`.
pub fn decimal_from_f64(value: f64) -> Option<Decimal> {
    // Integral values (tokens, seconds, tasks) take the fast path: exact below 2^53.
    const EXACT_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0;
    if value.fract() == 0.0 && value.abs() < EXACT_INTEGER_LIMIT {
        return Some(Decimal::from(value as i64));
    }
    if !value.is_finite() {
        return None;
    }
    if let Some(decimal) = few_places(value) {
        return Some(decimal);
    }
    let mut text = String::with_capacity(32);
    // Writing to a String cannot fail.
    let _ = write!(text, "{value}");
    Decimal::from_str(&text).ok()
}

/// The fast path of [`decimal_from_f64`] for values with at most 9 decimal places:
/// the fewest places `p` for which the decimal `r / 10^p` (r an integer) parses back to
/// exactly `value`. `r` and `10^p` are exact doubles and IEEE division is correctly
/// rounded, so `r as f64 / 10^p == value` says precisely that `value` is the double
/// nearest to that decimal, which with the fewest places is the shortest round-trip
/// text, the same decimal the formatting path gives, about ten times faster.
fn few_places(value: f64) -> Option<Decimal> {
    const POWERS: [f64; 10] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
    const EXACT_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0;
    for (places, power) in POWERS.iter().enumerate().skip(1) {
        let scaled = (value * power).round();
        if scaled.abs() >= EXACT_INTEGER_LIMIT {
            return None;
        }
        if scaled / power == value {
            return Some(Decimal::new(scaled as i64, places as u32));
        }
    }
    None
}

/// Rounded half away from zero to 6 decimal places: how costs are printed (spec §8).
pub fn round_for_print(amount: Decimal) -> Decimal {
    if amount.scale() <= 6 {
        // Nothing to round (the common case, and rounding is not free).
        return amount;
    }
    amount.round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero)
}

/// A cost as the `f64` the renderers print: rounded to 6 places first, so the printed
/// number is the decimal rounded once (the nearest double to a ≤ 6-place decimal prints
/// back as that decimal).
pub fn cost_to_f64(amount: Decimal) -> f64 {
    const EXACT_INTEGER_LIMIT: i128 = 1 << 53;
    let rounded = round_for_print(amount);
    let mantissa = rounded.mantissa();
    if mantissa.abs() < EXACT_INTEGER_LIMIT && rounded.scale() <= 6 {
        // Both exact doubles; the division is correctly rounded, so this is the double
        // nearest to the decimal (which prints back as that decimal).
        const POWERS: [f64; 7] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6];
        // Below 2^53 the mantissa fits an i64, whose conversion is cheaper than i128's.
        return mantissa as i64 as f64 / POWERS[rounded.scale() as usize];
    }
    rounded.to_f64().unwrap_or(f64::NAN)
}

/// Written with exactly `places` decimals, rounded half away from zero (budget messages:
/// two for amounts, one for percentages).
pub fn format_fixed(amount: Decimal, places: u32) -> String {
    let mut rounded = amount.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(places);
    rounded.to_string()
}

/// Parses a decimal as a user or the price book wrote it: `0.40`, `1_000`, `+2`, `1e-3`.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let cleaned: String = text.trim().chars().filter(|&c| c != '_').collect();
    let unsigned = cleaned.strip_prefix('+').unwrap_or(&cleaned);
    if unsigned.is_empty() {
        return None;
    }
    Decimal::from_str(unsigned)
        .or_else(|_| Decimal::from_scientific(unsigned))
        .ok()
}

/// The book's `[rates]`: `"A/B" = "7.10"` means one A is worth 7.10 B.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rates {
    rates: BTreeMap<(Currency, Currency), Decimal>,
    /// As written in the book, for the JSON document's `cost.rates`.
    written: BTreeMap<String, String>,
}

impl Rates {
    /// Adds `"from/to" = rate`; `written` is the value's text as the book wrote it.
    pub fn insert(&mut self, from: Currency, to: Currency, rate: Decimal, written: &str) {
        self.rates.insert((from, to), rate);
        self.written
            .insert(format!("{from}/{to}"), written.to_string());
    }

    /// The rates as written (`{"USD/CNY": "7.10"}`), for `-o json`'s `cost.rates`.
    pub fn as_written(&self) -> &BTreeMap<String, String> {
        &self.written
    }

    pub fn is_empty(&self) -> bool {
        self.rates.is_empty()
    }

    /// How many `to` one `from` is worth: `"from/to"`, else the inverse of `"to/from"`.
    /// A missing pair is exit 3 naming it.
    pub fn rate(&self, from: Currency, to: Currency) -> Result<Decimal, Error> {
        if from == to {
            return Ok(Decimal::ONE);
        }
        if let Some(rate) = self.rates.get(&(from, to)) {
            return Ok(*rate);
        }
        if let Some(inverse) = self.rates.get(&(to, from)) {
            if let Some(rate) = Decimal::ONE.checked_div(*inverse) {
                return Ok(rate);
            }
        }
        Err(Error::config(format!(
            "no exchange rate to convert {from} to {to}: add \"{from}/{to}\" (or \"{to}/{from}\") under [rates] in the price book"
        )))
    }

    /// How to turn amounts in `from` into `to`: multiply by `"from/to"` when given, else
    /// divide by `"to/from"` (dividing directly keeps `x / 7.10` exact where 1/7.10 is
    /// not). A missing pair is exit 3 naming it.
    pub fn conversion(&self, from: Currency, to: Currency) -> Result<Conversion, Error> {
        if from == to {
            return Ok(Conversion::Identity);
        }
        if let Some(rate) = self.rates.get(&(from, to)) {
            return Ok(Conversion::Multiply {
                from,
                to,
                rate: *rate,
            });
        }
        if let Some(inverse) = self.rates.get(&(to, from)) {
            return Ok(Conversion::Divide {
                from,
                to,
                rate: *inverse,
            });
        }
        self.rate(from, to).map(|_| Conversion::Identity)
    }

    /// `amount` in `from` expressed in `to` (see [`Rates::conversion`]).
    pub fn convert(&self, amount: Decimal, from: Currency, to: Currency) -> Result<Decimal, Error> {
        self.conversion(from, to)?.apply(amount)
    }
}

/// A currency conversion decided once and applied to many amounts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Conversion {
    Identity,
    Multiply {
        from: Currency,
        to: Currency,
        rate: Decimal,
    },
    Divide {
        from: Currency,
        to: Currency,
        rate: Decimal,
    },
}

impl Conversion {
    #[inline]
    pub fn apply(&self, amount: Decimal) -> Result<Decimal, Error> {
        let (converted, from, to) = match *self {
            Conversion::Identity => return Ok(amount),
            Conversion::Multiply { from, to, rate } => (amount.checked_mul(rate), from, to),
            Conversion::Divide { from, to, rate } => (amount.checked_div(rate), from, to),
        };
        converted.ok_or_else(|| {
            Error::config(format!("{amount} {from} is too large to convert to {to}"))
        })
    }
}

/// Where the target currency came from (for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurrencyOrigin {
    Flag,
    Env,
    Book,
    Profile,
}

/// The currency every cost is reported in (spec §8): `--currency`, else
/// `AIGCUSAGE_CURRENCY`, else the book's `currency`, else the profile's `currency`; `None`
/// when none is set (every cost stays in its own currency). An invalid flag value is a
/// usage error (exit 2); an invalid env or profile value is exit 3.
pub fn resolve_target_currency(
    flag: Option<&str>,
    env: Option<&str>,
    book: Option<Currency>,
    profile: Option<&str>,
) -> Result<Option<(Currency, CurrencyOrigin)>, Error> {
    let invalid = |what: &str, code: &str| {
        format!("{what}: invalid currency {code:?}: expected an ISO 4217 code of three upper-case letters, e.g. CNY or USD")
    };
    if let Some(code) = flag {
        return Currency::parse(code)
            .map(|c| Some((c, CurrencyOrigin::Flag)))
            .ok_or_else(|| Error::usage(invalid("--currency", code)));
    }
    if let Some(code) = env.filter(|c| !c.is_empty()) {
        return Currency::parse(code)
            .map(|c| Some((c, CurrencyOrigin::Env)))
            .ok_or_else(|| Error::config(invalid("AIGCUSAGE_CURRENCY", code)));
    }
    if let Some(currency) = book {
        return Ok(Some((currency, CurrencyOrigin::Book)));
    }
    if let Some(code) = profile {
        return Currency::parse(code)
            .map(|c| Some((c, CurrencyOrigin::Profile)))
            .ok_or_else(|| Error::config(invalid("the profile's currency", code)));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn currency_is_three_upper_case_letters_and_yuan_is_cny() {
        assert_eq!(Currency::parse("USD").unwrap().as_str(), "USD");
        for bad in ["usd", "US", "USDT", "U$D", "", "ＵＳＤ"] {
            assert!(Currency::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Currency::from_unit(Some("元")), Some(Currency::CNY));
        assert!(is_money(Some("CNY")));
        assert!(is_money(Some("元")));
        for quantity in [
            None,
            Some("seconds"),
            Some("credits"),
            Some("次"),
            Some("tokens"),
        ] {
            assert!(!is_money(quantity), "{quantity:?}");
        }
    }

    #[test]
    fn decimals_from_f64_are_the_numbers_as_written() {
        assert_eq!(decimal_from_f64(0.1), Some(d("0.1")));
        assert_eq!(decimal_from_f64(873.95), Some(d("873.95")));
        assert_eq!(decimal_from_f64(15.0), Some(d("15")));
        assert_eq!(decimal_from_f64(-2.5), Some(d("-2.5")));
        assert_eq!(decimal_from_f64(1e-7), Some(d("0.0000001")));
        assert_eq!(decimal_from_f64(f64::NAN), None);
        assert_eq!(decimal_from_f64(f64::INFINITY), None);
        // 15 × 0.40 is exactly 6 (in f64 it is 6.000000000000001).
        let product = decimal_from_f64(15.0).unwrap() * decimal_from_f64(0.40).unwrap();
        assert_eq!(product, d("6"));
        // 3 × 0.1 is exactly 0.3, where binary floating point misses it.
        assert_ne!(3.0_f64 * 0.1, 0.3);
        assert_eq!(
            decimal_from_f64(3.0).unwrap() * decimal_from_f64(0.1).unwrap(),
            d("0.3")
        );
    }

    proptest::proptest! {
        #[test]
        fn the_fast_paths_agree_with_the_decimal_text(
            mantissa in -10_000_000_000_000i64..10_000_000_000_000,
            places in 0u32..12,
        ) {
            let exact = Decimal::new(mantissa, places);
            let value: f64 = exact.to_string().parse().unwrap();
            // The shortest round-trip text, parsed, is what decimal_from_f64 must give.
            let shortest = Decimal::from_str(&format!("{value}")).unwrap();
            proptest::prop_assert_eq!(decimal_from_f64(value), Some(shortest));
            let printed: f64 = round_for_print(exact).to_string().parse().unwrap();
            proptest::prop_assert_eq!(cost_to_f64(exact), printed);
        }
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_for_print(d("0.0000005")), d("0.000001"));
        assert_eq!(round_for_print(d("-0.0000005")), d("-0.000001"));
        assert_eq!(round_for_print(d("1.23456749")), d("1.234567"));
        assert_eq!(format_fixed(d("2.345"), 2), "2.35");
        assert_eq!(format_fixed(d("-2.345"), 2), "-2.35");
        assert_eq!(format_fixed(d("80"), 1), "80.0");
        assert_eq!(format_fixed(d("79.95"), 1), "80.0");
        assert_eq!(format_fixed(d("1000"), 2), "1000.00");
        assert_eq!(cost_to_f64(d("0.98765365")), 0.987654);
    }

    #[test]
    fn parse_decimal_accepts_toml_number_forms_only() {
        assert_eq!(parse_decimal("0.40"), Some(d("0.40")));
        assert_eq!(parse_decimal("1_000"), Some(d("1000")));
        assert_eq!(parse_decimal("+2"), Some(d("2")));
        assert_eq!(parse_decimal("1e-3"), Some(d("0.001")));
        assert_eq!(parse_decimal("-0.5"), Some(d("-0.5")));
        for bad in ["", "abc", "0.4.0", "inf", "nan", "1,5"] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
    }

    fn usd_cny() -> Rates {
        let mut rates = Rates::default();
        rates.insert(
            Currency::parse("USD").unwrap(),
            Currency::CNY,
            d("7.10"),
            "7.10",
        );
        rates
    }

    #[test]
    fn rates_convert_both_ways_and_name_a_missing_pair() {
        let usd = Currency::parse("USD").unwrap();
        let eur = Currency::parse("EUR").unwrap();
        let rates = usd_cny();
        assert_eq!(
            rates.convert(d("2"), usd, Currency::CNY).unwrap(),
            d("14.20")
        );
        // Only "USD/CNY" is given: CNY → USD divides by it.
        assert_eq!(
            rates.convert(d("14.2"), Currency::CNY, usd).unwrap(),
            d("2")
        );
        assert_eq!(
            rates.convert(d("7.10"), Currency::CNY, usd).unwrap(),
            d("1")
        );
        assert_eq!(rates.rate(usd, Currency::CNY).unwrap(), d("7.10"));
        let inverse = rates.rate(Currency::CNY, usd).unwrap();
        assert_eq!(round_for_print(inverse), d("0.140845"));
        assert_eq!(rates.convert(d("3"), eur, eur).unwrap(), d("3"));
        let err = rates.convert(d("1"), eur, Currency::CNY).unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(err.to_string().contains("\"EUR/CNY\""), "{err}");
        assert_eq!(
            rates.as_written().get("USD/CNY").map(String::as_str),
            Some("7.10")
        );
    }

    #[test]
    fn target_currency_order_is_flag_env_book_profile() {
        let usd = Currency::parse("USD").unwrap();
        let eur = Currency::parse("EUR").unwrap();
        let pick = |flag, env, book, profile| {
            resolve_target_currency(flag, env, book, profile)
                .unwrap()
                .map(|(c, o)| (c.to_string(), o))
        };
        assert_eq!(
            pick(Some("USD"), Some("EUR"), Some(eur), Some("JPY")),
            Some(("USD".into(), CurrencyOrigin::Flag))
        );
        assert_eq!(
            pick(None, Some("EUR"), Some(usd), Some("JPY")),
            Some(("EUR".into(), CurrencyOrigin::Env))
        );
        assert_eq!(
            pick(None, None, Some(usd), Some("JPY")),
            Some(("USD".into(), CurrencyOrigin::Book))
        );
        assert_eq!(
            pick(None, None, None, Some("JPY")),
            Some(("JPY".into(), CurrencyOrigin::Profile))
        );
        assert_eq!(pick(None, None, None, None), None);
        assert_eq!(
            resolve_target_currency(Some("usd"), None, None, None)
                .unwrap_err()
                .exit_code(),
            2
        );
        assert_eq!(
            resolve_target_currency(None, Some("dollars"), None, None)
                .unwrap_err()
                .exit_code(),
            3
        );
    }
}
