//! The `lifecycle` export: metadata, migration and settings.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::lifecycle;
use crate::bindings::giftcard::plugin::types;
use crate::convert;
use crate::env::ComponentEnv;
use giftcard_engine as e;
use giftcard_engine::api;

impl lifecycle::Guest for Plugin {
    fn metadata() -> lifecycle::PluginMetadata {
        giftcard_engine::metadata().into()
    }

    fn migrate() -> Result<lifecycle::MigrationReport, types::Error> {
        convert::result(api::migrate(&mut ComponentEnv))
    }

    fn database_version() -> Result<u32, types::Error> {
        api::database_version(&mut ComponentEnv).map_err(Into::into)
    }

    fn get_settings() -> Result<lifecycle::Settings, types::Error> {
        convert::result(api::get_settings(&mut ComponentEnv))
    }

    fn configure(update: lifecycle::SettingsUpdate) -> Result<lifecycle::Settings, types::Error> {
        convert::result(api::configure(&mut ComponentEnv, update.into()))
    }
}

impl From<e::PluginMetadata> for lifecycle::PluginMetadata {
    fn from(m: e::PluginMetadata) -> Self {
        lifecycle::PluginMetadata {
            name: m.name,
            version: m.version,
            contract_version: m.contract_version,
            schema_version: m.schema_version,
        }
    }
}

impl From<e::MigrationReport> for lifecycle::MigrationReport {
    fn from(r: e::MigrationReport) -> Self {
        lifecycle::MigrationReport {
            from_version: r.from_version,
            to_version: r.to_version,
            applied: r.applied,
        }
    }
}

impl From<e::Settings> for lifecycle::Settings {
    fn from(s: e::Settings) -> Self {
        lifecycle::Settings {
            code_prefix: s.code_prefix,
            code_length: s.code_length,
            code_group_size: s.code_group_size,
            default_validity_days: s.default_validity_days,
            default_currency: s.default_currency,
            cards_cover_shipping: s.cards_cover_shipping,
            refund_extension_days: s.refund_extension_days,
            allowed_amounts: s.allowed_amounts,
            allow_customer_purchase: s.allow_customer_purchase,
            gift_messages: s.gift_messages,
            qr_codes: s.qr_codes,
            barcodes: s.barcodes,
            customers_may_use_cards: s.customers_may_use_cards,
            shop_name: s.shop_name,
            storefront_url: s.storefront_url,
            reminder_days: s.reminder_days,
        }
    }
}

impl From<lifecycle::SettingsUpdate> for e::SettingsUpdate {
    fn from(u: lifecycle::SettingsUpdate) -> Self {
        e::SettingsUpdate {
            code_prefix: u.code_prefix,
            code_length: u.code_length,
            code_group_size: u.code_group_size,
            default_validity_days: u.default_validity_days,
            default_currency: u.default_currency,
            cards_cover_shipping: u.cards_cover_shipping,
            refund_extension_days: u.refund_extension_days,
            allowed_amounts: u.allowed_amounts,
            allow_customer_purchase: u.allow_customer_purchase,
            gift_messages: u.gift_messages,
            qr_codes: u.qr_codes,
            barcodes: u.barcodes,
            customers_may_use_cards: u.customers_may_use_cards,
            shop_name: u.shop_name,
            storefront_url: u.storefront_url,
            reminder_days: u.reminder_days,
        }
    }
}
