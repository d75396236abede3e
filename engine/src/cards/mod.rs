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

/// Attempts at drawing a code that no card has yet before giving up. With 65+
/// bits per code a second draw is already astronomically rare.
const CODE_ATTEMPTS: usize = 8;

pub(crate) const CARD_COLUMNS: &str = "id, code, display_code, masked_code, status, balance, \
    initial_value, currency, expires_at, customer_id, comment, website, is_test, origin, \
    order_id, order_line, purchase, created_at, updated_at, amount_min, amount_max, max_uses, \
    uses, recipient_name, recipient_email, purchaser_customer_id, purchaser_email, product_id, \
    definition_id, campaign_id, cancelled_at";

/// A card as stored, before it is shaped for the contract.
#[derive(Clone, Debug)]
pub struct StoredCard {
    pub id: CardId,
    pub code: String,
    pub display_code: String,
    pub masked_code: String,
    pub stored_status: CardStatus,
    pub balance: i64,
    pub initial_value: i64,
    pub currency: Currency,
    pub expires_at: Option<Seconds>,
    pub customer_id: Option<String>,
    pub comment: Option<String>,
    pub website: Option<String>,
    pub test: bool,
    pub origin: CardOrigin,
    pub order_id: Option<String>,
    pub order_line: Option<String>,
    pub purchase: Option<GiftCardPurchase>,
    pub created_at: Seconds,
    pub updated_at: Seconds,
    /// The people, product, batch, campaign and limits a card may carry.
    pub extras: CardExtras,
    /// Times used (placements, transfers to an account).
    pub uses: u32,
    /// Set when an administrator cancelled the card (stored as `disabled`).
    pub cancelled_at: Option<Seconds>,
}

/// What a card may carry beyond its value, code and scope; everything
/// defaults to "none" (and unlimited uses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardExtras {
    /// The inclusive range a random value was drawn from (minor units).
    pub amount_range: Option<(i64, i64)>,
    /// -1 = unlimited.
    pub max_uses: i32,
    pub recipient_name: Option<String>,
    pub recipient_email: Option<String>,
    pub purchaser_customer_id: Option<String>,
    pub purchaser_email: Option<String>,
    pub product_id: Option<u64>,
    pub definition_id: Option<u64>,
    pub campaign_id: Option<u64>,
}

impl Default for CardExtras {
    fn default() -> Self {
        CardExtras {
            amount_range: None,
            max_uses: -1,
            recipient_name: None,
            recipient_email: None,
            purchaser_customer_id: None,
            purchaser_email: None,
            product_id: None,
            definition_id: None,
            campaign_id: None,
        }
    }
}

impl StoredCard {
    pub(crate) fn from_row(row: &Row<'_>) -> Result<StoredCard> {
        let status = row.text("status")?;
        let currency = row.text("currency")?;
        let origin = row.text("origin")?;
        let purchase = row
            .opt_text("purchase")?
            .map(|json| {
                serde_json::from_str::<GiftCardPurchase>(&json)
                    .map_err(|e| Error::Database(format!("stored purchase details: {e}")))
            })
            .transpose()?;
        Ok(StoredCard {
            id: row.i64("id")? as u64,
            code: row.text("code")?,
            display_code: row.text("display_code")?,
            masked_code: row.text("masked_code")?,
            stored_status: CardStatus::parse(&status)
                .ok_or_else(|| Error::Database(format!("unknown card status `{status}`")))?,
            balance: row.i64("balance")?,
            initial_value: row.i64("initial_value")?,
            currency: Currency::parse(&currency)
                .map_err(|_| Error::Database(format!("stored currency `{currency}`")))?,
            expires_at: row.opt_i64("expires_at")?,
            customer_id: row.opt_text("customer_id")?,
            comment: row.opt_text("comment")?,
            website: row.opt_text("website")?,
            test: row.i64("is_test")? != 0,
            origin: CardOrigin::parse(&origin)
                .ok_or_else(|| Error::Database(format!("unknown card origin `{origin}`")))?,
            order_id: row.opt_text("order_id")?,
            order_line: row.opt_text("order_line")?,
            purchase,
            created_at: row.i64("created_at")?,
            updated_at: row.i64("updated_at")?,
            extras: CardExtras {
                amount_range: match (row.opt_i64("amount_min")?, row.opt_i64("amount_max")?) {
                    (Some(min), Some(max)) => Some((min, max)),
                    _ => None,
                },
                max_uses: i32::try_from(row.i64("max_uses")?).unwrap_or(-1),
                recipient_name: row.opt_text("recipient_name")?,
                recipient_email: row.opt_text("recipient_email")?,
                purchaser_customer_id: row.opt_text("purchaser_customer_id")?,
                purchaser_email: row.opt_text("purchaser_email")?,
                product_id: row.opt_i64("product_id")?.map(|v| v as u64),
                definition_id: row.opt_i64("definition_id")?.map(|v| v as u64),
                campaign_id: row.opt_i64("campaign_id")?.map(|v| v as u64),
            },
            uses: u32::try_from(row.i64("uses")?).unwrap_or(u32::MAX),
            cancelled_at: row.opt_i64("cancelled_at")?,
        })
    }

    /// The status as of `now`, expiry and cancellation included.
    pub fn status(&self, now: Seconds) -> CardStatus {
        if self.cancelled_at.is_some() {
            return CardStatus::Cancelled;
        }
        status::effective(self.stored_status, self.expires_at, now)
    }

    /// Fixed or random, with the range in money.
    pub fn amount_type(&self) -> AmountType {
        match self.extras.amount_range {
            Some((min, max)) => AmountType::Random(AmountRange {
                min: self.money(min),
                max: self.money(max),
            }),
            None => AmountType::Fixed,
        }
    }

    /// Refuses an amount given in another currency than the card's: a
    /// balance never changes currency.
    pub(crate) fn check_currency(&self, amount: &Money) -> Result<()> {
        let given = Currency::parse(&amount.currency)?;
        if given != self.currency {
            return Err(Error::CurrencyMismatch {
                expected: self.currency.code().into(),
                given: given.code().into(),
            });
        }
        Ok(())
    }

    pub(crate) fn money(&self, minor: i64) -> Money {
        Money::new(self.currency.format(minor), self.currency.code())
    }

    pub fn to_card(&self, now: Seconds) -> Card {
        Card {
            id: self.id,
            code: self.display_code.clone(),
            masked_code: self.masked_code.clone(),
            status: self.status(now),
            balance: self.money(self.balance),
            initial_value: self.money(self.initial_value),
            amount_type: self.amount_type(),
            max_uses: self.extras.max_uses,
            uses: self.uses,
            expires_at: self.expires_at.map(time::format),
            customer_id: self.customer_id.clone(),
            recipient_name: self.extras.recipient_name.clone(),
            recipient_email: self.extras.recipient_email.clone(),
            purchaser_customer_id: self.extras.purchaser_customer_id.clone(),
            purchaser_email: self.extras.purchaser_email.clone(),
            product_id: self.extras.product_id,
            definition_id: self.extras.definition_id,
            campaign_id: self.extras.campaign_id,
            comment: self.comment.clone(),
            website: self.website.clone(),
            test: self.test,
            origin: self.origin,
            order_id: self.order_id.clone(),
            purchase: self.purchase.clone(),
            created_at: time::format(self.created_at),
            updated_at: time::format(self.updated_at),
        }
    }

    pub fn to_summary(&self, now: Seconds) -> CardSummary {
        CardSummary {
            id: self.id,
            masked_code: self.masked_code.clone(),
            status: self.status(now),
            balance: self.money(self.balance),
            initial_value: self.money(self.initial_value),
            amount_type: self.amount_type(),
            max_uses: self.extras.max_uses,
            uses: self.uses,
            expires_at: self.expires_at.map(time::format),
            customer_id: self.customer_id.clone(),
            recipient_email: self.extras.recipient_email.clone(),
            purchaser_email: self.extras.purchaser_email.clone(),
            product_id: self.extras.product_id,
            definition_id: self.extras.definition_id,
            website: self.website.clone(),
            test: self.test,
            origin: self.origin,
            created_at: time::format(self.created_at),
        }
    }
}

/// Checks a free-text field's length (and, when required, that it is not blank).
/// Checks a single-line text field: not empty when `required`, at most
/// `max` characters, and none a reader could be fooled by ([`forbidden`]).
/// Every free-text field goes through here (ids, names, comments, admin
/// users, references…), so a CR/LF in a sender's name can never forge a
/// line in an email's body or subject, nor an ESC drive a terminal.
pub(crate) fn check_text(field: &str, value: &str, max: usize, required: bool) -> Result<()> {
    check_length(field, value, max, required)?;
    match value.chars().find(|&c| forbidden(c)) {
        Some(c) => Err(control_character(field, c)),
        None => Ok(()),
    }
}

/// Checks a text that may run over several lines (a gift message, a
/// product's description or terms): as [`check_text`], except that line
/// breaks (`\n`, or `\r\n`) are kept.
pub(crate) fn check_multiline(field: &str, value: &str, max: usize) -> Result<()> {
    check_length(field, value, max, false)?;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        let line_break = c == '\n' || (c == '\r' && chars.peek() == Some(&'\n'));
        if forbidden(c) && !line_break {
            return Err(control_character(field, c));
        }
    }
    Ok(())
}

fn check_length(field: &str, value: &str, max: usize, required: bool) -> Result<()> {
    if required && value.trim().is_empty() {
        return Err(Error::InvalidArgument(format!(
            "{field}: must not be empty"
        )));
    }
    if value.chars().count() > max {
        return Err(Error::InvalidArgument(format!(
            "{field}: at most {max} characters"
        )));
    }
    Ok(())
}

/// Characters no text field may hold: control characters (C0, DEL, C1),
/// the Unicode line and paragraph separators, and the bidirectional
/// embeddings, overrides and isolates, which reorder how the text around
/// them is shown (U+202A–U+202E, U+2066–U+2069).
pub fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

fn control_character(field: &str, c: char) -> Error {
    Error::InvalidArgument(format!(
        "{field}: must not contain control characters (found U+{:04X})",
        c as u32
    ))
}

pub(crate) fn check_opt_text(field: &str, value: Option<&str>, max: usize) -> Result<()> {
    value.map_or(Ok(()), |v| check_text(field, v, max, true))
}

/// The longest email address accepted (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// Checks an email address for shape: one `@`, a non-empty local part, a
/// domain with a dot that neither starts nor ends it, no spaces or control
/// characters, at most 254 characters. Deliverability is the shop's business.
pub fn check_email(field: &str, value: &str) -> Result<()> {
    let bad = |why: &str| {
        let shown: String = value.chars().take(40).collect();
        Error::InvalidArgument(format!(
            "{field}: `{shown}` is not an email address ({why})"
        ))
    };
    if value.is_empty() {
        return Err(bad("empty"));
    }
    if value.chars().count() > MAX_EMAIL_LEN {
        return Err(bad("longer than 254 characters"));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("contains a space"));
    }
    let mut parts = value.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("needs exactly one @"));
    };
    if local.is_empty() {
        return Err(bad("nothing before the @"));
    }
    if domain.is_empty()
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return Err(bad("the domain needs a dot, e.g. example.com"));
    }
    Ok(())
}

/// Checks a maximum number of uses: -1 (unlimited) or 1 and more.
pub fn check_max_uses(value: Option<i32>) -> Result<i32> {
    match value {
        None => Ok(-1),
        Some(n) if n == -1 || n >= 1 => Ok(n),
        Some(n) => Err(Error::InvalidArgument(format!(
            "max-uses: -1 for unlimited, or 1 or more (got {n})"
        ))),
    }
}

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
    rows.first()
        .map(|r| StoredCard::from_row(&r))
        .transpose()?
        .ok_or(Error::CardNotFound)
}

fn code_exists(env: &mut dyn Environment, normalized: &str) -> Result<bool> {
    let rows = env.db().execute(
        "SELECT id FROM gc_cards WHERE code = ?1",
        &[Value::from(normalized)],
    )?;
    Ok(!rows.rows.is_empty())
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
    let amount = currency.parse_positive(&req.amount.amount)?;
    let range = match req.amount_max.as_deref() {
        None => None,
        Some(text) => {
            let max = currency.parse_positive(text)?;
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
            customer_id: req.customer_id,
            comment: req.comment,
            website: req.website,
            test: req.test.unwrap_or(false),
            origin: CardOrigin::Admin,
            order_id: None,
            order_line: None,
            purchase: None,
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
    pub customer_id: Option<String>,
    pub comment: Option<String>,
    pub website: Option<String>,
    pub test: bool,
    pub origin: CardOrigin,
    pub order_id: Option<String>,
    pub order_line: Option<String>,
    pub purchase: Option<GiftCardPurchase>,
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
    let ledger_comment = match (new.comment.as_deref(), note) {
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
            Value::from(new.customer_id.as_deref()),
            Value::from(new.comment.as_deref()),
            Value::from(new.reference.as_deref()),
            Value::Integer(now),
            Value::from(new.website.as_deref()),
            Value::Integer(i64::from(new.test)),
            Value::from(new.origin.as_str()),
            Value::from(new.order_id.as_deref()),
            Value::from(new.order_line.as_deref()),
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
        customer_id: new.customer_id,
        comment: new.comment,
        website: new.website,
        test: new.test,
        origin: new.origin,
        order_id: new.order_id,
        order_line: new.order_line,
        purchase: new.purchase,
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
}

/// The effective status as SQL, matching [`StoredCard::status`].
fn status_sql(now: &str) -> String {
    format!(
        "CASE WHEN cancelled_at IS NOT NULL THEN 'cancelled' \
         WHEN status = 'active' AND expires_at IS NOT NULL AND expires_at <= {now} THEN 'expired' \
         ELSE status END"
    )
}

/// An amount filter must be a plain non-negative decimal.
fn plain_amount(text: &str) -> bool {
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    text.len() <= 40
        && !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
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
    if let Some(text) = req.amount.as_deref() {
        if !plain_amount(text) {
            return Err(Error::InvalidAmount(format!(
                "amount filter `{}`: a plain decimal such as 25 or 12.50",
                text.chars().take(24).collect::<String>()
            )));
        }
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
            if let Ok(minor) = currency.parse_amount(text) {
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
    let mut q = card_query(env, &req, now)?;
    let total = env.db().execute(
        &format!("SELECT COUNT(*) AS n FROM gc_cards{}", q.filter),
        &q.params,
    )?;
    let total = total.first().map(|r| r.i64("n")).transpose()?.unwrap_or(0);
    let l = q.bind(Value::Integer(limit));
    let o = q.bind(Value::Integer(offset));
    let rows = env.db().execute(
        &format!(
            "SELECT {CARD_COLUMNS} FROM gc_cards{} ORDER BY {} LIMIT {l} OFFSET {o}",
            q.filter, q.order
        ),
        &q.params,
    )?;
    let cards = rows
        .iter()
        .map(|r| StoredCard::from_row(&r).map(|c| c.to_summary(now)))
        .collect::<Result<Vec<_>>>()?;
    Ok(CardPage {
        cards,
        total: total as u64,
        page: req.page.page.max(1),
        page_size: limit as u32,
    })
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
                available: fresh.currency.format(fresh.balance),
                currency: fresh.currency.code().into(),
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
    let now = env.now();
    check_text("admin-user", &req.admin_user, 100, true)?;
    check_text("comment", &req.comment, 1000, true)?;
    check_opt_text("reference", req.reference.as_deref(), 200)?;
    let card = load(env, &req.card)?;
    card.check_currency(&req.amount)?;
    let amount = card.currency.parse_amount(&req.amount.amount)?;
    if amount == 0 {
        return Err(Error::InvalidAmount(
            "an adjustment must not be zero".into(),
        ));
    }
    if let Some(reference) = req.reference.as_deref() {
        match ledger::find_by_reference(env, card.id, HistoryAction::Adjusted, reference)? {
            Some(previous) if previous == amount => return Ok(card.to_card(now)),
            Some(_) => {
                return Err(Error::InvalidArgument(format!(
                    "reference `{reference}` was already used for a different adjustment of this card"
                )));
            }
            None => {}
        }
    }
    status::check(card.status(now), status::Operation::Adjust)?;
    if card.expires_at.is_some_and(|at| at <= now) {
        return Err(Error::InvalidStatus {
            status: CardStatus::Expired,
            operation: "adjust".into(),
        });
    }
    let actor = Actor::Admin(req.admin_user.clone());
    let before = apply_balance_change(
        env,
        &card,
        amount,
        (
            HistoryAction::Adjusted,
            &actor,
            req.reference.as_deref(),
            Some(req.comment.as_str()),
        ),
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

/// Disables or enables a card, with a zero-amount ledger row.
pub fn set_enabled(env: &mut dyn Environment, req: SetStatus, enable: bool) -> Result<Card> {
    let now = env.now();
    check_text("admin-user", &req.admin_user, 100, true)?;
    check_opt_text("comment", req.comment.as_deref(), 1000)?;
    let card = load(env, &req.card)?;
    let (operation, action) = if enable {
        (status::Operation::Enable, HistoryAction::Enabled)
    } else {
        (status::Operation::Disable, HistoryAction::Disabled)
    };
    status::check(card.status(now), operation)?;
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
        // Someone else changed the status between our read and this write.
        let fresh = load(env, &CardRef::Id(card.id))?;
        return Err(Error::InvalidStatus {
            status: fresh.status(now),
            operation: operation.as_str().into(),
        });
    }
    let actor = Actor::Admin(req.admin_user.clone());
    ledger::append(
        env,
        NewEntry {
            card_id: card.id,
            action,
            amount: 0,
            balance_before: card.balance,
            actor: &actor,
            reference: None,
            comment: req.comment.as_deref(),
            at: now,
        },
    )?;
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
