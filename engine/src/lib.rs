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

    pub fn get_settings(env: &mut dyn Environment) -> Result<Settings> {
        schema::ensure_current(env)?;
        settings::load(env)
    }

    pub fn configure(env: &mut dyn Environment, update: SettingsUpdate) -> Result<Settings> {
        schema::ensure_current(env)?;
        settings::configure(env, update)
    }

    pub fn create_card(env: &mut dyn Environment, req: CreateCard) -> Result<Card> {
        schema::ensure_current(env)?;
        cards::create(env, req)
    }

    pub fn get_card(env: &mut dyn Environment, card: &CardRef) -> Result<Card> {
        schema::ensure_current(env)?;
        cards::get(env, card)
    }

    pub fn list_cards(env: &mut dyn Environment, req: ListCards) -> Result<CardPage> {
        schema::ensure_current(env)?;
        cards::list(env, req)
    }

    pub fn adjust_balance(env: &mut dyn Environment, req: AdjustBalance) -> Result<Card> {
        schema::ensure_current(env)?;
        cards::adjust(env, req)
    }

    pub fn disable_card(env: &mut dyn Environment, req: SetStatus) -> Result<Card> {
        schema::ensure_current(env)?;
        cards::set_enabled(env, req, false)
    }

    pub fn enable_card(env: &mut dyn Environment, req: SetStatus) -> Result<Card> {
        schema::ensure_current(env)?;
        cards::set_enabled(env, req, true)
    }

    pub fn card_history(
        env: &mut dyn Environment,
        card: &CardRef,
        page: PageRequest,
    ) -> Result<HistoryPage> {
        schema::ensure_current(env)?;
        cards::history(env, card, page)
    }

    pub fn check_balance(env: &mut dyn Environment, req: BalanceRequest) -> Result<BalanceAnswer> {
        schema::ensure_current(env)?;
        customer::check_balance(env, req)
    }

    pub fn refusal_log(env: &mut dyn Environment, page: PageRequest) -> Result<RefusalLogPage> {
        schema::ensure_current(env)?;
        refusals::page(env, page)
    }

    pub fn apply_code(env: &mut dyn Environment, req: ApplyRequest) -> Result<ApplyAnswer> {
        schema::ensure_current(env)?;
        totals::apply_code(env, req)
    }

    pub fn remove_code(env: &mut dyn Environment, req: RemoveRequest) -> Result<GiftCardTotals> {
        schema::ensure_current(env)?;
        totals::remove_code(env, req)
    }

    pub fn check_add_line(env: &mut dyn Environment, req: AddLineRequest) -> Result<()> {
        schema::ensure_current(env)?;
        totals::check_add_line(env, req)
    }

    pub fn collect_totals(
        env: &mut dyn Environment,
        req: CollectRequest,
    ) -> Result<GiftCardTotals> {
        schema::ensure_current(env)?;
        totals::collect(env, req)
    }

    pub fn order_placed(env: &mut dyn Environment, req: PlaceRequest) -> Result<PlacedOrder> {
        schema::ensure_current(env)?;
        orders::placed(env, req)
    }

    pub fn order_cancelled(env: &mut dyn Environment, req: CancelRequest) -> Result<Cancellation> {
        schema::ensure_current(env)?;
        orders::cancelled(env, req)
    }

    pub fn invoice_collect(env: &mut dyn Environment, req: Invoice) -> Result<InvoiceGiftCards> {
        schema::ensure_current(env)?;
        invoices::collect(env, req)
    }

    pub fn invoice_paid(env: &mut dyn Environment, req: Invoice) -> Result<PaidInvoice> {
        schema::ensure_current(env)?;
        invoices::paid(env, req)
    }

    pub fn memo_collect(env: &mut dyn Environment, req: CreditMemo) -> Result<MemoSplit> {
        schema::ensure_current(env)?;
        memos::collect(env, req)
    }

    pub fn memo_refunded(env: &mut dyn Environment, req: CreditMemo) -> Result<MemoSplit> {
        schema::ensure_current(env)?;
        memos::refunded(env, req)
    }

    pub fn create_definition(
        env: &mut dyn Environment,
        req: batches::DefinitionInput,
    ) -> Result<batches::Definition> {
        schema::ensure_current(env)?;
        batches::create(env, req)
    }

    pub fn update_definition(
        env: &mut dyn Environment,
        req: batches::UpdateDefinition,
    ) -> Result<batches::Definition> {
        schema::ensure_current(env)?;
        batches::update(env, req)
    }

    pub fn get_definition(env: &mut dyn Environment, id: u64) -> Result<batches::Definition> {
        schema::ensure_current(env)?;
        batches::get(env, id)
    }

    pub fn list_definitions(env: &mut dyn Environment) -> Result<Vec<batches::Definition>> {
        schema::ensure_current(env)?;
        batches::list(env)
    }

    pub fn generate_codes(
        env: &mut dyn Environment,
        req: batches::GenerateRequest,
    ) -> Result<batches::Generated> {
        schema::ensure_current(env)?;
        batches::generate(env, req)
    }

    pub fn top_up(env: &mut dyn Environment, req: management::TopUp) -> Result<Card> {
        schema::ensure_current(env)?;
        management::top_up(env, req)
    }

    pub fn cancel_card(env: &mut dyn Environment, req: SetStatus) -> Result<Card> {
        schema::ensure_current(env)?;
        management::cancel(env, req)
    }

    pub fn delete_card(env: &mut dyn Environment, req: SetStatus) -> Result<()> {
        schema::ensure_current(env)?;
        management::delete(env, req)
    }

    pub fn set_status_many(
        env: &mut dyn Environment,
        req: management::BulkStatus,
    ) -> Result<Vec<CardSummary>> {
        schema::ensure_current(env)?;
        management::set_status_many(env, req)
    }

    pub fn delete_many(env: &mut dyn Environment, req: management::BulkRequest) -> Result<u32> {
        schema::ensure_current(env)?;
        management::delete_many(env, req)
    }

    pub fn create_cards_for_recipients(
        env: &mut dyn Environment,
        req: management::RecipientsRequest,
    ) -> Result<Vec<Card>> {
        schema::ensure_current(env)?;
        management::create_for_recipients(env, req)
    }

    pub fn export_cards(
        env: &mut dyn Environment,
        req: management::ExportRequest,
    ) -> Result<String> {
        schema::ensure_current(env)?;
        management::export(env, req)
    }

    pub fn export_part(
        env: &mut dyn Environment,
        req: management::ExportPartRequest,
    ) -> Result<management::ExportPart> {
        schema::ensure_current(env)?;
        management::export_part(env, req)
    }

    pub fn card_detail(
        env: &mut dyn Environment,
        card: &CardRef,
    ) -> Result<management::CardDetails> {
        schema::ensure_current(env)?;
        management::detail(env, card)
    }

    pub fn issue_from_order(
        env: &mut dyn Environment,
        req: issuing::IssueRequest,
    ) -> Result<issuing::Issued> {
        schema::ensure_current(env)?;
        issuing::issue_from_order(env, req)
    }

    pub fn create_campaign(
        env: &mut dyn Environment,
        req: issuing::CampaignInput,
    ) -> Result<issuing::Campaign> {
        schema::ensure_current(env)?;
        issuing::create_campaign(env, req)
    }

    pub fn update_campaign(
        env: &mut dyn Environment,
        req: issuing::UpdateCampaign,
    ) -> Result<issuing::Campaign> {
        schema::ensure_current(env)?;
        issuing::update_campaign(env, req)
    }

    pub fn list_campaigns(env: &mut dyn Environment) -> Result<Vec<issuing::Campaign>> {
        schema::ensure_current(env)?;
        issuing::list_campaigns(env)
    }

    pub fn order_completed(
        env: &mut dyn Environment,
        req: issuing::CompleteRequest,
    ) -> Result<Vec<Card>> {
        schema::ensure_current(env)?;
        issuing::completed(env, req)
    }

    pub fn create_product(
        env: &mut dyn Environment,
        req: products::ProductInput,
    ) -> Result<products::Product> {
        schema::ensure_current(env)?;
        products::create(env, req)
    }

    pub fn update_product(
        env: &mut dyn Environment,
        req: products::UpdateProduct,
    ) -> Result<products::Product> {
        schema::ensure_current(env)?;
        products::update(env, req)
    }

    pub fn get_product(env: &mut dyn Environment, id: u64) -> Result<products::Product> {
        schema::ensure_current(env)?;
        products::get(env, id)
    }

    pub fn list_products(
        env: &mut dyn Environment,
        include_inactive: bool,
    ) -> Result<Vec<products::Product>> {
        schema::ensure_current(env)?;
        products::list(env, include_inactive)
    }

    pub fn reorder_products(
        env: &mut dyn Environment,
        ids: Vec<u64>,
    ) -> Result<Vec<products::Product>> {
        schema::ensure_current(env)?;
        products::reorder(env, ids)
    }

    pub fn set_product_active(
        env: &mut dyn Environment,
        req: products::SetActive,
    ) -> Result<products::Product> {
        schema::ensure_current(env)?;
        products::set_active(env, req)
    }

    pub fn delete_product(env: &mut dyn Environment, id: u64) -> Result<()> {
        schema::ensure_current(env)?;
        products::delete(env, id)
    }

    pub fn check_product_amount(
        env: &mut dyn Environment,
        req: products::CheckAmount,
    ) -> Result<Money> {
        schema::ensure_current(env)?;
        products::check_amount(env, req)
    }

    pub fn redeem_to_account(
        env: &mut dyn Environment,
        req: customer::RedeemRequest,
    ) -> Result<customer::RedeemAnswer> {
        schema::ensure_current(env)?;
        customer::redeem_to_account(env, req)
    }

    pub fn my_bought_cards(
        env: &mut dyn Environment,
        req: customer::MyCardsRequest,
    ) -> Result<customer::BoughtCardsPage> {
        schema::ensure_current(env)?;
        customer::my_bought_cards(env, req)
    }

    pub fn my_used_cards(
        env: &mut dyn Environment,
        req: customer::MyCardsRequest,
    ) -> Result<customer::CardUsesPage> {
        schema::ensure_current(env)?;
        customer::my_used_cards(env, req)
    }

    pub fn public_balance(
        env: &mut dyn Environment,
        req: BalanceRequest,
    ) -> Result<customer::PublicAnswer> {
        schema::ensure_current(env)?;
        customer::public_balance(env, req)
    }

    pub fn check_ledger(
        env: &mut dyn Environment,
        req: reports::LedgerCheckRequest,
    ) -> Result<reports::LedgerCheck> {
        schema::ensure_current(env)?;
        reports::check_ledger(env, req)
    }

    pub fn statistics(
        env: &mut dyn Environment,
        req: reports::StatisticsRequest,
    ) -> Result<reports::ProgrammeStatistics> {
        schema::ensure_current(env)?;
        reports::statistics(env, req)
    }

    pub fn history_grid(
        env: &mut dyn Environment,
        req: reports::HistoryRequest,
    ) -> Result<reports::HistoryGrid> {
        schema::ensure_current(env)?;
        reports::history(env, req)
    }

    pub fn send_card(
        env: &mut dyn Environment,
        req: delivery::SendRequest,
    ) -> Result<delivery::MessageInfo> {
        schema::ensure_current(env)?;
        delivery::send_card(env, req)
    }

    pub fn resend_card(
        env: &mut dyn Environment,
        req: delivery::SendRequest,
    ) -> Result<delivery::MessageInfo> {
        schema::ensure_current(env)?;
        delivery::resend_card(env, req)
    }

    pub fn record_delivery(
        env: &mut dyn Environment,
        report: delivery::DeliveryReport,
    ) -> Result<delivery::MessageInfo> {
        schema::ensure_current(env)?;
        delivery::record_delivery(env, report)
    }

    pub fn card_delivery(
        env: &mut dyn Environment,
        card_id: CardId,
    ) -> Result<delivery::CardDelivery> {
        schema::ensure_current(env)?;
        delivery::card_delivery(env, card_id)
    }

    pub fn view_card(env: &mut dyn Environment, token: &str) -> Result<delivery::CardView> {
        schema::ensure_current(env)?;
        delivery::view_card(env, token)
    }

    pub fn print_cards(
        env: &mut dyn Environment,
        card_ids: &[CardId],
    ) -> Result<delivery::Document> {
        schema::ensure_current(env)?;
        delivery::print_cards(env, card_ids)
    }

    pub fn print_part(
        env: &mut dyn Environment,
        req: delivery::PrintPartRequest,
    ) -> Result<delivery::DocumentPart> {
        schema::ensure_current(env)?;
        delivery::print_part(env, req)
    }

    pub fn tick(env: &mut dyn Environment, now: &str) -> Result<scheduler::TickReport> {
        schema::ensure_current(env)?;
        scheduler::tick(env, now)
    }
}
