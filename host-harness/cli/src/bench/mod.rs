//! `giftcard-harness bench`: the plugin's cost report, the way a platform
//! reads a function budget. A fixed set of standard operations runs, each on
//! a fresh seeded database, and for each the report gives:
//!
//! - **instructions**: wasm instructions one call executes (wasmtime fuel,
//!   counted on an engine of its own so counting never slows the timing);
//! - **statements**: SQL statements the guest issued through `database`;
//! - **median µs**: wall time of one operation through the component (a
//!   fresh pooled instance per call, as every host call is), median of the
//!   rounds;
//! - **recycled µs**: the same through one warm instance reused for up to
//!   [`RECYCLED_CALLS`] calls ([`giftcard_host::recycle`]), the other
//!   instance policy a host may choose;
//! - for the built-in component, the same operation on the native engine
//!   over rusqlite and the ratios component ÷ native, fresh and recycled:
//!   the price of the sandbox.
//!
//! Instruction and statement counts are deterministic (a fixed clock, which
//! also fixes the guest's hash-map seed, and a seeded random source); the
//! times are this machine's and only a guide.

mod component;
mod native;

pub use component::OnComponent;
pub use native::OnNative;

use anyhow::{Context, Result, bail, ensure};
use giftcard_host::{CodeCache, InstancePolicy, Limits, Runtime, Usage};
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

/// The time every benchmark database starts at (2026-01-01T00:00:00Z).
pub const T0: i64 = 1_767_225_600;
/// The random seed of every benchmark database.
pub const SEED: u64 = 14;
/// How many calls one instance serves in the recycled runs.
pub const RECYCLED_CALLS: u32 = 100;

/// The standard operations, in the order they are reported.
pub const OPERATIONS: [Operation; 7] = [
    Operation::Collect { lines: 1, cards: 1 },
    Operation::Collect {
        lines: 200,
        cards: 10,
    },
    Operation::Placed,
    Operation::Paid,
    Operation::Checkout,
    Operation::CheckBalance,
    Operation::Generate(5000),
];

/// One standard operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `totals.collect` of a quote of `lines` lines (1 × 10.00 each) with
    /// `cards` cards applied.
    Collect { lines: usize, cards: usize },
    /// `orders.placed` of a one-line order paid by one card (collected
    /// beforehand, untimed).
    Placed,
    /// `invoices.paid` of a placed one-card order's invoice.
    Paid,
    /// The whole checkout: collect, placed and paid.
    Checkout,
    /// `customer.check-balance` of an active card.
    CheckBalance,
    /// `batches.generate-codes` of this many codes in one call.
    Generate(u32),
}

impl Operation {
    /// The name the report (and `--json`) gives it.
    pub fn name(&self) -> String {
        match self {
            Operation::Collect { lines, cards } => {
                let s = |n: &usize| if *n == 1 { "" } else { "s" };
                format!("collect-{lines}-line{}-{cards}-card{}", s(lines), s(cards))
            }
            Operation::Placed => "placed-1-card".into(),
            Operation::Paid => "paid-1-card".into(),
            Operation::Checkout => "checkout-1-card".into(),
            Operation::CheckBalance => "check-balance".into(),
            Operation::Generate(n) => format!("generate-{n}"),
        }
    }

    /// The operation's budget (see [`Budget`]).
    pub fn budget(&self) -> Budget {
        let (instructions, statements) = match self {
            Operation::Collect { lines: 1, .. } => (106_000, 2),
            Operation::Collect { .. } => (2_600_000, 2),
            Operation::Placed => (332_000, 10),
            Operation::Paid => (195_000, 7),
            Operation::Checkout => (632_000, 19),
            Operation::CheckBalance => (76_000, 5),
            Operation::Generate(_) => (140_000_000, 35),
        };
        Budget {
            instructions,
            statements,
        }
    }

    /// The cards the operation's database is seeded with, each of this
    /// balance (USD): enough for every round.
    fn seed_cards(&self) -> (usize, &'static str) {
        match self {
            Operation::Collect { cards, .. } => (*cards, "100000"),
            Operation::Generate(_) => (0, "0"),
            _ => (1, "1000000"),
        }
    }
}

/// What one standard operation may cost at most, checked on every test run
/// (the counts are deterministic, so this is not a timed test). Statements
/// are today's counts exactly; instructions leave 15 % for a build without
/// binaryen's `wasm-opt`. These are ceilings against regressions, lowered as
/// the product's goals come in reach (`collect-200-lines-10-cards` at most
/// 1,100,000 instructions, a checkout at most 12 statements; not met yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub instructions: u64,
    pub statements: u64,
}

/// A quote of the benchmark: `lines` lines of 1 × 10.00 USD, `codes`
/// applied; round `round`'s quote and order ids are its own.
#[derive(Clone, Debug)]
pub struct QuoteSpec {
    pub quote_id: String,
    pub order_id: String,
    pub lines: usize,
    pub codes: Vec<String>,
}

/// What the operations need of a plugin, the component's or the native
/// engine's; every refusal is an error (the benchmark runs only happy paths).
pub trait Target {
    /// What a collection applied, in the form `orders.placed` expects it.
    type Expected: Default;
    /// Issues a card of `amount` USD; returns its code.
    fn create_card(&mut self, amount: &str) -> Result<String>;
    /// Creates a batch definition of 10.00 USD cards; returns its id.
    fn create_definition(&mut self) -> Result<u64>;
    fn collect(&mut self, quote: &QuoteSpec) -> Result<Self::Expected>;
    fn placed(&mut self, quote: &QuoteSpec, expected: &Self::Expected) -> Result<()>;
    fn paid(&mut self, quote: &QuoteSpec) -> Result<()>;
    /// A balance check that must find the card.
    fn check_balance(&mut self, code: &str, client_key: &str) -> Result<()>;
    fn generate(&mut self, definition: u64, count: u32) -> Result<()>;
    /// What the calls so far cost (`None` on the native engine).
    fn usage(&self) -> Option<Usage>;
}

/// What one operation cost, median over the rounds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Cost {
    /// Wasm instructions (`None` when not counted).
    pub instructions: Option<u64>,
    /// SQL statements issued (`None` on the native engine).
    pub statements: Option<u64>,
    pub median_us: f64,
}

/// Runs `operation` `rounds` times (after one round to warm up) on a target
/// opened fresh by `open`, and gives its median cost.
pub fn measure<T: Target>(
    operation: Operation,
    rounds: usize,
    open: impl FnOnce() -> Result<T>,
) -> Result<Cost> {
    ensure!(rounds > 0, "--rounds must be at least 1");
    let mut target = open()?;
    let seeded = Seeded::prepare(&mut target, operation)?;
    let mut times = Vec::with_capacity(rounds);
    let mut instructions = Vec::with_capacity(rounds);
    let mut statements = Vec::with_capacity(rounds);
    for round in 0..=rounds {
        let quote = seeded.quote(round);
        let expected = match operation {
            Operation::Placed | Operation::Paid => target.collect(&quote)?,
            _ => T::Expected::default(),
        };
        if operation == Operation::Paid {
            target.placed(&quote, &expected)?;
        }
        let before = target.usage();
        let started = Instant::now();
        match operation {
            Operation::Collect { .. } => {
                target.collect(&quote)?;
            }
            Operation::Placed => target.placed(&quote, &expected)?,
            Operation::Paid => target.paid(&quote)?,
            Operation::Checkout => {
                let applied = target.collect(&quote)?;
                target.placed(&quote, &applied)?;
                target.paid(&quote)?;
            }
            Operation::CheckBalance => {
                target.check_balance(&seeded.codes[0], &format!("bench-client-{round}"))?
            }
            Operation::Generate(n) => target.generate(seeded.definition, n)?,
        }
        let elapsed = started.elapsed();
        if round == 0 {
            continue;
        }
        times.push(elapsed.as_secs_f64() * 1e6);
        if let (Some(before), Some(after)) = (before, target.usage()) {
            let used = after.since(&before);
            statements.push(used.statements);
            instructions.extend(used.instructions);
        }
    }
    Ok(Cost {
        instructions: median(&mut instructions),
        statements: median(&mut statements),
        median_us: median(&mut times).unwrap_or_default(),
    })
}

/// The middle value (the lower of the two middle ones for an even count).
fn median<T: PartialOrd + Copy>(values: &mut [T]) -> Option<T> {
    values.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    values.get(values.len().saturating_sub(1) / 2).copied()
}

/// What an operation's database was seeded with.
struct Seeded {
    operation: Operation,
    codes: Vec<String>,
    definition: u64,
}

impl Seeded {
    fn prepare(target: &mut impl Target, operation: Operation) -> Result<Seeded> {
        let (count, amount) = operation.seed_cards();
        let codes = (0..count)
            .map(|_| target.create_card(amount))
            .collect::<Result<_>>()?;
        let definition = match operation {
            Operation::Generate(_) => target.create_definition()?,
            _ => 0,
        };
        Ok(Seeded {
            operation,
            codes,
            definition,
        })
    }

    fn quote(&self, round: usize) -> QuoteSpec {
        let lines = match self.operation {
            Operation::Collect { lines, .. } => lines,
            _ => 1,
        };
        QuoteSpec {
            quote_id: format!("Q-{round}"),
            order_id: format!("{}", 100_000_000 + round),
            lines,
            codes: self.codes.clone(),
        }
    }
}

/// One line of the report: the component's cost (instructions counted on
/// the counting engine, time on the other, a fresh instance per call)
/// beside its time on recycled instances and the native engine's time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OperationReport {
    pub name: String,
    #[serde(flatten)]
    pub cost: Cost,
    /// The median with [`InstancePolicy::Recycle`].
    pub recycled_median_us: f64,
    /// The native engine's median (built-in component only).
    pub native_median_us: Option<f64>,
    /// `median_us ÷ native_median_us`.
    pub ratio: Option<f64>,
    /// `recycled_median_us ÷ native_median_us`.
    pub recycled_ratio: Option<f64>,
}

/// The component's timed costs under both instance policies.
pub struct Timed {
    pub fresh: Cost,
    pub recycled: Cost,
}

impl OperationReport {
    /// The component's counted cost, its timed costs and the native one.
    pub fn new(operation: Operation, counted: Cost, timed: Timed, native: Option<Cost>) -> Self {
        let native_median_us = native.map(|n| n.median_us).filter(|n| *n > 0.0);
        let ratio = |us: f64| native_median_us.map(|n| us / n);
        OperationReport {
            name: operation.name(),
            cost: Cost {
                median_us: timed.fresh.median_us,
                ..counted
            },
            recycled_median_us: timed.recycled.median_us,
            native_median_us,
            ratio: ratio(timed.fresh.median_us),
            recycled_ratio: ratio(timed.recycled.median_us),
        }
    }
}

/// The whole report, as `--json` prints it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub component_bytes: u64,
    pub operations: Vec<OperationReport>,
}

/// How many rounds the instruction counts take: they are the same every
/// round, so a few confirm it without doubling the run.
const COUNTED_ROUNDS: usize = 3;

/// Limits that count each call's instructions.
fn counting() -> Limits {
    Limits {
        count_instructions: true,
        ..Limits::default()
    }
}

/// `bytes` loaded on an engine that counts instructions, for [`count`].
pub fn counting_runtime(bytes: &[u8], cache: &CodeCache) -> Result<Arc<Runtime>> {
    Ok(Arc::new(Runtime::with_cache(bytes, counting(), cache)?))
}

/// `operation`'s instruction and statement counts on a runtime from
/// [`counting_runtime`], one round on a fresh database (for budget checks:
/// no timing).
pub fn count(runtime: &Arc<Runtime>, operation: Operation) -> Result<Cost> {
    measure(operation, 1, || {
        OnComponent::open(runtime, InstancePolicy::Fresh)
    })
}

/// The standard operations called `names` (all of them when empty), or
/// which name is unknown.
pub fn select(names: &[String]) -> Result<Vec<Operation>> {
    if let Some(unknown) = (names.iter()).find(|n| !OPERATIONS.iter().any(|op| op.name() == **n)) {
        let known: Vec<String> = OPERATIONS.iter().map(Operation::name).collect();
        bail!(
            "no standard operation `{unknown}`; they are: {}",
            known.join(", ")
        );
    }
    Ok((OPERATIONS.into_iter())
        .filter(|op| names.is_empty() || names.contains(&op.name()))
        .collect())
}

/// Runs `operations` on `bytes` (the built-in component when `built_in`,
/// which adds the native comparison), `rounds` timed rounds each;
/// `progress` hears each operation's name before it runs.
pub fn run(
    bytes: &[u8],
    built_in: bool,
    cache: &CodeCache,
    operations: &[Operation],
    rounds: usize,
    mut progress: impl FnMut(&str),
) -> Result<Report> {
    ensure!(rounds > 0, "--rounds must be at least 1");
    let timed = Arc::new(Runtime::with_cache(bytes, Limits::default(), cache)?);
    ensure!(
        timed.is_typed(),
        "the component does not implement the giftcard:plugin@{} world the benchmark calls",
        giftcard_host::CONTRACT_VERSION
    );
    let counted = counting_runtime(bytes, cache)?;
    let mut reports = Vec::new();
    for &operation in operations {
        progress(&operation.name());
        let context = || format!("benchmark operation {}", operation.name());
        let fresh = InstancePolicy::Fresh;
        let count = measure(operation, rounds.min(COUNTED_ROUNDS), || {
            OnComponent::open(&counted, fresh)
        })
        .with_context(context)?;
        let time = |policy| {
            measure(operation, rounds, || OnComponent::open(&timed, policy)).with_context(context)
        };
        let time = Timed {
            fresh: time(fresh)?,
            recycled: time(InstancePolicy::Recycle {
                max_calls: RECYCLED_CALLS,
            })?,
        };
        let native = built_in
            .then(|| measure(operation, rounds, OnNative::open))
            .transpose()
            .with_context(context)?;
        reports.push(OperationReport::new(operation, count, time, native));
    }
    Ok(Report {
        component_bytes: bytes.len() as u64,
        operations: reports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operations_carry_the_names_hosts_compare_by() {
        let names: Vec<String> = OPERATIONS.iter().map(Operation::name).collect();
        assert_eq!(
            names,
            [
                "collect-1-line-1-card",
                "collect-200-lines-10-cards",
                "placed-1-card",
                "paid-1-card",
                "checkout-1-card",
                "check-balance",
                "generate-5000",
            ]
        );
    }

    #[test]
    fn operations_are_chosen_by_name() {
        assert_eq!(select(&[]).unwrap(), OPERATIONS);
        let names = ["generate-5000".to_owned(), "placed-1-card".to_owned()];
        assert_eq!(
            select(&names).unwrap(),
            [Operation::Placed, Operation::Generate(5000)]
        );
        let err = select(&["collect".to_owned()]).unwrap_err().to_string();
        assert!(err.contains("no standard operation `collect`"), "{err}");
        assert!(err.contains("collect-1-line-1-card, "), "{err}");
    }

    #[test]
    fn the_median_is_the_middle_value() {
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
        assert_eq!(median::<u64>(&mut []), None);
    }
}
