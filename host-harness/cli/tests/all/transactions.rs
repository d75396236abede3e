//! The transaction rule through the real component: a trap or an `err` in the
//! middle of a mutating call leaves the database exactly as before, and the
//! host goes on serving the next call.

use crate::common;

use giftcard_conformance::Harness;
use giftcard_conformance::harness::money;
use giftcard_conformance::json::{Faults, Outcome};
use serde_json::json;

fn adjust(id: &serde_json::Value, amount: &str) -> serde_json::Value {
    json!({ "card": { "id": id }, "amount": money(amount, "USD"),
            "comment": "test", "admin-user": "t" })
}

/// A fresh database with one card of 100.00 USD, and its snapshot.
fn card_of_100() -> (
    tempfile::TempDir,
    giftcard_host::GiftCards,
    serde_json::Value,
    Vec<String>,
) {
    let dir = tempfile::tempdir().unwrap();
    let h = common::harness(&dir);
    let card = common::usd_card(&h, "100");
    let before = h.snapshot().unwrap();
    (dir, h, card, before)
}

#[test]
fn a_trap_at_any_statement_of_an_adjustment_rolls_everything_back() {
    let (_dir, h, card, before) = card_of_100();
    // An adjustment runs a handful of statements; trap at each in turn, so
    // some traps come after the balance UPDATE and the ledger INSERT.
    let mut trapped = 0;
    for n in 1..=8 {
        let faults = Faults {
            trap_at_statement: Some(n),
            ..Faults::default()
        };
        match h.call_json_with("admin.adjust-balance", &adjust(&card["id"], "-40"), faults) {
            Err(e) => {
                trapped += 1;
                assert!(format!("{e:#}").contains("injected trap"), "{e:#}");
            }
            Ok(Outcome::Ok(_)) => break, // fewer statements than n: the call completed
            Ok(Outcome::Err(e)) => panic!("unexpected err {e}"),
        }
        assert_eq!(
            h.snapshot().unwrap(),
            before,
            "trap at statement {n} left changes"
        );
    }
    assert!(
        trapped >= 5,
        "only {trapped} statements before the call finished"
    );
    // The completed call above committed once; the host still serves calls.
    let after = common::get_card(&h, &card["id"]);
    assert_eq!(after["balance"]["amount"], "60.00");
    assert!(h.ledger_problems().unwrap().is_empty());
}

#[test]
fn an_err_after_writes_rolls_them_back() {
    let (_dir, h, card, before) = card_of_100();
    // A database error at each statement in turn: the guest reports it as
    // `err(database)`, and the host rolls back whatever ran before it.
    let mut failed = 0;
    for n in 1..=8 {
        let faults = Faults {
            fail_at_statement: Some(n),
            ..Faults::default()
        };
        let outcome = h
            .call_json_with("admin.adjust-balance", &adjust(&card["id"], "-40"), faults)
            .unwrap();
        match &outcome {
            Outcome::Err(e) => {
                assert!(e.get("database").is_some(), "statement {n}: {e}");
                failed += 1;
            }
            Outcome::Ok(c) => {
                // Fewer statements than n: the call completed and committed.
                assert_eq!(c["balance"]["amount"], "60.00");
                break;
            }
        }
        assert_eq!(
            h.snapshot().unwrap(),
            before,
            "err at statement {n} left changes"
        );
    }
    assert!(
        failed >= 4,
        "only {failed} statements before the call finished"
    );
    let next = h
        .call_json("admin.adjust-balance", &adjust(&card["id"], "-40"))
        .unwrap();
    assert!(matches!(next, Outcome::Ok(ref c) if c["balance"]["amount"] == "20.00"));
    assert!(h.ledger_problems().unwrap().is_empty());
}

#[test]
fn a_trapping_create_keeps_neither_card_nor_ledger_row() {
    let dir = tempfile::tempdir().unwrap();
    let h = common::harness(&dir);
    let before = h.snapshot().unwrap();
    for n in 1..=10 {
        let faults = Faults {
            trap_at_statement: Some(n),
            ..Faults::default()
        };
        let args = json!({ "amount": money("15", "USD"), "admin-user": "t" });
        if h.call_json_with("admin.create-card", &args, faults).is_ok() {
            break;
        }
        assert_eq!(
            h.snapshot().unwrap(),
            before,
            "trap at statement {n} left changes"
        );
    }
}

#[test]
fn a_malformed_call_is_refused_without_touching_the_database() {
    let (dir, h, _card, before) = card_of_100();
    // Another writer holds the database's write lock for the whole test.
    let other = rusqlite::Connection::open(dir.path().join("test.db")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    // Checked before any transaction: refused for what it is, not with the
    // busy error that waiting for the lock would give.
    let unknown = h
        .call_json("admin.no-such-function", &json!({}))
        .unwrap_err();
    assert!(
        format!("{unknown:#}").contains("exports no function"),
        "{unknown:#}"
    );
    let bad = h
        .call_json(
            "admin.get-card",
            &json!({ "card": { "id": "not a number" } }),
        )
        .unwrap_err();
    assert!(
        format!("{bad:#}").contains("arguments for `admin.get-card`"),
        "{bad:#}"
    );
    other.execute_batch("ROLLBACK").unwrap();
    assert_eq!(h.snapshot().unwrap(), before);
}
