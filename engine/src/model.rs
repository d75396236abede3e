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
}

impl CardStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CardStatus::Active => "active",
            CardStatus::Used => "used",
            CardStatus::Expired => "expired",
            CardStatus::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<CardStatus> {
        [
            CardStatus::Active,
            CardStatus::Used,
            CardStatus::Expired,
            CardStatus::Disabled,
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
        }
    }

    pub fn parse(s: &str) -> Option<HistoryAction> {
        use HistoryAction::*;
        [
            Created, Adjusted, Redeemed, Refunded, Loaded, Disabled, Enabled, Expired, Cancelled,
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
    pub expires_at: Option<String>,
    pub customer_id: Option<String>,
    pub comment: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A card in a list, code masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardSummary {
    pub id: CardId,
    pub masked_code: String,
    pub status: CardStatus,
    pub balance: Money,
    pub initial_value: Money,
    pub expires_at: Option<String>,
    pub customer_id: Option<String>,
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
    pub code: Option<String>,
    pub expires_at: Option<String>,
    pub validity_days: Option<u32>,
    pub customer_id: Option<String>,
    pub comment: Option<String>,
    pub admin_user: String,
    pub reference: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListCards {
    pub status: Option<CardStatus>,
    pub code: Option<String>,
    pub customer_id: Option<String>,
    pub page: PageRequest,
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
