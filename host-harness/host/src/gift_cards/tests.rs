use super::*;
use crate::api::admin::{CreateCardRequest, GetCardRequest};
use crate::types::{CardRef, Error, Money};
use crate::{CallEnv, Faults};
use std::sync::OnceLock;

fn runtime() -> Arc<Runtime> {
    static RUNTIME: OnceLock<Arc<Runtime>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| Arc::new(Runtime::built_in(crate::Limits::default()).unwrap()))
        .clone()
}

fn shop(dir: &tempfile::TempDir) -> GiftCards {
    GiftCards::open_sqlite(runtime(), &dir.path().join("t.db"))
        .unwrap()
        .with_clock(Clock::fixed(1_767_225_600), 7)
}

fn create(amount: &str) -> CreateCardRequest {
    CreateCardRequest::new(Money::new(amount, "USD"), "alice")
}

/// Creates a card of `amount` USD in its own transaction.
fn create_card(shop: &GiftCards, amount: &str) -> Result<crate::api::admin::Card, Error> {
    let req = create(amount);
    shop.call(|p, s| p.giftcard_plugin_admin(&mut *s)?.call_create_card(s, &req))
        .unwrap()
}

fn get(shop: &GiftCards, id: u64) -> Result<crate::api::admin::Card, Error> {
    let request = GetCardRequest {
        card: CardRef::Id(id),
    };
    shop.call_read(|p, s| p.giftcard_plugin_admin(&mut *s)?.call_get_card(s, &request))
        .unwrap()
}

#[test]
fn an_ok_call_commits() {
    let dir = tempfile::tempdir().unwrap();
    let shop = shop(&dir);
    let card = create_card(&shop, "12.50").unwrap();
    assert_eq!(card.balance.amount, "12.50");
    assert_eq!(get(&shop, card.id).unwrap().code, card.code);
}

#[test]
fn an_err_rolls_back_and_arrives_typed() {
    let dir = tempfile::tempdir().unwrap();
    let shop = shop(&dir);
    let refused = create_card(&shop, "-5");
    assert!(
        matches!(refused, Err(Error::InvalidAmount(_))),
        "{refused:?}"
    );
    assert!(matches!(get(&shop, 1), Err(Error::CardNotFound)));
}

#[test]
fn a_trap_at_any_statement_rolls_back() {
    let dir = tempfile::tempdir().unwrap();
    let shop = shop(&dir);
    let req = create("10");
    let mut trapped = 0;
    for at in 1..=40 {
        let tx = shop.backend().begin().unwrap();
        let faults = Faults {
            trap_at_statement: Some(at),
            ..Faults::default()
        };
        let env = CallEnv::new(shop.clock(), Randomness::seeded(at as u64).for_call());
        let (tx, result) = shop.runtime().call_in(tx, env.with_faults(faults), |p, s| {
            p.giftcard_plugin_admin(&mut *s)?.call_create_card(s, &req)
        });
        let result = crate::call::finish(tx, result);
        match result {
            Err(_) => trapped += 1,
            // Fewer statements than `at`: the call ran whole.
            Ok(card) => {
                card.unwrap();
                break;
            }
        }
        assert!(
            matches!(get(&shop, 1), Err(Error::CardNotFound)),
            "after a trap at {at}"
        );
    }
    assert!(trapped > 2, "create-card runs several statements");
}

#[test]
fn a_read_only_call_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let shop = shop(&dir);
    let req = create("10");
    let result = shop.call_read(|p, s| p.giftcard_plugin_admin(&mut *s)?.call_create_card(s, &req));
    assert!(!matches!(result, Ok(Ok(_))), "{result:?}");
    assert!(matches!(get(&shop, 1), Err(Error::CardNotFound)));
}

#[test]
fn another_world_is_called_dynamically_only() {
    let wat = r#"(component
        (core module $m (func (export "f") (result i32) i32.const 7))
        (core instance $i (instantiate $m))
        (func (export "answer") (result s32) (canon lift (core func $i "f"))))"#;
    let runtime = Runtime::from_bytes(wat.as_bytes(), crate::Limits::default()).unwrap();
    assert!(!runtime.is_typed());
    let dir = tempfile::tempdir().unwrap();
    let db = SqliteBackend::open(&dir.path().join("t.db")).unwrap();
    let clock = Clock::fixed(0);
    let typed = runtime.call(
        db.begin().unwrap(),
        &clock,
        Randomness::seeded(1).for_call(),
        |p, s| p.giftcard_plugin_lifecycle(&mut *s)?.call_metadata(s),
    );
    assert!(format!("{:#}", typed.err().unwrap()).contains("does not implement"));
    let value = runtime
        .call_dynamic(
            "answer",
            &[],
            db.begin().unwrap(),
            CallEnv::new(&clock, Randomness::seeded(1).for_call()),
        )
        .unwrap();
    assert_eq!(value, wasmtime::component::Val::S32(7));
}
