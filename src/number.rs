//! How values are printed (spec §5): integral values without a fractional part, float
//! noise rounded away, never exponent notation, JSON numbers (or `null` for the NaN/inf
//! that no provider should produce).

use std::io;

use serde::{Serialize, Serializer};

/// Powers of ten up to 1e10, exact in `f64`.
const POW10: [f64; 11] = [
    1.0,
    10.0,
    100.0,
    1_000.0,
    10_000.0,
    100_000.0,
    1_000_000.0,
    10_000_000.0,
    100_000_000.0,
    1_000_000_000.0,
    10_000_000_000.0,
];

/// Significant digits kept at most: beyond this an `f64` sum holds only noise.
const SIGNIFICANT: f64 = 1e15;

/// `v` with float noise rounded away: at most 10 decimal places, and at most 15
/// significant digits for large magnitudes (where 10 decimals exceed what an `f64` holds).
/// Negative zero becomes zero. NaN and infinities are returned unchanged.
pub fn denoise(v: f64) -> f64 {
    if !v.is_finite() {
        return v;
    }
    if v.trunc() == v {
        // `+ 0.0` turns -0.0 into 0.0 and leaves everything else alone.
        return v + 0.0;
    }
    let (scaled, decimals) = scaled_decimal(v);
    scaled / POW10[decimals] + 0.0
}

/// The decimal a finite, non-integral `v` is rounded to by [`denoise`], as an integral
/// `scaled` and its number of `decimals`: the value is `scaled / 10^decimals`.
#[inline]
fn scaled_decimal(v: f64) -> (f64, usize) {
    let decimals = decimals_kept(v.abs());
    // `v * scale` is below 1e15 < 2^53 (unless `decimals` is 0), so its rounding is an
    // exact integer and the division is the correctly rounded nearest double of the
    // decimal.
    ((v * POW10[decimals]).round(), decimals)
}

/// How many decimals of a value of this magnitude [`denoise`] keeps: 10, fewer when
/// that would exceed 15 significant digits.
#[inline]
fn decimals_kept(magnitude: f64) -> usize {
    let mut decimals = 10;
    while decimals > 0 && magnitude * POW10[decimals] >= SIGNIFICANT {
        decimals -= 1;
    }
    decimals
}

/// A value ready to print.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Plain {
    /// Integral and within `i64`.
    Int(i64),
    /// Not integral (or integral beyond `i64`); already denoised.
    Float(f64),
    /// NaN or an infinity.
    NonFinite(&'static str),
}

/// 2^63 as an `f64`: integral values strictly below it (and at or above -2^63) fit an `i64`.
const I64_LIMIT: f64 = 9_223_372_036_854_775_808.0;

pub(crate) fn classify(v: f64) -> Plain {
    if v.is_nan() {
        return Plain::NonFinite("NaN");
    }
    if v.is_infinite() {
        return Plain::NonFinite(if v > 0.0 { "inf" } else { "-inf" });
    }
    let r = denoise(v);
    if r.trunc() == r && (-I64_LIMIT..I64_LIMIT).contains(&r) {
        // Exact: `r` is integral and in range.
        Plain::Int(r as i64)
    } else {
        Plain::Float(r)
    }
}

/// Writes an integer without going through `fmt`.
pub(crate) fn write_int<W: io::Write + ?Sized>(out: &mut W, v: i64) -> io::Result<()> {
    let mut buf = [0u8; 20];
    let mut pos = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        pos -= 1;
        // `n % 10` is below 10.
        buf[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.write_all(b"-")?;
    }
    out.write_all(&buf[pos..])
}

/// Writes the value as plain text (tables, CSV): `15`, `0.3`, `0.0000001`, `NaN`.
///
/// What [`classify`] and `Display` make of the value, without `fmt`: a denoised
/// non-integral value is `scaled / 10^decimals` with `scaled` below 1e15, so it has at
/// most 15 significant digits; every decimal of 15 significant digits or fewer reads back
/// to a different `f64` (`f64::DIGITS` is 15), so no other decimal as short reads back to
/// the denoised value, and the shortest digits `Display` prints are exactly those of
/// `scaled` with the decimal point put back and trailing zeros dropped.
#[inline]
pub(crate) fn write_plain<W: io::Write + ?Sized>(out: &mut W, v: f64) -> io::Result<()> {
    // Below it the integral part of every `f64` converts to `i64` exactly (`as`
    // truncates toward zero); NaN and infinities go the general way.
    const EXACT: f64 = 4_503_599_627_370_496.0; // 2^52
    if v.is_nan() || v.abs() >= EXACT {
        return write_plain_slow(out, v);
    }
    // `v` is integral when its integral part is all of it (and -0.0 becomes 0).
    let whole = v as i64;
    if whole as f64 == v {
        return write_int(out, whole);
    }
    let decimals = decimals_kept(v.abs());
    if decimals == 0 {
        return write_plain_slow(out, v);
    }
    // `scaled_decimal` without the call to libm's `round`: `x` is below 1e15 in
    // magnitude, so its integral part converts exactly and `x - integral part` is the
    // exact fraction; rounding is half away from zero, as `f64::round`.
    let x = v * POW10[decimals];
    let integral = x as i64;
    let fraction = x - integral as f64;
    let scaled = if fraction >= 0.5 {
        integral + 1
    } else if fraction <= -0.5 {
        integral - 1
    } else {
        integral
    };
    let digits = scaled.unsigned_abs();
    let scale = 10u64.pow(decimals as u32);
    if digits % scale == 0 {
        // Integral once denoised (zero included, never negative zero); below 1e15.
        return write_int(out, scaled / scale as i64);
    }
    write_decimal(out, scaled < 0, digits, decimals)
}

/// `"00" "01" … "99"`: two digits per division.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes the decimal digits of `n` so that they end at `end` (zero: nothing); returns
/// where they start.
#[inline]
fn digits_before(buf: &mut [u8; 32], end: usize, mut n: u64) -> usize {
    let mut pos = end;
    while n >= 10 {
        // `n % 100` is below 100.
        let pair = 2 * (n % 100) as usize;
        n /= 100;
        pos -= 2;
        buf[pos..pos + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if n > 0 {
        pos -= 1;
        // `n` is below 10.
        buf[pos] = b'0' + n as u8;
    }
    pos
}

/// Writes `digits / 10^decimals` (`digits` not a multiple of `10^decimals`, so the
/// result has a fractional part; `decimals` at most 10) in plain decimal notation
/// without trailing zeros.
fn write_decimal<W: io::Write + ?Sized>(
    out: &mut W,
    negative: bool,
    mut digits: u64,
    mut decimals: usize,
) -> io::Result<()> {
    // Fewer than `decimals` (so at most 9) trailing zeros: dropped 8, 4, 2, 1 at a time.
    for (zeros, power) in [(8, 100_000_000), (4, 10_000), (2, 100), (1, 10)] {
        if decimals > zeros && digits.is_multiple_of(power) {
            digits /= power;
            decimals -= zeros;
        }
    }
    let scale = 10u64.pow(decimals as u32);
    // Sign, up to 15 integer digits (`digits` is below 1e15), the point, 10 decimals.
    let mut buf = [b'0'; 32];
    let end = buf.len();
    // The fraction, padded with the zeros already in `buf` to `decimals` digits.
    let point = end - decimals;
    digits_before(&mut buf, end, digits % scale);
    let mut pos = point - 1;
    buf[pos] = b'.';
    let whole = digits / scale;
    pos = if whole == 0 {
        // `buf[pos - 1]` is already `0`.
        pos - 1
    } else {
        digits_before(&mut buf, pos, whole)
    };
    if negative {
        pos -= 1;
        buf[pos] = b'-';
    }
    out.write_all(&buf[pos..])
}

/// The general path of [`write_plain`]: integral values, values beyond `i64`, NaN and
/// infinities.
fn write_plain_slow<W: io::Write + ?Sized>(out: &mut W, v: f64) -> io::Result<()> {
    match classify(v) {
        Plain::Int(i) => write_int(out, i),
        // `Display` for `f64` prints the shortest digits that read back to the same
        // value, and never uses exponent notation.
        Plain::Float(f) => write!(out, "{f}"),
        Plain::NonFinite(s) => out.write_all(s.as_bytes()),
    }
}

/// Writes the value as a JSON number, or `null` for NaN and infinities.
#[inline]
pub(crate) fn write_json<W: io::Write + ?Sized>(out: &mut W, v: f64) -> io::Result<()> {
    if v.is_finite() {
        write_plain(out, v)
    } else {
        out.write_all(b"null")
    }
}

/// The value as text: `format_value(0.1 + 0.2)` is `0.3`, `format_value(15.0)` is `15`.
/// NaN and infinities print as `NaN`, `inf`, `-inf`.
pub fn format_value(v: f64) -> String {
    let mut buf = Vec::with_capacity(24);
    // Writing to a Vec cannot fail.
    let _ = write_plain(&mut buf, v);
    String::from_utf8(buf).unwrap_or_default()
}

/// The value as a JSON number: an integer when integral, `null` for NaN and infinities.
///
/// Serialized by serde_json's own formatter, a non-integral value below 1e-5 in magnitude
/// uses exponent notation (`1e-7`); the renderers of this module write such values
/// without it (`0.0000001`) through [`PlainFloats`].
pub fn json_number(v: f64) -> serde_json::Value {
    match classify(v) {
        Plain::Int(i) => serde_json::Value::from(i),
        Plain::Float(f) => serde_json::Number::from_f64(f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Plain::NonFinite(_) => serde_json::Value::Null,
    }
}

/// A value that serializes as [`json_number`] does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match classify(self.0) {
            Plain::Int(i) => serializer.serialize_i64(i),
            Plain::Float(f) => serializer.serialize_f64(f),
            Plain::NonFinite(_) => serializer.serialize_unit(),
        }
    }
}

/// A serde_json formatter that writes floats in plain decimal notation (never `1e-7`)
/// and otherwise behaves as the formatter it wraps.
pub struct PlainFloats<F>(pub F);

macro_rules! delegate {
    ($($name:ident),*) => {
        $(
            #[inline]
            fn $name<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
                self.0.$name(writer)
            }
        )*
    };
}

macro_rules! delegate_first {
    ($($name:ident),*) => {
        $(
            #[inline]
            fn $name<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
                self.0.$name(writer, first)
            }
        )*
    };
}

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for PlainFloats<F> {
    #[inline]
    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        write_json(writer, value)
    }

    #[inline]
    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        write_json(writer, f64::from(value))
    }

    delegate!(
        begin_array,
        end_array,
        end_array_value,
        begin_object,
        end_object,
        end_object_key,
        begin_object_value,
        end_object_value
    );
    delegate_first!(begin_array_value, begin_object_key);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_values_have_no_fractional_part() {
        assert_eq!(format_value(15.0), "15");
        assert_eq!(format_value(15_f64), "15");
        assert_eq!(format_value(123_456_789_012.0), "123456789012");
        assert_eq!(format_value(-42.0), "-42");
        assert_eq!(format_value(1e20), "100000000000000000000");
    }

    #[test]
    fn float_noise_does_not_leak() {
        assert_eq!(format_value(0.1 + 0.2), "0.3");
        assert_eq!(format_value(45.5 + 30.2), "75.7");
        assert_eq!(format_value(75.7), "75.7");
        assert_eq!(format_value(2.5), "2.5");
        assert_eq!(format_value(1.0 / 3.0), "0.3333333333");
        // Large magnitudes keep 15 significant digits.
        assert_eq!(format_value(1_000_000.1 + 0.2), "1000000.3");
        assert_eq!(format_value(123_456_789_012.3), "123456789012.3");
    }

    #[test]
    fn small_values_never_use_exponent_notation() {
        assert_eq!(format_value(1e-7), "0.0000001");
        assert_eq!(format_value(-1e-7), "-0.0000001");
        // Below 10 decimals: rounds to zero, printed as 0 (never -0).
        assert_eq!(format_value(1e-12), "0");
        assert_eq!(format_value(-1e-12), "0");
    }

    #[test]
    fn negative_zero_prints_zero() {
        assert_eq!(format_value(-0.0), "0");
        assert_eq!(json_number(-0.0).to_string(), "0");
    }

    #[test]
    fn non_finite_values_are_text_in_tables_and_null_in_json() {
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::INFINITY), "inf");
        assert_eq!(format_value(f64::NEG_INFINITY), "-inf");
        assert_eq!(json_number(f64::NAN), serde_json::Value::Null);
        assert_eq!(json_number(f64::INFINITY), serde_json::Value::Null);
    }

    #[test]
    fn json_numbers_are_integers_when_integral() {
        assert!(json_number(15.0).is_i64());
        assert_eq!(json_number(15.0).to_string(), "15");
        assert_eq!(json_number(0.1 + 0.2).to_string(), "0.3");
        assert_eq!(json_number(123_456_789_012.0).to_string(), "123456789012");
        assert!(json_number(2.5).is_f64());
    }

    #[test]
    fn plain_floats_formatter_writes_no_exponent() {
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(
            &mut out,
            PlainFloats(serde_json::ser::CompactFormatter),
        );
        vec![
            Num(1e-7),
            Num(15.0),
            Num(0.1 + 0.2),
            Num(f64::NAN),
            Num(-0.0),
        ]
        .serialize(&mut ser)
        .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "[0.0000001,15,0.3,null,0]");
    }

    /// What `write_plain` printed before its fast path: `classify`, then `Display`.
    fn reference_plain(v: f64) -> String {
        match classify(v) {
            Plain::Int(i) => i.to_string(),
            Plain::Float(f) => format!("{f}"),
            Plain::NonFinite(s) => s.to_string(),
        }
    }

    fn plain(v: f64) -> String {
        let mut out = Vec::new();
        write_plain(&mut out, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn json(v: f64) -> String {
        let mut out = Vec::new();
        write_json(&mut out, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn assert_same(v: f64) {
        let expected = reference_plain(v);
        assert_eq!(
            plain(v),
            expected,
            "write_plain({v:e}) [{:#x}]",
            v.to_bits()
        );
        let expected_json = if v.is_finite() {
            expected
        } else {
            "null".into()
        };
        assert_eq!(json(v), expected_json, "write_json({v:e})");
    }

    /// A small deterministic generator (xorshift64*), so the comparison is reproducible.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    #[test]
    fn fast_path_prints_what_classify_and_display_print() {
        let named = [
            1e-7,
            -1e-7,
            1e-10,
            4.9e-11,
            5e-11,
            1e-12,
            123_456_789_012.0,
            123_456_789_012.3,
            0.1 + 0.2,
            0.300_000_000_000_000_04,
            75.7,
            45.5 + 30.2,
            2.5,
            -2.5,
            -0.0,
            0.0,
            1.0 / 3.0,
            -1.0 / 3.0,
            2.0 / 3.0,
            1e15 + 0.3,
            1e15 - 0.3,
            999_999_999_999_999.9,
            99_999.999_999_999_99,
            0.999_999_999_95,
            0.000_000_000_05,
            9_007_199_254_740_993.0,
            9_007_199_254_740_992.0 * 3.0,
            4_503_599_627_370_495.5,
            1e20,
            -1e20,
            1e300,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            5e-324,
            9.223_372_036_854_776e18,
            -9.223_372_036_854_776e18,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for v in named {
            assert_same(v);
        }
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..200_000 {
            // Any bit pattern: every magnitude, subnormals, NaNs.
            assert_same(f64::from_bits(rng.next()));
            // Decimals with a few places, as APIs send them, and sums of them.
            let places = rng.below(11) as i32;
            let a = (rng.below(2_000_000_000) as f64 - 1e9) / 10f64.powi(places);
            let b = rng.below(100_000) as f64 / 100.0;
            assert_same(a);
            assert_same(a + b);
            assert_same(a * 3.0 + 0.1);
            // Every magnitude around the 15 significant digits cut.
            let exponent = rng.below(40) as i32 - 20;
            let mantissa = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
            assert_same(mantissa * 10f64.powi(exponent));
            assert_same(-mantissa * 10f64.powi(exponent));
            // Large integers, beyond 2^53 too, and just off them.
            let big = (rng.next() >> rng.below(64)) as f64;
            assert_same(big);
            assert_same(big + 0.5);
            assert_same(big / 7.0);
        }
    }

    #[test]
    fn write_int_handles_extremes() {
        for v in [0, 7, -7, 10, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            write_int(&mut out, v).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), v.to_string());
        }
    }
}
