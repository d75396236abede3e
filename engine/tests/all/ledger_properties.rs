//! Property test: any sequence of create / adjust / disable / enable keeps
//! every card's balance equal to the sum of its ledger, never negative, with
//! each row chaining from the one before and only allowed transitions taken.

use giftcard_engine::cards::ledger;
use giftcard_engine::cards::status::{self, Operation};
use giftcard_engine::storage::sqlite::NativeEnv;
use giftcard_engine::testing::ledger_ops::{Bounds, Op, decimal, op};
use giftcard_engine::*;
use proptest::prelude::*;

const BOUNDS: Bounds = Bounds {
    cards: 8,
    create_cents: 100_000,
    adjust_cents: 50_000,
    hours: 400,
};

fn minor(m: &Money) -> i64 {
    m.minor
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn ledger_always_matches_balance(ops in proptest::collection::vec(op(BOUNDS), 1..60)) {
        let mut env = NativeEnv::in_memory(1_800_000_000, 3);
        let mut cards: Vec<CardId> = Vec::new();
        for op in ops {
            let target = |i: usize| cards.get(i % cards.len().max(1)).copied();
            let before = match &op {
                Op::Adjust(i, _) | Op::Disable(i) | Op::Enable(i) => match target(*i) {
                    Some(id) => Some(env.call(|e| api::get_card(e, &CardRef::Id(id))).unwrap()),
                    None => continue,
                },
                _ => None,
            };
            let result = match op.clone() {
                Op::Create(cents) => env.call(|e| api::create_card(e, CreateCard {
                    amount: GivenMoney::new(decimal(i64::from(cents)), "EUR"),
                    amount_max: None, max_uses: None, recipient_name: None, recipient_email: None,
                    code: None, expires_at: None,
                    validity_days: Some(1 + cents % 3),
                    customer_id: None, website: None, test: None, comment: None, admin_user: "p".into(), reference: None,
                })).inspect(|c| cards.push(c.summary.id)),
                Op::Adjust(i, cents) => env.call(|e| api::adjust_balance(e, AdjustBalance {
                    card: CardRef::Id(target(i).unwrap()),
                    amount: GivenMoney::new(decimal(i64::from(cents)), "EUR"),
                    comment: "prop".into(), admin_user: "p".into(), reference: None,
                })),
                Op::Disable(i) => env.call(|e| api::disable_card(e, SetStatus { card: CardRef::Id(target(i).unwrap()), comment: None, admin_user: "p".into() })),
                Op::Enable(i) => env.call(|e| api::enable_card(e, SetStatus { card: CardRef::Id(target(i).unwrap()), comment: None, admin_user: "p".into() })),
                Op::Advance(hours) => { env.now += i64::from(hours) * 3600; continue; }
            };
            // What a call returns is exactly what a fresh read shows.
            if let Ok(card) = &result {
                let fresh = env.call(|e| api::get_card(e, &CardRef::Id(card.summary.id))).unwrap();
                prop_assert_eq!(card, &fresh);
            }
            // A refused operation must be one the transition table forbids, or
            // an adjustment the balance cannot cover.
            if let (Some(before), Err(err)) = (&before, &result) {
                let operation = match op { Op::Adjust(..) => Operation::Adjust, Op::Disable(_) => Operation::Disable, _ => Operation::Enable };
                let allowed = status::allows(before.summary.status, operation);
                match err {
                    Error::InvalidStatus { .. } => prop_assert!(!allowed, "{op:?} refused on {:?}", before.summary.status),
                    Error::InsufficientBalance { .. } | Error::InvalidAmount(_) => prop_assert!(matches!(op, Op::Adjust(..))),
                    other => prop_assert!(false, "unexpected {other:?}"),
                }
            }
            if let (Some(before), Ok(after)) = (&before, &result) {
                let operation = match op { Op::Adjust(..) => Operation::Adjust, Op::Disable(_) => Operation::Disable, _ => Operation::Enable };
                prop_assert!(status::allows(before.summary.status, operation), "{op:?} allowed on {:?}", before.summary.status);
                if let Op::Adjust(..) = op {
                    prop_assert_eq!(after.summary.status, status::by_balance(minor(&after.summary.balance)));
                }
            }
            for &id in &cards {
                let card = env.call(|e| api::get_card(e, &CardRef::Id(id))).unwrap();
                let balance = minor(&card.summary.balance);
                prop_assert!(balance >= 0);
                prop_assert_eq!(env.call(|e| ledger::sum(e, id)).unwrap(), balance);
                let history = env.call(|e| api::card_history(e, &CardRef::Id(id), PageRequest { page: 1, page_size: 500 })).unwrap();
                let mut running = 0;
                for row in &history.entries {
                    prop_assert_eq!(minor(&row.balance_before), running);
                    running += minor(&row.amount);
                    prop_assert_eq!(minor(&row.balance_after), running);
                }
            }
        }
    }
}
