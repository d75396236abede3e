//! The plugin's settings, stored as name/value rows in its own table so new
//! settings never need a schema change. Unset names fall back to defaults.

use crate::code::{CodeFormat, MAX_GENERATED_LEN, MIN_GENERATED_LEN};
use crate::db::Value;
use crate::env::Environment;
use crate::error::{Error, Result};
use crate::money::Currency;
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
}

impl Settings {
    pub fn code_format(&self) -> CodeFormat {
        CodeFormat {
            prefix: self.code_prefix.clone(),
            length: self.code_length,
            group_size: self.code_group_size,
        }
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
            if days > MAX_VALIDITY_DAYS {
                return bad(format!(
                    "default-validity-days: 0 (never expires) to {MAX_VALIDITY_DAYS}"
                ));
            }
            self.default_validity_days = days;
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
            if days > MAX_VALIDITY_DAYS {
                return bad(format!(
                    "refund-extension-days: 0 (no extension) to {MAX_VALIDITY_DAYS}"
                ));
            }
            self.refund_extension_days = days;
        }
        if usize::from(self.code_length) + self.code_prefix.len() > crate::code::MAX_CODE_LEN {
            return bad("code-prefix and code-length together exceed 64 characters".into());
        }
        Ok(self)
    }

    fn to_rows(&self) -> [(&'static str, String); 7] {
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
        ]
    }
}

/// Reads the settings; stored values override defaults one by one.
pub fn load(env: &mut dyn Environment) -> Result<Settings> {
    let rows = env
        .db()
        .execute("SELECT name, value FROM gc_settings", &[])?;
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
            // Names from a newer build are kept but not understood here.
            _ => {}
        }
    }
    Settings::default().apply(update)
}

/// Validates and stores a change; returns the resulting settings.
pub fn configure(env: &mut dyn Environment, update: SettingsUpdate) -> Result<Settings> {
    let settings = load(env)?.apply(update)?;
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
