//! The plugin's settings, stored as name/value rows in its own table so new
//! settings never need a schema change. Unset names fall back to defaults.

use crate::cards::code::{CodeFormat, MAX_GENERATED_LEN, MIN_GENERATED_LEN};
use crate::error::{Error, Result};
use crate::money::Currency;
use crate::storage::db::{QueryResult, Value};
use crate::storage::env::Environment;
use serde::{Deserialize, Serialize};

/// Longest validity the plugin accepts: a hundred years.
pub const MAX_VALIDITY_DAYS: u32 = 36_500;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub code_prefix: String,
    pub code_length: u8,
    pub code_group_size: u8,
    pub default_validity_days: u32,
    pub default_currency: String,
    pub cards_cover_shipping: bool,
    pub refund_extension_days: u32,
    /// Amounts customers may choose for a gift card that is not a product,
    /// normalised to the default currency's digits; empty allows any.
    pub allowed_amounts: Vec<String>,
    pub allow_customer_purchase: bool,
    pub gift_messages: bool,
    pub qr_codes: bool,
    pub barcodes: bool,
    /// The "use a gift card" customer permission.
    pub customers_may_use_cards: bool,
    pub shop_name: String,
    pub storefront_url: String,
    pub reminder_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            code_prefix: "GC".into(),
            code_length: 16,
            code_group_size: 4,
            default_validity_days: 0,
            default_currency: "USD".into(),
            cards_cover_shipping: true,
            refund_extension_days: 30,
            allowed_amounts: Vec::new(),
            allow_customer_purchase: true,
            gift_messages: true,
            qr_codes: true,
            barcodes: true,
            customers_may_use_cards: true,
            shop_name: "Our shop".into(),
            storefront_url: "https://shop.example".into(),
            reminder_days: 7,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsUpdate {
    pub code_prefix: Option<String>,
    pub code_length: Option<u8>,
    pub code_group_size: Option<u8>,
    pub default_validity_days: Option<u32>,
    pub default_currency: Option<String>,
    pub cards_cover_shipping: Option<bool>,
    pub refund_extension_days: Option<u32>,
    pub allowed_amounts: Option<Vec<String>>,
    pub allow_customer_purchase: Option<bool>,
    pub gift_messages: Option<bool>,
    pub qr_codes: Option<bool>,
    pub barcodes: Option<bool>,
    pub customers_may_use_cards: Option<bool>,
    pub shop_name: Option<String>,
    pub storefront_url: Option<String>,
    pub reminder_days: Option<u32>,
}

impl Settings {
    pub fn code_format(&self) -> CodeFormat {
        CodeFormat {
            prefix: self.code_prefix.clone(),
            length: self.code_length,
            group_size: self.code_group_size,
        }
    }

    /// `days` for the day-count setting `field`, which may be 0 (what that
    /// means is `zero`) up to the longest validity a card may have.
    fn days_up_to_max(field: &str, zero: &str, days: u32) -> Result<u32> {
        if days > MAX_VALIDITY_DAYS {
            return Err(Error::InvalidSettings(format!(
                "{field}: 0 ({zero}) to {MAX_VALIDITY_DAYS}"
            )));
        }
        Ok(days)
    }

    /// Applies `update` and checks every field; the first bad one is named.
    fn apply(mut self, update: SettingsUpdate) -> Result<Settings> {
        let bad = |m: String| Err(Error::InvalidSettings(m));
        if let Some(prefix) = update.code_prefix {
            let prefix = prefix.trim().to_ascii_uppercase();
            if prefix.len() > 8 || !prefix.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return bad("code-prefix: 0 to 8 letters or digits".into());
            }
            self.code_prefix = prefix;
        }
        if let Some(length) = update.code_length {
            if !(MIN_GENERATED_LEN..=MAX_GENERATED_LEN).contains(&length) {
                return bad(format!(
                    "code-length: {MIN_GENERATED_LEN} to {MAX_GENERATED_LEN} (13 × 5 bits ≥ 64 bits of entropy)"
                ));
            }
            self.code_length = length;
        }
        if let Some(group) = update.code_group_size {
            if group == 1 || group > 8 {
                return bad("code-group-size: 0 (no grouping) or 2 to 8".into());
            }
            self.code_group_size = group;
        }
        if let Some(days) = update.default_validity_days {
            self.default_validity_days =
                Self::days_up_to_max("default-validity-days", "never expires", days)?;
        }
        if let Some(currency) = update.default_currency {
            let currency = Currency::parse(&currency).map_err(|_| {
                Error::InvalidSettings(format!(
                    "default-currency: `{currency}` is not a supported ISO 4217 code"
                ))
            })?;
            self.default_currency = currency.code().to_owned();
        }
        if let Some(cover) = update.cards_cover_shipping {
            self.cards_cover_shipping = cover;
        }
        if let Some(days) = update.refund_extension_days {
            self.refund_extension_days =
                Self::days_up_to_max("refund-extension-days", "no extension", days)?;
        }
        if let Some(amounts) = update.allowed_amounts {
            self.allowed_amounts = amounts;
        }
        // Checked after `default-currency` may have changed: the amounts are
        // in that currency, so a currency change revalidates them.
        let currency = Currency::parse(&self.default_currency)
            .map_err(|e| Error::InvalidSettings(format!("default-currency: {e}")))?;
        let mut normalised: Vec<(i64, String)> = Vec::new();
        for text in &self.allowed_amounts {
            let minor = currency.parse_positive(text).map_err(|_| {
                Error::InvalidSettings(format!(
                    "allowed-amounts: `{text}` is not a positive amount in {}",
                    currency.code()
                ))
            })?;
            if normalised.iter().any(|(m, _)| *m == minor) {
                return bad(format!("allowed-amounts: `{text}` is listed twice"));
            }
            normalised.push((minor, currency.format(minor)));
        }
        if normalised.len() > 100 {
            return bad("allowed-amounts: at most 100 amounts".into());
        }
        normalised.sort();
        self.allowed_amounts = normalised.into_iter().map(|(_, t)| t).collect();
        for (flag, value) in [
            (
                &mut self.allow_customer_purchase,
                update.allow_customer_purchase,
            ),
            (&mut self.gift_messages, update.gift_messages),
            (&mut self.qr_codes, update.qr_codes),
            (&mut self.barcodes, update.barcodes),
            (
                &mut self.customers_may_use_cards,
                update.customers_may_use_cards,
            ),
        ] {
            if let Some(v) = value {
                *flag = v;
            }
        }
        if let Some(name) = update.shop_name {
            let name = name.trim().to_owned();
            let n = name.chars().count();
            if n == 0 || n > 80 || name.chars().any(crate::cards::forbidden) {
                return bad("shop-name: 1 to 80 characters, no control characters".into());
            }
            self.shop_name = name;
        }
        if let Some(url) = update.storefront_url {
            let url = url.trim().trim_end_matches('/').to_owned();
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"));
            let ok = rest.is_some_and(|r| {
                !r.is_empty()
                    && r.len() <= 200
                    && r.bytes()
                        .all(|b| b.is_ascii_graphic() && !b"\"<>'`".contains(&b))
            });
            if !ok {
                return bad(format!(
                    "storefront-url: `{url}` is not an http(s) address (no spaces or quotes, at most 200 characters)"
                ));
            }
            self.storefront_url = url;
        }
        if let Some(days) = update.reminder_days {
            if days > 365 {
                return bad("reminder-days: 0 (no reminders) to 365".into());
            }
            self.reminder_days = days;
        }
        if usize::from(self.code_length) + self.code_prefix.len() > crate::cards::code::MAX_CODE_LEN
        {
            return bad("code-prefix and code-length together exceed 64 characters".into());
        }
        Ok(self)
    }

    fn to_rows(&self) -> [(&'static str, String); 16] {
        [
            ("code-prefix", self.code_prefix.clone()),
            ("code-length", self.code_length.to_string()),
            ("code-group-size", self.code_group_size.to_string()),
            (
                "default-validity-days",
                self.default_validity_days.to_string(),
            ),
            ("default-currency", self.default_currency.clone()),
            (
                "cards-cover-shipping",
                self.cards_cover_shipping.to_string(),
            ),
            (
                "refund-extension-days",
                self.refund_extension_days.to_string(),
            ),
            ("allowed-amounts", self.allowed_amounts.join(",")),
            (
                "allow-customer-purchase",
                self.allow_customer_purchase.to_string(),
            ),
            ("gift-messages", self.gift_messages.to_string()),
            ("qr-codes", self.qr_codes.to_string()),
            ("barcodes", self.barcodes.to_string()),
            (
                "customers-may-use-cards",
                self.customers_may_use_cards.to_string(),
            ),
            ("shop-name", self.shop_name.clone()),
            ("storefront-url", self.storefront_url.clone()),
            ("reminder-days", self.reminder_days.to_string()),
        ]
    }
}

/// Reads the settings; stored values override defaults one by one. Inside
/// an `api` call they come from what its schema check read
/// ([`crate::storage::schema::Current`]), so no statement of their own.
pub fn load(env: &mut dyn Environment) -> Result<Settings> {
    if let Some(rows) = env.call_memo().and_then(|memo| memo.settings.as_ref()) {
        return from_rows(rows);
    }
    let rows = env
        .db()
        .execute("SELECT name, value FROM gc_settings", &[])?;
    from_rows(&rows)
}

/// The settings the stored `(name, value)` rows give.
fn from_rows(rows: &QueryResult) -> Result<Settings> {
    let mut update = SettingsUpdate::default();
    for row in rows.iter() {
        let value = row.text("value")?;
        let corrupt = || Error::Database(format!("stored setting has a bad value: {value}"));
        match row.text("name")?.as_str() {
            "code-prefix" => update.code_prefix = Some(value.clone()),
            "code-length" => update.code_length = Some(value.parse().map_err(|_| corrupt())?),
            "code-group-size" => {
                update.code_group_size = Some(value.parse().map_err(|_| corrupt())?)
            }
            "default-validity-days" => {
                update.default_validity_days = Some(value.parse().map_err(|_| corrupt())?)
            }
            "default-currency" => update.default_currency = Some(value.clone()),
            "cards-cover-shipping" => {
                update.cards_cover_shipping = Some(value.parse().map_err(|_| corrupt())?)
            }
            "refund-extension-days" => {
                update.refund_extension_days = Some(value.parse().map_err(|_| corrupt())?)
            }
            "allowed-amounts" => {
                update.allowed_amounts = Some(
                    value
                        .split(',')
                        .filter(|a| !a.is_empty())
                        .map(str::to_owned)
                        .collect(),
                )
            }
            "allow-customer-purchase" => {
                update.allow_customer_purchase = Some(value.parse().map_err(|_| corrupt())?)
            }
            "gift-messages" => update.gift_messages = Some(value.parse().map_err(|_| corrupt())?),
            "qr-codes" => update.qr_codes = Some(value.parse().map_err(|_| corrupt())?),
            "barcodes" => update.barcodes = Some(value.parse().map_err(|_| corrupt())?),
            "customers-may-use-cards" => {
                update.customers_may_use_cards = Some(value.parse().map_err(|_| corrupt())?)
            }
            "shop-name" => update.shop_name = Some(value.clone()),
            "storefront-url" => update.storefront_url = Some(value.clone()),
            "reminder-days" => update.reminder_days = Some(value.parse().map_err(|_| corrupt())?),
            // Names from a newer build are kept but not understood here.
            _ => {}
        }
    }
    Settings::default().apply(update)
}

/// Validates and stores a change; returns the resulting settings.
pub fn configure(env: &mut dyn Environment, update: SettingsUpdate) -> Result<Settings> {
    let settings = load(env)?.apply(update)?;
    if let Some(memo) = env.call_memo() {
        memo.settings = None;
    }
    let db = env.db();
    for (name, value) in settings.to_rows() {
        db.execute(
            "DELETE FROM gc_settings WHERE name = ?1",
            &[Value::from(name)],
        )?;
        db.execute(
            "INSERT INTO gc_settings (name, value) VALUES (?1, ?2)",
            &[Value::from(name), Value::from(value)],
        )?;
    }
    Ok(settings)
}

#[cfg(test)]
mod tests;
