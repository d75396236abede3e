//! No double spend through the order pipeline: eight threads place 1,000
//! orders of 1.00 against one card of 100.00, each collecting the quote and
//! then placing it, as a checkout does. Exactly 100 orders get the card, its
//! balance ends at 0.00 and its ledger sums to that. A watchdog bounds the
//! test's time so a lock-up fails instead of hanging the suite.

use crate::common;
use giftcard_conformance::Harness;

use giftcard_conformance::json::Outcome;
use serde_json::{Value as Json, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const THREADS: usize = 8;
const ATTEMPTS: usize = 1_000;

fn quote(id: &str, code: &Json) -> Json {
    json!({
        "id": id, "website": "main", "store": "default", "currency": "USD",
        "base-currency": "USD", "customer": null, "test": false,
        "lines": [{ "id": "1", "sku": "PEN", "kind": "simple", "quantity": 1,
                    "unit-price": "1.00", "row-total": "1.00", "discount": "0", "tax": "0" }],
        "shipping": "0", "shipping-tax": "0", "applied-codes": [code],
    })
}

#[test]
fn concurrent_checkouts_never_overspend_a_card() {
    let dir = tempfile::tempdir().unwrap();
    let h = Arc::new(common::harness(&dir));
    let card = common::usd_card(&h, "100");
    let code = card["code"].clone();
    let placed = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    for t in 0..THREADS {
        let (h, placed, refused, code, done) = (
            Arc::clone(&h),
            Arc::clone(&placed),
            Arc::clone(&refused),
            code.clone(),
            done_tx.clone(),
        );
        std::thread::spawn(move || {
            for i in 0..ATTEMPTS / THREADS {
                let q = quote(&format!("Q-{t}-{i}"), &code);
                let totals = h
                    .call_json_ok(
                        "totals.collect",
                        &json!({ "quote": q, "channel": "storefront" }),
                    )
                    .unwrap();
                let Some(app) = totals["cards"].as_array().and_then(|c| c.first()) else {
                    // Used up: the collector dropped the code.
                    refused.fetch_add(1, Ordering::SeqCst);
                    continue;
                };
                let args = json!({
                    "order-id": format!("O-{t}-{i}"), "quote": q, "channel": "storefront",
                    "expected": [{ "code": app["code"], "applied": app["applied"] }],
                });
                match h.call_json("orders.placed", &args).unwrap() {
                    Outcome::Ok(_) => placed.fetch_add(1, Ordering::SeqCst),
                    Outcome::Err(e) => {
                        assert!(
                            e.get("balance-changed").is_some()
                                || e.get("card-not-applicable").is_some(),
                            "{e}"
                        );
                        refused.fetch_add(1, Ordering::SeqCst)
                    }
                };
            }
            done.send(()).unwrap();
        });
    }
    for _ in 0..THREADS {
        done_rx
            .recv_timeout(Duration::from_secs(300))
            .expect("a checkout thread finished in time");
    }
    assert_eq!(placed.load(Ordering::SeqCst), 100);
    assert_eq!(refused.load(Ordering::SeqCst), ATTEMPTS - 100);
    let card = common::get_card(&h, &card["id"]);
    assert_eq!(card["balance"]["amount"], "0.00");
    assert_eq!(card["status"], "used");
    assert!(h.ledger_problems().unwrap().is_empty());
}
