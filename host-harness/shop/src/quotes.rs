//! Quotes (carts): lines, discount, shipping, applied gift-card codes, and
//! their collection. The shop's collectors run first (see [`super::pricing`]),
//! the plugin's gift-card collector (`totals.collect`) next, and the grand
//! total and allowed payment methods follow from it.

use super::amount::Money;
use super::context::Ctx;
use super::error::{Fail, Res, ShopError};
use super::model::{
    Customer, DiscountRule, Kind, Product, Purchase, Quote, QuoteLine, Store, Website,
};
use super::money::{self, plain_decimal};
use super::pricing::{self, Collected, Discount, LineInput};
use giftcard_engine::money::Currency;
use giftcard_host::api::totals::{
    AddLineRequest, ApplyAnswer, ApplyRequest, CollectRequest, RemoveRequest,
};
use giftcard_host::commerce::{self, Channel, CustomerInfo, GiftCardTotals, ProductKind};
use giftcard_host::to_json;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value as Json, json};

/// Most units of one line.
const MAX_QUANTITY: i64 = 10_000;

/// A quote priced by the shop's collectors, with the `quote` record the
/// plugin is given.
pub struct Priced {
    pub cur: Currency,
    pub base: Currency,
    pub unit_prices: Vec<i64>,
    pub collected: Collected,
    pub record: commerce::Quote,
}

/// Runs the shop's collectors (subtotal → discount → shipping → tax) on a
/// quote, converting base-currency prices into the quote's currency at the
/// host's rate (half up) when they differ.
pub fn price(ctx: &mut Ctx, q: &Quote) -> Res<Priced> {
    let w: Website = ctx.need("shop_websites", &q.website, ShopError::UnknownWebsite)?;
    let base = money::currency(&q.base_currency)?;
    let cur = money::currency(&q.currency)?;
    let rate = if base == cur {
        Decimal::ONE
    } else {
        ctx.rate(base.code(), cur.code())?
    };
    let to_quote = |minor: i64| money::convert(minor, base, cur, rate);
    let mut inputs = Vec::new();
    let mut unit_prices = Vec::new();
    for l in &q.lines {
        let unit = to_quote(l.base_price.minor());
        unit_prices.push(unit);
        inputs.push(LineInput {
            quantity: l.quantity,
            unit_price: unit,
            taxable: l.taxable,
            physical: l.kind == Kind::Simple,
        });
    }
    let flat = to_quote(w.shipping_rate.minor());
    let discount = q.discount.as_ref().map(|d| match d {
        DiscountRule::Percent(p) => Discount::Percent(*p),
        DiscountRule::Amount(a) => Discount::Fixed(a.minor()),
    });
    let shipping = q.shipping_override.map(Money::minor);
    let collected = pricing::collect(&inputs, discount, flat, shipping, w.tax_rate);
    let customer = match &q.customer {
        Some(id) => {
            let c: Customer = ctx.need("shop_customers", id, ShopError::UnknownCustomer)?;
            Some(CustomerInfo {
                id: c.id,
                groups: c.groups,
                email: c.email,
            })
        }
        None => None,
    };
    let lines: Vec<commerce::Line> = q
        .lines
        .iter()
        .zip(&unit_prices)
        .zip(&collected.lines)
        .map(|((l, unit), a)| line_record(l, cur, *unit, a))
        .collect();
    let record = commerce::Quote {
        id: q.id.clone(),
        website: q.website.clone(),
        store: q.store.clone(),
        currency: cur.code().into(),
        base_currency: base.code().into(),
        customer,
        test: q.test,
        lines,
        shipping: money::fmt(cur, collected.shipping),
        shipping_tax: money::fmt(cur, collected.shipping_tax),
        applied_codes: q.codes.clone(),
        shipping_country: q.shipping_country.clone(),
        billing_country: q.billing_country.clone(),
    };
    Ok(Priced {
        cur,
        base,
        unit_prices,
        collected,
        record,
    })
}

/// A WIT `line` record; `row-total` is `quantity × unit-price` exactly.
pub fn line_record(
    l: &QuoteLine,
    cur: Currency,
    unit: i64,
    a: &pricing::LineAmounts,
) -> commerce::Line {
    commerce::Line {
        id: l.id.clone(),
        sku: l.sku.clone(),
        kind: plugin_kind(l.kind),
        // At most MAX_QUANTITY.
        quantity: i32::try_from(l.quantity).unwrap_or(i32::MAX),
        unit_price: money::fmt(cur, unit),
        row_total: money::fmt(cur, a.row_total),
        discount: money::fmt(cur, a.discount),
        tax: money::fmt(cur, a.tax),
        gift_card: l.gift_card.as_ref().map(Purchase::to_plugin),
    }
}

/// The contract's name for a product kind.
pub fn plugin_kind(kind: Kind) -> ProductKind {
    match kind {
        Kind::Simple => ProductKind::Simple,
        Kind::Digital => ProductKind::Digital,
        Kind::GiftCard => ProductKind::GiftCard,
    }
}

/// The payment methods a quote allows: only `free` when the cards cover it;
/// otherwise `card`, and `account-credit` for a customer whose credit (in the
/// same currency) pays the rest.
pub fn payment_methods(
    ctx: &mut Ctx,
    q: &Quote,
    grand_total: i64,
    covered: bool,
) -> Res<Vec<String>> {
    if covered {
        return Ok(vec!["free".into()]);
    }
    let mut out = vec!["card".to_owned()];
    if let Some(id) = &q.customer {
        let c: Customer = ctx.need("shop_customers", id, ShopError::UnknownCustomer)?;
        if c.currency == q.currency && c.credit.minor() >= grand_total {
            out.push("account-credit".into());
        }
    }
    Ok(out)
}

/// Checks the plugin's view of the total before cards against the shop's.
pub fn check_agrees(p: &Priced, gc: &GiftCardTotals) -> Res<()> {
    let ours = money::fmt(p.cur, p.collected.total_before_cards);
    if gc.total_before_cards != ours {
        return Err(Fail::Host(anyhow::anyhow!(
            "the plugin's total before cards {} differs from the shop's {ours}",
            gc.total_before_cards
        )));
    }
    Ok(())
}

/// The quote with every total, the per-card applications and the allowed
/// payment methods, from the shop's pricing and the plugin's gift-card totals.
pub fn view(ctx: &mut Ctx, q: &Quote, p: &Priced, gc: &GiftCardTotals) -> Res<Json> {
    check_agrees(p, gc)?;
    let cur = p.cur;
    let grand = Money::answer(cur, &gc.grand_total, "grand-total")?;
    let methods = payment_methods(ctx, q, grand.minor(), gc.covered)?;
    let c = &p.collected;
    let lines: Vec<Json> = q
        .lines
        .iter()
        .zip(&p.record.lines)
        .map(|(l, rec)| {
            let mut v = to_json(rec);
            v["name"] = json!(l.name);
            v
        })
        .collect();
    Ok(json!({
        "id": q.id, "store": q.store, "website": q.website, "currency": cur.code(),
        "customer": q.customer, "test": q.test, "order": q.order, "codes": q.codes,
        "discount-rule": q.discount, "lines": lines,
        "subtotal": Money::new(cur, c.subtotal),
        "discount": Money::new(cur, c.discount),
        "shipping": Money::new(cur, c.shipping),
        "shipping-tax": Money::new(cur, c.shipping_tax),
        "tax": Money::new(cur, c.line_tax + c.shipping_tax),
        "total-before-cards": Money::new(cur, c.total_before_cards),
        "eligible": gc.eligible,
        "gift-card-amount": gc.gift_card_amount,
        "grand-total": gc.grand_total,
        "covered": gc.covered,
        "gift-cards": to_json(&gc.cards),
        "dropped": to_json(&gc.dropped),
        "payment-methods": methods,
    }))
}

/// Prices a quote and runs the plugin's collector on it.
pub fn collect(ctx: &mut Ctx, q: &Quote, channel: Channel) -> Res<(Priced, GiftCardTotals)> {
    let p = price(ctx, q)?;
    let request = CollectRequest {
        quote: p.record.clone(),
        channel,
    };
    let gc = ctx.plugin(|pl, s| {
        pl.giftcard_plugin_totals(&mut *s)?
            .call_collect(s, &request)
    })?;
    Ok((p, gc))
}

pub fn load(ctx: &mut Ctx, id: &str) -> Res<Quote> {
    ctx.need("shop_quotes", id, ShopError::UnknownQuote)
}

/// Loads a quote that may still change.
fn load_open(ctx: &mut Ctx, id: &str) -> Res<Quote> {
    let q = load(ctx, id)?;
    if let Some(order) = &q.order {
        return Err(ShopError::QuoteClosed(order.clone()).into());
    }
    Ok(q)
}

fn save(ctx: &mut Ctx, q: &Quote) -> Res<()> {
    ctx.put("shop_quotes", &q.id, Some(&q.store), q)
}

/// Saves an edited quote and answers with its view, collected afresh (in
/// the storefront's wording): what every edit of its lines, discount or
/// shipping returns.
fn save_and_view(ctx: &mut Ctx, q: &Quote) -> Res<Json> {
    save(ctx, q)?;
    let (p, gc) = collect(ctx, q, Channel::Storefront)?;
    view(ctx, q, &p, &gc)
}

/// Saves a quote whose codes changed and answers with its view, the
/// gift-card totals being the ones the plugin answered the change with.
fn save_with_totals(ctx: &mut Ctx, q: &Quote, gc: &GiftCardTotals) -> Res<Json> {
    save(ctx, q)?;
    let p = price(ctx, q)?;
    view(ctx, q, &p, gc)
}

pub fn channel_of(c: Option<&str>) -> Res<Channel> {
    match c.unwrap_or("storefront") {
        "storefront" => Ok(Channel::Storefront),
        "admin" => Ok(Channel::Admin),
        other => Err(
            ShopError::InvalidArgument(format!("channel `{other}`: storefront or admin")).into(),
        ),
    }
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CreateArgs {
    /// Store code
    #[arg(long)]
    store: String,
    /// Customer id (default a guest)
    #[arg(long)]
    customer: Option<String>,
    /// A test order: only test cards apply
    #[arg(long)]
    test: Option<bool>,
    /// Quote id (default QUO-000001, …)
    #[arg(long)]
    id: Option<String>,
    /// Shipping country (ISO 3166-1 alpha-2)
    #[arg(long)]
    shipping_country: Option<String>,
    /// Billing country (ISO 3166-1 alpha-2)
    #[arg(long)]
    billing_country: Option<String>,
}

/// An ISO 3166-1 alpha-2 country code, upper-cased.
fn country(code: Option<String>, what: &str) -> Res<Option<String>> {
    match code {
        None => Ok(None),
        Some(c) if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()) => {
            Ok(Some(c.to_ascii_uppercase()))
        }
        Some(c) => Err(ShopError::InvalidArgument(format!(
            "{what} `{c}`: a two-letter ISO 3166-1 code such as FR"
        ))
        .into()),
    }
}

pub fn create(ctx: &mut Ctx, a: CreateArgs) -> Res<Json> {
    let shipping_country = country(a.shipping_country, "shipping-country")?;
    let billing_country = country(a.billing_country, "billing-country")?;
    let s: Store = ctx.need("shop_stores", &a.store, ShopError::UnknownStore)?;
    let w: Website = ctx.need("shop_websites", &s.website, ShopError::UnknownWebsite)?;
    if let Some(id) = &a.customer {
        let c: Customer = ctx.need("shop_customers", id, ShopError::UnknownCustomer)?;
        if c.website != w.code {
            return Err(ShopError::WrongWebsite(format!(
                "customer {id} belongs to website {}, store {} to {}",
                c.website, s.code, w.code
            ))
            .into());
        }
    }
    let id = match a.id {
        Some(id) => {
            super::catalog::check_code(&id, "quote id")?;
            if ctx.exists("shop_quotes", &id)? {
                return Err(ShopError::AlreadyExists(format!("quote {id}")).into());
            }
            id
        }
        None => ctx.next_id("QUO")?,
    };
    let q = Quote {
        id,
        store: s.code.clone(),
        website: w.code.clone(),
        currency: s.currency.clone(),
        base_currency: w.base_currency.clone(),
        customer: a.customer,
        test: a.test.unwrap_or(false),
        lines: Vec::new(),
        discount: None,
        shipping_override: None,
        codes: Vec::new(),
        next_line: 1,
        order: None,
        created_at: ctx.now(),
        shipping_country,
        billing_country,
    };
    save(ctx, &q)?;
    Ok(serde_json::to_value(q)?)
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AddItemArgs {
    /// Quote id
    #[arg(long)]
    quote: String,
    /// SKU
    #[arg(long)]
    sku: String,
    /// Units (default 1)
    #[arg(long)]
    quantity: Option<i64>,
    /// Gift card: chosen amount (a denomination or within the range), base currency
    #[arg(long)]
    amount: Option<String>,
    /// Gift card: recipient
    #[arg(long)]
    recipient_name: Option<String>,
    /// Gift card: recipient's email
    #[arg(long)]
    recipient_email: Option<String>,
    /// Gift card: sender
    #[arg(long)]
    sender_name: Option<String>,
    /// Gift card: sender's email
    #[arg(long)]
    sender_email: Option<String>,
    /// Gift card: message
    #[arg(long)]
    message: Option<String>,
    /// Gift card: delivery time (RFC 3339)
    #[arg(long)]
    deliver_at: Option<String>,
    /// Gift card: recipient's mobile number (+country code), also sent an SMS
    #[arg(long)]
    recipient_phone: Option<String>,
    /// storefront (default) or admin: who adds the line
    #[arg(long)]
    channel: Option<String>,
}

/// Adds a product. The plugin is asked first (`totals.check-add-line`), so a
/// gift-card product cannot join a quote holding codes.
pub fn add_item(ctx: &mut Ctx, a: AddItemArgs) -> Res<Json> {
    let channel = channel_of(a.channel.as_deref())?;
    let mut q = load_open(ctx, &a.quote)?;
    let p: Product = ctx.need("shop_products", &a.sku, ShopError::UnknownProduct)?;
    if !p.active {
        return Err(ShopError::ProductInactive(p.sku).into());
    }
    let quantity = a.quantity.unwrap_or(1);
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        return Err(ShopError::InvalidQuantity(format!("{quantity}: 1 to {MAX_QUANTITY}")).into());
    }
    let base = money::currency(&q.base_currency)?;
    let purchase_given = a.recipient_name.is_some()
        || a.recipient_email.is_some()
        || a.sender_name.is_some()
        || a.sender_email.is_some()
        || a.message.is_some()
        || a.deliver_at.is_some()
        || a.recipient_phone.is_some();
    let (base_price, gift_card) = match (p.kind, &p.gift_card) {
        (Kind::GiftCard, Some(opts)) => {
            let text = a.amount.as_deref().ok_or_else(|| {
                ShopError::InvalidArgument("amount: required for a gift-card product".into())
            })?;
            let chosen = Money::parse(base, text, "amount")?;
            let allowed = describe_amounts(opts);
            let ok = chosen.minor() > 0 && amount_allowed(chosen, opts)?;
            if !ok {
                return Err(ShopError::InvalidGiftCardAmount {
                    amount: text.to_owned(),
                    allowed,
                }
                .into());
            }
            let purchase = Purchase {
                recipient_name: a.recipient_name,
                recipient_email: a.recipient_email,
                sender_name: a.sender_name,
                sender_email: a.sender_email,
                message: a.message,
                deliver_at: a.deliver_at,
                validity_days: opts.validity_days,
                recipient_phone: a.recipient_phone,
            };
            (chosen, Some(purchase))
        }
        _ => {
            if a.amount.is_some() || purchase_given {
                return Err(ShopError::InvalidArgument(format!(
                    "{}: amount and recipient/sender/message are for gift-card products",
                    p.sku
                ))
                .into());
            }
            (
                in_currency(base, p.price.unwrap_or_default(), "price")?,
                None,
            )
        }
    };
    let line = QuoteLine {
        id: q.next_line.to_string(),
        sku: p.sku.clone(),
        name: p.name.clone(),
        kind: p.kind,
        quantity,
        base_price,
        taxable: p.taxable,
        gift_card,
    };
    let before = price(ctx, &q)?;
    let mut with = q.clone();
    with.lines.push(line.clone());
    let after = price(ctx, &with)?;
    let line_record = after
        .record
        .lines
        .last()
        .cloned()
        .ok_or_else(|| Fail::Host(anyhow::anyhow!("the priced quote lost its new line")))?;
    let request = AddLineRequest {
        quote: before.record,
        line: line_record,
        channel: Some(channel),
    };
    ctx.plugin(|pl, s| {
        pl.giftcard_plugin_totals(&mut *s)?
            .call_check_add_line(s, &request)
    })?;
    q.lines.push(line);
    q.next_line += 1;
    save_and_view(ctx, &q)
}

/// A catalog decimal as an amount of `cur`, refused as the same text typed
/// in that currency would be (a base currency with fewer fraction digits
/// than the price refuses it here, when it is used).
fn in_currency(cur: Currency, d: Decimal, what: &str) -> Result<Money, ShopError> {
    Money::parse(cur, &d.to_string(), what)
}

fn amount_allowed(chosen: Money, opts: &super::model::GiftCardOptions) -> Res<bool> {
    let base = chosen.currency();
    for d in &opts.denominations {
        if in_currency(base, *d, "denomination")? == chosen {
            return Ok(true);
        }
    }
    if let (Some(lo), Some(hi)) = (opts.min, opts.max) {
        let (lo, hi) = (
            in_currency(base, lo, "min")?.minor(),
            in_currency(base, hi, "max")?.minor(),
        );
        return Ok(lo <= chosen.minor() && chosen.minor() <= hi);
    }
    Ok(false)
}

fn describe_amounts(opts: &super::model::GiftCardOptions) -> String {
    let mut parts = Vec::new();
    if !opts.denominations.is_empty() {
        let texts: Vec<String> = opts.denominations.iter().map(|d| d.to_string()).collect();
        parts.push(texts.join(", "));
    }
    if let (Some(lo), Some(hi)) = (&opts.min, &opts.max) {
        parts.push(format!("{lo} to {hi}"));
    }
    parts.join(" or ")
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct LineArgs {
    /// Quote id
    #[arg(long)]
    quote: String,
    /// Line id
    #[arg(long)]
    line: String,
    /// New quantity; 0 or absent removes the line
    #[arg(long)]
    quantity: Option<i64>,
}

/// Changes a line's quantity, or removes it (`quantity` 0 or absent).
pub fn update_item(ctx: &mut Ctx, a: LineArgs) -> Res<Json> {
    let mut q = load_open(ctx, &a.quote)?;
    let i = q
        .lines
        .iter()
        .position(|l| l.id == a.line)
        .ok_or_else(|| ShopError::UnknownLine(a.line.clone()))?;
    match a.quantity.unwrap_or(0) {
        0 => {
            q.lines.remove(i);
        }
        n if (1..=MAX_QUANTITY).contains(&n) => q.lines[i].quantity = n,
        n => {
            return Err(
                ShopError::InvalidQuantity(format!("{n}: 0 (remove) to {MAX_QUANTITY}")).into(),
            );
        }
    }
    save_and_view(ctx, &q)
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct DiscountArgs {
    /// Quote id
    #[arg(long)]
    quote: String,
    /// Percent of the subtotal
    #[arg(long)]
    percent: Option<String>,
    /// Fixed amount, quote currency (capped at the subtotal)
    #[arg(long)]
    amount: Option<String>,
}

/// Sets (or with neither `percent` nor `amount`, clears) the discount.
pub fn set_discount(ctx: &mut Ctx, a: DiscountArgs) -> Res<Json> {
    let mut q = load_open(ctx, &a.quote)?;
    let cur = money::currency(&q.currency)?;
    q.discount = match (a.percent, a.amount) {
        (Some(_), Some(_)) => {
            return Err(
                ShopError::InvalidArgument("give percent or amount, not both".into()).into(),
            );
        }
        (Some(p), None) => {
            let d = plain_decimal(&p, 4, "percent")?;
            if d > Decimal::from(100) {
                return Err(ShopError::InvalidAmount("percent: at most 100".into()).into());
            }
            Some(DiscountRule::Percent(d))
        }
        (None, Some(a)) => Some(DiscountRule::Amount(Money::parse(cur, &a, "amount")?)),
        (None, None) => None,
    };
    save_and_view(ctx, &q)
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ShippingArgs {
    /// Quote id
    #[arg(long)]
    quote: String,
    /// Shipping, quote currency
    #[arg(long)]
    amount: Option<String>,
}

/// Overrides shipping (quote currency), or with no amount goes back to the
/// website's flat rate.
pub fn set_shipping(ctx: &mut Ctx, a: ShippingArgs) -> Res<Json> {
    let mut q = load_open(ctx, &a.quote)?;
    let cur = money::currency(&q.currency)?;
    q.shipping_override = a
        .amount
        .map(|s| Money::parse(cur, &s, "amount"))
        .transpose()?;
    save_and_view(ctx, &q)
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ApplyArgs {
    /// Quote id
    #[arg(long)]
    quote: String,
    /// The code as typed
    #[arg(long)]
    code: String,
    /// storefront (default) or admin
    #[arg(long)]
    channel: Option<String>,
    /// Client for the rate limit (default `shop`)
    #[arg(long)]
    client_key: Option<String>,
}

/// Applies a code through the plugin. `applied` keeps the plugin's form of the
/// code at the end of the quote's codes; `refused` and `rate-limited` become
/// the shop errors `code-refused` / `rate-limited`, and the plugin's record of
/// the attempt is kept (it counts for the rate limit and the refusal log).
pub fn apply_code(ctx: &mut Ctx, a: ApplyArgs) -> Res<Json> {
    let channel = channel_of(a.channel.as_deref())?;
    let mut q = load_open(ctx, &a.quote)?;
    let p = price(ctx, &q)?;
    let client_key = a.client_key.unwrap_or_else(|| "shop".into());
    let request = ApplyRequest {
        quote: p.record,
        code: a.code,
        channel,
        client_key: Some(client_key),
    };
    let answer = ctx.plugin(|pl, s| {
        pl.giftcard_plugin_totals(&mut *s)?
            .call_apply_code(s, &request)
    })?;
    match answer {
        ApplyAnswer::Applied(applied) => {
            q.codes.push(applied.code);
            save_with_totals(ctx, &q, &applied.totals)
        }
        ApplyAnswer::Refused(refusal) => {
            Err(Fail::Recorded(ShopError::CodeRefused(to_json(&refusal))))
        }
        ApplyAnswer::RateLimited(secs) => Err(Fail::Recorded(ShopError::RateLimited(secs))),
    }
}

/// A code as compared: upper case, without dashes and spaces.
pub fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RemoveArgs {
    /// Quote id
    #[arg(long)]
    quote: String,
    /// The code, as applied or typed
    #[arg(long)]
    code: String,
}

pub fn remove_code(ctx: &mut Ctx, a: RemoveArgs) -> Res<Json> {
    let mut q = load_open(ctx, &a.quote)?;
    let p = price(ctx, &q)?;
    let request = RemoveRequest {
        quote: p.record,
        code: a.code.clone(),
    };
    let gc = ctx.plugin(|pl, s| {
        pl.giftcard_plugin_totals(&mut *s)?
            .call_remove_code(s, &request)
    })?;
    let wanted = normalise(&a.code);
    q.codes.retain(|c| normalise(c) != wanted);
    save_with_totals(ctx, &q, &gc)
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct TotalsArgs {
    /// Quote id
    #[arg(long)]
    quote: String,
    /// storefront (default) or admin, for dropped codes' wording
    #[arg(long)]
    channel: Option<String>,
}

/// Collects the quote. Like a shop's totals collection, it takes codes that
/// no longer apply (the plugin's `dropped`) off the quote, and reports them.
pub fn totals(ctx: &mut Ctx, a: TotalsArgs) -> Res<Json> {
    let channel = channel_of(a.channel.as_deref())?;
    let mut q = load(ctx, &a.quote)?;
    let (p, gc) = collect(ctx, &q, channel)?;
    let dropped: Vec<String> = gc.dropped.iter().map(|d| normalise(&d.code)).collect();
    if q.order.is_none() && !dropped.is_empty() {
        q.codes.retain(|c| !dropped.contains(&normalise(c)));
        save(ctx, &q)?;
    }
    view(ctx, &q, &p, &gc)
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct QuoteArgs {
    /// Quote id
    #[arg(long)]
    quote: String,
}

/// The stored quote, without collecting it (no plugin call).
pub fn show(ctx: &mut Ctx, a: QuoteArgs) -> Res<Json> {
    Ok(serde_json::to_value(load(ctx, &a.quote)?)?)
}

pub fn list(ctx: &mut Ctx, _: super::NoArgs) -> Res<Json> {
    let quotes: Vec<Quote> = ctx.list("shop_quotes", None)?;
    let rows: Vec<Json> = quotes
        .into_iter()
        .map(|q| {
            json!({ "id": q.id, "store": q.store, "customer": q.customer, "lines": q.lines.len(),
                         "codes": q.codes, "order": q.order, "test": q.test })
        })
        .collect();
    Ok(json!({ "quotes": rows }))
}

/// Used by checkout: the customer's credit as minor units.
pub fn credit_of(ctx: &mut Ctx, customer: &str) -> Res<(Customer, i64)> {
    let c: Customer = ctx.need("shop_customers", customer, ShopError::UnknownCustomer)?;
    let credit = c.credit.minor();
    Ok((c, credit))
}
