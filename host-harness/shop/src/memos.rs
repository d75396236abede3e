//! Credit memos, full and partial. The memo's total is built from the
//! refunded units (discount and tax pro-rated cumulatively, exactly as
//! invoices took them), shipping and its tax, a positive adjustment and a
//! negative fee. The plugin splits it between gift cards and other payment
//! (`credit-memos.collect`, then `credit-memos.refunded`); the host returns
//! the other part to the order's payment and credits account credit.

use super::LineQty;
use super::amount::Money;
use super::context::Ctx;
use super::customers::move_credit;
use super::error::{Res, ShopError};
use super::invoices::{choose, doc_line};
use super::model::{Memo, Order};
use super::money;
use super::orders::{self, refresh_status, tagged};
use giftcard_host::api::credit_memos::{CreditMemo, MemoLine, RefundDestination};
use giftcard_host::to_json;
use serde::Deserialize;
use serde_json::{Value as Json, json};

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RefundArgs {
    /// Order id
    #[arg(long)]
    order: String,
    /// Line quantities (default all invoiced, not refunded, with their shipping)
    #[arg(long)]
    lines: Option<Vec<LineQty>>,
    /// Shipping to refund, before tax (default: the rest when lines are defaulted)
    #[arg(long)]
    shipping: Option<String>,
    /// Positive adjustment added
    #[arg(long)]
    adjustment: Option<String>,
    /// Fee kept (subtracted)
    #[arg(long)]
    fee: Option<String>,
    /// Explicit gift-card part
    #[arg(long)]
    refund_to_gift_card: Option<String>,
    /// original-cards (default), account-credit or new-card
    #[arg(long)]
    destination: Option<String>,
    /// Why
    #[arg(long)]
    comment: Option<String>,
    /// Memo id (default CM-000001, …)
    #[arg(long)]
    memo_id: Option<String>,
}

/// Creates and refunds a credit memo.
///
/// Defaults: without `lines`, every invoiced unit not yet refunded and the
/// invoiced shipping not yet refunded; with `lines`, no shipping unless
/// `shipping` is given. Destination defaults to `original-cards`.
pub fn refund(ctx: &mut Ctx, a: RefundArgs) -> Res<Json> {
    let mut o: Order = orders::load(ctx, &a.order)?;
    if let Some(id) = &a.memo_id {
        let conflict = |m: &Memo| (m.order != o.id).then(|| format!("memo {id}"));
        if let Some(existing) = ctx.replayed("shop_memos", id, "memo id", conflict)? {
            return Ok(view(&existing));
        }
    }
    let cur = money::currency(&o.currency)?;
    let destination = a
        .destination
        .as_deref()
        .unwrap_or("original-cards")
        .to_owned();
    let plugin_destination = match destination.as_str() {
        "original-cards" => RefundDestination::OriginalCards,
        "account-credit" => RefundDestination::AccountCredit,
        "new-card" => RefundDestination::NewCard,
        _ => {
            return Err(ShopError::InvalidArgument(format!(
                "destination `{destination}`: original-cards, account-credit or new-card"
            ))
            .into());
        }
    };
    if destination == "account-credit" && o.customer.is_none() {
        return Err(ShopError::GuestOrder.into());
    }
    let chosen = choose(
        &o,
        a.lines.as_deref(),
        |l| l.qty_invoiced - l.qty_refunded,
        "refund",
    )?;
    let (ship_invoiced, ship_tax_invoiced) = if o.shipping_invoiced {
        (o.totals.shipping.minor(), o.totals.shipping_tax.minor())
    } else {
        (0, 0)
    };
    let ship_done = o.shipping_refunded.minor();
    let ship_tax_done = o.shipping_tax_refunded.minor();
    let shipping = match &a.shipping {
        Some(s) => money::parse(cur, s, "shipping")?,
        None if a.lines.is_none() => ship_invoiced - ship_done,
        None => 0,
    };
    if shipping > ship_invoiced - ship_done {
        return Err(ShopError::InvalidAmount(format!(
            "shipping: at most {} is invoiced and not refunded",
            money::fmt(cur, ship_invoiced - ship_done)
        ))
        .into());
    }
    let shipping_tax = money::prorate(
        ship_tax_invoiced,
        ship_done,
        shipping,
        ship_invoiced,
        ship_tax_done,
    );
    let shipping_tax = if shipping == 0 { 0 } else { shipping_tax };
    let adjustment = money::parse(cur, a.adjustment.as_deref().unwrap_or("0"), "adjustment")?;
    let fee = money::parse(cur, a.fee.as_deref().unwrap_or("0"), "fee")?;
    let mut total = shipping + shipping_tax + adjustment - fee;
    let mut doc_lines = Vec::new();
    let mut memo_lines = Vec::new();
    for (i, q) in &chosen {
        let l = &mut o.lines[*i];
        let d = doc_line(l, *q, l.qty_refunded, &l.discount_refunded, &l.tax_refunded);
        total += d.total();
        memo_lines.push(MemoLine {
            line_id: l.id.clone(),
            // At most the line's quantity, itself at most 10,000.
            quantity: i32::try_from(*q).unwrap_or(i32::MAX),
        });
        l.qty_refunded += q;
        l.discount_refunded = l.discount_refunded.plus(d.discount.minor());
        l.tax_refunded = l.tax_refunded.plus(d.tax.minor());
        doc_lines.push(d);
    }
    if total < 0 {
        return Err(ShopError::InvalidAmount(format!(
            "the fee makes the memo negative ({})",
            money::fmt(cur, total)
        ))
        .into());
    }
    if total == 0 && chosen.is_empty() {
        return Err(ShopError::NothingToRefund.into());
    }
    let invoiced = o.invoiced_total.minor();
    let refunded = o.refunded_total.minor();
    if total > invoiced - refunded {
        return Err(ShopError::RefundExceedsInvoiced {
            amount: money::fmt(cur, invoiced - refunded),
            currency: cur.code().to_owned(),
        }
        .into());
    }
    let to_gift_card = a
        .refund_to_gift_card
        .as_deref()
        .map(|s| Money::parse(cur, s, "refund-to-gift-card"))
        .transpose()?;
    let id = ctx.given_or_next_id(a.memo_id, "CM")?;
    let request = CreditMemo {
        memo_id: id.clone(),
        order_id: o.id.clone(),
        total: money::fmt(cur, total),
        lines: memo_lines,
        refund_to_gift_card: to_gift_card.map(Money::text),
        destination: plugin_destination,
        comment: a.comment.clone(),
    };
    ctx.plugin(|pl, s| {
        pl.giftcard_plugin_credit_memos(&mut *s)?
            .call_collect(s, &request)
    })?;
    let split = ctx.plugin(|pl, s| {
        pl.giftcard_plugin_credit_memos(&mut *s)?
            .call_refunded(s, &request)
    })?;
    let other = Money::answer(cur, &split.other_amount, "other-amount")?.minor();
    let to_account = Money::answer(cur, &split.account_credit, "account-credit")?.minor();
    let card_part = Money::answer(cur, &split.gift_card_amount, "gift-card-amount")?;
    // Where the other part goes: back to the payment it came from.
    let other_to = match (o.payment.method.as_str(), other) {
        (_, 0) => "none",
        ("account-credit", _) => "account-credit",
        ("card", _) => "card",
        _ => "offline",
    };
    let base = money::currency(&o.base_currency)?;
    let mut credited = 0;
    if let Some(customer) = o.customer.clone() {
        let mut credit_minor = to_account;
        if other_to == "account-credit" {
            credit_minor += other;
        }
        if credit_minor > 0 {
            // Account credit is kept in the base currency: convert at the
            // host's (order → base) rate, half up.
            let rate = if base == cur {
                rust_decimal::Decimal::ONE
            } else {
                ctx.rate(cur.code(), base.code())?
            };
            credited = money::convert(credit_minor, cur, base, rate);
            move_credit(
                ctx,
                &customer,
                credited,
                &format!("memo:{id}"),
                Some("credit memo"),
            )?;
        }
    }
    if other_to != "none" {
        o.payment.refunded = o.payment.refunded.plus(other);
    }
    o.shipping_refunded = o.shipping_refunded.plus(shipping);
    o.shipping_tax_refunded = o.shipping_tax_refunded.plus(shipping_tax);
    o.refunded_total = o.refunded_total.plus(total);
    o.memos.push(id.clone());
    o.card_movements
        .extend(split.movements.iter().map(|m| tagged(m, &id)));
    let memo = Memo {
        id: id.clone(),
        order: o.id.clone(),
        currency: o.currency.clone(),
        lines: doc_lines,
        shipping: Money::new(cur, shipping),
        shipping_tax: Money::new(cur, shipping_tax),
        adjustment: Money::new(cur, adjustment),
        fee: Money::new(cur, fee),
        total: Money::new(cur, total),
        destination,
        refund_to_gift_card: to_gift_card,
        gift_card_amount: card_part,
        other_amount: Money::new(cur, other),
        other_refunded_to: other_to.to_owned(),
        credited_to_account: Money::new(base, credited),
        split: to_json(&split),
        comment: a.comment,
        created_at: ctx.now(),
    };
    ctx.put("shop_memos", &id, Some(&o.id), &memo)?;
    refresh_status(&mut o)?;
    orders::save(ctx, &o)?;
    Ok(view(&memo))
}

/// The memo plus, under the plugin's names, `memo-id` and the card
/// `movements` it made.
fn view(m: &Memo) -> Json {
    let mut v = serde_json::to_value(m).unwrap_or(Json::Null);
    v["memo-id"] = json!(m.id);
    v["movements"] = m.split["movements"].clone();
    v
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct IdArgs {
    /// Memo id
    #[arg(long)]
    memo: String,
}

pub fn show(ctx: &mut Ctx, a: IdArgs) -> Res<Json> {
    let m: Memo = ctx.need("shop_memos", &a.memo, ShopError::UnknownMemo)?;
    Ok(view(&m))
}
