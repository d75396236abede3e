//! Cards: creating, reading, listing, adjusting, enabling and disabling.
//!
//! Every balance change is one guarded UPDATE (`… AND balance + ?1 >= 0`,
//! checked through `RETURNING`) plus one ledger row, inside the host's
//! transaction for the call, so a balance can neither go negative nor drift
//! from its ledger, even with concurrent writers.

pub mod client_key;
pub mod code;
pub mod contact;
pub mod ledger;
pub mod management;
pub mod movements;
pub mod refusals;
pub mod status;

use crate::error::{Error, Result};
use crate::model::*;
use crate::money::Currency;
use crate::settings::{self, MAX_VALIDITY_DAYS};
use crate::storage::db::{Row, Value};
use crate::storage::env::Environment;
use crate::storage::schema::next_ids;
use crate::storage::time::{self, DAY, Seconds};
use code::Code;
use ledger::NewEntry;

mod checks;
mod query;
mod stored;

pub use checks::*;
pub use query::*;
pub use stored::*;

/// Attempts at drawing a code that no card has yet before giving up. With 65+
/// bits per code a second draw is already astronomically rare.
const CODE_ATTEMPTS: usize = 8;

/// Draws a value uniformly from `min..=max` (minor units) with bytes from the
/// host's secure random source. Rejection sampling: a 64-bit draw is kept only
/// below the largest multiple of the span, so no value is favoured by the
/// modulo (at most one draw in two is rejected, and almost never for real
/// spans).
pub fn draw_uniform(env: &mut dyn Environment, min: i64, max: i64) -> i64 {
    assert!(min <= max, "draw_uniform: empty range");
    let span = (max - min) as u64 + 1;
    // 2^64 mod span: the draws at the very top that would favour low values.
    let rejected = (u64::MAX % span + 1) % span;
    loop {
        let mut buf = [0u8; 8];
        env.fill_random(&mut buf);
        let x = u64::from_le_bytes(buf);
        if x <= u64::MAX - rejected {
            return min + (x % span) as i64;
        }
    }
}

/// Turns a page request into LIMIT and OFFSET, refusing absurd sizes.
pub(crate) fn limit_offset(page: PageRequest) -> Result<(i64, i64)> {
    let size = if page.page_size == 0 {
        DEFAULT_PAGE_SIZE
    } else {
        page.page_size
    };
    if size > MAX_PAGE_SIZE {
        return Err(Error::InvalidArgument(format!(
            "page-size: at most {MAX_PAGE_SIZE}"
        )));
    }
    let number = page.page.max(1);
    Ok((i64::from(size), (i64::from(number) - 1) * i64::from(size)))
}

/// Loads a card by id or code.
pub fn load(env: &mut dyn Environment, card: &CardRef) -> Result<StoredCard> {
    let (sql, param) = match card {
        CardRef::Id(id) => (
            format!("SELECT {CARD_COLUMNS} FROM gc_cards WHERE id = ?1"),
            Value::Integer(i64::try_from(*id).map_err(|_| Error::CardNotFound)?),
        ),
        CardRef::Code(code) => (
            format!("SELECT {CARD_COLUMNS} FROM gc_cards WHERE code = ?1"),
            Value::Text(code::normalize(code)?),
        ),
    };
    let rows = env.db().execute(&sql, &[param])?;
    rows.first_or(StoredCard::from_row, Error::CardNotFound)
}

/// Loads cards by id, `chunk` ids a query (SQLite's parameter limit), keyed
/// by id: the caller decides what a missing one means. An id beyond `i64`
/// names no card, so it is left out of the query and stays missing.
pub(crate) fn load_many(
    env: &mut dyn Environment,
    ids: &[CardId],
    chunk: usize,
) -> Result<std::collections::HashMap<CardId, StoredCard>> {
    let mut by_id = std::collections::HashMap::with_capacity(ids.len());
    for part in ids.chunks(chunk) {
        let params: Vec<Value> = part
            .iter()
            .filter_map(|id| i64::try_from(*id).ok().map(Value::Integer))
            .collect();
        if params.is_empty() {
            continue;
        }
        let list = (1..=params.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = env.db().execute(
            &format!("SELECT {CARD_COLUMNS} FROM gc_cards WHERE id IN ({list})"),
            &params,
        )?;
        for row in rows.iter() {
            let card = StoredCard::from_row(&row)?;
            by_id.insert(card.id, card);
        }
    }
    Ok(by_id)
}

/// The cards of these normalized codes, read in one statement (a quote
/// carries at most `quote::MAX_CODES`, far below every engine's parameter
/// limit); a code no card has is simply not among them.
pub(crate) fn load_by_codes(
    env: &mut dyn Environment,
    codes: &[String],
) -> Result<Vec<StoredCard>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let list = (1..=codes.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let params: Vec<Value> = codes.iter().map(|c| Value::from(c.as_str())).collect();
    let rows = env.db().execute(
        &format!("SELECT {CARD_COLUMNS} FROM gc_cards WHERE code IN ({list})"),
        &params,
    )?;
    rows.iter().map(|row| StoredCard::from_row(&row)).collect()
}

/// Whether some card holds `value` in `column`, one of its unique text
/// columns (`code`, `creation_reference`).
pub(crate) fn card_with(env: &mut dyn Environment, column: &str, value: &str) -> Result<bool> {
    let sql = format!("SELECT id FROM gc_cards WHERE {column} = ?1");
    Ok(!env
        .db()
        .execute(&sql, &[Value::from(value)])?
        .rows
        .is_empty())
}

fn code_exists(env: &mut dyn Environment, normalized: &str) -> Result<bool> {
    card_with(env, "code", normalized)
}

/// Works out the expiry from an explicit time, a number of days, or the default.
pub(crate) fn resolve_expiry(
    now: Seconds,
    expires_at: Option<&str>,
    validity_days: Option<u32>,
    default_days: u32,
) -> Result<Option<Seconds>> {
    match (expires_at, validity_days) {
        (Some(_), Some(_)) => Err(Error::InvalidExpiry(
            "give expires-at or validity-days, not both".into(),
        )),
        (Some(text), None) => {
            let at = time::parse(text, "expires-at")?;
            if at <= now {
                return Err(Error::InvalidExpiry(format!(
                    "expires-at {} is not in the future",
                    time::format(at)
                )));
            }
            if at > now + i64::from(MAX_VALIDITY_DAYS) * DAY {
                return Err(Error::InvalidExpiry(format!(
                    "expires-at is more than {MAX_VALIDITY_DAYS} days away"
                )));
            }
            Ok(Some(at))
        }
        (None, days) => {
            let days = days.unwrap_or(default_days);
            if days > MAX_VALIDITY_DAYS {
                return Err(Error::InvalidExpiry(format!(
                    "validity-days: at most {MAX_VALIDITY_DAYS}"
                )));
            }
            Ok((days > 0).then(|| now + i64::from(days) * DAY))
        }
    }
}

/// Creates a card and its `created` ledger row.
///
/// A random-amount card (`amount-max` given) has its value drawn here, once,
/// from the host's secure random source, uniformly to the minor unit over
/// `amount..=amount-max`; the range is kept on the card and the range and the
/// value drawn are written on the `created` ledger row's comment.
pub fn create(env: &mut dyn Environment, req: CreateCard) -> Result<Card> {
    let now = env.now();
    check_text("admin-user", &req.admin_user, 100, true)?;
    check_opt_text("customer-id", req.customer_id.as_deref(), 200)?;
    check_opt_text("comment", req.comment.as_deref(), 1000)?;
    check_opt_text("reference", req.reference.as_deref(), 200)?;
    check_opt_text("recipient-name", req.recipient_name.as_deref(), 200)?;
    if let Some(email) = req.recipient_email.as_deref() {
        check_email("recipient-email", email)?;
    }
    let max_uses = check_max_uses(req.max_uses)?;
    let currency = Currency::parse(&req.amount.currency)?;
    let amount = currency.positive_of(&req.amount.amount)?;
    let range = match &req.amount_max {
        None => None,
        Some(given) => {
            let max = currency.positive_of(given)?;
            if max <= amount {
                return Err(Error::InvalidAmount(format!(
                    "amount-max {} must be larger than amount {}",
                    currency.format(max),
                    currency.format(amount)
                )));
            }
            Some((amount, max))
        }
    };
    let settings = settings::load(env)?;
    let expires_at = resolve_expiry(
        now,
        req.expires_at.as_deref(),
        req.validity_days,
        settings.default_validity_days,
    )?;
    let custom = req.code.as_deref().map(code::custom).transpose()?;

    // Idempotency: the same reference returns the card it created before.
    if let Some(reference) = req.reference.as_deref() {
        let rows = env.db().execute(
            &format!("SELECT {CARD_COLUMNS} FROM gc_cards WHERE creation_reference = ?1"),
            &[Value::from(reference)],
        )?;
        if let Some(row) = rows.first() {
            let earlier = StoredCard::from_row(&row)?;
            let same_value = match range {
                // A random card's value was drawn: compare the range asked for.
                Some(r) => earlier.extras.amount_range == Some(r),
                None => earlier.extras.amount_range.is_none() && earlier.initial_value == amount,
            };
            let same = same_value
                && earlier.currency == currency
                && custom.as_ref().is_none_or(|c| c.normalized == earlier.code);
            if !same {
                return Err(Error::InvalidArgument(format!(
                    "reference `{reference}` was already used to create a different card"
                )));
            }
            return Ok(earlier.to_card(now));
        }
    }

    check_opt_text("website", req.website.as_deref(), 100)?;
    let (value, note) = match range {
        None => (amount, None),
        Some((min, max)) => {
            let drawn = draw_uniform(env, min, max);
            let note = format!(
                "random amount {} drawn from {}–{}",
                currency.format(drawn),
                currency.format(min),
                currency.format(max)
            );
            (drawn, Some(note))
        }
    };
    let card = insert_with_note(
        env,
        NewCard {
            code: custom,
            amount: value,
            currency,
            expires_at,
            context: CardContext {
                customer_id: req.customer_id,
                comment: req.comment,
                website: req.website,
                test: req.test.unwrap_or(false),
                ..CardContext::of(CardOrigin::Admin)
            },
            reference: req.reference,
            actor: Actor::Admin(req.admin_user),
            extras: CardExtras {
                amount_range: range,
                max_uses,
                recipient_name: req.recipient_name,
                recipient_email: req.recipient_email,
                ..CardExtras::default()
            },
        },
        note.as_deref(),
    )?;
    Ok(card.to_card(now))
}

/// Everything needed to write a new card.
pub(crate) struct NewCard {
    /// A custom code; `None` draws one from the settings' format.
    pub code: Option<Code>,
    pub amount: i64,
    pub currency: Currency,
    pub expires_at: Option<Seconds>,
    pub context: CardContext,
    /// The idempotency key, unique across all cards.
    pub reference: Option<String>,
    pub actor: Actor,
    pub extras: CardExtras,
}

/// Writes a card and its `created` ledger row; the one place cards are born,
/// whether an administrator, a paid invoice or a refund creates them.
pub(crate) fn insert(env: &mut dyn Environment, new: NewCard) -> Result<StoredCard> {
    insert_with_note(env, new, None)
}

/// [`insert`], with a note appended to the `created` row's comment (after the
/// card's own comment, if any): how a random amount records its draw.
pub(crate) fn insert_with_note(
    env: &mut dyn Environment,
    new: NewCard,
    note: Option<&str>,
) -> Result<StoredCard> {
    let now = env.now();
    let ledger_comment = match (new.context.comment.as_deref(), note) {
        (Some(c), Some(n)) => Some(format!("{c}; {n}")),
        (Some(c), None) => Some(c.to_owned()),
        (None, Some(n)) => Some(n.to_owned()),
        (None, None) => None,
    };
    let code: Code = match new.code {
        Some(code) => {
            if code_exists(env, &code.normalized)? {
                return Err(Error::CodeTaken);
            }
            code
        }
        None => {
            let format = settings::load(env)?.code_format();
            generate_unique(env, &format)?
        }
    };
    let purchase_json = new
        .context
        .purchase
        .as_ref()
        .map(|p| serde_json::to_string(p).expect("plain record serializes"));
    let id = next_ids(env, "card", 1)?;
    let inserted = env.db().execute(
        "INSERT INTO gc_cards (id, code, display_code, masked_code, status, balance, \
         initial_value, currency, expires_at, customer_id, comment, creation_reference, \
         created_at, updated_at, website, is_test, origin, order_id, order_line, purchase, \
         amount_min, amount_max, max_uses, recipient_name, recipient_email, \
         purchaser_customer_id, purchaser_email, product_id, definition_id, campaign_id) \
         VALUES (?1, ?2, ?3, ?4, 'active', ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13, ?14, \
         ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)",
        &[
            Value::Integer(id),
            Value::from(code.normalized.as_str()),
            Value::from(code.display.as_str()),
            Value::from(code.masked.as_str()),
            Value::Integer(new.amount),
            Value::from(new.currency.code()),
            Value::from(new.expires_at),
            Value::from(new.context.customer_id.as_deref()),
            Value::from(new.context.comment.as_deref()),
            Value::from(new.reference.as_deref()),
            Value::Integer(now),
            Value::from(new.context.website.as_deref()),
            Value::Integer(i64::from(new.context.test)),
            Value::from(new.context.origin.as_str()),
            Value::from(new.context.order_id.as_deref()),
            Value::from(new.context.order_line.as_deref()),
            Value::from(purchase_json.as_deref()),
            Value::from(new.extras.amount_range.map(|r| r.0)),
            Value::from(new.extras.amount_range.map(|r| r.1)),
            Value::Integer(i64::from(new.extras.max_uses)),
            Value::from(new.extras.recipient_name.as_deref()),
            Value::from(new.extras.recipient_email.as_deref()),
            Value::from(new.extras.purchaser_customer_id.as_deref()),
            Value::from(new.extras.purchaser_email.as_deref()),
            Value::from(new.extras.product_id.map(|v| v as i64)),
            Value::from(new.extras.definition_id.map(|v| v as i64)),
            Value::from(new.extras.campaign_id.map(|v| v as i64)),
        ],
    );
    match inserted {
        Ok(_) => {}
        // A concurrent writer took the code between the check and the insert.
        Err(crate::storage::db::DbError::ConstraintViolation(_)) => return Err(Error::CodeTaken),
        Err(e) => return Err(e.into()),
    }
    ledger::append(
        env,
        NewEntry {
            card_id: id as u64,
            action: HistoryAction::Created,
            amount: new.amount,
            balance_before: 0,
            actor: &new.actor,
            reference: new.reference.as_deref(),
            comment: ledger_comment.as_deref(),
            at: now,
        },
    )?;
    // Built from what was just inserted: no need to read it back.
    Ok(StoredCard {
        id: id as u64,
        code: code.normalized,
        display_code: code.display,
        masked_code: code.masked,
        stored_status: CardStatus::Active,
        balance: new.amount,
        initial_value: new.amount,
        currency: new.currency,
        expires_at: new.expires_at,
        context: new.context,
        created_at: now,
        updated_at: now,
        extras: new.extras,
        uses: 0,
        cancelled_at: None,
    })
}

/// Draws codes from the host's secure source until one is free.
pub fn generate_unique(env: &mut dyn Environment, format: &code::CodeFormat) -> Result<Code> {
    for _ in 0..CODE_ATTEMPTS {
        let code = code::generate(format, &mut |buf| env.fill_random(buf));
        if !code_exists(env, &code.normalized)? {
            return Ok(code);
        }
    }
    Err(Error::Database(
        "could not draw an unused code; is the random source working?".into(),
    ))
}

/// One card, full code.
pub fn get(env: &mut dyn Environment, card: &CardRef) -> Result<Card> {
    let now = env.now();
    Ok(load(env, card)?.to_card(now))
}

/// Changes the balance by a signed amount and writes the ledger row. The
/// single UPDATE is guarded so the balance can never go below zero, and sets
/// the status from the new balance. Returns the balance before the change.
pub(crate) fn apply_balance_change(
    env: &mut dyn Environment,
    card: &StoredCard,
    amount: i64,
    entry: (HistoryAction, &Actor, Option<&str>, Option<&str>),
) -> Result<i64> {
    let now = env.now();
    let max = card.currency.max_minor();
    let rows = env.db().execute(
        "UPDATE gc_cards SET balance = balance + ?1, \
         status = CASE WHEN balance + ?1 = 0 THEN 'used' ELSE 'active' END, updated_at = ?2 \
         WHERE id = ?3 AND status IN ('active', 'used') AND balance + ?1 >= 0 AND balance + ?1 <= ?4 \
         RETURNING balance",
        &[
            Value::Integer(amount),
            Value::Integer(now),
            Value::Integer(card.id as i64),
            Value::Integer(max),
        ],
    )?;
    let Some(row) = rows.first() else {
        // The guard refused: find out which part, from the current row.
        let fresh = load(env, &CardRef::Id(card.id))?;
        if !matches!(fresh.stored_status, CardStatus::Active | CardStatus::Used) {
            return Err(Error::InvalidStatus {
                status: fresh.status(now),
                operation: entry.0.as_str().into(),
            });
        }
        if fresh.balance + amount < 0 {
            return Err(Error::InsufficientBalance {
                available: fresh.money(fresh.balance),
            });
        }
        return Err(Error::InvalidAmount(format!(
            "the balance would exceed the maximum of {} {}",
            fresh.currency.format(max),
            fresh.currency.code()
        )));
    };
    let after = row.i64("balance")?;
    let before = after - amount;
    let (action, actor, reference, comment) = entry;
    ledger::append(
        env,
        NewEntry {
            card_id: card.id,
            action,
            amount,
            balance_before: before,
            actor,
            reference,
            comment,
            at: now,
        },
    )?;
    Ok(before)
}

/// Adds or removes value by hand, with a comment.
pub fn adjust(env: &mut dyn Environment, req: AdjustBalance) -> Result<Card> {
    check_text("admin-user", &req.admin_user, 100, true)?;
    check_text("comment", &req.comment, 1000, true)?;
    check_opt_text("reference", req.reference.as_deref(), 200)?;
    let card = load(env, &req.card)?;
    card.check_currency(&req.amount)?;
    let amount = card.currency.minor_of(&req.amount.amount)?;
    if amount == 0 {
        return Err(Error::InvalidAmount(
            "an adjustment must not be zero".into(),
        ));
    }
    change_by_hand(
        env,
        card,
        amount,
        HandChange {
            action: HistoryAction::Adjusted,
            operation: status::Operation::Adjust,
            what: "adjustment",
            admin_user: &req.admin_user,
            reference: req.reference.as_deref(),
            comment: Some(&req.comment),
        },
    )
}

/// A balance change staff make by hand (a top-up or an adjustment), after the
/// request's own checks.
pub(crate) struct HandChange<'a> {
    pub action: HistoryAction,
    pub operation: status::Operation,
    /// How a refusal names the change: "a different {what} of this card".
    pub what: &'static str,
    pub admin_user: &'a str,
    pub reference: Option<&'a str>,
    pub comment: Option<&'a str>,
}

/// The rest of a hand-made change, the same for each kind: a repeated
/// reference with the same amount answers the card as it is (idempotency), with
/// another amount it is refused; then the status and the expiry are checked
/// and one guarded update with its ledger row applies it.
pub(crate) fn change_by_hand(
    env: &mut dyn Environment,
    card: StoredCard,
    amount: i64,
    change: HandChange<'_>,
) -> Result<Card> {
    let now = env.now();
    if let Some(reference) = change.reference {
        match ledger::find_by_reference(env, card.id, change.action, reference)? {
            Some(previous) if previous == amount => return Ok(card.to_card(now)),
            Some(_) => {
                return Err(Error::InvalidArgument(format!(
                    "reference `{reference}` was already used for a different {} of this card",
                    change.what
                )));
            }
            None => {}
        }
    }
    status::check(card.status(now), change.operation)?;
    // A used card past its expiry still shows `used`; it cannot change value.
    if card.expires_at.is_some_and(|at| at <= now) {
        return Err(Error::InvalidStatus {
            status: CardStatus::Expired,
            operation: change.operation.as_str().into(),
        });
    }
    let actor = Actor::Admin(change.admin_user.into());
    let before = apply_balance_change(
        env,
        &card,
        amount,
        (change.action, &actor, change.reference, change.comment),
    )?;
    let balance = before + amount;
    Ok(StoredCard {
        balance,
        stored_status: status::by_balance(balance),
        updated_at: now,
        ..card
    }
    .to_card(now))
}

/// The checked request and card of an administrator's status change
/// (cancel, disable, enable), which all refuse the same way up front.
pub(crate) fn load_for_status_change(
    env: &mut dyn Environment,
    req: &SetStatus,
    operation: status::Operation,
    now: Seconds,
) -> Result<StoredCard> {
    check_text("admin-user", &req.admin_user, 100, true)?;
    check_opt_text("comment", req.comment.as_deref(), 1000)?;
    let card = load(env, &req.card)?;
    status::check(card.status(now), operation)?;
    Ok(card)
}

/// A guarded status UPDATE changed no row: another writer moved the card
/// between our read and the write, so the refusal names its status now.
pub(crate) fn lost_status_race(
    env: &mut dyn Environment,
    card_id: CardId,
    operation: status::Operation,
    now: Seconds,
) -> Error {
    match load(env, &CardRef::Id(card_id)) {
        Ok(fresh) => Error::InvalidStatus {
            status: fresh.status(now),
            operation: operation.as_str().into(),
        },
        Err(e) => e,
    }
}

/// The ledger row of an administrator's status change: it carries their
/// name and comment, never a reference, in one place for every such change.
pub(crate) fn append_status_row(
    env: &mut dyn Environment,
    req: &SetStatus,
    card: &StoredCard,
    action: HistoryAction,
    amount: i64,
    now: Seconds,
) -> Result<()> {
    let actor = Actor::Admin(req.admin_user.clone());
    ledger::append(
        env,
        NewEntry {
            card_id: card.id,
            action,
            amount,
            balance_before: card.balance,
            actor: &actor,
            reference: None,
            comment: req.comment.as_deref(),
            at: now,
        },
    )
}

/// Disables or enables a card, with a zero-amount ledger row.
pub fn set_enabled(env: &mut dyn Environment, req: SetStatus, enable: bool) -> Result<Card> {
    let now = env.now();
    let (operation, action) = if enable {
        (status::Operation::Enable, HistoryAction::Enabled)
    } else {
        (status::Operation::Disable, HistoryAction::Disabled)
    };
    let card = load_for_status_change(env, &req, operation, now)?;
    let new_status = if enable {
        status::by_balance(card.balance)
    } else {
        CardStatus::Disabled
    };
    let changed = env.db().execute(
        "UPDATE gc_cards SET status = ?1, updated_at = ?2 \
         WHERE id = ?3 AND status = ?4 AND cancelled_at IS NULL",
        &[
            Value::from(new_status.as_str()),
            Value::Integer(now),
            Value::Integer(card.id as i64),
            Value::from(card.stored_status.as_str()),
        ],
    )?;
    if changed.rows_changed != 1 {
        return Err(lost_status_race(env, card.id, operation, now));
    }
    append_status_row(env, &req, &card, action, 0, now)?;
    // The guarded UPDATE above proved the row is as read, but for the status.
    Ok(StoredCard {
        stored_status: new_status,
        updated_at: now,
        ..card
    }
    .to_card(now))
}

/// A card's ledger, oldest first.
pub fn history(
    env: &mut dyn Environment,
    card: &CardRef,
    page: PageRequest,
) -> Result<HistoryPage> {
    let card = load(env, card)?;
    let (entries, total) = ledger::page(env, card.id, card.currency, page)?;
    Ok(HistoryPage { entries, total })
}
