//! Cards and their ledger, lists and pages, balance enquiries, and the plugin's metadata.

use super::*;
use crate::money::Currency;
use strum::{IntoStaticStr, VariantArray};

/// An exact amount: integer minor units of a currency. It becomes a decimal
/// string only at the contract's edge ([`amount`](Money::amount)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn of(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    /// Reads a decimal and a currency code, as the contract writes them.
    pub fn parse(amount: &str, currency: &str) -> crate::Result<Money> {
        let currency = Currency::parse(currency)?;
        Ok(Money::of(currency.parse_amount(amount)?, currency))
    }

    /// The decimal string, with exactly the currency's digits.
    pub fn amount(&self) -> String {
        self.currency.format(self.minor)
    }

    pub fn currency_code(&self) -> &'static str {
        self.currency.code()
    }
}

/// Stored answers (replays) keep money as `{"amount": "12.50", "currency":
/// "USD"}`, the contract's form, so they read the same across versions.
#[derive(Serialize, Deserialize)]
struct MoneyText {
    amount: String,
    currency: String,
}

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        MoneyText {
            amount: self.amount(),
            currency: self.currency_code().into(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = MoneyText::deserialize(d)?;
        let read = || -> crate::Result<Money> {
            let currency = Currency::parse(&text.currency)?;
            let amount = text
                .amount
                .parse()
                .map_err(|e: crate::money::DecimalError| e.into_amount_error(&text.amount))?;
            Ok(Money::of(currency.exact_minor(&amount)?, currency))
        };
        read().map_err(serde::de::Error::custom)
    }
}

/// An amount as a request gives it: the decimal read by the grammar at the
/// boundary, the currency code as given. Both are checked where the
/// operation checks them (the currency first), so errors keep their order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GivenMoney {
    pub amount: GivenAmount,
    pub currency: String,
}

impl GivenMoney {
    pub fn new(amount: impl Into<GivenAmount>, currency: impl Into<String>) -> Self {
        GivenMoney {
            amount: amount.into(),
            currency: currency.into(),
        }
    }
}

pub type CardId = u64;

/// A card's status; see `status` for the transitions.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum CardStatus {
    Active,
    Used,
    Expired,
    Disabled,
    Cancelled,
}

impl Named for CardStatus {}

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
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
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

impl Named for HistoryAction {}

/// A card with its full code: what a list shows of it, and the rest.
/// Stored answers written before the summary was its own field kept these
/// keys side by side at the top level; `flatten` reads and writes them the
/// same way, by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    #[serde(flatten)]
    pub summary: CardSummary,
    pub code: String,
    pub recipient_name: Option<String>,
    pub purchaser_customer_id: Option<String>,
    pub campaign_id: Option<u64>,
    pub comment: Option<String>,
    pub order_id: Option<String>,
    pub purchase: Option<GiftCardPurchase>,
    pub updated_at: String,
}

/// How a card came to be.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
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

impl Named for CardOrigin {}

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
    pub amount: GivenMoney,
    pub amount_max: Option<GivenAmount>,
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
    pub fn new(amount: GivenMoney, admin_user: impl Into<String>) -> CreateCard {
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
    /// Matches cards whose initial value is this decimal in their currency.
    pub amount: Option<GivenAmount>,
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
    pub amount: GivenMoney,
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
