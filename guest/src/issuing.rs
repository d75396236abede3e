//! Adapter for the `issuing` interface and the `orders.completed` hook.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::{issuing, orders};
use crate::bindings::giftcard::plugin::types;

fn pending(what: &str) -> types::Error {
    types::Error::Database(format!("{what} is not implemented in this build"))
}

pub fn order_completed(_: orders::CompleteRequest) -> Result<Vec<types::Card>, types::Error> {
    Err(pending("orders.completed"))
}

impl issuing::Guest for Plugin {
    fn issue_from_order(_: issuing::IssueRequest) -> Result<issuing::Issued, types::Error> {
        Err(pending("issue-from-order"))
    }

    fn create_campaign(_: issuing::CampaignInput) -> Result<issuing::Campaign, types::Error> {
        Err(pending("create-campaign"))
    }

    fn update_campaign(
        _: issuing::UpdateCampaignRequest,
    ) -> Result<issuing::Campaign, types::Error> {
        Err(pending("update-campaign"))
    }

    fn list_campaigns() -> Result<Vec<issuing::Campaign>, types::Error> {
        Err(pending("list-campaigns"))
    }
}
