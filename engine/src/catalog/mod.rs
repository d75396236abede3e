//! What the shop sells and hands out: gift-card products and batch
//! definitions (generated codes). Issuing cards from orders and campaigns is
//! part of the order pipeline, which builds on the catalog.

pub mod batches;
pub mod products;
