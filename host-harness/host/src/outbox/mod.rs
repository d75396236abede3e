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
pub use message::{Attachment, Channel, Entry, Message, MessageKind};
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
        let reference = queue::queue(self.tx()?, &message, at)
            .map_err(|e| wasmtime::Error::msg(format!("queueing the message: {e}")))?;
        self.handed_over.fetch_add(1, Ordering::SeqCst);
        Ok(Ok(reference))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_reads_back_by_its_name() {
        for kind in [
            MessageKind::Issued,
            MessageKind::Scheduled,
            MessageKind::Send,
            MessageKind::Resend,
            MessageKind::ExpiryReminder,
        ] {
            assert_eq!(MessageKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(MessageKind::ExpiryReminder.as_str(), "expiry-reminder");
        assert_eq!(MessageKind::parse("other"), None);
    }
}
