//! What the component boundary costs: the same operations run natively
//! (giftcard-engine over rusqlite) and through the component (a fresh pooled
//! instance and store per call), both on a SQLite file in WAL mode with one
//! transaction per call. Run with `cargo bench -p giftcard-harness`.
//!
//! Figures are throughput on this machine, not pass/fail thresholds: timing
//! tests on shared machines are noise, so nothing here asserts a speed.

use giftcard_conformance::harness::{Harness, HarnessConfig, money};
use giftcard_engine::storage::sqlite::NativeEnv;
use giftcard_engine::{AdjustBalance, CardRef, CreateCard, GivenMoney, api};
use serde_json::json;
use std::time::{Duration, Instant};

const T0: i64 = 1_767_225_600;

fn measure(label: &str, iterations: u32, mut f: impl FnMut(u32)) -> f64 {
    // Warm up (page cache, pooled slots, prepared statements).
    for i in 0..iterations / 10 {
        f(i);
    }
    let start = Instant::now();
    for i in 0..iterations {
        f(i);
    }
    let elapsed = start.elapsed();
    let per_second = f64::from(iterations) / elapsed.as_secs_f64();
    println!(
        "{label:<48} {per_second:>10.0} /s   {:>8.1} µs/op",
        micros(elapsed) / f64::from(iterations)
    );
    per_second
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn native_env(dir: &tempfile::TempDir) -> NativeEnv {
    let conn = rusqlite::Connection::open(dir.path().join("native.db")).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .unwrap();
    let mut env = NativeEnv::new(conn, T0, 9);
    env.call(|e| api::migrate(e)).unwrap();
    env
}

fn create_request() -> CreateCard {
    CreateCard::new(GivenMoney::new("1000000", "USD"), "bench")
}

fn main() {
    let n = 5_000;
    println!("giftcard throughput ({n} operations each; one transaction per call)\n");

    let dir = tempfile::tempdir().unwrap();
    let mut native = native_env(&dir);
    let card = native
        .call(|e| api::create_card(e, create_request()))
        .unwrap();
    let native_adjust = measure("native: adjust-balance", n, |_| {
        native
            .call(|e| {
                api::adjust_balance(
                    e,
                    AdjustBalance {
                        card: CardRef::Id(card.summary.id),
                        amount: GivenMoney::new("-0.01", "USD"),
                        comment: "bench".into(),
                        admin_user: "bench".into(),
                        reference: None,
                    },
                )
            })
            .unwrap();
    });
    let native_create = measure("native: create-card", n, |_| {
        native
            .call(|e| api::create_card(e, create_request()))
            .unwrap();
    });

    let config = HarnessConfig::replayable(dir.path().join("component.db"), T0, 9);
    let started = Instant::now();
    let harness = giftcard_conformance::harness::open(&config).unwrap();
    println!(
        "\ncomponent load (compile + link + pre-instantiate + migrate): {:.0} ms",
        micros(started.elapsed()) / 1000.0
    );
    let card = harness
        .call_json_ok(
            "admin.create-card",
            &json!({ "amount": money("1000000", "USD"), "admin-user": "bench" }),
        )
        .unwrap();
    let adjust = json!({ "card": { "id": card["id"] }, "amount": money("-0.01", "USD"),
                         "comment": "bench", "admin-user": "bench" });
    let component_adjust = measure(
        "component (fresh instance per call): adjust-balance",
        n,
        |_| {
            harness
                .call_json_ok("admin.adjust-balance", &adjust)
                .unwrap();
        },
    );
    let create = json!({ "amount": money("1000000", "USD"), "admin-user": "bench" });
    let component_create = measure(
        "component (fresh instance per call): create-card",
        n,
        |_| {
            harness.call_json_ok("admin.create-card", &create).unwrap();
        },
    );
    let metadata = measure(
        "component: metadata (instantiate + call, no SQL)",
        n,
        |_| {
            harness
                .call_json_ok("lifecycle.metadata", &serde_json::Value::Null)
                .unwrap();
        },
    );

    println!(
        "\ncomponent / native: adjust {:.0}%, create {:.0}%; a bare call costs {:.1} µs",
        100.0 * component_adjust / native_adjust,
        100.0 * component_create / native_create,
        1e6 / metadata
    );
}
