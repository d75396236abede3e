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

/// The generated lookup of ISO 4217 codes (see `build.rs`).
mod codes {
    use iso_currency::Currency;
    include!(concat!(env!("OUT_DIR"), "/currency_codes.rs"));
}

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
        let unknown = || Error::UnknownCurrency(code.chars().take(16).collect());
        // Upper-cased on the stack: every stored card's currency is parsed
        // when the card is read.
        let &[a, b, c] = code.trim().as_bytes() else {
            return Err(unknown());
        };
        let upper = [a, b, c].map(|byte| byte.to_ascii_uppercase());
        let inner = codes::currency_of(upper).ok_or_else(unknown)?;
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
        let amount = Amount::parse(text, Sign::Allowed).map_err(|e| e.into_amount_error(text))?;
        self.minor(&amount)
    }

    /// An amount parsed by the grammar, in this currency's minor units: it
    /// must have at most the currency's digits after the point and be within
    /// [`MAX_MAJOR_UNITS`]. For amounts whose currency is learnt only after
    /// they were read.
    pub fn minor(&self, amount: &Amount) -> Result<i64> {
        let minor = self.exact_minor(amount)?;
        if minor.unsigned_abs() > self.max_minor().unsigned_abs() {
            return Err(Error::InvalidAmount(format!(
                "`{}`: larger than the maximum of {MAX_MAJOR_UNITS} {}",
                shorten(&amount.text),
                self.code()
            )));
        }
        Ok(minor)
    }

    /// [`minor`](Currency::minor) without the maximum, for amounts the
    /// engine wrote itself (sums over many cards may exceed it).
    pub fn exact_minor(&self, amount: &Amount) -> Result<i64> {
        let bad = |why: &str| Error::InvalidAmount(format!("`{}`: {why}", shorten(&amount.text)));
        let value = amount.value;
        // The common case, no more digits after the point than the
        // currency has: the mantissa scaled up, without normalizing.
        // In `i64`: a mantissa that does not fit gives a result that does
        // not either, and 128-bit arithmetic is emulated in wasm.
        if value.scale() <= self.exponent {
            let up = 10i64.pow(self.exponent - value.scale());
            return (i64::try_from(value.mantissa()).ok())
                .and_then(|m| m.checked_mul(up))
                .ok_or_else(|| bad("out of range"));
        }
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
        Ok(minor)
    }

    /// Parses an amount that must be strictly positive.
    pub fn parse_positive(&self, text: &str) -> Result<i64> {
        self.positive_of(&GivenAmount::read(text))
    }

    /// A given amount that must be strictly positive, in minor units.
    pub fn positive_of(&self, given: &GivenAmount) -> Result<i64> {
        let minor = self.minor_of(given)?;
        if minor <= 0 {
            return Err(Error::InvalidAmount(format!(
                "`{}`: must be greater than zero",
                shorten(given.as_str())
            )));
        }
        Ok(minor)
    }

    /// Formats minor units with exactly the currency's fraction digits
    /// (what `Decimal::new(minor, exponent).to_string()` writes, which a
    /// test checks). Written out because every money field of every answer
    /// is formatted here, and the decimal type's 96-bit division and
    /// `Formatter` padding cost several times these few integer steps.
    pub fn format(&self, minor: i64) -> String {
        let scale = self.exponent as usize;
        // i64::MIN has 19 digits; with a sign, a point and leading zeros up
        // to the scale (at most 4) the text fits in 32 bytes.
        let mut digits = [0u8; 32];
        let mut end = digits.len();
        let mut rest = minor.unsigned_abs();
        let mut written = 0;
        while rest > 0 || written <= scale {
            if written == scale && scale > 0 {
                end -= 1;
                digits[end] = b'.';
            }
            end -= 1;
            digits[end] = b'0' + (rest % 10) as u8;
            rest /= 10;
            written += 1;
        }
        if minor < 0 {
            end -= 1;
            digits[end] = b'-';
        }
        // Only ASCII digits, a point and a sign were written.
        String::from_utf8_lossy(&digits[end..]).into_owned()
    }
}

/// Whether a decimal may carry a leading `-` or `+`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sign {
    Allowed,
    Refused,
}

/// The longest decimal text [`Amount::parse`] reads; longer is a typo or an
/// attack, never an amount.
pub const MAX_DECIMAL_TEXT: usize = 40;

/// A decimal split by [the grammar](plain_parts): its sign and its digits
/// before and after the point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlainParts<'a> {
    pub negative: bool,
    pub int: &'a str,
    /// Empty when the text has no point.
    pub frac: &'a str,
}

impl PlainParts<'_> {
    /// The value, built from the digits the grammar already checked, when
    /// there are at most 18 of them (every amount a shop sends): exactly
    /// what `Decimal::from_str` reads, for a tenth of its cost. Parsing
    /// took about 15 % of a 200-line collection's instructions; a longer
    /// text answers `None` and is read by `Decimal::from_str`.
    pub fn small_value(&self) -> Option<Decimal> {
        if self.int.len() + self.frac.len() > 18 {
            return None;
        }
        let mantissa = (self.int.bytes().chain(self.frac.bytes()))
            .fold(0u64, |m, digit| m * 10 + u64::from(digit - b'0'));
        // 18 digits fit in the 96-bit mantissa, and 18 in the scale.
        let (lo, mid) = (mantissa as u32, (mantissa >> 32) as u32);
        Some(Decimal::from_parts(
            lo,
            mid,
            0,
            self.negative,
            self.frac.len() as u32,
        ))
    }
}

/// The one decimal grammar of the plugin: an optional sign (when `sign`
/// allows it), digits, optionally a point and more digits; nothing else (no
/// exponent, spaces, separators or `NaN`), at most `max_len` bytes in all.
/// Every decimal the contract carries — amounts, percentages, rates, ranges,
/// filters — is read by it.
pub fn plain_parts(text: &str, sign: Sign, max_len: usize) -> Option<PlainParts<'_>> {
    let (negative, body) = match (sign, text.as_bytes().first()) {
        (Sign::Allowed, Some(b'-')) => (true, &text[1..]),
        (Sign::Allowed, Some(b'+')) => (false, &text[1..]),
        _ => (false, text),
    };
    // By bytes: every amount of every line comes through here.
    let (int, frac) = match body.bytes().position(|b| b == b'.') {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (text.len() <= max_len && digits(int) && frac.is_none_or(digits)).then_some(PlainParts {
        negative,
        int,
        frac: frac.unwrap_or(""),
    })
}

/// Why a text is not a decimal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("not a plain decimal number such as 12.50")]
    NotPlain,
    #[error("out of range")]
    OutOfRange,
}

impl DecimalError {
    /// The error an amount field reports, naming the text.
    pub fn into_amount_error(self, text: &str) -> Error {
        Error::InvalidAmount(format!("`{}`: {self}", shorten(text)))
    }
}

/// An exact decimal read by the grammar, not yet tied to a currency. It keeps
/// the text it was read from, so errors found later (too many digits for the
/// currency) still quote what was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Amount {
    value: Decimal,
    text: String,
}

impl Amount {
    /// Reads `text` (at most [`MAX_DECIMAL_TEXT`] bytes) by the grammar.
    pub fn parse(text: &str, sign: Sign) -> std::result::Result<Amount, DecimalError> {
        Self::parse_owned(text.to_owned(), sign).map_err(|(_, why)| why)
    }

    /// [`Amount::parse`] keeping `text` itself (no copy), or handing it
    /// back with the error: amounts arrive from the contract as owned
    /// strings, four on every quote line.
    pub fn parse_owned(
        text: String,
        sign: Sign,
    ) -> std::result::Result<Amount, (String, DecimalError)> {
        let Some(parts) = plain_parts(&text, sign, MAX_DECIMAL_TEXT) else {
            return Err((text, DecimalError::NotPlain));
        };
        match parts
            .small_value()
            .map_or_else(|| Decimal::from_str(&text), Ok)
        {
            Ok(value) => Ok(Amount { value, text }),
            Err(_) => Err((text, DecimalError::OutOfRange)),
        }
    }

    /// The exact value.
    pub fn value(&self) -> Decimal {
        self.value
    }

    /// The text as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Signed: an amount field may be negative (an adjustment); callers that
/// must refuse a sign use [`Amount::parse`] with [`Sign::Refused`].
impl FromStr for Amount {
    type Err = DecimalError;

    fn from_str(text: &str) -> std::result::Result<Amount, DecimalError> {
        Amount::parse(text, Sign::Allowed)
    }
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// An amount field as the contract gave it, read by the grammar at the
/// boundary (signed; callers refuse what their field may not hold). A text
/// the grammar refuses is kept with its error rather than refused at once:
/// the engine reports it where it checks the field, after any field it
/// checks first, so the same error wins whatever else is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GivenAmount {
    Read(Amount),
    Refused { text: String, why: DecimalError },
}

impl GivenAmount {
    pub fn read(text: &str) -> GivenAmount {
        match text.parse() {
            Ok(amount) => GivenAmount::Read(amount),
            Err(why) => GivenAmount::Refused {
                text: text.to_owned(),
                why,
            },
        }
    }

    /// The text as given (for messages and fingerprints).
    pub fn as_str(&self) -> &str {
        match self {
            GivenAmount::Read(amount) => amount.as_str(),
            GivenAmount::Refused { text, .. } => text,
        }
    }

    /// The amount as a field that takes no sign reads it: a leading `-` or
    /// `+` makes the text not plain, as [`Amount::parse`] with
    /// [`Sign::Refused`] finds.
    pub fn unsigned(&self) -> std::result::Result<&Amount, DecimalError> {
        match self {
            GivenAmount::Read(amount) if amount.as_str().starts_with(['-', '+']) => {
                Err(DecimalError::NotPlain)
            }
            GivenAmount::Read(amount) => Ok(amount),
            // A refused text may be refused for another reason unsigned (a
            // signed value out of range is not plain first): on this error
            // path only, the unsigned grammar says which.
            GivenAmount::Refused { text, why } => {
                Err(Amount::parse(text, Sign::Refused).err().unwrap_or(*why))
            }
        }
    }

    /// The amount, or the error its text earns.
    pub fn amount(&self) -> Result<&Amount> {
        match self {
            GivenAmount::Read(amount) => Ok(amount),
            GivenAmount::Refused { text, why } => Err(why.into_amount_error(text)),
        }
    }
}

impl Currency {
    /// A given amount in this currency's minor units: the error of
    /// [`parse_amount`](Currency::parse_amount) for the same text.
    pub fn minor_of(&self, given: &GivenAmount) -> Result<i64> {
        self.minor(given.amount()?)
    }
}

impl From<&str> for GivenAmount {
    fn from(text: &str) -> GivenAmount {
        GivenAmount::read(text)
    }
}

impl From<String> for GivenAmount {
    /// [`GivenAmount::read`], keeping the string.
    fn from(text: String) -> GivenAmount {
        match Amount::parse_owned(text, Sign::Allowed) {
            Ok(amount) => GivenAmount::Read(amount),
            Err((text, why)) => GivenAmount::Refused { text, why },
        }
    }
}

impl std::fmt::Display for GivenAmount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Stored (in replayed answers) as the text it was given as.
impl serde::Serialize for GivenAmount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for GivenAmount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d).map(GivenAmount::from)
    }
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
