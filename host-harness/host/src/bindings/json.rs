//! The contract's records as JSON, spelled as the WIT spells them: kebab-case
//! field and case names (`masked-code`, `card-not-found`), a variant with a
//! payload as a one-key object (`{"invalid-amount": "…"}`), `none` as
//! `null`. The same form the conformance runner gives any component's
//! values, so a typed host (the shop) shows exactly what a dynamic one does.
//!
//! Written by hand over serde because wasmtime's `bindgen!` can add derives
//! but not serde's renaming attributes: this serializer does the renaming
//! (Rust's `masked_code` and `CardNotFound` back to the WIT's names) while
//! building a [`serde_json::Value`].

use serde::ser::{self, Serialize};
use serde_json::{Map, Value};

/// `value` (any record, variant or list of the contract) as JSON.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Value {
    value
        .serialize(Kebab)
        .expect("contract values always serialize")
}

/// `masked_code` → `masked-code`; `CardNotFound` → `card-not-found`.
fn kebab(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.trim_end_matches('_').chars().enumerate() {
        if c == '_' {
            out.push('-');
        } else if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

type Error = serde_json::Error;

struct Kebab;

/// Plain values are serde_json's own; only names are changed.
macro_rules! plain {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result<Value, Error> {
            serde_json::value::Serializer.$method(v)
        })*
    };
}

impl ser::Serializer for Kebab {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = Seq;
    type SerializeTuple = Seq;
    type SerializeTupleStruct = Seq;
    type SerializeTupleVariant = Variant<Seq>;
    type SerializeMap = Record;
    type SerializeStruct = Record;
    type SerializeStructVariant = Variant<Record>;

    plain!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
    );

    fn serialize_none(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<Value, Error> {
        Ok(Value::Null)
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Value, Error> {
        Ok(Value::String(kebab(variant)))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Value, Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, Error> {
        Ok(one_key(kebab(variant), value.serialize(self)?))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Seq, Error> {
        Ok(Seq(Vec::with_capacity(len.unwrap_or(0))))
    }

    fn serialize_tuple(self, len: usize) -> Result<Seq, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<Seq>, Error> {
        Ok(Variant {
            case: kebab(variant),
            inner: self.serialize_seq(Some(len))?,
        })
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Record, Error> {
        Ok(Record::default())
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Record, Error> {
        Ok(Record::default())
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Variant<Record>, Error> {
        Ok(Variant {
            case: kebab(variant),
            inner: Record::default(),
        })
    }
}

/// A list (or tuple) being built.
struct Seq(Vec<Value>);

impl ser::SerializeSeq for Seq {
    type Ok = Value;
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.0.push(value.serialize(Kebab)?);
        Ok(())
    }

    fn end(self) -> Result<Value, Error> {
        Ok(Value::Array(self.0))
    }
}

/// Tuples and tuple structs are built as lists are.
macro_rules! like_seq {
    ($($trait:ident::$method:ident),* $(,)?) => {
        $(impl ser::$trait for Seq {
            type Ok = Value;
            type Error = Error;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                ser::SerializeSeq::serialize_element(self, value)
            }

            fn end(self) -> Result<Value, Error> {
                ser::SerializeSeq::end(self)
            }
        })*
    };
}

like_seq!(
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
);

/// A record (or map) being built; field names are renamed, map keys kept.
#[derive(Default)]
struct Record {
    map: Map<String, Value>,
    key: Option<String>,
}

impl ser::SerializeStruct for Record {
    type Ok = Value;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.map.insert(kebab(name), value.serialize(Kebab)?);
        Ok(())
    }

    fn end(self) -> Result<Value, Error> {
        Ok(Value::Object(self.map))
    }
}

impl ser::SerializeMap for Record {
    type Ok = Value;
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(match key.serialize(Kebab)? {
            Value::String(s) => s,
            other => other.to_string(),
        });
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self.key.take().unwrap_or_default();
        self.map.insert(key, value.serialize(Kebab)?);
        Ok(())
    }

    fn end(self) -> Result<Value, Error> {
        Ok(Value::Object(self.map))
    }
}

/// A variant case with a tuple or record payload: `{case: payload}`.
struct Variant<T> {
    case: String,
    inner: T,
}

/// A variant case with its payload, as the WIT's JSON spells it:
/// `{case: payload}`.
fn one_key(case: String, payload: Value) -> Value {
    let mut map = Map::new();
    map.insert(case, payload);
    Value::Object(map)
}

impl ser::SerializeTupleVariant for Variant<Seq> {
    type Ok = Value;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(&mut self.inner, value)
    }

    fn end(self) -> Result<Value, Error> {
        let payload = ser::SerializeSeq::end(self.inner)?;
        Ok(one_key(self.case, payload))
    }
}

impl ser::SerializeStructVariant for Variant<Record> {
    type Ok = Value;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(&mut self.inner, name, value)
    }

    fn end(self) -> Result<Value, Error> {
        let payload = ser::SerializeStruct::end(self.inner)?;
        Ok(one_key(self.case, payload))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{CardRef, Error as PluginError, Money};
    use serde_json::json;

    #[test]
    fn names_are_the_wits() {
        for (rust, wit) in [
            ("masked_code", "masked-code"),
            ("CardNotFound", "card-not-found"),
            ("id", "id"),
            ("Id", "id"),
        ] {
            assert_eq!(kebab(rust), wit);
        }
    }

    #[test]
    fn records_variants_and_options_read_as_the_wit_spells_them() {
        assert_eq!(
            to_json(&Money::new("12.50", "USD")),
            json!({ "amount": "12.50", "currency": "USD" })
        );
        assert_eq!(to_json(&PluginError::CardNotFound), json!("card-not-found"));
        assert_eq!(
            to_json(&PluginError::InvalidAmount("`x`: bad".into())),
            json!({ "invalid-amount": "`x`: bad" })
        );
        assert_eq!(
            to_json(&PluginError::InsufficientBalance(Money::new("5.00", "EUR"))),
            json!({ "insufficient-balance": { "amount": "5.00", "currency": "EUR" } })
        );
        assert_eq!(to_json(&CardRef::Id(7)), json!({ "id": 7 }));
        assert_eq!(to_json(&None::<Money>), Value::Null);
        assert_eq!(to_json(&vec![Some(1u32), None]), json!([1, null]));
    }
}
