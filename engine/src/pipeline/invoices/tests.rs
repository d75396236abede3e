use crate::pipeline::orders;
use crate::pipeline::orders::tests::{
    assert_guard_refuses, assert_units_left, books, card, course, line, line_one_exceeds,
    make_legacy, place,
};
use crate::pipeline::quote;
use crate::storage::sqlite::NativeEnv;
use crate::testing::{self, T0, invoice, memo, refused};
use crate::*;

fn gift_line(quantity: i32) -> Line {
    line("g", "GC", ProductKind::GiftCard, quantity, "25", "0", "0")
}

fn collect(env: &mut NativeEnv, req: Invoice) -> Result<InvoiceGiftCards> {
    env.call(|e| api::invoice_collect(e, req))
}

fn paid(env: &mut NativeEnv, req: Invoice) -> Result<PaidInvoice> {
    env.call(|e| api::invoice_paid(e, req))
}

fn detail(err: &Error) -> (&str, &str) {
    match err {
        Error::LineNotOnOrder { line_id, detail } => (line_id, detail),
        other => panic!("not line-not-on-order: {other:?}"),
    }
}

/// An invoice registered by `collect` and paid later issues no card that
/// is no longer owed: not after the order was cancelled, not for units a
/// memo refunded meanwhile (unless the refund disabled an unused card
/// instead), and the refusal writes nothing.
#[test]
fn cards_refunded_or_cancelled_before_payment_are_not_issued() {
    let mut env = NativeEnv::in_memory(T0, 3);
    place(&mut env, "O-1", vec![gift_line(2)], "0", "0", &[]);
    let first = line("g", "GC", ProductKind::GiftCard, 1, "25", "0", "0");
    let issued = paid(&mut env, invoice("I-1", "O-1", vec![first.clone()], "0")).unwrap();
    assert_eq!(issued.issued.len(), 1);
    // The first card is spent, so a refund of one unit cannot disable it.
    let spent = &issued.issued[0];
    env.call(|e| {
        api::adjust_balance(
            e,
            AdjustBalance {
                card: CardRef::Id(spent.summary.id),
                amount: GivenMoney::new("-25", "USD"),
                comment: "spent in store".into(),
                admin_user: "a".into(),
                reference: None,
            },
        )
    })
    .unwrap();
    collect(&mut env, invoice("I-2", "O-1", vec![first.clone()], "0")).unwrap();
    env.call(|e| {
        api::memo_refunded(
            e,
            memo(
                "M-1",
                "O-1",
                "25",
                &[("g", 1)],
                RefundDestination::OriginalCards,
            ),
        )
    })
    .unwrap();
    let err = refused(&mut env, |env| {
        paid(env, invoice("I-2", "O-1", vec![first.clone()], "0"))
    });
    crate::assert_says!(err, Error::OrderState, "refunded");

    // Had the refund disabled an unused card, the unit is still owed.
    place(&mut env, "O-2", vec![gift_line(2)], "0", "0", &[]);
    paid(&mut env, invoice("I-3", "O-2", vec![first.clone()], "0")).unwrap();
    collect(&mut env, invoice("I-4", "O-2", vec![first.clone()], "0")).unwrap();
    let split = env
        .call(|e| {
            api::memo_refunded(
                e,
                memo(
                    "M-2",
                    "O-2",
                    "25",
                    &[("g", 1)],
                    RefundDestination::OriginalCards,
                ),
            )
        })
        .unwrap();
    assert_eq!(split.disabled_cards.len(), 1);
    let late = paid(&mut env, invoice("I-4", "O-2", vec![first.clone()], "0")).unwrap();
    assert_eq!(late.issued.len(), 1);

    // After a cancellation nothing more is issued.
    place(&mut env, "O-3", vec![gift_line(1)], "0", "0", &[]);
    collect(&mut env, invoice("I-5", "O-3", vec![first.clone()], "0")).unwrap();
    testing::cancel(&mut env, "O-3").unwrap();
    let err = refused(&mut env, |env| {
        paid(env, invoice("I-5", "O-3", vec![first.clone()], "0"))
    });
    crate::assert_says!(err, Error::OrderState, "cancelled");
}

/// The reproduction: an order paid wholly by a card; `paid` with a
/// gift-card line that was never ordered would have issued a 100.00 card,
/// and a memo would then have counted that 100.00 as other payment.
#[test]
fn a_fabricated_gift_card_line_is_refused() {
    let mut env = NativeEnv::in_memory(T0, 3);
    let paying = card(&mut env, "100");
    place(&mut env, "O-1", vec![course()], "0", "0", &[&paying.code]);
    let fake = line("99", "GC", ProductKind::GiftCard, 1, "100", "0", "0");
    for lines in [vec![fake.clone()], vec![course(), fake.clone()]] {
        let err = refused(&mut env, |env| paid(env, invoice("I-1", "O-1", lines, "0")));
        let (id, text) = detail(&err);
        assert_eq!(id, "99");
        assert!(text.contains("not a line of order O-1"), "{text}");
    }
    let err = refused(&mut env, |env| {
        collect(env, invoice("I-1", "O-1", vec![fake], "0"))
    });
    assert_eq!(detail(&err).0, "99");
    // The true invoice issues nothing and is paid wholly by the card; the
    // memo refunding the order gives it all back to the card.
    let real = paid(&mut env, invoice("I-1", "O-1", vec![course()], "0")).unwrap();
    assert!(real.issued.is_empty());
    assert_eq!(real.invoice.grand_total.amount(), "0.00");
    let split = env
        .call(|e| {
            api::memo_refunded(
                e,
                memo(
                    "M-1",
                    "O-1",
                    "100",
                    &[("1", 1)],
                    RefundDestination::OriginalCards,
                ),
            )
        })
        .unwrap();
    assert_eq!(
        (split.gift_card_amount.amount(), split.other_amount.amount()),
        ("100.00".into(), "0.00".into())
    );
    let count = env
        .call(|e| api::list_cards(e, ListCards::default()))
        .unwrap()
        .total;
    assert_eq!(count, 1, "no card was ever issued");
}

#[test]
fn a_changed_line_is_refused_naming_what_differs() {
    let mut env = NativeEnv::in_memory(T0, 3);
    place(&mut env, "O-1", vec![course(), gift_line(2)], "0", "0", &[]);
    let mut sku = course();
    sku.sku = "COURSE-PRO".into();
    let mut kind = course();
    kind.kind = ProductKind::Simple;
    let price = line("1", "COURSE", ProductKind::Digital, 1, "99.99", "0", "0");
    let mut recipient = gift_line(1);
    recipient.gift_card.as_mut().unwrap().recipient_email = Some("mallory@example.com".into());
    let mut message = gift_line(1);
    message.gift_card.as_mut().unwrap().message = None;
    let mut everything = line("1", "OTHER", ProductKind::Simple, 1, "1", "0", "0");
    everything.gift_card = None;
    for (changed, wanted) in [
        (sku, vec!["sku `COURSE-PRO` is not the placed `COURSE`"]),
        (kind, vec!["kind simple is not the placed digital"]),
        (price, vec!["unit-price 99.99 is not the placed 100.00"]),
        (recipient, vec!["gift-card details differ"]),
        (message, vec!["gift-card details differ"]),
        (
            everything,
            vec![
                "sku `OTHER`",
                "kind simple",
                "unit-price 1.00 is not the placed 100.00",
            ],
        ),
    ] {
        let err = refused(&mut env, |env| {
            paid(env, invoice("I-1", "O-1", vec![changed.clone()], "0"))
        });
        let (id, text) = detail(&err);
        assert_eq!(id, changed.id);
        for w in wanted {
            assert!(text.contains(w), "{text:?} lacks {w:?}");
        }
    }
    // A digital line passed off as a gift-card product would buy cards.
    let mut as_gift = course();
    as_gift.kind = ProductKind::GiftCard;
    let err = refused(&mut env, |env| {
        paid(env, invoice("I-1", "O-1", vec![as_gift], "0"))
    });
    assert!(
        detail(&err)
            .1
            .contains("kind gift-card is not the placed digital")
    );
}

#[test]
fn units_beyond_what_is_left_to_invoice_are_refused() {
    let mut env = NativeEnv::in_memory(T0, 3);
    place(&mut env, "O-1", vec![books(3)], "0", "0", &[]);
    let err = refused(&mut env, |env| {
        collect(env, invoice("I-1", "O-1", vec![books(4)], "0"))
    });
    assert_eq!(err, line_one_exceeds(4, 3));
    collect(&mut env, invoice("I-1", "O-1", vec![books(2)], "0")).unwrap();
    let err = refused(&mut env, |env| {
        paid(env, invoice("I-2", "O-1", vec![books(2)], "0"))
    });
    assert_eq!(err, line_one_exceeds(2, 1));
    paid(&mut env, invoice("I-2", "O-1", vec![books(1)], "0")).unwrap();
    let err = refused(&mut env, |env| {
        paid(env, invoice("I-3", "O-1", vec![books(1)], "0"))
    });
    assert_units_left(&err, 0);
    // A replay of a registered invoice still returns its first answer.
    let before = env.dump();
    let again = collect(&mut env, invoice("I-1", "O-1", vec![books(2)], "0")).unwrap();
    assert_eq!(again.total_before_cards.amount(), "20.00");
    assert_eq!(env.dump(), before);
    let lines = env.call(|e| orders::order_lines(e, "O-1")).unwrap();
    assert_eq!(lines[0].invoiced_quantity, 3);
}

#[test]
fn partial_invoices_take_the_line_s_discount_and_tax_exactly() {
    let mut env = NativeEnv::in_memory(T0, 3);
    // 3 × 10.00, discount 1.00, tax 2.00: the shop pro-rates cumulatively,
    // 0.33 + 0.34 + 0.33 and 0.67 + 0.66 + 0.67.
    place(
        &mut env,
        "O-1",
        vec![line("1", "BOOK", ProductKind::Simple, 3, "10", "1", "2")],
        "0",
        "0",
        &[],
    );
    // Invoice `id` of one part of the line: `q` units, discount `d`, tax `t`.
    let part = |id: &str, q: i32, d: &str, t: &str| {
        let line = line("1", "BOOK", ProductKind::Simple, q, "10", d, t);
        invoice(id, "O-1", vec![line], "0")
    };
    // Collecting `invoice` is refused, writing nothing, and the refusal says `says`.
    let refused_saying = |env: &mut NativeEnv, invoice: Invoice, says: &str| {
        let err = refused(env, |env| collect(env, invoice));
        assert!(detail(&err).1.contains(says), "{err:?}");
    };
    refused_saying(
        &mut env,
        part("I-1", 1, "1.01", "0"),
        "discount 1.01 is more than the 1.00 left",
    );
    refused_saying(
        &mut env,
        part("I-1", 3, "1", "1.99"),
        "takes the rest of its tax, 2.00, not 1.99",
    );
    let first = collect(&mut env, part("I-1", 1, "0.33", "0.67")).unwrap();
    assert_eq!(first.total_before_cards.amount(), "10.34");
    collect(&mut env, part("I-2", 1, "0.34", "0.66")).unwrap();
    // The last unit must take exactly what is left: 0.33 and 0.67.
    refused_saying(
        &mut env,
        part("I-3", 1, "0", "0.67"),
        "rest of its discount, 0.33, not 0.00",
    );
    refused_saying(
        &mut env,
        part("I-3", 1, "0.33", "0.68"),
        "tax 0.68 is more than the 0.67 left",
    );
    collect(&mut env, part("I-3", 1, "0.33", "0.67")).unwrap();
    let order = env.call(|e| orders::load(e, "O-1")).unwrap();
    assert_eq!(order.invoiced_total, order.total_before_cards);
    let l = &env.call(|e| orders::order_lines(e, "O-1")).unwrap()[0];
    assert_eq!(
        (l.invoiced_quantity, l.invoiced_discount, l.invoiced_tax),
        (3, 100, 200)
    );
}

#[test]
fn shipping_beyond_the_order_s_is_refused() {
    let mut env = NativeEnv::in_memory(T0, 3);
    place(&mut env, "O-1", vec![course()], "5", "1", &[]);
    let with = |id: &str, shipping: &str, tax: &str| {
        let mut req = invoice(id, "O-1", vec![], shipping);
        req.shipping_tax = tax.into();
        req
    };
    let err = refused(&mut env, |env| collect(env, with("I-1", "5.01", "0")));
    crate::assert_says!(
        err,
        Error::InvalidAmount,
        "shipping: 5.01 is more than the 5.00"
    );
    let err = refused(&mut env, |env| collect(env, with("I-1", "0", "1.01")));
    assert!(
        matches!(&err, Error::InvalidAmount(m) if m.starts_with("shipping-tax: 1.01")),
        "{err:?}"
    );
    collect(&mut env, with("I-1", "3", "0.50")).unwrap();
    let err = refused(&mut env, |env| collect(env, with("I-2", "2.01", "0")));
    assert!(matches!(err, Error::InvalidAmount(_)), "{err:?}");
    collect(&mut env, with("I-2", "2", "0.50")).unwrap();
    let order = env.call(|e| orders::load(e, "O-1")).unwrap();
    assert_eq!(
        (order.invoiced_shipping, order.invoiced_shipping_tax),
        (500, 100)
    );
}

#[test]
fn bought_cards_come_from_the_placed_line() {
    let mut env = NativeEnv::in_memory(T0, 3);
    place(&mut env, "O-1", vec![gift_line(2)], "0", "0", &[]);
    collect(&mut env, invoice("I-1", "O-1", vec![gift_line(1)], "0")).unwrap();
    // Paying the registered invoice with other purchase details is
    // another invoice under the same id: refused, no card issued.
    let mut redirected = gift_line(1);
    redirected.gift_card.as_mut().unwrap().recipient_email = Some("mallory@example.com".into());
    let err = refused(&mut env, |env| {
        paid(env, invoice("I-1", "O-1", vec![redirected.clone()], "0"))
    });
    crate::assert_says!(err, Error::InvalidArgument, "I-1");
    let err = refused(&mut env, |env| {
        paid(env, invoice("I-2", "O-1", vec![redirected], "0"))
    });
    assert_eq!(detail(&err).0, "g");
    let first = paid(&mut env, invoice("I-1", "O-1", vec![gift_line(1)], "0")).unwrap();
    let second = paid(&mut env, invoice("I-2", "O-1", vec![gift_line(1)], "0")).unwrap();
    for c in first.issued.iter().chain(&second.issued) {
        assert_eq!(c.summary.balance.amount(), "25.00");
        let p = c.purchase.as_ref().unwrap();
        assert_eq!(p.recipient_email.as_deref(), Some("ana@example.com"));
        assert_eq!(p.message.as_deref(), Some("Enjoy"));
    }
    assert_eq!(first.issued.len() + second.issued.len(), 2);
    let err = refused(&mut env, |env| {
        paid(env, invoice("I-3", "O-1", vec![gift_line(1)], "0"))
    });
    assert_units_left(&err, 0);
}

/// The guarded update refuses on its own what the check before it would:
/// a concurrent invoice cannot take the same units.
#[test]
fn the_guarded_update_refuses_units_already_taken() {
    let mut env = NativeEnv::in_memory(T0, 3);
    place(&mut env, "O-1", vec![course()], "0", "0", &[]);
    collect(&mut env, invoice("I-1", "O-1", vec![course()], "0")).unwrap();
    assert_guard_refuses(&mut env, |e, order| {
        let parsed = quote::parse_line(order.context.currency, course()).unwrap();
        super::record_take(e, order, &parsed)
    });
}

/// An order placed before schema v5 has no lines to check against: its
/// invoices are taken as they come, as before.
#[test]
fn legacy_orders_keep_the_unchecked_behaviour() {
    let mut env = NativeEnv::in_memory(T0, 3);
    place(&mut env, "O-1", vec![course()], "0", "0", &[]);
    make_legacy(&mut env, "O-1");
    let other = line("7", "ELSE", ProductKind::Simple, 1, "40", "0", "0");
    let answer = collect(&mut env, invoice("I-1", "O-1", vec![other], "0")).unwrap();
    assert_eq!(answer.total_before_cards.amount(), "40.00");
}

/// Paying an invoice nobody collected writes it as paid with both hooks'
/// answers; paying one collected earlier marks it paid. Either way a later
/// collect or payment of it replays the first answers.
#[test]
fn a_paid_invoice_is_recorded_paid_with_both_answers() {
    let mut env = NativeEnv::in_memory(T0, 3);
    place(&mut env, "O-1", vec![books(2)], "0", "0", &[]);
    let book = || line("1", "BOOK", ProductKind::Simple, 1, "10", "0", "0");
    let straight = invoice("I-1", "O-1", vec![book()], "0");
    let first = paid(&mut env, straight.clone()).unwrap();
    env.now += 60;
    let collected_later = invoice("I-2", "O-1", vec![book()], "0");
    let registered = collect(&mut env, collected_later.clone()).unwrap();
    env.now += 60;
    let second = paid(&mut env, collected_later.clone()).unwrap();
    assert_eq!(second.invoice, registered);
    let answers: i64 = testing::scalar(
        &env,
        "SELECT COUNT(*) FROM gc_hook_results WHERE hook IN ('invoice', 'invoice-paid')",
    );
    assert_eq!(answers, 4, "both hooks' answers for both invoices");
    let paid_at: Vec<i64> = env
        .db
        .conn
        .prepare("SELECT paid_at FROM gc_invoices ORDER BY invoice_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(paid_at, [T0, T0 + 120]);
    let before = env.dump();
    assert_eq!(paid(&mut env, straight.clone()).unwrap(), first);
    assert_eq!(collect(&mut env, straight).unwrap(), first.invoice);
    assert_eq!(paid(&mut env, collected_later).unwrap(), second);
    assert_eq!(env.dump(), before, "replays write nothing");
}
