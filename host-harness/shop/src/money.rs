//! Exact host-side money math: every amount is integer minor units of a known
//! currency (parsed and formatted by the engine's [`Currency`]); rates and
//! percentages are `rust_decimal` values; rounding is half up (away from zero;
//! amounts here are never negative), and splits are the engine's
//! ([`giftcard_engine::pipeline::split::proportional`], largest remainder) so parts
//! always add up to the whole, to the minor unit.

use super::error::ShopError;
use giftcard_engine::money::{Currency, Sign, plain_parts};
use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

/// A currency by code, as a typed shop error when unknown.
pub fn currency(code: &str) -> Result<Currency, ShopError> {
    Currency::parse(code).map_err(|_| ShopError::UnknownCurrency(code.chars().take(16).collect()))
}

/// Parses an amount of `cur` that must not be negative.
pub fn parse(cur: Currency, text: &str, what: &str) -> Result<i64, ShopError> {
    let minor = cur
        .parse_amount(text)
        .map_err(|e| ShopError::InvalidAmount(format!("{what}: {e}")))?;
    if minor < 0 {
        return Err(ShopError::InvalidAmount(format!(
            "{what}: `{text}` must not be negative"
        )));
    }
    Ok(minor)
}

/// Formats minor units with the currency's fraction digits.
pub fn fmt(cur: Currency, minor: i64) -> String {
    cur.format(minor)
}

/// A non-negative plain decimal (catalog prices, percentages): digits with an
/// optional point and at most `max_scale` fraction digits.
pub fn plain_decimal(text: &str, max_scale: u32, what: &str) -> Result<Decimal, ShopError> {
    let bad = || {
        ShopError::InvalidAmount(format!(
            "{what}: `{text}` is not a non-negative decimal with at most {max_scale} fraction digits"
        ))
    };
    // The engine's one decimal grammar, unsigned, at most 30 characters.
    if plain_parts(text, Sign::Refused, 30).is_none() {
        return Err(bad());
    }
    let d = Decimal::from_str(text).map_err(|_| bad())?;
    if d.normalize().scale() > max_scale {
        return Err(bad());
    }
    Ok(d.normalize())
}

fn to_minor(d: Decimal) -> i64 {
    let r = d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    i64::try_from(r.mantissa() / 10i128.pow(r.scale())).unwrap_or(i64::MAX)
}

/// `amount × percent / 100`, rounded half up to the minor unit.
pub fn percent_of(amount: i64, percent: Decimal) -> i64 {
    to_minor(Decimal::from(amount) * percent / Decimal::from(100))
}

/// Converts `amount` minor units of `from` into `to` at `rate` (units of `to`
/// per unit of `from`), rounded half up to `to`'s minor unit.
pub fn convert(amount: i64, from: Currency, to: Currency, rate: Decimal) -> i64 {
    if from == to {
        return amount;
    }
    let major = Decimal::new(amount, from.exponent());
    to_minor(major * rate * Decimal::from(10i64.pow(to.exponent())))
}

/// `total × part / whole`, rounded half up; 0 when `whole` is not positive.
/// The engine's rounding, so shop and plugin agree to the minor unit.
pub fn share(total: i64, part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        return 0;
    }
    giftcard_engine::pipeline::split::mul_div_half_up(total, part, whole)
}

/// The part of `total` that belongs to units `done+1 ..= done+now` out of
/// `whole`, given that `already` was taken for the first `done` units.
///
/// Pro-rating is cumulative: after `n` units the parts taken add up to
/// `share(total, n, whole)`, so parts never drift, are never negative, and
/// the invoice (or memo) that takes the last unit takes exactly what is left.
pub fn prorate(total: i64, done: i64, now: i64, whole: i64, already: i64) -> i64 {
    if done + now >= whole {
        return (total - already).max(0);
    }
    (share(total, done + now, whole) - already).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(c: &str) -> Currency {
        currency(c).unwrap()
    }

    #[test]
    fn prorating_is_cumulative_and_the_last_part_takes_the_rest() {
        // 1.00 of discount over 3 units, invoiced one at a time.
        let a = prorate(100, 0, 1, 3, 0);
        let b = prorate(100, 1, 1, 3, a);
        let c = prorate(100, 2, 1, 3, a + b);
        assert_eq!((a, b, c), (33, 34, 33));
        assert_eq!(prorate(100, 0, 2, 3, 0), 67);
        assert_eq!(prorate(100, 2, 1, 3, 67), 33);
        assert_eq!(prorate(5, 0, 3, 3, 0), 5);
        for total in [0, 1, 2, 99, 1001] {
            let mut taken = 0;
            for done in 0..7 {
                let p = prorate(total, done, 1, 7, taken);
                assert!(p >= 0);
                taken += p;
            }
            assert_eq!(taken, total);
        }
    }

    #[test]
    fn tax_rounds_half_up_per_line() {
        let rate = plain_decimal("20", 4, "tax").unwrap();
        assert_eq!(percent_of(1999, rate), 400); // 3.998 → 4.00
        assert_eq!(percent_of(1, plain_decimal("50", 4, "t").unwrap()), 1); // 0.5 → 1
        assert_eq!(percent_of(1, plain_decimal("49.99", 4, "t").unwrap()), 0);
        assert_eq!(percent_of(1050, plain_decimal("7.25", 4, "t").unwrap()), 76); // 76.125
        assert_eq!(percent_of(0, rate), 0);
    }

    #[test]
    fn prices_convert_half_up_into_the_store_currency() {
        let rate = plain_decimal("0.92", 12, "rate").unwrap();
        assert_eq!(convert(1999, cur("USD"), cur("EUR"), rate), 1839); // 18.3908
        assert_eq!(convert(1250, cur("USD"), cur("EUR"), rate), 1150);
        let jpy = plain_decimal("151.235", 12, "rate").unwrap();
        assert_eq!(convert(1999, cur("USD"), cur("JPY"), jpy), 3023); // 3023.18
        assert_eq!(convert(50, cur("USD"), cur("JPY"), jpy), 76); // 75.6175
        let kwd = plain_decimal("0.3075", 12, "rate").unwrap();
        assert_eq!(convert(1000, cur("USD"), cur("KWD"), kwd), 3075);
        assert_eq!(
            convert(
                1,
                cur("USD"),
                cur("EUR"),
                plain_decimal("0.5", 12, "r").unwrap()
            ),
            1
        );
        assert_eq!(convert(777, cur("USD"), cur("USD"), rate), 777);
    }

    #[test]
    fn amounts_and_decimals_are_checked() {
        assert_eq!(parse(cur("USD"), "12.5", "x").unwrap(), 1250);
        assert!(parse(cur("USD"), "-1", "x").is_err());
        assert!(parse(cur("JPY"), "1.5", "x").is_err());
        assert!(plain_decimal("1e3", 4, "x").is_err());
        assert!(plain_decimal("-1", 4, "x").is_err());
        assert!(plain_decimal("1.", 4, "x").is_err());
        for bad in ["+1", ".5", " 1", "1,5", "NaN", "", &"1".repeat(31)] {
            assert!(plain_decimal(bad, 4, "x").is_err(), "{bad}");
        }
        assert!(plain_decimal(&"1".repeat(28), 4, "x").is_ok());
        assert!(plain_decimal("0.12345", 4, "x").is_err());
        assert_eq!(plain_decimal("10.50", 4, "x").unwrap().to_string(), "10.5");
        assert_eq!(share(100, 1, 3), 33);
        assert_eq!(share(100, 2, 3), 67);
        assert_eq!(share(1, 1, 2), 1);
    }
}
