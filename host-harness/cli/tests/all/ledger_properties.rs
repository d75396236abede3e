//! The ledger property through the component: random sequences of create,
//! adjust, disable, enable and clock moves keep every balance equal to its
//! history's sum, never negative, and refusals only where the status table
//! says so. (The engine runs the same property natively with more cases.)

use crate::common;
use giftcard_conformance::Harness;

use giftcard_conformance::harness::money;
use giftcard_conformance::json::Outcome;
use giftcard_engine::CardStatus;
use giftcard_engine::cards::status::{Operation, allows};
use giftcard_engine::testing::ledger_ops::{Bounds, Op, decimal, op};
use proptest::prelude::*;
use serde_json::json;

const BOUNDS: Bounds = Bounds {
    cards: 6,
    create_cents: 50_000,
    adjust_cents: 30_000,
    hours: 200,
};

fn status(v: &serde_json::Value) -> CardStatus {
    serde_json::from_value(v.clone()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn balances_follow_the_ledger(ops in proptest::collection::vec(op(BOUNDS), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let h = common::harness(&dir);
        let mut ids: Vec<serde_json::Value> = Vec::new();
        for op in ops {
            let pick = |i: usize| ids.get(i % ids.len().max(1)).cloned();
            let (name, args, operation) = match &op {
                Op::Create(c) => ("admin.create-card", json!({ "amount": money(&decimal(i64::from(*c)), "USD"), "validity-days": 1 + c % 5, "admin-user": "p" }), None),
                Op::Adjust(i, c) => match pick(*i) {
                    Some(id) => ("admin.adjust-balance", json!({ "card": { "id": id }, "amount": money(&decimal(i64::from(*c)), "USD"), "comment": "p", "admin-user": "p" }), Some((id, Operation::Adjust))),
                    None => continue,
                },
                Op::Disable(i) | Op::Enable(i) => match pick(*i) {
                    Some(id) => {
                        let (n, o) = if matches!(op, Op::Disable(_)) { ("admin.disable-card", Operation::Disable) } else { ("admin.enable-card", Operation::Enable) };
                        (n, json!({ "card": { "id": id }, "admin-user": "p" }), Some((id, o)))
                    }
                    None => continue,
                },
                Op::Advance(hours) => { h.clock().advance(i64::from(*hours) * 3600).unwrap(); continue; }
            };
            let before = operation.as_ref().map(|(id, _)| h.call_json_ok("admin.get-card", &json!({ "card": { "id": id } })).unwrap());
            let outcome = h.call_json(name, &args).unwrap();
            match (&outcome, &operation, &before) {
                (Outcome::Ok(card), None, _) => ids.push(card["id"].clone()),
                (Outcome::Ok(_), Some((_, o)), Some(b)) => prop_assert!(allows(status(&b["status"]), *o)),
                (Outcome::Err(e), Some((_, o)), Some(b)) => {
                    if e.get("invalid-status").is_some() {
                        prop_assert!(!allows(status(&b["status"]), *o) || b["expires-at"].is_string());
                    } else {
                        prop_assert!(e.get("insufficient-balance").is_some() || e.get("invalid-amount").is_some(), "{e}");
                    }
                }
                other => prop_assert!(false, "unexpected {other:?}"),
            }
            let problems = h.ledger_problems().unwrap();
            prop_assert!(problems.is_empty(), "{problems:?}");
        }
    }
}
