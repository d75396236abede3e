//! The `totals` export: applying and removing codes, collecting a quote.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::totals;
use crate::bindings::giftcard::plugin::types;
use crate::convert;
use crate::env::ComponentEnv;
use giftcard_engine as e;
use giftcard_engine::api;

impl totals::Guest for Plugin {
    fn apply_code(request: totals::ApplyRequest) -> Result<totals::ApplyAnswer, types::Error> {
        convert::result(api::apply_code(&mut ComponentEnv, request.into()))
    }

    fn remove_code(request: totals::RemoveRequest) -> Result<totals::GiftCardTotals, types::Error> {
        convert::result(api::remove_code(&mut ComponentEnv, request.into()))
    }

    fn check_add_line(request: totals::AddLineRequest) -> Result<(), types::Error> {
        convert::result(api::check_add_line(&mut ComponentEnv, request.into()))
    }

    fn collect(request: totals::CollectRequest) -> Result<totals::GiftCardTotals, types::Error> {
        convert::result(api::collect_totals(&mut ComponentEnv, request.into()))
    }
}

impl From<totals::ApplyRequest> for e::ApplyRequest {
    fn from(r: totals::ApplyRequest) -> Self {
        e::ApplyRequest {
            quote: r.quote.into(),
            code: r.code,
            channel: r.channel.into(),
            client_key: r.client_key,
        }
    }
}

impl From<e::ApplyAnswer> for totals::ApplyAnswer {
    fn from(a: e::ApplyAnswer) -> Self {
        match a {
            e::ApplyAnswer::Applied(applied) => totals::ApplyAnswer::Applied(totals::AppliedCode {
                code: applied.code,
                totals: applied.totals.into(),
            }),
            e::ApplyAnswer::Refused(r) => totals::ApplyAnswer::Refused(r.into()),
            e::ApplyAnswer::RateLimited(s) => totals::ApplyAnswer::RateLimited(s),
        }
    }
}

impl From<totals::RemoveRequest> for e::RemoveRequest {
    fn from(r: totals::RemoveRequest) -> Self {
        e::RemoveRequest {
            quote: r.quote.into(),
            code: r.code,
        }
    }
}

impl From<totals::AddLineRequest> for e::AddLineRequest {
    fn from(r: totals::AddLineRequest) -> Self {
        e::AddLineRequest {
            quote: r.quote.into(),
            line: r.line.into(),
            channel: r.channel.map(Into::into),
        }
    }
}

impl From<totals::CollectRequest> for e::CollectRequest {
    fn from(r: totals::CollectRequest) -> Self {
        e::CollectRequest {
            quote: r.quote.into(),
            channel: r.channel.into(),
        }
    }
}
