//! Embedding the gift-card component in a shop, typed calls only:
//! `cargo run --example embed`.
//!
//! A platform loads the component once (compiled code comes from the user's
//! cache after the first run), opens its database, and then calls the
//! plugin's exports at the points of its order flow; each call is one
//! database transaction, committed only when the plugin says `ok`.

use anyhow::{Result, anyhow};
use giftcard_host::api::{admin, invoices, orders, totals};
use giftcard_host::bindings::giftcard::plugin::commerce::{Channel, Line, ProductKind, Quote};
use giftcard_host::types::{CardRef, Error, Money, PageRequest};
use giftcard_host::{GiftCards, Limits, Runtime};
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
        .call(|p, s| p.giftcard_plugin_admin().call_create_card(s, &create))?
        .map_err(refused)?;
    println!("created card {} ({})", card.id, card.masked_code);

    // 4. A customer applies it to a 35.00 cart: the totals pipeline asks the
    //    plugin what the card pays.
    let lines = vec![line("1", "BOOK", "35")];
    let quote = Quote {
        id: "Q-1".into(),
        website: "main".into(),
        store: "default".into(),
        currency: "USD".into(),
        base_currency: "USD".into(),
        customer: None,
        test: false,
        lines: lines.clone(),
        shipping: "0".into(),
        shipping_tax: "0".into(),
        applied_codes: vec![card.code.clone()],
        shipping_country: None,
        billing_country: None,
    };
    let channel = Channel::Storefront;
    let request = totals::CollectRequest {
        quote: quote.clone(),
        channel,
    };
    let totals = shop
        .call(|p, s| p.giftcard_plugin_totals().call_collect(s, &request))?
        .map_err(refused)?;
    println!(
        "gift cards pay {}, grand total {}",
        totals.gift_card_amount, totals.grand_total
    );

    // 5. The order is placed: the plugin debits exactly what the customer
    //    was shown, or refuses (and the shop does not place the order).
    let expected = totals
        .cards
        .iter()
        .map(|c| orders::ExpectedCard {
            code: c.code.clone(),
            applied: c.applied.clone(),
        })
        .collect();
    let place = orders::PlaceRequest {
        order_id: "100000001".into(),
        quote,
        expected,
        channel,
    };
    let placed = shop
        .call(|p, s| p.giftcard_plugin_orders().call_placed(s, &place))?
        .map_err(refused)?;
    println!("order {} placed", placed.order_id);

    // 6. The invoice is paid: its gift-card share is recorded.
    let invoice = invoices::Invoice {
        invoice_id: "INV-1".into(),
        order_id: "100000001".into(),
        lines,
        shipping: "0".into(),
        shipping_tax: "0".into(),
    };
    let paid = shop
        .call(|p, s| p.giftcard_plugin_invoices().call_paid(s, &invoice))?
        .map_err(refused)?;
    println!("invoice paid, {} card(s) issued", paid.issued.len());

    // 7. The card's ledger, read in a read-only transaction.
    let history = admin::CardHistoryRequest {
        card: CardRef::Id(card.id),
        page: PageRequest::new(1, 20),
    };
    let page = shop
        .call_read(|p, s| p.giftcard_plugin_admin().call_card_history(s, &history))?
        .map_err(refused)?;
    for entry in &page.entries {
        println!(
            "  {:?} {} {} → {}",
            entry.action,
            entry.amount.amount,
            entry.balance_before.amount,
            entry.balance_after.amount
        );
    }
    Ok(())
}

/// The plugin's typed refusal, as an error of the example.
fn refused(e: Error) -> anyhow::Error {
    anyhow!("the plugin refused: {e:?}")
}

fn line(id: &str, sku: &str, price: &str) -> Line {
    Line {
        id: id.into(),
        sku: sku.into(),
        kind: ProductKind::Simple,
        quantity: 1,
        unit_price: price.into(),
        row_total: price.into(),
        discount: "0".into(),
        tax: "0".into(),
        gift_card: None,
    }
}
