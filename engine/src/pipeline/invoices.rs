//! Invoice hooks. Each invoice takes `min(its eligible part, the order's
//! gift-card amount not yet invoiced)`: early invoices use the cards first, no
//! invoice ever goes below zero, and because the order's eligible total is at
//! least its gift-card amount, the parts add up to exactly that amount once
//! everything is invoiced. Paying an invoice issues the gift cards it sold.
//!
//! An invoice is checked against the lines placement recorded (schema v5 on):
//! every line must be a placed line, unchanged (sku, kind, unit price,
//! gift-card details), for no more units, discount, tax or shipping than are
//! left, and the invoice that takes a line's last units takes exactly the rest
//! of its discount and tax. A host that sends anything else is refused with a
//! typed error before anything is written, so it can neither invoice value the
//! order never had nor buy cards the order never sold. Orders placed before
//! v5 have no recorded lines and keep the old, unchecked behaviour.
use crate::cards::movements::replay;
use crate::cards::{self, CardContext, CardExtras, NewCard};
use crate::catalog::products;
use crate::error::{Error, Result};
use crate::model::*;
use crate::money::Currency;
use crate::money::rates;
use crate::pipeline::orders::{self, OrderLine, StoredOrder, check_reference};
use crate::pipeline::quote::{self, ParsedLine, ParsedLines};
use crate::settings;
use crate::storage::db::Value;
use crate::storage::env::Environment;
use crate::storage::time::DAY;

/// What identifies an invoice for replays. Orders with recorded lines use
/// every field (a replay that changes a sku, a price or a recipient is a
/// different invoice); legacy orders keep the fingerprint their stored
/// answers were made with, so their replays still match.
fn fingerprint(req: &Invoice, order: &StoredOrder, lines: &ParsedLines) -> String {
    if !order.lines_recorded {
        let parts: Vec<String> = lines
            .lines
            .iter()
            .map(|l| format!("{}x{}={}", l.id, l.quantity, l.total()))
            .collect();
        return format!("{}|{}|{}", req.order_id, parts.join(","), lines.total());
    }
    let parts: Vec<_> = lines
        .lines
        .iter()
        .map(|l| {
            (
                &l.id,
                &l.sku,
                l.kind,
                l.quantity,
                l.unit_price,
                l.row_total,
                l.discount,
                l.tax,
                &l.gift_card,
            )
        })
        .collect();
    let json = serde_json::to_string(&(&req.order_id, parts, lines.shipping, lines.shipping_tax))
        .expect("plain records serialize");
    format!("v5:{json}")
}

fn parse(
    env: &mut dyn Environment,
    req: &mut Invoice,
) -> Result<(StoredOrder, ParsedLines, String)> {
    check_references(req)?;
    let order = orders::load(env, &req.order_id)?;
    let (lines, print) = parse_for(req, &order)?;
    Ok((order, lines, print))
}

fn check_references(req: &Invoice) -> Result<()> {
    check_reference("invoice-id", &req.invoice_id)?;
    check_reference("order-id", &req.order_id)
}

/// The invoice's lines, read in the currency of `order`, and its fingerprint.
/// The lines move out of `req` into the parsed ones (no copy): from here on
/// the parsed lines are the invoice's, and `req.lines` is left empty.
fn parse_for(req: &mut Invoice, order: &StoredOrder) -> Result<(ParsedLines, String)> {
    let lines = quote::parse_lines(
        order.context.currency,
        std::mem::take(&mut req.lines),
        &req.shipping,
        &req.shipping_tax,
    )?;
    let print = fingerprint(req, order, &lines);
    Ok((lines, print))
}

fn mismatch(line_id: &str, detail: String) -> Error {
    Error::LineNotOnOrder {
        line_id: line_id.to_owned(),
        detail,
    }
}

/// How an invoice line differs from the placed line it names, if it does.
fn differences(c: Currency, line: &ParsedLine, placed: &OrderLine) -> Vec<String> {
    let mut out = Vec::new();
    if line.sku != placed.line.sku {
        out.push(format!(
            "sku `{}` is not the placed `{}`",
            line.sku, placed.line.sku
        ));
    }
    if line.kind != placed.line.kind {
        out.push(format!(
            "kind {} is not the placed {}",
            orders::kind_name(line.kind),
            orders::kind_name(placed.line.kind)
        ));
    }
    if line.unit_price != placed.line.unit_price {
        out.push(format!(
            "unit-price {} is not the placed {}",
            c.format(line.unit_price),
            c.format(placed.line.unit_price)
        ));
    }
    if line.gift_card != placed.line.gift_card {
        out.push("gift-card details differ from the placed line's".into());
    }
    out
}

/// Checks that invoicing `quantity` units with `discount` and `tax` fits what
/// is left of the placed line: no more units, discount or tax than are left,
/// and the last units take exactly the rest of the discount and tax (so the
/// invoices of a line add up to the line, never to more or less).
fn check_take(
    c: Currency,
    placed: &OrderLine,
    quantity: i64,
    discount: i64,
    tax: i64,
) -> Result<()> {
    let left = placed.left_to_invoice();
    if quantity > left {
        return Err(Error::QuantityExceedsOrder {
            line_id: placed.line.id.clone(),
            requested: i32::try_from(quantity).unwrap_or(i32::MAX),
            available: u32::try_from(left.max(0)).unwrap_or(u32::MAX),
        });
    }
    let last = quantity == left;
    for (field, given, total, done) in [
        (
            "discount",
            discount,
            placed.line.discount,
            placed.invoiced_discount,
        ),
        ("tax", tax, placed.line.tax, placed.invoiced_tax),
    ] {
        let rest = total - done;
        if given > rest {
            return Err(mismatch(
                &placed.line.id,
                format!(
                    "{field} {} is more than the {} left on the placed line",
                    c.format(given),
                    c.format(rest)
                ),
            ));
        }
        if last && given != rest {
            return Err(mismatch(
                &placed.line.id,
                format!(
                    "the invoice taking the line's last units takes the rest of its {field}, {}, not {}",
                    c.format(rest),
                    c.format(given)
                ),
            ));
        }
    }
    Ok(())
}

/// Checks every line and the shipping of an invoice against the recorded
/// order (its placed lines as `placed` when the caller has read them
/// already); returns each invoice line with the placed line it takes from.
fn check_against_order<'a>(
    env: &mut dyn Environment,
    order: &StoredOrder,
    lines: &'a ParsedLines,
    placed: Option<&[OrderLine]>,
) -> Result<Vec<(&'a ParsedLine, OrderLine)>> {
    let c = order.context.currency;
    let read;
    let placed = match placed {
        Some(placed) => placed,
        None => {
            read = orders::order_lines(env, &order.order_id)?;
            &read
        }
    };
    let mut takes = Vec::with_capacity(lines.lines.len());
    for line in &lines.lines {
        let Some(p) = placed.iter().find(|p| p.line.id == line.id) else {
            return Err(mismatch(
                &line.id,
                format!("not a line of order {}", order.order_id),
            ));
        };
        let differs = differences(c, line, p);
        if !differs.is_empty() {
            return Err(mismatch(&line.id, differs.join("; ")));
        }
        check_take(c, p, line.quantity, line.discount, line.tax)?;
        takes.push((line, p.clone()));
    }
    for (field, given, total, done) in [
        (
            "shipping",
            lines.shipping,
            order.shipping,
            order.invoiced_shipping,
        ),
        (
            "shipping-tax",
            lines.shipping_tax,
            order.shipping_tax,
            order.invoiced_shipping_tax,
        ),
    ] {
        if given > total - done {
            return Err(Error::InvalidAmount(format!(
                "{field}: {} is more than the {} of the order's {field} left to invoice",
                c.format(given),
                c.format(total - done)
            )));
        }
    }
    Ok(takes)
}

/// Adds what an invoice takes to its placed line, only if the line still
/// allows it (a guarded update: a concurrent invoice cannot slip past the
/// check); otherwise the typed error a fresh check gives.
fn record_take(env: &mut dyn Environment, order: &StoredOrder, line: &ParsedLine) -> Result<()> {
    let rows = env.db().execute(
        "UPDATE gc_order_lines SET invoiced_quantity = invoiced_quantity + ?1, \
         invoiced_discount = invoiced_discount + ?2, invoiced_tax = invoiced_tax + ?3 \
         WHERE order_id = ?4 AND line_id = ?5 AND invoiced_quantity + ?1 <= quantity \
         AND invoiced_discount + ?2 <= discount AND invoiced_tax + ?3 <= tax \
         AND (invoiced_quantity + ?1 < quantity \
              OR (invoiced_discount + ?2 = discount AND invoiced_tax + ?3 = tax)) \
         RETURNING invoiced_quantity",
        &[
            Value::Integer(line.quantity),
            Value::Integer(line.discount),
            Value::Integer(line.tax),
            Value::from(order.order_id.as_str()),
            Value::from(line.id.as_str()),
        ],
    )?;
    if rows.first().is_some() {
        return Ok(());
    }
    let fresh = orders::order_line(env, &order.order_id, &line.id)?;
    check_take(
        order.context.currency,
        &fresh,
        line.quantity,
        line.discount,
        line.tax,
    )?;
    Err(Error::Database(format!(
        "order line {} changed while invoice lines were recorded",
        line.id
    )))
}

/// Registers an invoice and its gift-card part.
pub fn collect(env: &mut dyn Environment, mut req: Invoice) -> Result<InvoiceGiftCards> {
    let (order, lines, print) = parse(env, &mut req)?;
    Ok(register(env, &req, &order, &lines, &print, None)?.answer)
}

/// What [`paid`] has read already, so the registration it makes on the way
/// does not read it again. With it, [`register`] writes a new invoice as
/// paid already and leaves its answer for `paid` to store with its own, so
/// that paying an invoice nobody collected costs two statements fewer.
struct ReadForPaid<'a> {
    /// The recorded order's placed lines (as for [`check_against_order`]).
    placed: &'a [OrderLine],
    /// The stored answers of both hooks for this invoice.
    known: &'a replay::Known,
}

/// What [`register`] answered.
struct Registered {
    answer: InvoiceGiftCards,
    /// Written by this call, as paid and with its answer not yet stored
    /// (only when [`paid`] registered it).
    unstored: bool,
}

/// [`collect`]'s work once the invoice is parsed.
fn register(
    env: &mut dyn Environment,
    req: &Invoice,
    order: &StoredOrder,
    lines: &ParsedLines,
    print: &str,
    read: Option<ReadForPaid<'_>>,
) -> Result<Registered> {
    let (hook, reference, id) = ("invoice", req.invoice_id.as_str(), order.order_id.as_str());
    let done = match &read {
        Some(read) => read.known.find_any(env, hook, reference, &[print], id)?,
        None => replay::find(env, hook, reference, print, id)?,
    };
    if let Some(answer) = done {
        return Ok(Registered {
            answer,
            unstored: false,
        });
    }
    let for_paid = read.is_some();
    let placed = read.map(|read| read.placed);
    if order.cancelled_at.is_some() {
        return Err(Error::OrderState(format!(
            "order {} is cancelled; nothing more can be invoiced",
            order.order_id
        )));
    }
    let takes = if order.lines_recorded {
        check_against_order(env, order, lines, placed)?
    } else {
        Vec::new()
    };
    let total = lines.total();
    if order.invoiced_total + total > order.total_before_cards {
        return Err(Error::InvalidAmount(format!(
            "the invoice ({}) is more than the order has left to invoice ({})",
            order.context.currency.format(total),
            order
                .context
                .currency
                .format(order.total_before_cards - order.invoiced_total)
        )));
    }
    let left = order.gift_card_amount - order.invoiced_gift_card - order.restored_gift_card;
    let part = lines.eligible(order.cards_cover_shipping).min(left).max(0);
    let (shipping, shipping_tax) = if order.lines_recorded {
        (lines.shipping, lines.shipping_tax)
    } else {
        (0, 0)
    };
    // Guarded on what the part was worked out from: an invoice or a
    // cancellation committed meanwhile would make it wrong.
    let updated = env.db().execute(
        "UPDATE gc_orders SET invoiced_total = invoiced_total + ?1, \
         invoiced_gift_card = invoiced_gift_card + ?2, \
         invoiced_shipping = invoiced_shipping + ?3, \
         invoiced_shipping_tax = invoiced_shipping_tax + ?4 \
         WHERE order_id = ?5 AND invoiced_total = ?6 AND invoiced_gift_card = ?7 \
         AND restored_gift_card = ?8 AND cancelled_at IS NULL \
         AND (lines_recorded = 0 OR (invoiced_shipping + ?3 <= shipping \
              AND invoiced_shipping_tax + ?4 <= shipping_tax)) \
         RETURNING order_id",
        &[
            Value::Integer(total),
            Value::Integer(part),
            Value::Integer(shipping),
            Value::Integer(shipping_tax),
            Value::from(order.order_id.as_str()),
            Value::Integer(order.invoiced_total),
            Value::Integer(order.invoiced_gift_card),
            Value::Integer(order.restored_gift_card),
        ],
    )?;
    if updated.first().is_none() {
        return Err(Error::OrderState(format!(
            "order {} changed while invoice {} was registered; send it again",
            order.order_id, req.invoice_id
        )));
    }
    for (line, _) in &takes {
        record_take(env, order, line)?;
    }
    let now = env.now();
    env.db().execute(
        "INSERT INTO gc_invoices (invoice_id, order_id, total, gift_card_amount, created_at, \
         paid_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[
            Value::from(req.invoice_id.as_str()),
            Value::from(order.order_id.as_str()),
            Value::Integer(total),
            Value::Integer(part),
            Value::Integer(now),
            if for_paid {
                Value::Integer(now)
            } else {
                Value::Null
            },
        ],
    )?;
    let c = order.context.currency;
    let answer = InvoiceGiftCards {
        invoice_id: req.invoice_id.clone(),
        total_before_cards: Money::of(total, c),
        gift_card_amount: Money::of(part, c),
        grand_total: Money::of(total - part, c),
        order_remaining: Money::of(left - part, c),
    };
    if !for_paid {
        replay::store(env, "invoice", &req.invoice_id, print, &answer)?;
    }
    Ok(Registered {
        answer,
        unstored: for_paid,
    })
}

/// A gift-card line being paid for: what each of its cards is worth (order
/// currency) and what the buyer chose, and how many cards it issues now.
struct Bought {
    line_id: String,
    sku: String,
    quantity: i64,
    unit_price: i64,
    purchase: GiftCardPurchase,
}

/// The gift-card lines of a paid invoice. For a recorded order the value
/// and the purchase details come from the placed line, never from the
/// invoice's copy: the host cannot raise a card's value or redirect it to
/// another recipient after the order was placed. `placed` is the recorded
/// order's placed lines (only the unchanging part of each is read).
fn bought_lines(
    order: &StoredOrder,
    lines: &ParsedLines,
    placed: &[OrderLine],
) -> Result<Vec<Bought>> {
    if !order.lines_recorded {
        return Ok(lines
            .lines
            .iter()
            .filter(|l| l.kind == ProductKind::GiftCard)
            .map(|l| Bought {
                line_id: l.id.clone(),
                sku: l.sku.clone(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                purchase: l.gift_card.clone().unwrap_or_default(),
            })
            .collect());
    }
    let mut out = Vec::new();
    for line in &lines.lines {
        // Registration checked every line; a replayed registration had the
        // same fingerprint, so the same lines.
        let p = placed
            .iter()
            .find(|p| p.line.id == line.id)
            .ok_or_else(|| mismatch(&line.id, format!("not a line of order {}", order.order_id)))?;
        if p.line.kind != ProductKind::GiftCard {
            continue;
        }
        out.push(Bought {
            line_id: p.line.id.clone(),
            sku: p.line.sku.clone(),
            quantity: line.quantity,
            unit_price: p.line.unit_price,
            purchase: p.line.gift_card.clone().unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Refuses to issue cards nothing is owed for any more: an invoice
/// registered by `collect` and paid only later may meet an order that was
/// cancelled meanwhile, or gift-card units a credit memo has refunded
/// meanwhile. A line may hold at most as many live cards (issued and not
/// disabled: a refund disables the unused ones) as it has invoiced units
/// not refunded; issuing more would give out value twice, once as the
/// refund and once as the card.
fn check_still_owed(
    env: &mut dyn Environment,
    order: &StoredOrder,
    bought: &[Bought],
) -> Result<()> {
    if bought.is_empty() {
        return Ok(());
    }
    if order.cancelled_at.is_some() {
        return Err(Error::OrderState(format!(
            "order {} is cancelled: the gift cards it bought are not issued",
            order.order_id
        )));
    }
    if !order.lines_recorded {
        return Ok(());
    }
    for line in bought {
        let placed = orders::order_line(env, &order.order_id, &line.line_id)?;
        let rows = env.db().execute(
            "SELECT COUNT(*) AS n FROM gc_cards WHERE order_id = ?1 AND order_line = ?2 \
             AND origin = 'purchase' AND status <> 'disabled'",
            &[
                Value::from(order.order_id.as_str()),
                Value::from(line.line_id.as_str()),
            ],
        )?;
        let live = rows.first_i64_or_zero("n")?;
        let owed = placed.invoiced_quantity - placed.refunded_quantity - live;
        if line.quantity > owed {
            return Err(Error::OrderState(format!(
                "line {}: {} unit(s) of it were refunded before this invoice was paid, so \
                 {} of its {} card(s) may still be issued",
                line.line_id,
                placed.refunded_quantity,
                owed.max(0),
                line.quantity
            )));
        }
    }
    Ok(())
}

/// The invoice was paid: issue one card per gift-card unit on it.
pub fn paid(env: &mut dyn Environment, mut req: Invoice) -> Result<PaidInvoice> {
    check_references(&req)?;
    // The order with its placed lines, read once for the registration's
    // checks and the cards' details.
    let (order, placed) = orders::load_with_lines(env, &req.order_id)?;
    let (lines, print) = parse_for(&mut req, &order)?;
    let known = replay::Known::read(env, &["invoice-paid", "invoice"], &req.invoice_id)?;
    let id = order.order_id.as_str();
    if let Some(done) = known.find_any(env, "invoice-paid", &req.invoice_id, &[&print], id)? {
        return Ok(done);
    }
    let read = ReadForPaid {
        placed: &placed,
        known: &known,
    };
    let registered = register(env, &req, &order, &lines, &print, Some(read))?;
    let invoice = registered.answer;
    let bought = bought_lines(&order, &lines, &placed)?;
    check_still_owed(env, &order, &bought)?;
    let settings = settings::load(env)?;
    let now = env.now();
    let rate = if bought.is_empty() {
        None
    } else {
        rates::lookup(env, order.context.currency, order.context.base_currency)?
    };
    let mut issued = Vec::new();
    for line in &bought {
        let value = match &rate {
            None => line.unit_price,
            Some(r) => rates::convert_half_up(line.unit_price, r),
        };
        if value <= 0 {
            return Err(Error::InvalidAmount(format!(
                "line {}: the card's value rounds to zero in {}",
                line.line_id,
                order.context.base_currency.code()
            )));
        }
        let mut purchase = line.purchase.clone();
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
            purchaser_customer_id: order.context.customer_id.clone(),
            purchaser_email: order.context.customer_email.clone(),
            product_id: product.as_ref().map(|p| p.id),
            ..CardExtras::default()
        };
        let expires_at = (days > 0).then(|| now + i64::from(days) * DAY);
        let already = issued_count(env, &order.order_id, &line.line_id)?;
        for unit in 0..line.quantity {
            let card = cards::insert(
                env,
                NewCard {
                    code: None,
                    amount: value,
                    currency: order.context.base_currency,
                    expires_at,
                    context: CardContext {
                        order_line: Some(line.line_id.clone()),
                        purchase: Some(purchase.clone()),
                        ..order.card_context(
                            CardOrigin::Purchase,
                            format!(
                                "Bought on order {} (invoice {})",
                                order.order_id, req.invoice_id
                            ),
                        )
                    },
                    reference: Some(format!(
                        "order:{}:line:{}:unit:{}",
                        order.order_id,
                        line.line_id,
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
    let answer = PaidInvoice { invoice, issued };
    let paid_json = replay::json_of(&answer);
    if registered.unstored {
        let invoice_json = replay::json_of(&answer.invoice);
        let answers = [("invoice", invoice_json), ("invoice-paid", paid_json)];
        replay::store_all(env, &req.invoice_id, &print, &answers)?;
    } else {
        env.db().execute(
            "UPDATE gc_invoices SET paid_at = ?1 WHERE invoice_id = ?2",
            &[Value::Integer(now), Value::from(req.invoice_id.as_str())],
        )?;
        replay::store_all(env, &req.invoice_id, &print, &[("invoice-paid", paid_json)])?;
    }
    Ok(answer)
}

/// How many cards an order line has issued so far (numbering across invoices).
fn issued_count(env: &mut dyn Environment, order_id: &str, line: &str) -> Result<i64> {
    let rows = env.db().execute(
        "SELECT COUNT(*) AS n FROM gc_cards WHERE order_id = ?1 AND order_line = ?2 \
         AND origin = 'purchase'",
        &[Value::from(order_id), Value::from(line)],
    )?;
    Ok(rows.first_i64_or_zero("n")?)
}

#[cfg(all(test, feature = "sqlite"))]
mod tests;
