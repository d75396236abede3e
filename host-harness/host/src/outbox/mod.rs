//! The `outbox` import: the plugin hands over each message it renders, and
//! the host queues it **in the call's own transaction** ([`queue`]), so it is
//! delivered only if the call commits, at least once, after the commit
//! ([`Outbox::deliver`] writes the files of [`folder`] and talks to SMTP
//! through [`email`]).

mod email;
mod folder;
mod message;
pub mod queue;
mod summary;

pub use email::{Smtp, SmtpAddressError, email, message_id, reason};
pub use folder::Outbox;
pub use message::{Attachment, Channel, Entry, Message};
pub use summary::{summary, view_token};

use crate::bindings::giftcard::plugin::outbox as wit;
use crate::call::CallState;
use std::sync::atomic::Ordering;

/// Queues the message in the call's transaction. A database failure traps
/// the call, which rolls it back.
impl wit::Host for CallState {
    fn deliver(
        &mut self,
        message: wit::OutboundMessage,
    ) -> wasmtime::Result<Result<String, wit::DeliveryError>> {
        let at = self.started_at;
        let reference = queue::queue(self.tx()?, &message_of(message), at)
            .map_err(|e| wasmtime::Error::msg(format!("queueing the message: {e}")))?;
        self.handed_over.fetch_add(1, Ordering::SeqCst);
        Ok(Ok(reference))
    }
}

/// The WIT record as the host's plain [`Message`].
fn message_of(m: wit::OutboundMessage) -> Message {
    Message {
        message_id: m.message_id,
        card_id: m.card_id,
        kind: match m.kind {
            wit::MessageKind::Issued => "issued",
            wit::MessageKind::Scheduled => "scheduled",
            wit::MessageKind::Send => "send",
            wit::MessageKind::Resend => "resend",
            wit::MessageKind::ExpiryReminder => "expiry-reminder",
        }
        .to_owned(),
        channel: m.channel,
        from_name: m.from_name,
        recipient: m.recipient,
        subject: m.subject,
        text_body: m.text_body,
        html_body: m.html_body,
        attachments: m.attachments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wit_message_keeps_every_field() {
        let m = message_of(wit::OutboundMessage {
            message_id: 7,
            card_id: 3,
            kind: wit::MessageKind::ExpiryReminder,
            channel: wit::Channel::Sms,
            from_name: "Shop".into(),
            recipient: "+15550100".into(),
            subject: "s".into(),
            text_body: "t".into(),
            html_body: None,
            attachments: vec![wit::Attachment {
                name: "a.png".into(),
                media_type: "image/png".into(),
                content_id: Some("qr".into()),
                content: vec![1, 2],
            }],
        });
        assert_eq!((m.message_id, m.card_id), (7, 3));
        assert_eq!(m.kind, "expiry-reminder");
        assert_eq!(m.channel, Channel::Sms);
        assert_eq!(m.attachments[0].content_id.as_deref(), Some("qr"));
        assert_eq!(m.attachments[0].content, vec![1, 2]);
    }
}
