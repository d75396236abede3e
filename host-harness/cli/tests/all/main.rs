//! The host's integration tests, one binary (one link) for all of them, as
//! wasmtime's `tests/all`: each module is one concern, driving the built
//! component through the harness or the `giftcard-harness` binary.

mod batches;
mod bench;
mod budget;
mod cli;
mod cli_batches;
mod cli_truth;
mod codes;
mod common;
mod compile_cache;
mod concurrency;
mod conformance;
mod delivery;
mod doctor;
mod ledger_properties;
mod marketplace;
mod no_double_spend;
mod outbox_at_least_once;
mod sandbox;
mod scale;
mod shop;
mod smtp_sink;
mod transactions;
