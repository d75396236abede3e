//! `giftcard-harness doctor`: is this database sound? Four checks, each of
//! which can find what ordinary commands never would (a damaged page in a
//! table nobody reads leaves every write committing):
//!
//! 1. SQLite's own `PRAGMA integrity_check` over the whole file;
//! 2. the ledger invariant of every card, asked of the plugin
//!    (`reports.check-ledger`, a part at a time, read-only);
//! 3. the schema version the database holds against the component's;
//! 4. messages the host has not delivered yet.
//!
//! Every check only reads: the doctor can run beside a busy shop.

use anyhow::{Context, Result};
use giftcard_conformance::harness::Harness;
use giftcard_conformance::json::Outcome;
use giftcard_host::GiftCards;
use serde::Serialize;
use serde_json::{Value as Json, json};
use std::path::Path;

/// One check and what it found.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// `integrity`, `ledger`, `schema` or `outbox`.
    pub name: &'static str,
    /// What was looked at, in words (`120 cards, 340 ledger rows`).
    pub summary: String,
    /// What is wrong; empty when the check passed.
    pub findings: Vec<String>,
}

/// Everything the doctor found.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether any check found something.
    pub fn healthy(&self) -> bool {
        self.checks.iter().all(|c| c.findings.is_empty())
    }
}

/// The most findings one check lists (the rest are counted).
const MAX_LISTED: usize = 100;

/// SQLite's integrity check of the file at `database`, opened read-only so
/// a damaged file is never written to. A file too damaged for the check to
/// run is itself a finding.
pub fn integrity(database: &Path) -> Check {
    let run = || -> Result<Vec<String>> {
        let conn = rusqlite::Connection::open_with_flags(
            database,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("opening {}", database.display()))?;
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            let row = row?;
            if row != "ok" {
                out.push(row);
            }
        }
        Ok(out)
    };
    let findings = match run() {
        Ok(findings) => findings,
        Err(e) => vec![format!("the integrity check could not run: {e:#}")],
    };
    Check {
        name: "integrity",
        summary: format!("SQLite integrity check of {}", database.display()),
        findings: capped(findings),
    }
}

/// The ledger invariant of every card, through the plugin.
pub fn ledger(harness: &GiftCards) -> Check {
    let mut cards = 0u64;
    let mut rows = 0u64;
    let mut findings = Vec::new();
    let mut after = 0u64;
    loop {
        let args = json!({ "request": { "after-card": after, "limit": 0 } });
        let part = match harness.call_json_read("reports.check-ledger", &args) {
            Ok(Outcome::Ok(part)) => part,
            Ok(Outcome::Err(e)) => {
                findings.push(format!(
                    "the ledger check was refused: {}",
                    crate::render::error(&e)
                ));
                break;
            }
            Err(e) => {
                findings.push(format!("the ledger check failed: {e:#}"));
                break;
            }
        };
        cards += part["cards"].as_u64().unwrap_or(0);
        rows += part["rows"].as_u64().unwrap_or(0);
        for p in part["problems"].as_array().into_iter().flatten() {
            findings.push(format!(
                "card {}: {}",
                p["card-id"],
                p["detail"].as_str().unwrap_or("?")
            ));
        }
        match part["next-after"].as_u64() {
            Some(next) => after = next,
            None => break,
        }
    }
    Check {
        name: "ledger",
        summary: format!(
            "{cards} card(s), {rows} ledger row(s): balance = sum of rows, rows chained"
        ),
        findings: capped(findings),
    }
}

/// The database's schema version against the component's.
pub fn schema(harness: &GiftCards) -> Check {
    let version = |name: &str, pick: fn(&Json) -> Option<u64>| match harness
        .call_json_read(name, &Json::Null)
    {
        Ok(Outcome::Ok(v)) => pick(&v),
        _ => None,
    };
    let build = version("lifecycle.metadata", |m| m["schema-version"].as_u64());
    let database = version("lifecycle.database-version", Json::as_u64);
    let (summary, findings) = match (database, build) {
        (Some(d), Some(b)) if d == b => (format!("schema v{d}, as this build expects"), vec![]),
        (Some(d), Some(b)) if d < b => (
            format!("schema v{d}, this build's v{b}"),
            vec![format!(
                "the database's schema v{d} is older than this build's v{b}: the next command \
                 that opens it (other than info and doctor) migrates it"
            )],
        ),
        (Some(d), Some(b)) => (
            format!("schema v{d}, this build's v{b}"),
            vec![format!(
                "the database's schema v{d} is newer than this build's v{b}: upgrade the plugin"
            )],
        ),
        _ => (
            "schema version unknown".to_owned(),
            vec!["the component could not tell the database's schema version".to_owned()],
        ),
    };
    Check {
        name: "schema",
        summary,
        findings,
    }
}

/// Messages the host has not delivered.
pub fn outbox(harness: &GiftCards) -> Check {
    let findings = match harness.pending_messages() {
        Ok(pending) => pending
            .iter()
            .map(|p| {
                let mut line = format!(
                    "message {} ({} to {}, card {}) is not delivered after {} attempt(s)",
                    p.message_id, p.channel, p.recipient, p.card_id, p.attempts
                );
                if let Some(why) = &p.last_error {
                    line.push_str(&format!(": {why}"));
                }
                line
            })
            .collect(),
        Err(e) => vec![format!("the host outbox could not be read: {e:#}")],
    };
    Check {
        name: "outbox",
        summary: format!(
            "messages waiting for delivery: {} (`outbox retry` delivers them)",
            findings.len()
        ),
        findings: capped(findings),
    }
}

/// Every check; `harness` is `None` when the database could not be opened
/// by the component at all (that is then the finding).
pub fn examine(database: &Path, harness: Result<&GiftCards>) -> Report {
    examine_after(integrity(database), harness)
}

/// [`examine`] with the integrity check already run (before the harness
/// opened the file, as it should be).
pub fn examine_after(integrity: Check, harness: Result<&GiftCards>) -> Report {
    let mut checks = vec![integrity];
    match harness {
        Ok(harness) => {
            checks.push(schema(harness));
            checks.push(ledger(harness));
            checks.push(outbox(harness));
        }
        Err(e) => checks.push(Check {
            name: "open",
            summary: "opening the database through the component".to_owned(),
            findings: vec![format!("{e:#}")],
        }),
    }
    Report { checks }
}

fn capped(mut findings: Vec<String>) -> Vec<String> {
    if findings.len() > MAX_LISTED {
        let more = findings.len() - MAX_LISTED;
        findings.truncate(MAX_LISTED);
        findings.push(format!("… and {more} more"));
    }
    findings
}
