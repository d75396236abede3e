//! The message the engine hands the host through
//! [`Environment::deliver`](crate::storage::env::Environment::deliver), and
//! why the host may refuse it. Rendering and tracking live in
//! the `delivery` module; these types sit here so the environment's
//! contract does not depend on it.

use crate::error::{Error, Result};
use crate::model::CardId;

/// How a message travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
    Print,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Print => "print",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Channel> {
        [Channel::Email, Channel::Sms, Channel::Print]
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| Error::Database(format!("stored message has an unknown channel `{s}`")))
    }
}

/// Why a message is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    Issued,
    Scheduled,
    Send,
    Resend,
    ExpiryReminder,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Issued => "issued",
            MessageKind::Scheduled => "scheduled",
            MessageKind::Send => "send",
            MessageKind::Resend => "resend",
            MessageKind::ExpiryReminder => "expiry-reminder",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<MessageKind> {
        [
            MessageKind::Issued,
            MessageKind::Scheduled,
            MessageKind::Send,
            MessageKind::Resend,
            MessageKind::ExpiryReminder,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| Error::Database(format!("stored message has an unknown kind `{s}`")))
    }
}

/// A file travelling with a message; `content_id` marks an inline image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub media_type: String,
    pub content_id: Option<String>,
    pub content: Vec<u8>,
}

/// A fully rendered message, as the host receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboundMessage {
    pub message_id: u64,
    pub card_id: CardId,
    pub kind: MessageKind,
    pub channel: Channel,
    pub from_name: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: Option<String>,
    pub attachments: Vec<Attachment>,
}

/// Why the host would not take a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryError {
    Rejected(String),
    Unavailable(String),
}

impl std::fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeliveryError::Rejected(m) => write!(f, "rejected: {m}"),
            DeliveryError::Unavailable(m) => write!(f, "unavailable: {m}"),
        }
    }
}
