//! The `lifecycle` export: metadata, migration and settings.

use crate::Plugin;
use crate::bindings::exports::giftcard::plugin::lifecycle;
use crate::convert::{convert_record, exports};
use giftcard_engine as e;
use giftcard_engine::api;

impl lifecycle::Guest for Plugin {
    fn metadata() -> lifecycle::PluginMetadata {
        giftcard_engine::metadata().into()
    }

    exports! {
        migrate() -> lifecycle::MigrationReport = api::migrate;
        database_version() -> u32 = api::database_version;
        get_settings() -> lifecycle::Settings = api::get_settings;
        configure(update: lifecycle::SettingsUpdate) -> lifecycle::Settings = api::configure;
    }
}

convert_record!(e::PluginMetadata => lifecycle::PluginMetadata {
    same: [name, version, contract_version, schema_version],
});

convert_record!(e::MigrationReport => lifecycle::MigrationReport {
    same: [from_version, to_version, applied],
});

/// `settings-update` is `settings` with every field optional, so one list of
/// the fields serves both conversions.
macro_rules! settings_conversions {
    ($($field:ident),* $(,)?) => {
        convert_record!(e::Settings => lifecycle::Settings { same: [$($field),*] });
        convert_record!(lifecycle::SettingsUpdate => e::SettingsUpdate { same: [$($field),*] });
    };
}

settings_conversions!(
    code_prefix,
    code_length,
    code_group_size,
    default_validity_days,
    default_currency,
    cards_cover_shipping,
    refund_extension_days,
    allowed_amounts,
    allow_customer_purchase,
    gift_messages,
    qr_codes,
    barcodes,
    customers_may_use_cards,
    shop_name,
    storefront_url,
    reminder_days,
);
