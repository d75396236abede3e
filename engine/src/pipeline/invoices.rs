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
use crate::cards::{self, CardExtras, NewCard};
use crate::db::Value;
use crate::env::Environment;
use crate::error::{Error, Result};
use crate::model::*;
use crate::money::Currency;
use crate::movements::replay;
use crate::orders::{self, OrderLine, StoredOrder, check_reference};
use crate::products;
use crate::quote::{self, ParsedLine, ParsedLines};
use crate::rates;
use crate::settings;
use crate::time::DAY;

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

fn parse(env: &mut dyn Environment, req: &Invoice) -> Result<(StoredOrder, ParsedLines, String)> {
    check_reference("invoice-id", &req.invoice_id)?;
    check_reference("order-id", &req.order_id)?;
    let order = orders::load(env, &req.order_id)?;
    let lines = quote::parse_lines(order.currency, &req.lines, &req.shipping, &req.shipping_tax)?;
    let print = fingerprint(req, &order, &lines);
    Ok((order, lines, print))
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
    if line.sku != placed.sku {
        out.push(format!(
            "sku `{}` is not the placed `{}`",
            line.sku, placed.sku
        ));
    }
    if line.kind != placed.kind {
        out.push(format!(
            "kind {} is not the placed {}",
            orders::kind_name(line.kind),
            orders::kind_name(placed.kind)
        ));
    }
    if line.unit_price != placed.unit_price {
        out.push(format!(
            "unit-price {} is not the placed {}",
            c.format(line.unit_price),
            c.format(placed.unit_price)
        ));
    }
    if line.gift_card != placed.gift_card {
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
            line_id: placed.line_id.clone(),
            requested: i32::try_from(quantity).unwrap_or(i32::MAX),
            available: u32::try_from(left.max(0)).unwrap_or(u32::MAX),
        });
    }
    let last = quantity == left;
    for (field, given, total, done) in [
        (
            "discount",
            discount,
            placed.discount,
            placed.invoiced_discount,
        ),
        ("tax", tax, placed.tax, placed.invoiced_tax),
    ] {
        let rest = total - done;
        if given > rest {
            return Err(mismatch(
                &placed.line_id,
                format!(
                    "{field} {} is more than the {} left on the placed line",
                    c.format(given),
                    c.format(rest)
                ),
            ));
        }
        if last && given != rest {
            return Err(mismatch(
                &placed.line_id,
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
/// order; returns each invoice line with the placed line it takes from.
fn check_against_order<'a>(
    env: &mut dyn Environment,
    order: &StoredOrder,
    lines: &'a ParsedLines,
) -> Result<Vec<(&'a ParsedLine, OrderLine)>> {
    let c = order.currency;
    let placed = orders::order_lines(env, &order.order_id)?;
    let mut takes = Vec::with_capacity(lines.lines.len());
    for line in &lines.lines {
        let Some(p) = placed.iter().find(|p| p.line_id == line.id) else {
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
        order.currency,
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
    let takes = if order.lines_recorded {
        check_against_order(env, order, lines)?
    } else {
        Vec::new()
    };
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
/// another recipient after the order was placed.
fn bought_lines(
    env: &mut dyn Environment,
    order: &StoredOrder,
    lines: &ParsedLines,
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
    let placed = orders::order_lines(env, &order.order_id)?;
    let mut out = Vec::new();
    for line in &lines.lines {
        // Registration checked every line; a replayed registration had the
        // same fingerprint, so the same lines.
        let p = placed
            .iter()
            .find(|p| p.line_id == line.id)
            .ok_or_else(|| mismatch(&line.id, format!("not a line of order {}", order.order_id)))?;
        if p.kind != ProductKind::GiftCard {
            continue;
        }
        out.push(Bought {
            line_id: p.line_id.clone(),
            sku: p.sku.clone(),
            quantity: line.quantity,
            unit_price: p.unit_price,
            purchase: p.gift_card.clone().unwrap_or_default(),
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
        let live = rows.first().map(|r| r.i64("n")).transpose()?.unwrap_or(0);
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
pub fn paid(env: &mut dyn Environment, req: Invoice) -> Result<PaidInvoice> {
    let (order, lines, print) = parse(env, &req)?;
    if let Some(done) = replay::find(env, "invoice-paid", &req.invoice_id, &print)? {
        return Ok(done);
    }
    let invoice = register(env, &req, &order, &lines, &print)?;
    let bought = bought_lines(env, &order, &lines)?;
    check_still_owed(env, &order, &bought)?;
    let settings = settings::load(env)?;
    let now = env.now();
    let rate = if bought.is_empty() {
        None
    } else {
        rates::lookup(env, order.currency, order.base_currency)?
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
                order.base_currency.code()
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
            purchaser_customer_id: order.customer_id.clone(),
            purchaser_email: order.customer_email.clone(),
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
                    order_line: Some(line.line_id.clone()),
                    purchase: Some(purchase.clone()),
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

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use crate::orders::tests::{invoice_request, line, make_legacy, memo_request, place};
    use crate::sqlite::NativeEnv;
    use crate::*;

    const T0: i64 = 1_790_000_000;

    fn card(env: &mut NativeEnv, amount: &str) -> Card {
        env.call(|e| api::create_card(e, CreateCard::new(Money::new(amount, "USD"), "admin")))
            .unwrap()
    }

    fn course() -> Line {
        line("1", "COURSE", ProductKind::Digital, 1, "100", "0", "0")
    }

    fn gift_line(quantity: i32) -> Line {
        line("g", "GC", ProductKind::GiftCard, quantity, "25", "0", "0")
    }

    fn collect(env: &mut NativeEnv, req: Invoice) -> Result<InvoiceGiftCards> {
        env.call(|e| api::invoice_collect(e, req))
    }

    fn paid(env: &mut NativeEnv, req: Invoice) -> Result<PaidInvoice> {
        env.call(|e| api::invoice_paid(e, req))
    }

    /// Calls `f`, which must fail; nothing may have been written.
    fn refused<T: std::fmt::Debug>(
        env: &mut NativeEnv,
        f: impl FnOnce(&mut NativeEnv) -> Result<T>,
    ) -> Error {
        let before = env.dump();
        let err = f(env).unwrap_err();
        assert_eq!(env.dump(), before, "{err:?} wrote something");
        err
    }

    fn detail(err: &Error) -> (&str, &str) {
        match err {
            Error::LineNotOnOrder { line_id, detail } => (line_id, detail),
            other => panic!("not line-not-on-order: {other:?}"),
        }
    }

    /// An invoice registered by `collect` and paid later issues no card that
    /// is no longer owed: not after the order was cancelled, not for units a
    /// memo refunded meanwhile (unless the refund disabled an unused card
    /// instead), and the refusal writes nothing.
    #[test]
    fn cards_refunded_or_cancelled_before_payment_are_not_issued() {
        let mut env = NativeEnv::in_memory(T0, 3);
        place(&mut env, "O-1", vec![gift_line(2)], "0", "0", &[]);
        let first = line("g", "GC", ProductKind::GiftCard, 1, "25", "0", "0");
        let issued = paid(
            &mut env,
            invoice_request("I-1", "O-1", vec![first.clone()], "0"),
        )
        .unwrap();
        assert_eq!(issued.issued.len(), 1);
        // The first card is spent, so a refund of one unit cannot disable it.
        let spent = &issued.issued[0];
        env.call(|e| {
            api::adjust_balance(
                e,
                AdjustBalance {
                    card: CardRef::Id(spent.id),
                    amount: Money::new("-25", "USD"),
                    comment: "spent in store".into(),
                    admin_user: "a".into(),
                    reference: None,
                },
            )
        })
        .unwrap();
        collect(
            &mut env,
            invoice_request("I-2", "O-1", vec![first.clone()], "0"),
        )
        .unwrap();
        env.call(|e| {
            api::memo_refunded(
                e,
                memo_request(
                    "M-1",
                    "O-1",
                    "25",
                    &[("g", 1)],
                    RefundDestination::OriginalCards,
                ),
            )
        })
        .unwrap();
        let err = refused(&mut env, |env| {
            paid(env, invoice_request("I-2", "O-1", vec![first.clone()], "0"))
        });
        assert!(
            matches!(&err, Error::OrderState(m) if m.contains("refunded")),
            "{err:?}"
        );

        // Had the refund disabled an unused card, the unit is still owed.
        place(&mut env, "O-2", vec![gift_line(2)], "0", "0", &[]);
        paid(
            &mut env,
            invoice_request("I-3", "O-2", vec![first.clone()], "0"),
        )
        .unwrap();
        collect(
            &mut env,
            invoice_request("I-4", "O-2", vec![first.clone()], "0"),
        )
        .unwrap();
        let split = env
            .call(|e| {
                api::memo_refunded(
                    e,
                    memo_request(
                        "M-2",
                        "O-2",
                        "25",
                        &[("g", 1)],
                        RefundDestination::OriginalCards,
                    ),
                )
            })
            .unwrap();
        assert_eq!(split.disabled_cards.len(), 1);
        let late = paid(
            &mut env,
            invoice_request("I-4", "O-2", vec![first.clone()], "0"),
        )
        .unwrap();
        assert_eq!(late.issued.len(), 1);

        // After a cancellation nothing more is issued.
        place(&mut env, "O-3", vec![gift_line(1)], "0", "0", &[]);
        collect(
            &mut env,
            invoice_request("I-5", "O-3", vec![first.clone()], "0"),
        )
        .unwrap();
        env.call(|e| {
            api::order_cancelled(
                e,
                CancelRequest {
                    order_id: "O-3".into(),
                    comment: None,
                },
            )
        })
        .unwrap();
        let err = refused(&mut env, |env| {
            paid(env, invoice_request("I-5", "O-3", vec![first.clone()], "0"))
        });
        assert!(
            matches!(&err, Error::OrderState(m) if m.contains("cancelled")),
            "{err:?}"
        );
    }

    /// The reproduction: an order paid wholly by a card; `paid` with a
    /// gift-card line that was never ordered would have issued a 100.00 card,
    /// and a memo would then have counted that 100.00 as other payment.
    #[test]
    fn a_fabricated_gift_card_line_is_refused() {
        let mut env = NativeEnv::in_memory(T0, 3);
        let paying = card(&mut env, "100");
        place(&mut env, "O-1", vec![course()], "0", "0", &[&paying.code]);
        let fake = line("99", "GC", ProductKind::GiftCard, 1, "100", "0", "0");
        for lines in [vec![fake.clone()], vec![course(), fake.clone()]] {
            let err = refused(&mut env, |env| {
                paid(env, invoice_request("I-1", "O-1", lines, "0"))
            });
            let (id, text) = detail(&err);
            assert_eq!(id, "99");
            assert!(text.contains("not a line of order O-1"), "{text}");
        }
        let err = refused(&mut env, |env| {
            collect(env, invoice_request("I-1", "O-1", vec![fake], "0"))
        });
        assert_eq!(detail(&err).0, "99");
        // The true invoice issues nothing and is paid wholly by the card; the
        // memo refunding the order gives it all back to the card.
        let real = paid(&mut env, invoice_request("I-1", "O-1", vec![course()], "0")).unwrap();
        assert!(real.issued.is_empty());
        assert_eq!(real.invoice.grand_total, "0.00");
        let split = env
            .call(|e| {
                api::memo_refunded(
                    e,
                    memo_request(
                        "M-1",
                        "O-1",
                        "100",
                        &[("1", 1)],
                        RefundDestination::OriginalCards,
                    ),
                )
            })
            .unwrap();
        assert_eq!(
            (split.gift_card_amount.as_str(), split.other_amount.as_str()),
            ("100.00", "0.00")
        );
        let count = env
            .call(|e| api::list_cards(e, ListCards::default()))
            .unwrap()
            .total;
        assert_eq!(count, 1, "no card was ever issued");
    }

    #[test]
    fn a_changed_line_is_refused_naming_what_differs() {
        let mut env = NativeEnv::in_memory(T0, 3);
        place(&mut env, "O-1", vec![course(), gift_line(2)], "0", "0", &[]);
        let mut sku = course();
        sku.sku = "COURSE-PRO".into();
        let mut kind = course();
        kind.kind = ProductKind::Simple;
        let price = line("1", "COURSE", ProductKind::Digital, 1, "99.99", "0", "0");
        let mut recipient = gift_line(1);
        recipient.gift_card.as_mut().unwrap().recipient_email = Some("mallory@example.com".into());
        let mut message = gift_line(1);
        message.gift_card.as_mut().unwrap().message = None;
        let mut everything = line("1", "OTHER", ProductKind::Simple, 1, "1", "0", "0");
        everything.gift_card = None;
        for (changed, wanted) in [
            (sku, vec!["sku `COURSE-PRO` is not the placed `COURSE`"]),
            (kind, vec!["kind simple is not the placed digital"]),
            (price, vec!["unit-price 99.99 is not the placed 100.00"]),
            (recipient, vec!["gift-card details differ"]),
            (message, vec!["gift-card details differ"]),
            (
                everything,
                vec![
                    "sku `OTHER`",
                    "kind simple",
                    "unit-price 1.00 is not the placed 100.00",
                ],
            ),
        ] {
            let err = refused(&mut env, |env| {
                paid(
                    env,
                    invoice_request("I-1", "O-1", vec![changed.clone()], "0"),
                )
            });
            let (id, text) = detail(&err);
            assert_eq!(id, changed.id);
            for w in wanted {
                assert!(text.contains(w), "{text:?} lacks {w:?}");
            }
        }
        // A digital line passed off as a gift-card product would buy cards.
        let mut as_gift = course();
        as_gift.kind = ProductKind::GiftCard;
        let err = refused(&mut env, |env| {
            paid(env, invoice_request("I-1", "O-1", vec![as_gift], "0"))
        });
        assert!(
            detail(&err)
                .1
                .contains("kind gift-card is not the placed digital")
        );
    }

    #[test]
    fn units_beyond_what_is_left_to_invoice_are_refused() {
        let mut env = NativeEnv::in_memory(T0, 3);
        place(
            &mut env,
            "O-1",
            vec![line("1", "BOOK", ProductKind::Simple, 3, "10", "0", "0")],
            "0",
            "0",
            &[],
        );
        let books = |q: i32| line("1", "BOOK", ProductKind::Simple, q, "10", "0", "0");
        let err = refused(&mut env, |env| {
            collect(env, invoice_request("I-1", "O-1", vec![books(4)], "0"))
        });
        assert_eq!(
            err,
            Error::QuantityExceedsOrder {
                line_id: "1".into(),
                requested: 4,
                available: 3
            }
        );
        collect(&mut env, invoice_request("I-1", "O-1", vec![books(2)], "0")).unwrap();
        let err = refused(&mut env, |env| {
            paid(env, invoice_request("I-2", "O-1", vec![books(2)], "0"))
        });
        assert_eq!(
            err,
            Error::QuantityExceedsOrder {
                line_id: "1".into(),
                requested: 2,
                available: 1
            }
        );
        paid(&mut env, invoice_request("I-2", "O-1", vec![books(1)], "0")).unwrap();
        let err = refused(&mut env, |env| {
            paid(env, invoice_request("I-3", "O-1", vec![books(1)], "0"))
        });
        assert!(
            matches!(err, Error::QuantityExceedsOrder { available: 0, .. }),
            "{err:?}"
        );
        // A replay of a registered invoice still returns its first answer.
        let before = env.dump();
        let again = collect(&mut env, invoice_request("I-1", "O-1", vec![books(2)], "0")).unwrap();
        assert_eq!(again.total_before_cards, "20.00");
        assert_eq!(env.dump(), before);
        let lines = env.call(|e| orders::order_lines(e, "O-1")).unwrap();
        assert_eq!(lines[0].invoiced_quantity, 3);
    }

    #[test]
    fn partial_invoices_take_the_line_s_discount_and_tax_exactly() {
        let mut env = NativeEnv::in_memory(T0, 3);
        // 3 × 10.00, discount 1.00, tax 2.00: the shop pro-rates cumulatively,
        // 0.33 + 0.34 + 0.33 and 0.67 + 0.66 + 0.67.
        place(
            &mut env,
            "O-1",
            vec![line("1", "BOOK", ProductKind::Simple, 3, "10", "1", "2")],
            "0",
            "0",
            &[],
        );
        let part = |q: i32, d: &str, t: &str| line("1", "BOOK", ProductKind::Simple, q, "10", d, t);
        let err = refused(&mut env, |env| {
            collect(
                env,
                invoice_request("I-1", "O-1", vec![part(1, "1.01", "0")], "0"),
            )
        });
        assert!(
            detail(&err)
                .1
                .contains("discount 1.01 is more than the 1.00 left"),
            "{err:?}"
        );
        let err = refused(&mut env, |env| {
            collect(
                env,
                invoice_request("I-1", "O-1", vec![part(3, "1", "1.99")], "0"),
            )
        });
        assert!(
            detail(&err)
                .1
                .contains("takes the rest of its tax, 2.00, not 1.99"),
            "{err:?}"
        );
        let first = collect(
            &mut env,
            invoice_request("I-1", "O-1", vec![part(1, "0.33", "0.67")], "0"),
        )
        .unwrap();
        assert_eq!(first.total_before_cards, "10.34");
        collect(
            &mut env,
            invoice_request("I-2", "O-1", vec![part(1, "0.34", "0.66")], "0"),
        )
        .unwrap();
        // The last unit must take exactly what is left: 0.33 and 0.67.
        let err = refused(&mut env, |env| {
            collect(
                env,
                invoice_request("I-3", "O-1", vec![part(1, "0", "0.67")], "0"),
            )
        });
        assert!(
            detail(&err)
                .1
                .contains("rest of its discount, 0.33, not 0.00"),
            "{err:?}"
        );
        let err = refused(&mut env, |env| {
            collect(
                env,
                invoice_request("I-3", "O-1", vec![part(1, "0.33", "0.68")], "0"),
            )
        });
        assert!(
            detail(&err)
                .1
                .contains("tax 0.68 is more than the 0.67 left"),
            "{err:?}"
        );
        collect(
            &mut env,
            invoice_request("I-3", "O-1", vec![part(1, "0.33", "0.67")], "0"),
        )
        .unwrap();
        let order = env.call(|e| orders::load(e, "O-1")).unwrap();
        assert_eq!(order.invoiced_total, order.total_before_cards);
        let l = &env.call(|e| orders::order_lines(e, "O-1")).unwrap()[0];
        assert_eq!(
            (l.invoiced_quantity, l.invoiced_discount, l.invoiced_tax),
            (3, 100, 200)
        );
    }

    #[test]
    fn shipping_beyond_the_order_s_is_refused() {
        let mut env = NativeEnv::in_memory(T0, 3);
        place(&mut env, "O-1", vec![course()], "5", "1", &[]);
        let with = |id: &str, shipping: &str, tax: &str| {
            let mut req = invoice_request(id, "O-1", vec![], shipping);
            req.shipping_tax = tax.into();
            req
        };
        let err = refused(&mut env, |env| collect(env, with("I-1", "5.01", "0")));
        assert!(
            matches!(&err, Error::InvalidAmount(m) if m.contains("shipping: 5.01 is more than the 5.00")),
            "{err:?}"
        );
        let err = refused(&mut env, |env| collect(env, with("I-1", "0", "1.01")));
        assert!(
            matches!(&err, Error::InvalidAmount(m) if m.starts_with("shipping-tax: 1.01")),
            "{err:?}"
        );
        collect(&mut env, with("I-1", "3", "0.50")).unwrap();
        let err = refused(&mut env, |env| collect(env, with("I-2", "2.01", "0")));
        assert!(matches!(err, Error::InvalidAmount(_)), "{err:?}");
        collect(&mut env, with("I-2", "2", "0.50")).unwrap();
        let order = env.call(|e| orders::load(e, "O-1")).unwrap();
        assert_eq!(
            (order.invoiced_shipping, order.invoiced_shipping_tax),
            (500, 100)
        );
    }

    #[test]
    fn bought_cards_come_from_the_placed_line() {
        let mut env = NativeEnv::in_memory(T0, 3);
        place(&mut env, "O-1", vec![gift_line(2)], "0", "0", &[]);
        collect(
            &mut env,
            invoice_request("I-1", "O-1", vec![gift_line(1)], "0"),
        )
        .unwrap();
        // Paying the registered invoice with other purchase details is
        // another invoice under the same id: refused, no card issued.
        let mut redirected = gift_line(1);
        redirected.gift_card.as_mut().unwrap().recipient_email = Some("mallory@example.com".into());
        let err = refused(&mut env, |env| {
            paid(
                env,
                invoice_request("I-1", "O-1", vec![redirected.clone()], "0"),
            )
        });
        assert!(
            matches!(&err, Error::InvalidArgument(m) if m.contains("I-1")),
            "{err:?}"
        );
        let err = refused(&mut env, |env| {
            paid(env, invoice_request("I-2", "O-1", vec![redirected], "0"))
        });
        assert_eq!(detail(&err).0, "g");
        let first = paid(
            &mut env,
            invoice_request("I-1", "O-1", vec![gift_line(1)], "0"),
        )
        .unwrap();
        let second = paid(
            &mut env,
            invoice_request("I-2", "O-1", vec![gift_line(1)], "0"),
        )
        .unwrap();
        for c in first.issued.iter().chain(&second.issued) {
            assert_eq!(c.balance.amount, "25.00");
            let p = c.purchase.as_ref().unwrap();
            assert_eq!(p.recipient_email.as_deref(), Some("ana@example.com"));
            assert_eq!(p.message.as_deref(), Some("Enjoy"));
        }
        assert_eq!(first.issued.len() + second.issued.len(), 2);
        let err = refused(&mut env, |env| {
            paid(env, invoice_request("I-3", "O-1", vec![gift_line(1)], "0"))
        });
        assert!(
            matches!(err, Error::QuantityExceedsOrder { available: 0, .. }),
            "{err:?}"
        );
    }

    /// The guarded update refuses on its own what the check before it would:
    /// a concurrent invoice cannot take the same units.
    #[test]
    fn the_guarded_update_refuses_units_already_taken() {
        let mut env = NativeEnv::in_memory(T0, 3);
        place(&mut env, "O-1", vec![course()], "0", "0", &[]);
        collect(&mut env, invoice_request("I-1", "O-1", vec![course()], "0")).unwrap();
        let order = env.call(|e| orders::load(e, "O-1")).unwrap();
        let parsed = quote::parse_line(order.currency, &course()).unwrap();
        let err = env
            .call(|e| super::record_take(e, &order, &parsed))
            .unwrap_err();
        assert!(
            matches!(err, Error::QuantityExceedsOrder { available: 0, .. }),
            "{err:?}"
        );
    }

    /// An order placed before schema v5 has no lines to check against: its
    /// invoices are taken as they come, as before.
    #[test]
    fn legacy_orders_keep_the_unchecked_behaviour() {
        let mut env = NativeEnv::in_memory(T0, 3);
        place(&mut env, "O-1", vec![course()], "0", "0", &[]);
        make_legacy(&mut env, "O-1");
        let other = line("7", "ELSE", ProductKind::Simple, 1, "40", "0", "0");
        let answer = collect(&mut env, invoice_request("I-1", "O-1", vec![other], "0")).unwrap();
        assert_eq!(answer.total_before_cards, "40.00");
    }
}
