//! # giftcard-conformance
//!
//! Drives any gift-card component, whatever contract version it was built
//! against: calls are written as data (an export named
//! `interface.function`, JSON arguments) and checked against the types the
//! component itself declares. This crate is the one place where JSON and
//! component values are converted into each other; a platform that knows
//! the contract calls it typed through [`giftcard_host`] instead.
//!
//! - [`dynval`]: JSON ⇄ component values;
//! - [`json`]: JSON calls on a [`Runtime`](giftcard_host::Runtime);
//! - [`harness`]: JSON calls on a [`GiftCards`](giftcard_host::GiftCards),
//!   and setting one up from a [`HarnessConfig`](harness::HarnessConfig);
//! - [`scenario`]: the conformance scenarios (`tests/scenarios/*.toml`),
//!   run against any component.

pub mod dynval;
pub mod harness;
pub mod json;
pub mod scenario;

pub use harness::{Harness, HarnessConfig};
pub use json::Outcome;
