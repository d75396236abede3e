//! `giftcard-harness card …`: card management as an administrator — create
//! (fixed or random amount, uses, recipient), show (with the whole ledger and
//! the orders paid), list with filters and sorting, adjust, top up, enable,
//! disable, cancel, delete, the bulk operations, one card per recipient, and
//! the CSV export. Every command prints a table, or the raw answer with
//! `--json`.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use comfy_table::Table;
use giftcard_conformance::harness::{Harness, money};
use giftcard_conformance::json::Outcome;
use giftcard_harness::render;
use giftcard_host::GiftCards;
use giftcard_shop::words::plain as s;
use serde_json::{Value as Json, json};
use std::path::{Path, PathBuf};

use crate::commands::Paging;
use crate::{call_and_print, read_and_print};

/// Who is acting, recorded in the ledger.
#[derive(Args)]
pub struct AdminArgs {
    /// The administrator's user name.
    #[arg(long, default_value = "admin")]
    admin_user: String,
}

/// A new card's value, as `create` and `recipients` take it: fixed, or
/// random between `amount` and `amount_max` (the help `create` shows;
/// `recipients` words it for each of its cards).
#[derive(Args)]
pub struct CardValue {
    /// Initial value, e.g. 25 or 19.99; with --amount-max, the lowest value.
    #[arg(long, allow_hyphen_values = true)]
    amount: String,
    /// Makes it a random-amount card: its value is drawn now, uniformly to
    /// the cent, from --amount to this, and recorded in the ledger.
    #[arg(long)]
    amount_max: Option<String>,
    /// ISO 4217 currency (default: the plugin's default currency setting).
    #[arg(long)]
    currency: Option<String>,
}

impl CardValue {
    /// `amount`, in the currency given or the plugin's default one.
    fn money(&self, harness: &GiftCards) -> Result<Json> {
        Ok(money(
            &self.amount,
            &default_currency(harness, &self.currency)?,
        ))
    }
}

/// When a new card expires: at a time, after some days, or (neither given)
/// as the plugin's default validity says.
#[derive(Args)]
pub struct Expiry {
    /// Expiry as an RFC 3339 time.
    #[arg(long, conflicts_with = "validity_days")]
    expires_at: Option<String>,
    /// Valid for this many days (0 = never expires).
    #[arg(long)]
    validity_days: Option<u32>,
}

/// The rest of what `create` and `recipients` both take for their cards, and
/// who creates them.
#[derive(Args)]
pub struct CardOptions {
    /// Only redeemable on this website.
    #[arg(long)]
    website: Option<String>,
    /// A test card, usable only in test orders.
    #[arg(long)]
    test: bool,
    #[command(flatten)]
    ledger: LedgerArgs,
}

/// What a ledger write records besides its amount: why, its idempotency
/// key and who made it. The help is `create`'s; the other commands word the
/// key (and `adjust` the comment, which it requires) for themselves.
#[derive(Args)]
pub struct LedgerArgs {
    /// A note kept on the ledger row.
    #[arg(long)]
    comment: Option<String>,
    /// Idempotency key: repeating a create with it returns the same card.
    #[arg(long)]
    reference: Option<String>,
    #[command(flatten)]
    admin: AdminArgs,
}

/// The list filters, shared by `list` and `export`.
#[derive(Args)]
pub struct Filters {
    /// active, used, expired, disabled or cancelled.
    #[arg(long)]
    status: Option<String>,
    /// Part of a code (case, dashes and spaces ignored).
    #[arg(long)]
    code: Option<String>,
    /// Cards restricted to this customer.
    #[arg(long)]
    customer: Option<String>,
    /// The card with this id.
    #[arg(long)]
    id: Option<u64>,
    /// Cards whose initial value is exactly this (in their own currency).
    #[arg(long)]
    amount: Option<String>,
    /// fixed or random.
    #[arg(long, value_name = "fixed|random")]
    amount_type: Option<String>,
    /// Cards bought as this product.
    #[arg(long)]
    product: Option<u64>,
    /// Codes of this batch definition.
    #[arg(long)]
    definition: Option<u64>,
    /// admin, purchase, refund, batch, campaign or order-issued.
    #[arg(long)]
    origin: Option<String>,
    /// Cards whose purchaser or recipient email is this (case ignored).
    #[arg(long)]
    email: Option<String>,
    /// Order by id, created-at, balance, initial-value, expires-at or status;
    /// add `:desc` for largest first (default: newest first).
    #[arg(long, value_name = "FIELD[:desc]")]
    sort: Option<String>,
}

/// One card and a note: what the status changes and deletion take.
#[derive(Args)]
pub struct StatusChange {
    /// The card: its id, or its code (`code:123456` for an all-digit code).
    card: String,
    /// A note kept on the ledger row.
    #[arg(long)]
    comment: Option<String>,
    #[command(flatten)]
    admin: AdminArgs,
}

impl StatusChange {
    fn args(&self) -> Json {
        json!({ "card": card_ref(&self.card), "comment": self.comment, "admin-user": self.admin.admin_user })
    }
}

/// A change of one card's balance: what `adjust` and `top-up` take (with
/// the help `adjust` shows for the amount; `top-up` words it for itself).
#[derive(Args)]
pub struct BalanceChange {
    /// The card: its id, or its code (`code:123456` for an all-digit code).
    card: String,
    /// Signed amount in the card's currency, e.g. -5 or 10.50.
    #[arg(long, allow_hyphen_values = true)]
    amount: String,
    #[command(flatten)]
    ledger: LedgerArgs,
}

impl BalanceChange {
    /// The request: `amount` in the card's own currency.
    fn args(&self, harness: &GiftCards) -> Result<Json> {
        let currency = card_currency(harness, &self.card)?;
        let l = &self.ledger;
        Ok(json!({
            "card": card_ref(&self.card), "amount": money(&self.amount, &currency),
            "comment": l.comment, "admin-user": l.admin.admin_user, "reference": l.reference,
        }))
    }
}

#[derive(Subcommand)]
pub enum CardCommand {
    #[command(flatten)]
    Delivery(crate::commands::delivery::CardDeliveryCommand),
    /// Create a card (fixed amount, or random between --amount and --amount-max).
    Create {
        #[command(flatten)]
        value: CardValue,
        /// A custom code instead of a generated one.
        #[arg(long)]
        code: Option<String>,
        #[command(flatten)]
        expiry: Expiry,
        /// Only this customer may redeem the card.
        #[arg(long)]
        customer: Option<String>,
        /// How many times the card may be used (-1 = unlimited, the default).
        #[arg(long, allow_hyphen_values = true)]
        max_uses: Option<i32>,
        /// Who the card is for.
        #[arg(long)]
        recipient_name: Option<String>,
        /// The recipient's email address.
        #[arg(long)]
        recipient_email: Option<String>,
        #[command(flatten)]
        options: CardOptions,
    },
    /// Show one card with its full code, its whole ledger and the orders it paid.
    Show {
        /// Card id, or code (prefix with `code:` for an all-digit code).
        card: String,
    },
    /// List cards, codes masked, with filters, sorting and paging.
    List {
        #[command(flatten)]
        filters: Filters,
        #[command(flatten)]
        paging: Paging,
    },
    /// Add (positive) or remove (negative) value, with a reason.
    #[command(
        mut_arg("comment", |a| a.required(true).help("Why (required), kept on the ledger row")),
        mut_arg("reference", |a| a.help("Idempotency key: the same adjustment is applied once"))
    )]
    Adjust(BalanceChange),
    /// Load value onto an active or used card (recharge).
    #[command(
        mut_arg("amount", |a| a.help("Positive amount in the card's currency")),
        mut_arg("reference", |a| a.help("Idempotency key: the same top-up is applied once"))
    )]
    TopUp(BalanceChange),
    /// Block a card.
    Disable(StatusChange),
    /// Unblock a card.
    Enable(StatusChange),
    /// Void a card never drawn on: its balance is written off for good.
    Cancel(StatusChange),
    /// Delete a card never used, with its ledger.
    Delete(StatusChange),
    /// Disable or enable many cards at once (all or nothing).
    BulkStatus {
        /// The cards, comma-separated: ids or codes.
        #[arg(long, value_delimiter = ',', required = true, value_name = "CARD,…")]
        ids: Vec<String>,
        /// disabled or active.
        #[arg(long)]
        status: String,
        /// A note kept on the ledger row.
        #[arg(long)]
        comment: Option<String>,
        #[command(flatten)]
        admin: AdminArgs,
    },
    /// Delete many cards at once (all or nothing).
    BulkDelete {
        /// The cards, comma-separated: ids or codes.
        #[arg(long, value_delimiter = ',', required = true, value_name = "CARD,…")]
        ids: Vec<String>,
        /// A note kept on the ledger row.
        #[arg(long)]
        comment: Option<String>,
        #[command(flatten)]
        admin: AdminArgs,
    },
    /// Create one card per recipient email.
    #[command(
        mut_arg("amount", |a| a.help("Each card's value (with --amount-max, the lowest value)")),
        mut_arg("amount_max", |a| {
            a.help("Makes each a random-amount card: a value drawn from --amount to this")
        }),
        mut_arg("test", |a| a.help("Test cards, usable only in test orders")),
        mut_arg("reference", |a| a.help("Idempotency key for the whole request"))
    )]
    Recipients {
        /// Recipient emails, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        emails: Vec<String>,
        #[command(flatten)]
        value: CardValue,
        /// Registered recipients: EMAIL=CUSTOMER-ID, comma-separated; each
        /// such card is restricted to that customer.
        #[arg(long, value_delimiter = ',')]
        customers: Vec<String>,
        /// Recipient names: EMAIL=NAME, comma-separated.
        #[arg(long, value_delimiter = ',')]
        names: Vec<String>,
        /// Refuse unless every recipient has a customer id.
        #[arg(long)]
        registered_only: bool,
        #[command(flatten)]
        expiry: Expiry,
        /// How many times each card may be used (-1 = unlimited, the default).
        #[arg(long, allow_hyphen_values = true)]
        max_uses: Option<i32>,
        #[command(flatten)]
        options: CardOptions,
    },
    /// Export the matching cards as CSV (every match, no paging).
    Export {
        #[command(flatten)]
        filters: Filters,
        /// Full codes instead of masked ones.
        #[arg(long)]
        include_codes: bool,
        /// Write the CSV here instead of standard output.
        #[arg(long, value_name = "FILE.csv")]
        out: Option<PathBuf>,
        #[command(flatten)]
        admin: AdminArgs,
    },
    /// Show a card's ledger, a page at a time.
    #[command(mut_arg("page_size", |a| a.default_value("100")))]
    History {
        /// The card: its id, or its code (`code:123456` for an all-digit code).
        card: String,
        #[command(flatten)]
        paging: Paging,
    },
}

/// The id of the card `text` names (see [`card_ref`]), for the commands
/// whose exports take a card id: a code is looked up (read-only) first.
pub(crate) fn card_id(harness: &GiftCards, text: &str) -> Result<u64> {
    let which = card_ref(text);
    if let Some(id) = which["id"].as_u64() {
        return Ok(id);
    }
    match harness.call_json_read("admin.get-card", &json!({ "card": which }))? {
        Outcome::Ok(card) => card["id"]
            .as_u64()
            .context("admin.get-card answered without an id"),
        Outcome::Err(e) => bail!("card `{text}`: {}", render::error(&e)),
    }
}

/// The ids of the cards `texts` name, in order.
fn card_ids(harness: &GiftCards, texts: &[String]) -> Result<Vec<u64>> {
    texts.iter().map(|t| card_id(harness, t.trim())).collect()
}

/// `42` → by id; `code:123456` or anything else → by code.
fn card_ref(text: &str) -> Json {
    if let Some(code) = text.strip_prefix("code:") {
        return json!({ "code": code });
    }
    match text.parse::<u64>() {
        Ok(id) => json!({ "id": id }),
        Err(_) => json!({ "code": text }),
    }
}

/// "uses made / maximum", ∞ for unlimited.
fn usage(c: &Json) -> String {
    let max = match c["max-uses"].as_i64() {
        Some(-1) | None => "∞".to_owned(),
        Some(n) => n.to_string(),
    };
    format!("{} / {max}", s(&c["uses"]))
}

fn amount_type(c: &Json) -> String {
    match &c["amount-type"] {
        Json::Object(m) if m.contains_key("random") => {
            let r = &m["random"];
            format!(
                "random {}–{}",
                s(&r["min"]["amount"]),
                s(&r["max"]["amount"])
            )
        }
        _ => "fixed".into(),
    }
}

/// `Ann <ann@example.com>`, either part alone, or `—`.
fn recipient(c: &Json) -> String {
    match (c["recipient-name"].as_str(), c["recipient-email"].as_str()) {
        (Some(n), Some(e)) => format!("{n} <{e}>"),
        (Some(n), None) => n.to_owned(),
        (None, Some(e)) => e.to_owned(),
        (None, None) => "—".to_owned(),
    }
}

/// One card, every field.
fn card(c: &Json) -> String {
    render::fields([
        ("id", s(&c["id"])),
        ("code", s(&c["code"])),
        ("status", s(&c["status"])),
        ("balance", render::money(&c["balance"])),
        ("initial value", render::money(&c["initial-value"])),
        ("amount type", amount_type(c)),
        ("uses", usage(c)),
        ("expires", render::expires(&c["expires-at"])),
        ("customer", s(&c["customer-id"])),
        ("recipient", recipient(c)),
        ("purchaser", s(&c["purchaser-email"])),
        ("website", s(&c["website"])),
        ("test card", s(&c["test"])),
        ("origin", s(&c["origin"])),
        ("order", s(&c["order-id"])),
        ("comment", s(&c["comment"])),
        ("created", s(&c["created-at"])),
        ("updated", s(&c["updated-at"])),
    ])
}

fn summaries(cards: &Json) -> Table {
    render::rows(
        &[
            "id", "code", "status", "balance", "initial", "type", "uses", "expires", "customer",
            "email",
        ],
        cards,
        |c| {
            let email = if c["recipient-email"].is_null() {
                s(&c["purchaser-email"])
            } else {
                s(&c["recipient-email"])
            };
            vec![
                s(&c["id"]),
                s(&c["masked-code"]),
                s(&c["status"]),
                render::money(&c["balance"]),
                render::money(&c["initial-value"]),
                amount_type(c),
                usage(c),
                render::expires(&c["expires-at"]),
                s(&c["customer-id"]),
                email,
            ]
        },
    )
}

fn card_page(page: &Json) -> String {
    format!(
        "{}\npage {} · {} per page · {} card(s) in all",
        summaries(&page["cards"]),
        s(&page["page"]),
        s(&page["page-size"]),
        s(&page["total"])
    )
}

fn card_list(cards: &Json) -> String {
    format!(
        "{}\n{} card(s)",
        summaries(cards),
        cards.as_array().map_or(0, Vec::len)
    )
}

fn full_cards(cards: &Json) -> String {
    render::counted(
        &["id", "code", "balance", "recipient", "customer", "expires"],
        cards,
        "card(s) created",
        |c| {
            vec![
                s(&c["id"]),
                s(&c["code"]),
                render::money(&c["balance"]),
                s(&c["recipient-email"]),
                s(&c["customer-id"]),
                render::expires(&c["expires-at"]),
            ]
        },
    )
}

fn detail(d: &Json) -> String {
    let orders = d["orders"]
        .as_array()
        .map(|o| o.iter().map(s).collect::<Vec<_>>().join(", "))
        .unwrap_or_default();
    let history = json!({
        "entries": d["history"],
        "total": d["history"].as_array().map_or(0, Vec::len),
    });
    format!(
        "{}\n{}\norders paid: {}",
        card(&d["card"]),
        render::history(&history),
        if orders.is_empty() {
            "none".into()
        } else {
            orders
        }
    )
}

/// `created-at:desc` → `{ field = "created-at", descending = true }`.
fn sort(text: &str) -> Result<Json> {
    let (field, dir) = text.split_once(':').unwrap_or((text, "asc"));
    let field = field.trim().replace('_', "-").to_ascii_lowercase();
    let fields = [
        "id",
        "created-at",
        "balance",
        "initial-value",
        "expires-at",
        "status",
    ];
    if !fields.contains(&field.as_str()) {
        bail!("--sort `{text}`: the field is one of {}", fields.join(", "));
    }
    let descending = match dir.trim().to_ascii_lowercase().as_str() {
        "desc" => true,
        "asc" => false,
        _ => bail!("--sort `{text}`: add `:desc` or `:asc` after the field"),
    };
    Ok(json!({ "field": field, "descending": descending }))
}

fn filters_json(f: &Filters, paging: &Paging) -> Result<Json> {
    Ok(json!({
        "status": f.status, "code": f.code, "customer-id": f.customer, "id": f.id,
        "amount": f.amount, "amount-type": f.amount_type, "product-id": f.product,
        "definition-id": f.definition, "origin": f.origin, "email": f.email,
        "sort": f.sort.as_deref().map(sort).transpose()?,
        "page": paging.json(),
    }))
}

/// `currency`, or (none given) the plugin's `default-currency` setting: the
/// currency an amount typed without one is in.
pub(crate) fn default_currency(harness: &GiftCards, currency: &Option<String>) -> Result<String> {
    Ok(match currency {
        Some(c) => c.clone(),
        None => harness.call_json_ok("lifecycle.get-settings", &Json::Null)?["default-currency"]
            .as_str()
            .unwrap_or("USD")
            .to_owned(),
    })
}

/// The currency of a card, for amounts given without one.
fn card_currency(harness: &GiftCards, card: &str) -> Result<String> {
    match harness.call_json("admin.get-card", &json!({ "card": card_ref(card) }))? {
        Outcome::Ok(c) => Ok(c["balance"]["currency"]
            .as_str()
            .unwrap_or("USD")
            .to_owned()),
        Outcome::Err(e) => bail!("admin.get-card refused: {}", render::error(&e)),
    }
}

/// `a@x=cust1` pairs.
fn pairs(flag: &str, items: &[String]) -> Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .with_context(|| format!("--{flag} `{p}`: expected EMAIL=VALUE"))
        })
        .collect()
}

pub fn run(harness: &GiftCards, json_out: bool, cmd: &CardCommand) -> Result<()> {
    match cmd {
        CardCommand::Delivery(cmd) => crate::commands::delivery::run_card(harness, json_out, cmd),
        CardCommand::Create {
            value,
            code,
            expiry,
            customer,
            max_uses,
            recipient_name,
            recipient_email,
            options: o,
        } => {
            let args = json!({
                "amount": value.money(harness)?, "amount-max": value.amount_max,
                "max-uses": max_uses, "recipient-name": recipient_name,
                "recipient-email": recipient_email, "code": code, "expires-at": expiry.expires_at,
                "validity-days": expiry.validity_days, "customer-id": customer, "website": o.website,
                "test": o.test, "comment": o.ledger.comment,
                "admin-user": o.ledger.admin.admin_user, "reference": o.ledger.reference,
            });
            call_and_print(harness, json_out, "admin.create-card", args, card)
        }
        CardCommand::Show { card } => read_and_print(
            harness,
            json_out,
            "admin.card-detail",
            json!({ "card": card_ref(card) }),
            detail,
        ),
        CardCommand::List { filters, paging } => {
            let args = filters_json(filters, paging)?;
            read_and_print(harness, json_out, "admin.list-cards", args, card_page)
        }
        CardCommand::Adjust(change) => {
            let args = change.args(harness)?;
            call_and_print(harness, json_out, "admin.adjust-balance", args, card)
        }
        CardCommand::TopUp(change) => {
            let args = change.args(harness)?;
            call_and_print(harness, json_out, "admin.top-up", args, card)
        }
        CardCommand::Disable(change) => {
            call_and_print(harness, json_out, "admin.disable-card", change.args(), card)
        }
        CardCommand::Enable(change) => {
            call_and_print(harness, json_out, "admin.enable-card", change.args(), card)
        }
        CardCommand::Cancel(change) => {
            call_and_print(harness, json_out, "admin.cancel-card", change.args(), card)
        }
        CardCommand::Delete(change) => call_and_print(
            harness,
            json_out,
            "admin.delete-card",
            change.args(),
            |_| "Card deleted, with its ledger.".into(),
        ),
        CardCommand::BulkStatus {
            ids,
            status,
            comment,
            admin,
        } => {
            let ids = card_ids(harness, ids)?;
            let args = json!({
                "cards": { "cards": ids, "comment": comment, "admin-user": admin.admin_user },
                "status": status,
            });
            call_and_print(harness, json_out, "admin.set-status-many", args, card_list)
        }
        CardCommand::BulkDelete {
            ids,
            comment,
            admin,
        } => {
            let ids = card_ids(harness, ids)?;
            let args = json!({ "cards": ids, "comment": comment, "admin-user": admin.admin_user });
            call_and_print(harness, json_out, "admin.delete-many", args, |n| {
                format!("{n} card(s) deleted, with their ledgers.")
            })
        }
        CardCommand::Recipients {
            emails,
            value,
            customers,
            names,
            registered_only,
            expiry,
            max_uses,
            options: o,
        } => {
            let customers = pairs("customers", customers)?;
            let names = pairs("names", names)?;
            let lookup = |list: &[(String, String)], email: &str| {
                list.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(email))
                    .map(|(_, v)| v.clone())
            };
            for (email, _) in customers.iter().chain(names.iter()) {
                if !emails.iter().any(|e| e.trim().eq_ignore_ascii_case(email)) {
                    bail!("`{email}` is not one of --emails");
                }
            }
            let recipients: Vec<Json> = emails
                .iter()
                .map(|e| {
                    let e = e.trim();
                    json!({
                        "email": e,
                        "name": lookup(&names, e),
                        "customer-id": lookup(&customers, e),
                    })
                })
                .collect();
            let args = json!({
                "card": {
                    "amount": value.money(harness)?, "amount-max": value.amount_max,
                    "max-uses": max_uses, "expires-at": expiry.expires_at,
                    "validity-days": expiry.validity_days, "website": o.website, "test": o.test,
                    "comment": o.ledger.comment, "admin-user": o.ledger.admin.admin_user,
                },
                "recipients": recipients,
                "registered-only": registered_only,
                "reference": o.ledger.reference,
            });
            call_and_print(
                harness,
                json_out,
                "admin.create-cards-for-recipients",
                args,
                full_cards,
            )
        }
        CardCommand::Export {
            filters,
            include_codes,
            out,
            admin,
        } => {
            let args = json!({
                "filter": filters_json(
                    filters,
                    // Every match: no paging.
                    &Paging {
                        page: 1,
                        page_size: 0,
                    },
                )?,
                "include-codes": include_codes,
                "admin-user": admin.admin_user,
            });
            export(harness, json_out, &args, out.as_deref())
        }
        CardCommand::History {
            card: which,
            paging,
        } => {
            let args = json!({ "card": card_ref(which), "page": paging.json() });
            read_and_print(
                harness,
                json_out,
                "admin.card-history",
                args,
                render::history,
            )
        }
    }
}

/// `card export`: the matching cards read a part at a time
/// (`admin.export-cards-part`, 5,000 cards each), so an export of any size
/// fits in the plugin's memory, all parts in one transaction, so they are
/// one consistent snapshot, each part logged in the plugin's audit trail.
///
/// The parts go to a file first, never straight to the terminal or a pipe:
/// the transaction (which holds the write lock, for the audit rows) lasts
/// only as long as the plugin takes to write them, however slowly the
/// output is read (`… | less`), and nothing is printed before the audit
/// rows are committed. With `--out` that file is beside the target, synced
/// and renamed into place: never half a file.
fn export(harness: &GiftCards, json_out: bool, request: &Json, out: Option<&Path>) -> Result<()> {
    use std::io::{Read, Seek, Write};
    let mut file = match out {
        Some(path) => {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
            tempfile::NamedTempFile::new_in(dir.unwrap_or(Path::new(".")))
                .with_context(|| format!("creating a file beside {}", path.display()))?
        }
        None => tempfile::NamedTempFile::new().context("creating a temporary file")?,
    };
    let mut cards = 0u64;
    let mut offset = 0u64;
    let mut tx = harness.begin()?;
    loop {
        let args = json!({ "export": request, "offset": offset, "limit": 0 });
        let (back, result) = harness.call_json_in(tx, "admin.export-cards-part", &args);
        tx = back;
        let part = match result {
            Ok(Outcome::Ok(part)) => part,
            Ok(Outcome::Err(e)) => {
                let _ = tx.rollback();
                if json_out {
                    crate::say_json(&json!({ "error": e }))?;
                }
                bail!("admin.export-cards-part refused: {}", render::error(&e));
            }
            Err(e) => {
                let _ = tx.rollback();
                return Err(e);
            }
        };
        let csv = part["csv"].as_str().unwrap_or_default();
        if let Err(e) = file.write_all(csv.as_bytes()) {
            let _ = tx.rollback();
            return Err(e).context("writing the export");
        }
        cards += part["cards"].as_u64().unwrap_or(0);
        match part["next-offset"].as_u64() {
            Some(next) => offset = next,
            None => break,
        }
    }
    tx.commit()
        .map_err(|e| anyhow::anyhow!("committing the export: {e}"))?;
    if let Some(path) = out {
        file.as_file().sync_all()?;
        file.persist(path)
            .with_context(|| format!("writing {}", path.display()))?;
        if json_out {
            crate::say_json(&json!({ "out": path.display().to_string(), "cards": cards }))?;
        } else {
            crate::say(&format!("{cards} card(s) written to {}", path.display()));
        }
        return Ok(());
    }
    file.rewind()?;
    let mut stdout = std::io::stdout().lock();
    if json_out || std::io::IsTerminal::is_terminal(&stdout) {
        let mut text = String::new();
        file.read_to_string(&mut text)?;
        if json_out {
            drop(stdout);
            return crate::say_json(&json!(text));
        }
        // On a terminal: lines, with any control character a cell holds
        // escaped. For a pipe or a file: the CSV as it is.
        let lines = text.replace("\r\n", "\n");
        stdout.write_all(render::printable(&lines).as_bytes())?;
    } else {
        std::io::copy(&mut file, &mut stdout)?;
    }
    stdout.flush()?;
    Ok(())
}
