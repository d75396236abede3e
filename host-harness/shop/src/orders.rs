//! Checkout, the order record, its status, and cancellation.
//!
//! Payment is simulated and taken at placement: a card payment is captured
//! at once (invoices record what it paid for), account credit is debited at
//! once. Cancellation releases the part never invoiced; credit memos give
//! back invoiced parts.

use super::amount::Money;
use super::context::Ctx;
use super::customers::move_credit;
use super::error::{Fail, Res, ShopError};
use super::model::{Invoice, Kind, Memo, Order, OrderLine, OrderTotals, Payment, Quote, Shipment};
use super::quotes;
use giftcard_host::api::orders::{CancelRequest, ExpectedCard, PlaceRequest};
use giftcard_host::commerce::CardMovement;
use giftcard_host::to_json;
use serde::Deserialize;
use serde_json::{Value as Json, json};

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct PlaceArgs {
    /// Quote id
    #[arg(long)]
    quote: String,
    /// free, card or account-credit (must be allowed)
    #[arg(long)]
    payment_method: String,
    /// Order id (default ORD-000001, …); the idempotency key
    #[arg(long)]
    order_id: Option<String>,
    /// storefront (default) or admin
    #[arg(long)]
    channel: Option<String>,
}

/// Places an order from a quote: re-collects it, checks the payment method,
/// calls `orders.placed` with what each card was collected to pay, stores the
/// order and takes payment. Placing again (same order id, or the same quote)
/// returns the order as placed and takes nothing.
pub fn place(ctx: &mut Ctx, a: PlaceArgs) -> Res<Json> {
    let channel = quotes::channel_of(a.channel.as_deref())?;
    if let Some(id) = &a.order_id {
        let conflict = |o: &Order| {
            (o.quote != a.quote).then(|| format!("order {id} (from quote {})", o.quote))
        };
        if let Some(existing) = ctx.replayed("shop_orders", id, "order id", conflict)? {
            return placed_view(ctx, &existing);
        }
    }
    let mut q: Quote = quotes::load(ctx, &a.quote)?;
    if let Some(order) = &q.order {
        if a.order_id.as_deref().is_some_and(|id| id != order) {
            return Err(ShopError::QuoteClosed(order.clone()).into());
        }
        let existing: Order = ctx.need("shop_orders", order, ShopError::UnknownOrder)?;
        return placed_view(ctx, &existing);
    }
    if q.lines.is_empty() {
        return Err(ShopError::EmptyQuote.into());
    }
    let (p, gc) = quotes::collect(ctx, &q, channel)?;
    quotes::check_agrees(&p, &gc)?;
    if !gc.dropped.is_empty() {
        return Err(ShopError::CodesDropped(to_json(&gc.dropped)).into());
    }
    let cur = p.cur;
    let grand = Money::answer(cur, &gc.grand_total, "grand-total")?;
    let allowed = quotes::payment_methods(ctx, &q, grand.minor(), gc.covered)?;
    if !allowed.contains(&a.payment_method) {
        return Err(ShopError::PaymentNotAllowed {
            method: a.payment_method,
            allowed,
        }
        .into());
    }
    let order_id = ctx.given_or_next_id(a.order_id, "ORD")?;
    let request = PlaceRequest {
        order_id: order_id.clone(),
        quote: p.record.clone(),
        expected: gc
            .cards
            .iter()
            .map(|c| ExpectedCard {
                code: c.code.clone(),
                applied: c.applied.clone(),
            })
            .collect(),
        channel,
    };
    let placed =
        ctx.plugin(|pl, s| pl.giftcard_plugin_orders(&mut *s)?.call_placed(s, &request))?;
    let c = &p.collected;
    let m = |minor: i64| Money::new(cur, minor);
    let zero = Money::zero(cur);
    let lines: Vec<OrderLine> = q
        .lines
        .iter()
        .zip(&p.unit_prices)
        .zip(&c.lines)
        .map(|((l, unit), amt)| OrderLine {
            id: l.id.clone(),
            sku: l.sku.clone(),
            name: l.name.clone(),
            kind: l.kind,
            quantity: l.quantity,
            unit_price: m(*unit),
            row_total: m(amt.row_total),
            discount: m(amt.discount),
            tax: m(amt.tax),
            gift_card: l.gift_card.clone(),
            qty_invoiced: 0,
            qty_shipped: 0,
            qty_refunded: 0,
            qty_canceled: 0,
            discount_invoiced: zero,
            tax_invoiced: zero,
            discount_refunded: zero,
            tax_refunded: zero,
        })
        .collect();
    let placed_totals = &placed.totals;
    let card_part = Money::answer(cur, &placed_totals.gift_card_amount, "gift-card-amount")?;
    let placed_grand = Money::answer(cur, &placed_totals.grand_total, "grand-total")?;
    let movements: Vec<Json> = placed
        .movements
        .iter()
        .map(|m| tagged(m, "placed"))
        .collect();
    let order = Order {
        id: order_id.clone(),
        quote: q.id.clone(),
        store: q.store.clone(),
        website: q.website.clone(),
        currency: cur.code().to_owned(),
        base_currency: p.base.code().to_owned(),
        customer: q.customer.clone(),
        test: q.test,
        status: "pending".into(),
        lines,
        totals: OrderTotals {
            subtotal: m(c.subtotal),
            discount: m(c.discount),
            shipping: m(c.shipping),
            shipping_tax: m(c.shipping_tax),
            tax: m(c.line_tax + c.shipping_tax),
            total_before_cards: m(c.total_before_cards),
            gift_card_amount: card_part,
            grand_total: placed_grand,
        },
        payment: Payment {
            method: a.payment_method.clone(),
            amount: placed_grand,
            refunded: zero,
            voided: zero,
        },
        gift_cards: placed_totals.cards.iter().map(to_json).collect(),
        card_movements: movements,
        shipping_invoiced: false,
        shipping_canceled: false,
        shipping_refunded: zero,
        shipping_tax_refunded: zero,
        invoiced_total: zero,
        refunded_total: zero,
        invoices: Vec::new(),
        shipments: Vec::new(),
        memos: Vec::new(),
        cancellation: None,
        placed_at: ctx.now(),
        notes: Vec::new(),
        goodwill_cards: Vec::new(),
        completed_at: None,
        campaign_cards: Vec::new(),
    };
    if order.payment.method == "account-credit" {
        let customer = order.customer.clone().ok_or(ShopError::GuestOrder)?;
        move_credit(
            ctx,
            &customer,
            -order.payment.amount.minor(),
            &format!("order:{order_id}"),
            Some("paid an order"),
        )?;
    }
    save(ctx, &order)?;
    q.order = Some(order_id);
    ctx.put("shop_quotes", &q.id, Some(&q.store), &q)?;
    placed_view(ctx, &order)
}

/// The order view plus `movements`: the card debits placement made.
fn placed_view(ctx: &mut Ctx, o: &Order) -> Res<Json> {
    let mut v = view(ctx, o)?;
    v["movements"] = Json::Array(
        o.card_movements
            .iter()
            .filter(|m| m["event"] == "placed")
            .cloned()
            .collect(),
    );
    Ok(v)
}

/// A plugin `card-movement` with the event that made it.
pub fn tagged(m: &CardMovement, event: &str) -> Json {
    let mut m = to_json(m);
    m["event"] = json!(event);
    m
}

pub fn load(ctx: &mut Ctx, id: &str) -> Res<Order> {
    ctx.need("shop_orders", id, ShopError::UnknownOrder)
}

pub fn save(ctx: &mut Ctx, o: &Order) -> Res<()> {
    ctx.put("shop_orders", &o.id, o.customer.as_deref(), o)
}

/// Whether some of the order is still to invoice (lines or shipping).
pub fn left_to_invoice(o: &Order) -> bool {
    o.lines
        .iter()
        .any(|l| l.quantity - l.qty_invoiced - l.qty_canceled > 0)
        || (!o.shipping_invoiced && !o.shipping_canceled && o.totals.shipping.minor() != 0)
}

/// The status follows what happened: `pending` (nothing invoiced or shipped),
/// `processing`, `complete` (all invoiced and shipped), `closed` (all that was
/// invoiced is refunded and nothing is left), `canceled` (cancelled before
/// anything was invoiced).
pub fn refresh_status(o: &mut Order) -> Res<()> {
    let invoiced = o.invoiced_total.minor();
    let refunded = o.refunded_total.minor();
    let to_invoice = left_to_invoice(o);
    let to_ship = o
        .lines
        .iter()
        .any(|l| l.kind == Kind::Simple && l.quantity - l.qty_shipped - l.qty_canceled > 0);
    let started = invoiced > 0 || o.lines.iter().any(|l| l.qty_shipped > 0);
    o.status = if o.cancellation.is_some() && invoiced == 0 {
        "canceled"
    } else if !to_invoice && invoiced > 0 && refunded >= invoiced {
        "closed"
    } else if !to_invoice && !to_ship {
        "complete"
    } else if started {
        "processing"
    } else {
        "pending"
    }
    .into();
    Ok(())
}

/// The order with its invoices, shipments and credit memos.
pub fn view(ctx: &mut Ctx, o: &Order) -> Res<Json> {
    let invoices: Vec<Invoice> = ctx.list("shop_invoices", Some(&o.id))?;
    let shipments: Vec<Shipment> = ctx.list("shop_shipments", Some(&o.id))?;
    let memos: Vec<Memo> = ctx.list("shop_memos", Some(&o.id))?;
    let mut v = serde_json::to_value(o)?;
    // The plugin's name for the id too, so answers read like the hooks'.
    v["order-id"] = json!(o.id);
    let invoices: Vec<Json> = invoices
        .into_iter()
        .map(|i| {
            let mut j = serde_json::to_value(i).unwrap_or(Json::Null);
            if let Some(m) = j.as_object_mut() {
                m.remove("request");
            }
            j
        })
        .collect();
    v["invoices"] = Json::Array(invoices);
    v["shipments"] = serde_json::to_value(shipments)?;
    v["memos"] = serde_json::to_value(memos)?;
    Ok(v)
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct OrderArgs {
    /// Order id
    #[arg(long)]
    order: String,
}

pub fn show(ctx: &mut Ctx, a: OrderArgs) -> Res<Json> {
    let o = load(ctx, &a.order)?;
    view(ctx, &o)
}

pub fn list(ctx: &mut Ctx, _: super::NoArgs) -> Res<Json> {
    let orders: Vec<Order> = ctx.list("shop_orders", None)?;
    let rows: Vec<Json> = orders
        .into_iter()
        .map(|o| {
            json!({ "id": o.id, "status": o.status, "customer": o.customer, "currency": o.currency,
                    "total-before-cards": o.totals.total_before_cards.text(),
                    "gift-card-amount": o.totals.gift_card_amount.text(),
                    "grand-total": o.totals.grand_total.text(), "payment": o.payment.method,
                    "placed-at": o.placed_at })
        })
        .collect();
    Ok(json!({ "orders": rows }))
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CancelArgs {
    /// Order id
    #[arg(long)]
    order: String,
    /// Why
    #[arg(long)]
    comment: Option<String>,
}

/// Cancels what was never invoiced: the plugin restores the cards' part of it
/// (`orders.cancelled`), the host voids the rest of the payment (account
/// credit comes back to the customer) and the lines' open units. Cancelling
/// again returns the first answer.
pub fn cancel(ctx: &mut Ctx, a: CancelArgs) -> Res<Json> {
    let mut o = load(ctx, &a.order)?;
    if o.cancellation.is_some() {
        return cancelled_view(ctx, &o);
    }
    if !left_to_invoice(&o) {
        return Err(ShopError::NothingToCancel.into());
    }
    let request = CancelRequest {
        order_id: o.id.clone(),
        comment: a.comment,
    };
    let answer = ctx.plugin(|pl, s| {
        pl.giftcard_plugin_orders(&mut *s)?
            .call_cancelled(s, &request)
    })?;
    let invoices: Vec<Invoice> = ctx.list("shop_invoices", Some(&o.id))?;
    let invoiced_other: i64 = invoices.iter().map(|i| i.grand_total.minor()).sum();
    let voided = (o.payment.amount.minor() - invoiced_other).max(0);
    for l in &mut o.lines {
        l.qty_canceled = l.quantity - l.qty_invoiced;
    }
    if !o.shipping_invoiced {
        o.shipping_canceled = true;
    }
    o.payment.voided = o.payment.amount.with(voided);
    if o.payment.method == "account-credit" && voided > 0 {
        let customer = o.customer.clone().ok_or(ShopError::GuestOrder)?;
        move_credit(
            ctx,
            &customer,
            voided,
            &format!("cancel:{}", o.id),
            Some("order cancelled"),
        )?;
    }
    o.card_movements
        .extend(answer.movements.iter().map(|m| tagged(m, "canceled")));
    o.cancellation = Some(to_json(&answer));
    refresh_status(&mut o)?;
    save(ctx, &o)?;
    cancelled_view(ctx, &o)
}

/// The order view plus the plugin's `restored` and `movements`.
fn cancelled_view(ctx: &mut Ctx, o: &Order) -> Res<Json> {
    let mut v = view(ctx, o)?;
    if let Some(c) = &o.cancellation {
        v["restored"] = c["restored"].clone();
        v["movements"] = c["movements"].clone();
    }
    Ok(v)
}

/// Refuses documents on an order that was cancelled.
pub fn ensure_not_canceled(o: &Order) -> Res<()> {
    if o.cancellation.is_some() {
        return Err(Fail::Shop(ShopError::OrderState(format!(
            "order {} was cancelled",
            o.id
        ))));
    }
    Ok(())
}
