//! The shop's records, stored as JSON documents in host-owned `shop_*` tables
//! (one row per record: id, parent, document). Money in them is [`Money`]:
//! integer minor units with their currency, computed with as they are and
//! formatted only when an answer shows the record ([`super::amount::shown`]).
//! Rates, percentages and catalog prices (which have no currency until a
//! website's is used) are `rust_decimal` values.

use super::amount::{Money, decimal};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// A website: the scope of a base currency, a tax rate and a shipping rate.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Website {
    pub code: String,
    pub name: Option<String>,
    /// Catalog prices, customers' account credit and bought cards are in it.
    pub base_currency: String,
    /// Tax rate percent, e.g. `20` or `7.25`.
    #[serde(with = "decimal")]
    pub tax_rate: Decimal,
    /// Flat shipping for quotes with a physical line, in the base currency.
    pub shipping_rate: Money,
}

/// A store view: where quotes are made, in its display currency.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Store {
    pub code: String,
    pub website: String,
    pub name: Option<String>,
    /// What customers are charged in; prices are converted from the base
    /// currency at the host's rate, half up, when it differs.
    pub currency: String,
}

/// What a product sells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Simple,
    Digital,
    GiftCard,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Simple => "simple",
            Kind::Digital => "digital",
            Kind::GiftCard => "gift-card",
        }
    }
}

/// The amounts a gift-card product may be bought for (base currency).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct GiftCardOptions {
    /// Fixed amounts to choose from.
    #[serde(with = "decimal::list")]
    pub denominations: Vec<Decimal>,
    /// A custom amount range (both ends included), when open.
    #[serde(with = "decimal::opt")]
    pub min: Option<Decimal>,
    #[serde(with = "decimal::opt")]
    pub max: Option<Decimal>,
    /// Card lifetime in days (0 = never expires); `None` = plugin default.
    pub validity_days: Option<u32>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Product {
    pub sku: String,
    pub name: String,
    pub kind: Kind,
    /// Unit price in the website's base currency (simple and digital), at
    /// most 4 fraction digits: a base currency with fewer refuses it when
    /// the product joins a quote.
    #[serde(with = "decimal::opt")]
    pub price: Option<Decimal>,
    pub active: bool,
    pub taxable: bool,
    pub gift_card: Option<GiftCardOptions>,
    /// The plugin's product id (gift-card products are registered with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin_product: Option<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub website: String,
    pub groups: Vec<String>,
    /// Account credit, in the website's base currency.
    pub credit: Money,
    pub currency: String,
}

/// A line of a quote: what was chosen, priced when the quote is collected.
/// What a customer buying a gift card said about it (the WIT
/// `gift-card-purchase`, kept with the line).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Purchase {
    pub recipient_name: Option<String>,
    pub recipient_email: Option<String>,
    pub sender_name: Option<String>,
    pub sender_email: Option<String>,
    pub message: Option<String>,
    pub deliver_at: Option<String>,
    pub validity_days: Option<u32>,
    pub recipient_phone: Option<String>,
}

impl Purchase {
    pub fn to_plugin(&self) -> giftcard_host::types::GiftCardPurchase {
        giftcard_host::types::GiftCardPurchase {
            recipient_name: self.recipient_name.clone(),
            recipient_email: self.recipient_email.clone(),
            sender_name: self.sender_name.clone(),
            sender_email: self.sender_email.clone(),
            message: self.message.clone(),
            deliver_at: self.deliver_at.clone(),
            validity_days: self.validity_days,
            recipient_phone: self.recipient_phone.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct QuoteLine {
    pub id: String,
    pub sku: String,
    pub name: String,
    pub kind: Kind,
    pub quantity: i64,
    /// Unit price in the base currency (a gift card's chosen amount).
    pub base_price: Money,
    pub taxable: bool,
    /// The WIT `gift-card-purchase` record, on gift-card lines.
    pub gift_card: Option<Purchase>,
}

/// The quote's discount rule.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiscountRule {
    /// Percent of the subtotal.
    Percent(#[serde(with = "decimal")] Decimal),
    /// A fixed amount in the quote's currency.
    Amount(Money),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Quote {
    pub id: String,
    pub store: String,
    pub website: String,
    pub currency: String,
    pub base_currency: String,
    /// `None` for a guest.
    pub customer: Option<String>,
    pub test: bool,
    pub lines: Vec<QuoteLine>,
    pub discount: Option<DiscountRule>,
    /// Shipping in the quote currency instead of the website's flat rate.
    pub shipping_override: Option<Money>,
    /// Applied gift-card codes, in application order, as the plugin returned
    /// them.
    pub codes: Vec<String>,
    pub next_line: u32,
    /// Set once the quote became an order.
    pub order: Option<String>,
    pub created_at: String,
    /// ISO 3166-1 alpha-2 codes, passed to the plugin in the quote record.
    #[serde(default)]
    pub shipping_country: Option<String>,
    #[serde(default)]
    pub billing_country: Option<String>,
}

/// An order line: a snapshot of the quote line with its amounts, and what
/// has happened to its units since.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct OrderLine {
    pub id: String,
    pub sku: String,
    pub name: String,
    pub kind: Kind,
    pub quantity: i64,
    pub unit_price: Money,
    pub row_total: Money,
    pub discount: Money,
    pub tax: Money,
    pub gift_card: Option<Purchase>,
    pub qty_invoiced: i64,
    pub qty_shipped: i64,
    pub qty_refunded: i64,
    pub qty_canceled: i64,
    pub discount_invoiced: Money,
    pub tax_invoiced: Money,
    pub discount_refunded: Money,
    pub tax_refunded: Money,
}

/// The order's totals as placed (quote currency).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct OrderTotals {
    pub subtotal: Money,
    pub discount: Money,
    pub shipping: Money,
    pub shipping_tax: Money,
    /// Lines' tax plus shipping's.
    pub tax: Money,
    pub total_before_cards: Money,
    pub gift_card_amount: Money,
    pub grand_total: Money,
}

/// Where the order's money (other than gift cards) stands.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Payment {
    /// `free`, `card` or `account-credit`.
    pub method: String,
    /// The grand total, taken at placement (the simulated card is captured at
    /// once; account credit is debited at once).
    pub amount: Money,
    /// Given back through credit memos.
    pub refunded: Money,
    /// Released by cancellation (never invoiced).
    pub voided: Money,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Order {
    pub id: String,
    pub quote: String,
    pub store: String,
    pub website: String,
    pub currency: String,
    pub base_currency: String,
    pub customer: Option<String>,
    pub test: bool,
    /// pending, processing, complete, closed or canceled.
    pub status: String,
    pub lines: Vec<OrderLine>,
    pub totals: OrderTotals,
    pub payment: Payment,
    /// The plugin's `card-application`s at placement.
    pub gift_cards: Vec<Json>,
    /// Every card movement the plugin reported for this order, each with
    /// `event` (placed / canceled / memo id) added.
    pub card_movements: Vec<Json>,
    pub shipping_invoiced: bool,
    pub shipping_canceled: bool,
    pub shipping_refunded: Money,
    pub shipping_tax_refunded: Money,
    pub invoiced_total: Money,
    pub refunded_total: Money,
    pub invoices: Vec<String>,
    pub shipments: Vec<String>,
    pub memos: Vec<String>,
    /// The plugin's cancellation answer, once cancelled.
    pub cancellation: Option<Json>,
    pub placed_at: String,
    /// The order's history notes (goodwill and campaign cards issued from it).
    #[serde(default)]
    pub notes: Vec<String>,
    /// Goodwill cards issued from the order (`issuing.issue-from-order`).
    #[serde(default)]
    pub goodwill_cards: Vec<Json>,
    /// When the plugin was told the order completed (`orders.completed`).
    #[serde(default)]
    pub completed_at: Option<String>,
    /// The cards campaigns issued when the order completed.
    #[serde(default)]
    pub campaign_cards: Vec<Json>,
}

/// One line of an invoice, memo or shipment document.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct DocLine {
    pub line: String,
    pub sku: String,
    pub quantity: i64,
    pub row_total: Money,
    pub discount: Money,
    pub tax: Money,
}

impl DocLine {
    /// What the line adds to its document: row − discount + tax.
    pub fn total(&self) -> i64 {
        self.row_total.minor() - self.discount.minor() + self.tax.minor()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Invoice {
    pub id: String,
    pub order: String,
    pub currency: String,
    pub lines: Vec<DocLine>,
    pub shipping: Money,
    pub shipping_tax: Money,
    pub total_before_cards: Money,
    pub gift_card_amount: Money,
    pub grand_total: Money,
    /// `open` (created, not paid: no cards issued yet) or `paid`.
    pub state: String,
    /// Cards issued when it was paid (full codes).
    pub issued: Vec<Json>,
    /// The exact `invoice` record given to the plugin, re-sent on payment.
    pub created_at: String,
    pub paid_at: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Shipment {
    pub id: String,
    pub order: String,
    pub lines: Vec<ShipmentLine>,
    pub created_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ShipmentLine {
    pub line: String,
    pub sku: String,
    pub quantity: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Memo {
    pub id: String,
    pub order: String,
    pub currency: String,
    pub lines: Vec<DocLine>,
    pub shipping: Money,
    pub shipping_tax: Money,
    pub adjustment: Money,
    pub fee: Money,
    pub total: Money,
    pub destination: String,
    pub refund_to_gift_card: Option<Money>,
    pub gift_card_amount: Money,
    pub other_amount: Money,
    /// Where `other-amount` went: `card`, `account-credit` or `none`.
    pub other_refunded_to: String,
    /// Added to the customer's account credit (gift-card part with the
    /// `account-credit` destination, plus `other-amount` for account-credit
    /// orders), in the base currency.
    pub credited_to_account: Money,
    /// The plugin's `memo-split`.
    pub split: Json,
    pub comment: Option<String>,
    pub created_at: String,
}
