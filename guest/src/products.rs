//! Adapter for the `products` interface: field-for-field conversions and one
//! engine call per export.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::products;
use crate::bindings::giftcard::plugin::types;
use crate::convert::{convert_record, exports};
use giftcard_engine::api;
use giftcard_engine::catalog::products as e;

convert_record!(products::ProductInput => e::ProductInput {
    same: [sku, name, description, image, currency, validity_days, terms, position, active],
    opt: [custom_min, custom_max],
    list: [denominations],
});

convert_record!(e::Product => products::Product {
    same: [
        id,
        sku,
        name,
        description,
        image,
        currency,
        validity_days,
        terms,
        position,
        active,
        cards_sold,
        created_at,
    ],
    opt: [custom_min, custom_max],
    list: [denominations],
});

convert_record!(products::UpdateRequest => e::UpdateProduct { same: [id], into: [product] });

convert_record!(products::SetActiveRequest => e::SetActive { same: [id, active] });

convert_record!(products::CheckAmountRequest => e::CheckAmount { same: [id], into: [amount] });

impl products::Guest for Plugin {
    exports! {
        create_product(request: products::ProductInput) -> products::Product = api::create_product;
        update_product(request: products::UpdateRequest) -> products::Product = api::update_product;
        get_product(id: u64) -> products::Product = api::get_product(id);
        list_products(include_inactive: bool) -> Vec<products::Product>
            = api::list_products(include_inactive);
        reorder_products(ids: Vec<u64>) -> Vec<products::Product> = api::reorder_products(ids);
        set_active(request: products::SetActiveRequest) -> products::Product
            = api::set_product_active;
        delete_product(id: u64) -> () = api::delete_product(id);
        check_amount(request: products::CheckAmountRequest) -> types::Money
            = api::check_product_amount;
    }
}
