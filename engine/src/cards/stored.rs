//! A card as stored and its conversions to the contract's records.

use super::*;

/// In the order [`StoredCard::from_row`] reads them, so each read finds its
/// column at the row's hint instead of scanning 31 names (natively, the
/// scans were two thirds of reading a card).
pub(crate) const CARD_COLUMNS: &str = "status, currency, origin, purchase, id, code, display_code, \
    masked_code, balance, initial_value, expires_at, customer_id, comment, website, is_test, \
    order_id, order_line, created_at, updated_at, amount_min, amount_max, max_uses, \
    recipient_name, recipient_email, purchaser_customer_id, purchaser_email, product_id, \
    definition_id, campaign_id, uses, cancelled_at";

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
    /// Whose it is, where it came from and what it is for.
    pub context: CardContext,
    pub created_at: Seconds,
    pub updated_at: Seconds,
    /// The people, product, batch, campaign and limits a card may carry.
    pub extras: CardExtras,
    /// Times used (placements, transfers to an account).
    pub uses: u32,
    /// Set when an administrator cancelled the card (stored as `disabled`).
    pub cancelled_at: Option<Seconds>,
}

/// Whose a card is, where it came from and what it is for: written with
/// the card ([`NewCard`](super::NewCard)) and read back with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardContext {
    pub customer_id: Option<String>,
    pub comment: Option<String>,
    pub website: Option<String>,
    pub test: bool,
    pub origin: CardOrigin,
    pub order_id: Option<String>,
    pub order_line: Option<String>,
    pub purchase: Option<GiftCardPurchase>,
}

impl CardContext {
    /// A card of `origin` and nothing else: no owner, note, website, order
    /// or purchase, not a test card; set the rest with struct-update syntax.
    pub fn of(origin: CardOrigin) -> CardContext {
        CardContext {
            customer_id: None,
            comment: None,
            website: None,
            test: false,
            origin,
            order_id: None,
            order_line: None,
            purchase: None,
        }
    }
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
            context: CardContext {
                customer_id: row.opt_text("customer_id")?,
                comment: row.opt_text("comment")?,
                website: row.opt_text("website")?,
                test: row.i64("is_test")? != 0,
                origin: CardOrigin::parse(&origin)
                    .ok_or_else(|| Error::Database(format!("unknown card origin `{origin}`")))?,
                order_id: row.opt_text("order_id")?,
                order_line: row.opt_text("order_line")?,
                purchase,
            },
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
    pub(crate) fn check_currency(&self, amount: &GivenMoney) -> Result<()> {
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
        Money::of(minor, self.currency)
    }

    pub fn to_card(&self, now: Seconds) -> Card {
        Card {
            summary: self.to_summary(now),
            code: self.display_code.clone(),
            recipient_name: self.extras.recipient_name.clone(),
            purchaser_customer_id: self.extras.purchaser_customer_id.clone(),
            campaign_id: self.extras.campaign_id,
            comment: self.context.comment.clone(),
            order_id: self.context.order_id.clone(),
            purchase: self.context.purchase.clone(),
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
            customer_id: self.context.customer_id.clone(),
            recipient_email: self.extras.recipient_email.clone(),
            purchaser_email: self.extras.purchaser_email.clone(),
            product_id: self.extras.product_id,
            definition_id: self.extras.definition_id,
            website: self.context.website.clone(),
            test: self.context.test,
            origin: self.context.origin,
            created_at: time::format(self.created_at),
        }
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests;
