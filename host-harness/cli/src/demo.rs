//! `giftcard-harness demo`: a whole shop day on the embedded SQLite database,
//! narrated. A gift card is bought and issued only when its invoice is paid;
//! its recipient redeems it over two orders; another customer pays one order
//! with two cards, which is invoiced in two parts and partly refunded back to
//! the cards; an order is cancelled and its card restored; a call that crashes
//! half-way leaves nothing behind; marketing generates a batch of coupon
//! codes, a customer checks a balance and adds a prize card to her account, and the
//! statistics sum the day up. It ends with the newest cards, two cards'
//! ledgers and the ledger check.

use crate::render;
use anyhow::{Result, bail};
use giftcard_conformance::harness::{Harness, money};
use giftcard_conformance::json::{Faults, Outcome};
use giftcard_host::GiftCards;
use giftcard_shop::Shop;
use serde_json::{Value as Json, json};
use std::io::Write;
use std::path::Path;

fn heading(out: &mut dyn Write, text: &str) -> Result<()> {
    writeln!(out, "\n── {text} ──")?;
    Ok(())
}

/// Runs one shop action that must succeed.
fn shop_ok(shop: &Shop<'_>, action: &str, args: Json) -> Result<Json> {
    match shop.run(action, &args).map(Outcome::from)? {
        Outcome::Ok(v) => Ok(v),
        Outcome::Err(e) => bail!("{action} was refused: {e}"),
    }
}

fn text(v: &Json) -> &str {
    v.as_str().unwrap_or("?")
}

/// Opens a quote for `customer` in `store` and adds `items` to it (each
/// one `quote.add-item`'s arguments but the quote); returns the quote's id.
fn fill_quote(shop: &Shop<'_>, store: &str, customer: &str, items: &[Json]) -> Result<Json> {
    let q = shop_ok(
        shop,
        "quote.create",
        json!({ "store": store, "customer": customer }),
    )?;
    for item in items {
        let mut args = item.clone();
        args["quote"] = q["id"].clone();
        shop_ok(shop, "quote.add-item", args)?;
    }
    Ok(q["id"].clone())
}

/// Applies a gift-card `code` to `quote`; returns the quote's totals.
fn apply_code(shop: &Shop<'_>, quote: &Json, code: &Json, client_key: &str) -> Result<Json> {
    shop_ok(
        shop,
        "quote.apply-code",
        json!({ "quote": quote, "code": code, "client-key": client_key }),
    )
}

/// The arguments of an invoice or a refund of one unit of `order`'s `line`.
fn one_unit(order: &Json, line: &Json) -> Json {
    json!({ "order": order, "lines": [{ "line": line, "quantity": 1 }] })
}

/// Places `quote` as an order paid by `payment_method`.
fn place(shop: &Shop<'_>, quote: &Json, payment_method: &str) -> Result<Json> {
    shop_ok(
        shop,
        "order.place",
        json!({ "quote": quote, "payment-method": payment_method }),
    )
}

/// One line per card an order hook moved.
fn movements(out: &mut dyn Write, list: &Json) -> Result<()> {
    for m in list.as_array().into_iter().flatten() {
        writeln!(
            out,
            "    {}  {:>10}  → balance {}  ({})",
            text(&m["masked-code"]),
            render::money(&m["amount"]),
            render::money(&m["balance-after"]),
            text(&m["status"])
        )?;
    }
    Ok(())
}

fn totals_line(out: &mut dyn Write, t: &Json) -> Result<()> {
    writeln!(
        out,
        "    before cards {}  gift cards −{}  to pay {}{}",
        text(&t["total-before-cards"]),
        text(&t["gift-card-amount"]),
        text(&t["grand-total"]),
        if t["covered"] == json!(true) {
            "  (covered: free payment)"
        } else {
            ""
        }
    )?;
    Ok(())
}

/// Runs the demo against `harness`, writing to `out`.
pub fn run(harness: &GiftCards, out: &mut dyn Write) -> Result<()> {
    let meta = harness.call_json_ok("lifecycle.metadata", &Json::Null)?;
    writeln!(
        out,
        "Gift-card plugin {} {} (contract {}, schema v{}), database {}",
        text(&meta["name"]),
        text(&meta["version"]),
        text(&meta["contract-version"]),
        meta["schema-version"],
        harness.database_path().unwrap_or(Path::new("?")).display()
    )?;
    let shop = Shop::open(harness)?;
    // Each run gets its own ids, so the demo can run again on the same file.
    let run_id = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos() ^ (d.as_secs() as u32))
    );
    let id = |name: &str| format!("{name}-{run_id}");

    heading(out, "The shop opens: a website, a catalog, two customers")?;
    let (website, store) = (id("web"), id("store"));
    shop_ok(
        &shop,
        "website.create",
        json!({ "code": website, "base-currency": "USD", "tax-rate": "10", "shipping-rate": "5" }),
    )?;
    shop_ok(
        &shop,
        "store.create",
        json!({ "code": store, "website": website }),
    )?;
    let (mug, ebook, gift) = (id("mug"), id("ebook"), id("gift"));
    shop_ok(
        &shop,
        "product.create",
        json!({ "sku": mug, "name": "Mug", "kind": "simple", "price": "12.00" }),
    )?;
    shop_ok(
        &shop,
        "product.create",
        json!({ "sku": ebook, "name": "E-book", "kind": "digital", "price": "20.00" }),
    )?;
    shop_ok(
        &shop,
        "product.create",
        json!({ "sku": gift, "name": "Gift card", "kind": "gift-card", "website": website,
                "denominations": ["25", "50", "100"], "validity-days": 365 }),
    )?;
    let (alice, bob) = (id("alice"), id("bob"));
    for who in [&alice, &bob] {
        shop_ok(
            &shop,
            "customer.create",
            json!({ "id": who, "website": website }),
        )?;
    }
    writeln!(
        out,
        "  website {website} (USD, 10% tax, 5.00 shipping for physical goods)\n  \
         products: mug 12.00 (shipped), e-book 20.00 (digital), gift card 25/50/100\n  \
         customers: {alice}, {bob}"
    )?;

    heading(out, "Alice buys Bob a 50.00 gift card")?;
    let quote = fill_quote(
        &shop,
        &store,
        &alice,
        &[
            json!({ "sku": gift, "amount": "50", "recipient-name": "Bob",
                    "recipient-email": "bob@example.com", "sender-name": "Alice",
                    "message": "Happy birthday!" }),
        ],
    )?;
    let order = place(&shop, &quote, "card")?;
    let gift_order = order["order-id"].clone();
    writeln!(out, "  order {} placed and paid by card", text(&gift_order))?;
    let invoice = shop_ok(
        &shop,
        "order.invoice",
        json!({ "order": gift_order, "pay": false }),
    )?;
    writeln!(
        out,
        "  invoice {} created, not yet paid: cards issued so far: {}",
        text(&invoice["invoice-id"]),
        invoice["issued"].as_array().map_or(0, Vec::len)
    )?;
    let paid = shop_ok(
        &shop,
        "invoice.pay",
        json!({ "invoice": invoice["invoice-id"] }),
    )?;
    let issued = paid["issued"][0].clone();
    let bob_code = issued["code"].clone();
    writeln!(
        out,
        "  invoice paid → card issued: {}  {}  for {} from {}",
        text(&issued["code"]),
        render::money(&issued["balance"]),
        text(&issued["purchase"]["recipient-name"]),
        text(&issued["purchase"]["sender-name"]),
    )?;

    heading(out, "Bob redeems it over two orders")?;
    for (item, payment_method, what) in [
        (json!({ "sku": mug }), "free", "(a mug)"),
        (
            json!({ "sku": ebook, "quantity": 2 }),
            "card",
            "(two e-books), the rest paid by card",
        ),
    ] {
        let quote = fill_quote(&shop, &store, &bob, &[item])?;
        let t = apply_code(&shop, &quote, &bob_code, "198.51.100.4")?;
        totals_line(out, &t)?;
        let placed = place(&shop, &quote, payment_method)?;
        writeln!(out, "  order {} {what}:", text(&placed["order-id"]))?;
        movements(out, &placed["movements"])?;
    }

    heading(out, "Alice pays one order with two cards, applied in order")?;
    let mut codes = Vec::new();
    for (amount, note) in [("15", "Loyalty reward"), ("40", "Apology")] {
        let card = harness.call_json_ok(
            "admin.create-card",
            &json!({ "amount": money(amount, "USD"), "admin-user": "carol", "comment": note }),
        )?;
        codes.push(card["code"].clone());
    }
    let quote = fill_quote(
        &shop,
        &store,
        &alice,
        &[json!({ "sku": mug }), json!({ "sku": ebook })],
    )?;
    let mut t = Json::Null;
    for code in &codes {
        t = apply_code(&shop, &quote, code, "192.0.2.9")?;
    }
    totals_line(out, &t)?;
    let placed = place(&shop, &quote, "free")?;
    let two_card_order = placed["order-id"].clone();
    writeln!(out, "  order {}:", text(&two_card_order))?;
    movements(out, &placed["movements"])?;
    let shown = shop_ok(&shop, "order.show", json!({ "order": two_card_order }))?;
    let lines: Vec<Json> = shown["lines"].as_array().cloned().unwrap_or_default();
    let first_line = lines.first().map(|l| l["id"].clone()).unwrap_or(json!("1"));
    let second_line = lines.get(1).map(|l| l["id"].clone()).unwrap_or(json!("2"));

    heading(
        out,
        "It is invoiced in two parts; the gift-card amount splits",
    )?;
    for line in [&first_line, &second_line] {
        let inv = shop_ok(&shop, "order.invoice", one_unit(&two_card_order, line))?;
        writeln!(
            out,
            "  invoice {}: total {}  paid by gift cards {}  still to invoice from the cards {}",
            text(&inv["invoice-id"]),
            text(&inv["total-before-cards"]),
            text(&inv["gift-card-amount"]),
            text(&inv["order-remaining"]),
        )?;
    }

    heading(
        out,
        "The e-book is refunded; its share goes back to the cards",
    )?;
    let memo = shop_ok(
        &shop,
        "order.refund",
        one_unit(&two_card_order, &second_line),
    )?;
    writeln!(
        out,
        "  memo {}: total {}  to gift cards {}  to other payment {}",
        text(&memo["memo-id"]),
        text(&memo["total"]),
        text(&memo["gift-card-amount"]),
        text(&memo["other-amount"]),
    )?;
    movements(out, &memo["movements"])?;

    heading(out, "An order is cancelled before it is invoiced")?;
    let card = harness.call_json_ok(
        "admin.create-card",
        &json!({ "amount": money("30", "USD"), "admin-user": "carol" }),
    )?;
    let quote = fill_quote(&shop, &store, &bob, &[json!({ "sku": ebook })])?;
    apply_code(&shop, &quote, &card["code"], "198.51.100.4")?;
    let placed = place(&shop, &quote, "free")?;
    writeln!(out, "  order {} placed:", text(&placed["order-id"]))?;
    movements(out, &placed["movements"])?;
    let cancelled = shop_ok(
        &shop,
        "order.cancel",
        json!({ "order": placed["order-id"], "comment": "Customer changed their mind" }),
    )?;
    writeln!(
        out,
        "  cancelled, restored {}:",
        text(&cancelled["restored"])
    )?;
    movements(out, &cancelled["movements"])?;

    heading(out, "A call that crashes half-way leaves nothing behind")?;
    let before = harness.snapshot()?;
    let crashed = harness.call_json_with(
        "admin.adjust-balance",
        &json!({ "card": { "id": card["id"] }, "amount": money("-5", "USD"),
                 "comment": "This call will trap", "admin-user": "carol" }),
        // Statement 5 of an adjustment is its ledger INSERT, after the
        // balance UPDATE has already run.
        Faults {
            trap_at_statement: Some(5),
            ..Faults::default()
        },
    );
    match crashed {
        Err(e) => writeln!(out, "  the plugin trapped: {e}")?,
        Ok(_) => bail!("the injected trap did not fire"),
    }
    let unchanged = harness.snapshot()? == before;
    writeln!(
        out,
        "  database unchanged: {}",
        if unchanged { "yes" } else { "NO" }
    )?;
    if !unchanged {
        bail!("a trapped call left changes behind");
    }

    catalog_and_admin(harness, &shop, out, &alice, &id)?;
    delivery_and_print(harness, out, &issued)?;

    heading(out, "Every card (codes masked in lists)")?;
    let page = harness.call_json_ok(
        "admin.list-cards",
        &json!({ "page": { "page": 1, "page-size": 12 } }),
    )?;
    writeln!(out, "{}", render::card_page(&page))?;
    for (title, code) in [
        ("Bob's bought card", &bob_code),
        ("Alice's 40.00 card", &codes[1]),
    ] {
        let history = harness.call_json_ok(
            "admin.card-history",
            &json!({ "card": { "code": code }, "page": { "page": 1, "page-size": 50 } }),
        )?;
        heading(out, &format!("Ledger: {title}"))?;
        writeln!(out, "{}", render::history(&history))?;
    }

    let problems = harness.ledger_problems()?;
    writeln!(
        out,
        "\nLedger check over every card: {}",
        if problems.is_empty() {
            "each balance equals the sum of its history".to_owned()
        } else {
            problems.join("; ")
        }
    )?;
    if !problems.is_empty() {
        bail!("ledger invariants broken");
    }
    Ok(())
}

/// Issue 4's part of the day: a batch of coupon codes, a balance check, a
/// code added to a customer's account, and the programme's statistics.
fn catalog_and_admin(
    harness: &GiftCards,
    shop: &Shop<'_>,
    out: &mut dyn Write,
    alice: &str,
    id: &dyn Fn(&str) -> String,
) -> Result<()> {
    heading(out, "Marketing generates a batch of 500 coupon codes")?;
    let definition = harness.call_json_ok(
        "batches.create-definition",
        &json!({ "name": id("Spring promo"), "enabled": true, "value": money("10", "USD"),
                 "min-order-amount": "20", "target": "everyone", "currencies": [],
                 "required-skus": [], "shipping-countries": [], "billing-countries": [] }),
    )?;
    let started = std::time::Instant::now();
    let generated = harness.call_json_ok(
        "batches.generate-codes",
        &json!({ "definition-id": definition["id"], "count": 500, "test": false,
                 "admin-user": "marketing" }),
    )?;
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    writeln!(
        out,
        "  definition `{}` (10.00 USD each, orders of at least 20.00): {} codes, cards {}–{} ({:.0} cards/s)",
        text(&definition["code-name"]),
        generated["count"],
        generated["first-card-id"],
        generated["last-card-id"],
        generated["count"].as_f64().unwrap_or(0.0) / seconds
    )?;
    let first = harness.call_json_ok(
        "admin.get-card",
        &json!({ "card": { "id": generated["first-card-id"] } }),
    )?;
    // A batch code keeps its definition's order rules (here a minimum
    // order), so it cannot be turned into account credit; a plain card can.
    let second = harness.call_json_ok(
        "admin.create-card",
        &json!({ "amount": money("20", "USD"), "admin-user": "carol",
                 "comment": "Raffle prize", "recipient-email": "alice@example.com" }),
    )?;

    heading(
        out,
        "A customer checks a balance (rate limited, generic answers)",
    )?;
    for (label, code) in [
        ("a batch code", first["code"].clone()),
        ("a made-up code", json!("GC-NOPE-NOPE-NOPE-NOPE")),
    ] {
        let answer = harness.call_json_ok(
            "customer.check-balance",
            &json!({ "code": code, "client-key": "203.0.113.7" }),
        )?;
        writeln!(out, "  {label}: {}", render::balance_answer(&answer))?;
    }

    heading(
        out,
        "Alice adds a prize card to her account: its balance becomes account credit",
    )?;
    let added = shop_ok(
        shop,
        "customer.add-card",
        json!({ "customer": alice, "code": second["code"], "client-key": "192.0.2.9" }),
    )?;
    writeln!(
        out,
        "  {} moved {} to {}'s account; credit now {} {}",
        text(&added["masked-code"]),
        render::money(&added["card-amount"]),
        alice,
        text(&added["credit"]),
        text(&added["currency"]),
    )?;
    let again = harness.call_json_ok(
        "customer.redeem-to-account",
        &json!({ "code": second["code"], "customer-id": alice, "client-key": "192.0.2.9" }),
    )?;
    writeln!(
        out,
        "  adding it again: {}",
        if again == json!("not-available") {
            "refused with the generic answer"
        } else {
            "?"
        }
    )?;

    heading(out, "The programme's statistics")?;
    let stats = harness.call_json_ok("reports.statistics", &json!({}))?;
    writeln!(
        out,
        "  cards created {}, fully used {}, usage rate {}%",
        stats["cards-created"],
        stats["fully-used"],
        text(&stats["usage-rate"])
    )?;
    let by_status: Vec<String> = stats["by-status"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| format!("{} {}", text(&s["status"]), s["count"]))
        .collect();
    writeln!(out, "  by status: {}", by_status.join(", "))?;
    for c in stats["currencies"].as_array().into_iter().flatten() {
        writeln!(
            out,
            "  {}: sold {}  credited to accounts {}  redeemed {}  outstanding {}  breakage {}",
            text(&c["currency"]),
            text(&c["total-sold"]["amount"]),
            text(&c["total-credited"]["amount"]),
            text(&c["total-redeemed"]["amount"]),
            text(&c["outstanding"]["amount"]),
            text(&c["breakage"]["amount"]),
        )?;
    }
    Ok(())
}

/// Issue 5's part of the day: the email Bob received sits in the outbox as
/// a real MIME message, Bob opens his view link, the shop prints his card
/// and the scheduler runs.
fn delivery_and_print(harness: &GiftCards, out: &mut dyn Write, card: &Json) -> Result<()> {
    heading(out, "Bob's email, as the outbox folder holds it")?;
    let card_id = card["id"].as_u64().unwrap_or_default();
    let outbox = harness.outbox();
    let entries = outbox.list()?;
    let Some(email) = entries
        .iter()
        .rev()
        .find(|e| e.card_id == card_id && e.channel == giftcard_host::outbox::Channel::Email)
    else {
        bail!("no email for card {card_id} in {}", outbox.dir().display());
    };
    let (_, bytes) = outbox.get(email.seq)?;
    writeln!(
        out,
        "  {}  ({} bytes, {} message(s) in the outbox)",
        outbox.dir().join(&email.file).display(),
        bytes.len(),
        entries.len()
    )?;
    let summary = giftcard_host::outbox::summary(&bytes);
    for line in summary.lines().take(28) {
        writeln!(out, "  │ {line}")?;
    }

    heading(out, "Bob opens the link in his email")?;
    let delivery =
        harness.call_json_ok("delivery.get-card-delivery", &json!({ "card-id": card_id }))?;
    let token = giftcard_host::outbox::view_token(&summary).unwrap_or_default();
    let view = harness.call_json_ok("delivery.view-card", &json!({ "token": token }))?;
    let delivery_after =
        harness.call_json_ok("delivery.get-card-delivery", &json!({ "card-id": card_id }))?;
    writeln!(
        out,
        "  {}: {} left, from {}; sent {}, delivered {}, first viewed {}",
        text(&view["code"]),
        render::money(&view["balance"]),
        text(&view["sender-name"]),
        text(&delivery["sent-at"]),
        text(&delivery["delivered-at"]),
        text(&delivery_after["first-viewed-at"]),
    )?;

    heading(out, "The shop prints Bob's card")?;
    let document =
        harness.call_json_ok("delivery.print-cards", &json!({ "card-ids": [card_id] }))?;
    let pdf: Vec<u8> = document["content"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
        .collect();
    let path = harness
        .database_path()
        .unwrap_or(Path::new("."))
        .with_file_name(format!("gift-card-{card_id}.pdf"));
    std::fs::write(&path, &pdf)?;
    writeln!(
        out,
        "  {} ({} page(s), {} bytes: code, value, expiry, QR code and Code 128 barcode)",
        path.display(),
        document["pages"],
        pdf.len()
    )?;

    heading(out, "The scheduler runs")?;
    let now = giftcard_engine::storage::time::format(harness.clock().now());
    let report = harness.call_json_ok("scheduler.tick", &json!({ "now": now }))?;
    let count = |key: &str| report[key].as_array().map_or(0, Vec::len);
    writeln!(
        out,
        "  at {}: {} card(s) expired, {} scheduled message(s) and {} reminder(s) sent",
        text(&report["now"]),
        count("expired"),
        count("scheduled-sent"),
        count("reminders-sent"),
    )?;
    Ok(())
}
