//! The engine's public records. They mirror the WIT contract field for field,
//! so the component adapter is a mechanical conversion and native callers
//! (tests, benchmarks) speak the same language as component hosts.

pub use crate::money::GivenAmount;
use serde::{Deserialize, Serialize};

mod cards;
mod pipeline;

pub use cards::*;
pub use pipeline::*;
