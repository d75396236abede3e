//! The `admin` export: what shop staff do with cards (create, adjust,
//! top-up, cancel, delete, bulk operations, recipients, export, detail).

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::admin;
use crate::bindings::giftcard::plugin::types;
use crate::convert;
use crate::convert::convert_record;
use crate::convert::list;
use crate::env::ComponentEnv;
use giftcard_engine::{self as e, api, cards::management as m};

impl admin::Guest for Plugin {
    fn create_card(request: admin::CreateCardRequest) -> Result<types::Card, types::Error> {
        convert::result(api::create_card(&mut ComponentEnv, request.into()))
    }

    fn get_card(request: admin::GetCardRequest) -> Result<types::Card, types::Error> {
        convert::result(api::get_card(&mut ComponentEnv, &request.card.into()))
    }

    fn list_cards(request: admin::ListCardsRequest) -> Result<admin::CardPage, types::Error> {
        convert::result(api::list_cards(&mut ComponentEnv, request.into()))
    }

    fn adjust_balance(request: admin::AdjustBalanceRequest) -> Result<types::Card, types::Error> {
        convert::result(api::adjust_balance(&mut ComponentEnv, request.into()))
    }

    fn disable_card(request: admin::SetStatusRequest) -> Result<types::Card, types::Error> {
        convert::result(api::disable_card(&mut ComponentEnv, request.into()))
    }

    fn enable_card(request: admin::SetStatusRequest) -> Result<types::Card, types::Error> {
        convert::result(api::enable_card(&mut ComponentEnv, request.into()))
    }

    fn card_history(
        request: admin::CardHistoryRequest,
    ) -> Result<admin::HistoryPage, types::Error> {
        convert::result(api::card_history(
            &mut ComponentEnv,
            &request.card.into(),
            request.page.into(),
        ))
    }

    fn refusal_log(request: types::PageRequest) -> Result<admin::RefusalLogPage, types::Error> {
        convert::result(api::refusal_log(&mut ComponentEnv, request.into()))
    }

    fn top_up(request: admin::TopUpRequest) -> Result<types::Card, types::Error> {
        let req = m::TopUp {
            card: request.card.into(),
            amount: request.amount.into(),
            comment: request.comment,
            admin_user: request.admin_user,
            reference: request.reference,
        };
        convert::result(api::top_up(&mut ComponentEnv, req))
    }

    fn cancel_card(request: admin::SetStatusRequest) -> Result<types::Card, types::Error> {
        convert::result(api::cancel_card(&mut ComponentEnv, request.into()))
    }

    fn delete_card(request: admin::SetStatusRequest) -> Result<(), types::Error> {
        convert::result(api::delete_card(&mut ComponentEnv, request.into()))
    }

    fn set_status_many(
        request: admin::BulkStatusRequest,
    ) -> Result<Vec<types::CardSummary>, types::Error> {
        let req = m::BulkStatus {
            cards: bulk(request.cards),
            status: request.status.into(),
        };
        convert::list_result(api::set_status_many(&mut ComponentEnv, req))
    }

    fn delete_many(request: admin::BulkRequest) -> Result<u32, types::Error> {
        convert::result(api::delete_many(&mut ComponentEnv, bulk(request)))
    }

    fn create_cards_for_recipients(
        request: admin::RecipientsRequest,
    ) -> Result<Vec<types::Card>, types::Error> {
        let req = m::RecipientsRequest {
            card: request.card.into(),
            recipients: request
                .recipients
                .into_iter()
                .map(|p| m::Recipient {
                    email: p.email,
                    name: p.name,
                    customer_id: p.customer_id,
                })
                .collect(),
            registered_only: request.registered_only,
            reference: request.reference,
        };
        convert::list_result(api::create_cards_for_recipients(&mut ComponentEnv, req))
    }

    fn export_cards(request: admin::ExportRequest) -> Result<String, types::Error> {
        convert::result(api::export_cards(
            &mut ComponentEnv,
            export_request(request),
        ))
    }

    fn export_cards_part(
        request: admin::ExportPartRequest,
    ) -> Result<admin::ExportPart, types::Error> {
        let req = m::ExportPartRequest {
            export: export_request(request.export),
            offset: request.offset,
            limit: request.limit,
        };
        api::export_part(&mut ComponentEnv, req)
            .map(|p| admin::ExportPart {
                csv: p.csv,
                cards: p.cards,
                total: p.total,
                next_offset: p.next_offset,
            })
            .map_err(Into::into)
    }

    fn card_detail(request: admin::GetCardRequest) -> Result<admin::CardDetails, types::Error> {
        let card: e::CardRef = request.card.into();
        api::card_detail(&mut ComponentEnv, &card)
            .map(|d| admin::CardDetails {
                card: d.card.into(),
                history: list(d.history),
                orders: d.orders,
            })
            .map_err(Into::into)
    }
}

fn bulk(r: admin::BulkRequest) -> m::BulkRequest {
    m::BulkRequest {
        cards: r.cards,
        comment: r.comment,
        admin_user: r.admin_user,
    }
}

fn export_request(r: admin::ExportRequest) -> m::ExportRequest {
    m::ExportRequest {
        filter: r.filter.into(),
        include_codes: r.include_codes,
        admin_user: r.admin_user,
    }
}

convert_record!(admin::CreateCardRequest => e::CreateCard {
    same: [
        max_uses,
        recipient_name,
        recipient_email,
        code,
        expires_at,
        validity_days,
        customer_id,
        website,
        test,
        comment,
        admin_user,
        reference,
    ],
    into: [amount],
    opt: [amount_max],
});

impl From<admin::ListCardsRequest> for e::ListCards {
    fn from(r: admin::ListCardsRequest) -> Self {
        e::ListCards {
            status: r.status.map(Into::into),
            code: r.code,
            customer_id: r.customer_id,
            id: r.id,
            amount: r.amount.map(Into::into),
            amount_type: r.amount_type.map(|k| match k {
                admin::AmountKind::Fixed => e::AmountKind::Fixed,
                admin::AmountKind::Random => e::AmountKind::Random,
            }),
            product_id: r.product_id,
            definition_id: r.definition_id,
            origin: r.origin.map(Into::into),
            email: r.email,
            sort: r.sort.map(|s| e::CardSort {
                field: match s.field {
                    admin::CardSortField::Id => e::CardSortField::Id,
                    admin::CardSortField::CreatedAt => e::CardSortField::CreatedAt,
                    admin::CardSortField::Balance => e::CardSortField::Balance,
                    admin::CardSortField::InitialValue => e::CardSortField::InitialValue,
                    admin::CardSortField::ExpiresAt => e::CardSortField::ExpiresAt,
                    admin::CardSortField::Status => e::CardSortField::Status,
                },
                descending: s.descending,
            }),
            page: r.page.into(),
        }
    }
}

convert_record!(e::CardPage => admin::CardPage { same: [total, page, page_size], list: [cards] });

convert_record!(admin::AdjustBalanceRequest => e::AdjustBalance {
    same: [comment, admin_user, reference],
    into: [card, amount],
});

convert_record!(admin::SetStatusRequest => e::SetStatus {
    same: [comment, admin_user],
    into: [card],
});

convert_record!(e::HistoryPage => admin::HistoryPage { same: [total], list: [entries] });

convert_record!(e::RefusalLogEntry => admin::RefusalLogEntry {
    same: [at, client_key, quote_id, card_id, masked_code],
    into: [channel, reason],
});

convert_record!(e::RefusalLogPage => admin::RefusalLogPage { same: [total], list: [entries] });
