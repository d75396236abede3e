//! What the engine needs from its surroundings, and nothing more: SQL inside
//! the caller's transaction, the current time, secure random bytes and the
//! shop's exchange rates. Inside
//! the component these are the WIT imports; natively they are rusqlite, a
//! test clock and a seeded generator.

use crate::storage::db::{Database, QueryResult};
use crate::storage::outbound::{DeliveryError, OutboundMessage};
use crate::storage::time::Seconds;

pub trait Environment {
    /// The database, already inside the transaction for this call.
    fn db(&mut self) -> &mut dyn Database;
    /// The current time in unix seconds.
    fn now(&mut self) -> Seconds;
    /// Fills `buf` from a cryptographically secure source (the host's).
    fn fill_random(&mut self, buf: &mut [u8]);
    /// The host's rate from one currency to another (units of `to` per unit
    /// of `from`) as a decimal string, or `None` when it has none.
    fn exchange_rate(&mut self, from: &str, to: &str) -> Option<String>;
    /// Hands a rendered message to the host, which delivers it only if the
    /// call's transaction commits; returns the host's reference for it.
    fn deliver(&mut self, message: &OutboundMessage) -> Result<String, DeliveryError>;
    /// What this export call has already read, when the environment is an
    /// `api` call's ([`crate::storage::schema::Current`]); `None` elsewhere,
    /// where every read goes to the database.
    fn call_memo(&mut self) -> Option<&mut CallMemo> {
        None
    }
}

/// What one export call read with its schema check and may read again
/// without asking the database. It lives exactly as long as the call, so
/// nothing in it can reach another call.
#[derive(Debug, Default)]
pub struct CallMemo {
    /// The `gc_settings` rows (`name`, `value`); `None` once a write may
    /// have changed them.
    pub settings: Option<QueryResult>,
}
