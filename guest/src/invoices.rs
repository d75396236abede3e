//! The `invoices` export: invoice collect and paid hooks.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::invoices;
use crate::bindings::giftcard::plugin::types;
use crate::convert;
use crate::convert::convert_record;
use crate::env::ComponentEnv;
use giftcard_engine as e;
use giftcard_engine::api;

impl invoices::Guest for Plugin {
    fn collect(request: invoices::Invoice) -> Result<invoices::InvoiceGiftCards, types::Error> {
        convert::result(api::invoice_collect(&mut ComponentEnv, request.into()))
    }

    fn paid(request: invoices::Invoice) -> Result<invoices::PaidInvoice, types::Error> {
        convert::result(api::invoice_paid(&mut ComponentEnv, request.into()))
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
