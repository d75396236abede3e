//! Adapter for the `products` interface.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::products;
use crate::bindings::giftcard::plugin::types;

fn pending(what: &str) -> types::Error {
    types::Error::Database(format!("{what} is not implemented in this build"))
}

impl products::Guest for Plugin {
    fn create_product(_: products::ProductInput) -> Result<products::Product, types::Error> {
        Err(pending("create-product"))
    }

    fn update_product(_: products::UpdateRequest) -> Result<products::Product, types::Error> {
        Err(pending("update-product"))
    }

    fn get_product(_: u64) -> Result<products::Product, types::Error> {
        Err(pending("get-product"))
    }

    fn list_products(_: bool) -> Result<Vec<products::Product>, types::Error> {
        Err(pending("list-products"))
    }

    fn reorder_products(_: Vec<u64>) -> Result<Vec<products::Product>, types::Error> {
        Err(pending("reorder-products"))
    }

    fn set_active(_: products::SetActiveRequest) -> Result<products::Product, types::Error> {
        Err(pending("set-active"))
    }

    fn delete_product(_: u64) -> Result<(), types::Error> {
        Err(pending("delete-product"))
    }

    fn check_amount(_: products::CheckAmountRequest) -> Result<types::Money, types::Error> {
        Err(pending("check-amount"))
    }
}
