//! # giftcard-host
//!
//! The library a platform embeds to run the gift-card component: load it
//! once, call it many times, each call one database transaction.
//!
//! - [`engine`]: wasmtime's configuration (pooling allocator, epoch
//!   deadlines, memory limits);
//! - [`cache`]: compiled code kept on disk, so a process starts in
//!   milliseconds instead of compiling for a second;
//! - [`runtime`]: the linked component, typed calls through [`bindings`] and
//!   dynamic ones by name;
//! - [`exports`]: an instance's typed exports, each interface's looked up on
//!   first use;
//! - [`call`]: a call's store and **the transaction-per-call rule** (commit on
//!   `ok`, roll back on `err` or a trap);
//! - [`recycle`]: when one warm instance may serve another call (never by
//!   default);
//! - one module per import: [`database`] (the backend trait and SQLite),
//!   [`exchange_rates`], [`outbox`] (queued in the call's transaction,
//!   delivered after commit), [`clock`] (the wall clock and the random source);
//! - [`tables`]: the host's own tables beside the plugin's;
//! - [`usage`]: what calls cost (statements, wasm instructions), for cost
//!   reports and budget tests;
//! - [`GiftCards`]: all of it behind one handle, with the delivery of the
//!   messages the plugin hands over: the short way in (see
//!   `examples/embed.rs`).

pub mod bindings;
pub mod cache;
pub mod call;
pub mod clock;
pub mod database;
pub mod engine;
pub mod exchange_rates;
pub mod exports;
mod gift_cards;
pub mod outbox;
pub mod recycle;
pub mod runtime;
pub mod tables;
pub mod usage;

pub use bindings::{api, commerce, to_json, types};
pub use cache::{CacheOutcome, CodeCache};
pub use call::{CallEnv, CallState, Committed, Faults};
pub use clock::{Clock, Randomness};
pub use database::{Backend, PostgresBackend, SqliteBackend, Transaction};
pub use engine::Limits;
pub use exports::Plugin;
pub use gift_cards::{Dispatch, GiftCards, Options, Undelivered};
pub use recycle::{InstancePolicy, Recycler};
pub use runtime::Runtime;
pub use usage::Usage;

/// The gift-card component built with this crate (by `build.rs`), embedded
/// so a host binary needs no file beside it.
pub const BUILT_COMPONENT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/giftcard.wasm"));

/// The contract version this host serves: the `giftcard:plugin` package
/// version in `wit/` (a test keeps them equal).
pub const CONTRACT_VERSION: &str = "0.5.0";

#[cfg(test)]
mod tests {
    #[test]
    fn the_contract_version_is_the_wit_package_version() {
        let world = include_str!("../../../wit/world.wit");
        let line = world
            .lines()
            .find(|l| l.starts_with("package giftcard:plugin@"))
            .expect("package line");
        let version = line
            .trim_start_matches("package giftcard:plugin@")
            .trim_end_matches(';');
        assert_eq!(version, super::CONTRACT_VERSION);
        assert_eq!(version, giftcard_engine::CONTRACT_VERSION);
    }
}
