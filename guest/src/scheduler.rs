//! The `scheduler` export: time-driven work (expiry, scheduled messages,
//! expiry reminders).

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::scheduler;
use crate::bindings::giftcard::plugin::types;
use crate::env::ComponentEnv;
use giftcard_engine::api;

impl scheduler::Guest for Plugin {
    fn tick(now: String) -> Result<scheduler::TickReport, types::Error> {
        api::tick(&mut ComponentEnv, &now)
            .map(|r| scheduler::TickReport {
                now: r.now,
                expired: r.expired,
                breakage: r.breakage,
                scheduled_sent: r.scheduled_sent,
                reminders_sent: r.reminders_sent,
                failures: r.failures,
            })
            .map_err(Into::into)
    }
}
