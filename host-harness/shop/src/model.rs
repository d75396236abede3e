//! The shop's records, stored as JSON documents in host-owned `shop_*` tables
//! (one row per record: id, parent, document). Money in them is kept as
//! canonical decimal strings of a stated currency (parsed to minor units for
//! every computation), so a stored record is also what `show` prints.

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
    pub tax_rate: String,
    /// Flat shipping for quotes with a physical line, in the base currency.
    pub shipping_rate: String,
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
    pub denominations: Vec<String>,
    /// A custom amount range (both ends included), when open.
    pub min: Option<String>,
    pub max: Option<String>,
    /// Card lifetime in days (0 = never expires); `None` = plugin default.
    pub validity_days: Option<u32>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Product {
    pub sku: String,
    pub name: String,
    pub kind: Kind,
    /// Unit price in the website's base currency (simple and digital).
    pub price: Option<String>,
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
    pub credit: String,
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
    pub base_price: String,
    pub taxable: bool,
    /// The WIT `gift-card-purchase` record, on gift-card lines.
    pub gift_card: Option<Purchase>,
}

/// The quote's discount rule.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiscountRule {
    /// Percent of the subtotal.
    Percent(String),
    /// A fixed amount in the quote's currency.
    Amount(String),
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
    pub shipping_override: Option<String>,
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
    pub unit_price: String,
    pub row_total: String,
    pub discount: String,
    pub tax: String,
    pub gift_card: Option<Purchase>,
    pub qty_invoiced: i64,
    pub qty_shipped: i64,
    pub qty_refunded: i64,
    pub qty_canceled: i64,
    pub discount_invoiced: String,
    pub tax_invoiced: String,
    pub discount_refunded: String,
    pub tax_refunded: String,
}

/// The order's totals as placed (quote currency).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct OrderTotals {
    pub subtotal: String,
    pub discount: String,
    pub shipping: String,
    pub shipping_tax: String,
    /// Lines' tax plus shipping's.
    pub tax: String,
    pub total_before_cards: String,
    pub gift_card_amount: String,
    pub grand_total: String,
}

/// Where the order's money (other than gift cards) stands.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Payment {
    /// `free`, `card` or `account-credit`.
    pub method: String,
    /// The grand total, taken at placement (the simulated card is captured at
    /// once; account credit is debited at once).
    pub amount: String,
    /// Given back through credit memos.
    pub refunded: String,
    /// Released by cancellation (never invoiced).
    pub voided: String,
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
    pub shipping_refunded: String,
    pub shipping_tax_refunded: String,
    pub invoiced_total: String,
    pub refunded_total: String,
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
    pub row_total: String,
    pub discount: String,
    pub tax: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Invoice {
    pub id: String,
    pub order: String,
    pub currency: String,
    pub lines: Vec<DocLine>,
    pub shipping: String,
    pub shipping_tax: String,
    pub total_before_cards: String,
    pub gift_card_amount: String,
    pub grand_total: String,
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
    pub shipping: String,
    pub shipping_tax: String,
    pub adjustment: String,
    pub fee: String,
    pub total: String,
    pub destination: String,
    pub refund_to_gift_card: Option<String>,
    pub gift_card_amount: String,
    pub other_amount: String,
    /// Where `other-amount` went: `card`, `account-credit` or `none`.
    pub other_refunded_to: String,
    /// Added to the customer's account credit (gift-card part with the
    /// `account-credit` destination, plus `other-amount` for account-credit
    /// orders), in the base currency.
    pub credited_to_account: String,
    /// The plugin's `memo-split`.
    pub split: Json,
    pub comment: Option<String>,
    pub created_at: String,
}
