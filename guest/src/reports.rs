//! Adapter for the `reports` interface.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::reports;
use crate::bindings::giftcard::plugin::types;
use crate::convert;
use crate::convert::convert_record;
use crate::env::ComponentEnv;
use giftcard_engine::{api, reports as r};

convert_record!(reports::StatisticsRequest => r::StatisticsRequest {
    same: [from, to, product_id, definition_id],
});

impl From<r::ProgrammeStatistics> for reports::ProgrammeStatistics {
    fn from(s: r::ProgrammeStatistics) -> Self {
        reports::ProgrammeStatistics {
            cards_created: s.cards_created,
            fully_used: s.fully_used,
            usage_rate: s.usage_rate,
            by_status: s
                .by_status
                .into_iter()
                .map(|c| reports::StatusCount {
                    status: c.status.into(),
                    count: c.count,
                })
                .collect(),
            currencies: s
                .currencies
                .into_iter()
                .map(|c| reports::CurrencyFigures {
                    currency: c.currency,
                    total_sold: c.total_sold.into(),
                    total_credited: c.total_credited.into(),
                    total_redeemed: c.total_redeemed.into(),
                    outstanding: c.outstanding.into(),
                    breakage: c.breakage.into(),
                })
                .collect(),
        }
    }
}

convert_record!(reports::HistoryRequest => r::HistoryRequest {
    same: [card_id, reference, from, to],
    into: [page],
    opt: [action],
});

impl From<r::HistoryGrid> for reports::HistoryGrid {
    fn from(g: r::HistoryGrid) -> Self {
        reports::HistoryGrid {
            rows: g
                .rows
                .into_iter()
                .map(|row| reports::HistoryRow {
                    entry: row.entry.into(),
                    masked_code: row.masked_code,
                })
                .collect(),
            total: g.total,
        }
    }
}

impl reports::Guest for Plugin {
    fn statistics(
        request: reports::StatisticsRequest,
    ) -> Result<reports::ProgrammeStatistics, types::Error> {
        convert::result(api::statistics(&mut ComponentEnv, request.into()))
    }

    fn history(request: reports::HistoryRequest) -> Result<reports::HistoryGrid, types::Error> {
        convert::result(api::history_grid(&mut ComponentEnv, request.into()))
    }

    fn check_ledger(
        request: reports::LedgerCheckRequest,
    ) -> Result<reports::LedgerCheck, types::Error> {
        let req = r::LedgerCheckRequest {
            after_card: request.after_card,
            limit: request.limit,
        };
        api::check_ledger(&mut ComponentEnv, req)
            .map(|c| reports::LedgerCheck {
                cards: c.cards,
                rows: c.rows,
                problems: c
                    .problems
                    .into_iter()
                    .map(|p| reports::LedgerProblem {
                        card_id: p.card_id,
                        detail: p.detail,
                    })
                    .collect(),
                next_after: c.next_after,
            })
            .map_err(Into::into)
    }
}
