//! The engine's typed errors: one enum, mirrored case for case by the WIT
//! `types.error` variant, so nothing is flattened into strings on the way out.

use crate::model::{CardStatus, Money, Refusal};
use crate::storage::db::DbError;
use serde::{Deserialize, Serialize};

/// A goodwill card over an order's limit: what may still be issued, and what
/// was asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueLimit {
    pub limit: Money,
    pub requested: Money,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("no card matches")]
    CardNotFound,
    #[error("invalid code: {0}")]
    InvalidCode(String),
    #[error("another card already has this code")]
    CodeTaken,
    #[error("invalid amount: {0}")]
    InvalidAmount(String),
    #[error("unknown currency: {0}")]
    UnknownCurrency(String),
    #[error("currency mismatch: the card is in {expected}, the amount in {given}")]
    CurrencyMismatch { expected: String, given: String },
    #[error("invalid expiry: {0}")]
    InvalidExpiry(String),
    #[error("insufficient balance: {} {} available", available.amount(), available.currency_code())]
    InsufficientBalance { available: Money },
    #[error("a {status} card does not allow `{operation}`")]
    InvalidStatus {
        status: CardStatus,
        operation: String,
    },
    #[error("invalid settings: {0}")]
    InvalidSettings(String),
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    #[error("no exchange rate from {from} to {to}")]
    NoExchangeRate { from: String, to: String },
    #[error("invalid exchange rate: {0}")]
    InvalidExchangeRate(String),
    #[error("the code is already applied to this quote")]
    CodeAlreadyApplied,
    #[error("the code is not applied to this quote")]
    CodeNotApplied,
    #[error("gift cards cannot pay for gift-card products")]
    GiftCardProductConflict,
    #[error("a gift card does not apply: {}", .0.message)]
    CardNotApplicable(Refusal),
    #[error("the balance of {masked_code} changed: it would pay {} instead of {}", now.amount(), expected.amount())]
    BalanceChanged {
        masked_code: String,
        expected: Money,
        now: Money,
    },
    #[error("no such order")]
    OrderNotFound,
    #[error("{0}")]
    OrderState(String),
    #[error("the refund exceeds what was paid: at most {} {} may be refunded", .0.amount(), .0.currency_code())]
    RefundExceedsPaid(Money),
    #[error("line {line_id}: {detail}")]
    LineNotOnOrder { line_id: String, detail: String },
    #[error("line {line_id}: {requested} asked, {available} left")]
    QuantityExceedsOrder {
        line_id: String,
        requested: i32,
        available: u32,
    },
    #[error("no such gift-card product")]
    ProductNotFound,
    #[error("the product has sold cards; deactivate it instead of deleting it")]
    ProductHasSales,
    #[error("invalid purchase amount: {0}")]
    InvalidPurchaseAmount(String),
    #[error("customers may not buy gift cards")]
    PurchaseDisabled,
    #[error("no such batch definition")]
    DefinitionNotFound,
    #[error("no such campaign")]
    CampaignNotFound,
    #[error("customers may not use gift cards")]
    PermissionDenied,
    #[error("the card has been drawn on")]
    CardAlreadyUsed,
    #[error("{} {} exceeds the {} {} that may still be issued from this order; ask a supervisor", .0.requested.amount(), .0.requested.currency_code(), .0.limit.amount(), .0.limit.currency_code())]
    IssueLimitExceeded(IssueLimit),
    #[error("{} {} exceeds the order's remaining {} {}: confirm to proceed", .0.requested.amount(), .0.requested.currency_code(), .0.limit.amount(), .0.limit.currency_code())]
    ConfirmationRequired(IssueLimit),
    #[error("card {card_id}: {reason}")]
    BulkItemFailed { card_id: u64, reason: String },
    #[error("invalid recipient: {0}")]
    InvalidRecipient(String),
    #[error("invalid delivery date: {0}")]
    InvalidDeliveryDate(String),
    #[error("the card has no recipient or buyer address to send to")]
    NoRecipient,
    #[error("the host did not take the message: {0}")]
    DeliveryFailed(String),
    #[error("not found")]
    NotFound,
    #[error("the plugin's schema is not installed or is out of date; run migrate")]
    NotMigrated,
    #[error("database: {0}")]
    Database(String),
}

impl From<DbError> for Error {
    fn from(e: DbError) -> Self {
        Error::Database(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Names the field an amount error is about.
pub(crate) fn prefix(field: impl std::fmt::Display, e: Error) -> Error {
    match e {
        Error::InvalidAmount(m) => Error::InvalidAmount(format!("{field}: {m}")),
        other => other,
    }
}
