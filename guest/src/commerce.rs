//! Conversions of the `commerce` interface's shared records (quote lines,
//! customers, gift-card purchases) between the WIT and the engine.

use crate::bindings::giftcard::plugin::commerce;
use crate::convert::{list, mirror_enum, mirror_record};
use giftcard_engine as e;

mirror_enum!(e::ProductKind <=> commerce::ProductKind { Simple, Digital, GiftCard });

mirror_record!(e::Line <=> commerce::Line {
    same: [id, sku, quantity],
    into: [kind],
    opt: [gift_card],
    text: [unit_price, row_total, discount, tax],
});

mirror_record!(e::CustomerInfo <=> commerce::CustomerInfo { same: [id, groups, email] });

mirror_enum!(e::Channel <=> commerce::Channel { Storefront, Admin });

mirror_record!(e::Quote <=> commerce::Quote {
    same: [
        id,
        website,
        store,
        currency,
        base_currency,
        test,
        applied_codes,
        shipping_country,
        billing_country,
    ],
    opt: [customer],
    list: [lines],
    text: [shipping, shipping_tax],
});

impl From<e::CardApplication> for commerce::CardApplication {
    fn from(a: e::CardApplication) -> Self {
        commerce::CardApplication {
            card_id: a.card_id,
            code: a.code,
            masked_code: a.masked_code,
            applied: a.applied.amount(),
            debit: a.debit.into(),
            balance: a.balance.into(),
            available: a.available.amount(),
            rate: a.rate,
        }
    }
}

impl From<e::DroppedCode> for commerce::DroppedCode {
    fn from(d: e::DroppedCode) -> Self {
        commerce::DroppedCode {
            code: d.code,
            refusal: d.refusal.into(),
        }
    }
}

impl From<e::GiftCardTotals> for commerce::GiftCardTotals {
    fn from(t: e::GiftCardTotals) -> Self {
        commerce::GiftCardTotals {
            total_before_cards: t.total_before_cards.amount(),
            eligible: t.eligible.amount(),
            gift_card_amount: t.gift_card_amount.amount(),
            grand_total: t.grand_total.amount(),
            covered: t.covered,
            cards: list(t.cards),
            dropped: list(t.dropped),
        }
    }
}

impl From<e::CardMovement> for commerce::CardMovement {
    fn from(m: e::CardMovement) -> Self {
        commerce::CardMovement {
            card_id: m.card_id,
            masked_code: m.masked_code,
            amount: m.amount.into(),
            order_amount: m.order_amount.amount(),
            balance_after: m.balance_after.into(),
            status: m.status.into(),
            expiry_extended_to: m.expiry_extended_to,
        }
    }
}

impl From<e::IssuedCardNote> for commerce::IssuedCardNote {
    fn from(n: e::IssuedCardNote) -> Self {
        commerce::IssuedCardNote {
            card_id: n.card_id,
            masked_code: n.masked_code,
            line_id: n.line_id,
            balance: n.balance.into(),
        }
    }
}
