//! Checking a definition's fields: names, lists, countries, times.

use super::*;

/// Fields checked and normalised, ready to store (`code_name` still as given).
pub(super) struct Checked {
    pub(super) name: String,
    pub(super) code_name: Option<String>,
    pub(super) description: Option<String>,
    pub(super) enabled: bool,
    pub(super) value: i64,
    pub(super) currency: Currency,
    pub(super) min_order_amount: Option<i64>,
    pub(super) valid_from: Option<Seconds>,
    pub(super) valid_to: Option<Seconds>,
    pub(super) target: CustomerTarget,
    pub(super) currencies: Vec<String>,
    pub(super) required_skus: Vec<String>,
    pub(super) shipping_countries: Vec<String>,
    pub(super) billing_countries: Vec<String>,
}

pub(super) fn bad(message: String) -> Error {
    Error::InvalidArgument(message)
}

fn check_code_name(name: &str) -> Result<String> {
    let name = name.trim();
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        return Err(bad(format!(
            "code-name `{}`: 1 to 64 letters, digits, `-` or `_`",
            name.chars().take(70).collect::<String>()
        )));
    }
    Ok(name.to_owned())
}

/// `Summer Sale 2026!` → `summer-sale-2026`.
pub(super) fn derive_code_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out: String = out.trim_end_matches('-').chars().take(56).collect();
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        "definition".into()
    } else {
        out
    }
}

fn time_field(field: &str, text: Option<&str>) -> Result<Option<Seconds>> {
    text.map(|t| time::parse_argument(t, field)).transpose()
}

fn check_list(field: &str, list: &[String]) -> Result<()> {
    if list.len() > MAX_LIST {
        return Err(bad(format!("{field}: at most {MAX_LIST} entries")));
    }
    Ok(())
}

fn dedup(list: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for item in list {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

fn countries(field: &str, list: &[String]) -> Result<Vec<String>> {
    check_list(field, list)?;
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        out.push(country(field, c)?);
    }
    Ok(dedup(out))
}

/// An ISO 3166-1 alpha-2 country code, upper-cased.
pub fn country(field: &str, text: &str) -> Result<String> {
    let t = text.trim();
    if t.len() != 2 || !t.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(bad(format!(
            "{field}: `{}` is not a two-letter country code",
            text.chars().take(16).collect::<String>()
        )));
    }
    Ok(t.to_ascii_uppercase())
}

pub(super) fn check_fields(input: DefinitionInput) -> Result<Checked> {
    check_text("name", &input.name, 200, true)?;
    let code_name = input
        .code_name
        .as_deref()
        .map(check_code_name)
        .transpose()?;
    if let Some(d) = &input.description {
        crate::cards::check_multiline("description", d, 2000)?;
    }
    let currency = Currency::parse(&input.value.currency)?;
    let value = currency
        .positive_of(&input.value.amount)
        .map_err(|e| crate::error::prefix("value", e))?;
    let min_order_amount = input
        .min_order_amount
        .as_ref()
        .map(|m| {
            let minor = currency
                .minor_of(m)
                .map_err(|e| crate::error::prefix("min-order-amount", e))?;
            if minor < 0 {
                return Err(Error::InvalidAmount(
                    "min-order-amount: must not be negative".into(),
                ));
            }
            Ok(minor)
        })
        .transpose()?;
    let valid_from = time_field("valid-from", input.valid_from.as_deref())?;
    let valid_to = time_field("valid-to", input.valid_to.as_deref())?;
    if let (Some(from), Some(to)) = (valid_from, valid_to)
        && to <= from
    {
        return Err(bad(format!(
            "valid-to {} is not after valid-from {}",
            time::format(to),
            time::format(from)
        )));
    }
    let target = match input.target {
        CustomerTarget::Groups(groups) => {
            if groups.is_empty() {
                return Err(bad("target: name at least one customer group".into()));
            }
            check_list("target groups", &groups)?;
            let mut out = Vec::with_capacity(groups.len());
            for g in groups {
                check_text("target group", &g, 100, true)?;
                out.push(g.trim().to_owned());
            }
            CustomerTarget::Groups(dedup(out))
        }
        other => other,
    };
    check_list("currencies", &input.currencies)?;
    let mut currencies = Vec::with_capacity(input.currencies.len());
    for c in &input.currencies {
        let t = c.trim();
        if t.len() != 3 || !t.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(bad(format!(
                "currencies: `{}` is not a three-letter currency code",
                c.chars().take(16).collect::<String>()
            )));
        }
        currencies.push(Currency::parse(t)?.code().to_owned());
    }
    check_list("required-skus", &input.required_skus)?;
    let mut skus = Vec::with_capacity(input.required_skus.len());
    for s in &input.required_skus {
        check_text("required-skus", s, 200, true)?;
        skus.push(s.trim().to_owned());
    }
    Ok(Checked {
        name: input.name.trim().to_owned(),
        code_name,
        description: input.description.filter(|d| !d.trim().is_empty()),
        enabled: input.enabled,
        value,
        currency,
        min_order_amount,
        valid_from,
        valid_to,
        target,
        currencies: dedup(currencies),
        required_skus: dedup(skus),
        shipping_countries: countries("shipping-countries", &input.shipping_countries)?,
        billing_countries: countries("billing-countries", &input.billing_countries)?,
    })
}
