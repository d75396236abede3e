//! Batch definitions (coupon-style gift cards): a value and the rules under
//! which its codes apply, with codes generated in bulk.
//!
//! # Generating codes fast
//!
//! A host reaches its database through one import call per statement, so the
//! cost of generating codes is the number of statements, not the rows. A
//! generation therefore reserves all its card and ledger ids with one
//! `next_ids` call each, draws the codes in memory from one buffer of random
//! bytes per chunk, checks a whole chunk against the table with one
//! `SELECT … WHERE code IN (…)`, and writes it with one multi-row INSERT into
//! `gc_cards` and one into `gc_history`: about four statements per
//! [`CHUNK`] cards. A clash (a code drawn twice in the chunk, or one that
//! some card already has) is astronomically rare with 65+ bits per code; the
//! clashing codes are simply drawn again and re-checked before anything is
//! written, so no statement ever fails on the UNIQUE index (which would abort
//! a PostgreSQL transaction).
//!
//! # The rules
//!
//! [`refusal`] checks a quote against a definition (see `redemption::check`,
//! which calls it for every card carrying a `definition_id`). The minimum
//! order amount is in the definition's (the value's) currency: a quote in
//! another currency has its total converted into it at the host's rate,
//! rounded down (the order must really reach the minimum); when the host has
//! no rate for that pair the card is refused as `currency-not-allowed`, since
//! the order's currency cannot be judged.

use crate::cards::code::{self, Code, CodeFormat};
use crate::cards::ledger::{self, NewEntry};
use crate::cards::{StoredCard, check_text};
use crate::error::{Error, Result};
use crate::model::{Actor, CardId, HistoryAction, Money, RefusalReason};
use crate::money::Currency;
use crate::pipeline::quote::ParsedQuote;
use crate::pipeline::rates;
use crate::settings;
use crate::storage::db::{Row, Value};
use crate::storage::env::Environment;
use crate::storage::schema::next_ids;
use crate::storage::time::{self, Seconds};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Codes one `generate-codes` call may make.
pub const MAX_GENERATE: u32 = 100_000;
/// Cards written per statement. 500 rows × 11 parameters stays far below
/// SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
pub const CHUNK: usize = 500;
/// Entries a definition's lists may hold.
const MAX_LIST: usize = 500;
/// Rounds of redrawing clashing codes before giving up.
const CODE_ATTEMPTS: usize = 8;

/// Who may use a definition's codes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CustomerTarget {
    Everyone,
    Registered,
    Groups(Vec<String>),
}

/// A definition's fields, as given and as returned (normalised).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefinitionInput {
    pub name: String,
    pub code_name: Option<String>,
    pub description: Option<String>,
    pub enabled: bool,
    pub value: Money,
    pub min_order_amount: Option<String>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub target: CustomerTarget,
    pub currencies: Vec<String>,
    pub required_skus: Vec<String>,
    pub shipping_countries: Vec<String>,
    pub billing_countries: Vec<String>,
}

/// A definition as the contract shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Definition {
    pub id: u64,
    pub code_name: String,
    pub fields: DefinitionInput,
    pub codes: u64,
    pub created_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateDefinition {
    pub id: u64,
    pub fields: DefinitionInput,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerateRequest {
    pub definition_id: u64,
    pub count: u32,
    pub prefix: Option<String>,
    pub test: bool,
    pub max_uses: Option<i32>,
    pub admin_user: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    pub definition_id: u64,
    pub count: u32,
    pub first_card_id: CardId,
    pub last_card_id: CardId,
    pub total_codes: u64,
}

/// A definition as stored, in minor units and seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDefinition {
    pub id: u64,
    pub code_name: String,
    pub name: String,
    pub description: Option<String>,
    pub enabled: bool,
    pub value: i64,
    pub currency: Currency,
    pub min_order_amount: Option<i64>,
    pub valid_from: Option<Seconds>,
    pub valid_to: Option<Seconds>,
    pub target: CustomerTarget,
    pub currencies: Vec<String>,
    pub required_skus: Vec<String>,
    pub shipping_countries: Vec<String>,
    pub billing_countries: Vec<String>,
    pub created_at: Seconds,
}

const COLUMNS: &str = "id, code_name, name, description, enabled, value, currency, \
    min_order_amount, valid_from, valid_to, target_kind, target_groups, currencies, \
    required_skus, shipping_countries, billing_countries, created_at";

fn list_from(row: &Row<'_>, column: &str) -> Result<Vec<String>> {
    let text = row.text(column)?;
    serde_json::from_str(&text)
        .map_err(|e| Error::Database(format!("stored definition {column}: {e}")))
}

fn list_json(list: &[String]) -> String {
    serde_json::to_string(list).expect("strings serialize")
}

impl StoredDefinition {
    fn from_row(row: &Row<'_>) -> Result<StoredDefinition> {
        let currency = row.text("currency")?;
        let groups = list_from(row, "target_groups")?;
        let target = match row.text("target_kind")?.as_str() {
            "everyone" => CustomerTarget::Everyone,
            "registered" => CustomerTarget::Registered,
            "groups" => CustomerTarget::Groups(groups),
            other => {
                return Err(Error::Database(format!(
                    "unknown definition target `{other}`"
                )));
            }
        };
        Ok(StoredDefinition {
            id: row.i64("id")? as u64,
            code_name: row.text("code_name")?,
            name: row.text("name")?,
            description: row.opt_text("description")?,
            enabled: row.i64("enabled")? != 0,
            value: row.i64("value")?,
            currency: Currency::parse(&currency)
                .map_err(|_| Error::Database(format!("stored currency `{currency}`")))?,
            min_order_amount: row.opt_i64("min_order_amount")?,
            valid_from: row.opt_i64("valid_from")?,
            valid_to: row.opt_i64("valid_to")?,
            target,
            currencies: list_from(row, "currencies")?,
            required_skus: list_from(row, "required_skus")?,
            shipping_countries: list_from(row, "shipping_countries")?,
            billing_countries: list_from(row, "billing_countries")?,
            created_at: row.i64("created_at")?,
        })
    }

    fn to_definition(&self, codes: u64) -> Definition {
        let c = self.currency;
        Definition {
            id: self.id,
            code_name: self.code_name.clone(),
            fields: DefinitionInput {
                name: self.name.clone(),
                code_name: Some(self.code_name.clone()),
                description: self.description.clone(),
                enabled: self.enabled,
                value: Money::new(c.format(self.value), c.code()),
                min_order_amount: self.min_order_amount.map(|m| c.format(m)),
                valid_from: self.valid_from.map(time::format),
                valid_to: self.valid_to.map(time::format),
                target: self.target.clone(),
                currencies: self.currencies.clone(),
                required_skus: self.required_skus.clone(),
                shipping_countries: self.shipping_countries.clone(),
                billing_countries: self.billing_countries.clone(),
            },
            codes,
            created_at: time::format(self.created_at),
        }
    }
}

/// Fields checked and normalised, ready to store (`code_name` still as given).
struct Checked {
    name: String,
    code_name: Option<String>,
    description: Option<String>,
    enabled: bool,
    value: i64,
    currency: Currency,
    min_order_amount: Option<i64>,
    valid_from: Option<Seconds>,
    valid_to: Option<Seconds>,
    target: CustomerTarget,
    currencies: Vec<String>,
    required_skus: Vec<String>,
    shipping_countries: Vec<String>,
    billing_countries: Vec<String>,
}

fn bad(message: String) -> Error {
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
fn derive_code_name(name: &str) -> String {
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

fn check_fields(input: DefinitionInput) -> Result<Checked> {
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
        .parse_positive(&input.value.amount)
        .map_err(|e| crate::pipeline::quote::prefix("value", e))?;
    let min_order_amount = input
        .min_order_amount
        .as_deref()
        .map(|m| {
            let minor = currency
                .parse_amount(m)
                .map_err(|e| crate::pipeline::quote::prefix("min-order-amount", e))?;
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

/// Whether another definition (not `except`) has this code name, ignoring case.
fn code_name_taken(env: &mut dyn Environment, name: &str, except: Option<u64>) -> Result<bool> {
    let rows = env.db().execute(
        "SELECT id FROM gc_definitions WHERE LOWER(code_name) = LOWER(?1)",
        &[Value::from(name)],
    )?;
    for row in rows.iter() {
        if Some(row.i64("id")? as u64) != except {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A free code name derived from the definition's name: `name`, `name-2`, …
fn free_code_name(env: &mut dyn Environment, name: &str) -> Result<String> {
    let base = derive_code_name(name);
    if !code_name_taken(env, &base, None)? {
        return Ok(base);
    }
    for n in 2..10_000u32 {
        let candidate = format!("{base}-{n}");
        if !code_name_taken(env, &candidate, None)? {
            return Ok(candidate);
        }
    }
    Err(bad(format!(
        "code-name: no free name derived from `{base}`"
    )))
}

fn target_columns(target: &CustomerTarget) -> (&'static str, String) {
    match target {
        CustomerTarget::Everyone => ("everyone", "[]".into()),
        CustomerTarget::Registered => ("registered", "[]".into()),
        CustomerTarget::Groups(g) => ("groups", list_json(g)),
    }
}

/// The field values in column order from `name` on (`?2` … `?16`).
fn field_params(code_name: &str, f: &Checked) -> Vec<Value> {
    let (kind, groups) = target_columns(&f.target);
    vec![
        Value::from(code_name),
        Value::from(f.name.as_str()),
        Value::from(f.description.as_deref()),
        Value::Integer(i64::from(f.enabled)),
        Value::Integer(f.value),
        Value::from(f.currency.code()),
        Value::from(f.min_order_amount),
        Value::from(f.valid_from),
        Value::from(f.valid_to),
        Value::from(kind),
        Value::from(groups),
        Value::from(list_json(&f.currencies)),
        Value::from(list_json(&f.required_skus)),
        Value::from(list_json(&f.shipping_countries)),
        Value::from(list_json(&f.billing_countries)),
    ]
}

/// Loads one definition.
pub fn load(env: &mut dyn Environment, id: u64) -> Result<StoredDefinition> {
    let id = i64::try_from(id).map_err(|_| Error::DefinitionNotFound)?;
    let rows = env.db().execute(
        &format!("SELECT {COLUMNS} FROM gc_definitions WHERE id = ?1"),
        &[Value::Integer(id)],
    )?;
    rows.first()
        .map(|r| StoredDefinition::from_row(&r))
        .transpose()?
        .ok_or(Error::DefinitionNotFound)
}

fn code_count(env: &mut dyn Environment, id: u64) -> Result<u64> {
    let rows = env.db().execute(
        "SELECT COUNT(*) AS n FROM gc_cards WHERE definition_id = ?1",
        &[Value::Integer(id as i64)],
    )?;
    Ok(rows.first().map(|r| r.i64("n")).transpose()?.unwrap_or(0) as u64)
}

/// Creates a definition.
pub fn create(env: &mut dyn Environment, input: DefinitionInput) -> Result<Definition> {
    let fields = check_fields(input)?;
    let code_name = match &fields.code_name {
        Some(name) => {
            if code_name_taken(env, name, None)? {
                return Err(bad(format!(
                    "code-name `{name}` is taken by another definition"
                )));
            }
            name.clone()
        }
        None => free_code_name(env, &fields.name)?,
    };
    let now = env.now();
    let id = next_ids(env, "definition", 1)?;
    let mut params = vec![Value::Integer(id)];
    params.extend(field_params(&code_name, &fields));
    params.push(Value::Integer(now));
    env.db().execute(
        &format!(
            "INSERT INTO gc_definitions ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, \
             ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
        ),
        &params,
    )?;
    load(env, id as u64).map(|d| d.to_definition(0))
}

/// Replaces a definition's fields; the value is fixed once it has codes.
pub fn update(env: &mut dyn Environment, req: UpdateDefinition) -> Result<Definition> {
    let existing = load(env, req.id)?;
    let fields = check_fields(req.fields)?;
    let code_name = match &fields.code_name {
        Some(name) => {
            if code_name_taken(env, name, Some(existing.id))? {
                return Err(bad(format!(
                    "code-name `{name}` is taken by another definition"
                )));
            }
            name.clone()
        }
        None => existing.code_name.clone(),
    };
    let codes = code_count(env, existing.id)?;
    if codes > 0 && (fields.value != existing.value || fields.currency != existing.currency) {
        return Err(bad(format!(
            "value: the definition has {codes} code(s); its value ({} {}) can no longer change",
            existing.currency.format(existing.value),
            existing.currency.code()
        )));
    }
    let mut params = field_params(&code_name, &fields);
    params.push(Value::Integer(existing.id as i64));
    env.db().execute(
        "UPDATE gc_definitions SET code_name = ?1, name = ?2, description = ?3, enabled = ?4, \
         value = ?5, currency = ?6, min_order_amount = ?7, valid_from = ?8, valid_to = ?9, \
         target_kind = ?10, target_groups = ?11, currencies = ?12, required_skus = ?13, \
         shipping_countries = ?14, billing_countries = ?15 WHERE id = ?16",
        &params,
    )?;
    load(env, existing.id).map(|d| d.to_definition(codes))
}

/// One definition with its code count.
pub fn get(env: &mut dyn Environment, id: u64) -> Result<Definition> {
    let d = load(env, id)?;
    let codes = code_count(env, d.id)?;
    Ok(d.to_definition(codes))
}

/// Every definition, oldest first, with code counts (two statements).
pub fn list(env: &mut dyn Environment) -> Result<Vec<Definition>> {
    let counts = env.db().execute(
        "SELECT definition_id, COUNT(*) AS n FROM gc_cards WHERE definition_id IS NOT NULL \
         GROUP BY definition_id",
        &[],
    )?;
    let mut by_id = HashMap::new();
    for row in counts.iter() {
        by_id.insert(row.i64("definition_id")? as u64, row.i64("n")? as u64);
    }
    let rows = env.db().execute(
        &format!("SELECT {COLUMNS} FROM gc_definitions ORDER BY id"),
        &[],
    )?;
    rows.iter()
        .map(|r| {
            let d = StoredDefinition::from_row(&r)?;
            let codes = by_id.get(&d.id).copied().unwrap_or(0);
            Ok(d.to_definition(codes))
        })
        .collect()
}

/// Generates `count` codes for a definition: cards of its value (origin
/// `batch`) with their `created` ledger rows, in a handful of statements per
/// [`CHUNK`] cards (see the module docs).
pub fn generate(env: &mut dyn Environment, req: GenerateRequest) -> Result<Generated> {
    if !(1..=MAX_GENERATE).contains(&req.count) {
        return Err(bad(format!(
            "count: 1 to {MAX_GENERATE}, not {}",
            req.count
        )));
    }
    check_text("admin-user", &req.admin_user, 100, true)?;
    let max_uses = req.max_uses.unwrap_or(-1);
    if max_uses < -1 || max_uses == 0 {
        return Err(bad(format!(
            "max-uses: -1 (unlimited) or at least 1, not {max_uses}"
        )));
    }
    let prefix = match req.prefix.as_deref() {
        Some(p) => {
            let p = p.trim().to_ascii_uppercase();
            if p.len() > 8 || !p.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(bad(format!(
                    "prefix `{}`: up to 8 letters and digits",
                    p.chars().take(16).collect::<String>()
                )));
            }
            Some(p)
        }
        None => None,
    };
    let definition = load(env, req.definition_id)?;
    let mut format = settings::load(env)?.code_format();
    if let Some(p) = prefix {
        format.prefix = p;
    }
    let now = env.now();
    let count = req.count as usize;
    let first_card = next_ids(env, "card", req.count)?;
    let first_entry = next_ids(env, "history", req.count)?;
    let actor = Actor::Admin(req.admin_user.clone());
    let shared = BatchCard {
        value: definition.value,
        currency: definition.currency,
        test: req.test,
        max_uses,
        definition_id: definition.id,
        at: now,
    };
    // Every card's first row: what `cards::insert` writes for one card.
    let created = NewEntry {
        card_id: 0,
        action: HistoryAction::Created,
        amount: definition.value,
        balance_before: 0,
        actor: &actor,
        reference: None,
        comment: None,
        at: now,
    };
    let mut written = 0usize;
    while written < count {
        let n = CHUNK.min(count - written);
        let codes = draw_unique(env, &format, n)?;
        let ids: Vec<i64> = (0..n as i64)
            .map(|i| first_card + written as i64 + i)
            .collect();
        insert_cards(env, &shared, &ids, &codes)?;
        ledger::append_uniform(env, first_entry + written as i64, &ids, &created)?;
        written += n;
    }
    let total_codes = code_count(env, definition.id)?;
    Ok(Generated {
        definition_id: definition.id,
        count: req.count,
        first_card_id: first_card as u64,
        last_card_id: (first_card + count as i64 - 1) as u64,
        total_codes,
    })
}

/// What every card of one generation shares.
struct BatchCard {
    value: i64,
    currency: Currency,
    test: bool,
    max_uses: i32,
    definition_id: u64,
    at: Seconds,
}

/// Draws `n` codes that are distinct from each other and from every stored
/// card: one random buffer per round, one `IN (…)` lookup per round.
fn draw_unique(env: &mut dyn Environment, format: &CodeFormat, n: usize) -> Result<Vec<Code>> {
    let len = usize::from(format.length);
    let mut codes: Vec<Option<Code>> = vec![None; n];
    let mut seen: HashSet<String> = HashSet::with_capacity(n);
    for _ in 0..CODE_ATTEMPTS {
        let missing: Vec<usize> = (0..n).filter(|&i| codes[i].is_none()).collect();
        if missing.is_empty() {
            break;
        }
        let mut bytes = vec![0u8; missing.len() * len];
        env.fill_random(&mut bytes);
        let mut fresh: Vec<usize> = Vec::with_capacity(missing.len());
        for (k, &i) in missing.iter().enumerate() {
            let mut chunk = &bytes[k * len..(k + 1) * len];
            let code = code::generate(format, &mut |buf: &mut [u8]| {
                buf.copy_from_slice(&chunk[..buf.len()]);
                chunk = &chunk[buf.len()..];
            });
            // Drawn twice within this generation's chunk: draw again.
            if seen.insert(code.normalized.clone()) {
                codes[i] = Some(code);
                fresh.push(i);
            }
        }
        if fresh.is_empty() {
            continue;
        }
        let placeholders: Vec<String> = (1..=fresh.len()).map(|p| format!("?{p}")).collect();
        let params: Vec<Value> = fresh
            .iter()
            .map(|&i| Value::from(codes[i].as_ref().expect("just drawn").normalized.as_str()))
            .collect();
        let taken = env.db().execute(
            &format!(
                "SELECT code FROM gc_cards WHERE code IN ({})",
                placeholders.join(", ")
            ),
            &params,
        )?;
        let taken: HashSet<String> = taken
            .iter()
            .map(|r| r.text("code"))
            .collect::<std::result::Result<_, _>>()?;
        if !taken.is_empty() {
            for &i in &fresh {
                if codes[i]
                    .as_ref()
                    .is_some_and(|c| taken.contains(&c.normalized))
                {
                    codes[i] = None;
                }
            }
        }
    }
    codes
        .into_iter()
        .map(|c| {
            c.ok_or_else(|| {
                Error::Database("could not draw unused codes; is the random source working?".into())
            })
        })
        .collect()
}

/// One multi-row INSERT of cards: the shared values are bound once (`?1` …
/// `?6`), each row adds its id and code forms.
fn insert_cards(
    env: &mut dyn Environment,
    shared: &BatchCard,
    ids: &[i64],
    codes: &[Code],
) -> Result<()> {
    const PER_ROW: usize = 4;
    const SHARED: usize = 6;
    let mut sql = String::with_capacity(300 + ids.len() * 64);
    sql.push_str(
        "INSERT INTO gc_cards (id, code, display_code, masked_code, status, balance, \
         initial_value, currency, created_at, updated_at, is_test, origin, max_uses, \
         definition_id) VALUES ",
    );
    let mut params = Vec::with_capacity(SHARED + ids.len() * PER_ROW);
    params.extend([
        Value::Integer(shared.value),
        Value::from(shared.currency.code()),
        Value::Integer(shared.at),
        Value::Integer(i64::from(shared.test)),
        Value::Integer(i64::from(shared.max_uses)),
        Value::Integer(shared.definition_id as i64),
    ]);
    for (k, (id, code)) in ids.iter().zip(codes).enumerate() {
        let p = SHARED + k * PER_ROW;
        if k > 0 {
            sql.push_str(", ");
        }
        use std::fmt::Write;
        write!(
            sql,
            "(?{}, ?{}, ?{}, ?{}, 'active', ?1, ?1, ?2, ?3, ?3, ?4, 'batch', ?5, ?6)",
            p + 1,
            p + 2,
            p + 3,
            p + 4
        )
        .expect("writing to a string");
        params.push(Value::Integer(*id));
        params.push(Value::from(code.normalized.as_str()));
        params.push(Value::from(code.display.as_str()));
        params.push(Value::from(code.masked.as_str()));
    }
    match env.db().execute(&sql, &params) {
        Ok(_) => Ok(()),
        // Only a concurrent writer can take a code between the check and
        // this statement; the whole generation is rolled back.
        Err(crate::storage::db::DbError::ConstraintViolation(_)) => Err(Error::CodeTaken),
        Err(e) => Err(e.into()),
    }
}

/// Looks definitions up at most once per collection.
#[derive(Default)]
pub struct DefinitionCache {
    loaded: HashMap<u64, Option<StoredDefinition>>,
}

impl DefinitionCache {
    /// The definition, loaded on first use; `None` if it has gone.
    pub fn get(&mut self, env: &mut dyn Environment, id: u64) -> Result<Option<&StoredDefinition>> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.loaded.entry(id) {
            slot.insert(match load(env, id) {
                Ok(d) => Some(d),
                Err(Error::DefinitionNotFound) => None,
                Err(e) => return Err(e),
            });
        }
        Ok(self.loaded.get(&id).and_then(Option::as_ref))
    }
}

/// Why a definition's codes do not apply to `quote` at `now`, if they do not;
/// in a fixed order so the reason reported is stable.
pub fn refusal(
    env: &mut dyn Environment,
    d: &StoredDefinition,
    quote: &ParsedQuote,
    now: Seconds,
) -> Result<Option<RefusalReason>> {
    use RefusalReason as R;
    if !d.enabled {
        return Ok(Some(R::DefinitionDisabled));
    }
    if d.valid_from.is_some_and(|from| now < from) {
        return Ok(Some(R::NotYetValid));
    }
    if d.valid_to.is_some_and(|to| now >= to) {
        return Ok(Some(R::NoLongerValid));
    }
    let targeted = match &d.target {
        CustomerTarget::Everyone => true,
        CustomerTarget::Registered => quote.customer_id.is_some(),
        CustomerTarget::Groups(groups) => {
            quote.customer_id.is_some()
                && quote
                    .customer_groups
                    .iter()
                    .any(|g| groups.iter().any(|w| w.eq_ignore_ascii_case(g.trim())))
        }
    };
    if !targeted {
        return Ok(Some(R::CustomerNotTargeted));
    }
    if !d.currencies.is_empty() && !d.currencies.iter().any(|c| c == quote.currency.code()) {
        return Ok(Some(R::CurrencyNotAllowed));
    }
    let country_ok = |allowed: &[String], given: &Option<String>| {
        allowed.is_empty() || given.as_ref().is_some_and(|g| allowed.contains(g))
    };
    if !country_ok(&d.shipping_countries, &quote.shipping_country)
        || !country_ok(&d.billing_countries, &quote.billing_country)
    {
        return Ok(Some(R::CountryNotAllowed));
    }
    if !d.required_skus.is_empty()
        && !quote.skus.iter().any(|sku| {
            d.required_skus
                .iter()
                .any(|r| r.eq_ignore_ascii_case(sku.trim()))
        })
    {
        return Ok(Some(R::RequiredProductMissing));
    }
    if let Some(min) = d.min_order_amount {
        let total = quote.body.total();
        let total = match rates::lookup(env, quote.currency, d.currency) {
            Ok(None) => total,
            Ok(Some(rate)) => rates::convert_down(total, &rate),
            // The minimum cannot be checked in this currency: the code does
            // not apply here (never a failed quote), whether the shop has no
            // rate or a garbled one.
            Err(Error::NoExchangeRate { .. } | Error::InvalidExchangeRate(_)) => {
                return Ok(Some(R::CurrencyNotAllowed));
            }
            Err(e) => return Err(e),
        };
        if total < min {
            return Ok(Some(R::BelowMinimumOrder));
        }
    }
    Ok(None)
}

/// The rules of the card's definition, if it has one (a definition that has
/// gone refuses as disabled).
pub fn card_refusal(
    env: &mut dyn Environment,
    cache: &mut DefinitionCache,
    card: &StoredCard,
    quote: &ParsedQuote,
    now: Seconds,
) -> Result<Option<RefusalReason>> {
    let Some(id) = card.extras.definition_id else {
        return Ok(None);
    };
    let Some(d) = cache.get(env, id)?.cloned() else {
        return Ok(Some(RefusalReason::DefinitionDisabled));
    };
    refusal(env, &d, quote, now)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod timing;
