//! Adapter for the `batches` interface: field-for-field conversions and the
//! engine calls.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::batches as wit;
use crate::convert::{convert_record, exports, mirror_enum, mirror_record};
use giftcard_engine::api;
use giftcard_engine::catalog::batches as e;

mirror_enum!(e::CustomerTarget <=> wit::CustomerTarget { Everyone, Registered, Groups(g) });

mirror_record!(e::DefinitionInput <=> wit::DefinitionInput {
    same: [
        name,
        code_name,
        description,
        enabled,
        valid_from,
        valid_to,
        currencies,
        required_skus,
        shipping_countries,
        billing_countries,
    ],
    into: [value, target],
    opt_text: [min_order_amount],
});

convert_record!(e::Definition => wit::Definition {
    same: [id, code_name, codes, created_at],
    into: [fields],
});

convert_record!(wit::UpdateDefinitionRequest => e::UpdateDefinition { same: [id], into: [fields] });

convert_record!(wit::GenerateRequest => e::GenerateRequest {
    same: [definition_id, count, prefix, test, max_uses, admin_user],
});

convert_record!(e::Generated => wit::Generated {
    same: [definition_id, count, first_card_id, last_card_id, total_codes],
});

impl wit::Guest for Plugin {
    exports! {
        create_definition(request: wit::DefinitionInput) -> wit::Definition
            = api::create_definition;
        update_definition(request: wit::UpdateDefinitionRequest) -> wit::Definition
            = api::update_definition;
        get_definition(id: u64) -> wit::Definition = api::get_definition(id);
        list_definitions() -> Vec<wit::Definition> = api::list_definitions;
        generate_codes(request: wit::GenerateRequest) -> wit::Generated = api::generate_codes;
    }
}
