//! The `invoices` export: invoice collect and paid hooks.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::invoices;
use crate::convert::{convert_record, exports};
use giftcard_engine as e;
use giftcard_engine::api;

impl invoices::Guest for Plugin {
    exports! {
        collect(request: invoices::Invoice) -> invoices::InvoiceGiftCards = api::invoice_collect;
        paid(request: invoices::Invoice) -> invoices::PaidInvoice = api::invoice_paid;
    }
}

convert_record!(invoices::Invoice => e::Invoice {
    same: [invoice_id, order_id],
    into: [shipping, shipping_tax],
    list: [lines],
});

convert_record!(e::InvoiceGiftCards => invoices::InvoiceGiftCards {
    same: [invoice_id],
    amount: [total_before_cards, gift_card_amount, grand_total, order_remaining],
});

convert_record!(e::PaidInvoice => invoices::PaidInvoice {
    same: [],
    into: [invoice],
    list: [issued],
});
