//! The plugin's cost budget: the wasm instructions and SQL statements of
//! every standard operation stay within [`Operation::budget`]. Counts, not
//! times: they are the same on every run of the same component.

use giftcard_harness::bench::{self, OPERATIONS, Operation};
use giftcard_host::{BUILT_COMPONENT, CodeCache};

#[test]
fn every_standard_operation_stays_within_its_budget() {
    let runtime = bench::counting_runtime(BUILT_COMPONENT, &CodeCache::Off).unwrap();
    let mut over = Vec::new();
    for operation in OPERATIONS {
        let cost = bench::count(&runtime, operation).unwrap();
        let budget = operation.budget();
        let (instructions, statements) = (cost.instructions.unwrap(), cost.statements.unwrap());
        if instructions > budget.instructions || statements > budget.statements {
            over.push(format!(
                "{}: {instructions} instructions (budget {}), {statements} statements (budget {})",
                operation.name(),
                budget.instructions,
                budget.statements
            ));
        }
    }
    assert!(over.is_empty(), "over budget:\n{}", over.join("\n"));
}

#[test]
fn a_checkout_costs_its_three_calls() {
    // The budgets add up as the calls do: a checkout is collect, placed, paid.
    let [collect, placed, paid] = [
        Operation::Collect { lines: 1, cards: 1 },
        Operation::Placed,
        Operation::Paid,
    ]
    .map(|op| op.budget());
    let checkout = Operation::Checkout.budget();
    assert_eq!(
        checkout.statements,
        collect.statements + placed.statements + paid.statements
    );
    assert!(
        checkout.instructions <= collect.instructions + placed.instructions + paid.instructions
    );
}
