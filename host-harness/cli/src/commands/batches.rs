//! `giftcard-harness batch …`: batch definitions and bulk code generation.
//!
//! `batch generate` calls `batches.generate-codes` in chunks (each its own
//! transaction), shows a progress bar while it runs (on a terminal, without
//! `--json`), and closes with how many cards it created per second of wall
//! clock.

use crate::call_and_print;
use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use giftcard_conformance::harness::{Harness, money};
use giftcard_harness::render;
use giftcard_host::GiftCards;
use giftcard_shop::words::plain as text;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value as Json, json};
use std::io::IsTerminal;
use std::time::Instant;

/// The most codes one `batch generate` run makes (in chunks).
const MAX_TOTAL: u64 = 10_000_000;
/// The most one `generate-codes` call may make.
const MAX_CHUNK: u32 = 100_000;

#[derive(Subcommand)]
pub enum BatchCommand {
    /// Create a batch definition.
    Create {
        #[command(flatten)]
        fields: DefinitionArgs,
    },
    /// Change a definition: flags given replace those fields, the rest stay.
    /// An empty value (`--min-order ""`, `--currencies ""`) clears a field.
    Update {
        /// The definition's id.
        id: u64,
        #[command(flatten)]
        fields: DefinitionArgs,
    },
    /// Show one definition.
    Show {
        /// The definition's id.
        id: u64,
    },
    /// List every definition, oldest first.
    List,
    /// Generate coupon codes for a definition, in chunks, with a progress bar.
    Generate {
        /// The definition's id.
        #[arg(long)]
        definition: u64,
        /// How many codes in all.
        #[arg(long)]
        count: u64,
        /// A prefix for these codes instead of the `code-prefix` setting
        /// (letters and digits, up to 8).
        #[arg(long)]
        prefix: Option<String>,
        /// Make them test cards (usable only in test orders).
        #[arg(long)]
        test: bool,
        /// How many times each code may be used (-1 unlimited).
        #[arg(long, allow_hyphen_values = true)]
        max_uses: Option<i32>,
        /// Codes per call (one transaction each), 1 to 100000.
        #[arg(long, default_value_t = 5_000)]
        chunk: u32,
        /// The administrator recorded on the ledger rows.
        #[arg(long, default_value = "admin")]
        admin_user: String,
    },
}

/// A definition's fields as flags; on `create`, `--name` and `--value` are
/// required.
#[derive(Args)]
pub struct DefinitionArgs {
    /// Shown to staff and on invoices.
    #[arg(long)]
    name: Option<String>,
    /// Unique identifier (letters, digits, `-`, `_`); derived from the name
    /// when left out.
    #[arg(long)]
    code_name: Option<String>,
    /// What the definition is for, for staff (may span lines).
    #[arg(long)]
    description: Option<String>,
    /// Whether its codes may be redeemed (default true).
    #[arg(long)]
    enabled: Option<bool>,
    /// The value of each code, e.g. 25.
    #[arg(long)]
    value: Option<String>,
    /// The value's currency (default: the plugin's default currency).
    #[arg(long)]
    currency: Option<String>,
    /// The order total (after discounts, shipping and tax) an order must reach.
    #[arg(long)]
    min_order: Option<String>,
    /// RFC 3339 time the codes apply from.
    #[arg(long)]
    valid_from: Option<String>,
    /// RFC 3339 time the codes apply until (exclusive).
    #[arg(long)]
    valid_to: Option<String>,
    /// everyone, registered or groups (with --groups).
    #[arg(long)]
    target: Option<String>,
    /// Customer groups for `--target groups` (comma-separated; implies it).
    #[arg(long, value_delimiter = ',')]
    groups: Option<Vec<String>>,
    /// Order currencies allowed (comma-separated; empty for any).
    #[arg(long, value_delimiter = ',')]
    currencies: Option<Vec<String>>,
    /// The cart must hold one of these SKUs (comma-separated).
    #[arg(long, value_delimiter = ',')]
    skus: Option<Vec<String>>,
    /// Shipping countries allowed (ISO 3166-1 alpha-2, comma-separated).
    #[arg(long, value_delimiter = ',')]
    shipping_countries: Option<Vec<String>>,
    /// Billing countries allowed.
    #[arg(long, value_delimiter = ',')]
    billing_countries: Option<Vec<String>>,
}

/// `Some("")` clears an optional field.
fn opt(given: &Option<String>, current: &Json) -> Json {
    match given.as_deref() {
        Some("") => Json::Null,
        Some(v) => json!(v),
        None => current.clone(),
    }
}

/// A comma-separated list flag; `--x ""` gives the empty list.
fn list(given: &Option<Vec<String>>, current: &Json) -> Json {
    match given {
        Some(items) => json!(
            items
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        ),
        None => {
            if current.is_null() {
                json!([])
            } else {
                current.clone()
            }
        }
    }
}

impl DefinitionArgs {
    /// The full `definition-input`, starting from `current` (null on create).
    fn merge(&self, current: &Json, default_currency: &str) -> Result<Json> {
        let target = match (self.target.as_deref(), &self.groups) {
            (Some("everyone"), None) => json!("everyone"),
            (Some("registered"), None) => json!("registered"),
            (Some("groups") | None, Some(groups)) => json!({ "groups": groups }),
            (Some("groups"), None) => match &current["target"] {
                Json::Object(o) if o.contains_key("groups") => current["target"].clone(),
                _ => bail!("--target groups needs --groups"),
            },
            (Some(other), None) => {
                bail!("--target: everyone, registered or groups, not `{other}`")
            }
            (Some(_), Some(_)) => bail!("--groups goes with --target groups"),
            (None, None) => {
                if current["target"].is_null() {
                    json!("everyone")
                } else {
                    current["target"].clone()
                }
            }
        };
        let value = match (&self.value, &self.currency) {
            (Some(v), c) => money(
                v,
                c.as_deref()
                    .or(current["value"]["currency"].as_str())
                    .unwrap_or(default_currency),
            ),
            (None, Some(c)) if !current["value"].is_null() => {
                money(current["value"]["amount"].as_str().unwrap_or("0"), c)
            }
            (None, _) if !current["value"].is_null() => current["value"].clone(),
            (None, _) => bail!("--value is required"),
        };
        let name = match (&self.name, current["name"].as_str()) {
            (Some(n), _) => n.clone(),
            (None, Some(n)) => n.to_owned(),
            (None, None) => bail!("--name is required"),
        };
        Ok(json!({
            "name": name,
            "code-name": opt(&self.code_name, &current["code-name"]),
            "description": opt(&self.description, &current["description"]),
            "enabled": self.enabled.or(current["enabled"].as_bool()).unwrap_or(true),
            "value": value,
            "min-order-amount": opt(&self.min_order, &current["min-order-amount"]),
            "valid-from": opt(&self.valid_from, &current["valid-from"]),
            "valid-to": opt(&self.valid_to, &current["valid-to"]),
            "target": target,
            "currencies": list(&self.currencies, &current["currencies"]),
            "required-skus": list(&self.skus, &current["required-skus"]),
            "shipping-countries": list(&self.shipping_countries, &current["shipping-countries"]),
            "billing-countries": list(&self.billing_countries, &current["billing-countries"]),
        }))
    }
}

fn joined(v: &Json) -> String {
    let items: Vec<String> = v.as_array().into_iter().flatten().map(text).collect();
    if items.is_empty() {
        "any".into()
    } else {
        items.join(", ")
    }
}

fn target(v: &Json) -> String {
    match v {
        Json::Object(o) if o.contains_key("groups") => format!("groups: {}", joined(&o["groups"])),
        other => text(other),
    }
}

/// One definition, every field.
pub fn definition(d: &Json) -> String {
    let f = &d["fields"];
    let window = format!(
        "{} → {}",
        f["valid-from"].as_str().unwrap_or("always"),
        f["valid-to"].as_str().unwrap_or("forever")
    );
    render::fields([
        ("id", text(&d["id"])),
        ("code name", text(&d["code-name"])),
        ("name", text(&f["name"])),
        ("description", text(&f["description"])),
        ("enabled", text(&f["enabled"])),
        ("value", render::money(&f["value"])),
        (
            "minimum order",
            match f["min-order-amount"].as_str() {
                Some(m) => format!("{m} {}", text(&f["value"]["currency"])),
                None => "none".into(),
            },
        ),
        ("valid", window),
        ("customers", target(&f["target"])),
        ("currencies", joined(&f["currencies"])),
        ("required SKUs", joined(&f["required-skus"])),
        ("shipping countries", joined(&f["shipping-countries"])),
        ("billing countries", joined(&f["billing-countries"])),
        ("codes", text(&d["codes"])),
        ("created", text(&d["created-at"])),
    ])
}

/// Every definition, one line each.
pub fn definitions(list: &Json) -> String {
    render::counted(
        &[
            "id",
            "code name",
            "name",
            "value",
            "enabled",
            "valid to",
            "codes",
        ],
        list,
        "definition(s)",
        |d| {
            let f = &d["fields"];
            vec![
                text(&d["id"]),
                text(&d["code-name"]),
                text(&f["name"]),
                render::money(&f["value"]),
                text(&f["enabled"]),
                text(&f["valid-to"]),
                text(&d["codes"]),
            ]
        },
    )
}

fn call(harness: &GiftCards, json_out: bool, name: &str, args: Json) -> Result<Json> {
    crate::output::ok_or_refused(harness.call_json(name, &args)?, json_out, name)
}

fn get_definition(harness: &GiftCards, json_out: bool, id: u64) -> Result<Json> {
    call(
        harness,
        json_out,
        "batches.get-definition",
        json!({ "id": id }),
    )
}

pub fn run(harness: &GiftCards, json_out: bool, cmd: &BatchCommand) -> Result<()> {
    match cmd {
        BatchCommand::Create { fields } => {
            let default_currency =
                crate::commands::cards::default_currency(harness, &fields.currency)?;
            let input = fields.merge(&Json::Null, &default_currency)?;
            call_and_print(
                harness,
                json_out,
                "batches.create-definition",
                input,
                definition,
            )
        }
        BatchCommand::Update { id, fields } => {
            let current = get_definition(harness, json_out, *id)?;
            let mut fields_now = current["fields"].clone();
            // Keep the stored code name unless a new one is given.
            fields_now["code-name"] = current["code-name"].clone();
            let input = fields.merge(&fields_now, "USD")?;
            call_and_print(
                harness,
                json_out,
                "batches.update-definition",
                json!({ "id": id, "fields": input }),
                definition,
            )
        }
        BatchCommand::Show { id } => call_and_print(
            harness,
            json_out,
            "batches.get-definition",
            json!({ "id": id }),
            definition,
        ),
        BatchCommand::List => call_and_print(
            harness,
            json_out,
            "batches.list-definitions",
            Json::Null,
            definitions,
        ),
        BatchCommand::Generate {
            definition,
            count,
            prefix,
            test,
            max_uses,
            chunk,
            admin_user,
        } => generate(
            harness,
            json_out,
            &Generate {
                definition: *definition,
                count: *count,
                prefix: prefix.clone(),
                test: *test,
                max_uses: *max_uses,
                chunk: *chunk,
                admin_user: admin_user.clone(),
            },
        ),
    }
}

struct Generate {
    definition: u64,
    count: u64,
    prefix: Option<String>,
    test: bool,
    max_uses: Option<i32>,
    chunk: u32,
    admin_user: String,
}

fn generate(harness: &GiftCards, json_out: bool, g: &Generate) -> Result<()> {
    if !(1..=MAX_TOTAL).contains(&g.count) {
        bail!("--count: 1 to {MAX_TOTAL}");
    }
    if !(1..=MAX_CHUNK).contains(&g.chunk) {
        bail!("--chunk: 1 to {MAX_CHUNK}");
    }
    let bar = if json_out || !std::io::stdout().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::with_draw_target(Some(g.count), ProgressDrawTarget::stdout());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} codes \
                 · {msg} · eta {eta}",
            )
            .expect("a valid template"),
        );
        bar
    };
    let started = Instant::now();
    let mut created = 0u64;
    let mut first: Option<u64> = None;
    let mut last = 0u64;
    let mut total_codes = 0u64;
    let mut chunks = 0u32;
    while created < g.count {
        let n = u64::from(g.chunk).min(g.count - created) as u32;
        let args = json!({
            "definition-id": g.definition, "count": n, "prefix": g.prefix, "test": g.test,
            "max-uses": g.max_uses, "admin-user": g.admin_user,
        });
        let answer = match call(harness, json_out, "batches.generate-codes", args) {
            Ok(v) => v,
            Err(e) => {
                bar.abandon();
                if created > 0 {
                    eprintln!("{created} code(s) were created (and kept) before this failure");
                }
                return Err(e);
            }
        };
        first.get_or_insert(answer["first-card-id"].as_u64().unwrap_or(0));
        last = answer["last-card-id"].as_u64().unwrap_or(0);
        total_codes = answer["total-codes"].as_u64().unwrap_or(0);
        created += u64::from(n);
        chunks += 1;
        bar.inc(u64::from(n));
        bar.set_message(format!(
            "{:.0} cards/s",
            created as f64 / started.elapsed().as_secs_f64().max(1e-9)
        ));
    }
    let seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let per_second = created as f64 / seconds.max(1e-9);
    if json_out {
        let summary = json!({
            "definition_id": g.definition,
            "created": created,
            "first_card_id": first,
            "last_card_id": last,
            "total_codes": total_codes,
            "chunks": chunks,
            "seconds": (seconds * 1000.0).round() / 1000.0,
            "cards_per_second": per_second.round(),
        });
        crate::say_json(&summary)?;
    } else {
        crate::say(&format!(
            "Created {created} codes for definition {} (cards {}–{last}) in {seconds:.2} s: \
             {per_second:.0} cards per second ({chunks} call(s) of up to {}). \
             The definition now has {total_codes} codes.",
            g.definition,
            first.unwrap_or(0),
            g.chunk
        ));
    }
    Ok(())
}
