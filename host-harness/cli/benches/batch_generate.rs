//! Bulk code generation through the component: 100,000 codes of one batch
//! definition on a temporary SQLite file (WAL, one transaction per call), as
//! `giftcard-harness batch generate` makes them (calls of 5,000), and in one
//! call of 100,000. Prints cards per second; run with
//! `cargo bench -p giftcard-harness --bench batch_generate`.
//!
//! A figure on this machine, not a pass/fail threshold (timing assertions on
//! shared machines are noise); `docs/batches.md` records what it printed.

use giftcard_conformance::harness::{Harness, HarnessConfig, money};
use giftcard_host::GiftCards;
use serde_json::json;
use std::time::{Duration, Instant};

const T0: i64 = 1_767_225_600;
const TOTAL: u32 = 100_000;

fn harness(dir: &tempfile::TempDir, name: &str) -> GiftCards {
    let mut config = HarnessConfig::replayable(dir.path().join(name), T0, 9);
    // One call of 100,000 must not meet the default 5 s deadline on a busy
    // machine: the figure is what is measured here, not the deadline.
    config.limits.deadline = Duration::from_secs(120);
    giftcard_conformance::harness::open(&config).expect("open the harness")
}

fn run(label: &str, chunk: u32) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let h = harness(&dir, "bench.db");
    let d = h
        .call_json_ok(
            "batches.create-definition",
            &json!({ "name": "Bench", "enabled": true, "value": money("25", "EUR"),
                     "target": "everyone", "currencies": [], "required-skus": [],
                     "shipping-countries": [], "billing-countries": [] }),
        )
        .unwrap();
    let start = Instant::now();
    let mut made = 0;
    while made < TOTAL {
        let n = chunk.min(TOTAL - made);
        h.call_json_ok(
            "batches.generate-codes",
            &json!({ "definition-id": d["id"], "count": n, "test": false, "admin-user": "bench" }),
        )
        .unwrap();
        made += n;
    }
    let seconds = start.elapsed().as_secs_f64();
    let per_second = f64::from(TOTAL) / seconds;
    println!("{label:<44} {TOTAL} codes in {seconds:>6.2} s: {per_second:>8.0} cards/s");
    let total = h
        .call_json_ok("batches.get-definition", &json!({ "id": d["id"] }))
        .unwrap();
    assert_eq!(total["codes"], json!(TOTAL));
    per_second
}

fn main() {
    // `cargo test --benches` runs bench targets too: keep that cheap.
    if std::env::args().any(|a| a == "--test") {
        return;
    }
    println!("batch code generation through the component\n");
    let chunked = run("calls of 5,000 (the CLI's default)", 5_000);
    let single = run("one call of 100,000", TOTAL);
    println!(
        "\nbest: {:.0} cards/s (goal: at least 20,000)",
        chunked.max(single)
    );
}
