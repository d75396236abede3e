//! The command line tells the truth: refusals exit 1, errors read as words,
//! read-only commands never wait for another process's write, the demo
//! never touches a shop's database, a closed pipe ends quietly, stored
//! control characters never reach the terminal, and cards are named by id
//! or code everywhere.

use serde_json::Value as Json;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn run_in(cwd: &Path, db: Option<&Path>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_giftcard-harness"));
    cmd.current_dir(cwd);
    if let Some(db) = db {
        cmd.arg("--db").arg(db);
    }
    cmd.args(["--fixed-clock", "2026-05-01T10:00:00Z", "--seed", "3"])
        .args(args)
        .output()
        .expect("run giftcard-harness")
}

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Cli {
        Cli {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn db(&self) -> std::path::PathBuf {
        self.dir.path().join("shop.db")
    }

    fn run(&self, args: &[&str]) -> Output {
        run_in(self.dir.path(), Some(&self.db()), args)
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", err(&out));
        text(&out)
    }

    fn card(&self, extra: &[&str]) -> Json {
        let mut args = vec!["--json", "card", "create", "--amount", "10"];
        args.extend_from_slice(extra);
        serde_json::from_str(&self.ok(&args)).unwrap()
    }
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_refused_balance_check_exits_1() {
    let cli = Cli::new();
    let card = cli.card(&[]);
    let code = card["code"].as_str().unwrap();
    assert!(cli.ok(&["balance", code]).contains("10.00 USD"));
    assert!(cli.ok(&["public-balance", code]).contains("10.00 USD"));
    for args in [
        &["balance", "NOPE-NOPE-NOPE"][..],
        &["public-balance", "NOPE-NOPE-NOPE"],
        &["--json", "balance", "NOPE-NOPE-NOPE"],
    ] {
        let out = cli.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            text(&out).contains("not valid") || text(&out).contains("not-available"),
            "the answer is still shown: {}",
            text(&out)
        );
    }
    // Used up the key's allowance: rate limited, exit 1 too.
    for _ in 0..10 {
        cli.run(&["balance", "NOPE-NOPE-NOPE", "--client-key", "k"]);
    }
    let out = cli.run(&["balance", code, "--client-key", "k"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("Too many attempts"), "{}", text(&out));
}

#[test]
fn errors_read_as_words_never_json() {
    let cli = Cli::new();
    let id = cli.card(&[])["id"].to_string();
    let out = cli.run(&["card", "adjust", &id, "--amount", "-50", "--comment", "x"]);
    assert_eq!(out.status.code(), Some(1));
    let e = err(&out);
    assert!(e.contains("insufficient-balance: 10.00 USD"), "{e}");
    assert!(!e.contains('{') && !e.contains('"'), "{e}");
    let out = cli.run(&["card", "disable", &id]);
    assert_eq!(out.status.code(), Some(0));
    let out = cli.run(&["card", "disable", &id]);
    let e = err(&out);
    assert!(e.contains("status: disabled") && !e.contains('{'), "{e}");
}

/// Read-only commands work while another process holds the write lock:
/// they neither take it nor migrate a current schema.
#[test]
fn read_only_commands_do_not_wait_for_a_writer() {
    let cli = Cli::new();
    let card = cli.card(&["--comment", "held"]);
    let id = card["id"].to_string();
    let code = card["code"].as_str().unwrap().to_owned();
    cli.ok(&["card", "send", &id, "--to", "z@example.com"]);
    let pdf = cli.dir.path().join("locked.pdf");
    let pdf = pdf.to_str().unwrap().to_owned();
    let writer = rusqlite::Connection::open(cli.db()).unwrap();
    writer
        .execute_batch("BEGIN IMMEDIATE; UPDATE gc_cards SET comment = 'mid-write'")
        .unwrap();
    for args in [
        &["card", "print", &id, "--out", &pdf][..],
        &["card", "show", &id],
        &["card", "show", &code],
        &["card", "list"],
        &["card", "history", &id],
        &["card", "delivery", &code],
        &["history"],
        &["stats"],
        &["settings", "show"],
        &["product", "list"],
        &["outbox", "list"],
        &["outbox", "pending"],
        &["info"],
    ] {
        let out = cli.run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?} while locked: {}",
            err(&out)
        );
    }
    // It reads the last committed state, not the open write.
    assert!(cli.ok(&["card", "show", &id]).contains("held"));
    // A write waits for the lock and, as the writer never lets go, fails;
    // it is the only kind of command that does.
    writer.execute_batch("ROLLBACK").unwrap();
    let info = cli.ok(&["info"]);
    assert!(info.contains("schema v5 (database v5)"), "{info}");
}

#[test]
fn the_demo_never_writes_into_the_shop_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), None, &["demo"]);
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    let first = text(&out).lines().next().unwrap_or_default().to_owned();
    assert!(first.contains("demo.db"), "{first}");
    assert!(dir.path().join("demo.db").exists());
    assert!(
        !dir.path().join("giftcards.db").exists(),
        "the default database was written"
    );
    // A second run starts afresh rather than adding to the first.
    let again = run_in(dir.path(), None, &["demo"]);
    assert_eq!(again.status.code(), Some(0), "{}", err(&again));
    assert_eq!(
        text(&out).lines().count(),
        text(&again).lines().count(),
        "the same demo both times"
    );
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let cli = Cli::new();
    cli.ok(&[
        "batch",
        "create",
        "--name",
        "B",
        "--value",
        "5",
        "--currency",
        "USD",
    ]);
    cli.ok(&["batch", "generate", "--definition", "1", "--count", "600"]);
    for args in [
        &["card", "list", "--page-size", "500"][..],
        &["--json", "card", "list", "--page-size", "500"],
        &["card", "export"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_giftcard-harness"))
            .arg("--db")
            .arg(cli.db())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let e = err(&out);
        assert!(
            !e.contains("panicked") && !e.contains("Broken pipe") && e.trim().is_empty(),
            "{args:?}: {e}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert!(
                out.status.success() || out.status.signal() == Some(libc_sigpipe()),
                "{args:?}: {:?}",
                out.status
            );
        }
    }
}

#[cfg(unix)]
fn libc_sigpipe() -> i32 {
    13
}

/// Data stored with control characters (written before they were refused,
/// or behind the plugin's back) is shown escaped, never raw.
#[test]
fn stored_control_characters_never_reach_the_terminal() {
    let cli = Cli::new();
    let id = cli.card(&["--customer", "cust-1"])["id"].to_string();
    let conn = rusqlite::Connection::open(cli.db()).unwrap();
    conn.execute(
        "UPDATE gc_cards SET comment = ?1, customer_id = ?2",
        [
            "evil\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}2J\u{2028}",
            "cu\rst\u{202e}",
        ],
    )
    .unwrap();
    drop(conn);
    for args in [
        &["card", "show", &id][..],
        &["card", "list"],
        &["card", "export"],
        &["--json", "card", "show", &id],
    ] {
        // CSV's own record ends (CRLF) aside.
        let out = cli.ok(args).replace("\r\n", "\n");
        assert!(
            !out.chars()
                .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
            "{args:?} printed a raw control character: {out:?}"
        );
        assert!(
            out.contains("evil") || out.contains("cu\\u{d}st") || args.contains(&"list"),
            "{args:?}: {out}"
        );
    }
    assert!(cli.ok(&["card", "show", &id]).contains("\\u{1b}[2J"));
    // New input with control characters is refused, naming the field.
    let out = cli.run(&["card", "create", "--amount", "5", "--comment", "a\u{1b}b"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err(&out).contains("comment: must not contain control characters"),
        "{}",
        err(&out)
    );
    assert!(!err(&out).contains('\u{1b}'));
}

/// Every command that takes a card takes its id or its code.
#[test]
fn cards_are_named_by_id_or_code_everywhere() {
    let cli = Cli::new();
    let card = cli.card(&["--recipient-email", "r@example.com"]);
    let code = card["code"].as_str().unwrap().to_lowercase();
    let id = cli.card(&[])["id"].to_string();
    assert!(cli.ok(&["card", "send", &code]).contains("r@example.com"));
    assert!(cli.ok(&["card", "resend", &code]).contains("resend"));
    assert!(
        cli.ok(&["card", "delivery", &code])
            .contains("r@example.com")
    );
    let pdf = cli.dir.path().join("one.pdf");
    cli.ok(&["card", "print", &code, &id, "--out", pdf.to_str().unwrap()])
        .contains("2 page(s)")
        .then_some(())
        .expect("printed by code and id");
    let out = cli.run(&["card", "send", "NOT-A-CARD-CODE"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(err(&out).contains("card-not-found"), "{}", err(&out));
}

#[test]
fn global_options_have_their_own_heading() {
    let cli = Cli::new();
    for args in [&["--help"][..], &["card", "show", "--help"]] {
        let help = cli.ok(args);
        let global = help
            .find("Global options:")
            .expect("a Global options heading");
        assert!(help[global..].contains("--db <PATH>"), "{help}");
        assert!(help[global..].contains("--json"), "{help}");
    }
}
