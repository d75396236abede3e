//! The message the engine hands the host through
//! [`Environment::deliver`](crate::storage::env::Environment::deliver), and
//! why the host may refuse it. Rendering and tracking live in
//! the `delivery` module; these types sit here so the environment's
//! contract does not depend on it.

use crate::error::{Error, Result};
use crate::model::{CardId, Named};
use strum::{IntoStaticStr, VariantArray};

/// How a message travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum Channel {
    Email,
    Sms,
    Print,
}

impl Named for Channel {}

impl Channel {
    /// Reads a stored name back; an unknown one is a damaged database.
    pub(crate) fn parse(s: &str) -> Result<Channel> {
        <Self as Named>::parse(s)
            .ok_or_else(|| Error::Database(format!("stored message has an unknown channel `{s}`")))
    }
}

/// Why a message is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum MessageKind {
    Issued,
    Scheduled,
    Send,
    Resend,
    ExpiryReminder,
}

impl Named for MessageKind {}

impl MessageKind {
    /// Reads a stored name back; an unknown one is a damaged database.
    pub(crate) fn parse(s: &str) -> Result<MessageKind> {
        <Self as Named>::parse(s)
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
