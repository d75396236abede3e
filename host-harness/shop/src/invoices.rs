//! Invoices, full and partial. A partial line's discount and tax are
//! pro-rated cumulatively ([`super::money::prorate`]), so the invoice that
//! takes a line's last unit takes exactly what is left of it. Creating an
//! invoice registers its gift-card part with the plugin (`invoices.collect`);
//! paying it (`invoices.paid`) issues the cards bought on it, so an unpaid
//! invoice issues none.

use super::LineQty;
use super::amount::Money;
use super::context::Ctx;
use super::error::{Res, ShopError};
use super::model::{DocLine, Invoice, Order, OrderLine, Purchase};
use super::money;
use super::orders::{self, ensure_not_canceled, refresh_status};
use super::quotes;
use giftcard_host::api::invoices;
use giftcard_host::commerce;
use giftcard_host::to_json;
use serde::Deserialize;
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct InvoiceArgs {
    /// Order id
    #[arg(long)]
    order: String,
    /// Line quantities, e.g. 1=2,3=1 (default all not yet invoiced)
    #[arg(long)]
    lines: Option<Vec<LineQty>>,
    /// Include shipping (default: on the first invoice)
    #[arg(long)]
    shipping: Option<bool>,
    /// Pay it now, issuing bought cards (default true)
    #[arg(long)]
    pay: Option<bool>,
    /// Invoice id (default INV-000001, …)
    #[arg(long)]
    invoice_id: Option<String>,
}

/// Checks `wanted` against what is left per line; `None` means everything
/// left. Returns (line index, quantity) in order-line order.
pub fn choose(
    o: &Order,
    wanted: Option<&[LineQty]>,
    left: impl Fn(&super::model::OrderLine) -> i64,
    what: &str,
) -> Res<Vec<(usize, i64)>> {
    let mut chosen: BTreeMap<usize, i64> = BTreeMap::new();
    match wanted {
        None => {
            for (i, l) in o.lines.iter().enumerate() {
                if left(l) > 0 {
                    chosen.insert(i, left(l));
                }
            }
        }
        Some(list) => {
            for w in list {
                let i = o
                    .lines
                    .iter()
                    .position(|l| l.id == w.line)
                    .ok_or_else(|| ShopError::UnknownLine(w.line.clone()))?;
                if chosen.contains_key(&i) {
                    return Err(
                        ShopError::InvalidArgument(format!("line {} given twice", w.line)).into(),
                    );
                }
                let max = left(&o.lines[i]);
                if w.quantity < 1 || w.quantity > max {
                    return Err(ShopError::InvalidQuantity(format!(
                        "line {}: {} (1 to {max} left to {what})",
                        w.line, w.quantity
                    ))
                    .into());
                }
                chosen.insert(i, w.quantity);
            }
        }
    }
    Ok(chosen.into_iter().collect())
}

/// Creates an invoice (and by default pays it).
pub fn create(ctx: &mut Ctx, a: InvoiceArgs) -> Res<Json> {
    let mut o = orders::load(ctx, &a.order)?;
    if let Some(id) = &a.invoice_id {
        let conflict =
            |i: &Invoice| (i.order != o.id).then(|| format!("invoice {id} (of order {})", i.order));
        if let Some(existing) = ctx.replayed("shop_invoices", id, "invoice id", conflict)? {
            return Ok(view(&existing));
        }
    }
    ensure_not_canceled(&o)?;
    let cur = money::currency(&o.currency)?;
    let chosen = choose(
        &o,
        a.lines.as_deref(),
        |l| l.quantity - l.qty_invoiced - l.qty_canceled,
        "invoice",
    )?;
    let order_shipping = o.totals.shipping.minor() + o.totals.shipping_tax.minor();
    let shipping_left = !o.shipping_invoiced && !o.shipping_canceled && order_shipping > 0;
    let with_shipping = match a.shipping {
        Some(true) if !shipping_left => {
            return Err(ShopError::InvalidArgument("no shipping left to invoice".into()).into());
        }
        Some(s) => s,
        None => shipping_left,
    };
    let (shipping, shipping_tax) = if with_shipping {
        (o.totals.shipping.minor(), o.totals.shipping_tax.minor())
    } else {
        (0, 0)
    };
    if chosen.is_empty() && !with_shipping {
        return Err(ShopError::NothingToInvoice.into());
    }
    let id = ctx.given_or_next_id(a.invoice_id, "INV")?;
    let mut doc_lines = Vec::new();
    let mut total = shipping + shipping_tax;
    for (i, q) in &chosen {
        let l = &mut o.lines[*i];
        let d = doc_line(l, *q, l.qty_invoiced, &l.discount_invoiced, &l.tax_invoiced);
        total += d.total();
        l.qty_invoiced += q;
        l.discount_invoiced = l.discount_invoiced.plus(d.discount.minor());
        l.tax_invoiced = l.tax_invoiced.plus(d.tax.minor());
        doc_lines.push(d);
    }
    let (shipping, shipping_tax, total) = (
        Money::new(cur, shipping),
        Money::new(cur, shipping_tax),
        Money::new(cur, total),
    );
    let request = plugin_invoice(&id, &o, &doc_lines, shipping, shipping_tax);
    let part = ctx.plugin(|pl, s| {
        pl.giftcard_plugin_invoices(&mut *s)?
            .call_collect(s, &request)
    })?;
    if part.total_before_cards != total.text() {
        return Err(anyhow::anyhow!(
            "the plugin's invoice total {} differs from the shop's {total}",
            part.total_before_cards,
        )
        .into());
    }
    let gift_card_amount = Money::answer(cur, &part.gift_card_amount, "gift-card-amount")?;
    let grand_total = Money::answer(cur, &part.grand_total, "grand-total")?;
    if with_shipping {
        o.shipping_invoiced = true;
    }
    o.invoiced_total = o.invoiced_total.plus(total.minor());
    o.invoices.push(id.clone());
    let mut inv = Invoice {
        id: id.clone(),
        order: o.id.clone(),
        currency: o.currency.clone(),
        lines: doc_lines,
        shipping,
        shipping_tax,
        total_before_cards: total,
        gift_card_amount,
        grand_total,
        state: "open".into(),
        issued: Vec::new(),
        created_at: ctx.now(),
        paid_at: None,
    };
    if a.pay.unwrap_or(true) {
        pay_invoice(ctx, &mut inv, &o)?;
    }
    ctx.put("shop_invoices", &inv.id, Some(&o.id), &inv)?;
    refresh_status(&mut o)?;
    super::issuing::complete_if_done(ctx, &mut o)?;
    orders::save(ctx, &o)?;
    let mut v = view(&inv);
    v["order-remaining"] = json!(part.order_remaining);
    Ok(v)
}

/// `q` more units of order line `l` on a document (an invoice or a credit
/// memo), `done` units having been on earlier ones with `disc_done` and
/// `tax_done` of the line's discount and tax: its row total, and its discount
/// and tax pro-rated cumulatively ([`money::prorate`]), so the document that
/// takes the line's last unit takes exactly what is left.
pub(super) fn doc_line(
    l: &OrderLine,
    q: i64,
    done: i64,
    disc_done: &Money,
    tax_done: &Money,
) -> DocLine {
    let cur = l.unit_price.currency();
    let prorate = |whole: &Money, so_far: &Money| {
        money::prorate(whole.minor(), done, q, l.quantity, so_far.minor())
    };
    DocLine {
        line: l.id.clone(),
        sku: l.sku.clone(),
        quantity: q,
        row_total: Money::new(cur, l.unit_price.minor() * q),
        discount: Money::new(cur, prorate(&l.discount, disc_done)),
        tax: Money::new(cur, prorate(&l.tax, tax_done)),
    }
}

/// The WIT `invoice` for the plugin: the invoice's lines with the order
/// line's product, price and gift-card purchase.
fn plugin_invoice(
    id: &str,
    o: &Order,
    lines: &[DocLine],
    shipping: Money,
    shipping_tax: Money,
) -> invoices::Invoice {
    let lines = lines
        .iter()
        .filter_map(|d| {
            let l = o.lines.iter().find(|l| l.id == d.line)?;
            Some(commerce::Line {
                id: l.id.clone(),
                sku: l.sku.clone(),
                kind: quotes::plugin_kind(l.kind),
                // At most the line's quantity, itself at most 10,000.
                quantity: i32::try_from(d.quantity).unwrap_or(i32::MAX),
                unit_price: l.unit_price.text(),
                row_total: d.row_total.text(),
                discount: d.discount.text(),
                tax: d.tax.text(),
                gift_card: l.gift_card.as_ref().map(Purchase::to_plugin),
            })
        })
        .collect();
    invoices::Invoice {
        invoice_id: id.to_owned(),
        order_id: o.id.clone(),
        lines,
        shipping: shipping.text(),
        shipping_tax: shipping_tax.text(),
    }
}

/// Tells the plugin the invoice was paid; it issues the cards bought on it.
fn pay_invoice(ctx: &mut Ctx, inv: &mut Invoice, o: &Order) -> Res<()> {
    let request = plugin_invoice(&inv.id, o, &inv.lines, inv.shipping, inv.shipping_tax);
    let paid = ctx.plugin(|pl, s| pl.giftcard_plugin_invoices(&mut *s)?.call_paid(s, &request))?;
    inv.issued = paid.issued.iter().map(to_json).collect();
    inv.state = "paid".into();
    inv.paid_at = Some(ctx.now());
    Ok(())
}

/// An invoice as shown.
pub fn view(inv: &Invoice) -> Json {
    let mut v = serde_json::to_value(inv).unwrap_or(Json::Null);
    if let Some(m) = v.as_object_mut() {
        m.insert("invoice-id".into(), json!(inv.id));
    }
    v
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct IdArgs {
    /// Invoice id
    #[arg(long)]
    invoice: String,
}

/// Pays an open invoice: the plugin issues the cards bought on it. Paying a
/// paid invoice returns it unchanged.
pub fn pay(ctx: &mut Ctx, a: IdArgs) -> Res<Json> {
    let mut inv: Invoice = ctx.need("shop_invoices", &a.invoice, ShopError::UnknownInvoice)?;
    if inv.state == "paid" {
        return Ok(view(&inv));
    }
    let mut o = orders::load(ctx, &inv.order)?;
    pay_invoice(ctx, &mut inv, &o)?;
    ctx.put("shop_invoices", &inv.id, Some(&inv.order.clone()), &inv)?;
    // Paying the last open invoice may complete the order.
    if o.completed_at.is_none() {
        super::issuing::complete_if_done(ctx, &mut o)?;
        orders::save(ctx, &o)?;
    }
    Ok(view(&inv))
}

pub fn show(ctx: &mut Ctx, a: IdArgs) -> Res<Json> {
    let inv: Invoice = ctx.need("shop_invoices", &a.invoice, ShopError::UnknownInvoice)?;
    Ok(view(&inv))
}
