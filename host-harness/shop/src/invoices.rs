//! Invoices, full and partial. A partial line's discount and tax are
//! pro-rated cumulatively ([`super::money::prorate`]), so the invoice that
//! takes a line's last unit takes exactly what is left of it. Creating an
//! invoice registers its gift-card part with the plugin (`invoices.collect`);
//! paying it (`invoices.paid`) issues the cards bought on it, so an unpaid
//! invoice issues none.

use super::LineQty;
use super::context::Ctx;
use super::error::{Res, ShopError};
use super::model::{DocLine, Invoice, Order, Purchase};
use super::money;
use super::orders::{self, ensure_not_canceled, refresh_status};
use super::quotes;
use giftcard_engine::money::Currency;
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
        super::catalog::check_code(id, "invoice id")?;
        if let Some(existing) = ctx.get::<Invoice>("shop_invoices", id)? {
            if existing.order != o.id {
                return Err(ShopError::AlreadyExists(format!(
                    "invoice {id} (of order {})",
                    existing.order
                ))
                .into());
            }
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
    let order_shipping = money::parse(cur, &o.totals.shipping, "shipping")?
        + money::parse(cur, &o.totals.shipping_tax, "shipping-tax")?;
    let shipping_left = !o.shipping_invoiced && !o.shipping_canceled && order_shipping > 0;
    let with_shipping = match a.shipping {
        Some(true) if !shipping_left => {
            return Err(ShopError::InvalidArgument("no shipping left to invoice".into()).into());
        }
        Some(s) => s,
        None => shipping_left,
    };
    let shipping = if with_shipping {
        money::parse(cur, &o.totals.shipping, "shipping")?
    } else {
        0
    };
    let shipping_tax = if with_shipping {
        money::parse(cur, &o.totals.shipping_tax, "shipping-tax")?
    } else {
        0
    };
    if chosen.is_empty() && !with_shipping {
        return Err(ShopError::NothingToInvoice.into());
    }
    let id = match a.invoice_id {
        Some(id) => id,
        None => ctx.next_id("INV")?,
    };
    let mut doc_lines = Vec::new();
    let mut total = shipping + shipping_tax;
    for (i, q) in &chosen {
        let l = &mut o.lines[*i];
        let unit = money::parse(cur, &l.unit_price, "unit-price")?;
        let disc_total = money::parse(cur, &l.discount, "discount")?;
        let tax_total = money::parse(cur, &l.tax, "tax")?;
        let disc_done = money::parse(cur, &l.discount_invoiced, "discount")?;
        let tax_done = money::parse(cur, &l.tax_invoiced, "tax")?;
        let row = unit * q;
        let disc = money::prorate(disc_total, l.qty_invoiced, *q, l.quantity, disc_done);
        let tax = money::prorate(tax_total, l.qty_invoiced, *q, l.quantity, tax_done);
        total += row - disc + tax;
        doc_lines.push(DocLine {
            line: l.id.clone(),
            sku: l.sku.clone(),
            quantity: *q,
            row_total: money::fmt(cur, row),
            discount: money::fmt(cur, disc),
            tax: money::fmt(cur, tax),
        });
        l.qty_invoiced += q;
        l.discount_invoiced = money::fmt(cur, disc_done + disc);
        l.tax_invoiced = money::fmt(cur, tax_done + tax);
    }
    let request = plugin_invoice(
        &id,
        &o,
        &doc_lines,
        shipping_text(cur, shipping, shipping_tax),
    );
    let part = ctx.plugin(|pl, s| pl.giftcard_plugin_invoices().call_collect(s, &request))?;
    if part.total_before_cards != money::fmt(cur, total) {
        return Err(anyhow::anyhow!(
            "the plugin's invoice total {} differs from the shop's {}",
            part.total_before_cards,
            money::fmt(cur, total)
        )
        .into());
    }
    if with_shipping {
        o.shipping_invoiced = true;
    }
    let invoiced = money::parse(cur, &o.invoiced_total, "invoiced")?;
    o.invoiced_total = money::fmt(cur, invoiced + total);
    o.invoices.push(id.clone());
    let mut inv = Invoice {
        id: id.clone(),
        order: o.id.clone(),
        currency: o.currency.clone(),
        lines: doc_lines,
        shipping: money::fmt(cur, shipping),
        shipping_tax: money::fmt(cur, shipping_tax),
        total_before_cards: money::fmt(cur, total),
        gift_card_amount: part.gift_card_amount.clone(),
        grand_total: part.grand_total.clone(),
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

/// Shipping and its tax as the invoice record gives them.
fn shipping_text(cur: Currency, shipping: i64, tax: i64) -> (String, String) {
    (money::fmt(cur, shipping), money::fmt(cur, tax))
}

/// The WIT `invoice` for the plugin: the invoice's lines with the order
/// line's product, price and gift-card purchase.
fn plugin_invoice(
    id: &str,
    o: &Order,
    lines: &[DocLine],
    (shipping, shipping_tax): (String, String),
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
                unit_price: l.unit_price.clone(),
                row_total: d.row_total.clone(),
                discount: d.discount.clone(),
                tax: d.tax.clone(),
                gift_card: l.gift_card.as_ref().map(Purchase::to_plugin),
            })
        })
        .collect();
    invoices::Invoice {
        invoice_id: id.to_owned(),
        order_id: o.id.clone(),
        lines,
        shipping,
        shipping_tax,
    }
}

/// Tells the plugin the invoice was paid; it issues the cards bought on it.
fn pay_invoice(ctx: &mut Ctx, inv: &mut Invoice, o: &Order) -> Res<()> {
    let request = plugin_invoice(
        &inv.id,
        o,
        &inv.lines,
        (inv.shipping.clone(), inv.shipping_tax.clone()),
    );
    let paid = ctx.plugin(|pl, s| pl.giftcard_plugin_invoices().call_paid(s, &request))?;
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
