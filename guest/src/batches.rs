//! Adapter for the `batches` interface: field-for-field conversions and the
//! engine calls.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::batches as wit;
use crate::bindings::giftcard::plugin::types;
use crate::convert;
use crate::convert::mirror_record;
use crate::env::ComponentEnv;
use giftcard_engine::api;
use giftcard_engine::catalog::batches as e;

impl From<wit::CustomerTarget> for e::CustomerTarget {
    fn from(t: wit::CustomerTarget) -> Self {
        match t {
            wit::CustomerTarget::Everyone => e::CustomerTarget::Everyone,
            wit::CustomerTarget::Registered => e::CustomerTarget::Registered,
            wit::CustomerTarget::Groups(g) => e::CustomerTarget::Groups(g),
        }
    }
}

impl From<e::CustomerTarget> for wit::CustomerTarget {
    fn from(t: e::CustomerTarget) -> Self {
        match t {
            e::CustomerTarget::Everyone => wit::CustomerTarget::Everyone,
            e::CustomerTarget::Registered => wit::CustomerTarget::Registered,
            e::CustomerTarget::Groups(g) => wit::CustomerTarget::Groups(g),
        }
    }
}

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

fn definition_out(d: e::Definition) -> wit::Definition {
    wit::Definition {
        id: d.id,
        code_name: d.code_name,
        fields: d.fields.into(),
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
            api::create_definition(&mut ComponentEnv, request.into()),
            definition_out,
        )
    }

    fn update_definition(
        request: wit::UpdateDefinitionRequest,
    ) -> Result<wit::Definition, types::Error> {
        let req = e::UpdateDefinition {
            id: request.id,
            fields: request.fields.into(),
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
