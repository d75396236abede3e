//! The gift-card component: a thin adapter from the WIT contract
//! (`wit/`, world `plugin` in `wit/world.wit`) to `giftcard-engine`.
//!
//! Nothing here decides anything about gift cards. Each export converts its
//! WIT record into the engine's record, calls the matching `api` function with
//! an environment backed by the component's imports, and converts the result
//! back. Transactions are the host's: it commits when an export returns `ok`
//! and rolls back on `err` or a trap.

// One module per exported interface, named after it.
mod admin;
mod batches;
mod credit_memos;
mod customer;
mod delivery;
mod invoices;
mod issuing;
mod lifecycle;
mod orders;
mod products;
mod reports;
mod scheduler;
mod totals;

// The shared records' conversions, the generic helpers, and the imports.
mod commerce;
mod convert;
mod env;
mod types;

#[allow(clippy::all, missing_docs)]
mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "plugin",
        generate_all,
    });
}

struct Plugin;

bindings::export!(Plugin with_types_in bindings);
