//! Adapter for the card-management functions of `admin` (top-up, cancel,
//! delete, bulk operations, recipients, export, detail): field-for-field
//! conversions and one engine call each.

use crate::bindings::exports::giftcard::plugin::admin;
use crate::bindings::giftcard::plugin::types;
use crate::convert;
use crate::env::ComponentEnv;
use giftcard_engine::{self as e, api, management as m};

fn bulk(r: admin::BulkRequest) -> m::BulkRequest {
    m::BulkRequest {
        cards: r.cards,
        comment: r.comment,
        admin_user: r.admin_user,
    }
}

pub fn top_up(r: admin::TopUpRequest) -> Result<types::Card, types::Error> {
    let req = m::TopUp {
        card: r.card.into(),
        amount: r.amount.into(),
        comment: r.comment,
        admin_user: r.admin_user,
        reference: r.reference,
    };
    convert::result(api::top_up(&mut ComponentEnv, req))
}

pub fn cancel_card(r: admin::SetStatusRequest) -> Result<types::Card, types::Error> {
    convert::result(api::cancel_card(&mut ComponentEnv, r.into()))
}

pub fn delete_card(r: admin::SetStatusRequest) -> Result<(), types::Error> {
    convert::result(api::delete_card(&mut ComponentEnv, r.into()))
}

pub fn set_status_many(
    r: admin::BulkStatusRequest,
) -> Result<Vec<types::CardSummary>, types::Error> {
    let req = m::BulkStatus {
        cards: bulk(r.cards),
        status: r.status.into(),
    };
    api::set_status_many(&mut ComponentEnv, req)
        .map(|cards| cards.into_iter().map(Into::into).collect())
        .map_err(Into::into)
}

pub fn delete_many(r: admin::BulkRequest) -> Result<u32, types::Error> {
    convert::result(api::delete_many(&mut ComponentEnv, bulk(r)))
}

pub fn create_cards_for_recipients(
    r: admin::RecipientsRequest,
) -> Result<Vec<types::Card>, types::Error> {
    let req = m::RecipientsRequest {
        card: r.card.into(),
        recipients: r
            .recipients
            .into_iter()
            .map(|p| m::Recipient {
                email: p.email,
                name: p.name,
                customer_id: p.customer_id,
            })
            .collect(),
        registered_only: r.registered_only,
        reference: r.reference,
    };
    api::create_cards_for_recipients(&mut ComponentEnv, req)
        .map(|cards| cards.into_iter().map(Into::into).collect())
        .map_err(Into::into)
}

fn export_request(r: admin::ExportRequest) -> m::ExportRequest {
    m::ExportRequest {
        filter: r.filter.into(),
        include_codes: r.include_codes,
        admin_user: r.admin_user,
    }
}

pub fn export_cards(r: admin::ExportRequest) -> Result<String, types::Error> {
    convert::result(api::export_cards(&mut ComponentEnv, export_request(r)))
}

pub fn export_part(r: admin::ExportPartRequest) -> Result<admin::ExportPart, types::Error> {
    let req = m::ExportPartRequest {
        export: export_request(r.export),
        offset: r.offset,
        limit: r.limit,
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

pub fn card_detail(r: admin::GetCardRequest) -> Result<admin::CardDetails, types::Error> {
    let card: e::CardRef = r.card.into();
    api::card_detail(&mut ComponentEnv, &card)
        .map(|d| admin::CardDetails {
            card: d.card.into(),
            history: d.history.into_iter().map(Into::into).collect(),
            orders: d.orders,
        })
        .map_err(Into::into)
}
