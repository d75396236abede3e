//! Batch definitions' redemption rules and use counting, natively: each rule
//! refuses outside and accepts inside, with the precise reason for staff and
//! the generic one for customers, at collection and again at placement.

use giftcard_engine::catalog::batches::{self, CustomerTarget, DefinitionInput, GenerateRequest};
use giftcard_engine::pipeline::redemption;
use giftcard_engine::storage::sqlite::NativeEnv;
use giftcard_engine::testing;
use giftcard_engine::*;

const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const DAY: i64 = 86_400;

fn definition(f: impl FnOnce(&mut DefinitionInput)) -> DefinitionInput {
    let mut d = testing::definition_input("Coupon", "10");
    f(&mut d);
    d
}

/// A definition and `n` of its codes (display codes).
fn codes(env: &mut NativeEnv, d: DefinitionInput, n: u32, max_uses: Option<i32>) -> Vec<String> {
    let d = env.call(|e| api::create_definition(e, d)).unwrap();
    let req = GenerateRequest {
        max_uses,
        ..testing::generate_request(d.id, n)
    };
    let g = env.call(|e| api::generate_codes(e, req)).unwrap();
    (g.first_card_id..=g.last_card_id)
        .map(|id| {
            env.call(|e| api::get_card(e, &CardRef::Id(id)))
                .unwrap()
                .code
        })
        .collect()
}

/// A definition with `f` applied and its one code.
fn code(env: &mut NativeEnv, f: impl FnOnce(&mut DefinitionInput)) -> String {
    codes(env, definition(f), 1, None).remove(0)
}

struct Q {
    currency: &'static str,
    total: &'static str,
    customer: Option<(&'static str, Vec<&'static str>)>,
    sku: &'static str,
    shipping_country: Option<&'static str>,
    billing_country: Option<&'static str>,
}

impl Default for Q {
    fn default() -> Self {
        Q {
            currency: "EUR",
            total: "60",
            customer: None,
            sku: "SHIRT",
            shipping_country: None,
            billing_country: None,
        }
    }
}

fn quote(q: &Q, codes: &[&str]) -> Quote {
    let line = Line {
        sku: q.sku.into(),
        ..testing::line("1", ProductKind::Simple, 1, q.total, q.total)
    };
    Quote {
        customer: q.customer.as_ref().map(|(id, groups)| CustomerInfo {
            id: (*id).into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            email: None,
        }),
        applied_codes: testing::codes(codes),
        shipping_country: q.shipping_country.map(Into::into),
        billing_country: q.billing_country.map(Into::into),
        ..testing::quote("Q1", q.currency, vec![line])
    }
}

fn collect(env: &mut NativeEnv, quote: Quote, channel: Channel) -> GiftCardTotals {
    testing::collect(env, &quote, channel)
}

/// The admin-channel reason the code is refused for, or `None` when it pays.
fn reason(env: &mut NativeEnv, q: &Q, code: &str) -> Option<RefusalReason> {
    let totals = collect(env, quote(q, &[code]), Channel::Admin);
    match totals.dropped.first() {
        Some(d) => Some(d.refusal.reason.expect("admins see the reason")),
        None => {
            assert_eq!(totals.cards.len(), 1);
            None
        }
    }
}

/// What a shop sends at placement: the quote and what the collection said.
fn place_request(env: &mut NativeEnv, order: &str, quote: Quote) -> PlaceRequest {
    let expected = testing::expected(&collect(env, quote.clone(), Channel::Storefront));
    PlaceRequest {
        order_id: order.into(),
        quote,
        expected,
        channel: Channel::Storefront,
    }
}

fn place(env: &mut NativeEnv, order: &str, quote: Quote) -> Result<PlacedOrder> {
    let req = place_request(env, order, quote);
    env.call(|e| api::order_placed(e, req))
}

/// A code asking for a 50 EUR order and a 55 USD quote to try it on: whether
/// the code pays depends on the USD → EUR rate the host gives.
fn minimum_in_euros(env: &mut NativeEnv) -> (String, Q) {
    let c = code(env, |d| d.min_order_amount = Some("50".into()));
    let usd = Q {
        currency: "USD",
        total: "55",
        ..Q::default()
    };
    (c, usd)
}

#[test]
fn minimum_order_amount_is_compared_after_everything_and_converted() {
    let mut env = NativeEnv::in_memory(T0, 1);
    let (c, usd) = minimum_in_euros(&mut env);
    let low = Q {
        total: "49.99",
        ..Q::default()
    };
    assert_eq!(
        reason(&mut env, &low, &c),
        Some(RefusalReason::BelowMinimumOrder)
    );
    // The storefront learns nothing.
    let shown = collect(&mut env, quote(&low, &[&c]), Channel::Storefront);
    assert_eq!(shown.dropped[0].refusal.reason, None);
    assert_eq!(
        shown.dropped[0].refusal.message,
        redemption::GENERIC_REFUSAL
    );
    assert_eq!(reason(&mut env, &Q::default(), &c), None);

    // A USD quote: no rate refuses as currency-not-allowed; with one, the
    // total is converted (rounded down) into EUR.
    assert_eq!(
        reason(&mut env, &usd, &c),
        Some(RefusalReason::CurrencyNotAllowed)
    );
    env.set_rate("USD", "EUR", "0.9");
    env.set_rate("EUR", "USD", "1.1");
    // 55 USD = 49.50 EUR < 50.
    assert_eq!(
        reason(&mut env, &usd, &c),
        Some(RefusalReason::BelowMinimumOrder)
    );
    let usd = Q { total: "56", ..usd };
    // 56 USD = 50.40 EUR.
    assert_eq!(reason(&mut env, &usd, &c), None);
}

#[test]
fn window_targets_currencies_skus_and_countries() {
    let mut env = NativeEnv::in_memory(T0, 1);
    let window = code(&mut env, |d| {
        d.valid_from = Some("2026-01-10T00:00:00Z".into());
        d.valid_to = Some("2026-01-20T00:00:00Z".into());
    });
    let q = Q::default();
    assert_eq!(
        reason(&mut env, &q, &window),
        Some(RefusalReason::NotYetValid)
    );
    env.now = T0 + 9 * DAY;
    assert_eq!(reason(&mut env, &q, &window), None);
    env.now = T0 + 19 * DAY - 1; // valid-to is exclusive
    assert_eq!(reason(&mut env, &q, &window), None);
    env.now += 1;
    assert_eq!(
        reason(&mut env, &q, &window),
        Some(RefusalReason::NoLongerValid)
    );
    env.now = T0;

    let vip = code(&mut env, |d| {
        d.target = CustomerTarget::Groups(vec!["vip".into(), "staff".into()])
    });
    assert_eq!(
        reason(&mut env, &q, &vip),
        Some(RefusalReason::CustomerNotTargeted)
    );
    let retail = Q {
        customer: Some(("c1", vec!["retail"])),
        ..Q::default()
    };
    assert_eq!(
        reason(&mut env, &retail, &vip),
        Some(RefusalReason::CustomerNotTargeted)
    );
    let member = Q {
        customer: Some(("c2", vec!["retail", "VIP"])),
        ..Q::default()
    };
    assert_eq!(reason(&mut env, &member, &vip), None);

    let registered = code(&mut env, |d| d.target = CustomerTarget::Registered);
    assert_eq!(
        reason(&mut env, &q, &registered),
        Some(RefusalReason::CustomerNotTargeted)
    );
    assert_eq!(reason(&mut env, &retail, &registered), None);

    env.set_rate("EUR", "USD", "1.1");
    let eur_only = code(&mut env, |d| d.currencies = vec!["eur".into()]);
    let usd = Q {
        currency: "USD",
        ..Q::default()
    };
    assert_eq!(
        reason(&mut env, &usd, &eur_only),
        Some(RefusalReason::CurrencyNotAllowed)
    );
    assert_eq!(reason(&mut env, &q, &eur_only), None);

    let skus = code(&mut env, |d| {
        d.required_skus = vec!["BOOK-1".into(), "BOOK-2".into()]
    });
    assert_eq!(
        reason(&mut env, &q, &skus),
        Some(RefusalReason::RequiredProductMissing)
    );
    let book = Q {
        sku: "BOOK-2",
        ..Q::default()
    };
    assert_eq!(reason(&mut env, &book, &skus), None);

    let france = code(&mut env, |d| {
        d.shipping_countries = vec!["fr".into(), "BE".into()];
        d.billing_countries = vec!["FR".into()];
    });
    // No country given: refused.
    assert_eq!(
        reason(&mut env, &q, &france),
        Some(RefusalReason::CountryNotAllowed)
    );
    let be_fr = Q {
        shipping_country: Some("be"),
        billing_country: Some("FR"),
        ..Q::default()
    };
    assert_eq!(reason(&mut env, &be_fr, &france), None);
    let de = Q {
        shipping_country: Some("BE"),
        billing_country: Some("DE"),
        ..Q::default()
    };
    assert_eq!(
        reason(&mut env, &de, &france),
        Some(RefusalReason::CountryNotAllowed)
    );
}

#[test]
fn a_disabled_definition_refuses_its_codes_even_at_placement() {
    let mut env = NativeEnv::in_memory(T0, 1);
    let input = definition(|_| {});
    let c = codes(&mut env, input.clone(), 1, None);
    let q = quote(&Q::default(), &[&c[0]]);
    let totals = collect(&mut env, q.clone(), Channel::Storefront);
    assert_eq!(totals.cards.len(), 1);
    // Disabled between collection and placement.
    let mut off = input;
    off.enabled = false;
    env.call(|e| api::update_definition(e, batches::UpdateDefinition { id: 1, fields: off }))
        .unwrap();
    let expected = vec![ExpectedCard {
        code: totals.cards[0].code.clone(),
        applied: totals.cards[0].applied.amount().into(),
    }];
    let err = env
        .call(|e| {
            api::order_placed(
                e,
                PlaceRequest {
                    order_id: "O1".into(),
                    quote: q.clone(),
                    expected: expected.clone(),
                    channel: Channel::Admin,
                },
            )
        })
        .unwrap_err();
    match err {
        Error::CardNotApplicable(r) => {
            assert_eq!(r.reason, Some(RefusalReason::DefinitionDisabled))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn two_codes_of_one_definition_pay_one_order_and_uses_are_counted_once() {
    let mut env = NativeEnv::in_memory(T0, 1);
    let c = codes(&mut env, definition(|_| {}), 3, Some(1));
    let q = quote(&Q::default(), &[&c[0], &c[1]]);
    let req = place_request(&mut env, "O1", q);
    let placed = env.call(|e| api::order_placed(e, req.clone())).unwrap();
    assert_eq!(placed.totals.gift_card_amount.amount(), "20.00");
    assert_eq!(placed.movements.len(), 2);
    // A replay answers the same and counts nothing more.
    let again = env.call(|e| api::order_placed(e, req)).unwrap();
    assert_eq!(again, placed);
    for code in &c[..2] {
        let card = env
            .call(|e| api::get_card(e, &CardRef::Code(code.clone())))
            .unwrap();
        assert_eq!((card.summary.uses, card.summary.max_uses), (1, 1));
    }
    // Used up anyway (balance 0): used-up comes first.
    assert_eq!(
        reason(&mut env, &Q::default(), &c[0]),
        Some(RefusalReason::UsedUp)
    );

    // A card with balance left but no use left.
    let d = env
        .call(|e| {
            api::create_definition(e, definition(|d| d.value = GivenMoney::new("100", "EUR")))
        })
        .unwrap();
    let g = env
        .call(|e| {
            api::generate_codes(
                e,
                GenerateRequest {
                    definition_id: d.id,
                    count: 1,
                    prefix: Some("ONE".into()),
                    test: false,
                    max_uses: Some(1),
                    admin_user: "alice".into(),
                },
            )
        })
        .unwrap();
    let big = env
        .call(|e| api::get_card(e, &CardRef::Id(g.first_card_id)))
        .unwrap()
        .code;
    assert!(big.starts_with("ONE-"));
    place(&mut env, "O2", quote(&Q::default(), &[&big])).unwrap();
    let card = env
        .call(|e| api::get_card(e, &CardRef::Id(g.first_card_id)))
        .unwrap();
    assert_eq!(
        (card.summary.balance.amount().as_str(), card.summary.uses),
        ("40.00", 1)
    );
    assert_eq!(
        reason(&mut env, &Q::default(), &big),
        Some(RefusalReason::UsesExhausted)
    );
    // A partial payment is one use as well.
    let cover = quote(
        &Q {
            total: "5",
            ..Q::default()
        },
        &[&c[2]],
    );
    place(&mut env, "O3", cover).unwrap();
    let third = env
        .call(|e| api::get_card(e, &CardRef::Code(c[2].clone())))
        .unwrap();
    assert_eq!(
        (third.summary.balance.amount().as_str(), third.summary.uses),
        ("5.00", 1)
    );
}

#[test]
fn a_card_paying_nothing_is_not_used() {
    let mut env = NativeEnv::in_memory(T0, 1);
    let c = codes(&mut env, definition(|_| {}), 2, Some(5));
    // 8 EUR order: the first card pays it all, the second pays 0.
    let q = quote(
        &Q {
            total: "8",
            ..Q::default()
        },
        &[&c[0], &c[1]],
    );
    let placed = place(&mut env, "O1", q).unwrap();
    assert_eq!(placed.movements.len(), 1);
    let uses: Vec<u32> = c
        .iter()
        .map(|code| {
            env.call(|e| api::get_card(e, &CardRef::Code(code.clone())))
                .unwrap()
                .summary
                .uses
        })
        .collect();
    assert_eq!(uses, vec![1, 0]);
}

/// A minimum order in another currency with a garbled rate (the host's bug)
/// refuses the code like a missing rate does; it never fails the quote.
#[test]
fn a_garbled_rate_for_a_minimum_order_refuses_the_code_not_the_quote() {
    let mut env = NativeEnv::in_memory(T0, 1);
    let (c, usd) = minimum_in_euros(&mut env);
    env.set_rate("USD", "EUR", "not-a-rate");
    assert_eq!(
        reason(&mut env, &usd, &c),
        Some(RefusalReason::CurrencyNotAllowed)
    );
    let totals = collect(&mut env, quote(&usd, &[&c]), Channel::Admin);
    assert_eq!(totals.gift_card_amount.amount(), "0.00");
    assert_eq!(totals.dropped.len(), 1);
}
