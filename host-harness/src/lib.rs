//! # giftcard-harness
//!
//! The reference host for the gift-card component: its CLI, the simulated
//! shop and the conformance runner, built on the embedding library
//! [`giftcard_host`] (wasmtime set-up, compiled-code cache, the imports,
//! typed calls — what a platform depends on):
//!
//! - [`runtime`]: calls written as data (JSON arguments by export name);
//! - [`harness`]: a runtime, a database, a clock and the outbox delivery
//!   behind one `call` method;
//! - [`dynval`]: JSON ⇄ component values, so calls can be written as data;
//! - [`printing`]: a print run to a PDF file, a part at a time, written
//!   whole or not at all;
//! - [`shop`]: a simulated Magento-like shop around the plugin (catalog,
//!   quotes, the totals pipeline, orders, invoices, shipments, credit memos);
//! - [`scenario`]: the conformance-scenario runner;
//! - [`doctor`]: the database health check (`giftcard-harness doctor`);
//! - [`demo`] and [`render`]: the narrated demo and the CLI's tables.

pub mod demo;
pub mod doctor;
pub mod dynval;
pub mod harness;
pub mod printing;
pub mod render;
pub mod runtime;
pub mod scenario;
pub mod shop;
