//! Work that depends on time passing, run when the host calls `tick`:
//! expiring cards (with a ledger row), sending scheduled messages, and
//! expiry reminders.
//!
//! Every step selects only what is still due and marks it done in the same
//! transaction, so running a tick twice for the same moment changes nothing,
//! and a host that ticks late simply catches up.

use crate::cards::ledger::{self, NewEntry};
use crate::cards::{CARD_COLUMNS, StoredCard};
use crate::delivery::{self, Channel, MessageKind, Outgoing};
use crate::error::{Error, Result};
use crate::model::{Actor, CardId, CardRef, HistoryAction};
use crate::settings;
use crate::storage::db::Value;
use crate::storage::env::Environment;
use crate::storage::time::{self, DAY, Seconds};
use std::collections::BTreeMap;

/// What one tick did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TickReport {
    pub now: String,
    pub expired: Vec<CardId>,
    /// Unspent balance of the cards that expired, per currency (`12.50 EUR`).
    pub breakage: Vec<String>,
    pub scheduled_sent: Vec<u64>,
    pub reminders_sent: Vec<u64>,
    pub failures: Vec<String>,
}

/// How many items one tick handles per step; a backlog drains over the
/// following ticks instead of making one call run long.
const BATCH: i64 = 500;

/// Runs everything due at `now` (an RFC 3339 timestamp).
pub fn tick(env: &mut dyn Environment, now_text: &str) -> Result<TickReport> {
    let now = time::parse_argument(now_text, "now")?;
    let mut report = TickReport {
        now: time::format(now),
        ..TickReport::default()
    };
    expire(env, now, &mut report)?;
    send_scheduled(env, now, &mut report)?;
    remind(env, now, &mut report)?;
    Ok(report)
}

/// Active cards whose expiry has passed become `expired`. The ledger row
/// moves no money (balance before = after): what is left is breakage, and
/// the row is the audit trail of when the card stopped being spendable.
/// Used, disabled and cancelled cards are not `active`, so they are left
/// alone.
fn expire(env: &mut dyn Environment, now: Seconds, report: &mut TickReport) -> Result<()> {
    let rows = env.db().execute(
        &format!(
            "SELECT {CARD_COLUMNS} FROM gc_cards WHERE status = 'active' AND cancelled_at IS NULL \
             AND expires_at IS NOT NULL AND expires_at <= ?1 ORDER BY id LIMIT {BATCH}"
        ),
        &[Value::Integer(now)],
    )?;
    let cards: Vec<StoredCard> = rows
        .iter()
        .map(|r| StoredCard::from_row(&r))
        .collect::<Result<_>>()?;
    let mut breakage: BTreeMap<&'static str, (i64, crate::money::Currency)> = BTreeMap::new();
    for card in &cards {
        let changed = env.db().execute(
            "UPDATE gc_cards SET status = 'expired', updated_at = ?1 \
             WHERE id = ?2 AND status = 'active'",
            &[Value::Integer(now), Value::Integer(card.id as i64)],
        )?;
        if changed.rows_changed == 0 {
            continue;
        }
        let expires_at = card.expires_at.unwrap_or(now);
        let reference = format!("expiry:{expires_at}");
        // A card re-activated and expiring again at the same date (an admin
        // disabled and enabled it) already has its row: keep one per date.
        let existing = env.db().execute(
            "SELECT 1 AS x FROM gc_history WHERE card_id = ?1 AND action = 'expired' AND reference = ?2",
            &[Value::Integer(card.id as i64), Value::from(reference.as_str())],
        )?;
        if existing.first().is_none() {
            let comment = format!(
                "Expired on {} with {} unspent (breakage)",
                time::format(expires_at),
                card.currency.format(card.balance)
            );
            ledger::append(
                env,
                NewEntry {
                    card_id: card.id,
                    action: HistoryAction::Expired,
                    amount: 0,
                    balance_before: card.balance,
                    actor: &Actor::System,
                    reference: Some(&reference),
                    comment: Some(&comment),
                    at: now,
                },
            )?;
        }
        let entry = breakage
            .entry(card.currency.code())
            .or_insert((0, card.currency));
        entry.0 += card.balance;
        report.expired.push(card.id);
    }
    report.breakage = breakage
        .into_iter()
        .map(|(code, (minor, currency))| format!("{} {code}", currency.format(minor)))
        .collect();
    Ok(())
}

/// Scheduled messages whose date has come. A message the host refuses
/// stays scheduled and is tried again at the next tick.
fn send_scheduled(env: &mut dyn Environment, now: Seconds, report: &mut TickReport) -> Result<()> {
    let rows = env.db().execute(
        &format!(
            "SELECT id, card_id, channel, recipient FROM gc_messages \
             WHERE status = 'scheduled' AND scheduled_for <= ?1 ORDER BY scheduled_for, id LIMIT {BATCH}"
        ),
        &[Value::Integer(now)],
    )?;
    let due: Vec<(u64, CardId, String, String)> = rows
        .iter()
        .map(|r| {
            Ok((
                r.i64("id")? as u64,
                r.i64("card_id")? as u64,
                r.text("channel")?,
                r.text("recipient")?,
            ))
        })
        .collect::<Result<_>>()?;
    if due.is_empty() {
        return Ok(());
    }
    let settings = settings::load(env)?;
    for (id, card_id, channel, recipient) in due {
        let card = crate::cards::load(env, &CardRef::Id(card_id))?;
        if card.cancelled_at.is_some() {
            env.db().execute(
                "UPDATE gc_messages SET status = 'failed', failure = 'the card was cancelled before its delivery date' \
                 WHERE id = ?1",
                &[Value::Integer(id as i64)],
            )?;
            continue;
        }
        // The channel's one reading; a row from before channels were kept
        // goes by email, as it always did.
        let channel = Channel::parse(&channel).unwrap_or(Channel::Email);
        let out = Outgoing {
            kind: MessageKind::Scheduled,
            channel,
            recipient: &recipient,
            actor: None,
            scheduled: Some(id),
        };
        match delivery::send_now(env, &settings, &card, out, now) {
            Ok(_) => report.scheduled_sent.push(id),
            Err(Error::DeliveryFailed(why)) => report.failures.push(format!("message {id}: {why}")),
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

/// One reminder per card and expiry date, to cards with balance whose
/// expiry falls within the lead time. Cards nobody can be reached for are
/// marked as considered, so they are not looked at again every tick.
fn remind(env: &mut dyn Environment, now: Seconds, report: &mut TickReport) -> Result<()> {
    let settings = settings::load(env)?;
    if settings.reminder_days == 0 {
        return Ok(());
    }
    let horizon = now + i64::from(settings.reminder_days) * DAY;
    let rows = env.db().execute(
        &format!(
            "SELECT {CARD_COLUMNS} FROM gc_cards WHERE status = 'active' AND cancelled_at IS NULL \
             AND balance > 0 AND expires_at IS NOT NULL AND expires_at > ?1 AND expires_at <= ?2 \
             AND (reminded_for IS NULL OR reminded_for <> expires_at) ORDER BY expires_at, id LIMIT {BATCH}"
        ),
        &[Value::Integer(now), Value::Integer(horizon)],
    )?;
    let cards: Vec<StoredCard> = rows
        .iter()
        .map(|r| StoredCard::from_row(&r))
        .collect::<Result<_>>()?;
    for card in &cards {
        let mut sent_any = false;
        let mut failed = false;
        for channel in [Channel::Email, Channel::Sms] {
            let Some(recipient) = delivery::default_recipient(card, channel) else {
                continue;
            };
            let out = Outgoing {
                kind: MessageKind::ExpiryReminder,
                channel,
                recipient: &recipient,
                actor: None,
                scheduled: None,
            };
            match delivery::send_now(env, &settings, card, out, now) {
                Ok(m) => {
                    report.reminders_sent.push(m.message_id);
                    sent_any = true;
                }
                Err(Error::DeliveryFailed(why)) => {
                    report
                        .failures
                        .push(format!("reminder for card {}: {why}", card.id));
                    failed = true;
                }
                Err(other) => return Err(other),
            }
        }
        // Retry next tick only when the host refused everything.
        if sent_any || !failed {
            env.db().execute(
                "UPDATE gc_cards SET reminded_for = expires_at WHERE id = ?1",
                &[Value::Integer(card.id as i64)],
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
