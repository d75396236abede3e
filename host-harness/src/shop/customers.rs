//! Customers and their account credit. Credit is kept in the website's base
//! currency and changes only through [`move_credit`], which writes one
//! history row per business reference: placing, cancelling or refunding the
//! same thing twice moves credit once.

use super::context::Ctx;
use super::error::{Fail, Res, ShopError};
use super::model::{Customer, Website};
use super::money;
use super::parse_args;
use giftcard_engine::db::Value;
use serde::Deserialize;
use serde_json::{Value as Json, json};

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct CreateArgs {
    id: String,
    name: Option<String>,
    email: Option<String>,
    website: String,
    #[serde(default)]
    groups: Vec<String>,
    credit: Option<String>,
}

pub fn create(ctx: &mut Ctx, args: &Json) -> Res<Json> {
    let a: CreateArgs = parse_args(args)?;
    super::catalog::check_code(&a.id, "customer id")?;
    let w: Website = ctx.need("shop_websites", &a.website, ShopError::UnknownWebsite)?;
    let cur = money::currency(&w.base_currency)?;
    let credit = money::parse(cur, a.credit.as_deref().unwrap_or("0"), "credit")?;
    if ctx.exists("shop_customers", &a.id)? {
        return Err(ShopError::AlreadyExists(format!("customer {}", a.id)).into());
    }
    let c = Customer {
        id: a.id.clone(),
        name: a.name.unwrap_or_else(|| a.id.clone()),
        email: a.email,
        website: w.code.clone(),
        groups: a.groups,
        credit: money::fmt(cur, 0),
        currency: cur.code().to_owned(),
    };
    ctx.put("shop_customers", &c.id, Some(&w.code), &c)?;
    if credit > 0 {
        move_credit(ctx, &c.id, credit, "opening", Some("opening balance"))?;
    }
    let c: Customer = ctx.need("shop_customers", &a.id, ShopError::UnknownCustomer)?;
    Ok(serde_json::to_value(c)?)
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct IdArgs {
    id: String,
}

/// The customer, their credit history and their orders.
pub fn show(ctx: &mut Ctx, args: &Json) -> Res<Json> {
    let a: IdArgs = parse_args(args)?;
    let c: Customer = ctx.need("shop_customers", &a.id, ShopError::UnknownCustomer)?;
    let r = ctx.exec(
        "SELECT reference, amount, balance_after, comment, created_at FROM shop_credit_history \
         WHERE customer = ?1 ORDER BY created_at, rowid",
        &[Value::Text(c.id.clone())],
    )?;
    let text = |v: &Value| match v {
        Value::Text(s) => Json::String(s.clone()),
        _ => Json::Null,
    };
    let history: Vec<Json> = r
        .rows
        .iter()
        .map(|row| {
            json!({ "reference": text(&row[0]), "amount": text(&row[1]),
                    "balance-after": text(&row[2]), "comment": text(&row[3]), "at": text(&row[4]) })
        })
        .collect();
    let orders: Vec<super::model::Order> = ctx.list("shop_orders", None)?;
    let orders: Vec<Json> = orders
        .into_iter()
        .filter(|o| o.customer.as_deref() == Some(c.id.as_str()))
        .map(|o| json!({ "id": o.id, "status": o.status, "grand-total": o.totals.grand_total, "currency": o.currency }))
        .collect();
    let mut out = serde_json::to_value(c)?;
    out["credit-history"] = Json::Array(history);
    out["orders"] = Json::Array(orders);
    Ok(out)
}

pub fn list(ctx: &mut Ctx, args: &Json) -> Res<Json> {
    let _: super::NoArgs = parse_args(args)?;
    let customers: Vec<Customer> = ctx.list("shop_customers", None)?;
    Ok(json!({ "customers": customers }))
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct CreditArgs {
    id: String,
    /// Signed, in the base currency.
    amount: String,
    reference: Option<String>,
    comment: Option<String>,
}

/// Adds (or with a negative amount, takes) account credit by hand.
pub fn add_credit(ctx: &mut Ctx, args: &Json) -> Res<Json> {
    let a: CreditArgs = parse_args(args)?;
    let c: Customer = ctx.need("shop_customers", &a.id, ShopError::UnknownCustomer)?;
    let cur = money::currency(&c.currency)?;
    let delta = cur
        .parse_amount(&a.amount)
        .map_err(|e| ShopError::InvalidAmount(format!("amount: {e}")))?;
    if delta == 0 {
        return Err(ShopError::InvalidAmount("amount: must not be zero".into()).into());
    }
    let reference = match a.reference {
        Some(r) => format!("manual:{r}"),
        None => ctx.next_id("CREDIT")?,
    };
    move_credit(ctx, &c.id, delta, &reference, a.comment.as_deref())?;
    show(ctx, &json!({ "id": c.id }))
}

/// Changes a customer's credit by `delta` minor units of their currency,
/// once per `reference` (a repeat changes nothing and returns false). Never
/// takes the credit below zero (`insufficient-credit`).
pub fn move_credit(
    ctx: &mut Ctx,
    customer: &str,
    delta: i64,
    reference: &str,
    comment: Option<&str>,
) -> Res<bool> {
    let mut c: Customer = ctx.need("shop_customers", customer, ShopError::UnknownCustomer)?;
    let seen = ctx.exec(
        "SELECT 1 FROM shop_credit_history WHERE customer = ?1 AND reference = ?2",
        &[Value::Text(c.id.clone()), Value::Text(reference.to_owned())],
    )?;
    if !seen.rows.is_empty() {
        return Ok(false);
    }
    let cur = money::currency(&c.currency)?;
    let before = money::parse(cur, &c.credit, "credit").map_err(Fail::Shop)?;
    let after = before + delta;
    if after < 0 {
        return Err(ShopError::InsufficientCredit {
            amount: c.credit.clone(),
            currency: c.currency.clone(),
        }
        .into());
    }
    c.credit = money::fmt(cur, after);
    let now = ctx.now();
    ctx.exec(
        "INSERT INTO shop_credit_history (customer, reference, amount, balance_after, currency, comment, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[
            Value::Text(c.id.clone()),
            Value::Text(reference.to_owned()),
            Value::Text(money::fmt(cur, delta)),
            Value::Text(c.credit.clone()),
            Value::Text(c.currency.clone()),
            comment.map_or(Value::Null, |s| Value::Text(s.to_owned())),
            Value::Text(now),
        ],
    )?;
    ctx.put("shop_customers", &c.id, Some(&c.website.clone()), &c)?;
    Ok(true)
}
