//! Adapter for the customer-area functions of `customer` (redeem to account,
//! my cards, the public balance page).

use crate::bindings::exports::giftcard::plugin::customer;
use crate::bindings::giftcard::plugin::types;

fn pending(what: &str) -> types::Error {
    types::Error::Database(format!("{what} is not implemented in this build"))
}

pub fn redeem_to_account(
    _: customer::RedeemRequest,
) -> Result<customer::RedeemAnswer, types::Error> {
    Err(pending("redeem-to-account"))
}

pub fn my_bought_cards(
    _: customer::MyCardsRequest,
) -> Result<customer::BoughtCardsPage, types::Error> {
    Err(pending("my-bought-cards"))
}

pub fn my_used_cards(_: customer::MyCardsRequest) -> Result<customer::CardUsesPage, types::Error> {
    Err(pending("my-used-cards"))
}

pub fn public_balance(_: customer::BalanceRequest) -> Result<customer::PublicAnswer, types::Error> {
    Err(pending("public-balance"))
}
