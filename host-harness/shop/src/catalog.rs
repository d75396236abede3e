//! Websites, stores, exchange rates and the product catalog: the shop's set-up,
//! checked on the way in so that quotes never meet a malformed price.

use super::amount::Money;
use super::context::Ctx;
use super::error::{Res, ShopError};
use super::model::{GiftCardOptions, Kind, Product, Store, Website};
use super::money::{self, plain_decimal};
use giftcard_host::api::products::{ProductInput, SetActiveRequest};
use serde::Deserialize;
use serde_json::{Value as Json, json};

/// Catalog prices may carry up to this many fraction digits; a website whose
/// base currency has fewer refuses the price when it is used.
const PRICE_SCALE: u32 = 4;

pub(crate) fn check_code(code: &str, what: &str) -> Res<()> {
    if code.is_empty()
        || code.len() > 64
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(ShopError::InvalidArgument(format!(
            "{what} `{code}`: 1 to 64 letters, digits, `-`, `_` or `.`"
        ))
        .into());
    }
    Ok(())
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct WebsiteArgs {
    /// Website code
    #[arg(long)]
    code: String,
    /// Display name
    #[arg(long)]
    name: Option<String>,
    /// ISO 4217 base currency (prices, account credit, bought cards)
    #[arg(long)]
    base_currency: String,
    /// Tax rate percent, e.g. 20 or 7.25 (default 0)
    #[arg(long)]
    tax_rate: Option<String>,
    /// Flat shipping for quotes with a physical line, base currency (default 0)
    #[arg(long)]
    shipping_rate: Option<String>,
}

pub fn website_create(ctx: &mut Ctx, a: WebsiteArgs) -> Res<Json> {
    check_code(&a.code, "website code")?;
    let cur = money::currency(&a.base_currency)?;
    let tax = plain_decimal(a.tax_rate.as_deref().unwrap_or("0"), 4, "tax-rate")?;
    if tax > rust_decimal::Decimal::from(100) {
        return Err(ShopError::InvalidArgument("tax-rate: at most 100 (percent)".into()).into());
    }
    let shipping = Money::parse(
        cur,
        a.shipping_rate.as_deref().unwrap_or("0"),
        "shipping-rate",
    )?;
    if ctx.exists("shop_websites", &a.code)? {
        return Err(ShopError::AlreadyExists(format!("website {}", a.code)).into());
    }
    let w = Website {
        code: a.code.clone(),
        name: a.name,
        base_currency: cur.code().to_owned(),
        tax_rate: tax,
        shipping_rate: shipping,
    };
    ctx.put("shop_websites", &w.code, None, &w)?;
    Ok(serde_json::to_value(w)?)
}

pub fn website_list(ctx: &mut Ctx, _: super::NoArgs) -> Res<Json> {
    let websites: Vec<Website> = ctx.list("shop_websites", None)?;
    let stores: Vec<Store> = ctx.list("shop_stores", None)?;
    Ok(json!({ "websites": websites, "stores": stores }))
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct StoreArgs {
    /// Store code
    #[arg(long)]
    code: String,
    /// Website code
    #[arg(long)]
    website: String,
    /// Display name
    #[arg(long)]
    name: Option<String>,
    /// Display (charged) currency; default the website's base currency
    #[arg(long)]
    currency: Option<String>,
}

pub fn store_create(ctx: &mut Ctx, a: StoreArgs) -> Res<Json> {
    check_code(&a.code, "store code")?;
    let w: Website = ctx.need("shop_websites", &a.website, ShopError::UnknownWebsite)?;
    let cur = money::currency(a.currency.as_deref().unwrap_or(&w.base_currency))?;
    if ctx.exists("shop_stores", &a.code)? {
        return Err(ShopError::AlreadyExists(format!("store {}", a.code)).into());
    }
    let s = Store {
        code: a.code.clone(),
        website: w.code.clone(),
        name: a.name,
        currency: cur.code().to_owned(),
    };
    ctx.put("shop_stores", &s.code, Some(&w.code), &s)?;
    Ok(serde_json::to_value(s)?)
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RateArgs {
    /// Currency converted from
    #[arg(long)]
    from: String,
    /// Currency converted to
    #[arg(long)]
    to: String,
    /// Units of `to` per unit of `from`, e.g. 0.92
    #[arg(long)]
    rate: String,
}

/// Sets the host's rate for exactly (from, to); the inverse is not derived.
pub fn rate_set(ctx: &mut Ctx, a: RateArgs) -> Res<Json> {
    money::currency(&a.from)?;
    money::currency(&a.to)?;
    let (from, to, rate) = giftcard_host::exchange_rates::validate(&a.from, &a.to, &a.rate)
        .map_err(ShopError::InvalidArgument)?;
    giftcard_host::exchange_rates::store(ctx.tx(), &from, &to, rate)?;
    Ok(json!({ "from": from, "to": to, "rate": rate.to_string() }))
}

pub fn rate_list(ctx: &mut Ctx, _: super::NoArgs) -> Res<Json> {
    let rates: Vec<Json> = giftcard_host::exchange_rates::list(ctx.tx())?
        .into_iter()
        .map(|(f, t, r)| json!({ "from": f, "to": t, "rate": r }))
        .collect();
    Ok(json!({ "rates": rates }))
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ProductArgs {
    /// SKU
    #[arg(long)]
    sku: String,
    /// Name (default the SKU)
    #[arg(long)]
    name: Option<String>,
    /// simple, digital or gift-card
    #[arg(long, value_parser = clap::value_parser!(String))]
    kind: Kind,
    /// Unit price in the website's base currency (simple, digital)
    #[arg(long)]
    price: Option<String>,
    /// Gift card: fixed amounts, e.g. 25,50,100
    #[arg(long)]
    #[serde(default)]
    denominations: Vec<String>,
    /// Gift card: lowest custom amount
    #[arg(long)]
    min: Option<String>,
    /// Gift card: highest custom amount
    #[arg(long)]
    max: Option<String>,
    /// Gift card: card lifetime in days (0 = never; default the plugin's setting)
    #[arg(long)]
    validity_days: Option<u32>,
    /// Sellable (default true)
    #[arg(long)]
    active: Option<bool>,
    /// Taxed (default true, false for gift cards)
    #[arg(long)]
    taxable: Option<bool>,
    /// Gift card: description
    #[arg(long)]
    description: Option<String>,
    /// Gift card: image reference
    #[arg(long)]
    image: Option<String>,
    /// Gift card: terms shown at purchase
    #[arg(long)]
    terms: Option<String>,
    /// Gift card: display position (default last)
    #[arg(long)]
    position: Option<u32>,
    /// Gift card: website whose base currency it is sold in (default the only one)
    #[arg(long)]
    website: Option<String>,
}

/// The website whose base currency a gift-card product is sold in: the one
/// named, or the shop's only website.
fn product_website(ctx: &mut Ctx, named: Option<&str>) -> Res<Website> {
    if let Some(code) = named {
        return ctx.need("shop_websites", code, ShopError::UnknownWebsite);
    }
    let mut all: Vec<Website> = ctx.list("shop_websites", None)?;
    match all.len() {
        1 => Ok(all.remove(0)),
        0 => Err(ShopError::InvalidArgument(
            "website: create a website first (a gift-card product is sold in its base currency)"
                .into(),
        )
        .into()),
        _ => Err(ShopError::InvalidArgument(
            "website: required when the shop has several websites".into(),
        )
        .into()),
    }
}

pub fn product_create(ctx: &mut Ctx, a: ProductArgs) -> Res<Json> {
    check_code(&a.sku, "sku")?;
    let bad = |m: &str| ShopError::InvalidArgument(format!("{}: {m}", a.sku));
    let (unit, gift_card) = match a.kind {
        Kind::Simple | Kind::Digital => {
            let gift_card_only = a.description.is_some()
                || a.image.is_some()
                || a.terms.is_some()
                || a.position.is_some()
                || a.website.is_some();
            if gift_card_only {
                return Err(bad(
                    "description, image, terms, position and website are for gift-card products",
                )
                .into());
            }
            if !a.denominations.is_empty() || a.min.is_some() || a.max.is_some() {
                return Err(bad("amounts and ranges are for gift-card products").into());
            }
            if a.validity_days.is_some() {
                return Err(bad("validity-days is for gift-card products").into());
            }
            let p = a.price.as_deref().ok_or_else(|| bad("price is required"))?;
            (Some(plain_decimal(p, PRICE_SCALE, "price")?), None)
        }
        Kind::GiftCard => {
            if a.price.is_some() {
                return Err(bad(
                    "a gift-card product takes denominations and/or min and max, not a price",
                )
                .into());
            }
            let mut denoms = Vec::new();
            for d in &a.denominations {
                let v = plain_decimal(d, PRICE_SCALE, "denomination")?;
                if v.is_zero() {
                    return Err(
                        ShopError::InvalidAmount("denomination: must be positive".into()).into(),
                    );
                }
                denoms.push(v);
            }
            let (min, max) = match (&a.min, &a.max) {
                (Some(lo), Some(hi)) => {
                    let (l, h) = (
                        plain_decimal(lo, PRICE_SCALE, "min")?,
                        plain_decimal(hi, PRICE_SCALE, "max")?,
                    );
                    if l.is_zero() || l > h {
                        return Err(ShopError::InvalidAmount(
                            "min must be positive and at most max".into(),
                        )
                        .into());
                    }
                    (Some(l), Some(h))
                }
                (None, None) => (None, None),
                _ => return Err(bad("give both min and max for a custom amount range").into()),
            };
            if denoms.is_empty() && min.is_none() {
                return Err(bad(
                    "a gift-card product needs denominations, a min/max range, or both",
                )
                .into());
            }
            (
                None,
                Some(GiftCardOptions {
                    denominations: denoms,
                    min,
                    max,
                    validity_days: a.validity_days,
                }),
            )
        }
    };
    if ctx.exists("shop_products", &a.sku)? {
        return Err(ShopError::AlreadyExists(format!("product {}", a.sku)).into());
    }
    let name = a.name.clone().unwrap_or_else(|| a.sku.clone());
    let active = a.active.unwrap_or(true);
    // The plugin validates what customers choose and issues the cards, so a
    // gift-card product is registered with it under the same SKU.
    let plugin_product = match &gift_card {
        Some(opts) => {
            let w = product_website(ctx, a.website.as_deref())?;
            let input = ProductInput {
                sku: a.sku.clone(),
                name: name.clone(),
                description: a.description.clone(),
                image: a.image.clone(),
                currency: w.base_currency,
                denominations: opts.denominations.iter().map(|d| d.to_string()).collect(),
                custom_min: opts.min.map(|d| d.to_string()),
                custom_max: opts.max.map(|d| d.to_string()),
                validity_days: opts.validity_days,
                terms: a.terms.clone(),
                position: a.position,
                active,
            };
            let created = ctx.plugin(|pl, s| {
                pl.giftcard_plugin_products(&mut *s)?
                    .call_create_product(s, &input)
            })?;
            Some(created.id)
        }
        None => None,
    };
    let p = Product {
        sku: a.sku.clone(),
        name,
        kind: a.kind,
        price: unit,
        active,
        taxable: a.taxable.unwrap_or(a.kind != Kind::GiftCard),
        gift_card,
        plugin_product,
    };
    ctx.put("shop_products", &p.sku, None, &p)?;
    Ok(serde_json::to_value(p)?)
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SkuArgs {
    /// SKU
    #[arg(long)]
    sku: String,
}

pub fn product_show(ctx: &mut Ctx, a: SkuArgs) -> Res<Json> {
    let p: Product = ctx.need("shop_products", &a.sku, ShopError::UnknownProduct)?;
    Ok(serde_json::to_value(p)?)
}

pub fn product_list(ctx: &mut Ctx, _: super::NoArgs) -> Res<Json> {
    let products: Vec<Product> = ctx.list("shop_products", None)?;
    Ok(json!({ "products": products }))
}

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ActiveArgs {
    /// SKU
    #[arg(long)]
    sku: String,
    /// true or false
    #[arg(long, action = clap::ArgAction::Set)]
    active: bool,
}

pub fn product_set_active(ctx: &mut Ctx, a: ActiveArgs) -> Res<Json> {
    let mut p: Product = ctx.need("shop_products", &a.sku, ShopError::UnknownProduct)?;
    p.active = a.active;
    if p.kind == Kind::GiftCard {
        // Mirror it to the plugin's product of the same SKU, if it has one.
        let known = ctx.plugin(|pl, s| {
            pl.giftcard_plugin_products(&mut *s)?
                .call_list_products(s, true)
        })?;
        if let Some(q) = known.iter().find(|q| q.sku == p.sku) {
            let request = SetActiveRequest {
                id: q.id,
                active: a.active,
            };
            ctx.plugin(|pl, s| {
                pl.giftcard_plugin_products(&mut *s)?
                    .call_set_active(s, request)
            })?;
        }
    }
    ctx.put("shop_products", &p.sku, None, &p)?;
    Ok(serde_json::to_value(p)?)
}
