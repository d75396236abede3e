//! Conversions of the `types` interface's shared records (money, cards,
//! the ledger, errors) between the WIT and the engine.

use crate::bindings::giftcard::plugin::types as wit;
use crate::convert::{convert_record, mirror_enum, mirror_record};
use giftcard_engine as e;

/// An inbound amount: the decimal read by the grammar here, checked
/// against its currency by the engine.
impl From<wit::Money> for e::GivenMoney {
    fn from(m: wit::Money) -> Self {
        e::GivenMoney::new(e::GivenAmount::read(&m.amount), m.currency)
    }
}

// An amount the engine echoes back as it was given (record fields that
// travel both ways).
convert_record!(e::GivenMoney => wit::Money { same: [currency], text: [amount] });

/// Minor units formatted with exactly the currency's digits: the one place
/// engine money becomes a decimal string.
impl From<e::Money> for wit::Money {
    fn from(m: e::Money) -> Self {
        wit::Money {
            amount: m.amount(),
            currency: m.currency_code().into(),
        }
    }
}

mirror_enum!(e::CardStatus <=> wit::CardStatus { Active, Used, Expired, Disabled, Cancelled });

mirror_enum!(e::Actor => wit::Actor { System, Admin(name), Customer(name) });

mirror_enum!(e::HistoryAction <=> wit::HistoryAction {
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
});

impl From<e::AmountType> for wit::AmountType {
    fn from(t: e::AmountType) -> Self {
        match t {
            e::AmountType::Fixed => wit::AmountType::Fixed,
            e::AmountType::Random(r) => wit::AmountType::Random(wit::AmountRange {
                min: r.min.into(),
                max: r.max.into(),
            }),
        }
    }
}

/// The summary's fields are converted once, by the summary's conversion.
impl From<e::Card> for wit::Card {
    fn from(c: e::Card) -> Self {
        let s = wit::CardSummary::from(c.summary);
        wit::Card {
            id: s.id,
            code: c.code,
            masked_code: s.masked_code,
            status: s.status,
            balance: s.balance,
            initial_value: s.initial_value,
            amount_type: s.amount_type,
            max_uses: s.max_uses,
            uses: s.uses,
            expires_at: s.expires_at,
            customer_id: s.customer_id,
            recipient_name: c.recipient_name,
            recipient_email: s.recipient_email,
            purchaser_customer_id: c.purchaser_customer_id,
            purchaser_email: s.purchaser_email,
            product_id: s.product_id,
            definition_id: s.definition_id,
            campaign_id: c.campaign_id,
            comment: c.comment,
            website: s.website,
            test: s.test,
            origin: s.origin,
            order_id: c.order_id,
            purchase: c.purchase.map(Into::into),
            created_at: s.created_at,
            updated_at: c.updated_at,
        }
    }
}

convert_record!(e::CardSummary => wit::CardSummary {
    same: [
        id,
        masked_code,
        max_uses,
        uses,
        expires_at,
        customer_id,
        recipient_email,
        purchaser_email,
        product_id,
        definition_id,
        website,
        test,
        created_at,
    ],
    into: [status, balance, initial_value, amount_type, origin],
});

convert_record!(e::HistoryEntry => wit::HistoryEntry {
    same: [id, card_id, reference, comment, created_at],
    into: [action, amount, balance_before, balance_after, actor],
});

mirror_enum!(wit::CardRef => e::CardRef { Id(id), Code(code) });

convert_record!(wit::PageRequest => e::PageRequest { same: [page, page_size] });

impl From<e::Error> for wit::Error {
    fn from(err: e::Error) -> Self {
        use e::Error as E;
        match err {
            E::CardNotFound => wit::Error::CardNotFound,
            E::InvalidCode(m) => wit::Error::InvalidCode(m),
            E::CodeTaken => wit::Error::CodeTaken,
            E::InvalidAmount(m) => wit::Error::InvalidAmount(m),
            E::UnknownCurrency(m) => wit::Error::UnknownCurrency(m),
            E::CurrencyMismatch { expected, given } => {
                wit::Error::CurrencyMismatch(wit::CurrencyMismatch { expected, given })
            }
            E::InvalidExpiry(m) => wit::Error::InvalidExpiry(m),
            E::InsufficientBalance { available } => {
                wit::Error::InsufficientBalance(available.into())
            }
            E::InvalidStatus { status, operation } => {
                wit::Error::InvalidStatus(wit::StatusConflict {
                    status: status.into(),
                    operation,
                })
            }
            E::InvalidSettings(m) => wit::Error::InvalidSettings(m),
            E::InvalidArgument(m) => wit::Error::InvalidArgument(m),
            E::NoExchangeRate { from, to } => {
                wit::Error::NoExchangeRate(wit::CurrencyPair { from, to })
            }
            E::InvalidExchangeRate(m) => wit::Error::InvalidExchangeRate(m),
            E::CodeAlreadyApplied => wit::Error::CodeAlreadyApplied,
            E::CodeNotApplied => wit::Error::CodeNotApplied,
            E::GiftCardProductConflict => wit::Error::GiftCardProductConflict,
            E::CardNotApplicable(r) => wit::Error::CardNotApplicable(r.into()),
            E::BalanceChanged {
                masked_code,
                expected,
                now,
            } => wit::Error::BalanceChanged(wit::BalanceChanged {
                masked_code,
                expected: expected.into(),
                now: now.into(),
            }),
            E::OrderNotFound => wit::Error::OrderNotFound,
            E::OrderState(m) => wit::Error::OrderState(m),
            E::RefundExceedsPaid(m) => wit::Error::RefundExceedsPaid(m.into()),
            E::LineNotOnOrder { line_id, detail } => {
                wit::Error::LineNotOnOrder(wit::LineMismatch { line_id, detail })
            }
            E::QuantityExceedsOrder {
                line_id,
                requested,
                available,
            } => wit::Error::QuantityExceedsOrder(wit::QuantityExcess {
                line_id,
                requested,
                available,
            }),
            E::ProductNotFound => wit::Error::ProductNotFound,
            E::ProductHasSales => wit::Error::ProductHasSales,
            E::InvalidPurchaseAmount(m) => wit::Error::InvalidPurchaseAmount(m),
            E::PurchaseDisabled => wit::Error::PurchaseDisabled,
            E::DefinitionNotFound => wit::Error::DefinitionNotFound,
            E::CampaignNotFound => wit::Error::CampaignNotFound,
            E::PermissionDenied => wit::Error::PermissionDenied,
            E::CardAlreadyUsed => wit::Error::CardAlreadyUsed,
            E::IssueLimitExceeded(l) => wit::Error::IssueLimitExceeded(l.into()),
            E::ConfirmationRequired(l) => wit::Error::ConfirmationRequired(l.into()),
            E::BulkItemFailed { card_id, reason } => {
                wit::Error::BulkItemFailed(wit::BulkFailure { card_id, reason })
            }
            E::InvalidRecipient(m) => wit::Error::InvalidRecipient(m),
            E::InvalidDeliveryDate(m) => wit::Error::InvalidDeliveryDate(m),
            E::NoRecipient => wit::Error::NoRecipient,
            E::DeliveryFailed(m) => wit::Error::DeliveryFailed(m),
            E::NotFound => wit::Error::NotFound,
            E::NotMigrated => wit::Error::NotMigrated,
            E::Database(m) => wit::Error::Database(m),
        }
    }
}

convert_record!(e::error::IssueLimit => wit::IssueLimit { same: [], into: [limit, requested] });

mirror_enum!(e::CardOrigin <=> wit::CardOrigin { Admin, Purchase, Refund, Batch, Campaign, OrderIssued });

mirror_record!(e::GiftCardPurchase <=> wit::GiftCardPurchase {
    same: [
        recipient_name,
        recipient_email,
        sender_name,
        sender_email,
        message,
        deliver_at,
        validity_days,
        recipient_phone,
    ],
});

mirror_enum!(e::RefusalReason <=> wit::RefusalReason {
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
});

mirror_record!(e::Refusal <=> wit::Refusal {
    same: [message, masked_code],
    opt: [reason],
});
