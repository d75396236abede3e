//! `giftcard-harness product …`: the plugin's gift-card products (the
//! `products` interface), and the flags of `settings set`.

use crate::call_and_print;
use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use giftcard_harness::render;
use giftcard_host::GiftCards;
use giftcard_shop::words::plain as text;
use serde_json::{Value as Json, json};

/// The fields of a product, for `create` and `update`.
#[derive(Args)]
pub struct ProductFields {
    /// The shop's SKU (1 to 64 characters, unique).
    #[arg(long)]
    sku: String,
    /// Shown to customers.
    #[arg(long)]
    name: String,
    /// ISO 4217 currency of its amounts (the website's base currency).
    #[arg(long, default_value = "USD")]
    currency: String,
    /// Fixed amounts, comma-separated: `25,50,100`.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    denominations: Vec<String>,
    /// Lowest custom amount (give --max too).
    #[arg(long, allow_hyphen_values = true)]
    min: Option<String>,
    /// Highest custom amount.
    #[arg(long, allow_hyphen_values = true)]
    max: Option<String>,
    /// Card lifetime from payment in days (0 = never; default the setting).
    #[arg(long)]
    validity_days: Option<u32>,
    /// The product's description (may span lines).
    #[arg(long)]
    description: Option<String>,
    /// An image URL or media key.
    #[arg(long)]
    image: Option<String>,
    /// Terms shown at purchase.
    #[arg(long)]
    terms: Option<String>,
    /// Display position (1 first; default last, or unchanged on update).
    #[arg(long)]
    position: Option<u32>,
    /// Create or keep it switched off.
    #[arg(long)]
    inactive: bool,
}

impl ProductFields {
    fn input(&self) -> Json {
        json!({
            "sku": self.sku, "name": self.name, "currency": self.currency,
            "denominations": self.denominations, "custom-min": self.min, "custom-max": self.max,
            "validity-days": self.validity_days, "description": self.description,
            "image": self.image, "terms": self.terms, "position": self.position,
            "active": !self.inactive,
        })
    }
}

#[derive(Subcommand)]
pub enum ProductCommand {
    /// Create a gift-card product (denominations, a --min/--max range, or both).
    Create(ProductFields),
    /// Replace every field of a product.
    Update {
        /// The product's id.
        id: u64,
        #[command(flatten)]
        fields: ProductFields,
    },
    /// Show one product.
    Show {
        /// The product's id.
        id: u64,
    },
    /// List products by position.
    List {
        /// Include deactivated products.
        #[arg(long)]
        all: bool,
    },
    /// Put these products first, in this order (the others follow).
    Reorder {
        /// Every product's id, in the new display order.
        #[arg(required = true)]
        ids: Vec<u64>,
    },
    /// Make a product sellable.
    Activate {
        /// The product's id.
        id: u64,
    },
    /// Stop selling a product (the only way out for one with sales).
    Deactivate {
        /// The product's id.
        id: u64,
    },
    /// Delete a product that never sold a card.
    Delete {
        /// The product's id.
        id: u64,
    },
    /// Check an amount a customer might choose.
    CheckAmount {
        /// The product's id.
        id: u64,
        /// The amount, in the product's currency.
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
    },
}

/// `25.00, 50.00` and/or `10.00–200.00`, with the currency.
fn amounts(p: &Json) -> String {
    let mut parts = Vec::new();
    let denoms: Vec<String> = p["denominations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| text(&m["amount"]))
        .collect();
    if !denoms.is_empty() {
        parts.push(denoms.join(", "));
    }
    if !p["custom-min"].is_null() {
        parts.push(format!(
            "{}–{}",
            text(&p["custom-min"]["amount"]),
            text(&p["custom-max"]["amount"])
        ));
    }
    format!("{} {}", parts.join(" | "), text(&p["currency"]))
}

fn validity(p: &Json) -> String {
    match p["validity-days"].as_u64() {
        None => "default".into(),
        Some(0) => "never expires".into(),
        Some(d) => format!("{d} days"),
    }
}

fn one(p: &Json) -> String {
    render::fields([
        ("id", text(&p["id"])),
        ("sku", text(&p["sku"])),
        ("name", text(&p["name"])),
        ("amounts", amounts(p)),
        ("validity", validity(p)),
        ("position", text(&p["position"])),
        ("active", text(&p["active"])),
        ("cards sold", text(&p["cards-sold"])),
        ("description", text(&p["description"])),
        ("image", text(&p["image"])),
        ("terms", text(&p["terms"])),
        ("created", text(&p["created-at"])),
    ])
}

fn many(list: &Json) -> String {
    render::counted(
        &[
            "pos", "id", "sku", "name", "amounts", "validity", "active", "sold",
        ],
        list,
        "product(s)",
        |p| {
            vec![
                text(&p["position"]),
                text(&p["id"]),
                text(&p["sku"]),
                text(&p["name"]),
                amounts(p),
                validity(p),
                text(&p["active"]),
                text(&p["cards-sold"]),
            ]
        },
    )
}

pub fn run(harness: &GiftCards, json_out: bool, cmd: &ProductCommand) -> Result<()> {
    let p = |name: &str, args: Json, human: fn(&Json) -> String| {
        call_and_print(harness, json_out, name, args, human)
    };
    let read = |name: &str, args: Json, human: fn(&Json) -> String| {
        crate::read_and_print(harness, json_out, name, args, human)
    };
    match cmd {
        ProductCommand::Create(fields) => p("products.create-product", fields.input(), one),
        ProductCommand::Update { id, fields } => p(
            "products.update-product",
            json!({ "id": id, "product": fields.input() }),
            one,
        ),
        ProductCommand::Show { id } => read("products.get-product", json!({ "id": id }), one),
        ProductCommand::List { all } => read(
            "products.list-products",
            json!({ "include-inactive": all }),
            many,
        ),
        ProductCommand::Reorder { ids } => {
            p("products.reorder-products", json!({ "ids": ids }), many)
        }
        ProductCommand::Activate { id } => p(
            "products.set-active",
            json!({ "id": id, "active": true }),
            one,
        ),
        ProductCommand::Deactivate { id } => p(
            "products.set-active",
            json!({ "id": id, "active": false }),
            one,
        ),
        ProductCommand::Delete { id } => p("products.delete-product", json!({ "id": id }), |_| {
            "deleted".into()
        }),
        ProductCommand::CheckAmount { id, amount } => p(
            "products.check-amount",
            json!({ "id": id, "amount": amount }),
            |m| format!("allowed: {} {}", text(&m["amount"]), text(&m["currency"])),
        ),
    }
}

/// `settings set`: every setting as a flag; those left out keep their value.
#[derive(Args)]
pub struct SettingsSet {
    /// Letters and digits in front of generated codes (0 to 8).
    #[arg(long)]
    code_prefix: Option<String>,
    /// Random characters in a generated code (13 to 32).
    #[arg(long)]
    code_length: Option<u8>,
    /// Characters per dash-separated group (0 or 2 to 8).
    #[arg(long)]
    code_group_size: Option<u8>,
    /// Days a new card stays valid (0 = never expires).
    #[arg(long)]
    default_validity_days: Option<u32>,
    /// The currency a card gets when its creator names none (ISO 4217).
    #[arg(long)]
    default_currency: Option<String>,
    /// Whether gift cards may pay shipping (true/false).
    #[arg(long)]
    cards_cover_shipping: Option<bool>,
    /// Expiry extension for refunded cards, in days (0 = none).
    #[arg(long)]
    refund_extension_days: Option<u32>,
    /// Amounts customers may choose for a gift card that is not a product,
    /// comma-separated (`10,25,50`); `none` clears the list (any amount).
    #[arg(long, allow_hyphen_values = true)]
    allowed_amounts: Option<String>,
    /// Whether customers may buy gift cards themselves (true/false).
    #[arg(long)]
    allow_customer_purchase: Option<bool>,
    /// Whether buyers' personal messages are kept on cards (true/false).
    #[arg(long)]
    gift_messages: Option<bool>,
    /// Whether rendered cards carry a QR code (true/false).
    #[arg(long)]
    qr_codes: Option<bool>,
    /// Whether rendered cards carry a barcode (true/false).
    #[arg(long)]
    barcodes: Option<bool>,
    /// The "use a gift card" customer permission (true/false).
    #[arg(long)]
    customers_may_use_cards: Option<bool>,
    /// The shop's name, as messages and printed cards show it.
    #[arg(long)]
    shop_name: Option<String>,
    /// The storefront's address; view links and "how to redeem" point there.
    #[arg(long)]
    storefront_url: Option<String>,
    /// Days before expiry the reminder goes out (0 = no reminders).
    #[arg(long)]
    reminder_days: Option<u32>,
}

impl SettingsSet {
    /// The `settings-update` record.
    pub fn update(&self) -> Result<Json> {
        let allowed: Option<Vec<String>> = match self.allowed_amounts.as_deref() {
            None => None,
            Some(t) if t.trim().eq_ignore_ascii_case("none") || t.trim().is_empty() => {
                Some(Vec::new())
            }
            Some(t) => Some(t.split(',').map(|a| a.trim().to_owned()).collect()),
        };
        if allowed
            .as_ref()
            .is_some_and(|a| a.iter().any(String::is_empty))
        {
            bail!("--allowed-amounts: an empty amount in the list");
        }
        Ok(json!({
            "code-prefix": self.code_prefix, "code-length": self.code_length,
            "code-group-size": self.code_group_size,
            "default-validity-days": self.default_validity_days,
            "default-currency": self.default_currency,
            "cards-cover-shipping": self.cards_cover_shipping,
            "refund-extension-days": self.refund_extension_days,
            "allowed-amounts": allowed,
            "allow-customer-purchase": self.allow_customer_purchase,
            "gift-messages": self.gift_messages,
            "qr-codes": self.qr_codes,
            "barcodes": self.barcodes,
            "customers-may-use-cards": self.customers_may_use_cards,
            "shop-name": self.shop_name,
            "storefront-url": self.storefront_url,
            "reminder-days": self.reminder_days,
        }))
    }
}
