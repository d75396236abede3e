//! Adapter for the `reports` interface.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::reports;
use crate::bindings::giftcard::plugin::types;

fn pending(what: &str) -> types::Error {
    types::Error::Database(format!("{what} is not implemented in this build"))
}

impl reports::Guest for Plugin {
    fn statistics(
        _: reports::StatisticsRequest,
    ) -> Result<reports::ProgrammeStatistics, types::Error> {
        Err(pending("statistics"))
    }

    fn history(_: reports::HistoryRequest) -> Result<reports::HistoryGrid, types::Error> {
        Err(pending("history"))
    }
}
