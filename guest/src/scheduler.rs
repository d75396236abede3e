//! The `scheduler` export: time-driven work (expiry, scheduled messages,
//! expiry reminders).

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::scheduler;
use crate::convert::{convert_record, exports};
use giftcard_engine::{api, scheduler as e};

impl scheduler::Guest for Plugin {
    exports! {
        tick(now: String) -> scheduler::TickReport = api::tick(&now);
    }
}

convert_record!(e::TickReport => scheduler::TickReport {
    same: [now, expired, breakage, scheduled_sent, reminders_sent, failures],
});
