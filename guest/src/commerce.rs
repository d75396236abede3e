//! Conversions of the `commerce` interface's shared records (quote lines,
//! customers, gift-card purchases) between the WIT and the engine.

use crate::bindings::giftcard::plugin::commerce;
use crate::convert::list;
use giftcard_engine as e;

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
            unit_price: l.unit_price.to_string(),
            row_total: l.row_total.to_string(),
            discount: l.discount.to_string(),
            tax: l.tax.to_string(),
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
            unit_price: l.unit_price.into(),
            row_total: l.row_total.into(),
            discount: l.discount.into(),
            tax: l.tax.into(),
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
            shipping: q.shipping.to_string(),
            shipping_tax: q.shipping_tax.to_string(),
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
            shipping: q.shipping.into(),
            shipping_tax: q.shipping_tax.into(),
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
            applied: a.applied.amount(),
            debit: a.debit.into(),
            balance: a.balance.into(),
            available: a.available.amount(),
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
            total_before_cards: t.total_before_cards.amount(),
            eligible: t.eligible.amount(),
            gift_card_amount: t.gift_card_amount.amount(),
            grand_total: t.grand_total.amount(),
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
            order_amount: m.order_amount.amount(),
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
