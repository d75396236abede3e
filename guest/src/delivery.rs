//! The `delivery` export: sending cards, delivery records, view links,
//! printing (and the record conversions the `outbox` import needs).

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::delivery;
use crate::bindings::giftcard::plugin::outbox;
use crate::convert::{convert_record, exports, mirror_enum, mirror_record};
use giftcard_engine::{api, delivery as d};

mirror_enum!(d::Channel <=> outbox::Channel { Email, Sms, Print });

mirror_enum!(d::MessageKind => outbox::MessageKind {
    Issued,
    Scheduled,
    Send,
    Resend,
    ExpiryReminder,
});

mirror_enum!(d::MessageStatus => delivery::MessageStatus { Scheduled, Pending, Delivered, Failed });

convert_record!(d::MessageInfo => delivery::MessageInfo {
    same: [
        message_id,
        card_id,
        recipient,
        subject,
        scheduled_for,
        sent_at,
        delivered_at,
        host_reference,
        failure,
    ],
    into: [kind, channel, status],
});

convert_record!(delivery::SendRequest => d::SendRequest {
    same: [card_id, recipient, admin],
    into: [channel],
});

convert_record!(delivery::DeliveryReport => d::DeliveryReport {
    same: [message_id, delivered, at, failure],
});

convert_record!(d::CardDelivery => delivery::CardDelivery {
    same: [card_id, scheduled_for, sent_at, delivered_at, first_viewed_at, reminded_at],
    list: [messages],
});

convert_record!(d::CardView => delivery::CardView {
    same: [
        code,
        expires_at,
        recipient_name,
        sender_name,
        message,
        how_to_redeem,
        first_viewed_at,
    ],
    into: [status, balance, initial_value],
});

mirror_record!(d::PrintResume <=> delivery::PrintResume {
    same: [pages_done, bytes_done, previous_xref],
});

convert_record!(delivery::PrintPartRequest => d::PrintPartRequest {
    same: [card_ids, limit],
    opt: [resume],
});

convert_record!(d::DocumentPart => delivery::DocumentPart { same: [content, pages], opt: [next] });

convert_record!(d::Document => delivery::Document { same: [name, media_type, pages, content] });

impl delivery::Guest for Plugin {
    exports! {
        send_card(request: delivery::SendRequest) -> delivery::MessageInfo = api::send_card;
        resend_card(request: delivery::SendRequest) -> delivery::MessageInfo = api::resend_card;
        record_delivery(report: delivery::DeliveryReport) -> delivery::MessageInfo
            = api::record_delivery;
        get_card_delivery(card_id: u64) -> delivery::CardDelivery = api::card_delivery(card_id);
        view_card(token: String) -> delivery::CardView = api::view_card(&token);
        print_part(request: delivery::PrintPartRequest) -> delivery::DocumentPart = api::print_part;
        print_cards(request: delivery::PrintRequest) -> delivery::Document
            = api::print_cards(&request.card_ids);
    }
}
