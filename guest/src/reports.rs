//! Adapter for the `reports` interface.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::reports;
use crate::convert::{convert_record, exports};
use giftcard_engine::{api, reports as r};

convert_record!(reports::StatisticsRequest => r::StatisticsRequest {
    same: [from, to, product_id, definition_id],
});

convert_record!(r::ProgrammeStatistics => reports::ProgrammeStatistics {
    same: [cards_created, fully_used, usage_rate],
    list: [by_status, currencies],
});

convert_record!(r::StatusCount => reports::StatusCount { same: [count], into: [status] });

convert_record!(r::CurrencyFigures => reports::CurrencyFigures {
    same: [currency],
    into: [total_sold, total_credited, total_redeemed, outstanding, breakage],
});

convert_record!(reports::HistoryRequest => r::HistoryRequest {
    same: [card_id, reference, from, to],
    into: [page],
    opt: [action],
});

convert_record!(r::HistoryGrid => reports::HistoryGrid { same: [total], list: [rows] });

convert_record!(r::HistoryRow => reports::HistoryRow { same: [masked_code], into: [entry] });

convert_record!(reports::LedgerCheckRequest => r::LedgerCheckRequest { same: [after_card, limit] });

convert_record!(r::LedgerCheck => reports::LedgerCheck {
    same: [cards, rows, next_after],
    list: [problems],
});

convert_record!(r::LedgerProblem => reports::LedgerProblem { same: [card_id, detail] });

impl reports::Guest for Plugin {
    exports! {
        statistics(request: reports::StatisticsRequest) -> reports::ProgrammeStatistics
            = api::statistics;
        history(request: reports::HistoryRequest) -> reports::HistoryGrid = api::history_grid;
        check_ledger(request: reports::LedgerCheckRequest) -> reports::LedgerCheck
            = api::check_ledger;
    }
}
