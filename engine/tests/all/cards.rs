//! Native tests of the card rules, through the same `api` functions the
//! component exports, each call in its own transaction as a host would run it.

use giftcard_engine::cards::ledger;
use giftcard_engine::storage::schema;
use giftcard_engine::storage::sqlite::NativeEnv;
use giftcard_engine::storage::time;
use giftcard_engine::testing::{self, T0, given_usd, rows_of, usd};
use giftcard_engine::*;

fn env() -> NativeEnv {
    NativeEnv::in_memory(T0, 7)
}

fn create(env: &mut NativeEnv, amount: &str) -> Result<Card> {
    create_with(env, request(amount))
}

/// `create` of a request built by the test.
fn create_with(env: &mut NativeEnv, req: CreateCard) -> Result<Card> {
    env.call(|e| api::create_card(e, req))
}

fn request(amount: &str) -> CreateCard {
    CreateCard::new(given_usd(amount), "alice")
}

fn adjust(env: &mut NativeEnv, id: CardId, amount: &str) -> Result<Card> {
    env.call(|e| {
        api::adjust_balance(
            e,
            AdjustBalance {
                card: CardRef::Id(id),
                amount: given_usd(amount),
                comment: "test".into(),
                admin_user: "alice".into(),
                reference: None,
            },
        )
    })
}

fn set_status(env: &mut NativeEnv, id: CardId, enable: bool) -> Result<Card> {
    let req = SetStatus {
        card: CardRef::Id(id),
        comment: None,
        admin_user: "alice".into(),
    };
    env.call(|e| {
        if enable {
            api::enable_card(e, req)
        } else {
            api::disable_card(e, req)
        }
    })
}

/// Everything in the database, for "writes nothing" checks.
fn snapshot(env: &mut NativeEnv) -> Vec<String> {
    rows_of(
        env,
        &["gc_cards", "gc_history", "gc_sequences", "gc_settings"],
    )
}

fn ledger_sum(env: &mut NativeEnv, id: CardId) -> i64 {
    env.call(|e| ledger::sum(e, id)).unwrap()
}

#[test]
fn create_writes_card_and_created_row() {
    let mut env = env();
    let card = create(&mut env, "50").unwrap();
    assert_eq!(card.summary.balance, usd("50.00"));
    assert_eq!(card.summary.initial_value, usd("50.00"));
    assert_eq!(card.summary.status, CardStatus::Active);
    assert!(card.code.starts_with("GC-"));
    assert_eq!(card.summary.expires_at, None);
    let history = env
        .call(|e| api::card_history(e, &CardRef::Id(card.summary.id), PageRequest::default()))
        .unwrap();
    assert_eq!(history.total, 1);
    let row = &history.entries[0];
    assert_eq!(row.action, HistoryAction::Created);
    assert_eq!(row.amount, usd("50.00"));
    assert_eq!(row.balance_before, usd("0.00"));
    assert_eq!(row.balance_after, usd("50.00"));
    assert_eq!(row.actor, Actor::Admin("alice".into()));
}

#[test]
fn lookup_normalizes_the_code() {
    let mut env = env();
    let card = create(&mut env, "10").unwrap();
    let messy = format!("  {}  ", card.code.to_lowercase().replace('-', " "));
    let found = env
        .call(|e| api::get_card(e, &CardRef::Code(messy)))
        .unwrap();
    assert_eq!(found.summary.id, card.summary.id);
}

#[test]
fn adjust_moves_status_with_balance_and_ledger_follows() {
    let mut env = env();
    let card = create(&mut env, "20").unwrap();
    let used = adjust(&mut env, card.summary.id, "-20").unwrap();
    assert_eq!(used.summary.status, CardStatus::Used);
    assert_eq!(used.summary.balance, usd("0.00"));
    let err = adjust(&mut env, card.summary.id, "-0.01").unwrap_err();
    assert_eq!(
        err,
        Error::InsufficientBalance {
            available: usd("0.00")
        }
    );
    let back = adjust(&mut env, card.summary.id, "5.25").unwrap();
    assert_eq!(back.summary.status, CardStatus::Active);
    assert_eq!(back.summary.balance, usd("5.25"));
    assert_eq!(ledger_sum(&mut env, card.summary.id), 525);
}

#[test]
fn disabled_cards_refuse_adjustment_and_enable_restores_status() {
    let mut env = env();
    let card = create(&mut env, "20").unwrap();
    assert_eq!(
        set_status(&mut env, card.summary.id, false)
            .unwrap()
            .summary
            .status,
        CardStatus::Disabled
    );
    let before = snapshot(&mut env);
    assert!(matches!(
        adjust(&mut env, card.summary.id, "5"),
        Err(Error::InvalidStatus {
            status: CardStatus::Disabled,
            ..
        })
    ));
    assert!(matches!(
        set_status(&mut env, card.summary.id, false),
        Err(Error::InvalidStatus { .. })
    ));
    assert_eq!(snapshot(&mut env), before);
    assert_eq!(
        set_status(&mut env, card.summary.id, true)
            .unwrap()
            .summary
            .status,
        CardStatus::Active
    );
    assert!(matches!(
        set_status(&mut env, card.summary.id, true),
        Err(Error::InvalidStatus {
            status: CardStatus::Active,
            ..
        })
    ));
}

#[test]
fn expiry_is_reported_and_blocks_adjustment() {
    let mut env = env();
    let mut req = request("30");
    req.validity_days = Some(10);
    let card = create_with(&mut env, req).unwrap();
    assert_eq!(
        card.summary.expires_at.as_deref(),
        Some(time::format(T0 + 10 * time::DAY).as_str())
    );
    env.now += 10 * time::DAY;
    let expired = env
        .call(|e| api::get_card(e, &CardRef::Id(card.summary.id)))
        .unwrap();
    assert_eq!(expired.summary.status, CardStatus::Expired);
    assert!(matches!(
        adjust(&mut env, card.summary.id, "1"),
        Err(Error::InvalidStatus {
            status: CardStatus::Expired,
            ..
        })
    ));
    let listed = testing::cards_with_status(&mut env, CardStatus::Expired);
    assert_eq!(listed.total, 1);
}

#[test]
fn default_validity_comes_from_settings() {
    let mut env = env();
    testing::configure(
        &mut env,
        SettingsUpdate {
            default_validity_days: Some(365),
            code_prefix: Some("shop".into()),
            ..Default::default()
        },
    );
    let card = create(&mut env, "10").unwrap();
    assert_eq!(
        card.summary.expires_at,
        Some(time::format(T0 + 365 * time::DAY))
    );
    assert!(card.code.starts_with("SHOP-"));
    let mut never = request("10");
    never.validity_days = Some(0);
    assert_eq!(
        create_with(&mut env, never).unwrap().summary.expires_at,
        None
    );
}

/// Which error a bad request must get.
type ErrorCheck = fn(&Error) -> bool;

#[test]
fn bad_input_gets_typed_errors_and_writes_nothing() {
    let mut env = env();
    let card = create(&mut env, "10").unwrap();
    set_status(&mut env, card.summary.id, false).unwrap();
    let before = snapshot(&mut env);

    let mut cases: Vec<(CreateCard, ErrorCheck)> = Vec::new();
    for amount in [
        "0",
        "-5",
        "10.001",
        "1e3",
        "ten",
        "100000000000",
        "1234567890123456789012345678901234",
    ] {
        cases.push((request(amount), |e| matches!(e, Error::InvalidAmount(_))));
    }
    let mut r = request("10");
    r.amount.currency = "XYZ".into();
    cases.push((r, |e| matches!(e, Error::UnknownCurrency(_))));
    let mut r = request("10");
    r.expires_at = Some("2020-01-01T00:00:00Z".into());
    cases.push((r, |e| matches!(e, Error::InvalidExpiry(_))));
    let mut r = request("10");
    r.expires_at = Some("tomorrow".into());
    cases.push((r, |e| matches!(e, Error::InvalidExpiry(_))));
    let mut r = request("10");
    r.code = Some("BAD CODE!".into());
    cases.push((r, |e| matches!(e, Error::InvalidCode(_))));
    let mut r = request("10");
    r.code = Some("X".repeat(300));
    cases.push((r, |e| matches!(e, Error::InvalidCode(_))));
    let mut r = request("10");
    r.code = Some(card.code.to_lowercase());
    cases.push((r, |e| *e == Error::CodeTaken));
    let mut r = request("10");
    r.admin_user = " ".into();
    cases.push((r, |e| matches!(e, Error::InvalidArgument(_))));
    for (req, expected) in cases {
        let label = format!("{req:?}");
        let err = create_with(&mut env, req).unwrap_err();
        assert!(expected(&err), "{label}: got {err:?}");
    }
    let unknown = env.call(|e| api::get_card(e, &CardRef::Code("GC-NOPE-NOPE-NOPE-NOPE".into())));
    assert_eq!(unknown.unwrap_err(), Error::CardNotFound);
    assert_eq!(
        env.call(|e| api::get_card(e, &CardRef::Id(999)))
            .unwrap_err(),
        Error::CardNotFound
    );
    assert!(matches!(
        adjust(&mut env, card.summary.id, "1"),
        Err(Error::InvalidStatus { .. })
    ));
    let wrong_currency = env.call(|e| {
        api::adjust_balance(
            e,
            AdjustBalance {
                card: CardRef::Id(card.summary.id),
                amount: GivenMoney::new("1", "EUR"),
                comment: "x".into(),
                admin_user: "a".into(),
                reference: None,
            },
        )
    });
    assert!(matches!(
        wrong_currency,
        Err(Error::CurrencyMismatch { .. })
    ));
    assert_eq!(snapshot(&mut env), before);
}

#[test]
fn adjust_and_create_are_idempotent_on_their_reference() {
    let mut env = env();
    let mut req = request("40");
    req.reference = Some("import-1".into());
    let first = create_with(&mut env, req.clone()).unwrap();
    let second = create_with(&mut env, req.clone()).unwrap();
    assert_eq!(first.summary.id, second.summary.id);
    let mut different = req;
    different.amount = given_usd("41");
    assert!(matches!(
        create_with(&mut env, different),
        Err(Error::InvalidArgument(_))
    ));
    let adjust_ref = |amount: &str| AdjustBalance {
        card: CardRef::Id(first.summary.id),
        amount: given_usd(amount),
        comment: "goodwill".into(),
        admin_user: "bob".into(),
        reference: Some("ticket-9".into()),
    };
    env.call(|e| api::adjust_balance(e, adjust_ref("5")))
        .unwrap();
    let again = env
        .call(|e| api::adjust_balance(e, adjust_ref("5")))
        .unwrap();
    assert_eq!(again.summary.balance, usd("45.00"));
    assert!(matches!(
        env.call(|e| api::adjust_balance(e, adjust_ref("6"))),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(ledger_sum(&mut env, first.summary.id), 4500);
}

#[test]
fn list_filters_pages_and_masks() {
    let mut env = env();
    let mut ids = Vec::new();
    for i in 0..7 {
        let mut req = request("10");
        if i % 2 == 0 {
            req.customer_id = Some("cust-1".into());
        }
        ids.push(create_with(&mut env, req).unwrap());
    }
    adjust(&mut env, ids[0].summary.id, "-10").unwrap();
    let page = env
        .call(|e| {
            api::list_cards(
                e,
                ListCards {
                    customer_id: Some("cust-1".into()),
                    page: PageRequest {
                        page: 1,
                        page_size: 3,
                    },
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert_eq!(page.total, 4);
    assert_eq!(page.cards.len(), 3);
    assert!(page.cards.iter().all(|c| c.masked_code.contains("****")));
    let used = testing::cards_with_status(&mut env, CardStatus::Used);
    assert_eq!(used.total, 1);
    assert_eq!(used.cards[0].id, ids[0].summary.id);
    let fragment = ids[3].code[ids[3].code.len() - 9..].to_lowercase();
    let by_code = env
        .call(|e| {
            api::list_cards(
                e,
                ListCards {
                    code: Some(fragment),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert_eq!(by_code.cards[0].id, ids[3].summary.id);
    assert!(matches!(
        env.call(|e| api::list_cards(
            e,
            ListCards {
                code: Some("%".into()),
                ..Default::default()
            }
        )),
        Err(Error::InvalidCode(_))
    ));
}

#[test]
fn calls_before_migrate_say_not_migrated() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let mut env = NativeEnv::new(conn, T0, 1);
    assert_eq!(create(&mut env, "5").unwrap_err(), Error::NotMigrated);
    let report = env.call(|e| api::migrate(e)).unwrap();
    assert_eq!(
        (report.from_version, report.to_version),
        (0, schema::latest_version())
    );
    let again = env.call(|e| api::migrate(e)).unwrap();
    assert!(again.applied.is_empty());
    create(&mut env, "5").unwrap();
}

#[test]
fn balance_checks_are_generic_and_rate_limited() {
    let mut env = env();
    let active = create(&mut env, "12.50").unwrap();
    let disabled = create(&mut env, "5").unwrap();
    set_status(&mut env, disabled.summary.id, false).unwrap();
    let used = create(&mut env, "5").unwrap();
    adjust(&mut env, used.summary.id, "-5").unwrap();
    let ask = |env: &mut NativeEnv, code: &str, key: &str| {
        env.call(|e| {
            api::check_balance(
                e,
                BalanceRequest {
                    code: code.into(),
                    client_key: key.into(),
                    customer_id: None,
                },
            )
        })
        .unwrap()
    };
    match ask(&mut env, &active.code, "k1") {
        BalanceAnswer::Found(info) => {
            assert_eq!(info.balance, usd("12.50"));
            assert!(info.masked_code.contains('*'));
        }
        other => panic!("{other:?}"),
    }
    for code in [
        disabled.code.as_str(),
        used.code.as_str(),
        "GC-ZZZZ-ZZZZ-ZZZZ-ZZZZ",
        "??",
    ] {
        assert_eq!(ask(&mut env, code, "k1"), BalanceAnswer::NotAvailable);
    }
    // k1 has made 5 attempts; 5 more are allowed, the 11th is refused.
    for i in 0..5 {
        env.now += 1;
        assert_ne!(
            ask(&mut env, "WRONG", "k1"),
            BalanceAnswer::RateLimited {
                retry_after_seconds: 0
            },
            "{i}"
        );
    }
    env.now += 1;
    assert!(matches!(
        ask(&mut env, &active.code, "k1"),
        BalanceAnswer::RateLimited { .. }
    ));
    // Another client is not affected.
    assert!(matches!(
        ask(&mut env, &active.code, "k2"),
        BalanceAnswer::Found(_)
    ));
    // The first five attempts were at T0; a minute later one more is allowed.
    env.now = T0 + 60;
    assert!(matches!(
        ask(&mut env, &active.code, "k1"),
        BalanceAnswer::Found(_)
    ));
    assert!(matches!(
        ask(&mut env, &active.code, "k1"),
        BalanceAnswer::Found(_)
    ));
}

/// Free-text fields refuse control characters (and the Unicode line
/// separators and bidirectional overrides), naming the field, and write
/// nothing: a CR/LF in a name can never forge a line in an email or a log,
/// an ESC never reaches a terminal. Only multi-line texts keep line breaks.
#[test]
fn free_text_refuses_control_characters() {
    let mut env = env();
    let card = create(&mut env, "10").unwrap();
    let hostile = [
        "Ann\r\nBcc: evil@example.com",
        "line\nbreak",
        "\u{1b}[2Jwiped",
        "tab\there",
        "nul\0byte",
        "del\u{7f}",
        "c1\u{85}next-line",
        "rtl\u{202e}gnp.exe",
        "sep\u{2028}arator",
    ];
    for text in hostile {
        let before = snapshot(&mut env);
        let fields: [(&str, Result<Card>); 5] = [
            (
                "recipient-name",
                create_with(
                    &mut env,
                    CreateCard {
                        recipient_name: Some(text.into()),
                        ..request("5")
                    },
                ),
            ),
            (
                "comment",
                create_with(
                    &mut env,
                    CreateCard {
                        comment: Some(text.into()),
                        ..request("5")
                    },
                ),
            ),
            (
                "customer-id",
                create_with(
                    &mut env,
                    CreateCard {
                        customer_id: Some(text.into()),
                        ..request("5")
                    },
                ),
            ),
            (
                "admin-user",
                create_with(&mut env, CreateCard::new(given_usd("5"), text)),
            ),
            (
                "comment",
                env.call(|e| {
                    api::adjust_balance(
                        e,
                        AdjustBalance {
                            card: CardRef::Id(card.summary.id),
                            amount: given_usd("1"),
                            comment: text.into(),
                            admin_user: "alice".into(),
                            reference: None,
                        },
                    )
                }),
            ),
        ];
        for (field, result) in fields {
            match result {
                Err(Error::InvalidArgument(m)) => assert!(
                    m.starts_with(field) && m.contains("control characters"),
                    "{field}: {m}"
                ),
                other => panic!("{field} = {text:?} was not refused: {other:?}"),
            }
        }
        let shop_name = env.call(|e| {
            api::configure(
                e,
                SettingsUpdate {
                    shop_name: Some(format!("Shop {text}")),
                    ..Default::default()
                },
            )
        });
        assert!(
            matches!(shop_name, Err(Error::InvalidSettings(_))),
            "{shop_name:?}"
        );
        assert_eq!(snapshot(&mut env), before, "{text:?} wrote something");
    }
}

/// The gift message keeps its line breaks; every other purchase field, and
/// any other control character in the message, is refused with the field's
/// name.
#[test]
fn a_gift_message_may_keep_line_breaks_and_nothing_else() {
    let mut env = env();
    let quote: Quote = serde_json::from_value(serde_json::json!({
        "id": "Q-1", "website": "main", "store": "default", "currency": "USD",
        "base_currency": "USD", "customer": null, "test": false, "lines": [],
        "shipping": "0", "shipping_tax": "0", "applied_codes": []
    }))
    .unwrap();
    let line = |purchase: serde_json::Value| -> Line {
        serde_json::from_value(serde_json::json!({
            "id": "1", "sku": "gift", "kind": "gift-card", "quantity": 1,
            "unit_price": "25", "row_total": "25", "discount": "0", "tax": "0",
            "gift_card": purchase
        }))
        .unwrap()
    };
    let check = |env: &mut NativeEnv, purchase: serde_json::Value| {
        env.call(|e| {
            api::check_add_line(
                e,
                AddLineRequest {
                    quote: quote.clone(),
                    line: line(purchase),
                    channel: Some(Channel::Admin),
                },
            )
        })
    };
    assert_eq!(
        check(
            &mut env,
            serde_json::json!({ "message": "Happy birthday,\nAna!\r\nLove, Ben" })
        ),
        Ok(())
    );
    for (purchase, field) in [
        (
            serde_json::json!({ "message": "Hi\u{1b}]8;;http://evil\u{7}" }),
            "line 1: message",
        ),
        (
            serde_json::json!({ "message": "lone\rreturn" }),
            "line 1: message",
        ),
        (
            serde_json::json!({ "sender_name": "Ben\r\nSubject: free money" }),
            "line 1: sender-name",
        ),
        (
            serde_json::json!({ "recipient_name": "Ana\nBcc: x@y.z" }),
            "line 1: recipient-name",
        ),
    ] {
        match check(&mut env, purchase.clone()) {
            Err(Error::InvalidArgument(m)) => assert!(m.starts_with(field), "{m}"),
            other => panic!("{purchase} was not refused: {other:?}"),
        }
    }
}
