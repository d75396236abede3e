//! Mechanical conversions between the WIT types wit-bindgen generates and the
//! engine's records. Field for field; no decisions.

use crate::bindings::exports::giftcard::plugin::{
    admin, credit_memos, customer, invoices, lifecycle, orders, totals,
};
use crate::bindings::giftcard::plugin::commerce;
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
            cards_cover_shipping: s.cards_cover_shipping,
            refund_extension_days: s.refund_extension_days,
            allowed_amounts: s.allowed_amounts,
            allow_customer_purchase: s.allow_customer_purchase,
            gift_messages: s.gift_messages,
            qr_codes: s.qr_codes,
            barcodes: s.barcodes,
            customers_may_use_cards: s.customers_may_use_cards,
            shop_name: s.shop_name,
            storefront_url: s.storefront_url,
            reminder_days: s.reminder_days,
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
            cards_cover_shipping: u.cards_cover_shipping,
            refund_extension_days: u.refund_extension_days,
            allowed_amounts: u.allowed_amounts,
            allow_customer_purchase: u.allow_customer_purchase,
            gift_messages: u.gift_messages,
            qr_codes: u.qr_codes,
            barcodes: u.barcodes,
            customers_may_use_cards: u.customers_may_use_cards,
            shop_name: u.shop_name,
            storefront_url: u.storefront_url,
            reminder_days: u.reminder_days,
        }
    }
}

impl From<admin::CreateCardRequest> for e::CreateCard {
    fn from(r: admin::CreateCardRequest) -> Self {
        e::CreateCard {
            amount: r.amount.into(),
            amount_max: r.amount_max,
            max_uses: r.max_uses,
            recipient_name: r.recipient_name,
            recipient_email: r.recipient_email,
            code: r.code,
            expires_at: r.expires_at,
            validity_days: r.validity_days,
            customer_id: r.customer_id,
            website: r.website,
            test: r.test,
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
            id: r.id,
            amount: r.amount,
            amount_type: r.amount_type.map(|k| match k {
                admin::AmountKind::Fixed => e::AmountKind::Fixed,
                admin::AmountKind::Random => e::AmountKind::Random,
            }),
            product_id: r.product_id,
            definition_id: r.definition_id,
            origin: r.origin.map(Into::into),
            email: r.email,
            sort: r.sort.map(|s| e::CardSort {
                field: match s.field {
                    admin::CardSortField::Id => e::CardSortField::Id,
                    admin::CardSortField::CreatedAt => e::CardSortField::CreatedAt,
                    admin::CardSortField::Balance => e::CardSortField::Balance,
                    admin::CardSortField::InitialValue => e::CardSortField::InitialValue,
                    admin::CardSortField::ExpiresAt => e::CardSortField::ExpiresAt,
                    admin::CardSortField::Status => e::CardSortField::Status,
                },
                descending: s.descending,
            }),
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
            customer_id: r.customer_id,
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

fn list<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
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

impl From<e::ProductKind> for commerce::ProductKind {
    fn from(k: e::ProductKind) -> Self {
        match k {
            e::ProductKind::Simple => commerce::ProductKind::Simple,
            e::ProductKind::Digital => commerce::ProductKind::Digital,
            e::ProductKind::GiftCard => commerce::ProductKind::GiftCard,
        }
    }
}

impl From<commerce::ProductKind> for e::ProductKind {
    fn from(k: commerce::ProductKind) -> Self {
        match k {
            commerce::ProductKind::Simple => e::ProductKind::Simple,
            commerce::ProductKind::Digital => e::ProductKind::Digital,
            commerce::ProductKind::GiftCard => e::ProductKind::GiftCard,
        }
    }
}

impl From<e::Line> for commerce::Line {
    fn from(l: e::Line) -> Self {
        commerce::Line {
            id: l.id,
            sku: l.sku,
            kind: l.kind.into(),
            quantity: l.quantity,
            unit_price: l.unit_price,
            row_total: l.row_total,
            discount: l.discount,
            tax: l.tax,
            gift_card: l.gift_card.map(Into::into),
        }
    }
}

impl From<commerce::Line> for e::Line {
    fn from(l: commerce::Line) -> Self {
        e::Line {
            id: l.id,
            sku: l.sku,
            kind: l.kind.into(),
            quantity: l.quantity,
            unit_price: l.unit_price,
            row_total: l.row_total,
            discount: l.discount,
            tax: l.tax,
            gift_card: l.gift_card.map(Into::into),
        }
    }
}

impl From<e::CustomerInfo> for commerce::CustomerInfo {
    fn from(c: e::CustomerInfo) -> Self {
        commerce::CustomerInfo {
            id: c.id,
            groups: c.groups,
            email: c.email,
        }
    }
}

impl From<commerce::CustomerInfo> for e::CustomerInfo {
    fn from(c: commerce::CustomerInfo) -> Self {
        e::CustomerInfo {
            id: c.id,
            groups: c.groups,
            email: c.email,
        }
    }
}

impl From<e::Channel> for commerce::Channel {
    fn from(c: e::Channel) -> Self {
        match c {
            e::Channel::Storefront => commerce::Channel::Storefront,
            e::Channel::Admin => commerce::Channel::Admin,
        }
    }
}

impl From<commerce::Channel> for e::Channel {
    fn from(c: commerce::Channel) -> Self {
        match c {
            commerce::Channel::Storefront => e::Channel::Storefront,
            commerce::Channel::Admin => e::Channel::Admin,
        }
    }
}

impl From<e::Quote> for commerce::Quote {
    fn from(q: e::Quote) -> Self {
        commerce::Quote {
            id: q.id,
            website: q.website,
            store: q.store,
            currency: q.currency,
            base_currency: q.base_currency,
            customer: q.customer.map(Into::into),
            test: q.test,
            lines: list(q.lines),
            shipping: q.shipping,
            shipping_tax: q.shipping_tax,
            applied_codes: q.applied_codes,
            shipping_country: q.shipping_country,
            billing_country: q.billing_country,
        }
    }
}

impl From<commerce::Quote> for e::Quote {
    fn from(q: commerce::Quote) -> Self {
        e::Quote {
            id: q.id,
            website: q.website,
            store: q.store,
            currency: q.currency,
            base_currency: q.base_currency,
            customer: q.customer.map(Into::into),
            test: q.test,
            lines: list(q.lines),
            shipping: q.shipping,
            shipping_tax: q.shipping_tax,
            applied_codes: q.applied_codes,
            shipping_country: q.shipping_country,
            billing_country: q.billing_country,
        }
    }
}

impl From<e::CardApplication> for commerce::CardApplication {
    fn from(a: e::CardApplication) -> Self {
        commerce::CardApplication {
            card_id: a.card_id,
            code: a.code,
            masked_code: a.masked_code,
            applied: a.applied,
            debit: a.debit.into(),
            balance: a.balance.into(),
            available: a.available,
            rate: a.rate,
        }
    }
}

impl From<e::DroppedCode> for commerce::DroppedCode {
    fn from(d: e::DroppedCode) -> Self {
        commerce::DroppedCode {
            code: d.code,
            refusal: d.refusal.into(),
        }
    }
}

impl From<e::GiftCardTotals> for commerce::GiftCardTotals {
    fn from(t: e::GiftCardTotals) -> Self {
        commerce::GiftCardTotals {
            total_before_cards: t.total_before_cards,
            eligible: t.eligible,
            gift_card_amount: t.gift_card_amount,
            grand_total: t.grand_total,
            covered: t.covered,
            cards: list(t.cards),
            dropped: list(t.dropped),
        }
    }
}

impl From<e::CardMovement> for commerce::CardMovement {
    fn from(m: e::CardMovement) -> Self {
        commerce::CardMovement {
            card_id: m.card_id,
            masked_code: m.masked_code,
            amount: m.amount.into(),
            order_amount: m.order_amount,
            balance_after: m.balance_after.into(),
            status: m.status.into(),
            expiry_extended_to: m.expiry_extended_to,
        }
    }
}

impl From<e::IssuedCardNote> for commerce::IssuedCardNote {
    fn from(n: e::IssuedCardNote) -> Self {
        commerce::IssuedCardNote {
            card_id: n.card_id,
            masked_code: n.masked_code,
            line_id: n.line_id,
            balance: n.balance.into(),
        }
    }
}

impl From<totals::ApplyRequest> for e::ApplyRequest {
    fn from(r: totals::ApplyRequest) -> Self {
        e::ApplyRequest {
            quote: r.quote.into(),
            code: r.code,
            channel: r.channel.into(),
            client_key: r.client_key,
        }
    }
}

impl From<e::ApplyAnswer> for totals::ApplyAnswer {
    fn from(a: e::ApplyAnswer) -> Self {
        match a {
            e::ApplyAnswer::Applied(applied) => totals::ApplyAnswer::Applied(totals::AppliedCode {
                code: applied.code,
                totals: applied.totals.into(),
            }),
            e::ApplyAnswer::Refused(r) => totals::ApplyAnswer::Refused(r.into()),
            e::ApplyAnswer::RateLimited(s) => totals::ApplyAnswer::RateLimited(s),
        }
    }
}

impl From<totals::RemoveRequest> for e::RemoveRequest {
    fn from(r: totals::RemoveRequest) -> Self {
        e::RemoveRequest {
            quote: r.quote.into(),
            code: r.code,
        }
    }
}

impl From<totals::AddLineRequest> for e::AddLineRequest {
    fn from(r: totals::AddLineRequest) -> Self {
        e::AddLineRequest {
            quote: r.quote.into(),
            line: r.line.into(),
            channel: r.channel.map(Into::into),
        }
    }
}

impl From<totals::CollectRequest> for e::CollectRequest {
    fn from(r: totals::CollectRequest) -> Self {
        e::CollectRequest {
            quote: r.quote.into(),
            channel: r.channel.into(),
        }
    }
}

impl From<orders::ExpectedCard> for e::ExpectedCard {
    fn from(c: orders::ExpectedCard) -> Self {
        e::ExpectedCard {
            code: c.code,
            applied: c.applied,
        }
    }
}

impl From<orders::PlaceRequest> for e::PlaceRequest {
    fn from(r: orders::PlaceRequest) -> Self {
        e::PlaceRequest {
            order_id: r.order_id,
            quote: r.quote.into(),
            expected: list(r.expected),
            channel: r.channel.into(),
        }
    }
}

impl From<e::PlacedOrder> for orders::PlacedOrder {
    fn from(o: e::PlacedOrder) -> Self {
        orders::PlacedOrder {
            order_id: o.order_id,
            totals: o.totals.into(),
            movements: list(o.movements),
        }
    }
}

impl From<orders::CancelRequest> for e::CancelRequest {
    fn from(r: orders::CancelRequest) -> Self {
        e::CancelRequest {
            order_id: r.order_id,
            comment: r.comment,
        }
    }
}

impl From<e::Cancellation> for orders::Cancellation {
    fn from(c: e::Cancellation) -> Self {
        orders::Cancellation {
            order_id: c.order_id,
            restored: c.restored,
            movements: list(c.movements),
            disabled_cards: list(c.disabled_cards),
            used_cards: list(c.used_cards),
        }
    }
}

impl From<invoices::Invoice> for e::Invoice {
    fn from(i: invoices::Invoice) -> Self {
        e::Invoice {
            invoice_id: i.invoice_id,
            order_id: i.order_id,
            lines: list(i.lines),
            shipping: i.shipping,
            shipping_tax: i.shipping_tax,
        }
    }
}

impl From<e::InvoiceGiftCards> for invoices::InvoiceGiftCards {
    fn from(i: e::InvoiceGiftCards) -> Self {
        invoices::InvoiceGiftCards {
            invoice_id: i.invoice_id,
            total_before_cards: i.total_before_cards,
            gift_card_amount: i.gift_card_amount,
            grand_total: i.grand_total,
            order_remaining: i.order_remaining,
        }
    }
}

impl From<e::PaidInvoice> for invoices::PaidInvoice {
    fn from(p: e::PaidInvoice) -> Self {
        invoices::PaidInvoice {
            invoice: p.invoice.into(),
            issued: list(p.issued),
        }
    }
}

impl From<credit_memos::RefundDestination> for e::RefundDestination {
    fn from(d: credit_memos::RefundDestination) -> Self {
        use credit_memos::RefundDestination as D;
        match d {
            D::OriginalCards => e::RefundDestination::OriginalCards,
            D::AccountCredit => e::RefundDestination::AccountCredit,
            D::NewCard => e::RefundDestination::NewCard,
        }
    }
}

impl From<credit_memos::MemoLine> for e::MemoLine {
    fn from(l: credit_memos::MemoLine) -> Self {
        e::MemoLine {
            line_id: l.line_id,
            quantity: l.quantity,
        }
    }
}

impl From<credit_memos::CreditMemo> for e::CreditMemo {
    fn from(m: credit_memos::CreditMemo) -> Self {
        e::CreditMemo {
            memo_id: m.memo_id,
            order_id: m.order_id,
            total: m.total,
            lines: list(m.lines),
            refund_to_gift_card: m.refund_to_gift_card,
            destination: m.destination.into(),
            comment: m.comment,
        }
    }
}

impl From<e::MemoSplit> for credit_memos::MemoSplit {
    fn from(s: e::MemoSplit) -> Self {
        credit_memos::MemoSplit {
            memo_id: s.memo_id,
            total: s.total,
            gift_card_amount: s.gift_card_amount,
            other_amount: s.other_amount,
            last: s.last,
            movements: list(s.movements),
            account_credit: s.account_credit,
            new_card: s.new_card.map(Into::into),
            disabled_cards: list(s.disabled_cards),
            used_cards: list(s.used_cards),
        }
    }
}

impl From<e::RefusalLogEntry> for admin::RefusalLogEntry {
    fn from(r: e::RefusalLogEntry) -> Self {
        admin::RefusalLogEntry {
            at: r.at,
            channel: r.channel.into(),
            client_key: r.client_key,
            quote_id: r.quote_id,
            card_id: r.card_id,
            masked_code: r.masked_code,
            reason: r.reason.into(),
        }
    }
}

impl From<e::RefusalLogPage> for admin::RefusalLogPage {
    fn from(p: e::RefusalLogPage) -> Self {
        admin::RefusalLogPage {
            entries: list(p.entries),
            total: p.total,
        }
    }
}
