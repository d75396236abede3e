//! Adapter for the `issuing` interface and the `orders.completed` hook.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::{issuing, orders};
use crate::bindings::giftcard::plugin::types;
use crate::convert::{self, mirror_record};
use crate::env::ComponentEnv;
use giftcard_engine::api;
use giftcard_engine::pipeline::issuing as e;

pub fn order_completed(request: orders::CompleteRequest) -> Result<Vec<types::Card>, types::Error> {
    let req = e::CompleteRequest {
        order_id: request.order_id,
    };
    convert::list_result(api::order_completed(&mut ComponentEnv, req))
}

fn role(r: issuing::StaffRole) -> e::StaffRole {
    match r {
        issuing::StaffRole::Staff => e::StaffRole::Staff,
        issuing::StaffRole::Supervisor => e::StaffRole::Supervisor,
    }
}

fn issue_request(r: issuing::IssueRequest) -> e::IssueRequest {
    e::IssueRequest {
        order_id: r.order_id,
        // Spaces around the amount have always been tolerated here.
        amount: r.amount.trim().into(),
        role: role(r.role),
        confirm_over_limit: r.confirm_over_limit,
        admin_user: r.admin_user,
        comment: r.comment,
        recipient_email: r.recipient_email,
        validity_days: r.validity_days,
        reference: r.reference,
    }
}

fn issued(i: e::Issued) -> issuing::Issued {
    issuing::Issued {
        card: i.card.into(),
        limit: i.limit.into(),
        over_limit: i.over_limit,
        note: i.note,
    }
}

impl From<issuing::CampaignReward> for e::CampaignReward {
    fn from(r: issuing::CampaignReward) -> Self {
        match r {
            issuing::CampaignReward::Percent(p) => e::CampaignReward::Percent(p),
            issuing::CampaignReward::Fixed(m) => e::CampaignReward::Fixed(m.into()),
        }
    }
}

impl From<e::CampaignReward> for issuing::CampaignReward {
    fn from(r: e::CampaignReward) -> Self {
        match r {
            e::CampaignReward::Percent(p) => issuing::CampaignReward::Percent(p),
            e::CampaignReward::Fixed(m) => issuing::CampaignReward::Fixed(m.into()),
        }
    }
}

mirror_record!(e::CampaignInput <=> issuing::CampaignInput {
    same: [name, min_order_total, website, starts_at, ends_at, validity_days, active],
    into: [reward],
});

fn campaign(c: e::Campaign) -> issuing::Campaign {
    issuing::Campaign {
        id: c.id,
        fields: c.fields.into(),
        cards_issued: c.cards_issued,
        created_at: c.created_at,
    }
}

impl issuing::Guest for Plugin {
    fn issue_from_order(request: issuing::IssueRequest) -> Result<issuing::Issued, types::Error> {
        api::issue_from_order(&mut ComponentEnv, issue_request(request))
            .map(issued)
            .map_err(Into::into)
    }

    fn create_campaign(request: issuing::CampaignInput) -> Result<issuing::Campaign, types::Error> {
        api::create_campaign(&mut ComponentEnv, request.into())
            .map(campaign)
            .map_err(Into::into)
    }

    fn update_campaign(
        request: issuing::UpdateCampaignRequest,
    ) -> Result<issuing::Campaign, types::Error> {
        let req = e::UpdateCampaign {
            id: request.id,
            fields: request.fields.into(),
        };
        api::update_campaign(&mut ComponentEnv, req)
            .map(campaign)
            .map_err(Into::into)
    }

    fn list_campaigns() -> Result<Vec<issuing::Campaign>, types::Error> {
        api::list_campaigns(&mut ComponentEnv)
            .map(|list| list.into_iter().map(campaign).collect())
            .map_err(Into::into)
    }
}
