//! Statistics and the global history grid: read-only views over cards and
//! their ledger.

use crate::cards;
use crate::cards::ledger;
use crate::error::{Error, Result};
use crate::model::Named;
use crate::model::{CardId, CardStatus, HistoryAction, HistoryEntry, Money, PageRequest};
use crate::money::Currency;
use crate::storage::db::Value;
use crate::storage::env::Environment;
use crate::storage::time::{self, Seconds};
use std::collections::BTreeMap;

/// Which cards and which period the figures cover.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatisticsRequest {
    /// Inclusive.
    pub from: Option<String>,
    /// Exclusive.
    pub to: Option<String>,
    pub product_id: Option<u64>,
    pub definition_id: Option<u64>,
}

/// The money figures of one currency (see [`statistics`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrencyFigures {
    pub currency: String,
    pub total_sold: Money,
    pub total_credited: Money,
    pub total_redeemed: Money,
    pub outstanding: Money,
    pub breakage: Money,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusCount {
    pub status: CardStatus,
    pub count: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgrammeStatistics {
    pub cards_created: u64,
    pub fully_used: u64,
    /// A percentage with two decimals, e.g. `33.33`.
    pub usage_rate: String,
    /// Every status, in the order active, used, expired, disabled, cancelled
    /// (zero counts included).
    pub by_status: Vec<StatusCount>,
    /// One entry per currency, by code.
    pub currencies: Vec<CurrencyFigures>,
}

/// A filter on the global history grid.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryRequest {
    pub card_id: Option<CardId>,
    pub action: Option<HistoryAction>,
    /// Rows whose reference contains this text.
    pub reference: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: PageRequest,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryRow {
    pub entry: HistoryEntry,
    pub masked_code: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryGrid {
    /// Newest first.
    pub rows: Vec<HistoryRow>,
    pub total: u64,
}

/// A WHERE clause under construction, with its numbered parameters.
#[derive(Default)]
struct Filter {
    conditions: Vec<String>,
    params: Vec<Value>,
}

impl Filter {
    fn bind(&mut self, v: Value) -> String {
        self.params.push(v);
        format!("?{}", self.params.len())
    }

    /// Adds a condition; `{}` in it is replaced by the bound value's placeholder.
    fn add(&mut self, condition: &str, v: Value) {
        let p = self.bind(v);
        self.conditions.push(condition.replace("{}", &p));
    }

    fn push(&mut self, condition: &str) {
        self.conditions.push(condition.to_owned());
    }

    /// `[start, end)` on `column`.
    fn period(&mut self, column: &str, period: (Option<Seconds>, Option<Seconds>)) {
        if let Some(from) = period.0 {
            self.add(&format!("{column} >= {{}}"), Value::Integer(from));
        }
        if let Some(to) = period.1 {
            self.add(&format!("{column} < {{}}"), Value::Integer(to));
        }
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }
}

/// Parses an optional period; a malformed time or `to` not after `from` is
/// `invalid-argument`.
fn period(from: Option<&str>, to: Option<&str>) -> Result<(Option<Seconds>, Option<Seconds>)> {
    let parse =
        |text: Option<&str>, what: &str| text.map(|t| time::parse_argument(t, what)).transpose();
    let (from, to) = (parse(from, "from")?, parse(to, "to")?);
    if let (Some(f), Some(t)) = (from, to)
        && t <= f
    {
        return Err(Error::InvalidArgument(format!(
            "to ({}) must be after from ({})",
            time::format(t),
            time::format(f)
        )));
    }
    Ok((from, to))
}

/// `part / whole` as a percentage with two decimals, rounded half up, in
/// integers only (`0.00` when `whole` is 0).
pub fn percentage(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0.00".into();
    }
    let (part, whole) = (u128::from(part), u128::from(whole));
    let basis_points = (part * 20_000 + whole) / (2 * whole);
    format!("{}.{:02}", basis_points / 100, basis_points % 100)
}

/// The card filters every figure shares: no test cards (they never carry real
/// value), and the product and definition asked for.
fn card_filter(req: &StatisticsRequest) -> Filter {
    let mut f = Filter::default();
    f.push("c.is_test = 0");
    if let Some(p) = req.product_id {
        f.add("c.product_id = {}", Value::Integer(p as i64));
    }
    if let Some(d) = req.definition_id {
        f.add("c.definition_id = {}", Value::Integer(d as i64));
    }
    f
}

/// Per-currency accumulators, minor units.
#[derive(Default)]
struct Sums {
    sold: i64,
    credited: i64,
    redeemed: i64,
    outstanding: i64,
    breakage: i64,
}

const STATUS_ORDER: [CardStatus; 5] = [
    CardStatus::Active,
    CardStatus::Used,
    CardStatus::Expired,
    CardStatus::Disabled,
    CardStatus::Cancelled,
];

/// The programme's figures. Test cards are left out of all of them. The
/// product and definition filters apply to the cards throughout; the period
/// applies as follows:
///
/// - `cards-created`: cards created in `[from, to)`;
/// - `fully-used`: of those, the ones whose balance reached zero by use
///   (stored `used`, not cancelled); `usage-rate` = fully-used / created;
/// - `by-status`: those cards by their status now (a stored `active` card past
///   its expiry counts as `expired`; a cancelled one as `cancelled`);
/// - `total-sold`: initial values of those cards that were bought (origin
///   `purchase`);
/// - `total-credited`: what `moved-to-account` rows in the period took;
/// - `total-redeemed`: what `redeemed` rows in the period took from the cards,
///   minus what `refunded` rows in the period gave back (refunds and order
///   cancellations): the exact net, which is negative if more came back than
///   was spent in the period;
/// - `outstanding` and `breakage`: balances, now, of the cards that are
///   `active` and `expired` now, whatever their creation date.
pub fn statistics(
    env: &mut dyn Environment,
    req: StatisticsRequest,
) -> Result<ProgrammeStatistics> {
    let span = period(req.from.as_deref(), req.to.as_deref())?;
    let now = env.now();
    let status_now = "CASE WHEN c.cancelled_at IS NOT NULL THEN 'cancelled' \
        WHEN c.status = 'active' AND c.expires_at IS NOT NULL AND c.expires_at <= {} \
        THEN 'expired' ELSE c.status END";

    // Cards created in the period, by status now.
    let mut f = card_filter(&req);
    f.period("c.created_at", span);
    let case = status_now.replace("{}", &f.bind(Value::Integer(now)));
    let rows = env.db().execute(
        &format!(
            "SELECT {case} AS s, COUNT(*) AS n, \
             CAST(COALESCE(SUM(CASE WHEN c.status = 'used' AND c.balance = 0 \
             AND c.cancelled_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS full_uses \
             FROM gc_cards c{} GROUP BY 1",
            f.where_clause()
        ),
        &f.params,
    )?;
    let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
    let (mut created, mut fully_used) = (0u64, 0u64);
    for r in rows.iter() {
        let status = r.text("s")?;
        let status = CardStatus::parse(&status)
            .ok_or_else(|| Error::Database(format!("unknown card status `{status}`")))?;
        let n = r.i64("n")? as u64;
        *counts.entry(status.as_str()).or_default() += n;
        created += n;
        fully_used += r.i64("full_uses")? as u64;
    }

    let mut sums: BTreeMap<String, Sums> = BTreeMap::new();

    // Sold: bought cards created in the period.
    let mut f = card_filter(&req);
    f.push("c.origin = 'purchase'");
    f.period("c.created_at", span);
    let rows = env.db().execute(
        &format!(
            "SELECT c.currency, CAST(COALESCE(SUM(c.initial_value), 0) AS BIGINT) AS v \
             FROM gc_cards c{} GROUP BY c.currency",
            f.where_clause()
        ),
        &f.params,
    )?;
    for r in rows.iter() {
        sums.entry(r.text("currency")?).or_default().sold += r.i64("v")?;
    }

    // Credited and redeemed: ledger rows in the period.
    let mut f = card_filter(&req);
    f.push("h.action IN ('moved-to-account', 'redeemed', 'refunded')");
    f.period("h.created_at", span);
    let rows = env.db().execute(
        &format!(
            "SELECT c.currency, \
             CAST(COALESCE(SUM(CASE WHEN h.action = 'moved-to-account' THEN -h.amount ELSE 0 END), 0) AS BIGINT) AS credited, \
             CAST(COALESCE(SUM(CASE WHEN h.action = 'moved-to-account' THEN 0 ELSE -h.amount END), 0) AS BIGINT) AS redeemed \
             FROM gc_history h JOIN gc_cards c ON c.id = h.card_id{} GROUP BY c.currency",
            f.where_clause()
        ),
        &f.params,
    )?;
    for r in rows.iter() {
        let s = sums.entry(r.text("currency")?).or_default();
        s.credited += r.i64("credited")?;
        s.redeemed += r.i64("redeemed")?;
    }

    // Outstanding and breakage: balances now.
    let mut f = card_filter(&req);
    let n = f.bind(Value::Integer(now));
    let rows = env.db().execute(
        &format!(
            "SELECT c.currency, \
             CAST(COALESCE(SUM(CASE WHEN c.cancelled_at IS NULL AND c.status = 'active' \
                 AND (c.expires_at IS NULL OR c.expires_at > {n}) THEN c.balance ELSE 0 END), 0) AS BIGINT) AS outstanding, \
             CAST(COALESCE(SUM(CASE WHEN c.cancelled_at IS NULL AND (c.status = 'expired' \
                 OR (c.status = 'active' AND c.expires_at IS NOT NULL AND c.expires_at <= {n})) \
                 THEN c.balance ELSE 0 END), 0) AS BIGINT) AS breakage \
             FROM gc_cards c{} GROUP BY c.currency",
            f.where_clause()
        ),
        &f.params,
    )?;
    for r in rows.iter() {
        let s = sums.entry(r.text("currency")?).or_default();
        s.outstanding += r.i64("outstanding")?;
        s.breakage += r.i64("breakage")?;
    }

    let currencies = sums
        .into_iter()
        .map(|(code, s)| {
            let c = Currency::parse(&code)
                .map_err(|_| Error::Database(format!("stored currency `{code}`")))?;
            let m = |minor: i64| Money::of(minor, c);
            Ok(CurrencyFigures {
                currency: c.code().to_owned(),
                total_sold: m(s.sold),
                total_credited: m(s.credited),
                total_redeemed: m(s.redeemed),
                outstanding: m(s.outstanding),
                breakage: m(s.breakage),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ProgrammeStatistics {
        cards_created: created,
        fully_used,
        usage_rate: percentage(fully_used, created),
        by_status: STATUS_ORDER
            .iter()
            .map(|s| StatusCount {
                status: *s,
                count: counts.get(s.as_str()).copied().unwrap_or(0),
            })
            .collect(),
        currencies,
    })
}

/// Every card's ledger rows in one grid, newest first, with each card's
/// masked code. The reference filter matches a substring, literally (`%` and
/// `_` are not wildcards).
pub fn history(env: &mut dyn Environment, req: HistoryRequest) -> Result<HistoryGrid> {
    let span = period(req.from.as_deref(), req.to.as_deref())?;
    let (limit, offset) = cards::limit_offset(req.page)?;
    let mut f = Filter::default();
    if let Some(id) = req.card_id {
        let id = i64::try_from(id)
            .map_err(|_| Error::InvalidArgument("card-id: out of range".into()))?;
        f.add("h.card_id = {}", Value::Integer(id));
    }
    if let Some(action) = req.action {
        f.add("h.action = {}", Value::from(action.as_str()));
    }
    if let Some(text) = req.reference.as_deref() {
        cards::check_text("reference", text, 200, true)?;
        let escaped: String = text
            .chars()
            .flat_map(|c| match c {
                '\\' | '%' | '_' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        f.add(
            "h.reference LIKE {} ESCAPE '\\'",
            Value::Text(format!("%{escaped}%")),
        );
    }
    f.period("h.created_at", span);
    let from = "FROM gc_history h JOIN gc_cards c ON c.id = h.card_id";
    let total = env.db().execute(
        &format!("SELECT COUNT(*) AS n {from}{}", f.where_clause()),
        &f.params,
    )?;
    let total = total.first_i64_or_zero("n")? as u64;
    let l = f.bind(Value::Integer(limit));
    let o = f.bind(Value::Integer(offset));
    let rows = env.db().execute(
        &format!(
            "SELECT h.id, h.card_id, h.action, h.amount, h.balance_before, h.balance_after, \
             h.actor_kind, h.actor_name, h.reference, h.comment, h.created_at, \
             c.masked_code, c.currency {from}{} ORDER BY h.id DESC LIMIT {l} OFFSET {o}",
            f.where_clause()
        ),
        &f.params,
    )?;
    let rows = rows
        .iter()
        .map(|r| {
            let code = r.text("currency")?;
            let currency = Currency::parse(&code)
                .map_err(|_| Error::Database(format!("stored currency `{code}`")))?;
            Ok(HistoryRow {
                entry: ledger::entry_from(&r, currency)?,
                masked_code: r.text("masked_code")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(HistoryGrid { rows, total })
}

/// The most cards one part of a ledger check may cover.
pub const MAX_LEDGER_CHECK: u32 = 50_000;
/// Cards per part when the host does not say.
pub const DEFAULT_LEDGER_CHECK: u32 = 10_000;
/// Problems reported per part: enough to act on, bounded so a badly damaged
/// database cannot blow the answer up.
const MAX_PROBLEMS: i64 = 100;

/// Which cards one part of a ledger check covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LedgerCheckRequest {
    /// Cards with an id above this one.
    pub after_card: CardId,
    /// 0 = [`DEFAULT_LEDGER_CHECK`].
    pub limit: u32,
}

/// One card whose ledger does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerProblem {
    pub card_id: CardId,
    pub detail: String,
}

/// What one part of a ledger check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerCheck {
    pub cards: u32,
    pub rows: u64,
    pub problems: Vec<LedgerProblem>,
    pub next_after: Option<CardId>,
}

/// Checks the ledger invariant for one range of cards, in SQL so that no
/// ledger row has to cross into the plugin: every balance is non-negative
/// and equals the sum of its card's rows, and each row starts where the
/// previous one ended (the first from zero). `LAG … OVER` is standard SQL
/// that SQLite (3.25+) and PostgreSQL both run.
pub fn check_ledger(env: &mut dyn Environment, req: LedgerCheckRequest) -> Result<LedgerCheck> {
    let limit = match req.limit {
        0 => DEFAULT_LEDGER_CHECK,
        n if n > MAX_LEDGER_CHECK => {
            return Err(Error::InvalidArgument(format!(
                "limit: at most {MAX_LEDGER_CHECK} cards per part, not {n}"
            )));
        }
        n => n,
    };
    let after = i64::try_from(req.after_card)
        .map_err(|_| Error::InvalidArgument("after-card: too large".into()))?;
    let range = env.db().execute(
        "SELECT COUNT(*) AS n, MAX(id) AS last FROM \
         (SELECT id FROM gc_cards WHERE id > ?1 ORDER BY id LIMIT ?2) part",
        &[Value::Integer(after), Value::Integer(i64::from(limit))],
    )?;
    let row = range.first();
    let cards = row.as_ref().map(|r| r.i64("n")).transpose()?.unwrap_or(0);
    let Some(last) = row.map(|r| r.opt_i64("last")).transpose()?.flatten() else {
        return Ok(LedgerCheck {
            cards: 0,
            rows: 0,
            problems: Vec::new(),
            next_after: None,
        });
    };
    let bounds = [
        Value::Integer(after),
        Value::Integer(last),
        Value::Integer(MAX_PROBLEMS),
    ];
    let rows = env.db().execute(
        "SELECT COUNT(*) AS n FROM gc_history WHERE card_id > ?1 AND card_id <= ?2",
        &bounds[..2],
    )?;
    let rows = rows.first_i64_or_zero("n")?;
    let mut problems = Vec::new();
    let sums = env.db().execute(
        // SUM of a BIGINT is NUMERIC on PostgreSQL: cast it back, as the
        // other reports do.
        "SELECT c.id, c.balance, c.currency, CAST(COALESCE(SUM(h.amount), 0) AS BIGINT) AS total \
         FROM gc_cards c LEFT JOIN gc_history h ON h.card_id = c.id \
         WHERE c.id > ?1 AND c.id <= ?2 GROUP BY c.id, c.balance, c.currency \
         HAVING c.balance < 0 OR c.balance <> COALESCE(SUM(h.amount), 0) \
         ORDER BY c.id LIMIT ?3",
        &bounds,
    )?;
    for r in sums.iter() {
        let money = currency_formatter(&r.text("currency")?);
        let (balance, total) = (r.i64("balance")?, r.i64("total")?);
        problems.push(LedgerProblem {
            card_id: r.i64("id")? as CardId,
            detail: if balance < 0 {
                format!("negative balance {}", money(balance))
            } else {
                format!(
                    "balance {} but the ledger sums to {}",
                    money(balance),
                    money(total)
                )
            },
        });
    }
    let breaks = env.db().execute(
        "SELECT t.card_id, t.id, t.amount, t.balance_before, t.balance_after, t.previous, \
         c.currency FROM (SELECT card_id, id, amount, balance_before, balance_after, \
         LAG(balance_after) OVER (PARTITION BY card_id ORDER BY id) AS previous \
         FROM gc_history WHERE card_id > ?1 AND card_id <= ?2) t \
         JOIN gc_cards c ON c.id = t.card_id \
         WHERE t.balance_after <> t.balance_before + t.amount \
         OR t.balance_before <> COALESCE(t.previous, 0) ORDER BY t.card_id, t.id LIMIT ?3",
        &bounds,
    )?;
    for r in breaks.iter() {
        let money = currency_formatter(&r.text("currency")?);
        let (amount, before, after) = (
            r.i64("amount")?,
            r.i64("balance_before")?,
            r.i64("balance_after")?,
        );
        let expected = r.opt_i64("previous")?.unwrap_or(0);
        problems.push(LedgerProblem {
            card_id: r.i64("card_id")? as CardId,
            detail: format!(
                "ledger row {} does not chain: {} + {} = {}, expected to start from {}",
                r.i64("id")?,
                money(before),
                money(amount),
                money(after),
                money(expected)
            ),
        });
    }
    problems.sort_by_key(|p| p.card_id);
    problems.truncate(MAX_PROBLEMS as usize);
    Ok(LedgerCheck {
        cards: cards as u32,
        rows: rows as u64,
        problems,
        next_after: (cards == i64::from(limit)).then_some(last as CardId),
    })
}

/// Formats minor units in a stored currency, or as a bare number when the
/// stored code is damaged (the check must not fail on what it reports).
fn currency_formatter(code: &str) -> impl Fn(i64) -> String + use<> {
    let currency = Currency::parse(code).ok();
    move |minor| match currency {
        Some(c) => format!("{} {}", c.format(minor), c.code()),
        None => minor.to_string(),
    }
}

#[cfg(all(test, feature = "sqlite"))]
mod tests;
