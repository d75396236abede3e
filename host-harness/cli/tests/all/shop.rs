//! The simulated shop end to end through the component: set-up, a quote with
//! discount, shipping, tax and a gift card, checkout, partial invoices, a
//! shipment, refunds, and the one-transaction rule (a refused operation
//! leaves neither shop rows nor plugin rows behind). Needs the engine's order
//! pipeline.

use crate::common;
use giftcard_conformance::Harness;

use giftcard_conformance::json::Outcome;
use giftcard_shop::Shop;
use serde_json::{Value as Json, json};

fn ok(shop: &Shop, action: &str, args: Json) -> Json {
    match shop.run(action, &args).map(Outcome::from).expect(action) {
        Outcome::Ok(v) => v,
        Outcome::Err(e) => panic!("{action} refused: {e}"),
    }
}

fn err(shop: &Shop, action: &str, args: Json) -> Json {
    match shop.run(action, &args).map(Outcome::from).expect(action) {
        Outcome::Ok(v) => panic!("{action} should have been refused, got {v}"),
        Outcome::Err(e) => e,
    }
}

/// The website `main` in USD, no tax, no shipping: `website.create`'s
/// arguments.
fn main_website_args() -> Json {
    json!({ "code": "main", "base-currency": "USD" })
}

fn main_website(shop: &Shop) {
    ok(shop, "website.create", main_website_args());
}

#[test]
fn a_full_order_through_the_shop() {
    let dir = tempfile::tempdir().unwrap();
    let harness = common::harness(&dir);
    let shop = Shop::open(&harness).unwrap();
    ok(
        &shop,
        "website.create",
        json!({ "code": "main", "base-currency": "USD", "tax-rate": "20", "shipping-rate": "5" }),
    );
    ok(
        &shop,
        "store.create",
        json!({ "code": "default", "website": "main" }),
    );
    ok(
        &shop,
        "product.create",
        json!({ "sku": "tee", "kind": "simple", "price": "19.99" }),
    );
    ok(
        &shop,
        "customer.create",
        json!({ "id": "alice", "website": "main", "credit": "100" }),
    );
    let card = common::usd_card(&harness, "30");
    let quote = ok(
        &shop,
        "quote.create",
        json!({ "store": "default", "customer": "alice" }),
    )["id"]
        .clone();
    ok(
        &shop,
        "quote.add-item",
        json!({ "quote": quote, "sku": "tee", "quantity": 2 }),
    );
    ok(
        &shop,
        "quote.set-discount",
        json!({ "quote": quote, "percent": "10" }),
    );
    let totals = ok(
        &shop,
        "quote.apply-code",
        json!({ "quote": quote, "code": card["code"] }),
    );
    assert_eq!(totals["total-before-cards"], "49.18");
    assert_eq!(totals["gift-card-amount"], "30.00");
    assert_eq!(totals["grand-total"], "19.18");
    assert_eq!(totals["payment-methods"], json!(["card", "account-credit"]));

    // A refused placement writes nothing, in the shop or the plugin.
    let before = harness.snapshot().unwrap();
    let e = err(
        &shop,
        "order.place",
        json!({ "quote": quote, "payment-method": "free" }),
    );
    assert!(e.get("payment-not-allowed").is_some(), "{e}");
    assert_eq!(harness.snapshot().unwrap(), before);

    let order = ok(
        &shop,
        "order.place",
        json!({ "quote": quote, "payment-method": "account-credit" }),
    );
    let id = order["id"].clone();
    assert_eq!(id, "ORD-000001");
    let alice_credit = || ok(&shop, "customer.show", json!({ "id": "alice" }))["credit"].clone();
    let again = ok(
        &shop,
        "order.place",
        json!({ "quote": quote, "payment-method": "account-credit", "order-id": id }),
    );
    assert_eq!(again["totals"], order["totals"]);
    assert_eq!(alice_credit(), "80.82");

    let line_1 = json!({ "order": id, "lines": [{ "line": "1", "quantity": 1 }] });
    let first = ok(&shop, "order.invoice", line_1.clone());
    assert_eq!(first["total-before-cards"], "27.59");
    let second = ok(&shop, "order.invoice", json!({ "order": id }));
    assert_eq!(second["total-before-cards"], "21.59");
    let cards = |v: &Json| {
        v["gift-card-amount"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap_or(0.0)
    };
    assert_eq!(format!("{:.2}", cards(&first) + cards(&second)), "30.00");
    ok(&shop, "order.ship", json!({ "order": id }));
    assert_eq!(
        ok(&shop, "order.show", json!({ "order": id }))["status"],
        "complete"
    );

    let memo = ok(&shop, "order.refund", line_1);
    assert_eq!(memo["total"], "21.59");
    let e = err(
        &shop,
        "order.refund",
        json!({ "order": id, "adjustment": "50" }),
    );
    assert!(e.get("refund-exceeds-invoiced").is_some(), "{e}");
    let last = ok(&shop, "order.refund", json!({ "order": id }));
    assert_eq!(last["total"], "27.59");
    let shown = ok(&shop, "order.show", json!({ "order": id }));
    assert_eq!(shown["status"], "closed");
    assert_eq!(alice_credit(), "100.00");
    let card = common::get_card(&harness, &card["id"]);
    assert_eq!(card["balance"]["amount"], "30.00");
    assert!(harness.ledger_problems().unwrap().is_empty());
}

/// Runs `refuse` against a shop holding the website `main`, then checks
/// that what it was refused wrote nothing: the database (shop rows and
/// plugin rows) is exactly as before.
fn refusals_write_nothing(refuse: impl FnOnce(&Shop)) {
    let dir = tempfile::tempdir().unwrap();
    let harness = common::harness(&dir);
    let shop = Shop::open(&harness).unwrap();
    main_website(&shop);
    let before = harness.snapshot().unwrap();
    refuse(&shop);
    assert_eq!(harness.snapshot().unwrap(), before);
}

#[test]
fn set_up_errors_are_typed_and_write_nothing() {
    refusals_write_nothing(|shop| {
        for (action, args, case) in [
            ("website.create", main_website_args(), "already-exists"),
            (
                "website.create",
                json!({ "code": "x", "base-currency": "XYZ" }),
                "unknown-currency",
            ),
            (
                "store.create",
                json!({ "code": "s", "website": "nope" }),
                "unknown-website",
            ),
            (
                "product.create",
                json!({ "sku": "p", "kind": "simple", "price": "-1" }),
                "invalid-amount",
            ),
            (
                "product.create",
                json!({ "sku": "p", "kind": "simple" }),
                "invalid-argument",
            ),
            ("quote.create", json!({ "store": "none" }), "unknown-store"),
            ("order.show", json!({ "order": "ORD-9" }), "unknown-order"),
            (
                "rate.set",
                json!({ "from": "USD", "to": "USD", "rate": "1" }),
                "invalid-argument",
            ),
            ("nope.nope", json!({}), "unknown-action"),
            ("website.list", json!({ "extra": 1 }), "invalid-argument"),
        ] {
            let e = err(shop, action, args);
            assert!(e.get(case).is_some() || e == case, "{action}: {e}");
        }
    });
}

/// The plugin's refusals reach the shop's caller as the WIT `error` itself
/// (typed, not JSON), and the whole action is rolled back.
#[test]
fn a_plugin_refusal_arrives_as_the_wit_error() {
    use giftcard_host::types::Error as PluginError;
    use giftcard_shop::Refusal;
    refusals_write_nothing(|shop| {
        // The shop takes the name; the plugin refuses a control character in it.
        let args = json!({ "sku": "gc", "kind": "gift-card", "denominations": ["25"],
                           "name": "Gift\u{7}card" });
        match shop.run("product.create", &args).unwrap() {
            Err(Refusal::Plugin(PluginError::InvalidArgument(why))) => {
                assert!(why.contains("name"), "{why}")
            }
            other => panic!("expected the plugin's invalid-argument, got {other:?}"),
        }
    });
}
