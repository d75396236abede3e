//! One export call: its store's state, and **the transaction-per-call rule**,
//! which lives here and nowhere else: every call runs inside one database
//! transaction, which is committed when the export returns `ok` and rolled
//! back when it returns `err` or traps (a deadline, the memory limit, a host
//! failure). That makes every export atomic without the guest's help.

use crate::database::Transaction;
use rand::rngs::StdRng;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use wasmtime::component::{ResourceTable, Val};
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::clock::Clock;
use crate::engine::Limits;

/// Deliberate failures injected into the `database` import, to prove that a
/// call failing half-way leaves nothing behind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Faults {
    /// The Nth statement (1-based) traps the guest instead of running.
    pub trap_at_statement: Option<usize>,
    /// The Nth statement (1-based) fails with a database error, which the
    /// guest reports as an `err`.
    pub fail_at_statement: Option<usize>,
}

/// What one call is lent besides its transaction, passed as one value so
/// every call path takes the same three and none can drop one on the way.
pub struct CallEnv<'a> {
    /// The wall clock the guest sees.
    pub clock: &'a Clock,
    /// The guest's `wasi:random` source for this call.
    pub random: StdRng,
    /// Failures to inject into the `database` import.
    pub faults: Faults,
}

impl<'a> CallEnv<'a> {
    /// A call at `clock` with `random`, nothing injected.
    pub fn new(clock: &'a Clock, random: StdRng) -> CallEnv<'a> {
        CallEnv {
            clock,
            random,
            faults: Faults::default(),
        }
    }

    /// The same call with `faults` injected.
    pub fn with_faults(self, faults: Faults) -> CallEnv<'a> {
        CallEnv { faults, ..self }
    }
}

/// Everything one call's store holds. WASI is **empty** (no files,
/// environment or network): only the wall clock and the random source are
/// the host's.
pub struct CallState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limits: MemoryLimit,
    tx: Option<Box<dyn Transaction>>,
    pub(crate) faults: Faults,
    /// The statements the guest ran so far in this call.
    pub(crate) statements: usize,
    /// The runtime's count of messages handed over, bumped by `deliver`.
    pub(crate) handed_over: Arc<AtomicU64>,
    /// The clock's time when the call started (when its messages are
    /// queued).
    pub(crate) started_at: i64,
}

impl CallState {
    pub(crate) fn new(
        tx: Box<dyn Transaction>,
        env: CallEnv<'_>,
        limits: &Limits,
        handed_over: Arc<AtomicU64>,
    ) -> CallState {
        let CallEnv {
            clock,
            random,
            faults,
        } = env;
        CallState {
            wasi: wasi_for(clock, random),
            table: ResourceTable::new(),
            limits: MemoryLimit {
                store: StoreLimitsBuilder::new()
                    .memory_size(limits.memory_bytes)
                    .trap_on_grow_failure(true)
                    .build(),
                memory_bytes: 0,
            },
            tx: Some(tx),
            faults,
            statements: 0,
            handed_over,
            started_at: clock.now(),
        }
    }

    /// Lends the state the next call's transaction, clock, random source
    /// and faults, and starts its statement count afresh: everything a call
    /// is given, for a new store and for a recycled one alike
    /// ([`crate::recycle`]).
    pub(crate) fn renew(&mut self, tx: Box<dyn Transaction>, env: CallEnv<'_>) {
        let CallEnv {
            clock,
            random,
            faults,
        } = env;
        self.wasi = wasi_for(clock, random);
        self.tx = Some(tx);
        self.faults = faults;
        self.statements = 0;
        self.started_at = clock.now();
    }

    /// The call's transaction, for the imports; using an import outside a
    /// call traps.
    pub(crate) fn tx(&mut self) -> wasmtime::Result<&mut dyn Transaction> {
        match self.tx.as_mut() {
            Some(tx) => Ok(tx.as_mut()),
            None => Err(wasmtime::Error::msg(
                "the database was used outside a call's transaction",
            )),
        }
    }

    pub(crate) fn take_tx(&mut self) -> Box<dyn Transaction> {
        self.tx.take().expect("transaction present")
    }
}

/// A call's WASI: only the wall clock and the random source are the host's.
fn wasi_for(clock: &Clock, random: StdRng) -> WasiCtx {
    let mut wasi = WasiCtxBuilder::new();
    wasi.wall_clock(clock.clone()).secure_random(random);
    if let Clock::Fixed(_) = clock {
        // A fixed clock is a replay (a scenario, a test, a cost report):
        // the guest's hash-map keys, which WASI otherwise seeds from the OS
        // per store, follow it, so the run repeats to the instruction.
        wasi.insecure_random_seed(u128::from(clock.now().unsigned_abs()));
    }
    wasi.build()
}

/// The store's memory limit, which also remembers how large the guest's
/// linear memory has grown, so a recycled instance is given back only while
/// it leaves the next call as much room as a fresh one would have.
pub(crate) struct MemoryLimit {
    store: StoreLimits,
    /// The largest linear memory the guest has been granted, in bytes.
    pub(crate) memory_bytes: usize,
}

impl ResourceLimiter for MemoryLimit {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let granted = self.store.memory_growing(current, desired, maximum)?;
        if granted {
            self.memory_bytes = self.memory_bytes.max(desired);
        }
        Ok(granted)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.store.table_growing(current, desired, maximum)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.store.memory_grow_failed(error)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.store.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.store.instances()
    }

    fn tables(&self) -> usize {
        self.store.tables()
    }

    fn memories(&self) -> usize {
        self.store.memories()
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl crate::bindings::giftcard::plugin::types::Host for CallState {}

/// Whether a call's returned value commits its transaction: `ok` does,
/// `err` does not.
pub trait Committed {
    fn commits(&self) -> bool;
}

impl<T, E> Committed for Result<T, E> {
    fn commits(&self) -> bool {
        self.is_ok()
    }
}

/// A dynamically called export's result: everything but `err(…)` commits.
impl Committed for Val {
    fn commits(&self) -> bool {
        !matches!(self, Val::Result(Err(_)))
    }
}

/// Exports that return a plain record (`lifecycle.metadata`) only read.
impl Committed for crate::bindings::api::lifecycle::PluginMetadata {
    fn commits(&self) -> bool {
        true
    }
}

/// Ends a call's transaction by its outcome: commit on `ok`, roll back on
/// `err` or a trap (returned as the error, with the rollback's own failure
/// added if it had one).
pub fn finish<R: Committed>(
    tx: Box<dyn Transaction>,
    result: anyhow::Result<R>,
) -> anyhow::Result<R> {
    use anyhow::Context;
    match result {
        Ok(value) if value.commits() => {
            tx.commit()
                .map_err(|e| anyhow::anyhow!("{e}"))
                .context("committing the call")?;
            Ok(value)
        }
        Ok(value) => {
            tx.rollback()
                .map_err(|e| anyhow::anyhow!("{e}"))
                .context("rolling back the call")?;
            Ok(value)
        }
        Err(trap) => {
            if let Err(e) = tx.rollback() {
                return Err(trap.context(format!("and rolling it back failed: {e}")));
            }
            Err(trap)
        }
    }
}
