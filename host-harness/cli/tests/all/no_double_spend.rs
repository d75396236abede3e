//! No double spend through the order pipeline: eight threads place 1,000
//! orders of 1.00 against one card of 100.00, each collecting the quote and
//! then placing it, as a checkout does. Exactly 100 orders get the card, its
//! balance ends at 0.00 and its ledger sums to that. A watchdog bounds the
//! test's time so a lock-up fails instead of hanging the suite.

use crate::common;
use giftcard_conformance::Harness;

use giftcard_conformance::json::Outcome;
use serde_json::{Value as Json, json};

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
    common::race_to_drain_a_card_of_100(THREADS, ATTEMPTS / THREADS, |h, card, t, i| {
        let q = quote(&format!("Q-{t}-{i}"), &card["code"]);
        let totals = h
            .call_json_ok(
                "totals.collect",
                &json!({ "quote": q, "channel": "storefront" }),
            )
            .unwrap();
        let Some(app) = totals["cards"].as_array().and_then(|c| c.first()) else {
            // Used up: the collector dropped the code.
            return false;
        };
        let args = json!({
            "order-id": format!("O-{t}-{i}"), "quote": q, "channel": "storefront",
            "expected": [{ "code": app["code"], "applied": app["applied"] }],
        });
        match h.call_json("orders.placed", &args).unwrap() {
            Outcome::Ok(_) => true,
            Outcome::Err(e) => {
                assert!(
                    e.get("balance-changed").is_some() || e.get("card-not-applicable").is_some(),
                    "{e}"
                );
                false
            }
        }
    });
}
