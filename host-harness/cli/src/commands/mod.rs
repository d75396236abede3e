//! One module per command group.

pub mod batches;
pub mod bench;
pub mod cards;
pub mod checks;
pub mod customer;
pub mod delivery;
pub mod issuing;
pub mod plugin;
pub mod products;
pub mod shop;
