//! Time and randomness as the harness lends them to the component through
//! WASI. Production uses the system clock and the OS's secure generator; a
//! scenario uses a fixed clock it advances by hand and a seeded generator, so
//! every run of it produces the same codes and timestamps.

use rand::SeedableRng;
use rand::rngs::StdRng;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wasmtime_wasi::HostWallClock;

/// The wall clock the component sees.
#[derive(Clone, Debug)]
pub enum Clock {
    /// The machine's clock.
    System,
    /// A fixed time in unix seconds, moved only by `set` and `advance`.
    Fixed(Arc<AtomicI64>),
}

impl Clock {
    pub fn fixed(unix_seconds: i64) -> Clock {
        Clock::Fixed(Arc::new(AtomicI64::new(unix_seconds)))
    }

    /// The current time in unix seconds.
    pub fn now(&self) -> i64 {
        match self {
            Clock::System => HostWallClock::now(self).as_secs() as i64,
            Clock::Fixed(t) => t.load(Ordering::SeqCst),
        }
    }

    /// Moves a fixed clock; refused for the system clock.
    pub fn set(&self, unix_seconds: i64) -> anyhow::Result<()> {
        match self {
            Clock::Fixed(t) => {
                t.store(unix_seconds, Ordering::SeqCst);
                Ok(())
            }
            Clock::System => anyhow::bail!("the system clock cannot be set; use a fixed clock"),
        }
    }

    pub fn advance(&self, seconds: i64) -> anyhow::Result<()> {
        self.set(self.now() + seconds)
    }
}

impl HostWallClock for Clock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn now(&self) -> Duration {
        match self {
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default(),
            Clock::Fixed(t) => Duration::from_secs(t.load(Ordering::SeqCst).max(0) as u64),
        }
    }
}

/// Where the component's `wasi:random` bytes come from.
#[derive(Debug)]
pub enum Randomness {
    /// The operating system's secure generator.
    Os,
    /// A deterministic generator; each call gets a child seed drawn from it, so
    /// a scenario replays identically.
    Seeded(Box<StdRng>),
}

impl Randomness {
    pub fn seeded(seed: u64) -> Randomness {
        Randomness::Seeded(Box::new(StdRng::seed_from_u64(seed)))
    }

    /// The generator for one call.
    pub fn for_call(&mut self) -> StdRng {
        match self {
            Randomness::Os => rand::make_rng(),
            Randomness::Seeded(parent) => {
                use rand::Rng;
                StdRng::seed_from_u64(parent.next_u64())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn a_fixed_clock_moves_only_by_hand() {
        let clock = Clock::fixed(1_000);
        assert_eq!(clock.now(), 1_000);
        clock.advance(60).unwrap();
        assert_eq!(clock.now(), 1_060);
        // Clones share the time, as a harness and its calls do.
        let same = clock.clone();
        same.set(5).unwrap();
        assert_eq!(clock.now(), 5);
        assert_eq!(HostWallClock::now(&clock), Duration::from_secs(5));
        // Before 1970 reads as the epoch for WASI.
        clock.set(-10).unwrap();
        assert_eq!(HostWallClock::now(&clock), Duration::ZERO);
        assert!(Clock::System.set(0).is_err());
        assert!(Clock::System.now() > 1_700_000_000);
    }

    #[test]
    fn seeded_randomness_replays_and_differs_per_call() {
        let draw = |r: &mut Randomness| r.for_call().next_u64();
        let (mut a, mut b) = (Randomness::seeded(9), Randomness::seeded(9));
        let first = (draw(&mut a), draw(&mut a));
        assert_eq!(first, (draw(&mut b), draw(&mut b)));
        assert_ne!(first.0, first.1);
        assert_ne!(draw(&mut Randomness::seeded(10)), first.0);
        let mut os = Randomness::Os;
        assert_ne!(draw(&mut os), draw(&mut os));
    }
}
