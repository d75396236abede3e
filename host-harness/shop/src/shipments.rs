//! Shipments: which units of physical lines left the warehouse. The plugin
//! has no part in shipping, so this is host bookkeeping only.

use super::LineQty;
use super::context::Ctx;
use super::error::{Res, ShopError};
use super::invoices::choose;
use super::model::{Kind, Shipment, ShipmentLine};
use super::orders::{self, ensure_not_canceled, refresh_status};
use serde::Deserialize;
use serde_json::Value as Json;

#[derive(clap::Args, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ShipArgs {
    /// Order id
    #[arg(long)]
    order: String,
    /// Line quantities, e.g. 1=1 (default all left to ship)
    #[arg(long)]
    lines: Option<Vec<LineQty>>,
    /// Shipment id (default SHP-000001, …)
    #[arg(long)]
    shipment_id: Option<String>,
}

/// Ships units of simple (physical) lines; by default all that are left.
pub fn create(ctx: &mut Ctx, a: ShipArgs) -> Res<Json> {
    let mut o = orders::load(ctx, &a.order)?;
    if let Some(id) = &a.shipment_id {
        let conflict = |s: &Shipment| (s.order != o.id).then(|| format!("shipment {id}"));
        if let Some(existing) = ctx.replayed("shop_shipments", id, "shipment id", conflict)? {
            return Ok(serde_json::to_value(existing)?);
        }
    }
    ensure_not_canceled(&o)?;
    let chosen = choose(
        &o,
        a.lines.as_deref(),
        |l| {
            if l.kind == Kind::Simple {
                l.quantity - l.qty_shipped - l.qty_canceled
            } else {
                0
            }
        },
        "ship",
    )?;
    if chosen.is_empty() {
        return Err(ShopError::NothingToShip.into());
    }
    let id = ctx.given_or_next_id(a.shipment_id, "SHP")?;
    let mut lines = Vec::new();
    for (i, q) in chosen {
        let l = &mut o.lines[i];
        l.qty_shipped += q;
        lines.push(ShipmentLine {
            line: l.id.clone(),
            sku: l.sku.clone(),
            quantity: q,
        });
    }
    let s = Shipment {
        id: id.clone(),
        order: o.id.clone(),
        lines,
        created_at: ctx.now(),
    };
    ctx.put("shop_shipments", &id, Some(&o.id), &s)?;
    o.shipments.push(id);
    refresh_status(&mut o)?;
    super::issuing::complete_if_done(ctx, &mut o)?;
    orders::save(ctx, &o)?;
    Ok(serde_json::to_value(s)?)
}
