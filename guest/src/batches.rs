//! Adapter for the `batches` interface.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::batches;
use crate::bindings::giftcard::plugin::types;

fn pending(what: &str) -> types::Error {
    types::Error::Database(format!("{what} is not implemented in this build"))
}

impl batches::Guest for Plugin {
    fn create_definition(_: batches::DefinitionInput) -> Result<batches::Definition, types::Error> {
        Err(pending("create-definition"))
    }

    fn update_definition(
        _: batches::UpdateDefinitionRequest,
    ) -> Result<batches::Definition, types::Error> {
        Err(pending("update-definition"))
    }

    fn get_definition(_: u64) -> Result<batches::Definition, types::Error> {
        Err(pending("get-definition"))
    }

    fn list_definitions() -> Result<Vec<batches::Definition>, types::Error> {
        Err(pending("list-definitions"))
    }

    fn generate_codes(_: batches::GenerateRequest) -> Result<batches::Generated, types::Error> {
        Err(pending("generate-codes"))
    }
}
