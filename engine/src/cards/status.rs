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
use crate::model::CardStatus;
use crate::time::Seconds;

/// What someone wants to do to a card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Adjust,
    Disable,
    Enable,
    /// Loading value onto a card.
    TopUp,
    /// Voiding a card for good.
    Cancel,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Adjust => "adjust",
            Operation::Disable => "disable",
            Operation::Enable => "enable",
            Operation::TopUp => "top-up",
            Operation::Cancel => "cancel",
        }
    }
}

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
mod tests {
    use super::*;
    use CardStatus::*;

    #[test]
    fn expiry_only_turns_active_cards_expired() {
        assert_eq!(effective(Active, Some(100), 100), Expired);
        assert_eq!(effective(Active, Some(101), 100), Active);
        assert_eq!(effective(Active, None, 100), Active);
        assert_eq!(effective(Used, Some(50), 100), Used);
        assert_eq!(effective(Disabled, Some(50), 100), Disabled);
    }

    #[test]
    fn transition_table() {
        assert!(allows(Active, Operation::Adjust));
        assert!(allows(Used, Operation::Adjust));
        assert!(!allows(Disabled, Operation::Adjust));
        assert!(!allows(Expired, Operation::Adjust));
        assert!(allows(Expired, Operation::Disable));
        assert!(!allows(Disabled, Operation::Disable));
        assert!(allows(Disabled, Operation::Enable));
        assert!(!allows(Active, Operation::Enable));
        assert!(!allows(Cancelled, Operation::Enable));
        assert!(!allows(Cancelled, Operation::Disable));
        assert!(!allows(Cancelled, Operation::Adjust));
        assert_eq!(by_balance(0), Used);
        assert_eq!(by_balance(1), Active);
    }

    #[test]
    fn top_up_only_onto_spendable_cards() {
        assert!(allows(Active, Operation::TopUp));
        assert!(allows(Used, Operation::TopUp));
        for s in [Disabled, Expired, Cancelled] {
            assert!(!allows(s, Operation::TopUp), "{s}");
        }
        let err = check(Cancelled, Operation::TopUp).unwrap_err();
        assert_eq!(
            err,
            Error::InvalidStatus {
                status: Cancelled,
                operation: "top-up".into()
            }
        );
    }

    #[test]
    fn cancel_is_final() {
        for s in [Active, Used, Expired, Disabled] {
            assert!(allows(s, Operation::Cancel), "{s}");
        }
        assert!(!allows(Cancelled, Operation::Cancel));
        for op in [
            Operation::Adjust,
            Operation::Disable,
            Operation::Enable,
            Operation::TopUp,
            Operation::Cancel,
        ] {
            assert!(!allows(Cancelled, op), "{}", op.as_str());
        }
    }
}
