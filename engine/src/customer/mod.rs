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

use crate::cards::{self, StoredCard};
use crate::client_key;
use crate::code;
use crate::db::Value;
use crate::env::Environment;
use crate::error::{Error, Result};
use crate::ledger::{self, NewEntry};
use crate::model::CardRef;
use crate::model::{
    Actor, BalanceAnswer, BalanceInfo, BalanceRequest, CardId, CardStatus, HistoryAction, Money,
    PageRequest,
};
use crate::settings;
use crate::time::{self, Seconds};

/// Schema v5: what the canonical rate-limit keys and the per-customer limit
/// of failed lookups need. Attempts are purged by time across all keys, so
/// the time column gets its own index; failed lookups get a table of their
/// own, counted per customer and purged by time likewise.
pub const SCHEMA_V5: &[&str] = &[
    "CREATE INDEX gc_balance_checks_at ON gc_balance_checks (attempted_at)",
    "CREATE TABLE gc_failed_lookups (customer_id TEXT NOT NULL, failed_at BIGINT NOT NULL)",
    "CREATE INDEX gc_failed_lookups_customer ON gc_failed_lookups (customer_id, failed_at)",
    "CREATE INDEX gc_failed_lookups_at ON gc_failed_lookups (failed_at)",
];

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
    if card.balance <= 0 || card.test {
        return Ok(false);
    }
    if card.customer_id.as_deref().is_some_and(|c| c != customer) {
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
    Ok(rows.first().map(|r| r.i64("n")).transpose()?.unwrap_or(0) as u64)
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
                    card.purchase
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
                amount: Money::new(currency.format(-r.i64("amount")?), currency.code()),
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
                HistoryAction::Created => card.order_id.clone(),
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
mod tests {
    use super::*;
    use crate::cards::{CardExtras, NewCard};
    use crate::model::CardOrigin;
    use crate::money::Currency;
    use crate::sqlite::NativeEnv;

    const T0: i64 = 1_790_000_000;

    fn env() -> NativeEnv {
        NativeEnv::in_memory(T0, 3)
    }

    struct Spec {
        code: &'static str,
        cents: i64,
        customer: Option<&'static str>,
        test: bool,
        expires_at: Option<i64>,
        extras: CardExtras,
        origin: CardOrigin,
        order_id: Option<&'static str>,
    }

    fn spec(code: &'static str, cents: i64) -> Spec {
        Spec {
            code,
            cents,
            customer: None,
            test: false,
            expires_at: None,
            extras: CardExtras::default(),
            origin: CardOrigin::Admin,
            order_id: None,
        }
    }

    fn card(env: &mut NativeEnv, s: Spec) -> StoredCard {
        env.call(|e| {
            cards::insert(
                e,
                NewCard {
                    code: Some(code::custom(s.code)?),
                    amount: s.cents,
                    currency: Currency::parse("USD")?,
                    expires_at: s.expires_at,
                    customer_id: s.customer.map(Into::into),
                    comment: Some("staff note".into()),
                    website: None,
                    test: s.test,
                    origin: s.origin,
                    order_id: s.order_id.map(Into::into),
                    order_line: None,
                    purchase: None,
                    reference: Some(format!("ext-{}", s.code)),
                    actor: Actor::Admin("alice".into()),
                    extras: s.extras,
                },
            )
        })
        .unwrap()
    }

    fn redeem(env: &mut NativeEnv, code: &str, customer: &str, key: &str) -> Result<RedeemAnswer> {
        env.call(|e| {
            crate::api::redeem_to_account(
                e,
                RedeemRequest {
                    code: code.into(),
                    customer_id: customer.into(),
                    client_key: key.into(),
                },
            )
        })
    }

    fn check(env: &mut NativeEnv, code: &str, key: &str) -> BalanceAnswer {
        env.call(|e| {
            crate::api::check_balance(
                e,
                BalanceRequest {
                    code: code.into(),
                    client_key: key.into(),
                    customer_id: None,
                },
            )
        })
        .unwrap()
    }

    fn public(env: &mut NativeEnv, code: &str, key: &str) -> PublicAnswer {
        env.call(|e| {
            crate::api::public_balance(
                e,
                BalanceRequest {
                    code: code.into(),
                    client_key: key.into(),
                    customer_id: None,
                },
            )
        })
        .unwrap()
    }

    fn check_as(env: &mut NativeEnv, code: &str, key: &str, customer: &str) -> BalanceAnswer {
        env.call(|e| {
            crate::api::check_balance(
                e,
                BalanceRequest {
                    code: code.into(),
                    client_key: key.into(),
                    customer_id: Some(customer.into()),
                },
            )
        })
        .unwrap()
    }

    fn public_as(env: &mut NativeEnv, code: &str, key: &str, customer: &str) -> PublicAnswer {
        env.call(|e| {
            crate::api::public_balance(
                e,
                BalanceRequest {
                    code: code.into(),
                    client_key: key.into(),
                    customer_id: Some(customer.into()),
                },
            )
        })
        .unwrap()
    }

    fn rows(env: &mut NativeEnv, table: &str) -> i64 {
        let rows = crate::sqlite::execute(
            &env.db.conn,
            &format!("SELECT COUNT(*) AS n FROM {table}"),
            &[],
        )
        .unwrap();
        rows.first().unwrap().i64("n").unwrap()
    }

    fn attempts(env: &mut NativeEnv) -> i64 {
        let rows = crate::sqlite::execute(
            &env.db.conn,
            "SELECT COUNT(*) AS n FROM gc_balance_checks",
            &[],
        )
        .unwrap();
        rows.first().unwrap().i64("n").unwrap()
    }

    fn stored(env: &mut NativeEnv, id: CardId) -> StoredCard {
        env.call(|e| cards::load(e, &CardRef::Id(id))).unwrap()
    }

    #[test]
    fn redeem_moves_the_whole_balance_once() {
        let mut env = env();
        let c = card(&mut env, spec("ACCT-0001", 2_550));
        let RedeemAnswer::Redeemed(r) = redeem(&mut env, "acct 0001", "cust-1", "k").unwrap()
        else {
            panic!("not redeemed")
        };
        assert_eq!(r.amount, Money::new("25.50", "USD"));
        assert_eq!(r.masked_code, c.masked_code);
        let after = stored(&mut env, c.id);
        assert_eq!(after.balance, 0);
        assert_eq!(after.stored_status, CardStatus::Used);
        assert_eq!(after.uses, 1);
        let (rows, _) = env
            .call(|e| ledger::page(e, c.id, after.currency, PageRequest::default()))
            .unwrap();
        let last = rows.last().unwrap();
        assert_eq!(last.id, r.history_id);
        assert_eq!(last.action, HistoryAction::MovedToAccount);
        assert_eq!(last.amount, Money::new("-25.50", "USD"));
        assert_eq!(last.actor, Actor::Customer("cust-1".into()));
        assert_eq!(last.reference.as_deref(), Some("account:cust-1"));
        assert_eq!(
            redeem(&mut env, "ACCT-0001", "cust-1", "k").unwrap(),
            RedeemAnswer::NotAvailable
        );
    }

    #[test]
    fn permission_off_refuses_before_counting() {
        let mut env = env();
        card(&mut env, spec("ACCT-0002", 1_000));
        env.call(|e| {
            settings::configure(
                e,
                crate::SettingsUpdate {
                    customers_may_use_cards: Some(false),
                    ..Default::default()
                },
            )
        })
        .unwrap();
        assert_eq!(
            redeem(&mut env, "ACCT-0002", "cust-1", "k"),
            Err(Error::PermissionDenied)
        );
        assert_eq!(attempts(&mut env), 0);
    }

    #[test]
    fn every_unusable_card_gets_the_generic_answer() {
        let mut env = env();
        let mut s = spec("OTHER-CUST2", 1_000);
        s.customer = Some("cust-2");
        card(&mut env, s);
        let mut s = spec("TEST-CARD1", 1_000);
        s.test = true;
        card(&mut env, s);
        let mut s = spec("OUT-OF-USES", 1_000);
        s.extras.max_uses = 0;
        card(&mut env, s);
        let mut s = spec("EXPIRES-SOON", 1_000);
        s.expires_at = Some(T0 + 10);
        card(&mut env, s);
        let mut s = spec("NO-DEFINITION", 1_000);
        s.extras.definition_id = Some(99);
        card(&mut env, s);
        env.now += 10;
        for code in [
            "OTHER-CUST2",
            "TEST-CARD1",
            "OUT-OF-USES",
            "EXPIRES-SOON",
            "NO-DEFINITION",
            "NEVER-ISSUED",
            "bad$code",
        ] {
            assert_eq!(
                redeem(&mut env, code, "cust-1", code).unwrap(),
                RedeemAnswer::NotAvailable,
                "{code}"
            );
        }
        // Restricted to cust-2: they may.
        assert!(matches!(
            redeem(&mut env, "OTHER-CUST2", "cust-2", "k").unwrap(),
            RedeemAnswer::Redeemed(_)
        ));
    }

    fn definition(env: &mut NativeEnv, id: i64, enabled: bool, min_order: Option<i64>) {
        crate::sqlite::execute(
            &env.db.conn,
            "INSERT INTO gc_definitions (id, code_name, name, enabled, value, currency, \
             min_order_amount, target_kind, target_groups, currencies, required_skus, \
             shipping_countries, billing_countries, created_at) \
             VALUES (?1, ?2, 'D', ?3, 500, 'USD', ?4, 'everyone', '', '', '', '', '', 0)",
            &[
                Value::Integer(id),
                Value::Text(format!("d{id}")),
                Value::Integer(i64::from(enabled)),
                Value::from(min_order),
            ],
        )
        .unwrap();
    }

    #[test]
    fn batch_codes_follow_their_definition() {
        let mut env = env();
        definition(&mut env, 1, true, None);
        definition(&mut env, 2, false, None);
        definition(&mut env, 3, true, Some(10_000));
        for (code, def) in [("BATCH-ONE1", 1), ("BATCH-TWO2", 2), ("BATCH-THREE", 3)] {
            let mut s = spec(code, 500);
            s.extras.definition_id = Some(def);
            s.origin = CardOrigin::Batch;
            card(&mut env, s);
        }
        assert!(matches!(
            redeem(&mut env, "BATCH-ONE1", "c", "k").unwrap(),
            RedeemAnswer::Redeemed(_)
        ));
        assert_eq!(
            redeem(&mut env, "BATCH-TWO2", "c", "k").unwrap(),
            RedeemAnswer::NotAvailable
        );
        assert_eq!(
            redeem(&mut env, "BATCH-THREE", "c", "k").unwrap(),
            RedeemAnswer::NotAvailable
        );
    }

    #[test]
    fn invalid_arguments_write_nothing() {
        let mut env = env();
        card(&mut env, spec("ACCT-0003", 1_000));
        assert!(matches!(
            redeem(&mut env, "ACCT-0003", " ", "k"),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            redeem(&mut env, "ACCT-0003", "c", ""),
            Err(Error::InvalidArgument(_))
        ));
        assert_eq!(attempts(&mut env), 0);
    }

    /// The limiter is a true sliding window shared by the three entry points:
    /// 10 attempts in any 60 s, the 11th refused, one more allowed exactly
    /// when the oldest is 60 s old (not when a fixed minute turns over).
    #[test]
    fn sliding_window_shared_by_every_customer_entry_point() {
        let mut env = env();
        card(&mut env, spec("SLIDE-0001", 1_000));
        card(&mut env, spec("SLIDE-0002", 1_000));
        // t0: 4 checks; t0+20: 3 public pages; t0+40: 2 wrong redeems, 1 check.
        for _ in 0..4 {
            assert!(matches!(
                check(&mut env, "SLIDE-0001", "ip"),
                BalanceAnswer::Found(_)
            ));
        }
        env.now += 20;
        for _ in 0..3 {
            assert!(matches!(
                public(&mut env, "SLIDE-0001", "ip"),
                PublicAnswer::Found(_)
            ));
        }
        env.now += 20;
        for _ in 0..2 {
            assert_eq!(
                redeem(&mut env, "NOPE-0000", "c", "ip").unwrap(),
                RedeemAnswer::NotAvailable
            );
        }
        assert!(matches!(
            check(&mut env, "SLIDE-0001", "ip"),
            BalanceAnswer::Found(_)
        ));
        // The 11th, at t0+40, whatever the entry point: retry when t0's age out.
        assert_eq!(
            redeem(&mut env, "SLIDE-0002", "c", "ip").unwrap(),
            RedeemAnswer::RateLimited {
                retry_after_seconds: 20
            }
        );
        assert_eq!(
            public(&mut env, "SLIDE-0001", "ip"),
            PublicAnswer::RateLimited {
                retry_after_seconds: 20
            }
        );
        // Refused attempts are not recorded, so they do not extend the wait.
        assert_eq!(attempts(&mut env), 10);
        env.now += 19; // t0+59: the oldest is 59 s old.
        assert_eq!(
            check(&mut env, "SLIDE-0001", "ip"),
            BalanceAnswer::RateLimited {
                retry_after_seconds: 1
            }
        );
        env.now += 1; // t0+60: the four t0 attempts are a minute old.
        for _ in 0..4 {
            assert!(matches!(
                check(&mut env, "SLIDE-0001", "ip"),
                BalanceAnswer::Found(_)
            ));
        }
        // Full again: the t0+20 ones leave at t0+80.
        assert_eq!(
            check(&mut env, "SLIDE-0001", "ip"),
            BalanceAnswer::RateLimited {
                retry_after_seconds: 20
            }
        );
        // Another key is unaffected.
        assert!(matches!(
            redeem(&mut env, "SLIDE-0002", "c", "other").unwrap(),
            RedeemAnswer::Redeemed(_)
        ));
    }

    fn order_row(env: &mut NativeEnv, order: &str, customer: &str) {
        crate::sqlite::execute(
            &env.db.conn,
            "INSERT INTO gc_orders (order_id, website, currency, base_currency, customer_id, \
             is_test, cards_cover_shipping, total_before_cards, gift_card_amount, placed_at) \
             VALUES (?1, 'main', 'USD', 'USD', ?2, 0, 1, 0, 0, ?3)",
            &[
                Value::from(order),
                Value::from(customer),
                Value::Integer(T0),
            ],
        )
        .unwrap();
    }

    fn pay(env: &mut NativeEnv, order: &str, card: &StoredCard, cents: i64) {
        env.call(|e| {
            crate::movements::debit(
                e,
                card,
                cents,
                &format!("order:{order}"),
                &Actor::System,
                "Order",
            )
        })
        .unwrap()
        .unwrap();
    }

    fn page() -> PageRequest {
        PageRequest {
            page: 1,
            page_size: 10,
        }
    }

    fn bought(env: &mut NativeEnv, customer: &str) -> BoughtCardsPage {
        env.call(|e| {
            crate::api::my_bought_cards(
                e,
                MyCardsRequest {
                    customer_id: customer.into(),
                    page: page(),
                },
            )
        })
        .unwrap()
    }

    fn used(env: &mut NativeEnv, customer: &str) -> CardUsesPage {
        env.call(|e| {
            crate::api::my_used_cards(
                e,
                MyCardsRequest {
                    customer_id: customer.into(),
                    page: page(),
                },
            )
        })
        .unwrap()
    }

    #[test]
    fn bought_and_used_cards() {
        let mut env = env();
        order_row(&mut env, "ORD-1", "cust-1");
        order_row(&mut env, "ORD-2", "cust-1");
        // cust-1 bought two cards: one names them as purchaser, one came
        // from their order before purchasers were recorded on cards.
        let mut s = spec("BOUGHT-0001", 5_000);
        s.extras.purchaser_customer_id = Some("cust-1".into());
        s.extras.recipient_email = Some("zoe@example.com".into());
        s.origin = CardOrigin::Purchase;
        let b1 = card(&mut env, s);
        env.now += 5;
        let mut s = spec("BOUGHT-0002", 2_500);
        s.origin = CardOrigin::Purchase;
        s.order_id = Some("ORD-1");
        let b2 = card(&mut env, s);
        let mut s = spec("NOT-MINE-01", 2_500);
        s.extras.purchaser_customer_id = Some("cust-2".into());
        card(&mut env, s);
        // The recipient of b2 adds it to their account: b2 is now used.
        env.now += 5;
        assert!(matches!(
            redeem(&mut env, "BOUGHT-0002", "cust-3", "k").unwrap(),
            RedeemAnswer::Redeemed(_)
        ));
        // cust-1 pays ORD-2 with a card (a system actor: the order links it)
        // and adds another card to their account.
        let p = card(&mut env, spec("PAYS-00001", 1_000));
        env.now += 5;
        pay(&mut env, "ORD-2", &p, 400);
        let r = card(&mut env, spec("REDEEM-0001", 700));
        env.now += 5;
        assert!(matches!(
            redeem(&mut env, "REDEEM-0001", "cust-1", "k").unwrap(),
            RedeemAnswer::Redeemed(_)
        ));

        let mine = bought(&mut env, "cust-1");
        assert_eq!(mine.total, 2);
        let ids: Vec<_> = mine.cards.iter().map(|c| c.card_id).collect();
        assert_eq!(ids, vec![b2.id, b1.id]);
        assert!(mine.cards[0].used);
        assert_eq!(mine.cards[0].status, CardStatus::Used);
        assert!(!mine.cards[1].used);
        assert_eq!(mine.cards[1].status, CardStatus::Active);
        assert_eq!(
            mine.cards[1].recipient_email.as_deref(),
            Some("zoe@example.com")
        );
        assert_eq!(mine.cards[1].initial_value, Money::new("50.00", "USD"));

        let uses = used(&mut env, "cust-1");
        assert_eq!(uses.total, 2);
        assert_eq!(uses.uses[0].action, HistoryAction::MovedToAccount);
        assert_eq!(uses.uses[0].amount, Money::new("7.00", "USD"));
        assert_eq!(uses.uses[0].masked_code, r.masked_code);
        assert_eq!(uses.uses[0].order_id, None);
        assert_eq!(uses.uses[1].action, HistoryAction::Redeemed);
        assert_eq!(uses.uses[1].amount, Money::new("4.00", "USD"));
        assert_eq!(uses.uses[1].order_id.as_deref(), Some("ORD-2"));
        assert_eq!(uses.uses[1].at, time::format(T0 + 15));
        assert_eq!(used(&mut env, "cust-3").total, 1);
        assert_eq!(used(&mut env, "cust-2").total, 0);
        assert_eq!(bought(&mut env, "cust-3").total, 0);
    }

    #[test]
    fn public_page_shows_orders_and_hides_everything_else() {
        let mut env = env();
        order_row(&mut env, "ORD-9", "cust-1");
        let c = card(&mut env, spec("PUBLIC-0001", 5_000));
        env.now += 60;
        pay(&mut env, "ORD-9", &c, 1_250);
        let PublicAnswer::Found(page) = public(&mut env, "public-0001", "k") else {
            panic!("not found")
        };
        assert_eq!(page.masked_code, c.masked_code);
        assert_eq!(page.balance, Money::new("37.50", "USD"));
        assert_eq!(page.expires_at, None);
        assert_eq!(page.transactions.len(), 2);
        let created = &page.transactions[0];
        assert_eq!(created.action, HistoryAction::Created);
        // Its reference is an idempotency key (`ext-PUBLIC-0001`): hidden.
        assert_eq!(created.order_reference, None);
        assert_eq!(created.amount, Money::new("50.00", "USD"));
        let spent = &page.transactions[1];
        assert_eq!(spent.action, HistoryAction::Redeemed);
        assert_eq!(spent.order_reference.as_deref(), Some("ORD-9"));
        assert_eq!(spent.amount, Money::new("-12.50", "USD"));
        assert_eq!(spent.at, time::format(T0 + 60));
        assert!(spent.id > created.id);
        // Generic for what is not active.
        let fresh = stored(&mut env, c.id);
        order_row(&mut env, "ORD-10", "cust-1");
        pay(&mut env, "ORD-10", &fresh, 3_750);
        assert_eq!(
            public(&mut env, "PUBLIC-0001", "k"),
            PublicAnswer::NotAvailable
        );
        assert_eq!(
            public(&mut env, "NEVER-0001", "k"),
            PublicAnswer::NotAvailable
        );
    }

    /// Ten checks from 203.0.113.7 use up every spelling of it: padded,
    /// zero-filled, IPv4-mapped (dotted or hex), bracketed, with a port.
    #[test]
    fn spellings_of_one_address_share_one_allowance() {
        let mut env = env();
        card(&mut env, spec("SPELL-0001", 1_000));
        for _ in 0..10 {
            assert!(matches!(
                check(&mut env, "SPELL-0001", "203.0.113.7"),
                BalanceAnswer::Found(_)
            ));
        }
        for spelling in [
            "203.0.113.07",
            " 203.0.113.7",
            "203.000.113.007",
            "::ffff:203.0.113.7",
            "::FFFF:CB00:7107",
            "[::ffff:203.0.113.7]:443",
            "203.0.113.7:51234",
        ] {
            assert_eq!(
                check(&mut env, "SPELL-0001", spelling),
                BalanceAnswer::RateLimited {
                    retry_after_seconds: 60
                },
                "{spelling}"
            );
            assert_eq!(
                public(&mut env, "SPELL-0001", spelling),
                PublicAnswer::RateLimited {
                    retry_after_seconds: 60
                },
                "{spelling}"
            );
        }
        // One /64 is one subscriber; another /64 is someone else.
        for _ in 0..10 {
            check(&mut env, "SPELL-0001", "2001:db8:aa:1::1");
        }
        assert!(matches!(
            check(&mut env, "SPELL-0001", "[2001:DB8:AA:1:FFFF::9]:80"),
            BalanceAnswer::RateLimited { .. }
        ));
        assert!(matches!(
            check(&mut env, "SPELL-0001", "2001:db8:aa:2::1"),
            BalanceAnswer::Found(_)
        ));
        // Other keys are case-folded; distinct addresses stay distinct.
        for _ in 0..10 {
            check(&mut env, "SPELL-0001", "Session-ABC");
        }
        assert!(matches!(
            check(&mut env, "SPELL-0001", " session-abc "),
            BalanceAnswer::RateLimited { .. }
        ));
        assert!(matches!(
            check(&mut env, "SPELL-0001", "203.0.113.70"),
            BalanceAnswer::Found(_)
        ));
        let stored = crate::sqlite::execute(
            &env.db.conn,
            "SELECT DISTINCT client_key FROM gc_balance_checks ORDER BY client_key",
            &[],
        )
        .unwrap();
        let keys: Vec<String> = stored
            .iter()
            .map(|r| r.text("client_key").unwrap())
            .collect();
        assert_eq!(
            keys,
            [
                "2001:db8:aa:1::/64",
                "2001:db8:aa:2::/64",
                "203.0.113.7",
                "203.0.113.70",
                "session-abc"
            ]
        );
    }

    #[test]
    fn bad_keys_and_customer_ids_are_refused_and_write_nothing() {
        let mut env = env();
        card(&mut env, spec("BADKEY-0001", 1_000));
        let before = env.dump();
        for key in ["", "  ", "203.0.113.7\n", "a\tb", "k\u{200b}", "\u{7}"] {
            for result in [
                env.call(|e| {
                    check_balance(
                        e,
                        BalanceRequest {
                            code: "BADKEY-0001".into(),
                            client_key: key.into(),
                            customer_id: None,
                        },
                    )
                })
                .map(|_| ()),
                env.call(|e| {
                    public_balance(
                        e,
                        BalanceRequest {
                            code: "BADKEY-0001".into(),
                            client_key: key.into(),
                            customer_id: Some("cust-1".into()),
                        },
                    )
                })
                .map(|_| ()),
                redeem(&mut env, "BADKEY-0001", "cust-1", key).map(|_| ()),
            ] {
                assert!(
                    matches!(&result, Err(Error::InvalidArgument(m)) if m.starts_with("client-key")),
                    "{key:?}: {result:?}"
                );
            }
        }
        for customer in ["", " ", &"c".repeat(201)] {
            let result = env.call(|e| {
                check_balance(
                    e,
                    BalanceRequest {
                        code: "BADKEY-0001".into(),
                        client_key: "k".into(),
                        customer_id: Some(customer.to_owned()),
                    },
                )
            });
            assert!(
                matches!(&result, Err(Error::InvalidArgument(m)) if m.starts_with("customer-id")),
                "{customer:?}: {result:?}"
            );
        }
        assert_eq!(env.dump(), before);
    }

    /// 100,000 attempts from distinct keys, ten a second: each purges what
    /// has left the minute, so the table never holds more than the last
    /// 60 seconds' 600 attempts (it used to keep every key forever).
    #[test]
    fn the_attempt_table_holds_only_the_recent_window() {
        let mut env = env();
        let mut largest = 0;
        for n in 0..100_000i64 {
            if n % 10 == 0 {
                env.now += 1;
            }
            let key = format!("client-{n}");
            let limited = env.call(|e| take_attempt(e, &key, None)).unwrap();
            assert_eq!(limited, None);
            if n % 97 == 0 || n > 99_900 {
                largest = largest.max(attempts(&mut env));
            }
        }
        assert!(largest <= 600, "{largest}");
        assert!(largest >= 590, "{largest}");
        assert!(attempts(&mut env) <= 600);
    }

    /// Failures are purged by the hour likewise.
    #[test]
    fn the_failure_table_holds_only_the_recent_hour() {
        let mut env = env();
        for n in 0..5_000i64 {
            env.now += 2;
            let customer = format!("cust-{n}");
            env.call(|e| record_failed_lookup(e, Some(&customer)))
                .unwrap();
            assert!(rows(&mut env, "gc_failed_lookups") <= 1_800);
        }
        assert_eq!(rows(&mut env, "gc_failed_lookups"), 1_800);
        env.call(|e| record_failed_lookup(e, None)).unwrap();
        assert_eq!(rows(&mut env, "gc_failed_lookups"), 1_800);
    }

    /// Ten failed lookups in an hour, across the balance check, the public
    /// page and redeem-to-account and from different keys, and the customer
    /// is limited for everything, good codes included, until the first is
    /// an hour old; successes never count; guests and other customers are
    /// not affected; a limited answer records nothing.
    #[test]
    fn failed_lookups_per_customer_per_hour() {
        let mut env = env();
        card(&mut env, spec("GOOD-0001", 1_000));
        card(&mut env, spec("GOOD-0002", 1_000));
        let mut s = spec("NOT-YOURS-01", 1_000);
        s.customer = Some("someone-else");
        card(&mut env, s);
        // Successes by the same customer: never counted.
        for _ in 0..5 {
            assert!(matches!(
                check_as(&mut env, "GOOD-0001", "ip-a", "dana"),
                BalanceAnswer::Found(_)
            ));
        }
        // t0: 4 wrong checks; t0+600: 3 wrong public pages; t0+1200: 3
        // unusable redeems (restricted to someone else, malformed).
        for _ in 0..4 {
            assert_eq!(
                check_as(&mut env, "WRONG-0000", "ip-b", "dana"),
                BalanceAnswer::NotAvailable
            );
        }
        env.now += 600;
        for _ in 0..3 {
            assert_eq!(
                public_as(&mut env, "WRONG-0001", "ip-c", "dana"),
                PublicAnswer::NotAvailable
            );
        }
        env.now += 600;
        for code in ["NOT-YOURS-01", "NOT-YOURS-01", "bad$code"] {
            assert_eq!(
                redeem(&mut env, code, "dana", "ip-d").unwrap(),
                RedeemAnswer::NotAvailable
            );
        }
        assert_eq!(rows(&mut env, "gc_failed_lookups"), 10);
        // The 11th, from a fresh key and with a good code: limited until t0's
        // four failures leave the hour (2400 s from t0+1200), recording
        // nothing.
        let before = env.dump();
        assert_eq!(
            check_as(&mut env, "GOOD-0001", "ip-e", "dana"),
            BalanceAnswer::RateLimited {
                retry_after_seconds: 2_400
            }
        );
        assert_eq!(
            public_as(&mut env, "GOOD-0001", "ip-e", "dana"),
            PublicAnswer::RateLimited {
                retry_after_seconds: 2_400
            }
        );
        assert_eq!(
            redeem(&mut env, "GOOD-0002", "dana", "ip-e").unwrap(),
            RedeemAnswer::RateLimited {
                retry_after_seconds: 2_400
            }
        );
        assert_eq!(env.dump(), before);
        // A guest on the same key, and another customer, are not limited.
        assert!(matches!(
            check(&mut env, "GOOD-0001", "ip-e"),
            BalanceAnswer::Found(_)
        ));
        assert!(matches!(
            check_as(&mut env, "GOOD-0001", "ip-e", "erin"),
            BalanceAnswer::Found(_)
        ));
        // t0+3599: still limited, for one second more.
        env.now = T0 + 3_599;
        assert_eq!(
            check_as(&mut env, "GOOD-0001", "ip-f", "dana"),
            BalanceAnswer::RateLimited {
                retry_after_seconds: 1
            }
        );
        // t0+3600: the four have left the hour; four lookups are allowed
        // again, and a success costs nothing of them.
        env.now = T0 + 3_600;
        assert!(matches!(
            redeem(&mut env, "GOOD-0002", "dana", "ip-f").unwrap(),
            RedeemAnswer::Redeemed(_)
        ));
        for _ in 0..4 {
            assert_eq!(
                check_as(&mut env, "WRONG-0002", "ip-g", "dana"),
                BalanceAnswer::NotAvailable
            );
        }
        // Ten again: limited until the t0+600 ones leave (at t0+4200).
        assert_eq!(
            check_as(&mut env, "GOOD-0001", "ip-g", "dana"),
            BalanceAnswer::RateLimited {
                retry_after_seconds: 600
            }
        );
    }

    /// With both limits reached, the wait is the longer one: answering the
    /// key's shorter wait would only invite a retry that is refused again.
    #[test]
    fn the_longer_wait_wins_when_both_limits_are_reached() {
        let mut env = env();
        card(&mut env, spec("BOTH-0001", 1_000));
        for _ in 0..10 {
            check_as(&mut env, "WRONG-0003", "ip-x", "fay");
        }
        env.now += 30;
        assert_eq!(
            check_as(&mut env, "BOTH-0001", "ip-x", "fay"),
            BalanceAnswer::RateLimited {
                retry_after_seconds: 3_570
            }
        );
        // The key alone waits 30 s more; the customer alone 3,570 s.
        assert_eq!(
            check(&mut env, "BOTH-0001", "ip-x"),
            BalanceAnswer::RateLimited {
                retry_after_seconds: 30
            }
        );
        assert_eq!(
            check_as(&mut env, "BOTH-0001", "ip-y", "fay"),
            BalanceAnswer::RateLimited {
                retry_after_seconds: 3_570
            }
        );
    }
}
