//! The order pipeline: quotes, totals and the codes applied to them, orders,
//! invoices, credit memos, and the currency rates they convert with.

pub mod eligibility;
pub mod invoices;
pub mod issuing;
#[cfg(all(test, feature = "sqlite"))]
mod legacy_replays;
pub mod memos;
pub mod orders;
pub mod quote;
pub mod redemption;
pub mod split;
pub mod totals;
