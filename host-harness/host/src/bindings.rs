//! The contract's types and calls, generated from `wit/` by wasmtime's
//! `bindgen!`. Imports are `trappable` so a host failure (a database that
//! cannot be read) traps the call, which rolls it back; the two WASI imports
//! come from wasmtime-wasi.
//!
//! Exports are reached through [`crate::Plugin`] (see [`crate::exports`]):
//! `plugin.giftcard_plugin_admin(&mut *store)?` and so on, one accessor per
//! exported interface, each call typed with the WIT's records and its `error`
//! variant. The generated `Plugin` here is not used: it type-checks all 66
//! exports on every instance. [`to_json`] shows any of them in
//! the WIT's own spelling.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "plugin",
    imports: { default: trappable },
    // For [`to_json`], which spells them as the WIT does; serialized any
    // other way they carry Rust's names (`masked_code`, `CardNotFound`).
    additional_derives: [serde::Serialize],
    with: {
        "wasi:clocks/wall-clock": wasmtime_wasi::p2::bindings::clocks::wall_clock,
        "wasi:random/random": wasmtime_wasi::p2::bindings::random::random,
    },
});

mod json;

pub use exports::giftcard::plugin as api;
pub use giftcard::plugin::{commerce, types};
pub use json::to_json;

/// Constructors for the records a host builds most, with every optional
/// field left to the plugin's defaults.
mod constructors {
    use super::api::admin::CreateCardRequest;
    use super::commerce::{Line, ProductKind, Quote};
    use super::types::{Money, PageRequest};

    impl Quote {
        /// An empty quote of a guest in `currency` (also the base currency),
        /// no shipping, no codes applied.
        pub fn new(id: &str, website: &str, store: &str, currency: &str) -> Quote {
            Quote {
                id: id.into(),
                website: website.into(),
                store: store.into(),
                currency: currency.into(),
                base_currency: currency.into(),
                customer: None,
                test: false,
                lines: Vec::new(),
                shipping: "0".into(),
                shipping_tax: "0".into(),
                applied_codes: Vec::new(),
                shipping_country: None,
                billing_country: None,
            }
        }
    }

    impl Line {
        /// `quantity` units of a product at `unit_price`, their `row_total`
        /// (`quantity × unit_price`, which the plugin checks), no discount or
        /// tax, not a gift card.
        pub fn new(
            id: &str,
            sku: &str,
            kind: ProductKind,
            quantity: i32,
            unit_price: &str,
            row_total: &str,
        ) -> Line {
            Line {
                id: id.into(),
                sku: sku.into(),
                kind,
                quantity,
                unit_price: unit_price.into(),
                row_total: row_total.into(),
                discount: "0".into(),
                tax: "0".into(),
                gift_card: None,
            }
        }
    }

    impl Money {
        /// `amount` is a plain decimal in the currency's units (`"12.50"`).
        pub fn new(amount: impl Into<String>, currency: impl Into<String>) -> Money {
            Money {
                amount: amount.into(),
                currency: currency.into(),
            }
        }
    }

    impl PageRequest {
        /// Page `page` (1-based) of `page_size` rows.
        pub fn new(page: u32, page_size: u32) -> PageRequest {
            PageRequest { page, page_size }
        }
    }

    impl CreateCardRequest {
        /// A card of `amount`, created by `admin_user`, nothing else set.
        pub fn new(amount: Money, admin_user: impl Into<String>) -> CreateCardRequest {
            CreateCardRequest {
                amount,
                amount_max: None,
                max_uses: None,
                recipient_name: None,
                recipient_email: None,
                code: None,
                expires_at: None,
                validity_days: None,
                customer_id: None,
                website: None,
                test: None,
                comment: None,
                admin_user: admin_user.into(),
                reference: None,
            }
        }
    }
}
