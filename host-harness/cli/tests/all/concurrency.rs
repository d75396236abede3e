//! Concurrent writers never overspend: eight threads race to take 1.00 at a
//! time from one card of 100.00 through the component; exactly 100 succeed.

use crate::common;
use giftcard_conformance::Harness;

use giftcard_conformance::harness::money;
use giftcard_conformance::json::Outcome;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn eight_threads_cannot_take_more_than_the_balance() {
    let dir = tempfile::tempdir().unwrap();
    let h = Arc::new(common::harness(&dir));
    let card = common::usd_card(&h, "100");
    let id = card["id"].clone();
    let ok = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (h, ok, refused, id) = (Arc::clone(&h), Arc::clone(&ok), Arc::clone(&refused), id.clone());
            std::thread::spawn(move || {
                for i in 0..125 {
                    let args = json!({ "card": { "id": id }, "amount": money("-1", "USD"),
                                       "comment": format!("thread {t} attempt {i}"), "admin-user": "t" });
                    match h.call_json("admin.adjust-balance", &args).unwrap() {
                        Outcome::Ok(_) => ok.fetch_add(1, Ordering::SeqCst),
                        Outcome::Err(e) => {
                            assert!(e.get("insufficient-balance").is_some(), "{e}");
                            refused.fetch_add(1, Ordering::SeqCst)
                        }
                    };
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(ok.load(Ordering::SeqCst), 100);
    assert_eq!(refused.load(Ordering::SeqCst), 900);
    let card = common::get_card(&h, &id);
    assert_eq!(card["balance"]["amount"], "0.00");
    assert_eq!(card["status"], "used");
    assert!(h.ledger_problems().unwrap().is_empty());
}
