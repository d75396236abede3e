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
//! `pipeline::eligibility::refusal` checks a quote against a definition (see
//! `redemption::check`, which calls it for every card carrying a
//! `definition_id`). The minimum
//! order amount is in the definition's (the value's) currency: a quote in
//! another currency has its total converted into it at the host's rate,
//! rounded down (the order must really reach the minimum); when the host has
//! no rate for that pair the card is refused as `currency-not-allowed`, since
//! the order's currency cannot be judged.

use crate::cards::check_text;
use crate::cards::code::{self, Code, CodeFormat};
use crate::cards::ledger::{self, NewEntry};
use crate::error::{Error, Result};
use crate::model::{Actor, CardId, GivenAmount, GivenMoney, HistoryAction};
use crate::money::Currency;
use crate::settings;
use crate::storage::db::{Row, Value, load_by_id};
use crate::storage::env::Environment;
use crate::storage::schema::next_ids;
use crate::storage::time::{self, Seconds};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

mod checks;
mod generate;

pub use checks::*;
pub use generate::*;

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
    pub value: GivenMoney,
    pub min_order_amount: Option<GivenAmount>,
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
                value: GivenMoney::new(c.format(self.value), c.code()),
                min_order_amount: self.min_order_amount.map(|m| c.format(m).into()),
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
    let select = format!("SELECT {COLUMNS} FROM gc_definitions");
    load_by_id(
        env.db(),
        &select,
        id,
        StoredDefinition::from_row,
        Error::DefinitionNotFound,
    )
}

fn code_count(env: &mut dyn Environment, id: u64) -> Result<u64> {
    let rows = env.db().execute(
        "SELECT COUNT(*) AS n FROM gc_cards WHERE definition_id = ?1",
        &[Value::Integer(id as i64)],
    )?;
    Ok(rows.first_i64_or_zero("n")? as u64)
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

#[cfg(test)]
mod tests;

#[cfg(test)]
mod timing;
