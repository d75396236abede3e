//! Set-up shared by the engine's tests: the unit tests beside the modules
//! and the integration tests under `tests/` (which enable the `testing`
//! feature through the crate's dev-dependency on itself). Each helper is a
//! request with every option left out, or one `api` call as a host makes
//! it (its own transaction), unwrapped where a test only sets things up.
//!
//! Records are built here once, so a field added to a record later is
//! given its default in one place.

use crate::catalog::batches::{CustomerTarget, DefinitionInput, GenerateRequest};
use crate::storage::sqlite::NativeEnv;
use crate::*;

/// The moment most tests start at (2026-09-21T…Z).
pub const T0: i64 = 1_790_000_000;

/// An amount of US dollars as the engine stores it.
pub fn usd(amount: &str) -> Money {
    Money::parse(amount, "USD").unwrap()
}

/// An amount of US dollars as a request gives it.
pub fn given_usd(amount: &str) -> GivenMoney {
    GivenMoney::new(amount, "USD")
}

/// Creates a plain card of `amount` `currency` made by `admin_user`.
pub fn card_by(env: &mut NativeEnv, amount: &str, currency: &str, admin_user: &str) -> Card {
    env.call(|e| {
        api::create_card(
            e,
            CreateCard::new(GivenMoney::new(amount, currency), admin_user),
        )
    })
    .unwrap()
}

/// Configures the shop with `update`.
pub fn configure(env: &mut NativeEnv, update: SettingsUpdate) -> Settings {
    env.call(|e| api::configure(e, update)).unwrap()
}

/// Configures only what `change` sets in an otherwise empty update: the
/// usual case of a test that needs one setting other than the default.
pub fn set(env: &mut NativeEnv, change: impl FnOnce(&mut SettingsUpdate)) -> Settings {
    let mut update = SettingsUpdate::default();
    change(&mut update);
    configure(env, update)
}

/// A card's current balance, as its amount text.
pub fn balance(env: &mut NativeEnv, id: CardId) -> String {
    env.call(|e| api::get_card(e, &CardRef::Id(id)))
        .unwrap()
        .summary
        .balance
        .amount()
}

/// The first page of the cards with `status`.
pub fn cards_with_status(env: &mut NativeEnv, status: CardStatus) -> CardPage {
    env.call(|e| {
        api::list_cards(
            e,
            ListCards {
                status: Some(status),
                ..Default::default()
            },
        )
    })
    .unwrap()
}

/// How many rows `table` holds.
/// The one value a parameterless query answers (a count, a stored text).
pub fn scalar<T: rusqlite::types::FromSql>(env: &NativeEnv, sql: &str) -> T {
    env.db.conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

pub fn count(env: &mut NativeEnv, table: &str) -> i64 {
    let rows = crate::storage::sqlite::execute(
        &env.db.conn,
        &format!("SELECT COUNT(*) AS n FROM {table}"),
        &[],
    )
    .unwrap();
    rows.first().unwrap().i64("n").unwrap()
}

/// Every row of `tables`, for "writes nothing" checks on a part of the
/// database ([`NativeEnv::dump`] has all of it).
pub fn rows_of(env: &mut NativeEnv, tables: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for table in tables {
        let mut stmt = env
            .db
            .conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1"))
            .unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap();
        out.extend(rows.map(|r| format!("{table}:{}", r.unwrap())));
    }
    out
}

/// Asserts that the error `$err` is the variant `$kind` and that its message
/// contains `$says`: how a test pins a refusal without its whole wording.
#[macro_export]
macro_rules! assert_says {
    ($err:expr, $kind:path, $says:expr) => {{
        let err = &$err;
        assert!(matches!(err, $kind(m) if m.contains($says)), "{err:?}");
    }};
}

/// Calls `f`, which must fail; nothing may have been written.
pub fn refused<T: std::fmt::Debug>(
    env: &mut NativeEnv,
    f: impl FnOnce(&mut NativeEnv) -> Result<T>,
) -> Error {
    let before = env.dump();
    let err = f(env).unwrap_err();
    assert_eq!(env.dump(), before, "{err:?} wrote something");
    err
}

/// A line of `quantity` at `unit` totalling `total`, SKU `SKU-{id}`, with
/// no discount, tax or gift card.
pub fn line(id: &str, kind: ProductKind, quantity: i32, unit: &str, total: &str) -> Line {
    Line {
        id: id.into(),
        sku: format!("SKU-{id}"),
        kind,
        quantity,
        unit_price: unit.into(),
        row_total: total.into(),
        discount: "0".into(),
        tax: "0".into(),
        gift_card: None,
    }
}

/// A guest quote `id` in `currency` (also its base currency) on the main
/// website's default store, of `lines`, no shipping and no codes; set the
/// rest with struct-update syntax.
pub fn quote(id: &str, currency: &str, lines: Vec<Line>) -> Quote {
    Quote {
        id: id.into(),
        website: "main".into(),
        store: "default".into(),
        currency: currency.into(),
        base_currency: currency.into(),
        customer: None,
        test: false,
        lines,
        shipping: "0".into(),
        shipping_tax: "0".into(),
        applied_codes: vec![],
        shipping_country: None,
        billing_country: None,
    }
}

/// A logged-in customer in no group.
pub fn customer(id: impl Into<String>) -> Option<CustomerInfo> {
    Some(CustomerInfo {
        id: id.into(),
        groups: vec![],
        email: None,
    })
}

/// Codes as a quote lists them.
pub fn codes(list: &[&str]) -> Vec<String> {
    list.iter().map(|c| c.to_string()).collect()
}

/// What the collector says of `quote` on `channel`.
pub fn collect(env: &mut NativeEnv, quote: &Quote, channel: Channel) -> GiftCardTotals {
    env.call(|e| {
        api::collect_totals(
            e,
            CollectRequest {
                quote: quote.clone(),
                channel,
            },
        )
    })
    .unwrap()
}

/// The cards a shop expects at placement: those the collection applied.
pub fn expected(totals: &GiftCardTotals) -> Vec<ExpectedCard> {
    totals
        .cards
        .iter()
        .map(|c| ExpectedCard {
            code: c.code.clone(),
            applied: c.applied.amount().into(),
        })
        .collect()
}

/// Places `quote` as `order_id` on `channel`, expecting what the admin
/// collection says.
pub fn place(
    env: &mut NativeEnv,
    order_id: &str,
    quote: &Quote,
    channel: Channel,
) -> Result<PlacedOrder> {
    let expected = expected(&collect(env, quote, Channel::Admin));
    place_expecting(env, order_id, quote.clone(), expected, channel)
}

/// Places `quote` as `order_id` on `channel`, expecting `expected`.
pub fn place_expecting(
    env: &mut NativeEnv,
    order_id: &str,
    quote: Quote,
    expected: Vec<ExpectedCard>,
    channel: Channel,
) -> Result<PlacedOrder> {
    env.call(|e| {
        api::order_placed(
            e,
            PlaceRequest {
                order_id: order_id.into(),
                quote,
                expected,
                channel,
            },
        )
    })
}

/// Places `order_id` from `quote` expecting the card `code` to pay
/// `applied`, which it no longer would: refused as a changed balance,
/// writing nothing.
pub fn assert_stale_expectation(
    env: &mut NativeEnv,
    order_id: &str,
    quote: Quote,
    (code, applied): (&str, &str),
    channel: Channel,
) {
    let expected = vec![ExpectedCard {
        code: code.into(),
        applied: applied.into(),
    }];
    let err = refused(env, |env| {
        place_expecting(env, order_id, quote, expected, channel)
    });
    assert!(matches!(err, Error::BalanceChanged { .. }), "{err:?}");
}

/// Cancels order `order_id`, with no comment.
pub fn cancel(env: &mut NativeEnv, order_id: &str) -> Result<Cancellation> {
    env.call(|e| {
        api::order_cancelled(
            e,
            CancelRequest {
                order_id: order_id.into(),
                comment: None,
            },
        )
    })
}

/// An invoice of `lines` and `shipping` (no shipping tax).
pub fn invoice(id: &str, order_id: &str, lines: Vec<Line>, shipping: &str) -> Invoice {
    Invoice {
        invoice_id: id.into(),
        order_id: order_id.into(),
        lines,
        shipping: shipping.into(),
        shipping_tax: "0".into(),
    }
}

/// A credit memo of `total` refunding `(line id, quantity)` pairs to
/// `destination`, with no card amount and no comment.
pub fn memo(
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

/// An enabled batch definition `name` whose cards are worth `value` EUR,
/// for everyone, with no other rule.
pub fn definition_input(name: &str, value: &str) -> DefinitionInput {
    DefinitionInput {
        name: name.into(),
        code_name: None,
        description: None,
        enabled: true,
        value: GivenMoney::new(value, "EUR"),
        min_order_amount: None,
        valid_from: None,
        valid_to: None,
        target: CustomerTarget::Everyone,
        currencies: vec![],
        required_skus: vec![],
        shipping_countries: vec![],
        billing_countries: vec![],
    }
}

/// A request by `alice` for `count` codes of definition `definition_id`:
/// no prefix, not test cards, no use limit.
pub fn generate_request(definition_id: u64, count: u32) -> GenerateRequest {
    GenerateRequest {
        definition_id,
        count,
        prefix: None,
        test: false,
        max_uses: None,
        admin_user: "alice".into(),
    }
}

/// A card of `cents` (minor units) in `currency` written by the
/// administrator `alice`, every option left out, for
/// [`cards::insert`](crate::cards::insert); set the rest with
/// struct-update syntax.
#[cfg(test)]
pub(crate) fn new_card(cents: i64, currency: &str) -> crate::cards::NewCard {
    crate::cards::NewCard {
        code: None,
        amount: cents,
        currency: crate::money::Currency::parse(currency).unwrap(),
        expires_at: None,
        context: crate::cards::CardContext::of(CardOrigin::Admin),
        reference: None,
        actor: Actor::Admin("alice".into()),
        extras: crate::cards::CardExtras::default(),
    }
}

/// Writes `new` as [`cards::insert`](crate::cards::insert) does.
#[cfg(test)]
pub(crate) fn insert_card(
    env: &mut NativeEnv,
    new: crate::cards::NewCard,
) -> crate::cards::StoredCard {
    env.call(|e| crate::cards::insert(e, new)).unwrap()
}

/// The steps both ledger property tests draw (the engine's, natively, and
/// the harness's, through the component), within bounds each test picks.
#[cfg(feature = "testing")]
pub mod ledger_ops {
    use proptest::prelude::*;

    /// Create a card of so many cents; adjust by so many cents, disable or
    /// enable the card at an index (taken modulo the cards made so far);
    /// move the clock on so many hours.
    #[derive(Clone, Debug)]
    pub enum Op {
        Create(u32),
        Adjust(usize, i32),
        Disable(usize),
        Enable(usize),
        Advance(u32),
    }

    /// How far the steps go; every bound is exclusive.
    #[derive(Clone, Copy, Debug)]
    pub struct Bounds {
        /// Card indexes are below this.
        pub cards: usize,
        /// A card is created with at least one cent and fewer than this.
        pub create_cents: u32,
        /// An adjustment is of fewer than this many cents either way.
        pub adjust_cents: i32,
        /// The clock moves by fewer than this many hours.
        pub hours: u32,
    }

    /// One step within `b`.
    pub fn op(b: Bounds) -> impl Strategy<Value = Op> {
        prop_oneof![
            (1..b.create_cents).prop_map(Op::Create),
            (0..b.cards, -b.adjust_cents..b.adjust_cents).prop_map(|(c, a)| Op::Adjust(c, a)),
            (0..b.cards).prop_map(Op::Disable),
            (0..b.cards).prop_map(Op::Enable),
            (0..b.hours).prop_map(Op::Advance),
        ]
    }

    /// `cents` as a decimal of two places (`-12.05`), as a request gives it.
    pub fn decimal(cents: i64) -> String {
        let sign = if cents < 0 { "-" } else { "" };
        let abs = cents.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}
