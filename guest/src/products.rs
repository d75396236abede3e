//! Adapter for the `products` interface: field-for-field conversions and one
//! engine call per export.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::products;
use crate::bindings::giftcard::plugin::types;
use crate::convert;
use crate::convert::convert_record;
use crate::env::ComponentEnv;
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

impl products::Guest for Plugin {
    fn create_product(request: products::ProductInput) -> Result<products::Product, types::Error> {
        convert::result(api::create_product(&mut ComponentEnv, request.into()))
    }

    fn update_product(request: products::UpdateRequest) -> Result<products::Product, types::Error> {
        convert::result(api::update_product(
            &mut ComponentEnv,
            e::UpdateProduct {
                id: request.id,
                product: request.product.into(),
            },
        ))
    }

    fn get_product(id: u64) -> Result<products::Product, types::Error> {
        convert::result(api::get_product(&mut ComponentEnv, id))
    }

    fn list_products(include_inactive: bool) -> Result<Vec<products::Product>, types::Error> {
        convert::list_result(api::list_products(&mut ComponentEnv, include_inactive))
    }

    fn reorder_products(ids: Vec<u64>) -> Result<Vec<products::Product>, types::Error> {
        convert::list_result(api::reorder_products(&mut ComponentEnv, ids))
    }

    fn set_active(request: products::SetActiveRequest) -> Result<products::Product, types::Error> {
        convert::result(api::set_product_active(
            &mut ComponentEnv,
            e::SetActive {
                id: request.id,
                active: request.active,
            },
        ))
    }

    fn delete_product(id: u64) -> Result<(), types::Error> {
        convert::result(api::delete_product(&mut ComponentEnv, id))
    }

    fn check_amount(request: products::CheckAmountRequest) -> Result<types::Money, types::Error> {
        convert::result(api::check_product_amount(
            &mut ComponentEnv,
            e::CheckAmount {
                id: request.id,
                amount: request.amount.into(),
            },
        ))
    }
}
