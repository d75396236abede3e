//! The append-only history ledger. Rows are only ever inserted; each records a
//! signed amount with the balance before and after, so the balance can always
//! be re-derived (and checked) as the sum of a card's rows.

use crate::error::{Error, Result};
use crate::model::Named;
use crate::model::{Actor, CardId, HistoryAction, HistoryEntry, Money, PageRequest};
use crate::money::Currency;
use crate::storage::db::{Row, Value};
use crate::storage::env::Environment;
use crate::storage::schema::next_ids;
use crate::storage::time::{self, Seconds};

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

const INSERT: &str = "INSERT INTO gc_history (id, card_id, action, amount, balance_before, \
    balance_after, actor_kind, actor_name, reference, comment, created_at) VALUES ";
/// Values per row.
const COLUMNS: usize = 11;
/// Rows per multi-row INSERT: 500 × 11 parameters stays far below SQLite's
/// and PostgreSQL's bound-parameter limits.
const ROWS_PER_STATEMENT: usize = 500;

/// One row's values, in `INSERT` column order; the balance after is always
/// derived here, never given.
fn row_values(id: i64, entry: &NewEntry<'_>, out: &mut Vec<Value>) {
    let (kind, name) = actor_columns(entry.actor);
    out.extend([
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
    ]);
}

fn placeholders(rows: usize) -> String {
    use std::fmt::Write;
    let mut sql = String::with_capacity(INSERT.len() + rows * 60);
    sql.push_str(INSERT);
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..COLUMNS {
            if c > 0 {
                sql.push_str(", ");
            }
            write!(sql, "?{}", r * COLUMNS + c + 1).expect("writing to a string");
        }
        sql.push(')');
    }
    sql
}

/// Appends the same row for many cards (ids reserved by the caller,
/// consecutive from `first_id`), 500 per statement with the shared values
/// bound once: how a batch writes its `created` rows. `entry.card_id` is
/// ignored; the rows go to `card_ids`, in order.
pub fn append_uniform(
    env: &mut dyn Environment,
    first_id: i64,
    card_ids: &[i64],
    entry: &NewEntry<'_>,
) -> Result<()> {
    use std::fmt::Write;
    const SHARED: usize = 9;
    let mut shared = Vec::with_capacity(COLUMNS);
    row_values(0, entry, &mut shared);
    // Everything but the id and the card: action … created_at.
    let shared: Vec<Value> = shared.into_iter().skip(2).collect();
    debug_assert_eq!(shared.len(), SHARED);
    for (n, chunk) in card_ids.chunks(ROWS_PER_STATEMENT).enumerate() {
        let first = first_id + (n * ROWS_PER_STATEMENT) as i64;
        let mut sql = String::with_capacity(INSERT.len() + chunk.len() * 56);
        sql.push_str(INSERT);
        let mut params = shared.clone();
        params.reserve(chunk.len() * 2);
        for (i, card_id) in chunk.iter().enumerate() {
            let p = SHARED + i * 2;
            if i > 0 {
                sql.push_str(", ");
            }
            write!(
                sql,
                "(?{}, ?{}, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                p + 1,
                p + 2
            )
            .expect("writing to a string");
            params.push(Value::Integer(first + i as i64));
            params.push(Value::Integer(*card_id));
        }
        env.db().execute(&sql, &params)?;
    }
    Ok(())
}

/// Appends one row.
pub fn append(env: &mut dyn Environment, entry: NewEntry<'_>) -> Result<()> {
    let id = next_ids(env, "history", 1)?;
    append_many_with_ids(env, id, std::slice::from_ref(&entry))
}

/// Appends rows whose ids the caller reserved (consecutive from `first_id`,
/// see `schema::next_ids`), up to 500 per statement: how bulk operations write
/// thousands of rows without a statement each.
pub fn append_many_with_ids(
    env: &mut dyn Environment,
    first_id: i64,
    entries: &[NewEntry<'_>],
) -> Result<()> {
    for (n, chunk) in entries.chunks(ROWS_PER_STATEMENT).enumerate() {
        let first = first_id + (n * ROWS_PER_STATEMENT) as i64;
        let mut params = Vec::with_capacity(chunk.len() * COLUMNS);
        for (i, entry) in chunk.iter().enumerate() {
            row_values(first + i as i64, entry, &mut params);
        }
        env.db().execute(&placeholders(chunk.len()), &params)?;
    }
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
    let money = |minor: i64| Money::of(minor, currency);
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
    let entries = select(env, card_id, currency, Some((limit, offset)))?;
    let total = env.db().execute(
        "SELECT COUNT(*) AS n FROM gc_history WHERE card_id = ?1",
        &[Value::Integer(card_id as i64)],
    )?;
    let total = total.first_i64_or_zero("n")?;
    Ok((entries, total as u64))
}

/// Every row of a card, oldest first (the per-card detail view).
pub fn all(
    env: &mut dyn Environment,
    card_id: CardId,
    currency: Currency,
) -> Result<Vec<HistoryEntry>> {
    select(env, card_id, currency, None)
}

/// A card's rows, oldest first, optionally one `(limit, offset)` window.
fn select(
    env: &mut dyn Environment,
    card_id: CardId,
    currency: Currency,
    window: Option<(i64, i64)>,
) -> Result<Vec<HistoryEntry>> {
    let mut params = vec![Value::Integer(card_id as i64)];
    let mut sql = String::from(
        "SELECT id, card_id, action, amount, balance_before, balance_after, actor_kind, \
         actor_name, reference, comment, created_at FROM gc_history \
         WHERE card_id = ?1 ORDER BY id",
    );
    if let Some((limit, offset)) = window {
        sql.push_str(" LIMIT ?2 OFFSET ?3");
        params.extend([Value::Integer(limit), Value::Integer(offset)]);
    }
    let rows = env.db().execute(&sql, &params)?;
    rows.iter().map(|r| entry_from(&r, currency)).collect()
}

/// The sum of a card's ledger amounts: must always equal its balance.
pub fn sum(env: &mut dyn Environment, card_id: CardId) -> Result<i64> {
    let rows = env.db().execute(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total FROM gc_history WHERE card_id = ?1",
        &[Value::Integer(card_id as i64)],
    )?;
    Ok(rows.first_i64_or_zero("total")?)
}
