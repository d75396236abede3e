//! Calls written as data on a [`GiftCards`]: an export named
//! `interface.function` with JSON arguments, its outcome as JSON, each in
//! the transaction rule of the typed calls (and followed by the same
//! delivery). With [`HarnessConfig`] and [`open`], the one way the CLI, the
//! scenarios and the tests set a database up. Plus the checks the
//! conformance suite makes on the database itself: [`Harness::snapshot`]
//! ("changed nothing") and [`Harness::ledger_problems`].

use crate::json::{Faults, JsonCalls, Limits, Outcome, Runtime};
use anyhow::{Context, Result, anyhow, bail};
use giftcard_host::clock::Clock;
use giftcard_host::database::{SqliteBackend, Transaction};
use giftcard_host::{CodeCache, GiftCards, Options};
use giftcard_shop::words;
use serde_json::{Value as Json, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How to set a database up: which component, where its compiled code is
/// cached, and the [`Options`] of the [`GiftCards`] on it.
#[derive(Clone, Debug)]
pub struct HarnessConfig {
    /// The component to load; `None` means the one built into this binary.
    pub component: Option<PathBuf>,
    /// Where compiled code is cached (the user's cache folder by default).
    pub cache: CodeCache,
    /// The SQLite database file (created if missing).
    pub database: PathBuf,
    pub limits: Limits,
    /// The clock, random source, migration, delivery, read-only and
    /// instance choices of the [`GiftCards`] on it.
    pub options: Options,
}

impl HarnessConfig {
    /// Production-like defaults: system clock, OS randomness, migrate on open.
    pub fn new(database: impl Into<PathBuf>) -> Self {
        HarnessConfig {
            component: None,
            cache: CodeCache::user_default(),
            database: database.into(),
            limits: Limits::default(),
            options: Options::default(),
        }
    }

    /// [`HarnessConfig::new`] on a fixed clock at `unix_seconds` with a
    /// generator seeded by `seed`, so every run makes the same codes and times.
    pub fn replayable(database: impl Into<PathBuf>, unix_seconds: i64, seed: u64) -> Self {
        let mut config = HarnessConfig::new(database);
        config.options.clock = Clock::fixed(unix_seconds);
        config.options.seed = Some(seed);
        config
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

/// Loads the configured component and opens its database.
pub fn open(config: &HarnessConfig) -> Result<GiftCards> {
    let runtime = load_runtime(config.component.as_deref(), config.limits, &config.cache)?;
    open_with(Arc::new(runtime), config)
}

/// Opens the configured database with an already-loaded runtime (compiling
/// is the expensive part).
pub fn open_with(runtime: Arc<Runtime>, config: &HarnessConfig) -> Result<GiftCards> {
    GiftCards::open_sqlite_with(runtime, &config.database, &config.options)
}

/// JSON calls, and the suite's own looks at the database, on [`GiftCards`].
pub trait Harness {
    /// Calls an export (`"admin.create-card"`) with JSON arguments in its own
    /// transaction: committed on `ok`, rolled back on `err` or a trap (the
    /// outer `Err`). A malformed call never takes the write lock. Messages
    /// the call handed over are delivered once it has committed (see
    /// [`GiftCards::deliver_after_commit`]).
    fn call_json(&self, name: &str, args: &Json) -> Result<Outcome> {
        self.call_json_with(name, args, Faults::default())
    }

    /// [`Harness::call_json`] with failures injected into the database import.
    fn call_json_with(&self, name: &str, args: &Json, faults: Faults) -> Result<Outcome>;

    /// Calls an export that only reads, in a read-only transaction: it never
    /// takes the write lock, a write in it fails, and no message is
    /// dispatched.
    fn call_json_read(&self, name: &str, args: &Json) -> Result<Outcome>;

    /// Calls an export inside a transaction the caller owns and hands it back
    /// unfinished (see [`GiftCards::call_in`]).
    fn call_json_in(
        &self,
        tx: Box<dyn Transaction>,
        name: &str,
        args: &Json,
    ) -> (Box<dyn Transaction>, Result<Outcome>);

    /// Calls and insists on `ok`, turning `err` into an error with its payload.
    fn call_json_ok(&self, name: &str, args: &Json) -> Result<Json> {
        match self.call_json(name, args)? {
            Outcome::Ok(v) => Ok(v),
            Outcome::Err(e) => bail!("{name} refused: {}", words::error(&e)),
        }
    }

    /// Every row of the plugin's tables (`gc_*`) and the host's (`host_*`,
    /// `shop_*`), for "changed nothing" checks.
    fn snapshot(&self) -> Result<Vec<String>>;

    /// Checks the ledger invariants across every card: balance = sum of its
    /// history, balance ≥ 0, each row chaining from the previous one.
    /// Returns the problems found (empty when all hold).
    fn ledger_problems(&self) -> Result<Vec<String>>;
}

impl Harness for GiftCards {
    fn call_json_with(&self, name: &str, args: &Json, faults: Faults) -> Result<Outcome> {
        // Check the call first: a malformed one never takes the write lock.
        let call = self.runtime().prepare_json(name, args)?;
        let env = self.call_env().with_faults(faults);
        let tx = self.begin()?;
        let outcome = self.runtime().run_json(call, tx, env)?;
        if matches!(outcome, Outcome::Ok(_)) {
            self.deliver_after_commit();
        }
        Ok(outcome)
    }

    fn call_json_read(&self, name: &str, args: &Json) -> Result<Outcome> {
        let call = self.runtime().prepare_json(name, args)?;
        let env = self.call_env();
        let tx = self.begin_read()?;
        self.runtime().run_json(call, tx, env)
    }

    fn call_json_in(
        &self,
        tx: Box<dyn Transaction>,
        name: &str,
        args: &Json,
    ) -> (Box<dyn Transaction>, Result<Outcome>) {
        let call = match self.runtime().prepare_json(name, args) {
            Ok(call) => call,
            Err(e) => return (tx, Err(e)),
        };
        self.runtime().run_json_in(call, tx, self.call_env())
    }

    fn snapshot(&self) -> Result<Vec<String>> {
        let conn = inspect(self)?;
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

    fn ledger_problems(&self) -> Result<Vec<String>> {
        let conn = inspect(self)?;
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

/// A direct connection to the SQLite file, for the suite's own reads.
fn inspect(cards: &GiftCards) -> Result<rusqlite::Connection> {
    let path = cards
        .database_path()
        .ok_or_else(|| anyhow!("the database is not a SQLite file"))?;
    SqliteBackend::open_as_found(path)
        .and_then(|b| b.inspect())
        .map_err(|e| anyhow!("{e}"))
}

/// A `money` record for JSON arguments.
pub fn money(amount: &str, currency: &str) -> Json {
    json!({ "amount": amount, "currency": currency })
}
