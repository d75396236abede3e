//! The shop's exchange rates, which the host owns and lends to the plugin
//! through the `exchange-rates` import.
//!
//! Rates live in the host-owned table `host_exchange_rates` of the same
//! database as the plugin's tables (created, if missing, when the harness opens
//! the database), and are read through the calling export's own transaction,
//! so a rate set in the same shop operation, in this process or by an earlier
//! CLI run is what the plugin sees.
//!
//! The host answers with the rate stored for exactly (from, to) and nothing
//! else: it neither inverts nor chains rates through a third currency. When
//! it has none, the plugin asks for (to, from) itself and uses that rate's
//! exact inverse (the contract's rounding rule is in `exchange-rates` and
//! `gift-card-totals`), so a shop keeping one direction per pair works. With
//! neither direction the plugin never guesses: a card it cannot convert pays
//! nothing on a quote, and other conversions report `no-exchange-rate`.

use crate::bindings::giftcard::plugin::exchange_rates as wit;
use crate::call::CallState;
use crate::database::Transaction;
use giftcard_engine::money::Currency;
use giftcard_engine::storage::db::{DbError, Value};
use rust_decimal::Decimal;
use std::str::FromStr;

/// The `exchange-rates` import: the shop's own rate for (from, to), read
/// through the call's transaction. Only the rate stored for exactly (from,
/// to) is returned, never one the host derived. The lookup is not counted as
/// one of the guest's statements (faults target the guest's own SQL). A
/// database failure traps the call, which rolls it back.
impl wit::Host for CallState {
    fn rate(&mut self, from: String, to: String) -> wasmtime::Result<Option<String>> {
        lookup(self.tx()?, &from, &to)
            .map_err(|e| wasmtime::Error::msg(format!("reading the exchange rate: {e}")))
    }
}

/// The table, in SQL that SQLite and PostgreSQL both accept.
pub const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS host_exchange_rates (\
    from_currency TEXT NOT NULL, \
    to_currency TEXT NOT NULL, \
    rate TEXT NOT NULL, \
    PRIMARY KEY (from_currency, to_currency))";

/// The most fraction digits a rate may have (enough for any published rate).
pub const MAX_RATE_SCALE: u32 = 12;

/// The rate stored for exactly (from, to), or `None`. Codes are compared in
/// upper case.
pub fn lookup(tx: &mut dyn Transaction, from: &str, to: &str) -> Result<Option<String>, DbError> {
    let r = tx.execute(
        "SELECT rate FROM host_exchange_rates WHERE from_currency = ?1 AND to_currency = ?2",
        &[
            Value::Text(from.trim().to_ascii_uppercase()),
            Value::Text(to.trim().to_ascii_uppercase()),
        ],
    )?;
    Ok(r.rows
        .into_iter()
        .next()
        .and_then(|row| match row.into_iter().next() {
            Some(Value::Text(s)) => Some(s),
            _ => None,
        }))
}

/// Checks a rate given by a person: two different ISO 4217 currencies with a
/// minor unit, and a positive plain decimal of at most [`MAX_RATE_SCALE`]
/// fraction digits. Returns the upper-case codes and the normalised rate.
pub fn validate(from: &str, to: &str, rate: &str) -> Result<(String, String, Decimal), String> {
    let from = Currency::parse(from).map_err(|e| e.to_string())?;
    let to = Currency::parse(to).map_err(|e| e.to_string())?;
    if from == to {
        return Err(format!("a rate from {} to itself", from.code()));
    }
    let plain = !rate.is_empty()
        && rate.len() <= 40
        && rate.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && rate.bytes().filter(|b| *b == b'.').count() <= 1
        && !rate.starts_with('.')
        && !rate.ends_with('.');
    let value = if plain {
        Decimal::from_str(rate).ok()
    } else {
        None
    };
    match value {
        Some(v) if v > Decimal::ZERO && v.normalize().scale() <= MAX_RATE_SCALE => {
            Ok((from.code().to_owned(), to.code().to_owned(), v.normalize()))
        }
        _ => Err(format!(
            "rate `{rate}` must be a positive plain decimal with at most {MAX_RATE_SCALE} fraction digits"
        )),
    }
}

/// Stores (or replaces) the rate for (from, to). The values must have been
/// checked with [`validate`].
pub fn store(tx: &mut dyn Transaction, from: &str, to: &str, rate: Decimal) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO host_exchange_rates (from_currency, to_currency, rate) VALUES (?1, ?2, ?3) \
         ON CONFLICT (from_currency, to_currency) DO UPDATE SET rate = excluded.rate",
        &[
            Value::Text(from.to_owned()),
            Value::Text(to.to_owned()),
            Value::Text(rate.to_string()),
        ],
    )?;
    Ok(())
}

/// Every stored rate as (from, to, rate), ordered by the pair.
pub fn list(tx: &mut dyn Transaction) -> Result<Vec<(String, String, String)>, DbError> {
    let r = tx.execute(
        "SELECT from_currency, to_currency, rate FROM host_exchange_rates ORDER BY from_currency, to_currency",
        &[],
    )?;
    Ok(r.rows
        .into_iter()
        .filter_map(|row| match row.as_slice() {
            [Value::Text(f), Value::Text(t), Value::Text(r)] => {
                Some((f.clone(), t.clone(), r.clone()))
            }
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_checked() {
        let (f, t, r) = validate("usd", "EUR", "0.9200").unwrap();
        assert_eq!(
            (f.as_str(), t.as_str(), r.to_string().as_str()),
            ("USD", "EUR", "0.92")
        );
        for bad in ["0", "-1", "1e3", "", ".5", "1.", "abc", "0.0000000000001"] {
            assert!(validate("USD", "EUR", bad).is_err(), "{bad}");
        }
        assert!(validate("USD", "USD", "1").is_err());
        assert!(validate("USD", "XAU", "1").is_err());
    }

    #[test]
    fn only_the_exact_pair_is_answered() {
        use crate::database::{Backend, SqliteBackend};
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteBackend::open(&dir.path().join("r.db")).unwrap();
        let mut tx = db.begin().unwrap();
        tx.execute(CREATE_TABLE, &[]).unwrap();
        let (f, t, r) = validate("eur", "usd", "1.085").unwrap();
        store(tx.as_mut(), &f, &t, r).unwrap();
        // Stored again: replaced, not duplicated.
        store(tx.as_mut(), &f, &t, "1.09".parse().unwrap()).unwrap();
        assert_eq!(
            lookup(tx.as_mut(), " eur", "USD ").unwrap().as_deref(),
            Some("1.09")
        );
        // Never inverted or chained by the host: the plugin inverts itself.
        assert_eq!(lookup(tx.as_mut(), "USD", "EUR").unwrap(), None);
        assert_eq!(lookup(tx.as_mut(), "EUR", "GBP").unwrap(), None);
        assert_eq!(
            list(tx.as_mut()).unwrap(),
            vec![("EUR".to_owned(), "USD".to_owned(), "1.09".to_owned())]
        );
        tx.rollback().unwrap();
    }
}
