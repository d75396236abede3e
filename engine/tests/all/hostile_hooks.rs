//! Property test: hostile hook sequences. Two orders are placed (lines of
//! every kind, gift-card products among them, 0–3 cards paying), then a host
//! that lies sends any sequence of invoices (true ones with partial
//! quantities, fabricated lines, wrong sku, kind, price or recipient, too many
//! units, too much discount or tax, too much shipping), credit memos (every
//! destination, explicit refund-to-gift-card amounts, lines not on the order,
//! named twice or for too many units, totals over what was paid),
//! cancellations, payments of registered invoices, and replays with the same
//! and with changed arguments, in any order.
//!
//! The test keeps its own record of what is true (what was ordered, what the
//! accepted invoices and memos took) and after every step checks:
//! - a true request is accepted (or refused for the documented reason: a
//!   cancelled order, a guest's account credit, nothing left to refund), and
//!   a lie is refused with the typed error it calls for;
//! - a refusal writes nothing, and neither does `credit-memos.collect`;
//! - a replay returns the first answer and writes nothing, a replay with
//!   changed arguments is refused;
//! - what the plugin recorded per order and per line is what the accepted
//!   requests took;
//! - every card's balance equals its ledger's sum and is never negative;
//! - for every order, the value the plugin gives out (cards bought on it,
//!   refunds and restorations to its cards, account credit, new refund
//!   cards) never exceeds the value it took in (what its cards paid at
//!   placement plus what other payment covered on its invoices), and more
//!   sharply: what goes back on the gift-card side never exceeds what the
//!   cards paid, and the cards bought are exactly the gift-card units paid.
//!
//! One currency (USD): rates are tested elsewhere. Gift-card product lines
//! carry no discount, so a bought card is never worth more than was paid for
//! it (a shop that sells cards below face value gives that value away itself,
//! which no hook can see).

use giftcard_engine::money::Currency;
use giftcard_engine::pipeline::orders;
use giftcard_engine::storage::sqlite::NativeEnv;
use giftcard_engine::testing::{self, T0};
use giftcard_engine::*;
use proptest::collection::vec;
use proptest::prelude::*;

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

fn fmt(minor: i64) -> String {
    usd().format(minor)
}

/// An amount field as the guest hands it to the engine.
fn given(minor: i64) -> GivenAmount {
    fmt(minor).into()
}

fn minor(text: &str) -> i64 {
    usd().parse_amount(text).unwrap()
}

/// The shop's cumulative pro-rating (`host-harness/shop/src/money.rs`):
/// after `n` units the parts taken add up to `total × n ÷ whole`, half up,
/// and the part taking the last unit takes exactly the rest.
fn prorate(total: i64, done: i64, now: i64, whole: i64, already: i64) -> i64 {
    if done + now >= whole {
        return (total - already).max(0);
    }
    let num = 2 * i128::from(total) * i128::from(done + now) + i128::from(whole);
    let share = (num / (2 * i128::from(whole))) as i64;
    (share - already).max(0)
}

// ── what is generated ────────────────────────────────────────────────────────

#[derive(Clone, Debug)]
struct LineSpec {
    kind: u8,
    quantity: u8,
    unit: u16,
    discount: u8,
    tax: u16,
}

#[derive(Clone, Debug)]
struct OrderSpec {
    gift_products: bool,
    lines: Vec<LineSpec>,
    shipping: u16,
    shipping_tax: u16,
    cards: Vec<u32>,
    guest: bool,
}

fn line_spec() -> impl Strategy<Value = LineSpec> {
    (any::<u8>(), 1u8..5, 1u16..6000, any::<u8>(), 0u16..400).prop_map(
        |(kind, quantity, unit, discount, tax)| LineSpec {
            kind,
            quantity,
            unit,
            discount,
            tax,
        },
    )
}

fn order_spec() -> impl Strategy<Value = OrderSpec> {
    (
        prop::bool::weighted(0.4),
        vec(line_spec(), 1..4),
        0u16..1500,
        0u16..300,
        vec(1u32..12_000, 0..4),
        prop::bool::weighted(0.25),
    )
        .prop_map(
            |(gift_products, lines, shipping, shipping_tax, cards, guest)| OrderSpec {
                gift_products,
                lines,
                shipping,
                shipping_tax,
                cards,
                guest,
            },
        )
}

#[derive(Clone, Debug)]
enum Op {
    Invoice {
        order: u8,
        pay: bool,
        shape: u8,
        picks: Vec<(u8, u8)>,
        shipping: bool,
        extra: u8,
    },
    PayRegistered(u8),
    Memo {
        order: u8,
        refund: bool,
        shape: u8,
        picks: Vec<(u8, u8)>,
        total: u16,
        destination: u8,
        explicit: Option<u16>,
        extra: u8,
    },
    Cancel(u8),
    Replay {
        pick: u8,
        change: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let picks = || vec((any::<u8>(), any::<u8>()), 0..3);
    prop_oneof![
        5 => (any::<u8>(), any::<bool>(), 0u8..16, picks(), any::<bool>(), any::<u8>()).prop_map(
            |(order, pay, shape, picks, shipping, extra)| Op::Invoice {
                order, pay, shape, picks, shipping, extra
            }
        ),
        1 => any::<u8>().prop_map(Op::PayRegistered),
        4 => (
            any::<u8>(), prop::bool::weighted(0.8), 0u8..9, picks(), any::<u16>(), 0u8..3,
            prop::option::of(any::<u16>()), any::<u8>(),
        ).prop_map(|(order, refund, shape, picks, total, destination, explicit, extra)| Op::Memo {
            order, refund, shape, picks, total, destination, explicit, extra
        }),
        1 => any::<u8>().prop_map(Op::Cancel),
        2 => (any::<u8>(), any::<bool>()).prop_map(|(pick, change)| Op::Replay { pick, change }),
    ]
}

// ── what is true ─────────────────────────────────────────────────────────────

#[derive(Clone, Debug)]
struct TrueLine {
    id: String,
    sku: String,
    kind: ProductKind,
    quantity: i64,
    unit: i64,
    discount: i64,
    tax: i64,
    gift: Option<GiftCardPurchase>,
    invoiced: i64,
    invoiced_discount: i64,
    invoiced_tax: i64,
    refunded: i64,
}

impl TrueLine {
    fn request(&self, quantity: i64, discount: i64, tax: i64) -> Line {
        Line {
            id: self.id.clone(),
            sku: self.sku.clone(),
            kind: self.kind,
            quantity: quantity as i32,
            unit_price: given(self.unit),
            row_total: given(self.unit * quantity),
            discount: given(discount),
            tax: given(tax),
            gift_card: self.gift.clone(),
        }
    }
}

#[derive(Debug)]
struct TrueOrder {
    id: String,
    lines: Vec<TrueLine>,
    shipping: i64,
    shipping_tax: i64,
    shipping_invoiced: bool,
    guest: bool,
    total_before_cards: i64,
    cards_paid: i64,
    other_paid: i64,
    invoiced_total: i64,
    refunded_total: i64,
    account_credit: i64,
    bought_value: i64,
    /// What memos sent back to the order's other payment.
    other_refunded: i64,
    cancelled: bool,
}

/// A request the plugin accepted the first time, with its answer.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)] // a test's history: size does not matter
enum Done {
    Collected(Invoice, InvoiceGiftCards),
    Paid(Invoice, PaidInvoice),
    Refunded(CreditMemo, MemoSplit),
    Cancelled(CancelRequest, Cancellation),
}

/// The refusal a request calls for.
#[derive(Clone, Debug, PartialEq)]
enum Refusal {
    LineNotOnOrder,
    QuantityExceeds { requested: i32, available: u32 },
    InvalidAmount,
    InvalidArgument,
    OrderState,
    RefundExceedsPaid,
}

fn refusal_of(err: &Error) -> Option<Refusal> {
    Some(match err {
        Error::LineNotOnOrder { .. } => Refusal::LineNotOnOrder,
        Error::QuantityExceedsOrder {
            requested,
            available,
            ..
        } => Refusal::QuantityExceeds {
            requested: *requested,
            available: *available,
        },
        Error::InvalidAmount(_) => Refusal::InvalidAmount,
        Error::InvalidArgument(_) => Refusal::InvalidArgument,
        Error::OrderState(_) => Refusal::OrderState,
        Error::RefundExceedsPaid(_) => Refusal::RefundExceedsPaid,
        _ => return None,
    })
}

struct World {
    env: NativeEnv,
    orders: Vec<TrueOrder>,
    done: Vec<Done>,
    /// Registered (collected) invoices not yet paid, by order.
    registered: Vec<(usize, Invoice)>,
    next: u32,
}

fn purchase(n: usize) -> GiftCardPurchase {
    GiftCardPurchase {
        recipient_name: Some(format!("Friend {n}")),
        recipient_email: Some(format!("friend{n}@example.com")),
        sender_name: Some("Sam".into()),
        message: Some("For you".into()),
        ..GiftCardPurchase::default()
    }
}

fn place(env: &mut NativeEnv, n: usize, spec: &OrderSpec) -> TrueOrder {
    let mut lines = Vec::new();
    for (i, l) in spec.lines.iter().enumerate() {
        let kind = match l.kind % if spec.gift_products { 3 } else { 2 } {
            0 => ProductKind::Simple,
            1 => ProductKind::Digital,
            _ => ProductKind::GiftCard,
        };
        let quantity = i64::from(l.quantity);
        let unit = i64::from(l.unit);
        let gift = kind == ProductKind::GiftCard;
        // Some lines without discount, the others up to half the row.
        let discount = if gift || l.discount % 3 == 0 {
            0
        } else {
            unit * quantity * i64::from(l.discount % 50) / 100
        };
        lines.push(TrueLine {
            id: format!("{}", i + 1),
            sku: format!("SKU-{n}-{i}"),
            kind,
            quantity,
            unit: if gift { unit.max(100) } else { unit },
            discount,
            tax: if gift { 0 } else { i64::from(l.tax) },
            gift: gift.then(|| purchase(i)),
            invoiced: 0,
            invoiced_discount: 0,
            invoiced_tax: 0,
            refunded: 0,
        });
    }
    let codes: Vec<String> = if spec.gift_products {
        Vec::new()
    } else {
        spec.cards
            .iter()
            .map(|cents| testing::card_by(env, &fmt(i64::from(*cents)), "USD", "admin").code)
            .collect()
    };
    let id = format!("O-{n}");
    let quote = Quote {
        customer: if spec.guest {
            None
        } else {
            testing::customer(format!("customer-{n}"))
        },
        shipping: given(i64::from(spec.shipping)),
        shipping_tax: given(i64::from(spec.shipping_tax)),
        applied_codes: codes,
        ..testing::quote(
            &format!("Q-{n}"),
            "USD",
            lines
                .iter()
                .map(|l| l.request(l.quantity, l.discount, l.tax))
                .collect(),
        )
    };
    let placed = testing::place(env, &id, &quote, Channel::Admin).unwrap();
    TrueOrder {
        id,
        lines,
        shipping: i64::from(spec.shipping),
        shipping_tax: i64::from(spec.shipping_tax),
        shipping_invoiced: false,
        guest: spec.guest,
        total_before_cards: placed.totals.total_before_cards.minor,
        cards_paid: placed.totals.gift_card_amount.minor,
        other_paid: 0,
        invoiced_total: 0,
        refunded_total: 0,
        account_credit: 0,
        bought_value: 0,
        other_refunded: 0,
        cancelled: false,
    }
}

/// What a true invoice takes: (line index, quantity, discount, tax).
type Takes = Vec<(usize, i64, i64, i64)>;

fn true_takes(o: &TrueOrder, picks: &[(u8, u8)]) -> Takes {
    let open: Vec<usize> = (0..o.lines.len())
        .filter(|&i| o.lines[i].invoiced < o.lines[i].quantity)
        .collect();
    let mut takes: Takes = Vec::new();
    if open.is_empty() {
        return takes;
    }
    for (which, qty) in picks {
        let i = open[usize::from(*which) % open.len()];
        if takes.iter().any(|t| t.0 == i) {
            continue;
        }
        let l = &o.lines[i];
        let left = l.quantity - l.invoiced;
        let q = 1 + i64::from(*qty) % left;
        let d = prorate(l.discount, l.invoiced, q, l.quantity, l.invoiced_discount);
        let t = prorate(l.tax, l.invoiced, q, l.quantity, l.invoiced_tax);
        takes.push((i, q, d, t));
    }
    takes
}

fn total_of(o: &TrueOrder, takes: &Takes, shipping: bool) -> i64 {
    let lines: i64 = takes
        .iter()
        .map(|&(i, q, d, t)| o.lines[i].unit * q - d + t)
        .sum();
    lines
        + if shipping {
            o.shipping + o.shipping_tax
        } else {
            0
        }
}

fn bought_value(req: &Invoice) -> i64 {
    req.lines
        .iter()
        .filter(|l| l.kind == ProductKind::GiftCard)
        .map(|l| minor(l.unit_price.as_str()) * i64::from(l.quantity))
        .sum()
}

impl World {
    fn fresh_id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}-{}", self.next)
    }

    fn order_index(&self, pick: u8) -> usize {
        usize::from(pick) % self.orders.len()
    }

    fn invoice(
        &mut self,
        order: usize,
        pay: bool,
        shape: u8,
        picks: &[(u8, u8)],
        shipping: bool,
        extra: u8,
    ) -> Result<(), TestCaseError> {
        let id = self.fresh_id("I");
        let o = &self.orders[order];
        let mut takes = true_takes(o, picks);
        let ship_left = !o.shipping_invoiced && o.shipping + o.shipping_tax > 0;
        let with_shipping = shipping && ship_left;
        let mut req = Invoice {
            invoice_id: id,
            order_id: o.id.clone(),
            lines: takes
                .iter()
                .map(|&(i, q, d, t)| o.lines[i].request(q, d, t))
                .collect(),
            shipping: given(if with_shipping { o.shipping } else { 0 }),
            shipping_tax: given(if with_shipping { o.shipping_tax } else { 0 }),
        };
        // The lie, and the refusal it calls for (a cancelled order refuses
        // every new invoice first).
        let mut wanted: Option<Refusal> = None;
        let any_line = !req.lines.is_empty();
        let mut shape = shape;
        if (8..=14).contains(&shape) && !any_line {
            shape = 7; // no line to twist: fabricate one instead
        }
        match shape {
            0..=6 => {}
            7 => {
                let mut fake = TrueLine {
                    id: format!("X{extra}"),
                    sku: "GC-100".into(),
                    kind: ProductKind::GiftCard,
                    quantity: 1,
                    unit: 10_000,
                    discount: 0,
                    tax: 0,
                    gift: Some(purchase(99)),
                    invoiced: 0,
                    invoiced_discount: 0,
                    invoiced_tax: 0,
                    refunded: 0,
                };
                if extra.is_multiple_of(2) {
                    // An id that is on the order, with another line's goods.
                    fake.id = o.lines[usize::from(extra) % o.lines.len()].id.clone();
                    fake.sku = "GC-FAKE".into();
                    req.lines.retain(|l| l.id != fake.id);
                    takes.retain(|t| o.lines[t.0].id != fake.id);
                }
                req.lines.push(fake.request(1, 0, 0));
                wanted = Some(Refusal::LineNotOnOrder);
            }
            8 => {
                req.lines[0].sku.push_str("-X");
                wanted = Some(Refusal::LineNotOnOrder);
            }
            9 => {
                let l = &mut req.lines[0];
                l.kind = match l.kind {
                    ProductKind::Simple => ProductKind::Digital,
                    ProductKind::Digital => ProductKind::GiftCard,
                    ProductKind::GiftCard => ProductKind::Simple,
                };
                if l.kind != ProductKind::GiftCard {
                    l.gift_card = None;
                }
                wanted = Some(Refusal::LineNotOnOrder);
            }
            10 => {
                let (i, q, ..) = takes[0];
                let unit = o.lines[i].unit + 1 + i64::from(extra);
                req.lines[0].unit_price = given(unit);
                req.lines[0].row_total = given(unit * q);
                wanted = Some(Refusal::LineNotOnOrder);
            }
            11 => {
                let l = &mut req.lines[0];
                match &mut l.gift_card {
                    Some(p) => p.recipient_email = Some("mallory@example.com".into()),
                    // Not a gift-card line: claim it is one, with a recipient.
                    None => {
                        l.kind = ProductKind::GiftCard;
                        l.gift_card = Some(purchase(7));
                    }
                }
                wanted = Some(Refusal::LineNotOnOrder);
            }
            12 => {
                let (i, ..) = takes[0];
                let l = &o.lines[i];
                let left = l.quantity - l.invoiced;
                let q = left + 1 + i64::from(extra % 3);
                req.lines[0].quantity = q as i32;
                req.lines[0].row_total = given(l.unit * q);
                wanted = Some(Refusal::QuantityExceeds {
                    requested: q as i32,
                    available: left as u32,
                });
            }
            13 => {
                // More tax than the line has left.
                let (i, ..) = takes[0];
                let l = &o.lines[i];
                req.lines[0].tax = given(l.tax - l.invoiced_tax + 1 + i64::from(extra));
                wanted = Some(Refusal::LineNotOnOrder);
            }
            14 => {
                // All the units left, short of the rest of the discount or tax.
                let (i, ..) = takes[0];
                let l = &o.lines[i];
                let q = l.quantity - l.invoiced;
                let d = l.discount - l.invoiced_discount;
                let t = l.tax - l.invoiced_tax;
                req.lines[0] = if d > 0 {
                    l.request(q, d - 1, t)
                } else if t > 0 {
                    l.request(q, d, t - 1)
                } else {
                    l.request(q, d, t + 1)
                };
                wanted = Some(Refusal::LineNotOnOrder);
            }
            _ => {
                let left = if o.shipping_invoiced { 0 } else { o.shipping };
                req.shipping = given(left + 1 + i64::from(extra));
                wanted = Some(Refusal::InvalidAmount);
            }
        }
        if o.cancelled {
            wanted = Some(Refusal::OrderState);
        }
        let before = self.env.dump();
        let result = if pay {
            self.env
                .call(|e| api::invoice_paid(e, req.clone()))
                .map(|p| (p.invoice.clone(), Some(p)))
        } else {
            self.env
                .call(|e| api::invoice_collect(e, req.clone()))
                .map(|i| (i, None))
        };
        let Some((answer, paid)) = self.judge("invoice", result, wanted, &before, &req)? else {
            return Ok(());
        };
        let o = &mut self.orders[order];
        let total = total_of(o, &takes, with_shipping);
        prop_assert_eq!(answer.total_before_cards.minor, total);
        for &(i, q, d, t) in &takes {
            let l = &mut o.lines[i];
            l.invoiced += q;
            l.invoiced_discount += d;
            l.invoiced_tax += t;
        }
        o.shipping_invoiced |= with_shipping;
        o.invoiced_total += total;
        o.other_paid += answer.grand_total.minor;
        match paid {
            Some(p) => {
                self.check_bought(order, &req, &p)?;
                self.done.push(Done::Paid(req, p));
            }
            None => {
                self.registered.push((order, req.clone()));
                self.done.push(Done::Collected(req, answer));
            }
        }
        Ok(())
    }

    /// The cards a paid invoice issued: one per gift-card unit, each worth
    /// the placed line's unit price, for the placed line's recipient.
    fn check_bought(
        &mut self,
        order: usize,
        req: &Invoice,
        paid: &PaidInvoice,
    ) -> Result<(), TestCaseError> {
        let o = &mut self.orders[order];
        let units: i64 = req
            .lines
            .iter()
            .filter(|l| l.kind == ProductKind::GiftCard)
            .map(|l| i64::from(l.quantity))
            .sum();
        prop_assert_eq!(paid.issued.len() as i64, units);
        // Each line's recipient is its own, so it tells the card's line.
        for l in req.lines.iter().filter(|l| l.kind == ProductKind::GiftCard) {
            let placed = o.lines.iter().find(|p| p.id == l.id).expect("a true line");
            let cards: Vec<&Card> = paid
                .issued
                .iter()
                .filter(|c| c.purchase == placed.gift)
                .collect();
            prop_assert_eq!(cards.len() as i64, i64::from(l.quantity));
            for card in cards {
                prop_assert_eq!(card.summary.balance.minor, placed.unit);
                prop_assert_eq!(card.order_id.as_ref(), Some(&o.id));
            }
        }
        o.bought_value += bought_value(req);
        Ok(())
    }

    fn pay_registered(&mut self, pick: u8) -> Result<(), TestCaseError> {
        if self.registered.is_empty() {
            return Ok(());
        }
        let (order, req) = self
            .registered
            .remove(usize::from(pick) % self.registered.len());
        let first = self.done.iter().find_map(|d| match d {
            Done::Collected(r, a) if r.invoice_id == req.invoice_id => Some(a.clone()),
            _ => None,
        });
        // Paying it is allowed unless the cards it would issue are no
        // longer owed: the order was cancelled since, or a memo refunded
        // units of a gift-card line that live (issued, not disabled) cards
        // already stand for.
        let owed_less = self.cards_no_longer_owed(order, &req);
        let before = self.env.dump();
        let paid = self.env.call(|e| api::invoice_paid(e, req.clone()));
        let paid = match (paid, owed_less) {
            (Err(Error::OrderState(_)), true) => {
                prop_assert!(
                    self.env.dump() == before,
                    "a refused payment wrote something"
                );
                return Ok(());
            }
            (Ok(paid), false) => paid,
            (other, owed_less) => {
                return Err(TestCaseError::fail(format!(
                    "paying a registered invoice (cards no longer owed: {owed_less}): {other:?}"
                )));
            }
        };
        prop_assert_eq!(Some(paid.invoice.clone()), first);
        self.check_bought(order, &req, &paid)?;
        self.done.push(Done::Paid(req, paid));
        Ok(())
    }

    /// Whether paying `req` now would issue cards nothing is owed for any
    /// more (the plugin must then refuse with `order-state`).
    fn cards_no_longer_owed(&mut self, order: usize, req: &Invoice) -> bool {
        let o = &self.orders[order];
        let gift: Vec<&Line> = req
            .lines
            .iter()
            .filter(|l| l.kind == ProductKind::GiftCard)
            .collect();
        if gift.is_empty() {
            return false;
        }
        if o.cancelled {
            return true;
        }
        let order_id = o.id.clone();
        gift.iter().any(|l| {
            let placed = o.lines.iter().find(|p| p.id == l.id).expect("a true line");
            let live: i64 = self
                .env
                .db
                .conn
                .query_row(
                    "SELECT COUNT(*) FROM gc_cards WHERE order_id = ?1 AND order_line = ?2 \
                     AND origin = 'purchase' AND status <> 'disabled'",
                    [&order_id, &l.id],
                    |r| r.get(0),
                )
                .unwrap();
            i64::from(l.quantity) > placed.invoiced - placed.refunded - live
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn memo(
        &mut self,
        order: usize,
        refund: bool,
        shape: u8,
        picks: &[(u8, u8)],
        total: u16,
        destination: u8,
        explicit: Option<u16>,
        extra: u8,
    ) -> Result<(), TestCaseError> {
        let id = self.fresh_id("M");
        let o = &self.orders[order];
        let open: Vec<usize> = (0..o.lines.len())
            .filter(|&i| o.lines[i].invoiced > o.lines[i].refunded)
            .collect();
        let mut lines: Vec<(usize, i32)> = Vec::new();
        if !open.is_empty() {
            for (which, qty) in picks {
                let i = open[usize::from(*which) % open.len()];
                if lines.iter().any(|l| l.0 == i) {
                    continue;
                }
                let l = &o.lines[i];
                lines.push((i, (1 + i64::from(*qty) % (l.invoiced - l.refunded)) as i32));
            }
        }
        // What a memo naming these lines may refund: what was invoiced and
        // not refunded, less what the gift-card units it leaves out are
        // worth (their value comes back only with the units).
        let reserved: i64 = o
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.kind == ProductKind::GiftCard && l.invoiced > 0)
            .map(|(i, l)| {
                let named = lines
                    .iter()
                    .find(|n| n.0 == i)
                    .map_or(0, |n| i64::from(n.1));
                let kept = l.invoiced - l.refunded - named;
                let value = l.unit * l.invoiced - l.invoiced_discount + l.invoiced_tax;
                (value * kept + l.invoiced - 1) / l.invoiced
            })
            .sum();
        let refundable = o.invoiced_total - o.refunded_total - reserved;
        let mut amount = if refundable > 0 {
            1 + i64::from(total) * (refundable - 1) / i64::from(u16::MAX)
        } else {
            1
        };
        let destination = match destination {
            0 => RefundDestination::OriginalCards,
            1 => RefundDestination::AccountCredit,
            _ => RefundDestination::NewCard,
        };
        let mut memo_lines: Vec<MemoLine> = lines
            .iter()
            .map(|&(i, q)| MemoLine {
                line_id: o.lines[i].id.clone(),
                quantity: q,
            })
            .collect();
        let mut wanted = None;
        match shape {
            0..=4 => {}
            5 => {
                memo_lines.push(MemoLine {
                    line_id: format!("X{extra}"),
                    quantity: 1,
                });
                wanted = Some(Refusal::LineNotOnOrder);
            }
            6 => {
                let l = &o.lines[usize::from(extra) % o.lines.len()];
                memo_lines.retain(|m| m.line_id != l.id);
                for _ in 0..2 {
                    memo_lines.push(MemoLine {
                        line_id: l.id.clone(),
                        quantity: 1,
                    });
                }
                wanted = Some(Refusal::InvalidArgument);
            }
            7 => {
                let l = &o.lines[usize::from(extra) % o.lines.len()];
                memo_lines.retain(|m| m.line_id != l.id);
                let available = l.invoiced - l.refunded;
                let q = (available + 1 + i64::from(extra % 3)) as i32;
                memo_lines.push(MemoLine {
                    line_id: l.id.clone(),
                    quantity: q,
                });
                wanted = Some(Refusal::QuantityExceeds {
                    requested: q,
                    available: available as u32,
                });
            }
            _ => {
                amount = refundable + 1 + i64::from(extra);
                wanted = Some(Refusal::RefundExceedsPaid);
            }
        }
        if wanted.is_none() {
            if refundable == 0 {
                wanted = Some(Refusal::RefundExceedsPaid);
            } else if o.guest && destination == RefundDestination::AccountCredit {
                wanted = Some(Refusal::InvalidArgument);
            }
        }
        let req = CreditMemo {
            memo_id: id,
            order_id: o.id.clone(),
            total: given(amount),
            lines: memo_lines,
            refund_to_gift_card: explicit
                .map(|p| given(amount * i64::from(p) / i64::from(u16::MAX))),
            destination,
            comment: None,
        };
        let before = self.env.dump();
        let result = if refund {
            self.env.call(|e| api::memo_refunded(e, req.clone()))
        } else {
            self.env.call(|e| api::memo_collect(e, req.clone()))
        };
        let Some(split) = self.judge("memo", result, wanted, &before, &req)? else {
            return Ok(());
        };
        prop_assert_eq!(
            split.gift_card_amount.minor + split.other_amount.minor,
            amount
        );
        if !refund {
            prop_assert!(self.env.dump() == before, "collect wrote something");
            return Ok(());
        }
        let o = &mut self.orders[order];
        for &(i, q) in &lines {
            o.lines[i].refunded += i64::from(q);
        }
        o.refunded_total += amount;
        o.account_credit += split.account_credit.minor;
        o.other_refunded += split.other_amount.minor;
        self.done.push(Done::Refunded(req, split));
        Ok(())
    }

    /// Checks the `result` of a `what` request against `wanted`: a lie
    /// must be refused with the refusal it deserves and write nothing
    /// (`before` is the database before the call), a true request must be
    /// accepted. Returns the answer to a true request.
    fn judge<T: std::fmt::Debug>(
        &mut self,
        what: &str,
        result: std::result::Result<T, Error>,
        wanted: Option<Refusal>,
        before: &[String],
        req: &impl std::fmt::Debug,
    ) -> std::result::Result<Option<T>, TestCaseError> {
        match (result, wanted) {
            (Err(err), Some(refusal)) => {
                prop_assert_eq!(refusal_of(&err), Some(refusal), "{:?} for {:?}", err, req);
                prop_assert!(
                    self.env.dump() == before,
                    "the refusal {:?} wrote something",
                    err
                );
                Ok(None)
            }
            (Err(err), None) => Err(TestCaseError::fail(format!(
                "a true {what} was refused: {err:?}: {req:?}"
            ))),
            (Ok(answer), Some(refusal)) => Err(TestCaseError::fail(format!(
                "a lie was accepted (wanted {refusal:?}): {req:?} → {answer:?}"
            ))),
            (Ok(answer), None) => Ok(Some(answer)),
        }
    }

    fn cancel(&mut self, order: usize) -> Result<(), TestCaseError> {
        let req = CancelRequest {
            order_id: self.orders[order].id.clone(),
            comment: None,
        };
        let before = self.env.dump();
        let answer = self.env.call(|e| api::order_cancelled(e, req.clone()));
        let answer =
            answer.map_err(|err| TestCaseError::fail(format!("cancelling failed: {err:?}")))?;
        if self.orders[order].cancelled {
            prop_assert!(self.env.dump() == before, "a second cancel wrote something");
        } else {
            self.orders[order].cancelled = true;
            self.done.push(Done::Cancelled(req, answer));
        }
        Ok(())
    }

    fn replay(&mut self, pick: u8, change: bool) -> Result<(), TestCaseError> {
        if self.done.is_empty() {
            return Ok(());
        }
        let done = self.done[usize::from(pick) % self.done.len()].clone();
        let before = self.env.dump();
        let env = &mut self.env;
        let outcome = match done {
            Done::Collected(req, first) => {
                again(env, req, first, change, bump, api::invoice_collect)
            }
            Done::Paid(req, first) => again(env, req, first, change, bump, api::invoice_paid),
            Done::Refunded(req, first) => {
                let more = |r: &mut CreditMemo| r.total = given(minor(r.total.as_str()) + 1);
                again(env, req, first, change, more, api::memo_refunded)
            }
            // Another comment is still the same cancellation.
            Done::Cancelled(req, first) => {
                let comment = |r: &mut CancelRequest| r.comment = Some("again".into());
                again(env, req, first, change, comment, api::order_cancelled)
            }
        };
        let cancel = matches!(
            self.done[usize::from(pick) % self.done.len()],
            Done::Cancelled(..)
        );
        match outcome {
            Ok(same) => {
                prop_assert!(!change || cancel, "a changed replay was accepted");
                prop_assert!(same, "a replay gave another answer");
            }
            Err(err) => {
                prop_assert!(change && !cancel, "a replay was refused: {:?}", err);
                prop_assert_eq!(
                    refusal_of(&err),
                    Some(Refusal::InvalidArgument),
                    "{:?}",
                    err
                );
            }
        }
        prop_assert!(self.env.dump() == before, "a replay wrote something");
        Ok(())
    }

    /// The invariants, after every step.
    fn check(&mut self) -> Result<(), TestCaseError> {
        self.check_values()?;
        self.check_records()
    }

    /// Ledger = balance for every card; value out ≤ value in for every order.
    fn check_values(&self) -> Result<(), TestCaseError> {
        let conn = &self.env.db.conn;
        let mut stmt = conn
            .prepare(
                "SELECT id, balance, (SELECT COALESCE(SUM(amount), 0) FROM gc_history h \
                 WHERE h.card_id = gc_cards.id) FROM gc_cards",
            )
            .unwrap();
        let cards: Vec<(i64, i64, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        for (id, balance, ledger) in cards {
            prop_assert!(balance >= 0, "card {} is negative", id);
            prop_assert_eq!(balance, ledger, "card {}: balance ≠ ledger", id);
        }
        let sum =
            |sql: &str, order: &str| -> i64 { conn.query_row(sql, [order], |r| r.get(0)).unwrap() };
        for o in &self.orders {
            let bought = sum(
                "SELECT COALESCE(SUM(initial_value), 0) FROM gc_cards \
                 WHERE order_id = ?1 AND origin = 'purchase'",
                &o.id,
            );
            let refund_cards = sum(
                "SELECT COALESCE(SUM(initial_value), 0) FROM gc_cards \
                 WHERE order_id = ?1 AND origin = 'refund'",
                &o.id,
            );
            let credited = sum(
                "SELECT COALESCE(SUM(amount), 0) FROM gc_history WHERE action = 'refunded' \
                 AND (reference = 'cancel:' || ?1 OR reference IN \
                      (SELECT 'memo:' || memo_id FROM gc_credit_memos WHERE order_id = ?1))",
                &o.id,
            );
            let debited = -sum(
                "SELECT COALESCE(SUM(amount), 0) FROM gc_history \
                 WHERE action = 'redeemed' AND reference = 'order:' || ?1",
                &o.id,
            );
            prop_assert_eq!(debited, o.cards_paid, "{}: debits at placement", &o.id);
            let back = refund_cards + credited + o.account_credit;
            prop_assert!(
                back <= o.cards_paid,
                "{}: {} back on the gift-card side, the cards paid {}",
                &o.id,
                back,
                o.cards_paid
            );
            prop_assert_eq!(bought, o.bought_value, "{}: cards bought", &o.id);
            // Counting the money memos sent back too: bought cards still
            // live, what went back to the cards, and the other payment
            // refunded never add up to more than was taken in.
            let live = sum(
                "SELECT COALESCE(SUM(initial_value), 0) FROM gc_cards \
                 WHERE order_id = ?1 AND origin = 'purchase' AND status <> 'disabled'",
                &o.id,
            );
            prop_assert!(
                live + back + o.other_refunded <= o.cards_paid + o.other_paid,
                "{}: {} live cards + {} back + {} refunded, {} taken in",
                &o.id,
                live,
                back,
                o.other_refunded,
                o.cards_paid + o.other_paid
            );
            prop_assert!(
                bought + back <= o.cards_paid + o.other_paid,
                "{}: {} given out, {} taken in",
                &o.id,
                bought + back,
                o.cards_paid + o.other_paid
            );
            prop_assert!(o.invoiced_total <= o.total_before_cards);
        }
        Ok(())
    }

    /// The plugin's own record is what the accepted requests took.
    fn check_records(&mut self) -> Result<(), TestCaseError> {
        for o in &self.orders {
            let id = o.id.clone();
            let stored = self.env.call(|e| orders::load(e, &id)).unwrap();
            prop_assert_eq!(stored.invoiced_total, o.invoiced_total);
            prop_assert_eq!(stored.refunded_total, o.refunded_total);
            prop_assert_eq!(
                stored.invoiced_shipping,
                if o.shipping_invoiced { o.shipping } else { 0 }
            );
            let lines = self.env.call(|e| orders::order_lines(e, &id)).unwrap();
            prop_assert_eq!(lines.len(), o.lines.len());
            for (s, t) in lines.iter().zip(&o.lines) {
                prop_assert_eq!(&s.line.id, &t.id);
                prop_assert_eq!(
                    (s.invoiced_quantity, s.invoiced_discount, s.invoiced_tax),
                    (t.invoiced, t.invoiced_discount, t.invoiced_tax)
                );
                prop_assert_eq!(s.refunded_quantity, t.refunded);
            }
        }
        Ok(())
    }
}

/// Calls `op` with `req` again, first changed by `how` when `change`, and
/// tells whether it answered what it did the first time: one replay for
/// every kind of hook.
fn again<R, A: PartialEq>(
    env: &mut NativeEnv,
    mut req: R,
    first: A,
    change: bool,
    how: impl FnOnce(&mut R),
    op: impl FnOnce(&mut dyn Environment, R) -> Result<A>,
) -> Result<bool> {
    if change {
        how(&mut req);
    }
    env.call(|e| op(e, req)).map(|a| a == first)
}

/// The same invoice id with one more unit (or more shipping): another invoice.
fn bump(req: &mut Invoice) {
    match req.lines.first_mut() {
        Some(l) => {
            let unit = minor(l.unit_price.as_str());
            l.quantity += 1;
            l.row_total = given(unit * i64::from(l.quantity));
        }
        None => req.shipping = given(minor(req.shipping.as_str()) + 1),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn hostile_hooks_never_give_out_more_than_was_taken_in(
        specs in vec(order_spec(), 2..=2),
        cover_shipping in any::<bool>(),
        ops in vec(op(), 1..40),
    ) {
        let mut env = NativeEnv::in_memory(T0, 7);
        testing::configure(&mut env, SettingsUpdate {
            cards_cover_shipping: Some(cover_shipping),
            ..Default::default()
        });
        let orders = specs.iter().enumerate().map(|(n, s)| place(&mut env, n + 1, s)).collect();
        let mut world = World { env, orders, done: Vec::new(), registered: Vec::new(), next: 0 };
        world.check()?;
        for op in ops {
            match op {
                Op::Invoice { order, pay, shape, picks, shipping, extra } => {
                    let order = world.order_index(order);
                    world.invoice(order, pay, shape, &picks, shipping, extra)?;
                }
                Op::PayRegistered(pick) => world.pay_registered(pick)?,
                Op::Memo { order, refund, shape, picks, total, destination, explicit, extra } => {
                    let order = world.order_index(order);
                    world.memo(order, refund, shape, &picks, total, destination, explicit, extra)?;
                }
                Op::Cancel(order) => {
                    let order = world.order_index(order);
                    world.cancel(order)?;
                }
                Op::Replay { pick, change } => world.replay(pick, change)?,
            }
            world.check()?;
        }
    }
}
