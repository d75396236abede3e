//! The `orders` export: placed, cancelled and completed hooks.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::orders;
use crate::bindings::giftcard::plugin::types;
use crate::convert::{convert_record, exports};
use giftcard_engine as e;
use giftcard_engine::api;

impl orders::Guest for Plugin {
    exports! {
        placed(request: orders::PlaceRequest) -> orders::PlacedOrder = api::order_placed;
        cancelled(request: orders::CancelRequest) -> orders::Cancellation = api::order_cancelled;
        completed(request: orders::CompleteRequest) -> Vec<types::Card> = api::order_completed;
    }
}

convert_record!(orders::ExpectedCard => e::ExpectedCard { same: [code], into: [applied] });

convert_record!(orders::PlaceRequest => e::PlaceRequest {
    same: [order_id],
    into: [quote, channel],
    list: [expected],
});

convert_record!(e::PlacedOrder => orders::PlacedOrder {
    same: [order_id],
    into: [totals],
    list: [movements],
});

convert_record!(orders::CompleteRequest => e::pipeline::issuing::CompleteRequest {
    same: [order_id],
});

convert_record!(orders::CancelRequest => e::CancelRequest { same: [order_id, comment] });

convert_record!(e::Cancellation => orders::Cancellation {
    same: [order_id],
    list: [movements, disabled_cards, used_cards],
    amount: [restored],
});
