//! The engine's integration tests, natively through the `api` functions
//! the component exports: one test binary (one link) with a module for each
//! part, their shared set-up in `giftcard_engine::testing`.

mod batches;
mod cards;
mod hostile_hooks;
mod ledger_properties;
mod pipeline;
