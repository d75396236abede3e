//! The append-only history ledger. Rows are only ever inserted; each records a
//! signed amount with the balance before and after, so the balance can always
//! be re-derived (and checked) as the sum of a card's rows.

use crate::db::{Row, Value};
use crate::env::Environment;
use crate::error::{Error, Result};
use crate::model::{Actor, CardId, HistoryAction, HistoryEntry, Money, PageRequest};
use crate::money::Currency;
use crate::schema::next_ids;
use crate::time::{self, Seconds};

/// A row about to be written.
pub struct NewEntry<'a> {
    pub card_id: CardId,
    pub action: HistoryAction,
    pub amount: i64,
    pub balance_before: i64,
    pub actor: &'a Actor,
    pub reference: Option<&'a str>,
    pub comment: Option<&'a str>,
    pub at: Seconds,
}

fn actor_columns(actor: &Actor) -> (&'static str, Option<&str>) {
    match actor {
        Actor::System => ("system", None),
        Actor::Admin(name) => ("admin", Some(name)),
        Actor::Customer(id) => ("customer", Some(id)),
    }
}

fn actor_from(kind: &str, name: Option<String>) -> Actor {
    match (kind, name) {
        ("admin", Some(n)) => Actor::Admin(n),
        ("customer", Some(n)) => Actor::Customer(n),
        _ => Actor::System,
    }
}

/// Appends one row.
pub fn append(env: &mut dyn Environment, entry: NewEntry<'_>) -> Result<()> {
    let id = next_ids(env, "history", 1)?;
    let (kind, name) = actor_columns(entry.actor);
    env.db().execute(
        "INSERT INTO gc_history (id, card_id, action, amount, balance_before, balance_after, \
         actor_kind, actor_name, reference, comment, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        &[
            Value::Integer(id),
            Value::Integer(entry.card_id as i64),
            Value::from(entry.action.as_str()),
            Value::Integer(entry.amount),
            Value::Integer(entry.balance_before),
            Value::Integer(entry.balance_before + entry.amount),
            Value::from(kind),
            Value::from(name),
            Value::from(entry.reference),
            Value::from(entry.comment),
            Value::Integer(entry.at),
        ],
    )?;
    Ok(())
}

/// The amount of an earlier row with this card, action and reference, if any:
/// how mutating calls stay idempotent on their business reference.
pub fn find_by_reference(
    env: &mut dyn Environment,
    card_id: CardId,
    action: HistoryAction,
    reference: &str,
) -> Result<Option<i64>> {
    let rows = env.db().execute(
        "SELECT amount FROM gc_history WHERE card_id = ?1 AND action = ?2 AND reference = ?3",
        &[
            Value::Integer(card_id as i64),
            Value::from(action.as_str()),
            Value::from(reference),
        ],
    )?;
    rows.first()
        .map(|r| r.i64("amount"))
        .transpose()
        .map_err(Into::into)
}

pub(crate) fn entry_from(row: &Row<'_>, currency: Currency) -> Result<HistoryEntry> {
    let money = |minor: i64| Money::new(currency.format(minor), currency.code());
    let action = row.text("action")?;
    Ok(HistoryEntry {
        id: row.i64("id")? as u64,
        card_id: row.i64("card_id")? as u64,
        action: HistoryAction::parse(&action)
            .ok_or_else(|| Error::Database(format!("unknown ledger action `{action}`")))?,
        amount: money(row.i64("amount")?),
        balance_before: money(row.i64("balance_before")?),
        balance_after: money(row.i64("balance_after")?),
        actor: actor_from(&row.text("actor_kind")?, row.opt_text("actor_name")?),
        reference: row.opt_text("reference")?,
        comment: row.opt_text("comment")?,
        created_at: time::format(row.i64("created_at")?),
    })
}

/// One page of a card's rows, oldest first, and the total count.
pub fn page(
    env: &mut dyn Environment,
    card_id: CardId,
    currency: Currency,
    page: PageRequest,
) -> Result<(Vec<HistoryEntry>, u64)> {
    let (limit, offset) = crate::cards::limit_offset(page)?;
    let db = env.db();
    let rows = db.execute(
        "SELECT id, card_id, action, amount, balance_before, balance_after, actor_kind, \
         actor_name, reference, comment, created_at FROM gc_history \
         WHERE card_id = ?1 ORDER BY id LIMIT ?2 OFFSET ?3",
        &[
            Value::Integer(card_id as i64),
            Value::Integer(limit),
            Value::Integer(offset),
        ],
    )?;
    let entries = rows
        .iter()
        .map(|r| entry_from(&r, currency))
        .collect::<Result<Vec<_>>>()?;
    let total = db.execute(
        "SELECT COUNT(*) AS n FROM gc_history WHERE card_id = ?1",
        &[Value::Integer(card_id as i64)],
    )?;
    let total = total.first().map(|r| r.i64("n")).transpose()?.unwrap_or(0);
    Ok((entries, total as u64))
}

/// The sum of a card's ledger amounts: must always equal its balance.
pub fn sum(env: &mut dyn Environment, card_id: CardId) -> Result<i64> {
    let rows = env.db().execute(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total FROM gc_history WHERE card_id = ?1",
        &[Value::Integer(card_id as i64)],
    )?;
    Ok(rows
        .first()
        .map(|r| r.i64("total"))
        .transpose()?
        .unwrap_or(0))
}
