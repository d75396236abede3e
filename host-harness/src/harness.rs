//! The harness: a loaded component, a database backend, a clock and a random
//! source, behind one [`Harness::call`]. The CLI, the scenario runner, the demo
//! and the tests all go through it, so they exercise exactly what an embedding
//! shop would.

use crate::clock::{Clock, Randomness};
use crate::database::{Backend, SqliteBackend, Transaction};
use crate::outbox::{Entry, Outbox};
use crate::postman::{self, DeliveryConfig};
use crate::runtime::{Faults, Limits, Outcome, Runtime};
use anyhow::{Context, Result, bail};
use serde_json::{Value as Json, json};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// How to set a harness up.
#[derive(Clone, Debug)]
pub struct HarnessConfig {
    /// The component to load; `None` means the one built with this harness.
    pub component: Option<PathBuf>,
    /// The SQLite database file (created if missing).
    pub database: PathBuf,
    pub clock: Clock,
    /// `Some(seed)` for a deterministic generator, `None` for the OS's.
    pub seed: Option<u64>,
    pub limits: Limits,
    /// Call `lifecycle.migrate` on open (what a shop does at install/upgrade).
    pub migrate: bool,
    /// Where messages go (outbox folder, SMTP).
    pub delivery: DeliveryConfig,
}

impl HarnessConfig {
    /// Production-like defaults: system clock, OS randomness, migrate on open.
    pub fn new(database: impl Into<PathBuf>) -> Self {
        HarnessConfig {
            component: None,
            database: database.into(),
            clock: Clock::System,
            seed: None,
            limits: Limits::default(),
            migrate: true,
            delivery: DeliveryConfig::default(),
        }
    }
}

pub struct Harness {
    runtime: Arc<Runtime>,
    backend: Arc<SqliteBackend>,
    clock: Clock,
    random: Mutex<Randomness>,
    outbox: Outbox,
    delivery: DeliveryConfig,
    /// The runtime's handed-over count at this harness's last look at the
    /// host outbox (`u64::MAX` at first, so the first committed call also
    /// picks up what an earlier process queued and never delivered).
    outbox_seen: AtomicU64,
}

impl Harness {
    pub fn open(config: HarnessConfig) -> Result<Harness> {
        let path = config
            .component
            .clone()
            .unwrap_or_else(|| PathBuf::from(crate::BUILT_COMPONENT));
        let runtime = Arc::new(Runtime::load(&path, config.limits)?);
        Self::with_runtime(runtime, &config)
    }

    /// Shares an already-loaded runtime (compiling is the expensive part).
    pub fn with_runtime(runtime: Arc<Runtime>, config: &HarnessConfig) -> Result<Harness> {
        let backend = SqliteBackend::open(&config.database)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("opening the database {}", config.database.display()))?;
        let harness = Harness {
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
            outbox_seen: AtomicU64::new(u64::MAX),
        };
        harness
            .create_host_tables()
            .context("creating the host's own tables")?;
        if config.migrate {
            match harness.call("lifecycle.migrate", &Json::Null)? {
                Outcome::Ok(_) => {}
                Outcome::Err(e) => bail!("migrating the plugin's schema failed: {e}"),
            }
        }
        Ok(harness)
    }

    /// The tables the host owns beside the plugin's (exchange rates), created
    /// if missing.
    fn create_host_tables(&self) -> Result<()> {
        let mut tx = self.begin()?;
        for sql in std::iter::once(crate::rates::CREATE_TABLE)
            .chain(postman::CREATE_TABLES.iter().copied())
        {
            if let Err(e) = tx.execute(sql, &[]) {
                let _ = tx.rollback();
                bail!("{e}");
            }
        }
        tx.commit().map_err(|e| anyhow::anyhow!("{e}"))
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
        let call = match self.runtime.prepare(name, args) {
            Ok(call) => call,
            Err(e) => return (tx, Err(e)),
        };
        let random = self.random.lock().unwrap().for_call();
        self.runtime
            .run_in(call, tx, &self.clock, random, Faults::default())
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
    /// Messages the call handed over are delivered once it has committed.
    pub fn call_with(&self, name: &str, args: &Json, faults: Faults) -> Result<Outcome> {
        let outcome = self.call_only(name, args, faults)?;
        if matches!(outcome, Outcome::Ok(_)) {
            self.dispatch_if_handed_over()?;
        }
        Ok(outcome)
    }

    /// [`Harness::dispatch_outbox`] after a committed call, skipped (no
    /// transaction, no query) when no guest has handed over a message since
    /// the last look: most calls send nothing.
    ///
    /// No message is missed: a guest bumps the count before its call
    /// commits, and SQLite has one writer at a time, so a dispatch that read
    /// the new count begins its transaction after that commit and sees it.
    pub fn dispatch_if_handed_over(&self) -> Result<Vec<Entry>> {
        let count = self.runtime.messages_handed_over();
        if self.outbox_seen.swap(count, Ordering::SeqCst) == count {
            return Ok(Vec::new());
        }
        self.dispatch_outbox()
    }

    /// The outbox folder messages are written to.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Delivers every message committed calls queued (see [`crate::postman`]):
    /// writes it to the outbox folder (and SMTP), then reports each outcome
    /// to the plugin. Returns the outbox entries written.
    pub fn dispatch_outbox(&self) -> Result<Vec<Entry>> {
        let mut tx = self.begin()?;
        let messages = match postman::take_pending(tx.as_mut()) {
            Ok(m) => m,
            Err(e) => {
                let _ = tx.rollback();
                return Err(e);
            }
        };
        if messages.is_empty() {
            tx.rollback().map_err(|e| anyhow::anyhow!("{e}"))?;
            return Ok(Vec::new());
        }
        tx.commit()
            .map_err(|e| anyhow::anyhow!("taking messages from the host outbox: {e}"))?;
        let now = self.clock.now();
        let delivered = postman::deliver(&self.outbox, &self.delivery, messages, now)?;
        let mut entries = Vec::with_capacity(delivered.len());
        for (message, entry) in delivered {
            let report = json!({ "report": {
                "message-id": message.message_id,
                "delivered": entry.delivered(),
                "at": giftcard_engine::time::format(now),
                "failure": entry.smtp.as_ref().filter(|_| !entry.delivered()).cloned(),
            }});
            match self.call_only("delivery.record-delivery", &report, Faults::default())? {
                Outcome::Ok(_) => {}
                Outcome::Err(e) => bail!(
                    "reporting the delivery of message {} failed: {e}",
                    message.message_id
                ),
            }
            entries.push(entry);
        }
        Ok(entries)
    }

    fn call_only(&self, name: &str, args: &Json, faults: Faults) -> Result<Outcome> {
        // Check the call first: a malformed one never takes the write lock.
        let call = self.runtime.prepare(name, args)?;
        let random = self.random.lock().unwrap().for_call();
        let tx = self
            .backend
            .begin()
            .map_err(|e| anyhow::anyhow!("starting a transaction: {e}"))?;
        self.runtime.run(call, tx, &self.clock, random, faults)
    }

    /// Calls and insists on `ok`, turning `err` into an error with its payload.
    pub fn call_ok(&self, name: &str, args: &Json) -> Result<Json> {
        match self.call(name, args)? {
            Outcome::Ok(v) => Ok(v),
            Outcome::Err(e) => bail!("{name} returned an error: {e}"),
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
