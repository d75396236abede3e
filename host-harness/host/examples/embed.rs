//! Embedding the gift-card component in a shop, typed calls only:
//! `cargo run --example embed`.
//!
//! A platform loads the component once (compiled code comes from the user's
//! cache after the first run), opens its database, and then calls the
//! plugin's exports at the points of its order flow; each call is one
//! database transaction, committed only when the plugin says `ok`.

use anyhow::{Result, anyhow};
use giftcard_host::api::{admin, invoices, orders, totals};
use giftcard_host::commerce::{Channel, Line, ProductKind, Quote};
use giftcard_host::types::{CardRef, Error, Money, PageRequest};
use giftcard_host::{GiftCards, Limits, Runtime, to_json};
use std::sync::Arc;

fn main() -> Result<()> {
    // 1. Load the component built into this crate (`Runtime::load` takes a
    //    file). One runtime serves every thread and every database.
    let runtime = Arc::new(Runtime::built_in(Limits::default())?);
    println!("compiled code: {:?}", runtime.cache_outcome());

    // 2. Open the shop's SQLite database: the host's tables are created and
    //    the plugin's schema migrated, as at install time.
    let dir = tempfile::tempdir()?;
    let shop = GiftCards::open_sqlite(runtime, &dir.path().join("shop.db"))?;

    // 3. Staff create a 50.00 USD card. The outer `?` is a trap (rolled
    //    back); the inner result is the plugin's typed answer.
    let create = admin::CreateCardRequest::new(Money::new("50", "USD"), "alice");
    let card = shop
        .call(|p, s| {
            p.giftcard_plugin_admin(&mut *s)?
                .call_create_card(s, &create)
        })?
        .map_err(refused)?;
    println!("created card {} ({})", card.id, card.masked_code);

    // 4. A customer applies it to a 35.00 cart: the totals pipeline asks the
    //    plugin what the card pays.
    let lines = vec![Line::new("1", "BOOK", ProductKind::Simple, 1, "35", "35")];
    let quote = Quote {
        lines: lines.clone(),
        applied_codes: vec![card.code.clone()],
        ..Quote::new("Q-1", "main", "default", "USD")
    };
    let channel = Channel::Storefront;
    let request = totals::CollectRequest {
        quote: quote.clone(),
        channel,
    };
    let totals = shop
        .call(|p, s| p.giftcard_plugin_totals(&mut *s)?.call_collect(s, &request))?
        .map_err(refused)?;
    println!(
        "gift cards pay {}, grand total {}",
        totals.gift_card_amount, totals.grand_total
    );

    // 5. The order is placed: the plugin debits exactly what the customer
    //    was shown, or refuses (and the shop does not place the order).
    let expected = (totals.cards.iter())
        .map(|c| orders::ExpectedCard {
            code: c.code.clone(),
            applied: c.applied.clone(),
        })
        .collect();
    let order_id = "100000001".to_owned();
    let place = orders::PlaceRequest {
        order_id: order_id.clone(),
        quote,
        expected,
        channel,
    };
    let placed = shop
        .call(|p, s| p.giftcard_plugin_orders(&mut *s)?.call_placed(s, &place))?
        .map_err(refused)?;
    println!("order {} placed", placed.order_id);

    // 6. The invoice is paid: its gift-card share is recorded.
    let (shipping, shipping_tax) = ("0".into(), "0".into());
    let invoice = invoices::Invoice {
        invoice_id: "INV-1".into(),
        order_id,
        lines,
        shipping,
        shipping_tax,
    };
    let paid = shop
        .call(|p, s| p.giftcard_plugin_invoices(&mut *s)?.call_paid(s, &invoice))?
        .map_err(refused)?;
    println!("invoice paid, {} card(s) issued", paid.issued.len());

    // 7. The card's ledger, read in a read-only transaction.
    let history = admin::CardHistoryRequest {
        card: CardRef::Id(card.id),
        page: PageRequest::new(1, 20),
    };
    let page = shop
        .call_read(|p, s| {
            p.giftcard_plugin_admin(&mut *s)?
                .call_card_history(s, &history)
        })?
        .map_err(refused)?;
    for e in &page.entries {
        let (before, after) = (&e.balance_before.amount, &e.balance_after.amount);
        let action = to_json(&e.action); // "created", "redeemed", …
        let amount = &e.amount.amount;
        println!(
            "  {} {amount} {before} → {after}",
            action.as_str().unwrap_or("?")
        );
    }
    Ok(())
}

/// The plugin's typed refusal, as an error of the example.
fn refused(e: Error) -> anyhow::Error {
    anyhow!("the plugin refused: {e:?}")
}
