//! Credit-memo hooks: how a refund splits between gift cards and the order's
//! other payment, and where the gift-card part goes.
//!
//! The rules, in order:
//! - a memo may refund at most what was invoiced and not yet refunded;
//! - the gift-card part is the memo's share in proportion to how the whole
//!   order was paid (`memo × gift-card amount ÷ order total`, half up), or an
//!   explicit "refund to gift card" amount;
//! - either is kept within what the cards paid on invoices and have not had
//!   back, and what the other payment can still take; so an order paid wholly
//!   by gift cards refunds wholly to them;
//! - the memo that refunds the rest of the order takes exactly the remainder;
//! - to original cards, the part splits across cards by what each paid and
//!   has not had back (largest remainder), each credited in its own currency.
//!
//! A memo's lines are checked against the lines placement recorded (schema
//! v5 on): each must be a line of the order, named once, for at most its
//! invoiced units not yet refunded; `refunded` records the refunded units.
//! So a host cannot refund (and disable the cards of) units that were never
//! invoiced, or the same units twice. Orders placed before v5 have no
//! recorded lines and keep the old, unchecked behaviour for memo lines.

use crate::cards::movements::{self, replay};
use crate::cards::{self, NewCard};
use crate::error::{Error, Result};
use crate::model::*;
use crate::money::rates;
use crate::pipeline::orders::{self, OrderLine, StoredOrder, check_reference};
use crate::pipeline::split;
use crate::storage::db::Value;
use crate::storage::env::Environment;

/// What the invoiced, not yet refunded gift-card units of `order` that
/// `lines` does not name are worth (order currency): the part of what was
/// invoiced that this memo may not refund. Each line's units are valued at
/// the line's invoiced amount (after discount, with tax) per invoiced unit,
/// rounded up, so no split of the units across memos lets a cent through;
/// once every unit is named, nothing is held back.
fn unnamed_gift_card_value(
    env: &mut dyn Environment,
    order: &StoredOrder,
    lines: &[MemoLine],
) -> Result<i64> {
    let mut reserved = 0i64;
    for placed in orders::order_lines(env, &order.order_id)? {
        if placed.line.kind != ProductKind::GiftCard || placed.invoiced_quantity == 0 {
            continue;
        }
        let named = lines
            .iter()
            .find(|l| l.line_id == placed.line.id)
            .map_or(0, |l| i64::from(l.quantity));
        let unrefunded = placed.invoiced_quantity - placed.refunded_quantity;
        let kept = (unrefunded - named).max(0);
        let invoiced_value = placed.line.unit_price * placed.invoiced_quantity
            - placed.invoiced_discount
            + placed.invoiced_tax;
        reserved += split::mul_div_ceil(invoiced_value, kept, placed.invoiced_quantity);
    }
    Ok(reserved)
}

fn fingerprint(req: &CreditMemo) -> String {
    let lines: Vec<String> = req
        .lines
        .iter()
        .map(|l| format!("{}x{}", l.line_id, l.quantity))
        .collect();
    format!(
        "{}|{}|{}|{:?}|{:?}",
        req.order_id,
        req.total,
        lines.join(","),
        // As the text was given: the print must not change with the types.
        req.refund_to_gift_card.as_ref().map(GivenAmount::as_str),
        req.destination
    )
}

/// The split, worked out; written only when `execute`.
fn run(env: &mut dyn Environment, req: &CreditMemo, execute: bool) -> Result<MemoSplit> {
    check_reference("memo-id", &req.memo_id)?;
    check_reference("order-id", &req.order_id)?;
    if let Some(c) = &req.comment {
        cards::check_text("comment", c, 1000, false)?;
    }
    let print = fingerprint(req);
    if let Some(done) = replay::find(env, "refunded", &req.memo_id, &print, &req.order_id)? {
        return Ok(done);
    }
    let order = orders::load(env, &req.order_id)?;
    let c = order.context.currency;
    let total = c.minor_of(&req.total)?;
    if total <= 0 {
        return Err(Error::InvalidAmount(
            "total: a memo must refund something".into(),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for line in &req.lines {
        check_reference("line-id", &line.line_id)?;
        if line.quantity < 1 {
            return Err(Error::InvalidArgument(format!(
                "line {}: quantity must be at least 1, not {}",
                line.line_id, line.quantity
            )));
        }
        if !seen.insert(line.line_id.as_str()) {
            return Err(Error::InvalidArgument(format!(
                "lines: line `{}` appears twice",
                line.line_id
            )));
        }
    }
    if order.lines_recorded {
        check_lines(env, &order, &req.lines)?;
    }
    let mut refundable = order.invoiced_total - order.refunded_total;
    if order.lines_recorded {
        // The value of bought gift-card units is refunded only by a memo
        // that names them (so their unused cards are disabled): otherwise a
        // memo could pay the money back and leave the card spendable.
        refundable -= unnamed_gift_card_value(env, &order, &req.lines)?;
    }
    if total > refundable {
        return Err(Error::RefundExceedsPaid(Money::of(refundable.max(0), c)));
    }
    let gift_left = order.invoiced_gift_card - order.refunded_gift_card;
    let other_left = (order.invoiced_total - order.invoiced_gift_card)
        - (order.refunded_total - order.refunded_gift_card);
    let everything_invoiced =
        order.invoiced_total == order.total_before_cards || order.cancelled_at.is_some();
    let last = everything_invoiced && total == refundable;
    let low = (total - other_left).max(0);
    let high = total.min(gift_left);
    let wanted = if last {
        gift_left
    } else if let Some(text) = &req.refund_to_gift_card {
        let x = c
            .minor_of(text)
            .map_err(|e| crate::error::prefix("refund-to-gift-card", e))?;
        if x < 0 || x > total {
            return Err(Error::InvalidAmount(format!(
                "refund-to-gift-card: must be between 0 and the memo's total {}",
                c.format(total)
            )));
        }
        x
    } else if order.total_before_cards > 0 {
        split::mul_div_half_up(total, order.gift_card_amount, order.total_before_cards)
    } else {
        0
    };
    let gift = wanted.clamp(low, high);

    let reference = format!("memo:{}", req.memo_id);
    let comment = req.comment.clone().unwrap_or_else(|| {
        format!(
            "Refund for order {} (credit memo {})",
            order.order_id, req.memo_id
        )
    });
    let now = env.now();
    let (movements, account_credit, new_card) = match req.destination {
        RefundDestination::OriginalCards => (
            orders::return_to_cards(env, &order, gift, true, execute, &reference, &comment)?,
            0,
            None,
        ),
        RefundDestination::AccountCredit => {
            if order.context.customer_id.is_none() {
                return Err(Error::InvalidArgument(
                    "destination: a guest order has no account to credit".into(),
                ));
            }
            orders::return_to_cards(env, &order, gift, false, execute, &reference, &comment)?;
            (Vec::new(), gift, None)
        }
        RefundDestination::NewCard => {
            orders::return_to_cards(env, &order, gift, false, execute, &reference, &comment)?;
            let card = if execute && gift > 0 {
                Some(new_card(env, &order, gift, &reference, &comment)?)
            } else {
                None
            };
            let movements = card
                .iter()
                .map(|card| CardMovement {
                    card_id: card.id,
                    masked_code: card.masked_code.clone(),
                    amount: card.money(card.balance),
                    order_amount: Money::of(gift, c),
                    balance_after: card.money(card.balance),
                    status: card.status(now),
                    expiry_extended_to: None,
                })
                .collect();
            (movements, 0, card.map(|c| c.to_card(now)))
        }
    };

    // Bought gift cards on refunded lines: unused ones are disabled, spent
    // ones are reported and left alone.
    let mut disabled_cards = Vec::new();
    let mut used_cards = Vec::new();
    for line in &req.lines {
        let issued = movements::issued_cards(env, &order.order_id, Some(&line.line_id))?;
        let mut left = line.quantity as usize;
        let (unused, used): (Vec<_>, Vec<_>) = issued
            .into_iter()
            .filter(|(card, _)| card.stored_status != CardStatus::Disabled)
            .partition(|(_, unused)| *unused);
        for (card, _) in unused.into_iter().take(left) {
            if execute {
                movements::disable_issued(env, &card, &reference, &comment)?;
            }
            disabled_cards.push(movements::note(&card));
            left -= 1;
        }
        for (card, _) in used.into_iter().take(left) {
            used_cards.push(movements::note(&card));
        }
    }

    if execute && order.lines_recorded {
        for line in &req.lines {
            record_refund(env, &order, line)?;
        }
    }
    if execute {
        env.db().execute(
            "UPDATE gc_orders SET refunded_total = refunded_total + ?1, \
             refunded_gift_card = refunded_gift_card + ?2 WHERE order_id = ?3",
            &[
                Value::Integer(total),
                Value::Integer(gift),
                Value::from(order.order_id.as_str()),
            ],
        )?;
        env.db().execute(
            "INSERT INTO gc_credit_memos (memo_id, order_id, total, gift_card_amount, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            &[
                Value::from(req.memo_id.as_str()),
                Value::from(order.order_id.as_str()),
                Value::Integer(total),
                Value::Integer(gift),
                Value::Integer(now),
            ],
        )?;
    }
    let answer = MemoSplit {
        memo_id: req.memo_id.clone(),
        total: Money::of(total, c),
        gift_card_amount: Money::of(gift, c),
        other_amount: Money::of(total - gift, c),
        last,
        movements,
        account_credit: Money::of(account_credit, c),
        new_card,
        disabled_cards,
        used_cards,
    };
    if execute {
        replay::store(env, "refunded", &req.memo_id, &print, &answer)?;
    }
    Ok(answer)
}

/// Refusal for a memo line asking more than `placed` has invoiced and not
/// yet refunded, if it does.
fn check_quantity(placed: &OrderLine, line: &MemoLine) -> Result<()> {
    let available = placed.left_to_refund();
    if i64::from(line.quantity) > available {
        return Err(Error::QuantityExceedsOrder {
            line_id: line.line_id.clone(),
            requested: line.quantity,
            available: u32::try_from(available.max(0)).unwrap_or(u32::MAX),
        });
    }
    Ok(())
}

/// Every memo line names a line of the order and refunds at most its
/// invoiced units not yet refunded.
fn check_lines(env: &mut dyn Environment, order: &StoredOrder, lines: &[MemoLine]) -> Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    let placed = orders::order_lines(env, &order.order_id)?;
    for line in lines {
        let Some(p) = placed.iter().find(|p| p.line.id == line.line_id) else {
            return Err(Error::LineNotOnOrder {
                line_id: line.line_id.clone(),
                detail: format!("not a line of order {}", order.order_id),
            });
        };
        check_quantity(p, line)?;
    }
    Ok(())
}

/// Adds a memo line's units to its placed line's refunded quantity, only if
/// they are still there to refund (a guarded update, so a concurrent memo
/// cannot refund the same units too).
fn record_refund(env: &mut dyn Environment, order: &StoredOrder, line: &MemoLine) -> Result<()> {
    let rows = env.db().execute(
        "UPDATE gc_order_lines SET refunded_quantity = refunded_quantity + ?1 \
         WHERE order_id = ?2 AND line_id = ?3 AND refunded_quantity + ?1 <= invoiced_quantity \
         RETURNING refunded_quantity",
        &[
            Value::Integer(i64::from(line.quantity)),
            Value::from(order.order_id.as_str()),
            Value::from(line.line_id.as_str()),
        ],
    )?;
    if rows.first().is_some() {
        return Ok(());
    }
    let fresh = orders::order_line(env, &order.order_id, &line.line_id)?;
    check_quantity(&fresh, line)?;
    Err(Error::Database(format!(
        "order line {} changed while the memo was recorded",
        line.line_id
    )))
}

/// A new card holding a refund, in the website's base currency.
fn new_card(
    env: &mut dyn Environment,
    order: &StoredOrder,
    amount: i64,
    reference: &str,
    comment: &str,
) -> Result<cards::StoredCard> {
    let value = match rates::lookup(env, order.context.currency, order.context.base_currency)? {
        None => amount,
        Some(r) => rates::convert_half_up(amount, &r),
    };
    if value <= 0 {
        return Err(Error::InvalidAmount(
            "the refund rounds to zero in the website's base currency".into(),
        ));
    }
    let settings = crate::settings::load(env)?;
    let now = env.now();
    let days = settings.default_validity_days;
    cards::insert(
        env,
        NewCard {
            code: None,
            amount: value,
            currency: order.context.base_currency,
            expires_at: (days > 0).then(|| now + i64::from(days) * crate::storage::time::DAY),
            context: order.card_context(CardOrigin::Refund, comment.to_owned()),
            reference: Some(reference.to_owned()),
            actor: order.actor(),
            extras: crate::cards::CardExtras::default(),
        },
    )
}

/// The split, for display; changes nothing.
pub fn collect(env: &mut dyn Environment, req: CreditMemo) -> Result<MemoSplit> {
    run(env, &req, false)
}

/// The memo was refunded: make it so.
pub fn refunded(env: &mut dyn Environment, req: CreditMemo) -> Result<MemoSplit> {
    run(env, &req, true)
}

#[cfg(all(test, feature = "sqlite"))]
mod tests;
