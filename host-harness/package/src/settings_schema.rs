//! The JSON Schema (draft 2020-12) of the plugin's settings, for a
//! marketplace's settings form: one property per field of the WIT
//! `lifecycle.settings` record, with its type, limits and default, in the
//! JSON shape the host's JSON calls use (kebab-case names, amounts as decimal
//! strings). Tests keep it in step with the WIT record (names and types) and
//! with the plugin's own defaults.

use serde_json::{Value, json};

/// The schema.
pub fn settings_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Gift-card plugin settings",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "code-prefix": {
                "description": "Letters and digits put in front of every generated code.",
                "type": "string", "pattern": "^[A-Za-z0-9]{0,8}$", "default": "GC"
            },
            "code-length": {
                "description": "Random characters in a generated code (5 bits each).",
                "type": "integer", "minimum": 13, "maximum": 32, "default": 16
            },
            "code-group-size": {
                "description": "Characters per dash-separated group when a code is shown; 0 for none.",
                "type": "integer", "anyOf": [{"const": 0}, {"minimum": 2, "maximum": 8}],
                "default": 4
            },
            "default-validity-days": {
                "description": "Days a new card stays valid when no expiry is given; 0 for never.",
                "type": "integer", "minimum": 0, "maximum": 4294967295u64, "default": 0
            },
            "default-currency": {
                "description": "The ISO 4217 currency of a card whose creator names none.",
                "type": "string", "pattern": "^[A-Z]{3}$", "default": "USD"
            },
            "cards-cover-shipping": {
                "description": "Whether gift cards may pay shipping and its tax.",
                "type": "boolean", "default": true
            },
            "refund-extension-days": {
                "description": "Days a refunded card's expiry moves out to, when it is close; 0 disables.",
                "type": "integer", "minimum": 0, "maximum": 4294967295u64, "default": 30
            },
            "allowed-amounts": {
                "description": "Amounts customers may choose (decimals in the base currency); empty allows any.",
                "type": "array", "uniqueItems": true,
                "items": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$"},
                "default": []
            },
            "allow-customer-purchase": {
                "description": "Whether customers may buy gift cards themselves.",
                "type": "boolean", "default": true
            },
            "gift-messages": {
                "description": "Whether a buyer's personal message is kept and shown.",
                "type": "boolean", "default": true
            },
            "qr-codes": {
                "description": "Whether rendered cards carry a QR code.",
                "type": "boolean", "default": true
            },
            "barcodes": {
                "description": "Whether rendered cards carry a Code128 barcode.",
                "type": "boolean", "default": true
            },
            "customers-may-use-cards": {
                "description": "Whether customers may move a card's balance into their account credit.",
                "type": "boolean", "default": true
            },
            "shop-name": {
                "description": "The shop's name as messages and printed cards show it.",
                "type": "string", "minLength": 1, "maxLength": 80, "default": "Our shop"
            },
            "storefront-url": {
                "description": "The storefront's address, without a trailing slash; messages link to <url>/gift-card/<token>.",
                "type": "string", "pattern": "^https?://[^\\s]*[^/\\s]$",
                "default": "https://shop.example"
            },
            "reminder-days": {
                "description": "Days before expiry that a reminder goes out; 0 sends none.",
                "type": "integer", "minimum": 0, "maximum": 365, "default": 7
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wit_parser::{Resolve, Type, TypeDefKind};

    /// The JSON Schema type a WIT type is shown as.
    fn json_type(resolve: &Resolve, ty: &Type) -> &'static str {
        match ty {
            Type::Bool => "boolean",
            Type::String => "string",
            Type::U8 | Type::U16 | Type::U32 | Type::U64 | Type::S32 | Type::S64 => "integer",
            Type::Id(id) => match &resolve.types[*id].kind {
                TypeDefKind::List(_) => "array",
                TypeDefKind::Type(inner) => json_type(resolve, inner),
                other => panic!("no JSON type for {other:?}"),
            },
            other => panic!("no JSON type for {other:?}"),
        }
    }

    #[test]
    fn the_schema_has_every_field_of_the_wit_settings_record_and_no_other() {
        let mut resolve = Resolve::default();
        let wit = concat!(env!("CARGO_MANIFEST_DIR"), "/../../wit");
        resolve.push_dir(wit).expect("the WIT parses");
        let (_, settings) = resolve
            .types
            .iter()
            .find(|(_, t)| {
                t.name.as_deref() == Some("settings")
                    && t.owner
                        == wit_parser::TypeOwner::Interface(
                            resolve
                                .interfaces
                                .iter()
                                .find(|(_, i)| i.name.as_deref() == Some("lifecycle"))
                                .map(|(id, _)| id)
                                .unwrap(),
                        )
            })
            .expect("lifecycle.settings");
        let TypeDefKind::Record(record) = &settings.kind else {
            panic!("settings is a record")
        };
        let schema = settings_schema();
        let props = schema["properties"].as_object().unwrap();
        let wit_fields: Vec<&str> = record.fields.iter().map(|f| f.name.as_str()).collect();
        let schema_fields: Vec<&str> = props.keys().map(String::as_str).collect();
        let mut sorted = wit_fields.clone();
        sorted.sort();
        assert_eq!(
            sorted, schema_fields,
            "the schema's properties are the record's fields"
        );
        for field in &record.fields {
            let prop = &props[&field.name];
            assert_eq!(
                prop["type"],
                json_type(&resolve, &field.ty),
                "the type of `{}`",
                field.name
            );
            assert!(
                prop.get("default").is_some(),
                "`{}` has a default",
                field.name
            );
            assert!(
                prop["description"]
                    .as_str()
                    .is_some_and(|d| d.ends_with('.'))
            );
        }
    }
}
