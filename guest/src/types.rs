//! Conversions of the `types` interface's shared records (money, cards,
//! the ledger, errors) between the WIT and the engine.

use crate::bindings::giftcard::plugin::types as wit;
use giftcard_engine as e;

/// An inbound amount: the decimal read by the grammar here, checked
/// against its currency by the engine.
impl From<wit::Money> for e::GivenMoney {
    fn from(m: wit::Money) -> Self {
        e::GivenMoney::new(e::GivenAmount::read(&m.amount), m.currency)
    }
}

/// An amount the engine echoes back as it was given (record fields that
/// travel both ways).
impl From<e::GivenMoney> for wit::Money {
    fn from(m: e::GivenMoney) -> Self {
        wit::Money {
            amount: m.amount.to_string(),
            currency: m.currency,
        }
    }
}

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

impl From<e::CardStatus> for wit::CardStatus {
    fn from(s: e::CardStatus) -> Self {
        match s {
            e::CardStatus::Active => wit::CardStatus::Active,
            e::CardStatus::Used => wit::CardStatus::Used,
            e::CardStatus::Expired => wit::CardStatus::Expired,
            e::CardStatus::Disabled => wit::CardStatus::Disabled,
            e::CardStatus::Cancelled => wit::CardStatus::Cancelled,
        }
    }
}

impl From<wit::CardStatus> for e::CardStatus {
    fn from(s: wit::CardStatus) -> Self {
        match s {
            wit::CardStatus::Active => e::CardStatus::Active,
            wit::CardStatus::Used => e::CardStatus::Used,
            wit::CardStatus::Expired => e::CardStatus::Expired,
            wit::CardStatus::Disabled => e::CardStatus::Disabled,
            wit::CardStatus::Cancelled => e::CardStatus::Cancelled,
        }
    }
}

impl From<e::Actor> for wit::Actor {
    fn from(a: e::Actor) -> Self {
        match a {
            e::Actor::System => wit::Actor::System,
            e::Actor::Admin(n) => wit::Actor::Admin(n),
            e::Actor::Customer(n) => wit::Actor::Customer(n),
        }
    }
}

impl From<e::HistoryAction> for wit::HistoryAction {
    fn from(a: e::HistoryAction) -> Self {
        use e::HistoryAction as A;
        match a {
            A::Created => wit::HistoryAction::Created,
            A::Adjusted => wit::HistoryAction::Adjusted,
            A::Redeemed => wit::HistoryAction::Redeemed,
            A::Refunded => wit::HistoryAction::Refunded,
            A::Loaded => wit::HistoryAction::Loaded,
            A::Disabled => wit::HistoryAction::Disabled,
            A::Enabled => wit::HistoryAction::Enabled,
            A::Expired => wit::HistoryAction::Expired,
            A::Cancelled => wit::HistoryAction::Cancelled,
            A::MovedToAccount => wit::HistoryAction::MovedToAccount,
        }
    }
}

impl From<wit::HistoryAction> for e::HistoryAction {
    fn from(a: wit::HistoryAction) -> Self {
        use e::HistoryAction as A;
        match a {
            wit::HistoryAction::Created => A::Created,
            wit::HistoryAction::Adjusted => A::Adjusted,
            wit::HistoryAction::Redeemed => A::Redeemed,
            wit::HistoryAction::Refunded => A::Refunded,
            wit::HistoryAction::Loaded => A::Loaded,
            wit::HistoryAction::Disabled => A::Disabled,
            wit::HistoryAction::Enabled => A::Enabled,
            wit::HistoryAction::Expired => A::Expired,
            wit::HistoryAction::Cancelled => A::Cancelled,
            wit::HistoryAction::MovedToAccount => A::MovedToAccount,
        }
    }
}

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

impl From<e::Card> for wit::Card {
    fn from(c: e::Card) -> Self {
        wit::Card {
            id: c.id,
            code: c.code,
            masked_code: c.masked_code,
            status: c.status.into(),
            balance: c.balance.into(),
            initial_value: c.initial_value.into(),
            amount_type: c.amount_type.into(),
            max_uses: c.max_uses,
            uses: c.uses,
            expires_at: c.expires_at,
            customer_id: c.customer_id,
            recipient_name: c.recipient_name,
            recipient_email: c.recipient_email,
            purchaser_customer_id: c.purchaser_customer_id,
            purchaser_email: c.purchaser_email,
            product_id: c.product_id,
            definition_id: c.definition_id,
            campaign_id: c.campaign_id,
            comment: c.comment,
            website: c.website,
            test: c.test,
            origin: c.origin.into(),
            order_id: c.order_id,
            purchase: c.purchase.map(Into::into),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl From<e::CardSummary> for wit::CardSummary {
    fn from(c: e::CardSummary) -> Self {
        wit::CardSummary {
            id: c.id,
            masked_code: c.masked_code,
            status: c.status.into(),
            balance: c.balance.into(),
            initial_value: c.initial_value.into(),
            amount_type: c.amount_type.into(),
            max_uses: c.max_uses,
            uses: c.uses,
            expires_at: c.expires_at,
            customer_id: c.customer_id,
            recipient_email: c.recipient_email,
            purchaser_email: c.purchaser_email,
            product_id: c.product_id,
            definition_id: c.definition_id,
            website: c.website,
            test: c.test,
            origin: c.origin.into(),
            created_at: c.created_at,
        }
    }
}

impl From<e::HistoryEntry> for wit::HistoryEntry {
    fn from(h: e::HistoryEntry) -> Self {
        wit::HistoryEntry {
            id: h.id,
            card_id: h.card_id,
            action: h.action.into(),
            amount: h.amount.into(),
            balance_before: h.balance_before.into(),
            balance_after: h.balance_after.into(),
            actor: h.actor.into(),
            reference: h.reference,
            comment: h.comment,
            created_at: h.created_at,
        }
    }
}

impl From<wit::CardRef> for e::CardRef {
    fn from(r: wit::CardRef) -> Self {
        match r {
            wit::CardRef::Id(id) => e::CardRef::Id(id),
            wit::CardRef::Code(code) => e::CardRef::Code(code),
        }
    }
}

impl From<wit::PageRequest> for e::PageRequest {
    fn from(p: wit::PageRequest) -> Self {
        e::PageRequest {
            page: p.page,
            page_size: p.page_size,
        }
    }
}

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

impl From<e::error::IssueLimit> for wit::IssueLimit {
    fn from(l: e::error::IssueLimit) -> Self {
        wit::IssueLimit {
            limit: l.limit.into(),
            requested: l.requested.into(),
        }
    }
}

impl From<e::CardOrigin> for wit::CardOrigin {
    fn from(o: e::CardOrigin) -> Self {
        match o {
            e::CardOrigin::Admin => wit::CardOrigin::Admin,
            e::CardOrigin::Purchase => wit::CardOrigin::Purchase,
            e::CardOrigin::Refund => wit::CardOrigin::Refund,
            e::CardOrigin::Batch => wit::CardOrigin::Batch,
            e::CardOrigin::Campaign => wit::CardOrigin::Campaign,
            e::CardOrigin::OrderIssued => wit::CardOrigin::OrderIssued,
        }
    }
}

impl From<wit::CardOrigin> for e::CardOrigin {
    fn from(o: wit::CardOrigin) -> Self {
        match o {
            wit::CardOrigin::Admin => e::CardOrigin::Admin,
            wit::CardOrigin::Purchase => e::CardOrigin::Purchase,
            wit::CardOrigin::Refund => e::CardOrigin::Refund,
            wit::CardOrigin::Batch => e::CardOrigin::Batch,
            wit::CardOrigin::Campaign => e::CardOrigin::Campaign,
            wit::CardOrigin::OrderIssued => e::CardOrigin::OrderIssued,
        }
    }
}

impl From<e::GiftCardPurchase> for wit::GiftCardPurchase {
    fn from(p: e::GiftCardPurchase) -> Self {
        wit::GiftCardPurchase {
            recipient_name: p.recipient_name,
            recipient_email: p.recipient_email,
            sender_name: p.sender_name,
            sender_email: p.sender_email,
            message: p.message,
            deliver_at: p.deliver_at,
            validity_days: p.validity_days,
            recipient_phone: p.recipient_phone,
        }
    }
}

impl From<wit::GiftCardPurchase> for e::GiftCardPurchase {
    fn from(p: wit::GiftCardPurchase) -> Self {
        e::GiftCardPurchase {
            recipient_name: p.recipient_name,
            recipient_email: p.recipient_email,
            sender_name: p.sender_name,
            sender_email: p.sender_email,
            message: p.message,
            deliver_at: p.deliver_at,
            validity_days: p.validity_days,
            recipient_phone: p.recipient_phone,
        }
    }
}

impl From<e::RefusalReason> for wit::RefusalReason {
    fn from(r: e::RefusalReason) -> Self {
        use e::RefusalReason as R;
        match r {
            R::MalformedCode => wit::RefusalReason::MalformedCode,
            R::UnknownCode => wit::RefusalReason::UnknownCode,
            R::Disabled => wit::RefusalReason::Disabled,
            R::Expired => wit::RefusalReason::Expired,
            R::UsedUp => wit::RefusalReason::UsedUp,
            R::WrongWebsite => wit::RefusalReason::WrongWebsite,
            R::WrongCustomer => wit::RefusalReason::WrongCustomer,
            R::TestCardOnRealOrder => wit::RefusalReason::TestCardOnRealOrder,
            R::RealCardOnTestOrder => wit::RefusalReason::RealCardOnTestOrder,
            R::UsesExhausted => wit::RefusalReason::UsesExhausted,
            R::Cancelled => wit::RefusalReason::Cancelled,
            R::DefinitionDisabled => wit::RefusalReason::DefinitionDisabled,
            R::NotYetValid => wit::RefusalReason::NotYetValid,
            R::NoLongerValid => wit::RefusalReason::NoLongerValid,
            R::BelowMinimumOrder => wit::RefusalReason::BelowMinimumOrder,
            R::CustomerNotTargeted => wit::RefusalReason::CustomerNotTargeted,
            R::CurrencyNotAllowed => wit::RefusalReason::CurrencyNotAllowed,
            R::RequiredProductMissing => wit::RefusalReason::RequiredProductMissing,
            R::CountryNotAllowed => wit::RefusalReason::CountryNotAllowed,
            R::NoExchangeRate => wit::RefusalReason::NoExchangeRate,
        }
    }
}

impl From<wit::RefusalReason> for e::RefusalReason {
    fn from(r: wit::RefusalReason) -> Self {
        use wit::RefusalReason as R;
        match r {
            R::MalformedCode => e::RefusalReason::MalformedCode,
            R::UnknownCode => e::RefusalReason::UnknownCode,
            R::Disabled => e::RefusalReason::Disabled,
            R::Expired => e::RefusalReason::Expired,
            R::UsedUp => e::RefusalReason::UsedUp,
            R::WrongWebsite => e::RefusalReason::WrongWebsite,
            R::WrongCustomer => e::RefusalReason::WrongCustomer,
            R::TestCardOnRealOrder => e::RefusalReason::TestCardOnRealOrder,
            R::RealCardOnTestOrder => e::RefusalReason::RealCardOnTestOrder,
            R::UsesExhausted => e::RefusalReason::UsesExhausted,
            R::Cancelled => e::RefusalReason::Cancelled,
            R::DefinitionDisabled => e::RefusalReason::DefinitionDisabled,
            R::NotYetValid => e::RefusalReason::NotYetValid,
            R::NoLongerValid => e::RefusalReason::NoLongerValid,
            R::BelowMinimumOrder => e::RefusalReason::BelowMinimumOrder,
            R::CustomerNotTargeted => e::RefusalReason::CustomerNotTargeted,
            R::CurrencyNotAllowed => e::RefusalReason::CurrencyNotAllowed,
            R::RequiredProductMissing => e::RefusalReason::RequiredProductMissing,
            R::CountryNotAllowed => e::RefusalReason::CountryNotAllowed,
            R::NoExchangeRate => e::RefusalReason::NoExchangeRate,
        }
    }
}

impl From<e::Refusal> for wit::Refusal {
    fn from(r: e::Refusal) -> Self {
        wit::Refusal {
            message: r.message,
            reason: r.reason.map(Into::into),
            masked_code: r.masked_code,
        }
    }
}

impl From<wit::Refusal> for e::Refusal {
    fn from(r: wit::Refusal) -> Self {
        e::Refusal {
            message: r.message,
            reason: r.reason.map(Into::into),
            masked_code: r.masked_code,
        }
    }
}
