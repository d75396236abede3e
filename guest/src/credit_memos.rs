//! The `credit-memos` export: credit-memo collect and refunded hooks.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::credit_memos;
use crate::bindings::giftcard::plugin::types;
use crate::convert;
use crate::convert::list;
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

impl From<credit_memos::MemoLine> for e::MemoLine {
    fn from(l: credit_memos::MemoLine) -> Self {
        e::MemoLine {
            line_id: l.line_id,
            quantity: l.quantity,
        }
    }
}

impl From<credit_memos::CreditMemo> for e::CreditMemo {
    fn from(m: credit_memos::CreditMemo) -> Self {
        e::CreditMemo {
            memo_id: m.memo_id,
            order_id: m.order_id,
            total: m.total.into(),
            lines: list(m.lines),
            refund_to_gift_card: m.refund_to_gift_card.map(Into::into),
            destination: m.destination.into(),
            comment: m.comment,
        }
    }
}

impl From<e::MemoSplit> for credit_memos::MemoSplit {
    fn from(s: e::MemoSplit) -> Self {
        credit_memos::MemoSplit {
            memo_id: s.memo_id,
            total: s.total.amount(),
            gift_card_amount: s.gift_card_amount.amount(),
            other_amount: s.other_amount.amount(),
            last: s.last,
            movements: list(s.movements),
            account_credit: s.account_credit.amount(),
            new_card: s.new_card.map(Into::into),
            disabled_cards: list(s.disabled_cards),
            used_cards: list(s.used_cards),
        }
    }
}
