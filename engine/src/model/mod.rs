//! The engine's public records. They follow the WIT contract field for
//! field, so native callers (tests, benchmarks) speak the same language as
//! component hosts; but money in them is typed ([`Money`]: minor units and a
//! currency), and inbound decimals are read by the one grammar
//! ([`GivenAmount`]) in the component adapter, which alone formats and
//! parses the contract's decimal strings.

pub use crate::money::GivenAmount;
use serde::{Deserialize, Serialize};

mod cards;
mod pipeline;

pub use cards::*;
pub use pipeline::*;
