//! Exact money. Amounts cross the contract as decimal strings and live in the
//! database as integer minor units of the card's currency; floating point is
//! never involved, so what is applied is what is debited, to the cent.

use crate::error::{Error, Result};
use rust_decimal::Decimal;
use std::str::FromStr;

/// The largest amount the plugin accepts, in major units (a billion). It keeps
/// every sum over millions of cards far inside `i64` minor units, and refuses
/// typos such as an extra six zeros before they become liabilities.
pub const MAX_MAJOR_UNITS: i64 = 1_000_000_000;

/// An ISO 4217 currency with a minor unit (USD: 2 digits, JPY: 0, KWD: 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Currency {
    inner: iso_currency::Currency,
    exponent: u32,
}

impl Currency {
    /// Parses an alphabetic code, ignoring case. Codes without a minor unit
    /// (gold, testing codes) are refused: they are not money a card can hold.
    pub fn parse(code: &str) -> Result<Currency> {
        let upper = code.trim().to_ascii_uppercase();
        let unknown = || Error::UnknownCurrency(code.chars().take(16).collect());
        if upper.len() != 3 {
            return Err(unknown());
        }
        let inner = iso_currency::Currency::from_code(&upper).ok_or_else(unknown)?;
        let exponent = inner.exponent().ok_or_else(unknown)?;
        Ok(Currency {
            inner,
            exponent: u32::from(exponent),
        })
    }

    pub fn code(&self) -> &'static str {
        self.inner.code()
    }

    /// Digits after the decimal point.
    pub fn exponent(&self) -> u32 {
        self.exponent
    }

    /// The largest amount accepted in this currency, in minor units.
    pub fn max_minor(&self) -> i64 {
        MAX_MAJOR_UNITS * 10i64.pow(self.exponent)
    }

    /// Parses a decimal string into signed minor units, exactly.
    pub fn parse_amount(&self, text: &str) -> Result<i64> {
        let bad = |why: &str| Error::InvalidAmount(format!("`{}`: {why}", shorten(text)));
        if !is_plain_decimal(text) {
            return Err(bad("not a plain decimal number such as 12.50"));
        }
        let value = Decimal::from_str(text).map_err(|_| bad("out of range"))?;
        if value.normalize().scale() > self.exponent {
            return Err(bad(&format!(
                "{} allows {} digit(s) after the decimal point",
                self.code(),
                self.exponent
            )));
        }
        let minor = value
            .checked_mul(Decimal::from(10i64.pow(self.exponent)))
            .and_then(|m| i64::try_from(m.normalize().mantissa()).ok())
            .ok_or_else(|| bad("out of range"))?;
        if minor.unsigned_abs() > self.max_minor().unsigned_abs() {
            return Err(bad(&format!(
                "larger than the maximum of {MAX_MAJOR_UNITS} {}",
                self.code()
            )));
        }
        Ok(minor)
    }

    /// Parses an amount that must be strictly positive.
    pub fn parse_positive(&self, text: &str) -> Result<i64> {
        let minor = self.parse_amount(text)?;
        if minor <= 0 {
            return Err(Error::InvalidAmount(format!(
                "`{}`: must be greater than zero",
                shorten(text)
            )));
        }
        Ok(minor)
    }

    /// Formats minor units with exactly the currency's fraction digits.
    pub fn format(&self, minor: i64) -> String {
        Decimal::new(minor, self.exponent).to_string()
    }
}

/// Optional sign, digits, optionally a point and more digits; nothing else
/// (no exponent, spaces, separators or `NaN`). Capped at 40 characters.
fn is_plain_decimal(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    text.len() <= 40
        && !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

fn shorten(text: &str) -> String {
    let mut s: String = text.chars().take(24).collect();
    if text.chars().count() > 24 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    #[test]
    fn parses_exact_minor_units() {
        assert_eq!(usd().parse_amount("25").unwrap(), 2500);
        assert_eq!(usd().parse_amount("25.5").unwrap(), 2550);
        assert_eq!(usd().parse_amount("-3.10").unwrap(), -310);
        assert_eq!(usd().parse_amount("10.500").unwrap(), 1050);
        assert_eq!(usd().parse_amount("0.01").unwrap(), 1);
        let jpy = Currency::parse("jpy").unwrap();
        assert_eq!(jpy.parse_amount("1500").unwrap(), 1500);
        assert!(jpy.parse_amount("1500.5").is_err());
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(kwd.parse_amount("1.234").unwrap(), 1234);
    }

    #[test]
    fn refuses_bad_amounts() {
        for bad in [
            "",
            "abc",
            "1e3",
            "1,000",
            " 5",
            "5 ",
            "1.",
            ".5",
            "NaN",
            "10.005",
            "0.001",
            "1000000000.01",
            "99999999999999999999999999999999",
            "--1",
        ] {
            assert!(
                matches!(usd().parse_amount(bad), Err(Error::InvalidAmount(_))),
                "{bad:?} should be refused"
            );
        }
        assert!(usd().parse_positive("0").is_err());
        assert!(usd().parse_positive("-1").is_err());
        assert_eq!(usd().parse_amount("1000000000").unwrap(), 100_000_000_000);
    }

    #[test]
    fn formats_with_currency_digits() {
        assert_eq!(usd().format(2550), "25.50");
        assert_eq!(usd().format(-310), "-3.10");
        assert_eq!(usd().format(0), "0.00");
        assert_eq!(Currency::parse("JPY").unwrap().format(1500), "1500");
        assert_eq!(Currency::parse("KWD").unwrap().format(5), "0.005");
    }

    #[test]
    fn refuses_unknown_currencies() {
        for bad in ["XYZ", "US", "DOGE", "XAU", "XXX", ""] {
            assert!(
                matches!(Currency::parse(bad), Err(Error::UnknownCurrency(_))),
                "{bad}"
            );
        }
    }
}
