//! The gift-card component: a thin adapter from the WIT contract
//! (`wit/world.wit`) to `giftcard-engine`.
//!
//! Nothing here decides anything about gift cards. Each export converts its
//! WIT record into the engine's record, calls the matching `api` function with
//! an environment backed by the component's imports, and converts the result
//! back. Transactions are the host's: it commits when an export returns `ok`
//! and rolls back on `err` or a trap.

mod convert;
mod env;

#[allow(clippy::all, missing_docs)]
mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "plugin",
        generate_all,
    });
}

use bindings::exports::giftcard::plugin::{admin, customer, lifecycle};
use bindings::giftcard::plugin::types;
use env::ComponentEnv;
use giftcard_engine::api;

struct Plugin;

impl lifecycle::Guest for Plugin {
    fn metadata() -> lifecycle::PluginMetadata {
        giftcard_engine::metadata().into()
    }

    fn migrate() -> Result<lifecycle::MigrationReport, types::Error> {
        convert::result(api::migrate(&mut ComponentEnv))
    }

    fn get_settings() -> Result<lifecycle::Settings, types::Error> {
        convert::result(api::get_settings(&mut ComponentEnv))
    }

    fn configure(update: lifecycle::SettingsUpdate) -> Result<lifecycle::Settings, types::Error> {
        convert::result(api::configure(&mut ComponentEnv, update.into()))
    }
}

impl admin::Guest for Plugin {
    fn create_card(request: admin::CreateCardRequest) -> Result<types::Card, types::Error> {
        convert::result(api::create_card(&mut ComponentEnv, request.into()))
    }

    fn get_card(request: admin::GetCardRequest) -> Result<types::Card, types::Error> {
        convert::result(api::get_card(&mut ComponentEnv, &request.card.into()))
    }

    fn list_cards(request: admin::ListCardsRequest) -> Result<admin::CardPage, types::Error> {
        convert::result(api::list_cards(&mut ComponentEnv, request.into()))
    }

    fn adjust_balance(request: admin::AdjustBalanceRequest) -> Result<types::Card, types::Error> {
        convert::result(api::adjust_balance(&mut ComponentEnv, request.into()))
    }

    fn disable_card(request: admin::SetStatusRequest) -> Result<types::Card, types::Error> {
        convert::result(api::disable_card(&mut ComponentEnv, request.into()))
    }

    fn enable_card(request: admin::SetStatusRequest) -> Result<types::Card, types::Error> {
        convert::result(api::enable_card(&mut ComponentEnv, request.into()))
    }

    fn card_history(
        request: admin::CardHistoryRequest,
    ) -> Result<admin::HistoryPage, types::Error> {
        convert::result(api::card_history(
            &mut ComponentEnv,
            &request.card.into(),
            request.page.into(),
        ))
    }
}

impl customer::Guest for Plugin {
    fn check_balance(
        request: customer::BalanceRequest,
    ) -> Result<customer::BalanceAnswer, types::Error> {
        convert::result(api::check_balance(&mut ComponentEnv, request.into()))
    }
}

bindings::export!(Plugin with_types_in bindings);
