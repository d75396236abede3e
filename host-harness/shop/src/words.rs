//! Answers in words, never as JSON: an `err` payload or any value, money as
//! `12.50 USD`. The CLI's messages, the scenarios' reports and the shop's
//! errors all read this way.

use serde_json::Value as Json;

/// A value as text; `—` for none.
pub fn plain(v: &Json) -> String {
    match v {
        Json::Null => "—".into(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `12.50 USD`
pub fn money(v: &Json) -> String {
    format!("{} {}", plain(&v["amount"]), plain(&v["currency"]))
}

/// An `err` payload in words, never as JSON: the case, then its fields
/// (`invalid-status (status: disabled, operation: adjust)`), money as
/// `0.00 USD` (`issue-limit-exceeded (limit: 0.00 USD, requested: 50.00 USD)`).
pub fn error(e: &Json) -> String {
    match e {
        Json::String(case) => case.clone(),
        Json::Object(map) => map
            .iter()
            .map(|(case, payload)| match payload {
                Json::Null => case.clone(),
                Json::String(text) => format!("{case}: {text}"),
                Json::Object(fields) if is_money(payload) || fields.is_empty() => {
                    format!("{case}: {}", words(payload))
                }
                Json::Object(_) => format!("{case} ({})", words(payload)),
                other => format!("{case}: {}", words(other)),
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => words(other),
    }
}

fn is_money(v: &Json) -> bool {
    v.as_object().is_some_and(|m| {
        m.len() == 2
            && m.get("amount").is_some_and(Json::is_string)
            && m.get("currency").is_some_and(Json::is_string)
    })
}

/// Any answer value in words: money as `12.50 USD`, records as
/// `field: value` pairs, lists joined with commas, a variant case with its
/// payload in parentheses, nothing left empty.
pub fn words(v: &Json) -> String {
    match v {
        Json::Null => "none".into(),
        Json::String(s) => s.clone(),
        Json::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Json::Number(n) => n.to_string(),
        Json::Array(items) => items.iter().map(words).collect::<Vec<_>>().join(", "),
        Json::Object(_) if is_money(v) => money(v),
        Json::Object(map) => map
            .iter()
            // An absent optional field says nothing.
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v {
                Json::Object(inner) if !is_money(v) && !inner.is_empty() => {
                    format!("{k} ({})", words(v))
                }
                _ => format!("{k}: {}", words(v)),
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_read_as_words_not_json() {
        let e = json!({ "issue-limit-exceeded": {
            "limit": { "amount": "0.00", "currency": "USD" },
            "requested": { "amount": "50.00", "currency": "USD" } } });
        assert_eq!(
            error(&e),
            "issue-limit-exceeded (limit: 0.00 USD, requested: 50.00 USD)"
        );
        assert_eq!(
            error(&json!({ "insufficient-balance": { "amount": "5.00", "currency": "EUR" } })),
            "insufficient-balance: 5.00 EUR"
        );
        assert_eq!(
            error(
                &json!({ "card-not-applicable": { "message": "This gift card code cannot be used.", "reason": null, "masked-code": null } })
            ),
            "card-not-applicable (message: This gift card code cannot be used.)"
        );
        assert_eq!(error(&json!("card-not-found")), "card-not-found");
        assert_eq!(
            error(&json!({ "invalid-argument": "comment: bad" })),
            "invalid-argument: comment: bad"
        );
        for e in [
            json!({ "balance-changed": { "masked-code": "X", "expected": { "amount": "1.00", "currency": "USD" }, "now": { "amount": "0.50", "currency": "USD" } } }),
            json!({ "bulk-item-failed": { "card-id": 3, "reason": "used" } }),
        ] {
            let text = error(&e);
            assert!(!text.contains('{') && !text.contains('"'), "{text}");
        }
    }
}
