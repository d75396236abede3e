use super::*;
use crate::storage::sqlite::NativeEnv;
use crate::testing::{self, generate_request};

const T0: i64 = 1_767_225_600;

pub(super) fn input(name: &str) -> DefinitionInput {
    testing::definition_input(name, "25")
}

#[test]
fn derives_code_names() {
    assert_eq!(derive_code_name("Summer Sale 2026!"), "summer-sale-2026");
    assert_eq!(derive_code_name("  --Ünï  "), "n");
    assert_eq!(derive_code_name("!!!"), "definition");
}

#[test]
fn creates_updates_and_validates() {
    let mut env = NativeEnv::in_memory(T0, 1);
    let d = env.call(|e| create(e, input("Summer Sale"))).unwrap();
    assert_eq!(d.code_name, "summer-sale");
    assert_eq!(d.fields.value.amount.as_str(), "25.00");
    let d2 = env.call(|e| create(e, input("Summer sale"))).unwrap();
    assert_eq!(d2.code_name, "summer-sale-2");
    let mut taken = input("Other");
    taken.code_name = Some("SUMMER-SALE".into());
    assert!(matches!(
        env.call(|e| create(e, taken)),
        Err(Error::InvalidArgument(_))
    ));
    let mut window = input("W");
    window.valid_from = Some("2026-02-01T00:00:00Z".into());
    window.valid_to = Some("2026-02-01T00:00:00Z".into());
    assert!(matches!(
        env.call(|e| create(e, window)),
        Err(Error::InvalidArgument(_))
    ));
    let mut country = input("C");
    country.shipping_countries = vec!["FRA".into()];
    assert!(matches!(
        env.call(|e| create(e, country)),
        Err(Error::InvalidArgument(_))
    ));
    let mut cur = input("C");
    cur.currencies = vec!["XYZ".into()];
    assert!(matches!(
        env.call(|e| create(e, cur)),
        Err(Error::UnknownCurrency(_))
    ));
    let mut zero = input("Z");
    zero.value = GivenMoney::new("0", "EUR");
    assert!(matches!(
        env.call(|e| create(e, zero)),
        Err(Error::InvalidAmount(_))
    ));
    assert!(matches!(
        env.call(|e| create(e, input(" "))),
        Err(Error::InvalidArgument(_))
    ));

    // The value may change until codes exist.
    let mut f = input("Summer Sale");
    f.value = GivenMoney::new("30", "EUR");
    let u = env
        .call(|e| {
            update(
                e,
                UpdateDefinition {
                    id: d.id,
                    fields: f.clone(),
                },
            )
        })
        .unwrap();
    assert_eq!(u.fields.value.amount.as_str(), "30.00");
    assert_eq!(u.code_name, "summer-sale");
    env.call(|e| generate(e, generate_request(d.id, 3)))
        .unwrap();
    f.value = GivenMoney::new("40", "EUR");
    assert!(matches!(
        env.call(|e| update(
            e,
            UpdateDefinition {
                id: d.id,
                fields: f.clone()
            }
        )),
        Err(Error::InvalidArgument(_))
    ));
    f.value = GivenMoney::new("30", "EUR");
    f.enabled = false;
    let u = env
        .call(|e| {
            update(
                e,
                UpdateDefinition {
                    id: d.id,
                    fields: f,
                },
            )
        })
        .unwrap();
    assert!(!u.fields.enabled);
    assert_eq!(u.codes, 3);
    let all = env.call(list).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].codes, 3);
    assert_eq!(all[1].codes, 0);
    assert!(matches!(
        env.call(|e| get(e, 99)),
        Err(Error::DefinitionNotFound)
    ));
}

#[test]
fn generates_unique_cards_with_ledger_rows() {
    let mut env = NativeEnv::in_memory(T0, 1);
    let d = env.call(|e| create(e, input("Bulk"))).unwrap();
    let mut req = generate_request(d.id, 1234);
    req.prefix = Some("xmas".into());
    req.max_uses = Some(2);
    req.test = true;
    let g = env.call(|e| generate(e, req)).unwrap();
    assert_eq!(g.count, 1234);
    assert_eq!(g.last_card_id - g.first_card_id + 1, 1234);
    assert_eq!(g.total_codes, 1234);
    let conn = &env.db.conn;
    let (n, distinct, prefixed): (i64, i64, i64) = conn
        .query_row(
            "SELECT COUNT(*), COUNT(DISTINCT code), SUM(code LIKE 'XMAS%') FROM gc_cards \
             WHERE definition_id = ?1 AND origin = 'batch' AND is_test = 1 AND max_uses = 2 \
             AND balance = 2500 AND currency = 'EUR'",
            [d.id as i64],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((n, distinct, prefixed), (1234, 1234, 1234));
    let rows: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM gc_history h JOIN gc_cards c ON c.id = h.card_id \
             WHERE h.action = 'created' AND h.amount = 2500 AND h.balance_before = 0 \
             AND h.balance_after = 2500 AND h.actor_kind = 'admin' AND h.actor_name = 'alice' \
             AND h.reference IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 1234);
    // Sequences moved past what was used.
    let g2 = env
        .call(|e| generate(e, generate_request(d.id, 1)))
        .unwrap();
    assert_eq!(g2.first_card_id, g.last_card_id + 1);
    assert_eq!(g2.total_codes, 1235);
}

#[test]
fn redraws_codes_that_clash() {
    // A random source that repeats itself: every code of the second
    // generation clashes with the first until the source moves on.
    struct Repeating {
        inner: NativeEnv,
        calls: u32,
    }
    impl Environment for Repeating {
        fn db(&mut self) -> &mut dyn crate::storage::db::Database {
            self.inner.db()
        }
        fn now(&mut self) -> i64 {
            T0
        }
        fn fill_random(&mut self, buf: &mut [u8]) {
            self.calls += 1;
            // The first round of each generation: the same bytes.
            if self.calls == 1 || self.calls == 3 {
                buf.iter_mut()
                    .enumerate()
                    .for_each(|(i, b)| *b = (i % 7) as u8);
            } else {
                self.inner.fill_random(buf);
            }
        }
        fn exchange_rate(&mut self, _: &str, _: &str) -> Option<String> {
            None
        }
        fn deliver(
            &mut self,
            m: &crate::storage::outbound::OutboundMessage,
        ) -> std::result::Result<String, crate::storage::outbound::DeliveryError> {
            self.inner.deliver(m)
        }
    }
    let mut env = Repeating {
        inner: NativeEnv::in_memory(T0, 3),
        calls: 0,
    };
    let d = create(&mut env, input("X")).unwrap();
    // 16 bytes per code, a 7-cycle: codes repeat within the chunk too.
    let g = generate(&mut env, generate_request(d.id, 20)).unwrap();
    let g2 = generate(&mut env, generate_request(d.id, 20)).unwrap();
    assert_eq!(g2.total_codes, 40);
    assert_eq!(g.count, 20);
    let distinct: i64 = env
        .inner
        .db
        .conn
        .query_row("SELECT COUNT(DISTINCT code) FROM gc_cards", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(distinct, 40);
}

#[test]
fn refuses_bad_generation_requests() {
    let mut env = NativeEnv::in_memory(T0, 1);
    let d = env.call(|e| create(e, input("G"))).unwrap();
    for req in [
        generate_request(d.id, 0),
        generate_request(d.id, MAX_GENERATE + 1),
        GenerateRequest {
            prefix: Some("TOO-LONG!".into()),
            ..generate_request(d.id, 1)
        },
        GenerateRequest {
            max_uses: Some(0),
            ..generate_request(d.id, 1)
        },
    ] {
        assert!(matches!(
            env.call(|e| generate(e, req)),
            Err(Error::InvalidArgument(_))
        ));
    }
    assert!(matches!(
        env.call(|e| generate(e, generate_request(77, 1))),
        Err(Error::DefinitionNotFound)
    ));
}
