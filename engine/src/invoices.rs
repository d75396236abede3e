//! Invoice hooks. Each invoice takes `min(its eligible part, the order's
//! gift-card amount not yet invoiced)`: early invoices use the cards first, no
//! invoice ever goes below zero, and because the order's eligible total is at
//! least its gift-card amount, the parts add up to exactly that amount once
//! everything is invoiced. Paying an invoice issues the gift cards it sold.

use crate::cards::{self, CardExtras, NewCard};
use crate::db::Value;
use crate::env::Environment;
use crate::error::{Error, Result};
use crate::model::*;
use crate::movements::replay;
use crate::orders::{self, StoredOrder, check_reference};
use crate::products;
use crate::quote::{self, ParsedLines};
use crate::rates;
use crate::settings;
use crate::time::DAY;

fn fingerprint(req: &Invoice, lines: &ParsedLines) -> String {
    let parts: Vec<String> = lines
        .lines
        .iter()
        .map(|l| format!("{}x{}={}", l.id, l.quantity, l.total()))
        .collect();
    format!("{}|{}|{}", req.order_id, parts.join(","), lines.total())
}

fn parse(env: &mut dyn Environment, req: &Invoice) -> Result<(StoredOrder, ParsedLines, String)> {
    check_reference("invoice-id", &req.invoice_id)?;
    check_reference("order-id", &req.order_id)?;
    let order = orders::load(env, &req.order_id)?;
    let lines = quote::parse_lines(order.currency, &req.lines, &req.shipping, &req.shipping_tax)?;
    let print = fingerprint(req, &lines);
    Ok((order, lines, print))
}

/// Registers an invoice and its gift-card part.
pub fn collect(env: &mut dyn Environment, req: Invoice) -> Result<InvoiceGiftCards> {
    let (order, lines, print) = parse(env, &req)?;
    register(env, &req, &order, &lines, &print)
}

fn register(
    env: &mut dyn Environment,
    req: &Invoice,
    order: &StoredOrder,
    lines: &ParsedLines,
    print: &str,
) -> Result<InvoiceGiftCards> {
    if let Some(done) = replay::find(env, "invoice", &req.invoice_id, print)? {
        return Ok(done);
    }
    if order.cancelled_at.is_some() {
        return Err(Error::OrderState(format!(
            "order {} is cancelled; nothing more can be invoiced",
            order.order_id
        )));
    }
    let total = lines.total();
    if order.invoiced_total + total > order.total_before_cards {
        return Err(Error::InvalidAmount(format!(
            "the invoice ({}) is more than the order has left to invoice ({})",
            order.currency.format(total),
            order
                .currency
                .format(order.total_before_cards - order.invoiced_total)
        )));
    }
    let left = order.gift_card_amount - order.invoiced_gift_card - order.restored_gift_card;
    let part = lines.eligible(order.cards_cover_shipping).min(left).max(0);
    let now = env.now();
    env.db().execute(
        "INSERT INTO gc_invoices (invoice_id, order_id, total, gift_card_amount, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        &[
            Value::from(req.invoice_id.as_str()),
            Value::from(order.order_id.as_str()),
            Value::Integer(total),
            Value::Integer(part),
            Value::Integer(now),
        ],
    )?;
    env.db().execute(
        "UPDATE gc_orders SET invoiced_total = invoiced_total + ?1, \
         invoiced_gift_card = invoiced_gift_card + ?2 WHERE order_id = ?3",
        &[
            Value::Integer(total),
            Value::Integer(part),
            Value::from(order.order_id.as_str()),
        ],
    )?;
    let c = order.currency;
    let answer = InvoiceGiftCards {
        invoice_id: req.invoice_id.clone(),
        total_before_cards: c.format(total),
        gift_card_amount: c.format(part),
        grand_total: c.format(total - part),
        order_remaining: c.format(left - part),
    };
    replay::store(env, "invoice", &req.invoice_id, print, &answer)?;
    Ok(answer)
}

/// The invoice was paid: issue one card per gift-card unit on it.
pub fn paid(env: &mut dyn Environment, req: Invoice) -> Result<PaidInvoice> {
    let (order, lines, print) = parse(env, &req)?;
    if let Some(done) = replay::find(env, "invoice-paid", &req.invoice_id, &print)? {
        return Ok(done);
    }
    let invoice = register(env, &req, &order, &lines, &print)?;
    let settings = settings::load(env)?;
    let now = env.now();
    let rate = if lines.has_gift_card_product() {
        rates::lookup(env, order.currency, order.base_currency)?
    } else {
        None
    };
    let mut issued = Vec::new();
    for line in lines
        .lines
        .iter()
        .filter(|l| l.kind == ProductKind::GiftCard)
    {
        let value = match &rate {
            None => line.unit_price,
            Some(r) => rates::convert_half_up(line.unit_price, r),
        };
        if value <= 0 {
            return Err(Error::InvalidAmount(format!(
                "line {}: the card's value rounds to zero in {}",
                line.id,
                order.base_currency.code()
            )));
        }
        let mut purchase = line.gift_card.clone().unwrap_or_default();
        if !settings.gift_messages {
            purchase.message = None;
        }
        // A product's own validity wins; the line's, then the setting, follow.
        let product = products::find_by_sku(env, &line.sku)?;
        let days = product
            .as_ref()
            .and_then(|p| p.validity_days)
            .or(purchase.validity_days)
            .unwrap_or(settings.default_validity_days);
        let extras = CardExtras {
            recipient_name: purchase.recipient_name.clone(),
            recipient_email: purchase.recipient_email.clone(),
            purchaser_customer_id: order.customer_id.clone(),
            purchaser_email: order.customer_email.clone(),
            product_id: product.as_ref().map(|p| p.id),
            ..CardExtras::default()
        };
        let expires_at = (days > 0).then(|| now + i64::from(days) * DAY);
        let already = issued_count(env, &order.order_id, &line.id)?;
        for unit in 0..line.quantity {
            let card = cards::insert(
                env,
                NewCard {
                    code: None,
                    amount: value,
                    currency: order.base_currency,
                    expires_at,
                    customer_id: None,
                    comment: Some(format!(
                        "Bought on order {} (invoice {})",
                        order.order_id, req.invoice_id
                    )),
                    website: Some(order.website.clone()),
                    test: order.test,
                    origin: CardOrigin::Purchase,
                    order_id: Some(order.order_id.clone()),
                    order_line: Some(line.id.clone()),
                    purchase: Some(purchase.clone()),
                    reference: Some(format!(
                        "order:{}:line:{}:unit:{}",
                        order.order_id,
                        line.id,
                        already + unit + 1
                    )),
                    actor: Actor::System,
                    extras: extras.clone(),
                },
            )?;
            crate::delivery::on_issued(env, &settings, &card, &purchase)?;
            issued.push(card.to_card(now));
        }
    }
    env.db().execute(
        "UPDATE gc_invoices SET paid_at = ?1 WHERE invoice_id = ?2",
        &[Value::Integer(now), Value::from(req.invoice_id.as_str())],
    )?;
    let answer = PaidInvoice { invoice, issued };
    replay::store(env, "invoice-paid", &req.invoice_id, &print, &answer)?;
    Ok(answer)
}

/// How many cards an order line has issued so far (numbering across invoices).
fn issued_count(env: &mut dyn Environment, order_id: &str, line: &str) -> Result<i64> {
    let rows = env.db().execute(
        "SELECT COUNT(*) AS n FROM gc_cards WHERE order_id = ?1 AND order_line = ?2 \
         AND origin = 'purchase'",
        &[Value::from(order_id), Value::from(line)],
    )?;
    Ok(rows.first().map(|r| r.i64("n")).transpose()?.unwrap_or(0))
}
