//! # giftcard-engine
//!
//! All of the gift-card logic, independent of how it is hosted. The component
//! in `guest/` is a thin adapter from the WIT contract to the functions here;
//! natively, the same functions run over rusqlite for unit tests and
//! benchmarks.
//!
//! Every public operation takes an [`Environment`] — the database inside the
//! caller's transaction, a clock and a secure random source — and returns a
//! typed [`Error`] on failure. The caller (the host) commits on `Ok` and rolls
//! back on `Err`, so an operation that fails half-way leaves nothing behind.
//!
//! ## Layers
//!
//! The modules form layers, and a module uses only its own layer and the
//! ones below it, never one above:
//!
//! 1. **Vocabulary and storage**: [`money`] (with its exchange
//!    [`rates`](money::rates)), [`error`], [`model`] (the contract's records)
//!    and [`storage`] (the [`Database`](storage::db::Database) the host
//!    lends, the [`Environment`], the outbound-message types, the schema
//!    with every module's tables, the SQLite test backend, time).
//! 2. **Cards and settings**: [`cards`] (cards, codes, the ledger, balance
//!    movements, statuses, administration, client keys, contact details, the
//!    refusal log) and [`settings`], which use each other.
//! 3. **Features on cards**: [`catalog`] (products, batch definitions),
//!    [`customer`], [`delivery`] and [`reports`]; none of them uses another
//!    (outside unit tests).
//! 4. **Flows across features**: [`pipeline`] (quotes, totals, orders,
//!    issuing, invoices, credit memos) and [`scheduler`].
//! 5. **[`api`]**, the contract's operations, on top.
//!
//! So the schema does not import the modules whose tables it creates (their
//! statements live under `storage/schema/`), the environment does not import
//! delivery (the message it hands the host is in [`storage::outbound`]), and
//! the catalog does not import the pipeline (whether a batch definition's
//! card applies to a quote is [`pipeline::eligibility`]). Unit tests may
//! drive their module through [`api`].

pub mod cards;
pub mod catalog;
pub mod customer;
pub mod delivery;
pub mod error;
pub mod model;
pub mod money;
pub mod pipeline;
pub mod reports;
pub mod scheduler;
pub mod settings;
pub mod storage;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use error::{Error, Result};
pub use model::*;
pub use settings::{Settings, SettingsUpdate};
pub use storage::env::Environment;

/// The plugin's name as hosts see it.
pub const PLUGIN_NAME: &str = "giftcard";
/// This build's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The WIT package version this build implements.
pub const CONTRACT_VERSION: &str = "0.5.0";

/// Who this build is.
pub fn metadata() -> PluginMetadata {
    PluginMetadata {
        name: PLUGIN_NAME.into(),
        version: VERSION.into(),
        contract_version: CONTRACT_VERSION.into(),
        schema_version: storage::schema::latest_version(),
    }
}

/// The operations the contract exports, each checking the schema first.
pub mod api {
    use super::*;
    use crate::cards::{management, refusals};
    use crate::catalog::{batches, products};
    use crate::pipeline::{invoices, issuing, memos, orders, totals};
    use crate::storage::schema;

    pub fn migrate(env: &mut dyn Environment) -> Result<MigrationReport> {
        schema::migrate(env)
    }

    pub fn database_version(env: &mut dyn Environment) -> Result<u32> {
        schema::database_version(env)
    }

    pub fn disable_card(env: &mut dyn Environment, req: SetStatus) -> Result<Card> {
        cards::set_enabled(&mut schema::Current::check(env)?, req, false)
    }

    pub fn enable_card(env: &mut dyn Environment, req: SetStatus) -> Result<Card> {
        cards::set_enabled(&mut schema::Current::check(env)?, req, true)
    }

    /// Writes the operations that only check the schema is current and then
    /// call `$target(env, args..)`: the wrapper is the same for each, so it is
    /// written once here instead of sixty times. The check also reads the
    /// settings, which the call then finds without a statement of its own.
    macro_rules! checked {
        ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $target:path;)*) => {
            $(
                pub fn $name(env: &mut dyn Environment $(, $arg: $ty)*) -> Result<$ret> {
                    $target(&mut schema::Current::check(env)? $(, $arg)*)
                }
            )*
        };
    }

    checked! {
        get_settings() -> Settings = settings::load;
        configure(update: SettingsUpdate) -> Settings = settings::configure;
        create_card(req: CreateCard) -> Card = cards::create;
        get_card(card: &CardRef) -> Card = cards::get;
        list_cards(req: ListCards) -> CardPage = cards::list;
        adjust_balance(req: AdjustBalance) -> Card = cards::adjust;
        card_history(card: &CardRef, page: PageRequest) -> HistoryPage = cards::history;
        check_balance(req: BalanceRequest) -> BalanceAnswer = customer::check_balance;
        refusal_log(page: PageRequest) -> RefusalLogPage = refusals::page;
        apply_code(req: ApplyRequest) -> ApplyAnswer = totals::apply_code;
        remove_code(req: RemoveRequest) -> GiftCardTotals = totals::remove_code;
        check_add_line(req: AddLineRequest) -> () = totals::check_add_line;
        collect_totals(req: CollectRequest) -> GiftCardTotals = totals::collect;
        order_placed(req: PlaceRequest) -> PlacedOrder = orders::placed;
        order_cancelled(req: CancelRequest) -> Cancellation = orders::cancelled;
        invoice_collect(req: Invoice) -> InvoiceGiftCards = invoices::collect;
        invoice_paid(req: Invoice) -> PaidInvoice = invoices::paid;
        memo_collect(req: CreditMemo) -> MemoSplit = memos::collect;
        memo_refunded(req: CreditMemo) -> MemoSplit = memos::refunded;
        create_definition(req: batches::DefinitionInput) -> batches::Definition = batches::create;
        update_definition(req: batches::UpdateDefinition) -> batches::Definition = batches::update;
        get_definition(id: u64) -> batches::Definition = batches::get;
        list_definitions() -> Vec<batches::Definition> = batches::list;
        generate_codes(req: batches::GenerateRequest) -> batches::Generated = batches::generate;
        top_up(req: management::TopUp) -> Card = management::top_up;
        cancel_card(req: SetStatus) -> Card = management::cancel;
        delete_card(req: SetStatus) -> () = management::delete;
        set_status_many(req: management::BulkStatus) -> Vec<CardSummary>
            = management::set_status_many;
        delete_many(req: management::BulkRequest) -> u32 = management::delete_many;
        create_cards_for_recipients(req: management::RecipientsRequest) -> Vec<Card>
            = management::create_for_recipients;
        export_cards(req: management::ExportRequest) -> String = management::export;
        export_part(req: management::ExportPartRequest) -> management::ExportPart
            = management::export_part;
        card_detail(card: &CardRef) -> management::CardDetails = management::detail;
        issue_from_order(req: issuing::IssueRequest) -> issuing::Issued = issuing::issue_from_order;
        create_campaign(req: issuing::CampaignInput) -> issuing::Campaign
            = issuing::create_campaign;
        update_campaign(req: issuing::UpdateCampaign) -> issuing::Campaign
            = issuing::update_campaign;
        list_campaigns() -> Vec<issuing::Campaign> = issuing::list_campaigns;
        order_completed(req: issuing::CompleteRequest) -> Vec<Card> = issuing::completed;
        create_product(req: products::ProductInput) -> products::Product = products::create;
        update_product(req: products::UpdateProduct) -> products::Product = products::update;
        get_product(id: u64) -> products::Product = products::get;
        list_products(include_inactive: bool) -> Vec<products::Product> = products::list;
        reorder_products(ids: Vec<u64>) -> Vec<products::Product> = products::reorder;
        set_product_active(req: products::SetActive) -> products::Product = products::set_active;
        delete_product(id: u64) -> () = products::delete;
        check_product_amount(req: products::CheckAmount) -> Money = products::check_amount;
        redeem_to_account(req: customer::RedeemRequest) -> customer::RedeemAnswer
            = customer::redeem_to_account;
        my_bought_cards(req: customer::MyCardsRequest) -> customer::BoughtCardsPage
            = customer::my_bought_cards;
        my_used_cards(req: customer::MyCardsRequest) -> customer::CardUsesPage
            = customer::my_used_cards;
        public_balance(req: BalanceRequest) -> customer::PublicAnswer = customer::public_balance;
        check_ledger(req: reports::LedgerCheckRequest) -> reports::LedgerCheck
            = reports::check_ledger;
        statistics(req: reports::StatisticsRequest) -> reports::ProgrammeStatistics
            = reports::statistics;
        history_grid(req: reports::HistoryRequest) -> reports::HistoryGrid = reports::history;
        send_card(req: delivery::SendRequest) -> delivery::MessageInfo = delivery::send_card;
        resend_card(req: delivery::SendRequest) -> delivery::MessageInfo = delivery::resend_card;
        record_delivery(report: delivery::DeliveryReport) -> delivery::MessageInfo
            = delivery::record_delivery;
        card_delivery(card_id: CardId) -> delivery::CardDelivery = delivery::card_delivery;
        view_card(token: &str) -> delivery::CardView = delivery::view_card;
        print_cards(card_ids: &[CardId]) -> delivery::Document = delivery::print_cards;
        print_part(req: delivery::PrintPartRequest) -> delivery::DocumentPart
            = delivery::print_part;
        tick(now: &str) -> scheduler::TickReport = scheduler::tick;
    }
}
