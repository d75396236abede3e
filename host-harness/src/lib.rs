//! # giftcard-harness
//!
//! The reference host for the gift-card component, and the library its CLI,
//! conformance runner and tests are built on. Copy from here to embed the
//! component in a shop:
//!
//! - [`runtime`]: wasmtime set-up — pooling allocator, pre-instantiation, a
//!   fresh store per call, epoch deadline, memory limit, empty WASI — and the
//!   transaction rule (commit on `ok`, roll back on `err` or trap);
//! - [`database`]: the `database` import's backend trait and its SQLite
//!   implementation (WAL, `BEGIN IMMEDIATE`);
//! - [`clock`]: the time and randomness lent to the component, real or fixed;
//! - [`harness`]: all of it together behind one `call` method;
//! - [`rates`]: the shop's exchange rates behind the `exchange-rates` import;
//! - [`postman`] and [`outbox`]: the `outbox` import — messages queued in the
//!   call's transaction, delivered after commit to an outbox folder of MIME
//!   files (and SMTP);
//! - [`dynval`]: JSON ⇄ component values, so calls can be written as data;
//! - [`printing`]: a print run to a PDF file, a part at a time, written
//!   whole or not at all;
//! - [`shop`]: a simulated Magento-like shop around the plugin (catalog,
//!   quotes, the totals pipeline, orders, invoices, shipments, credit memos);
//! - [`scenario`]: the conformance-scenario runner;
//! - [`doctor`]: the database health check (`giftcard-harness doctor`);
//! - [`demo`] and [`render`]: the narrated demo and the CLI's tables.

pub mod clock;
pub mod database;
pub mod demo;
pub mod doctor;
pub mod dynval;
pub mod harness;
pub mod outbox;
pub mod postman;
pub mod printing;
pub mod rates;
pub mod render;
pub mod runtime;
pub mod scenario;
pub mod shop;

/// The component built with this harness (by `build.rs`).
pub const BUILT_COMPONENT: &str = env!("GIFTCARD_COMPONENT_PATH");
