//! The engine's public records. They mirror the WIT contract field for field,
//! so the component adapter is a mechanical conversion and native callers
//! (tests, benchmarks) speak the same language as component hosts.

use serde::{Deserialize, Serialize};

/// An exact amount: a decimal string and an ISO 4217 code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount: String,
    pub currency: String,
}

impl Money {
    pub fn new(amount: impl Into<String>, currency: impl Into<String>) -> Self {
        Money {
            amount: amount.into(),
            currency: currency.into(),
        }
    }
}

pub type CardId = u64;

/// A card's status; see `status` for the transitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CardStatus {
    Active,
    Used,
    Expired,
    Disabled,
    Cancelled,
}

impl CardStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CardStatus::Active => "active",
            CardStatus::Used => "used",
            CardStatus::Expired => "expired",
            CardStatus::Disabled => "disabled",
            CardStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<CardStatus> {
        [
            CardStatus::Active,
            CardStatus::Used,
            CardStatus::Expired,
            CardStatus::Disabled,
            CardStatus::Cancelled,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for CardStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who made a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Actor {
    System,
    Admin(String),
    Customer(String),
}

/// What a ledger row records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HistoryAction {
    Created,
    Adjusted,
    Redeemed,
    Refunded,
    Loaded,
    Disabled,
    Enabled,
    Expired,
    Cancelled,
    MovedToAccount,
}

impl HistoryAction {
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryAction::Created => "created",
            HistoryAction::Adjusted => "adjusted",
            HistoryAction::Redeemed => "redeemed",
            HistoryAction::Refunded => "refunded",
            HistoryAction::Loaded => "loaded",
            HistoryAction::Disabled => "disabled",
            HistoryAction::Enabled => "enabled",
            HistoryAction::Expired => "expired",
            HistoryAction::Cancelled => "cancelled",
            HistoryAction::MovedToAccount => "moved-to-account",
        }
    }

    pub fn parse(s: &str) -> Option<HistoryAction> {
        use HistoryAction::*;
        [
            Created,
            Adjusted,
            Redeemed,
            Refunded,
            Loaded,
            Disabled,
            Enabled,
            Expired,
            Cancelled,
            MovedToAccount,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// A card with its full code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub id: CardId,
    pub code: String,
    pub masked_code: String,
    pub status: CardStatus,
    pub balance: Money,
    pub initial_value: Money,
    pub amount_type: AmountType,
    pub max_uses: i32,
    pub uses: u32,
    pub expires_at: Option<String>,
    pub customer_id: Option<String>,
    pub recipient_name: Option<String>,
    pub recipient_email: Option<String>,
    pub purchaser_customer_id: Option<String>,
    pub purchaser_email: Option<String>,
    pub product_id: Option<u64>,
    pub definition_id: Option<u64>,
    pub campaign_id: Option<u64>,
    pub comment: Option<String>,
    pub website: Option<String>,
    pub test: bool,
    pub origin: CardOrigin,
    pub order_id: Option<String>,
    pub purchase: Option<GiftCardPurchase>,
    pub created_at: String,
    pub updated_at: String,
}

/// How a card came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CardOrigin {
    Admin,
    Purchase,
    Refund,
    Batch,
    Campaign,
    OrderIssued,
}

/// Whether a card's value was given or drawn from a range.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AmountType {
    #[default]
    Fixed,
    Random(AmountRange),
}

/// An inclusive range of amounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmountRange {
    pub min: Money,
    pub max: Money,
}

impl CardOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            CardOrigin::Admin => "admin",
            CardOrigin::Purchase => "purchase",
            CardOrigin::Refund => "refund",
            CardOrigin::Batch => "batch",
            CardOrigin::Campaign => "campaign",
            CardOrigin::OrderIssued => "order-issued",
        }
    }

    pub fn parse(s: &str) -> Option<CardOrigin> {
        [
            CardOrigin::Admin,
            CardOrigin::Purchase,
            CardOrigin::Refund,
            CardOrigin::Batch,
            CardOrigin::Campaign,
            CardOrigin::OrderIssued,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// What a buyer chose on a gift-card product line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftCardPurchase {
    pub recipient_name: Option<String>,
    pub recipient_email: Option<String>,
    pub sender_name: Option<String>,
    pub sender_email: Option<String>,
    pub message: Option<String>,
    pub deliver_at: Option<String>,
    pub validity_days: Option<u32>,
    /// Added in contract 0.4; older stored purchases lack it.
    #[serde(default)]
    pub recipient_phone: Option<String>,
}

/// A card in a list, code masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardSummary {
    pub id: CardId,
    pub masked_code: String,
    pub status: CardStatus,
    pub balance: Money,
    pub initial_value: Money,
    pub amount_type: AmountType,
    pub max_uses: i32,
    pub uses: u32,
    pub expires_at: Option<String>,
    pub customer_id: Option<String>,
    pub recipient_email: Option<String>,
    pub purchaser_email: Option<String>,
    pub product_id: Option<u64>,
    pub definition_id: Option<u64>,
    pub website: Option<String>,
    pub test: bool,
    pub origin: CardOrigin,
    pub created_at: String,
}

/// One ledger row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: u64,
    pub card_id: CardId,
    pub action: HistoryAction,
    pub amount: Money,
    pub balance_before: Money,
    pub balance_after: Money,
    pub actor: Actor,
    pub reference: Option<String>,
    pub comment: Option<String>,
    pub created_at: String,
}

/// Names a card by id or code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CardRef {
    Id(CardId),
    Code(String),
}

/// Which page of a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    pub page: u32,
    pub page_size: u32,
}

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 500;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateCard {
    pub amount: Money,
    pub amount_max: Option<String>,
    pub max_uses: Option<i32>,
    pub recipient_name: Option<String>,
    pub recipient_email: Option<String>,
    pub code: Option<String>,
    pub expires_at: Option<String>,
    pub validity_days: Option<u32>,
    pub customer_id: Option<String>,
    pub website: Option<String>,
    pub test: Option<bool>,
    pub comment: Option<String>,
    pub admin_user: String,
    pub reference: Option<String>,
}

impl CreateCard {
    /// A plain card of `amount` created by `admin_user`, every option left
    /// out; set the rest with struct-update syntax.
    pub fn new(amount: Money, admin_user: impl Into<String>) -> CreateCard {
        CreateCard {
            amount,
            amount_max: None,
            max_uses: None,
            recipient_name: None,
            recipient_email: None,
            code: None,
            expires_at: None,
            validity_days: None,
            customer_id: None,
            website: None,
            test: None,
            comment: None,
            admin_user: admin_user.into(),
            reference: None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListCards {
    pub status: Option<CardStatus>,
    pub code: Option<String>,
    pub customer_id: Option<String>,
    pub id: Option<CardId>,
    pub amount: Option<String>,
    pub amount_type: Option<AmountKind>,
    pub product_id: Option<u64>,
    pub definition_id: Option<u64>,
    pub origin: Option<CardOrigin>,
    pub email: Option<String>,
    pub sort: Option<CardSort>,
    pub page: PageRequest,
}

/// Fixed or random, for filtering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AmountKind {
    Fixed,
    Random,
}

/// How to order a card list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CardSort {
    pub field: CardSortField,
    pub descending: bool,
}

/// The columns a card list can be ordered by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardSortField {
    Id,
    CreatedAt,
    Balance,
    InitialValue,
    ExpiresAt,
    Status,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardPage {
    pub cards: Vec<CardSummary>,
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdjustBalance {
    pub card: CardRef,
    pub amount: Money,
    pub comment: String,
    pub admin_user: String,
    pub reference: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetStatus {
    pub card: CardRef,
    pub comment: Option<String>,
    pub admin_user: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    pub total: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalanceRequest {
    pub code: String,
    pub client_key: String,
    /// The signed-in customer asking, whose failed lookups are also limited
    /// per hour.
    pub customer_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalanceInfo {
    pub masked_code: String,
    pub balance: Money,
    pub expires_at: Option<String>,
}

/// A balance enquiry's answer; refusals are values so the attempt is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BalanceAnswer {
    Found(BalanceInfo),
    NotAvailable,
    RateLimited { retry_after_seconds: u32 },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginMetadata {
    pub name: String,
    pub version: String,
    pub contract_version: String,
    pub schema_version: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationReport {
    pub from_version: u32,
    pub to_version: u32,
    pub applied: Vec<String>,
}

/// Why a code does not apply; told only to staff.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefusalReason {
    MalformedCode,
    UnknownCode,
    Disabled,
    Expired,
    UsedUp,
    WrongWebsite,
    WrongCustomer,
    TestCardOnRealOrder,
    RealCardOnTestOrder,
    UsesExhausted,
    Cancelled,
    DefinitionDisabled,
    NotYetValid,
    NoLongerValid,
    BelowMinimumOrder,
    CustomerNotTargeted,
    CurrencyNotAllowed,
    RequiredProductMissing,
    CountryNotAllowed,
    NoExchangeRate,
}

impl RefusalReason {
    pub const ALL: [RefusalReason; 20] = [
        RefusalReason::MalformedCode,
        RefusalReason::UnknownCode,
        RefusalReason::Disabled,
        RefusalReason::Expired,
        RefusalReason::UsedUp,
        RefusalReason::WrongWebsite,
        RefusalReason::WrongCustomer,
        RefusalReason::TestCardOnRealOrder,
        RefusalReason::RealCardOnTestOrder,
        RefusalReason::UsesExhausted,
        RefusalReason::Cancelled,
        RefusalReason::DefinitionDisabled,
        RefusalReason::NotYetValid,
        RefusalReason::NoLongerValid,
        RefusalReason::BelowMinimumOrder,
        RefusalReason::CustomerNotTargeted,
        RefusalReason::CurrencyNotAllowed,
        RefusalReason::RequiredProductMissing,
        RefusalReason::CountryNotAllowed,
        RefusalReason::NoExchangeRate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RefusalReason::MalformedCode => "malformed-code",
            RefusalReason::UnknownCode => "unknown-code",
            RefusalReason::Disabled => "disabled",
            RefusalReason::Expired => "expired",
            RefusalReason::UsedUp => "used-up",
            RefusalReason::WrongWebsite => "wrong-website",
            RefusalReason::WrongCustomer => "wrong-customer",
            RefusalReason::TestCardOnRealOrder => "test-card-on-real-order",
            RefusalReason::RealCardOnTestOrder => "real-card-on-test-order",
            RefusalReason::UsesExhausted => "uses-exhausted",
            RefusalReason::Cancelled => "cancelled",
            RefusalReason::DefinitionDisabled => "definition-disabled",
            RefusalReason::NotYetValid => "not-yet-valid",
            RefusalReason::NoLongerValid => "no-longer-valid",
            RefusalReason::BelowMinimumOrder => "below-minimum-order",
            RefusalReason::CustomerNotTargeted => "customer-not-targeted",
            RefusalReason::CurrencyNotAllowed => "currency-not-allowed",
            RefusalReason::RequiredProductMissing => "required-product-missing",
            RefusalReason::CountryNotAllowed => "country-not-allowed",
            RefusalReason::NoExchangeRate => "no-exchange-rate",
        }
    }

    pub fn parse(s: &str) -> Option<RefusalReason> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The reason in words, for staff.
    pub fn describe(self) -> &'static str {
        match self {
            RefusalReason::MalformedCode => "the code is not well formed",
            RefusalReason::UnknownCode => "no card has this code",
            RefusalReason::Disabled => "the card is disabled",
            RefusalReason::Expired => "the card has expired",
            RefusalReason::UsedUp => "the card's balance is zero",
            RefusalReason::WrongWebsite => "the card belongs to another website",
            RefusalReason::WrongCustomer => "the card is restricted to another customer",
            RefusalReason::TestCardOnRealOrder => "a test card cannot pay a real order",
            RefusalReason::RealCardOnTestOrder => "a real card cannot pay a test order",
            RefusalReason::UsesExhausted => "the card was used as many times as it may be",
            RefusalReason::Cancelled => "the card was cancelled",
            RefusalReason::DefinitionDisabled => "the card's batch definition is disabled",
            RefusalReason::NotYetValid => "the batch's validity window has not started",
            RefusalReason::NoLongerValid => "the batch's validity window has ended",
            RefusalReason::BelowMinimumOrder => "the order total is below the minimum order amount",
            RefusalReason::CustomerNotTargeted => "the card is not offered to this customer",
            RefusalReason::CurrencyNotAllowed => {
                "the order's currency is not allowed for this card"
            }
            RefusalReason::RequiredProductMissing => "the cart holds none of the required products",
            RefusalReason::CountryNotAllowed => {
                "the shipping or billing country is not allowed for this card"
            }
            RefusalReason::NoExchangeRate => {
                "the shop has no exchange rate between the card's currency and the order's"
            }
        }
    }
}

/// A refused code, worded for its channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub message: String,
    pub reason: Option<RefusalReason>,
    pub masked_code: Option<String>,
}

// ---------------------------------------------------------------------------
// The order pipeline's records (WIT `commerce`, `totals`, `orders`,
// `invoices`, `credit-memos`). Amounts are decimal strings in the record's
// currency, parsed exactly by `money::Currency`.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProductKind {
    Simple,
    Digital,
    GiftCard,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub id: String,
    pub sku: String,
    pub kind: ProductKind,
    pub quantity: i32,
    pub unit_price: String,
    pub row_total: String,
    pub discount: String,
    pub tax: String,
    pub gift_card: Option<GiftCardPurchase>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerInfo {
    pub id: String,
    pub groups: Vec<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    Storefront,
    Admin,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Storefront => "storefront",
            Channel::Admin => "admin",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub id: String,
    pub website: String,
    pub store: String,
    pub currency: String,
    pub base_currency: String,
    pub customer: Option<CustomerInfo>,
    pub test: bool,
    pub lines: Vec<Line>,
    pub shipping: String,
    pub shipping_tax: String,
    pub applied_codes: Vec<String>,
    #[serde(default)]
    pub shipping_country: Option<String>,
    #[serde(default)]
    pub billing_country: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardApplication {
    pub card_id: CardId,
    pub code: String,
    pub masked_code: String,
    pub applied: String,
    pub debit: Money,
    pub balance: Money,
    pub available: String,
    pub rate: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedCode {
    pub code: String,
    pub refusal: Refusal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftCardTotals {
    pub total_before_cards: String,
    pub eligible: String,
    pub gift_card_amount: String,
    pub grand_total: String,
    pub covered: bool,
    pub cards: Vec<CardApplication>,
    pub dropped: Vec<DroppedCode>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardMovement {
    pub card_id: CardId,
    pub masked_code: String,
    pub amount: Money,
    pub order_amount: String,
    pub balance_after: Money,
    pub status: CardStatus,
    pub expiry_extended_to: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCardNote {
    pub card_id: CardId,
    pub masked_code: String,
    pub line_id: String,
    pub balance: Money,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplyRequest {
    pub quote: Quote,
    pub code: String,
    pub channel: Channel,
    pub client_key: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedCode {
    pub code: String,
    pub totals: GiftCardTotals,
}

/// Applying a code: refusals are values so the attempt is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplyAnswer {
    Applied(AppliedCode),
    Refused(Refusal),
    RateLimited(u32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoveRequest {
    pub quote: Quote,
    pub code: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddLineRequest {
    pub quote: Quote,
    pub line: Line,
    /// `None` counts as the storefront.
    pub channel: Option<Channel>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectRequest {
    pub quote: Quote,
    pub channel: Channel,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedCard {
    pub code: String,
    pub applied: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlaceRequest {
    pub order_id: String,
    pub quote: Quote,
    pub expected: Vec<ExpectedCard>,
    pub channel: Channel,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacedOrder {
    pub order_id: String,
    pub totals: GiftCardTotals,
    pub movements: Vec<CardMovement>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CancelRequest {
    pub order_id: String,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    pub order_id: String,
    pub restored: String,
    pub movements: Vec<CardMovement>,
    pub disabled_cards: Vec<IssuedCardNote>,
    pub used_cards: Vec<IssuedCardNote>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoice {
    pub invoice_id: String,
    pub order_id: String,
    pub lines: Vec<Line>,
    pub shipping: String,
    pub shipping_tax: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceGiftCards {
    pub invoice_id: String,
    pub total_before_cards: String,
    pub gift_card_amount: String,
    pub grand_total: String,
    pub order_remaining: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaidInvoice {
    pub invoice: InvoiceGiftCards,
    pub issued: Vec<Card>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundDestination {
    OriginalCards,
    AccountCredit,
    NewCard,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoLine {
    pub line_id: String,
    pub quantity: i32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditMemo {
    pub memo_id: String,
    pub order_id: String,
    pub total: String,
    pub lines: Vec<MemoLine>,
    pub refund_to_gift_card: Option<String>,
    pub destination: RefundDestination,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoSplit {
    pub memo_id: String,
    pub total: String,
    pub gift_card_amount: String,
    pub other_amount: String,
    pub last: bool,
    pub movements: Vec<CardMovement>,
    pub account_credit: String,
    pub new_card: Option<Card>,
    pub disabled_cards: Vec<IssuedCardNote>,
    pub used_cards: Vec<IssuedCardNote>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusalLogEntry {
    pub at: String,
    pub channel: Channel,
    pub client_key: Option<String>,
    pub quote_id: String,
    pub card_id: Option<CardId>,
    pub masked_code: Option<String>,
    pub reason: RefusalReason,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusalLogPage {
    pub entries: Vec<RefusalLogEntry>,
    pub total: u64,
}
