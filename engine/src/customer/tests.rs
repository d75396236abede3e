use super::*;
use crate::cards::{CardContext, CardExtras, NewCard};
use crate::model::CardOrigin;
use crate::storage::sqlite::NativeEnv;
use crate::testing::{self, T0, count, usd};

fn env() -> NativeEnv {
    NativeEnv::in_memory(T0, 3)
}

struct Spec {
    code: &'static str,
    cents: i64,
    customer: Option<&'static str>,
    test: bool,
    expires_at: Option<i64>,
    extras: CardExtras,
    origin: CardOrigin,
    order_id: Option<&'static str>,
}

fn spec(code: &'static str, cents: i64) -> Spec {
    Spec {
        code,
        cents,
        customer: None,
        test: false,
        expires_at: None,
        extras: CardExtras::default(),
        origin: CardOrigin::Admin,
        order_id: None,
    }
}

fn card(env: &mut NativeEnv, s: Spec) -> StoredCard {
    let new = NewCard {
        code: Some(code::custom(s.code).unwrap()),
        expires_at: s.expires_at,
        context: CardContext {
            customer_id: s.customer.map(Into::into),
            comment: Some("staff note".into()),
            test: s.test,
            order_id: s.order_id.map(Into::into),
            ..CardContext::of(s.origin)
        },
        reference: Some(format!("ext-{}", s.code)),
        extras: s.extras,
        ..testing::new_card(s.cents, "USD")
    };
    testing::insert_card(env, new)
}

fn redeem(env: &mut NativeEnv, code: &str, customer: &str, key: &str) -> Result<RedeemAnswer> {
    env.call(|e| {
        crate::api::redeem_to_account(
            e,
            RedeemRequest {
                code: code.into(),
                customer_id: customer.into(),
                client_key: key.into(),
            },
        )
    })
}

/// A balance request for `code` from `key`, by `customer` if any.
fn ask(code: &str, key: &str, customer: Option<&str>) -> BalanceRequest {
    BalanceRequest {
        code: code.into(),
        client_key: key.into(),
        customer_id: customer.map(Into::into),
    }
}

fn check(env: &mut NativeEnv, code: &str, key: &str) -> BalanceAnswer {
    env.call(|e| crate::api::check_balance(e, ask(code, key, None)))
        .unwrap()
}

fn public(env: &mut NativeEnv, code: &str, key: &str) -> PublicAnswer {
    env.call(|e| crate::api::public_balance(e, ask(code, key, None)))
        .unwrap()
}

fn check_as(env: &mut NativeEnv, code: &str, key: &str, customer: &str) -> BalanceAnswer {
    env.call(|e| crate::api::check_balance(e, ask(code, key, Some(customer))))
        .unwrap()
}

fn public_as(env: &mut NativeEnv, code: &str, key: &str, customer: &str) -> PublicAnswer {
    env.call(|e| crate::api::public_balance(e, ask(code, key, Some(customer))))
        .unwrap()
}

fn attempts(env: &mut NativeEnv) -> i64 {
    count(env, "gc_balance_checks")
}

fn stored(env: &mut NativeEnv, id: CardId) -> StoredCard {
    env.call(|e| cards::load(e, &CardRef::Id(id))).unwrap()
}

#[test]
fn redeem_moves_the_whole_balance_once() {
    let mut env = env();
    let c = card(&mut env, spec("ACCT-0001", 2_550));
    let RedeemAnswer::Redeemed(r) = redeem(&mut env, "acct 0001", "cust-1", "k").unwrap() else {
        panic!("not redeemed")
    };
    assert_eq!(r.amount, usd("25.50"));
    assert_eq!(r.masked_code, c.masked_code);
    let after = stored(&mut env, c.id);
    assert_eq!(after.balance, 0);
    assert_eq!(after.stored_status, CardStatus::Used);
    assert_eq!(after.uses, 1);
    let (rows, _) = env
        .call(|e| ledger::page(e, c.id, after.currency, PageRequest::default()))
        .unwrap();
    let last = rows.last().unwrap();
    assert_eq!(last.id, r.history_id);
    assert_eq!(last.action, HistoryAction::MovedToAccount);
    assert_eq!(last.amount, usd("-25.50"));
    assert_eq!(last.actor, Actor::Customer("cust-1".into()));
    assert_eq!(last.reference.as_deref(), Some("account:cust-1"));
    assert_eq!(
        redeem(&mut env, "ACCT-0001", "cust-1", "k").unwrap(),
        RedeemAnswer::NotAvailable
    );
}

#[test]
fn permission_off_refuses_before_counting() {
    let mut env = env();
    card(&mut env, spec("ACCT-0002", 1_000));
    env.call(|e| {
        settings::configure(
            e,
            crate::SettingsUpdate {
                customers_may_use_cards: Some(false),
                ..Default::default()
            },
        )
    })
    .unwrap();
    assert_eq!(
        redeem(&mut env, "ACCT-0002", "cust-1", "k"),
        Err(Error::PermissionDenied)
    );
    assert_eq!(attempts(&mut env), 0);
}

#[test]
fn every_unusable_card_gets_the_generic_answer() {
    let mut env = env();
    let mut s = spec("OTHER-CUST2", 1_000);
    s.customer = Some("cust-2");
    card(&mut env, s);
    let mut s = spec("TEST-CARD1", 1_000);
    s.test = true;
    card(&mut env, s);
    let mut s = spec("OUT-OF-USES", 1_000);
    s.extras.max_uses = 0;
    card(&mut env, s);
    let mut s = spec("EXPIRES-SOON", 1_000);
    s.expires_at = Some(T0 + 10);
    card(&mut env, s);
    let mut s = spec("NO-DEFINITION", 1_000);
    s.extras.definition_id = Some(99);
    card(&mut env, s);
    env.now += 10;
    for code in [
        "OTHER-CUST2",
        "TEST-CARD1",
        "OUT-OF-USES",
        "EXPIRES-SOON",
        "NO-DEFINITION",
        "NEVER-ISSUED",
        "bad$code",
    ] {
        assert_eq!(
            redeem(&mut env, code, "cust-1", code).unwrap(),
            RedeemAnswer::NotAvailable,
            "{code}"
        );
    }
    // Restricted to cust-2: they may.
    assert!(matches!(
        redeem(&mut env, "OTHER-CUST2", "cust-2", "k").unwrap(),
        RedeemAnswer::Redeemed(_)
    ));
}

fn definition(env: &mut NativeEnv, id: i64, enabled: bool, min_order: Option<i64>) {
    crate::storage::sqlite::execute(
        &env.db.conn,
        "INSERT INTO gc_definitions (id, code_name, name, enabled, value, currency, \
         min_order_amount, target_kind, target_groups, currencies, required_skus, \
         shipping_countries, billing_countries, created_at) \
         VALUES (?1, ?2, 'D', ?3, 500, 'USD', ?4, 'everyone', '', '', '', '', '', 0)",
        &[
            Value::Integer(id),
            Value::Text(format!("d{id}")),
            Value::Integer(i64::from(enabled)),
            Value::from(min_order),
        ],
    )
    .unwrap();
}

#[test]
fn batch_codes_follow_their_definition() {
    let mut env = env();
    definition(&mut env, 1, true, None);
    definition(&mut env, 2, false, None);
    definition(&mut env, 3, true, Some(10_000));
    for (code, def) in [("BATCH-ONE1", 1), ("BATCH-TWO2", 2), ("BATCH-THREE", 3)] {
        let mut s = spec(code, 500);
        s.extras.definition_id = Some(def);
        s.origin = CardOrigin::Batch;
        card(&mut env, s);
    }
    assert!(matches!(
        redeem(&mut env, "BATCH-ONE1", "c", "k").unwrap(),
        RedeemAnswer::Redeemed(_)
    ));
    assert_eq!(
        redeem(&mut env, "BATCH-TWO2", "c", "k").unwrap(),
        RedeemAnswer::NotAvailable
    );
    assert_eq!(
        redeem(&mut env, "BATCH-THREE", "c", "k").unwrap(),
        RedeemAnswer::NotAvailable
    );
}

#[test]
fn invalid_arguments_write_nothing() {
    let mut env = env();
    card(&mut env, spec("ACCT-0003", 1_000));
    assert!(matches!(
        redeem(&mut env, "ACCT-0003", " ", "k"),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        redeem(&mut env, "ACCT-0003", "c", ""),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(attempts(&mut env), 0);
}

/// The limiter is a true sliding window shared by the three entry points:
/// 10 attempts in any 60 s, the 11th refused, one more allowed exactly
/// when the oldest is 60 s old (not when a fixed minute turns over).
#[test]
fn sliding_window_shared_by_every_customer_entry_point() {
    let mut env = env();
    card(&mut env, spec("SLIDE-0001", 1_000));
    card(&mut env, spec("SLIDE-0002", 1_000));
    // t0: 4 checks; t0+20: 3 public pages; t0+40: 2 wrong redeems, 1 check.
    for _ in 0..4 {
        assert!(matches!(
            check(&mut env, "SLIDE-0001", "ip"),
            BalanceAnswer::Found(_)
        ));
    }
    env.now += 20;
    for _ in 0..3 {
        assert!(matches!(
            public(&mut env, "SLIDE-0001", "ip"),
            PublicAnswer::Found(_)
        ));
    }
    env.now += 20;
    for _ in 0..2 {
        assert_eq!(
            redeem(&mut env, "NOPE-0000", "c", "ip").unwrap(),
            RedeemAnswer::NotAvailable
        );
    }
    assert!(matches!(
        check(&mut env, "SLIDE-0001", "ip"),
        BalanceAnswer::Found(_)
    ));
    // The 11th, at t0+40, whatever the entry point: retry when t0's age out.
    assert_eq!(
        redeem(&mut env, "SLIDE-0002", "c", "ip").unwrap(),
        RedeemAnswer::RateLimited {
            retry_after_seconds: 20
        }
    );
    assert_eq!(
        public(&mut env, "SLIDE-0001", "ip"),
        PublicAnswer::RateLimited {
            retry_after_seconds: 20
        }
    );
    // Refused attempts are not recorded, so they do not extend the wait.
    assert_eq!(attempts(&mut env), 10);
    env.now += 19; // t0+59: the oldest is 59 s old.
    assert_eq!(
        check(&mut env, "SLIDE-0001", "ip"),
        BalanceAnswer::RateLimited {
            retry_after_seconds: 1
        }
    );
    env.now += 1; // t0+60: the four t0 attempts are a minute old.
    for _ in 0..4 {
        assert!(matches!(
            check(&mut env, "SLIDE-0001", "ip"),
            BalanceAnswer::Found(_)
        ));
    }
    // Full again: the t0+20 ones leave at t0+80.
    assert_eq!(
        check(&mut env, "SLIDE-0001", "ip"),
        BalanceAnswer::RateLimited {
            retry_after_seconds: 20
        }
    );
    // Another key is unaffected.
    assert!(matches!(
        redeem(&mut env, "SLIDE-0002", "c", "other").unwrap(),
        RedeemAnswer::Redeemed(_)
    ));
}

fn order_row(env: &mut NativeEnv, order: &str, customer: &str) {
    crate::storage::sqlite::execute(
        &env.db.conn,
        "INSERT INTO gc_orders (order_id, website, currency, base_currency, customer_id, \
         is_test, cards_cover_shipping, total_before_cards, gift_card_amount, placed_at) \
         VALUES (?1, 'main', 'USD', 'USD', ?2, 0, 1, 0, 0, ?3)",
        &[
            Value::from(order),
            Value::from(customer),
            Value::Integer(T0),
        ],
    )
    .unwrap();
}

fn pay(env: &mut NativeEnv, order: &str, card: &StoredCard, cents: i64) {
    env.call(|e| {
        crate::cards::movements::debit(
            e,
            card,
            cents,
            &format!("order:{order}"),
            &Actor::System,
            "Order",
        )
    })
    .unwrap()
    .unwrap();
}

/// The first page (of ten) of `customer`'s cards.
fn mine(customer: &str) -> MyCardsRequest {
    MyCardsRequest {
        customer_id: customer.into(),
        page: PageRequest {
            page: 1,
            page_size: 10,
        },
    }
}

fn bought(env: &mut NativeEnv, customer: &str) -> BoughtCardsPage {
    env.call(|e| crate::api::my_bought_cards(e, mine(customer)))
        .unwrap()
}

fn used(env: &mut NativeEnv, customer: &str) -> CardUsesPage {
    env.call(|e| crate::api::my_used_cards(e, mine(customer)))
        .unwrap()
}

#[test]
fn bought_and_used_cards() {
    let mut env = env();
    order_row(&mut env, "ORD-1", "cust-1");
    order_row(&mut env, "ORD-2", "cust-1");
    // cust-1 bought two cards: one names them as purchaser, one came
    // from their order before purchasers were recorded on cards.
    let mut s = spec("BOUGHT-0001", 5_000);
    s.extras.purchaser_customer_id = Some("cust-1".into());
    s.extras.recipient_email = Some("zoe@example.com".into());
    s.origin = CardOrigin::Purchase;
    let b1 = card(&mut env, s);
    env.now += 5;
    let mut s = spec("BOUGHT-0002", 2_500);
    s.origin = CardOrigin::Purchase;
    s.order_id = Some("ORD-1");
    let b2 = card(&mut env, s);
    let mut s = spec("NOT-MINE-01", 2_500);
    s.extras.purchaser_customer_id = Some("cust-2".into());
    card(&mut env, s);
    // The recipient of b2 adds it to their account: b2 is now used.
    env.now += 5;
    assert!(matches!(
        redeem(&mut env, "BOUGHT-0002", "cust-3", "k").unwrap(),
        RedeemAnswer::Redeemed(_)
    ));
    // cust-1 pays ORD-2 with a card (a system actor: the order links it)
    // and adds another card to their account.
    let p = card(&mut env, spec("PAYS-00001", 1_000));
    env.now += 5;
    pay(&mut env, "ORD-2", &p, 400);
    let r = card(&mut env, spec("REDEEM-0001", 700));
    env.now += 5;
    assert!(matches!(
        redeem(&mut env, "REDEEM-0001", "cust-1", "k").unwrap(),
        RedeemAnswer::Redeemed(_)
    ));

    let mine = bought(&mut env, "cust-1");
    assert_eq!(mine.total, 2);
    let ids: Vec<_> = mine.cards.iter().map(|c| c.card_id).collect();
    assert_eq!(ids, vec![b2.id, b1.id]);
    assert!(mine.cards[0].used);
    assert_eq!(mine.cards[0].status, CardStatus::Used);
    assert!(!mine.cards[1].used);
    assert_eq!(mine.cards[1].status, CardStatus::Active);
    assert_eq!(
        mine.cards[1].recipient_email.as_deref(),
        Some("zoe@example.com")
    );
    assert_eq!(mine.cards[1].initial_value, usd("50.00"));

    let uses = used(&mut env, "cust-1");
    assert_eq!(uses.total, 2);
    assert_eq!(uses.uses[0].action, HistoryAction::MovedToAccount);
    assert_eq!(uses.uses[0].amount, usd("7.00"));
    assert_eq!(uses.uses[0].masked_code, r.masked_code);
    assert_eq!(uses.uses[0].order_id, None);
    assert_eq!(uses.uses[1].action, HistoryAction::Redeemed);
    assert_eq!(uses.uses[1].amount, usd("4.00"));
    assert_eq!(uses.uses[1].order_id.as_deref(), Some("ORD-2"));
    assert_eq!(uses.uses[1].at, time::format(T0 + 15));
    assert_eq!(used(&mut env, "cust-3").total, 1);
    assert_eq!(used(&mut env, "cust-2").total, 0);
    assert_eq!(bought(&mut env, "cust-3").total, 0);
}

#[test]
fn public_page_shows_orders_and_hides_everything_else() {
    let mut env = env();
    order_row(&mut env, "ORD-9", "cust-1");
    let c = card(&mut env, spec("PUBLIC-0001", 5_000));
    env.now += 60;
    pay(&mut env, "ORD-9", &c, 1_250);
    let PublicAnswer::Found(page) = public(&mut env, "public-0001", "k") else {
        panic!("not found")
    };
    assert_eq!(page.masked_code, c.masked_code);
    assert_eq!(page.balance, usd("37.50"));
    assert_eq!(page.expires_at, None);
    assert_eq!(page.transactions.len(), 2);
    let created = &page.transactions[0];
    assert_eq!(created.action, HistoryAction::Created);
    // Its reference is an idempotency key (`ext-PUBLIC-0001`): hidden.
    assert_eq!(created.order_reference, None);
    assert_eq!(created.amount, usd("50.00"));
    let spent = &page.transactions[1];
    assert_eq!(spent.action, HistoryAction::Redeemed);
    assert_eq!(spent.order_reference.as_deref(), Some("ORD-9"));
    assert_eq!(spent.amount, usd("-12.50"));
    assert_eq!(spent.at, time::format(T0 + 60));
    assert!(spent.id > created.id);
    // Generic for what is not active.
    let fresh = stored(&mut env, c.id);
    order_row(&mut env, "ORD-10", "cust-1");
    pay(&mut env, "ORD-10", &fresh, 3_750);
    assert_eq!(
        public(&mut env, "PUBLIC-0001", "k"),
        PublicAnswer::NotAvailable
    );
    assert_eq!(
        public(&mut env, "NEVER-0001", "k"),
        PublicAnswer::NotAvailable
    );
}

/// Ten checks from 203.0.113.7 use up every spelling of it: padded,
/// zero-filled, IPv4-mapped (dotted or hex), bracketed, with a port.
#[test]
fn spellings_of_one_address_share_one_allowance() {
    let mut env = env();
    card(&mut env, spec("SPELL-0001", 1_000));
    for _ in 0..10 {
        assert!(matches!(
            check(&mut env, "SPELL-0001", "203.0.113.7"),
            BalanceAnswer::Found(_)
        ));
    }
    for spelling in [
        "203.0.113.07",
        " 203.0.113.7",
        "203.000.113.007",
        "::ffff:203.0.113.7",
        "::FFFF:CB00:7107",
        "[::ffff:203.0.113.7]:443",
        "203.0.113.7:51234",
    ] {
        assert_eq!(
            check(&mut env, "SPELL-0001", spelling),
            BalanceAnswer::RateLimited {
                retry_after_seconds: 60
            },
            "{spelling}"
        );
        assert_eq!(
            public(&mut env, "SPELL-0001", spelling),
            PublicAnswer::RateLimited {
                retry_after_seconds: 60
            },
            "{spelling}"
        );
    }
    // One /64 is one subscriber; another /64 is someone else.
    for _ in 0..10 {
        check(&mut env, "SPELL-0001", "2001:db8:aa:1::1");
    }
    assert!(matches!(
        check(&mut env, "SPELL-0001", "[2001:DB8:AA:1:FFFF::9]:80"),
        BalanceAnswer::RateLimited { .. }
    ));
    assert!(matches!(
        check(&mut env, "SPELL-0001", "2001:db8:aa:2::1"),
        BalanceAnswer::Found(_)
    ));
    // Other keys are case-folded; distinct addresses stay distinct.
    for _ in 0..10 {
        check(&mut env, "SPELL-0001", "Session-ABC");
    }
    assert!(matches!(
        check(&mut env, "SPELL-0001", " session-abc "),
        BalanceAnswer::RateLimited { .. }
    ));
    assert!(matches!(
        check(&mut env, "SPELL-0001", "203.0.113.70"),
        BalanceAnswer::Found(_)
    ));
    let stored = crate::storage::sqlite::execute(
        &env.db.conn,
        "SELECT DISTINCT client_key FROM gc_balance_checks ORDER BY client_key",
        &[],
    )
    .unwrap();
    let keys: Vec<String> = stored
        .iter()
        .map(|r| r.text("client_key").unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "2001:db8:aa:1::/64",
            "2001:db8:aa:2::/64",
            "203.0.113.7",
            "203.0.113.70",
            "session-abc"
        ]
    );
}

#[test]
fn bad_keys_and_customer_ids_are_refused_and_write_nothing() {
    let mut env = env();
    card(&mut env, spec("BADKEY-0001", 1_000));
    let before = env.dump();
    for key in ["", "  ", "203.0.113.7\n", "a\tb", "k\u{200b}", "\u{7}"] {
        for result in [
            env.call(|e| {
                check_balance(
                    e,
                    BalanceRequest {
                        code: "BADKEY-0001".into(),
                        client_key: key.into(),
                        customer_id: None,
                    },
                )
            })
            .map(|_| ()),
            env.call(|e| {
                public_balance(
                    e,
                    BalanceRequest {
                        code: "BADKEY-0001".into(),
                        client_key: key.into(),
                        customer_id: Some("cust-1".into()),
                    },
                )
            })
            .map(|_| ()),
            redeem(&mut env, "BADKEY-0001", "cust-1", key).map(|_| ()),
        ] {
            assert!(
                matches!(&result, Err(Error::InvalidArgument(m)) if m.starts_with("client-key")),
                "{key:?}: {result:?}"
            );
        }
    }
    for customer in ["", " ", &"c".repeat(201)] {
        let result = env.call(|e| {
            check_balance(
                e,
                BalanceRequest {
                    code: "BADKEY-0001".into(),
                    client_key: "k".into(),
                    customer_id: Some(customer.to_owned()),
                },
            )
        });
        assert!(
            matches!(&result, Err(Error::InvalidArgument(m)) if m.starts_with("customer-id")),
            "{customer:?}: {result:?}"
        );
    }
    assert_eq!(env.dump(), before);
}

/// 100,000 attempts from distinct keys, ten a second: each purges what
/// has left the minute, so the table never holds more than the last
/// 60 seconds' 600 attempts (it used to keep every key forever).
#[test]
fn the_attempt_table_holds_only_the_recent_window() {
    let mut env = env();
    let mut largest = 0;
    for n in 0..100_000i64 {
        if n % 10 == 0 {
            env.now += 1;
        }
        let key = format!("client-{n}");
        let limited = env.call(|e| take_attempt(e, &key, None)).unwrap();
        assert_eq!(limited, None);
        if n % 97 == 0 || n > 99_900 {
            largest = largest.max(attempts(&mut env));
        }
    }
    assert!(largest <= 600, "{largest}");
    assert!(largest >= 590, "{largest}");
    assert!(attempts(&mut env) <= 600);
}

/// Failures are purged by the hour likewise.
#[test]
fn the_failure_table_holds_only_the_recent_hour() {
    let mut env = env();
    for n in 0..5_000i64 {
        env.now += 2;
        let customer = format!("cust-{n}");
        env.call(|e| record_failed_lookup(e, Some(&customer)))
            .unwrap();
        assert!(count(&mut env, "gc_failed_lookups") <= 1_800);
    }
    assert_eq!(count(&mut env, "gc_failed_lookups"), 1_800);
    env.call(|e| record_failed_lookup(e, None)).unwrap();
    assert_eq!(count(&mut env, "gc_failed_lookups"), 1_800);
}

/// Ten failed lookups in an hour, across the balance check, the public
/// page and redeem-to-account and from different keys, and the customer
/// is limited for everything, good codes included, until the first is
/// an hour old; successes never count; guests and other customers are
/// not affected; a limited answer records nothing.
#[test]
fn failed_lookups_per_customer_per_hour() {
    let mut env = env();
    card(&mut env, spec("GOOD-0001", 1_000));
    card(&mut env, spec("GOOD-0002", 1_000));
    let mut s = spec("NOT-YOURS-01", 1_000);
    s.customer = Some("someone-else");
    card(&mut env, s);
    // Successes by the same customer: never counted.
    for _ in 0..5 {
        assert!(matches!(
            check_as(&mut env, "GOOD-0001", "ip-a", "dana"),
            BalanceAnswer::Found(_)
        ));
    }
    // t0: 4 wrong checks; t0+600: 3 wrong public pages; t0+1200: 3
    // unusable redeems (restricted to someone else, malformed).
    for _ in 0..4 {
        assert_eq!(
            check_as(&mut env, "WRONG-0000", "ip-b", "dana"),
            BalanceAnswer::NotAvailable
        );
    }
    env.now += 600;
    for _ in 0..3 {
        assert_eq!(
            public_as(&mut env, "WRONG-0001", "ip-c", "dana"),
            PublicAnswer::NotAvailable
        );
    }
    env.now += 600;
    for code in ["NOT-YOURS-01", "NOT-YOURS-01", "bad$code"] {
        assert_eq!(
            redeem(&mut env, code, "dana", "ip-d").unwrap(),
            RedeemAnswer::NotAvailable
        );
    }
    assert_eq!(count(&mut env, "gc_failed_lookups"), 10);
    // The 11th, from a fresh key and with a good code: limited until t0's
    // four failures leave the hour (2400 s from t0+1200), recording
    // nothing.
    let before = env.dump();
    assert_eq!(
        check_as(&mut env, "GOOD-0001", "ip-e", "dana"),
        BalanceAnswer::RateLimited {
            retry_after_seconds: 2_400
        }
    );
    assert_eq!(
        public_as(&mut env, "GOOD-0001", "ip-e", "dana"),
        PublicAnswer::RateLimited {
            retry_after_seconds: 2_400
        }
    );
    assert_eq!(
        redeem(&mut env, "GOOD-0002", "dana", "ip-e").unwrap(),
        RedeemAnswer::RateLimited {
            retry_after_seconds: 2_400
        }
    );
    assert_eq!(env.dump(), before);
    // A guest on the same key, and another customer, are not limited.
    assert!(matches!(
        check(&mut env, "GOOD-0001", "ip-e"),
        BalanceAnswer::Found(_)
    ));
    assert!(matches!(
        check_as(&mut env, "GOOD-0001", "ip-e", "erin"),
        BalanceAnswer::Found(_)
    ));
    // t0+3599: still limited, for one second more.
    env.now = T0 + 3_599;
    assert_eq!(
        check_as(&mut env, "GOOD-0001", "ip-f", "dana"),
        BalanceAnswer::RateLimited {
            retry_after_seconds: 1
        }
    );
    // t0+3600: the four have left the hour; four lookups are allowed
    // again, and a success costs nothing of them.
    env.now = T0 + 3_600;
    assert!(matches!(
        redeem(&mut env, "GOOD-0002", "dana", "ip-f").unwrap(),
        RedeemAnswer::Redeemed(_)
    ));
    for _ in 0..4 {
        assert_eq!(
            check_as(&mut env, "WRONG-0002", "ip-g", "dana"),
            BalanceAnswer::NotAvailable
        );
    }
    // Ten again: limited until the t0+600 ones leave (at t0+4200).
    assert_eq!(
        check_as(&mut env, "GOOD-0001", "ip-g", "dana"),
        BalanceAnswer::RateLimited {
            retry_after_seconds: 600
        }
    );
}

/// With both limits reached, the wait is the longer one: answering the
/// key's shorter wait would only invite a retry that is refused again.
#[test]
fn the_longer_wait_wins_when_both_limits_are_reached() {
    let mut env = env();
    card(&mut env, spec("BOTH-0001", 1_000));
    for _ in 0..10 {
        check_as(&mut env, "WRONG-0003", "ip-x", "fay");
    }
    env.now += 30;
    assert_eq!(
        check_as(&mut env, "BOTH-0001", "ip-x", "fay"),
        BalanceAnswer::RateLimited {
            retry_after_seconds: 3_570
        }
    );
    // The key alone waits 30 s more; the customer alone 3,570 s.
    assert_eq!(
        check(&mut env, "BOTH-0001", "ip-x"),
        BalanceAnswer::RateLimited {
            retry_after_seconds: 30
        }
    );
    assert_eq!(
        check_as(&mut env, "BOTH-0001", "ip-y", "fay"),
        BalanceAnswer::RateLimited {
            retry_after_seconds: 3_570
        }
    );
}
