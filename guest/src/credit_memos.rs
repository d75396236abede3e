//! The `credit-memos` export: credit-memo collect and refunded hooks.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::credit_memos;
use crate::convert::{convert_record, exports, mirror_enum};
use giftcard_engine as e;
use giftcard_engine::api;

impl credit_memos::Guest for Plugin {
    exports! {
        collect(request: credit_memos::CreditMemo) -> credit_memos::MemoSplit = api::memo_collect;
        refunded(request: credit_memos::CreditMemo) -> credit_memos::MemoSplit = api::memo_refunded;
    }
}

mirror_enum!(credit_memos::RefundDestination => e::RefundDestination {
    OriginalCards,
    AccountCredit,
    NewCard,
});

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
