//! The `orders` export: placed, cancelled and completed hooks.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::orders;
use crate::bindings::giftcard::plugin::types;
use crate::convert;
use crate::convert::convert_record;
use crate::env::ComponentEnv;
use giftcard_engine as e;
use giftcard_engine::api;

impl orders::Guest for Plugin {
    fn placed(request: orders::PlaceRequest) -> Result<orders::PlacedOrder, types::Error> {
        convert::result(api::order_placed(&mut ComponentEnv, request.into()))
    }

    fn cancelled(request: orders::CancelRequest) -> Result<orders::Cancellation, types::Error> {
        convert::result(api::order_cancelled(&mut ComponentEnv, request.into()))
    }

    fn completed(request: orders::CompleteRequest) -> Result<Vec<types::Card>, types::Error> {
        crate::issuing::order_completed(request)
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

convert_record!(orders::CancelRequest => e::CancelRequest { same: [order_id, comment] });

convert_record!(e::Cancellation => orders::Cancellation {
    same: [order_id],
    list: [movements, disabled_cards, used_cards],
    amount: [restored],
});
