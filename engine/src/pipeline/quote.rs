//! Reading a shop's quote or order context into exact minor units, refusing
//! anything malformed with a typed error before a single row is touched.
//!
//! A line's total is `row total − discount + tax`; the quote's total before
//! gift cards is the lines plus shipping and its tax. Gift cards may pay every
//! line except gift-card products, and shipping only when the
//! `cards-cover-shipping` setting says so.

use crate::cards::code;
use crate::cards::{check_email, check_text};
use crate::error::{Error, Result, prefix};
use crate::model::{GiftCardPurchase, Line, ProductKind, Quote};
use crate::money::{Currency, GivenAmount};
use std::fmt::Display;

/// Lines a quote may hold; far above any real cart, low enough to bound work.
pub const MAX_LINES: usize = 2_000;
/// Codes a quote may hold.
pub const MAX_CODES: usize = 50;

/// One line, checked and in minor units of the quote's currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedLine {
    pub id: String,
    pub sku: String,
    pub kind: ProductKind,
    pub quantity: i64,
    pub unit_price: i64,
    pub row_total: i64,
    pub discount: i64,
    pub tax: i64,
    pub gift_card: Option<GiftCardPurchase>,
}

impl ParsedLine {
    /// What the line costs after discount, with tax.
    pub fn total(&self) -> i64 {
        self.row_total - self.discount + self.tax
    }
}

/// Lines plus shipping, checked: what quotes and invoices share.
#[derive(Clone, Debug)]
pub struct ParsedLines {
    pub lines: Vec<ParsedLine>,
    pub shipping: i64,
    pub shipping_tax: i64,
}

impl ParsedLines {
    pub fn total(&self) -> i64 {
        self.lines.iter().map(ParsedLine::total).sum::<i64>() + self.shipping + self.shipping_tax
    }

    /// The part gift cards may pay.
    pub fn eligible(&self, cards_cover_shipping: bool) -> i64 {
        let lines: i64 = self
            .lines
            .iter()
            .filter(|l| l.kind != ProductKind::GiftCard)
            .map(ParsedLine::total)
            .sum();
        if cards_cover_shipping {
            lines + self.shipping + self.shipping_tax
        } else {
            lines
        }
    }

    pub fn has_gift_card_product(&self) -> bool {
        self.lines.iter().any(|l| l.kind == ProductKind::GiftCard)
    }
}

/// Where, in what money and for whom a quote is: an order placed from it
/// keeps these as they were, so both carry this one record.
#[derive(Clone, Debug)]
pub struct OrderContext {
    pub website: String,
    pub currency: Currency,
    pub base_currency: Currency,
    pub customer_id: Option<String>,
    /// The customer's email, recorded as the purchaser of cards they buy.
    pub customer_email: Option<String>,
    pub test: bool,
}

/// A quote, checked.
#[derive(Clone, Debug)]
pub struct ParsedQuote {
    pub id: String,
    pub context: OrderContext,
    pub body: ParsedLines,
    /// The applied codes, normalized, in application order.
    pub codes: Vec<String>,
    /// The codes as the quote held them, same order.
    pub raw_codes: Vec<String>,
    /// The customer's groups (empty for a guest).
    pub customer_groups: Vec<String>,
    /// Upper-case ISO 3166-1 alpha-2 countries, when the quote gives them.
    pub shipping_country: Option<String>,
    pub billing_country: Option<String>,
}

impl ParsedQuote {
    /// The lines' SKUs, in line order.
    pub fn skus(&self) -> impl Iterator<Item = &str> {
        self.body.lines.iter().map(|l| l.sku.as_str())
    }
}

fn amount(currency: Currency, field: impl Display, given: &GivenAmount) -> Result<i64> {
    let minor = currency.minor_of(given).map_err(|e| prefix(&field, e))?;
    if minor < 0 {
        return Err(Error::InvalidAmount(format!(
            "{field}: must not be negative"
        )));
    }
    Ok(minor)
}

/// A line's field as messages name it (`line 3: unit-price`), written out
/// only when a message is: built eagerly, the labels cost a fault-free
/// 200-line quote about a third of its collection's instructions.
#[derive(Clone, Copy)]
struct LineField<'a> {
    line: &'a str,
    field: &'static str,
}

impl Display for LineField<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.field)
    }
}

/// Checks one line.
pub fn parse_line(currency: Currency, line: Line) -> Result<ParsedLine> {
    check_text("line id", &line.id, 100, true)?;
    let at = |field| LineField {
        line: &line.id,
        field,
    };
    check_text(at("sku"), &line.sku, 200, true)?;
    if line.quantity < 1 {
        return Err(Error::InvalidArgument(format!(
            "line {}: quantity must be at least 1, not {}",
            line.id, line.quantity
        )));
    }
    let quantity = i64::from(line.quantity);
    let unit_price = amount(currency, at("unit-price"), &line.unit_price)?;
    let row_total = amount(currency, at("row-total"), &line.row_total)?;
    let discount = amount(currency, at("discount"), &line.discount)?;
    let tax = amount(currency, at("tax"), &line.tax)?;
    if unit_price.checked_mul(quantity) != Some(row_total) {
        return Err(Error::InvalidAmount(format!(
            "line {}: row-total {} is not quantity {} × unit-price {}",
            line.id, line.row_total, line.quantity, line.unit_price
        )));
    }
    if row_total > currency.max_minor() {
        return Err(Error::InvalidAmount(format!(
            "{}: too large",
            at("row-total")
        )));
    }
    if discount > row_total {
        return Err(Error::InvalidAmount(format!(
            "{}: larger than the row total",
            at("discount")
        )));
    }
    match (&line.gift_card, line.kind) {
        (Some(_), ProductKind::Simple | ProductKind::Digital) => {
            return Err(Error::InvalidArgument(format!(
                "line {}: gift-card details on a line that is not a gift-card product",
                line.id
            )));
        }
        (Some(p), ProductKind::GiftCard) => check_purchase(&line.id, p)?,
        _ => {}
    }
    if line.kind == ProductKind::GiftCard && unit_price == 0 {
        return Err(Error::InvalidAmount(format!(
            "{}: a gift card's value must be positive",
            at("unit-price")
        )));
    }
    // The line is the caller's to give: its strings move into the parsed
    // line instead of being copied (two allocations and copies a line).
    Ok(ParsedLine {
        id: line.id,
        sku: line.sku,
        kind: line.kind,
        quantity,
        unit_price,
        row_total,
        discount,
        tax,
        gift_card: line.gift_card,
    })
}

fn check_purchase(line: &str, p: &GiftCardPurchase) -> Result<()> {
    let at = |field| LineField { line, field };
    for (field, value, max) in [
        ("recipient-name", &p.recipient_name, 200),
        ("recipient-email", &p.recipient_email, 254),
        ("sender-name", &p.sender_name, 200),
        ("sender-email", &p.sender_email, 254),
    ] {
        if let Some(v) = value {
            check_text(at(field), v, max, false)?;
        }
    }
    // The one field that keeps its line breaks.
    if let Some(message) = &p.message {
        crate::cards::check_multiline(at("message"), message, 2000)?;
    }
    for (field, email) in [
        ("recipient-email", &p.recipient_email),
        ("sender-email", &p.sender_email),
    ] {
        if let Some(e) = email {
            check_email(at(field), e)?;
        }
    }
    if let Some(phone) = &p.recipient_phone {
        crate::cards::contact::normalise_phone(phone)
            .map_err(|why| Error::InvalidArgument(format!("{}: {why}", at("recipient-phone"))))?;
    }
    if let Some(at_text) = &p.deliver_at {
        crate::cards::contact::parse_delivery_date(&at("deliver-at").to_string(), at_text)?;
    }
    if let Some(days) = p.validity_days
        && days > crate::settings::MAX_VALIDITY_DAYS
    {
        return Err(Error::InvalidExpiry(format!(
            "{}: at most {}",
            at("validity-days"),
            crate::settings::MAX_VALIDITY_DAYS
        )));
    }
    Ok(())
}

/// Checks lines and shipping in one currency; line ids must be unique.
pub fn parse_lines(
    currency: Currency,
    lines: Vec<Line>,
    shipping: &GivenAmount,
    shipping_tax: &GivenAmount,
) -> Result<ParsedLines> {
    if lines.len() > MAX_LINES {
        return Err(Error::InvalidArgument(format!(
            "lines: at most {MAX_LINES}"
        )));
    }
    let mut parsed = Vec::with_capacity(lines.len());
    // Lines are checked in order, so a repeated id is refused at its second
    // line (after any earlier line's own error).
    let repeated = first_repeated_id(&lines);
    for (i, line) in lines.into_iter().enumerate() {
        if repeated == Some(i) {
            return Err(Error::InvalidArgument(format!(
                "line id `{}` appears twice",
                line.id
            )));
        }
        parsed.push(parse_line(currency, line)?);
    }
    let body = ParsedLines {
        lines: parsed,
        shipping: amount(currency, "shipping", shipping)?,
        shipping_tax: amount(currency, "shipping-tax", shipping_tax)?,
    };
    if body.total() > currency.max_minor() {
        return Err(Error::InvalidAmount("the total is too large".into()));
    }
    Ok(body)
}

/// The position of the first line whose id an earlier line has. Sorting the
/// borrowed ids finds out whether any id repeats at a fraction of the cost
/// of hashing each into a set (which took about 7 % of a 200-line
/// collection); only then is the set walked in order.
fn first_repeated_id(lines: &[Line]) -> Option<usize> {
    let mut ids: Vec<&str> = lines.iter().map(|l| l.id.as_str()).collect();
    ids.sort_unstable();
    if !ids.windows(2).any(|pair| pair[0] == pair[1]) {
        return None;
    }
    let mut seen = std::collections::HashSet::new();
    lines.iter().position(|line| !seen.insert(line.id.as_str()))
}

/// Checks a whole quote. Applied codes that are malformed are kept (they are
/// reported as dropped by the collector); the same code twice is refused.
pub fn parse(quote: Quote) -> Result<ParsedQuote> {
    check_text("quote id", &quote.id, 200, true)?;
    check_text("website", &quote.website, 100, true)?;
    check_text("store", &quote.store, 100, true)?;
    let currency = Currency::parse(&quote.currency)?;
    let base_currency = Currency::parse(&quote.base_currency)?;
    if let Some(c) = &quote.customer {
        check_text("customer id", &c.id, 200, true)?;
        if let Some(email) = &c.email {
            check_text("customer email", email, 254, true)?;
        }
    }
    let body = parse_lines(currency, quote.lines, &quote.shipping, &quote.shipping_tax)?;
    if quote.applied_codes.len() > MAX_CODES {
        return Err(Error::InvalidArgument(format!(
            "applied-codes: at most {MAX_CODES}"
        )));
    }
    let mut codes = Vec::with_capacity(quote.applied_codes.len());
    for raw in &quote.applied_codes {
        let normalized = code::normalize(raw).unwrap_or_else(|_| raw.clone());
        if codes.contains(&normalized) {
            return Err(Error::CodeAlreadyApplied);
        }
        codes.push(normalized);
    }
    let (customer_id, customer_email, customer_groups) = match quote.customer {
        Some(c) => (Some(c.id), c.email, c.groups),
        None => (None, None, Vec::new()),
    };
    let country = |field: &str, given: &Option<String>| {
        given
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(|c| crate::catalog::batches::country(field, c))
            .transpose()
    };
    Ok(ParsedQuote {
        shipping_country: country("shipping-country", &quote.shipping_country)?,
        billing_country: country("billing-country", &quote.billing_country)?,
        customer_groups,
        id: quote.id,
        context: OrderContext {
            website: quote.website,
            currency,
            base_currency,
            customer_id,
            customer_email,
            test: quote.test,
        },
        body,
        codes,
        raw_codes: quote.applied_codes,
    })
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::testing::line;
    use proptest::prelude::*;

    fn lines(ids: &[&str]) -> Vec<Line> {
        ids.iter()
            .map(|id| line(id, ProductKind::Simple, 1, "10", "10"))
            .collect()
    }

    fn parse_usd(lines: Vec<Line>) -> Result<ParsedLines> {
        let usd = Currency::parse("USD").unwrap();
        parse_lines(usd, lines, &"0".into(), &"0".into())
    }

    #[test]
    fn a_repeated_line_id_is_refused_at_its_second_line() {
        let err = parse_usd(lines(&["a", "b", "a"])).unwrap_err();
        crate::assert_says!(err, Error::InvalidArgument, "line id `a` appears twice");
        // An earlier line's own error comes first…
        let mut given = lines(&["a", "b", "a"]);
        given[1].quantity = 0;
        let err = parse_usd(given).unwrap_err();
        crate::assert_says!(
            err,
            Error::InvalidArgument,
            "line b: quantity must be at least 1"
        );
        // …and a later one's after the repeat.
        let mut given = lines(&["a", "a", "c"]);
        given[2].quantity = 0;
        let err = parse_usd(given).unwrap_err();
        crate::assert_says!(err, Error::InvalidArgument, "line id `a` appears twice");
    }

    #[test]
    fn parsed_lines_keep_their_ids_and_skus() {
        let parsed = parse_usd(lines(&["1", "2"])).unwrap();
        let ids: Vec<_> = parsed.lines.iter().map(|l| (&*l.id, &*l.sku)).collect();
        assert_eq!(ids, [("1", "SKU-1"), ("2", "SKU-2")]);
    }

    proptest! {
        /// The sorted pre-check never changes which line is refused: the
        /// answer is the first line whose id an earlier line has.
        #[test]
        fn first_repeated_id_is_the_first_repeat(ids in prop::collection::vec("[a-d]{1,2}", 0..12)) {
            let given: Vec<&str> = ids.iter().map(String::as_str).collect();
            let expected = given
                .iter()
                .enumerate()
                .position(|(i, id)| given[..i].contains(id));
            prop_assert_eq!(first_repeated_id(&lines(&given)), expected);
        }
    }
}
