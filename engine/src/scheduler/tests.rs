//! The scheduler on a fixed clock: expiry with its ledger row, scheduled
//! messages on their date, reminders at the lead time, and idempotence.

use super::*;
use crate::api;
use crate::delivery::tests::{buy, env, gift};
use crate::delivery::{DeliveryError, MessageStatus};
use crate::model::{AdjustBalance, CardStatus, CreateCard, GivenMoney, SetStatus};
use crate::storage::sqlite::NativeEnv;
use crate::testing::{self, T0};

fn card(env: &mut NativeEnv, amount: &str, expires_at: Option<i64>, email: Option<&str>) -> u64 {
    env.call(|e| {
        api::create_card(
            e,
            CreateCard {
                recipient_email: email.map(str::to_owned),
                expires_at: expires_at.map(time::format),
                ..CreateCard::new(GivenMoney::new(amount, "EUR"), "alice")
            },
        )
    })
    .unwrap()
    .summary
    .id
}

fn tick_at(env: &mut NativeEnv, at: i64) -> TickReport {
    env.now = at;
    env.call(|e| api::tick(e, &time::format(at))).unwrap()
}

fn status(env: &mut NativeEnv, id: u64) -> (CardStatus, String) {
    let c = crate::cards::load(env, &CardRef::Id(id)).unwrap();
    (c.stored_status, c.currency.format(c.balance))
}

#[test]
fn expiry_turns_active_cards_expired_with_a_ledger_row_and_leaves_others_alone() {
    let mut env = env();
    let active = card(&mut env, "30.00", Some(T0 + DAY), None);
    let used = card(&mut env, "5.00", Some(T0 + DAY), None);
    let disabled = card(&mut env, "7.00", Some(T0 + DAY), None);
    let later = card(&mut env, "9.00", Some(T0 + 10 * DAY), None);
    env.call(|e| {
        api::adjust_balance(
            e,
            AdjustBalance {
                card: CardRef::Id(used),
                amount: GivenMoney::new("-5.00", "EUR"),
                comment: "spent in store".into(),
                admin_user: "alice".into(),
                reference: None,
            },
        )
    })
    .unwrap();
    env.call(|e| {
        api::disable_card(
            e,
            SetStatus {
                card: CardRef::Id(disabled),
                comment: None,
                admin_user: "alice".into(),
            },
        )
    })
    .unwrap();
    let report = tick_at(&mut env, T0 + DAY);
    assert_eq!(report.expired, vec![active]);
    assert_eq!(report.breakage, vec!["30.00 EUR".to_owned()]);
    assert_eq!(
        status(&mut env, active),
        (CardStatus::Expired, "30.00".into())
    );
    assert_eq!(status(&mut env, used).0, CardStatus::Used);
    assert_eq!(status(&mut env, disabled).0, CardStatus::Disabled);
    assert_eq!(status(&mut env, later).0, CardStatus::Active);
    let history = env
        .call(|e| api::card_detail(e, &CardRef::Id(active)))
        .unwrap()
        .history;
    let last = history.last().unwrap();
    assert_eq!(last.action, HistoryAction::Expired);
    assert_eq!(last.amount.amount(), "0.00");
    assert_eq!(last.balance_before, last.balance_after);
    assert_eq!(last.balance_after.amount(), "30.00");

    let before = env.dump();
    let again = tick_at(&mut env, T0 + DAY);
    assert!(again.expired.is_empty() && again.breakage.is_empty());
    assert_eq!(
        env.dump(),
        before,
        "a second tick at the same moment changes nothing"
    );
}

#[test]
fn a_scheduled_message_goes_out_on_its_date_once() {
    let mut env = env();
    let mut p = gift(Some("ana@example.com"));
    p.deliver_at = Some(time::format(T0 + 7 * DAY));
    let id = buy(&mut env, "o1", p).unwrap();
    assert!(
        tick_at(&mut env, T0 + 7 * DAY - 1)
            .scheduled_sent
            .is_empty()
    );
    assert!(env.outbox.is_empty());
    let report = tick_at(&mut env, T0 + 7 * DAY);
    assert_eq!(report.scheduled_sent.len(), 1);
    assert_eq!(env.outbox.len(), 1);
    assert_eq!(env.outbox[0].kind, MessageKind::Scheduled);
    assert_eq!(env.outbox[0].recipient, "ana@example.com");
    let d = env.call(|e| api::card_delivery(e, id)).unwrap();
    assert_eq!(d.sent_at, Some(time::format(T0 + 7 * DAY)));
    assert_eq!(d.messages[0].status, MessageStatus::Pending);
    let before = env.dump();
    assert!(tick_at(&mut env, T0 + 7 * DAY).scheduled_sent.is_empty());
    assert_eq!(env.outbox.len(), 1);
    assert_eq!(env.dump(), before);
}

#[test]
fn a_refused_scheduled_message_stays_due_and_is_retried() {
    let mut env = env();
    let mut p = gift(Some("ana@example.com"));
    p.deliver_at = Some(time::format(T0 + DAY));
    buy(&mut env, "o1", p).unwrap();
    env.refuse_delivery = Some(DeliveryError::Unavailable("mail relay down".into()));
    let report = tick_at(&mut env, T0 + DAY);
    assert!(report.scheduled_sent.is_empty());
    assert!(report.failures[0].contains("mail relay down"));
    env.refuse_delivery = None;
    assert_eq!(tick_at(&mut env, T0 + DAY + 60).scheduled_sent.len(), 1);
}

#[test]
fn a_reminder_goes_out_at_the_lead_time_once_per_expiry() {
    let mut env = env();
    testing::set(&mut env, |u| u.reminder_days = Some(7));
    let expiring = card(
        &mut env,
        "20.00",
        Some(T0 + 30 * DAY),
        Some("zoe@example.com"),
    );
    let empty = card(
        &mut env,
        "5.00",
        Some(T0 + 30 * DAY),
        Some("max@example.com"),
    );
    env.call(|e| {
        api::adjust_balance(
            e,
            AdjustBalance {
                card: CardRef::Id(empty),
                amount: GivenMoney::new("-5.00", "EUR"),
                comment: "spent in store".into(),
                admin_user: "alice".into(),
                reference: None,
            },
        )
    })
    .unwrap();
    assert!(
        tick_at(&mut env, T0 + 23 * DAY - 1)
            .reminders_sent
            .is_empty()
    );
    let report = tick_at(&mut env, T0 + 23 * DAY);
    assert_eq!(report.reminders_sent.len(), 1);
    let m = env.outbox.last().unwrap();
    assert_eq!((m.card_id, m.kind), (expiring, MessageKind::ExpiryReminder));
    assert!(m.subject.contains("20.00 EUR left"), "{}", m.subject);
    assert!(tick_at(&mut env, T0 + 24 * DAY).reminders_sent.is_empty());
    let d = env.call(|e| api::card_delivery(e, expiring)).unwrap();
    assert_eq!(d.reminded_at, Some(time::format(T0 + 23 * DAY)));
}

#[test]
fn no_reminders_when_the_lead_time_is_zero() {
    let mut env = env();
    testing::set(&mut env, |u| u.reminder_days = Some(0));
    card(
        &mut env,
        "20.00",
        Some(T0 + 3 * DAY),
        Some("zoe@example.com"),
    );
    assert!(tick_at(&mut env, T0 + DAY).reminders_sent.is_empty());
}

#[test]
fn a_malformed_moment_is_refused() {
    let mut env = env();
    let err = env.call(|e| api::tick(e, "tomorrow")).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)));
}
