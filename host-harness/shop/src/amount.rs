//! [`Money`], how the shop's records hold amounts: integer minor units with
//! their currency, so computations never re-parse their own records. Decimal
//! strings appear only at the edges: arguments and plugin answers are parsed
//! once ([`Money::parse`], [`Money::answer`]), WIT requests take
//! [`Money::text`], and an answer shows every amount as its decimal string
//! ([`shown`]).

use super::error::{Fail, ShopError};
use super::money;
use giftcard_engine::money::Currency;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::fmt;

/// Integer minor units of a currency (1250 USD is 12.50 USD).
///
/// Stored in a record as `{"minor-units": 1250, "currency": "USD"}`, which
/// reads without the record around it; [`shown`] turns that into `"12.50"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Stored", try_from = "Stored")]
pub struct Money {
    minor: i64,
    currency: Currency,
}

/// The storage form of [`Money`].
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Stored {
    minor_units: i64,
    currency: String,
}

impl From<Money> for Stored {
    fn from(m: Money) -> Stored {
        Stored {
            minor_units: m.minor,
            currency: m.currency.code().to_owned(),
        }
    }
}

impl TryFrom<Stored> for Money {
    type Error = String;

    fn try_from(s: Stored) -> Result<Money, String> {
        let currency =
            Currency::parse(&s.currency).map_err(|_| format!("currency `{}`", s.currency))?;
        Ok(Money::new(currency, s.minor_units))
    }
}

impl Money {
    pub fn new(currency: Currency, minor: i64) -> Money {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money::new(currency, 0)
    }

    /// Reads a non-negative amount given as text (an argument), refusing it
    /// as [`money::parse`] does.
    pub fn parse(currency: Currency, text: &str, what: &str) -> Result<Money, ShopError> {
        Ok(Money::new(currency, money::parse(currency, text, what)?))
    }

    /// Reads an amount the plugin answered; a malformed one is the host's
    /// failure (the plugin broke its contract), not a refusal.
    pub fn answer(currency: Currency, text: &str, what: &str) -> Result<Money, Fail> {
        Money::parse(currency, text, what)
            .map_err(|e| Fail::Host(anyhow::anyhow!("plugin answer: {what}: {e}")))
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    /// Another amount of the same currency.
    pub fn with(self, minor: i64) -> Money {
        Money::new(self.currency, minor)
    }

    /// This amount plus `minor` units of its currency.
    pub fn plus(self, minor: i64) -> Money {
        self.with(self.minor + minor)
    }

    /// The canonical decimal string (`12.50`, JPY `1200`, KWD `1.250`): what
    /// the WIT takes and an answer shows.
    pub fn text(self) -> String {
        money::fmt(self.currency, self.minor)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// The stored amount `v` is, if it is one.
fn stored(v: &serde_json::Map<String, Json>) -> Option<Money> {
    if v.len() != 2 || !v.contains_key("minor-units") || !v["currency"].is_string() {
        return None;
    }
    serde_json::from_value(Json::Object(v.clone())).ok()
}

/// An answer as shown: every stored amount in it becomes its decimal string,
/// everything else is left as it is. The plugin's own amounts
/// (`{"amount", "currency"}`) are not stored amounts and stay as they came.
pub fn shown(v: Json) -> Json {
    match v {
        Json::Object(m) => match stored(&m) {
            Some(money) => Json::String(money.text()),
            None => Json::Object(m.into_iter().map(|(k, v)| (k, shown(v))).collect()),
        },
        Json::Array(items) => Json::Array(items.into_iter().map(shown).collect()),
        other => other,
    }
}

/// Serde for a `rust_decimal::Decimal` kept as its string (`"7.25"`): rates,
/// percentages and catalog prices, which have no currency of their own.
pub mod decimal {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(D::Error::custom)
    }

    /// The same for an optional decimal.
    pub mod opt {
        use super::*;

        pub fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => s.collect_str(d),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
            Option::<String>::deserialize(d)?
                .map(|t| t.parse().map_err(D::Error::custom))
                .transpose()
        }
    }

    /// The same for a list of decimals.
    pub mod list {
        use super::*;
        use serde::ser::SerializeSeq;

        pub fn serialize<S: Serializer>(ds: &[Decimal], s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(ds.len()))?;
            for d in ds {
                seq.serialize_element(&d.to_string())?;
            }
            seq.end()
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Decimal>, D::Error> {
            Vec::<String>::deserialize(d)?
                .iter()
                .map(|t| t.parse().map_err(D::Error::custom))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cur(c: &str) -> Currency {
        money::currency(c).unwrap()
    }

    #[test]
    fn amounts_are_minor_units_shown_with_their_currency_digits() {
        let usd = Money::parse(cur("USD"), "12.5", "x").unwrap();
        assert_eq!((usd.minor(), usd.text()), (1250, "12.50".to_owned()));
        assert_eq!(Money::new(cur("JPY"), 1200).text(), "1200");
        assert_eq!(Money::new(cur("KWD"), 1250).to_string(), "1.250");
        assert_eq!(usd.plus(5).with(7), Money::new(cur("USD"), 7));
        assert_eq!(Money::zero(cur("EUR")).text(), "0.00");
    }

    #[test]
    fn bad_text_is_refused_as_before() {
        let e = Money::parse(cur("JPY"), "1.5", "amount").unwrap_err();
        assert_eq!(e, money::parse(cur("JPY"), "1.5", "amount").unwrap_err());
        assert!(Money::parse(cur("USD"), "-1", "amount").is_err());
        assert!(matches!(
            Money::answer(cur("USD"), "x", "grand-total"),
            Err(Fail::Host(_))
        ));
    }

    #[test]
    fn stored_amounts_read_back_and_are_shown_as_decimal_strings() {
        let m = Money::new(cur("KWD"), 1250);
        let stored = serde_json::to_value(m).unwrap();
        assert_eq!(stored, json!({ "minor-units": 1250, "currency": "KWD" }));
        assert_eq!(serde_json::from_value::<Money>(stored.clone()).unwrap(), m);
        assert!(
            serde_json::from_value::<Money>(json!({ "minor-units": 1, "currency": "XX" })).is_err()
        );
        let answer = json!({
            "total": stored,
            "lines": [{ "tax": Money::new(cur("JPY"), 80), "name": "minor-units" }],
            "plugin": { "amount": "1.00", "currency": "USD" },
            "none": null,
        });
        assert_eq!(
            shown(answer),
            json!({
                "total": "1.250",
                "lines": [{ "tax": "80", "name": "minor-units" }],
                "plugin": { "amount": "1.00", "currency": "USD" },
                "none": null,
            })
        );
    }
}
