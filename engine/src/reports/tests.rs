use super::*;
use crate::cards::{CardContext, CardExtras, NewCard, StoredCard};
use crate::model::{Actor, CardOrigin, CardRef};
use crate::storage::sqlite::NativeEnv;
use crate::testing::{self, T0, usd};

fn card(
    env: &mut NativeEnv,
    cents: i64,
    currency: &str,
    origin: CardOrigin,
    product: Option<u64>,
    expires_at: Option<i64>,
    test: bool,
) -> StoredCard {
    let new = NewCard {
        expires_at,
        context: CardContext {
            test,
            ..CardContext::of(origin)
        },
        extras: CardExtras {
            product_id: product,
            ..CardExtras::default()
        },
        ..testing::new_card(cents, currency)
    };
    testing::insert_card(env, new)
}

fn fresh(env: &mut NativeEnv, c: &StoredCard) -> StoredCard {
    env.call(|e| cards::load(e, &CardRef::Id(c.id))).unwrap()
}

fn spend(env: &mut NativeEnv, c: &StoredCard, cents: i64, order: &str) {
    let c = fresh(env, c);
    env.call(|e| {
        crate::cards::movements::debit(e, &c, cents, &format!("order:{order}"), &Actor::System, "x")
    })
    .unwrap()
    .unwrap();
}

fn stats(env: &mut NativeEnv, req: StatisticsRequest) -> Result<ProgrammeStatistics> {
    env.call(|e| crate::api::statistics(e, req))
}

fn check(env: &mut NativeEnv, after_card: CardId, limit: u32) -> LedgerCheck {
    env.call(|e| crate::api::check_ledger(e, LedgerCheckRequest { after_card, limit }))
        .unwrap()
}

/// A sound ledger has no problems, in any number of parts; a balance
/// that drifted from its rows, or a row that does not start where the
/// previous one ended, is found and named.
#[test]
fn the_ledger_check_finds_drift_and_broken_chains() {
    let mut env = NativeEnv::in_memory(T0, 3);
    let cards: Vec<StoredCard> = (1..=5)
        .map(|i| {
            card(
                &mut env,
                i * 1_000,
                "USD",
                CardOrigin::Admin,
                None,
                None,
                false,
            )
        })
        .collect();
    spend(&mut env, &cards[1], 250, "O-1");
    spend(&mut env, &cards[1], 250, "O-2");
    let whole = check(&mut env, 0, 0);
    assert_eq!((whole.cards, whole.rows, whole.next_after), (5, 7, None));
    assert!(whole.problems.is_empty(), "{:?}", whole.problems);
    // Two cards a part: 2 + 2 + 1, each part naming where the next starts.
    let first = check(&mut env, 0, 2);
    assert_eq!((first.cards, first.next_after), (2, Some(cards[1].id)));
    let second = check(&mut env, cards[1].id, 2);
    assert_eq!(
        (second.cards, second.rows, second.next_after),
        (2, 2, Some(cards[3].id))
    );
    let last = check(&mut env, cards[3].id, 2);
    assert_eq!((last.cards, last.next_after), (1, None));

    // Damage two cards behind the plugin's back.
    let conn = &env.db.conn;
    conn.execute(
        "UPDATE gc_cards SET balance = balance + 1 WHERE id = ?1",
        [cards[2].id as i64],
    )
    .unwrap();
    conn.execute(
        "UPDATE gc_history SET balance_before = balance_before + 5, balance_after = balance_after + 5 \
         WHERE id = (SELECT MAX(id) FROM gc_history WHERE card_id = ?1)",
        [cards[1].id as i64],
    )
    .unwrap();
    let found = check(&mut env, 0, 0);
    let named: Vec<(CardId, &str)> = found
        .problems
        .iter()
        .map(|p| (p.card_id, p.detail.as_str()))
        .collect();
    assert_eq!(named.len(), 2, "{named:?}");
    assert!(named.iter().any(|(id, d)| *id == cards[2].id
        && d.contains("balance 30.01 USD but the ledger sums to 30.00 USD")));
    // The last row now starts 0.05 above where the one before ended.
    assert!(named.iter().any(|(id, d)| *id == cards[1].id
        && d.contains("17.55 USD + -2.50 USD = 15.05 USD, expected to start from 17.50 USD")));
    assert!(matches!(
        env.call(|e| crate::api::check_ledger(
            e,
            LedgerCheckRequest {
                after_card: 0,
                limit: 50_001
            }
        )),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn percentages_round_half_up_in_integers() {
    assert_eq!(percentage(1, 3), "33.33");
    assert_eq!(percentage(2, 3), "66.67");
    assert_eq!(percentage(2, 7), "28.57");
    assert_eq!(percentage(0, 0), "0.00");
    assert_eq!(percentage(5, 5), "100.00");
    assert_eq!(percentage(1, 20_000), "0.01");
    assert_eq!(percentage(1, 80_000), "0.00");
    assert_eq!(percentage(u64::MAX, u64::MAX), "100.00");
}

/// A programme with every kind of card; the figures worked out by hand.
fn programme(env: &mut NativeEnv) -> Vec<StoredCard> {
    use CardOrigin::*;
    env.now = T0 - 1_000;
    let old = card(env, 1_000, "USD", Admin, None, None, false);
    env.now = T0;
    let a = card(env, 10_000, "USD", Admin, None, None, false);
    let p1 = card(env, 5_000, "USD", Purchase, Some(7), None, false);
    let p2 = card(env, 2_000, "USD", Purchase, Some(7), None, false);
    let e = card(env, 3_000, "USD", Admin, None, Some(T0 + 100), false);
    let m = card(env, 1_500, "USD", Admin, None, None, false);
    let c = card(env, 500, "USD", Admin, None, None, false);
    card(env, 9_900, "USD", Admin, None, None, true);
    card(env, 1_000, "EUR", Admin, None, None, false);
    env.now = T0 + 10;
    spend(env, &p2, 2_000, "O1");
    spend(env, &e, 1_000, "O2");
    spend(env, &p1, 1_200, "O3");
    env.now = T0 + 20;
    spend(env, &old, 300, "O4");
    let p1_now = fresh(env, &p1);
    env.call(|en| {
        let plan = crate::cards::movements::plan_credit(&p1_now, 500, 0, T0 + 20);
        crate::cards::movements::credit(en, &plan, "memo:M1", &Actor::System, "refund")
    })
    .unwrap();
    env.call(|en| {
        en.db().execute(
            "UPDATE gc_cards SET status = 'disabled', cancelled_at = ?1 WHERE id = ?2",
            &[Value::Integer(T0 + 20), Value::Integer(c.id as i64)],
        )?;
        Ok(())
    })
    .unwrap();
    let answer = env
        .call(|en| {
            crate::customer::redeem_to_account(
                en,
                crate::customer::RedeemRequest {
                    code: m.code.clone(),
                    customer_id: "cust".into(),
                    client_key: "k".into(),
                },
            )
        })
        .unwrap();
    assert!(matches!(answer, crate::customer::RedeemAnswer::Redeemed(_)));
    env.now = T0 + 200;
    vec![old, a, p1, p2, e, m, c]
}

#[test]
fn figures_of_a_programme() {
    let mut env = NativeEnv::in_memory(T0, 11);
    programme(&mut env);
    let s = stats(
        &mut env,
        StatisticsRequest {
            from: Some(time::format(T0)),
            to: Some(time::format(T0 + 1_000)),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(s.cards_created, 7);
    assert_eq!(s.fully_used, 2);
    assert_eq!(s.usage_rate, "28.57");
    let counts: Vec<u64> = s.by_status.iter().map(|c| c.count).collect();
    assert_eq!(counts, vec![3, 2, 1, 0, 1]);
    assert_eq!(s.by_status[2].status, CardStatus::Expired);
    assert_eq!(s.currencies.len(), 2);
    let eur = &s.currencies[0];
    assert_eq!(eur.currency, "EUR");
    assert_eq!(eur.outstanding, Money::parse("10.00", "EUR").unwrap());
    assert_eq!(eur.total_sold, Money::parse("0.00", "EUR").unwrap());
    let u = &s.currencies[1];
    assert_eq!(u.total_sold, usd("70.00"));
    assert_eq!(u.total_credited, usd("15.00"));
    // 20 + 10 + 12 + 3 spent, 5 refunded.
    assert_eq!(u.total_redeemed, usd("40.00"));
    // a 100 + p1 43 + old 7.
    assert_eq!(u.outstanding, usd("150.00"));
    assert_eq!(u.breakage, usd("20.00"));

    // Product 7 only.
    let s = stats(
        &mut env,
        StatisticsRequest {
            product_id: Some(7),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((s.cards_created, s.fully_used), (2, 1));
    assert_eq!(s.usage_rate, "50.00");
    assert_eq!(s.currencies.len(), 1);
    assert_eq!(s.currencies[0].total_redeemed, usd("27.00"));
    assert_eq!(s.currencies[0].outstanding, usd("43.00"));
    assert_eq!(s.currencies[0].total_credited, usd("0.00"));

    // Before T0: only the old card was created; no movement then.
    let s = stats(
        &mut env,
        StatisticsRequest {
            to: Some(time::format(T0)),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((s.cards_created, s.fully_used), (1, 0));
    assert_eq!(s.usage_rate, "0.00");
    let u = s.currencies.iter().find(|c| c.currency == "USD").unwrap();
    assert_eq!(u.total_redeemed, usd("0.00"));
    assert_eq!(u.outstanding, usd("150.00"));

    // Nothing matches a product nobody sells.
    let s = stats(
        &mut env,
        StatisticsRequest {
            product_id: Some(8),
            definition_id: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(s.cards_created, 0);
    assert!(s.currencies.is_empty());
}

#[test]
fn bad_periods_are_invalid_arguments() {
    let mut env = NativeEnv::in_memory(T0, 11);
    for (from, to) in [
        (Some("yesterday"), None),
        (None, Some("2026-13-01T00:00:00Z")),
        (Some("2026-02-01T00:00:00Z"), Some("2026-01-01T00:00:00Z")),
        (Some("2026-02-01T00:00:00Z"), Some("2026-02-01T00:00:00Z")),
    ] {
        let req = StatisticsRequest {
            from: from.map(Into::into),
            to: to.map(Into::into),
            ..Default::default()
        };
        assert!(matches!(
            stats(&mut env, req),
            Err(Error::InvalidArgument(_))
        ));
        let req = HistoryRequest {
            from: from.map(Into::into),
            to: to.map(Into::into),
            ..Default::default()
        };
        assert!(matches!(
            env.call(|e| crate::api::history_grid(e, req)),
            Err(Error::InvalidArgument(_))
        ));
    }
}

#[test]
fn the_history_grid_filters_and_pages() {
    let mut env = NativeEnv::in_memory(T0, 11);
    let cards = programme(&mut env);
    let grid = |env: &mut NativeEnv, req: HistoryRequest| {
        env.call(|e| crate::api::history_grid(e, req)).unwrap()
    };
    let all = grid(&mut env, HistoryRequest::default());
    // 9 created + 4 spends + 1 refund + 1 move (cancellation was by SQL).
    assert_eq!(all.total, 15);
    assert_eq!(all.rows[0].entry.action, HistoryAction::MovedToAccount);
    assert!(all.rows.windows(2).all(|w| w[0].entry.id > w[1].entry.id));
    let spends = grid(
        &mut env,
        HistoryRequest {
            action: Some(HistoryAction::Redeemed),
            ..Default::default()
        },
    );
    assert_eq!(spends.total, 4);
    let by_ref = grid(
        &mut env,
        HistoryRequest {
            reference: Some("order:O".into()),
            from: Some(time::format(T0 + 20)),
            ..Default::default()
        },
    );
    assert_eq!(by_ref.total, 1);
    assert_eq!(by_ref.rows[0].entry.card_id, cards[0].id);
    assert_eq!(by_ref.rows[0].masked_code, cards[0].masked_code);
    assert_eq!(by_ref.rows[0].entry.amount, usd("-3.00"));
    // `_` is literal, not a wildcard.
    let none = grid(
        &mut env,
        HistoryRequest {
            reference: Some("order_".into()),
            ..Default::default()
        },
    );
    assert_eq!(none.total, 0);
    let p1 = grid(
        &mut env,
        HistoryRequest {
            card_id: Some(cards[2].id),
            page: PageRequest {
                page: 2,
                page_size: 2,
            },
            ..Default::default()
        },
    );
    assert_eq!(p1.total, 3);
    assert_eq!(p1.rows.len(), 1);
    assert_eq!(p1.rows[0].entry.action, HistoryAction::Created);
}
