//! Card statuses and the transitions between them, in one place.
//!
//! ```text
//!            balance reaches 0                 expiry passes
//!   active ─────────────────────▶ used   active ─────────────▶ expired
//!   active ◀───────────────────── used
//!            value added again
//!   active | used | expired ── disable ──▶ disabled ── enable ──▶ active | used (by balance)
//!   active | used ── top-up ──▶ active
//!   active | used | expired | disabled ── cancel ──▶ cancelled (final: stored as
//!                                        `disabled` with `cancelled_at` set)
//! ```
//!
//! Cancelling also needs the card never to have been drawn on; that is a
//! fact about its ledger, checked in `management`, not a status rule.
//!
//! Only an `active` card turns `expired` when its time passes; a used card
//! has nothing left to expire and a disabled one stays as the admin left it.

use crate::error::{Error, Result};
use crate::model::{CardStatus, Named};
use crate::storage::time::Seconds;
use strum::{IntoStaticStr, VariantArray};

/// What someone wants to do to a card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum Operation {
    Adjust,
    Disable,
    Enable,
    /// Loading value onto a card.
    TopUp,
    /// Voiding a card for good.
    Cancel,
}

impl Named for Operation {}

/// The status a card shows at `now`: a stored `active` past its expiry is
/// `expired` even before the scheduled job has recorded it.
pub fn effective(stored: CardStatus, expires_at: Option<Seconds>, now: Seconds) -> CardStatus {
    match (stored, expires_at) {
        (CardStatus::Active, Some(at)) if at <= now => CardStatus::Expired,
        _ => stored,
    }
}

/// The status that follows from a balance on a card that is not blocked.
pub fn by_balance(balance: i64) -> CardStatus {
    if balance > 0 {
        CardStatus::Active
    } else {
        CardStatus::Used
    }
}

/// Whether `operation` is allowed on a card showing `status`.
pub fn allows(status: CardStatus, operation: Operation) -> bool {
    use CardStatus::*;
    match operation {
        // A disabled card is frozen; an expired one can no longer be spent, so
        // changing its balance would only hide breakage.
        Operation::Adjust => matches!(status, Active | Used),
        Operation::Disable => matches!(status, Active | Used | Expired),
        // A cancelled card is final.
        Operation::Enable => status == Disabled,
        // Value goes only onto a card that can be spent: never onto a frozen,
        // expired or voided one.
        Operation::TopUp => matches!(status, Active | Used),
        Operation::Cancel => status != Cancelled,
    }
}

/// `allows`, as a typed error naming the status and operation.
pub fn check(status: CardStatus, operation: Operation) -> Result<()> {
    if allows(status, operation) {
        Ok(())
    } else {
        Err(Error::InvalidStatus {
            status,
            operation: operation.as_str().into(),
        })
    }
}

#[cfg(test)]
mod tests;
