//! Mechanical conversions between the WIT types wit-bindgen generates and the
//! engine's records. Field for field; no decisions.

use crate::bindings::exports::giftcard::plugin::{admin, customer, lifecycle};
use crate::bindings::giftcard::plugin::types as wit;
use giftcard_engine as e;

pub fn result<T, U: From<T>>(r: e::Result<T>) -> Result<U, wit::Error> {
    r.map(U::from).map_err(wit::Error::from)
}

impl From<wit::Money> for e::Money {
    fn from(m: wit::Money) -> Self {
        e::Money::new(m.amount, m.currency)
    }
}

impl From<e::Money> for wit::Money {
    fn from(m: e::Money) -> Self {
        wit::Money {
            amount: m.amount,
            currency: m.currency,
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
            expires_at: c.expires_at,
            customer_id: c.customer_id,
            comment: c.comment,
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
            expires_at: c.expires_at,
            customer_id: c.customer_id,
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
            E::InsufficientBalance {
                available,
                currency,
            } => wit::Error::InsufficientBalance(wit::Money {
                amount: available,
                currency,
            }),
            E::InvalidStatus { status, operation } => {
                wit::Error::InvalidStatus(wit::StatusConflict {
                    status: status.into(),
                    operation,
                })
            }
            E::InvalidSettings(m) => wit::Error::InvalidSettings(m),
            E::InvalidArgument(m) => wit::Error::InvalidArgument(m),
            E::NotMigrated => wit::Error::NotMigrated,
            E::Database(m) => wit::Error::Database(m),
        }
    }
}

impl From<e::PluginMetadata> for lifecycle::PluginMetadata {
    fn from(m: e::PluginMetadata) -> Self {
        lifecycle::PluginMetadata {
            name: m.name,
            version: m.version,
            contract_version: m.contract_version,
            schema_version: m.schema_version,
        }
    }
}

impl From<e::MigrationReport> for lifecycle::MigrationReport {
    fn from(r: e::MigrationReport) -> Self {
        lifecycle::MigrationReport {
            from_version: r.from_version,
            to_version: r.to_version,
            applied: r.applied,
        }
    }
}

impl From<e::Settings> for lifecycle::Settings {
    fn from(s: e::Settings) -> Self {
        lifecycle::Settings {
            code_prefix: s.code_prefix,
            code_length: s.code_length,
            code_group_size: s.code_group_size,
            default_validity_days: s.default_validity_days,
            default_currency: s.default_currency,
        }
    }
}

impl From<lifecycle::SettingsUpdate> for e::SettingsUpdate {
    fn from(u: lifecycle::SettingsUpdate) -> Self {
        e::SettingsUpdate {
            code_prefix: u.code_prefix,
            code_length: u.code_length,
            code_group_size: u.code_group_size,
            default_validity_days: u.default_validity_days,
            default_currency: u.default_currency,
        }
    }
}

impl From<admin::CreateCardRequest> for e::CreateCard {
    fn from(r: admin::CreateCardRequest) -> Self {
        e::CreateCard {
            amount: r.amount.into(),
            code: r.code,
            expires_at: r.expires_at,
            validity_days: r.validity_days,
            customer_id: r.customer_id,
            comment: r.comment,
            admin_user: r.admin_user,
            reference: r.reference,
        }
    }
}

impl From<admin::ListCardsRequest> for e::ListCards {
    fn from(r: admin::ListCardsRequest) -> Self {
        e::ListCards {
            status: r.status.map(Into::into),
            code: r.code,
            customer_id: r.customer_id,
            page: r.page.into(),
        }
    }
}

impl From<e::CardPage> for admin::CardPage {
    fn from(p: e::CardPage) -> Self {
        admin::CardPage {
            cards: p.cards.into_iter().map(Into::into).collect(),
            total: p.total,
            page: p.page,
            page_size: p.page_size,
        }
    }
}

impl From<admin::AdjustBalanceRequest> for e::AdjustBalance {
    fn from(r: admin::AdjustBalanceRequest) -> Self {
        e::AdjustBalance {
            card: r.card.into(),
            amount: r.amount.into(),
            comment: r.comment,
            admin_user: r.admin_user,
            reference: r.reference,
        }
    }
}

impl From<admin::SetStatusRequest> for e::SetStatus {
    fn from(r: admin::SetStatusRequest) -> Self {
        e::SetStatus {
            card: r.card.into(),
            comment: r.comment,
            admin_user: r.admin_user,
        }
    }
}

impl From<e::HistoryPage> for admin::HistoryPage {
    fn from(p: e::HistoryPage) -> Self {
        admin::HistoryPage {
            entries: p.entries.into_iter().map(Into::into).collect(),
            total: p.total,
        }
    }
}

impl From<customer::BalanceRequest> for e::BalanceRequest {
    fn from(r: customer::BalanceRequest) -> Self {
        e::BalanceRequest {
            code: r.code,
            client_key: r.client_key,
        }
    }
}

impl From<e::BalanceAnswer> for customer::BalanceAnswer {
    fn from(a: e::BalanceAnswer) -> Self {
        match a {
            e::BalanceAnswer::Found(info) => {
                customer::BalanceAnswer::Found(customer::BalanceInfo {
                    masked_code: info.masked_code,
                    balance: info.balance.into(),
                    expires_at: info.expires_at,
                })
            }
            e::BalanceAnswer::NotAvailable => customer::BalanceAnswer::NotAvailable,
            e::BalanceAnswer::RateLimited {
                retry_after_seconds,
            } => customer::BalanceAnswer::RateLimited(retry_after_seconds),
        }
    }
}
