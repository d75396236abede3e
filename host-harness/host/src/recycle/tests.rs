//! A recycled instance answers exactly as a fresh one: the same random call
//! sequence, traps included, runs on two databases, one with a fresh
//! instance per call and one recycling, and every answer must be the same.

use super::*;
use crate::api::{admin, totals};
use crate::call::finish;
use crate::commerce::{Channel, Line, ProductKind, Quote};
use crate::types::{CardRef, Money, PageRequest};
use crate::{CallEnv, Clock, Faults, GiftCards, Limits, Runtime};
use proptest::prelude::*;
use std::sync::{Arc, OnceLock};

fn runtime() -> Arc<Runtime> {
    static RUNTIME: OnceLock<Arc<Runtime>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| Arc::new(Runtime::built_in(Limits::default()).unwrap()))
        .clone()
}

/// One call of a sequence; cards are named by their place in creation order.
#[derive(Clone, Debug)]
enum Step {
    Create {
        cents: u32,
    },
    Adjust {
        card: usize,
        cents: i32,
    },
    Disable {
        card: usize,
    },
    Get {
        card: usize,
    },
    History {
        card: usize,
    },
    List,
    /// Collects a quote of `lines` lines with every card created so far.
    Collect {
        lines: u32,
    },
    /// Creates a card but traps at the `at`-th statement.
    TrapCreate {
        at: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (1u32..100_000).prop_map(|cents| Step::Create { cents }),
        (0usize..6, -5_000i32..5_000).prop_map(|(card, cents)| Step::Adjust { card, cents }),
        (0usize..6).prop_map(|card| Step::Disable { card }),
        (0usize..6).prop_map(|card| Step::Get { card }),
        (0usize..6).prop_map(|card| Step::History { card }),
        Just(Step::List),
        (1u32..40).prop_map(|lines| Step::Collect { lines }),
        (1usize..12).prop_map(|at| Step::TrapCreate { at }),
    ]
}

fn money(cents: i64) -> Money {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    Money::new(format!("{sign}{}.{:02}", cents / 100, cents % 100), "USD")
}

/// One database and the instances its calls run on.
struct Side {
    cards: GiftCards,
    recycler: Recycler,
    /// The codes of the cards created so far, in order.
    codes: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Side {
    fn open(policy: InstancePolicy) -> Side {
        let dir = tempfile::tempdir().unwrap();
        let cards = GiftCards::open_sqlite(runtime(), &dir.path().join("t.db"))
            .unwrap()
            .with_clock(Clock::fixed(1_767_225_600), 7);
        Side {
            cards,
            recycler: Recycler::new(policy),
            codes: Vec::new(),
            _dir: dir,
        }
    }

    fn card(&self, i: usize) -> CardRef {
        match self.codes.get(i) {
            Some(code) => CardRef::Code(code.clone()),
            // A card that does not exist: a typed refusal, the same on both.
            None => CardRef::Id(1_000 + i as u64),
        }
    }

    /// Runs `f` in its own transaction on this side's instances; the answer
    /// as text (a trap as `trap`), which is what must match.
    fn run<R: crate::Committed + std::fmt::Debug>(
        &self,
        faults: Faults,
        f: impl FnOnce(&crate::Plugin, &mut wasmtime::Store<crate::CallState>) -> wasmtime::Result<R>,
    ) -> (String, Option<R>) {
        let tx = self.cards.begin().unwrap();
        let env = CallEnv::new(self.cards.clock(), self.cards.random()).with_faults(faults);
        let (tx, result) = runtime().call_in_recycled(&self.recycler, tx, env, f);
        match finish(tx, result) {
            Ok(value) => (format!("{value:?}"), Some(value)),
            Err(_) => ("trap".into(), None),
        }
    }

    fn step(&mut self, step: &Step) -> String {
        let none = Faults::default();
        match step {
            Step::Create { cents } => {
                let request = admin::CreateCardRequest::new(money(i64::from(*cents)), "alice");
                let (text, card) = self.run(none, |p, s| {
                    p.giftcard_plugin_admin(&mut *s)?
                        .call_create_card(s, &request)
                });
                if let Some(Ok(card)) = card {
                    self.codes.push(card.code);
                }
                text
            }
            Step::TrapCreate { at } => {
                let request = admin::CreateCardRequest::new(money(500), "alice");
                let faults = Faults {
                    trap_at_statement: Some(*at),
                    ..Faults::default()
                };
                let (text, card) = self.run(faults, |p, s| {
                    p.giftcard_plugin_admin(&mut *s)?
                        .call_create_card(s, &request)
                });
                if let Some(Ok(card)) = card {
                    self.codes.push(card.code);
                }
                text
            }
            Step::Adjust { card, cents } => {
                let request = admin::AdjustBalanceRequest {
                    card: self.card(*card),
                    amount: money(i64::from(*cents)),
                    comment: "property".into(),
                    admin_user: "alice".into(),
                    reference: None,
                };
                self.run(none, |p, s| {
                    p.giftcard_plugin_admin(&mut *s)?
                        .call_adjust_balance(s, &request)
                })
                .0
            }
            Step::Disable { card } => {
                let request = admin::SetStatusRequest {
                    card: self.card(*card),
                    comment: None,
                    admin_user: "alice".into(),
                };
                self.run(none, |p, s| {
                    p.giftcard_plugin_admin(&mut *s)?
                        .call_disable_card(s, &request)
                })
                .0
            }
            Step::Get { card } => {
                let request = admin::GetCardRequest {
                    card: self.card(*card),
                };
                self.run(none, |p, s| {
                    p.giftcard_plugin_admin(&mut *s)?.call_get_card(s, &request)
                })
                .0
            }
            Step::History { card } => {
                let request = admin::CardHistoryRequest {
                    card: self.card(*card),
                    page: PageRequest::new(1, 50),
                };
                self.run(none, |p, s| {
                    p.giftcard_plugin_admin(&mut *s)?
                        .call_card_history(s, &request)
                })
                .0
            }
            Step::List => {
                let request = admin::ListCardsRequest {
                    status: None,
                    code: None,
                    customer_id: None,
                    id: None,
                    amount: None,
                    amount_type: None,
                    product_id: None,
                    definition_id: None,
                    origin: None,
                    email: None,
                    sort: None,
                    page: PageRequest::new(1, 50),
                };
                self.run(none, |p, s| {
                    p.giftcard_plugin_admin(&mut *s)?
                        .call_list_cards(s, &request)
                })
                .0
            }
            Step::Collect { lines } => {
                let request = totals::CollectRequest {
                    quote: Quote {
                        lines: (1..=*lines)
                            .map(|i| {
                                let id = i.to_string();
                                Line::new(
                                    &id,
                                    &format!("SKU-{i}"),
                                    ProductKind::Simple,
                                    1,
                                    "7.5",
                                    "7.5",
                                )
                            })
                            .collect(),
                        applied_codes: self.codes.clone(),
                        ..Quote::new("Q1", "main", "default", "USD")
                    },
                    channel: Channel::Storefront,
                };
                self.run(none, |p, s| {
                    p.giftcard_plugin_totals(&mut *s)?.call_collect(s, &request)
                })
                .0
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn a_recycled_instance_answers_as_a_fresh_one(
        steps in proptest::collection::vec(step(), 1..40),
        max_calls in 1u32..6,
    ) {
        let mut fresh = Side::open(InstancePolicy::Fresh);
        let mut recycled = Side::open(InstancePolicy::Recycle { max_calls });
        for (i, step) in steps.iter().enumerate() {
            let expected = fresh.step(step);
            let got = recycled.step(step);
            prop_assert_eq!(&got, &expected, "step {} ({:?})", i + 1, step);
        }
    }
}

#[test]
fn a_trap_drops_the_instance_and_the_bound_is_kept() {
    let side = Side::open(InstancePolicy::Recycle { max_calls: 2 });
    let request = admin::CreateCardRequest::new(money(100), "alice");
    let create = |faults| {
        side.run(faults, |p, s| {
            p.giftcard_plugin_admin(&mut *s)?
                .call_create_card(s, &request)
        })
        .0
    };
    create(Faults::default());
    assert_eq!(
        side.recycler.take().map(|w| w.served),
        Some(1),
        "kept after one call"
    );
    create(Faults::default());
    create(Faults::default());
    assert_eq!(
        side.recycler.take().map(|w| w.served),
        None,
        "dropped after two calls"
    );
    create(Faults::default());
    let trap = Faults {
        trap_at_statement: Some(1),
        ..Faults::default()
    };
    assert_eq!(create(trap), "trap");
    assert!(
        side.recycler.take().is_none(),
        "a trapped instance is never given back"
    );
}

#[test]
fn fresh_keeps_no_instance() {
    let side = Side::open(InstancePolicy::Fresh);
    let request = admin::CreateCardRequest::new(money(100), "alice");
    side.run(Faults::default(), |p, s| {
        p.giftcard_plugin_admin(&mut *s)?
            .call_create_card(s, &request)
    });
    assert!(side.recycler.take().is_none());
}

#[test]
fn random_sources_stay_per_call() {
    // Two cards on a recycled instance get the codes two fresh instances
    // would give them: each call draws from the random source it is lent.
    let mut fresh = Side::open(InstancePolicy::Fresh);
    let mut recycled = Side::open(InstancePolicy::Recycle { max_calls: 10 });
    for _ in 0..3 {
        fresh.step(&Step::Create { cents: 100 });
        recycled.step(&Step::Create { cents: 100 });
    }
    assert_eq!(fresh.codes, recycled.codes);
    assert_eq!(fresh.codes.len(), 3);
}
