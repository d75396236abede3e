//! Shared set-up for the harness's integration tests: one compiled runtime per
//! test binary, a fresh database per test, a fixed clock and a seed.

#![allow(dead_code)]

use giftcard_conformance::Harness;
use giftcard_conformance::harness::{HarnessConfig, money};
use giftcard_conformance::json::{Limits, Outcome, Runtime};
use giftcard_host::GiftCards;
use serde_json::Value as Json;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// 2026-01-01T00:00:00Z
pub const T0: i64 = 1_767_225_600;

pub fn runtime() -> Arc<Runtime> {
    static RUNTIME: OnceLock<Arc<Runtime>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            Arc::new(Runtime::built_in(Limits::default()).expect("load the built component"))
        })
        .clone()
}

/// A harness on a fresh database in `dir`.
pub fn harness(dir: &tempfile::TempDir) -> GiftCards {
    let config = HarnessConfig::replayable(dir.path().join("test.db"), T0, 11);
    giftcard_conformance::harness::open_with(runtime(), &config).expect("open harness")
}

/// The `giftcard-harness` binary on `db`, at a fixed clock and `seed`,
/// with `args`.
pub fn command(db: &Path, seed: &str, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_giftcard-harness"));
    command
        .arg("--db")
        .arg(db)
        .args(["--fixed-clock", "2026-05-01T10:00:00Z", "--seed", seed])
        .args(args);
    command
}

/// Runs the `giftcard-harness` binary on `cli.db` in `dir`, on a fixed clock
/// and seed, as the command-line tests do.
pub fn cli(dir: &tempfile::TempDir, args: &[&str]) -> std::process::Output {
    command(&dir.path().join("cli.db"), "5", args)
        .output()
        .expect("run giftcard-harness")
}

/// Runs the `giftcard-harness` binary on `db` at a fixed clock and `seed`:
/// (exit code, stdout, stderr).
pub fn run_cli(db: &Path, seed: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let out = command(db, seed, args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// [`run_cli`] for a command that must succeed: its standard output.
pub fn run_cli_ok(db: &Path, seed: &str, args: &[&str]) -> String {
    let (code, out, err) = run_cli(db, seed, args);
    assert_eq!(code, Some(0), "{args:?}: {err}");
    out
}

/// The value of a call that must succeed.
pub fn ok(outcome: Outcome) -> Json {
    match outcome {
        Outcome::Ok(v) => v,
        Outcome::Err(e) => panic!("refused: {e}"),
    }
}

/// A command's standard output, as JSON.
pub fn json(o: &std::process::Output) -> Json {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

/// Runs the binary as [`cli`] does, insists that it succeeded (showing its
/// standard error if not) and returns its standard output as JSON.
pub fn cli_json(dir: &tempfile::TempDir, args: &[&str]) -> Json {
    let out = cli(dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out)
}

/// Card `id` as the plugin has it now.
pub fn get_card(h: &GiftCards, id: &Json) -> Json {
    h.call_json_ok(
        "admin.get-card",
        &serde_json::json!({ "card": { "id": id } }),
    )
    .unwrap()
}

/// Creates a card of `amount` USD through `h`, as admin `t`.
pub fn usd_card(h: &GiftCards, amount: &str) -> Json {
    h.call_json_ok(
        "admin.create-card",
        &serde_json::json!({ "amount": money(amount, "USD"), "admin-user": "t" }),
    )
    .unwrap()
}

/// Runs the binary as [`cli`] does, insists that it was refused (exit 1) and
/// returns its standard output (the typed error, with `--json`) as JSON.
pub fn cli_refused_json(dir: &tempfile::TempDir, args: &[&str]) -> Json {
    let out = cli(dir, args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out)
}

/// `127.0.0.1:PORT` where nothing listens: a port bound and let go again.
pub fn closed_port() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}

/// Asserts that `v` is a string containing `part`.
#[track_caller]
pub fn assert_mentions(v: &Json, part: &str) {
    let text = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
    assert!(text.contains(part), "{part:?} is not in {text:?}");
}

/// Runs `attempt(harness, thread, i)` for `i` in `0..per_thread` on each of
/// `threads` threads at once, all on the one harness `h`, and counts the
/// attempts that went through (`true`) and those refused (`false`), in that
/// order. A watchdog bounds the wait, so a lock-up fails the test instead
/// of hanging the suite; a thread's panic fails it too.
pub fn race(
    h: &Arc<GiftCards>,
    threads: usize,
    per_thread: usize,
    attempt: impl Fn(&GiftCards, usize, usize) -> bool + Send + Sync + 'static,
) -> (usize, usize) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc::{self, RecvTimeoutError};
    let attempt = Arc::new(attempt);
    let through = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let (done_tx, done_rx) = mpsc::channel();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (h, attempt, through, refused, done) = (
                Arc::clone(h),
                Arc::clone(&attempt),
                Arc::clone(&through),
                Arc::clone(&refused),
                done_tx.clone(),
            );
            std::thread::spawn(move || {
                for i in 0..per_thread {
                    let counter = if attempt(&h, t, i) {
                        &through
                    } else {
                        &refused
                    };
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                done.send(()).unwrap();
            })
        })
        .collect();
    drop(done_tx);
    for _ in 0..threads {
        match done_rx.recv_timeout(std::time::Duration::from_secs(300)) {
            Ok(()) => {}
            // Every sender gone early: a thread panicked; `join` says why.
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => panic!("a racing thread did not finish in time"),
        }
    }
    for handle in handles {
        handle.join().unwrap();
    }
    (
        through.load(Ordering::SeqCst),
        refused.load(Ordering::SeqCst),
    )
}

/// Races `attempt(harness, card, thread, i)` as [`race`] does against one
/// fresh card of 100.00 USD, each attempt worth 1.00: exactly 100 may go
/// through, and the card must end used up with a sound ledger.
pub fn race_to_drain_a_card_of_100(
    threads: usize,
    per_thread: usize,
    attempt: impl Fn(&GiftCards, &Json, usize, usize) -> bool + Send + Sync + 'static,
) {
    let dir = tempfile::tempdir().unwrap();
    let h = Arc::new(harness(&dir));
    let card = usd_card(&h, "100");
    let raced = card.clone();
    let (through, refused) = race(&h, threads, per_thread, move |h, t, i| {
        attempt(h, &raced, t, i)
    });
    assert_eq!(through, 100);
    assert_eq!(refused, threads * per_thread - 100);
    let card = get_card(&h, &card["id"]);
    assert_eq!(card["balance"]["amount"], "0.00");
    assert_eq!(card["status"], "used");
    assert!(h.ledger_problems().unwrap().is_empty());
}
