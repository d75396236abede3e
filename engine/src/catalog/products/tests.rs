use super::*;
use crate::storage::sqlite::NativeEnv;
use crate::testing::{self, T0};

fn input(sku: &str) -> ProductInput {
    ProductInput {
        sku: sku.into(),
        name: format!("Card {sku}"),
        currency: "USD".into(),
        denominations: vec!["50".into(), "25".into()],
        custom_min: Some("10".into()),
        custom_max: Some("200".into()),
        active: true,
        ..Default::default()
    }
}

fn count(env: &mut NativeEnv) -> i64 {
    testing::count(env, "gc_products")
}

#[test]
fn creates_with_sorted_denominations_and_last_position() {
    let mut env = NativeEnv::in_memory(T0, 1);
    let a = env.call(|e| create(e, input("a"))).unwrap();
    assert_eq!(a.denominations[0].amount(), "25.00");
    assert_eq!(a.denominations[1].amount(), "50.00");
    assert_eq!(a.custom_min.as_ref().unwrap().amount(), "10.00");
    assert_eq!(a.position, 1);
    assert_eq!(a.cards_sold, 0);
    let b = env.call(|e| create(e, input("b"))).unwrap();
    assert_eq!(b.position, 2);
}

#[test]
fn refuses_bad_input_and_writes_nothing() {
    let mut env = NativeEnv::in_memory(T0, 1);
    env.call(|e| create(e, input("dup"))).unwrap();
    type Case = (ProductInput, fn(&Error) -> bool);
    let cases: Vec<Case> = vec![
        (
            ProductInput {
                denominations: vec![],
                custom_min: None,
                custom_max: None,
                ..input("x")
            },
            |e| matches!(e, Error::InvalidArgument(_)),
        ),
        (
            ProductInput {
                custom_min: Some("300".into()),
                ..input("x")
            },
            |e| matches!(e, Error::InvalidArgument(m) if m.contains("larger")),
        ),
        (
            ProductInput {
                custom_max: None,
                ..input("x")
            },
            |e| matches!(e, Error::InvalidArgument(_)),
        ),
        (
            ProductInput {
                denominations: vec!["-5".into()],
                ..input("x")
            },
            |e| matches!(e, Error::InvalidAmount(_)),
        ),
        (
            ProductInput {
                denominations: vec!["5".into(), "5.00".into()],
                ..input("x")
            },
            |e| matches!(e, Error::InvalidArgument(m) if m.contains("twice")),
        ),
        (
            input("dup"),
            |e| matches!(e, Error::InvalidArgument(m) if m.contains("already")),
        ),
        (
            ProductInput {
                currency: "XAU".into(),
                ..input("x")
            },
            |e| matches!(e, Error::UnknownCurrency(_)),
        ),
        (
            ProductInput {
                name: " ".into(),
                ..input("x")
            },
            |e| matches!(e, Error::InvalidArgument(_)),
        ),
        (
            ProductInput {
                denominations: vec!["5.001".into()],
                ..input("x")
            },
            |e| matches!(e, Error::InvalidAmount(_)),
        ),
    ];
    for (i, (bad, ok)) in cases.into_iter().enumerate() {
        let err = env.call(|e| create(e, bad)).unwrap_err();
        assert!(ok(&err), "case {i}: {err:?}");
    }
    assert_eq!(count(&mut env), 1);
}

#[test]
fn reorders_and_lists_active_only_unless_asked() {
    let mut env = NativeEnv::in_memory(T0, 1);
    let ids: Vec<u64> = ["a", "b", "c"]
        .iter()
        .map(|s| env.call(|e| create(e, input(s))).unwrap().id)
        .collect();
    let out = env.call(|e| reorder(e, vec![ids[2], ids[0]])).unwrap();
    let skus: Vec<&str> = out.iter().map(|p| p.sku.as_str()).collect();
    assert_eq!(skus, ["c", "a", "b"]);
    assert_eq!(
        out.iter().map(|p| p.position).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    env.call(|e| {
        set_active(
            e,
            SetActive {
                id: ids[0],
                active: false,
            },
        )
    })
    .unwrap();
    let listed = env.call(|e| list(e, false)).unwrap();
    assert_eq!(
        listed.iter().map(|p| p.sku.as_str()).collect::<Vec<_>>(),
        ["c", "b"]
    );
    assert_eq!(env.call(|e| list(e, true)).unwrap().len(), 3);
    assert!(matches!(
        env.call(|e| reorder(e, vec![ids[1], ids[1]])),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        env.call(|e| reorder(e, vec![99])),
        Err(Error::ProductNotFound)
    ));
}

#[test]
fn update_keeps_position_and_refuses_taken_sku() {
    let mut env = NativeEnv::in_memory(T0, 1);
    let a = env.call(|e| create(e, input("a"))).unwrap();
    env.call(|e| create(e, input("b"))).unwrap();
    let changed = env
        .call(|e| {
            update(
                e,
                UpdateProduct {
                    id: a.id,
                    product: ProductInput {
                        name: "Renamed".into(),
                        denominations: vec![],
                        validity_days: Some(90),
                        ..input("a2")
                    },
                },
            )
        })
        .unwrap();
    assert_eq!(changed.sku, "a2");
    assert_eq!(changed.position, 1);
    assert!(changed.denominations.is_empty());
    assert_eq!(changed.validity_days, Some(90));
    let err = env
        .call(|e| {
            update(
                e,
                UpdateProduct {
                    id: a.id,
                    product: input("b"),
                },
            )
        })
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)));
    assert!(matches!(
        env.call(|e| get(e, 77)),
        Err(Error::ProductNotFound)
    ));
}

#[test]
fn check_amount_accepts_denominations_and_range_only() {
    let mut env = NativeEnv::in_memory(T0, 1);
    let p = env
        .call(|e| {
            create(
                e,
                ProductInput {
                    custom_min: Some("100".into()),
                    custom_max: Some("200".into()),
                    ..input("a")
                },
            )
        })
        .unwrap();
    let check = |env: &mut NativeEnv, amount: &str| {
        env.call(|e| {
            check_amount(
                e,
                CheckAmount {
                    id: p.id,
                    amount: amount.into(),
                },
            )
        })
    };
    assert_eq!(check(&mut env, "25").unwrap().amount(), "25.00");
    assert_eq!(check(&mut env, "150.5").unwrap().amount(), "150.50");
    assert_eq!(check(&mut env, "200").unwrap().amount(), "200.00");
    let Err(Error::InvalidPurchaseAmount(text)) = check(&mut env, "30") else {
        panic!("30 is not offered");
    };
    assert!(
        text.contains("25.00 or 50.00 USD, or any amount from 100.00 to 200.00 USD"),
        "{text}"
    );
    assert!(matches!(
        check(&mut env, "-25"),
        Err(Error::InvalidPurchaseAmount(_))
    ));
    assert!(matches!(check(&mut env, "x"), Err(Error::InvalidAmount(_))));
    env.call(|e| {
        set_active(
            e,
            SetActive {
                id: p.id,
                active: false,
            },
        )
    })
    .unwrap();
    assert!(matches!(check(&mut env, "25"), Err(Error::ProductNotFound)));
}

#[test]
fn delete_is_refused_once_a_card_names_the_product() {
    let mut env = NativeEnv::in_memory(T0, 1);
    let a = env.call(|e| create(e, input("a"))).unwrap();
    let b = env.call(|e| create(e, input("b"))).unwrap();
    env.call(|e| delete(e, a.id)).unwrap();
    assert!(matches!(
        env.call(|e| delete(e, a.id)),
        Err(Error::ProductNotFound)
    ));
    let sold = crate::cards::NewCard {
        context: crate::cards::CardContext::of(crate::model::CardOrigin::Purchase),
        actor: crate::model::Actor::System,
        extras: crate::cards::CardExtras {
            product_id: Some(b.id),
            ..Default::default()
        },
        ..testing::new_card(2500, "USD")
    };
    testing::insert_card(&mut env, sold);
    assert_eq!(env.call(|e| get(e, b.id)).unwrap().cards_sold, 1);
    assert!(matches!(
        env.call(|e| delete(e, b.id)),
        Err(Error::ProductHasSales)
    ));
    let off = env
        .call(|e| {
            set_active(
                e,
                SetActive {
                    id: b.id,
                    active: false,
                },
            )
        })
        .unwrap();
    assert!(!off.active);
}

#[test]
fn purchase_check_uses_product_then_setting() {
    let mut env = NativeEnv::in_memory(T0, 1);
    let usd = Currency::parse("USD").unwrap();
    let eur = Currency::parse("EUR").unwrap();
    env.call(|e| create(e, input("gc"))).unwrap();
    let mut settings = Settings::default();
    let run = |env: &mut NativeEnv, s: &Settings, sku: &str, cur: Currency, price: i64| {
        let s = s.clone();
        let sku = sku.to_owned();
        env.call(move |e| check_purchase(e, &s, &sku, cur, usd, price))
    };
    assert!(run(&mut env, &settings, "gc", usd, 2500).unwrap().is_some());
    assert!(run(&mut env, &settings, "gc", usd, 1234).unwrap().is_some());
    assert!(matches!(
        run(&mut env, &settings, "gc", usd, 500),
        Err(Error::InvalidPurchaseAmount(_))
    ));
    // Any amount for a SKU that is no product while the setting is empty.
    assert!(
        run(&mut env, &settings, "other", usd, 777)
            .unwrap()
            .is_none()
    );
    settings.allowed_amounts = vec!["10.00".into(), "20.00".into()];
    assert!(
        run(&mut env, &settings, "other", usd, 1000)
            .unwrap()
            .is_none()
    );
    let Err(Error::InvalidPurchaseAmount(text)) = run(&mut env, &settings, "other", usd, 1500)
    else {
        panic!("15 is not allowed");
    };
    assert!(text.contains("choose 10.00 or 20.00 USD"), "{text}");
    // A EUR price is converted the way the card's value will be.
    env.set_rate("EUR", "USD", "1.25");
    assert!(run(&mut env, &settings, "gc", eur, 2000).unwrap().is_some());
    assert!(matches!(
        run(&mut env, &settings, "gc", eur, 200),
        Err(Error::InvalidPurchaseAmount(_))
    ));
    let id = env.call(|e| Ok(find_by_sku(e, "gc")?.unwrap().id)).unwrap();
    env.call(|e| set_active(e, SetActive { id, active: false }))
        .unwrap();
    assert!(matches!(
        run(&mut env, &settings, "gc", usd, 2500),
        Err(Error::ProductNotFound)
    ));
}
