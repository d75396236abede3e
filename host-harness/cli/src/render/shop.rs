//! Tables for the shop's answers, rendered from the same JSON `--json`
//! prints: scalar fields in a field/value table, then one table per list of
//! records (lines, cards, invoices, movements…) and one section per nested
//! record.

use super::table;
use serde_json::{Map, Value as Json};

/// A scalar (or a small value) as one cell.
fn cell(v: &Json) -> String {
    match v {
        Json::Null => "—".into(),
        Json::String(s) => s.clone(),
        Json::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(cell).collect::<Vec<_>>().join(", ")
        }
        Json::Object(m)
            if m.len() == 2 && m.contains_key("amount") && m.contains_key("currency") =>
        {
            format!("{} {}", cell(&m["amount"]), cell(&m["currency"]))
        }
        Json::Object(m) if m.len() == 1 => {
            let (k, v) = m.iter().next().expect("one entry");
            if v.is_null() {
                k.clone()
            } else {
                format!("{k}: {}", cell(v))
            }
        }
        other => other.to_string(),
    }
}

fn is_flat(v: &Json) -> bool {
    match v {
        Json::Array(items) => items.iter().all(|i| !i.is_object() && !i.is_array()),
        Json::Object(m) => {
            (m.len() == 2 && m.contains_key("amount") && m.contains_key("currency"))
                || (m.len() == 1 && m.values().all(|v| !v.is_object() && !v.is_array()))
        }
        _ => true,
    }
}

/// Renders any shop answer.
pub fn render(v: &Json) -> String {
    let mut out = Vec::new();
    section("", v, &mut out);
    out.join("\n")
}

fn section(title: &str, v: &Json, out: &mut Vec<String>) {
    match v {
        Json::Object(map) => object(title, map, out),
        Json::Array(items) => list(title, items, out),
        other => out.push(format!("{title}: {}", cell(other))),
    }
}

fn object(title: &str, map: &Map<String, Json>, out: &mut Vec<String>) {
    let mut t = table(&["field", "value"]);
    let mut nested = Vec::new();
    for (k, v) in map {
        if is_flat(v) {
            t.add_row(vec![k.clone(), cell(v)]);
        } else {
            nested.push((k, v));
        }
    }
    if !title.is_empty() {
        out.push(format!("\n{title}"));
    }
    if t.row_count() > 0 {
        out.push(t.to_string());
    }
    for (k, v) in nested {
        let name = if title.is_empty() {
            k.clone()
        } else {
            format!("{title}.{k}")
        };
        section(&name, v, out);
    }
}

fn list(title: &str, items: &[Json], out: &mut Vec<String>) {
    if items.is_empty() {
        out.push(format!("\n{title}: none"));
        return;
    }
    if !items.iter().all(Json::is_object) {
        out.push(format!("\n{title}: {}", cell(&Json::Array(items.to_vec()))));
        return;
    }
    let mut headers: Vec<String> = Vec::new();
    for item in items {
        for (k, v) in item.as_object().into_iter().flatten() {
            if is_flat(v) && !headers.contains(k) {
                headers.push(k.clone());
            }
        }
    }
    let mut t = table(&headers);
    for item in items {
        t.add_row(
            headers
                .iter()
                .map(|h| cell(item.get(h).unwrap_or(&Json::Null)))
                .collect::<Vec<_>>(),
        );
    }
    out.push(format!("\n{title}"));
    out.push(t.to_string());
    for (i, item) in items.iter().enumerate() {
        for (k, v) in item.as_object().into_iter().flatten() {
            if !is_flat(v) {
                section(&format!("{title}[{i}].{k}"), v, out);
            }
        }
    }
}
