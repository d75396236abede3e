//! Conversions of the `commerce` interface's shared records (quote lines,
//! customers, gift-card purchases) between the WIT and the engine.

use crate::bindings::giftcard::plugin::commerce;
use crate::convert::{convert_record, mirror_enum, mirror_record};
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

convert_record!(e::CardApplication => commerce::CardApplication {
    same: [card_id, code, masked_code, rate],
    into: [debit, balance],
    amount: [applied, available],
});

convert_record!(e::DroppedCode => commerce::DroppedCode { same: [code], into: [refusal] });

convert_record!(e::GiftCardTotals => commerce::GiftCardTotals {
    same: [covered],
    list: [cards, dropped],
    amount: [total_before_cards, eligible, gift_card_amount, grand_total],
});

convert_record!(e::CardMovement => commerce::CardMovement {
    same: [card_id, masked_code, expiry_extended_to],
    into: [amount, balance_after, status],
    amount: [order_amount],
});

convert_record!(e::IssuedCardNote => commerce::IssuedCardNote {
    same: [card_id, masked_code, line_id],
    into: [balance],
});
