//! The `customer` export: balance checks, redeeming to an account, the
//! customer's cards and the public balance page.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::customer;
use crate::bindings::giftcard::plugin::types;
use crate::convert;
use crate::convert::convert_record;
use crate::env::ComponentEnv;
use giftcard_engine::{self as e, api, customer as c};

impl customer::Guest for Plugin {
    fn check_balance(
        request: customer::BalanceRequest,
    ) -> Result<customer::BalanceAnswer, types::Error> {
        convert::result(api::check_balance(&mut ComponentEnv, request.into()))
    }

    fn redeem_to_account(
        request: customer::RedeemRequest,
    ) -> Result<customer::RedeemAnswer, types::Error> {
        convert::result(api::redeem_to_account(&mut ComponentEnv, request.into()))
    }

    fn my_bought_cards(
        request: customer::MyCardsRequest,
    ) -> Result<customer::BoughtCardsPage, types::Error> {
        convert::result(api::my_bought_cards(&mut ComponentEnv, request.into()))
    }

    fn my_used_cards(
        request: customer::MyCardsRequest,
    ) -> Result<customer::CardUsesPage, types::Error> {
        convert::result(api::my_used_cards(&mut ComponentEnv, request.into()))
    }

    fn public_balance(
        request: customer::BalanceRequest,
    ) -> Result<customer::PublicAnswer, types::Error> {
        let request: e::BalanceRequest = request.into();
        convert::result(api::public_balance(&mut ComponentEnv, request))
    }
}

convert_record!(customer::RedeemRequest => c::RedeemRequest {
    same: [code, customer_id, client_key],
});

impl From<c::RedeemAnswer> for customer::RedeemAnswer {
    fn from(a: c::RedeemAnswer) -> Self {
        match a {
            c::RedeemAnswer::Redeemed(r) => customer::RedeemAnswer::Redeemed(customer::Redeemed {
                masked_code: r.masked_code,
                amount: r.amount.into(),
                history_id: r.history_id,
            }),
            c::RedeemAnswer::NotAvailable => customer::RedeemAnswer::NotAvailable,
            c::RedeemAnswer::RateLimited {
                retry_after_seconds,
            } => customer::RedeemAnswer::RateLimited(retry_after_seconds),
        }
    }
}

convert_record!(customer::MyCardsRequest => c::MyCardsRequest {
    same: [customer_id],
    into: [page],
});

impl From<c::BoughtCardsPage> for customer::BoughtCardsPage {
    fn from(p: c::BoughtCardsPage) -> Self {
        customer::BoughtCardsPage {
            cards: p
                .cards
                .into_iter()
                .map(|b| customer::BoughtCard {
                    card_id: b.card_id,
                    masked_code: b.masked_code,
                    initial_value: b.initial_value.into(),
                    balance: b.balance.into(),
                    status: b.status.into(),
                    used: b.used,
                    recipient_email: b.recipient_email,
                    created_at: b.created_at,
                })
                .collect(),
            total: p.total,
        }
    }
}

impl From<c::CardUsesPage> for customer::CardUsesPage {
    fn from(p: c::CardUsesPage) -> Self {
        customer::CardUsesPage {
            uses: p
                .uses
                .into_iter()
                .map(|u| customer::CardUse {
                    masked_code: u.masked_code,
                    amount: u.amount.into(),
                    action: u.action.into(),
                    order_id: u.order_id,
                    at: u.at,
                })
                .collect(),
            total: p.total,
        }
    }
}

impl From<c::PublicAnswer> for customer::PublicAnswer {
    fn from(a: c::PublicAnswer) -> Self {
        match a {
            c::PublicAnswer::Found(card) => customer::PublicAnswer::Found(customer::PublicCard {
                masked_code: card.masked_code,
                balance: card.balance.into(),
                expires_at: card.expires_at,
                transactions: card
                    .transactions
                    .into_iter()
                    .map(|t| customer::PublicTransaction {
                        id: t.id,
                        order_reference: t.order_reference,
                        action: t.action.into(),
                        at: t.at,
                        amount: t.amount.into(),
                    })
                    .collect(),
            }),
            c::PublicAnswer::NotAvailable => customer::PublicAnswer::NotAvailable,
            c::PublicAnswer::RateLimited {
                retry_after_seconds,
            } => customer::PublicAnswer::RateLimited(retry_after_seconds),
        }
    }
}

convert_record!(customer::BalanceRequest => e::BalanceRequest {
    same: [code, client_key, customer_id],
});

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
