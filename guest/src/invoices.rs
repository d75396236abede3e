//! The `invoices` export: invoice collect and paid hooks.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::invoices;
use crate::bindings::giftcard::plugin::types;
use crate::convert;
use crate::convert::list;
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

impl From<invoices::Invoice> for e::Invoice {
    fn from(i: invoices::Invoice) -> Self {
        e::Invoice {
            invoice_id: i.invoice_id,
            order_id: i.order_id,
            lines: list(i.lines),
            shipping: i.shipping.into(),
            shipping_tax: i.shipping_tax.into(),
        }
    }
}

impl From<e::InvoiceGiftCards> for invoices::InvoiceGiftCards {
    fn from(i: e::InvoiceGiftCards) -> Self {
        invoices::InvoiceGiftCards {
            invoice_id: i.invoice_id,
            total_before_cards: i.total_before_cards.amount(),
            gift_card_amount: i.gift_card_amount.amount(),
            grand_total: i.grand_total.amount(),
            order_remaining: i.order_remaining.amount(),
        }
    }
}

impl From<e::PaidInvoice> for invoices::PaidInvoice {
    fn from(p: e::PaidInvoice) -> Self {
        invoices::PaidInvoice {
            invoice: p.invoice.into(),
            issued: list(p.issued),
        }
    }
}
