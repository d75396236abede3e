use super::*;
use crate::cards::{apply_balance_change, draw_uniform};
use crate::money::Currency;
use crate::storage::sqlite::NativeEnv;
use crate::testing::{self, T0, given_usd, rows_of, usd};
use crate::{Result, api};

fn env() -> NativeEnv {
    NativeEnv::in_memory(T0, 7)
}

fn request(amount: &str) -> CreateCard {
    CreateCard::new(given_usd(amount), "alice")
}

fn create(env: &mut NativeEnv, req: CreateCard) -> Result<Card> {
    env.call(|e| api::create_card(e, req))
}

fn card(env: &mut NativeEnv, amount: &str) -> Card {
    create(env, request(amount)).unwrap()
}

fn set(id: CardId) -> SetStatus {
    SetStatus {
        card: CardRef::Id(id),
        comment: None,
        admin_user: "alice".into(),
    }
}

fn top_up_req(id: CardId, amount: GivenMoney, reference: Option<&str>) -> TopUp {
    TopUp {
        card: CardRef::Id(id),
        amount,
        comment: Some("reload".into()),
        admin_user: "alice".into(),
        reference: reference.map(Into::into),
    }
}

fn bulk(ids: &[CardId]) -> BulkRequest {
    BulkRequest {
        cards: ids.to_vec(),
        comment: Some("bulk".into()),
        admin_user: "alice".into(),
    }
}

fn get(env: &mut NativeEnv, id: CardId) -> Result<Card> {
    env.call(|e| api::get_card(e, &CardRef::Id(id)))
}

fn ledger(env: &mut NativeEnv, id: CardId) -> Vec<HistoryEntry> {
    env.call(|e| api::card_detail(e, &CardRef::Id(id)))
        .unwrap()
        .history
}

/// Everything in the plugin's tables, for "writes nothing" checks.
fn snapshot(env: &mut NativeEnv) -> Vec<String> {
    rows_of(
        env,
        &[
            "gc_cards",
            "gc_history",
            "gc_sequences",
            "gc_order_cards",
            "gc_card_exports",
        ],
    )
}

/// Makes a card look as if it paid an order: an order row, its card row
/// and a `redeemed` ledger row (what `orders::placed` writes).
fn pay_order(env: &mut NativeEnv, id: CardId, order: &str, cents: i64) {
    env.call(|e| {
        let card = load(e, &CardRef::Id(id))?;
        e.db().execute(
            "INSERT INTO gc_orders (order_id, website, currency, base_currency, is_test, \
             cards_cover_shipping, total_before_cards, gift_card_amount, placed_at) \
             VALUES (?1, 'main', 'USD', 'USD', 0, 1, ?2, ?2, ?3)",
            &[
                Value::from(order),
                Value::Integer(cents),
                Value::Integer(T0),
            ],
        )?;
        e.db().execute(
            "INSERT INTO gc_order_cards (order_id, position, card_id, applied, debited) \
             VALUES (?1, 0, ?2, ?3, ?3)",
            &[
                Value::from(order),
                Value::Integer(id as i64),
                Value::Integer(cents),
            ],
        )?;
        apply_balance_change(
            e,
            &card,
            -cents,
            (HistoryAction::Redeemed, &Actor::System, Some(order), None),
        )?;
        e.db().execute(
            "UPDATE gc_cards SET uses = uses + 1 WHERE id = ?1",
            &[Value::Integer(id as i64)],
        )?;
        Ok(())
    })
    .unwrap();
}

#[test]
fn random_amount_is_drawn_in_range_and_recorded() {
    let mut env = env();
    let mut seen = HashSet::new();
    for _ in 0..40 {
        let c = create(
            &mut env,
            CreateCard {
                amount_max: Some("5.03".into()),
                comment: Some("promo".into()),
                ..request("5.00")
            },
        )
        .unwrap();
        let cents = Currency::parse("USD")
            .unwrap()
            .parse_amount(&c.summary.initial_value.amount())
            .unwrap();
        assert!((500..=503).contains(&cents), "{cents}");
        seen.insert(cents);
        assert_eq!(c.summary.balance, c.summary.initial_value);
        assert_eq!(
            c.summary.amount_type,
            AmountType::Random(AmountRange {
                min: usd("5.00"),
                max: usd("5.03")
            })
        );
        assert_eq!(c.comment.as_deref(), Some("promo"));
        let created = &ledger(&mut env, c.summary.id)[0];
        assert_eq!(
            created.comment.as_deref(),
            Some(
                format!(
                    "promo; random amount {} drawn from 5.00–5.03",
                    c.summary.initial_value.amount()
                )
                .as_str()
            )
        );
    }
    // Every value of the range comes up.
    assert_eq!(seen.len(), 4);
}

#[test]
fn uniform_draw_has_no_modulo_bias() {
    let mut env = env();
    // A span of 3 does not divide 2^64: a plain modulo would favour 0.
    let mut counts = [0u32; 3];
    for _ in 0..30_000 {
        counts[draw_uniform(&mut env, 0, 2) as usize] += 1;
    }
    for c in counts {
        assert!((9_500..=10_500).contains(&c), "{counts:?}");
    }
    assert_eq!(draw_uniform(&mut env, 7, 7), 7);
    // The widest span the plugin allows.
    let max = Currency::parse("USD").unwrap().max_minor();
    let v = draw_uniform(&mut env, 1, max);
    assert!((1..=max).contains(&v));
}

#[test]
fn random_amount_range_and_new_fields_are_validated() {
    let mut env = env();
    let before = snapshot(&mut env);
    for (req, what) in [
        (
            CreateCard {
                amount_max: Some("5".into()),
                ..request("5")
            },
            "max equal to min",
        ),
        (
            CreateCard {
                amount_max: Some("4.99".into()),
                ..request("5")
            },
            "max below min",
        ),
        (
            CreateCard {
                amount_max: Some("9.999".into()),
                ..request("5")
            },
            "max with too many digits",
        ),
    ] {
        assert!(
            matches!(create(&mut env, req), Err(Error::InvalidAmount(_))),
            "{what}"
        );
    }
    for uses in [0, -2, i32::MIN] {
        assert!(matches!(
            create(
                &mut env,
                CreateCard {
                    max_uses: Some(uses),
                    ..request("5")
                }
            ),
            Err(Error::InvalidArgument(_))
        ));
    }
    for email in [
        "",
        "a",
        "a@b",
        "@x.com",
        "a@@x.com",
        "a@x@y.com",
        "a b@x.com",
        "a@.com",
        "a@x.",
        "a@x..com",
    ] {
        assert!(
            matches!(
                create(
                    &mut env,
                    CreateCard {
                        recipient_email: Some(email.into()),
                        ..request("5")
                    }
                ),
                Err(Error::InvalidArgument(_))
            ),
            "{email:?}"
        );
    }
    let long = format!("{}@example.com", "a".repeat(243));
    assert_eq!(long.len(), 255);
    assert!(
        create(
            &mut env,
            CreateCard {
                recipient_email: Some(long),
                ..request("5")
            }
        )
        .is_err()
    );
    assert!(
        create(
            &mut env,
            CreateCard {
                recipient_name: Some("n".repeat(201)),
                ..request("5")
            }
        )
        .is_err()
    );
    assert_eq!(snapshot(&mut env), before);

    let c = create(
        &mut env,
        CreateCard {
            max_uses: Some(3),
            recipient_name: Some("Ann".into()),
            recipient_email: Some("Ann@Example.com".into()),
            website: Some("main".into()),
            test: Some(true),
            ..request("5")
        },
    )
    .unwrap();
    assert_eq!(c.summary.max_uses, 3);
    assert_eq!(c.summary.uses, 0);
    assert_eq!(c.recipient_name.as_deref(), Some("Ann"));
    assert_eq!(
        c.summary.recipient_email.as_deref(),
        Some("Ann@Example.com")
    );
    assert!(c.summary.test);
    assert_eq!(card(&mut env, "1").summary.max_uses, -1);
}

#[test]
fn random_card_is_idempotent_on_its_range() {
    let mut env = env();
    let req = CreateCard {
        amount_max: Some("100".into()),
        reference: Some("r-1".into()),
        ..request("10")
    };
    let first = create(&mut env, req.clone()).unwrap();
    let again = create(&mut env, req.clone()).unwrap();
    assert_eq!(first, again);
    let other = CreateCard {
        amount_max: Some("90".into()),
        ..req.clone()
    };
    assert!(matches!(
        create(&mut env, other),
        Err(Error::InvalidArgument(_))
    ));
    let fixed = CreateCard {
        amount_max: None,
        ..req
    };
    assert!(matches!(
        create(&mut env, fixed),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn top_up_loads_value_and_revives_a_used_card() {
    let mut env = env();
    let c = card(&mut env, "10");
    let up = env
        .call(|e| api::top_up(e, top_up_req(c.summary.id, given_usd("5.50"), Some("t1"))))
        .unwrap();
    assert_eq!(up.summary.balance, usd("15.50"));
    assert_eq!(up.summary.initial_value, usd("10.00"));
    // Applied once per reference.
    let again = env
        .call(|e| api::top_up(e, top_up_req(c.summary.id, given_usd("5.50"), Some("t1"))))
        .unwrap();
    assert_eq!(again.summary.balance, usd("15.50"));
    assert!(matches!(
        env.call(|e| api::top_up(e, top_up_req(c.summary.id, given_usd("6"), Some("t1")))),
        Err(Error::InvalidArgument(_))
    ));
    let rows = ledger(&mut env, c.summary.id);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].action, HistoryAction::Loaded);
    assert_eq!(rows[1].amount, usd("5.50"));
    assert_eq!(rows[1].balance_after, usd("15.50"));
    assert_eq!(rows[1].comment.as_deref(), Some("reload"));

    env.call(|e| {
        api::adjust_balance(
            e,
            AdjustBalance {
                card: CardRef::Id(c.summary.id),
                amount: given_usd("-15.50"),
                comment: "spent".into(),
                admin_user: "alice".into(),
                reference: None,
            },
        )
    })
    .unwrap();
    assert_eq!(
        get(&mut env, c.summary.id).unwrap().summary.status,
        CardStatus::Used
    );
    let revived = env
        .call(|e| api::top_up(e, top_up_req(c.summary.id, given_usd("1"), None)))
        .unwrap();
    assert_eq!(revived.summary.status, CardStatus::Active);
    assert_eq!(revived.summary.balance, usd("1.00"));
}

#[test]
fn top_up_refusals_write_nothing() {
    let mut env = env();
    let c = card(&mut env, "10");
    let disabled = card(&mut env, "10");
    env.call(|e| api::disable_card(e, set(disabled.summary.id)))
        .unwrap();
    let cancelled = card(&mut env, "10");
    env.call(|e| api::cancel_card(e, set(cancelled.summary.id)))
        .unwrap();
    let expiring = create(
        &mut env,
        CreateCard {
            validity_days: Some(1),
            ..request("10")
        },
    )
    .unwrap();
    env.now += 2 * crate::storage::time::DAY;
    let before = snapshot(&mut env);
    for (id, status) in [
        (disabled.summary.id, CardStatus::Disabled),
        (cancelled.summary.id, CardStatus::Cancelled),
        (expiring.summary.id, CardStatus::Expired),
    ] {
        assert_eq!(
            env.call(|e| api::top_up(e, top_up_req(id, given_usd("5"), None))),
            Err(Error::InvalidStatus {
                status,
                operation: "top-up".into()
            })
        );
    }
    assert!(matches!(
        env.call(|e| api::top_up(
            e,
            top_up_req(c.summary.id, GivenMoney::new("5", "EUR"), None)
        )),
        Err(Error::CurrencyMismatch { .. })
    ));
    for bad in ["0", "-5", "abc", "1.001"] {
        assert!(matches!(
            env.call(|e| api::top_up(e, top_up_req(c.summary.id, given_usd(bad), None))),
            Err(Error::InvalidAmount(_))
        ));
    }
    assert_eq!(
        env.call(|e| api::top_up(e, top_up_req(999, given_usd("5"), None))),
        Err(Error::CardNotFound)
    );
    assert_eq!(snapshot(&mut env), before);
}

#[test]
fn cancel_writes_the_balance_off_for_good() {
    let mut env = env();
    let c = card(&mut env, "25");
    let done = env
        .call(|e| {
            api::cancel_card(
                e,
                SetStatus {
                    comment: Some("mistake".into()),
                    ..set(c.summary.id)
                },
            )
        })
        .unwrap();
    assert_eq!(done.summary.status, CardStatus::Cancelled);
    assert_eq!(done.summary.balance, usd("0.00"));
    assert_eq!(get(&mut env, c.summary.id).unwrap(), done);
    let rows = ledger(&mut env, c.summary.id);
    let last = rows.last().unwrap();
    assert_eq!(last.action, HistoryAction::Cancelled);
    assert_eq!(last.amount, usd("-25.00"));
    assert_eq!(last.balance_before, usd("25.00"));
    assert_eq!(last.balance_after, usd("0.00"));
    assert_eq!(last.comment.as_deref(), Some("mistake"));

    let before = snapshot(&mut env);
    let refused = |operation: &str| {
        Err::<Card, _>(Error::InvalidStatus {
            status: CardStatus::Cancelled,
            operation: operation.into(),
        })
    };
    assert_eq!(
        env.call(|e| api::cancel_card(e, set(c.summary.id))),
        refused("cancel")
    );
    assert_eq!(
        env.call(|e| api::enable_card(e, set(c.summary.id))),
        refused("enable")
    );
    assert_eq!(
        env.call(|e| api::disable_card(e, set(c.summary.id))),
        refused("disable")
    );
    assert_eq!(
        env.call(|e| api::adjust_balance(
            e,
            AdjustBalance {
                card: CardRef::Id(c.summary.id),
                amount: given_usd("5"),
                comment: "x".into(),
                admin_user: "a".into(),
                reference: None
            }
        )),
        refused("adjust")
    );
    assert_eq!(snapshot(&mut env), before);
    // The list knows it as cancelled, not disabled.
    let page = testing::cards_with_status(&mut env, CardStatus::Cancelled);
    assert_eq!(page.total, 1);
}

#[test]
fn cancel_refuses_a_card_drawn_on() {
    let mut env = env();
    let c = card(&mut env, "50");
    pay_order(&mut env, c.summary.id, "100000001", 1000);
    let before = snapshot(&mut env);
    assert_eq!(
        env.call(|e| api::cancel_card(e, set(c.summary.id))),
        Err(Error::CardAlreadyUsed)
    );
    assert_eq!(snapshot(&mut env), before);
    // A used card never drawn on (emptied by hand) may be cancelled.
    let d = card(&mut env, "5");
    env.call(|e| {
        api::adjust_balance(
            e,
            AdjustBalance {
                card: CardRef::Id(d.summary.id),
                amount: given_usd("-5"),
                comment: "x".into(),
                admin_user: "a".into(),
                reference: None,
            },
        )
    })
    .unwrap();
    let done = env
        .call(|e| api::cancel_card(e, set(d.summary.id)))
        .unwrap();
    assert_eq!(done.summary.status, CardStatus::Cancelled);
    assert_eq!(
        ledger(&mut env, d.summary.id).last().unwrap().amount,
        usd("0.00")
    );
}

#[test]
fn delete_removes_an_unused_card_and_its_ledger() {
    let mut env = env();
    let c = card(&mut env, "10");
    env.call(|e| api::top_up(e, top_up_req(c.summary.id, given_usd("1"), None)))
        .unwrap();
    env.call(|e| api::delete_card(e, set(c.summary.id)))
        .unwrap();
    assert_eq!(get(&mut env, c.summary.id), Err(Error::CardNotFound));
    let rows: i64 = env
        .db
        .conn
        .query_row(
            "SELECT COUNT(*) FROM gc_history WHERE card_id = ?1",
            [c.summary.id as i64],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 0);
    assert_eq!(
        env.call(|e| api::delete_card(e, set(c.summary.id))),
        Err(Error::CardNotFound)
    );

    let used = card(&mut env, "10");
    pay_order(&mut env, used.summary.id, "100000002", 100);
    let before = snapshot(&mut env);
    assert_eq!(
        env.call(|e| api::delete_card(e, set(used.summary.id))),
        Err(Error::CardAlreadyUsed)
    );
    assert_eq!(snapshot(&mut env), before);
}

#[test]
fn bulk_status_is_all_or_nothing() {
    let mut env = env();
    let a = card(&mut env, "10");
    let b = card(&mut env, "10");
    let c = card(&mut env, "10");
    env.call(|e| api::disable_card(e, set(b.summary.id)))
        .unwrap();
    let disable = |ids: &[CardId]| BulkStatus {
        cards: bulk(ids),
        status: CardStatus::Disabled,
    };
    // b is already disabled: skipped, no new ledger row.
    let out = env
        .call(|e| api::set_status_many(e, disable(&[c.summary.id, b.summary.id, a.summary.id])))
        .unwrap();
    let ids: Vec<_> = out.iter().map(|s| (s.id, s.status)).collect();
    assert_eq!(
        ids,
        [
            (c.summary.id, CardStatus::Disabled),
            (b.summary.id, CardStatus::Disabled),
            (a.summary.id, CardStatus::Disabled)
        ]
    );
    assert_eq!(ledger(&mut env, b.summary.id).len(), 2);
    assert_eq!(
        ledger(&mut env, a.summary.id)
            .last()
            .unwrap()
            .comment
            .as_deref(),
        Some("bulk")
    );

    let x = card(&mut env, "10");
    env.call(|e| api::cancel_card(e, set(x.summary.id)))
        .unwrap();
    let before = snapshot(&mut env);
    let enable = |ids: &[CardId]| BulkStatus {
        cards: bulk(ids),
        status: CardStatus::Active,
    };
    assert_eq!(
        env.call(|e| api::set_status_many(e, enable(&[a.summary.id, x.summary.id, b.summary.id]))),
        Err(Error::BulkItemFailed {
            card_id: x.summary.id,
            reason: "a cancelled card cannot be enabled".into()
        })
    );
    assert!(matches!(
        env.call(|e| api::set_status_many(e, enable(&[a.summary.id, 999]))),
        Err(Error::BulkItemFailed { card_id: 999, .. })
    ));
    for bad in [
        BulkStatus {
            cards: bulk(&[a.summary.id]),
            status: CardStatus::Used,
        },
        enable(&[]),
        enable(&[a.summary.id, a.summary.id]),
        enable(&(1..=10_001).collect::<Vec<_>>()),
    ] {
        assert!(matches!(
            env.call(|e| api::set_status_many(e, bad)),
            Err(Error::InvalidArgument(_))
        ));
    }
    assert_eq!(snapshot(&mut env), before);
    let out = env
        .call(|e| api::set_status_many(e, enable(&[a.summary.id, b.summary.id, c.summary.id])))
        .unwrap();
    assert!(out.iter().all(|s| s.status == CardStatus::Active));
}

#[test]
fn bulk_delete_is_all_or_nothing() {
    let mut env = env();
    let a = card(&mut env, "10");
    let b = card(&mut env, "10");
    let c = card(&mut env, "10");
    pay_order(&mut env, b.summary.id, "100000003", 100);
    let before = snapshot(&mut env);
    assert_eq!(
        env.call(|e| api::delete_many(e, bulk(&[a.summary.id, b.summary.id, c.summary.id]))),
        Err(Error::BulkItemFailed {
            card_id: b.summary.id,
            reason: "the card paid an order".into()
        })
    );
    assert_eq!(snapshot(&mut env), before);
    assert_eq!(
        env.call(|e| api::delete_many(e, bulk(&[a.summary.id, c.summary.id]))),
        Ok(2)
    );
    assert_eq!(get(&mut env, a.summary.id), Err(Error::CardNotFound));
    assert!(get(&mut env, b.summary.id).is_ok());
}

fn recipient(email: &str, customer: Option<&str>) -> Recipient {
    Recipient {
        email: email.into(),
        name: Some(format!("name of {email}")),
        customer_id: customer.map(Into::into),
    }
}

#[test]
fn recipients_get_one_card_each() {
    let mut env = env();
    let req = RecipientsRequest {
        card: CreateCard {
            max_uses: Some(1),
            ..request("25")
        },
        recipients: vec![
            recipient("a@x.com", Some("cust-a")),
            recipient("b@y.org", None),
        ],
        registered_only: false,
        reference: Some("gift-run".into()),
    };
    let cards = env
        .call(|e| api::create_cards_for_recipients(e, req.clone()))
        .unwrap();
    assert_eq!(cards.len(), 2);
    assert_eq!(cards[0].summary.recipient_email.as_deref(), Some("a@x.com"));
    assert_eq!(cards[0].summary.customer_id.as_deref(), Some("cust-a"));
    assert_eq!(cards[0].recipient_name.as_deref(), Some("name of a@x.com"));
    assert_eq!(cards[1].summary.customer_id, None);
    assert!(
        cards
            .iter()
            .all(|c| c.summary.max_uses == 1 && c.summary.balance == usd("25.00"))
    );
    // Idempotent on the request's reference.
    let again = env
        .call(|e| api::create_cards_for_recipients(e, req.clone()))
        .unwrap();
    assert_eq!(again, cards);
    let before = snapshot(&mut env);
    let mut swapped = req.clone();
    swapped.recipients.reverse();
    assert!(matches!(
        env.call(|e| api::create_cards_for_recipients(e, swapped)),
        Err(Error::InvalidArgument(_))
    ));
    let mut fewer = req.clone();
    fewer.recipients.pop();
    assert!(matches!(
        env.call(|e| api::create_cards_for_recipients(e, fewer)),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(snapshot(&mut env), before);
}

#[test]
fn recipients_refusals_write_nothing() {
    let mut env = env();
    let base = RecipientsRequest {
        card: request("25"),
        recipients: vec![recipient("a@x.com", Some("c1")), recipient("b@x.com", None)],
        registered_only: false,
        reference: None,
    };
    let before = snapshot(&mut env);
    // Each change alone makes `base` a request that must be refused.
    let changes: [fn(&mut RecipientsRequest); 9] = [
        |r| r.registered_only = true,
        |r| r.recipients.push(recipient("A@X.COM", None)),
        |r| r.recipients.push(recipient("not-an-email", None)),
        |r| r.recipients.clear(),
        |r| r.card.code = Some("CUSTOM-1234".into()),
        |r| r.card.reference = Some("x".into()),
        |r| r.card.recipient_email = Some("z@x.com".into()),
        |r| r.card.recipient_name = Some("z".into()),
        |r| r.card.customer_id = Some("z".into()),
    ];
    for change in changes {
        let mut case = base.clone();
        change(&mut case);
        assert!(
            matches!(
                env.call(|e| api::create_cards_for_recipients(e, case.clone())),
                Err(Error::InvalidArgument(_))
            ),
            "{case:?}"
        );
    }
    let mut r = base.clone();
    r.card.amount = given_usd("0");
    assert!(matches!(
        env.call(|e| api::create_cards_for_recipients(e, r)),
        Err(Error::InvalidAmount(_))
    ));
    assert_eq!(snapshot(&mut env), before);
}

fn list(env: &mut NativeEnv, req: ListCards) -> Vec<CardId> {
    env.call(|e| api::list_cards(e, req))
        .unwrap()
        .cards
        .iter()
        .map(|c| c.id)
        .collect()
}

#[test]
fn list_filters_and_sorts() {
    let mut env = env();
    let id = |env: &mut NativeEnv, req: CreateCard| create(env, req).unwrap().summary.id;
    let a = id(
        &mut env,
        CreateCard {
            recipient_email: Some("Ann@Example.com".into()),
            validity_days: Some(10),
            ..request("10")
        },
    );
    env.now += 1;
    let b = id(
        &mut env,
        CreateCard {
            amount_max: Some("20".into()),
            ..request("12.5")
        },
    );
    env.now += 1;
    let c = id(
        &mut env,
        CreateCard {
            validity_days: Some(5),
            ..request("30")
        },
    );
    env.now += 1;
    let d = id(
        &mut env,
        CreateCard {
            amount: GivenMoney::new("10", "JPY"),
            ..request("1")
        },
    );
    env.call(|e| api::disable_card(e, set(c))).unwrap();
    env.db
        .conn
        .execute(
            "UPDATE gc_cards SET product_id = 4, definition_id = 9, origin = 'batch', \
             purchaser_email = 'buyer@shop.com' WHERE id = ?1",
            [d as i64],
        )
        .unwrap();

    let all = ListCards::default;
    assert!(matches!(
        env.call(|e| api::list_cards(
            e,
            ListCards {
                amount: Some("ten".into()),
                ..all()
            }
        )),
        Err(Error::InvalidAmount(_))
    ));
    for (filter, expected) in [
        (all(), vec![d, c, b, a]),
        (
            ListCards {
                id: Some(b),
                ..all()
            },
            vec![b],
        ),
        // 10 means 10.00 USD and 10 JPY.
        (
            ListCards {
                amount: Some("10".into()),
                ..all()
            },
            vec![d, a],
        ),
        (
            ListCards {
                amount: Some("10.5".into()),
                ..all()
            },
            vec![],
        ),
        (
            ListCards {
                amount_type: Some(AmountKind::Random),
                ..all()
            },
            vec![b],
        ),
        (
            ListCards {
                amount_type: Some(AmountKind::Fixed),
                ..all()
            },
            vec![d, c, a],
        ),
        (
            ListCards {
                product_id: Some(4),
                ..all()
            },
            vec![d],
        ),
        (
            ListCards {
                definition_id: Some(9),
                ..all()
            },
            vec![d],
        ),
        (
            ListCards {
                origin: Some(CardOrigin::Admin),
                ..all()
            },
            vec![c, b, a],
        ),
        (
            ListCards {
                email: Some("ann@EXAMPLE.com".into()),
                ..all()
            },
            vec![a],
        ),
        (
            ListCards {
                email: Some("BUYER@shop.com".into()),
                ..all()
            },
            vec![d],
        ),
    ] {
        let listed = list(&mut env, filter.clone());
        assert_eq!(listed, expected, "{filter:?}");
    }

    for (field, descending, expected) in [
        (CardSortField::Id, false, [a, b, c, d]),
        (CardSortField::CreatedAt, true, [d, c, b, a]),
        // Expiry: c (5 days), a (10 days), then the never-expiring by id.
        (CardSortField::ExpiresAt, false, [c, a, b, d]),
        (CardSortField::ExpiresAt, true, [a, c, d, b]),
        // Status names: active (a, b, d) before disabled (c).
        (CardSortField::Status, false, [a, b, d, c]),
        // Balance: 10 JPY (raw 10) < 10.00 USD (1000) < b (≥1250) < 30.00.
        (CardSortField::InitialValue, true, [c, b, a, d]),
        (CardSortField::Balance, false, [d, a, b, c]),
    ] {
        let sort = Some(CardSort { field, descending });
        let sorted = list(&mut env, ListCards { sort, ..all() });
        assert_eq!(sorted, expected, "{field:?}, descending: {descending}");
    }
    // Paging keeps the order.
    let page2 = list(
        &mut env,
        ListCards {
            sort: Some(CardSort {
                field: CardSortField::Id,
                descending: false,
            }),
            page: PageRequest {
                page: 2,
                page_size: 3,
            },
            ..all()
        },
    );
    assert_eq!(page2, [d]);
}

/// Every cell a spreadsheet would run as a formula is prefixed with `'`
/// (OWASP's CSV-injection advice), whatever field it came from.
#[test]
fn export_neutralises_formula_cells() {
    let mut env = env();
    let payloads = [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+1+1",
        "-2+3",
        "@SUM(A1)",
    ];
    for (i, payload) in payloads.iter().enumerate() {
        create(
            &mut env,
            CreateCard {
                customer_id: Some((*payload).into()),
                ..request(&format!("{}", i + 1))
            },
        )
        .unwrap();
    }
    // An email address may start with `=` or `+` too.
    let mail = create(
        &mut env,
        CreateCard {
            recipient_email: Some("=cmd@x.com".into()),
            ..request("9")
        },
    )
    .unwrap();
    let csv = env
        .call(|e| {
            api::export_cards(
                e,
                ExportRequest {
                    filter: ListCards::default(),
                    include_codes: false,
                    admin_user: "alice".into(),
                },
            )
        })
        .unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    for payload in payloads {
        assert!(
            rows.iter().any(|r| r[10] == format!("'{payload}")),
            "{payload} not neutralised in {csv}"
        );
    }
    let row = rows
        .iter()
        .find(|r| r[0] == mail.summary.id.to_string())
        .unwrap();
    assert_eq!(&row[11], "'=cmd@x.com");
    for row in &rows {
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "cell {cell:?} can run as a formula"
            );
        }
    }
    for (cell, safe) in [
        ("\tx", "'\\u{9}x"),
        ("\rx", "'\\u{d}x"),
        ("a\r\nb", "a\\u{d}\\u{a}b"),
        ("-\u{202e}", "'-\\u{202e}"),
        ("10.00", "10.00"),
        ("", ""),
        ("a=b", "a=b"),
    ] {
        assert_eq!(neutralise_formula(cell), safe);
    }
}

/// Parts cover every matching card exactly once, in the export's
/// order, with the header only in the first; one answer is capped.
#[test]
fn export_parts_cover_every_card_once() {
    let mut env = env();
    let ids: Vec<CardId> = (1..=7)
        .map(|i| card(&mut env, &i.to_string()).summary.id)
        .collect();
    let request = ExportRequest {
        filter: ListCards {
            sort: Some(CardSort {
                field: CardSortField::Id,
                descending: false,
            }),
            ..Default::default()
        },
        include_codes: false,
        admin_user: "alice".into(),
    };
    let mut seen = Vec::new();
    let mut offset = 0;
    let mut parts = 0;
    loop {
        let part = env
            .call(|e| {
                api::export_part(
                    e,
                    ExportPartRequest {
                        export: request.clone(),
                        offset,
                        limit: 3,
                    },
                )
            })
            .unwrap();
        parts += 1;
        assert_eq!(part.total, 7);
        assert_eq!(part.csv.starts_with("id,code,"), offset == 0);
        for line in part
            .csv
            .split("\r\n")
            .filter(|l| !l.is_empty() && !l.starts_with("id,"))
        {
            seen.push(line.split(',').next().unwrap().parse::<CardId>().unwrap());
        }
        assert_eq!(part.cards as usize, if parts < 3 { 3 } else { 1 });
        match part.next_offset {
            Some(next) => offset = next,
            None => break,
        }
    }
    assert_eq!(parts, 3);
    assert_eq!(seen, ids);
    // Every part is logged with what it held.
    let logged: (i64, i64) = env
        .db
        .conn
        .query_row(
            "SELECT COUNT(*), SUM(card_count) FROM gc_card_exports",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(logged, (3, 7));
    let too_big = env.call(|e| {
        api::export_part(
            e,
            ExportPartRequest {
                export: request.clone(),
                offset: 0,
                limit: 10_001,
            },
        )
    });
    assert!(matches!(too_big, Err(Error::InvalidArgument(m)) if m.contains("limit")));
}

#[test]
fn export_is_csv_with_masked_codes_unless_asked() {
    let mut env = env();
    let a = create(
        &mut env,
        CreateCard {
            code: Some("ALPHA-0001".into()),
            recipient_email: Some("a@x.com".into()),
            max_uses: Some(2),
            validity_days: Some(1),
            ..request("10")
        },
    )
    .unwrap();
    let b = create(
        &mut env,
        CreateCard {
            code: Some("BETA-0002".into()),
            customer_id: Some("cust, \"quoted\"".into()),
            ..request("5")
        },
    )
    .unwrap();
    let export = |env: &mut NativeEnv, include_codes| {
        env.call(|e| {
            api::export_cards(
                e,
                ExportRequest {
                    filter: ListCards {
                        page: PageRequest {
                            page: 9,
                            page_size: 1,
                        },
                        ..Default::default()
                    },
                    include_codes,
                    admin_user: "alice".into(),
                },
            )
        })
        .unwrap()
    };
    let masked = export(&mut env, false);
    let lines: Vec<&str> = masked.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "id,code,status,balance,initial_value,currency,amount_type,uses,max_uses,expires_at,\
         customer_id,recipient_email,purchaser_email,product_id,definition_id,origin,order_id,created_at"
    );
    assert_eq!(
        lines[1],
        format!(
            "{},****-0002,active,5.00,5.00,USD,fixed,0,unlimited,,\"cust, \"\"quoted\"\"\",,,,,admin,,{}",
            b.summary.id, b.summary.created_at
        )
    );
    assert_eq!(
        lines[2],
        format!(
            "{},*****-0001,active,10.00,10.00,USD,fixed,0,2,{},,a@x.com,,,,admin,,{}",
            a.summary.id,
            a.summary.expires_at.as_deref().unwrap(),
            a.summary.created_at
        )
    );
    assert_eq!(lines[3], "");
    assert_eq!(lines.len(), 4, "every card, whatever the page");
    let full = export(&mut env, true);
    assert!(full.contains(",ALPHA-0001,"));
    assert!(!masked.contains("ALPHA"));
    let logged: i64 = crate::testing::scalar(
        &env,
        "SELECT COUNT(*) FROM gc_card_exports WHERE include_codes = 1",
    );
    assert_eq!(logged, 1);
}

#[test]
fn detail_has_the_whole_ledger_and_the_orders() {
    let mut env = env();
    let c = card(&mut env, "100");
    for _ in 0..600 {
        env.call(|e| api::top_up(e, top_up_req(c.summary.id, given_usd("0.01"), None)))
            .unwrap();
    }
    pay_order(&mut env, c.summary.id, "100000009", 500);
    let d = env
        .call(|e| api::card_detail(e, &CardRef::Id(c.summary.id)))
        .unwrap();
    assert_eq!(d.history.len(), 602);
    assert_eq!(d.history[0].action, HistoryAction::Created);
    assert_eq!(d.history[601].action, HistoryAction::Redeemed);
    assert_eq!(d.orders, ["100000009"]);
    assert_eq!(d.card.summary.balance, usd("101.00"));
    assert_eq!(d.card.code, c.code);
}
