//! The `admin` export: what shop staff do with cards (create, adjust,
//! top-up, cancel, delete, bulk operations, recipients, export, detail).

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::admin;
use crate::bindings::giftcard::plugin::types;
use crate::convert::{convert_record, exports, mirror_enum};
use giftcard_engine::{self as e, api, cards::management as m};

impl admin::Guest for Plugin {
    exports! {
        create_card(request: admin::CreateCardRequest) -> types::Card = api::create_card;
        get_card(request: admin::GetCardRequest) -> types::Card
            = api::get_card(&request.card.into());
        list_cards(request: admin::ListCardsRequest) -> admin::CardPage = api::list_cards;
        adjust_balance(request: admin::AdjustBalanceRequest) -> types::Card = api::adjust_balance;
        disable_card(request: admin::SetStatusRequest) -> types::Card = api::disable_card;
        enable_card(request: admin::SetStatusRequest) -> types::Card = api::enable_card;
        card_history(request: admin::CardHistoryRequest) -> admin::HistoryPage
            = api::card_history(&request.card.into(), request.page.into());
        refusal_log(request: types::PageRequest) -> admin::RefusalLogPage = api::refusal_log;
        top_up(request: admin::TopUpRequest) -> types::Card = api::top_up;
        cancel_card(request: admin::SetStatusRequest) -> types::Card = api::cancel_card;
        delete_card(request: admin::SetStatusRequest) -> () = api::delete_card;
        set_status_many(request: admin::BulkStatusRequest) -> Vec<types::CardSummary>
            = api::set_status_many;
        delete_many(request: admin::BulkRequest) -> u32 = api::delete_many;
        create_cards_for_recipients(request: admin::RecipientsRequest) -> Vec<types::Card>
            = api::create_cards_for_recipients;
        export_cards(request: admin::ExportRequest) -> String = api::export_cards;
        export_cards_part(request: admin::ExportPartRequest) -> admin::ExportPart
            = api::export_part;
        card_detail(request: admin::GetCardRequest) -> admin::CardDetails
            = api::card_detail(&request.card.into());
    }
}

convert_record!(admin::TopUpRequest => m::TopUp {
    same: [comment, admin_user, reference],
    into: [card, amount],
});

convert_record!(admin::BulkRequest => m::BulkRequest { same: [cards, comment, admin_user] });

convert_record!(admin::BulkStatusRequest => m::BulkStatus { same: [], into: [cards, status] });

convert_record!(admin::RecipientsRequest => m::RecipientsRequest {
    same: [registered_only, reference],
    into: [card],
    list: [recipients],
});

convert_record!(admin::Recipient => m::Recipient { same: [email, name, customer_id] });

convert_record!(admin::ExportRequest => m::ExportRequest {
    same: [include_codes, admin_user],
    into: [filter],
});

convert_record!(admin::ExportPartRequest => m::ExportPartRequest {
    same: [offset, limit],
    into: [export],
});

convert_record!(m::ExportPart => admin::ExportPart { same: [csv, cards, total, next_offset] });

convert_record!(m::CardDetails => admin::CardDetails {
    same: [orders],
    into: [card],
    list: [history],
});

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

convert_record!(admin::ListCardsRequest => e::ListCards {
    same: [code, customer_id, id, product_id, definition_id, email],
    into: [page],
    opt: [status, amount, amount_type, origin, sort],
});

mirror_enum!(admin::AmountKind => e::AmountKind { Fixed, Random });

convert_record!(admin::CardSort => e::CardSort { same: [descending], into: [field] });

mirror_enum!(admin::CardSortField => e::CardSortField {
    Id,
    CreatedAt,
    Balance,
    InitialValue,
    ExpiresAt,
    Status,
});

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
