//! Delivering what the plugin handed over: after each committed call, and
//! on demand (`outbox retry`), at least once (see [`crate::outbox::queue`]).

use super::GiftCards;
use crate::api::delivery::DeliveryReport;
use crate::database::Transaction;
use crate::outbox::queue::{self, Pending, Queued, Take};
use crate::outbox::{Channel, Entry};
use anyhow::{Result, anyhow, bail};
use std::sync::atomic::Ordering;
use wasmtime::component::Val;

/// A message a dispatch could not deliver this time: it stays pending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undelivered {
    /// The host outbox row.
    pub row: i64,
    pub message_id: u64,
    pub card_id: u64,
    pub channel: Channel,
    pub recipient: String,
    /// Why (written to the plugin's delivery record too).
    pub reason: String,
}

/// What one dispatch of the host outbox did.
#[derive(Clone, Debug, Default)]
pub struct Dispatch {
    /// The messages delivered, as the outbox index holds them.
    pub delivered: Vec<Entry>,
    /// The messages that failed; each is tried again by the next dispatch.
    pub failed: Vec<Undelivered>,
    /// Messages whose outcome could not be recorded (the plugin refused the
    /// report, the database failed): they are tried again once their claim
    /// runs out.
    pub errors: Vec<String>,
}

impl GiftCards {
    /// What follows every committed call (and every operation committed
    /// through [`GiftCards::call_in`]): the messages it handed over, and any
    /// still due, are delivered. Never an error: the call has committed
    /// whatever happens here. A delivery that cannot run at all (the
    /// database busy, say) is kept for [`GiftCards::take_delivery_errors`],
    /// and the next call tries again.
    pub fn deliver_after_commit(&self) {
        let count = self.runtime.messages_handed_over();
        if self.outbox_seen.swap(count, Ordering::SeqCst) == count {
            return;
        }
        let errors = match self.dispatch(Take::Due) {
            Ok(d) => d.errors,
            Err(e) => {
                // Look again after the next call.
                self.outbox_seen.store(u64::MAX, Ordering::SeqCst);
                vec![format!("{e:#}")]
            }
        };
        self.delivery_errors.lock().unwrap().extend(errors);
    }

    /// Why deliveries after committed calls could not run since the last
    /// look (their messages stay pending), emptied by the call.
    pub fn take_delivery_errors(&self) -> Vec<String> {
        std::mem::take(&mut *self.delivery_errors.lock().unwrap())
    }

    /// [`GiftCards::dispatch_outbox`] after a committed call, skipped (no
    /// transaction, no query) when no guest has handed over a message since
    /// the last look: most calls send nothing. Failed messages still waiting
    /// out their back-off are left for later.
    ///
    /// No message is missed: a guest bumps the count before its call
    /// commits, and SQLite has one writer at a time, so a dispatch that read
    /// the new count begins its transaction after that commit and sees it.
    pub fn dispatch_if_handed_over(&self) -> Result<Dispatch> {
        let count = self.runtime.messages_handed_over();
        if self.outbox_seen.swap(count, Ordering::SeqCst) == count {
            return Ok(Dispatch::default());
        }
        self.dispatch(Take::Due)
    }

    /// The messages dispatches could not deliver since the last look (each
    /// is still pending), emptied by the call: what a command reports as not
    /// delivered.
    pub fn take_undelivered(&self) -> Vec<Undelivered> {
        let all = std::mem::take(&mut *self.undelivered.lock().unwrap());
        // One line per message: its latest failure (a retry in the same
        // command may have failed again, for another reason).
        let mut latest: Vec<Undelivered> = Vec::new();
        for u in all.into_iter().rev() {
            if !latest.iter().any(|l| l.message_id == u.message_id) {
                latest.push(u);
            }
        }
        latest.reverse();
        latest
    }

    /// Delivers every pending message no other process is delivering, at
    /// least once: each is claimed, delivered to the outbox folder (and
    /// SMTP), then marked delivered or failed together with the report to
    /// the plugin. Failures are returned (and kept for
    /// [`GiftCards::take_undelivered`]); the messages stay pending.
    pub fn dispatch_outbox(&self) -> Result<Dispatch> {
        self.dispatch(Take::Unclaimed)
    }

    /// [`GiftCards::dispatch_outbox`] that also takes messages another
    /// process has claimed and not finished (after a crash, rather than
    /// waiting for the claim to run out). Such a message may then be
    /// delivered twice, with the same file name and `Message-ID`.
    pub fn dispatch_outbox_claimed_too(&self) -> Result<Dispatch> {
        self.dispatch(Take::All)
    }

    /// The messages not delivered yet (pending or failed), oldest first.
    pub fn pending_messages(&self) -> Result<Vec<Pending>> {
        let mut tx = self.begin_read()?;
        let pending = queue::pending(tx.as_mut());
        let _ = tx.rollback();
        pending
    }

    fn dispatch(&self, take: Take) -> Result<Dispatch> {
        let mut out = Dispatch::default();
        let mut after = 0;
        loop {
            let wall = crate::clock::Clock::System.now();
            let mut tx = self.begin()?;
            let claimed = match queue::claim(tx.as_mut(), after, wall, self.delivery.lease, take) {
                Ok(claimed) => claimed,
                Err(e) => {
                    let _ = tx.rollback();
                    return Err(e);
                }
            };
            if claimed.is_empty() {
                tx.rollback().map_err(|e| anyhow!("{e}"))?;
                break;
            }
            tx.commit()
                .map_err(|e| anyhow!("claiming messages in the host outbox: {e}"))?;
            for queued in claimed {
                after = after.max(queued.row);
                match self.deliver_one(&queued) {
                    Ok(Ok(entry)) => out.delivered.push(entry),
                    Ok(Err(failed)) => out.failed.push(failed),
                    // The outcome could not be recorded: the message stays
                    // claimed and is tried again once the claim runs out.
                    Err(e) => out.errors.push(format!("{e:#}")),
                }
            }
        }
        let mut undelivered = self.undelivered.lock().unwrap();
        // A message that failed earlier in this command and went out now is
        // no longer undelivered.
        undelivered.retain(|u| !out.delivered.iter().any(|e| e.message_id == u.message_id));
        undelivered.extend(out.failed.iter().cloned());
        drop(undelivered);
        Ok(out)
    }

    /// One attempt at one claimed message, and its record: the host's mark
    /// and the plugin's `record-delivery` in one transaction.
    fn deliver_one(&self, queued: &Queued) -> Result<Result<Entry, Undelivered>> {
        let m = &queued.message;
        let now = self.clock.now();
        let attempt = self.outbox.deliver(
            m,
            &self.delivery.from_address,
            &self.outbox_key,
            queued.queued_at.unwrap_or(now),
            self.delivery.smtp.as_ref(),
        );
        let outcome = attempt.map_err(|e| Undelivered {
            row: queued.row,
            message_id: m.message_id,
            card_id: m.card_id,
            channel: m.channel,
            recipient: m.recipient.clone(),
            reason: queue::failure_text(&crate::outbox::reason(&e)),
        });
        let report = DeliveryReport {
            message_id: m.message_id,
            delivered: outcome.is_ok(),
            at: giftcard_engine::storage::time::format(now),
            failure: outcome.as_ref().err().map(|f| f.reason.clone()),
        };
        let wall = crate::clock::Clock::System.now();
        let mark = |tx: &mut dyn Transaction| match &outcome {
            Ok(entry) => queue::mark_delivered(tx, queued.row, now, &entry.file),
            Err(failed) => {
                queue::mark_failed(tx, queued.row, &failed.reason, queued.attempts, wall)
            }
        };
        let mut tx = self.begin()?;
        if let Err(e) = mark(tx.as_mut()) {
            let _ = tx.rollback();
            return Err(e);
        }
        let (tx, recorded) = self.record_delivery(tx, report);
        match recorded {
            Ok(()) => tx
                .commit()
                .map_err(|e| anyhow!("recording a delivery: {e}"))?,
            Err(why) => {
                // The plugin would not take the report (a message it does not
                // know, say): keep the host's own record regardless, so the
                // message is not delivered again and again.
                let _ = tx.rollback();
                let mut tx = self.begin()?;
                if let Err(e) = mark(tx.as_mut()) {
                    let _ = tx.rollback();
                    return Err(e);
                }
                tx.commit().map_err(|e| anyhow!("{e}"))?;
                bail!(
                    "the plugin did not take the delivery report of message {}: {why:#}",
                    m.message_id
                );
            }
        }
        Ok(outcome)
    }

    /// `delivery.record-delivery` inside `tx`: typed when the component
    /// implements this host's world, by name otherwise (an older build
    /// under test). `Err` is the plugin's refusal or a trap.
    fn record_delivery(
        &self,
        tx: Box<dyn Transaction>,
        report: DeliveryReport,
    ) -> (Box<dyn Transaction>, Result<()>) {
        if self.runtime.is_typed() {
            let (tx, result) = self.call_in(tx, |p, s| {
                p.giftcard_plugin_delivery(&mut *s)?
                    .call_record_delivery(s, &report)
            });
            let result = match result {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(anyhow!("{e:?}")),
                Err(trap) => Err(trap),
            };
            return (tx, result);
        }
        let value = Val::Record(vec![
            ("message-id".into(), Val::U64(report.message_id)),
            ("delivered".into(), Val::Bool(report.delivered)),
            ("at".into(), Val::String(report.at)),
            (
                "failure".into(),
                Val::Option(report.failure.map(|f| Box::new(Val::String(f)))),
            ),
        ]);
        let (tx, result) =
            self.runtime
                .call_dynamic_in("delivery.record-delivery", &[value], tx, self.call_env());
        let result = match result {
            Ok(Val::Result(Err(e))) => Err(anyhow!("{e:?}")),
            Ok(_) => Ok(()),
            Err(trap) => Err(trap),
        };
        (tx, result)
    }
}
