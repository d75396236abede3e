//! The messages the plugin hands over, as plain Rust (the WIT record is
//! converted in [`super`]; its channel and attachments are the WIT's own),
//! and the outbox index's entries.

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

/// A message the component rendered, ready for delivery.
#[derive(Clone, Debug)]
pub struct Message {
    /// The component's id for the message.
    pub message_id: u64,
    pub card_id: u64,
    /// The WIT `message-kind` by name: `"issued"`, `"scheduled"`, `"send"`,
    /// `"resend"` or `"expiry-reminder"`.
    pub kind: String,
    pub channel: Channel,
    /// The shop's name, shown as the sender.
    pub from_name: String,
    /// An email address, a phone number for SMS, or a label for print.
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: Option<String>,
    /// Inline images have `content_id` `Some("qr-code")` etc.; the HTML refers
    /// to them as `cid:qr-code`.
    pub attachments: Vec<Attachment>,
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
