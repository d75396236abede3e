//! Order hooks. Placement takes the balances, atomically and once; every
//! later hook (invoices, credit memos, cancellation) works from what placement
//! recorded: the order's gift-card amount, what each card paid, and (from
//! schema v5 on) every line and the shipping, so that invoices and credit
//! memos are checked against what was ordered instead of being believed.

use crate::cards::{self, StoredCard};
use crate::db::{Row, Value};
use crate::env::Environment;
use crate::error::{Error, Result};
use crate::model::*;
use crate::money::Currency;
use crate::movements::{self, replay};
use crate::quote::{self, ParsedQuote};
use crate::redemption;
use crate::settings;
use crate::split;
use crate::time::Seconds;

/// Schema v5: the lines of each order as placed, so later hooks can check
/// what they are told against what was ordered.
///
/// Orders placed before v5 have no recorded lines: `lines_recorded` stays 0
/// for them, and their invoices and memos keep the old, unchecked behaviour
/// (there is nothing to check them against). Every order placed from v5 on
/// has `lines_recorded = 1`.
pub const SCHEMA_V5: &[&str] = &[
    "ALTER TABLE gc_orders ADD COLUMN lines_recorded BIGINT NOT NULL DEFAULT 0",
    // The order's shipping and its tax as placed, and how much of each the
    // invoices have taken so far (minor units of the order's currency).
    "ALTER TABLE gc_orders ADD COLUMN shipping BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE gc_orders ADD COLUMN shipping_tax BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE gc_orders ADD COLUMN invoiced_shipping BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE gc_orders ADD COLUMN invoiced_shipping_tax BIGINT NOT NULL DEFAULT 0",
    // One row per placed line: what was ordered (amounts in the order's minor
    // units, the gift-card purchase as JSON) and what invoices and memos have
    // taken of it. The CHECKs are a last line of defence behind the hooks' own
    // checks and guarded updates.
    "CREATE TABLE gc_order_lines (
        order_id TEXT NOT NULL REFERENCES gc_orders (order_id),
        line_id TEXT NOT NULL,
        position BIGINT NOT NULL,
        sku TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('simple', 'digital', 'gift-card')),
        quantity BIGINT NOT NULL CHECK (quantity > 0),
        unit_price BIGINT NOT NULL CHECK (unit_price >= 0),
        row_total BIGINT NOT NULL CHECK (row_total >= 0),
        discount BIGINT NOT NULL CHECK (discount >= 0),
        tax BIGINT NOT NULL CHECK (tax >= 0),
        gift_card TEXT,
        invoiced_quantity BIGINT NOT NULL DEFAULT 0,
        invoiced_discount BIGINT NOT NULL DEFAULT 0,
        invoiced_tax BIGINT NOT NULL DEFAULT 0,
        refunded_quantity BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (order_id, line_id),
        CHECK (invoiced_quantity >= 0 AND invoiced_quantity <= quantity),
        CHECK (invoiced_discount >= 0 AND invoiced_discount <= discount),
        CHECK (invoiced_tax >= 0 AND invoiced_tax <= tax),
        CHECK (refunded_quantity >= 0 AND refunded_quantity <= invoiced_quantity)
    )",
];

/// An order as placement recorded it; amounts in its currency's minor units.
#[derive(Clone, Debug)]
pub struct StoredOrder {
    pub order_id: String,
    pub website: String,
    pub currency: Currency,
    pub base_currency: Currency,
    pub customer_id: Option<String>,
    /// The buyer's email as the quote gave it (purchaser of bought cards).
    pub customer_email: Option<String>,
    pub test: bool,
    pub cards_cover_shipping: bool,
    pub total_before_cards: i64,
    pub gift_card_amount: i64,
    pub invoiced_total: i64,
    pub invoiced_gift_card: i64,
    pub refunded_total: i64,
    pub refunded_gift_card: i64,
    pub restored_gift_card: i64,
    pub cancelled_at: Option<Seconds>,
    /// False for orders placed before schema v5: no lines to check against.
    pub lines_recorded: bool,
    pub shipping: i64,
    pub shipping_tax: i64,
    pub invoiced_shipping: i64,
    pub invoiced_shipping_tax: i64,
}

impl StoredOrder {
    fn from_row(row: &Row<'_>) -> Result<StoredOrder> {
        let currency = |name: &str| -> Result<Currency> {
            Currency::parse(&row.text(name)?)
                .map_err(|_| Error::Database(format!("stored order {name}")))
        };
        Ok(StoredOrder {
            order_id: row.text("order_id")?,
            website: row.text("website")?,
            currency: currency("currency")?,
            base_currency: currency("base_currency")?,
            customer_id: row.opt_text("customer_id")?,
            customer_email: row.opt_text("customer_email")?,
            test: row.i64("is_test")? != 0,
            cards_cover_shipping: row.i64("cards_cover_shipping")? != 0,
            total_before_cards: row.i64("total_before_cards")?,
            gift_card_amount: row.i64("gift_card_amount")?,
            invoiced_total: row.i64("invoiced_total")?,
            invoiced_gift_card: row.i64("invoiced_gift_card")?,
            refunded_total: row.i64("refunded_total")?,
            refunded_gift_card: row.i64("refunded_gift_card")?,
            restored_gift_card: row.i64("restored_gift_card")?,
            cancelled_at: row.opt_i64("cancelled_at")?,
            lines_recorded: row.i64("lines_recorded")? != 0,
            shipping: row.i64("shipping")?,
            shipping_tax: row.i64("shipping_tax")?,
            invoiced_shipping: row.i64("invoiced_shipping")?,
            invoiced_shipping_tax: row.i64("invoiced_shipping_tax")?,
        })
    }

    /// Who the order's ledger rows name.
    pub fn actor(&self) -> Actor {
        match &self.customer_id {
            Some(id) => Actor::Customer(id.clone()),
            None => Actor::System,
        }
    }
}

/// One card's part in a placed order.
#[derive(Clone, Debug)]
pub struct OrderCard {
    pub position: i64,
    pub card_id: CardId,
    /// Order currency.
    pub applied: i64,
    /// Card currency.
    pub debited: i64,
    /// Order currency: refunded or restored so far.
    pub returned: i64,
    /// Card currency: the part of `debited` that has come back so far, to
    /// the card itself or (a memo to a new card or to account credit) as its
    /// equivalent elsewhere; `debited − credited` is what is still out.
    pub credited: i64,
}

impl OrderCard {
    /// What is still out on this card, in the order's currency.
    pub fn outstanding(&self) -> i64 {
        self.applied - self.returned
    }

    /// The card-currency credit for returning `share` (order currency): the
    /// exact rest when the card's whole part comes back, otherwise the same
    /// proportion of what was debited, rounded half up.
    pub fn credit_for(&self, share: i64) -> i64 {
        if share >= self.outstanding() {
            self.debited - self.credited
        } else {
            split::mul_div_half_up(share, self.debited, self.applied)
                .min(self.debited - self.credited)
        }
    }
}

pub fn load(env: &mut dyn Environment, order_id: &str) -> Result<StoredOrder> {
    let rows = env.db().execute(
        "SELECT order_id, website, currency, base_currency, customer_id, customer_email, is_test, \
         cards_cover_shipping, total_before_cards, gift_card_amount, invoiced_total, \
         invoiced_gift_card, refunded_total, refunded_gift_card, restored_gift_card, cancelled_at, \
         lines_recorded, shipping, shipping_tax, invoiced_shipping, invoiced_shipping_tax \
         FROM gc_orders WHERE order_id = ?1",
        &[Value::from(order_id)],
    )?;
    rows.first()
        .map(|r| StoredOrder::from_row(&r))
        .transpose()?
        .ok_or(Error::OrderNotFound)
}

pub fn order_cards(env: &mut dyn Environment, order_id: &str) -> Result<Vec<OrderCard>> {
    let rows = env.db().execute(
        "SELECT position, card_id, applied, debited, returned, credited FROM gc_order_cards \
         WHERE order_id = ?1 ORDER BY position",
        &[Value::from(order_id)],
    )?;
    rows.iter()
        .map(|r| {
            Ok(OrderCard {
                position: r.i64("position")?,
                card_id: r.i64("card_id")? as u64,
                applied: r.i64("applied")?,
                debited: r.i64("debited")?,
                returned: r.i64("returned")?,
                credited: r.i64("credited")?,
            })
        })
        .collect()
}

/// One line of an order as placement recorded it, with what invoices and
/// credit memos have taken of it so far. Amounts in the order currency's
/// minor units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderLine {
    pub line_id: String,
    pub position: i64,
    pub sku: String,
    pub kind: ProductKind,
    pub quantity: i64,
    pub unit_price: i64,
    pub row_total: i64,
    pub discount: i64,
    pub tax: i64,
    pub gift_card: Option<GiftCardPurchase>,
    pub invoiced_quantity: i64,
    pub invoiced_discount: i64,
    pub invoiced_tax: i64,
    pub refunded_quantity: i64,
}

impl OrderLine {
    fn from_row(row: &Row<'_>) -> Result<OrderLine> {
        let gift_card = row
            .opt_text("gift_card")?
            .map(|json| {
                serde_json::from_str(&json)
                    .map_err(|e| Error::Database(format!("stored order line gift card: {e}")))
            })
            .transpose()?;
        Ok(OrderLine {
            line_id: row.text("line_id")?,
            position: row.i64("position")?,
            sku: row.text("sku")?,
            kind: kind_from_name(&row.text("kind")?)?,
            quantity: row.i64("quantity")?,
            unit_price: row.i64("unit_price")?,
            row_total: row.i64("row_total")?,
            discount: row.i64("discount")?,
            tax: row.i64("tax")?,
            gift_card,
            invoiced_quantity: row.i64("invoiced_quantity")?,
            invoiced_discount: row.i64("invoiced_discount")?,
            invoiced_tax: row.i64("invoiced_tax")?,
            refunded_quantity: row.i64("refunded_quantity")?,
        })
    }

    /// Units not yet invoiced.
    pub fn left_to_invoice(&self) -> i64 {
        self.quantity - self.invoiced_quantity
    }

    /// Invoiced units not yet refunded.
    pub fn left_to_refund(&self) -> i64 {
        self.invoiced_quantity - self.refunded_quantity
    }
}

/// The stored spelling of a product kind (the WIT enum case).
pub(crate) fn kind_name(kind: ProductKind) -> &'static str {
    match kind {
        ProductKind::Simple => "simple",
        ProductKind::Digital => "digital",
        ProductKind::GiftCard => "gift-card",
    }
}

fn kind_from_name(name: &str) -> Result<ProductKind> {
    match name {
        "simple" => Ok(ProductKind::Simple),
        "digital" => Ok(ProductKind::Digital),
        "gift-card" => Ok(ProductKind::GiftCard),
        other => Err(Error::Database(format!("stored order line kind `{other}`"))),
    }
}

const LINE_COLUMNS: &str = "line_id, position, sku, kind, quantity, unit_price, row_total, \
     discount, tax, gift_card, invoiced_quantity, invoiced_discount, invoiced_tax, refunded_quantity";

/// The order's recorded lines, in the quote's order (empty for an order
/// placed before schema v5).
pub fn order_lines(env: &mut dyn Environment, order_id: &str) -> Result<Vec<OrderLine>> {
    let rows = env.db().execute(
        &format!("SELECT {LINE_COLUMNS} FROM gc_order_lines WHERE order_id = ?1 ORDER BY position"),
        &[Value::from(order_id)],
    )?;
    rows.iter().map(|r| OrderLine::from_row(&r)).collect()
}

/// One recorded line, fresh from the database.
pub fn order_line(env: &mut dyn Environment, order_id: &str, line_id: &str) -> Result<OrderLine> {
    let rows = env.db().execute(
        &format!("SELECT {LINE_COLUMNS} FROM gc_order_lines WHERE order_id = ?1 AND line_id = ?2"),
        &[Value::from(order_id), Value::from(line_id)],
    )?;
    rows.first()
        .map(|r| OrderLine::from_row(&r))
        .transpose()?
        .ok_or_else(|| Error::Database(format!("order line {line_id} is missing")))
}

/// Records every line of the placed quote and marks the order as recorded.
fn record_lines(env: &mut dyn Environment, order_id: &str, quote: &ParsedQuote) -> Result<()> {
    for (index, line) in quote.body.lines.iter().enumerate() {
        let gift_card = line
            .gift_card
            .as_ref()
            .map(|p| serde_json::to_string(p).expect("plain records serialize"));
        env.db().execute(
            "INSERT INTO gc_order_lines (order_id, line_id, position, sku, kind, quantity, \
             unit_price, row_total, discount, tax, gift_card) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            &[
                Value::from(order_id),
                Value::from(line.id.as_str()),
                Value::Integer(index as i64 + 1),
                Value::from(line.sku.as_str()),
                Value::from(kind_name(line.kind)),
                Value::Integer(line.quantity),
                Value::Integer(line.unit_price),
                Value::Integer(line.row_total),
                Value::Integer(line.discount),
                Value::Integer(line.tax),
                Value::from(gift_card),
            ],
        )?;
    }
    Ok(())
}

/// Records that `share` (order currency) and `credit` (card currency) came
/// back from one card of an order.
pub fn record_return(
    env: &mut dyn Environment,
    order_id: &str,
    card: &OrderCard,
    share: i64,
    credit: i64,
) -> Result<()> {
    env.db().execute(
        "UPDATE gc_order_cards SET returned = returned + ?1, credited = credited + ?2 \
         WHERE order_id = ?3 AND position = ?4",
        &[
            Value::Integer(share),
            Value::Integer(credit),
            Value::from(order_id),
            Value::Integer(card.position),
        ],
    )?;
    Ok(())
}

pub(crate) fn check_reference(field: &str, value: &str) -> Result<()> {
    cards::check_text(field, value, 200, true)
}

fn fingerprint(quote: &ParsedQuote, expected: &[ExpectedCard]) -> String {
    let codes: Vec<String> = expected
        .iter()
        .map(|e| {
            format!(
                "{}={}",
                crate::code::normalize(&e.code).unwrap_or_default(),
                e.applied
            )
        })
        .collect();
    format!(
        "{}|{}|{}|{}",
        quote.currency.code(),
        quote.body.total(),
        quote.codes.join(","),
        codes.join(",")
    )
}

/// The placement fingerprint since schema v5: the v4 one (currency, total,
/// codes, expectations) plus a hash of everything else the order is, its
/// lines line by line included, so that placing an order id again with
/// other lines (or for another customer) is refused as a changed replay
/// rather than answered with the first placement.
///
/// FNV-1a (64 bits) by hand, because a stored fingerprint must stay the
/// same across builds and Rust releases, which `std`'s hasher does not
/// promise; a collision could only make a changed replay return the first
/// answer, which writes nothing.
fn fingerprint_v5(quote: &ParsedQuote, expected: &[ExpectedCard]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |text: &str| {
        for b in text.bytes().chain(std::iter::once(0x1f)) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    feed(&quote.website);
    feed(quote.base_currency.code());
    feed(quote.customer_id.as_deref().unwrap_or(""));
    feed(if quote.test { "test" } else { "real" });
    feed(&quote.body.shipping.to_string());
    feed(&quote.body.shipping_tax.to_string());
    for line in &quote.body.lines {
        feed(&line.id);
        feed(&line.sku);
        feed(&format!("{:?}", line.kind));
        for n in [
            line.quantity,
            line.unit_price,
            line.row_total,
            line.discount,
            line.tax,
        ] {
            feed(&n.to_string());
        }
        feed(
            &line
                .gift_card
                .as_ref()
                .map(|g| serde_json::to_string(g).unwrap_or_default())
                .unwrap_or_default(),
        );
    }
    format!("v5|{}|{hash:016x}", fingerprint(quote, expected))
}

/// Takes the balances for an order.
pub fn placed(env: &mut dyn Environment, req: PlaceRequest) -> Result<PlacedOrder> {
    check_reference("order-id", &req.order_id)?;
    let quote = quote::parse(&req.quote)?;
    let print = fingerprint_v5(&quote, &req.expected);
    let legacy = fingerprint(&quote, &req.expected);
    if let Some(done) = replay::find_any(env, "placed", &req.order_id, &[&print, &legacy])? {
        return Ok(done);
    }
    if quote.body.has_gift_card_product() && !quote.codes.is_empty() {
        return Err(Error::GiftCardProductConflict);
    }
    // The purchase rules of `totals.check-add-line` again: the lines may have
    // been added without it, or the products and settings changed since.
    let settings = settings::load(env)?;
    for line in quote
        .body
        .lines
        .iter()
        .filter(|l| l.kind == ProductKind::GiftCard)
    {
        crate::totals::check_gift_card_line(env, &settings, &quote, line, req.channel)?;
    }
    // Every applied code needs exactly one expectation, and nothing else.
    let mut expected = Vec::with_capacity(req.expected.len());
    for e in &req.expected {
        let normalized = crate::code::normalize(&e.code).unwrap_or_else(|_| e.code.clone());
        if !quote.codes.contains(&normalized) {
            return Err(Error::InvalidArgument(format!(
                "expected: `{}` is not among the applied codes",
                e.code
            )));
        }
        if expected.iter().any(|(c, _)| *c == normalized) {
            return Err(Error::InvalidArgument(format!(
                "expected: `{}` appears twice",
                e.code
            )));
        }
        let amount = quote
            .currency
            .parse_amount(&e.applied)
            .map_err(|err| quote::prefix("expected", err))?;
        expected.push((normalized, amount));
    }
    if expected.len() != quote.codes.len() {
        return Err(Error::InvalidArgument(
            "expected: give what the collection said for every applied code".into(),
        ));
    }
    if let Ok(existing) = load(env, &req.order_id) {
        return Err(Error::InvalidArgument(format!(
            "order `{}` was already placed with different gift cards or totals",
            existing.order_id
        )));
    }

    let cover = settings.cards_cover_shipping;
    let collection = redemption::collect(env, &quote, cover)?;
    // A dropped code (say, no exchange rate) takes nothing; it blocks the
    // order only if the host expected it to pay something.
    for (raw, reason, masked) in &collection.dropped {
        let code = crate::code::normalize(raw).unwrap_or_else(|_| raw.clone());
        if expected.iter().any(|(c, a)| *c == code && *a != 0) {
            return Err(Error::CardNotApplicable(redemption::refusal(
                *reason,
                req.channel,
                masked.as_deref(),
            )));
        }
    }
    let c = quote.currency;
    for part in &collection.parts {
        let promised = expected
            .iter()
            .find(|(code, _)| *code == part.card.code)
            .map(|(_, a)| *a)
            .unwrap_or_default();
        if promised != part.applied {
            return Err(balance_changed(&part.card, c, promised, part.applied));
        }
    }

    let now = env.now();
    let order_ref = format!("order:{}", req.order_id);
    let actor = match &quote.customer_id {
        Some(id) => Actor::Customer(id.clone()),
        None => Actor::System,
    };
    let mut movements = Vec::new();
    let mut position = 0i64;
    let mut rows = Vec::new();
    for part in &collection.parts {
        if part.applied == 0 {
            continue;
        }
        let comment = format!("Order {}", req.order_id);
        let Some(after) =
            movements::debit(env, &part.card, part.debit, &order_ref, &actor, &comment)?
        else {
            // Changed under us: report what it could pay now.
            let fresh = cards::load(env, &CardRef::Id(part.card.id))?;
            let now_pays = if redemption::check(env, &fresh, &quote, now)?.is_some() {
                0
            } else {
                part.applied.min(match &part.rate {
                    None => fresh.balance,
                    Some(r) => crate::rates::convert_down(fresh.balance, r),
                })
            };
            return Err(balance_changed(&part.card, c, part.applied, now_pays));
        };
        position += 1;
        rows.push((position, part.card.id, part.applied, part.debit));
        movements.push(CardMovement {
            card_id: part.card.id,
            masked_code: part.card.masked_code.clone(),
            amount: part.card.money(-part.debit),
            order_amount: c.format(part.applied),
            balance_after: part.card.money(after),
            status: crate::status::by_balance(after),
            expiry_extended_to: None,
        });
    }
    env.db().execute(
        "INSERT INTO gc_orders (order_id, website, currency, base_currency, customer_id, is_test, \
         cards_cover_shipping, total_before_cards, gift_card_amount, placed_at, customer_email, \
         lines_recorded, shipping, shipping_tax) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1, ?12, ?13)",
        &[
            Value::from(req.order_id.as_str()),
            Value::from(quote.website.as_str()),
            Value::from(c.code()),
            Value::from(quote.base_currency.code()),
            Value::from(quote.customer_id.as_deref()),
            Value::Integer(i64::from(quote.test)),
            Value::Integer(i64::from(cover)),
            Value::Integer(collection.total_before_cards),
            Value::Integer(collection.gift_card_amount()),
            Value::Integer(now),
            Value::from(quote.customer_email.as_deref()),
            Value::Integer(quote.body.shipping),
            Value::Integer(quote.body.shipping_tax),
        ],
    )?;
    record_lines(env, &req.order_id, &quote)?;
    for (position, card_id, applied, debited) in rows {
        env.db().execute(
            "INSERT INTO gc_order_cards (order_id, position, card_id, applied, debited) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            &[
                Value::from(req.order_id.as_str()),
                Value::Integer(position),
                Value::Integer(card_id as i64),
                Value::Integer(applied),
                Value::Integer(debited),
            ],
        )?;
    }
    let answer = PlacedOrder {
        order_id: req.order_id.clone(),
        totals: collection.to_totals(&quote, req.channel),
        movements,
    };
    replay::store(env, "placed", &req.order_id, &print, &answer)?;
    Ok(answer)
}

fn balance_changed(card: &StoredCard, c: Currency, expected: i64, now: i64) -> Error {
    Error::BalanceChanged {
        masked_code: card.masked_code.clone(),
        expected: Money::new(c.format(expected), c.code()),
        now: Money::new(c.format(now), c.code()),
    }
}

/// Gives `amount` (order currency) back to the order's cards, split by what
/// each still has out, crediting each card in its own currency. With
/// `execute` false nothing is written: the plan is only worked out.
pub(crate) fn return_to_cards(
    env: &mut dyn Environment,
    order: &StoredOrder,
    amount: i64,
    credit_cards: bool,
    execute: bool,
    reference: &str,
    comment: &str,
) -> Result<Vec<CardMovement>> {
    let cards_out = order_cards(env, &order.order_id)?;
    let weights: Vec<i64> = cards_out.iter().map(OrderCard::outstanding).collect();
    let shares = split::proportional(amount, &weights);
    let extension = settings::load(env)?.refund_extension_days;
    let now = env.now();
    let actor = order.actor();
    let mut movements = Vec::new();
    for (oc, share) in cards_out.iter().zip(shares) {
        if share == 0 {
            continue;
        }
        let credit = oc.credit_for(share);
        if execute {
            // The card-currency equivalent is recorded even when the value
            // goes elsewhere (new card, account credit): it has come back
            // from this card all the same, and a later `credit_for` must not
            // hand it out a second time.
            record_return(env, &order.order_id, oc, share, credit)?;
        }
        if !credit_cards {
            continue;
        }
        let card = cards::load(env, &CardRef::Id(oc.card_id))?;
        let plan = movements::plan_credit(&card, credit, extension, now);
        if execute && credit > 0 {
            movements::credit(env, &plan, reference, &actor, comment)?;
        }
        movements.push(plan.to_movement(order.currency.format(share)));
    }
    Ok(movements)
}

/// Restores the gift-card part of what was never invoiced.
pub fn cancelled(env: &mut dyn Environment, req: CancelRequest) -> Result<Cancellation> {
    check_reference("order-id", &req.order_id)?;
    if let Some(c) = &req.comment {
        cards::check_text("comment", c, 1000, false)?;
    }
    let print = String::from("cancel");
    if let Some(done) = replay::find(env, "cancelled", &req.order_id, &print)? {
        return Ok(done);
    }
    let order = load(env, &req.order_id)?;
    let restore =
        (order.gift_card_amount - order.invoiced_gift_card - order.restored_gift_card).max(0);
    let reference = format!("cancel:{}", order.order_id);
    let comment = req
        .comment
        .clone()
        .unwrap_or_else(|| format!("Order {} cancelled", order.order_id));
    let movements = return_to_cards(env, &order, restore, true, true, &reference, &comment)?;
    let now = env.now();
    env.db().execute(
        "UPDATE gc_orders SET restored_gift_card = restored_gift_card + ?1, cancelled_at = ?2 \
         WHERE order_id = ?3",
        &[
            Value::Integer(restore),
            Value::Integer(now),
            Value::from(order.order_id.as_str()),
        ],
    )?;
    let mut disabled_cards = Vec::new();
    let mut used_cards = Vec::new();
    for (card, unused) in movements::issued_cards(env, &order.order_id, None)? {
        if unused {
            movements::disable_issued(
                env,
                &card,
                &reference,
                &format!("Order {} cancelled", order.order_id),
            )?;
            disabled_cards.push(movements::note(&card));
        } else {
            used_cards.push(movements::note(&card));
        }
    }
    let answer = Cancellation {
        order_id: order.order_id.clone(),
        restored: order.currency.format(restore),
        movements,
        disabled_cards,
        used_cards,
    };
    replay::store(env, "cancelled", &req.order_id, &print, &answer)?;
    Ok(answer)
}

#[cfg(all(test, feature = "sqlite"))]
pub(crate) mod tests {
    use crate::sqlite::NativeEnv;
    use crate::*;

    /// A line of `quantity` × `unit` (USD) with the given discount and tax.
    pub(crate) fn line(
        id: &str,
        sku: &str,
        kind: ProductKind,
        quantity: i32,
        unit: &str,
        discount: &str,
        tax: &str,
    ) -> Line {
        let c = money::Currency::parse("USD").unwrap();
        let unit_minor = c.parse_amount(unit).unwrap();
        Line {
            id: id.into(),
            sku: sku.into(),
            kind,
            quantity,
            unit_price: unit.into(),
            row_total: c.format(unit_minor * i64::from(quantity)),
            discount: discount.into(),
            tax: tax.into(),
            gift_card: (kind == ProductKind::GiftCard).then(|| GiftCardPurchase {
                recipient_name: Some("Ana".into()),
                recipient_email: Some("ana@example.com".into()),
                message: Some("Enjoy".into()),
                ..GiftCardPurchase::default()
            }),
        }
    }

    /// Places `lines` (USD, for customer `alice`) with `codes` paying what
    /// the collection says.
    pub(crate) fn place(
        env: &mut NativeEnv,
        order_id: &str,
        lines: Vec<Line>,
        shipping: &str,
        shipping_tax: &str,
        codes: &[&str],
    ) -> PlacedOrder {
        let quote = Quote {
            id: format!("Q-{order_id}"),
            website: "main".into(),
            store: "default".into(),
            currency: "USD".into(),
            base_currency: "USD".into(),
            customer: Some(CustomerInfo {
                id: "alice".into(),
                groups: vec![],
                email: None,
            }),
            test: false,
            lines,
            shipping: shipping.into(),
            shipping_tax: shipping_tax.into(),
            applied_codes: codes.iter().map(|c| c.to_string()).collect(),
            shipping_country: None,
            billing_country: None,
        };
        let totals = env
            .call(|e| {
                api::collect_totals(
                    e,
                    CollectRequest {
                        quote: quote.clone(),
                        channel: Channel::Admin,
                    },
                )
            })
            .unwrap();
        let expected = totals
            .cards
            .iter()
            .map(|c| ExpectedCard {
                code: c.code.clone(),
                applied: c.applied.clone(),
            })
            .collect();
        env.call(|e| {
            api::order_placed(
                e,
                PlaceRequest {
                    order_id: order_id.into(),
                    quote,
                    expected,
                    channel: Channel::Admin,
                },
            )
        })
        .unwrap()
    }

    pub(crate) fn invoice_request(
        id: &str,
        order_id: &str,
        lines: Vec<Line>,
        shipping: &str,
    ) -> Invoice {
        Invoice {
            invoice_id: id.into(),
            order_id: order_id.into(),
            lines,
            shipping: shipping.into(),
            shipping_tax: "0".into(),
        }
    }

    pub(crate) fn memo_request(
        id: &str,
        order_id: &str,
        total: &str,
        lines: &[(&str, i32)],
        destination: RefundDestination,
    ) -> CreditMemo {
        CreditMemo {
            memo_id: id.into(),
            order_id: order_id.into(),
            total: total.into(),
            lines: lines
                .iter()
                .map(|(l, q)| MemoLine {
                    line_id: (*l).into(),
                    quantity: *q,
                })
                .collect(),
            refund_to_gift_card: None,
            destination,
            comment: None,
        }
    }

    /// Makes `order_id` look like an order placed before schema v5: no
    /// recorded lines.
    pub(crate) fn make_legacy(env: &mut NativeEnv, order_id: &str) {
        env.db
            .conn
            .execute("DELETE FROM gc_order_lines WHERE order_id = ?1", [order_id])
            .unwrap();
        env.db
            .conn
            .execute(
                "UPDATE gc_orders SET lines_recorded = 0, shipping = 0, shipping_tax = 0 \
                 WHERE order_id = ?1",
                [order_id],
            )
            .unwrap();
    }

    /// Placing an order id again with the same quote returns the first
    /// answer; with other lines, or for another customer, it is a changed
    /// replay and refused, even when the totals and cards are the same; an
    /// order placed before v5 (stored with the v4 fingerprint) still
    /// replays.
    #[test]
    fn a_placement_replayed_with_other_lines_is_refused() {
        let mut env = NativeEnv::in_memory(1_790_000_000, 3);
        let mug = line("1", "MUG", ProductKind::Simple, 2, "10", "0", "0");
        let first = place(&mut env, "O-1", vec![mug.clone()], "0", "0", &[]);
        let replay = place(&mut env, "O-1", vec![mug.clone()], "0", "0", &[]);
        assert_eq!(first, replay);
        let before = env.dump();
        let same_total = line("1", "TEE", ProductKind::Simple, 1, "20", "0", "0");
        for lines in [
            vec![same_total],
            vec![
                mug.clone(),
                line("2", "X", ProductKind::Digital, 1, "0", "0", "0"),
            ],
        ] {
            let quote = Quote {
                id: "Q-O-1".into(),
                website: "main".into(),
                store: "default".into(),
                currency: "USD".into(),
                base_currency: "USD".into(),
                customer: Some(CustomerInfo {
                    id: "alice".into(),
                    groups: vec![],
                    email: None,
                }),
                test: false,
                lines,
                shipping: "0".into(),
                shipping_tax: "0".into(),
                applied_codes: vec![],
                shipping_country: None,
                billing_country: None,
            };
            let err = env
                .call(|e| {
                    api::order_placed(
                        e,
                        PlaceRequest {
                            order_id: "O-1".into(),
                            quote,
                            expected: vec![],
                            channel: Channel::Admin,
                        },
                    )
                })
                .unwrap_err();
            assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
        }
        assert_eq!(env.dump(), before, "a refused replay writes nothing");
        // Stored the way v4 stored it: the replay still finds its answer.
        env.db
            .conn
            .execute(
                "UPDATE gc_hook_results SET fingerprint = substr(fingerprint, 4, \
                 length(fingerprint) - 20) WHERE hook = 'placed' AND reference = 'O-1'",
                [],
            )
            .unwrap();
        let legacy: String = env
            .db
            .conn
            .query_row(
                "SELECT fingerprint FROM gc_hook_results WHERE hook = 'placed'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            legacy, "USD|2000||",
            "the v4 form: currency, total, codes, expectations"
        );
        assert_eq!(place(&mut env, "O-1", vec![mug], "0", "0", &[]), first);
    }

    #[test]
    fn placement_records_every_line_and_the_shipping() {
        let mut env = NativeEnv::in_memory(1_790_000_000, 3);
        let mut gift = line("g", "GC-50", ProductKind::GiftCard, 2, "50", "0", "0");
        gift.gift_card.as_mut().unwrap().deliver_at = Some("2030-01-01".into());
        place(
            &mut env,
            "O-1",
            vec![
                line("a", "BOOK", ProductKind::Simple, 3, "10", "1.50", "2.25"),
                gift.clone(),
            ],
            "4.90",
            "0.98",
            &[],
        );
        let stored = env.call(|e| orders::load(e, "O-1")).unwrap();
        assert!(stored.lines_recorded);
        assert_eq!((stored.shipping, stored.shipping_tax), (490, 98));
        assert_eq!(
            (stored.invoiced_shipping, stored.invoiced_shipping_tax),
            (0, 0)
        );
        let lines = env.call(|e| orders::order_lines(e, "O-1")).unwrap();
        assert_eq!(lines.len(), 2);
        let a = &lines[0];
        assert_eq!(
            (a.line_id.as_str(), a.position, a.sku.as_str(), a.kind),
            ("a", 1, "BOOK", ProductKind::Simple)
        );
        assert_eq!(
            (a.quantity, a.unit_price, a.row_total, a.discount, a.tax),
            (3, 1000, 3000, 150, 225)
        );
        assert_eq!(a.gift_card, None);
        assert_eq!(
            (a.invoiced_quantity, a.invoiced_discount, a.invoiced_tax),
            (0, 0, 0)
        );
        let g = &lines[1];
        assert_eq!((g.line_id.as_str(), g.position), ("g", 2));
        assert_eq!(
            (g.kind, g.quantity, g.unit_price),
            (ProductKind::GiftCard, 2, 5000)
        );
        assert_eq!(
            g.gift_card, gift.gift_card,
            "the purchase details, verbatim"
        );
    }

    /// A refused placement records no line (nothing at all is written).
    #[test]
    fn a_refused_placement_records_no_lines() {
        let mut env = NativeEnv::in_memory(1_790_000_000, 3);
        let paying = card(&mut env, "30");
        let before = env.dump();
        let quote: Quote = serde_json::from_value(serde_json::json!({
            "id": "Q-X", "website": "main", "store": "default",
            "currency": "USD", "base_currency": "USD", "customer": null,
            "test": false, "lines": course(), "shipping": "0", "shipping_tax": "0",
            "applied_codes": [paying.code]
        }))
        .unwrap();
        let err = env
            .call(|e| {
                api::order_placed(
                    e,
                    PlaceRequest {
                        order_id: "O-X".into(),
                        quote,
                        expected: vec![ExpectedCard {
                            code: paying.code.clone(),
                            applied: "20.00".into(),
                        }],
                        channel: Channel::Admin,
                    },
                )
            })
            .unwrap_err();
        assert!(matches!(err, Error::BalanceChanged { .. }), "{err:?}");
        assert_eq!(env.dump(), before);
    }

    fn card(env: &mut NativeEnv, amount: &str) -> Card {
        env.call(|e| api::create_card(e, CreateCard::new(Money::new(amount, "USD"), "admin")))
            .unwrap()
    }

    /// One digital line of 100.00 (built from data, so fields added to the
    /// records later take their defaults).
    fn course() -> Vec<Line> {
        serde_json::from_value(serde_json::json!([{
            "id": "1", "sku": "COURSE", "kind": "digital", "quantity": 1,
            "unit_price": "100", "row_total": "100", "discount": "0", "tax": "0",
            "gift_card": null
        }]))
        .unwrap()
    }

    /// Places a 100.00 order on `order_id` with `code` paying 30.00, and
    /// invoices all of it.
    fn place_and_invoice(env: &mut NativeEnv, order_id: &str, code: &str) {
        let quote: Quote = serde_json::from_value(serde_json::json!({
            "id": format!("Q-{order_id}"), "website": "main", "store": "default",
            "currency": "USD", "base_currency": "USD",
            "customer": { "id": "alice", "groups": [] },
            "test": false, "lines": course(), "shipping": "0", "shipping_tax": "0",
            "applied_codes": [code]
        }))
        .unwrap();
        let expected = vec![ExpectedCard {
            code: code.into(),
            applied: "30.00".into(),
        }];
        env.call(|e| {
            api::order_placed(
                e,
                PlaceRequest {
                    order_id: order_id.into(),
                    quote,
                    expected,
                    channel: Channel::Admin,
                },
            )
        })
        .unwrap();
        env.call(|e| {
            api::invoice_paid(
                e,
                Invoice {
                    invoice_id: format!("I-{order_id}"),
                    order_id: order_id.into(),
                    lines: course(),
                    shipping: "0".into(),
                    shipping_tax: "0".into(),
                },
            )
        })
        .unwrap();
    }

    fn memo(
        env: &mut NativeEnv,
        id: &str,
        order_id: &str,
        total: &str,
        destination: RefundDestination,
    ) -> MemoSplit {
        env.call(|e| {
            api::memo_refunded(
                e,
                CreditMemo {
                    memo_id: id.into(),
                    order_id: order_id.into(),
                    total: total.into(),
                    lines: vec![],
                    refund_to_gift_card: None,
                    destination,
                    comment: None,
                },
            )
        })
        .unwrap()
    }

    /// A card's part sent to a new card or to account credit has come back
    /// from that card: the memo that refunds the rest gives the card only
    /// what is still out on it (18.00 of its 30.00), not its whole debit.
    #[test]
    fn value_refunded_elsewhere_is_not_credited_to_the_card_again() {
        for (n, destination) in [RefundDestination::NewCard, RefundDestination::AccountCredit]
            .into_iter()
            .enumerate()
        {
            let mut env = NativeEnv::in_memory(1_790_000_000, 3);
            let paying = card(&mut env, "30");
            let order = format!("O-{n}");
            place_and_invoice(&mut env, &order, &paying.code);
            // 40 × 30 / 100 = 12.00 of the first memo goes elsewhere.
            let first = memo(&mut env, "M-1", &order, "40", destination);
            assert_eq!(first.gift_card_amount, "12.00", "{destination:?}");
            let rest = memo(
                &mut env,
                "M-2",
                &order,
                "60",
                RefundDestination::OriginalCards,
            );
            assert!(rest.last);
            assert_eq!(rest.gift_card_amount, "18.00", "{destination:?}");
            assert_eq!(rest.movements.len(), 1);
            assert_eq!(rest.movements[0].amount.amount, "18.00", "{destination:?}");
            let after = env
                .call(|e| api::get_card(e, &CardRef::Id(paying.id)))
                .unwrap();
            assert_eq!(after.balance.amount, "18.00", "{destination:?}");
        }
    }
}
