//! One shop operation's context: the transaction every host write and every
//! plugin call of the operation runs in, and small helpers over it (records,
//! counters, the clock). The operation commits or rolls back as a whole; see
//! [`super::Shop::run`].

use super::error::{Fail, Res, ShopError};
use giftcard_engine::storage::db::{QueryResult, Value};
use giftcard_host::GiftCards;
use giftcard_host::database::Transaction;
use giftcard_host::types::Error as PluginError;
use giftcard_host::{CallState, Plugin};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasmtime::Store;

/// The record tables (id, parent, document), created if missing.
pub const TABLES: &[&str] = &[
    "shop_websites",
    "shop_stores",
    "shop_products",
    "shop_customers",
    "shop_quotes",
    "shop_orders",
    "shop_invoices",
    "shop_shipments",
    "shop_memos",
];

/// The schema of the shop's own tables (beside the plugin's `gc_*` tables).
pub fn schema() -> Vec<String> {
    let mut out: Vec<String> = TABLES
        .iter()
        .map(|t| {
            format!(
                "CREATE TABLE IF NOT EXISTS {t} (id TEXT PRIMARY KEY, parent TEXT, seq INTEGER NOT NULL, doc TEXT NOT NULL)"
            )
        })
        .collect();
    out.push(
        "CREATE TABLE IF NOT EXISTS shop_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)"
            .into(),
    );
    // Account-credit movements; the unique reference makes each one happen
    // at most once (placing or refunding the same thing twice). Amounts are
    // signed minor units of `currency`.
    out.push(
        "CREATE TABLE IF NOT EXISTS shop_credit_history (customer TEXT NOT NULL, reference TEXT NOT NULL, \
         amount BIGINT NOT NULL, balance_after BIGINT NOT NULL, currency TEXT NOT NULL, comment TEXT, \
         created_at TEXT NOT NULL, PRIMARY KEY (customer, reference))"
            .into(),
    );
    out
}

pub struct Ctx<'h> {
    pub harness: &'h GiftCards,
    tx: Option<Box<dyn Transaction>>,
}

impl<'h> Ctx<'h> {
    pub fn new(harness: &'h GiftCards, tx: Box<dyn Transaction>) -> Self {
        Ctx {
            harness,
            tx: Some(tx),
        }
    }

    pub fn into_tx(mut self) -> Box<dyn Transaction> {
        self.tx.take().expect("transaction present")
    }

    pub fn tx(&mut self) -> &mut dyn Transaction {
        self.tx.as_mut().expect("transaction present").as_mut()
    }

    pub fn exec(&mut self, sql: &str, params: &[Value]) -> Res<QueryResult> {
        Ok(self.tx().execute(sql, params)?)
    }

    /// Calls the plugin inside the operation's transaction, typed:
    /// `ctx.plugin(|p, s| p.giftcard_plugin_totals(&mut *s)?.call_collect(s, &request))`.
    /// `ok` gives its value, `err` fails the operation with the plugin's
    /// error as it came (the WIT `error`), and a trap fails it as a host
    /// error (both roll everything back).
    pub fn plugin<R>(
        &mut self,
        f: impl FnOnce(&Plugin, &mut Store<CallState>) -> wasmtime::Result<Result<R, PluginError>>,
    ) -> Res<R> {
        let tx = self.tx.take().expect("transaction present");
        let (tx, result) = self.harness.call_in(tx, f);
        self.tx = Some(tx);
        match result {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(Fail::Plugin(e)),
            Err(e) => Err(Fail::Host(e)),
        }
    }

    /// Now, as an RFC 3339 time in UTC (the harness's clock).
    pub fn now(&self) -> String {
        chrono::DateTime::from_timestamp(self.harness.clock().now(), 0)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    pub fn get<T: DeserializeOwned>(&mut self, table: &str, id: &str) -> Res<Option<T>> {
        let r = self.exec(
            &format!("SELECT doc FROM {table} WHERE id = ?1"),
            &[Value::Text(id.to_owned())],
        )?;
        match r.rows.into_iter().next().and_then(|r| r.into_iter().next()) {
            Some(Value::Text(doc)) => Ok(Some(serde_json::from_str(&doc)?)),
            _ => Ok(None),
        }
    }

    /// Loads a record or fails with `missing(id)`.
    pub fn need<T: DeserializeOwned>(
        &mut self,
        table: &str,
        id: &str,
        missing: fn(String) -> ShopError,
    ) -> Res<T> {
        self.get(table, id)?
            .ok_or_else(|| Fail::Shop(missing(id.to_owned())))
    }

    /// The record an id the caller chose (`id`, checked as a code; `what`
    /// names it, `invoice id`) already names, for a repeated request to
    /// answer with: `None` when the id is new. `conflict` reads the record
    /// found: the `already-exists` text when it is another request's, `None`
    /// when it is this one's.
    pub fn replayed<T: DeserializeOwned>(
        &mut self,
        table: &str,
        id: &str,
        what: &str,
        conflict: impl FnOnce(&T) -> Option<String>,
    ) -> Res<Option<T>> {
        super::catalog::check_code(id, what)?;
        let found = self.get::<T>(table, id)?;
        match found.as_ref().and_then(conflict) {
            Some(taken) => Err(ShopError::AlreadyExists(taken).into()),
            None => Ok(found),
        }
    }

    pub fn exists(&mut self, table: &str, id: &str) -> Res<bool> {
        let r = self.exec(
            &format!("SELECT 1 FROM {table} WHERE id = ?1"),
            &[Value::Text(id.to_owned())],
        )?;
        Ok(!r.rows.is_empty())
    }

    /// Inserts or replaces a record (keeping its original position).
    pub fn put<T: Serialize>(
        &mut self,
        table: &str,
        id: &str,
        parent: Option<&str>,
        doc: &T,
    ) -> Res<()> {
        let doc = serde_json::to_string(doc)?;
        self.exec(
            &format!(
                "INSERT INTO {table} (id, parent, seq, doc) \
                 VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM {table}), ?3) \
                 ON CONFLICT (id) DO UPDATE SET doc = excluded.doc"
            ),
            &[
                Value::Text(id.to_owned()),
                parent.map_or(Value::Null, |p| Value::Text(p.to_owned())),
                Value::Text(doc),
            ],
        )?;
        Ok(())
    }

    /// Every record (of one parent), oldest first.
    pub fn list<T: DeserializeOwned>(&mut self, table: &str, parent: Option<&str>) -> Res<Vec<T>> {
        let r = match parent {
            Some(p) => self.exec(
                &format!("SELECT doc FROM {table} WHERE parent = ?1 ORDER BY seq"),
                &[Value::Text(p.to_owned())],
            )?,
            None => self.exec(&format!("SELECT doc FROM {table} ORDER BY seq"), &[])?,
        };
        r.rows
            .into_iter()
            .filter_map(|row| match row.into_iter().next() {
                Some(Value::Text(doc)) => Some(doc),
                _ => None,
            })
            .map(|doc| Ok(serde_json::from_str(&doc)?))
            .collect()
    }

    /// The next identifier of a series: `ORD-000001`, `ORD-000002`, …
    /// (counted in the transaction, so a refused operation uses none).
    pub fn next_id(&mut self, prefix: &str) -> Res<String> {
        let r = self.exec(
            "INSERT INTO shop_counters (name, value) VALUES (?1, 1) \
             ON CONFLICT (name) DO UPDATE SET value = shop_counters.value + 1 RETURNING value",
            &[Value::Text(prefix.to_owned())],
        )?;
        let n = match r.rows.first().and_then(|r| r.first()) {
            Some(Value::Integer(n)) => *n,
            _ => {
                return Err(Fail::Host(anyhow::anyhow!(
                    "counter {prefix} returned nothing"
                )));
            }
        };
        Ok(format!("{prefix}-{n:06}"))
    }

    /// The identifier the caller gave, or else the series' next one.
    pub fn given_or_next_id(&mut self, given: Option<String>, prefix: &str) -> Res<String> {
        match given {
            Some(id) => Ok(id),
            None => self.next_id(prefix),
        }
    }

    /// The rate the shop stores for (from, to); a typed error when it has none.
    pub fn rate(&mut self, from: &str, to: &str) -> Res<rust_decimal::Decimal> {
        let missing = || {
            Fail::Shop(ShopError::NoExchangeRate {
                from: from.to_owned(),
                to: to.to_owned(),
            })
        };
        let text =
            giftcard_host::exchange_rates::lookup(self.tx(), from, to)?.ok_or_else(missing)?;
        text.parse().map_err(|_| missing())
    }
}
