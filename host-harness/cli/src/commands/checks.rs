//! The commands that check: the conformance scenarios, the database doctor,
//! and the narrated demo.

use crate::open::{OPENED, config, open_at};
use crate::output::{Refused, say, say_json};
use crate::{Cli, DEMO_DB};
use anyhow::{Context, Result, bail};
use giftcard_conformance::scenario;
use giftcard_harness::demo;
use giftcard_host::GiftCards;
use serde_json::json;
use std::path::PathBuf;

/// `scenario run PATH…`: exit status 1 when one fails.
pub fn scenario(cli: &Cli, json_out: bool, paths: &[PathBuf]) -> Result<()> {
    let report = scenario::run_files(paths, cli.component.as_deref(), &crate::open::cache(cli))?;
    if json_out {
        say_json(&report.to_json())?;
    } else {
        report.write_text(&mut std::io::stdout())?;
    }
    let summary = report.summary();
    if summary.failed > 0 {
        bail!("{} scenario(s) failed", summary.failed);
    }
    Ok(())
}

/// `demo`: the narrated session, in a fresh `demo.db` unless `--db`.
pub fn demo(cli: &Cli) -> Result<()> {
    let db = match &cli.db {
        Some(db) => db.clone(),
        None => fresh_demo_db()?,
    };
    println!(
        "Running the demo in {}{}.",
        db.display(),
        if cli.db.is_none() {
            " (a fresh file: your giftcards.db is never touched; --db picks another)"
        } else {
            ""
        }
    );
    let harness = open_at(cli, db)?;
    demo::run(harness, &mut std::io::stdout())
}

/// `doctor`: every check, read-only (the database is opened without
/// migrating, so an old schema is reported rather than upgraded); exit
/// status 1 on any finding.
pub fn doctor(cli: &Cli, json_out: bool) -> Result<()> {
    let db = cli.db();
    if !db.exists() {
        bail!("there is no database at {}", db.display());
    }
    // SQLite's own check first, on a read-only connection, before anything
    // else touches a file that may be damaged.
    let integrity = giftcard_harness::doctor::integrity(&db);
    let harness = config(cli, db.clone()).and_then(|mut config| {
        config.options.read_only = true;
        let harness: &'static GiftCards =
            Box::leak(Box::new(giftcard_conformance::harness::open(&config)?));
        OPENED.lock().unwrap().push(harness);
        Ok(harness)
    });
    let report =
        giftcard_harness::doctor::examine_after(integrity, harness.map(|h| h as &GiftCards));
    if json_out {
        say_json(&json!({ "healthy": report.healthy(), "checks": report.checks }))?;
    } else {
        for check in &report.checks {
            let mark = if check.findings.is_empty() {
                "ok"
            } else {
                "FOUND"
            };
            say(&format!("{mark:<5} {}: {}", check.name, check.summary));
            for finding in &check.findings {
                say(&format!("      - {finding}"));
            }
        }
    }
    if report.healthy() {
        Ok(())
    } else {
        let found: usize = report.checks.iter().map(|c| c.findings.len()).sum();
        Err(Refused(format!("the doctor found {found} problem(s)")).into())
    }
}

/// `demo.db` in the current folder, emptied first (with its WAL files and
/// outbox) so every demo starts from nothing.
fn fresh_demo_db() -> Result<PathBuf> {
    let db = PathBuf::from(DEMO_DB);
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let path = PathBuf::from(format!("{DEMO_DB}{suffix}"));
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {}", path.display())),
        }
    }
    let outbox = giftcard_host::outbox::Outbox::next_to(&db);
    match std::fs::remove_dir_all(outbox.dir()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("removing {}", outbox.dir().display())),
    }
    Ok(db)
}
