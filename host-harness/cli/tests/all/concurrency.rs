//! Concurrent writers never overspend: eight threads race to take 1.00 at a
//! time from one card of 100.00 through the component; exactly 100 succeed.

use crate::common;
use giftcard_conformance::Harness;

use giftcard_conformance::harness::money;
use giftcard_conformance::json::Outcome;
use serde_json::json;
use std::sync::Arc;

#[test]
fn eight_threads_cannot_take_more_than_the_balance() {
    let dir = tempfile::tempdir().unwrap();
    let h = Arc::new(common::harness(&dir));
    let card = common::usd_card(&h, "100");
    let id = card["id"].clone();
    let (ok, refused) = common::race(&h, 8, 125, move |h, t, i| {
        let args = json!({ "card": { "id": id }, "amount": money("-1", "USD"),
                           "comment": format!("thread {t} attempt {i}"), "admin-user": "t" });
        match h.call_json("admin.adjust-balance", &args).unwrap() {
            Outcome::Ok(_) => true,
            Outcome::Err(e) => {
                assert!(e.get("insufficient-balance").is_some(), "{e}");
                false
            }
        }
    });
    assert_eq!(ok, 100);
    assert_eq!(refused, 900);
    let card = common::get_card(&h, &card["id"]);
    assert_eq!(card["balance"]["amount"], "0.00");
    assert_eq!(card["status"], "used");
    assert!(h.ledger_problems().unwrap().is_empty());
}
