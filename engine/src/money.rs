//! Exact money. Amounts cross the contract as decimal strings and live in the
//! database as integer minor units of the card's currency; floating point is
//! never involved, so what is applied is what is debited, to the cent.

pub mod rates;

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
mod tests;
