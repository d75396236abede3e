//! The wasmtime side of the harness: how the component is loaded once and
//! called many times, safely.
//!
//! - One [`Engine`] (Cranelift) with the **pooling allocator**, so a fresh
//!   instance per call costs microseconds rather than fresh `mmap`s.
//! - The component is compiled and linked once into an [`InstancePre`]; each
//!   export call gets a **fresh [`Store`]** and instance, so nothing a call
//!   leaves in linear memory (or a trap's half-finished state) can leak into
//!   the next one.
//! - Each store has an **epoch deadline** (a background thread ticks the
//!   engine's epoch) and a **memory limit**; a runaway loop or a memory
//!   blow-up traps instead of stalling or exhausting the host.
//! - The WASI context is **empty**: no filesystem, no environment variables,
//!   no network. Only the wall clock and the random source are the host's,
//!   chosen by the caller.
//! - The `exchange-rates` import answers from the host-owned
//!   `host_exchange_rates` table, through the same transaction (see
//!   [`crate::rates`]).
//! - The `database` import runs inside the call's transaction. The runtime
//!   **commits when the export returns `ok` and rolls back on `err` or a
//!   trap**, which makes every export atomic without the guest's help.

use crate::clock::Clock;
use crate::database::Transaction;
use crate::dynval;
use anyhow::{Context, Result, anyhow};
use giftcard_engine::db::{DbError, Value};
use rand::rngs::StdRng;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;
use wasmtime::component::types::{ComponentItem, Type};
use wasmtime::component::{
    Component, ComponentExportIndex, HasSelf, InstancePre, Linker, ResourceTable, Val,
};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, StoreLimits,
    StoreLimitsBuilder,
};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// Host bindings for the contract's imports. The `database` and
/// `exchange-rates` imports are ours; WASI comes from wasmtime-wasi.
mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "plugin",
        imports: { default: trappable },
        with: {
            "wasi:clocks/wall-clock": wasmtime_wasi::p2::bindings::clocks::wall_clock,
            "wasi:random/random": wasmtime_wasi::p2::bindings::random::random,
        },
    });
}

use bindings::giftcard::plugin::database as wit_db;
use bindings::giftcard::plugin::exchange_rates as wit_rates;
use bindings::giftcard::plugin::outbox as wit_outbox;

/// How long one export call may run before it is stopped.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(5);
/// How much linear memory one instance may use.
pub const DEFAULT_MEMORY_LIMIT: usize = 64 << 20;
/// How often the epoch advances; deadlines are counted in these ticks.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The safety limits every call runs under.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub deadline: Duration,
    pub memory_bytes: usize,
    /// How many instances may be alive at once (one per concurrent call).
    pub max_concurrent_calls: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            deadline: DEFAULT_DEADLINE,
            memory_bytes: DEFAULT_MEMORY_LIMIT,
            max_concurrent_calls: 32,
        }
    }
}

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

/// What an export call returned.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// `ok(value)` (or a plain return value): committed.
    Ok(serde_json::Value),
    /// `err(value)`: rolled back.
    Err(serde_json::Value),
}

/// Everything one call's store holds.
pub struct CallState {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
    tx: Option<Box<dyn Transaction>>,
    faults: Faults,
    statements: usize,
    /// The runtime's count of messages handed over, bumped by `deliver`.
    handed_over: Arc<AtomicU64>,
    /// The clock's time when the call started (when its messages are
    /// queued).
    started_at: i64,
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl bindings::giftcard::plugin::types::Host for CallState {}

fn to_wit(v: Value) -> wit_db::Value {
    match v {
        Value::Null => wit_db::Value::Null,
        Value::Integer(i) => wit_db::Value::Integer(i),
        Value::Real(f) => wit_db::Value::Real(f),
        Value::Text(s) => wit_db::Value::Text(s),
        Value::Blob(b) => wit_db::Value::Blob(b),
    }
}

fn from_wit(v: wit_db::Value) -> Value {
    match v {
        wit_db::Value::Null => Value::Null,
        wit_db::Value::Integer(i) => Value::Integer(i),
        wit_db::Value::Real(f) => Value::Real(f),
        wit_db::Value::Text(s) => Value::Text(s),
        wit_db::Value::Blob(b) => Value::Blob(b),
    }
}

impl wit_db::Host for CallState {
    fn execute(
        &mut self,
        statement: String,
        parameters: Vec<wit_db::Value>,
    ) -> wasmtime::Result<Result<wit_db::QueryResult, wit_db::Error>> {
        self.statements += 1;
        if self.faults.trap_at_statement == Some(self.statements) {
            return Err(wasmtime::Error::msg(format!(
                "injected trap at statement {}",
                self.statements
            )));
        }
        if self.faults.fail_at_statement == Some(self.statements) {
            return Ok(Err(wit_db::Error::Other(format!(
                "injected failure at statement {}",
                self.statements
            ))));
        }
        let tx = self
            .tx
            .as_mut()
            .ok_or_else(|| wasmtime::Error::msg("database used outside a call's transaction"))?;
        let params: Vec<Value> = parameters.into_iter().map(from_wit).collect();
        Ok(match tx.execute(&statement, &params) {
            Ok(r) => Ok(wit_db::QueryResult {
                columns: r.columns,
                rows: r
                    .rows
                    .into_iter()
                    .map(|row| row.into_iter().map(to_wit).collect())
                    .collect(),
                rows_changed: r.rows_changed,
                last_insert_id: r.last_insert_id,
            }),
            Err(DbError::ConstraintViolation(m)) => Err(wit_db::Error::ConstraintViolation(m)),
            Err(DbError::Busy) => Err(wit_db::Error::Busy),
            Err(DbError::InvalidStatement(m)) => Err(wit_db::Error::InvalidStatement(m)),
            Err(DbError::Other(m)) => Err(wit_db::Error::Other(m)),
        })
    }
}

/// The `exchange-rates` import: the shop's own rate for (from, to), read from
/// the host-owned `host_exchange_rates` table through the call's transaction,
/// so a rate set earlier (in this process or by an earlier CLI run) is seen,
/// and a rate set in the same shop operation is seen too.
///
/// Only the rate stored for exactly (from, to) is returned, never one the
/// host derived: when it is `none`, the plugin asks for (to, from) and uses
/// the exact inverse itself, and nothing is chained through a third
/// currency. The lookup is not counted as one of the guest's statements (faults target the
/// guest's own SQL). A database failure traps the call, which rolls it back.
impl wit_rates::Host for CallState {
    fn rate(&mut self, from: String, to: String) -> wasmtime::Result<Option<String>> {
        let tx = self.tx.as_mut().ok_or_else(|| {
            wasmtime::Error::msg("exchange rate asked outside a call's transaction")
        })?;
        crate::rates::lookup(tx.as_mut(), &from, &to)
            .map_err(|e| wasmtime::Error::msg(format!("reading the exchange rate: {e}")))
    }
}

/// The `outbox` import: the message is queued in the call's own
/// transaction (see [`crate::postman`]), so it is delivered only if the call
/// commits. A database failure traps the call, which rolls it back.
impl wit_outbox::Host for CallState {
    fn deliver(
        &mut self,
        message: wit_outbox::OutboundMessage,
    ) -> wasmtime::Result<Result<String, wit_outbox::DeliveryError>> {
        let tx = self.tx.as_mut().ok_or_else(|| {
            wasmtime::Error::msg("message handed over outside a call's transaction")
        })?;
        let m = outbox_message(message);
        let reference = crate::postman::queue(tx.as_mut(), &m, self.started_at)
            .map_err(|e| wasmtime::Error::msg(format!("queueing the message: {e}")))?;
        self.handed_over.fetch_add(1, Ordering::SeqCst);
        Ok(Ok(reference))
    }
}

fn outbox_message(m: wit_outbox::OutboundMessage) -> crate::outbox::Message {
    use crate::outbox::{Attachment, Channel, Message};
    Message {
        message_id: m.message_id,
        card_id: m.card_id,
        kind: match m.kind {
            wit_outbox::MessageKind::Issued => "issued",
            wit_outbox::MessageKind::Scheduled => "scheduled",
            wit_outbox::MessageKind::Send => "send",
            wit_outbox::MessageKind::Resend => "resend",
            wit_outbox::MessageKind::ExpiryReminder => "expiry-reminder",
        }
        .to_owned(),
        channel: match m.channel {
            wit_outbox::Channel::Email => Channel::Email,
            wit_outbox::Channel::Sms => Channel::Sms,
            wit_outbox::Channel::Print => Channel::Print,
        },
        from_name: m.from_name,
        recipient: m.recipient,
        subject: m.subject,
        text_body: m.text_body,
        html_body: m.html_body,
        attachments: m
            .attachments
            .into_iter()
            .map(|a| Attachment {
                name: a.name,
                media_type: a.media_type,
                content_id: a.content_id,
                content: a.content,
            })
            .collect(),
    }
}

/// An exported function, found once at load time.
struct Export {
    index: ComponentExportIndex,
    params: Vec<(String, Type)>,
    /// How many results the function returns (0 or 1).
    results: usize,
}

/// A call whose function and arguments have been checked against the
/// component's types, ready to run; no transaction is needed to make one.
pub struct PreparedCall<'a> {
    name: &'a str,
    export: &'a Export,
    params: Vec<Val>,
}

/// Ticks the engine's epoch until dropped.
struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    fn start(engine: Engine) -> EpochTicker {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("giftcard-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .expect("spawn epoch thread");
        EpochTicker {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A loaded component, ready to be called from any thread.
pub struct Runtime {
    engine: Engine,
    pre: InstancePre<CallState>,
    exports: BTreeMap<String, Export>,
    limits: Limits,
    /// How many messages guests have handed over through the `outbox`
    /// import (committed or not), so hosts skip looking for new ones after
    /// calls that handed over none.
    handed_over: Arc<AtomicU64>,
    _ticker: EpochTicker,
}

/// The engine configuration every harness uses.
fn engine(limits: &Limits) -> Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    let mut pool = PoolingAllocationConfig::default();
    let n = limits.max_concurrent_calls.max(1);
    pool.total_component_instances(n)
        .total_core_instances(n * 16)
        .total_memories(n * 4)
        .total_tables(n * 8)
        .max_memories_per_component(4)
        .max_memory_size(limits.memory_bytes);
    // No `linear_memory_keep_resident`: in back-to-back runs of `cargo bench`
    // keeping 1 MiB resident (reset by memset when an instance is dropped)
    // roughly doubled a bare call (about 47 µs → 86–103 µs) and cost about a
    // third of the adjustments per second; 64 KiB gained nothing. The default
    // (reset with madvise) is faster for this guest.
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Ok(Engine::new(&config)?)
}

impl Runtime {
    /// Loads a component from a file (binary or WAT text).
    pub fn load(path: &Path, limits: Limits) -> Result<Runtime> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("reading the component at {}", path.display()))?;
        Self::from_bytes(&bytes, limits)
            .with_context(|| format!("loading the component at {}", path.display()))
    }

    /// Compiles, links and pre-instantiates a component.
    pub fn from_bytes(bytes: &[u8], limits: Limits) -> Result<Runtime> {
        let engine = engine(&limits)?;
        let component = Component::new(&engine, bytes)?;
        let mut linker: Linker<CallState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        wit_db::add_to_linker::<CallState, HasSelf<CallState>>(&mut linker, |s| s)?;
        wit_rates::add_to_linker::<CallState, HasSelf<CallState>>(&mut linker, |s| s)?;
        wit_outbox::add_to_linker::<CallState, HasSelf<CallState>>(&mut linker, |s| s)?;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .context("the component's imports do not match what this host provides")?;
        let exports = discover_exports(&engine, &component);
        Ok(Runtime {
            _ticker: EpochTicker::start(engine.clone()),
            engine,
            pre,
            exports,
            limits,
            handed_over: Arc::new(AtomicU64::new(0)),
        })
    }

    /// How many messages guests have handed over through the `outbox`
    /// import since this runtime was loaded, including those of calls that
    /// were then rolled back.
    pub fn messages_handed_over(&self) -> u64 {
        self.handed_over.load(Ordering::SeqCst)
    }

    /// The callable functions, as `interface.function` (for example
    /// `admin.create-card`).
    pub fn functions(&self) -> impl Iterator<Item = &str> {
        self.exports.keys().map(String::as_str)
    }

    /// Checks that `name` is exported and converts `args` to its parameters.
    /// Done before any transaction starts, so a malformed call never touches
    /// the database.
    pub fn prepare<'a>(
        &'a self,
        name: &'a str,
        args: &serde_json::Value,
    ) -> Result<PreparedCall<'a>> {
        let export = self
            .exports
            .get(name)
            .ok_or_else(|| anyhow!("the component exports no function `{name}`"))?;
        let params = dynval::args_to_params(args, &export.params)
            .map_err(|e| anyhow!("arguments for `{name}`: {e}"))?;
        Ok(PreparedCall {
            name,
            export,
            params,
        })
    }

    /// Prepares and runs a call in `tx` (rolled back if the call is malformed).
    pub fn call(
        &self,
        name: &str,
        args: &serde_json::Value,
        tx: Box<dyn Transaction>,
        clock: &Clock,
        random: StdRng,
        faults: Faults,
    ) -> Result<Outcome> {
        match self.prepare(name, args) {
            Ok(call) => self.run(call, tx, clock, random, faults),
            Err(e) => {
                let _ = tx.rollback();
                Err(e)
            }
        }
    }

    /// Runs a prepared call inside `tx`, then commits or rolls back.
    ///
    /// Returns `Ok(Outcome)` when the guest returned (commit on `ok`, rollback
    /// on `err`), and `Err` when it trapped or ran out of time or memory; in
    /// every `Err` case the transaction is rolled back.
    pub fn run(
        &self,
        call: PreparedCall<'_>,
        tx: Box<dyn Transaction>,
        clock: &Clock,
        random: StdRng,
        faults: Faults,
    ) -> Result<Outcome> {
        let (tx, result) = self.run_in(call, tx, clock, random, faults);
        match result {
            Ok(outcome) => {
                match outcome {
                    Outcome::Ok(_) => tx.commit().context("committing the call")?,
                    Outcome::Err(_) => tx.rollback().context("rolling back the call")?,
                }
                Ok(outcome)
            }
            Err(trap) => {
                tx.rollback().context("rolling back a trapped call")?;
                Err(trap)
            }
        }
    }

    /// Runs a prepared call inside `tx` and hands the transaction back
    /// unfinished, whatever happened: for a host operation that makes several
    /// calls (and its own writes) in one transaction, such as the simulated
    /// shop's checkout, and then commits or rolls back the whole of it. The
    /// caller must roll back after an `err` or a trap, since the guest relies
    /// on that to undo what it wrote before failing.
    pub fn run_in(
        &self,
        call: PreparedCall<'_>,
        tx: Box<dyn Transaction>,
        clock: &Clock,
        random: StdRng,
        faults: Faults,
    ) -> (Box<dyn Transaction>, Result<Outcome>) {
        let PreparedCall {
            name,
            export,
            params,
        } = call;
        let wasi = WasiCtxBuilder::new()
            .wall_clock(clock.clone())
            .secure_random(random)
            .build();
        let state = CallState {
            wasi,
            table: ResourceTable::new(),
            limits: StoreLimitsBuilder::new()
                .memory_size(self.limits.memory_bytes)
                .trap_on_grow_failure(true)
                .build(),
            tx: Some(tx),
            faults,
            statements: 0,
            handed_over: Arc::clone(&self.handed_over),
            started_at: clock.now(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        let ticks = (self.limits.deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);

        let result = self.invoke(&mut store, export, &params);
        let tx = store.data_mut().tx.take().expect("transaction present");
        let result = match result {
            Ok(value) => Ok(match value {
                Val::Result(Err(e)) => Outcome::Err(
                    e.map(|v| dynval::val_to_json(&v))
                        .unwrap_or(serde_json::Value::Null),
                ),
                Val::Result(Ok(v)) => Outcome::Ok(
                    v.map(|v| dynval::val_to_json(&v))
                        .unwrap_or(serde_json::Value::Null),
                ),
                other => Outcome::Ok(dynval::val_to_json(&other)),
            }),
            Err(trap) => Err(trap.context(format!("`{name}` trapped; nothing it wrote is kept"))),
        };
        (tx, result)
    }

    fn invoke(&self, store: &mut Store<CallState>, export: &Export, params: &[Val]) -> Result<Val> {
        let instance = self.pre.instantiate(&mut *store)?;
        let func = instance
            .get_func(&mut *store, export.index)
            .ok_or_else(|| anyhow!("export vanished after instantiation"))?;
        let mut results = vec![Val::Bool(false); export.results];
        func.call(&mut *store, params, &mut results)?;
        Ok(results.into_iter().next().unwrap_or(Val::Tuple(Vec::new())))
    }
}

/// Finds every function the component exports, at top level or inside an
/// exported interface, and names it `interface.function` with the package
/// and version dropped (`giftcard:plugin/admin@0.4.0` → `admin`).
fn discover_exports(engine: &Engine, component: &Component) -> BTreeMap<String, Export> {
    let mut out = BTreeMap::new();
    let ty = component.component_type();
    for (iface, item) in ty.exports(engine) {
        let short = iface
            .rsplit('/')
            .next()
            .unwrap_or(iface)
            .split('@')
            .next()
            .unwrap_or(iface);
        match item.ty {
            ComponentItem::ComponentInstance(inst) => {
                let Some(outer) = component.get_export_index(None, iface) else {
                    continue;
                };
                for (fname, f) in inst.exports(engine) {
                    if let ComponentItem::ComponentFunc(func) = f.ty
                        && let Some(index) = component.get_export_index(Some(&outer), fname)
                    {
                        out.insert(format!("{short}.{fname}"), export_of(index, &func));
                    }
                }
            }
            ComponentItem::ComponentFunc(func) => {
                if let Some(index) = component.get_export_index(None, iface) {
                    out.insert(short.to_owned(), export_of(index, &func));
                }
            }
            _ => {}
        }
    }
    out
}

fn export_of(
    index: ComponentExportIndex,
    func: &wasmtime::component::types::ComponentFunc,
) -> Export {
    Export {
        index,
        params: func.params().map(|(n, t)| (n.to_owned(), t)).collect(),
        results: func.results().len(),
    }
}
