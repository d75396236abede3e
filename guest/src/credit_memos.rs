//! The `credit-memos` export: credit-memo collect and refunded hooks.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::credit_memos;
use crate::bindings::giftcard::plugin::types;
use crate::convert;
use crate::convert::convert_record;
use crate::env::ComponentEnv;
use giftcard_engine as e;
use giftcard_engine::api;

impl credit_memos::Guest for Plugin {
    fn collect(request: credit_memos::CreditMemo) -> Result<credit_memos::MemoSplit, types::Error> {
        convert::result(api::memo_collect(&mut ComponentEnv, request.into()))
    }

    fn refunded(
        request: credit_memos::CreditMemo,
    ) -> Result<credit_memos::MemoSplit, types::Error> {
        convert::result(api::memo_refunded(&mut ComponentEnv, request.into()))
    }
}

impl From<credit_memos::RefundDestination> for e::RefundDestination {
    fn from(d: credit_memos::RefundDestination) -> Self {
        use credit_memos::RefundDestination as D;
        match d {
            D::OriginalCards => e::RefundDestination::OriginalCards,
            D::AccountCredit => e::RefundDestination::AccountCredit,
            D::NewCard => e::RefundDestination::NewCard,
        }
    }
}

convert_record!(credit_memos::MemoLine => e::MemoLine { same: [line_id, quantity] });

convert_record!(credit_memos::CreditMemo => e::CreditMemo {
    same: [memo_id, order_id, comment],
    into: [total, destination],
    opt: [refund_to_gift_card],
    list: [lines],
});

convert_record!(e::MemoSplit => credit_memos::MemoSplit {
    same: [memo_id, last],
    opt: [new_card],
    list: [movements, disabled_cards, used_cards],
    amount: [total, gift_card_amount, other_amount, account_credit],
});
