//! The `orders` export: placed, cancelled and completed hooks.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::orders;
use crate::bindings::giftcard::plugin::types;
use crate::convert;
use crate::convert::list;
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

impl From<orders::ExpectedCard> for e::ExpectedCard {
    fn from(c: orders::ExpectedCard) -> Self {
        e::ExpectedCard {
            code: c.code,
            applied: c.applied.into(),
        }
    }
}

impl From<orders::PlaceRequest> for e::PlaceRequest {
    fn from(r: orders::PlaceRequest) -> Self {
        e::PlaceRequest {
            order_id: r.order_id,
            quote: r.quote.into(),
            expected: list(r.expected),
            channel: r.channel.into(),
        }
    }
}

impl From<e::PlacedOrder> for orders::PlacedOrder {
    fn from(o: e::PlacedOrder) -> Self {
        orders::PlacedOrder {
            order_id: o.order_id,
            totals: o.totals.into(),
            movements: list(o.movements),
        }
    }
}

impl From<orders::CancelRequest> for e::CancelRequest {
    fn from(r: orders::CancelRequest) -> Self {
        e::CancelRequest {
            order_id: r.order_id,
            comment: r.comment,
        }
    }
}

impl From<e::Cancellation> for orders::Cancellation {
    fn from(c: e::Cancellation) -> Self {
        orders::Cancellation {
            order_id: c.order_id,
            restored: c.restored.amount(),
            movements: list(c.movements),
            disabled_cards: list(c.disabled_cards),
            used_cards: list(c.used_cards),
        }
    }
}
