//! `giftcard-harness demo`: a short, narrated session against the component
//! on the embedded SQLite database. It shows cards being created, adjusted,
//! blocked, checked by a customer and listed with their ledgers, and a call
//! crashing half-way without leaving a trace.

use crate::harness::{Harness, money};
use crate::render;
use crate::runtime::{Faults, Outcome};
use anyhow::{Result, bail};
use serde_json::{Value as Json, json};
use std::io::Write;

fn heading(out: &mut dyn Write, text: &str) -> Result<()> {
    writeln!(out, "\n── {text} ──")?;
    Ok(())
}

fn by_id(id: &Json) -> Json {
    json!({ "card": { "id": id } })
}

/// Runs the demo against `harness`, writing to `out`.
pub fn run(harness: &Harness, out: &mut dyn Write) -> Result<()> {
    let meta = harness.call_ok("lifecycle.metadata", &Json::Null)?;
    writeln!(
        out,
        "Gift-card plugin {} {} (contract {}, schema v{}), database {}",
        meta["name"].as_str().unwrap_or("?"),
        meta["version"].as_str().unwrap_or("?"),
        meta["contract-version"].as_str().unwrap_or("?"),
        meta["schema-version"],
        harness.database_path().display()
    )?;

    heading(out, "Settings")?;
    let settings = harness.call_ok("lifecycle.get-settings", &Json::Null)?;
    writeln!(out, "{}", render::settings(&settings))?;

    heading(out, "An administrator creates three cards")?;
    let birthday = harness.call_ok(
        "admin.create-card",
        &json!({ "amount": money("50", "USD"), "validity-days": 365,
                 "comment": "Birthday present", "admin-user": "alice" }),
    )?;
    let loyalty = harness.call_ok(
        "admin.create-card",
        &json!({ "amount": money("25", "EUR"), "admin-user": "alice",
                 "comment": "Loyalty reward" }),
    )?;
    let personal = harness.call_ok(
        "admin.create-card",
        &json!({ "amount": money("100", "USD"), "customer-id": "cust-42",
                 "admin-user": "bob", "comment": "Only for customer cust-42" }),
    )?;
    for card in [&birthday, &loyalty, &personal] {
        writeln!(
            out,
            "  card {:>3}  {}  {}",
            card["id"].as_u64().unwrap_or(0),
            card["code"].as_str().unwrap_or("?"),
            render::money(&card["balance"])
        )?;
    }

    heading(out, "Adjustments, with a reason each")?;
    let adjusted = harness.call_ok(
        "admin.adjust-balance",
        &json!({ "card": { "id": birthday["id"] }, "amount": money("-12.50", "USD"),
                 "comment": "Partly spent in the store", "admin-user": "alice" }),
    )?;
    writeln!(
        out,
        "  card {} is now {}",
        birthday["id"],
        render::money(&adjusted["balance"])
    )?;
    let topped = harness.call_ok(
        "admin.adjust-balance",
        &json!({ "card": { "id": loyalty["id"] }, "amount": money("5", "EUR"),
                 "comment": "Apology for a late delivery", "admin-user": "bob" }),
    )?;
    writeln!(
        out,
        "  card {} is now {}",
        loyalty["id"],
        render::money(&topped["balance"])
    )?;

    heading(out, "Blocking a card")?;
    let mut request = by_id(&personal["id"]);
    request["admin-user"] = json!("bob");
    request["comment"] = json!("Reported lost");
    harness.call_ok("admin.disable-card", &request)?;
    writeln!(out, "  card {} disabled", personal["id"])?;
    let refused = harness.call(
        "admin.adjust-balance",
        &json!({ "card": { "id": personal["id"] }, "amount": money("10", "USD"),
                 "comment": "Try to add value", "admin-user": "bob" }),
    )?;
    match refused {
        Outcome::Err(e) => writeln!(out, "  adjusting it is refused: {}", render::error(&e))?,
        Outcome::Ok(_) => bail!("a disabled card accepted an adjustment"),
    }
    request["comment"] = json!("Found again");
    harness.call_ok("admin.enable-card", &request)?;
    writeln!(out, "  card {} enabled again", personal["id"])?;

    heading(
        out,
        "A customer checks a balance (case, dashes and spaces do not matter)",
    )?;
    let typed = birthday["code"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase()
        .replace('-', " ");
    let answer = harness.call_ok(
        "customer.check-balance",
        &json!({ "code": typed, "client-key": "203.0.113.7" }),
    )?;
    writeln!(out, "  \"{typed}\" → {}", render::balance_answer(&answer))?;
    let answer = harness.call_ok(
        "customer.check-balance",
        &json!({ "code": "GC-THIS-CODE-DOES-NOT-EXIST", "client-key": "203.0.113.7" }),
    )?;
    writeln!(
        out,
        "  an unknown code → {}",
        render::balance_answer(&answer)
    )?;

    heading(out, "A call that crashes half-way leaves nothing behind")?;
    let before = harness.snapshot()?;
    let crashed = harness.call_with(
        "admin.adjust-balance",
        &json!({ "card": { "id": birthday["id"] }, "amount": money("-30", "USD"),
                 "comment": "This call will trap", "admin-user": "alice" }),
        // Statement 5 of an adjustment is its ledger INSERT, after the
        // balance UPDATE has already run.
        Faults {
            trap_at_statement: Some(5),
            ..Faults::default()
        },
    );
    match crashed {
        Err(e) => writeln!(out, "  the plugin trapped: {e}")?,
        Ok(_) => bail!("the injected trap did not fire"),
    }
    let unchanged = harness.snapshot()? == before;
    writeln!(
        out,
        "  database unchanged: {}",
        if unchanged { "yes" } else { "NO" }
    )?;
    if !unchanged {
        bail!("a trapped call left changes behind");
    }

    heading(out, "All cards (codes masked in lists)")?;
    let page = harness.call_ok(
        "admin.list-cards",
        &json!({ "page": { "page": 1, "page-size": 10 } }),
    )?;
    writeln!(out, "{}", render::card_page(&page))?;

    heading(out, &format!("Ledger of card {}", birthday["id"]))?;
    let mut req = by_id(&birthday["id"]);
    req["page"] = json!({ "page": 1, "page-size": 50 });
    let history = harness.call_ok("admin.card-history", &req)?;
    writeln!(out, "{}", render::history(&history))?;

    let problems = harness.ledger_problems()?;
    writeln!(
        out,
        "\nLedger check over every card: {}",
        if problems.is_empty() {
            "each balance equals the sum of its history".to_owned()
        } else {
            problems.join("; ")
        }
    )?;
    if !problems.is_empty() {
        bail!("ledger invariants broken");
    }
    Ok(())
}
