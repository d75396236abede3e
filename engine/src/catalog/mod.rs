//! What the shop sells and hands out: gift-card products, batch definitions
//! (generated codes) and issuing (cards from orders and campaigns).

pub mod batches;
pub mod issuing;
pub mod products;
