//! The messages the plugin hands over (the WIT's own record, with names for
//! its channel and kind), and the outbox index's entries.

use super::folder::SMTP_SENT;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a message reaches its recipient: the contract's own `channel`, so
/// the host has no second copy of it.
pub use crate::bindings::giftcard::plugin::outbox::Channel;

impl Channel {
    /// The channel's name, as in the index and the file names.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Print => "print",
        }
    }

    /// A channel by its name (`email`, `sms`, `print`).
    pub fn parse(name: &str) -> Option<Channel> {
        [Channel::Email, Channel::Sms, Channel::Print]
            .into_iter()
            .find(|c| c.as_str() == name)
    }

    pub(super) fn extension(self) -> &'static str {
        match self {
            Channel::Email => "eml",
            Channel::Sms => "txt",
            Channel::Print => "pdf",
        }
    }
}

/// The index (and `outbox pending --json`) spell a channel by its name.
pub(crate) mod channel_name {
    use super::Channel;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(c: &Channel, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(c.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Channel, D::Error> {
        let name = String::deserialize(d)?;
        Channel::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown channel `{name}`")))
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A file attached to a message: the contract's own `attachment`.
/// `content_id` is `Some` for an inline part the HTML refers to
/// (`Some("qr-code")` ⇄ `<img src="cid:qr-code">`) and `None` for a regular
/// attachment.
pub use crate::bindings::giftcard::plugin::outbox::Attachment;

/// A message the component rendered, ready for delivery: the contract's own
/// `outbound-message`, so the host has no second copy of its fields.
pub use crate::bindings::giftcard::plugin::outbox::OutboundMessage as Message;

/// Why a message was sent: the contract's own `message-kind`.
pub use crate::bindings::giftcard::plugin::outbox::MessageKind;

impl MessageKind {
    /// The kind's name, as the WIT spells it (in the queue and the index).
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Issued => "issued",
            MessageKind::Scheduled => "scheduled",
            MessageKind::Send => "send",
            MessageKind::Resend => "resend",
            MessageKind::ExpiryReminder => "expiry-reminder",
        }
    }

    /// A kind by its name (`issued`, …, `expiry-reminder`).
    pub fn parse(name: &str) -> Option<MessageKind> {
        [
            MessageKind::Issued,
            MessageKind::Scheduled,
            MessageKind::Send,
            MessageKind::Resend,
            MessageKind::ExpiryReminder,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// One line of an outbox's `index.jsonl`: a stored message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// 1, 2, 3… in the order the messages were stored.
    pub seq: u64,
    pub message_id: u64,
    pub card_id: u64,
    pub kind: String,
    #[serde(with = "channel_name")]
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    /// The message's file, relative to the outbox folder.
    pub file: String,
    /// When the plugin handed it over (its `Date:`), in Unix seconds.
    pub at: i64,
    /// `None` when SMTP was not asked for (or the message is not an email),
    /// else `"sent to HOST:PORT"`. (Outboxes written before delivery became
    /// at-least-once may also hold `"failed: reason"`.)
    pub smtp: Option<String>,
}

impl Entry {
    /// Whether the message went where it was asked to: its file was written
    /// (it always is once there is an entry) and, if SMTP was asked for, the
    /// relay accepted it.
    pub fn delivered(&self) -> bool {
        self.smtp
            .as_deref()
            .is_none_or(|outcome| outcome.starts_with(SMTP_SENT))
    }
}
