//! Adapter for the card-management functions of `admin` (top-up, cancel,
//! delete, bulk operations, recipients, export, detail).

use crate::bindings::exports::giftcard::plugin::admin;
use crate::bindings::giftcard::plugin::types;

fn pending(what: &str) -> types::Error {
    types::Error::Database(format!("{what} is not implemented in this build"))
}

pub fn top_up(_: admin::TopUpRequest) -> Result<types::Card, types::Error> {
    Err(pending("top-up"))
}

pub fn cancel_card(_: admin::SetStatusRequest) -> Result<types::Card, types::Error> {
    Err(pending("cancel-card"))
}

pub fn delete_card(_: admin::SetStatusRequest) -> Result<(), types::Error> {
    Err(pending("delete-card"))
}

pub fn set_status_many(
    _: admin::BulkStatusRequest,
) -> Result<Vec<types::CardSummary>, types::Error> {
    Err(pending("set-status-many"))
}

pub fn delete_many(_: admin::BulkRequest) -> Result<u32, types::Error> {
    Err(pending("delete-many"))
}

pub fn create_cards_for_recipients(
    _: admin::RecipientsRequest,
) -> Result<Vec<types::Card>, types::Error> {
    Err(pending("create-cards-for-recipients"))
}

pub fn export_cards(_: admin::ExportRequest) -> Result<String, types::Error> {
    Err(pending("export-cards"))
}

pub fn card_detail(_: admin::GetCardRequest) -> Result<admin::CardDetails, types::Error> {
    Err(pending("card-detail"))
}
