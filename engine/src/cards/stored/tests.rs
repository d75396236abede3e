use super::*;
use crate::storage::sqlite::NativeEnv;
use crate::testing::T0;

/// Every card read finds each column where the row's hint expects it: the
/// reader and [`CARD_COLUMNS`] list the columns in one order.
#[test]
fn a_card_reads_its_columns_in_query_order() {
    let mut env = NativeEnv::in_memory(T0, 5);
    let card = env
        .call(|e| {
            crate::api::create_card(
                e,
                crate::CreateCard::new(crate::GivenMoney::new("25", "USD"), "alice"),
            )
        })
        .unwrap();
    let rows = env
        .db()
        .execute(
            &format!("SELECT {CARD_COLUMNS} FROM gc_cards WHERE id = ?1"),
            &[Value::Integer(card.summary.id as i64)],
        )
        .unwrap();
    let row = rows.first().unwrap();
    let stored = StoredCard::from_row(&row).unwrap();
    assert_eq!((stored.id, stored.balance), (card.summary.id, 2500));
    assert_eq!(
        row.misses(),
        0,
        "from_row and CARD_COLUMNS disagree on order"
    );
    assert_eq!(rows.columns.len(), 31);
}

/// A reader that takes columns out of order still finds each of them.
#[test]
fn columns_read_out_of_order_are_found() {
    let result = crate::storage::db::QueryResult {
        columns: vec!["a".into(), "b".into(), "c".into()],
        rows: vec![vec![
            Value::Integer(1),
            Value::Integer(2),
            Value::Integer(3),
        ]],
        rows_changed: 0,
        last_insert_id: 0,
    };
    let row = result.first().unwrap();
    assert_eq!(row.i64("c").unwrap(), 3);
    assert_eq!(row.i64("a").unwrap(), 1);
    assert_eq!(row.i64("B").unwrap(), 2);
    // `c` and then `a` (the hint had run past the last column) missed it.
    assert_eq!(row.misses(), 2);
    assert!(row.i64("d").is_err());
}
