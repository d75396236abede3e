//! Hook answers stored by builds before the engine's records held typed
//! money: their order-currency amounts were bare decimals. A replay of such
//! an answer must still return the answer first given.

use crate::pipeline::orders::tests::line;
use crate::storage::sqlite::NativeEnv;
use crate::testing::invoice as invoice_request;
use crate::*;

/// The rows the previous build stored for [`orders_and_their_documents`],
/// copied verbatim from its `gc_hook_results` (hook, reference, result).
const LEGACY_ROWS: [(&str, &str, &str); 5] = [
    (
        "placed",
        "O-1",
        r#"{"order_id":"O-1","totals":{"total_before_cards":"100.00","eligible":"100.00","gift_card_amount":"64.18","grand_total":"35.82","covered":false,"cards":[{"card_id":1,"code":"GC-PRB5-EWM7-KKB5-LRGV","masked_code":"GC-****-****-****-LRGV","applied":"54.18","debit":{"amount":"50.00","currency":"EUR"},"balance":{"amount":"50.00","currency":"EUR"},"available":"54.18","rate":"1.0837"},{"card_id":2,"code":"GC-B7SS-GJM6-RKMG-5EHU","masked_code":"GC-****-****-****-5EHU","applied":"10.00","debit":{"amount":"10.00","currency":"USD"},"balance":{"amount":"10.00","currency":"USD"},"available":"10.00","rate":null}],"dropped":[]},"movements":[{"card_id":1,"masked_code":"GC-****-****-****-LRGV","amount":{"amount":"-50.00","currency":"EUR"},"order_amount":"54.18","balance_after":{"amount":"0.00","currency":"EUR"},"status":"used","expiry_extended_to":null},{"card_id":2,"masked_code":"GC-****-****-****-5EHU","amount":{"amount":"-10.00","currency":"USD"},"order_amount":"10.00","balance_after":{"amount":"0.00","currency":"USD"},"status":"used","expiry_extended_to":null}]}"#,
    ),
    (
        "invoice",
        "I-1",
        r#"{"invoice_id":"I-1","total_before_cards":"25.00","gift_card_amount":"25.00","grand_total":"0.00","order_remaining":"39.18"}"#,
    ),
    (
        "invoice-paid",
        "I-1",
        r#"{"invoice":{"invoice_id":"I-1","total_before_cards":"25.00","gift_card_amount":"25.00","grand_total":"0.00","order_remaining":"39.18"},"issued":[]}"#,
    ),
    (
        "refunded",
        "M-1",
        r#"{"memo_id":"M-1","total":"20.00","gift_card_amount":"20.00","other_amount":"0.00","last":false,"movements":[{"card_id":1,"masked_code":"GC-****-****-****-LRGV","amount":{"amount":"15.58","currency":"EUR"},"order_amount":"16.88","balance_after":{"amount":"15.58","currency":"EUR"},"status":"active","expiry_extended_to":null},{"card_id":2,"masked_code":"GC-****-****-****-5EHU","amount":{"amount":"3.12","currency":"USD"},"order_amount":"3.12","balance_after":{"amount":"3.12","currency":"USD"},"status":"active","expiry_extended_to":null}],"account_credit":"0.00","new_card":null,"disabled_cards":[],"used_cards":[]}"#,
    ),
    (
        "cancelled",
        "O-1",
        r#"{"order_id":"O-1","restored":"39.18","movements":[{"card_id":1,"masked_code":"GC-****-****-****-LRGV","amount":{"amount":"30.53","currency":"EUR"},"order_amount":"33.08","balance_after":{"amount":"46.11","currency":"EUR"},"status":"active","expiry_extended_to":null},{"card_id":2,"masked_code":"GC-****-****-****-5EHU","amount":{"amount":"6.10","currency":"USD"},"order_amount":"6.10","balance_after":{"amount":"9.22","currency":"USD"},"status":"active","expiry_extended_to":null}],"disabled_cards":[],"used_cards":[]}"#,
    ),
];

/// Every hook answer the requests give, in the order they ran.
#[derive(Debug, PartialEq)]
struct Answers {
    placed: PlacedOrder,
    invoice: InvoiceGiftCards,
    paid: PaidInvoice,
    memo: MemoSplit,
    cancelled: Cancellation,
}

/// A USD order paid by a EUR card (at a rate) and a USD card, one part
/// invoiced and paid, a memo, then the cancellation.
fn orders_and_their_documents(env: &mut NativeEnv) -> (PlaceRequest, Invoice, CreditMemo) {
    env.set_rate("EUR", "USD", "1.0837");
    let mut codes = Vec::new();
    for (amount, currency) in [("50", "EUR"), ("10", "USD")] {
        let money = GivenMoney::new(amount, currency);
        let card = env
            .call(|e| api::create_card(e, CreateCard::new(money, "alice")))
            .unwrap();
        codes.push(card.code);
    }
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
        lines: vec![
            line("1", "MUG", ProductKind::Simple, 2, "25", "0", "0"),
            line("2", "TEE", ProductKind::Simple, 1, "50", "0", "0"),
        ],
        shipping: "0".into(),
        shipping_tax: "0".into(),
        applied_codes: codes,
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
    let place = PlaceRequest {
        order_id: "O-1".into(),
        quote,
        expected: totals
            .cards
            .iter()
            .map(|c| ExpectedCard {
                code: c.code.clone(),
                applied: c.applied.amount().into(),
            })
            .collect(),
        channel: Channel::Admin,
    };
    let mug = line("1", "MUG", ProductKind::Simple, 1, "25", "0", "0");
    let invoice = invoice_request("I-1", "O-1", vec![mug], "0");
    let memo = CreditMemo {
        memo_id: "M-1".into(),
        order_id: "O-1".into(),
        total: "20".into(),
        lines: vec![],
        refund_to_gift_card: None,
        destination: RefundDestination::OriginalCards,
        comment: None,
    };
    (place, invoice, memo)
}

fn answer(env: &mut NativeEnv, requests: &(PlaceRequest, Invoice, CreditMemo)) -> Answers {
    let (place, invoice, memo) = requests;
    let cancel = CancelRequest {
        order_id: "O-1".into(),
        comment: None,
    };
    Answers {
        placed: env.call(|e| api::order_placed(e, place.clone())).unwrap(),
        invoice: env
            .call(|e| api::invoice_collect(e, invoice.clone()))
            .unwrap(),
        paid: env.call(|e| api::invoice_paid(e, invoice.clone())).unwrap(),
        memo: env.call(|e| api::memo_refunded(e, memo.clone())).unwrap(),
        cancelled: env.call(|e| api::order_cancelled(e, cancel)).unwrap(),
    }
}

#[test]
fn answers_stored_with_bare_decimals_replay_the_same() {
    let mut env = NativeEnv::in_memory(1_790_000_000, 3);
    let requests = orders_and_their_documents(&mut env);
    let first = answer(&mut env, &requests);
    assert_eq!(first.placed.totals.cards[0].rate.as_deref(), Some("1.0837"));
    assert_eq!(first.placed.movements[0].amount.currency_code(), "EUR");
    assert_eq!(
        first.placed.movements[0].order_amount.currency_code(),
        "USD"
    );
    for (hook, reference, legacy) in LEGACY_ROWS {
        let rows = env
            .db
            .conn
            .execute(
                "UPDATE gc_hook_results SET result = ?1 WHERE hook = ?2 AND reference = ?3",
                [legacy, hook, reference],
            )
            .unwrap();
        assert_eq!(rows, 1, "{hook} {reference} is stored");
    }
    let before = env.dump();
    assert_eq!(answer(&mut env, &requests), first);
    assert_eq!(env.dump(), before, "a replay writes nothing");
}

/// This build's own rows replay too, and hold no bare amount any more.
#[test]
fn answers_stored_now_carry_their_currency() {
    let mut env = NativeEnv::in_memory(1_790_000_000, 3);
    let requests = orders_and_their_documents(&mut env);
    let first = answer(&mut env, &requests);
    assert_eq!(answer(&mut env, &requests), first);
    let cancelled: String = crate::testing::scalar(
        &env,
        "SELECT result FROM gc_hook_results WHERE hook = 'cancelled'",
    );
    assert!(
        cancelled.contains(r#""restored":{"amount":"39.18","currency":"USD"}"#),
        "{cancelled}"
    );
}
