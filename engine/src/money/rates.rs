//! Currency conversion at the host's rate, exactly, with one rounding rule.
//!
//! A rate says how many units of `to` one unit of `from` buys. The host is
//! asked for (from, to); when it has none, it is asked for (to, from) and the
//! plugin uses that rate's exact inverse: shops often keep one direction
//! only, and `1 ÷ r` is the one rate that makes a round trip through both
//! directions lossless. Rates are never chained through a third currency.
//! A rate the host gave that is not a plain positive decimal (or is above
//! 10^9, or whose inverse is) is `invalid-exchange-rate`; a garbled (from,
//! to) rate is not replaced by the inverse, since garbage there says the
//! host's table is broken, not that the pair is missing.
//!
//! Every rate is kept as an exact fraction of integers (the host's decimal
//! `r = m ÷ 10^s`, or its inverse `10^s ÷ m`), so a conversion is
//! `minor × numerator × 10^(to digits) ÷ (denominator × 10^(from digits))`
//! computed in integers with a 256-bit intermediate and rounded once, at the
//! end, to the target's minor unit. No intermediate `1 ÷ r` is ever rounded:
//! with the host's `3`, 3.00 converts to exactly 1.00, not 0.99.
//!
//! - what a card can pay in the order's currency (`available`) is rounded
//!   **down**, so a card never promises more than it holds: with the inverse
//!   of the host's quote → card rate `r`, that is `balance ÷ r` rounded down;
//! - everything else is rounded **half up**: a partial debit converted back
//!   (`applied ÷ rate`, which with an inverse is `applied × r`), a bought
//!   card's value or a refund card's value in the base currency.
//!
//! A card that pays all it can is debited its whole balance, so no residue is
//! ever left on it (see `redemption`).

use crate::error::{Error, Result};
use crate::money::Currency;
use crate::storage::env::Environment;

/// A rate from one currency to another, as the host gave it or as the exact
/// inverse of the host's opposite rate.
#[derive(Clone, Debug, PartialEq)]
pub struct Rate {
    pub from: Currency,
    pub to: Currency,
    /// Units of `to` per unit of `from` is `numerator ÷ denominator`.
    numerator: u128,
    denominator: u128,
    /// What callers are told: the host's text, or `1/<host text>` when the
    /// inverse of the host's (to, from) rate is used.
    pub text: String,
}

impl Rate {
    /// Whether this is the inverse of the host's (to, from) rate.
    pub fn is_inverse(&self) -> bool {
        self.text.starts_with("1/")
    }
}

/// The largest rate accepted (either way); anything above is a host mistake.
const MAX_RATE: u128 = 1_000_000_000;
/// The longest rate text accepted.
const MAX_RATE_TEXT: usize = 32;

/// The host's rate from `from` to `to`, or the exact inverse of its rate
/// from `to` to `from` when it has only that one; `None` when they are the
/// same currency. With neither the answer is the typed error
/// `no-exchange-rate`, never a guess.
pub fn lookup(env: &mut dyn Environment, from: Currency, to: Currency) -> Result<Option<Rate>> {
    if from == to {
        return Ok(None);
    }
    if let Some(text) = env.exchange_rate(from.code(), to.code()) {
        let (mantissa, scale) = parse(from, to, &text)?;
        return Ok(Some(Rate {
            from,
            to,
            numerator: mantissa,
            denominator: pow10(scale),
            text,
        }));
    }
    if let Some(text) = env.exchange_rate(to.code(), from.code()) {
        let (mantissa, scale) = parse(to, from, &text)?;
        // 1 ÷ (m ÷ 10^s) ≤ MAX_RATE ⇔ m × MAX_RATE ≥ 10^s.
        if mantissa
            .checked_mul(MAX_RATE)
            .is_some_and(|m| m < pow10(scale))
        {
            return Err(invalid(
                to,
                from,
                &text,
                &format!(
                    "is too small: its inverse for {}→{} must be at most {MAX_RATE}",
                    from.code(),
                    to.code()
                ),
            ));
        }
        return Ok(Some(Rate {
            from,
            to,
            numerator: pow10(scale),
            denominator: mantissa,
            text: format!("1/{text}"),
        }));
    }
    Err(Error::NoExchangeRate {
        from: from.code().into(),
        to: to.code().into(),
    })
}

fn invalid(from: Currency, to: Currency, text: &str, why: &str) -> Error {
    Error::InvalidExchangeRate(format!(
        "{}→{}: `{}` {why}",
        from.code(),
        to.code(),
        text.chars().take(MAX_RATE_TEXT).collect::<String>()
    ))
}

/// The host's text as `mantissa ÷ 10^scale`: a plain positive decimal
/// (digits, at most one point with digits on both sides), at most 32
/// characters, greater than 0 and at most [`MAX_RATE`].
fn parse(from: Currency, to: Currency, text: &str) -> Result<(u128, u32)> {
    let Some(parts) = super::plain_parts(text, super::Sign::Refused, MAX_RATE_TEXT) else {
        return Err(invalid(from, to, text, "is not a plain positive decimal"));
    };
    // Read by hand, not as a `Decimal`: a rate may have more digits than a
    // `Decimal` holds, and must not be rounded.
    let frac = parts.frac.trim_end_matches('0');
    let int = parts.int.trim_start_matches('0');
    let out_of_range = || {
        invalid(
            from,
            to,
            text,
            &format!("must be greater than 0 and at most {MAX_RATE}"),
        )
    };
    // At most 10 integer digits (MAX_RATE has 10) and 31 digits in all, so
    // the mantissa fits a u128 with room to spare.
    if int.len() > 10 {
        return Err(out_of_range());
    }
    let mut mantissa: u128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        mantissa = mantissa * 10 + u128::from(b - b'0');
    }
    let scale = frac.len() as u32;
    let whole = mantissa / pow10(scale);
    if mantissa == 0 || whole > MAX_RATE || (whole == MAX_RATE && !frac.is_empty()) {
        return Err(out_of_range());
    }
    Ok((mantissa, scale))
}

fn pow10(exponent: u32) -> u128 {
    10u128.pow(exponent)
}

/// The conversion of `rate.from` minor units into `rate.to` minor units as
/// one exact fraction (numerator, denominator).
fn minor_fraction(rate: &Rate) -> (u128, u128) {
    let (f, t) = (rate.from.exponent(), rate.to.exponent());
    (
        rate.numerator * pow10(t.saturating_sub(f)),
        rate.denominator * pow10(f.saturating_sub(t)),
    )
}

/// `a × b` as a 256-bit (high, low) pair.
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    const LOW: u128 = u64::MAX as u128;
    let (a1, a0) = (a >> 64, a & LOW);
    let (b1, b0) = (b >> 64, b & LOW);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let middle = (p00 >> 64) + (p01 & LOW) + (p10 & LOW);
    let low = (p00 & LOW) | (middle << 64);
    let high = p11 + (p01 >> 64) + (p10 >> 64) + (middle >> 64);
    (high, low)
}

/// `a × b ÷ d` exactly: the quotient (`None` if it does not fit a u128) and
/// the remainder. `d` must not be 0.
fn mul_div(a: u128, b: u128, d: u128) -> (Option<u128>, u128) {
    let (high, low) = mul_wide(a, b);
    if high >= d {
        return (None, 0);
    }
    // Long division, one bit at a time: the remainder stays below `d`, and a
    // bit shifted out of it means the shifted value is at least `d`.
    let mut rem = high;
    let mut quotient = 0u128;
    for i in (0..128).rev() {
        let carry = rem >> 127;
        rem = (rem << 1) | ((low >> i) & 1);
        quotient <<= 1;
        if carry == 1 || rem >= d {
            rem = rem.wrapping_sub(d);
            quotient |= 1;
        }
    }
    (Some(quotient), rem)
}

/// `minor × numerator ÷ denominator`, rounded toward zero or half away from
/// zero, saturating at the ends of i64.
fn convert(minor: i64, (numerator, denominator): (u128, u128), half_up: bool) -> i64 {
    let (quotient, rem) = mul_div(u128::from(minor.unsigned_abs()), numerator, denominator);
    let magnitude = quotient.map(|q| {
        if half_up && rem >= denominator - rem {
            q + 1
        } else {
            q
        }
    });
    let magnitude = magnitude
        .and_then(|m| i64::try_from(m).ok())
        .unwrap_or(i64::MAX);
    if minor < 0 { -magnitude } else { magnitude }
}

/// `minor` of `rate.from` in `rate.to`, rounded down.
pub fn convert_down(minor: i64, rate: &Rate) -> i64 {
    convert(minor, minor_fraction(rate), false)
}

/// `minor` of `rate.from` in `rate.to`, rounded half up.
pub fn convert_half_up(minor: i64, rate: &Rate) -> i64 {
    convert(minor, minor_fraction(rate), true)
}

/// `minor` of `rate.to` back in `rate.from` (divided by the rate), rounded
/// half up.
pub fn convert_back_half_up(minor: i64, rate: &Rate) -> i64 {
    let (numerator, denominator) = minor_fraction(rate);
    convert(minor, (denominator, numerator), true)
}

#[cfg(test)]
mod tests;
