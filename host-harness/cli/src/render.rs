//! Human-readable output for the CLI and the demo: cards, lists and ledgers
//! as tables. Everything is rendered from the JSON the component returned, so
//! what people read is exactly what `--json` prints.

pub mod shop;

use comfy_table::{Cell, ContentArrangement, Row, Table, presets::UTF8_FULL_CONDENSED};
use serde_json::Value as Json;

use giftcard_shop::words::plain as s;
pub use giftcard_shop::words::{error, money, words};

/// A table in the CLI's style with `headers`.
pub fn table<H: std::fmt::Display>(headers: &[H]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.iter().map(Cell::new));
    t
}

/// A table with `headers` and one row, made by `row`, per element of the
/// JSON array `list` (none when `list` is not an array).
pub fn rows<R: Into<Row>>(headers: &[&str], list: &Json, row: impl Fn(&Json) -> R) -> Table {
    let mut t = table(headers);
    for item in list.as_array().into_iter().flatten() {
        t.add_row(row(item));
    }
    t
}

/// [`rows`] with the number of rows under the table, e.g. `3 product(s)`:
/// how the CLI shows a whole list.
pub fn counted<R: Into<Row>>(
    headers: &[&str],
    list: &Json,
    noun: &str,
    row: impl Fn(&Json) -> R,
) -> String {
    let n = list.as_array().map_or(0, Vec::len);
    format!("{}\n{n} {noun}", rows(headers, list, row))
}

/// One record as a `field` / `value` table, its fields in the order given.
pub fn fields<'a>(fields: impl IntoIterator<Item = (&'a str, String)>) -> String {
    let mut t = table(&["field", "value"]);
    for (k, v) in fields {
        t.add_row(vec![k.to_owned(), v]);
    }
    t.to_string()
}

/// An expiry time as given, or `never` (null: the card never expires).
pub fn expires(at: &Json) -> String {
    if at.is_null() { "never".into() } else { s(at) }
}

/// One card, every field.
pub fn card(card: &Json) -> String {
    fields([
        ("id", s(&card["id"])),
        ("code", s(&card["code"])),
        ("status", s(&card["status"])),
        ("balance", money(&card["balance"])),
        ("initial value", money(&card["initial-value"])),
        ("expires", expires(&card["expires-at"])),
        ("customer", s(&card["customer-id"])),
        ("comment", s(&card["comment"])),
        ("created", s(&card["created-at"])),
        ("updated", s(&card["updated-at"])),
    ])
}

/// A page of card summaries.
pub fn card_page(page: &Json) -> String {
    let t = rows(
        &[
            "id", "code", "status", "balance", "initial", "expires", "customer",
        ],
        &page["cards"],
        |c| {
            vec![
                s(&c["id"]),
                s(&c["masked-code"]),
                s(&c["status"]),
                money(&c["balance"]),
                money(&c["initial-value"]),
                expires(&c["expires-at"]),
                s(&c["customer-id"]),
            ]
        },
    );
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
    let t = rows(
        &[
            "#",
            "when",
            "action",
            "amount",
            "before",
            "after",
            "by",
            "reference",
            "comment",
        ],
        &page["entries"],
        |e| {
            vec![
                s(&e["id"]),
                s(&e["created-at"]),
                s(&e["action"]),
                money(&e["amount"]),
                s(&e["balance-before"]["amount"]),
                s(&e["balance-after"]["amount"]),
                actor(&e["actor"]),
                s(&e["reference"]),
                s(&e["comment"]),
            ]
        },
    );
    format!("{t}\n{} ledger row(s)", s(&page["total"]))
}

/// A found card's masked code, balance and expiry, on one line.
pub fn balance_line(info: &Json) -> String {
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

/// A customer balance answer.
pub fn balance_answer(answer: &Json) -> String {
    match answer {
        Json::Object(map) if map.contains_key("found") => balance_line(&map["found"]),
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

/// `text` safe to show on a terminal: every character the plugin refuses in
/// text fields (control characters, the Unicode line and paragraph
/// separators, the bidirectional overrides and isolates, which reorder what
/// is shown) but the line break is written as an escape such as `\u{1b}`,
/// so data a customer typed can neither move the cursor nor fake a line.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    fn unsafe_char(c: char) -> bool {
        c != '\n' && giftcard_engine::cards::forbidden(c)
    }
    if !text.chars().any(unsafe_char) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        for (raw, shown) in [
            ("plain\ntext", "plain\ntext"),
            ("\u{1b}[2Jgone", "\\u{1b}[2Jgone"),
            ("a\rb\tc", "a\\u{d}b\\u{9}c"),
            ("x\u{202e}y", "x\\u{202e}y"),
            ("a\u{2028}b\u{9b}c", "a\\u{2028}b\\u{9b}c"),
        ] {
            assert_eq!(printable(raw), shown, "{raw:?}");
        }
        assert!(matches!(printable("naïve"), std::borrow::Cow::Borrowed(_)));
    }
}
