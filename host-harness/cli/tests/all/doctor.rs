//! `giftcard-harness doctor` finds what ordinary commands never would: a
//! damaged page in a table nobody reads, a balance that drifted from its
//! ledger, an old schema, messages still waiting. Exit 1 on any finding;
//! it never writes.

use serde_json::Value as Json;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::process::Output;

fn run(db: &Path, args: &[&str]) -> Output {
    crate::common::command(db, "4", args).output().unwrap()
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn doctor(db: &Path) -> (Option<i32>, Json) {
    let out = run(db, &["--json", "doctor"]);
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), report)
}

fn findings(report: &Json, check: &str) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == check)
        .unwrap_or_else(|| panic!("no {check} check in {report}"))["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect()
}

fn shop(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("shop.db");
    for amount in ["10", "20", "30"] {
        ok(
            &db,
            &[
                "card",
                "create",
                "--amount",
                amount,
                "--recipient-email",
                "a@example.com",
            ],
        );
    }
    ok(
        &db,
        &[
            "card",
            "adjust",
            "2",
            "--amount",
            "-5",
            "--comment",
            "spent",
        ],
    );
    db
}

#[test]
fn a_sound_database_passes_every_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = shop(dir.path());
    let (code, report) = doctor(&db);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["healthy"], true);
    let text = ok(&db, &["doctor"]);
    for check in ["integrity", "schema", "ledger", "outbox"] {
        assert!(text.contains(&format!("ok    {check}")), "{text}");
    }
    assert!(text.contains("3 card(s), 4 ledger row(s)"), "{text}");
}

/// A corrupted page in a table no command reads: writes keep committing,
/// only the doctor sees it.
#[test]
fn a_damaged_page_nobody_reads_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let db = shop(dir.path());
    let root: i64 = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE host_archive (id INTEGER PRIMARY KEY, note TEXT); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
             INSERT INTO host_archive SELECT i, printf('note %d, padded to fill pages', i) FROM n;",
        )
        .unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        conn.query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = 'host_archive'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let page_size = 4096u64;
    let mut file = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
    file.seek(SeekFrom::Start((root as u64 - 1) * page_size))
        .unwrap();
    file.write_all(&[0xA5; 64]).unwrap();
    file.sync_all().unwrap();
    drop(file);

    // Ordinary work goes on as if nothing happened.
    ok(&db, &["card", "create", "--amount", "40"]);
    ok(&db, &["card", "list"]);
    let (code, report) = doctor(&db);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["healthy"], false);
    let found = findings(&report, "integrity");
    assert!(!found.is_empty(), "{report}");
    assert!(findings(&report, "ledger").is_empty(), "{report}");
}

#[test]
fn a_balance_that_drifted_from_its_ledger_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let db = shop(dir.path());
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE gc_cards SET balance = balance + 100 WHERE id = 2",
        [],
    )
    .unwrap();
    drop(conn);
    let (code, report) = doctor(&db);
    assert_eq!(code, Some(1));
    let found = findings(&report, "ledger");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("card 2")
            && found[0].contains("balance 16.00 USD but the ledger sums to 15.00 USD"),
        "{found:?}"
    );
    let text = run(&db, &["doctor"]);
    assert_eq!(text.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&text.stdout).contains("FOUND ledger"));
}

#[test]
fn waiting_messages_and_an_old_schema_are_found_and_left_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let db = shop(dir.path());
    let blocker = dir.path().join("afile");
    std::fs::write(&blocker, "x").unwrap();
    let bad = blocker.join("outbox");
    let out = run(
        &db,
        &["--outbox", bad.to_str().unwrap(), "card", "send", "1"],
    );
    assert_eq!(out.status.code(), Some(1));
    let (code, report) = doctor(&db);
    assert_eq!(code, Some(1));
    let waiting = findings(&report, "outbox");
    assert_eq!(waiting.len(), 1, "{report}");
    assert!(waiting[0].contains("Not a directory"), "{waiting:?}");

    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE gc_schema SET version = 4", [])
        .unwrap();
    let (code, report) = doctor(&db);
    assert_eq!(code, Some(1));
    let schema = findings(&report, "schema");
    assert!(
        schema[0].contains("v4 is older than this build's v5"),
        "{schema:?}"
    );
    // `info` shows it as it is, without migrating either.
    let info = ok(&db, &["info"]);
    assert!(info.contains("schema v5 (database v4)"), "{info}");
    let version: i64 = conn
        .query_row("SELECT version FROM gc_schema", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 4, "neither the doctor nor info migrates");
}

#[test]
fn no_database_is_an_error_not_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("missing.db");
    let out = run(&db, &["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database"));
    assert!(!db.exists());
}
