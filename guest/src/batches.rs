//! Adapter for the `batches` interface: field-for-field conversions and the
//! engine calls.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::batches as wit;
use crate::bindings::giftcard::plugin::types;
use crate::convert;
use crate::env::ComponentEnv;
use giftcard_engine::api;
use giftcard_engine::catalog::batches as e;

fn target_in(t: wit::CustomerTarget) -> e::CustomerTarget {
    match t {
        wit::CustomerTarget::Everyone => e::CustomerTarget::Everyone,
        wit::CustomerTarget::Registered => e::CustomerTarget::Registered,
        wit::CustomerTarget::Groups(g) => e::CustomerTarget::Groups(g),
    }
}

fn target_out(t: e::CustomerTarget) -> wit::CustomerTarget {
    match t {
        e::CustomerTarget::Everyone => wit::CustomerTarget::Everyone,
        e::CustomerTarget::Registered => wit::CustomerTarget::Registered,
        e::CustomerTarget::Groups(g) => wit::CustomerTarget::Groups(g),
    }
}

fn input_in(i: wit::DefinitionInput) -> e::DefinitionInput {
    e::DefinitionInput {
        name: i.name,
        code_name: i.code_name,
        description: i.description,
        enabled: i.enabled,
        value: i.value.into(),
        min_order_amount: i.min_order_amount.map(Into::into),
        valid_from: i.valid_from,
        valid_to: i.valid_to,
        target: target_in(i.target),
        currencies: i.currencies,
        required_skus: i.required_skus,
        shipping_countries: i.shipping_countries,
        billing_countries: i.billing_countries,
    }
}

fn input_out(i: e::DefinitionInput) -> wit::DefinitionInput {
    wit::DefinitionInput {
        name: i.name,
        code_name: i.code_name,
        description: i.description,
        enabled: i.enabled,
        value: i.value.into(),
        min_order_amount: i.min_order_amount.map(|m| m.to_string()),
        valid_from: i.valid_from,
        valid_to: i.valid_to,
        target: target_out(i.target),
        currencies: i.currencies,
        required_skus: i.required_skus,
        shipping_countries: i.shipping_countries,
        billing_countries: i.billing_countries,
    }
}

fn definition_out(d: e::Definition) -> wit::Definition {
    wit::Definition {
        id: d.id,
        code_name: d.code_name,
        fields: input_out(d.fields),
        codes: d.codes,
        created_at: d.created_at,
    }
}

fn generated_out(g: e::Generated) -> wit::Generated {
    wit::Generated {
        definition_id: g.definition_id,
        count: g.count,
        first_card_id: g.first_card_id,
        last_card_id: g.last_card_id,
        total_codes: g.total_codes,
    }
}

fn out<T, U>(r: giftcard_engine::Result<T>, f: impl FnOnce(T) -> U) -> Result<U, types::Error> {
    convert::result::<T, T>(r).map(f)
}

impl wit::Guest for Plugin {
    fn create_definition(request: wit::DefinitionInput) -> Result<wit::Definition, types::Error> {
        out(
            api::create_definition(&mut ComponentEnv, input_in(request)),
            definition_out,
        )
    }

    fn update_definition(
        request: wit::UpdateDefinitionRequest,
    ) -> Result<wit::Definition, types::Error> {
        let req = e::UpdateDefinition {
            id: request.id,
            fields: input_in(request.fields),
        };
        out(
            api::update_definition(&mut ComponentEnv, req),
            definition_out,
        )
    }

    fn get_definition(id: u64) -> Result<wit::Definition, types::Error> {
        out(api::get_definition(&mut ComponentEnv, id), definition_out)
    }

    fn list_definitions() -> Result<Vec<wit::Definition>, types::Error> {
        out(api::list_definitions(&mut ComponentEnv), |all| {
            all.into_iter().map(definition_out).collect()
        })
    }

    fn generate_codes(request: wit::GenerateRequest) -> Result<wit::Generated, types::Error> {
        let req = e::GenerateRequest {
            definition_id: request.definition_id,
            count: request.count,
            prefix: request.prefix,
            test: request.test,
            max_uses: request.max_uses,
            admin_user: request.admin_user,
        };
        out(api::generate_codes(&mut ComponentEnv, req), generated_out)
    }
}
