//! Bulk generation through the component: one `generate-codes` call makes
//! 100,000 cards, all with distinct codes, each with its `created` ledger
//! row. Not timed (see `benches/batch_generate.rs` for the speed).

use crate::common;

use giftcard_conformance::harness::{Harness, HarnessConfig, money};
use giftcard_conformance::json::{Limits, Runtime};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

#[test]
fn one_hundred_thousand_generated_codes_are_unique() {
    let dir = tempfile::tempdir().unwrap();
    // The default 5 s deadline is a production guard; a loaded test machine
    // must not turn this correctness test into a timing one.
    let runtime = Runtime::built_in(Limits {
        deadline: Duration::from_secs(300),
        ..Limits::default()
    })
    .unwrap();
    let config = HarnessConfig::replayable(dir.path().join("batch.db"), common::T0, 23);
    let h = giftcard_conformance::harness::open_with(Arc::new(runtime), &config).unwrap();
    let d = h
        .call_json_ok(
            "batches.create-definition",
            &json!({ "name": "Big batch", "enabled": true, "value": money("10", "USD"),
                     "target": "everyone", "currencies": [], "required-skus": [],
                     "shipping-countries": [], "billing-countries": [] }),
        )
        .unwrap();
    let g = h
        .call_json_ok(
            "batches.generate-codes",
            &json!({ "definition-id": d["id"], "count": 100_000, "prefix": "BIG",
                     "test": false, "admin-user": "t" }),
        )
        .unwrap();
    assert_eq!(g["count"], json!(100_000));
    assert_eq!(g["first-card-id"], json!(1));
    assert_eq!(g["last-card-id"], json!(100_000));
    assert_eq!(g["total-codes"], json!(100_000));
    drop(h);

    let conn = rusqlite::Connection::open(dir.path().join("batch.db")).unwrap();
    let (cards, distinct, prefixed, ids): (i64, i64, i64, i64) = conn
        .query_row(
            "SELECT COUNT(*), COUNT(DISTINCT code), SUM(code LIKE 'BIG%'), \
             MAX(id) - MIN(id) + 1 FROM gc_cards \
             WHERE definition_id = 1 AND origin = 'batch' AND balance = 1000",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (cards, distinct, prefixed, ids),
        (100_000, 100_000, 100_000, 100_000)
    );
    let (rows, cards_with_rows): (i64, i64) = conn
        .query_row(
            "SELECT COUNT(*), COUNT(DISTINCT card_id) FROM gc_history \
             WHERE action = 'created' AND amount = 1000 AND balance_before = 0 \
             AND balance_after = 1000 AND actor_kind = 'admin' AND actor_name = 't'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((rows, cards_with_rows), (100_000, 100_000));
}
