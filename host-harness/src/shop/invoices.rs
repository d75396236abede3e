//! Invoices, full and partial. A partial line's discount and tax are
//! pro-rated cumulatively ([`super::money::prorate`]), so the invoice that
//! takes a line's last unit takes exactly what is left of it. Creating an
//! invoice registers its gift-card part with the plugin (`invoices.collect`);
//! paying it (`invoices.paid`) issues the cards bought on it, so an unpaid
//! invoice issues none.

use super::LineQty;
use super::context::Ctx;
use super::error::{Res, ShopError};
use super::model::{DocLine, Invoice, Order};
use super::money;
use super::orders::{self, ensure_not_canceled, refresh_status};
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
    let mut records = Vec::new();
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
        records.push(json!({
            "id": l.id, "sku": l.sku, "kind": l.kind.as_str(), "quantity": q,
            "unit-price": l.unit_price, "row-total": money::fmt(cur, row),
            "discount": money::fmt(cur, disc), "tax": money::fmt(cur, tax),
            "gift-card": l.gift_card,
        }));
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
    let request = json!({
        "invoice-id": id, "order-id": o.id, "lines": records,
        "shipping": money::fmt(cur, shipping), "shipping-tax": money::fmt(cur, shipping_tax),
    });
    let part = ctx.plugin("invoices.collect", &request)?;
    if part["total-before-cards"].as_str() != Some(money::fmt(cur, total).as_str()) {
        return Err(anyhow::anyhow!(
            "the plugin's invoice total {} differs from the shop's {}",
            part["total-before-cards"],
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
        gift_card_amount: str_of(&part["gift-card-amount"]),
        grand_total: str_of(&part["grand-total"]),
        state: "open".into(),
        issued: Vec::new(),
        request,
        created_at: ctx.now(),
        paid_at: None,
    };
    if a.pay.unwrap_or(true) {
        pay_invoice(ctx, &mut inv)?;
    }
    ctx.put("shop_invoices", &inv.id, Some(&o.id), &inv)?;
    refresh_status(&mut o)?;
    super::issuing::complete_if_done(ctx, &mut o)?;
    orders::save(ctx, &o)?;
    let mut v = view(&inv);
    v["order-remaining"] = part["order-remaining"].clone();
    Ok(v)
}

fn str_of(v: &Json) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn pay_invoice(ctx: &mut Ctx, inv: &mut Invoice) -> Res<()> {
    let paid = ctx.plugin("invoices.paid", &inv.request)?;
    inv.issued = paid["issued"].as_array().cloned().unwrap_or_default();
    inv.state = "paid".into();
    inv.paid_at = Some(ctx.now());
    Ok(())
}

/// An invoice as shown (without the stored plugin request).
pub fn view(inv: &Invoice) -> Json {
    let mut v = serde_json::to_value(inv).unwrap_or(Json::Null);
    if let Some(m) = v.as_object_mut() {
        m.remove("request");
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
    pay_invoice(ctx, &mut inv)?;
    ctx.put("shop_invoices", &inv.id, Some(&inv.order.clone()), &inv)?;
    // Paying the last open invoice may complete the order.
    let mut o = orders::load(ctx, &inv.order)?;
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
