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

/// A fault injected at one statement of a call.
#[derive(Clone, Copy)]
enum Inject {
    /// The guest traps there.
    Trap,
    /// The database fails it, which the guest reports as `err(database)`.
    Fail,
}

impl Inject {
    fn at(self, n: usize) -> Faults {
        match self {
            Inject::Trap => Faults {
                trap_at_statement: Some(n),
                ..Faults::default()
            },
            Inject::Fail => Faults {
                fail_at_statement: Some(n),
                ..Faults::default()
            },
        }
    }
}

/// Makes the call `name(args)` with `inject` at statement n = 1, 2, … up to
/// `statements`, until the call completes (it has fewer statements than
/// n). `failed` checks each outcome and says whether the call failed; every
/// failed attempt must leave the database as `before`. Returns how many
/// failed.
fn fault_each_statement(
    h: &giftcard_host::GiftCards,
    name: &str,
    args: &serde_json::Value,
    statements: usize,
    before: &[String],
    inject: Inject,
    failed: impl Fn(usize, anyhow::Result<Outcome>) -> bool,
) -> usize {
    let what = match inject {
        Inject::Trap => "trap",
        Inject::Fail => "err",
    };
    let mut count = 0;
    for n in 1..=statements {
        if !failed(n, h.call_json_with(name, args, inject.at(n))) {
            break;
        }
        count += 1;
        assert_eq!(
            h.snapshot().unwrap(),
            before,
            "{what} at statement {n} left changes"
        );
    }
    count
}

/// [`fault_each_statement`] on a 40.00 adjustment of [`card_of_100`]'s card,
/// which must fail at `at_least` statements first; the host and card follow.
fn fault_each_statement_of_adjustment(
    inject: Inject,
    at_least: usize,
    failed: impl Fn(usize, anyhow::Result<Outcome>) -> bool,
) -> (
    tempfile::TempDir,
    giftcard_host::GiftCards,
    serde_json::Value,
) {
    let (dir, h, card, before) = card_of_100();
    let args = adjust(&card["id"], "-40");
    let count = fault_each_statement(
        &h,
        "admin.adjust-balance",
        &args,
        8,
        &before,
        inject,
        failed,
    );
    assert!(
        count >= at_least,
        "only {count} statements before the call finished"
    );
    (dir, h, card)
}

#[test]
fn a_trap_at_any_statement_of_an_adjustment_rolls_everything_back() {
    // An adjustment runs a handful of statements; trap at each in turn, so
    // some traps come after the balance UPDATE and the ledger INSERT.
    let (_dir, h, card) =
        fault_each_statement_of_adjustment(Inject::Trap, 5, |_, outcome| match outcome {
            Err(e) => {
                assert!(format!("{e:#}").contains("injected trap"), "{e:#}");
                true
            }
            Ok(Outcome::Ok(_)) => false, // fewer statements than n: the call completed
            Ok(Outcome::Err(e)) => panic!("unexpected err {e}"),
        });
    // The completed call above committed once; the host still serves calls.
    let after = common::get_card(&h, &card["id"]);
    assert_eq!(after["balance"]["amount"], "60.00");
    assert!(h.ledger_problems().unwrap().is_empty());
}

#[test]
fn an_err_after_writes_rolls_them_back() {
    // A database error at each statement in turn: the guest reports it as
    // `err(database)`, and the host rolls back whatever ran before it.
    let (_dir, h, card) =
        fault_each_statement_of_adjustment(Inject::Fail, 4, |n, outcome| match outcome.unwrap() {
            Outcome::Err(e) => {
                assert!(e.get("database").is_some(), "statement {n}: {e}");
                true
            }
            Outcome::Ok(c) => {
                // Fewer statements than n: the call completed and committed.
                assert_eq!(c["balance"]["amount"], "60.00");
                false
            }
        });
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
    let args = json!({ "amount": money("15", "USD"), "admin-user": "t" });
    // Until the call completes, whatever it answers.
    fault_each_statement(
        &h,
        "admin.create-card",
        &args,
        10,
        &before,
        Inject::Trap,
        |_, outcome| outcome.is_err(),
    );
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
