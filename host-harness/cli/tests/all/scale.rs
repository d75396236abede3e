//! Scale without surprises: with the default limits (64 MiB of guest memory,
//! a 5 s deadline per call), an export of 100,000 cards works, read from the
//! component a part at a time in one transaction. Not timed.

use std::collections::HashSet;
use std::process::Command;

fn cli(db: &std::path::Path, args: &[&str]) -> String {
    crate::common::run_cli_ok(db, "2", args)
}

#[test]
fn an_export_of_100000_cards_fits_the_default_limits() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("big.db");
    cli(
        &db,
        &[
            "batch",
            "create",
            "--name",
            "Big",
            "--value",
            "5",
            "--currency",
            "USD",
        ],
    );
    cli(
        &db,
        &[
            "batch",
            "generate",
            "--definition",
            "1",
            "--count",
            "100000",
        ],
    );
    let file = dir.path().join("all.csv");
    let said = cli(
        &db,
        &[
            "card",
            "export",
            "--include-codes",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(said.contains("100000 card(s) written"), "{said}");
    let csv = std::fs::read_to_string(&file).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(&reader.headers().unwrap()[0], "id");
    let mut ids = HashSet::new();
    let mut codes = HashSet::new();
    for row in reader.records() {
        let row = row.unwrap();
        assert!(ids.insert(row[0].to_owned()), "card {} twice", &row[0]);
        assert!(codes.insert(row[1].to_owned()));
    }
    assert_eq!(ids.len(), 100_000, "every card once");
    // Every part the plugin answered is in the audit trail: 20 parts of
    // 5,000 full codes.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (parts, logged, full): (i64, i64, i64) = conn
        .query_row(
            "SELECT COUNT(*), SUM(card_count), SUM(include_codes) FROM gc_card_exports",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((parts, logged, full), (20, 100_000, 20));
    // The same export to standard output, through a pipe.
    let piped = cli(&db, &["card", "export", "--status", "active"]);
    assert_eq!(piped.lines().count(), 100_001);
    // The whole-answer export refuses what does not fit one answer, typed.
    let out = Command::new(env!("CARGO_BIN_EXE_giftcard-harness"))
        .arg("--db")
        .arg(&db)
        .args(["call", "admin.export-cards", "--args"])
        .arg(r#"{"filter":{"page":{"page":1,"page-size":1}},"include-codes":false,"admin-user":"a"}"#)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("invalid-argument"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
