//! The `totals` export: applying and removing codes, collecting a quote.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::totals;
use crate::bindings::giftcard::plugin::types;
use crate::convert;
use crate::convert::convert_record;
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

convert_record!(totals::ApplyRequest => e::ApplyRequest {
    same: [code, client_key],
    into: [quote, channel],
});

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

convert_record!(totals::RemoveRequest => e::RemoveRequest { same: [code], into: [quote] });

convert_record!(totals::AddLineRequest => e::AddLineRequest {
    same: [],
    into: [quote, line],
    opt: [channel],
});

convert_record!(totals::CollectRequest => e::CollectRequest { same: [], into: [quote, channel] });
