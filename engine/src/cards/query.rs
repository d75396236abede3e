//! Card lists: the filters, the sort and the page.

use super::*;
use crate::money::DecimalError;

/// A card list's WHERE clause (empty or starting with ` WHERE`), its
/// parameters, and its ORDER BY list.
pub(crate) struct CardQuery {
    pub filter: String,
    pub params: Vec<Value>,
    pub order: String,
}

impl CardQuery {
    pub(crate) fn bind(&mut self, v: Value) -> String {
        self.params.push(v);
        format!("?{}", self.params.len())
    }

    /// How many cards match.
    pub(crate) fn count(&self, env: &mut dyn Environment) -> Result<i64> {
        let rows = env.db().execute(
            &format!("SELECT COUNT(*) AS n FROM gc_cards{}", self.filter),
            &self.params,
        )?;
        Ok(rows.first_i64_or_zero("n")?)
    }

    /// The matching cards from `offset` in the query's order, `limit` of them.
    pub(crate) fn page(
        mut self,
        env: &mut dyn Environment,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<StoredCard>> {
        let l = self.bind(Value::Integer(limit));
        let o = self.bind(Value::Integer(offset));
        let rows = env.db().execute(
            &format!(
                "SELECT {CARD_COLUMNS} FROM gc_cards{} ORDER BY {} LIMIT {l} OFFSET {o}",
                self.filter, self.order
            ),
            &self.params,
        )?;
        rows.iter().map(|r| StoredCard::from_row(&r)).collect()
    }
}

/// The effective status as SQL, matching [`StoredCard::status`].
fn status_sql(now: &str) -> String {
    format!(
        "CASE WHEN cancelled_at IS NOT NULL THEN 'cancelled' \
         WHEN status = 'active' AND expires_at IS NOT NULL AND expires_at <= {now} THEN 'expired' \
         ELSE status END"
    )
}

/// Builds the filters and order of a card list (shared by the list and the
/// export).
pub(crate) fn card_query(
    env: &mut dyn Environment,
    req: &ListCards,
    now: Seconds,
) -> Result<CardQuery> {
    let mut q = CardQuery {
        filter: String::new(),
        params: Vec::new(),
        order: String::new(),
    };
    let mut conditions: Vec<String> = Vec::new();
    if let Some(status) = req.status {
        let condition = match status {
            CardStatus::Active => {
                let n = q.bind(Value::Integer(now));
                format!("(status = 'active' AND (expires_at IS NULL OR expires_at > {n}))")
            }
            CardStatus::Expired => {
                let n = q.bind(Value::Integer(now));
                format!(
                    "(status = 'expired' OR (status = 'active' AND expires_at IS NOT NULL AND expires_at <= {n}))"
                )
            }
            CardStatus::Used => "status = 'used'".to_owned(),
            CardStatus::Disabled => "(status = 'disabled' AND cancelled_at IS NULL)".to_owned(),
            CardStatus::Cancelled => "cancelled_at IS NOT NULL".to_owned(),
        };
        conditions.push(condition);
    }
    if let Some(fragment) = req.code.as_deref() {
        let fragment: String = fragment
            .chars()
            .filter(|c| *c != '-' && *c != ' ')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if fragment.is_empty()
            || fragment.len() > code::MAX_CODE_LEN
            || !fragment.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(Error::InvalidCode(
                "code filter: 1 to 64 letters and digits".into(),
            ));
        }
        // Only A–Z and 0–9 remain, so no LIKE wildcard can sneak in.
        let n = q.bind(Value::Text(format!("%{fragment}%")));
        conditions.push(format!("code LIKE {n}"));
    }
    if let Some(customer) = req.customer_id.as_deref() {
        check_text("customer-id", customer, 200, true)?;
        let n = q.bind(Value::from(customer));
        conditions.push(format!("customer_id = {n}"));
    }
    if let Some(id) = req.id {
        // An id beyond i64 matches nothing.
        let n = q.bind(Value::Integer(i64::try_from(id).unwrap_or(-1)));
        conditions.push(format!("id = {n}"));
    }
    if let Some(given) = &req.amount {
        // An amount filter must be a plain non-negative decimal; one too
        // large for any currency matches nothing.
        let amount = match given.unsigned() {
            Ok(amount) => Some(amount),
            Err(DecimalError::OutOfRange) => None,
            Err(DecimalError::NotPlain) => {
                return Err(Error::InvalidAmount(format!(
                    "amount filter `{}`: a plain decimal such as 25 or 12.50",
                    given.as_str().chars().take(24).collect::<String>()
                )));
            }
        };
        // Each currency reads the decimal with its own digits: 12.5 is 1250
        // cents in USD, and matches nothing in JPY.
        let currencies = env.db().execute(
            "SELECT DISTINCT currency FROM gc_cards ORDER BY currency",
            &[],
        )?;
        let mut alternatives = Vec::new();
        for row in currencies.iter() {
            let code = row.text("currency")?;
            let Ok(currency) = Currency::parse(&code) else {
                continue;
            };
            if let Some(Ok(minor)) = amount.map(|a| currency.minor(a)) {
                let c = q.bind(Value::from(currency.code()));
                let m = q.bind(Value::Integer(minor));
                alternatives.push(format!("(currency = {c} AND initial_value = {m})"));
            }
        }
        if alternatives.is_empty() {
            conditions.push("1 = 0".to_owned());
        } else {
            conditions.push(format!("({})", alternatives.join(" OR ")));
        }
    }
    match req.amount_type {
        Some(AmountKind::Fixed) => conditions.push("amount_min IS NULL".to_owned()),
        Some(AmountKind::Random) => conditions.push("amount_min IS NOT NULL".to_owned()),
        None => {}
    }
    if let Some(product) = req.product_id {
        let n = q.bind(Value::Integer(i64::try_from(product).unwrap_or(-1)));
        conditions.push(format!("product_id = {n}"));
    }
    if let Some(definition) = req.definition_id {
        let n = q.bind(Value::Integer(i64::try_from(definition).unwrap_or(-1)));
        conditions.push(format!("definition_id = {n}"));
    }
    if let Some(origin) = req.origin {
        let n = q.bind(Value::from(origin.as_str()));
        conditions.push(format!("origin = {n}"));
    }
    if let Some(email) = req.email.as_deref() {
        check_text("email", email, MAX_EMAIL_LEN, true)?;
        // lower() folds ASCII on every engine; so does the parameter.
        let n = q.bind(Value::Text(email.trim().to_ascii_lowercase()));
        conditions.push(format!(
            "(lower(purchaser_email) = {n} OR lower(recipient_email) = {n})"
        ));
    }
    if !conditions.is_empty() {
        q.filter = format!(" WHERE {}", conditions.join(" AND "));
    }
    q.order = match req.sort {
        None => "id DESC".to_owned(),
        Some(sort) => {
            let dir = if sort.descending { "DESC" } else { "ASC" };
            let column = match sort.field {
                CardSortField::Id => None,
                CardSortField::CreatedAt => Some("created_at".to_owned()),
                CardSortField::Balance => Some("balance".to_owned()),
                CardSortField::InitialValue => Some("initial_value".to_owned()),
                // Cards that never expire come last, whichever the direction.
                CardSortField::ExpiresAt => Some(format!(
                    "CASE WHEN expires_at IS NULL THEN 1 ELSE 0 END, expires_at {dir}"
                )),
                // `now` as a literal (an integer, so nothing to escape): the
                // COUNT query shares the parameters but not the order.
                CardSortField::Status => Some(status_sql(&now.to_string())),
            };
            match (sort.field, column) {
                (CardSortField::ExpiresAt, Some(c)) => format!("{c}, id {dir}"),
                (_, Some(c)) => format!("{c} {dir}, id {dir}"),
                (_, None) => format!("id {dir}"),
            }
        }
    };
    Ok(q)
}

/// Cards matching the filters, newest first unless sorted otherwise.
pub fn list(env: &mut dyn Environment, req: ListCards) -> Result<CardPage> {
    let now = env.now();
    let (limit, offset) = limit_offset(req.page)?;
    let q = card_query(env, &req, now)?;
    let total = q.count(env)?;
    let cards = q
        .page(env, limit, offset)?
        .iter()
        .map(|c| c.to_summary(now))
        .collect();
    Ok(CardPage {
        cards,
        total: total as u64,
        page: req.page.page.max(1),
        page_size: limit as u32,
    })
}
