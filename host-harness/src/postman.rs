//! The host's half of delivery: the `outbox` import queues each message the
//! plugin hands over in host-owned tables **inside the call's transaction**
//! (a transactional outbox), and [`dispatch`] delivers what committed calls
//! queued: it writes the message to the outbox folder (and sends emails
//! through SMTP when configured), then reports the outcome to the plugin
//! with `delivery.record-delivery`.
//!
//! So a call that rolls back (an `err`, a trap) sends nothing, a message is
//! never delivered twice (it is marked dispatched in the same transaction
//! that reads it), and a crash between commit and dispatch only delays
//! delivery to the next dispatch.

use crate::database::Transaction;
use crate::outbox::{Attachment, Channel, Entry, Message, Outbox, Smtp};
use anyhow::{Context, Result, anyhow};
use giftcard_engine::db::{DbError, Value};
use std::path::PathBuf;

/// The host tables, in SQL SQLite and PostgreSQL both accept.
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
        dispatched BIGINT NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS host_outbox_attachments (\
        outbox_id BIGINT NOT NULL, \
        position BIGINT NOT NULL, \
        name TEXT NOT NULL, \
        media_type TEXT NOT NULL, \
        content_id TEXT, \
        content BLOB NOT NULL, \
        PRIMARY KEY (outbox_id, position))",
];

/// How the harness delivers: where the outbox folder is, the envelope
/// sender, and an optional SMTP relay.
#[derive(Clone, Debug)]
pub struct DeliveryConfig {
    /// The outbox folder; `None` puts it beside the database
    /// ([`Outbox::next_to`]).
    pub outbox: Option<PathBuf>,
    /// The address emails come from (the shop's name is the display name).
    pub from_address: String,
    /// Also send emails through this SMTP server.
    pub smtp: Option<Smtp>,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            outbox: None,
            from_address: "giftcards@shop.example".into(),
            smtp: None,
        }
    }
}

/// Queues one message in the call's transaction; returns the host reference
/// (`outbox:<row>`) the plugin records.
pub fn queue(tx: &mut dyn Transaction, m: &Message) -> Result<String, DbError> {
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
         subject, text_body, html_body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        &[
            Value::Integer(id),
            Value::Integer(m.message_id as i64),
            Value::Integer(m.card_id as i64),
            Value::from(m.kind.as_str()),
            Value::from(channel_name(m.channel)),
            Value::from(m.from_name.as_str()),
            Value::from(m.recipient.as_str()),
            Value::from(m.subject.as_str()),
            Value::from(m.text_body.as_str()),
            Value::from(m.html_body.clone()),
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

fn channel_name(c: Channel) -> &'static str {
    match c {
        Channel::Email => "email",
        Channel::Sms => "sms",
        Channel::Print => "print",
    }
}

fn channel_of(s: &str) -> Channel {
    match s {
        "sms" => Channel::Sms,
        "print" => Channel::Print,
        _ => Channel::Email,
    }
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

/// Takes every queued, undispatched message and marks it dispatched, in
/// `tx` (the caller commits before delivering, so no message goes twice).
pub fn take_pending(tx: &mut dyn Transaction) -> Result<Vec<Message>> {
    let db = |e: DbError| anyhow!("reading the host outbox: {e}");
    let rows = tx
        .execute(
            "SELECT id, message_id, card_id, kind, channel, from_name, recipient, subject, \
             text_body, html_body FROM host_outbox WHERE dispatched = 0 ORDER BY id",
            &[],
        )
        .map_err(db)?;
    let mut out = Vec::with_capacity(rows.rows.len());
    for r in &rows.rows {
        let id = int(&r[0])?;
        let parts = tx
            .execute(
                "SELECT name, media_type, content_id, content FROM host_outbox_attachments \
                 WHERE outbox_id = ?1 ORDER BY position",
                &[Value::Integer(id)],
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
        out.push(Message {
            message_id: int(&r[1])? as u64,
            card_id: int(&r[2])? as u64,
            kind: text(&r[3])?,
            channel: channel_of(&text(&r[4])?),
            from_name: text(&r[5])?,
            recipient: text(&r[6])?,
            subject: text(&r[7])?,
            text_body: text(&r[8])?,
            html_body: opt_text(&r[9])?,
            attachments,
        });
        tx.execute(
            "UPDATE host_outbox SET dispatched = 1 WHERE id = ?1",
            &[Value::Integer(id)],
        )
        .map_err(db)?;
    }
    Ok(out)
}

/// Delivers taken messages to the outbox folder (and SMTP); returns each
/// message with its outbox entry.
pub fn deliver(
    outbox: &Outbox,
    config: &DeliveryConfig,
    messages: Vec<Message>,
    at: i64,
) -> Result<Vec<(Message, Entry)>> {
    messages
        .into_iter()
        .map(|m| {
            let entry = outbox
                .store_and_send(&m, &config.from_address, at, config.smtp.as_ref())
                .with_context(|| format!("writing message {} to the outbox", m.message_id))?;
            Ok((m, entry))
        })
        .collect()
}
