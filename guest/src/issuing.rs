//! Adapter for the `issuing` interface.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::issuing;
use crate::convert::{convert_record, exports, mirror_enum, mirror_record};
use giftcard_engine::api;
use giftcard_engine::pipeline::issuing as e;

mirror_enum!(issuing::StaffRole => e::StaffRole { Staff, Supervisor });

impl From<issuing::IssueRequest> for e::IssueRequest {
    fn from(r: issuing::IssueRequest) -> Self {
        e::IssueRequest {
            order_id: r.order_id,
            // Spaces around the amount have always been tolerated here.
            amount: r.amount.trim().into(),
            role: r.role.into(),
            confirm_over_limit: r.confirm_over_limit,
            admin_user: r.admin_user,
            comment: r.comment,
            recipient_email: r.recipient_email,
            validity_days: r.validity_days,
            reference: r.reference,
        }
    }
}

convert_record!(e::Issued => issuing::Issued { same: [over_limit, note], into: [card, limit] });

mirror_enum!(e::CampaignReward <=> issuing::CampaignReward { Percent(p), Fixed(m) });

mirror_record!(e::CampaignInput <=> issuing::CampaignInput {
    same: [name, min_order_total, website, starts_at, ends_at, validity_days, active],
    into: [reward],
});

convert_record!(e::Campaign => issuing::Campaign {
    same: [id, cards_issued, created_at],
    into: [fields],
});

convert_record!(issuing::UpdateCampaignRequest => e::UpdateCampaign { same: [id], into: [fields] });

impl issuing::Guest for Plugin {
    exports! {
        issue_from_order(request: issuing::IssueRequest) -> issuing::Issued = api::issue_from_order;
        create_campaign(request: issuing::CampaignInput) -> issuing::Campaign
            = api::create_campaign;
        update_campaign(request: issuing::UpdateCampaignRequest) -> issuing::Campaign
            = api::update_campaign;
        list_campaigns() -> Vec<issuing::Campaign> = api::list_campaigns;
    }
}
