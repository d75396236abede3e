use crate::pipeline::orders;
use crate::storage::sqlite::NativeEnv;
use crate::testing::{self, T0};
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
    let row_total = c.format(unit_minor * i64::from(quantity));
    Line {
        sku: sku.into(),
        discount: discount.into(),
        tax: tax.into(),
        gift_card: (kind == ProductKind::GiftCard).then(|| GiftCardPurchase {
            recipient_name: Some("Ana".into()),
            recipient_email: Some("ana@example.com".into()),
            message: Some("Enjoy".into()),
            ..GiftCardPurchase::default()
        }),
        ..testing::line(id, kind, quantity, unit, &row_total)
    }
}

/// A USD card made by an admin, the payment of the pipeline tests' orders.
pub(crate) fn card(env: &mut NativeEnv, amount: &str) -> Card {
    testing::card_by(env, amount, "USD", "admin")
}

/// Line "1": one digital course of 100.00.
pub(crate) fn course() -> Line {
    line("1", "COURSE", ProductKind::Digital, 1, "100", "0", "0")
}

/// Line "1": `quantity` books of 10.00, the order the invoice and memo
/// tests take units from.
pub(crate) fn books(quantity: i32) -> Line {
    line("1", "BOOK", ProductKind::Simple, quantity, "10", "0", "0")
}

/// The refusal of taking `requested` units of line "1" with `available` left.
pub(crate) fn line_one_exceeds(requested: i32, available: u32) -> Error {
    Error::QuantityExceedsOrder {
        line_id: "1".into(),
        requested,
        available,
    }
}

/// Asserts that `err` refuses more units than a line has left, naming
/// `available` as what is left (on whichever line).
#[track_caller]
pub(crate) fn assert_units_left(err: &Error, available: u32) {
    assert!(
        matches!(err, Error::QuantityExceedsOrder { available: a, .. } if *a == available),
        "{err:?}"
    );
}

/// Runs the guarded update `record` straight on order `O-1`, as a hook
/// racing past the check before it would, and asserts that the update
/// refuses on its own with no units left.
#[track_caller]
pub(crate) fn assert_guard_refuses(
    env: &mut NativeEnv,
    record: impl FnOnce(&mut dyn Environment, &orders::StoredOrder) -> Result<()>,
) {
    let order = env.call(|e| orders::load(e, "O-1")).unwrap();
    let err = env.call(|e| record(e, &order)).unwrap_err();
    assert_units_left(&err, 0);
}

/// The USD quote `Q-{order_id}` of `lines` for customer `alice`.
fn alice_quote(order_id: &str, lines: Vec<Line>) -> Quote {
    Quote {
        customer: testing::customer("alice"),
        ..testing::quote(&format!("Q-{order_id}"), "USD", lines)
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
        shipping: shipping.into(),
        shipping_tax: shipping_tax.into(),
        applied_codes: testing::codes(codes),
        ..alice_quote(order_id, lines)
    };
    testing::place(env, order_id, &quote, Channel::Admin).unwrap()
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
    let mut env = NativeEnv::in_memory(T0, 3);
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
        let quote = alice_quote("O-1", lines);
        let err =
            testing::place_expecting(&mut env, "O-1", quote, vec![], Channel::Admin).unwrap_err();
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
    let legacy: String = crate::testing::scalar(
        &env,
        "SELECT fingerprint FROM gc_hook_results WHERE hook = 'placed'",
    );
    assert_eq!(
        legacy, "USD|2000||",
        "the v4 form: currency, total, codes, expectations"
    );
    assert_eq!(place(&mut env, "O-1", vec![mug], "0", "0", &[]), first);
}

#[test]
fn placement_records_every_line_and_the_shipping() {
    let mut env = NativeEnv::in_memory(T0, 3);
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
        (
            a.line.id.as_str(),
            a.position,
            a.line.sku.as_str(),
            a.line.kind
        ),
        ("a", 1, "BOOK", ProductKind::Simple)
    );
    assert_eq!(
        (
            a.line.quantity,
            a.line.unit_price,
            a.line.row_total,
            a.line.discount,
            a.line.tax
        ),
        (3, 1000, 3000, 150, 225)
    );
    assert_eq!(a.line.gift_card, None);
    assert_eq!(
        (a.invoiced_quantity, a.invoiced_discount, a.invoiced_tax),
        (0, 0, 0)
    );
    let g = &lines[1];
    assert_eq!((g.line.id.as_str(), g.position), ("g", 2));
    assert_eq!(
        (g.line.kind, g.line.quantity, g.line.unit_price),
        (ProductKind::GiftCard, 2, 5000)
    );
    assert_eq!(
        g.line.gift_card, gift.gift_card,
        "the purchase details, verbatim"
    );
}

/// A refused placement records no line (nothing at all is written).
#[test]
fn a_refused_placement_records_no_lines() {
    let mut env = NativeEnv::in_memory(T0, 3);
    let paying = card(&mut env, "30");
    let quote = Quote {
        applied_codes: vec![paying.code.clone()],
        ..testing::quote("Q-X", "USD", vec![course()])
    };
    let stale = (paying.code.as_str(), "20.00");
    testing::assert_stale_expectation(&mut env, "O-X", quote, stale, Channel::Admin);
}

/// Places a 100.00 order on `order_id` with `code` paying 30.00, and
/// invoices all of it.
fn place_and_invoice(env: &mut NativeEnv, order_id: &str, code: &str) {
    let quote = Quote {
        applied_codes: vec![code.into()],
        ..alice_quote(order_id, vec![course()])
    };
    let expected = vec![ExpectedCard {
        code: code.into(),
        applied: "30.00".into(),
    }];
    testing::place_expecting(env, order_id, quote, expected, Channel::Admin).unwrap();
    let invoice = testing::invoice(&format!("I-{order_id}"), order_id, vec![course()], "0");
    env.call(|e| api::invoice_paid(e, invoice)).unwrap();
}

fn memo(
    env: &mut NativeEnv,
    id: &str,
    order_id: &str,
    total: &str,
    destination: RefundDestination,
) -> MemoSplit {
    let memo = testing::memo(id, order_id, total, &[], destination);
    env.call(|e| api::memo_refunded(e, memo)).unwrap()
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
        let mut env = NativeEnv::in_memory(T0, 3);
        let paying = card(&mut env, "30");
        let order = format!("O-{n}");
        place_and_invoice(&mut env, &order, &paying.code);
        // 40 × 30 / 100 = 12.00 of the first memo goes elsewhere.
        let first = memo(&mut env, "M-1", &order, "40", destination);
        assert_eq!(first.gift_card_amount.amount(), "12.00", "{destination:?}");
        let rest = memo(
            &mut env,
            "M-2",
            &order,
            "60",
            RefundDestination::OriginalCards,
        );
        assert!(rest.last);
        assert_eq!(rest.gift_card_amount.amount(), "18.00", "{destination:?}");
        assert_eq!(rest.movements.len(), 1);
        assert_eq!(
            rest.movements[0].amount.amount(),
            "18.00",
            "{destination:?}"
        );
        let after = env
            .call(|e| api::get_card(e, &CardRef::Id(paying.summary.id)))
            .unwrap();
        assert_eq!(after.summary.balance.amount(), "18.00", "{destination:?}");
    }
}

/// An order recorded without this request's stored answer (say, the row
/// was put there by hand) refuses a placement under its id, and rolls back
/// the card debit the placement had made before it found out. (Paid with
/// the card the order used, the ledger's one-debit-per-order rule refuses
/// it even earlier.)
#[test]
fn an_order_recorded_without_its_answer_refuses_the_placement() {
    let mut env = NativeEnv::in_memory(T0, 3);
    let first = card(&mut env, "500");
    let other = card(&mut env, "500");
    place(&mut env, "O-1", vec![course()], "0", "0", &[&first.code]);
    env.db
        .conn
        .execute("DELETE FROM gc_hook_results WHERE hook = 'placed'", [])
        .unwrap();
    let before = env.dump();
    for (code, already_placed) in [(&other.code, true), (&first.code, false)] {
        let quote = Quote {
            applied_codes: vec![code.clone()],
            ..alice_quote("O-1", vec![books(1)])
        };
        let err = testing::place(&mut env, "O-1", &quote, Channel::Admin).unwrap_err();
        let named = matches!(&err, Error::InvalidArgument(m) if m.contains("already placed"));
        assert_eq!(named, already_placed, "{err:?}");
        assert_eq!(env.dump(), before, "the debit is rolled back");
    }
}

/// What a checkout costs in statements (each one a host call in the
/// component): the schema and settings read, then for one card collect 2,
/// placed 10 and paid 7. The order's lines and cards are inserted with one
/// statement each however many there are, and a paid invoice reads its
/// order with the placed lines in one.
#[test]
fn a_checkout_costs_nineteen_statements_whatever_its_lines() {
    for lines in [1, 200] {
        let mut env = NativeEnv::in_memory(T0, 3);
        let paying = card(&mut env, "10000");
        let lines: Vec<Line> = (1..=lines)
            .map(|i| {
                line(
                    &i.to_string(),
                    "BOOK",
                    ProductKind::Simple,
                    1,
                    "10",
                    "0",
                    "0",
                )
            })
            .collect();
        let quote = Quote {
            applied_codes: vec![paying.code.clone()],
            ..alice_quote("O-1", lines.clone())
        };
        let cost = |env: &mut NativeEnv, step: &mut dyn FnMut(&mut NativeEnv)| {
            let before = env.db.statements;
            step(env);
            env.db.statements - before
        };
        let mut expected = Vec::new();
        let collect = cost(&mut env, &mut |env| {
            expected = testing::expected(&testing::collect(env, &quote, Channel::Storefront));
        });
        let placed = cost(&mut env, &mut |env| {
            let q = quote.clone();
            testing::place_expecting(env, "O-1", q, expected.clone(), Channel::Storefront).unwrap();
        });
        let req = testing::invoice("I-1", "O-1", lines.clone(), "0");
        let paid = cost(&mut env, &mut |env| {
            env.call(|e| api::invoice_paid(e, req.clone())).unwrap();
        });
        let n = lines.len();
        // Paying takes each line's units with its own guarded update.
        assert_eq!((collect, placed, paid), (2, 10, 6 + n as u64), "{n} lines");
    }
}

/// A collection reads every card its codes name in one statement: with ten
/// cards, a code no card has and a malformed one, two statements in all
/// (the settings, the cards), each code answered as it would be alone.
#[test]
fn a_collection_reads_all_its_cards_in_one_statement() {
    let mut env = NativeEnv::in_memory(T0, 3);
    let cards: Vec<Card> = (0..10).map(|_| card(&mut env, "1")).collect();
    let mut codes: Vec<&str> = cards.iter().map(|c| c.code.as_str()).collect();
    codes.insert(3, "GC-AAAA-BBBB-CCCC-DDDD");
    codes.insert(7, "not a code!");
    let quote = Quote {
        applied_codes: testing::codes(&codes),
        ..alice_quote("O-1", vec![course()])
    };
    let before = env.db.statements;
    let totals = testing::collect(&mut env, &quote, Channel::Admin);
    assert_eq!(env.db.statements - before, 2);
    let applied: Vec<&str> = totals.cards.iter().map(|c| c.code.as_str()).collect();
    let shown: Vec<&str> = cards.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(applied, shown, "in the quote's order");
    let reasons: Vec<_> = totals.dropped.iter().map(|d| d.refusal.reason).collect();
    assert_eq!(
        reasons,
        [
            Some(RefusalReason::UnknownCode),
            Some(RefusalReason::MalformedCode)
        ]
    );
}
