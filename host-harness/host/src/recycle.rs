//! When one instance may serve more than one call.
//!
//! Isolation between calls is a promise of this host: by default
//! ([`InstancePolicy::Fresh`]) every call gets a new instance, so nothing a
//! call leaves in linear memory can reach the next. Instantiating (and the
//! first page faults of a fresh memory) is a large part of a short call,
//! so a host may instead let one handle's calls share a warm instance
//! ([`InstancePolicy::Recycle`]). A [`Recycler`] gives an instance back for
//! another call only when all of these hold, and this module is the one
//! place that decides it:
//!
//! - **never after a trap**: a call that trapped (deadline, memory limit,
//!   a host failure, a guest panic) drops its instance, whatever state the
//!   guest was left in;
//! - **never across databases or tenants**: a recycler belongs to one
//!   [`GiftCards`](crate::GiftCards) handle, which is one database;
//! - **a bounded number of calls** (`max_calls`), then a fresh instance;
//! - **room to spare**: only while the guest's linear memory stays within a
//!   quarter of the limit, so a call never meets less room than a fresh
//!   instance would give it;
//! - **no state that carries a result**: neither the guest adapter nor the
//!   engine has a `static`; every call is lent its own transaction, clock,
//!   random source and faults anew ([`CallState`]); what an instance keeps
//!   is its allocator's free lists and the standard library's hash-map key
//!   counter, which decide no answer. The property test beside this module
//!   checks that a recycled instance answers exactly as a fresh one over
//!   random call sequences, traps included.

use crate::call::CallState;
use crate::exports::Plugin;
use std::sync::Mutex;
use wasmtime::Store;

/// Whether calls get a fresh instance or may share a warm one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InstancePolicy {
    /// A new instance for every call: the default, the strictest isolation.
    #[default]
    Fresh,
    /// One handle's successive calls share an instance, for at most
    /// `max_calls` calls (at least 1), under the rules of this module.
    Recycle { max_calls: u32 },
}

/// An instance between two calls, with its store.
pub(crate) struct Warm {
    pub(crate) store: Store<CallState>,
    pub(crate) plugin: Plugin,
    /// How many calls it has served.
    pub(crate) served: u32,
}

/// One handle's warm instance, if its policy keeps one. While it waits for
/// the next call it holds one of the pooling allocator's instance slots
/// ([`Limits::max_concurrent_calls`](crate::Limits)), so a process with many
/// recycling handles needs a pool as large.
pub struct Recycler {
    policy: InstancePolicy,
    warm: Mutex<Option<Warm>>,
}

impl Recycler {
    pub fn new(policy: InstancePolicy) -> Recycler {
        Recycler {
            policy,
            warm: Mutex::new(None),
        }
    }

    pub fn policy(&self) -> InstancePolicy {
        self.policy
    }

    /// The warm instance, if there is one; a concurrent call finds none and
    /// gets a fresh one.
    pub(crate) fn take(&self) -> Option<Warm> {
        self.warm.lock().unwrap().take()
    }

    /// Keeps an instance that has just served a call without trapping, when
    /// the policy allows it another call and its memory is still small
    /// (`memory_limit` is the store's limit); drops it otherwise.
    pub(crate) fn give_back(&self, warm: Warm, memory_limit: usize) {
        let InstancePolicy::Recycle { max_calls } = self.policy else {
            return;
        };
        let roomy = warm.store.data().limits.memory_bytes <= memory_limit / 4;
        if warm.served < max_calls && roomy {
            let mut slot = self.warm.lock().unwrap();
            if slot.is_none() {
                *slot = Some(warm);
            }
        }
    }
}

#[cfg(test)]
mod tests;
