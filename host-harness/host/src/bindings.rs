//! The contract's types and calls, generated from `wit/` by wasmtime's
//! `bindgen!`. Imports are `trappable` so a host failure (a database that
//! cannot be read) traps the call, which rolls it back; the two WASI imports
//! come from wasmtime-wasi.
//!
//! Exports are reached through [`Plugin`]: `plugin.giftcard_plugin_admin()`
//! and so on, one accessor per exported interface, each call typed with the
//! WIT's records and its `error` variant.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "plugin",
    imports: { default: trappable },
    with: {
        "wasi:clocks/wall-clock": wasmtime_wasi::p2::bindings::clocks::wall_clock,
        "wasi:random/random": wasmtime_wasi::p2::bindings::random::random,
    },
});

pub use exports::giftcard::plugin as api;
pub use giftcard::plugin::types;

/// Constructors for the records a host builds most, with every optional
/// field left to the plugin's defaults.
mod constructors {
    use super::api::admin::CreateCardRequest;
    use super::types::{Money, PageRequest};

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
