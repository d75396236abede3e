//! The shop's own refusals, as typed values: a caller (CLI, scenario, test)
//! matches on the case, never on message text. They serialise like the
//! plugin's errors — `"case"` or `{"case": payload}` with kebab-case names —
//! so both read the same, but plugin errors are passed through untouched and
//! never wrapped in these.

use giftcard_engine::storage::db::DbError;
use giftcard_host::database::Transaction;
use giftcard_host::types::Error as PluginError;
use serde::Serialize;
use serde_json::Value as Json;

/// Why the shop refused an operation. Every refusal writes nothing.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShopError {
    /// No such action; the payload is the name given.
    UnknownAction(String),
    /// A malformed, missing or contradictory argument; the text says which.
    InvalidArgument(String),
    /// An amount that is not a plain decimal, has too many fraction digits
    /// for its currency, or is negative / zero where that makes no sense.
    InvalidAmount(String),
    /// Not an ISO 4217 currency with a minor unit.
    UnknownCurrency(String),
    /// The shop has no exchange rate for this pair (no inverse or chaining).
    NoExchangeRate {
        from: String,
        to: String,
    },
    UnknownWebsite(String),
    UnknownStore(String),
    UnknownProduct(String),
    UnknownCustomer(String),
    UnknownQuote(String),
    UnknownOrder(String),
    UnknownInvoice(String),
    UnknownMemo(String),
    /// No such line on the quote or order.
    UnknownLine(String),
    /// Something with this identifier exists already.
    AlreadyExists(String),
    /// The product is switched off.
    ProductInactive(String),
    /// A gift-card amount that is neither a denomination nor in the range.
    InvalidGiftCardAmount {
        amount: String,
        allowed: String,
    },
    /// A quantity below 1, or more than is left to invoice / ship / refund.
    InvalidQuantity(String),
    /// The customer belongs to another website than the store's.
    WrongWebsite(String),
    /// The quote was already turned into this order.
    QuoteClosed(String),
    /// The quote has no lines.
    EmptyQuote,
    /// The plugin refused the code; the payload is its refusal (message,
    /// reason for admin callers, masked code).
    CodeRefused(Json),
    /// Too many storefront attempts; retry after this many seconds.
    RateLimited(u32),
    /// The plugin's one generic answer for a code that cannot be added to an
    /// account (unknown, expired, used, disabled, restricted, out of uses…).
    CardNotAvailable,
    /// Applied codes no longer apply and were not placed; collect the quote
    /// again (`quote.totals` removes them) and check the new total.
    CodesDropped(Json),
    /// The payment method is not allowed for these totals.
    PaymentNotAllowed {
        method: String,
        allowed: Vec<String>,
    },
    /// The order's state does not allow it (cancelled, closed); text says why.
    OrderState(String),
    NothingToInvoice,
    NothingToShip,
    NothingToRefund,
    NothingToCancel,
    /// A memo larger than what was invoiced and not yet refunded; carries
    /// what may still be refunded.
    RefundExceedsInvoiced {
        amount: String,
        currency: String,
    },
    /// Account credit needs a customer; this is a guest's quote or order.
    GuestOrder,
    /// Not enough account credit (the customer's balance in the base currency).
    InsufficientCredit {
        amount: String,
        currency: String,
    },
}

impl ShopError {
    pub fn to_json(&self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }
}

impl std::fmt::Display for ShopError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::words::error(&self.to_json()))
    }
}

/// How one shop operation ended badly, which decides what happens to its
/// transaction.
#[derive(Debug)]
pub enum Fail {
    /// The shop refused: roll back, answer with the typed error.
    Shop(ShopError),
    /// A plugin call returned `err`: roll back, answer with its error as is.
    Plugin(PluginError),
    /// The plugin answered with a refusal value it wants recorded (a refused
    /// or rate-limited code: the attempt counts for the rate limit and the
    /// refusal log): commit what the plugin wrote, answer with the error.
    /// The shop itself writes nothing before it.
    Recorded(ShopError),
    /// The host failed (database, trap, bug): roll back, report an error.
    Host(anyhow::Error),
}

impl From<ShopError> for Fail {
    fn from(e: ShopError) -> Self {
        Fail::Shop(e)
    }
}

impl From<anyhow::Error> for Fail {
    fn from(e: anyhow::Error) -> Self {
        Fail::Host(e)
    }
}

impl From<DbError> for Fail {
    fn from(e: DbError) -> Self {
        Fail::Host(anyhow::anyhow!("shop database: {e}"))
    }
}

impl From<serde_json::Error> for Fail {
    fn from(e: serde_json::Error) -> Self {
        Fail::Host(anyhow::anyhow!("shop record: {e}"))
    }
}

/// Shorthand for an operation's result.
pub type Res<T> = Result<T, Fail>;

/// Used by the runner to finish a transaction by a [`Fail`].
pub(crate) fn finish(tx: Box<dyn Transaction>, commit: bool) -> anyhow::Result<()> {
    let r = if commit { tx.commit() } else { tx.rollback() };
    r.map_err(|e| anyhow::anyhow!("finishing the shop's transaction: {e}"))
}
