//! The wasmtime engine every host builds: Cranelift, the pooling allocator
//! (a fresh instance per call costs microseconds rather than fresh `mmap`s),
//! epoch interruption for per-call deadlines, and the limits each call runs
//! under. The configuration is part of the compiled-code cache key
//! ([`crate::cache`]), so changing it here never loads stale code.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How long one export call may run before it is stopped.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(5);
/// How much linear memory one instance may use.
pub const DEFAULT_MEMORY_LIMIT: usize = 64 << 20;
/// How often the epoch advances; deadlines are counted in these ticks.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The safety limits every call runs under.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub deadline: Duration,
    pub memory_bytes: usize,
    /// How many instances may be alive at once (one per concurrent call).
    pub max_concurrent_calls: u32,
    /// Count the wasm instructions each call executes (wasmtime fuel), for
    /// [`Runtime::usage`](crate::Runtime::usage). Off by default: the
    /// counting makes compiled code slower, so cost reports time calls on
    /// an engine without it.
    pub count_instructions: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            deadline: DEFAULT_DEADLINE,
            memory_bytes: DEFAULT_MEMORY_LIMIT,
            max_concurrent_calls: 32,
            count_instructions: false,
        }
    }
}

impl Limits {
    /// The deadline in epoch ticks (at least one).
    pub(crate) fn deadline_ticks(&self) -> u64 {
        (self.deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
    }
}

/// The engine configuration every host uses.
pub fn engine(limits: &Limits) -> anyhow::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.consume_fuel(limits.count_instructions);
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

/// Ticks the engine's epoch until dropped, so deadlines expire.
pub(crate) struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    pub(crate) fn start(engine: Engine) -> EpochTicker {
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
