use crate::pipeline::orders;
use crate::pipeline::orders::tests::{
    assert_guard_refuses, assert_units_left, books, line, line_one_exceeds, make_legacy, place,
};
use crate::storage::sqlite::NativeEnv;
use crate::testing::{T0, invoice, memo, refused, usd};
use crate::*;

/// A fresh shop with one 3 × 10.00 order (no cards) of which `invoiced`
/// units are invoiced: where most memo tests start.
fn order_with(invoiced: i32) -> NativeEnv {
    let mut env = NativeEnv::in_memory(T0, 3);
    place(&mut env, "O-1", vec![books(3)], "0", "0", &[]);
    env.call(|e| api::invoice_paid(e, invoice("I-1", "O-1", vec![books(invoiced)], "0")))
        .unwrap();
    env
}

fn refunded(env: &mut NativeEnv, req: CreditMemo) -> Result<MemoSplit> {
    env.call(|e| api::memo_refunded(e, req))
}

fn collect(env: &mut NativeEnv, req: CreditMemo) -> Result<MemoSplit> {
    env.call(|e| api::memo_collect(e, req))
}

fn refunded_units(env: &mut NativeEnv) -> i64 {
    env.call(|e| orders::order_lines(e, "O-1")).unwrap()[0].refunded_quantity
}

const CARDS: RefundDestination = RefundDestination::OriginalCards;

/// Both memo hooks refuse `memo` with `expected`: a collect must foresee
/// every refusal the refund would give, and neither may write anything.
fn both_refuse(env: &mut NativeEnv, memo: CreditMemo, expected: Error) {
    for hook in [collect, refunded] {
        let err = refused(env, |env| hook(env, memo.clone()));
        assert_eq!(err, expected);
    }
}

/// The value of bought gift-card units comes back only with the units:
/// a memo that does not name them may not refund their price (the card
/// would stay spendable while the money went back), one that names them
/// disables the unused card.
#[test]
fn a_bought_card_is_refunded_only_with_its_line() {
    let mut env = NativeEnv::in_memory(T0, 3);
    let gift = line("g", "GC", ProductKind::GiftCard, 2, "50", "0", "0");
    place(&mut env, "O-1", vec![gift.clone(), books(1)], "0", "0", &[]);
    let paid = env
        .call(|e| api::invoice_paid(e, invoice("I-1", "O-1", vec![gift, books(1)], "0")))
        .unwrap();
    assert_eq!(paid.issued.len(), 2);
    // 110.00 invoiced; unnamed, the two cards' 100.00 stays out of reach.
    let err = refused(&mut env, |env| {
        refunded(env, memo("M-1", "O-1", "110", &[], CARDS))
    });
    assert_eq!(err, Error::RefundExceedsPaid(usd("10.00")));
    let err = refused(&mut env, |env| {
        collect(env, memo("M-1", "O-1", "60.01", &[("g", 1)], CARDS))
    });
    assert_eq!(err, Error::RefundExceedsPaid(usd("60.00")));
    // The book alone, then one card with its unit.
    refunded(&mut env, memo("M-1", "O-1", "10", &[("1", 1)], CARDS)).unwrap();
    let split = refunded(&mut env, memo("M-2", "O-1", "50", &[("g", 1)], CARDS)).unwrap();
    assert_eq!(split.other_amount.amount(), "50.00");
    assert_eq!(split.disabled_cards.len(), 1);
    let err = refused(&mut env, |env| {
        refunded(env, memo("M-3", "O-1", "50", &[], CARDS))
    });
    assert_eq!(err, Error::RefundExceedsPaid(usd("0.00")));
    let last = refunded(&mut env, memo("M-3", "O-1", "50", &[("g", 1)], CARDS)).unwrap();
    assert!(last.last);
    assert_eq!(last.disabled_cards.len(), 1);
}

#[test]
fn a_memo_line_not_on_the_order_is_refused() {
    let mut env = order_with(2);
    both_refuse(
        &mut env,
        memo("M-1", "O-1", "10", &[("1", 1), ("9", 1)], CARDS),
        Error::LineNotOnOrder {
            line_id: "9".into(),
            detail: "not a line of order O-1".into(),
        },
    );
}

#[test]
fn a_line_named_twice_is_refused() {
    let mut env = order_with(2);
    let err = refused(&mut env, |env| {
        refunded(env, memo("M-1", "O-1", "20", &[("1", 1), ("1", 1)], CARDS))
    });
    crate::assert_says!(err, Error::InvalidArgument, "line `1` appears twice");
}

#[test]
fn a_memo_refunds_at_most_the_invoiced_units_not_yet_refunded() {
    let mut env = order_with(2);
    // Three ordered, two invoiced: the third was never paid for.
    both_refuse(
        &mut env,
        memo("M-1", "O-1", "20", &[("1", 3)], CARDS),
        line_one_exceeds(3, 2),
    );
    // Collect shows the split and records nothing, however often.
    let before = env.dump();
    for _ in 0..2 {
        collect(&mut env, memo("M-1", "O-1", "10", &[("1", 1)], CARDS)).unwrap();
    }
    assert_eq!(env.dump(), before);
    refunded(&mut env, memo("M-1", "O-1", "10", &[("1", 1)], CARDS)).unwrap();
    assert_eq!(refunded_units(&mut env), 1);
    // The replay returns the first answer and counts nothing twice.
    refunded(&mut env, memo("M-1", "O-1", "10", &[("1", 1)], CARDS)).unwrap();
    assert_eq!(refunded_units(&mut env), 1);
    let err = refused(&mut env, |env| {
        refunded(env, memo("M-2", "O-1", "10", &[("1", 2)], CARDS))
    });
    assert_eq!(err, line_one_exceeds(2, 1));
    refunded(&mut env, memo("M-2", "O-1", "10", &[("1", 1)], CARDS)).unwrap();
    assert_eq!(refunded_units(&mut env), 2);
    // The unit invoiced later can be refunded once it is.
    env.call(|e| api::invoice_paid(e, invoice("I-2", "O-1", vec![books(1)], "0")))
        .unwrap();
    refunded(&mut env, memo("M-3", "O-1", "10", &[("1", 1)], CARDS)).unwrap();
    assert_eq!(refunded_units(&mut env), 3);
}

/// Refunded units of a bought gift card: at most as many cards are
/// disabled as units were invoiced, and each unit only once.
#[test]
fn bought_cards_are_disabled_once_per_refunded_unit() {
    let mut env = NativeEnv::in_memory(T0, 3);
    let gift = |q| line("g", "GC", ProductKind::GiftCard, q, "25", "0", "0");
    place(&mut env, "O-1", vec![gift(2)], "0", "0", &[]);
    env.call(|e| api::invoice_paid(e, invoice("I-1", "O-1", vec![gift(1)], "0")))
        .unwrap();
    let err = refused(&mut env, |env| {
        refunded(env, memo("M-1", "O-1", "25", &[("g", 2)], CARDS))
    });
    assert_units_left(&err, 1);
    let split = refunded(&mut env, memo("M-1", "O-1", "25", &[("g", 1)], CARDS)).unwrap();
    assert_eq!(split.disabled_cards.len(), 1);
    let err = refused(&mut env, |env| {
        refunded(env, memo("M-2", "O-1", "0.01", &[("g", 1)], CARDS))
    });
    assert_units_left(&err, 0);
}

/// The guarded update refuses on its own what the check before it would.
#[test]
fn the_guarded_update_refuses_units_already_refunded() {
    let mut env = order_with(1);
    refunded(&mut env, memo("M-1", "O-1", "10", &[("1", 1)], CARDS)).unwrap();
    let line = MemoLine {
        line_id: "1".into(),
        quantity: 1,
    };
    assert_guard_refuses(&mut env, |e, order| super::record_refund(e, order, &line));
}

/// An order placed before schema v5 has no lines to check memo lines
/// against: they are taken as they come, as before.
#[test]
fn legacy_orders_keep_the_unchecked_memo_lines() {
    let mut env = order_with(3);
    make_legacy(&mut env, "O-1");
    refunded(
        &mut env,
        memo("M-1", "O-1", "10", &[("1", 5), ("x", 1)], CARDS),
    )
    .unwrap();
}
