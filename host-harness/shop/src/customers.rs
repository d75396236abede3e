//! Customers and their account credit. Credit is kept in the website's base
//! currency and changes only through [`move_credit`], which writes one
//! history row per business reference: placing, cancelling or refunding the
//! same thing twice moves credit once.

use super::amount::Money;
use super::context::Ctx;
use super::error::{Fail, Res, ShopError};
use super::model::{Customer, Website};
use super::money;
use giftcard_engine::storage::db::Value;
use giftcard_host::CallState;
use giftcard_host::api::customer::{self, MyCardsRequest, RedeemAnswer, RedeemRequest};
use giftcard_host::to_json;
use giftcard_host::types::Error as PluginError;
use giftcard_host::types::PageRequest;
use serde::Deserialize;
use serde_json::{Value as Json, json};

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CreateArgs {
    /// Customer id
    #[arg(long)]
    id: String,
    /// Name
    #[arg(long)]
    name: Option<String>,
    /// Email
    #[arg(long)]
    email: Option<String>,
    /// Website code
    #[arg(long)]
    website: String,
    /// Customer groups
    #[arg(long)]
    #[serde(default)]
    groups: Vec<String>,
    /// Opening account credit, base currency
    #[arg(long)]
    credit: Option<String>,
}

pub fn create(ctx: &mut Ctx, a: CreateArgs) -> Res<Json> {
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
        credit: Money::zero(cur),
        currency: cur.code().to_owned(),
    };
    ctx.put("shop_customers", &c.id, Some(&w.code), &c)?;
    if credit > 0 {
        move_credit(ctx, &c.id, credit, "opening", Some("opening balance"))?;
    }
    let c: Customer = ctx.need("shop_customers", &a.id, ShopError::UnknownCustomer)?;
    Ok(serde_json::to_value(c)?)
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct IdArgs {
    /// Customer id
    #[arg(long)]
    id: String,
}

/// The customer, their credit history and their orders.
pub fn show(ctx: &mut Ctx, a: IdArgs) -> Res<Json> {
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
    let amount = |v: &Value| match v {
        Value::Integer(minor) => Json::String(c.credit.with(*minor).text()),
        _ => Json::Null,
    };
    let history: Vec<Json> = r
        .rows
        .iter()
        .map(|row| {
            json!({ "reference": text(&row[0]), "amount": amount(&row[1]),
                    "balance-after": amount(&row[2]), "comment": text(&row[3]), "at": text(&row[4]) })
        })
        .collect();
    let orders: Vec<super::model::Order> = ctx.list("shop_orders", None)?;
    let orders: Vec<Json> = orders
        .into_iter()
        .filter(|o| o.customer.as_deref() == Some(c.id.as_str()))
        .map(|o| json!({ "id": o.id, "status": o.status, "grand-total": o.totals.grand_total.text(), "currency": o.currency }))
        .collect();
    let mut out = serde_json::to_value(c)?;
    out["credit-history"] = Json::Array(history);
    out["orders"] = Json::Array(orders);
    Ok(out)
}

pub fn list(ctx: &mut Ctx, _: super::NoArgs) -> Res<Json> {
    let customers: Vec<Customer> = ctx.list("shop_customers", None)?;
    Ok(json!({ "customers": customers }))
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CreditArgs {
    /// Customer id
    #[arg(long)]
    id: String,
    /// Signed amount, base currency
    #[arg(long)]
    amount: String,
    /// Idempotency key: applied once
    #[arg(long)]
    reference: Option<String>,
    /// Why
    #[arg(long)]
    comment: Option<String>,
}

/// Adds (or with a negative amount, takes) account credit by hand.
pub fn add_credit(ctx: &mut Ctx, a: CreditArgs) -> Res<Json> {
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
    show(ctx, IdArgs { id: c.id })
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
    let after = c.credit.plus(delta);
    if after.minor() < 0 {
        return Err(ShopError::InsufficientCredit {
            amount: c.credit.text(),
            currency: c.currency.clone(),
        }
        .into());
    }
    c.credit = after;
    let now = ctx.now();
    ctx.exec(
        "INSERT INTO shop_credit_history (customer, reference, amount, balance_after, currency, comment, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[
            Value::Text(c.id.clone()),
            Value::Text(reference.to_owned()),
            Value::Integer(delta),
            Value::Integer(c.credit.minor()),
            Value::Text(c.currency.clone()),
            comment.map_or(Value::Null, |s| Value::Text(s.to_owned())),
            Value::Text(now),
        ],
    )?;
    ctx.put("shop_customers", &c.id, Some(&c.website.clone()), &c)?;
    Ok(true)
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AddCardArgs {
    /// Customer id
    #[arg(long)]
    customer: String,
    /// The code as typed
    #[arg(long)]
    code: String,
    /// Client for the rate limit (default `shop`)
    #[arg(long)]
    client_key: Option<String>,
}

/// Adds a gift card to a customer's account: the plugin moves the card's
/// whole balance out (`customer.redeem-to-account`, with its permission check
/// and rate limit) and the shop adds it to the account credit, in the same
/// transaction. A card in another currency than the website's base currency
/// is converted at the shop's rate for (card currency → base currency),
/// rounded half up; without that rate the shop refuses with
/// `no-exchange-rate` and nothing is kept (the card keeps its balance). A
/// refused or rate-limited code answers `card-not-available` / `rate-limited`
/// but keeps the plugin's record of the attempt.
pub fn add_card(ctx: &mut Ctx, a: AddCardArgs) -> Res<Json> {
    let c: Customer = ctx.need("shop_customers", &a.customer, ShopError::UnknownCustomer)?;
    let client_key = a.client_key.unwrap_or_else(|| "shop".into());
    let request = RedeemRequest {
        code: a.code,
        customer_id: c.id.clone(),
        client_key,
    };
    let answer = ctx.plugin(|pl, s| {
        pl.giftcard_plugin_customer(&mut *s)?
            .call_redeem_to_account(s, &request)
    })?;
    let redeemed = match answer {
        RedeemAnswer::Redeemed(redeemed) => redeemed,
        RedeemAnswer::RateLimited(secs) => {
            return Err(Fail::Recorded(ShopError::RateLimited(secs)));
        }
        RedeemAnswer::NotAvailable => return Err(Fail::Recorded(ShopError::CardNotAvailable)),
    };
    let card_cur = money::currency(&redeemed.amount.currency)?;
    let card_amount = Money::parse(card_cur, &redeemed.amount.amount, "redeemed amount")?;
    let base = c.credit.currency();
    let credit = if card_cur == base {
        card_amount.minor()
    } else {
        let rate = ctx.rate(card_cur.code(), base.code())?;
        money::convert(card_amount.minor(), card_cur, base, rate)
    };
    let masked = redeemed.masked_code.clone();
    let reference = format!("gift-card:{}", redeemed.history_id);
    let comment = if card_cur == base {
        format!("Gift card {masked}")
    } else {
        format!("Gift card {masked}: {card_amount} {}", card_cur.code())
    };
    move_credit(ctx, &c.id, credit, &reference, Some(&comment))?;
    let after: Customer = ctx.need("shop_customers", &c.id, ShopError::UnknownCustomer)?;
    Ok(json!({
        "customer": after.id,
        "masked-code": masked,
        "card-amount": to_json(&redeemed.amount),
        "credited": Money::new(base, credit),
        "credit": after.credit,
        "currency": after.currency,
        "history-id": redeemed.history_id,
    }))
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct MyCardsArgs {
    /// Customer id
    #[arg(long)]
    customer: String,
    /// Page (default 1)
    #[arg(long)]
    page: Option<u32>,
    /// Page size (default 50)
    #[arg(long)]
    page_size: Option<u32>,
}

/// A page of the customer's cards from the plugin: `call` asks the
/// customer interface for it with the request.
fn my_cards<P: serde::Serialize>(
    ctx: &mut Ctx,
    a: MyCardsArgs,
    call: impl FnOnce(
        &customer::Guest,
        &mut wasmtime::Store<CallState>,
        &MyCardsRequest,
    ) -> wasmtime::Result<Result<P, PluginError>>,
) -> Res<Json> {
    let c: Customer = ctx.need("shop_customers", &a.customer, ShopError::UnknownCustomer)?;
    let request = MyCardsRequest {
        customer_id: c.id,
        page: PageRequest::new(a.page.unwrap_or(1), a.page_size.unwrap_or(50)),
    };
    let page = ctx.plugin(|pl, s| call(pl.giftcard_plugin_customer(&mut *s)?, s, &request))?;
    Ok(to_json(&page))
}

/// The cards a customer bought, from the plugin.
pub fn bought_cards(ctx: &mut Ctx, a: MyCardsArgs) -> Res<Json> {
    my_cards(ctx, a, |c, s, r| c.call_my_bought_cards(s, r))
}

/// The cards a customer used, from the plugin.
pub fn used_cards(ctx: &mut Ctx, a: MyCardsArgs) -> Res<Json> {
    my_cards(ctx, a, |c, s, r| c.call_my_used_cards(s, r))
}
