//! What the engine needs from its surroundings, and nothing more: SQL inside
//! the caller's transaction, the current time, and secure random bytes. Inside
//! the component these are the WIT imports; natively they are rusqlite, a
//! test clock and a seeded generator.

use crate::db::Database;
use crate::time::Seconds;

pub trait Environment {
    /// The database, already inside the transaction for this call.
    fn db(&mut self) -> &mut dyn Database;
    /// The current time in unix seconds.
    fn now(&mut self) -> Seconds;
    /// Fills `buf` from a cryptographically secure source (the host's).
    fn fill_random(&mut self, buf: &mut [u8]);
}
