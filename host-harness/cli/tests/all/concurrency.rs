//! Concurrent writers never overspend: eight threads race to take 1.00 at a
//! time from one card of 100.00 through the component; exactly 100 succeed.

use crate::common;
use giftcard_conformance::Harness;

use giftcard_conformance::harness::money;
use giftcard_conformance::json::Outcome;
use serde_json::json;

#[test]
fn eight_threads_cannot_take_more_than_the_balance() {
    common::race_to_drain_a_card_of_100(8, 125, |h, card, t, i| {
        let args = json!({ "card": { "id": card["id"] }, "amount": money("-1", "USD"),
                           "comment": format!("thread {t} attempt {i}"), "admin-user": "t" });
        match h.call_json("admin.adjust-balance", &args).unwrap() {
            Outcome::Ok(_) => true,
            Outcome::Err(e) => {
                assert!(e.get("insufficient-balance").is_some(), "{e}");
                false
            }
        }
    });
}
