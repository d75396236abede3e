use super::*;
use crate::storage::sqlite::NativeEnv;

fn env() -> NativeEnv {
    NativeEnv::in_memory(1_790_000_000, 1)
}

fn amounts(list: &[&str]) -> SettingsUpdate {
    SettingsUpdate {
        allowed_amounts: Some(list.iter().map(|s| s.to_string()).collect()),
        ..Default::default()
    }
}

#[test]
fn defaults_of_the_catalog_settings() {
    let mut env = env();
    let s = env.call(load).unwrap();
    assert!(s.allowed_amounts.is_empty());
    assert!(s.allow_customer_purchase);
    assert!(s.gift_messages);
    assert!(s.qr_codes);
    assert!(s.barcodes);
    assert!(s.customers_may_use_cards);
    assert!(s.cards_cover_shipping);
    assert_eq!(s.refund_extension_days, 30);
}

#[test]
fn flags_are_stored_and_read_back() {
    let mut env = env();
    let update = SettingsUpdate {
        allow_customer_purchase: Some(false),
        gift_messages: Some(false),
        qr_codes: Some(false),
        barcodes: Some(false),
        customers_may_use_cards: Some(false),
        cards_cover_shipping: Some(false),
        refund_extension_days: Some(7),
        ..Default::default()
    };
    let s = env.call(|e| configure(e, update)).unwrap();
    let again = env.call(load).unwrap();
    assert_eq!(s, again);
    assert!(!again.allow_customer_purchase);
    assert!(!again.gift_messages);
    assert!(!again.qr_codes);
    assert!(!again.barcodes);
    assert!(!again.customers_may_use_cards);
    assert!(!again.cards_cover_shipping);
    assert_eq!(again.refund_extension_days, 7);
    // Fields left out keep their value.
    let s = env
        .call(|e| {
            configure(
                e,
                SettingsUpdate {
                    qr_codes: Some(true),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert!(s.qr_codes && !s.barcodes && !s.gift_messages);
}

#[test]
fn allowed_amounts_are_normalised_and_sorted() {
    let mut env = env();
    let s = env
        .call(|e| configure(e, amounts(&["50", "10.5", "25.00"])))
        .unwrap();
    assert_eq!(s.allowed_amounts, ["10.50", "25.00", "50.00"]);
    assert_eq!(env.call(load).unwrap().allowed_amounts, s.allowed_amounts);
    let s = env.call(|e| configure(e, amounts(&[]))).unwrap();
    assert!(s.allowed_amounts.is_empty());
}

#[test]
fn bad_allowed_amounts_are_refused_and_nothing_changes() {
    let mut env = env();
    env.call(|e| configure(e, amounts(&["10"]))).unwrap();
    let too_many: Vec<String> = (1..=101).map(|i| i.to_string()).collect();
    let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
    for bad in [
        vec!["-5"],
        vec!["0"],
        vec!["ten"],
        vec!["10.001"],
        vec!["10", "10.00"],
        too_many,
    ] {
        let err = env.call(|e| configure(e, amounts(&bad))).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidSettings(m) if m.starts_with("allowed-amounts")),
            "{bad:?}: {err:?}"
        );
    }
    assert_eq!(env.call(load).unwrap().allowed_amounts, ["10.00"]);
}

#[test]
fn a_currency_change_revalidates_the_amounts() {
    let mut env = env();
    env.call(|e| configure(e, amounts(&["10.50"]))).unwrap();
    let err = env
        .call(|e| {
            configure(
                e,
                SettingsUpdate {
                    default_currency: Some("JPY".into()),
                    ..Default::default()
                },
            )
        })
        .unwrap_err();
    crate::assert_says!(err, Error::InvalidSettings, "JPY");
    let s = env
        .call(|e| {
            configure(
                e,
                SettingsUpdate {
                    default_currency: Some("jpy".into()),
                    allowed_amounts: Some(vec!["1000".into()]),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert_eq!(s.default_currency, "JPY");
    assert_eq!(s.allowed_amounts, ["1000"]);
}
