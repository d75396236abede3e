//! Native tests of the order pipeline through the `api` functions the
//! component exports: the collector's order of application, placement, the
//! invoice split, credit memos, cancellation and bought cards.

use giftcard_engine::storage::sqlite::NativeEnv;
use giftcard_engine::testing::{self, T0, balance, line};
use giftcard_engine::*;

fn env() -> NativeEnv {
    NativeEnv::in_memory(T0, 11)
}

fn card(env: &mut NativeEnv, amount: &str, currency: &str) -> Card {
    testing::card_by(env, amount, currency, "alice")
}

fn quote(lines: Vec<Line>, shipping: &str, codes: &[&str]) -> Quote {
    Quote {
        customer: testing::customer("cust-1"),
        shipping: shipping.into(),
        applied_codes: testing::codes(codes),
        ..testing::quote("Q1", "USD", lines)
    }
}

/// A quote of one simple line "1" and no shipping.
fn one_line(quantity: i32, unit: &str, total: &str, codes: &[&str]) -> Quote {
    let line = line("1", ProductKind::Simple, quantity, unit, total);
    quote(vec![line], "0", codes)
}

fn collect(env: &mut NativeEnv, q: &Quote) -> GiftCardTotals {
    testing::collect(env, q, Channel::Admin)
}

fn place(env: &mut NativeEnv, id: &str, q: &Quote) -> Result<PlacedOrder> {
    testing::place(env, id, q, Channel::Storefront)
}

#[test]
fn cards_are_consumed_in_the_order_applied() {
    let mut env = env();
    let a = card(&mut env, "15", "USD");
    let b = card(&mut env, "40", "USD");
    let goods = vec![line("1", ProductKind::Simple, 1, "35", "35")];
    let ab = collect(&mut env, &quote(goods.clone(), "0", &[&a.code, &b.code]));
    let applied: Vec<String> = ab.cards.iter().map(|c| c.applied.amount()).collect();
    assert_eq!(applied, ["15.00", "20.00"]);
    assert_eq!(ab.grand_total.amount(), "0.00");
    assert!(ab.covered);
    let ba = collect(&mut env, &quote(goods.clone(), "0", &[&b.code, &a.code]));
    let applied: Vec<String> = ba.cards.iter().map(|c| c.applied.amount()).collect();
    assert_eq!(applied, ["35.00", "0.00"]);
    let placed = place(&mut env, "O-1", &quote(goods, "0", &[&b.code, &a.code])).unwrap();
    assert_eq!(
        placed.movements.len(),
        1,
        "A pays nothing and is not debited"
    );
    assert_eq!(balance(&mut env, b.summary.id), "5.00");
    assert_eq!(balance(&mut env, a.summary.id), "15.00");
}

#[test]
fn shipping_is_left_to_pay_when_cards_may_not_cover_it() {
    let mut env = env();
    testing::set(&mut env, |u| u.cards_cover_shipping = Some(false));
    let c = card(&mut env, "100", "USD");
    let q = quote(
        vec![line("1", ProductKind::Simple, 1, "70", "70")],
        "9",
        &[&c.code],
    );
    let t = collect(&mut env, &q);
    assert_eq!(t.gift_card_amount.amount(), "70.00");
    assert_eq!(t.grand_total.amount(), "9.00");
    assert!(!t.covered);
}

#[test]
fn placement_is_idempotent_and_refuses_changed_balances() {
    let mut env = env();
    let c = card(&mut env, "50", "USD");
    let q = one_line(2, "10", "20", &[&c.code]);
    let first = place(&mut env, "O-1", &q).unwrap();
    let again = place(&mut env, "O-1", &q);
    // The second collection sees 30 left and still applies 20: same order,
    // same cards, same amounts: the first answer, nothing taken twice.
    assert_eq!(again.unwrap(), first);
    assert_eq!(balance(&mut env, c.summary.id), "30.00");

    // A stale expectation is refused, not under-collected.
    let q2 = one_line(1, "40", "40", &[&c.code]);
    let stale = (c.code.as_str(), "40.00");
    testing::assert_stale_expectation(&mut env, "O-2", q2, stale, Channel::Storefront);
    assert_eq!(balance(&mut env, c.summary.id), "30.00");
}

#[test]
fn cross_currency_debits_exactly_and_leaves_no_residue() {
    let mut env = env();
    env.set_rate("EUR", "USD", "1.0837");
    let c = card(&mut env, "10", "EUR");
    let q = one_line(1, "5", "5", &[&c.code]);
    let placed = place(&mut env, "O-1", &q).unwrap();
    // 5.00 USD ÷ 1.0837 = 4.6138… → 4.61 EUR
    assert_eq!(placed.movements[0].amount.amount(), "-4.61");
    assert_eq!(balance(&mut env, c.summary.id), "5.39");
    // Now the card can give 5.39 × 1.0837 = 5.8411… → 5.84 USD; using it all
    // debits the whole 5.39 EUR.
    let q = one_line(1, "20", "20", &[&c.code]);
    let placed = place(&mut env, "O-2", &q).unwrap();
    assert_eq!(placed.totals.gift_card_amount.amount(), "5.84");
    assert_eq!(balance(&mut env, c.summary.id), "0.00");
    // No rate either way, no guess: the card pays nothing and is dropped
    // with its reason, and the quote still collects (it used to fail the
    // whole collection with `no-exchange-rate`, blocking checkout).
    let gbp = card(&mut env, "10", "GBP");
    let totals = collect(&mut env, &one_line(1, "5", "5", &[&gbp.code]));
    assert_eq!(totals.gift_card_amount.amount(), "0.00");
    assert_eq!(totals.grand_total.amount(), "5.00");
    assert!(totals.cards.is_empty());
    assert_eq!(totals.dropped.len(), 1);
    assert_eq!(totals.dropped[0].code, gbp.code);
    assert_eq!(
        totals.dropped[0].refusal.reason,
        Some(RefusalReason::NoExchangeRate)
    );
}

/// Invoices the one `line` of order O-1, without shipping: every invoice
/// these tests send.
fn invoice(env: &mut NativeEnv, id: &str, line: Line) -> Result<InvoiceGiftCards> {
    env.call(|e| api::invoice_collect(e, testing::invoice(id, "O-1", vec![line], "0")))
}

fn memo(
    env: &mut NativeEnv,
    id: &str,
    order: &str,
    total: &str,
    to_card: Option<&str>,
) -> Result<MemoSplit> {
    let memo = CreditMemo {
        refund_to_gift_card: to_card.map(GivenAmount::from),
        ..testing::memo(id, order, total, &[], RefundDestination::OriginalCards)
    };
    env.call(|e| api::memo_refunded(e, memo))
}

#[test]
fn partial_invoices_memos_and_cancellation_add_up() {
    let mut env = env();
    let a = card(&mut env, "30", "USD");
    let b = card(&mut env, "10", "USD");
    let lines = vec![
        line("1", ProductKind::Simple, 2, "25", "50"),
        line("2", ProductKind::Simple, 1, "50", "50"),
    ];
    place(
        &mut env,
        "O-1",
        &quote(lines.clone(), "0", &[&a.code, &b.code]),
    )
    .unwrap();
    // Order 100, cards pay 40. Invoice 1 (25) is paid wholly by the cards.
    let i1 = invoice(
        &mut env,
        "I-1",
        line("1", ProductKind::Simple, 1, "25", "25"),
    )
    .unwrap();
    assert_eq!(
        (i1.gift_card_amount.amount(), i1.grand_total.amount()),
        ("25.00".into(), "0.00".into())
    );
    let second = |env: &mut NativeEnv| {
        invoice(env, "I-2", line("2", ProductKind::Simple, 1, "50", "50")).unwrap()
    };
    let i2 = second(&mut env);
    assert_eq!(i2.gift_card_amount.amount(), "15.00");
    assert_eq!(i2.order_remaining.amount(), "0.00");
    // Replay: same answer.
    let again = second(&mut env);
    assert_eq!(again, i2);
    // A memo of 30: 40% of the order was paid by cards → 12 back to the cards,
    // split 30:10 → 9 and 3.
    let m1 = memo(&mut env, "M-1", "O-1", "30", None).unwrap();
    assert_eq!(m1.gift_card_amount.amount(), "12.00");
    assert_eq!(m1.other_amount.amount(), "18.00");
    assert_eq!(balance(&mut env, a.summary.id), "9.00");
    assert_eq!(balance(&mut env, b.summary.id), "3.00");
    // More than is left is refused.
    let err = memo(&mut env, "M-2", "O-1", "46", None).unwrap_err();
    assert!(matches!(err, Error::RefundExceedsPaid(_)), "{err:?}");
    // Cancelling now restores nothing: the whole order was invoiced.
    let c = testing::cancel(&mut env, "O-1").unwrap();
    assert_eq!(c.restored.amount(), "0.00");
}

#[test]
fn cancellation_restores_only_the_uninvoiced_part() {
    let mut env = env();
    let a = card(&mut env, "60", "USD");
    let lines = vec![
        line("1", ProductKind::Simple, 1, "40", "40"),
        line("2", ProductKind::Simple, 1, "60", "60"),
    ];
    place(&mut env, "O-1", &quote(lines, "0", &[&a.code])).unwrap();
    assert_eq!(balance(&mut env, a.summary.id), "0.00");
    invoice(
        &mut env,
        "I-1",
        line("1", ProductKind::Simple, 1, "40", "40"),
    )
    .unwrap();
    let c = testing::cancel(&mut env, "O-1").unwrap();
    assert_eq!(c.restored.amount(), "20.00");
    assert_eq!(balance(&mut env, a.summary.id), "20.00");
    // Replaying the cancel changes nothing.
    let again = testing::cancel(&mut env, "O-1").unwrap();
    assert_eq!(again, c);
    assert_eq!(balance(&mut env, a.summary.id), "20.00");
    // The invoiced 40 comes back only through a memo: an order paid wholly by
    // card refunds wholly to it, and the last memo takes the remainder.
    let m = memo(&mut env, "M-1", "O-1", "40", None).unwrap();
    assert!(m.last);
    assert_eq!(m.gift_card_amount.amount(), "40.00");
    assert_eq!(balance(&mut env, a.summary.id), "60.00");
}

#[test]
fn bought_cards_are_issued_on_payment_and_disabled_on_refund() {
    let mut env = env();
    let mut gift = line("g", ProductKind::GiftCard, 2, "25", "50");
    gift.gift_card = Some(GiftCardPurchase {
        recipient_name: Some("Ada".into()),
        recipient_email: Some("ada@example.com".into()),
        message: Some("Happy birthday".into()),
        validity_days: Some(365),
        ..Default::default()
    });
    place(&mut env, "O-1", &quote(vec![gift.clone()], "0", &[])).unwrap();
    let inv = |env: &mut NativeEnv| {
        env.call(|e| {
            api::invoice_paid(
                e,
                Invoice {
                    invoice_id: "I-1".into(),
                    order_id: "O-1".into(),
                    lines: vec![gift.clone()],
                    shipping: "0".into(),
                    shipping_tax: "0".into(),
                },
            )
        })
        .unwrap()
    };
    let paid = inv(&mut env);
    assert_eq!(paid.issued.len(), 2);
    assert_eq!(paid.issued[0].summary.balance.amount(), "25.00");
    assert_eq!(paid.issued[0].summary.origin, CardOrigin::Purchase);
    assert_eq!(
        paid.issued[0]
            .purchase
            .as_ref()
            .unwrap()
            .recipient_name
            .as_deref(),
        Some("Ada")
    );
    assert!(paid.issued[0].summary.expires_at.is_some());
    assert_eq!(inv(&mut env), paid, "paying again issues nothing new");
    // Spend from the first card, then refund the gift-card line.
    let spender = quote(
        vec![line("1", ProductKind::Simple, 1, "5", "5")],
        "0",
        &[&paid.issued[0].code],
    );
    place(&mut env, "O-2", &spender).unwrap();
    let split = env
        .call(|e| {
            api::memo_refunded(
                e,
                CreditMemo {
                    memo_id: "M-1".into(),
                    order_id: "O-1".into(),
                    total: "50".into(),
                    lines: vec![MemoLine {
                        line_id: "g".into(),
                        quantity: 2,
                    }],
                    refund_to_gift_card: None,
                    destination: RefundDestination::OriginalCards,
                    comment: None,
                },
            )
        })
        .unwrap();
    assert_eq!(split.disabled_cards.len(), 1);
    assert_eq!(split.disabled_cards[0].card_id, paid.issued[1].summary.id);
    assert_eq!(split.used_cards.len(), 1);
    let second = env
        .call(|e| api::get_card(e, &CardRef::Id(paid.issued[1].summary.id)))
        .unwrap();
    assert_eq!(second.summary.status, CardStatus::Disabled);
}

fn memo_lines(
    env: &mut NativeEnv,
    id: &str,
    order: &str,
    total: &str,
    lines: &[(&str, i32)],
) -> Result<MemoSplit> {
    let memo = testing::memo(id, order, total, lines, RefundDestination::OriginalCards);
    env.call(|e| api::memo_refunded(e, memo))
}

/// Cancelling after a partial invoice and a partial refund: the card gets
/// back the gift-card part never invoiced; the cancelled units were never
/// invoiced, so no memo may refund them, and the invoiced ones only once.
#[test]
fn cancellation_after_partial_invoices_and_refunds_leaves_only_invoiced_units_to_refund() {
    let mut env = env();
    let a = card(&mut env, "60", "USD");
    place(&mut env, "O-1", &one_line(4, "25", "100", &[&a.code])).unwrap();
    // 2 of 4 invoiced (50.00, all from the card), 1 of them refunded.
    invoice(
        &mut env,
        "I-1",
        line("1", ProductKind::Simple, 2, "25", "50"),
    )
    .unwrap();
    let m1 = memo_lines(&mut env, "M-1", "O-1", "25", &[("1", 1)]).unwrap();
    assert_eq!(m1.gift_card_amount.amount(), "25.00");
    let c = testing::cancel(&mut env, "O-1").unwrap();
    assert_eq!(c.restored.amount(), "10.00", "60 paid − 50 invoiced");
    assert_eq!(balance(&mut env, a.summary.id), "35.00");
    // Nothing more can be invoiced, and only the one invoiced unit not yet
    // refunded can be.
    let err = invoice(
        &mut env,
        "I-2",
        line("1", ProductKind::Simple, 1, "25", "25"),
    )
    .unwrap_err();
    assert!(matches!(err, Error::OrderState(_)), "{err:?}");
    let before = env.dump();
    let err = memo_lines(&mut env, "M-2", "O-1", "25", &[("1", 2)]).unwrap_err();
    assert_eq!(
        err,
        Error::QuantityExceedsOrder {
            line_id: "1".into(),
            requested: 2,
            available: 1
        }
    );
    assert_eq!(env.dump(), before);
    let m2 = memo_lines(&mut env, "M-2", "O-1", "25", &[("1", 1)]).unwrap();
    assert!(m2.last);
    assert_eq!(m2.gift_card_amount.amount(), "25.00");
    assert_eq!(balance(&mut env, a.summary.id), "60.00");
    let err = memo_lines(&mut env, "M-3", "O-1", "0.01", &[("1", 1)]).unwrap_err();
    assert!(
        matches!(err, Error::QuantityExceedsOrder { available: 0, .. }),
        "{err:?}"
    );
}
