//! `giftcard-harness issue …` and `giftcard-harness campaign …`: goodwill
//! cards from orders and the campaigns that reward completed orders.
//!
//! `issue` goes through the simulated shop's `order.issue-gift-card` action
//! when the shop knows the order (so the plugin's note joins the order's
//! notes), and calls `issuing.issue-from-order` directly for orders placed
//! with `call orders.placed`.

use crate::call_and_print;
use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use giftcard_conformance::harness::{Harness, money};
use giftcard_conformance::json::Outcome;
use giftcard_harness::render;
use giftcard_host::GiftCards;
use giftcard_shop::Shop;
use giftcard_shop::words::plain as text;
use serde_json::{Value as Json, json};

#[derive(Subcommand)]
pub enum IssuingCommand {
    /// Issue a goodwill card from an order, within the order's limit (order
    /// total − refunds − goodwill cards already issued) unless a supervisor
    /// confirms.
    Issue(IssueArgs),
    /// Campaigns: cards issued automatically when an order completes.
    #[command(subcommand)]
    Campaign(CampaignCommand),
}

#[derive(Args)]
pub struct IssueArgs {
    /// The order (placed through the shop or `orders.placed`).
    #[arg(long)]
    order: String,
    /// The card's value, in the order's currency.
    #[arg(long, allow_hyphen_values = true)]
    amount: String,
    /// Issue as a supervisor (may exceed the limit with --confirm).
    #[arg(long)]
    supervisor: bool,
    /// Confirm a card over the order's limit (supervisors only).
    #[arg(long)]
    confirm: bool,
    /// Who issues it.
    #[arg(long, default_value = "admin")]
    admin_user: String,
    /// Why; kept on the card, its ledger row and the order's note.
    #[arg(long)]
    comment: Option<String>,
    /// Who receives the card.
    #[arg(long)]
    recipient_email: Option<String>,
    /// Valid for this many days (0 = never; default the plugin's setting).
    #[arg(long)]
    validity_days: Option<u32>,
    /// Idempotency key: the same issue with it gives one card.
    #[arg(long)]
    reference: Option<String>,
}

/// A campaign's fields as flags; on `update`, flags left out keep their value.
#[derive(Args)]
pub struct CampaignFields {
    /// Its name (1 to 200 characters).
    #[arg(long)]
    name: Option<String>,
    /// Reward: this percentage (0 exclusive to 100) of the order's total
    /// before gift cards.
    #[arg(long, conflicts_with = "amount")]
    percent: Option<String>,
    /// Reward: this fixed amount (in --currency); orders in other currencies
    /// get nothing.
    #[arg(long)]
    amount: Option<String>,
    /// Currency of --amount (default: the plugin's default currency).
    #[arg(long, requires = "amount")]
    currency: Option<String>,
    /// Orders below this total (before gift cards, order currency) earn nothing.
    #[arg(long)]
    min_order_total: Option<String>,
    /// Only orders of this website.
    #[arg(long)]
    website: Option<String>,
    /// Orders completed from this RFC 3339 time.
    #[arg(long)]
    starts_at: Option<String>,
    /// Orders completed before this RFC 3339 time.
    #[arg(long)]
    ends_at: Option<String>,
    /// Days the cards stay valid (0 = never; default the plugin's setting).
    #[arg(long)]
    validity_days: Option<u32>,
    /// Whether it runs (default true on create).
    #[arg(long, value_name = "BOOL")]
    active: Option<bool>,
}

#[derive(Subcommand)]
pub enum CampaignCommand {
    /// Create a campaign (--name and --percent or --amount required).
    Create(CampaignFields),
    /// Change a campaign: the flags given replace those fields.
    Update {
        /// The campaign's id.
        id: u64,
        #[command(flatten)]
        fields: CampaignFields,
    },
    /// List every campaign, oldest first.
    List,
}

pub fn run(harness: &GiftCards, json_out: bool, cmd: &IssuingCommand) -> Result<()> {
    match cmd {
        IssuingCommand::Issue(a) => issue(harness, json_out, a),
        IssuingCommand::Campaign(CampaignCommand::List) => crate::read_and_print(
            harness,
            json_out,
            "issuing.list-campaigns",
            Json::Null,
            campaign_table,
        ),
        IssuingCommand::Campaign(CampaignCommand::Create(f)) => {
            let Some(name) = &f.name else {
                bail!("campaign create needs --name");
            };
            let mut fields = json!({ "name": name, "active": f.active.unwrap_or(true) });
            apply(harness, &mut fields, f)?;
            if fields.get("reward").is_none() {
                bail!("campaign create needs --percent or --amount");
            }
            call_and_print(
                harness,
                json_out,
                "issuing.create-campaign",
                fields,
                campaign_one,
            )
        }
        IssuingCommand::Campaign(CampaignCommand::Update { id, fields: f }) => {
            let list = harness.call_json_ok("issuing.list-campaigns", &Json::Null)?;
            let current = list
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["id"] == json!(id))
                .map(|c| c["fields"].clone());
            let mut fields = match current {
                Some(v) => v,
                // Let the plugin answer `campaign-not-found`.
                None => json!({ "name": "?", "reward": { "percent": "1" }, "active": false }),
            };
            if let Some(n) = &f.name {
                fields["name"] = json!(n);
            }
            if let Some(a) = f.active {
                fields["active"] = json!(a);
            }
            apply(harness, &mut fields, f)?;
            call_and_print(
                harness,
                json_out,
                "issuing.update-campaign",
                json!({ "id": id, "fields": fields }),
                campaign_one,
            )
        }
    }
}

/// Copies the optional flags onto a `campaign-input` record.
fn apply(harness: &GiftCards, fields: &mut Json, f: &CampaignFields) -> Result<()> {
    if let Some(p) = &f.percent {
        fields["reward"] = json!({ "percent": p });
    }
    if let Some(a) = &f.amount {
        let currency = crate::commands::cards::default_currency(harness, &f.currency)?;
        fields["reward"] = json!({ "fixed": money(a, &currency) });
    }
    for (key, value) in [
        ("min-order-total", &f.min_order_total),
        ("website", &f.website),
        ("starts-at", &f.starts_at),
        ("ends-at", &f.ends_at),
    ] {
        if let Some(v) = value {
            fields[key] = json!(v);
        }
    }
    if let Some(d) = f.validity_days {
        fields["validity-days"] = json!(d);
    }
    Ok(())
}

fn issue(harness: &GiftCards, json_out: bool, a: &IssueArgs) -> Result<()> {
    let role = if a.supervisor { "supervisor" } else { "staff" };
    let shop = Shop::open(harness)?;
    let shop_args = json!({
        "order": a.order, "amount": a.amount, "role": role, "confirm": a.confirm,
        "admin-user": a.admin_user, "comment": a.comment,
        "recipient-email": a.recipient_email, "validity-days": a.validity_days,
        "reference": a.reference,
    });
    let outcome = match shop
        .run("order.issue-gift-card", &shop_args)
        .map(Outcome::from)?
    {
        Outcome::Err(e) if e.get("unknown-order").is_some() => harness.call_json(
            "issuing.issue-from-order",
            &json!({
                "order-id": a.order, "amount": a.amount, "role": role,
                "confirm-over-limit": a.confirm, "admin-user": a.admin_user,
                "comment": a.comment, "recipient-email": a.recipient_email,
                "validity-days": a.validity_days, "reference": a.reference,
            }),
        )?,
        other => other,
    };
    crate::print_outcome(outcome, json_out, "issue", issued)
}

fn issued(v: &Json) -> String {
    let over = if v["over-limit"] == json!(true) {
        " (over the limit, confirmed)"
    } else {
        ""
    };
    format!(
        "{}\nlimit before this card: {}{over}\nnote: {}",
        render::card(&v["card"]),
        render::money(&v["limit"]),
        v["note"].as_str().unwrap_or("")
    )
}

fn reward(r: &Json) -> String {
    if let Some(p) = r.get("percent") {
        format!("{}%", text(p))
    } else if let Some(m) = r.get("fixed") {
        render::money(m)
    } else {
        text(r)
    }
}

fn campaign_table(list: &Json) -> String {
    render::counted(
        &[
            "id",
            "name",
            "reward",
            "min order",
            "website",
            "from",
            "until",
            "valid days",
            "active",
            "cards",
        ],
        list,
        "campaign(s)",
        |c| {
            let f = &c["fields"];
            vec![
                text(&c["id"]),
                text(&f["name"]),
                reward(&f["reward"]),
                text(&f["min-order-total"]),
                text(&f["website"]),
                text(&f["starts-at"]),
                text(&f["ends-at"]),
                if f["validity-days"].is_null() {
                    "default".into()
                } else {
                    text(&f["validity-days"])
                },
                if f["active"] == json!(true) {
                    "yes".into()
                } else {
                    "no".into()
                },
                text(&c["cards-issued"]),
            ]
        },
    )
}

fn campaign_one(c: &Json) -> String {
    campaign_table(&json!([c]))
        .lines()
        .filter(|l| !l.ends_with("campaign(s)"))
        .collect::<Vec<_>>()
        .join("\n")
}
