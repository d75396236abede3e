//! A loaded component, called many times, safely, from any thread.
//!
//! - The component is compiled once (or loaded from [`crate::cache`]) and
//!   linked once into an [`InstancePre`]; each export call gets a **fresh
//!   [`Store`]** and instance, so nothing a call leaves in linear memory (or
//!   a trap's half-finished state) can leak into the next one.
//! - Each store has an **epoch deadline** and a **memory limit**
//!   ([`crate::engine`]); a runaway loop or a memory blow-up traps instead of
//!   stalling or exhausting the host.
//! - Calls are **typed** ([`Runtime::call`], through the generated
//!   [`Plugin`]) for hosts that know this contract, or **dynamic**
//!   ([`Runtime::call_dynamic`], component values by export name) for tools
//!   that drive any component, such as a conformance runner. Both end in
//!   [`crate::call::finish`], the one transaction rule.

use crate::cache::{CacheOutcome, CodeCache};
use crate::call::{CallEnv, CallState, Committed, finish};
use crate::clock::Clock;
use crate::database::Transaction;
use crate::engine::{EpochTicker, Limits, engine};
use crate::exports::{Plugin, PluginPre};
use crate::recycle::{InstancePolicy, Recycler, Warm};
use crate::usage::{FUEL, Meter, Usage};
use anyhow::{Context, Result, anyhow};
use rand::rngs::StdRng;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use wasmtime::component::types::{ComponentItem, Type};
use wasmtime::component::{Component, ComponentExportIndex, HasSelf, InstancePre, Linker, Val};
use wasmtime::{Engine, Store};

/// An exported function, found once at load time.
pub struct Export {
    index: ComponentExportIndex,
    /// The parameters' names and types, in order.
    pub params: Vec<(String, Type)>,
    /// How many results the function returns (0 or 1).
    pub results: usize,
}

/// A loaded component, ready to be called from any thread.
pub struct Runtime {
    engine: Engine,
    pre: InstancePre<CallState>,
    /// The typed view, when the component implements this host's world.
    typed: Option<Arc<PluginPre>>,
    exports: BTreeMap<String, Export>,
    limits: Limits,
    cache: CacheOutcome,
    /// How many messages guests have handed over through the `outbox`
    /// import (committed or not), so hosts skip looking for new ones after
    /// calls that handed over none.
    handed_over: Arc<AtomicU64>,
    /// What the calls so far cost ([`Runtime::usage`]).
    meter: Meter,
    _ticker: EpochTicker,
}

impl Runtime {
    /// The component built with this crate (embedded in the binary), through
    /// the user's compiled-code cache.
    pub fn built_in(limits: Limits) -> Result<Runtime> {
        Self::with_cache(crate::BUILT_COMPONENT, limits, &CodeCache::user_default())
            .context("loading the built-in component")
    }

    /// Loads a component from a file (binary or WAT text), through the
    /// user's compiled-code cache.
    pub fn load(path: &Path, limits: Limits) -> Result<Runtime> {
        Self::load_with_cache(path, limits, &CodeCache::user_default())
    }

    /// [`Runtime::load`] with the cache chosen by the caller.
    pub fn load_with_cache(path: &Path, limits: Limits, cache: &CodeCache) -> Result<Runtime> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("reading the component at {}", path.display()))?;
        Self::with_cache(&bytes, limits, cache)
            .with_context(|| format!("loading the component at {}", path.display()))
    }

    /// Compiles (no cache), links and pre-instantiates a component.
    pub fn from_bytes(bytes: &[u8], limits: Limits) -> Result<Runtime> {
        Self::with_cache(bytes, limits, &CodeCache::Off)
    }

    /// Compiles or loads compiled code through `cache`, links the imports
    /// and pre-instantiates.
    pub fn with_cache(bytes: &[u8], limits: Limits, cache: &CodeCache) -> Result<Runtime> {
        anyhow::ensure!(
            !bytes.is_empty(),
            "the component is empty (a build with GIFTCARD_SKIP_COMPONENT_BUILD set embeds none)"
        );
        let engine = engine(&limits)?;
        let (component, cache) = cache.load(&engine, bytes)?;
        let mut linker: Linker<CallState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        use crate::bindings::giftcard::plugin::{database, exchange_rates, outbox};
        database::add_to_linker::<CallState, HasSelf<CallState>>(&mut linker, |s| s)?;
        exchange_rates::add_to_linker::<CallState, HasSelf<CallState>>(&mut linker, |s| s)?;
        outbox::add_to_linker::<CallState, HasSelf<CallState>>(&mut linker, |s| s)?;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .context("the component's imports do not match what this host provides")?;
        let typed = PluginPre::new(&pre).ok().map(Arc::new);
        let exports = discover_exports(&engine, &component);
        Ok(Runtime {
            _ticker: EpochTicker::start(engine.clone()),
            engine,
            pre,
            typed,
            exports,
            limits,
            cache,
            handed_over: Arc::new(AtomicU64::new(0)),
            meter: Meter::default(),
        })
    }

    /// What the compiled-code cache did when this runtime was loaded.
    pub fn cache_outcome(&self) -> &CacheOutcome {
        &self.cache
    }

    /// How many messages guests have handed over through the `outbox`
    /// import since this runtime was loaded, including those of calls that
    /// were then rolled back.
    pub fn messages_handed_over(&self) -> u64 {
        self.handed_over.load(Ordering::SeqCst)
    }

    /// The statements (and, when [`Limits::count_instructions`] is set, the
    /// wasm instructions) of every call since this runtime was loaded.
    pub fn usage(&self) -> Usage {
        self.meter.read(self.limits.count_instructions)
    }

    /// The callable functions, as `interface.function` (for example
    /// `admin.create-card`).
    pub fn functions(&self) -> impl Iterator<Item = &str> {
        self.exports.keys().map(String::as_str)
    }

    /// The export called `name` (`interface.function`), with its types.
    pub fn export(&self, name: &str) -> Option<&Export> {
        self.exports.get(name)
    }

    /// Whether the component implements this host's world, so
    /// [`Runtime::call`] can be used.
    pub fn is_typed(&self) -> bool {
        self.typed.is_some()
    }

    fn store(&self, tx: Box<dyn Transaction>, env: CallEnv<'_>) -> Store<CallState> {
        let state = CallState::new(tx, env, &self.limits, Arc::clone(&self.handed_over));
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store.set_epoch_deadline(self.limits.deadline_ticks());
        if self.limits.count_instructions {
            store.set_fuel(FUEL).expect("the engine counts fuel");
        }
        store
    }

    /// Lends a recycled store the next call's transaction and environment,
    /// with a full deadline and fuel tank, as a new store would have.
    fn renew(&self, store: &mut Store<CallState>, tx: Box<dyn Transaction>, env: CallEnv<'_>) {
        store.data_mut().renew(tx, env);
        store.set_epoch_deadline(self.limits.deadline_ticks());
        if self.limits.count_instructions {
            store.set_fuel(FUEL).expect("the engine counts fuel");
        }
    }

    /// Ends a call on its store: adds its cost to [`Runtime::usage`] and
    /// hands back its transaction.
    fn close(&self, store: &mut Store<CallState>) -> Box<dyn Transaction> {
        let fuel_left = (self.limits.count_instructions)
            .then(|| store.get_fuel().expect("the engine counts fuel"));
        self.meter.record(store.data().statements, fuel_left);
        store.data_mut().take_tx()
    }

    /// A typed call in its own transaction, committed or rolled back by
    /// its outcome:
    ///
    /// ```text
    /// let card = runtime.call(tx, &clock, rng, |p, s| {
    ///     p.giftcard_plugin_admin(&mut *s)?.call_create_card(s, &request)
    /// })??;
    /// ```
    ///
    /// `Err` is a trap (or a failed commit); `Ok(Err(e))` is the plugin's
    /// typed error.
    pub fn call<R: Committed>(
        &self,
        tx: Box<dyn Transaction>,
        clock: &Clock,
        random: StdRng,
        f: impl FnOnce(&Plugin, &mut Store<CallState>) -> wasmtime::Result<R>,
    ) -> Result<R> {
        let (tx, result) = self.call_in(tx, CallEnv::new(clock, random), f);
        finish(tx, result)
    }

    /// A typed call inside a transaction the caller owns, handed back
    /// unfinished: for a host operation that makes several calls (and its
    /// own writes) in one transaction and then commits or rolls back the
    /// whole of it. The caller must roll back after an `err` or a trap.
    pub fn call_in<R>(
        &self,
        tx: Box<dyn Transaction>,
        env: CallEnv<'_>,
        f: impl FnOnce(&Plugin, &mut Store<CallState>) -> wasmtime::Result<R>,
    ) -> (Box<dyn Transaction>, Result<R>) {
        let Some(typed) = &self.typed else {
            return (
                tx,
                Err(anyhow!(
                    "the component does not implement the giftcard:plugin@{} world; \
                     only dynamic calls can drive it",
                    crate::CONTRACT_VERSION
                )),
            );
        };
        let mut store = self.store(tx, env);
        let result = self
            .pre
            .instantiate(&mut store)
            .map(|instance| typed.bind(instance))
            .and_then(|plugin| f(&plugin, &mut store))
            .map_err(anyhow::Error::from)
            .context("the call trapped; nothing it wrote is kept");
        let tx = self.close(&mut store);
        (tx, result)
    }

    /// [`Runtime::call_in`] on `recycler`'s warm instance when it has one
    /// (a fresh one otherwise), which it keeps for the next call under the
    /// rules of [`crate::recycle`]. With [`InstancePolicy::Fresh`] this is
    /// exactly [`Runtime::call_in`].
    pub fn call_in_recycled<R>(
        &self,
        recycler: &Recycler,
        tx: Box<dyn Transaction>,
        env: CallEnv<'_>,
        f: impl FnOnce(&Plugin, &mut Store<CallState>) -> wasmtime::Result<R>,
    ) -> (Box<dyn Transaction>, Result<R>) {
        let (Some(typed), InstancePolicy::Recycle { .. }) = (&self.typed, recycler.policy()) else {
            return self.call_in(tx, env, f);
        };
        let (mut store, plugin, served) = match recycler.take() {
            Some(mut warm) => {
                self.renew(&mut warm.store, tx, env);
                (warm.store, Ok(warm.plugin), warm.served)
            }
            None => {
                let mut store = self.store(tx, env);
                let plugin = self.pre.instantiate(&mut store).map(|i| typed.bind(i));
                (store, plugin, 0)
            }
        };
        let result = plugin.and_then(|plugin| f(&plugin, &mut store).map(|value| (value, plugin)));
        let tx = self.close(&mut store);
        match result {
            Ok((value, plugin)) => {
                let warm = Warm {
                    store,
                    plugin,
                    served: served + 1,
                };
                recycler.give_back(warm, self.limits.memory_bytes);
                (tx, Ok(value))
            }
            // A trap: the instance is dropped here, never given back.
            Err(trap) => (
                tx,
                Err(anyhow::Error::from(trap).context("the call trapped; nothing it wrote is kept")),
            ),
        }
    }

    /// Checks that `name` is exported and takes `params` (of the export's
    /// types, see [`Runtime::export`]): done before any transaction starts.
    pub fn check_dynamic(&self, name: &str) -> Result<&Export> {
        self.exports
            .get(name)
            .ok_or_else(|| anyhow!("the component exports no function `{name}`"))
    }

    /// A dynamic call by name in a transaction the caller owns (handed back
    /// unfinished, as [`Runtime::call_in`]). Returns the export's value
    /// (`result` exports give `Val::Result`).
    pub fn call_dynamic_in(
        &self,
        name: &str,
        params: &[Val],
        tx: Box<dyn Transaction>,
        env: CallEnv<'_>,
    ) -> (Box<dyn Transaction>, Result<Val>) {
        let export = match self.check_dynamic(name) {
            Ok(export) => export,
            Err(e) => return (tx, Err(e)),
        };
        let mut store = self.store(tx, env);
        let result = self
            .invoke(&mut store, export, params)
            .with_context(|| format!("`{name}` trapped; nothing it wrote is kept"));
        let tx = self.close(&mut store);
        (tx, result)
    }

    /// [`Runtime::call_dynamic_in`] in its own transaction, committed on
    /// `ok` and rolled back on `err` or a trap.
    pub fn call_dynamic(
        &self,
        name: &str,
        params: &[Val],
        tx: Box<dyn Transaction>,
        env: CallEnv<'_>,
    ) -> Result<Val> {
        let (tx, result) = self.call_dynamic_in(name, params, tx, env);
        finish(tx, result)
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
