//! The `delivery` export: sending cards, delivery records, view links,
//! printing (and the record conversions the `outbox` import needs).

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::delivery;
use crate::bindings::giftcard::plugin::outbox;
use crate::bindings::giftcard::plugin::types;
use crate::convert;
use crate::env::ComponentEnv;
use giftcard_engine::{api, delivery as d};

pub fn channel_to_wit(c: d::Channel) -> outbox::Channel {
    match c {
        d::Channel::Email => outbox::Channel::Email,
        d::Channel::Sms => outbox::Channel::Sms,
        d::Channel::Print => outbox::Channel::Print,
    }
}

fn channel_from_wit(c: outbox::Channel) -> d::Channel {
    match c {
        outbox::Channel::Email => d::Channel::Email,
        outbox::Channel::Sms => d::Channel::Sms,
        outbox::Channel::Print => d::Channel::Print,
    }
}

pub fn kind_to_wit(k: d::MessageKind) -> outbox::MessageKind {
    match k {
        d::MessageKind::Issued => outbox::MessageKind::Issued,
        d::MessageKind::Scheduled => outbox::MessageKind::Scheduled,
        d::MessageKind::Send => outbox::MessageKind::Send,
        d::MessageKind::Resend => outbox::MessageKind::Resend,
        d::MessageKind::ExpiryReminder => outbox::MessageKind::ExpiryReminder,
    }
}

impl From<d::MessageInfo> for delivery::MessageInfo {
    fn from(m: d::MessageInfo) -> Self {
        delivery::MessageInfo {
            message_id: m.message_id,
            card_id: m.card_id,
            kind: kind_to_wit(m.kind),
            channel: channel_to_wit(m.channel),
            recipient: m.recipient,
            subject: m.subject,
            status: match m.status {
                d::MessageStatus::Scheduled => delivery::MessageStatus::Scheduled,
                d::MessageStatus::Pending => delivery::MessageStatus::Pending,
                d::MessageStatus::Delivered => delivery::MessageStatus::Delivered,
                d::MessageStatus::Failed => delivery::MessageStatus::Failed,
            },
            scheduled_for: m.scheduled_for,
            sent_at: m.sent_at,
            delivered_at: m.delivered_at,
            host_reference: m.host_reference,
            failure: m.failure,
        }
    }
}

impl From<delivery::SendRequest> for d::SendRequest {
    fn from(r: delivery::SendRequest) -> Self {
        d::SendRequest {
            card_id: r.card_id,
            channel: channel_from_wit(r.channel),
            recipient: r.recipient,
            admin: r.admin,
        }
    }
}

impl delivery::Guest for Plugin {
    fn send_card(request: delivery::SendRequest) -> Result<delivery::MessageInfo, types::Error> {
        convert::result(api::send_card(&mut ComponentEnv, request.into()))
    }

    fn resend_card(request: delivery::SendRequest) -> Result<delivery::MessageInfo, types::Error> {
        convert::result(api::resend_card(&mut ComponentEnv, request.into()))
    }

    fn record_delivery(
        report: delivery::DeliveryReport,
    ) -> Result<delivery::MessageInfo, types::Error> {
        let report = d::DeliveryReport {
            message_id: report.message_id,
            delivered: report.delivered,
            at: report.at,
            failure: report.failure,
        };
        convert::result(api::record_delivery(&mut ComponentEnv, report))
    }

    fn get_card_delivery(card_id: u64) -> Result<delivery::CardDelivery, types::Error> {
        api::card_delivery(&mut ComponentEnv, card_id)
            .map(|c| delivery::CardDelivery {
                card_id: c.card_id,
                scheduled_for: c.scheduled_for,
                sent_at: c.sent_at,
                delivered_at: c.delivered_at,
                first_viewed_at: c.first_viewed_at,
                reminded_at: c.reminded_at,
                messages: convert::list(c.messages),
            })
            .map_err(Into::into)
    }

    fn view_card(token: String) -> Result<delivery::CardView, types::Error> {
        api::view_card(&mut ComponentEnv, &token)
            .map(|v| delivery::CardView {
                code: v.code,
                status: v.status.into(),
                balance: v.balance.into(),
                initial_value: v.initial_value.into(),
                expires_at: v.expires_at,
                recipient_name: v.recipient_name,
                sender_name: v.sender_name,
                message: v.message,
                how_to_redeem: v.how_to_redeem,
                first_viewed_at: v.first_viewed_at,
            })
            .map_err(Into::into)
    }

    fn print_part(
        request: delivery::PrintPartRequest,
    ) -> Result<delivery::DocumentPart, types::Error> {
        let resume = |r: delivery::PrintResume| d::PrintResume {
            pages_done: r.pages_done,
            bytes_done: r.bytes_done,
            previous_xref: r.previous_xref,
        };
        let req = d::PrintPartRequest {
            card_ids: request.card_ids,
            resume: request.resume.map(resume),
            limit: request.limit,
        };
        api::print_part(&mut ComponentEnv, req)
            .map(|part| delivery::DocumentPart {
                content: part.content,
                pages: part.pages,
                next: part.next.map(|n| delivery::PrintResume {
                    pages_done: n.pages_done,
                    bytes_done: n.bytes_done,
                    previous_xref: n.previous_xref,
                }),
            })
            .map_err(Into::into)
    }

    fn print_cards(request: delivery::PrintRequest) -> Result<delivery::Document, types::Error> {
        api::print_cards(&mut ComponentEnv, &request.card_ids)
            .map(|doc| delivery::Document {
                name: doc.name,
                media_type: doc.media_type,
                pages: doc.pages,
                content: doc.content,
            })
            .map_err(Into::into)
    }
}
