//! How the command line prints: text a terminal cannot be driven by, JSON,
//! one call's outcome, and what could not be delivered.

use crate::render;
use anyhow::{Result, bail};
use giftcard_conformance::Harness;
use giftcard_conformance::json::Outcome;
use giftcard_host::GiftCards;
use serde_json::{Value as Json, json};

/// Prints text for a person: control characters from stored data are
/// escaped ([`render::printable`]), so nothing a customer typed can drive
/// the terminal.
pub fn say(text: &str) {
    println!("{}", render::printable(text));
}

/// Prints a value as JSON ([`json_text`]).
pub fn say_json(v: &Json) -> Result<()> {
    println!("{}", json_text(v));
    Ok(())
}

/// A value as pretty JSON a terminal cannot be fooled by: serde escapes the
/// C0 control characters itself; DEL, the C1 controls (U+0080–U+009F: some
/// terminals read U+009B as a control sequence), the Unicode line
/// separators and the bidirectional overrides, which JSON allows raw, are
/// written as `\uXXXX` escapes too (they can only occur inside strings,
/// where the escape means the same).
pub fn json_text(v: &Json) -> String {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c != '\n' && giftcard_engine::cards::forbidden(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Makes one call that may write and prints its outcome; `Err` when the
/// plugin refused.
pub fn call_and_print(
    harness: &GiftCards,
    json_out: bool,
    name: &str,
    args: Json,
    human: fn(&Json) -> String,
) -> Result<()> {
    print_outcome(harness.call_json(name, &args)?, json_out, name, human)
}

/// Makes one call that only reads (in a read-only transaction: no write
/// lock) and prints its outcome; `Err` when the plugin refused.
pub fn read_and_print(
    harness: &GiftCards,
    json_out: bool,
    name: &str,
    args: Json,
    human: fn(&Json) -> String,
) -> Result<()> {
    print_outcome(harness.call_json_read(name, &args)?, json_out, name, human)
}

pub fn print_outcome(
    outcome: Outcome,
    json_out: bool,
    name: &str,
    human: fn(&Json) -> String,
) -> Result<()> {
    let v = ok_or_refused(outcome, json_out, name)?;
    if json_out {
        say_json(&v)?;
    } else {
        say(&human(&v));
    }
    Ok(())
}

/// The `ok` value of the call `name`; its refusal is printed (as JSON, with
/// `--json`) and becomes the error.
pub fn ok_or_refused(outcome: Outcome, json_out: bool, name: &str) -> Result<Json> {
    match outcome {
        Outcome::Ok(v) => Ok(v),
        Outcome::Err(e) => {
            if json_out {
                say_json(&json!({ "error": e }))?;
            }
            bail!("{name} refused: {}", render::error(&e))
        }
    }
}

/// A customer-facing answer (`found`, `not-available`, `rate-limited`):
/// printed either way, and a refusal is exit status 1, as every refusal is.
pub fn answer_and_print(
    harness: &GiftCards,
    json_out: bool,
    name: &str,
    args: Json,
    human: fn(&Json) -> String,
) -> Result<()> {
    let outcome = harness.call_json(name, &args)?;
    let refused = match &outcome {
        Outcome::Ok(v) if v.get("found").is_none() => Some(human(v)),
        _ => None,
    };
    print_outcome(outcome, json_out, name, human)?;
    match refused {
        Some(why) => Err(Refused(why).into()),
        None => Ok(()),
    }
}

/// A refusal already printed on standard output: `main` exits 1 without
/// printing it again.
#[derive(Debug)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// Reports, on standard error, every message the command's harnesses could
/// not deliver (the change that sent it is committed; the message stays
/// pending): as an error when this command queued it, as a warning when an
/// earlier one did (it was only tried again on the way). Whether one of
/// them was this command's own.
pub fn report_undelivered(json_out: bool) -> bool {
    let opened = crate::open::OPENED.lock().unwrap().clone();
    let mut failed_own = false;
    let mut report = Vec::new();
    for h in &opened {
        for u in h.take_undelivered() {
            let own = h.queued_since_open(u.row);
            failed_own |= own;
            eprintln!(
                "{}",
                render::printable(&format!(
                    "{}: message {} ({} to {}) for card {} {} not delivered: {}. It stays \
                     pending: `giftcard-harness outbox retry` (or the next command) tries again.",
                    if own { "error" } else { "warning" },
                    u.message_id,
                    u.channel,
                    u.recipient,
                    u.card_id,
                    if own { "was" } else { "is still" },
                    u.reason
                ))
            );
            report.push(json!({ "message-id": u.message_id, "card-id": u.card_id,
                "channel": u.channel.as_str(), "recipient": u.recipient, "reason": u.reason,
                "this-command": own }));
        }
        for e in h.take_delivery_errors() {
            failed_own = true;
            eprintln!(
                "{}",
                render::printable(&format!(
                    "error: the change committed, but its messages could not be delivered \
                     now ({e}); they stay pending and are tried again by the next command."
                ))
            );
        }
    }
    if json_out && !report.is_empty() {
        // On standard error: standard output holds the command's own JSON.
        eprintln!("{}", json_text(&json!({ "undelivered": report })));
    }
    failed_own
}

/// Restores the default action of `SIGPIPE` (which Rust's runtime ignores),
/// so writing to a closed pipe (`giftcard-harness card list | head`) ends
/// the program quietly, as other command-line tools do, instead of a panic
/// in `println!`. A command ended that way is safe: every call is its own
/// transaction, and a message not yet delivered stays pending.
pub fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any other thread exists;
    // `SIG_DFL` is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
