//! The host's half of delivery: the `outbox` import queues each message the
//! plugin hands over in host-owned tables **inside the call's transaction**
//! (a transactional outbox), and the host's dispatcher (`GiftCards::dispatch_outbox`)
//! delivers what committed calls queued, **at least once**:
//!
//! 1. [`claim`] takes a few pending messages in a short transaction, marking
//!    them claimed until a lease runs out (so two processes do not deliver
//!    the same message at once, and a process that dies mid-delivery only
//!    delays it by the lease);
//! 2. each is delivered ([`super::Outbox::deliver`]: its file
//!    written durably, and handed to SMTP when configured);
//! 3. [`mark_delivered`] or [`mark_failed`] records the outcome, in the same
//!    transaction as the report to the plugin (`delivery.record-delivery`),
//!    so the host's and the plugin's records never disagree.
//!
//! A message stays pending until step 3 commits as delivered: a failure at
//! any step (an outbox folder that cannot be written, an SMTP server that is
//! down or stalls, a crash) leaves it to the next dispatch, by this process,
//! the next one, `tick` or `outbox retry`. A call that rolls back queues
//! nothing, so it sends nothing.

use super::{Attachment, Channel, Message, MessageKind, Smtp};
use crate::database::Transaction;
use anyhow::{Result, anyhow};
use giftcard_engine::storage::db::{DbError, Value};
use std::path::PathBuf;
use std::time::Duration;

/// The host tables as created new, in SQL SQLite and PostgreSQL both accept.
/// `delivered_at` is set once the message is delivered; until then it is
/// pending, `claimed_until` (host wall-clock seconds) tells other processes
/// that one is delivering it, and `retry_at` when a failed message is next
/// tried by the deliveries that follow ordinary calls (`tick`, `outbox
/// retry` and the host's dispatcher try it at once).
pub const CREATE_TABLES: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS host_outbox (\
        id BIGINT PRIMARY KEY, \
        message_id BIGINT NOT NULL, \
        card_id BIGINT NOT NULL, \
        kind TEXT NOT NULL, \
        channel TEXT NOT NULL, \
        from_name TEXT NOT NULL, \
        recipient TEXT NOT NULL, \
        subject TEXT NOT NULL, \
        text_body TEXT NOT NULL, \
        html_body TEXT, \
        queued_at BIGINT, \
        attempts BIGINT NOT NULL DEFAULT 0, \
        claimed_until BIGINT, \
        last_error TEXT, \
        delivered_at BIGINT, \
        file TEXT, \
        retry_at BIGINT)",
    "CREATE TABLE IF NOT EXISTS host_outbox_attachments (\
        outbox_id BIGINT NOT NULL, \
        position BIGINT NOT NULL, \
        name TEXT NOT NULL, \
        media_type TEXT NOT NULL, \
        content_id TEXT, \
        content BLOB NOT NULL, \
        PRIMARY KEY (outbox_id, position))",
    "CREATE INDEX IF NOT EXISTS host_outbox_pending ON host_outbox (delivered_at, id)",
];

/// Brings a `host_outbox` made by an at-most-once harness (a `dispatched`
/// flag, set before delivery) up to [`CREATE_TABLES`]. Rows it had flagged
/// are taken as delivered, except those the plugin recorded as failed
/// ([`REQUEUE_FAILED`]): they are pending again.
pub const UPGRADE_AT_MOST_ONCE: &[&str] = &[
    "ALTER TABLE host_outbox ADD COLUMN queued_at BIGINT",
    "ALTER TABLE host_outbox ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE host_outbox ADD COLUMN claimed_until BIGINT",
    "ALTER TABLE host_outbox ADD COLUMN last_error TEXT",
    "ALTER TABLE host_outbox ADD COLUMN delivered_at BIGINT",
    "ALTER TABLE host_outbox ADD COLUMN file TEXT",
    "ALTER TABLE host_outbox ADD COLUMN retry_at BIGINT",
    "UPDATE host_outbox SET delivered_at = 0 WHERE dispatched <> 0",
    "CREATE INDEX IF NOT EXISTS host_outbox_pending ON host_outbox (delivered_at, id)",
];

/// After [`UPGRADE_AT_MOST_ONCE`], when the plugin's message log exists: the
/// messages the old harness flagged but whose delivery failed (SMTP) are
/// pending again, so they are delivered at last instead of being lost.
pub const REQUEUE_FAILED: &str = "UPDATE host_outbox SET delivered_at = NULL \
    WHERE delivered_at = 0 AND message_id IN (SELECT id FROM gc_messages WHERE status = 'failed')";

/// How long a claim keeps other processes off a message: longer than one
/// delivery can take (SMTP steps time out after 10 s), short enough that a
/// message a dead process claimed goes out soon after.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(120);

/// Messages claimed per transaction.
const CLAIM_BATCH: i64 = 10;

/// How the harness delivers: where the outbox folder is, the envelope
/// sender, and an optional SMTP relay.
#[derive(Clone, Debug)]
pub struct DeliveryConfig {
    /// The outbox folder; `None` puts it beside the database
    /// ([`super::Outbox::next_to`]).
    pub outbox: Option<PathBuf>,
    /// The address emails come from (the shop's name is the display name).
    pub from_address: String,
    /// Also send emails through this SMTP server; a message then counts as
    /// delivered only once the server accepted it.
    pub smtp: Option<Smtp>,
    /// How long a claim on a message lasts ([`DEFAULT_LEASE`]).
    pub lease: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            outbox: None,
            from_address: "giftcards@shop.example".into(),
            smtp: None,
            lease: DEFAULT_LEASE,
        }
    }
}

/// A message waiting in the host outbox.
#[derive(Clone, Debug)]
pub struct Queued {
    /// The host's row (`outbox:<row>` is the reference the plugin keeps).
    pub row: i64,
    pub message: Message,
    /// When the plugin handed it over (harness clock), if known.
    pub queued_at: Option<i64>,
    /// Delivery attempts so far, this one included.
    pub attempts: i64,
}

/// A message still waiting, for `outbox pending`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Pending {
    pub row: i64,
    pub message_id: u64,
    pub card_id: u64,
    pub kind: String,
    #[serde(with = "super::message::channel_name")]
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub attempts: i64,
    /// Why the last attempt failed, if one did.
    pub last_error: Option<String>,
    /// Host wall-clock seconds until which a process is delivering it.
    pub claimed_until: Option<i64>,
}

/// Queues one message in the call's transaction; returns the host reference
/// (`outbox:<row>`) the plugin records.
pub fn queue(tx: &mut dyn Transaction, m: &Message, at: i64) -> Result<String, DbError> {
    let next = tx.execute(
        "SELECT COALESCE(MAX(id), 0) + 1 AS id FROM host_outbox",
        &[],
    )?;
    let id = match next.rows.first().and_then(|r| r.first()) {
        Some(Value::Integer(i)) => *i,
        _ => 1,
    };
    tx.execute(
        "INSERT INTO host_outbox (id, message_id, card_id, kind, channel, from_name, recipient, \
         subject, text_body, html_body, queued_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        &[
            Value::Integer(id),
            Value::Integer(m.message_id as i64),
            Value::Integer(m.card_id as i64),
            Value::from(m.kind.as_str()),
            Value::from(m.channel.as_str()),
            Value::from(m.from_name.as_str()),
            Value::from(m.recipient.as_str()),
            Value::from(m.subject.as_str()),
            Value::from(m.text_body.as_str()),
            Value::from(m.html_body.clone()),
            Value::Integer(at),
        ],
    )?;
    for (position, a) in m.attachments.iter().enumerate() {
        tx.execute(
            "INSERT INTO host_outbox_attachments (outbox_id, position, name, media_type, \
             content_id, content) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[
                Value::Integer(id),
                Value::Integer(position as i64),
                Value::from(a.name.as_str()),
                Value::from(a.media_type.as_str()),
                Value::from(a.content_id.clone()),
                Value::Blob(a.content.clone()),
            ],
        )?;
    }
    Ok(format!("outbox:{id}"))
}

fn channel_of(s: &str) -> Result<Channel> {
    Channel::parse(s).ok_or_else(|| anyhow!("host_outbox: unknown channel `{s}`"))
}

fn kind_of(s: &str) -> Result<MessageKind> {
    MessageKind::parse(s).ok_or_else(|| anyhow!("host_outbox: unknown message kind `{s}`"))
}

fn text(v: &Value) -> Result<String> {
    match v {
        Value::Text(s) => Ok(s.clone()),
        other => Err(anyhow!("host_outbox: expected text, found {other:?}")),
    }
}

fn opt_text(v: &Value) -> Result<Option<String>> {
    match v {
        Value::Null => Ok(None),
        other => text(other).map(Some),
    }
}

fn int(v: &Value) -> Result<i64> {
    match v {
        Value::Integer(i) => Ok(*i),
        other => Err(anyhow!("host_outbox: expected an integer, found {other:?}")),
    }
}

fn opt_int(v: &Value) -> Result<Option<i64>> {
    match v {
        Value::Null => Ok(None),
        other => int(other).map(Some),
    }
}

fn db(e: DbError) -> anyhow::Error {
    anyhow!("the host outbox: {e}")
}

/// Which pending messages a dispatch takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Take {
    /// After an ordinary call: those not claimed by another process and not
    /// waiting out the back-off of a failed attempt.
    Due,
    /// On request (`tick`, `outbox retry`): every one not claimed by another
    /// process, failed ones at once.
    Unclaimed,
    /// After a crash (`outbox retry --include-claimed`): every one, claimed
    /// by another process or not.
    All,
}

/// Claims up to a few pending messages with a row above `after` that
/// `take` allows, until `now + lease` (host wall-clock seconds), counting
/// the attempt. The caller commits `tx` before delivering them.
pub fn claim(
    tx: &mut dyn Transaction,
    after: i64,
    now: i64,
    lease: Duration,
    take: Take,
) -> Result<Vec<Queued>> {
    let rows = tx
        .execute(
            "SELECT id, message_id, card_id, kind, channel, from_name, recipient, subject, \
             text_body, html_body, queued_at, attempts FROM host_outbox \
             WHERE delivered_at IS NULL AND id > ?1 \
             AND (?2 <> 0 OR claimed_until IS NULL OR claimed_until <= ?3) \
             AND (?4 = 0 OR retry_at IS NULL OR retry_at <= ?3) \
             ORDER BY id LIMIT ?5",
            &[
                Value::Integer(after),
                Value::Integer(i64::from(take == Take::All)),
                Value::Integer(now),
                Value::Integer(i64::from(take == Take::Due)),
                Value::Integer(CLAIM_BATCH),
            ],
        )
        .map_err(db)?;
    let until = now.saturating_add(lease.as_secs() as i64);
    let mut out = Vec::with_capacity(rows.rows.len());
    for r in &rows.rows {
        let row = int(&r[0])?;
        let parts = tx
            .execute(
                "SELECT name, media_type, content_id, content FROM host_outbox_attachments \
                 WHERE outbox_id = ?1 ORDER BY position",
                &[Value::Integer(row)],
            )
            .map_err(db)?;
        let attachments = parts
            .rows
            .iter()
            .map(|p| {
                Ok(Attachment {
                    name: text(&p[0])?,
                    media_type: text(&p[1])?,
                    content_id: opt_text(&p[2])?,
                    content: match &p[3] {
                        Value::Blob(b) => b.clone(),
                        other => return Err(anyhow!("attachment content: {other:?}")),
                    },
                })
            })
            .collect::<Result<Vec<_>>>()?;
        tx.execute(
            "UPDATE host_outbox SET claimed_until = ?1, attempts = attempts + 1 WHERE id = ?2",
            &[Value::Integer(until), Value::Integer(row)],
        )
        .map_err(db)?;
        out.push(Queued {
            row,
            message: Message {
                message_id: int(&r[1])? as u64,
                card_id: int(&r[2])? as u64,
                kind: kind_of(&text(&r[3])?)?,
                channel: channel_of(&text(&r[4])?)?,
                from_name: text(&r[5])?,
                recipient: text(&r[6])?,
                subject: text(&r[7])?,
                text_body: text(&r[8])?,
                html_body: opt_text(&r[9])?,
                attachments,
            },
            queued_at: opt_int(&r[10])?,
            attempts: int(&r[11])? + 1,
        });
    }
    Ok(out)
}

/// Records that a message is delivered (its file is `file`): it is never
/// claimed again.
pub fn mark_delivered(tx: &mut dyn Transaction, row: i64, at: i64, file: &str) -> Result<()> {
    tx.execute(
        "UPDATE host_outbox SET delivered_at = ?1, file = ?2, claimed_until = NULL, \
         last_error = NULL WHERE id = ?3",
        &[Value::Integer(at), Value::from(file), Value::Integer(row)],
    )
    .map_err(db)?;
    Ok(())
}

/// Records why an attempt failed and releases the claim. The deliveries
/// that follow ordinary calls leave the message alone for a while, longer
/// after each failure ([`backoff`]), so a server that is down does not slow
/// every command; `tick` and `outbox retry` try it at once.
pub fn mark_failed(
    tx: &mut dyn Transaction,
    row: i64,
    reason: &str,
    attempts: i64,
    now: i64,
) -> Result<()> {
    tx.execute(
        "UPDATE host_outbox SET claimed_until = NULL, last_error = ?1, retry_at = ?2 \
         WHERE id = ?3",
        &[
            Value::from(reason),
            Value::Integer(now.saturating_add(backoff(attempts).as_secs() as i64)),
            Value::Integer(row),
        ],
    )
    .map_err(db)?;
    Ok(())
}

/// How long to leave a message alone after its `attempts`-th failure: 30 s,
/// doubling each time, at most an hour.
pub fn backoff(attempts: i64) -> Duration {
    let doublings = attempts.clamp(1, 8) - 1;
    Duration::from_secs((30u64 << doublings).min(3600))
}

/// Every message not delivered yet, oldest first.
pub fn pending(tx: &mut dyn Transaction) -> Result<Vec<Pending>> {
    let rows = tx
        .execute(
            "SELECT id, message_id, card_id, kind, channel, recipient, subject, attempts, \
             last_error, claimed_until FROM host_outbox WHERE delivered_at IS NULL ORDER BY id",
            &[],
        )
        .map_err(db)?;
    rows.rows
        .iter()
        .map(|r| {
            Ok(Pending {
                row: int(&r[0])?,
                message_id: int(&r[1])? as u64,
                card_id: int(&r[2])? as u64,
                kind: text(&r[3])?,
                channel: channel_of(&text(&r[4])?)?,
                recipient: text(&r[5])?,
                subject: text(&r[6])?,
                attempts: int(&r[7])?,
                last_error: opt_text(&r[8])?,
                claimed_until: opt_int(&r[9])?,
            })
        })
        .collect()
}

/// A delivery failure as the plugin's `failure` field takes it: one line of
/// text without the characters the plugin refuses in text fields (control
/// characters, line separators, bidirectional overrides: each becomes a
/// space; an SMTP server's reply often spans lines), at most 500
/// characters.
pub fn failure_text(reason: &str) -> String {
    reason
        .chars()
        .map(|c| {
            if giftcard_engine::cards::forbidden(c) {
                ' '
            } else {
                c
            }
        })
        .take(500)
        .collect()
}
