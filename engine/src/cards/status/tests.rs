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
