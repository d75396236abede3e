//! Conversion between JSON and dynamic component-model values.
//!
//! The conformance-scenario runner and the CLI describe call arguments as JSON
//! (possibly written in TOML and converted) and print results as JSON. This
//! module turns that JSON into [`Val`]s, guided by the component's own type
//! information ([`Type`]), and turns returned [`Val`]s back into JSON.
//!
//! # Mapping
//!
//! All names are the WIT names exactly as written in the `.wit` files
//! (kebab-case, e.g. `card-id`, `card-not-found`).
//!
//! | WIT type                 | JSON                                                        |
//! |--------------------------|-------------------------------------------------------------|
//! | `bool`                   | `true` / `false`                                            |
//! | `s8` … `u64`             | an integer number; out-of-range or fractional values (including `1.0`-style floats) are errors |
//! | `f32`, `f64`             | a number; non-finite values are the strings `"NaN"`, `"inf"`, `"-inf"` |
//! | `char`                   | a string of exactly one character                           |
//! | `string`                 | a string                                                    |
//! | `list<T>`                | an array (so `list<u8>` is an array of numbers)             |
//! | `tuple<A, B, …>`         | an array of exactly the tuple's length                      |
//! | `record`                 | an object keyed by field name (see below)                   |
//! | `variant`                | `"case-name"` for a case without payload, `{"case-name": payload}` otherwise |
//! | `enum`                   | `"case-name"`                                               |
//! | `option<T>`              | `null` for `none`, otherwise the JSON of the `T` value      |
//! | `result<T, E>`           | `{"ok": T}` or `{"err": E}` (`null` when that side has no type) |
//! | `flags`                  | an array of the names of the set flags                      |
//!
//! Input details:
//! - Record fields whose type is `option<_>` may be omitted (meaning `none`);
//!   any other missing field is an error, and so is any key that is not a
//!   field of the record.
//! - A payload-less variant case may also be written `{"case-name": null}`.
//!   Conversely, a case whose payload type is `option<_>` may be written as
//!   the bare `"case-name"` (payload `none`), and a `result` side without a
//!   type as the bare string `"ok"` / `"err"`.
//! - `option<option<T>>` cannot express `some(none)`: `null` always means the
//!   outer `none`, and any other value is wrapped in both `some`s.
//! - Resources, futures, streams, error contexts, maps and fixed-length lists
//!   are not supported as input and produce an error.
//!
//! Output details: values that have no JSON form (resources, futures, streams,
//! error contexts) are printed as the placeholder strings `"<resource>"`,
//! `"<future>"`, `"<stream>"` and `"<error-context>"`; a map is printed as an
//! array of `[key, value]` pairs and a fixed-length list as an array.
//!
//! Errors carry the JSON path of the offending value, e.g.
//! `request.amount.currency: expected a string, got a number`; list and tuple
//! elements appear as `tags[2]`.

use std::fmt;

use serde_json::{Map, Number, Value};
use wasmtime::component::Val;
use wasmtime::component::types::Type;

/// A JSON value that does not fit the expected component type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertError {
    /// Dotted JSON path of the offending value (`request.amount[0]`); empty for the root.
    pub path: String,
    /// What was wrong with the value at `path`.
    pub message: String,
}

impl ConvertError {
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ConvertError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ConvertError {}

/// Converts JSON to a component value of type `ty`.
pub fn json_to_val(json: &Value, ty: &Type) -> Result<Val, ConvertError> {
    convert(json, ty, "")
}

/// Converts a component value to JSON (type-free: `Val` carries names).
pub fn val_to_json(val: &Val) -> Value {
    match val {
        Val::Bool(b) => Value::Bool(*b),
        Val::S8(n) => Value::from(*n),
        Val::U8(n) => Value::from(*n),
        Val::S16(n) => Value::from(*n),
        Val::U16(n) => Value::from(*n),
        Val::S32(n) => Value::from(*n),
        Val::U32(n) => Value::from(*n),
        Val::S64(n) => Value::from(*n),
        Val::U64(n) => Value::from(*n),
        // Go through the shortest decimal form so that `0.1f32` prints as
        // `0.1` rather than `0.10000000149011612`.
        Val::Float32(x) => float_to_json(x.to_string().parse::<f64>().unwrap_or(f64::from(*x))),
        Val::Float64(x) => float_to_json(*x),
        Val::Char(c) => Value::String(c.to_string()),
        Val::String(s) => Value::String(s.clone()),
        Val::List(items) | Val::Tuple(items) | Val::FixedLengthList(items) => {
            Value::Array(items.iter().map(val_to_json).collect())
        }
        Val::Map(entries) => Value::Array(
            entries
                .iter()
                .map(|(k, v)| Value::Array(vec![val_to_json(k), val_to_json(v)]))
                .collect(),
        ),
        Val::Record(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, v)| (name.clone(), val_to_json(v)))
                .collect(),
        ),
        Val::Variant(case, None) => Value::String(case.clone()),
        Val::Variant(case, Some(payload)) => single_key(case, val_to_json(payload)),
        Val::Enum(case) => Value::String(case.clone()),
        Val::Option(None) => Value::Null,
        Val::Option(Some(v)) => val_to_json(v),
        Val::Result(Ok(v)) => single_key("ok", optional_payload(v)),
        Val::Result(Err(v)) => single_key("err", optional_payload(v)),
        Val::Flags(names) => Value::Array(names.iter().cloned().map(Value::String).collect()),
        Val::Resource(_) => Value::String("<resource>".into()),
        Val::Future(_) => Value::String("<future>".into()),
        Val::Stream(_) => Value::String("<stream>".into()),
        Val::ErrorContext(_) => Value::String("<error-context>".into()),
    }
}

/// Converts a call's named JSON arguments to the parameter list of a function type.
///
/// `args` must be a JSON object keyed by the WIT parameter names; omitted
/// `option<_>` parameters are `none`, and `null` is accepted for a function
/// without parameters. A function with exactly one parameter also accepts the
/// parameter's value directly when `args` is not an object that has that
/// parameter's name as its only key.
pub fn args_to_params(args: &Value, params: &[(String, Type)]) -> Result<Vec<Val>, ConvertError> {
    if let [(name, ty)] = params {
        let value = match args {
            Value::Object(map) if map.len() == 1 && map.contains_key(name) => &map[name],
            other => other,
        };
        return Ok(vec![convert(value, ty, name)?]);
    }
    if params.is_empty() && args.is_null() {
        return Ok(Vec::new());
    }
    let Value::Object(map) = args else {
        return Err(ConvertError::new(
            "",
            format!(
                "expected an object of named arguments ({}), got {}",
                name_list(params.iter().map(|(n, _)| n.as_str())),
                describe(args)
            ),
        ));
    };
    named_members(
        map,
        params.iter().map(|(n, ty)| (n.as_str(), ty.clone())),
        "",
        "argument",
    )
    .map(|members| members.into_iter().map(|(_, v)| v).collect())
}

/// Recursive worker behind [`json_to_val`]; `path` locates `json` for error messages.
fn convert(json: &Value, ty: &Type, path: &str) -> Result<Val, ConvertError> {
    Ok(match ty {
        Type::Bool => match json {
            Value::Bool(b) => Val::Bool(*b),
            other => return Err(mismatch(path, "a bool", other)),
        },
        Type::S8 => Val::S8(integer(json, path, "s8")?),
        Type::U8 => Val::U8(integer(json, path, "u8")?),
        Type::S16 => Val::S16(integer(json, path, "s16")?),
        Type::U16 => Val::U16(integer(json, path, "u16")?),
        Type::S32 => Val::S32(integer(json, path, "s32")?),
        Type::U32 => Val::U32(integer(json, path, "u32")?),
        Type::S64 => Val::S64(integer(json, path, "s64")?),
        Type::U64 => Val::U64(integer(json, path, "u64")?),
        Type::Float32 => {
            let x = float(json, path)?;
            // Rounding to the nearest f32 is intended; only overflow is an error.
            let narrowed = x as f32;
            if x.is_finite() && !narrowed.is_finite() {
                return Err(ConvertError::new(
                    path,
                    format!("{x} is out of range for f32"),
                ));
            }
            Val::Float32(narrowed)
        }
        Type::Float64 => Val::Float64(float(json, path)?),
        Type::Char => {
            let s = string(json, path, "a one-character string")?;
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Val::Char(c),
                _ => {
                    return Err(ConvertError::new(
                        path,
                        format!("expected exactly one character, got {s:?}"),
                    ));
                }
            }
        }
        Type::String => Val::String(string(json, path, "a string")?.to_string()),
        Type::List(list) => {
            let items = array(json, path)?;
            let elem = list.ty();
            Val::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| convert(item, &elem, &index_path(path, i)))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Tuple(tuple) => {
            let items = array(json, path)?;
            if items.len() != tuple.types().len() {
                return Err(ConvertError::new(
                    path,
                    format!(
                        "expected an array of {} elements, got {}",
                        tuple.types().len(),
                        items.len()
                    ),
                ));
            }
            Val::Tuple(
                items
                    .iter()
                    .zip(tuple.types())
                    .enumerate()
                    .map(|(i, (item, ty))| convert(item, &ty, &index_path(path, i)))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Record(record) => {
            let Value::Object(map) = json else {
                return Err(mismatch(path, "an object", json));
            };
            Val::Record(named_members(
                map,
                record.fields().map(|f| (f.name, f.ty)),
                path,
                "field",
            )?)
        }
        Type::Variant(variant) => {
            let (case, payload) = tagged(json, path, "a variant case")?;
            let Some(found) = variant.cases().find(|c| c.name == case) else {
                return Err(ConvertError::new(
                    path,
                    format!(
                        "unknown case `{case}` (expected one of: {})",
                        name_list(variant.cases().map(|c| c.name))
                    ),
                ));
            };
            let payload = case_payload(case, payload, found.ty.as_ref(), path)?;
            Val::Variant(case.to_string(), payload)
        }
        Type::Enum(enum_ty) => {
            let name = string(json, path, "an enum case name")?;
            known(name, enum_ty.names(), path, "case", "one of")?;
            Val::Enum(name.to_string())
        }
        Type::Option(option) => match json {
            Value::Null => Val::Option(None),
            some => Val::Option(Some(Box::new(convert(some, &option.ty(), path)?))),
        },
        Type::Result(result) => {
            let (case, payload) = tagged(json, path, "{\"ok\": …} or {\"err\": …}")?;
            let side = match case {
                "ok" => result.ok(),
                "err" => result.err(),
                other => {
                    return Err(ConvertError::new(
                        path,
                        format!("unknown result case `{other}` (expected `ok` or `err`)"),
                    ));
                }
            };
            let inner = case_payload(case, payload, side.as_ref(), path)?;
            Val::Result(if case == "ok" { Ok(inner) } else { Err(inner) })
        }
        Type::Flags(flags) => {
            let items = array(json, path)?;
            let mut set = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let item_path = index_path(path, i);
                let name = string(item, &item_path, "a flag name")?;
                known(name, flags.names(), &item_path, "flag", "any of")?;
                set.push(name);
            }
            // Declaration order, without duplicates, so output is deterministic.
            Val::Flags(
                flags
                    .names()
                    .filter(|n| set.contains(n))
                    .map(str::to_string)
                    .collect(),
            )
        }
        Type::Own(_) | Type::Borrow(_) => return Err(unsupported(path, "resource")),
        Type::Future(_) => return Err(unsupported(path, "future")),
        Type::Stream(_) => return Err(unsupported(path, "stream")),
        Type::ErrorContext => return Err(unsupported(path, "error-context")),
        Type::Map(_) => return Err(unsupported(path, "map")),
        Type::FixedLengthList(_) => return Err(unsupported(path, "fixed-length list")),
    })
}

/// Converts the members of a JSON object that stands for a record (or a
/// function's named arguments), returning them in declaration order.
///
/// Unknown keys are reported before missing members, because a misspelt key
/// usually causes both and the unknown key is the more useful hint.
fn named_members<'a>(
    map: &Map<String, Value>,
    members: impl Iterator<Item = (&'a str, Type)>,
    path: &str,
    what: &str,
) -> Result<Vec<(String, Val)>, ConvertError> {
    let members: Vec<(&str, Type)> = members.collect();
    if let Some(key) = map.keys().find(|k| !members.iter().any(|(n, _)| n == k)) {
        return Err(ConvertError::new(
            field_path(path, key),
            format!(
                "unknown {what} `{key}` (expected one of: {})",
                name_list(members.iter().map(|(n, _)| *n))
            ),
        ));
    }
    members
        .into_iter()
        .map(|(name, ty)| {
            let member_path = field_path(path, name);
            let val = match (map.get(name), &ty) {
                (Some(value), ty) => convert(value, ty, &member_path)?,
                (None, Type::Option(_)) => Val::Option(None),
                (None, _) => {
                    return Err(ConvertError::new(
                        member_path,
                        format!("missing required {what} `{name}`"),
                    ));
                }
            };
            Ok((name.to_string(), val))
        })
        .collect()
}

/// Splits a variant-like value into its case name and optional payload JSON:
/// either a bare `"case"` string or a one-key `{"case": payload}` object.
fn tagged<'j>(
    json: &'j Value,
    path: &str,
    expected: &str,
) -> Result<(&'j str, Option<&'j Value>), ConvertError> {
    match json {
        Value::String(case) => Ok((case.as_str(), None)),
        Value::Object(map) if map.len() == 1 => {
            let (case, payload) = map.iter().next().expect("map has one entry");
            Ok((case.as_str(), Some(payload)))
        }
        Value::Object(map) => Err(ConvertError::new(
            path,
            format!(
                "expected {expected} as an object with exactly one key, got {} keys",
                map.len()
            ),
        )),
        other => Err(mismatch(path, expected, other)),
    }
}

/// Converts the payload of a variant or result case; `null` (or nothing) is
/// the only accepted payload for a case without a type.
fn case_payload(
    case: &str,
    payload: Option<&Value>,
    ty: Option<&Type>,
    path: &str,
) -> Result<Option<Box<Val>>, ConvertError> {
    let payload_path = field_path(path, case);
    match (ty, payload) {
        (None, None | Some(Value::Null)) => Ok(None),
        (None, Some(other)) => Err(ConvertError::new(
            payload_path,
            format!(
                "case `{case}` has no payload, expected null, got {}",
                describe(other)
            ),
        )),
        (Some(ty), Some(value)) => Ok(Some(Box::new(convert(value, ty, &payload_path)?))),
        // A bare string is fine when the payload is an option: it means `none`.
        (Some(Type::Option(_)), None) => Ok(Some(Box::new(Val::Option(None)))),
        (Some(_), None) => Err(ConvertError::new(
            path,
            format!("case `{case}` needs a payload: write {{\"{case}\": …}}"),
        )),
    }
}

/// Reads an integer and checks it fits the target type `T` (named `wit` in errors).
fn integer<T: TryFrom<i128>>(json: &Value, path: &str, wit: &str) -> Result<T, ConvertError> {
    let Value::Number(n) = json else {
        return Err(mismatch(path, "an integer", json));
    };
    let wide = match (n.as_i64(), n.as_u64()) {
        (Some(i), _) => i128::from(i),
        (None, Some(u)) => i128::from(u),
        (None, None) => {
            return Err(ConvertError::new(
                path,
                format!("expected an integer, got {n}"),
            ));
        }
    };
    T::try_from(wide)
        .map_err(|_| ConvertError::new(path, format!("{wide} is out of range for {wit}")))
}

/// Reads a float: any JSON number, or one of the non-finite spellings.
fn float(json: &Value, path: &str) -> Result<f64, ConvertError> {
    match json {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| ConvertError::new(path, format!("{n} is not representable as a float"))),
        Value::String(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            _ => Err(ConvertError::new(
                path,
                format!("expected a number (or \"NaN\", \"inf\", \"-inf\"), got {s:?}"),
            )),
        },
        other => Err(mismatch(path, "a number", other)),
    }
}

/// Prints a float, using strings for the values JSON cannot hold.
fn float_to_json(x: f64) -> Value {
    match Number::from_f64(x) {
        Some(n) => Value::Number(n),
        None if x.is_nan() => Value::String("NaN".into()),
        None if x > 0.0 => Value::String("inf".into()),
        None => Value::String("-inf".into()),
    }
}

fn string<'j>(json: &'j Value, path: &str, expected: &str) -> Result<&'j str, ConvertError> {
    match json {
        Value::String(s) => Ok(s),
        other => Err(mismatch(path, expected, other)),
    }
}

fn array<'j>(json: &'j Value, path: &str) -> Result<&'j [Value], ConvertError> {
    match json {
        Value::Array(items) => Ok(items),
        other => Err(mismatch(path, "an array", other)),
    }
}

fn single_key(key: &str, value: Value) -> Value {
    let mut map = Map::new();
    map.insert(key.to_string(), value);
    Value::Object(map)
}

fn optional_payload(payload: &Option<Box<Val>>) -> Value {
    payload.as_deref().map_or(Value::Null, val_to_json)
}

fn mismatch(path: &str, expected: &str, got: &Value) -> ConvertError {
    ConvertError::new(path, format!("expected {expected}, got {}", describe(got)))
}

fn unsupported(path: &str, kind: &str) -> ConvertError {
    ConvertError::new(
        path,
        format!("values of type {kind} are not supported in JSON"),
    )
}

/// Names the kind of a JSON value for error messages.
fn describe(json: &Value) -> &'static str {
    match json {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn name_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

/// Refuses `name` unless it is among `names` (an enum's cases, a flags
/// type's flags): "unknown {what} `name` (expected {expected}: …)".
fn known<'a>(
    name: &str,
    names: impl Iterator<Item = &'a str>,
    path: &str,
    what: &str,
    expected: &str,
) -> Result<(), ConvertError> {
    let names: Vec<&str> = names.collect();
    if names.contains(&name) {
        return Ok(());
    }
    Err(ConvertError::new(
        path,
        format!(
            "unknown {what} `{name}` (expected {expected}: {})",
            names.join(", ")
        ),
    ))
}

fn field_path(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn index_path(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wasmtime::component::{Component, Linker};
    use wasmtime::{Engine, Store};

    /// A component whose exports exist only for their types; the core
    /// functions are never called. Every param list flattens to more than 16
    /// core values (so it is passed by pointer) except `amount` and `maybe`.
    const WAT: &str = r#"
    (component
      (core module $m
        (memory (export "mem") 1)
        (func (export "realloc") (param i32 i32 i32 i32) (result i32) unreachable)
        (func (export "by-ptr") (param i32) unreachable)
        (func (export "by-ptr-ret") (param i32) (result i32) unreachable)
        (func (export "one-i32") (param i32) unreachable)
        (func (export "two-i32") (param i32 i32) unreachable)
      )
      (core instance $i (instantiate $m))

      (type $currency' (enum "usd" "eur" "gbp"))
      (export $currency "currency" (type $currency'))
      (type $status' (variant (case "active") (case "frozen" string) (case "card-not-found")
                              (case "note" (option string))))
      (export $status "status" (type $status'))
      (type $perms' (flags "read" "write" "admin"))
      (export $perms "perms" (type $perms'))
      (type $money' (record (field "amount-minor" s64) (field "currency" $currency)))
      (export $money "money" (type $money'))
      (type $request' (record
        (field "card-id" string)
        (field "amount" $money)
        (field "memo" (option string))
        (field "tags" (list string))
        (field "status" $status)
        (field "bytes" (list u8))
        (field "pair" (tuple u32 char))
        (field "perms" $perms)))
      (export $request "request" (type $request'))

      (func $f (param "request" $request) (param "n" u8) (param "maybe" (option u32))
        (result (result $money (error $status)))
        (canon lift (core func $i "by-ptr-ret") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
      (export "f" (func $f))
      (func $single (param "request" $request)
        (canon lift (core func $i "by-ptr") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
      (export "single" (func $single))
      (func $amount (param "amount" u32) (canon lift (core func $i "one-i32")))
      (export "amount" (func $amount))
      (func $maybe (param "x" (option u32)) (canon lift (core func $i "two-i32")))
      (export "maybe" (func $maybe))
    )
    "#;

    /// Parameter names/types and result types of one export of [`WAT`].
    fn signature(name: &str) -> (Vec<(String, Type)>, Vec<Type>) {
        let engine = Engine::default();
        let component = Component::new(&engine, WAT).expect("test component compiles");
        let mut store = Store::new(&engine, ());
        let instance = Linker::<()>::new(&engine)
            .instantiate(&mut store, &component)
            .expect("test component instantiates");
        let func = instance.get_func(&mut store, name).expect("export exists");
        let ty = func.ty(&store);
        let params = ty.params().map(|(n, t)| (n.to_string(), t)).collect();
        let results = ty.results().collect();
        (params, results)
    }

    fn request_type() -> Type {
        signature("single").0.remove(0).1
    }

    fn sample_request() -> Value {
        json!({
            "card-id": "GC-1",
            "amount": {"amount-minor": -9_000_000_000_i64, "currency": "eur"},
            "memo": "birthday",
            "tags": ["a", "b"],
            "status": {"frozen": "fraud check"},
            "bytes": [0, 127, 255],
            "pair": [7, "é"],
            "perms": ["write", "read"]
        })
    }

    #[test]
    fn record_round_trip() {
        let ty = request_type();
        let val = json_to_val(&sample_request(), &ty).unwrap();
        let mut expected = sample_request();
        // Flags come back in declaration order.
        expected["perms"] = json!(["read", "write"]);
        assert_eq!(val_to_json(&val), expected);
    }

    #[test]
    fn omitted_option_field_is_none() {
        let ty = request_type();
        let mut input = sample_request();
        input.as_object_mut().unwrap().remove("memo");
        let val = json_to_val(&input, &ty).unwrap();
        assert_eq!(val_to_json(&val)["memo"], Value::Null);
    }

    #[test]
    fn missing_required_field_names_path() {
        let ty = request_type();
        let mut input = sample_request();
        input["amount"].as_object_mut().unwrap().remove("currency");
        let err = json_to_val(&input, &ty).unwrap_err();
        assert_eq!(err.path, "amount.currency");
        assert!(
            err.message.contains("missing required field `currency`"),
            "{err}"
        );
    }

    #[test]
    fn unknown_key_is_rejected() {
        let ty = request_type();
        let mut input = sample_request();
        input["amount"]["curency"] = json!("usd");
        let err = json_to_val(&input, &ty).unwrap_err();
        assert_eq!(err.path, "amount.curency");
        assert!(err.message.contains("unknown field `curency`"), "{err}");
    }

    #[test]
    fn wrong_kind_reports_nested_path() {
        let (params, _) = signature("f");
        let mut request = sample_request();
        request["amount"]["currency"] = json!(3);
        let args = json!({"request": request, "n": 1});
        let err = args_to_params(&args, &params).unwrap_err();
        assert_eq!(
            err.to_string(),
            "request.amount.currency: expected an enum case name, got a number"
        );
        request["amount"]["currency"] = json!("usd");
        request["tags"] = json!(["ok", false]);
        let err = args_to_params(&json!({"request": request, "n": 1}), &params).unwrap_err();
        assert_eq!(
            err.to_string(),
            "request.tags[1]: expected a string, got a bool"
        );
    }

    #[test]
    fn variant_cases() {
        let ty = request_type();
        let mut input = sample_request();
        for (given, printed) in [
            (json!("card-not-found"), json!("card-not-found")),
            (json!({"card-not-found": null}), json!("card-not-found")),
            (json!({"note": null}), json!({"note": null})),
            (json!("note"), json!({"note": null})),
            (json!({"note": "hi"}), json!({"note": "hi"})),
        ] {
            input["status"] = given;
            let val = json_to_val(&input, &ty).unwrap();
            assert_eq!(val_to_json(&val)["status"], printed);
        }

        input["status"] = json!("frozen");
        let err = json_to_val(&input, &ty).unwrap_err();
        assert_eq!(err.path, "status");
        assert!(err.message.contains("needs a payload"), "{err}");

        input["status"] = json!({"active": 1});
        assert_eq!(json_to_val(&input, &ty).unwrap_err().path, "status.active");

        input["status"] = json!("closed");
        let err = json_to_val(&input, &ty).unwrap_err();
        assert!(err.message.contains("unknown case `closed`"), "{err}");
    }

    #[test]
    fn result_ok_and_err() {
        let (_, results) = signature("f");
        let ty = &results[0];
        for json in [
            json!({"ok": {"amount-minor": 5, "currency": "gbp"}}),
            json!({"err": "card-not-found"}),
            json!({"err": {"frozen": "x"}}),
        ] {
            let val = json_to_val(&json, ty).unwrap();
            assert!(matches!(val, Val::Result(_)));
            assert_eq!(val_to_json(&val), json);
        }
        let err = json_to_val(&json!({"maybe": 1}), ty).unwrap_err();
        assert!(err.message.contains("unknown result case"), "{err}");
        // A payload-less side prints as null.
        assert_eq!(val_to_json(&Val::Result(Ok(None))), json!({"ok": null}));
    }

    #[test]
    fn integers_are_range_checked() {
        let (params, _) = signature("amount");
        let ty = &params[0].1;
        assert_eq!(
            json_to_val(&json!(4_294_967_295_u64), ty).unwrap(),
            Val::U32(u32::MAX)
        );
        let err = json_to_val(&json!(4_294_967_296_u64), ty).unwrap_err();
        assert_eq!(err.message, "4294967296 is out of range for u32");
        let err = json_to_val(&json!(-1), ty).unwrap_err();
        assert_eq!(err.message, "-1 is out of range for u32");
        let err = json_to_val(&json!(1.5), ty).unwrap_err();
        assert_eq!(err.message, "expected an integer, got 1.5");

        let mut input = sample_request();
        input["bytes"] = json!([1, 256]);
        let err = json_to_val(&input, &request_type()).unwrap_err();
        assert_eq!(err.to_string(), "bytes[1]: 256 is out of range for u8");
    }

    #[test]
    fn args_named_and_direct() {
        let (params, _) = signature("f");
        let vals = args_to_params(&json!({"request": sample_request(), "n": 3}), &params).unwrap();
        assert_eq!(vals.len(), 3);
        assert_eq!(vals[1], Val::U8(3));
        assert_eq!(vals[2], Val::Option(None));

        let err = args_to_params(&json!({"request": sample_request()}), &params).unwrap_err();
        assert_eq!(err.path, "n");
        assert!(
            err.message.contains("missing required argument `n`"),
            "{err}"
        );
        let err = args_to_params(
            &json!({"request": sample_request(), "n": 1, "x": 0}),
            &params,
        )
        .unwrap_err();
        assert_eq!(err.path, "x");
        let err = args_to_params(&json!([1, 2]), &params).unwrap_err();
        assert!(
            err.message
                .contains("expected an object of named arguments"),
            "{err}"
        );

        // One parameter: both wrapped and direct forms work.
        let (single, _) = signature("single");
        let wrapped = args_to_params(&json!({"request": sample_request()}), &single).unwrap();
        let direct = args_to_params(&sample_request(), &single).unwrap();
        assert_eq!(wrapped, direct);
        let err = args_to_params(&json!({"card-id": 1}), &single).unwrap_err();
        assert_eq!(err.path, "request.card-id");

        let (amount, _) = signature("amount");
        assert_eq!(
            args_to_params(&json!(9), &amount).unwrap(),
            vec![Val::U32(9)]
        );
        assert_eq!(
            args_to_params(&json!({"amount": 9}), &amount).unwrap(),
            vec![Val::U32(9)]
        );

        let (maybe, _) = signature("maybe");
        assert_eq!(
            args_to_params(&Value::Null, &maybe).unwrap(),
            vec![Val::Option(None)]
        );
        assert_eq!(
            args_to_params(&json!({"x": 2}), &maybe).unwrap(),
            vec![Val::Option(Some(Box::new(Val::U32(2))))]
        );

        assert_eq!(args_to_params(&Value::Null, &[]).unwrap(), vec![]);
        assert_eq!(args_to_params(&json!({}), &[]).unwrap(), vec![]);
    }

    #[test]
    fn scalars_and_placeholders_to_json() {
        assert_eq!(val_to_json(&Val::Float32(0.1)), json!(0.1));
        assert_eq!(val_to_json(&Val::Float64(f64::NAN)), json!("NaN"));
        assert_eq!(val_to_json(&Val::Float64(f64::NEG_INFINITY)), json!("-inf"));
        assert_eq!(val_to_json(&Val::Char('x')), json!("x"));
        assert_eq!(val_to_json(&Val::U64(u64::MAX)), json!(u64::MAX));
        assert_eq!(val_to_json(&Val::Enum("usd".into())), json!("usd"));
    }

    #[test]
    fn char_and_flags_errors() {
        let ty = request_type();
        let mut input = sample_request();
        input["pair"] = json!([1, "ab"]);
        assert_eq!(json_to_val(&input, &ty).unwrap_err().path, "pair[1]");
        input["pair"] = json!([1]);
        let err = json_to_val(&input, &ty).unwrap_err();
        assert_eq!(
            err.to_string(),
            "pair: expected an array of 2 elements, got 1"
        );
        input["pair"] = json!([1, "a"]);
        input["perms"] = json!(["read", "root"]);
        let err = json_to_val(&input, &ty).unwrap_err();
        assert_eq!(err.path, "perms[1]");
        assert!(err.message.contains("unknown flag `root`"), "{err}");
    }
}
