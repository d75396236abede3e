//! [`GiftCards`]: a runtime, a database, a clock, a random source and the
//! delivery of the messages the plugin hands over, behind one handle. What a
//! platform embeds; the reference CLI, the shop simulation and the
//! conformance runner are built on it too, so they exercise exactly what an
//! embedding shop would.

mod dispatch;

pub use dispatch::{Dispatch, Undelivered};

use crate::call::{Committed, finish};
use crate::clock::{Clock, Randomness};
use crate::database::{Backend, SqliteBackend, Transaction};
use crate::outbox::Outbox;
use crate::outbox::queue::DeliveryConfig;
use crate::recycle::{InstancePolicy, Recycler};
use crate::runtime::Runtime;
use crate::{CallEnv, CallState, Plugin, tables};
use anyhow::{Context, Result, anyhow, bail};
use giftcard_engine::storage::db::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use wasmtime::Store;
use wasmtime::component::Val;

/// How to open [`GiftCards`] on a database.
#[derive(Clone, Debug)]
pub struct Options {
    pub clock: Clock,
    /// `Some(seed)` for a deterministic random source, `None` for the OS's.
    pub seed: Option<u64>,
    /// Call `lifecycle.migrate` on open when the database's schema is older
    /// than the component's (what a shop does at install and upgrade). A
    /// current database is only read: opening it never waits for a writer.
    pub migrate: bool,
    /// Where messages go (outbox folder, SMTP).
    pub delivery: DeliveryConfig,
    /// Open without writing anything: no migration, no host tables created
    /// or upgraded, the journal mode left as it is (for tools that report
    /// what they find rather than change it).
    pub read_only: bool,
    /// Whether typed calls get a fresh instance each (the default) or may
    /// share a warm one ([`crate::recycle`]).
    pub instances: InstancePolicy,
}

impl Default for Options {
    /// Production-like: the system clock, the OS's randomness, migrate on
    /// open, messages in a folder beside the database.
    fn default() -> Self {
        Options {
            clock: Clock::System,
            seed: None,
            migrate: true,
            delivery: DeliveryConfig::default(),
            read_only: false,
            instances: InstancePolicy::Fresh,
        }
    }
}

/// The plugin on one database.
pub struct GiftCards {
    runtime: Arc<Runtime>,
    backend: Arc<dyn Backend>,
    /// The SQLite file, when the backend is one.
    database: Option<PathBuf>,
    /// This handle's warm instance, under its [`InstancePolicy`]: one per
    /// handle, so no instance serves two databases.
    recycler: Recycler,
    clock: Clock,
    random: Mutex<Randomness>,
    outbox: Outbox,
    delivery: DeliveryConfig,
    /// This database's outbox key: names its message files and email
    /// `Message-ID`s, so they are unique across databases.
    outbox_key: String,
    /// The runtime's handed-over count at the last look at the host outbox
    /// (`u64::MAX` at first, so the first committed call also picks up what
    /// an earlier process queued and never delivered).
    outbox_seen: AtomicU64,
    /// Messages dispatches could not deliver since the last
    /// [`GiftCards::take_undelivered`].
    undelivered: Mutex<Vec<Undelivered>>,
    /// Why deliveries after committed calls could not run at all (a busy
    /// database, say), since the last [`GiftCards::take_delivery_errors`].
    delivery_errors: Mutex<Vec<String>>,
    /// The last host outbox row when this handle opened: rows above it were
    /// queued since (by this process's calls, mostly).
    rows_at_open: i64,
}

impl GiftCards {
    /// Opens (or creates) a SQLite database for `runtime` with the default
    /// [`Options`]: the host's tables are created when missing and the
    /// plugin's schema is migrated, as a shop does at install and upgrade.
    pub fn open_sqlite(runtime: Arc<Runtime>, path: &Path) -> Result<GiftCards> {
        Self::open_sqlite_with(runtime, path, &Options::default())
    }

    /// [`GiftCards::open_sqlite`] with `options`; messages go to the
    /// options' outbox folder, or one beside the database.
    pub fn open_sqlite_with(
        runtime: Arc<Runtime>,
        path: &Path,
        options: &Options,
    ) -> Result<GiftCards> {
        let backend = if options.read_only {
            SqliteBackend::open_as_found(path)
        } else {
            SqliteBackend::open(path)
        }
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| format!("opening the database {}", path.display()))?;
        let outbox = match &options.delivery.outbox {
            Some(dir) => Outbox::at(dir.clone()),
            None => Outbox::next_to(path),
        };
        Self::start(
            runtime,
            Arc::new(backend),
            Some(path.to_owned()),
            outbox,
            options,
        )
    }

    /// Opens any backend; its messages go to `options.delivery.outbox`,
    /// which must be set (there is no database file to put them beside).
    pub fn open(
        runtime: Arc<Runtime>,
        backend: Arc<dyn Backend>,
        options: &Options,
    ) -> Result<GiftCards> {
        let Some(dir) = &options.delivery.outbox else {
            bail!("an outbox folder is needed for a database that is not a file");
        };
        let outbox = Outbox::at(dir.clone());
        Self::start(runtime, backend, None, outbox, options)
    }

    fn start(
        runtime: Arc<Runtime>,
        backend: Arc<dyn Backend>,
        database: Option<PathBuf>,
        outbox: Outbox,
        options: &Options,
    ) -> Result<GiftCards> {
        let outbox_key = if options.read_only {
            tables::read(backend.as_ref())?.unwrap_or_default()
        } else {
            tables::ensure(backend.as_ref()).context("creating the host's own tables")?
        };
        let mut cards = GiftCards {
            runtime,
            backend,
            database,
            recycler: Recycler::new(options.instances),
            clock: options.clock.clone(),
            random: Mutex::new(match options.seed {
                Some(seed) => Randomness::seeded(seed),
                None => Randomness::Os,
            }),
            outbox,
            delivery: options.delivery.clone(),
            outbox_key,
            outbox_seen: AtomicU64::new(u64::MAX),
            undelivered: Mutex::new(Vec::new()),
            delivery_errors: Mutex::new(Vec::new()),
            rows_at_open: 0,
        };
        cards.rows_at_open = cards.last_outbox_row();
        if options.migrate && !options.read_only && cards.schema_behind()? {
            cards.migrate()?;
        }
        Ok(cards)
    }

    /// Uses `clock` (a fixed one, say) and a seeded random source from now
    /// on, so runs repeat exactly.
    pub fn with_clock(mut self, clock: Clock, seed: u64) -> GiftCards {
        self.clock = clock;
        self.random = Mutex::new(Randomness::seeded(seed));
        self
    }

    /// One typed call in its own write transaction: committed when it
    /// returns `ok`, rolled back on `err` or a trap (the outer `Err`). The
    /// messages a committed call handed over are delivered after it (see
    /// [`GiftCards::deliver_after_commit`]).
    pub fn call<R: Committed>(
        &self,
        f: impl FnOnce(&Plugin, &mut Store<CallState>) -> wasmtime::Result<R>,
    ) -> Result<R> {
        let (tx, result) = self.call_in(self.begin()?, f);
        let result = finish(tx, result)?;
        if result.commits() {
            self.deliver_after_commit();
        }
        Ok(result)
    }

    /// One typed call that only reads, in a read-only transaction: it never
    /// waits for a writer, and a write in it fails.
    pub fn call_read<R: Committed>(
        &self,
        f: impl FnOnce(&Plugin, &mut Store<CallState>) -> wasmtime::Result<R>,
    ) -> Result<R> {
        let (tx, result) = self.call_in(self.begin_read()?, f);
        finish(tx, result)
    }

    /// A typed call inside a transaction the caller owns, handed back
    /// unfinished (see [`Runtime::call_in`]): for an operation that makes
    /// several calls and writes of its own, then commits or rolls back the
    /// whole. After committing, the caller calls
    /// [`GiftCards::deliver_after_commit`].
    pub fn call_in<R>(
        &self,
        tx: Box<dyn Transaction>,
        f: impl FnOnce(&Plugin, &mut Store<CallState>) -> wasmtime::Result<R>,
    ) -> (Box<dyn Transaction>, Result<R>) {
        (self.runtime).call_in_recycled(&self.recycler, tx, self.call_env(), f)
    }

    /// The random source for the next call (a seeded stream advances).
    pub fn random(&self) -> rand::rngs::StdRng {
        self.random.lock().unwrap().for_call()
    }

    /// This host's clock and the next call's random source, nothing injected.
    pub fn call_env(&self) -> CallEnv<'_> {
        CallEnv::new(&self.clock, self.random())
    }

    /// Starts a write transaction on the database.
    pub fn begin(&self) -> Result<Box<dyn Transaction>> {
        self.backend
            .begin()
            .map_err(|e| anyhow!("starting a transaction: {e}"))
    }

    /// Starts a read-only transaction (see [`Backend::begin_read`]).
    pub fn begin_read(&self) -> Result<Box<dyn Transaction>> {
        self.backend
            .begin_read()
            .map_err(|e| anyhow!("starting a read transaction: {e}"))
    }

    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The SQLite database file (`None` for another backend).
    pub fn database_path(&self) -> Option<&Path> {
        self.database.as_deref()
    }

    /// The outbox folder messages are written to.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
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

    /// Whether a host outbox row was queued since this handle opened (by
    /// this process's calls, unless another process queued meanwhile):
    /// what a command reports as its own undelivered message.
    pub fn queued_since_open(&self, row: i64) -> bool {
        row > self.rows_at_open
    }

    /// Whether the database's plugin schema is older than the component's
    /// (so `migrate` must run), asked in read-only transactions that do not
    /// draw on the seeded stream (nothing they call uses randomness, so a
    /// seeded run's calls get the same randomness whether or not the host
    /// had to look). A component without `lifecycle.database-version`
    /// (contract 0.4 and older) is always migrated.
    fn schema_behind(&self) -> Result<bool> {
        use rand::SeedableRng;
        let probe = || rand::rngs::StdRng::seed_from_u64(0);
        let (database, build) = if self.runtime.is_typed() {
            let metadata =
                self.runtime
                    .call(self.begin_read()?, &self.clock, probe(), |p, s| {
                        p.giftcard_plugin_lifecycle(&mut *s)?.call_metadata(s)
                    })?;
            let database =
                self.runtime
                    .call(self.begin_read()?, &self.clock, probe(), |p, s| {
                        p.giftcard_plugin_lifecycle(&mut *s)?
                            .call_database_version(s)
                    })?;
            (database.ok(), Some(metadata.schema_version))
        } else {
            if self.runtime.export("lifecycle.database-version").is_none() {
                return Ok(true);
            }
            let read = |name| {
                let env = CallEnv::new(&self.clock, probe());
                self.runtime
                    .call_dynamic(name, &[], self.begin_read()?, env)
            };
            let metadata = read("lifecycle.metadata")?;
            let database = read("lifecycle.database-version")?;
            (
                dynamic_u32(&database),
                field_u32(&metadata, "schema-version"),
            )
        };
        Ok(match (database, build) {
            (Some(database), Some(build)) => database < build,
            _ => true,
        })
    }

    /// Creates or upgrades the plugin's tables (`lifecycle.migrate`), typed
    /// when the component implements this host's world.
    fn migrate(&self) -> Result<()> {
        if self.runtime.is_typed() {
            if let Err(e) =
                self.call(|p, s| p.giftcard_plugin_lifecycle(&mut *s)?.call_migrate(s))?
            {
                bail!("migrating the plugin's schema failed: {e:?}");
            }
            return Ok(());
        }
        let value =
            self.runtime
                .call_dynamic("lifecycle.migrate", &[], self.begin()?, self.call_env())?;
        if let Val::Result(Err(e)) = value {
            bail!("migrating the plugin's schema failed: {e:?}");
        }
        Ok(())
    }
}

/// A dynamic `result<u32, _>` (or plain `u32`) as a number.
fn dynamic_u32(value: &Val) -> Option<u32> {
    match value {
        Val::U32(n) => Some(*n),
        Val::Result(Ok(Some(v))) => dynamic_u32(v),
        _ => None,
    }
}

/// A `u32` field of a dynamic record.
fn field_u32(value: &Val, name: &str) -> Option<u32> {
    match value {
        Val::Record(fields) => fields
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| dynamic_u32(v)),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
