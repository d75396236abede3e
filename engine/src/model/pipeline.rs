//! The order pipeline's records: refusals, quotes and totals, orders, invoices, credit memos, the refusal log.

use super::*;
use strum::{IntoStaticStr, VariantArray};

/// Why a code does not apply; told only to staff.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
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

impl Named for RefusalReason {}

impl RefusalReason {
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
// `invoices`, `credit-memos`). Inbound amounts are read by the decimal
// grammar at the boundary (`GivenAmount`) and become minor units of the
// record's currency once the engine knows it.

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
    pub unit_price: GivenAmount,
    pub row_total: GivenAmount,
    pub discount: GivenAmount,
    pub tax: GivenAmount,
    pub gift_card: Option<GiftCardPurchase>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerInfo {
    pub id: String,
    pub groups: Vec<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Channel {
    Storefront,
    Admin,
}

impl Named for Channel {}

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
    pub shipping: GivenAmount,
    pub shipping_tax: GivenAmount,
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
    /// In the order's currency, like `available`.
    pub applied: Money,
    pub debit: Money,
    pub balance: Money,
    pub available: Money,
    /// The rate as the host gave it, or `1/<host's rate>` for its inverse.
    pub rate: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedCode {
    pub code: String,
    pub refusal: Refusal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftCardTotals {
    pub total_before_cards: Money,
    pub eligible: Money,
    pub gift_card_amount: Money,
    pub grand_total: Money,
    pub covered: bool,
    pub cards: Vec<CardApplication>,
    pub dropped: Vec<DroppedCode>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardMovement {
    pub card_id: CardId,
    pub masked_code: String,
    /// In the card's currency.
    pub amount: Money,
    /// In the order's currency (a card may be in another, at a rate).
    pub order_amount: Money,
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
    pub applied: GivenAmount,
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
    pub restored: Money,
    pub movements: Vec<CardMovement>,
    pub disabled_cards: Vec<IssuedCardNote>,
    pub used_cards: Vec<IssuedCardNote>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoice {
    pub invoice_id: String,
    pub order_id: String,
    pub lines: Vec<Line>,
    pub shipping: GivenAmount,
    pub shipping_tax: GivenAmount,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceGiftCards {
    pub invoice_id: String,
    pub total_before_cards: Money,
    pub gift_card_amount: Money,
    pub grand_total: Money,
    pub order_remaining: Money,
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
    pub total: GivenAmount,
    pub lines: Vec<MemoLine>,
    pub refund_to_gift_card: Option<GivenAmount>,
    pub destination: RefundDestination,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoSplit {
    pub memo_id: String,
    pub total: Money,
    pub gift_card_amount: Money,
    pub other_amount: Money,
    pub last: bool,
    pub movements: Vec<CardMovement>,
    pub account_credit: Money,
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
