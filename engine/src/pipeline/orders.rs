//! Order hooks. Placement takes the balances, atomically and once; every
//! later hook (invoices, credit memos, cancellation) works from what placement
//! recorded: the order's gift-card amount, what each card paid, and (from
//! schema v5 on) every line and the shipping, so that invoices and credit
//! memos are checked against what was ordered instead of being believed.

use crate::cards::movements::{self, replay};
use crate::cards::{self, CardContext, StoredCard};
use crate::error::{Error, Result};
use crate::model::*;
use crate::money::Currency;
use crate::pipeline::quote::{self, OrderContext, ParsedLine, ParsedQuote};
use crate::pipeline::redemption;
use crate::pipeline::split;
use crate::settings;
use crate::storage::db::{self, Row, Value};
use crate::storage::env::Environment;
use crate::storage::time::Seconds;

/// An order as placement recorded it; amounts in its currency's minor units.
#[derive(Clone, Debug)]
pub struct StoredOrder {
    pub order_id: String,
    /// As the quote the order was placed from gave it.
    pub context: OrderContext,
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
    /// The context of a card this order issues (a purchase, a refund, a
    /// reward, goodwill): the order's website and test flag, its id, and
    /// `comment`; no owner, line or purchase.
    pub(crate) fn card_context(&self, origin: CardOrigin, comment: String) -> CardContext {
        CardContext {
            comment: Some(comment),
            website: Some(self.context.website.clone()),
            test: self.context.test,
            order_id: Some(self.order_id.clone()),
            ..CardContext::of(origin)
        }
    }

    fn from_row(row: &Row<'_>) -> Result<StoredOrder> {
        let currency = |name: &str| -> Result<Currency> {
            Currency::parse(&row.text(name)?)
                .map_err(|_| Error::Database(format!("stored order {name}")))
        };
        Ok(StoredOrder {
            order_id: row.text("order_id")?,
            context: OrderContext {
                website: row.text("website")?,
                currency: currency("currency")?,
                base_currency: currency("base_currency")?,
                customer_id: row.opt_text("customer_id")?,
                customer_email: row.opt_text("customer_email")?,
                test: row.i64("is_test")? != 0,
            },
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
        match &self.context.customer_id {
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

const ORDER_COLUMNS: &str = "order_id, website, currency, base_currency, customer_id, \
     customer_email, is_test, cards_cover_shipping, total_before_cards, gift_card_amount, \
     invoiced_total, invoiced_gift_card, refunded_total, refunded_gift_card, restored_gift_card, \
     cancelled_at, lines_recorded, shipping, shipping_tax, invoiced_shipping, invoiced_shipping_tax";

pub fn load(env: &mut dyn Environment, order_id: &str) -> Result<StoredOrder> {
    let rows = env.db().execute(
        &format!("SELECT {ORDER_COLUMNS} FROM gc_orders WHERE order_id = ?1"),
        &[Value::from(order_id)],
    )?;
    rows.first_or(StoredOrder::from_row, Error::OrderNotFound)
}

/// The order and its recorded lines (as [`order_lines`]) in one statement:
/// a paid invoice needs both, and every statement is a host call.
pub fn load_with_lines(
    env: &mut dyn Environment,
    order_id: &str,
) -> Result<(StoredOrder, Vec<OrderLine>)> {
    // The two column lists share only `order_id`, which `USING` makes one.
    let rows = env.db().execute(
        &format!(
            "SELECT {ORDER_COLUMNS}, {LINE_COLUMNS} FROM gc_orders \
             LEFT JOIN gc_order_lines USING (order_id) WHERE order_id = ?1 ORDER BY position"
        ),
        &[Value::from(order_id)],
    )?;
    let order = rows.first_or(StoredOrder::from_row, Error::OrderNotFound)?;
    let mut lines = Vec::new();
    for row in rows.iter() {
        // An order without recorded lines joins to one row of nulls.
        if row.opt_text("line_id")?.is_some() {
            lines.push(OrderLine::from_row(&row)?);
        }
    }
    Ok((order, lines))
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
    /// The quote's line as it was placed (`line.id` is the line id).
    pub line: ParsedLine,
    pub position: i64,
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
            line: ParsedLine {
                id: row.text("line_id")?,
                sku: row.text("sku")?,
                kind: kind_from_name(&row.text("kind")?)?,
                quantity: row.i64("quantity")?,
                unit_price: row.i64("unit_price")?,
                row_total: row.i64("row_total")?,
                discount: row.i64("discount")?,
                tax: row.i64("tax")?,
                gift_card,
            },
            position: row.i64("position")?,
            invoiced_quantity: row.i64("invoiced_quantity")?,
            invoiced_discount: row.i64("invoiced_discount")?,
            invoiced_tax: row.i64("invoiced_tax")?,
            refunded_quantity: row.i64("refunded_quantity")?,
        })
    }

    /// Units not yet invoiced.
    pub fn left_to_invoice(&self) -> i64 {
        self.line.quantity - self.invoiced_quantity
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
    let rows: Vec<Vec<Value>> = (quote.body.lines.iter().enumerate())
        .map(|(index, line)| {
            let gift_card = line
                .gift_card
                .as_ref()
                .map(|p| serde_json::to_string(p).expect("plain records serialize"));
            vec![
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
            ]
        })
        .collect();
    let columns = [
        "order_id",
        "line_id",
        "position",
        "sku",
        "kind",
        "quantity",
        "unit_price",
        "row_total",
        "discount",
        "tax",
        "gift_card",
    ];
    db::insert_rows(env.db(), "gc_order_lines", &columns, &rows)?;
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
                crate::cards::code::normalize(&e.code).unwrap_or_default(),
                e.applied
            )
        })
        .collect();
    format!(
        "{}|{}|{}|{}",
        quote.context.currency.code(),
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
    feed(&quote.context.website);
    feed(quote.context.base_currency.code());
    feed(quote.context.customer_id.as_deref().unwrap_or(""));
    feed(if quote.context.test { "test" } else { "real" });
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
    let quote = quote::parse(req.quote)?;
    let print = fingerprint_v5(&quote, &req.expected);
    let legacy = fingerprint(&quote, &req.expected);
    let known = replay::Known::read(env, &["placed"], &req.order_id)?;
    if let Some(done) = known.find_any(
        env,
        "placed",
        &req.order_id,
        &[&print, &legacy],
        &req.order_id,
    )? {
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
        crate::pipeline::totals::check_gift_card_line(env, &settings, &quote, line, req.channel)?;
    }
    // Every applied code needs exactly one expectation, and nothing else.
    let mut expected = Vec::with_capacity(req.expected.len());
    for e in &req.expected {
        let normalized = crate::cards::code::normalize(&e.code).unwrap_or_else(|_| e.code.clone());
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
            .context
            .currency
            .minor_of(&e.applied)
            .map_err(|err| crate::error::prefix("expected", err))?;
        expected.push((normalized, amount));
    }
    if expected.len() != quote.codes.len() {
        return Err(Error::InvalidArgument(
            "expected: give what the collection said for every applied code".into(),
        ));
    }

    let cover = settings.cards_cover_shipping;
    let collection = redemption::collect(env, &quote, cover)?;
    // A dropped code (say, no exchange rate) takes nothing; it blocks the
    // order only if the host expected it to pay something.
    for (raw, reason, masked) in &collection.dropped {
        let code = crate::cards::code::normalize(raw).unwrap_or_else(|_| raw.clone());
        if expected.iter().any(|(c, a)| *c == code && *a != 0) {
            return Err(Error::CardNotApplicable(redemption::refusal(
                *reason,
                req.channel,
                masked.as_deref(),
            )));
        }
    }
    let c = quote.context.currency;
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
    let actor = match &quote.context.customer_id {
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
                    Some(r) => crate::money::rates::convert_down(fresh.balance, r),
                })
            };
            return Err(balance_changed(&part.card, c, part.applied, now_pays));
        };
        position += 1;
        rows.push(vec![
            Value::from(req.order_id.as_str()),
            Value::Integer(position),
            Value::Integer(part.card.id as i64),
            Value::Integer(part.applied),
            Value::Integer(part.debit),
        ]);
        movements.push(CardMovement {
            card_id: part.card.id,
            masked_code: part.card.masked_code.clone(),
            amount: part.card.money(-part.debit),
            order_amount: Money::of(part.applied, c),
            balance_after: part.card.money(after),
            status: crate::cards::status::by_balance(after),
            expiry_extended_to: None,
        });
    }
    // An order recorded without this request's stored answer was placed
    // with other cards or totals. The insert finds that out itself instead
    // of a read before it; what this call debited is rolled back with it.
    let inserted = env.db().execute(
        "INSERT INTO gc_orders (order_id, website, currency, base_currency, customer_id, is_test, \
         cards_cover_shipping, total_before_cards, gift_card_amount, placed_at, customer_email, \
         lines_recorded, shipping, shipping_tax) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1, ?12, ?13) \
         ON CONFLICT (order_id) DO NOTHING RETURNING order_id",
        &[
            Value::from(req.order_id.as_str()),
            Value::from(quote.context.website.as_str()),
            Value::from(c.code()),
            Value::from(quote.context.base_currency.code()),
            Value::from(quote.context.customer_id.as_deref()),
            Value::Integer(i64::from(quote.context.test)),
            Value::Integer(i64::from(cover)),
            Value::Integer(collection.total_before_cards),
            Value::Integer(collection.gift_card_amount()),
            Value::Integer(now),
            Value::from(quote.context.customer_email.as_deref()),
            Value::Integer(quote.body.shipping),
            Value::Integer(quote.body.shipping_tax),
        ],
    )?;
    if inserted.first().is_none() {
        return Err(Error::InvalidArgument(format!(
            "order `{}` was already placed with different gift cards or totals",
            req.order_id
        )));
    }
    record_lines(env, &req.order_id, &quote)?;
    let columns = ["order_id", "position", "card_id", "applied", "debited"];
    db::insert_rows(env.db(), "gc_order_cards", &columns, &rows)?;
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
        expected: Money::of(expected, c),
        now: Money::of(now, c),
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
        movements.push(plan.to_movement(Money::of(share, order.context.currency)));
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
    if let Some(done) = replay::find(env, "cancelled", &req.order_id, &print, &req.order_id)? {
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
        restored: Money::of(restore, order.context.currency),
        movements,
        disabled_cards,
        used_cards,
    };
    replay::store(env, "cancelled", &req.order_id, &print, &answer)?;
    Ok(answer)
}

#[cfg(all(test, feature = "sqlite"))]
pub(crate) mod tests;
