//! The harness: a loaded component, a database backend, a clock and a random
//! source, behind one [`Harness::call`]. The CLI, the scenario runner, the demo
//! and the tests all go through it, so they exercise exactly what an embedding
//! shop would.

use crate::runtime::{Faults, JsonCalls, Limits, Outcome, Runtime};
use anyhow::{Context, Result, bail};
use giftcard_engine::storage::db::Value;
use giftcard_host::CodeCache;
use giftcard_host::clock::{Clock, Randomness};
use giftcard_host::database::{Backend, SqliteBackend, Transaction};
use giftcard_host::outbox::queue::{self as postman, DeliveryConfig, Queued, Take};
use giftcard_host::outbox::{Channel, Entry, Outbox};
use serde_json::{Value as Json, json};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// How to set a harness up.
#[derive(Clone, Debug)]
pub struct HarnessConfig {
    /// The component to load; `None` means the one built into this binary.
    pub component: Option<PathBuf>,
    /// Where compiled code is cached (the user's cache folder by default).
    pub cache: CodeCache,
    /// The SQLite database file (created if missing).
    pub database: PathBuf,
    pub clock: Clock,
    /// `Some(seed)` for a deterministic generator, `None` for the OS's.
    pub seed: Option<u64>,
    pub limits: Limits,
    /// Call `lifecycle.migrate` on open when the database's schema is older
    /// than the component's (what a shop does at install/upgrade). A current
    /// database is only read: opening it never waits for another writer.
    pub migrate: bool,
    /// Where messages go (outbox folder, SMTP).
    pub delivery: DeliveryConfig,
    /// Open without writing anything: no migration, no host tables created
    /// or upgraded, the journal mode left as it is (for `info` and `doctor`,
    /// which report what they find rather than change it).
    pub read_only: bool,
}

impl HarnessConfig {
    /// Production-like defaults: system clock, OS randomness, migrate on open.
    pub fn new(database: impl Into<PathBuf>) -> Self {
        HarnessConfig {
            component: None,
            cache: CodeCache::user_default(),
            database: database.into(),
            clock: Clock::System,
            seed: None,
            limits: Limits::default(),
            migrate: true,
            delivery: DeliveryConfig::default(),
            read_only: false,
        }
    }
}

/// The component at `component`, or the one built into this binary, loaded
/// through `cache`.
pub fn load_runtime(
    component: Option<&Path>,
    limits: Limits,
    cache: &CodeCache,
) -> Result<Runtime> {
    match component {
        Some(path) => Runtime::load_with_cache(path, limits, cache),
        None => Runtime::with_cache(giftcard_host::BUILT_COMPONENT, limits, cache)
            .context("loading the built-in component"),
    }
}

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

pub struct Harness {
    runtime: Arc<Runtime>,
    backend: Arc<SqliteBackend>,
    clock: Clock,
    random: Mutex<Randomness>,
    outbox: Outbox,
    delivery: DeliveryConfig,
    /// This database's outbox key: names its message files and email
    /// `Message-ID`s, so they are unique across databases.
    outbox_key: String,
    /// The runtime's handed-over count at this harness's last look at the
    /// host outbox (`u64::MAX` at first, so the first committed call also
    /// picks up what an earlier process queued and never delivered).
    outbox_seen: AtomicU64,
    /// Messages dispatches could not deliver since the last
    /// [`Harness::take_undelivered`].
    undelivered: Mutex<Vec<Undelivered>>,
    /// Why deliveries after committed calls could not run at all (a busy
    /// database, say), since the last [`Harness::take_delivery_errors`].
    delivery_errors: Mutex<Vec<String>>,
    /// The last host outbox row when this harness opened: rows above it
    /// were queued since (by this process's calls, mostly).
    rows_at_open: i64,
}

impl Harness {
    pub fn open(config: HarnessConfig) -> Result<Harness> {
        let runtime = load_runtime(config.component.as_deref(), config.limits, &config.cache)?;
        Self::with_runtime(Arc::new(runtime), &config)
    }

    /// Shares an already-loaded runtime (compiling is the expensive part).
    pub fn with_runtime(runtime: Arc<Runtime>, config: &HarnessConfig) -> Result<Harness> {
        let backend = if config.read_only {
            SqliteBackend::open_as_found(&config.database)
        } else {
            SqliteBackend::open(&config.database)
        }
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("opening the database {}", config.database.display()))?;
        let mut harness = Harness {
            runtime,
            backend: Arc::new(backend),
            clock: config.clock.clone(),
            random: Mutex::new(match config.seed {
                Some(seed) => Randomness::seeded(seed),
                None => Randomness::Os,
            }),
            outbox: match &config.delivery.outbox {
                Some(dir) => Outbox::at(dir.clone()),
                None => Outbox::next_to(&config.database),
            },
            delivery: config.delivery.clone(),
            outbox_key: String::new(),
            outbox_seen: AtomicU64::new(u64::MAX),
            undelivered: Mutex::new(Vec::new()),
            delivery_errors: Mutex::new(Vec::new()),
            rows_at_open: 0,
        };
        harness.outbox_key = if config.read_only {
            giftcard_host::tables::read(harness.backend.as_ref())?.unwrap_or_default()
        } else {
            giftcard_host::tables::ensure(harness.backend.as_ref())
                .context("creating the host's own tables")?
        };
        harness.rows_at_open = harness.last_outbox_row();
        if config.migrate && !config.read_only && harness.schema_behind()? {
            match harness.call("lifecycle.migrate", &Json::Null)? {
                Outcome::Ok(_) => {}
                Outcome::Err(e) => bail!(
                    "migrating the plugin's schema failed: {}",
                    crate::render::error(&e)
                ),
            }
        }
        Ok(harness)
    }

    /// The last host outbox row, read without writing (0 when there is
    /// none, or no outbox table yet).
    fn last_outbox_row(&self) -> i64 {
        let Ok(mut tx) = self.begin_read() else {
            return 0;
        };
        let last = tx
            .execute("SELECT COALESCE(MAX(id), 0) FROM host_outbox", &[])
            .ok()
            .and_then(|r| match r.rows.first().and_then(|row| row.first()) {
                Some(Value::Integer(i)) => Some(*i),
                _ => None,
            })
            .unwrap_or(0);
        let _ = tx.rollback();
        last
    }

    /// Whether a host outbox row was queued since this harness opened (by
    /// this process's calls, unless another process queued meanwhile):
    /// what a command reports as its own undelivered message.
    pub fn queued_since_open(&self, row: i64) -> bool {
        row > self.rows_at_open
    }

    /// Whether the database's plugin schema is older than the component's
    /// (so `migrate` must run), asked in a read-only transaction. A component
    /// without `lifecycle.database-version` (contract 0.4 and older) is
    /// always migrated, as before.
    fn schema_behind(&self) -> Result<bool> {
        if !self
            .runtime
            .functions()
            .any(|f| f == "lifecycle.database-version")
        {
            return Ok(true);
        }
        let build = match self.probe_read("lifecycle.metadata")? {
            Outcome::Ok(m) => m["schema-version"].as_u64(),
            Outcome::Err(_) => None,
        };
        let database = match self.probe_read("lifecycle.database-version")? {
            Outcome::Ok(v) => v.as_u64(),
            Outcome::Err(_) => None,
        };
        Ok(match (database, build) {
            (Some(database), Some(build)) => database < build,
            _ => true,
        })
    }

    /// Starts a read-only transaction on the harness's database (see
    /// [`Backend::begin_read`]).
    pub fn begin_read(&self) -> Result<Box<dyn Transaction>> {
        self.backend
            .begin_read()
            .map_err(|e| anyhow::anyhow!("starting a read transaction: {e}"))
    }

    /// Starts a write transaction on the harness's database, for a host
    /// operation that makes several export calls (see [`Harness::call_in`]).
    pub fn begin(&self) -> Result<Box<dyn Transaction>> {
        self.backend
            .begin()
            .map_err(|e| anyhow::anyhow!("starting a transaction: {e}"))
    }

    /// Calls an export inside a transaction the caller owns and hands it back
    /// unfinished: the caller commits or rolls back the whole operation (and
    /// must roll back after an `err` or a trap). See [`Runtime::run_in`].
    pub fn call_in(
        &self,
        tx: Box<dyn Transaction>,
        name: &str,
        args: &Json,
    ) -> (Box<dyn Transaction>, Result<Outcome>) {
        let call = match self.runtime.prepare_json(name, args) {
            Ok(call) => call,
            Err(e) => return (tx, Err(e)),
        };
        let random = self.random.lock().unwrap().for_call();
        self.runtime
            .run_json_in(call, tx, &self.clock, random, Faults::default())
    }

    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn database_path(&self) -> &Path {
        self.backend.path()
    }

    /// Calls an export (`"admin.create-card"`) with JSON arguments in its own
    /// transaction. See [`Runtime::call`] for the outcome rules.
    pub fn call(&self, name: &str, args: &Json) -> Result<Outcome> {
        self.call_with(name, args, Faults::default())
    }

    /// Like [`Harness::call`], with failures injected into the database import.
    /// Messages the call handed over are delivered once it has committed; a
    /// message that could not be delivered does not fail the call (it
    /// committed): it stays pending and is listed by
    /// [`Harness::take_undelivered`].
    pub fn call_with(&self, name: &str, args: &Json, faults: Faults) -> Result<Outcome> {
        let outcome = self.call_only(name, args, faults)?;
        if matches!(outcome, Outcome::Ok(_)) {
            self.deliver_after_commit();
        }
        Ok(outcome)
    }

    /// What follows every committed call (and shop operation): the messages
    /// it handed over, and any still due, are delivered. Never an error: the
    /// call has committed whatever happens here. A delivery that cannot run
    /// at all (the database busy, say) is kept for
    /// [`Harness::take_delivery_errors`], and the next call tries again.
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

    /// Calls an export that only reads, in a read-only transaction: it never
    /// takes the write lock (so it works while another process holds a long
    /// write), a write in it fails, and no message is dispatched.
    pub fn call_read(&self, name: &str, args: &Json) -> Result<Outcome> {
        let call = self.runtime.prepare_json(name, args)?;
        let random = self.random.lock().unwrap().for_call();
        self.run_read(call, random)
    }

    /// [`Harness::call_read`] for the host's own look at the database when
    /// it opens: it does not draw on the seeded stream (nothing it calls
    /// uses randomness), so a seeded run's calls get the same randomness
    /// whether or not the host had to look first.
    fn probe_read(&self, name: &str) -> Result<Outcome> {
        use rand::SeedableRng;
        let call = self.runtime.prepare_json(name, &Json::Null)?;
        self.run_read(call, rand::rngs::StdRng::seed_from_u64(0))
    }

    fn run_read(
        &self,
        call: crate::runtime::PreparedCall<'_>,
        random: rand::rngs::StdRng,
    ) -> Result<Outcome> {
        let tx = self.begin_read()?;
        self.runtime
            .run_json(call, tx, &self.clock, random, Faults::default())
    }

    /// [`Harness::dispatch_outbox`] after a committed call, skipped (no
    /// transaction, no query) when no guest has handed over a message since
    /// the last look: most calls send nothing. Failed messages still waiting
    /// out their back-off are left for later. See
    /// [`Harness::deliver_after_commit`] for the form that cannot fail.
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

    /// The outbox folder messages are written to.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Delivers every pending message no other process is delivering (see
    /// [`crate::postman`]), at least once: each is claimed, delivered to the
    /// outbox folder (and SMTP), then marked delivered or failed together
    /// with the report to the plugin. Failures are returned (and kept for
    /// [`Harness::take_undelivered`]); the messages stay pending.
    pub fn dispatch_outbox(&self) -> Result<Dispatch> {
        self.dispatch(Take::Unclaimed)
    }

    /// [`Harness::dispatch_outbox`] that also takes messages another process
    /// has claimed and not finished (`outbox retry --include-claimed`: after
    /// a crash, rather than waiting for the claim to run out). Such a message
    /// may then be delivered twice, with the same file name and
    /// `Message-ID`.
    pub fn dispatch_outbox_claimed_too(&self) -> Result<Dispatch> {
        self.dispatch(Take::All)
    }

    fn dispatch(&self, take: Take) -> Result<Dispatch> {
        let mut out = Dispatch::default();
        let mut after = 0;
        loop {
            let wall = giftcard_host::clock::Clock::System.now();
            let mut tx = self.begin()?;
            let claimed = match postman::claim(tx.as_mut(), after, wall, self.delivery.lease, take)
            {
                Ok(claimed) => claimed,
                Err(e) => {
                    let _ = tx.rollback();
                    return Err(e);
                }
            };
            if claimed.is_empty() {
                tx.rollback().map_err(|e| anyhow::anyhow!("{e}"))?;
                break;
            }
            tx.commit()
                .map_err(|e| anyhow::anyhow!("claiming messages in the host outbox: {e}"))?;
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
            reason: postman::failure_text(&giftcard_host::outbox::reason(&e)),
        });
        let report = json!({ "report": {
            "message-id": m.message_id,
            "delivered": outcome.is_ok(),
            "at": giftcard_engine::storage::time::format(now),
            "failure": outcome.as_ref().err().map(|f| f.reason.clone()),
        }});
        let wall = giftcard_host::clock::Clock::System.now();
        let mark = |tx: &mut dyn Transaction| match &outcome {
            Ok(entry) => postman::mark_delivered(tx, queued.row, now, &entry.file),
            Err(failed) => {
                postman::mark_failed(tx, queued.row, &failed.reason, queued.attempts, wall)
            }
        };
        let mut tx = self.begin()?;
        if let Err(e) = mark(tx.as_mut()) {
            let _ = tx.rollback();
            return Err(e);
        }
        let (tx, recorded) = self.call_in(tx, "delivery.record-delivery", &report);
        match recorded {
            Ok(Outcome::Ok(_)) => tx
                .commit()
                .map_err(|e| anyhow::anyhow!("recording a delivery: {e}"))?,
            other => {
                // The plugin would not take the report (a message it does not
                // know, say): keep the host's own record regardless, so the
                // message is not delivered again and again.
                let _ = tx.rollback();
                let mut tx = self.begin()?;
                if let Err(e) = mark(tx.as_mut()) {
                    let _ = tx.rollback();
                    return Err(e);
                }
                tx.commit().map_err(|e| anyhow::anyhow!("{e}"))?;
                let why = match other {
                    Ok(Outcome::Err(e)) => crate::render::error(&e),
                    Err(e) => format!("{e:#}"),
                    Ok(Outcome::Ok(_)) => unreachable!(),
                };
                bail!(
                    "the plugin did not take the delivery report of message {}: {why}",
                    m.message_id
                );
            }
        }
        Ok(outcome)
    }

    /// The messages not delivered yet (pending or failed), oldest first.
    pub fn pending_messages(&self) -> Result<Vec<postman::Pending>> {
        let mut tx = self.begin_read()?;
        let pending = postman::pending(tx.as_mut());
        let _ = tx.rollback();
        pending
    }

    fn call_only(&self, name: &str, args: &Json, faults: Faults) -> Result<Outcome> {
        // Check the call first: a malformed one never takes the write lock.
        let call = self.runtime.prepare_json(name, args)?;
        let random = self.random.lock().unwrap().for_call();
        let tx = self
            .backend
            .begin()
            .map_err(|e| anyhow::anyhow!("starting a transaction: {e}"))?;
        self.runtime.run_json(call, tx, &self.clock, random, faults)
    }

    /// Calls and insists on `ok`, turning `err` into an error with its payload.
    pub fn call_ok(&self, name: &str, args: &Json) -> Result<Json> {
        match self.call(name, args)? {
            Outcome::Ok(v) => Ok(v),
            Outcome::Err(e) => bail!("{name} refused: {}", crate::render::error(&e)),
        }
    }

    /// Every row of the plugin's tables (`gc_*`) and the host's (`host_*`,
    /// `shop_*`), for "changed nothing" checks.
    pub fn snapshot(&self) -> Result<Vec<String>> {
        let conn = self.backend.inspect().map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND (name LIKE 'gc_%' OR name LIKE 'host_%' OR name LIKE 'shop_%') ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        tables.sort();
        let mut out = Vec::new();
        for table in tables {
            let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY 1"))?;
            let n = stmt.column_count();
            let rows = stmt.query_map([], |r| {
                let mut cells = Vec::with_capacity(n);
                for i in 0..n {
                    cells.push(format!("{:?}", r.get_ref(i)?));
                }
                Ok(cells.join("|"))
            })?;
            for row in rows {
                out.push(format!("{table}: {}", row?));
            }
        }
        Ok(out)
    }

    /// Checks the ledger invariants across every card: balance = sum of its
    /// history, balance ≥ 0, each row chaining from the previous one.
    /// Returns the problems found (empty when all hold).
    pub fn ledger_problems(&self) -> Result<Vec<String>> {
        let conn = self.backend.inspect().map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut problems = Vec::new();
        let mut cards = conn.prepare("SELECT id, balance FROM gc_cards ORDER BY id")?;
        let cards: Vec<(i64, i64)> = cards
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut rows = conn.prepare(
            "SELECT amount, balance_before, balance_after FROM gc_history WHERE card_id = ?1 ORDER BY id",
        )?;
        for (id, balance) in cards {
            if balance < 0 {
                problems.push(format!("card {id}: negative balance {balance}"));
            }
            let mut running = 0i64;
            let entries: Vec<(i64, i64, i64)> = rows
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?;
            for (amount, before, after) in entries {
                if before != running || after != before + amount {
                    problems.push(format!("card {id}: ledger row does not chain ({before} + {amount} = {after}, expected start {running})"));
                }
                running = before + amount;
            }
            if running != balance {
                problems.push(format!(
                    "card {id}: balance {balance} but ledger sums to {running}"
                ));
            }
        }
        Ok(problems)
    }
}

/// A `money` record for JSON arguments.
pub fn money(amount: &str, currency: &str) -> Json {
    json!({ "amount": amount, "currency": currency })
}
