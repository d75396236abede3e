//! Sending cards to people: messages rendered here, handed to the host
//! through [`Environment::deliver`], and tracked per card (scheduled, sent,
//! delivered, first viewed).
//!
//! The host delivers only what a committed call handed it, so a message and
//! the rows recording it stand or fall together. The plugin never learns of
//! delivery by itself: the host reports it with [`record_delivery`].

pub mod render;

pub use crate::storage::outbound::{
    Attachment, Channel, DeliveryError, MessageKind, OutboundMessage,
};

use crate::cards::contact;
use crate::cards::{self, CARD_COLUMNS, StoredCard};
use crate::error::{Error, Result};
use crate::model::{CardId, CardRef, CardStatus, GiftCardPurchase, Money, Named};
use crate::settings::{self, Settings};
use crate::storage::db::{Row, Value, load_by_id};
use crate::storage::env::Environment;
use crate::storage::schema::next_ids;
use crate::storage::time::{self, Seconds};
use strum::{IntoStaticStr, VariantArray};

mod print;

pub use print::*;

/// Where a message is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum MessageStatus {
    Scheduled,
    /// Handed to the host, not yet reported delivered. Stored as `sent`, the
    /// name schema v4 gave it: the column's CHECK constraint predates the
    /// rename, and SQLite cannot alter a CHECK.
    #[strum(serialize = "sent")]
    Pending,
    /// Reported delivered: final.
    Delivered,
    /// The host's last attempt failed; it keeps trying.
    Failed,
}

impl Named for MessageStatus {}

impl MessageStatus {
    /// Reads a stored name back; an unknown one is a damaged database.
    fn parse(s: &str) -> Result<MessageStatus> {
        <Self as Named>::parse(s)
            .ok_or_else(|| Error::Database(format!("stored message has an unknown status `{s}`")))
    }
}

/// One message about a card, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageInfo {
    pub message_id: u64,
    pub card_id: CardId,
    pub kind: MessageKind,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub status: MessageStatus,
    pub scheduled_for: Option<String>,
    pub sent_at: Option<String>,
    pub delivered_at: Option<String>,
    pub host_reference: Option<String>,
    pub failure: Option<String>,
}

/// A card's delivery timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardDelivery {
    pub card_id: CardId,
    pub scheduled_for: Option<String>,
    pub sent_at: Option<String>,
    pub delivered_at: Option<String>,
    pub first_viewed_at: Option<String>,
    pub reminded_at: Option<String>,
    pub messages: Vec<MessageInfo>,
}

/// An administrator's send or resend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendRequest {
    pub card_id: CardId,
    pub channel: Channel,
    pub recipient: Option<String>,
    pub admin: String,
}

/// The host's report on one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryReport {
    pub message_id: u64,
    pub delivered: bool,
    pub at: String,
    pub failure: Option<String>,
}

/// What the view link shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardView {
    pub code: String,
    pub status: CardStatus,
    pub balance: Money,
    pub initial_value: Money,
    pub expires_at: Option<String>,
    pub recipient_name: Option<String>,
    pub sender_name: Option<String>,
    pub message: Option<String>,
    pub how_to_redeem: String,
    pub first_viewed_at: String,
}

/// A rendered document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub name: String,
    pub media_type: String,
    pub pages: u32,
    pub content: Vec<u8>,
}

/// The most cards one PDF may hold.
pub const MAX_PRINT: usize = 1000;

/// One part of a print run (WIT `print-part-request`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintPartRequest {
    pub card_ids: Vec<CardId>,
    pub resume: Option<PrintResume>,
    /// 0 = the default part size.
    pub limit: u32,
}

/// Where the next part of a print run starts, as the previous part said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrintResume {
    pub pages_done: u32,
    pub bytes_done: u64,
    pub previous_xref: u64,
}

/// One part of a print run: bytes to append to the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentPart {
    pub content: Vec<u8>,
    pub pages: u32,
    pub next: Option<PrintResume>,
}

const MESSAGE_COLUMNS: &str = "id, card_id, kind, channel, recipient, subject, status, \
    scheduled_for, sent_at, delivered_at, host_reference, failure";

fn message_from(row: &Row<'_>) -> Result<MessageInfo> {
    Ok(MessageInfo {
        message_id: row.i64("id")? as u64,
        card_id: row.i64("card_id")? as u64,
        kind: MessageKind::parse(&row.text("kind")?)?,
        channel: Channel::parse(&row.text("channel")?)?,
        recipient: row.text("recipient")?,
        subject: row.text("subject")?,
        status: MessageStatus::parse(&row.text("status")?)?,
        scheduled_for: row.opt_i64("scheduled_for")?.map(time::format),
        sent_at: row.opt_i64("sent_at")?.map(time::format),
        delivered_at: row.opt_i64("delivered_at")?.map(time::format),
        host_reference: row.opt_text("host_reference")?,
        failure: row.opt_text("failure")?,
    })
}

fn load_message(env: &mut dyn Environment, id: u64) -> Result<MessageInfo> {
    let select = format!("SELECT {MESSAGE_COLUMNS} FROM gc_messages");
    load_by_id(env.db(), &select, id, message_from, Error::NotFound)
}

/// The card's view token, made on first need: 130 bits from the secure
/// random source, in lower-case base 32, so it can neither be guessed nor
/// derived from the code.
fn view_token(env: &mut dyn Environment, card_id: CardId) -> Result<String> {
    let rows = env.db().execute(
        "SELECT view_token FROM gc_cards WHERE id = ?1",
        &[Value::Integer(card_id as i64)],
    )?;
    if let Some(token) = rows
        .first()
        .map(|r| r.opt_text("view_token"))
        .transpose()?
        .flatten()
    {
        return Ok(token);
    }
    // A real generator never repeats 130 bits; a seeded one (deterministic
    // runs, where every process replays the same stream) can, so a token
    // already taken is drawn again, as codes are.
    let mut token = String::new();
    for _ in 0..8 {
        let mut bytes = [0u8; 17];
        env.fill_random(&mut bytes);
        token = base32(&bytes, TOKEN_LEN);
        let taken = env.db().execute(
            "SELECT id FROM gc_cards WHERE view_token = ?1",
            &[Value::from(token.as_str())],
        )?;
        if taken.first().is_none() {
            break;
        }
    }
    env.db().execute(
        "UPDATE gc_cards SET view_token = ?1 WHERE id = ?2 AND view_token IS NULL",
        &[Value::from(token.as_str()), Value::Integer(card_id as i64)],
    )?;
    Ok(token)
}

const TOKEN_LEN: usize = 26;
const TOKEN_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

fn base32(bytes: &[u8], len: usize) -> String {
    let mut out = String::with_capacity(len);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 && out.len() < len {
            bits -= 5;
            out.push(TOKEN_ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
        acc &= (1 << bits) - 1;
    }
    out
}

/// Where a card's messages go by default: its recipient, else its buyer (email);
/// the recipient's phone (SMS); its recipient's name (print).
pub(crate) fn default_recipient(card: &StoredCard, channel: Channel) -> Option<String> {
    match channel {
        Channel::Email => card
            .extras
            .recipient_email
            .clone()
            .or_else(|| {
                card.context
                    .purchase
                    .as_ref()
                    .and_then(|p| p.recipient_email.clone())
            })
            .or_else(|| card.extras.purchaser_email.clone()),
        Channel::Sms => card
            .context
            .purchase
            .as_ref()
            .and_then(|p| p.recipient_phone.as_deref())
            .and_then(|p| contact::normalise_phone(p).ok()),
        Channel::Print => Some(
            card.extras
                .recipient_name
                .clone()
                .unwrap_or_else(|| format!("Gift card {}", card.masked_code)),
        ),
    }
}

/// Checks (and normalises) a recipient an administrator typed.
fn check_recipient(channel: Channel, value: &str) -> Result<String> {
    match channel {
        Channel::Email => {
            let value = value.trim();
            cards::check_email("recipient", value).map_err(|e| match e {
                Error::InvalidArgument(m) => Error::InvalidRecipient(m),
                other => other,
            })?;
            Ok(value.to_owned())
        }
        Channel::Sms => contact::normalise_phone(value)
            .map_err(|why| Error::InvalidRecipient(format!("recipient: {why}"))),
        Channel::Print => {
            cards::check_text("recipient", value, 200, true).map_err(|e| match e {
                Error::InvalidArgument(m) => Error::InvalidRecipient(m),
                other => other,
            })?;
            Ok(value.trim().to_owned())
        }
    }
}

/// One message about to go out: why, how, to whom.
pub(crate) struct Outgoing<'a> {
    pub kind: MessageKind,
    pub channel: Channel,
    pub recipient: &'a str,
    /// The administrator who sent it, if one did.
    pub actor: Option<&'a str>,
    /// The scheduled message row this completes, instead of a new row.
    pub scheduled: Option<u64>,
}

/// Renders and hands one message to the host, then records it as sent.
/// A refusal by the host is `delivery-failed` and records nothing.
pub(crate) fn send_now(
    env: &mut dyn Environment,
    settings: &Settings,
    card: &StoredCard,
    out: Outgoing<'_>,
    now: Seconds,
) -> Result<MessageInfo> {
    let Outgoing {
        kind,
        channel,
        recipient,
        actor,
        scheduled,
    } = out;
    let token = view_token(env, card.id)?;
    let id = match scheduled {
        Some(id) => id,
        None => next_ids(env, "message", 1)? as u64,
    };
    let facts = render::CardFacts::of(card, settings, &token);
    let message = render::message(&facts, settings, id, kind, channel, recipient, card.id)?;
    let reference = env
        .deliver(&message)
        .map_err(|e| Error::DeliveryFailed(e.to_string()))?;
    let db = env.db();
    match scheduled {
        Some(id) => {
            db.execute(
                "UPDATE gc_messages SET status = 'sent', subject = ?1, sent_at = ?2, \
                 host_reference = ?3, failure = NULL WHERE id = ?4 AND status = 'scheduled'",
                &[
                    Value::from(message.subject.as_str()),
                    Value::Integer(now),
                    Value::from(reference),
                    Value::Integer(id as i64),
                ],
            )?;
        }
        None => {
            db.execute(
                "INSERT INTO gc_messages (id, card_id, kind, channel, recipient, subject, status, \
                 actor, sent_at, host_reference, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sent', ?7, ?8, ?9, ?8)",
                &[
                    Value::Integer(id as i64),
                    Value::Integer(card.id as i64),
                    Value::from(kind.as_str()),
                    Value::from(channel.as_str()),
                    Value::from(recipient),
                    Value::from(message.subject.as_str()),
                    Value::from(actor),
                    Value::Integer(now),
                    Value::from(reference),
                ],
            )?;
        }
    }
    let reminder = (kind == MessageKind::ExpiryReminder).then_some(now);
    db.execute(
        "UPDATE gc_cards SET sent_at = COALESCE(sent_at, ?1), \
         reminded_at = COALESCE(?2, reminded_at) WHERE id = ?3",
        &[
            Value::Integer(now),
            Value::from(reminder),
            Value::Integer(card.id as i64),
        ],
    )?;
    load_message(env, id)
}

/// Records a message that waits for its delivery date; it is rendered when
/// it goes out, so it shows the balance of that day.
fn schedule(
    env: &mut dyn Environment,
    card: &StoredCard,
    channel: Channel,
    recipient: &str,
    at: Seconds,
) -> Result<MessageInfo> {
    let now = env.now();
    let id = next_ids(env, "message", 1)? as u64;
    env.db().execute(
        "INSERT INTO gc_messages (id, card_id, kind, channel, recipient, subject, status, \
         scheduled_for, created_at) VALUES (?1, ?2, 'scheduled', ?3, ?4, '', 'scheduled', ?5, ?6)",
        &[
            Value::Integer(id as i64),
            Value::Integer(card.id as i64),
            Value::from(channel.as_str()),
            Value::from(recipient),
            Value::Integer(at),
            Value::Integer(now),
        ],
    )?;
    env.db().execute(
        "UPDATE gc_cards SET deliver_at = ?1 WHERE id = ?2",
        &[Value::Integer(at), Value::Integer(card.id as i64)],
    )?;
    load_message(env, id)
}

/// A card was issued after payment: its message goes to the recipient (or
/// the buyer when there is none) by email, and by SMS to a recipient phone,
/// now or at the purchase's delivery date. A card with nowhere to go is
/// simply not sent (the shop can print it or send it later).
pub(crate) fn on_issued(
    env: &mut dyn Environment,
    settings: &Settings,
    card: &StoredCard,
    purchase: &GiftCardPurchase,
) -> Result<Vec<MessageInfo>> {
    let now = env.now();
    let due = match &purchase.deliver_at {
        Some(text) => Some(contact::parse_delivery_date("deliver-at", text)?),
        None => None,
    }
    .filter(|at| *at > now);
    let mut out = Vec::new();
    for channel in [Channel::Email, Channel::Sms] {
        let Some(recipient) = default_recipient(card, channel) else {
            continue;
        };
        out.push(match due {
            Some(at) => schedule(env, card, channel, &recipient, at)?,
            None => send_now(
                env,
                settings,
                card,
                Outgoing {
                    kind: MessageKind::Issued,
                    channel,
                    recipient: &recipient,
                    actor: None,
                    scheduled: None,
                },
                now,
            )?,
        });
    }
    Ok(out)
}

fn load_sendable(env: &mut dyn Environment, card_id: CardId, now: Seconds) -> Result<StoredCard> {
    let card = cards::load(env, &CardRef::Id(card_id))?;
    if card.status(now) == CardStatus::Cancelled {
        return Err(Error::InvalidStatus {
            status: CardStatus::Cancelled,
            operation: "send".into(),
        });
    }
    Ok(card)
}

/// An administrator sends a card now.
pub fn send_card(env: &mut dyn Environment, req: SendRequest) -> Result<MessageInfo> {
    send_with(env, req, MessageKind::Send, None)
}

/// An administrator sends a card again: to its last recipient on that
/// channel unless another one is given.
pub fn resend_card(env: &mut dyn Environment, req: SendRequest) -> Result<MessageInfo> {
    let rows = env.db().execute(
        "SELECT recipient FROM gc_messages WHERE card_id = ?1 AND channel = ?2 \
         AND status <> 'scheduled' ORDER BY id DESC LIMIT 1",
        &[
            Value::Integer(req.card_id as i64),
            Value::from(req.channel.as_str()),
        ],
    )?;
    let last = rows.first().map(|r| r.text("recipient")).transpose()?;
    send_with(env, req, MessageKind::Resend, last)
}

fn send_with(
    env: &mut dyn Environment,
    req: SendRequest,
    kind: MessageKind,
    fallback: Option<String>,
) -> Result<MessageInfo> {
    cards::check_text("admin", &req.admin, 200, true)?;
    let recipient = match &req.recipient {
        Some(r) => Some(check_recipient(req.channel, r)?),
        None => None,
    };
    let settings = settings::load(env)?;
    let now = env.now();
    let card = load_sendable(env, req.card_id, now)?;
    let recipient = recipient
        .or(fallback)
        .or_else(|| default_recipient(&card, req.channel))
        .ok_or(Error::NoRecipient)?;
    send_now(
        env,
        &settings,
        &card,
        Outgoing {
            kind,
            channel: req.channel,
            recipient: &recipient,
            actor: Some(&req.admin),
            scheduled: None,
        },
        now,
    )
}

/// The host's report on a message. Delivered wins over failed; the first
/// delivery time is kept, so a repeated report changes nothing.
pub fn record_delivery(env: &mut dyn Environment, report: DeliveryReport) -> Result<MessageInfo> {
    let at = time::parse_argument(&report.at, "at")?;
    if let Some(f) = &report.failure {
        cards::check_text("failure", f, 1000, false)?;
    }
    let message = load_message(env, report.message_id)?;
    if message.status == MessageStatus::Scheduled {
        return Err(Error::InvalidArgument(format!(
            "message {} has not been sent yet",
            report.message_id
        )));
    }
    let id = Value::Integer(report.message_id as i64);
    if report.delivered {
        env.db().execute(
            "UPDATE gc_messages SET status = 'delivered', failure = NULL, \
             delivered_at = COALESCE(delivered_at, ?1) WHERE id = ?2",
            &[Value::Integer(at), id],
        )?;
        env.db().execute(
            "UPDATE gc_cards SET delivered_at = COALESCE(delivered_at, ?1) WHERE id = ?2",
            &[Value::Integer(at), Value::Integer(message.card_id as i64)],
        )?;
    } else {
        env.db().execute(
            "UPDATE gc_messages SET status = 'failed', failure = ?1 \
             WHERE id = ?2 AND status <> 'delivered'",
            &[
                Value::from(report.failure.as_deref().unwrap_or("not delivered")),
                id,
            ],
        )?;
    }
    load_message(env, report.message_id)
}

/// A card's delivery timeline and messages.
pub fn card_delivery(env: &mut dyn Environment, card_id: CardId) -> Result<CardDelivery> {
    let rows = env.db().execute(
        "SELECT deliver_at, sent_at, delivered_at, first_viewed_at, reminded_at \
         FROM gc_cards WHERE id = ?1",
        &[Value::Integer(card_id as i64)],
    )?;
    let row = rows.first().ok_or(Error::CardNotFound)?;
    let at = |name: &str| -> Result<Option<String>> { Ok(row.opt_i64(name)?.map(time::format)) };
    let mut out = CardDelivery {
        card_id,
        scheduled_for: at("deliver_at")?,
        sent_at: at("sent_at")?,
        delivered_at: at("delivered_at")?,
        first_viewed_at: at("first_viewed_at")?,
        reminded_at: at("reminded_at")?,
        messages: Vec::new(),
    };
    let rows = env.db().execute(
        &format!("SELECT {MESSAGE_COLUMNS} FROM gc_messages WHERE card_id = ?1 ORDER BY id"),
        &[Value::Integer(card_id as i64)],
    )?;
    out.messages = rows
        .iter()
        .map(|r| message_from(&r))
        .collect::<Result<_>>()?;
    Ok(out)
}

/// The recipient opens the view link. Any token that is not a card's gets
/// the same `not-found`, whatever its shape.
pub fn view_card(env: &mut dyn Environment, token: &str) -> Result<CardView> {
    let token = token.trim();
    if token.len() != TOKEN_LEN || !token.bytes().all(|b| TOKEN_ALPHABET.contains(&b)) {
        return Err(Error::NotFound);
    }
    let now = env.now();
    let rows = env.db().execute(
        &format!("SELECT {CARD_COLUMNS} FROM gc_cards WHERE view_token = ?1"),
        &[Value::from(token)],
    )?;
    let card = rows.first_or(StoredCard::from_row, Error::NotFound)?;
    env.db().execute(
        "UPDATE gc_cards SET first_viewed_at = ?1 WHERE id = ?2 AND first_viewed_at IS NULL",
        &[Value::Integer(now), Value::Integer(card.id as i64)],
    )?;
    let rows = env.db().execute(
        "SELECT first_viewed_at FROM gc_cards WHERE id = ?1",
        &[Value::Integer(card.id as i64)],
    )?;
    let first = rows
        .first()
        .map(|r| r.i64("first_viewed_at"))
        .transpose()?
        .unwrap_or(now);
    let settings = settings::load(env)?;
    let facts = render::CardFacts::of(&card, &settings, token);
    Ok(CardView {
        code: card.display_code.clone(),
        status: card.status(now),
        balance: card.money(card.balance),
        initial_value: card.money(card.initial_value),
        expires_at: card.expires_at.map(time::format),
        recipient_name: facts.text.recipient_name.clone(),
        sender_name: facts.text.sender_name.clone(),
        message: facts.text.message.clone(),
        how_to_redeem: facts.how_to_redeem(),
        first_viewed_at: time::format(first),
    })
}

#[cfg(test)]
pub(crate) mod tests;
