//! Gift-card products: what the shop sells, and the amounts each offers.
//! The plugin owns them so a purchase amount is validated where the card is
//! made, and the issued cards take the product's validity.
//!
//! A product offers fixed denominations, a custom min/max range, or both. A
//! quote line of kind `gift-card` whose SKU is an active product's must be
//! priced at one of its amounts ([`check_purchase`], used by
//! `totals.check-add-line` and again by `orders.placed`); a SKU that is no
//! product falls back to the `allowed-amounts` setting.

use crate::cards::check_text;
use crate::error::{Error, Result};
use crate::model::Money;
use crate::money::rates;
use crate::money::{Currency, GivenAmount};
use crate::settings::{MAX_VALIDITY_DAYS, Settings};
use crate::storage::db::{Row, Value};
use crate::storage::env::Environment;
use crate::storage::schema::next_ids;
use crate::storage::time::{self, Seconds};
use serde::{Deserialize, Serialize};

/// Most denominations one product may offer.
pub const MAX_DENOMINATIONS: usize = 100;

/// A new product, or every field of a product being replaced.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductInput {
    pub sku: String,
    pub name: String,
    pub description: Option<String>,
    pub image: Option<String>,
    pub currency: String,
    /// Decimals in `currency`, each positive.
    pub denominations: Vec<GivenAmount>,
    pub custom_min: Option<GivenAmount>,
    pub custom_max: Option<GivenAmount>,
    /// 0 = never expires; `None` = the `default-validity-days` setting.
    pub validity_days: Option<u32>,
    pub terms: Option<String>,
    /// `None`: last for a new product, unchanged for an update.
    pub position: Option<u32>,
    pub active: bool,
}

/// A product as the contract returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: u64,
    pub sku: String,
    pub name: String,
    pub description: Option<String>,
    pub image: Option<String>,
    pub currency: String,
    pub denominations: Vec<Money>,
    pub custom_min: Option<Money>,
    pub custom_max: Option<Money>,
    pub validity_days: Option<u32>,
    pub terms: Option<String>,
    pub position: u32,
    pub active: bool,
    pub cards_sold: u64,
    pub created_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateProduct {
    pub id: u64,
    pub product: ProductInput,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetActive {
    pub id: u64,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckAmount {
    pub id: u64,
    pub amount: GivenAmount,
}

/// A product as stored, amounts in minor units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredProduct {
    pub id: u64,
    pub sku: String,
    pub name: String,
    pub description: Option<String>,
    pub image: Option<String>,
    pub currency: Currency,
    /// Ascending, no duplicates.
    pub denominations: Vec<i64>,
    pub range: Option<(i64, i64)>,
    pub validity_days: Option<u32>,
    pub terms: Option<String>,
    pub position: u32,
    pub active: bool,
    pub cards_sold: u64,
    pub created_at: Seconds,
}

impl StoredProduct {
    fn from_row(row: &Row<'_>) -> Result<StoredProduct> {
        let corrupt = |what: &str| Error::Database(format!("stored product: bad {what}"));
        let currency = Currency::parse(&row.text("currency")?).map_err(|_| corrupt("currency"))?;
        let denominations = row
            .text("denominations")?
            .split(',')
            .filter(|d| !d.is_empty())
            .map(|d| d.parse::<i64>().map_err(|_| corrupt("denominations")))
            .collect::<Result<Vec<_>>>()?;
        let range = match (row.opt_i64("custom_min")?, row.opt_i64("custom_max")?) {
            (Some(lo), Some(hi)) => Some((lo, hi)),
            _ => None,
        };
        Ok(StoredProduct {
            id: row.i64("id")? as u64,
            sku: row.text("sku")?,
            name: row.text("name")?,
            description: row.opt_text("description")?,
            image: row.opt_text("image")?,
            currency,
            denominations,
            range,
            validity_days: row
                .opt_i64("validity_days")?
                .map(|d| u32::try_from(d).map_err(|_| corrupt("validity_days")))
                .transpose()?,
            terms: row.opt_text("terms")?,
            position: u32::try_from(row.i64("position")?).map_err(|_| corrupt("position"))?,
            active: row.i64("active")? != 0,
            cards_sold: u64::try_from(row.i64("cards_sold")?).unwrap_or(0),
            created_at: row.i64("created_at")?,
        })
    }

    fn money(&self, minor: i64) -> Money {
        Money::of(minor, self.currency)
    }

    pub fn to_product(&self) -> Product {
        Product {
            id: self.id,
            sku: self.sku.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            image: self.image.clone(),
            currency: self.currency.code().to_owned(),
            denominations: self.denominations.iter().map(|d| self.money(*d)).collect(),
            custom_min: self.range.map(|r| self.money(r.0)),
            custom_max: self.range.map(|r| self.money(r.1)),
            validity_days: self.validity_days,
            terms: self.terms.clone(),
            position: self.position,
            active: self.active,
            cards_sold: self.cards_sold,
            created_at: time::format(self.created_at),
        }
    }

    /// Whether `minor` (in the product's currency) is one of its amounts.
    pub fn allows(&self, minor: i64) -> bool {
        self.denominations.contains(&minor)
            || self
                .range
                .is_some_and(|(lo, hi)| lo <= minor && minor <= hi)
    }

    /// What the product offers, in words: `25.00 or 50.00 USD, or any amount
    /// from 10.00 to 200.00 USD`.
    pub fn describe(&self) -> String {
        let code = self.currency.code();
        let mut parts = Vec::new();
        if !self.denominations.is_empty() {
            let list: Vec<String> = self
                .denominations
                .iter()
                .map(|d| self.currency.format(*d))
                .collect();
            parts.push(format!("{} {code}", join_or(&list)));
        }
        if let Some((lo, hi)) = self.range {
            parts.push(format!(
                "any amount from {} to {} {code}",
                self.currency.format(lo),
                self.currency.format(hi)
            ));
        }
        parts.join(", or ")
    }
}

/// `a`, `a or b`, `a, b or c`.
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The checked fields of a `ProductInput`.
struct Checked {
    sku: String,
    currency: Currency,
    denominations: Vec<i64>,
    range: Option<(i64, i64)>,
}

fn check_input(input: &ProductInput) -> Result<Checked> {
    let sku = input.sku.trim();
    check_text("sku", sku, 64, true)?;
    check_text("name", &input.name, 200, true)?;
    if let Some(image) = &input.image {
        check_text("image", image, 1000, false)?;
    }
    for (field, value, max) in [
        ("description", &input.description, 4000),
        ("terms", &input.terms, 10_000),
    ] {
        if let Some(v) = value {
            crate::cards::check_multiline(field, v, max)?;
        }
    }
    let currency = Currency::parse(&input.currency)?;
    let field_amount = |field: &str, given: &GivenAmount| -> Result<i64> {
        currency
            .positive_of(given)
            .map_err(|e| crate::error::prefix(field, e))
    };
    if input.denominations.len() > MAX_DENOMINATIONS {
        return Err(Error::InvalidArgument(format!(
            "denominations: at most {MAX_DENOMINATIONS}"
        )));
    }
    let mut denominations = Vec::with_capacity(input.denominations.len());
    for given in &input.denominations {
        let minor = field_amount("denominations", given)?;
        if denominations.contains(&minor) {
            return Err(Error::InvalidArgument(format!(
                "denominations: {} is listed twice",
                currency.format(minor)
            )));
        }
        denominations.push(minor);
    }
    denominations.sort_unstable();
    let range = match (&input.custom_min, &input.custom_max) {
        (None, None) => None,
        (Some(lo), Some(hi)) => {
            let (lo, hi) = (
                field_amount("custom-min", lo)?,
                field_amount("custom-max", hi)?,
            );
            if lo > hi {
                return Err(Error::InvalidArgument(format!(
                    "custom-min {} is larger than custom-max {}",
                    currency.format(lo),
                    currency.format(hi)
                )));
            }
            Some((lo, hi))
        }
        _ => {
            return Err(Error::InvalidArgument(
                "custom-min and custom-max: give both ends of the range or neither".into(),
            ));
        }
    };
    if denominations.is_empty() && range.is_none() {
        return Err(Error::InvalidArgument(
            "a product needs denominations, a custom-min/custom-max range, or both".into(),
        ));
    }
    if let Some(days) = input.validity_days
        && days > MAX_VALIDITY_DAYS
    {
        return Err(Error::InvalidArgument(format!(
            "validity-days: 0 (never expires) to {MAX_VALIDITY_DAYS}"
        )));
    }
    if input.position == Some(0) {
        return Err(Error::InvalidArgument(
            "position: 1 or more (1 is shown first)".into(),
        ));
    }
    Ok(Checked {
        sku: sku.to_owned(),
        currency,
        denominations,
        range,
    })
}

const SELECT: &str = "SELECT p.id, p.sku, p.name, p.description, p.image, p.currency, \
     p.denominations, p.custom_min, p.custom_max, p.validity_days, p.terms, p.position, \
     p.active, p.created_at, \
     (SELECT COUNT(*) FROM gc_cards c WHERE c.product_id = p.id) AS cards_sold \
     FROM gc_products p";

fn load_where(
    env: &mut dyn Environment,
    clause: &str,
    params: &[Value],
) -> Result<Vec<StoredProduct>> {
    let rows = env.db().execute(&format!("{SELECT} {clause}"), params)?;
    rows.iter().map(|r| StoredProduct::from_row(&r)).collect()
}

/// One product by id, active or not.
pub fn load(env: &mut dyn Environment, id: u64) -> Result<StoredProduct> {
    let id = i64::try_from(id).map_err(|_| Error::ProductNotFound)?;
    load_where(env, "WHERE p.id = ?1", &[Value::Integer(id)])?
        .into_iter()
        .next()
        .ok_or(Error::ProductNotFound)
}

/// The product with this SKU, active or not.
pub fn find_by_sku(env: &mut dyn Environment, sku: &str) -> Result<Option<StoredProduct>> {
    Ok(load_where(env, "WHERE p.sku = ?1", &[Value::from(sku)])?
        .into_iter()
        .next())
}

fn all(env: &mut dyn Environment) -> Result<Vec<StoredProduct>> {
    load_where(env, "ORDER BY p.position, p.id", &[])
}

fn sku_taken(env: &mut dyn Environment, sku: &str, except: Option<u64>) -> Result<bool> {
    Ok(find_by_sku(env, sku)?.is_some_and(|p| Some(p.id) != except))
}

fn join_minor(values: &[i64]) -> String {
    values
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Checks `input` for a new product (`except` is `None`) or for product
/// `except`, and gives the values of its columns `sku` to `terms`, in the
/// order both create and update write them.
fn checked_columns(
    env: &mut dyn Environment,
    input: &ProductInput,
    except: Option<u64>,
) -> Result<Vec<Value>> {
    let c = check_input(input)?;
    if sku_taken(env, &c.sku, except)? {
        return Err(Error::InvalidArgument(format!(
            "sku: another product already has `{}`",
            c.sku
        )));
    }
    Ok(vec![
        Value::from(c.sku),
        Value::from(input.name.as_str()),
        Value::from(input.description.as_deref()),
        Value::from(input.image.as_deref()),
        Value::from(c.currency.code()),
        Value::from(join_minor(&c.denominations)),
        Value::from(c.range.map(|r| r.0)),
        Value::from(c.range.map(|r| r.1)),
        Value::from(input.validity_days.map(i64::from)),
        Value::from(input.terms.as_deref()),
    ])
}

/// Creates a product.
pub fn create(env: &mut dyn Environment, input: ProductInput) -> Result<Product> {
    let columns = checked_columns(env, &input, None)?;
    let position = match input.position {
        Some(p) => i64::from(p),
        None => {
            let rows = env.db().execute(
                "SELECT COALESCE(MAX(position), 0) AS last FROM gc_products",
                &[],
            )?;
            rows.first_i64_or_zero("last")? + 1
        }
    };
    let id = next_ids(env, "product", 1)?;
    let now = env.now();
    let mut values = vec![Value::Integer(id)];
    values.extend(columns);
    values.extend([
        Value::Integer(position),
        Value::Integer(i64::from(input.active)),
        Value::Integer(now),
    ]);
    env.db().execute(
        "INSERT INTO gc_products (id, sku, name, description, image, currency, denominations, \
         custom_min, custom_max, validity_days, terms, position, active, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        &values,
    )?;
    Ok(load(env, id as u64)?.to_product())
}

/// Replaces every field of a product.
pub fn update(env: &mut dyn Environment, req: UpdateProduct) -> Result<Product> {
    let existing = load(env, req.id)?;
    let input = req.product;
    let mut values = checked_columns(env, &input, Some(existing.id))?;
    let position = input.position.unwrap_or(existing.position);
    values.extend([
        Value::Integer(i64::from(position)),
        Value::Integer(i64::from(input.active)),
        Value::Integer(existing.id as i64),
    ]);
    env.db().execute(
        "UPDATE gc_products SET sku = ?1, name = ?2, description = ?3, image = ?4, \
         currency = ?5, denominations = ?6, custom_min = ?7, custom_max = ?8, \
         validity_days = ?9, terms = ?10, position = ?11, active = ?12 WHERE id = ?13",
        &values,
    )?;
    Ok(load(env, existing.id)?.to_product())
}

pub fn get(env: &mut dyn Environment, id: u64) -> Result<Product> {
    Ok(load(env, id)?.to_product())
}

/// By position (ties by id); inactive products only when asked.
pub fn list(env: &mut dyn Environment, include_inactive: bool) -> Result<Vec<Product>> {
    Ok(all(env)?
        .iter()
        .filter(|p| include_inactive || p.active)
        .map(StoredProduct::to_product)
        .collect())
}

/// The products named come first, in this order; the others follow in their
/// previous order. Positions are renumbered 1, 2, …; returns every product.
pub fn reorder(env: &mut dyn Environment, ids: Vec<u64>) -> Result<Vec<Product>> {
    let mut products = all(env)?;
    let mut ordered = Vec::with_capacity(products.len());
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(Error::InvalidArgument(format!(
                "ids: product {id} is named twice"
            )));
        }
        let at = products
            .iter()
            .position(|p| p.id == *id)
            .ok_or(Error::ProductNotFound)?;
        ordered.push(products.remove(at));
    }
    ordered.extend(products);
    for (i, p) in ordered.iter_mut().enumerate() {
        let position = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if p.position != position {
            env.db().execute(
                "UPDATE gc_products SET position = ?1 WHERE id = ?2",
                &[
                    Value::Integer(i64::from(position)),
                    Value::Integer(p.id as i64),
                ],
            )?;
            p.position = position;
        }
    }
    Ok(ordered.iter().map(StoredProduct::to_product).collect())
}

pub fn set_active(env: &mut dyn Environment, req: SetActive) -> Result<Product> {
    let p = load(env, req.id)?;
    env.db().execute(
        "UPDATE gc_products SET active = ?1 WHERE id = ?2",
        &[
            Value::Integer(i64::from(req.active)),
            Value::Integer(p.id as i64),
        ],
    )?;
    Ok(load(env, p.id)?.to_product())
}

/// Deletes a product that never sold a card.
pub fn delete(env: &mut dyn Environment, id: u64) -> Result<()> {
    let p = load(env, id)?;
    if p.cards_sold > 0 {
        return Err(Error::ProductHasSales);
    }
    env.db().execute(
        "DELETE FROM gc_products WHERE id = ?1",
        &[Value::Integer(p.id as i64)],
    )?;
    Ok(())
}

/// An amount against an active product, normalised.
pub fn check_amount(env: &mut dyn Environment, req: CheckAmount) -> Result<Money> {
    let p = load(env, req.id)?;
    if !p.active {
        return Err(Error::ProductNotFound);
    }
    let minor = p
        .currency
        .minor_of(&req.amount)
        .map_err(|e| crate::error::prefix("amount", e))?;
    check_allowed(&p, minor)?;
    Ok(p.money(minor))
}

fn check_allowed(p: &StoredProduct, minor: i64) -> Result<()> {
    if minor > 0 && p.allows(minor) {
        return Ok(());
    }
    Err(Error::InvalidPurchaseAmount(format!(
        "{} {} is not offered by product `{}`: choose {}",
        p.currency.format(minor),
        p.currency.code(),
        p.sku,
        p.describe()
    )))
}

/// A gift-card line's unit price (`unit_price`, minor units of `currency`,
/// the quote's currency) checked against what may be bought under `sku`:
/// the active product with that SKU, or for a SKU that is no product, the
/// `allowed-amounts` setting (in `base`, the website's base currency; empty
/// allows any amount). A price in another currency is converted the way the
/// card's value will be when its invoice is paid (host rate, half up), so
/// what is checked is exactly the value the card will carry. Returns the
/// product, if the SKU is one.
pub fn check_purchase(
    env: &mut dyn Environment,
    settings: &Settings,
    sku: &str,
    currency: Currency,
    base: Currency,
    unit_price: i64,
) -> Result<Option<StoredProduct>> {
    let convert = |env: &mut dyn Environment, to: Currency| -> Result<i64> {
        Ok(match rates::lookup(env, currency, to)? {
            None => unit_price,
            Some(rate) => rates::convert_half_up(unit_price, &rate),
        })
    };
    if let Some(p) = find_by_sku(env, sku)? {
        if !p.active {
            return Err(Error::ProductNotFound);
        }
        let value = convert(env, p.currency)?;
        check_allowed(&p, value)?;
        return Ok(Some(p));
    }
    if settings.allowed_amounts.is_empty() {
        return Ok(None);
    }
    let value = convert(env, base)?;
    let allowed: Vec<i64> = settings
        .allowed_amounts
        .iter()
        .filter_map(|a| base.parse_positive(a).ok())
        .collect();
    if allowed.contains(&value) {
        return Ok(None);
    }
    let list: Vec<String> = allowed.iter().map(|a| base.format(*a)).collect();
    Err(Error::InvalidPurchaseAmount(if list.is_empty() {
        format!(
            "no gift-card amount is allowed in {} (see the allowed-amounts setting)",
            base.code()
        )
    } else {
        format!(
            "{} {} is not an allowed gift-card amount: choose {} {}",
            base.format(value),
            base.code(),
            join_or(&list),
            base.code()
        )
    }))
}

#[cfg(test)]
mod tests;
