//! What anyone holding a code may do. The answers are built so that asking
//! cannot be used to find codes: one generic refusal for every kind of bad
//! code, and two limits on asking.
//!
//! - **Per client key**: at most [`MAX_ATTEMPTS`] attempts in any sliding
//!   [`WINDOW_SECONDS`], whatever their answers, shared by balance checks,
//!   the public page, redeem-to-account and storefront `apply-code`. Keys
//!   are compared in canonical form (`client_key::canonical`), so one
//!   address in many spellings has one allowance.
//! - **Per signed-in customer**: at most [`MAX_FAILED_LOOKUPS`] *failed*
//!   lookups (the generic not-available / refused answer: a code that is
//!   malformed, unknown or unusable for them) in any rolling
//!   [`FAILURE_WINDOW_SECONDS`], across the same four entry points.
//!   Successful lookups never count, so a customer using their own cards is
//!   never held up, while one guessing from many networks (keys) is.
//!
//! How the two combine, so that neither opens a faster way to probe: both
//! are checked before anything is recorded or looked up. If either is
//! reached the answer is `rate-limited` with the longer of the two waits
//! (the time until a lookup would really go ahead), for any code, good or
//! bad, since answering differently would tell good codes from bad. Such an
//! answer records nothing: it is not an attempt and not a failure, so asking
//! while limited never extends the wait, and the table cannot be filled by
//! asking. Otherwise the attempt is recorded for the key *before* the code is
//! looked up (every lookup costs an attempt, whatever it finds), and a failed
//! lookup is recorded for the customer after its answer is known.
//!
//! Both tables stay small: recording a row purges every row of that table
//! older than its window, for all keys or customers, so they hold at most
//! what the recent window holds however many distinct keys ask.

use crate::cards::client_key;
use crate::cards::code;
use crate::cards::ledger::{self, NewEntry};
use crate::cards::{self, StoredCard};
use crate::error::{Error, Result};
use crate::model::CardRef;
use crate::model::Named;
use crate::model::{
    Actor, BalanceAnswer, BalanceInfo, BalanceRequest, CardId, CardStatus, HistoryAction, Money,
    PageRequest,
};
use crate::settings;
use crate::storage::db::Value;
use crate::storage::env::Environment;
use crate::storage::time::{self, Seconds};

/// Attempts allowed per client key within the window.
pub const MAX_ATTEMPTS: i64 = 10;
/// The sliding window, in seconds.
pub const WINDOW_SECONDS: i64 = 60;
/// Failed lookups allowed per signed-in customer within the hour.
pub const MAX_FAILED_LOOKUPS: i64 = 10;
/// The rolling window of failed lookups, in seconds.
pub const FAILURE_WINDOW_SECONDS: i64 = 3_600;

/// What one rate-limited lookup of a code found.
enum Lookup {
    /// The code belongs to a card whose status is `active` now.
    Active(Box<StoredCard>),
    /// The generic answer: malformed, unknown, expired, used up, disabled,
    /// cancelled.
    NotAvailable,
    /// The client used up its allowance; retry after this many seconds.
    RateLimited(u32),
}

/// Checks a customer id given with a lookup (the host's identifier, compared
/// exactly as given: it is an identifier, not a spelling).
fn check_customer(customer: Option<&str>) -> Result<()> {
    customer.map_or(Ok(()), |c| cards::check_text("customer-id", c, 200, true))
}

/// Checks the arguments, counts the attempt (or refuses it, see the module
/// documentation), then looks the code up. Shared by `check-balance`,
/// `public-balance` and `redeem-to-account`, so the three draw on one
/// allowance and give the same generic answer. The caller records a failed
/// lookup when its answer is the generic one.
fn attempt(
    env: &mut dyn Environment,
    code: &str,
    client_key: &str,
    customer: Option<&str>,
) -> Result<Lookup> {
    let key = client_key::canonical(client_key)?;
    check_customer(customer)?;
    if let Some(retry_after_seconds) = take_attempt(env, &key, customer)? {
        return Ok(Lookup::RateLimited(retry_after_seconds));
    }
    let now = env.now();
    let Ok(normalized) = code::normalize(code) else {
        return Ok(Lookup::NotAvailable);
    };
    let card = match cards::load(env, &CardRef::Code(normalized)) {
        Ok(card) => card,
        Err(Error::CardNotFound) => return Ok(Lookup::NotAvailable),
        Err(e) => return Err(e),
    };
    if card.status(now) != CardStatus::Active {
        return Ok(Lookup::NotAvailable);
    }
    Ok(Lookup::Active(Box::new(card)))
}

/// Checks a balance. Every attempt that is not itself refused by a limit is
/// recorded, whatever its answer, so wrong guesses use up the allowance; a
/// `not-available` answer to a signed-in customer is one of their failures.
pub fn check_balance(env: &mut dyn Environment, req: BalanceRequest) -> Result<BalanceAnswer> {
    let customer = req.customer_id.as_deref();
    let answer = match attempt(env, &req.code, &req.client_key, customer)? {
        Lookup::RateLimited(retry_after_seconds) => BalanceAnswer::RateLimited {
            retry_after_seconds,
        },
        Lookup::NotAvailable => BalanceAnswer::NotAvailable,
        Lookup::Active(card) => BalanceAnswer::Found(BalanceInfo {
            masked_code: card.masked_code.clone(),
            balance: card.money(card.balance),
            expires_at: card.expires_at.map(time::format),
        }),
    };
    if matches!(answer, BalanceAnswer::NotAvailable) {
        record_failed_lookup(env, customer)?;
    }
    Ok(answer)
}

/// One of the two limits: at most `max` rows per subject in `table` within
/// any `window` seconds.
struct Limit {
    table: &'static str,
    subject: &'static str,
    time: &'static str,
    max: i64,
    window: i64,
}

/// Attempts per client key.
const PER_KEY: Limit = Limit {
    table: "gc_balance_checks",
    subject: "client_key",
    time: "attempted_at",
    max: MAX_ATTEMPTS,
    window: WINDOW_SECONDS,
};

/// Failed lookups per customer.
const PER_CUSTOMER: Limit = Limit {
    table: "gc_failed_lookups",
    subject: "customer_id",
    time: "failed_at",
    max: MAX_FAILED_LOOKUPS,
    window: FAILURE_WINDOW_SECONDS,
};

impl Limit {
    /// How long `subject` must wait before one more row fits; `None` when it
    /// need not. Only rows inside the window count (expired ones may linger
    /// until the next purge). With `n ≥ max` rows in the window, one more
    /// fits once `n − max + 1` of them have left it, that is when the row at
    /// index `n − max` (oldest first) does.
    fn wait(&self, env: &mut dyn Environment, subject: &str, now: Seconds) -> Result<Option<u32>> {
        let Limit {
            table,
            subject: column,
            time,
            max,
            window,
        } = *self;
        let rows = env.db().execute(
            &format!(
                "SELECT {time} AS at FROM {table} WHERE {column} = ?1 AND {time} > ?2 \
                 ORDER BY {time}"
            ),
            &[Value::from(subject), Value::Integer(now - window)],
        )?;
        let count = rows.rows.len() as i64;
        if count < max {
            return Ok(None);
        }
        let row = rows
            .iter()
            .nth((count - max) as usize)
            .ok_or_else(|| Error::Database("rate-limit rows vanished".into()))?;
        let retry_after = (row.i64("at")? + window - now).max(1);
        Ok(Some(u32::try_from(retry_after).unwrap_or(u32::MAX)))
    }

    /// Purges every row older than the window, for every subject (by the
    /// time index), then records one for `subject`: the table never holds
    /// more than the window's worth.
    fn record(&self, env: &mut dyn Environment, subject: &str, now: Seconds) -> Result<()> {
        let Limit {
            table,
            subject: column,
            time,
            window,
            ..
        } = *self;
        let db = env.db();
        db.execute(
            &format!("DELETE FROM {table} WHERE {time} <= ?1"),
            &[Value::Integer(now - window)],
        )?;
        db.execute(
            &format!("INSERT INTO {table} ({column}, {time}) VALUES (?1, ?2)"),
            &[Value::from(subject), Value::Integer(now)],
        )?;
        Ok(())
    }
}

/// Decides whether a lookup by `client_key` (canonical) and, when signed in,
/// `customer` may go ahead. If the key has used up its minute or the
/// customer their hour of failures, nothing is recorded and the answer is
/// the longer wait; otherwise one attempt is recorded for the key. Shared by
/// balance checks and storefront code applications, so neither can be used
/// to probe codes faster than the other.
pub fn take_attempt(
    env: &mut dyn Environment,
    client_key: &str,
    customer: Option<&str>,
) -> Result<Option<u32>> {
    let now = env.now();
    let key_wait = PER_KEY.wait(env, client_key, now)?;
    let customer_wait = match customer {
        Some(c) => PER_CUSTOMER.wait(env, c, now)?,
        None => None,
    };
    if let Some(retry) = key_wait.max(customer_wait) {
        return Ok(Some(retry));
    }
    PER_KEY.record(env, client_key, now)?;
    Ok(None)
}

/// Records a failed lookup by `customer` (nothing for a guest). Call it only
/// for a lookup [`take_attempt`] let through.
pub fn record_failed_lookup(env: &mut dyn Environment, customer: Option<&str>) -> Result<()> {
    match customer {
        Some(c) => {
            let now = env.now();
            PER_CUSTOMER.record(env, c, now)
        }
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// The customer area: adding a card to an account, my cards, the public page.
// ---------------------------------------------------------------------------

/// Moving a card's whole balance into a customer's account credit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedeemRequest {
    pub code: String,
    pub customer_id: String,
    pub client_key: String,
}

/// What the host must add to the customer's account credit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redeemed {
    pub masked_code: String,
    /// The whole balance moved, in the card's currency.
    pub amount: Money,
    /// The `moved-to-account` ledger row.
    pub history_id: u64,
}

/// A redeem answer; refusals are values so the attempt is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedeemAnswer {
    Redeemed(Redeemed),
    NotAvailable,
    RateLimited { retry_after_seconds: u32 },
}

/// Whose cards, one page at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MyCardsRequest {
    pub customer_id: String,
    pub page: PageRequest,
}

/// A card the customer bought.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoughtCard {
    pub card_id: CardId,
    pub masked_code: String,
    pub initial_value: Money,
    pub balance: Money,
    pub status: CardStatus,
    /// Drawn on at all: a spend or transfer row exists, or value is missing.
    pub used: bool,
    pub recipient_email: Option<String>,
    pub created_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoughtCardsPage {
    pub cards: Vec<BoughtCard>,
    pub total: u64,
}

/// One use of a card by the customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardUse {
    pub masked_code: String,
    /// What the use took from the card (positive, card currency).
    pub amount: Money,
    /// `redeemed` or `moved-to-account`.
    pub action: HistoryAction,
    pub order_id: Option<String>,
    pub at: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardUsesPage {
    pub uses: Vec<CardUse>,
    pub total: u64,
}

/// One transaction on the public balance page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicTransaction {
    pub id: u64,
    pub order_reference: Option<String>,
    pub action: HistoryAction,
    pub at: String,
    pub amount: Money,
}

/// What the public balance page shows of a card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicCard {
    pub masked_code: String,
    pub balance: Money,
    pub expires_at: Option<String>,
    pub transactions: Vec<PublicTransaction>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicAnswer {
    Found(PublicCard),
    NotAvailable,
    RateLimited { retry_after_seconds: u32 },
}

/// Whether `customer` may move `card` (already known to be `active` now) to
/// their account. Everything that is not allowed gets the one generic answer,
/// so the reasons stay private:
///
/// - nothing left, a test card (test orders only), or restricted to another
///   customer;
/// - out of uses (`max-uses` ≥ 0 and `uses` ≥ `max-uses`);
/// - a batch code whose definition is missing, disabled or outside its
///   valid-from / valid-to window, or whose codes only pay qualifying orders
///   (a minimum order amount, required SKUs, or a target of customer groups
///   the plugin cannot check here): moving such a code to account credit
///   would escape the rules it was issued under.
fn redeemable_by(
    env: &mut dyn Environment,
    card: &StoredCard,
    customer: &str,
    now: Seconds,
) -> Result<bool> {
    if card.balance <= 0 || card.context.test {
        return Ok(false);
    }
    if card
        .context
        .customer_id
        .as_deref()
        .is_some_and(|c| c != customer)
    {
        return Ok(false);
    }
    let max = i64::from(card.extras.max_uses);
    if max >= 0 && i64::from(card.uses) >= max {
        return Ok(false);
    }
    let Some(definition) = card.extras.definition_id else {
        return Ok(true);
    };
    let rows = env.db().execute(
        "SELECT enabled, valid_from, valid_to, min_order_amount, required_skus, target_groups \
         FROM gc_definitions WHERE id = ?1",
        &[Value::Integer(definition as i64)],
    )?;
    let Some(row) = rows.first() else {
        return Ok(false);
    };
    let open = row.i64("enabled")? != 0
        && row.opt_i64("valid_from")?.is_none_or(|from| from <= now)
        && row.opt_i64("valid_to")?.is_none_or(|to| now < to)
        && row.opt_i64("min_order_amount")?.is_none()
        && row.text("required_skus")?.trim().is_empty()
        && row.text("target_groups")?.trim().is_empty();
    Ok(open)
}

/// Adds a card to a customer's account: the whole balance leaves the card in
/// one guarded UPDATE (only if it is still active, unexpired, holding exactly
/// what was read and not out of uses), with a `moved-to-account` ledger row
/// (actor `customer(id)`, reference `account:{customer-id}`) and one use
/// counted; the card is then `used`. The host adds the amount to the account.
///
/// The permission setting is checked first (`permission-denied`, no attempt
/// recorded); then the attempt is counted against the limit shared with
/// balance checks, and every `not-available` answer is one of the customer's
/// failed lookups.
pub fn redeem_to_account(env: &mut dyn Environment, req: RedeemRequest) -> Result<RedeemAnswer> {
    if !settings::load(env)?.customers_may_use_cards {
        return Err(Error::PermissionDenied);
    }
    cards::check_text("customer-id", &req.customer_id, 200, true)?;
    let answer = redeem(env, &req)?;
    if answer == RedeemAnswer::NotAvailable {
        record_failed_lookup(env, Some(&req.customer_id))?;
    }
    Ok(answer)
}

fn redeem(env: &mut dyn Environment, req: &RedeemRequest) -> Result<RedeemAnswer> {
    let customer = Some(req.customer_id.as_str());
    let card = match attempt(env, &req.code, &req.client_key, customer)? {
        Lookup::RateLimited(retry_after_seconds) => {
            return Ok(RedeemAnswer::RateLimited {
                retry_after_seconds,
            });
        }
        Lookup::NotAvailable => return Ok(RedeemAnswer::NotAvailable),
        Lookup::Active(card) => card,
    };
    let now = env.now();
    if !redeemable_by(env, &card, &req.customer_id, now)? {
        return Ok(RedeemAnswer::NotAvailable);
    }
    let amount = card.balance;
    let moved = env.db().execute(
        "UPDATE gc_cards SET balance = 0, status = 'used', uses = uses + 1, updated_at = ?1 \
         WHERE id = ?2 AND status = 'active' AND balance = ?3 AND cancelled_at IS NULL \
         AND (expires_at IS NULL OR expires_at > ?1) AND (max_uses < 0 OR uses < max_uses) \
         RETURNING uses",
        &[
            Value::Integer(now),
            Value::Integer(card.id as i64),
            Value::Integer(amount),
        ],
    )?;
    let Some(uses) = moved.first().map(|r| r.i64("uses")).transpose()? else {
        // Changed between the read and the write (a concurrent spend).
        return Ok(RedeemAnswer::NotAvailable);
    };
    // The ledger's (card, action, reference) is unique: should the same
    // customer add this card again after a top-up, the use number tells the
    // rows apart.
    let mut reference = format!("account:{}", req.customer_id);
    if ledger::find_by_reference(env, card.id, HistoryAction::MovedToAccount, &reference)?.is_some()
    {
        reference = format!("{reference}:use-{uses}");
    }
    let actor = Actor::Customer(req.customer_id.clone());
    ledger::append(
        env,
        NewEntry {
            card_id: card.id,
            action: HistoryAction::MovedToAccount,
            amount: -amount,
            balance_before: amount,
            actor: &actor,
            reference: Some(&reference),
            comment: Some("Added to the customer's account credit"),
            at: now,
        },
    )?;
    let row = env.db().execute(
        "SELECT id FROM gc_history WHERE card_id = ?1 AND action = 'moved-to-account' \
         AND reference = ?2",
        &[
            Value::Integer(card.id as i64),
            Value::from(reference.as_str()),
        ],
    )?;
    let history_id = row
        .first()
        .map(|r| r.i64("id"))
        .transpose()?
        .ok_or_else(|| Error::Database("the moved-to-account row vanished".into()))?;
    Ok(RedeemAnswer::Redeemed(Redeemed {
        masked_code: card.masked_code.clone(),
        amount: card.money(amount),
        history_id: history_id as u64,
    }))
}

fn count(env: &mut dyn Environment, sql: &str, params: &[Value]) -> Result<u64> {
    let rows = env.db().execute(sql, params)?;
    Ok(rows.first_i64_or_zero("n")? as u64)
}

/// Cards a customer bought: those naming them as purchaser, and (for cards
/// issued before the purchaser was recorded on the card) purchase cards of
/// orders the customer placed. Newest first.
const BOUGHT_FILTER: &str = "FROM gc_cards WHERE purchaser_customer_id = ?1 \
     OR (purchaser_customer_id IS NULL AND origin = 'purchase' \
         AND order_id IN (SELECT order_id FROM gc_orders WHERE customer_id = ?1))";

/// The cards this customer bought, with used / unused status and date.
pub fn my_bought_cards(env: &mut dyn Environment, req: MyCardsRequest) -> Result<BoughtCardsPage> {
    cards::check_text("customer-id", &req.customer_id, 200, true)?;
    let (limit, offset) = cards::limit_offset(req.page)?;
    let now = env.now();
    let who = Value::from(req.customer_id.as_str());
    let total = count(
        env,
        &format!("SELECT COUNT(*) AS n {BOUGHT_FILTER}"),
        std::slice::from_ref(&who),
    )?;
    let rows = env.db().execute(
        &format!(
            "SELECT {}, (SELECT COUNT(*) FROM gc_history h WHERE h.card_id = gc_cards.id \
             AND h.action IN ('redeemed', 'moved-to-account')) AS spends {BOUGHT_FILTER} \
             ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3",
            cards::CARD_COLUMNS
        ),
        &[who, Value::Integer(limit), Value::Integer(offset)],
    )?;
    let cards = rows
        .iter()
        .map(|r| {
            let card = StoredCard::from_row(&r)?;
            let used = r.i64("spends")? > 0 || card.balance < card.initial_value;
            Ok(BoughtCard {
                card_id: card.id,
                masked_code: card.masked_code.clone(),
                initial_value: card.money(card.initial_value),
                balance: card.money(card.balance),
                status: card.status(now),
                used,
                // Cards bought before recipients were copied onto the card
                // keep them in the purchase details.
                recipient_email: card.extras.recipient_email.clone().or_else(|| {
                    card.context
                        .purchase
                        .as_ref()
                        .and_then(|p| p.recipient_email.clone())
                }),
                created_at: time::format(card.created_at),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(BoughtCardsPage { cards, total })
}

/// The uses of a customer: `redeemed` and `moved-to-account` rows they made
/// (actor `customer(id)`), or that paid an order placed for them (reference
/// `order:{id}` of an order whose customer is theirs). Newest first.
const USES_FILTER: &str = "FROM gc_history h JOIN gc_cards c ON c.id = h.card_id \
     LEFT JOIN gc_orders o ON h.reference = 'order:' || o.order_id \
     WHERE h.action IN ('redeemed', 'moved-to-account') \
     AND ((h.actor_kind = 'customer' AND h.actor_name = ?1) OR o.customer_id = ?1)";

/// The cards this customer used: amounts and dates.
pub fn my_used_cards(env: &mut dyn Environment, req: MyCardsRequest) -> Result<CardUsesPage> {
    cards::check_text("customer-id", &req.customer_id, 200, true)?;
    let (limit, offset) = cards::limit_offset(req.page)?;
    let who = Value::from(req.customer_id.as_str());
    let total = count(
        env,
        &format!("SELECT COUNT(*) AS n {USES_FILTER}"),
        std::slice::from_ref(&who),
    )?;
    let rows = env.db().execute(
        &format!(
            "SELECT h.action, h.amount, h.created_at, c.masked_code, c.currency, \
             o.order_id {USES_FILTER} ORDER BY h.id DESC LIMIT ?2 OFFSET ?3"
        ),
        &[who, Value::Integer(limit), Value::Integer(offset)],
    )?;
    let uses = rows
        .iter()
        .map(|r| {
            let currency = crate::money::Currency::parse(&r.text("currency")?)
                .map_err(|_| Error::Database("stored card currency".into()))?;
            let action = r.text("action")?;
            Ok(CardUse {
                masked_code: r.text("masked_code")?,
                amount: Money::of(-r.i64("amount")?, currency),
                action: HistoryAction::parse(&action)
                    .ok_or_else(|| Error::Database(format!("unknown ledger action `{action}`")))?,
                order_id: r.opt_text("order_id")?,
                at: time::format(r.i64("created_at")?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(CardUsesPage { uses, total })
}

/// The public balance page: rate limited and generic exactly like
/// [`check_balance`] (sharing its allowance and counting a signed-in
/// customer's failures the same way); for an active card, its balance,
/// expiry and every ledger row oldest first, each with its order when it
/// belongs to one. Only the order id is ever shown: never a row's own
/// reference (idempotency keys, memo and invoice ids), comment or actor.
///
/// A row belongs to an order when its reference is `order:{id}` or
/// `cancel:{id}` of a placed order, `memo:{id}` of a credit memo (its order),
/// or it is the `created` row of a card an order issued (bought, goodwill,
/// campaign: the card's order).
pub fn public_balance(env: &mut dyn Environment, req: BalanceRequest) -> Result<PublicAnswer> {
    let customer = req.customer_id.as_deref();
    let card = match attempt(env, &req.code, &req.client_key, customer)? {
        Lookup::RateLimited(retry_after_seconds) => {
            return Ok(PublicAnswer::RateLimited {
                retry_after_seconds,
            });
        }
        Lookup::NotAvailable => {
            record_failed_lookup(env, customer)?;
            return Ok(PublicAnswer::NotAvailable);
        }
        Lookup::Active(card) => card,
    };
    let rows = env.db().execute(
        "SELECT h.id, h.action, h.amount, h.created_at, o.order_id AS placed_order, \
         m.order_id AS memo_order FROM gc_history h \
         LEFT JOIN gc_orders o ON h.reference = 'order:' || o.order_id \
             OR h.reference = 'cancel:' || o.order_id \
         LEFT JOIN gc_credit_memos m ON h.reference = 'memo:' || m.memo_id \
         WHERE h.card_id = ?1 ORDER BY h.id",
        &[Value::Integer(card.id as i64)],
    )?;
    let transactions = rows
        .iter()
        .map(|r| {
            let action = r.text("action")?;
            let action = HistoryAction::parse(&action)
                .ok_or_else(|| Error::Database(format!("unknown ledger action `{action}`")))?;
            let issued_by = match action {
                HistoryAction::Created => card.context.order_id.clone(),
                _ => None,
            };
            Ok(PublicTransaction {
                id: r.i64("id")? as u64,
                order_reference: r
                    .opt_text("placed_order")?
                    .or(r.opt_text("memo_order")?)
                    .or(issued_by),
                action,
                at: time::format(r.i64("created_at")?),
                amount: card.money(r.i64("amount")?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(PublicAnswer::Found(PublicCard {
        masked_code: card.masked_code.clone(),
        balance: card.money(card.balance),
        expires_at: card.expires_at.map(time::format),
        transactions,
    }))
}

#[cfg(all(test, feature = "sqlite"))]
mod tests;
