//! The gift-card component: a thin adapter from the WIT contract
//! (`wit/world.wit`) to `giftcard-engine`.
//!
//! Nothing here decides anything about gift cards. Each export converts its
//! WIT record into the engine's record, calls the matching `api` function with
//! an environment backed by the component's imports, and converts the result
//! back. Transactions are the host's: it commits when an export returns `ok`
//! and rolls back on `err` or a trap.

mod batches;
mod convert;
mod customer_area;
mod delivery;
mod env;
mod issuing;
mod management;
mod products;
mod reports;

#[allow(clippy::all, missing_docs)]
mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "plugin",
        generate_all,
    });
}

use bindings::exports::giftcard::plugin::{
    admin, credit_memos, customer, invoices, lifecycle, orders, totals,
};
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

    fn database_version() -> Result<u32, types::Error> {
        api::database_version(&mut ComponentEnv).map_err(Into::into)
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

    fn refusal_log(request: types::PageRequest) -> Result<admin::RefusalLogPage, types::Error> {
        convert::result(api::refusal_log(&mut ComponentEnv, request.into()))
    }

    fn top_up(request: admin::TopUpRequest) -> Result<types::Card, types::Error> {
        management::top_up(request)
    }

    fn cancel_card(request: admin::SetStatusRequest) -> Result<types::Card, types::Error> {
        management::cancel_card(request)
    }

    fn delete_card(request: admin::SetStatusRequest) -> Result<(), types::Error> {
        management::delete_card(request)
    }

    fn set_status_many(
        request: admin::BulkStatusRequest,
    ) -> Result<Vec<types::CardSummary>, types::Error> {
        management::set_status_many(request)
    }

    fn delete_many(request: admin::BulkRequest) -> Result<u32, types::Error> {
        management::delete_many(request)
    }

    fn create_cards_for_recipients(
        request: admin::RecipientsRequest,
    ) -> Result<Vec<types::Card>, types::Error> {
        management::create_cards_for_recipients(request)
    }

    fn export_cards(request: admin::ExportRequest) -> Result<String, types::Error> {
        management::export_cards(request)
    }

    fn export_cards_part(
        request: admin::ExportPartRequest,
    ) -> Result<admin::ExportPart, types::Error> {
        management::export_part(request)
    }

    fn card_detail(request: admin::GetCardRequest) -> Result<admin::CardDetails, types::Error> {
        management::card_detail(request)
    }
}

impl customer::Guest for Plugin {
    fn check_balance(
        request: customer::BalanceRequest,
    ) -> Result<customer::BalanceAnswer, types::Error> {
        convert::result(api::check_balance(&mut ComponentEnv, request.into()))
    }

    fn redeem_to_account(
        request: customer::RedeemRequest,
    ) -> Result<customer::RedeemAnswer, types::Error> {
        customer_area::redeem_to_account(request)
    }

    fn my_bought_cards(
        request: customer::MyCardsRequest,
    ) -> Result<customer::BoughtCardsPage, types::Error> {
        customer_area::my_bought_cards(request)
    }

    fn my_used_cards(
        request: customer::MyCardsRequest,
    ) -> Result<customer::CardUsesPage, types::Error> {
        customer_area::my_used_cards(request)
    }

    fn public_balance(
        request: customer::BalanceRequest,
    ) -> Result<customer::PublicAnswer, types::Error> {
        customer_area::public_balance(request)
    }
}

impl totals::Guest for Plugin {
    fn apply_code(request: totals::ApplyRequest) -> Result<totals::ApplyAnswer, types::Error> {
        convert::result(api::apply_code(&mut ComponentEnv, request.into()))
    }

    fn remove_code(request: totals::RemoveRequest) -> Result<totals::GiftCardTotals, types::Error> {
        convert::result(api::remove_code(&mut ComponentEnv, request.into()))
    }

    fn check_add_line(request: totals::AddLineRequest) -> Result<(), types::Error> {
        convert::result(api::check_add_line(&mut ComponentEnv, request.into()))
    }

    fn collect(request: totals::CollectRequest) -> Result<totals::GiftCardTotals, types::Error> {
        convert::result(api::collect_totals(&mut ComponentEnv, request.into()))
    }
}

impl orders::Guest for Plugin {
    fn placed(request: orders::PlaceRequest) -> Result<orders::PlacedOrder, types::Error> {
        convert::result(api::order_placed(&mut ComponentEnv, request.into()))
    }

    fn cancelled(request: orders::CancelRequest) -> Result<orders::Cancellation, types::Error> {
        convert::result(api::order_cancelled(&mut ComponentEnv, request.into()))
    }

    fn completed(request: orders::CompleteRequest) -> Result<Vec<types::Card>, types::Error> {
        issuing::order_completed(request)
    }
}

impl invoices::Guest for Plugin {
    fn collect(request: invoices::Invoice) -> Result<invoices::InvoiceGiftCards, types::Error> {
        convert::result(api::invoice_collect(&mut ComponentEnv, request.into()))
    }

    fn paid(request: invoices::Invoice) -> Result<invoices::PaidInvoice, types::Error> {
        convert::result(api::invoice_paid(&mut ComponentEnv, request.into()))
    }
}

impl credit_memos::Guest for Plugin {
    fn collect(request: credit_memos::CreditMemo) -> Result<credit_memos::MemoSplit, types::Error> {
        convert::result(api::memo_collect(&mut ComponentEnv, request.into()))
    }

    fn refunded(
        request: credit_memos::CreditMemo,
    ) -> Result<credit_memos::MemoSplit, types::Error> {
        convert::result(api::memo_refunded(&mut ComponentEnv, request.into()))
    }
}

bindings::export!(Plugin with_types_in bindings);
