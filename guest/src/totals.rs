//! The `totals` export: applying and removing codes, collecting a quote.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::totals;
use crate::convert::{convert_record, exports};
use giftcard_engine as e;
use giftcard_engine::api;

impl totals::Guest for Plugin {
    exports! {
        apply_code(request: totals::ApplyRequest) -> totals::ApplyAnswer = api::apply_code;
        remove_code(request: totals::RemoveRequest) -> totals::GiftCardTotals = api::remove_code;
        check_add_line(request: totals::AddLineRequest) -> () = api::check_add_line;
        collect(request: totals::CollectRequest) -> totals::GiftCardTotals = api::collect_totals;
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
