//! Currency conversion at the host's rate, exactly, with one rounding rule.
//!
//! A rate says how many units of `to` one unit of `from` buys. Amounts are
//! integer minor units, so a conversion is `minor × rate × 10^(to digits −
//! from digits)`, computed in `rust_decimal` (28 significant digits, far more
//! than a billion major units times any sane rate needs) and then rounded to
//! the target's minor unit:
//!
//! - what a card can pay in the order's currency is rounded **down**, so a card
//!   never promises more than it holds;
//! - everything else (a partial debit converted back, a bought card's value)
//!   is rounded **half up**.
//!
//! A card that pays all it can is debited its whole balance, so no residue is
//! ever left on it (see `redemption`).

use crate::env::Environment;
use crate::error::{Error, Result};
use crate::money::Currency;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

/// A rate from one currency to another, as the host gave it.
#[derive(Clone, Debug, PartialEq)]
pub struct Rate {
    pub from: Currency,
    pub to: Currency,
    pub value: Decimal,
    /// The host's text, echoed back to callers.
    pub text: String,
}

/// The largest rate accepted; anything above is a host mistake.
const MAX_RATE: i64 = 1_000_000_000;

/// The host's rate from `from` to `to`; `None` when they are the same
/// currency. A missing or malformed rate is a typed error, never a guess.
pub fn lookup(env: &mut dyn Environment, from: Currency, to: Currency) -> Result<Option<Rate>> {
    if from == to {
        return Ok(None);
    }
    let text = env
        .exchange_rate(from.code(), to.code())
        .ok_or_else(|| Error::NoExchangeRate {
            from: from.code().into(),
            to: to.code().into(),
        })?;
    let bad = |why: &str| {
        Error::InvalidExchangeRate(format!(
            "{}→{}: `{}` {why}",
            from.code(),
            to.code(),
            text.chars().take(32).collect::<String>()
        ))
    };
    let plain = !text.is_empty()
        && text.len() <= 32
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && text.bytes().filter(|&b| b == b'.').count() <= 1
        && !text.starts_with('.')
        && !text.ends_with('.');
    if !plain {
        return Err(bad("is not a plain positive decimal"));
    }
    let value = Decimal::from_str(&text).map_err(|_| bad("is out of range"))?;
    if value <= Decimal::ZERO || value > Decimal::from(MAX_RATE) {
        return Err(bad("must be greater than 0 and at most 1000000000"));
    }
    Ok(Some(Rate {
        from,
        to,
        value,
        text,
    }))
}

fn scaled(minor: i64, rate: &Rate) -> Decimal {
    let shift = rate.to.exponent() as i32 - rate.from.exponent() as i32;
    let mut v = Decimal::from(minor) * rate.value;
    if shift > 0 {
        v *= Decimal::from(10i64.pow(shift as u32));
    } else if shift < 0 {
        v /= Decimal::from(10i64.pow((-shift) as u32));
    }
    v
}

fn to_minor(v: Decimal, strategy: RoundingStrategy) -> i64 {
    v.round_dp_with_strategy(0, strategy)
        .to_i64()
        .unwrap_or(i64::MAX)
}

/// `minor` of `rate.from` in `rate.to`, rounded down.
pub fn convert_down(minor: i64, rate: &Rate) -> i64 {
    to_minor(scaled(minor, rate), RoundingStrategy::ToZero)
}

/// `minor` of `rate.from` in `rate.to`, rounded half up.
pub fn convert_half_up(minor: i64, rate: &Rate) -> i64 {
    to_minor(scaled(minor, rate), RoundingStrategy::MidpointAwayFromZero)
}

/// `minor` of `rate.to` back in `rate.from` (divided by the rate), rounded
/// half up.
pub fn convert_back_half_up(minor: i64, rate: &Rate) -> i64 {
    let inverse = Rate {
        from: rate.to,
        to: rate.from,
        value: Decimal::ONE,
        text: String::new(),
    };
    let v = scaled(minor, &inverse) / rate.value;
    to_minor(v, RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(from: &str, to: &str, v: &str) -> Rate {
        Rate {
            from: Currency::parse(from).unwrap(),
            to: Currency::parse(to).unwrap(),
            value: Decimal::from_str(v).unwrap(),
            text: v.into(),
        }
    }

    #[test]
    fn converts_between_minor_units() {
        let usd_eur = rate("USD", "EUR", "0.92");
        assert_eq!(convert_down(10000, &usd_eur), 9200);
        assert_eq!(convert_down(333, &usd_eur), 306); // 3.0636 → 3.06
        assert_eq!(convert_half_up(333, &usd_eur), 306);
        assert_eq!(convert_back_half_up(306, &usd_eur), 333); // 3.326 → 3.33
        let usd_jpy = rate("USD", "JPY", "151.37");
        assert_eq!(convert_down(100, &usd_jpy), 151);
        assert_eq!(convert_half_up(100, &usd_jpy), 151);
        assert_eq!(convert_back_half_up(151, &usd_jpy), 100); // 0.9975 → 1.00
        let kwd_usd = rate("KWD", "USD", "3.25");
        assert_eq!(convert_down(1001, &kwd_usd), 325); // 1.001 KWD = 3.25325 USD
    }

    #[test]
    fn a_partial_debit_never_exceeds_the_balance() {
        let r = rate("GBP", "USD", "1.2659");
        for balance in [1i64, 7, 99, 100, 12345, 999_999] {
            let available = convert_down(balance, &r);
            for applied in [0, 1, available / 3, available.saturating_sub(1)] {
                if applied < available {
                    assert!(convert_back_half_up(applied, &r) <= balance);
                }
            }
        }
    }
}
