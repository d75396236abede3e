//! Card management beyond create / adjust / enable / disable: top-up,
//! cancellation, deletion, bulk status changes and deletes, one card per
//! recipient, the CSV export and the per-card detail view.
//!
//! The bulk operations are all-or-nothing: every card is checked before any
//! is changed, and the first card that cannot change refuses the whole
//! request with `bulk-item-failed` (the host's transaction makes the writes
//! atomic as well).

use std::collections::HashSet;

use crate::cards::ledger;
use crate::cards::status::Operation;
use crate::cards::{
    self, HandChange, StoredCard, change_by_hand, check_email, check_opt_text, check_text, load,
};
use crate::error::{Error, Result};
use crate::model::*;
use crate::storage::db::Value;
use crate::storage::env::Environment;
use crate::storage::time;

/// The most cards one bulk request may name.
pub const MAX_BULK: usize = 10_000;
/// The most recipients one request may name.
pub const MAX_RECIPIENTS: usize = 1_000;
/// Cards loaded per `IN (…)` query: far below every engine's parameter limit.
const CHUNK: usize = 500;

/// Loading value onto a card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopUp {
    pub card: CardRef,
    pub amount: GivenMoney,
    pub comment: Option<String>,
    pub admin_user: String,
    pub reference: Option<String>,
}

/// Several cards at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkRequest {
    pub cards: Vec<CardId>,
    pub comment: Option<String>,
    pub admin_user: String,
}

/// A mass status change: `Disabled` or `Active`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkStatus {
    pub cards: BulkRequest,
    pub status: CardStatus,
}

/// One recipient of [`create_for_recipients`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub email: String,
    pub name: Option<String>,
    pub customer_id: Option<String>,
}

/// One card per recipient, all made from `card`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientsRequest {
    pub card: CreateCard,
    pub recipients: Vec<Recipient>,
    pub registered_only: bool,
    pub reference: Option<String>,
}

/// Which cards to export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportRequest {
    pub filter: ListCards,
    pub include_codes: bool,
    pub admin_user: String,
}

/// A card with its whole ledger and the orders it paid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardDetails {
    pub card: Card,
    pub history: Vec<HistoryEntry>,
    pub orders: Vec<String>,
}

/// Loads value onto an `active` or `used` card with a `loaded` ledger row; a
/// used card becomes active again.
pub fn top_up(env: &mut dyn Environment, req: TopUp) -> Result<Card> {
    check_text("admin-user", &req.admin_user, 100, true)?;
    check_opt_text("comment", req.comment.as_deref(), 1000)?;
    check_opt_text("reference", req.reference.as_deref(), 200)?;
    let card = load(env, &req.card)?;
    card.check_currency(&req.amount)?;
    let amount = card.currency.positive_of(&req.amount.amount)?;
    change_by_hand(
        env,
        card,
        amount,
        HandChange {
            action: HistoryAction::Loaded,
            operation: Operation::TopUp,
            what: "top-up",
            admin_user: &req.admin_user,
            reference: req.reference.as_deref(),
            comment: req.comment.as_deref(),
        },
    )
}

/// Ledger actions that draw on a card.
const DRAWN: &str = "'redeemed', 'moved-to-account'";
/// Ledger actions that show a card took part in an order or a transfer.
const USED: &str = "'redeemed', 'moved-to-account', 'refunded'";

/// The ids among `ids` with a ledger row of one of `actions` (an SQL list).
fn ids_with_actions(
    env: &mut dyn Environment,
    ids: &[CardId],
    actions: &str,
) -> Result<HashSet<CardId>> {
    let mut found = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let (list, params) = in_list(chunk);
        let rows = env.db().execute(
            &format!(
                "SELECT DISTINCT card_id FROM gc_history WHERE card_id IN ({list}) AND action IN ({actions})"
            ),
            &params,
        )?;
        for row in rows.iter() {
            found.insert(row.i64("card_id")? as CardId);
        }
    }
    Ok(found)
}

/// The ids among `ids` that paid part of an order.
fn ids_in_orders(env: &mut dyn Environment, ids: &[CardId]) -> Result<HashSet<CardId>> {
    let mut found = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let (list, params) = in_list(chunk);
        let rows = env.db().execute(
            &format!("SELECT DISTINCT card_id FROM gc_order_cards WHERE card_id IN ({list})"),
            &params,
        )?;
        for row in rows.iter() {
            found.insert(row.i64("card_id")? as CardId);
        }
    }
    Ok(found)
}

/// `?1, ?2, …` and the ids as parameters.
fn in_list(ids: &[CardId]) -> (String, Vec<Value>) {
    let list = (1..=ids.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let params = ids.iter().map(|id| Value::Integer(*id as i64)).collect();
    (list, params)
}

/// Voids a card never drawn on: a `cancelled` row writes its balance off and
/// the card is `cancelled` for good (stored `disabled` with `cancelled_at`).
pub fn cancel(env: &mut dyn Environment, req: SetStatus) -> Result<Card> {
    let now = env.now();
    let card = cards::load_for_status_change(env, &req, Operation::Cancel, now)?;
    if card.uses > 0 || !ids_with_actions(env, &[card.id], DRAWN)?.is_empty() {
        return Err(Error::CardAlreadyUsed);
    }
    let changed = env.db().execute(
        "UPDATE gc_cards SET balance = 0, status = 'disabled', cancelled_at = ?1, updated_at = ?1 \
         WHERE id = ?2 AND cancelled_at IS NULL AND balance = ?3 AND uses = 0",
        &[
            Value::Integer(now),
            Value::Integer(card.id as i64),
            Value::Integer(card.balance),
        ],
    )?;
    if changed.rows_changed != 1 {
        return Err(cards::lost_status_race(
            env,
            card.id,
            Operation::Cancel,
            now,
        ));
    }
    let amount = -card.balance;
    cards::append_status_row(env, &req, &card, HistoryAction::Cancelled, amount, now)?;
    Ok(StoredCard {
        balance: 0,
        stored_status: CardStatus::Disabled,
        cancelled_at: Some(now),
        updated_at: now,
        ..card
    }
    .to_card(now))
}

/// Why a card may not be deleted, if it may not: it was redeemed, moved to
/// an account, refunded, paid an order, counted a use, or was issued by an
/// order.
fn undeletable(
    card: &StoredCard,
    used: &HashSet<CardId>,
    in_orders: &HashSet<CardId>,
) -> Option<&'static str> {
    if card.context.order_id.is_some() {
        Some("the card was issued by an order")
    } else if in_orders.contains(&card.id) {
        Some("the card paid an order")
    } else if used.contains(&card.id) {
        Some("the card was redeemed, moved to an account or refunded")
    } else if card.uses > 0 {
        Some("the card has been used")
    } else {
        None
    }
}

/// Removes the cards and their ledgers (the cards were checked deletable).
fn delete_rows(env: &mut dyn Environment, ids: &[CardId]) -> Result<()> {
    for chunk in ids.chunks(CHUNK) {
        let (list, params) = in_list(chunk);
        env.db().execute(
            &format!("DELETE FROM gc_history WHERE card_id IN ({list})"),
            &params,
        )?;
        env.db().execute(
            &format!("DELETE FROM gc_cards WHERE id IN ({list})"),
            &params,
        )?;
    }
    Ok(())
}

/// Removes a card never used, with its ledger.
pub fn delete(env: &mut dyn Environment, req: SetStatus) -> Result<()> {
    check_text("admin-user", &req.admin_user, 100, true)?;
    check_opt_text("comment", req.comment.as_deref(), 1000)?;
    let card = load(env, &req.card)?;
    let used = ids_with_actions(env, &[card.id], USED)?;
    let in_orders = ids_in_orders(env, &[card.id])?;
    if undeletable(&card, &used, &in_orders).is_some() {
        return Err(Error::CardAlreadyUsed);
    }
    delete_rows(env, &[card.id])
}

/// Checks a bulk request's ids: 1 to 10,000, no duplicates.
fn check_bulk(req: &BulkRequest) -> Result<()> {
    check_text("admin-user", &req.admin_user, 100, true)?;
    check_opt_text("comment", req.comment.as_deref(), 1000)?;
    if req.cards.is_empty() || req.cards.len() > MAX_BULK {
        return Err(Error::InvalidArgument(format!(
            "cards: 1 to {MAX_BULK} ids (got {})",
            req.cards.len()
        )));
    }
    let mut seen = HashSet::with_capacity(req.cards.len());
    for id in &req.cards {
        if !seen.insert(*id) {
            return Err(Error::InvalidArgument(format!(
                "cards: card {id} is named twice"
            )));
        }
    }
    Ok(())
}

/// Loads the named cards; the first missing one fails the request.
fn load_all(env: &mut dyn Environment, ids: &[CardId]) -> Result<Vec<StoredCard>> {
    let mut by_id = cards::load_many(env, ids, CHUNK)?;
    ids.iter()
        .map(|id| {
            by_id.remove(id).ok_or_else(|| Error::BulkItemFailed {
                card_id: *id,
                reason: "no card has this id".into(),
            })
        })
        .collect()
}

/// Disables (`Disabled`) or enables (`Active`) many cards; cards already in
/// that state are skipped; one card that cannot change refuses them all.
pub fn set_status_many(env: &mut dyn Environment, req: BulkStatus) -> Result<Vec<CardSummary>> {
    let now = env.now();
    let enable = match req.status {
        CardStatus::Disabled => false,
        CardStatus::Active => true,
        other => {
            return Err(Error::InvalidArgument(format!(
                "status: `disabled` or `active`, not `{other}`"
            )));
        }
    };
    check_bulk(&req.cards)?;
    let stored = load_all(env, &req.cards.cards)?;
    // Check every card first.
    let mut changes = Vec::new();
    for (i, card) in stored.iter().enumerate() {
        let status = card.status(now);
        if status == CardStatus::Cancelled {
            return Err(Error::BulkItemFailed {
                card_id: card.id,
                reason: format!(
                    "a cancelled card cannot be {}",
                    if enable { "enabled" } else { "disabled" }
                ),
            });
        }
        let already = if enable {
            status != CardStatus::Disabled
        } else {
            status == CardStatus::Disabled
        };
        if !already {
            changes.push(i);
        }
    }
    let mut out: Vec<CardSummary> = stored.iter().map(|c| c.to_summary(now)).collect();
    for i in changes {
        let card = &stored[i];
        let changed = cards::set_enabled(
            env,
            SetStatus {
                card: CardRef::Id(card.id),
                comment: req.cards.comment.clone(),
                admin_user: req.cards.admin_user.clone(),
            },
            enable,
        )
        .map_err(|e| Error::BulkItemFailed {
            card_id: card.id,
            reason: e.to_string(),
        })?;
        out[i].status = changed.summary.status;
    }
    Ok(out)
}

/// Deletes many cards under [`delete`]'s rule; all or none.
pub fn delete_many(env: &mut dyn Environment, req: BulkRequest) -> Result<u32> {
    check_bulk(&req)?;
    let stored = load_all(env, &req.cards)?;
    let used = ids_with_actions(env, &req.cards, USED)?;
    let in_orders = ids_in_orders(env, &req.cards)?;
    for card in &stored {
        if let Some(reason) = undeletable(card, &used, &in_orders) {
            return Err(Error::BulkItemFailed {
                card_id: card.id,
                reason: reason.into(),
            });
        }
    }
    delete_rows(env, &req.cards)?;
    Ok(req.cards.len() as u32)
}

/// One card per recipient, in their order, in one transaction. With a
/// reference, card `n` (from 1) gets the reference `{reference}:{n}`, so a
/// repeat returns the same cards.
pub fn create_for_recipients(
    env: &mut dyn Environment,
    req: RecipientsRequest,
) -> Result<Vec<Card>> {
    let template = &req.card;
    for (field, given) in [
        ("code", template.code.is_some()),
        ("reference", template.reference.is_some()),
        ("recipient-name", template.recipient_name.is_some()),
        ("recipient-email", template.recipient_email.is_some()),
        ("customer-id", template.customer_id.is_some()),
    ] {
        if given {
            return Err(Error::InvalidArgument(format!(
                "card.{field}: must be none; it comes from each recipient (or the request)"
            )));
        }
    }
    if req.recipients.is_empty() || req.recipients.len() > MAX_RECIPIENTS {
        return Err(Error::InvalidArgument(format!(
            "recipients: 1 to {MAX_RECIPIENTS} (got {})",
            req.recipients.len()
        )));
    }
    check_opt_text("reference", req.reference.as_deref(), 190)?;
    let mut seen = HashSet::with_capacity(req.recipients.len());
    for (n, r) in req.recipients.iter().enumerate() {
        let field = format!("recipients.{n}.email");
        check_email(&field, &r.email)?;
        if !seen.insert(r.email.to_lowercase()) {
            return Err(Error::InvalidArgument(format!(
                "{field}: `{}` is named twice",
                r.email
            )));
        }
        check_opt_text(&format!("recipients.{n}.name"), r.name.as_deref(), 200)?;
        check_opt_text(
            &format!("recipients.{n}.customer-id"),
            r.customer_id.as_deref(),
            200,
        )?;
        if req.registered_only && r.customer_id.is_none() {
            return Err(Error::InvalidArgument(format!(
                "{field}: `{}` is not a registered customer (registered-only is set)",
                r.email
            )));
        }
    }
    let reference_of = |n: usize| req.reference.as_ref().map(|r| format!("{r}:{n}"));
    if let Some(next) = reference_of(req.recipients.len() + 1) {
        // A repeat must name the same recipients, not fewer.
        let rows = env.db().execute(
            "SELECT id FROM gc_cards WHERE creation_reference = ?1",
            &[Value::from(next.as_str())],
        )?;
        if !rows.rows.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "reference `{}` was already used for more recipients",
                req.reference.as_deref().unwrap_or_default()
            )));
        }
    }
    let mut out = Vec::with_capacity(req.recipients.len());
    for (i, r) in req.recipients.iter().enumerate() {
        let card = cards::create(
            env,
            CreateCard {
                recipient_name: r.name.clone(),
                recipient_email: Some(r.email.clone()),
                customer_id: r.customer_id.clone(),
                reference: reference_of(i + 1),
                ..template.clone()
            },
        )?;
        // A repeat found an earlier card: it must be for the same person.
        let same_person = card
            .summary
            .recipient_email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(&r.email))
            && card.summary.customer_id == r.customer_id;
        if !same_person {
            return Err(Error::InvalidArgument(format!(
                "reference `{}` was already used for different recipients",
                req.reference.as_deref().unwrap_or_default()
            )));
        }
        out.push(card);
    }
    Ok(out)
}

/// The export's columns, in order.
pub const EXPORT_HEADER: [&str; 18] = [
    "id",
    "code",
    "status",
    "balance",
    "initial_value",
    "currency",
    "amount_type",
    "uses",
    "max_uses",
    "expires_at",
    "customer_id",
    "recipient_email",
    "purchaser_email",
    "product_id",
    "definition_id",
    "origin",
    "order_id",
    "created_at",
];

/// The most cards one export answer, or one part of an export, may hold:
/// about 2 MB of CSV, far inside the plugin's memory.
pub const MAX_EXPORT: u64 = 10_000;
/// Cards in an export part when the host does not say.
pub const DEFAULT_EXPORT_PART: u32 = 5_000;

/// One part of an export: skip `offset` matching cards, return at most
/// `limit` (0 = [`DEFAULT_EXPORT_PART`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportPartRequest {
    pub export: ExportRequest,
    pub offset: u64,
    pub limit: u32,
}

/// One part of an export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportPart {
    pub csv: String,
    pub cards: u32,
    pub total: u64,
    pub next_offset: Option<u64>,
}

/// The matching cards as CSV (RFC 4180: CRLF line ends, fields quoted when
/// they hold a comma, quote or line break), header first, every matching card
/// (no paging, at most [`MAX_EXPORT`]), codes masked unless asked. Logged in
/// `gc_card_exports`, as every part of a paged export is.
pub fn export(env: &mut dyn Environment, req: ExportRequest) -> Result<String> {
    let part = export_rows(env, &req, 0, None)?;
    Ok(part.csv)
}

/// One part of an export (see [`ExportPartRequest`]); the first part
/// (offset 0) carries the header. Every part is logged.
pub fn export_part(env: &mut dyn Environment, req: ExportPartRequest) -> Result<ExportPart> {
    let limit = match u64::from(req.limit) {
        0 => u64::from(DEFAULT_EXPORT_PART),
        n if n > MAX_EXPORT => {
            return Err(Error::InvalidArgument(format!(
                "limit: at most {MAX_EXPORT} cards per part, not {n}"
            )));
        }
        n => n,
    };
    export_rows(env, &req.export, req.offset, Some(limit))
}

/// Writes the matching cards from `offset`, `limit` of them (`None`: all,
/// refused above [`MAX_EXPORT`]).
fn export_rows(
    env: &mut dyn Environment,
    req: &ExportRequest,
    offset: u64,
    limit: Option<u64>,
) -> Result<ExportPart> {
    let now = env.now();
    check_text("admin-user", &req.admin_user, 100, true)?;
    let offset =
        i64::try_from(offset).map_err(|_| Error::InvalidArgument("offset: too large".into()))?;
    let q = cards::card_query(env, &req.filter, now)?;
    let total = q.count(env)? as u64;
    let limit = match limit {
        Some(limit) => limit,
        None if total > MAX_EXPORT => {
            return Err(Error::InvalidArgument(format!(
                "the filters match {total} cards; one export answer holds at most \
                 {MAX_EXPORT}: read it a part at a time (`export-cards-part`)"
            )));
        }
        None => MAX_EXPORT,
    };
    let found = q.page(env, limit as i64, offset)?;
    let csv_error = |e: csv::Error| Error::Database(format!("writing the export: {e}"));
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    if offset == 0 {
        w.write_record(EXPORT_HEADER).map_err(csv_error)?;
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let opt_id = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut count = 0u32;
    for c in &found {
        count += 1;
        let record: [String; 18] = [
            c.id.to_string(),
            if req.include_codes {
                c.display_code.clone()
            } else {
                c.masked_code.clone()
            },
            c.status(now).as_str().to_owned(),
            c.currency.format(c.balance),
            c.currency.format(c.initial_value),
            c.currency.code().to_owned(),
            if c.extras.amount_range.is_some() {
                "random"
            } else {
                "fixed"
            }
            .to_owned(),
            c.uses.to_string(),
            if c.extras.max_uses < 0 {
                "unlimited".to_owned()
            } else {
                c.extras.max_uses.to_string()
            },
            c.expires_at.map(time::format).unwrap_or_default(),
            opt(&c.context.customer_id),
            opt(&c.extras.recipient_email),
            opt(&c.extras.purchaser_email),
            opt_id(c.extras.product_id),
            opt_id(c.extras.definition_id),
            c.context.origin.as_str().to_owned(),
            opt(&c.context.order_id),
            time::format(c.created_at),
        ];
        let record = record.map(|cell| match neutralise_formula(&cell) {
            std::borrow::Cow::Borrowed(_) => cell,
            std::borrow::Cow::Owned(safe) => safe,
        });
        w.write_record(&record).map_err(csv_error)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Database(format!("writing the export: {e}")))?;
    // Every answer is logged with the cards it held, whatever its offset:
    // skipping the first part must not make codes leave unrecorded.
    env.db().execute(
        "INSERT INTO gc_card_exports (at, admin_user, include_codes, card_count) \
         VALUES (?1, ?2, ?3, ?4)",
        &[
            Value::Integer(now),
            Value::from(req.admin_user.as_str()),
            Value::Integer(i64::from(req.include_codes)),
            Value::Integer(i64::from(count)),
        ],
    )?;
    let end = offset as u64 + u64::from(count);
    Ok(ExportPart {
        csv: String::from_utf8(bytes)
            .map_err(|e| Error::Database(format!("export is not UTF-8: {e}")))?,
        cards: count,
        total,
        next_offset: (count > 0 && end < total).then_some(end),
    })
}

/// A cell as the export writes it, safe for the tools that read it:
/// - one a spreadsheet would read as a formula (it starts with `=`, `+`,
///   `-`, `@`, a tab or a carriage return) is prefixed with `'`, as OWASP's
///   CSV-injection advice says, so the spreadsheet shows it as text;
/// - a control character or bidirectional override inside it (only data
///   stored before such text was refused can hold one) is written as a
///   visible escape such as `\u{d}`, so no cell can break a line or drive a
///   terminal.
///
/// Applied to every cell: ids, amounts and dates never start with one of
/// these, so they pass unchanged.
pub fn neutralise_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    let formula = matches!(
        cell.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
    if !formula && !cell.chars().any(cards::forbidden) {
        return cell.into();
    }
    let mut out = String::with_capacity(cell.len() + 8);
    if formula {
        out.push('\'');
    }
    for c in cell.chars() {
        if cards::forbidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// A card with its full ledger (oldest first) and the orders it paid
/// (oldest first).
pub fn detail(env: &mut dyn Environment, card: &CardRef) -> Result<CardDetails> {
    let now = env.now();
    let stored = load(env, card)?;
    let history = ledger::all(env, stored.id, stored.currency)?;
    let rows = env.db().execute(
        "SELECT oc.order_id AS order_id, MIN(o.placed_at) AS placed_at \
         FROM gc_order_cards oc JOIN gc_orders o ON o.order_id = oc.order_id \
         WHERE oc.card_id = ?1 GROUP BY oc.order_id ORDER BY MIN(o.placed_at), oc.order_id",
        &[Value::Integer(stored.id as i64)],
    )?;
    let orders = rows
        .iter()
        .map(|r| r.text("order_id"))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(CardDetails {
        card: stored.to_card(now),
        history,
        orders,
    })
}

#[cfg(test)]
mod tests;
