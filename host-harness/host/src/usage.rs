//! What calls cost: the SQL statements the guest issued and, when the
//! engine counts them ([`Limits::count_instructions`]), the wasm
//! instructions it executed (wasmtime fuel). Both are deterministic for a
//! given component, request and database on a fixed clock (see
//! [`crate::call`]), so cost reports (`giftcard-harness bench`) and budget
//! tests can rely on them where a timing would be noise.
//!
//! [`Limits::count_instructions`]: crate::Limits::count_instructions

use std::sync::atomic::{AtomicU64, Ordering};

/// Totals over the calls a [`Runtime`](crate::Runtime) made since it was
/// loaded; subtract two readings ([`Usage::since`]) for the cost of the
/// calls between them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Export calls made (trapped ones included).
    pub calls: u64,
    /// Statements the guest ran through the `database` import.
    pub statements: u64,
    /// Wasm instructions executed, instantiation included; `None` when the
    /// engine does not count them.
    pub instructions: Option<u64>,
}

impl Usage {
    /// What was used between `earlier` and this reading.
    pub fn since(&self, earlier: &Usage) -> Usage {
        Usage {
            calls: self.calls - earlier.calls,
            statements: self.statements - earlier.statements,
            instructions: self
                .instructions
                .zip(earlier.instructions)
                .map(|(now, then)| now - then),
        }
    }
}

/// The fuel a store starts with when instructions are counted: far more
/// than any call uses (the epoch deadline stops runaway calls first).
pub(crate) const FUEL: u64 = u64::MAX / 2;

/// The runtime's running totals, shared by every thread that calls it.
#[derive(Debug, Default)]
pub(crate) struct Meter {
    calls: AtomicU64,
    statements: AtomicU64,
    instructions: AtomicU64,
}

impl Meter {
    /// Adds one call's figures (`fuel_left`: `None` when not counted).
    pub(crate) fn record(&self, statements: usize, fuel_left: Option<u64>) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.statements
            .fetch_add(statements as u64, Ordering::Relaxed);
        if let Some(left) = fuel_left {
            self.instructions
                .fetch_add(FUEL.saturating_sub(left), Ordering::Relaxed);
        }
    }

    pub(crate) fn read(&self, counts_instructions: bool) -> Usage {
        Usage {
            calls: self.calls.load(Ordering::Relaxed),
            statements: self.statements.load(Ordering::Relaxed),
            instructions: counts_instructions.then(|| self.instructions.load(Ordering::Relaxed)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_minus_an_earlier_one_is_what_the_calls_between_used() {
        let meter = Meter::default();
        meter.record(3, Some(FUEL - 1_000));
        let before = meter.read(true);
        meter.record(5, Some(FUEL - 250));
        meter.record(0, Some(FUEL));
        let used = meter.read(true).since(&before);
        assert_eq!(
            used,
            Usage {
                calls: 2,
                statements: 5,
                instructions: Some(250)
            }
        );
        assert_eq!(meter.read(false).instructions, None);
        assert_eq!(meter.read(false).since(&before).instructions, None);
    }
}
