//! Delivery from the command line: `card send|resend|delivery|print`,
//! `outbox list|show|pending|retry`, `view TOKEN` (the recipient opening
//! the link) and `tick` (the scheduler). Cards are named by id or code.

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use giftcard_harness::printing::{self, PrintOutcome};
use giftcard_harness::render::{self, table};
use giftcard_host::Dispatch;
use giftcard_host::GiftCards;
use giftcard_host::outbox;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value as Json, json};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::commands::cards::card_id;
use crate::{call_and_print, read_and_print, say, say_json};

/// `card send|resend|delivery|print`.
#[derive(Subcommand)]
pub enum CardDeliveryCommand {
    /// Send a card now (email by default) to its recipient, its buyer, or --to.
    Send(SendArgs),
    /// Send a card again: to the last recipient on that channel unless --to.
    Resend(SendArgs),
    /// Show a card's delivery timeline: scheduled, sent, delivered, first
    /// viewed, reminded, and every message.
    Delivery {
        /// The card: its id, or its code (`code:123456` for an all-digit code).
        card: String,
    },
    /// Print cards to a PDF, one card per page (A6 landscape): code, value,
    /// balance, expiry, QR code and barcode.
    Print {
        /// The cards, in page order: ids or codes.
        #[arg(required = true, value_name = "CARD")]
        cards: Vec<String>,
        /// Where to write the PDF.
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
    },
}

#[derive(Args)]
pub struct SendArgs {
    /// The card: its id, or its code (`code:123456` for an all-digit code).
    card: String,
    /// How to send it: email, sms or print.
    #[arg(long, default_value = "email")]
    channel: String,
    /// An email address (email), a phone number with its country code (sms),
    /// or a name (print).
    #[arg(long)]
    to: Option<String>,
    /// The administrator's user name.
    #[arg(long, default_value = "admin")]
    admin_user: String,
}

/// `outbox list|show|pending|retry`.
#[derive(Subcommand)]
pub enum OutboxCommand {
    /// List the messages delivered to the outbox folder, oldest first.
    List,
    /// List the messages not delivered yet: attempts and the last failure.
    Pending,
    /// Try every message not delivered yet again, now (exit status 1 when
    /// one still fails; it stays pending).
    Retry {
        /// Also take messages another process is delivering (claimed in the
        /// last two minutes): after a crash, rather than waiting. Such a
        /// message may arrive twice, with the same Message-ID.
        #[arg(long)]
        include_claimed: bool,
    },
    /// Show one message: headers, text, attachments (`--raw` for the file).
    Show {
        /// The message's number in the outbox (`#` in `outbox list`).
        seq: u64,
        /// Print the stored file as it is (the .eml source, the SMS text).
        #[arg(long)]
        raw: bool,
    },
}

fn send_args(harness: &GiftCards, a: &SendArgs) -> Result<Json> {
    Ok(json!({ "request": {
        "card-id": card_id(harness, &a.card)?, "channel": a.channel, "recipient": a.to,
        "admin": a.admin_user,
    }}))
}

fn message(m: &Json) -> String {
    format!(
        "message {} ({}) by {} to {}: {} — {}",
        m["message-id"],
        m["kind"].as_str().unwrap_or("?"),
        m["channel"].as_str().unwrap_or("?"),
        m["recipient"].as_str().unwrap_or("?"),
        m["subject"].as_str().unwrap_or(""),
        m["status"].as_str().unwrap_or("?"),
    )
}

fn delivery(d: &Json) -> String {
    let at = |k: &str| d[k].as_str().unwrap_or("—").to_owned();
    let mut out = format!(
        "card {}\n  scheduled for   {}\n  sent            {}\n  delivered       {}\n  first viewed    {}\n  reminded        {}\n",
        d["card-id"],
        at("scheduled-for"),
        at("sent-at"),
        at("delivered-at"),
        at("first-viewed-at"),
        at("reminded-at")
    );
    let table = render::rows(
        &[
            "id",
            "kind",
            "channel",
            "to",
            "status",
            "due",
            "sent",
            "delivered",
        ],
        &d["messages"],
        |m| {
            let s = |k: &str| m[k].as_str().unwrap_or("").to_owned();
            [
                m["message-id"].to_string(),
                s("kind"),
                s("channel"),
                s("recipient"),
                match m["failure"].as_str() {
                    // The truth about a failed attempt: why, while it is retried.
                    Some(why) => format!("{}: {why}", s("status")),
                    None => s("status"),
                },
                s("scheduled-for"),
                s("sent-at"),
                s("delivered-at"),
            ]
        },
    );
    out.push_str(&table.to_string());
    out
}

pub fn run_card(harness: &GiftCards, json_out: bool, cmd: &CardDeliveryCommand) -> Result<()> {
    match cmd {
        CardDeliveryCommand::Send(a) => call_and_print(
            harness,
            json_out,
            "delivery.send-card",
            send_args(harness, a)?,
            message,
        ),
        CardDeliveryCommand::Resend(a) => call_and_print(
            harness,
            json_out,
            "delivery.resend-card",
            send_args(harness, a)?,
            message,
        ),
        CardDeliveryCommand::Delivery { card } => read_and_print(
            harness,
            json_out,
            "delivery.get-card-delivery",
            json!({ "card-id": card_id(harness, card)? }),
            delivery,
        ),
        CardDeliveryCommand::Print { cards, out } => {
            let ids = cards
                .iter()
                .map(|c| card_id(harness, c))
                .collect::<Result<Vec<_>>>()?;
            print(harness, json_out, &ids, out)
        }
    }
}

/// `card print`: the run goes through `delivery.print-part` a part at a
/// time (see [`giftcard_harness::printing`]), with a progress bar on a
/// terminal.
fn print(harness: &GiftCards, json_out: bool, ids: &[u64], out: &Path) -> Result<()> {
    let bar = if json_out || !std::io::stdout().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar =
            ProgressBar::with_draw_target(Some(ids.len() as u64), ProgressDrawTarget::stdout());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} pages · eta {eta}",
            )
            .expect("a valid template"),
        );
        bar
    };
    let outcome = printing::print_to_file(harness, ids, 0, out, |done, _| {
        bar.set_position(u64::from(done))
    });
    bar.finish_and_clear();
    match outcome? {
        PrintOutcome::Printed(done) => {
            if json_out {
                say_json(&json!({ "file": done.file, "pages": done.pages, "bytes": done.bytes }))?;
            } else {
                say(&format!(
                    "wrote {} ({} page(s), {} bytes)",
                    done.file.display(),
                    done.pages,
                    done.bytes
                ));
            }
            Ok(())
        }
        PrintOutcome::Refused { error, .. } => {
            if json_out {
                say_json(&json!({ "error": error }))?;
            }
            bail!("delivery.print-part refused: {}", render::error(&error))
        }
    }
}

pub fn run_outbox(harness: &GiftCards, json_out: bool, cmd: &OutboxCommand) -> Result<()> {
    let outbox = harness.outbox();
    match cmd {
        OutboxCommand::List => {
            let entries = outbox.list()?;
            if json_out {
                return say_json(&serde_json::to_value(&entries)?);
            }
            if entries.is_empty() {
                say("the outbox is empty");
            } else {
                let mut table = table(&[
                    "#", "at", "card", "kind", "channel", "to", "subject", "file", "smtp",
                ]);
                for e in &entries {
                    table.add_row([
                        e.seq.to_string(),
                        giftcard_engine::storage::time::format(e.at),
                        e.card_id.to_string(),
                        e.kind.clone(),
                        e.channel.to_string(),
                        e.recipient.clone(),
                        e.subject.clone(),
                        e.file.clone(),
                        e.smtp.clone().unwrap_or_default(),
                    ]);
                }
                say(&table.to_string());
            }
            let pending = harness.pending_messages()?.len();
            if pending > 0 {
                say(&format!(
                    "{pending} message(s) not delivered yet: `outbox pending` lists them, \
                     `outbox retry` tries them again"
                ));
            }
            Ok(())
        }
        OutboxCommand::Pending => {
            let pending = harness.pending_messages()?;
            if json_out {
                return say_json(&serde_json::to_value(&pending)?);
            }
            if pending.is_empty() {
                say("every message has been delivered");
                return Ok(());
            }
            let mut table = table(&[
                "message",
                "card",
                "kind",
                "channel",
                "to",
                "attempts",
                "last failure",
            ]);
            for p in &pending {
                table.add_row([
                    p.message_id.to_string(),
                    p.card_id.to_string(),
                    p.kind.clone(),
                    p.channel.to_string(),
                    p.recipient.clone(),
                    p.attempts.to_string(),
                    p.last_error.clone().unwrap_or_default(),
                ]);
            }
            say(&table.to_string());
            Ok(())
        }
        OutboxCommand::Retry { include_claimed } => {
            let dispatch = if *include_claimed {
                harness.dispatch_outbox_claimed_too()?
            } else {
                harness.dispatch_outbox()?
            };
            report_dispatch(&dispatch, json_out)?;
            if !dispatch.errors.is_empty() {
                bail!(
                    "some deliveries could not be recorded (they are tried again once their \
                     claim runs out): {}",
                    dispatch.errors.join("; ")
                );
            }
            if !dispatch.failed.is_empty() {
                // Each failure is reported by `main`; asking for a retry
                // that did not deliver is a failure.
                return Err(crate::output::Refused(format!(
                    "{} message(s) still not delivered",
                    dispatch.failed.len()
                ))
                .into());
            }
            Ok(())
        }
        OutboxCommand::Show { seq, raw } => {
            let (entry, bytes) = outbox.get(*seq)?;
            if *raw {
                raw_out(&bytes)
            } else if json_out {
                say_json(&json!({ "entry": entry, "summary": outbox::summary(&bytes) }))
            } else {
                say(&outbox::summary(&bytes));
                Ok(())
            }
        }
    }
}

/// The stored file as it is, for a pipe or a file; on a terminal its
/// control characters are escaped (a PDF is not dumped there at all).
fn raw_out(bytes: &[u8]) -> Result<()> {
    use std::io::{IsTerminal, Write};
    let mut stdout = std::io::stdout();
    if !stdout.is_terminal() {
        stdout.write_all(bytes)?;
        return Ok(());
    }
    if bytes.starts_with(b"%PDF") {
        bail!("the message is a PDF: redirect `--raw` to a file to get it");
    }
    let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    say(&text);
    Ok(())
}

/// What a dispatch did, for `outbox retry` and `tick`: the messages
/// delivered, and each failure. The failures are also what `main` reports
/// as undelivered, so they are not repeated here.
fn report_dispatch(d: &Dispatch, json_out: bool) -> Result<()> {
    if json_out {
        let delivered: Vec<Json> = d
            .delivered
            .iter()
            .map(|e| json!({ "message-id": e.message_id, "file": e.file, "smtp": e.smtp }))
            .collect();
        return say_json(&json!({ "delivered": delivered }));
    }
    if d.delivered.is_empty() && d.failed.is_empty() {
        say("nothing was waiting for delivery");
    }
    for e in &d.delivered {
        say(&format!(
            "delivered message {} ({} to {}): {}",
            e.message_id, e.channel, e.recipient, e.file
        ));
    }
    Ok(())
}

/// `view TOKEN`: what the recipient sees when opening the link.
pub fn view(harness: &GiftCards, json_out: bool, token: &str) -> Result<()> {
    call_and_print(
        harness,
        json_out,
        "delivery.view-card",
        json!({ "token": token }),
        |v| {
            let s = |k: &str| v[k].as_str().unwrap_or("").to_owned();
            let mut out = format!(
                "Gift card {}\n  status      {}\n  balance     {} {}\n  value       {} {}\n  expires     {}\n",
                s("code"),
                s("status"),
                v["balance"]["amount"].as_str().unwrap_or("?"),
                v["balance"]["currency"].as_str().unwrap_or(""),
                v["initial-value"]["amount"].as_str().unwrap_or("?"),
                v["initial-value"]["currency"].as_str().unwrap_or(""),
                v["expires-at"].as_str().unwrap_or("never"),
            );
            for (label, key) in [
                ("for", "recipient-name"),
                ("from", "sender-name"),
                ("message", "message"),
            ] {
                if let Some(t) = v[key].as_str() {
                    out.push_str(&format!("  {label:<11} {t}\n"));
                }
            }
            out.push_str(&format!(
                "  {}\n  first viewed {}",
                s("how-to-redeem"),
                s("first-viewed-at")
            ));
            out
        },
    )
}

/// `tick`: runs the scheduler for the clock's current time (or `--at`),
/// then tries every message still waiting for delivery (a failed one is
/// reported, and stays pending).
pub fn tick(harness: &GiftCards, json_out: bool, at: Option<&str>) -> Result<()> {
    tick_call(harness, json_out, at)?;
    harness.dispatch_outbox()?;
    Ok(())
}

fn tick_call(harness: &GiftCards, json_out: bool, at: Option<&str>) -> Result<()> {
    let now = match at {
        Some(t) => t.to_owned(),
        None => giftcard_engine::storage::time::format(harness.clock().now()),
    };
    call_and_print(
        harness,
        json_out,
        "scheduler.tick",
        json!({ "now": now }),
        |r| {
            let list = |k: &str| {
                r[k].as_array()
                    .map(|a| {
                        a.iter()
                            .map(|v| v.to_string().trim_matches('"').to_owned())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "none".into())
            };
            format!(
                "tick at {}\n  expired cards        {}\n  breakage             {}\n  scheduled messages   {}\n  expiry reminders     {}\n  failures             {}",
                r["now"].as_str().unwrap_or("?"),
                list("expired"),
                list("breakage"),
                list("scheduled-sent"),
                list("reminders-sent"),
                list("failures"),
            )
        },
    )
}
