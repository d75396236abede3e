//! Whether a card may pay a quote, and the gift-card collector itself.
//!
//! The collector walks the applied codes in the order they were applied and
//! lets each card pay `min(available, still to pay)` of the eligible amount,
//! so `A = 15, B = 40` on a total of 35 gives `15 + 20`, and `B, A` gives
//! `35 + 0`. `available` is the card's balance converted to the quote's
//! currency, rounded down. A card paying all of its `available` is debited its
//! whole balance; one paying less is debited `applied ÷ rate` rounded half up
//! (see `rates`), which never exceeds its balance.
//!
//! One card never blocks a quote: a card the shop cannot convert (no rate
//! either way, or a rate that is not a number) is dropped with the reason
//! `no-exchange-rate` like any other unusable card, and the rest keep
//! collecting.

use crate::cards::code;
use crate::cards::{self, StoredCard};
use crate::error::{Error, Result};
use crate::model::*;
use crate::money::rates::{self, Rate};
use crate::pipeline::eligibility::{self, DefinitionCache};
use crate::pipeline::quote::ParsedQuote;
use crate::storage::env::Environment;
use crate::storage::time::Seconds;

/// The one sentence customers get for any code that does not apply, so the
/// answer cannot tell an unknown code from an expired, used or disabled one.
pub const GENERIC_REFUSAL: &str = "This gift card code cannot be used.";

/// Words a refusal for its channel: customers learn nothing about the card.
pub fn refusal(reason: RefusalReason, channel: Channel, masked: Option<&str>) -> Refusal {
    match channel {
        Channel::Storefront => Refusal {
            message: GENERIC_REFUSAL.into(),
            reason: None,
            masked_code: None,
        },
        Channel::Admin => Refusal {
            message: reason.describe().into(),
            reason: Some(reason),
            masked_code: masked.map(str::to_owned),
        },
    }
}

/// What a code resolved to.
pub enum Lookup {
    Card(Box<StoredCard>),
    Refused(RefusalReason),
}

/// Finds a card by a code as typed.
pub fn find(env: &mut dyn Environment, typed: &str) -> Result<Lookup> {
    let Ok(normalized) = code::normalize(typed) else {
        return Ok(Lookup::Refused(RefusalReason::MalformedCode));
    };
    match cards::load(env, &CardRef::Code(normalized)) {
        Ok(card) => Ok(Lookup::Card(Box::new(card))),
        Err(Error::CardNotFound) => Ok(Lookup::Refused(RefusalReason::UnknownCode)),
        Err(e) => Err(e),
    }
}

/// [`find`] among cards read already ([`cards::load_by_codes`]).
fn take_found(found: &mut Vec<StoredCard>, typed: &str) -> Lookup {
    let Ok(normalized) = code::normalize(typed) else {
        return Lookup::Refused(RefusalReason::MalformedCode);
    };
    match found.iter().position(|card| card.code == normalized) {
        Some(at) => Lookup::Card(Box::new(found.swap_remove(at))),
        None => Lookup::Refused(RefusalReason::UnknownCode),
    }
}

/// Every rule a card must pass to pay this quote, in a fixed order so the
/// reason reported is stable: the card's own rules, then those of its batch
/// definition (see `eligibility::refusal`).
pub fn check(
    env: &mut dyn Environment,
    card: &StoredCard,
    quote: &ParsedQuote,
    now: Seconds,
) -> Result<Option<RefusalReason>> {
    check_with(env, &mut DefinitionCache::default(), card, quote, now)
}

/// [`check`], loading each batch definition at most once per `cache`.
pub fn check_with(
    env: &mut dyn Environment,
    cache: &mut DefinitionCache,
    card: &StoredCard,
    quote: &ParsedQuote,
    now: Seconds,
) -> Result<Option<RefusalReason>> {
    if let Some(reason) = check_card(card, quote, now) {
        return Ok(Some(reason));
    }
    let Some(id) = card.extras.definition_id else {
        return Ok(None);
    };
    // A definition that has gone refuses as disabled.
    let Some(d) = cache.get(env, id)?.cloned() else {
        return Ok(Some(RefusalReason::DefinitionDisabled));
    };
    eligibility::refusal(env, &d, quote, now)
}

/// The card's own rules (status, uses, scope, test flag), without its batch
/// definition's.
pub fn check_card(card: &StoredCard, quote: &ParsedQuote, now: Seconds) -> Option<RefusalReason> {
    let shown = card.status(now);
    if shown == CardStatus::Cancelled {
        return Some(RefusalReason::Cancelled);
    }
    if shown == CardStatus::Disabled {
        return Some(RefusalReason::Disabled);
    }
    if shown == CardStatus::Expired {
        return Some(RefusalReason::Expired);
    }
    if card.balance == 0 || shown == CardStatus::Used {
        return Some(RefusalReason::UsedUp);
    }
    if card.extras.max_uses >= 0 && i64::from(card.uses) >= i64::from(card.extras.max_uses) {
        return Some(RefusalReason::UsesExhausted);
    }
    if card
        .context
        .website
        .as_ref()
        .is_some_and(|w| *w != quote.context.website)
    {
        return Some(RefusalReason::WrongWebsite);
    }
    if let Some(owner) = &card.context.customer_id
        && quote.context.customer_id.as_ref() != Some(owner)
    {
        return Some(RefusalReason::WrongCustomer);
    }
    match (card.context.test, quote.context.test) {
        (true, false) => Some(RefusalReason::TestCardOnRealOrder),
        (false, true) => Some(RefusalReason::RealCardOnTestOrder),
        _ => None,
    }
}

/// The rate a card pays this quote at (`None` in the same currency), or the
/// refusal `no-exchange-rate` when the shop cannot convert it. A rate the
/// host garbled is treated as missing here, on purpose: the collector must
/// not fail every quote holding such a card (the customer could not check
/// out at all), and no amount can be promised from garbage. Conversions that
/// must produce a value (issuing a bought card, a refund card) still report
/// `invalid-exchange-rate`, naming the host's text.
pub fn card_rate(
    env: &mut dyn Environment,
    card: &StoredCard,
    quote: &ParsedQuote,
) -> Result<std::result::Result<Option<Rate>, RefusalReason>> {
    match rates::lookup(env, card.currency, quote.context.currency) {
        Ok(rate) => Ok(Ok(rate)),
        Err(Error::NoExchangeRate { .. } | Error::InvalidExchangeRate(_)) => {
            Ok(Err(RefusalReason::NoExchangeRate))
        }
        Err(e) => Err(e),
    }
}

/// One card's part in a collection, in minor units.
#[derive(Clone, Debug)]
pub struct Part {
    pub card: StoredCard,
    /// The code as the quote should keep it.
    pub display_code: String,
    /// In the quote's currency.
    pub applied: i64,
    /// In the card's currency.
    pub debit: i64,
    /// The balance in the quote's currency, rounded down.
    pub available: i64,
    pub rate: Option<Rate>,
}

/// The collector's result, in minor units.
#[derive(Clone, Debug)]
pub struct Collection {
    pub total_before_cards: i64,
    pub eligible: i64,
    pub parts: Vec<Part>,
    pub dropped: Vec<(String, RefusalReason, Option<String>)>,
}

impl Collection {
    pub fn gift_card_amount(&self) -> i64 {
        self.parts.iter().map(|p| p.applied).sum()
    }

    /// Renders the collection for the contract, refusals worded for `channel`.
    pub fn to_totals(&self, quote: &ParsedQuote, channel: Channel) -> GiftCardTotals {
        let c = quote.context.currency;
        let amount = self.gift_card_amount();
        let grand = self.total_before_cards - amount;
        // "Covered" means at most 0.01 of the currency is left to pay.
        let threshold = 10i64.pow(c.exponent()) / 100;
        GiftCardTotals {
            total_before_cards: Money::of(self.total_before_cards, c),
            eligible: Money::of(self.eligible, c),
            gift_card_amount: Money::of(amount, c),
            grand_total: Money::of(grand, c),
            covered: grand <= threshold,
            cards: self
                .parts
                .iter()
                .map(|p| CardApplication {
                    card_id: p.card.id,
                    code: p.display_code.clone(),
                    masked_code: p.card.masked_code.clone(),
                    applied: Money::of(p.applied, c),
                    debit: p.card.money(p.debit),
                    balance: p.card.money(p.card.balance),
                    available: Money::of(p.available, c),
                    rate: p.rate.as_ref().map(|r| r.text.clone()),
                })
                .collect(),
            dropped: self
                .dropped
                .iter()
                .map(|(code, reason, masked)| DroppedCode {
                    code: code.clone(),
                    refusal: refusal(*reason, channel, masked.as_deref()),
                })
                .collect(),
        }
    }
}

/// A card its caller already found, checked and priced for the quote's last
/// code (applying a code), so the collector does not do it a second time.
pub struct Checked {
    pub card: StoredCard,
    pub rate: Option<Rate>,
}

/// Runs the collector over the quote's applied codes.
pub fn collect(
    env: &mut dyn Environment,
    quote: &ParsedQuote,
    cards_cover_shipping: bool,
) -> Result<Collection> {
    collect_with(env, quote, cards_cover_shipping, None)
}

/// [`collect`], taking the last code's card as `last` gives it.
pub fn collect_with(
    env: &mut dyn Environment,
    quote: &ParsedQuote,
    cards_cover_shipping: bool,
    mut last: Option<Checked>,
) -> Result<Collection> {
    let now = env.now();
    let total_before_cards = quote.body.total();
    let eligible = quote.body.eligible(cards_cover_shipping);
    let mut remaining = eligible;
    let mut parts = Vec::new();
    let mut dropped = Vec::new();
    let mut definitions = DefinitionCache::default();
    // Every card the codes name, in one statement rather than one a code:
    // nothing below writes, so each card reads as it would have one by one.
    let unknown = quote.raw_codes.len() - usize::from(last.is_some());
    let wanted: Vec<String> = (quote.raw_codes[..unknown].iter())
        .filter_map(|raw| code::normalize(raw).ok())
        .collect();
    let mut found = cards::load_by_codes(env, &wanted)?;
    for (i, raw) in quote.raw_codes.iter().enumerate() {
        let known = if i + 1 == quote.raw_codes.len() {
            last.take()
        } else {
            None
        };
        let (card, rate) = match known {
            Some(Checked { card, rate }) => (card, rate),
            None => {
                let card = match take_found(&mut found, raw) {
                    Lookup::Card(card) => *card,
                    Lookup::Refused(reason) => {
                        dropped.push((raw.clone(), reason, None));
                        continue;
                    }
                };
                if let Some(reason) = check_with(env, &mut definitions, &card, quote, now)? {
                    dropped.push((raw.clone(), reason, Some(card.masked_code.clone())));
                    continue;
                }
                match card_rate(env, &card, quote)? {
                    Ok(rate) => (card, rate),
                    Err(reason) => {
                        dropped.push((raw.clone(), reason, Some(card.masked_code.clone())));
                        continue;
                    }
                }
            }
        };
        let available = match &rate {
            None => card.balance,
            Some(r) => rates::convert_down(card.balance, r),
        };
        let applied = available.min(remaining).max(0);
        let debit = if applied == available {
            card.balance
        } else {
            match &rate {
                None => applied,
                Some(r) => rates::convert_back_half_up(applied, r).min(card.balance),
            }
        };
        // A card worth less than one minor unit of the quote's currency pays
        // nothing and must not be emptied for it.
        let debit = if applied == 0 { 0 } else { debit };
        remaining -= applied;
        parts.push(Part {
            display_code: card.display_code.clone(),
            card,
            applied,
            debit,
            available,
            rate,
        });
    }
    Ok(Collection {
        total_before_cards,
        eligible,
        parts,
        dropped,
    })
}
