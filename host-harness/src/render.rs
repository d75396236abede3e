//! Human-readable output for the CLI and the demo: cards, lists and ledgers
//! as tables. Everything is rendered from the JSON the component returned, so
//! what people read is exactly what `--json` prints.

use comfy_table::{Cell, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde_json::Value as Json;

fn s(v: &Json) -> String {
    match v {
        Json::Null => "—".into(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `12.50 USD`
pub fn money(v: &Json) -> String {
    format!("{} {}", s(&v["amount"]), s(&v["currency"]))
}

fn table(headers: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.iter().map(Cell::new));
    t
}

/// One card, every field.
pub fn card(card: &Json) -> String {
    let mut t = table(&["field", "value"]);
    let expires = if card["expires-at"].is_null() {
        "never".to_owned()
    } else {
        s(&card["expires-at"])
    };
    for (k, v) in [
        ("id", s(&card["id"])),
        ("code", s(&card["code"])),
        ("status", s(&card["status"])),
        ("balance", money(&card["balance"])),
        ("initial value", money(&card["initial-value"])),
        ("expires", expires),
        ("customer", s(&card["customer-id"])),
        ("comment", s(&card["comment"])),
        ("created", s(&card["created-at"])),
        ("updated", s(&card["updated-at"])),
    ] {
        t.add_row(vec![k.to_owned(), v]);
    }
    t.to_string()
}

/// A page of card summaries.
pub fn card_page(page: &Json) -> String {
    let mut t = table(&[
        "id", "code", "status", "balance", "initial", "expires", "customer",
    ]);
    for c in page["cards"].as_array().into_iter().flatten() {
        t.add_row(vec![
            s(&c["id"]),
            s(&c["masked-code"]),
            s(&c["status"]),
            money(&c["balance"]),
            money(&c["initial-value"]),
            if c["expires-at"].is_null() {
                "never".into()
            } else {
                s(&c["expires-at"])
            },
            s(&c["customer-id"]),
        ]);
    }
    format!(
        "{t}\npage {} · {} per page · {} card(s) in all",
        s(&page["page"]),
        s(&page["page-size"]),
        s(&page["total"])
    )
}

fn actor(v: &Json) -> String {
    match v {
        Json::String(kind) => kind.clone(),
        Json::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}:{}", s(v)))
            .collect::<Vec<_>>()
            .join(" "),
        other => s(other),
    }
}

/// A card's ledger.
pub fn history(page: &Json) -> String {
    let mut t = table(&[
        "#",
        "when",
        "action",
        "amount",
        "before",
        "after",
        "by",
        "reference",
        "comment",
    ]);
    for e in page["entries"].as_array().into_iter().flatten() {
        t.add_row(vec![
            s(&e["id"]),
            s(&e["created-at"]),
            s(&e["action"]),
            money(&e["amount"]),
            s(&e["balance-before"]["amount"]),
            s(&e["balance-after"]["amount"]),
            actor(&e["actor"]),
            s(&e["reference"]),
            s(&e["comment"]),
        ]);
    }
    format!("{t}\n{} ledger row(s)", s(&page["total"]))
}

/// A customer balance answer.
pub fn balance_answer(answer: &Json) -> String {
    match answer {
        Json::Object(map) if map.contains_key("found") => {
            let info = &map["found"];
            let expires = if info["expires-at"].is_null() {
                "never expires".to_owned()
            } else {
                format!("expires {}", s(&info["expires-at"]))
            };
            format!(
                "{}: {} ({expires})",
                s(&info["masked-code"]),
                money(&info["balance"])
            )
        }
        Json::Object(map) if map.contains_key("rate-limited") => format!(
            "Too many attempts; try again in {} second(s).",
            s(&map["rate-limited"])
        ),
        _ => "This code is not valid or has no balance available.".into(),
    }
}

/// Settings as a two-column table.
pub fn settings(v: &Json) -> String {
    let mut t = table(&["setting", "value"]);
    for (k, v) in v.as_object().into_iter().flatten() {
        t.add_row(vec![k.clone(), s(v)]);
    }
    t.to_string()
}

/// An `err` payload in words: `invalid-status: {"status":"disabled",…}`.
pub fn error(e: &Json) -> String {
    match e {
        Json::String(case) => case.clone(),
        Json::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                Json::String(text) => format!("{k}: {text}"),
                Json::Null => k.clone(),
                Json::Object(fields) => format!(
                    "{k} ({})",
                    fields
                        .iter()
                        .map(|(f, v)| format!("{f}: {}", s(v)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}
