//! The `customer` export: balance checks, redeeming to an account, the
//! customer's cards and the public balance page.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::customer;
use crate::convert::{convert_record, exports};
use giftcard_engine::{self as e, api, customer as c};

impl customer::Guest for Plugin {
    exports! {
        check_balance(request: customer::BalanceRequest) -> customer::BalanceAnswer
            = api::check_balance;
        redeem_to_account(request: customer::RedeemRequest) -> customer::RedeemAnswer
            = api::redeem_to_account;
        my_bought_cards(request: customer::MyCardsRequest) -> customer::BoughtCardsPage
            = api::my_bought_cards;
        my_used_cards(request: customer::MyCardsRequest) -> customer::CardUsesPage
            = api::my_used_cards;
        public_balance(request: customer::BalanceRequest) -> customer::PublicAnswer
            = api::public_balance;
    }
}

/// The three answers of a code lookup share one shape: what was asked for,
/// `not-available` (the generic refusal) or `rate-limited` with the seconds to
/// wait, which the engine names and the WIT does not.
macro_rules! answer {
    ($($a:ident)::+ => $($b:ident)::+ { $found:ident }) => {
        impl From<$($a)::+> for $($b)::+ {
            fn from(a: $($a)::+) -> Self {
                use $($a)::+ as A;
                use $($b)::+ as B;
                match a {
                    A::$found(v) => B::$found(v.into()),
                    A::NotAvailable => B::NotAvailable,
                    A::RateLimited { retry_after_seconds } => B::RateLimited(retry_after_seconds),
                }
            }
        }
    };
}

convert_record!(customer::RedeemRequest => c::RedeemRequest {
    same: [code, customer_id, client_key],
});

answer!(c::RedeemAnswer => customer::RedeemAnswer { Redeemed });

convert_record!(c::Redeemed => customer::Redeemed {
    same: [masked_code, history_id],
    into: [amount],
});

convert_record!(customer::MyCardsRequest => c::MyCardsRequest {
    same: [customer_id],
    into: [page],
});

convert_record!(c::BoughtCardsPage => customer::BoughtCardsPage { same: [total], list: [cards] });

convert_record!(c::BoughtCard => customer::BoughtCard {
    same: [card_id, masked_code, used, recipient_email, created_at],
    into: [initial_value, balance, status],
});

convert_record!(c::CardUsesPage => customer::CardUsesPage { same: [total], list: [uses] });

convert_record!(c::CardUse => customer::CardUse {
    same: [masked_code, order_id, at],
    into: [amount, action],
});

answer!(c::PublicAnswer => customer::PublicAnswer { Found });

convert_record!(c::PublicCard => customer::PublicCard {
    same: [masked_code, expires_at],
    into: [balance],
    list: [transactions],
});

convert_record!(c::PublicTransaction => customer::PublicTransaction {
    same: [id, order_reference, at],
    into: [action, amount],
});

convert_record!(customer::BalanceRequest => e::BalanceRequest {
    same: [code, client_key, customer_id],
});

answer!(e::BalanceAnswer => customer::BalanceAnswer { Found });

convert_record!(e::BalanceInfo => customer::BalanceInfo {
    same: [masked_code, expires_at],
    into: [balance],
});
