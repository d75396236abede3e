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

use crate::cards::movements::replay;
use crate::cards::{self, CardExtras, NewCard, StoredCard};
use crate::error::{Error, IssueLimit, Result};
use crate::model::*;
use crate::money::{Amount, Currency, MAX_MAJOR_UNITS, Sign};
use crate::pipeline::orders::{self, StoredOrder, check_reference};
use crate::settings::{self, MAX_VALIDITY_DAYS};
use crate::storage::db::{Row, Value, load_by_id};
use crate::storage::env::Environment;
use crate::storage::schema::next_ids;
use crate::storage::time::{self, Seconds};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

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
    /// In the order's currency. (The adapter reads it trimmed: this field
    /// has always tolerated spaces around the amount.)
    pub amount: GivenAmount,
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

/// Its money was typed in every build that stored it.
impl replay::Stored for Issued {}

/// How a campaign values its card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CampaignReward {
    /// A decimal percentage, above 0 and at most 100.
    Percent(String),
    /// In and out of the contract alike, hence the given form.
    Fixed(GivenMoney),
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
            Value::from(order.context.currency.code()),
        ],
    )?;
    Ok(rows.first_i64_or_zero("total")?)
}

/// What may still be issued from an order without a supervisor.
pub fn order_limit(env: &mut dyn Environment, order: &StoredOrder) -> Result<i64> {
    let issued = goodwill_issued(env, order)?;
    Ok((order.total_before_cards - order.refunded_total - issued).max(0))
}

fn reference_taken(env: &mut dyn Environment, reference: &str) -> Result<bool> {
    cards::card_with(env, "creation_reference", reference)
}

/// The next free `issue:{order}:{n}` for a request without a reference.
fn next_issue_reference(env: &mut dyn Environment, order_id: &str) -> Result<String> {
    let rows = env.db().execute(
        "SELECT COUNT(*) AS n FROM gc_cards WHERE order_id = ?1 AND origin = 'order-issued'",
        &[Value::from(order_id)],
    )?;
    let mut n = rows.first_i64_or_zero("n")? + 1;
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
    let c = order.context.currency;
    let amount = c
        .positive_of(&req.amount)
        .map_err(|e| crate::error::prefix("amount", e))?;
    let print = format!("{}|{}|{}", amount, email.unwrap_or(""), c.code());
    let card_reference = req
        .reference
        .as_deref()
        .map(|r| format!("issue:{}:{}", order.order_id, r));
    if let Some(reference) = &card_reference
        && let Some(done) =
            replay::find::<Issued>(env, "issue", reference, &print, &order.order_id)?
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
    let money = |minor: i64| Money::of(minor, c);
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
            context: order.card_context(CardOrigin::OrderIssued, comment),
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

/// A plain decimal without a sign, by the one grammar (see [`Amount`]).
fn plain_decimal(text: &str) -> Option<Decimal> {
    Amount::parse(text, Sign::Refused).ok().map(|a| a.value())
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
#[derive(Clone, Debug)]
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
            // This field has always tolerated spaces around the amount.
            let amount = currency
                .parse_positive(m.amount.as_str().trim())
                .map_err(|e| crate::error::prefix("reward", e))?;
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

/// A campaign row: its checked rules, as stored, and what the row adds.
#[derive(Clone, Debug)]
struct StoredCampaign {
    id: u64,
    rules: ValidCampaign,
    created_at: Seconds,
    cards_issued: u64,
}

impl StoredCampaign {
    fn from_row(row: &Row<'_>) -> Result<StoredCampaign> {
        let corrupt = |what: &str| Error::Database(format!("stored campaign {what}"));
        let decimal = |v: Option<String>, what: &str| -> Result<Option<Decimal>> {
            v.map(|t| {
                t.parse::<Amount>()
                    .map(|a| a.value())
                    .map_err(|_| corrupt(what))
            })
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
        let rules = ValidCampaign {
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
        };
        Ok(StoredCampaign {
            id: row.i64("id")? as u64,
            rules,
            created_at: row.i64("created_at")?,
            cards_issued: row.i64("cards_issued")?.max(0) as u64,
        })
    }

    fn to_campaign(&self) -> Campaign {
        Campaign {
            id: self.id,
            fields: CampaignInput {
                name: self.rules.name.clone(),
                reward: match (self.rules.percent, self.rules.fixed) {
                    (Some(p), _) => CampaignReward::Percent(p.to_string()),
                    (None, Some((a, c))) => {
                        CampaignReward::Fixed(GivenMoney::new(c.format(a), c.code()))
                    }
                    (None, None) => CampaignReward::Percent("0".into()),
                },
                min_order_total: self.rules.min_order_total.map(|m| m.to_string()),
                website: self.rules.website.clone(),
                starts_at: self.rules.starts_at.map(time::format),
                ends_at: self.rules.ends_at.map(time::format),
                validity_days: self.rules.validity_days,
                active: self.rules.active,
            },
            cards_issued: self.cards_issued,
            created_at: time::format(self.created_at),
        }
    }

    /// Whether this campaign rewards `order`, completed at `now`.
    fn matches(&self, order: &StoredOrder, now: Seconds) -> bool {
        let total = Decimal::new(order.total_before_cards, order.context.currency.exponent());
        self.rules.active
            && self
                .rules
                .website
                .as_deref()
                .is_none_or(|w| w == order.context.website)
            && self.rules.starts_at.is_none_or(|s| now >= s)
            && self.rules.ends_at.is_none_or(|e| now < e)
            && self.rules.min_order_total.is_none_or(|m| total >= m)
    }

    /// The reward for `order` in its currency's minor units; `None` when a
    /// fixed reward is in another currency.
    fn reward(&self, order: &StoredOrder) -> Option<i64> {
        match (self.rules.percent, self.rules.fixed) {
            (Some(p), _) => Some(percent_of(order.total_before_cards, p)),
            (None, Some((amount, currency))) => {
                (currency == order.context.currency).then_some(amount)
            }
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
    let select = format!("SELECT {CAMPAIGN_COLUMNS} FROM gc_campaigns");
    load_by_id(
        env.db(),
        &select,
        id,
        StoredCampaign::from_row,
        Error::CampaignNotFound,
    )
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
    if let Some(done) =
        replay::find::<Vec<Card>>(env, "completed", &order.order_id, "", &order.order_id)?
    {
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
        let expires_at =
            cards::resolve_expiry(now, None, campaign.rules.validity_days, default_days)?;
        let card = cards::insert(
            env,
            NewCard {
                code: None,
                amount: value,
                currency: order.context.currency,
                expires_at,
                context: order.card_context(
                    CardOrigin::Campaign,
                    format!(
                        "Campaign \"{}\": reward for order {}",
                        campaign.rules.name, order.order_id
                    ),
                ),
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
mod tests;
