//! The plugin's own schema and its migrations.
//!
//! Every statement here is in the subset SQLite and PostgreSQL share: BIGINT
//! and TEXT columns, no AUTOINCREMENT/SERIAL (ids come from `gc_sequences`
//! through `UPDATE … RETURNING`, which both accept), and no dialect-only
//! functions. Migrations only ever append to this list; a shipped one is never
//! edited.

mod batches;
mod customer;
mod delivery;
mod issuing;
mod management;
mod orders;
mod products;

use crate::error::{Error, Result};
use crate::model::MigrationReport;
use crate::storage::db::{Database, DbError, QueryResult, Value};
use crate::storage::env::{CallMemo, Environment};
use crate::storage::outbound::{DeliveryError, OutboundMessage};
use crate::storage::time::Seconds;

struct Migration {
    version: u32,
    description: &'static str,
    statements: &'static [&'static str],
    /// Further statements owned by the modules they serve (their own tables,
    /// kept in `schema/<module>.rs`), run after `statements`, in this order.
    module_statements: &'static [&'static [&'static str]],
}

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "cards, history ledger, settings, sequences, balance-check attempts",
    statements: &[
        "CREATE TABLE gc_sequences (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        "INSERT INTO gc_sequences (name, value) VALUES ('card', 0), ('history', 0)",
        "CREATE TABLE gc_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE gc_cards (
            id BIGINT PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            display_code TEXT NOT NULL,
            masked_code TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('active', 'used', 'expired', 'disabled')),
            balance BIGINT NOT NULL CHECK (balance >= 0),
            initial_value BIGINT NOT NULL CHECK (initial_value > 0),
            currency TEXT NOT NULL,
            expires_at BIGINT,
            customer_id TEXT,
            comment TEXT,
            creation_reference TEXT UNIQUE,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
        )",
        "CREATE INDEX gc_cards_status ON gc_cards (status)",
        "CREATE INDEX gc_cards_customer ON gc_cards (customer_id)",
        "CREATE TABLE gc_history (
            id BIGINT PRIMARY KEY,
            card_id BIGINT NOT NULL REFERENCES gc_cards (id),
            action TEXT NOT NULL,
            amount BIGINT NOT NULL,
            balance_before BIGINT NOT NULL,
            balance_after BIGINT NOT NULL CHECK (balance_after = balance_before + amount),
            actor_kind TEXT NOT NULL,
            actor_name TEXT,
            reference TEXT,
            comment TEXT,
            created_at BIGINT NOT NULL
        )",
        "CREATE INDEX gc_history_card ON gc_history (card_id, id)",
        // NULL references never collide, in SQLite and PostgreSQL alike.
        "CREATE UNIQUE INDEX gc_history_reference ON gc_history (card_id, action, reference)",
        "CREATE TABLE gc_balance_checks (client_key TEXT NOT NULL, attempted_at BIGINT NOT NULL)",
        "CREATE INDEX gc_balance_checks_key ON gc_balance_checks (client_key, attempted_at)",
    ],
    module_statements: &[],
},
Migration {
    version: 2,
    description: "order pipeline: card scope and origin, orders, their cards, invoices, credit memos, hook results, refusal log",
    statements: &[
        "ALTER TABLE gc_cards ADD COLUMN website TEXT",
        "ALTER TABLE gc_cards ADD COLUMN is_test BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE gc_cards ADD COLUMN origin TEXT NOT NULL DEFAULT 'admin'",
        "ALTER TABLE gc_cards ADD COLUMN order_id TEXT",
        "ALTER TABLE gc_cards ADD COLUMN order_line TEXT",
        "ALTER TABLE gc_cards ADD COLUMN purchase TEXT",
        "CREATE INDEX gc_cards_order ON gc_cards (order_id, order_line)",
        "INSERT INTO gc_sequences (name, value) VALUES ('refusal', 0)",
        // One row per order placed through the plugin, with or without cards.
        // Amounts are minor units of the order's currency.
        "CREATE TABLE gc_orders (
            order_id TEXT PRIMARY KEY,
            website TEXT NOT NULL,
            currency TEXT NOT NULL,
            base_currency TEXT NOT NULL,
            customer_id TEXT,
            is_test BIGINT NOT NULL,
            cards_cover_shipping BIGINT NOT NULL,
            total_before_cards BIGINT NOT NULL CHECK (total_before_cards >= 0),
            gift_card_amount BIGINT NOT NULL CHECK (gift_card_amount >= 0),
            invoiced_total BIGINT NOT NULL DEFAULT 0,
            invoiced_gift_card BIGINT NOT NULL DEFAULT 0
                CHECK (invoiced_gift_card <= gift_card_amount),
            refunded_total BIGINT NOT NULL DEFAULT 0 CHECK (refunded_total <= invoiced_total),
            refunded_gift_card BIGINT NOT NULL DEFAULT 0
                CHECK (refunded_gift_card <= invoiced_gift_card),
            restored_gift_card BIGINT NOT NULL DEFAULT 0,
            cancelled_at BIGINT,
            placed_at BIGINT NOT NULL,
            CHECK (invoiced_gift_card + restored_gift_card <= gift_card_amount)
        )",
        // What each applied card paid: `applied` in the order's minor units,
        // `debited` in the card's; `returned` (order) and `credited` (card)
        // grow with refunds and cancellation and never pass them.
        "CREATE TABLE gc_order_cards (
            order_id TEXT NOT NULL REFERENCES gc_orders (order_id),
            position BIGINT NOT NULL,
            card_id BIGINT NOT NULL REFERENCES gc_cards (id),
            applied BIGINT NOT NULL CHECK (applied > 0),
            debited BIGINT NOT NULL CHECK (debited > 0),
            returned BIGINT NOT NULL DEFAULT 0 CHECK (returned <= applied),
            credited BIGINT NOT NULL DEFAULT 0 CHECK (credited <= debited),
            PRIMARY KEY (order_id, position)
        )",
        "CREATE TABLE gc_invoices (
            invoice_id TEXT PRIMARY KEY,
            order_id TEXT NOT NULL REFERENCES gc_orders (order_id),
            total BIGINT NOT NULL,
            gift_card_amount BIGINT NOT NULL CHECK (gift_card_amount >= 0 AND gift_card_amount <= total),
            paid_at BIGINT,
            created_at BIGINT NOT NULL
        )",
        "CREATE TABLE gc_credit_memos (
            memo_id TEXT PRIMARY KEY,
            order_id TEXT NOT NULL REFERENCES gc_orders (order_id),
            total BIGINT NOT NULL,
            gift_card_amount BIGINT NOT NULL CHECK (gift_card_amount >= 0 AND gift_card_amount <= total),
            created_at BIGINT NOT NULL
        )",
        // The answer each hook gave, so a replay returns it unchanged.
        "CREATE TABLE gc_hook_results (
            hook TEXT NOT NULL,
            reference TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            result TEXT NOT NULL,
            PRIMARY KEY (hook, reference)
        )",
        "CREATE TABLE gc_refusals (
            id BIGINT PRIMARY KEY,
            at BIGINT NOT NULL,
            channel TEXT NOT NULL,
            client_key TEXT,
            quote_id TEXT NOT NULL,
            card_id BIGINT,
            masked_code TEXT,
            reason TEXT NOT NULL
        )",
    ],
    module_statements: &[],
},
Migration {
    version: 3,
    description: "catalog and administration: card uses, random amounts, people, cancellation; products, batch definitions, campaigns",
    statements: &[
        // A random-amount card keeps the range its value was drawn from.
        "ALTER TABLE gc_cards ADD COLUMN amount_min BIGINT",
        "ALTER TABLE gc_cards ADD COLUMN amount_max BIGINT",
        // -1 = unlimited; `uses` counts placements and transfers to accounts.
        "ALTER TABLE gc_cards ADD COLUMN max_uses BIGINT NOT NULL DEFAULT -1",
        "ALTER TABLE gc_cards ADD COLUMN uses BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE gc_cards ADD COLUMN recipient_name TEXT",
        "ALTER TABLE gc_cards ADD COLUMN recipient_email TEXT",
        "ALTER TABLE gc_cards ADD COLUMN purchaser_customer_id TEXT",
        "ALTER TABLE gc_cards ADD COLUMN purchaser_email TEXT",
        "ALTER TABLE gc_cards ADD COLUMN product_id BIGINT",
        "ALTER TABLE gc_cards ADD COLUMN definition_id BIGINT",
        "ALTER TABLE gc_cards ADD COLUMN campaign_id BIGINT",
        // A cancelled card is stored as `disabled` with this set: the status
        // column's CHECK predates cancellation, and SQLite cannot alter a
        // CHECK. Readers derive `cancelled` from it.
        "ALTER TABLE gc_cards ADD COLUMN cancelled_at BIGINT",
        "CREATE INDEX gc_cards_product ON gc_cards (product_id)",
        "CREATE INDEX gc_cards_definition ON gc_cards (definition_id)",
        "CREATE INDEX gc_cards_purchaser ON gc_cards (purchaser_customer_id)",
        "INSERT INTO gc_sequences (name, value) VALUES ('product', 0), ('definition', 0), ('campaign', 0)",
    ],
    module_statements: &[
        products::SCHEMA_V3,
        batches::SCHEMA_V3,
        issuing::SCHEMA_V3,
        management::SCHEMA_V3,
    ],
},
Migration {
    version: 4,
    description: "delivery: view tokens, delivery timeline on cards, the message log",
    statements: delivery::SCHEMA_V4,
    module_statements: &[],
},
Migration {
    version: 5,
    description: "trustworthy edges: placed order lines, canonical rate-limit keys, failed lookups per customer",
    statements: &[],
    module_statements: &[orders::SCHEMA_V5, customer::SCHEMA_V5],
}];

/// The schema version this build writes and expects.
pub fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

fn read_version(db: &mut dyn Database) -> Result<Option<u32>> {
    let rows = db.execute("SELECT version FROM gc_schema", &[]);
    let rows = match rows {
        Ok(rows) => rows,
        // No bookkeeping table yet: an empty database.
        Err(crate::storage::db::DbError::InvalidStatement(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    match rows.first() {
        Some(row) => Ok(Some(u32::try_from(row.i64("version")?).unwrap_or(u32::MAX))),
        None => Ok(Some(0)),
    }
}

/// Applies every migration newer than the database's version, in order.
/// Idempotent; the host's per-call transaction makes it all-or-nothing.
pub fn migrate(env: &mut dyn Environment) -> Result<MigrationReport> {
    let db = env.db();
    // IF NOT EXISTS rather than catching an error: a failed statement would
    // abort the whole transaction on PostgreSQL.
    db.execute(
        "CREATE TABLE IF NOT EXISTS gc_schema (version BIGINT NOT NULL)",
        &[],
    )?;
    let existing = db.execute("SELECT version FROM gc_schema", &[])?;
    let from = match existing.first() {
        Some(row) => u32::try_from(row.i64("version")?).unwrap_or(u32::MAX),
        None => {
            db.execute("INSERT INTO gc_schema (version) VALUES (0)", &[])?;
            0
        }
    };
    if from > latest_version() {
        return Err(Error::Database(format!(
            "the database's schema version {from} is newer than this build's {}; upgrade the plugin",
            latest_version()
        )));
    }
    let mut applied = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| m.version > from) {
        for sql in m
            .statements
            .iter()
            .chain(m.module_statements.iter().flat_map(|s| s.iter()))
        {
            db.execute(sql, &[])?;
        }
        db.execute(
            "UPDATE gc_schema SET version = ?1",
            &[Value::Integer(i64::from(m.version))],
        )?;
        applied.push(format!("v{}: {}", m.version, m.description));
    }
    Ok(MigrationReport {
        from_version: from,
        to_version: latest_version(),
        applied,
    })
}

/// The schema version the database holds (0 when the plugin's tables were
/// never created). Reads only.
pub fn database_version(env: &mut dyn Environment) -> Result<u32> {
    Ok(read_version(env.db())?.unwrap_or(0))
}

/// Refuses to work on a database whose schema is missing or older than this
/// build's, with a typed error instead of a confusing SQL failure.
pub fn ensure_current(env: &mut dyn Environment) -> Result<()> {
    check_version(read_version(env.db())?)
}

fn check_version(version: Option<u32>) -> Result<()> {
    match version {
        Some(v) if v == latest_version() => Ok(()),
        Some(v) if v > latest_version() => Err(Error::Database(format!(
            "the database's schema version {v} is newer than this build's {}",
            latest_version()
        ))),
        _ => Err(Error::NotMigrated),
    }
}

/// An export call on a database whose schema is current: the environment it
/// was given, plus what the schema check read on the way (the settings, which
/// most calls need), so a call asks for them once instead of in a statement
/// of their own.
pub struct Current<'a> {
    env: &'a mut dyn Environment,
    memo: CallMemo,
}

impl<'a> Current<'a> {
    /// [`ensure_current`] and the settings in one statement. Should that
    /// statement fail (no tables yet, or a schema this build does not know),
    /// the plain version check gives the precise refusal.
    pub fn check(env: &'a mut dyn Environment) -> Result<Current<'a>> {
        // The version's row has no name: no setting can be mistaken for it.
        let read = env.db().execute(
            "SELECT NULL AS name, CAST(version AS TEXT) AS value FROM gc_schema \
             UNION ALL SELECT name, value FROM gc_settings",
            &[],
        );
        let mut rows = match read {
            Ok(rows) => rows,
            Err(DbError::InvalidStatement(_)) => {
                ensure_current(env)?;
                return Ok(Current {
                    env,
                    memo: CallMemo::default(),
                });
            }
            Err(e) => return Err(e.into()),
        };
        let version = split_version(&mut rows)?;
        check_version(version)?;
        Ok(Current {
            env,
            memo: CallMemo {
                settings: Some(rows),
            },
        })
    }
}

/// Takes the version's row (the one without a name) out of `rows`: `Some(0)`
/// when the table is empty.
fn split_version(rows: &mut QueryResult) -> Result<Option<u32>> {
    let name = rows.columns.iter().position(|c| c == "name");
    let at = rows
        .rows
        .iter()
        .position(|row| name.is_some_and(|i| row[i] == Value::Null));
    let Some(at) = at else {
        return Ok(Some(0));
    };
    let row = rows.rows.remove(at);
    let value = rows.columns.iter().position(|c| c == "value");
    match value.map(|i| &row[i]) {
        Some(Value::Text(v)) => Ok(Some(v.parse::<u32>().unwrap_or(u32::MAX))),
        _ => Err(Error::Database("the schema version is not a number".into())),
    }
}

impl Environment for Current<'_> {
    fn db(&mut self) -> &mut dyn Database {
        self.env.db()
    }
    fn now(&mut self) -> Seconds {
        self.env.now()
    }
    fn fill_random(&mut self, buf: &mut [u8]) {
        self.env.fill_random(buf)
    }
    fn exchange_rate(&mut self, from: &str, to: &str) -> Option<String> {
        self.env.exchange_rate(from, to)
    }
    fn deliver(&mut self, message: &OutboundMessage) -> Result<String, DeliveryError> {
        self.env.deliver(message)
    }
    fn call_memo(&mut self) -> Option<&mut CallMemo> {
        Some(&mut self.memo)
    }
}

/// Reserves `count` consecutive ids from a named sequence and returns the first.
/// A single guarded row update: safe under concurrent writers on both engines.
pub fn next_ids(env: &mut dyn Environment, sequence: &str, count: u32) -> Result<i64> {
    let rows = env.db().execute(
        "UPDATE gc_sequences SET value = value + ?1 WHERE name = ?2 RETURNING value",
        &[Value::Integer(i64::from(count)), Value::from(sequence)],
    )?;
    let last = rows
        .first()
        .ok_or_else(|| Error::Database(format!("sequence `{sequence}` is missing")))?
        .i64("value")?;
    Ok(last - i64::from(count) + 1)
}

#[cfg(test)]
mod tests;
