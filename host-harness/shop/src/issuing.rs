//! Cards the plugin issues from orders: goodwill cards staff give from an
//! order page (`issuing.issue-from-order`), and campaign rewards when an order
//! completes (`orders.completed`). The shop keeps the plugin's note in the
//! order's notes and the cards on the order.

use super::context::Ctx;
use super::error::{Res, ShopError};
use super::model::{Invoice, Order};
use super::orders;
use giftcard_host::api::issuing::{IssueRequest, StaffRole};
use giftcard_host::api::orders::CompleteRequest;
use giftcard_host::to_json;
use serde::Deserialize;
use serde_json::{Value as Json, json};

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct IssueArgs {
    /// Order id
    #[arg(long)]
    order: String,
    /// The card's value, in the order's currency
    #[arg(long)]
    amount: String,
    /// staff (default; may not exceed the order's limit) or supervisor
    #[arg(long)]
    role: Option<String>,
    /// Supervisor: confirm a card over the limit (default false)
    #[arg(long)]
    confirm: Option<bool>,
    /// Who issues it (default admin)
    #[arg(long)]
    admin_user: Option<String>,
    /// Why
    #[arg(long)]
    comment: Option<String>,
    /// Who receives it
    #[arg(long)]
    recipient_email: Option<String>,
    /// Valid for this many days (0 = never; default the plugin's setting)
    #[arg(long)]
    validity_days: Option<u32>,
    /// Idempotency key: issued once
    #[arg(long)]
    reference: Option<String>,
}

/// Issues a goodwill card from an order through the plugin, which enforces
/// the order's limit and the roles; the plugin's note joins the order's notes
/// and the card is kept on the order. Replaying with the same `reference`
/// returns the same card and adds no second note.
pub fn issue_gift_card(ctx: &mut Ctx, a: IssueArgs) -> Res<Json> {
    let mut o = orders::load(ctx, &a.order)?;
    let role = match a.role.as_deref().unwrap_or("staff") {
        "staff" => StaffRole::Staff,
        "supervisor" => StaffRole::Supervisor,
        other => {
            return Err(
                ShopError::InvalidArgument(format!("role `{other}`: staff or supervisor")).into(),
            );
        }
    };
    let request = IssueRequest {
        order_id: o.id.clone(),
        amount: a.amount,
        role,
        confirm_over_limit: a.confirm.unwrap_or(false),
        admin_user: a.admin_user.unwrap_or_else(|| "admin".into()),
        comment: a.comment,
        recipient_email: a.recipient_email,
        validity_days: a.validity_days,
        reference: a.reference,
    };
    let issued = ctx.plugin(|pl, s| {
        pl.giftcard_plugin_issuing(&mut *s)?
            .call_issue_from_order(s, &request)
    })?;
    let card_id = json!(issued.card.id);
    if !o.goodwill_cards.iter().any(|c| c["id"] == card_id) {
        o.goodwill_cards.push(to_json(&issued.card));
        o.notes.push(issued.note.clone());
        orders::save(ctx, &o)?;
    }
    let mut v = to_json(&issued);
    v["order-id"] = json!(o.id);
    v["notes"] = json!(o.notes);
    Ok(v)
}

/// Tells the plugin an order completed, once: when the shop's status says
/// `complete` (everything invoiced and shipped), every invoice is paid, and
/// the order was not cancelled. Campaign cards it issues are kept on the
/// order with a note each. Runs inside the caller's transaction; the caller
/// saves the order.
pub fn complete_if_done(ctx: &mut Ctx, o: &mut Order) -> Res<()> {
    if o.status != "complete" || o.completed_at.is_some() || o.cancellation.is_some() {
        return Ok(());
    }
    let invoices: Vec<Invoice> = ctx.list("shop_invoices", Some(&o.id))?;
    if invoices.iter().any(|i| i.state != "paid") {
        return Ok(());
    }
    let request = CompleteRequest {
        order_id: o.id.clone(),
    };
    let cards = ctx.plugin(|pl, s| {
        pl.giftcard_plugin_orders(&mut *s)?
            .call_completed(s, &request)
    })?;
    for c in &cards {
        o.notes.push(format!(
            "Campaign gift card {} of {} {} issued (campaign {})",
            c.masked_code,
            c.initial_value.amount,
            c.initial_value.currency,
            c.campaign_id.map_or("null".to_owned(), |id| id.to_string())
        ));
    }
    o.campaign_cards = cards.iter().map(to_json).collect();
    o.completed_at = Some(ctx.now());
    Ok(())
}
