//! Delivery is at least once and never loses or overwrites a message: a
//! message counts as delivered only once its file is durable (or the SMTP
//! server took it), stays pending through any failure or crash, is retried
//! by the next process, `tick` and `outbox retry`, keeps one file name and
//! one `Message-ID` however often it is tried, and the plugin's record tells
//! the truth (pending, failed with the reason, delivered).

use crate::common;
use crate::smtp_sink;
use giftcard_host::GiftCards;

use common::{T0, ok, run_cli, runtime};
use giftcard_conformance::harness::{Harness, HarnessConfig};

use giftcard_host::outbox::{Channel, Message, MessageKind, Outbox, Smtp};
use mail_parser::MessageParser;
use serde_json::{Value as Json, json};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn open(db: &Path, outbox: Option<PathBuf>, smtp: Option<String>) -> GiftCards {
    let mut config = HarnessConfig::replayable(db, T0, 5);
    config.options.delivery.outbox = outbox;
    config.options.delivery.smtp = smtp.map(|s| Smtp::parse(&s).unwrap());
    giftcard_conformance::harness::open_with(runtime(), &config).expect("open harness")
}

fn card(h: &GiftCards, email: &str) -> u64 {
    ok(h.call_json(
        "admin.create-card",
        &json!({ "amount": { "amount": "20", "currency": "EUR" }, "recipient-email": email, "admin-user": "t" }),
    )
    .unwrap())["id"]
        .as_u64()
        .unwrap()
}

fn send(h: &GiftCards, card: u64) -> Json {
    ok(h.call_json(
        "delivery.send-card",
        &json!({ "request": { "card-id": card, "channel": "email", "admin": "t" } }),
    )
    .unwrap())
}

fn status(h: &GiftCards, card: u64) -> Json {
    ok(
        h.call_json_read("delivery.get-card-delivery", &json!({ "card-id": card }))
            .unwrap(),
    )["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone()
}

fn cli(db: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    run_cli(db, "8", args)
}

/// Creates a card through the command line; returns its id.
fn cli_card(db: &Path, amount: &str, email: &str) -> String {
    let (code, out, err) = cli(
        db,
        &[
            "--json",
            "card",
            "create",
            "--amount",
            amount,
            "--recipient-email",
            email,
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    serde_json::from_str::<Json>(&out).unwrap()["id"].to_string()
}

/// What the command line prints for `args`, as JSON.
fn cli_json(db: &Path, args: &[&str]) -> Json {
    let (_, out, _) = cli(db, args);
    serde_json::from_str(&out).unwrap()
}

/// `card delivery` of card `id`, as JSON.
fn cli_delivery(db: &Path, id: &str) -> Json {
    cli_json(db, &["--json", "card", "delivery", id])
}

/// An outbox folder that cannot be made (a file is in the way), as the
/// `--outbox` flag takes it.
fn unwritable_outbox(dir: &tempfile::TempDir) -> String {
    let blocker = dir.path().join("afile");
    std::fs::write(&blocker, "x").unwrap();
    blocker.join("outbox").to_str().unwrap().to_owned()
}

/// A database in `dir` with a card of 10.00 for `email` made through the
/// command line, and an outbox that cannot be made: (database, outbox, id).
fn cli_card_and_unwritable_outbox(
    dir: &tempfile::TempDir,
    email: &str,
) -> (PathBuf, String, String) {
    let db = dir.path().join("ob.db");
    let id = cli_card(&db, "10", email);
    (db, unwritable_outbox(dir), id)
}

/// Turns the host tables back into the at-most-once harness's shape (a
/// `dispatched` flag, no `host_meta`); `refill` copies the rows of
/// `old_outbox` back into `host_outbox`.
fn downgrade_host_tables(db: &Path, refill: &str) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch(&format!(
        "CREATE TABLE old_outbox AS SELECT id, message_id, card_id, kind, channel, from_name, \
         recipient, subject, text_body, html_body FROM host_outbox; \
         DROP TABLE host_outbox; DROP TABLE host_meta; \
         CREATE TABLE host_outbox (id BIGINT PRIMARY KEY, message_id BIGINT NOT NULL, \
         card_id BIGINT NOT NULL, kind TEXT NOT NULL, channel TEXT NOT NULL, \
         from_name TEXT NOT NULL, recipient TEXT NOT NULL, subject TEXT NOT NULL, \
         text_body TEXT NOT NULL, html_body TEXT, dispatched BIGINT NOT NULL DEFAULT 0); \
         {refill} DROP TABLE old_outbox;"
    ))
    .unwrap();
}

fn message_id(eml: &[u8]) -> String {
    MessageParser::default()
        .parse(eml)
        .unwrap()
        .message_id()
        .unwrap()
        .to_owned()
}

/// The reproduction: the outbox folder cannot be made (a file is in
/// the way). The card change commits, the message stays pending with the
/// reason in the plugin's record, and a later run delivers it.
#[test]
fn a_message_that_cannot_be_written_stays_pending_and_is_delivered_later() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ob.db");
    let broken = open(&db, Some(unwritable_outbox(&dir).into()), None);
    let id = card(&broken, "ann@example.com");
    let sent = send(&broken, id);
    assert_eq!(sent["status"], "pending", "handed over, not delivered yet");
    let undelivered = broken.take_undelivered();
    assert_eq!(undelivered.len(), 1);
    assert!(
        undelivered[0].reason.contains("Not a directory"),
        "{undelivered:?}"
    );
    let record = status(&broken, id);
    assert_eq!(record["status"], "failed");
    common::assert_mentions(&record["failure"], "Not a directory");
    assert_eq!(record["delivered-at"], Json::Null);
    assert_eq!(broken.pending_messages().unwrap().len(), 1);
    // Trying again in the same process fails the same way, and keeps it.
    let again = broken.dispatch_outbox().unwrap();
    assert_eq!((again.delivered.len(), again.failed.len()), (0, 1));
    assert_eq!(
        broken.pending_messages().unwrap()[0].attempts,
        2,
        "every attempt is counted"
    );
    drop(broken);

    // The next process, with a folder it can write, delivers it.
    let fixed = open(&db, None, None);
    let d = fixed.dispatch_outbox().unwrap();
    assert_eq!((d.delivered.len(), d.failed.len()), (1, 0));
    let entry = &d.delivered[0];
    let file = Outbox::next_to(&db).dir().join(&entry.file);
    assert!(file.is_file(), "{}", file.display());
    assert!(entry.file.starts_with(&format!(
        "{:06}-email-",
        sent["message-id"].as_u64().unwrap()
    )));
    let record = status(&fixed, id);
    assert_eq!(record["status"], "delivered");
    assert_eq!(record["failure"], Json::Null);
    assert!(fixed.pending_messages().unwrap().is_empty());
    // Nothing is delivered twice.
    let later = fixed.dispatch_outbox().unwrap();
    assert!(later.delivered.is_empty() && later.failed.is_empty());
    assert_eq!(fixed.outbox().list().unwrap().len(), 1);
}

/// The same through the command line: `card send` exits 1 and says the
/// message was not delivered (the send itself committed); `outbox pending`
/// lists it; `outbox retry` delivers it; `tick` retries too.
#[test]
fn the_cli_reports_an_undelivered_message_and_retries_it() {
    let dir = tempfile::tempdir().unwrap();
    let (db, bad, id) = cli_card_and_unwritable_outbox(&dir, "a@example.com");

    let (code, out, err) = cli(&db, &["--outbox", &bad, "card", "send", &id]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("pending"),
        "the committed send is shown: {out}"
    );
    assert!(
        err.contains("was not delivered")
            && err.contains("Not a directory")
            && err.contains("outbox retry"),
        "{err}"
    );
    let (code, out, _) = cli(&db, &["--outbox", &bad, "outbox", "pending"]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("a@example.com") && out.contains("Not a directory"),
        "{out}"
    );
    let (code, _, err) = cli(&db, &["--outbox", &bad, "outbox", "retry"]);
    assert_eq!(code, Some(1), "still failing: {err}");

    // A second card: its message fails too, then `tick` delivers both.
    let id2 = cli_card(&db, "5", "b@example.com");
    let (code, _, _) = cli(&db, &["--outbox", &bad, "card", "send", &id2]);
    assert_eq!(code, Some(1));
    let (code, _, err) = cli(&db, &["tick"]);
    assert_eq!(code, Some(0), "{err}");
    let (_, out, _) = cli(&db, &["outbox", "pending"]);
    assert!(out.contains("every message has been delivered"), "{out}");
    let d = cli_delivery(&db, &id);
    assert_eq!(d["messages"][0]["status"], "delivered");
    assert_ne!(d["delivered-at"], Json::Null);
    let (code, out, _) = cli(&db, &["outbox", "retry"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("nothing was waiting"), "{out}");
}

/// An SMTP server that refuses: the message is written to the outbox folder
/// but not delivered (exit 1, the record says failed); once the server is
/// back, `outbox retry` hands the same message over, with the same
/// Message-ID as the file already kept.
#[test]
fn a_failed_smtp_hand_off_is_reported_and_retried() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("smtp.db");
    let closed = common::closed_port();
    let id = cli_card(&db, "10", "c@example.com");
    let (code, out, err) = cli(&db, &["--smtp", &closed, "card", "send", &id]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        err.contains("SMTP to") && err.contains("not delivered"),
        "{err}"
    );
    let d = cli_delivery(&db, &id);
    assert_eq!(d["messages"][0]["status"], "failed");
    common::assert_mentions(&d["messages"][0]["failure"], "SMTP");
    assert_eq!(d["delivered-at"], Json::Null);

    let sink = smtp_sink::SmtpSink::start();
    let (code, out, err) = cli(&db, &["--smtp", &sink.address(), "outbox", "retry"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("delivered message"), "{out}");
    let got = sink.wait_for(1, Duration::from_secs(10));
    assert_eq!(got.len(), 1);
    let outbox = Outbox::next_to(&db);
    let entry = outbox.list().unwrap().pop().unwrap();
    assert!(entry.smtp.as_deref().unwrap().starts_with("sent to "));
    let kept = std::fs::read(outbox.dir().join(&entry.file)).unwrap();
    assert_eq!(message_id(&got[0].data), message_id(&kept));
    let d = cli_delivery(&db, &id);
    assert_eq!(d["messages"][0]["status"], "delivered");
}

/// A process killed while an SMTP server stalls: the next message never
/// overwrites the earlier one's file, the earlier one stays pending (claimed
/// by the dead process until its lease runs out) and is delivered by
/// `outbox retry --include-claimed`, with its own file name kept.
#[test]
fn a_process_killed_mid_delivery_loses_and_overwrites_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kill.db");
    // Accepts connections and never answers: lettre waits for a greeting.
    let stall = TcpListener::bind("127.0.0.1:0").unwrap();
    let stall_at = format!("127.0.0.1:{}", stall.local_addr().unwrap().port());
    let first = cli_card(&db, "10", "d@example.com");
    let second = cli_card(&db, "11", "e@example.com");

    let mut child = Command::new(env!("CARGO_BIN_EXE_giftcard-harness"))
        .arg("--db")
        .arg(&db)
        .args([
            "--fixed-clock",
            "2026-05-01T10:00:00Z",
            "--smtp",
            &stall_at,
            "card",
            "send",
            &first,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (_conn, _) = stall.accept().unwrap();
    // The message is claimed and its file written before SMTP is tried.
    let outbox = Outbox::next_to(&db);
    let deadline = Instant::now() + Duration::from_secs(20);
    let written = loop {
        let files: Vec<String> = std::fs::read_dir(outbox.dir())
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".eml"))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(f) = files.first() {
            break f.clone();
        }
        assert!(
            Instant::now() < deadline,
            "the stalled process wrote no file"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let before = std::fs::read(outbox.dir().join(&written)).unwrap();
    // The outbox holds `count` messages and the stalled one's file is as it
    // was; the file of message `i`.
    let file_of = |count: usize, i: usize| {
        let entries = outbox.list().unwrap();
        assert_eq!(entries.len(), count);
        assert_eq!(std::fs::read(outbox.dir().join(&written)).unwrap(), before);
        entries[i].file.clone()
    };

    // The next process sends another card: a file of its own.
    let (code, _, err) = cli(&db, &["card", "send", &second]);
    assert_eq!(code, Some(0), "{err}");
    assert_ne!(
        file_of(1, 0),
        written,
        "a later message never takes an earlier one's file"
    );

    // The first is still pending, claimed by the dead process.
    let pending = cli_json(&db, &["--json", "outbox", "pending"]);
    assert_eq!(pending.as_array().unwrap().len(), 1);
    let (code, _, _) = cli(&db, &["outbox", "retry"]);
    assert_eq!(code, Some(0), "a live claim is left alone");
    assert_eq!(outbox.list().unwrap().len(), 1);
    let (code, out, err) = cli(&db, &["outbox", "retry", "--include-claimed"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(
        file_of(2, 1),
        written,
        "the kept file is the message's file"
    );
    let d = cli_delivery(&db, &first);
    assert_eq!(d["messages"][0]["status"], "delivered");
}

fn sample(message_id: u64) -> Message {
    Message {
        message_id,
        card_id: 7,
        kind: MessageKind::Send,
        channel: Channel::Email,
        from_name: "Shop".into(),
        recipient: "f@example.com".into(),
        subject: "Your card".into(),
        text_body: "Hello".into(),
        html_body: None,
        attachments: Vec::new(),
    }
}

/// Delivering one message again (a retry after a crash) keeps its file and
/// its index line, and every copy handed to SMTP has the same Message-ID;
/// two outboxes' keys keep their files and Message-IDs apart.
#[test]
fn a_message_delivered_twice_is_one_message() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::at(dir.path().join("box"));
    let sink = smtp_sink::SmtpSink::start();
    let smtp = Smtp::parse(&sink.address()).unwrap();
    let m = sample(42);
    let first = outbox
        .deliver(&m, "gifts@shop.example", "k3x9f2ab", T0, Some(&smtp))
        .unwrap();
    let bytes = std::fs::read(outbox.dir().join(&first.file)).unwrap();
    let second = outbox
        .deliver(&m, "gifts@shop.example", "k3x9f2ab", T0 + 60, Some(&smtp))
        .unwrap();
    assert_eq!(first, second, "one index line");
    assert_eq!(outbox.list().unwrap().len(), 1);
    assert_eq!(
        std::fs::read(outbox.dir().join(&first.file)).unwrap(),
        bytes
    );
    let got = sink.wait_for(2, Duration::from_secs(10));
    assert_eq!(got.len(), 2, "at least once: the retry went out again");
    assert_eq!(message_id(&got[0].data), message_id(&got[1].data));
    assert_eq!(
        message_id(&got[0].data),
        "giftcard.7.42.k3x9f2ab@shop.example"
    );
    // Another database's message 42 is another message.
    let other = outbox
        .deliver(&m, "gifts@shop.example", "zzzz2222", T0, None)
        .unwrap();
    assert_ne!(other.file, first.file);
    assert_eq!(outbox.list().unwrap().len(), 2);
    let other_bytes = std::fs::read(outbox.dir().join(&other.file)).unwrap();
    assert_ne!(message_id(&other_bytes), message_id(&bytes));
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(outbox.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Many writers into one outbox: every message gets its own file and one
/// whole index line, numbered without gaps or repeats.
#[test]
fn concurrent_deliveries_append_whole_lines() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::at(dir.path().join("box"));
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let outbox = outbox.clone();
            s.spawn(move || {
                for i in 0..25 {
                    outbox
                        .deliver(
                            &sample(t * 100 + i),
                            "gifts@shop.example",
                            "k3x9f2ab",
                            T0,
                            None,
                        )
                        .unwrap();
                }
            });
        }
    });
    let entries = outbox.list().unwrap();
    assert_eq!(entries.len(), 100);
    let mut seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
    seqs.sort();
    assert_eq!(seqs, (1..=100).collect::<Vec<_>>());
    let mut files: Vec<&str> = entries.iter().map(|e| e.file.as_str()).collect();
    files.sort();
    files.dedup();
    assert_eq!(files.len(), 100);
}

/// A database whose host outbox was made by the at-most-once harness (a
/// `dispatched` flag): opening it upgrades the table; what it had flagged
/// counts as delivered, what it had not is delivered now.
#[test]
fn an_at_most_once_outbox_is_upgraded() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    {
        let h = open(&db, None, None);
        let id = card(&h, "g@example.com");
        // A message committed but never dispatched, as the old harness left it.
        let tx = h.begin().unwrap();
        let (tx, outcome) = h.call_json_in(
            tx,
            "delivery.send-card",
            &json!({ "request": { "card-id": id, "channel": "email", "admin": "t" } }),
        );
        ok(outcome.unwrap());
        tx.commit().unwrap();
    }
    // Turn the host tables back into the old shape: the message once not
    // dispatched, and a copy of it flagged as dispatched.
    downgrade_host_tables(
        &db,
        "INSERT INTO host_outbox SELECT *, 0 FROM old_outbox; \
         INSERT INTO host_outbox SELECT id + 100, message_id, card_id, kind, channel, \
         from_name, recipient, subject, text_body, html_body, 1 FROM old_outbox;",
    );
    let h = open(&db, None, None);
    let pending = h.pending_messages().unwrap();
    assert_eq!(pending.len(), 1, "the flagged copy counts as delivered");
    let d = h.dispatch_outbox().unwrap();
    assert_eq!(d.delivered.len(), 1);
    assert!(h.pending_messages().unwrap().is_empty());
}

/// A failed message waits out a back-off before the deliveries that follow
/// ordinary commands try it again (a server that is down must not slow
/// every command), and an earlier command's failure does not make a later,
/// unrelated command fail: only the command that queued a message reports
/// its failure as an error. `outbox retry` and `tick` try it at once.
#[test]
fn failed_messages_back_off_and_only_their_own_command_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (db, bad, id) = cli_card_and_unwritable_outbox(&dir, "h@example.com");
    let (code, out, err) = cli(&db, &["--json", "--outbox", &bad, "card", "send", &id]);
    assert_eq!(code, Some(1), "its own message failed: {err}");
    // Standard output holds exactly the command's answer; the failure is on
    // standard error, as JSON too.
    let answer: Json = serde_json::from_str(&out).expect("one JSON document on stdout");
    assert_eq!(answer["status"], "pending");
    assert!(err.contains("\"undelivered\""), "{err}");
    // Another command, the outbox still broken: it does not try the message
    // again yet, and does not fail for it.
    let (code, _, err) = cli(&db, &["--outbox", &bad, "card", "create", "--amount", "5"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("not delivered"), "{err}");
    let pending = cli_json(&db, &["--json", "outbox", "pending"]);
    assert_eq!(pending[0]["attempts"], 1, "left alone during its back-off");
    // tick tries it at once; its failure is a warning, tick itself succeeded.
    let (code, _, err) = cli(&db, &["--outbox", &bad, "tick"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("warning: message") && err.contains("is still not delivered"),
        "{err}"
    );
    // Asked for explicitly, a retry that does not deliver fails.
    let (code, _, _) = cli(&db, &["--outbox", &bad, "outbox", "retry"]);
    assert_eq!(code, Some(1));
    let (code, out, err) = cli(&db, &["outbox", "retry"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("delivered message"), "{out}");
}

/// Two databases with the same outbox key (a copy of a database) writing
/// into one folder: a file of the other's is never taken as this message's
/// delivery; the message stays pending.
#[test]
fn a_copy_of_a_database_cannot_pass_its_messages_off_as_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db");
    let b = dir.path().join("b.db");
    let shared = dir.path().join("shared-outbox");
    let shared = shared.to_str().unwrap();
    let id = cli_card(&a, "10", "one@example.com");
    {
        let conn = rusqlite::Connection::open(&a).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    std::fs::copy(&a, &b).unwrap();
    let send_to =
        |db: &Path, to: &str| cli(db, &["--outbox", shared, "card", "send", &id, "--to", to]);
    let (code, _, err) = send_to(&a, "one@example.com");
    assert_eq!(code, Some(0), "{err}");
    // The copy sends its own message 1 to someone else: same file name.
    let (code, _, err) = send_to(&b, "two@example.com");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("holds another message"), "{err}");
    let d = cli_delivery(&b, &id);
    assert_eq!(d["messages"][0]["status"], "failed");
    let entries = Outbox::at(PathBuf::from(shared)).list().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].recipient, "one@example.com");
    // Into its own folder, the copy's message goes out.
    let (code, _, err) = cli(&b, &["outbox", "retry"]);
    assert_eq!(code, Some(0), "{err}");
}

/// A host-table schema newer than this build is refused, never overwritten.
#[test]
fn newer_host_tables_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    drop(open(&db, None, None));
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE host_meta SET value = '9' WHERE name = 'schema'", [])
        .unwrap();
    let (code, _, err) = cli(&db, &["card", "list"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("newer than this build"), "{err}");
    let still: String = conn
        .query_row(
            "SELECT value FROM host_meta WHERE name = 'schema'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(still, "9");
}

/// A message the at-most-once harness flagged as taken but whose delivery
/// failed (the plugin recorded it `failed`) is pending again after the
/// upgrade, and goes out at last.
#[test]
fn a_failed_message_of_the_at_most_once_outbox_is_delivered_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old-failed.db");
    let card_id = {
        let h = open(&db, None, None);
        let id = card(&h, "k@example.com");
        send(&h, id);
        id
    };
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(
            "UPDATE gc_messages SET status = 'failed', failure = 'failed: SMTP down', \
             delivered_at = NULL; UPDATE gc_cards SET delivered_at = NULL;",
        )
        .unwrap();
    downgrade_host_tables(&db, "INSERT INTO host_outbox SELECT *, 1 FROM old_outbox;");
    let h = open(&db, Some(dir.path().join("fresh-box")), None);
    assert_eq!(h.pending_messages().unwrap().len(), 1, "pending again");
    let d = h.dispatch_outbox().unwrap();
    assert_eq!(d.delivered.len(), 1);
    assert_eq!(status(&h, card_id)["status"], "delivered");
}
