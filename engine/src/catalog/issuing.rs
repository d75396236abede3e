//! Cards issued from orders: goodwill cards from staff, and campaigns that
//! reward completed orders.
//!
//! **Goodwill cards** (`issue_from_order`). An order placed through
//! `orders.placed` may give goodwill cards, in the order's currency, up to a
//! limit:
//!
//! ```text
//! limit = max(0, total before cards − refunded total − goodwill already issued)
//! ```
//!
//! where *refunded total* is every credit memo of the order, whatever paid it
//! (gift-card and other parts alike: `gc_orders.refunded_total`), and
//! *goodwill already issued* is the initial value of every card with origin
//! `order-issued` on this order, in its currency, except cards an
//! administrator cancelled (never drawn on: their value was never given).
//! Campaign cards and cards the order bought do not count. Staff may issue up
//! to the limit; beyond it staff get `issue-limit-exceeded`, and supervisors
//! `confirmation-required` until they confirm, after which the card is issued
//! and flagged `over-limit`. A cancelled order issues nothing (`order-state`).
//!
//! **Campaigns** (`completed`). When the host reports an order complete, each
//! active campaign whose rules the order meets issues one card: a percentage
//! of the order's total before cards (half up to the minor unit) or a fixed
//! amount. A fixed amount in another currency than the order's is skipped,
//! never converted: a campaign promises an amount, and a rate would change it.
//! A reward that rounds to zero issues nothing. The card's `created` ledger
//! row carries `campaign:{campaign}:order:{order}`, which is also its unique
//! creation reference, so a campaign can issue at most one card per order;
//! the hook's answer is stored, and a replay returns it and writes nothing.

use crate::cards::{self, CardExtras, NewCard, StoredCard};
use crate::db::{Row, Value};
use crate::env::Environment;
use crate::error::{Error, IssueLimit, Result};
use crate::model::*;
use crate::money::{Currency, MAX_MAJOR_UNITS};
use crate::movements::replay;
use crate::orders::{self, StoredOrder, check_reference};
use crate::schema::next_ids;
use crate::settings::{self, MAX_VALIDITY_DAYS};
use crate::time::{self, Seconds};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The campaign table, created by schema v3. A percentage is kept as the
/// normalised decimal text given; a minimum order total as decimal text (it is
/// compared in each order's currency); amounts are minor units.
pub const SCHEMA_V3: &[&str] = &["CREATE TABLE gc_campaigns (
        id BIGINT PRIMARY KEY,
        name TEXT NOT NULL,
        reward_kind TEXT NOT NULL,
        percent TEXT,
        fixed_amount BIGINT,
        fixed_currency TEXT,
        min_order_total TEXT,
        website TEXT,
        starts_at BIGINT,
        ends_at BIGINT,
        validity_days BIGINT,
        active BIGINT NOT NULL,
        created_at BIGINT NOT NULL
    )"];

/// Most digits a campaign percentage may have after the point.
pub const MAX_PERCENT_SCALE: u32 = 4;

/// The role of the staff member issuing a goodwill card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StaffRole {
    Staff,
    Supervisor,
}

/// A goodwill card from an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssueRequest {
    pub order_id: String,
    /// In the order's currency.
    pub amount: String,
    pub role: StaffRole,
    pub confirm_over_limit: bool,
    pub admin_user: String,
    pub comment: Option<String>,
    pub recipient_email: Option<String>,
    pub validity_days: Option<u32>,
    /// Idempotency key: the same request with it issues one card.
    pub reference: Option<String>,
}

/// What issuing did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issued {
    pub card: Card,
    /// The limit before this card.
    pub limit: Money,
    pub over_limit: bool,
    /// A sentence for the order's history.
    pub note: String,
}

/// How a campaign values its card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CampaignReward {
    /// A decimal percentage, above 0 and at most 100.
    Percent(String),
    Fixed(Money),
}

/// A campaign's fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignInput {
    pub name: String,
    pub reward: CampaignReward,
    pub min_order_total: Option<String>,
    pub website: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub validity_days: Option<u32>,
    pub active: bool,
}

/// A campaign as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Campaign {
    pub id: u64,
    pub fields: CampaignInput,
    pub cards_issued: u64,
    pub created_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateCampaign {
    pub id: u64,
    pub fields: CampaignInput,
}

/// `orders.completed`'s request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompleteRequest {
    pub order_id: String,
}

// ---------------------------------------------------------------------------
// Goodwill cards

/// The value of goodwill cards already issued from an order (in its
/// currency), cancelled cards excepted.
fn goodwill_issued(env: &mut dyn Environment, order: &StoredOrder) -> Result<i64> {
    let rows = env.db().execute(
        "SELECT CAST(COALESCE(SUM(initial_value), 0) AS BIGINT) AS total FROM gc_cards \
         WHERE order_id = ?1 AND origin = 'order-issued' AND currency = ?2 \
         AND cancelled_at IS NULL",
        &[
            Value::from(order.order_id.as_str()),
            Value::from(order.currency.code()),
        ],
    )?;
    Ok(rows
        .first()
        .map(|r| r.i64("total"))
        .transpose()?
        .unwrap_or(0))
}

/// What may still be issued from an order without a supervisor.
pub fn order_limit(env: &mut dyn Environment, order: &StoredOrder) -> Result<i64> {
    let issued = goodwill_issued(env, order)?;
    Ok((order.total_before_cards - order.refunded_total - issued).max(0))
}

fn reference_taken(env: &mut dyn Environment, reference: &str) -> Result<bool> {
    let rows = env.db().execute(
        "SELECT id FROM gc_cards WHERE creation_reference = ?1",
        &[Value::from(reference)],
    )?;
    Ok(!rows.rows.is_empty())
}

/// The next free `issue:{order}:{n}` for a request without a reference.
fn next_issue_reference(env: &mut dyn Environment, order_id: &str) -> Result<String> {
    let rows = env.db().execute(
        "SELECT COUNT(*) AS n FROM gc_cards WHERE order_id = ?1 AND origin = 'order-issued'",
        &[Value::from(order_id)],
    )?;
    let mut n = rows.first().map(|r| r.i64("n")).transpose()?.unwrap_or(0) + 1;
    loop {
        let candidate = format!("issue:{order_id}:{n}");
        if !reference_taken(env, &candidate)? {
            return Ok(candidate);
        }
        n += 1;
    }
}

/// Issues a goodwill card from an order.
pub fn issue_from_order(env: &mut dyn Environment, req: IssueRequest) -> Result<Issued> {
    check_reference("order-id", &req.order_id)?;
    cards::check_text("admin-user", &req.admin_user, 100, true)?;
    if let Some(c) = &req.comment {
        cards::check_text("comment", c, 1000, true)?;
    }
    if let Some(r) = &req.reference {
        cards::check_text("reference", r, 150, true)?;
    }
    let email = req.recipient_email.as_deref().map(str::trim);
    if let Some(e) = email {
        cards::check_email("recipient-email", e)?;
    }
    if req.validity_days.is_some_and(|d| d > MAX_VALIDITY_DAYS) {
        return Err(Error::InvalidExpiry(format!(
            "validity-days: at most {MAX_VALIDITY_DAYS}"
        )));
    }
    let order = orders::load(env, &req.order_id)?;
    let c = order.currency;
    let amount = c
        .parse_positive(req.amount.trim())
        .map_err(|e| crate::quote::prefix("amount", e))?;
    let print = format!("{}|{}|{}", amount, email.unwrap_or(""), c.code());
    let card_reference = req
        .reference
        .as_deref()
        .map(|r| format!("issue:{}:{}", order.order_id, r));
    if let Some(reference) = &card_reference
        && let Some(done) = replay::find::<Issued>(env, "issue", reference, &print)?
    {
        return Ok(done);
    }
    if order.cancelled_at.is_some() {
        return Err(Error::OrderState(format!(
            "order {} is cancelled; no goodwill card can be issued from it",
            order.order_id
        )));
    }
    let limit = order_limit(env, &order)?;
    let money = |minor: i64| Money::new(c.format(minor), c.code());
    let over_limit = amount > limit;
    if over_limit {
        let detail = IssueLimit {
            limit: money(limit),
            requested: money(amount),
        };
        match (req.role, req.confirm_over_limit) {
            (StaffRole::Staff, _) => return Err(Error::IssueLimitExceeded(detail)),
            (StaffRole::Supervisor, false) => return Err(Error::ConfirmationRequired(detail)),
            (StaffRole::Supervisor, true) => {}
        }
    }
    let reference = match card_reference {
        Some(r) => {
            if reference_taken(env, &r)? {
                return Err(Error::InvalidArgument(format!(
                    "reference `{}` was already used for another card of order {}",
                    req.reference.as_deref().unwrap_or_default(),
                    order.order_id
                )));
            }
            r
        }
        None => next_issue_reference(env, &order.order_id)?,
    };
    let now = env.now();
    let default_days = settings::load(env)?.default_validity_days;
    let expires_at = cards::resolve_expiry(now, None, req.validity_days, default_days)?;
    let comment = req
        .comment
        .clone()
        .unwrap_or_else(|| format!("Goodwill card from order {}", order.order_id));
    let stored = cards::insert(
        env,
        NewCard {
            code: None,
            amount,
            currency: c,
            expires_at,
            customer_id: None,
            comment: Some(comment),
            website: Some(order.website.clone()),
            test: order.test,
            origin: CardOrigin::OrderIssued,
            order_id: Some(order.order_id.clone()),
            order_line: None,
            purchase: None,
            reference: Some(reference.clone()),
            actor: Actor::Admin(req.admin_user.clone()),
            extras: CardExtras {
                recipient_email: email.map(str::to_owned),
                ..CardExtras::default()
            },
        },
    )?;
    let mut note = format!(
        "Gift card {} of {} {} issued by {} (limit {} {}{})",
        stored.masked_code,
        c.format(amount),
        c.code(),
        req.admin_user,
        c.format(limit),
        c.code(),
        if over_limit {
            "; over the limit, confirmed by a supervisor"
        } else {
            ""
        }
    );
    if let Some(text) = &req.comment {
        note.push_str(": ");
        note.push_str(text);
    }
    let answer = Issued {
        card: stored.to_card(now),
        limit: money(limit),
        over_limit,
        note,
    };
    if req.reference.is_some() {
        replay::store(env, "issue", &reference, &print, &answer)?;
    }
    Ok(answer)
}

// ---------------------------------------------------------------------------
// Campaigns

/// A plain decimal (digits, optionally a point and more digits; no sign).
fn plain_decimal(text: &str) -> Option<Decimal> {
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let ok = text.len() <= 40
        && !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    if !ok {
        return None;
    }
    Decimal::from_str(text).ok()
}

/// A campaign percentage: a decimal above 0 and at most 100.
pub fn parse_percent(text: &str) -> Result<Decimal> {
    let bad = || {
        Error::InvalidArgument(format!(
            "campaign percentage must be a decimal greater than 0 and at most 100 \
             (at most {MAX_PERCENT_SCALE} decimals), not `{}`",
            text.chars().take(24).collect::<String>()
        ))
    };
    let value = plain_decimal(text.trim()).ok_or_else(bad)?.normalize();
    if value <= Decimal::ZERO || value > Decimal::ONE_HUNDRED || value.scale() > MAX_PERCENT_SCALE {
        return Err(bad());
    }
    Ok(value)
}

fn parse_min_total(text: &str) -> Result<Decimal> {
    let value = plain_decimal(text.trim())
        .ok_or_else(|| {
            Error::InvalidAmount(format!(
                "min-order-total: `{}` is not a plain decimal of at least 0, such as 50 or 49.99",
                text.chars().take(24).collect::<String>()
            ))
        })?
        .normalize();
    if value > Decimal::from(MAX_MAJOR_UNITS) {
        return Err(Error::InvalidAmount(format!(
            "min-order-total: larger than the maximum of {MAX_MAJOR_UNITS}"
        )));
    }
    Ok(value)
}

/// A campaign's fields, checked and ready to store.
struct ValidCampaign {
    name: String,
    percent: Option<Decimal>,
    fixed: Option<(i64, Currency)>,
    min_order_total: Option<Decimal>,
    website: Option<String>,
    starts_at: Option<Seconds>,
    ends_at: Option<Seconds>,
    validity_days: Option<u32>,
    active: bool,
}

fn validate(input: &CampaignInput) -> Result<ValidCampaign> {
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::InvalidArgument(
            "name: a campaign needs a name of 1 to 200 characters".into(),
        ));
    }
    cards::check_text("name", &name, 200, true)?;
    let (percent, fixed) = match &input.reward {
        CampaignReward::Percent(p) => (Some(parse_percent(p)?), None),
        CampaignReward::Fixed(m) => {
            let currency = Currency::parse(&m.currency)?;
            let amount = currency
                .parse_positive(m.amount.trim())
                .map_err(|e| crate::quote::prefix("reward", e))?;
            (None, Some((amount, currency)))
        }
    };
    let min_order_total = input
        .min_order_total
        .as_deref()
        .map(parse_min_total)
        .transpose()?;
    if let Some(w) = &input.website {
        cards::check_text("website", w, 100, true)?;
    }
    let starts_at = input
        .starts_at
        .as_deref()
        .map(|t| time::parse_argument(t, "starts-at"))
        .transpose()?;
    let ends_at = input
        .ends_at
        .as_deref()
        .map(|t| time::parse_argument(t, "ends-at"))
        .transpose()?;
    if let (Some(s), Some(e)) = (starts_at, ends_at)
        && e <= s
    {
        return Err(Error::InvalidArgument(format!(
            "ends-at {} must be after starts-at {}",
            time::format(e),
            time::format(s)
        )));
    }
    if let Some(d) = input.validity_days
        && d > MAX_VALIDITY_DAYS
    {
        return Err(Error::InvalidArgument(format!(
            "validity-days: at most {MAX_VALIDITY_DAYS}"
        )));
    }
    Ok(ValidCampaign {
        name,
        percent,
        fixed,
        min_order_total,
        website: input.website.clone(),
        starts_at,
        ends_at,
        validity_days: input.validity_days,
        active: input.active,
    })
}

fn params(v: &ValidCampaign) -> Vec<Value> {
    vec![
        Value::from(v.name.as_str()),
        Value::from(if v.percent.is_some() {
            "percent"
        } else {
            "fixed"
        }),
        Value::from(v.percent.map(|p| p.to_string())),
        Value::from(v.fixed.map(|f| f.0)),
        Value::from(v.fixed.map(|f| f.1.code())),
        Value::from(v.min_order_total.map(|m| m.to_string())),
        Value::from(v.website.as_deref()),
        Value::from(v.starts_at),
        Value::from(v.ends_at),
        Value::from(v.validity_days.map(i64::from)),
        Value::Integer(i64::from(v.active)),
    ]
}

const CAMPAIGN_COLUMNS: &str = "id, name, reward_kind, percent, fixed_amount, fixed_currency, \
    min_order_total, website, starts_at, ends_at, validity_days, active, created_at, \
    (SELECT COUNT(*) FROM gc_cards c WHERE c.campaign_id = gc_campaigns.id) AS cards_issued";

/// A campaign row with its rules parsed.
#[derive(Clone, Debug)]
struct StoredCampaign {
    id: u64,
    name: String,
    percent: Option<Decimal>,
    fixed: Option<(i64, Currency)>,
    min_order_total: Option<Decimal>,
    website: Option<String>,
    starts_at: Option<Seconds>,
    ends_at: Option<Seconds>,
    validity_days: Option<u32>,
    active: bool,
    created_at: Seconds,
    cards_issued: u64,
}

impl StoredCampaign {
    fn from_row(row: &Row<'_>) -> Result<StoredCampaign> {
        let corrupt = |what: &str| Error::Database(format!("stored campaign {what}"));
        let decimal = |v: Option<String>, what: &str| -> Result<Option<Decimal>> {
            v.map(|t| Decimal::from_str(&t).map_err(|_| corrupt(what)))
                .transpose()
        };
        let kind = row.text("reward_kind")?;
        let percent = decimal(row.opt_text("percent")?, "percent")?;
        let fixed = match (
            row.opt_i64("fixed_amount")?,
            row.opt_text("fixed_currency")?,
        ) {
            (Some(a), Some(c)) => Some((a, Currency::parse(&c).map_err(|_| corrupt("currency"))?)),
            _ => None,
        };
        match kind.as_str() {
            "percent" if percent.is_some() => {}
            "fixed" if fixed.is_some() => {}
            _ => return Err(corrupt("reward")),
        }
        Ok(StoredCampaign {
            id: row.i64("id")? as u64,
            name: row.text("name")?,
            percent: if kind == "percent" { percent } else { None },
            fixed: if kind == "fixed" { fixed } else { None },
            min_order_total: decimal(row.opt_text("min_order_total")?, "min-order-total")?,
            website: row.opt_text("website")?,
            starts_at: row.opt_i64("starts_at")?,
            ends_at: row.opt_i64("ends_at")?,
            validity_days: row
                .opt_i64("validity_days")?
                .map(|d| u32::try_from(d).unwrap_or(0)),
            active: row.i64("active")? != 0,
            created_at: row.i64("created_at")?,
            cards_issued: row.i64("cards_issued")?.max(0) as u64,
        })
    }

    fn to_campaign(&self) -> Campaign {
        Campaign {
            id: self.id,
            fields: CampaignInput {
                name: self.name.clone(),
                reward: match (self.percent, self.fixed) {
                    (Some(p), _) => CampaignReward::Percent(p.to_string()),
                    (None, Some((a, c))) => {
                        CampaignReward::Fixed(Money::new(c.format(a), c.code()))
                    }
                    (None, None) => CampaignReward::Percent("0".into()),
                },
                min_order_total: self.min_order_total.map(|m| m.to_string()),
                website: self.website.clone(),
                starts_at: self.starts_at.map(time::format),
                ends_at: self.ends_at.map(time::format),
                validity_days: self.validity_days,
                active: self.active,
            },
            cards_issued: self.cards_issued,
            created_at: time::format(self.created_at),
        }
    }

    /// Whether this campaign rewards `order`, completed at `now`.
    fn matches(&self, order: &StoredOrder, now: Seconds) -> bool {
        let total = Decimal::new(order.total_before_cards, order.currency.exponent());
        self.active
            && self.website.as_deref().is_none_or(|w| w == order.website)
            && self.starts_at.is_none_or(|s| now >= s)
            && self.ends_at.is_none_or(|e| now < e)
            && self.min_order_total.is_none_or(|m| total >= m)
    }

    /// The reward for `order` in its currency's minor units; `None` when a
    /// fixed reward is in another currency.
    fn reward(&self, order: &StoredOrder) -> Option<i64> {
        match (self.percent, self.fixed) {
            (Some(p), _) => Some(percent_of(order.total_before_cards, p)),
            (None, Some((amount, currency))) => (currency == order.currency).then_some(amount),
            (None, None) => None,
        }
    }
}

/// `percent` % of `minor`, rounded half up to the minor unit.
pub fn percent_of(minor: i64, percent: Decimal) -> i64 {
    (Decimal::from(minor) * percent / Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .unwrap_or(0)
}

fn load_campaign(env: &mut dyn Environment, id: u64) -> Result<StoredCampaign> {
    let id = i64::try_from(id).map_err(|_| Error::CampaignNotFound)?;
    let rows = env.db().execute(
        &format!("SELECT {CAMPAIGN_COLUMNS} FROM gc_campaigns WHERE id = ?1"),
        &[Value::Integer(id)],
    )?;
    rows.first()
        .map(|r| StoredCampaign::from_row(&r))
        .transpose()?
        .ok_or(Error::CampaignNotFound)
}

fn all_campaigns(env: &mut dyn Environment) -> Result<Vec<StoredCampaign>> {
    let rows = env.db().execute(
        &format!("SELECT {CAMPAIGN_COLUMNS} FROM gc_campaigns ORDER BY id"),
        &[],
    )?;
    rows.iter().map(|r| StoredCampaign::from_row(&r)).collect()
}

/// Creates a campaign.
pub fn create_campaign(env: &mut dyn Environment, input: CampaignInput) -> Result<Campaign> {
    let valid = validate(&input)?;
    let id = next_ids(env, "campaign", 1)?;
    let now = env.now();
    let mut values = vec![Value::Integer(id)];
    values.extend(params(&valid));
    values.push(Value::Integer(now));
    env.db().execute(
        "INSERT INTO gc_campaigns (id, name, reward_kind, percent, fixed_amount, fixed_currency, \
         min_order_total, website, starts_at, ends_at, validity_days, active, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        &values,
    )?;
    Ok(load_campaign(env, id as u64)?.to_campaign())
}

/// Replaces a campaign's fields. Cards it already issued keep their value.
pub fn update_campaign(env: &mut dyn Environment, req: UpdateCampaign) -> Result<Campaign> {
    load_campaign(env, req.id)?;
    let valid = validate(&req.fields)?;
    let mut values = params(&valid);
    values.push(Value::Integer(req.id as i64));
    env.db().execute(
        "UPDATE gc_campaigns SET name = ?1, reward_kind = ?2, percent = ?3, fixed_amount = ?4, \
         fixed_currency = ?5, min_order_total = ?6, website = ?7, starts_at = ?8, ends_at = ?9, \
         validity_days = ?10, active = ?11 WHERE id = ?12",
        &values,
    )?;
    Ok(load_campaign(env, req.id)?.to_campaign())
}

/// Every campaign, oldest first.
pub fn list_campaigns(env: &mut dyn Environment) -> Result<Vec<Campaign>> {
    Ok(all_campaigns(env)?
        .iter()
        .map(StoredCampaign::to_campaign)
        .collect())
}

fn card_by_reference(env: &mut dyn Environment, reference: &str) -> Result<Option<StoredCard>> {
    let rows = env.db().execute(
        &format!(
            "SELECT {} FROM gc_cards WHERE creation_reference = ?1",
            cards::CARD_COLUMNS
        ),
        &[Value::from(reference)],
    )?;
    rows.first().map(|r| StoredCard::from_row(&r)).transpose()
}

/// The order completed: every matching campaign issues its card.
pub fn completed(env: &mut dyn Environment, req: CompleteRequest) -> Result<Vec<Card>> {
    check_reference("order-id", &req.order_id)?;
    let order = orders::load(env, &req.order_id)?;
    if let Some(done) = replay::find::<Vec<Card>>(env, "completed", &order.order_id, "")? {
        return Ok(done);
    }
    if order.cancelled_at.is_some() {
        return Err(Error::OrderState(format!(
            "order {} is cancelled; it cannot complete",
            order.order_id
        )));
    }
    let now = env.now();
    let default_days = settings::load(env)?.default_validity_days;
    let mut issued = Vec::new();
    for campaign in all_campaigns(env)? {
        if !campaign.matches(&order, now) {
            continue;
        }
        let Some(value) = campaign.reward(&order).filter(|v| *v > 0) else {
            continue;
        };
        let reference = format!("campaign:{}:order:{}", campaign.id, order.order_id);
        if let Some(earlier) = card_by_reference(env, &reference)? {
            issued.push(earlier.to_card(now));
            continue;
        }
        let expires_at = cards::resolve_expiry(now, None, campaign.validity_days, default_days)?;
        let card = cards::insert(
            env,
            NewCard {
                code: None,
                amount: value,
                currency: order.currency,
                expires_at,
                customer_id: None,
                comment: Some(format!(
                    "Campaign \"{}\": reward for order {}",
                    campaign.name, order.order_id
                )),
                website: Some(order.website.clone()),
                test: order.test,
                origin: CardOrigin::Campaign,
                order_id: Some(order.order_id.clone()),
                order_line: None,
                purchase: None,
                reference: Some(reference),
                actor: Actor::System,
                extras: CardExtras {
                    campaign_id: Some(campaign.id),
                    ..CardExtras::default()
                },
            },
        )?;
        issued.push(card.to_card(now));
    }
    replay::store(env, "completed", &order.order_id, "", &issued)?;
    Ok(issued)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::NativeEnv;

    const T0: i64 = 1_790_000_000;

    fn line(id: &str, qty: i32, unit: &str, total: &str) -> Line {
        Line {
            id: id.into(),
            sku: format!("SKU-{id}"),
            kind: ProductKind::Simple,
            quantity: qty,
            unit_price: unit.into(),
            row_total: total.into(),
            discount: "0".into(),
            tax: "0".into(),
            gift_card: None,
        }
    }

    fn place(env: &mut NativeEnv, id: &str, total: &str, currency: &str) {
        let quote = Quote {
            id: format!("Q-{id}"),
            website: "main".into(),
            store: "default".into(),
            currency: currency.into(),
            base_currency: currency.into(),
            customer: None,
            test: false,
            lines: vec![line("1", 1, total, total)],
            shipping: "0".into(),
            shipping_tax: "0".into(),
            applied_codes: vec![],
            shipping_country: None,
            billing_country: None,
        };
        env.call(|e| {
            crate::api::order_placed(
                e,
                PlaceRequest {
                    order_id: id.into(),
                    quote,
                    expected: vec![],
                    channel: Channel::Admin,
                },
            )
        })
        .unwrap();
    }

    fn invoice_all(env: &mut NativeEnv, order: &str, total: &str) {
        env.call(|e| {
            crate::api::invoice_paid(
                e,
                Invoice {
                    invoice_id: format!("I-{order}"),
                    order_id: order.into(),
                    lines: vec![line("1", 1, total, total)],
                    shipping: "0".into(),
                    shipping_tax: "0".into(),
                },
            )
        })
        .unwrap();
    }

    fn refund(env: &mut NativeEnv, order: &str, total: &str) {
        env.call(|e| {
            crate::api::memo_refunded(
                e,
                CreditMemo {
                    memo_id: format!("M-{order}-{total}"),
                    order_id: order.into(),
                    total: total.into(),
                    lines: vec![],
                    refund_to_gift_card: None,
                    destination: RefundDestination::OriginalCards,
                    comment: None,
                },
            )
        })
        .unwrap();
    }

    fn request(order: &str, amount: &str, role: StaffRole, confirm: bool) -> IssueRequest {
        IssueRequest {
            order_id: order.into(),
            amount: amount.into(),
            role,
            confirm_over_limit: confirm,
            admin_user: "alice".into(),
            comment: None,
            recipient_email: None,
            validity_days: None,
            reference: None,
        }
    }

    fn issue(env: &mut NativeEnv, req: IssueRequest) -> Result<Issued> {
        env.call(|e| crate::api::issue_from_order(e, req))
    }

    fn limit_err(e: Error) -> (String, String) {
        match e {
            Error::IssueLimitExceeded(l) | Error::ConfirmationRequired(l) => {
                (l.limit.amount, l.requested.amount)
            }
            other => panic!("not a limit error: {other:?}"),
        }
    }

    #[test]
    fn goodwill_limit_shrinks_with_refunds_and_cards() {
        let mut env = NativeEnv::in_memory(T0, 3);
        place(&mut env, "O-1", "50", "USD");
        invoice_all(&mut env, "O-1", "50");
        refund(&mut env, "O-1", "15");
        // 50 − 15 = 35.
        let first = issue(&mut env, request("O-1", "20", StaffRole::Staff, false)).unwrap();
        assert_eq!(first.limit.amount, "35.00");
        assert!(!first.over_limit);
        assert_eq!(first.card.origin, CardOrigin::OrderIssued);
        assert_eq!(first.card.order_id.as_deref(), Some("O-1"));
        assert!(
            first.note.starts_with("Gift card GC-****-****-****-")
                && first
                    .note
                    .ends_with(" of 20.00 USD issued by alice (limit 35.00 USD)"),
            "{}",
            first.note
        );
        // 35 − 20 = 15 left.
        let err = issue(&mut env, request("O-1", "15.01", StaffRole::Staff, false)).unwrap_err();
        assert!(matches!(err, Error::IssueLimitExceeded(_)));
        assert_eq!(limit_err(err), ("15.00".into(), "15.01".into()));
        let err = issue(&mut env, request("O-1", "40", StaffRole::Supervisor, false)).unwrap_err();
        assert!(matches!(err, Error::ConfirmationRequired(_)));
        assert_eq!(limit_err(err), ("15.00".into(), "40.00".into()));
        let over = issue(&mut env, request("O-1", "40", StaffRole::Supervisor, true)).unwrap();
        assert!(over.over_limit);
        assert_eq!(over.limit.amount, "15.00");
        // Nothing is left, never below zero.
        let err = issue(&mut env, request("O-1", "0.01", StaffRole::Staff, false)).unwrap_err();
        assert_eq!(limit_err(err), ("0.00".into(), "0.01".into()));
        // The ledger rows name the order and the admin.
        let history = env
            .call(|e| {
                crate::api::card_history(e, &CardRef::Id(over.card.id), PageRequest::default())
            })
            .unwrap();
        assert_eq!(history.entries[0].reference.as_deref(), Some("issue:O-1:2"));
        assert_eq!(history.entries[0].actor, Actor::Admin("alice".into()));
    }

    #[test]
    fn goodwill_is_idempotent_on_reference_and_validates_input() {
        let mut env = NativeEnv::in_memory(T0, 3);
        place(&mut env, "O-1", "30", "EUR");
        let mut req = request("O-1", "10", StaffRole::Staff, false);
        req.reference = Some("ticket-7".into());
        req.recipient_email = Some("bob@example.com".into());
        req.validity_days = Some(30);
        let a = issue(&mut env, req.clone()).unwrap();
        let b = issue(&mut env, req.clone()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.card.balance, Money::new("10.00", "EUR"));
        assert_eq!(a.card.recipient_email.as_deref(), Some("bob@example.com"));
        assert_eq!(
            a.card.expires_at.as_deref(),
            Some(time::format(T0 + 30 * 86_400).as_str())
        );
        let mut other = req.clone();
        other.amount = "11".into();
        assert!(matches!(
            issue(&mut env, other),
            Err(Error::InvalidArgument(_))
        ));
        for (field, bad) in [
            ("amount", request("O-1", "0", StaffRole::Staff, false)),
            ("amount", request("O-1", "1.001", StaffRole::Staff, false)),
        ] {
            assert!(
                matches!(issue(&mut env, bad), Err(Error::InvalidAmount(_))),
                "{field}"
            );
        }
        let mut bad = request("O-1", "1", StaffRole::Staff, false);
        bad.recipient_email = Some("not-an-email".into());
        assert!(matches!(
            issue(&mut env, bad),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            issue(&mut env, request("NOPE", "1", StaffRole::Staff, false)),
            Err(Error::OrderNotFound)
        ));
        env.call(|e| {
            crate::api::order_cancelled(
                e,
                CancelRequest {
                    order_id: "O-1".into(),
                    comment: None,
                },
            )
        })
        .unwrap();
        assert!(matches!(
            issue(&mut env, request("O-1", "1", StaffRole::Staff, false)),
            Err(Error::OrderState(_))
        ));
        // A replay with the reference still answers after cancellation.
        assert_eq!(issue(&mut env, req).unwrap(), a);
    }

    fn campaign(name: &str, reward: CampaignReward) -> CampaignInput {
        CampaignInput {
            name: name.into(),
            reward,
            min_order_total: None,
            website: None,
            starts_at: None,
            ends_at: None,
            validity_days: None,
            active: true,
        }
    }

    fn create(env: &mut NativeEnv, input: CampaignInput) -> Result<Campaign> {
        env.call(|e| crate::api::create_campaign(e, input))
    }

    fn complete(env: &mut NativeEnv, order: &str) -> Result<Vec<Card>> {
        env.call(|e| {
            crate::api::order_completed(
                e,
                CompleteRequest {
                    order_id: order.into(),
                },
            )
        })
    }

    #[test]
    fn percent_rounds_half_up() {
        let p = |s: &str| parse_percent(s).unwrap();
        assert_eq!(percent_of(18_000, p("10")), 1_800);
        assert_eq!(percent_of(1_005, p("10")), 101); // 100.5 → 101
        assert_eq!(percent_of(1_004, p("10")), 100); // 100.4 → 100
        assert_eq!(percent_of(3, p("12.5")), 0); // 0.375 → 0
        assert_eq!(percent_of(4, p("12.5")), 1); // 0.5 → 1
        assert_eq!(percent_of(999, p("100")), 999);
        for bad in [
            "0", "0.0", "100.01", "150", "-5", "abc", "1e2", "", "10.00001",
        ] {
            assert!(
                matches!(parse_percent(bad), Err(Error::InvalidArgument(m)) if m.starts_with("campaign percentage must be")),
                "{bad}"
            );
        }
    }

    #[test]
    fn campaigns_reward_completed_orders_once() {
        let mut env = NativeEnv::in_memory(T0, 5);
        let ten = create(
            &mut env,
            campaign("Ten percent", CampaignReward::Percent("10".into())),
        )
        .unwrap();
        let mut fixed = campaign("Five off", CampaignReward::Fixed(Money::new("5", "USD")));
        fixed.min_order_total = Some("100".into());
        fixed.validity_days = Some(90);
        let fixed = create(&mut env, fixed).unwrap();
        let mut euro = campaign("Euro", CampaignReward::Fixed(Money::new("7", "EUR")));
        euro.website = Some("main".into());
        create(&mut env, euro).unwrap();
        let mut later = campaign("Later", CampaignReward::Percent("50".into()));
        later.starts_at = Some(time::format(T0 + 10));
        create(&mut env, later).unwrap();
        let mut off = campaign("Off", CampaignReward::Percent("50".into()));
        off.active = false;
        create(&mut env, off).unwrap();
        let mut other_site = campaign("Other site", CampaignReward::Percent("50".into()));
        other_site.website = Some("outlet".into());
        create(&mut env, other_site).unwrap();

        place(&mut env, "O-1", "180", "USD");
        let cards = complete(&mut env, "O-1").unwrap();
        let values: Vec<(&str, Option<u64>)> = cards
            .iter()
            .map(|c| (c.initial_value.amount.as_str(), c.campaign_id))
            .collect();
        assert_eq!(values, [("18.00", Some(ten.id)), ("5.00", Some(fixed.id))]);
        assert!(
            cards
                .iter()
                .all(|c| c.origin == CardOrigin::Campaign && c.order_id.as_deref() == Some("O-1"))
        );
        assert_eq!(cards[0].expires_at, None);
        assert_eq!(cards[1].expires_at, Some(time::format(T0 + 90 * 86_400)));
        let history = env
            .call(|e| {
                crate::api::card_history(e, &CardRef::Id(cards[0].id), PageRequest::default())
            })
            .unwrap();
        assert_eq!(
            history.entries[0].reference,
            Some(format!("campaign:{}:order:O-1", ten.id))
        );
        // A replay returns the same cards, and a new campaign changes nothing.
        create(
            &mut env,
            campaign("New", CampaignReward::Percent("1".into())),
        )
        .unwrap();
        assert_eq!(complete(&mut env, "O-1").unwrap(), cards);
        let listed = env.call(|e| crate::api::list_campaigns(e)).unwrap();
        assert_eq!(listed[0].cards_issued, 1);
        assert_eq!(listed[1].cards_issued, 1);
        assert_eq!(listed[2].cards_issued, 0);

        // Below the minimum: only the percentage; a tiny order: nothing.
        place(&mut env, "O-2", "99.99", "USD");
        let cards = complete(&mut env, "O-2").unwrap();
        assert_eq!(cards.len(), 2, "10% and the new 1%");
        assert_eq!(cards[0].initial_value.amount, "10.00");
        place(&mut env, "O-3", "0.04", "USD");
        assert_eq!(complete(&mut env, "O-3").unwrap(), vec![]);
        assert!(matches!(
            complete(&mut env, "NOPE"),
            Err(Error::OrderNotFound)
        ));
    }

    #[test]
    fn campaign_validation_and_update() {
        let mut env = NativeEnv::in_memory(T0, 5);
        let bad = |reward: CampaignReward| campaign("x", reward);
        assert!(matches!(
            create(&mut env, bad(CampaignReward::Percent("150".into()))),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            create(&mut env, bad(CampaignReward::Fixed(Money::new("0", "USD")))),
            Err(Error::InvalidAmount(_))
        ));
        assert!(matches!(
            create(&mut env, bad(CampaignReward::Fixed(Money::new("5", "XYZ")))),
            Err(Error::UnknownCurrency(_))
        ));
        assert!(matches!(
            create(&mut env, campaign(" ", CampaignReward::Percent("5".into()))),
            Err(Error::InvalidArgument(_))
        ));
        let mut window = campaign("w", CampaignReward::Percent("5".into()));
        window.starts_at = Some("2026-06-01T00:00:00Z".into());
        window.ends_at = Some("2026-05-01T00:00:00Z".into());
        assert!(matches!(
            create(&mut env, window),
            Err(Error::InvalidArgument(_))
        ));
        let mut min = campaign("m", CampaignReward::Percent("5".into()));
        min.min_order_total = Some("-1".into());
        assert!(matches!(
            create(&mut env, min),
            Err(Error::InvalidAmount(_))
        ));
        assert!(
            env.call(|e| crate::api::list_campaigns(e))
                .unwrap()
                .is_empty()
        );

        let c = create(
            &mut env,
            campaign("Spring", CampaignReward::Percent("12.50".into())),
        )
        .unwrap();
        assert_eq!(c.fields.reward, CampaignReward::Percent("12.5".into()));
        let mut fields = c.fields.clone();
        fields.reward = CampaignReward::Fixed(Money::new("3", "USD"));
        fields.active = false;
        let u = env
            .call(|e| crate::api::update_campaign(e, UpdateCampaign { id: c.id, fields }))
            .unwrap();
        assert_eq!(
            u.fields.reward,
            CampaignReward::Fixed(Money::new("3.00", "USD"))
        );
        assert!(!u.fields.active);
        assert_eq!(u.created_at, c.created_at);
        let missing = env.call(|e| {
            crate::api::update_campaign(
                e,
                UpdateCampaign {
                    id: 99,
                    fields: campaign("x", CampaignReward::Percent("1".into())),
                },
            )
        });
        assert!(matches!(missing, Err(Error::CampaignNotFound)));
    }
}
