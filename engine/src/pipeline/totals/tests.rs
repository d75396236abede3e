use crate::pipeline::redemption;
use crate::storage::sqlite::NativeEnv;
use crate::testing::{self, T0, balance, count};
use crate::*;

fn env() -> NativeEnv {
    NativeEnv::in_memory(T0, 5)
}

fn card(env: &mut NativeEnv, amount: &str, currency: &str, code: &str) -> Card {
    env.call(|e| {
        api::create_card(
            e,
            CreateCard {
                code: Some(code.into()),
                ..CreateCard::new(GivenMoney::new(amount, currency), "alice")
            },
        )
    })
    .unwrap()
}

/// A EUR quote of one 20.00 line, for `customer` if any.
fn quote(codes: &[&str], customer: Option<&str>) -> Quote {
    let book = Line {
        sku: "BOOK".into(),
        ..testing::line("1", ProductKind::Digital, 1, "20", "20")
    };
    Quote {
        store: "eu".into(),
        customer: customer.and_then(testing::customer),
        applied_codes: testing::codes(codes),
        ..testing::quote("Q-EUR", "EUR", vec![book])
    }
}

fn apply(
    env: &mut NativeEnv,
    q: &Quote,
    code: &str,
    channel: Channel,
    key: Option<&str>,
) -> Result<ApplyAnswer> {
    env.call(|e| {
        api::apply_code(
            e,
            ApplyRequest {
                quote: q.clone(),
                code: code.into(),
                channel,
                client_key: key.map(Into::into),
            },
        )
    })
}

fn collect(env: &mut NativeEnv, q: &Quote, channel: Channel) -> GiftCardTotals {
    testing::collect(env, q, channel)
}

fn place(env: &mut NativeEnv, q: &Quote, expected: &[(&str, &str)]) -> Result<PlacedOrder> {
    let expected = expected
        .iter()
        .map(|(c, a)| ExpectedCard {
            code: (*c).into(),
            applied: (*a).into(),
        })
        .collect();
    let order_id = format!("O-{}", q.id);
    testing::place_expecting(env, &order_id, q.clone(), expected, Channel::Storefront)
}

fn log(env: &mut NativeEnv) -> Vec<RefusalLogEntry> {
    env.call(|e| {
        api::refusal_log(
            e,
            PageRequest {
                page: 1,
                page_size: 50,
            },
        )
    })
    .unwrap()
    .entries
}

/// A GBP card on a EUR quote with no rate either way: the storefront
/// gets the generic refusal (its currency is not revealed), the attempt
/// is counted and logged under the canonical key with the precise
/// reason, and staff see that reason.
#[test]
fn apply_code_without_a_rate_is_an_ordinary_counted_refusal() {
    let mut env = env();
    card(&mut env, "10", "GBP", "GBP-CARD-0001");
    card(&mut env, "10", "EUR", "EUR-CARD-0001");
    let q = quote(&[], None);
    let answer = apply(
        &mut env,
        &q,
        "GBP-CARD-0001",
        Channel::Storefront,
        Some(" 203.000.113.007 "),
    )
    .unwrap();
    assert_eq!(
        answer,
        ApplyAnswer::Refused(Refusal {
            message: redemption::GENERIC_REFUSAL.into(),
            reason: None,
            masked_code: None,
        })
    );
    assert_eq!(count(&mut env, "gc_balance_checks"), 1);
    let entries = log(&mut env);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].reason, RefusalReason::NoExchangeRate);
    assert_eq!(entries[0].client_key.as_deref(), Some("203.0.113.7"));
    let ApplyAnswer::Refused(staff) =
        apply(&mut env, &q, "GBP-CARD-0001", Channel::Admin, None).unwrap()
    else {
        panic!("admin apply of a card without a rate")
    };
    assert_eq!(staff.reason, Some(RefusalReason::NoExchangeRate));
    assert!(staff.masked_code.is_some());
    // Nine more spellings of the address use up its allowance; the 11th
    // attempt is limited even for a good card.
    for key in [
        "203.0.113.7",
        "203.0.113.07",
        "::ffff:203.0.113.7",
        "[::ffff:cb00:7107]:443",
        "203.0.113.7:8080",
        "203.0.113.7",
        "203.0.113.7",
        "203.0.113.7",
        "203.0.113.7",
    ] {
        assert!(matches!(
            apply(
                &mut env,
                &q,
                "GBP-CARD-0001",
                Channel::Storefront,
                Some(key)
            )
            .unwrap(),
            ApplyAnswer::Refused(_)
        ));
    }
    assert_eq!(
        apply(
            &mut env,
            &q,
            "EUR-CARD-0001",
            Channel::Storefront,
            Some("203.0.113.7")
        )
        .unwrap(),
        ApplyAnswer::RateLimited(60)
    );
    // A control character in the key is refused, and nothing is written.
    let before = env.dump();
    let err = apply(
        &mut env,
        &q,
        "EUR-CARD-0001",
        Channel::Storefront,
        Some("198.51.100.1\n"),
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument(m) if m.starts_with("client-key")),
        "{err:?}"
    );
    assert_eq!(env.dump(), before);
}

/// One card never blocks a quote: the GBP card pays 0 and is dropped
/// with the reason (staff) or the generic message (customers), a card
/// with a garbled rate likewise, and the EUR card pays.
#[test]
fn an_unconvertible_card_is_dropped_and_the_rest_collect() {
    let mut env = env();
    let eur = card(&mut env, "15", "EUR", "EUR-CARD-0002");
    card(&mut env, "10", "GBP", "GBP-CARD-0002");
    card(&mut env, "10", "CHF", "CHF-CARD-0002");
    env.set_rate("CHF", "EUR", "not-a-rate");
    let q = quote(&["GBP-CARD-0002", "EUR-CARD-0002", "CHF-CARD-0002"], None);
    let staff = collect(&mut env, &q, Channel::Admin);
    assert_eq!(staff.gift_card_amount.amount(), "15.00");
    assert_eq!(staff.grand_total.amount(), "5.00");
    assert_eq!(staff.cards.len(), 1);
    assert_eq!(staff.cards[0].card_id, eur.summary.id);
    let dropped: Vec<_> = staff
        .dropped
        .iter()
        .map(|d| (d.code.as_str(), d.refusal.reason))
        .collect();
    assert_eq!(
        dropped,
        vec![
            ("GBP-CARD-0002", Some(RefusalReason::NoExchangeRate)),
            ("CHF-CARD-0002", Some(RefusalReason::NoExchangeRate)),
        ]
    );
    let customer = collect(&mut env, &q, Channel::Storefront);
    assert_eq!(customer.dropped.len(), 2);
    for d in &customer.dropped {
        assert_eq!(d.refusal.message, redemption::GENERIC_REFUSAL);
        assert_eq!(d.refusal.reason, None);
        assert_eq!(d.refusal.masked_code, None);
    }

    // Placement with the dropped codes kept at 0 takes only from the EUR
    // card; expecting anything from one is card-not-applicable.
    let before = env.dump();
    let err = place(
        &mut env,
        &q,
        &[
            ("GBP-CARD-0002", "1.00"),
            ("EUR-CARD-0002", "15.00"),
            ("CHF-CARD-0002", "0"),
        ],
    )
    .unwrap_err();
    assert!(matches!(err, Error::CardNotApplicable(_)), "{err:?}");
    assert_eq!(env.dump(), before);
    let placed = place(
        &mut env,
        &q,
        &[
            ("GBP-CARD-0002", "0.00"),
            ("EUR-CARD-0002", "15.00"),
            ("CHF-CARD-0002", "0"),
        ],
    )
    .unwrap();
    assert_eq!(placed.movements.len(), 1);
    assert_eq!(placed.movements[0].card_id, eur.summary.id);
    assert_eq!(placed.totals.gift_card_amount.amount(), "15.00");
    assert_eq!(placed.totals.dropped.len(), 2);
    assert_eq!(balance(&mut env, eur.summary.id), "0.00");
    // The host may as well take the dropped codes off first.
    let mut q = quote(&[], None);
    q.id = "Q-2".into();
    let err = place(&mut env, &q, &[]);
    assert!(err.is_ok(), "{err:?}");
}

/// Only EUR → GBP is known (0.85): a GBP card on a EUR quote uses its
/// inverse, rounding down what it can pay, debiting a partial payment
/// `applied × 0.85` half up and a full payment its whole balance.
#[test]
fn the_inverse_of_the_opposite_rate_pays_exactly() {
    let mut env = env();
    env.set_rate("EUR", "GBP", "0.85");
    let gbp = card(&mut env, "10", "GBP", "GBP-CARD-0003");
    let q = quote(&[], None);
    let ApplyAnswer::Applied(applied) = apply(
        &mut env,
        &q,
        "GBP-CARD-0003",
        Channel::Storefront,
        Some("k"),
    )
    .unwrap() else {
        panic!("the inverse rate applies")
    };
    // 10.00 GBP ÷ 0.85 = 11.7647… → 11.76 EUR; paying all of it takes
    // the whole 10.00 GBP (11.76 × 0.85 = 9.996 would leave a residue).
    let part = &applied.totals.cards[0];
    assert_eq!(part.available.amount(), "11.76");
    assert_eq!(part.applied.amount(), "11.76");
    assert_eq!(part.rate.as_deref(), Some("1/0.85"));
    assert_eq!(part.debit, Money::parse("10.00", "GBP").unwrap());
    // On a 5.00 quote it pays 5.00 for 5.00 × 0.85 = 4.25 GBP.
    let mut small = quote(&["GBP-CARD-0003"], None);
    small.lines[0].unit_price = "5".into();
    small.lines[0].row_total = "5".into();
    let placed = place(&mut env, &small, &[("GBP-CARD-0003", "5.00")]).unwrap();
    assert_eq!(
        placed.movements[0].amount,
        Money::parse("-4.25", "GBP").unwrap()
    );
    assert_eq!(balance(&mut env, gbp.summary.id), "5.75");
}

/// A signed-in customer's storefront refusals are failed lookups: ten of
/// them in an hour, and every lookup by that customer is limited, even
/// with a good code, from any key; staff and guests are not.
#[test]
fn storefront_refusals_count_for_the_quote_customer() {
    let mut env = env();
    card(&mut env, "10", "EUR", "EUR-CARD-0004");
    card(&mut env, "10", "GBP", "GBP-CARD-0004");
    let q = quote(&[], Some("cust-9"));
    for n in 0..10 {
        let code = if n % 2 == 0 {
            "GBP-CARD-0004"
        } else {
            "NO-SUCH-CODE"
        };
        let key = format!("key-{n}");
        assert!(matches!(
            apply(&mut env, &q, code, Channel::Storefront, Some(&key)).unwrap(),
            ApplyAnswer::Refused(_)
        ));
        env.now += 60;
    }
    assert_eq!(count(&mut env, "gc_failed_lookups"), 10);
    // Limited until the first failure (at T0) is an hour old.
    let fresh = |env: &mut NativeEnv, q: &Quote| {
        apply(env, q, "EUR-CARD-0004", Channel::Storefront, Some("fresh")).unwrap()
    };
    let before = env.dump();
    assert_eq!(fresh(&mut env, &q), ApplyAnswer::RateLimited(3_000));
    assert_eq!(env.dump(), before);
    assert!(matches!(
        apply(&mut env, &q, "EUR-CARD-0004", Channel::Admin, None).unwrap(),
        ApplyAnswer::Applied(_)
    ));
    let guest = quote(&[], None);
    assert!(matches!(fresh(&mut env, &guest), ApplyAnswer::Applied(_)));
    env.now = T0 + 3_600;
    assert!(matches!(fresh(&mut env, &q), ApplyAnswer::Applied(_)));
}
