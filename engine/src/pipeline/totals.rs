//! The gift-card totals collector's exports: apply and remove codes, check a
//! line joining the quote, collect. Nothing here moves money; balances are
//! taken when the order is placed (`orders`).

use crate::cards::client_key;
use crate::cards::code;
use crate::cards::refusals::{self, NewRefusal};
use crate::catalog::products;
use crate::customer;
use crate::error::{Error, Result};
use crate::model::*;
use crate::pipeline::quote::{self, ParsedQuote};
use crate::pipeline::redemption::{self, Lookup};
use crate::settings;
use crate::storage::env::Environment;

fn collect_parsed(
    env: &mut dyn Environment,
    quote: &ParsedQuote,
    channel: Channel,
) -> Result<GiftCardTotals> {
    let cover = settings::load(env)?.cards_cover_shipping;
    Ok(redemption::collect(env, quote, cover)?.to_totals(quote, channel))
}

/// Applies a code: the quote must not hold gift-card products, the code must
/// not be applied already, and the card must pass every rule and be
/// convertible to the quote's currency. Storefront attempts count for the
/// client key and refusals for the quote's customer (see `customer`); every
/// refusal is logged with its precise reason.
pub fn apply_code(env: &mut dyn Environment, req: ApplyRequest) -> Result<ApplyAnswer> {
    let mut quote = quote::parse(req.quote)?;
    if quote.body.has_gift_card_product() {
        return Err(Error::GiftCardProductConflict);
    }
    // The canonical key is what the rate limit counts and the refusal log
    // keeps.
    let client_key = match (req.channel, req.client_key.as_deref()) {
        (Channel::Storefront, None) => {
            return Err(Error::InvalidArgument(
                "client-key: required on the storefront channel".into(),
            ));
        }
        (_, Some(key)) => Some(client_key::canonical(key)?),
        (Channel::Admin, None) => None,
    };
    let client_key = client_key.as_deref();
    // Staff are not limited; a signed-in customer's storefront refusals are
    // failed lookups (see `customer`).
    let customer = match req.channel {
        Channel::Storefront => quote.context.customer_id.clone(),
        Channel::Admin => None,
    };
    if let Ok(normalized) = code::normalize(&req.code)
        && quote.codes.contains(&normalized)
    {
        return Err(Error::CodeAlreadyApplied);
    }
    // Storefront attempts count against the client's allowance, like balance
    // checks: applying codes must not be a faster way to guess them.
    if req.channel == Channel::Storefront
        && let Some(retry) =
            customer::take_attempt(env, client_key.unwrap_or_default(), customer.as_deref())?
    {
        return Ok(ApplyAnswer::RateLimited(retry));
    }
    let now = env.now();
    let (refused, card) = match redemption::find(env, &req.code)? {
        Lookup::Refused(reason) => (Err(reason), None),
        Lookup::Card(card) => {
            let priced = match redemption::check(env, &card, &quote, now)? {
                Some(reason) => Err(reason),
                // A card the shop cannot convert is refused like any other:
                // the same generic answer on the storefront (its currency is
                // not revealed), and the attempt stays counted.
                None => redemption::card_rate(env, &card, &quote)?,
            };
            (priced, Some(card))
        }
    };
    let (reason, rate) = match refused {
        Err(reason) => (Some(reason), None),
        Ok(rate) => (None, rate),
    };
    if let Some(reason) = reason {
        refusals::log(
            env,
            NewRefusal {
                channel: req.channel,
                client_key,
                quote_id: &quote.id,
                card_id: card.as_ref().map(|c| c.id),
                masked_code: card.as_ref().map(|c| c.masked_code.as_str()),
                reason,
            },
        )?;
        customer::record_failed_lookup(env, customer.as_deref())?;
        let masked = card.as_ref().map(|c| c.masked_code.as_str());
        return Ok(ApplyAnswer::Refused(redemption::refusal(
            reason,
            req.channel,
            masked,
        )));
    }
    let card = *card.expect("a card that passed every check exists");
    quote.codes.push(card.code.clone());
    quote.raw_codes.push(card.display_code.clone());
    let code = card.display_code.clone();
    // The new card was found, checked and priced above: the collection
    // takes it as it is rather than looking it up again.
    let cover = settings::load(env)?.cards_cover_shipping;
    let totals =
        redemption::collect_with(env, &quote, cover, Some(redemption::Checked { card, rate }))?
            .to_totals(&quote, req.channel);
    Ok(ApplyAnswer::Applied(AppliedCode { code, totals }))
}

/// The totals without one code.
pub fn remove_code(env: &mut dyn Environment, req: RemoveRequest) -> Result<GiftCardTotals> {
    let mut quote = quote::parse(req.quote)?;
    let wanted = code::normalize(&req.code).unwrap_or_else(|_| req.code.clone());
    let position = quote
        .codes
        .iter()
        .position(|c| *c == wanted)
        .ok_or(Error::CodeNotApplied)?;
    quote.codes.remove(position);
    quote.raw_codes.remove(position);
    collect_parsed(env, &quote, Channel::Storefront)
}

/// A gift-card product may not join a quote with codes applied; customers
/// may buy gift cards only while `allow-customer-purchase` is on; and the
/// card's value must be one the product (or the `allowed-amounts` setting)
/// offers.
pub fn check_add_line(env: &mut dyn Environment, req: AddLineRequest) -> Result<()> {
    let quote = quote::parse(req.quote)?;
    let line = quote::parse_line(quote.context.currency, req.line)?;
    if quote.body.lines.iter().any(|l| l.id == line.id) {
        return Err(Error::InvalidArgument(format!(
            "line id `{}` is already on the quote",
            line.id
        )));
    }
    if line.kind == ProductKind::GiftCard {
        if !quote.codes.is_empty() {
            return Err(Error::GiftCardProductConflict);
        }
        let settings = settings::load(env)?;
        let channel = req.channel.unwrap_or(Channel::Storefront);
        check_gift_card_line(env, &settings, &quote, &line, channel)?;
    }
    Ok(())
}

/// The purchase rules for one gift-card line: `purchase-disabled` for a
/// storefront purchase while customers may not buy cards, then the amount
/// (see [`products::check_purchase`]). Shared with `orders.placed`.
pub(crate) fn check_gift_card_line(
    env: &mut dyn Environment,
    settings: &settings::Settings,
    quote: &ParsedQuote,
    line: &quote::ParsedLine,
    channel: Channel,
) -> Result<()> {
    if channel == Channel::Storefront && !settings.allow_customer_purchase {
        return Err(Error::PurchaseDisabled);
    }
    if let Some(at_text) = line
        .gift_card
        .as_ref()
        .and_then(|p| p.deliver_at.as_deref())
    {
        crate::cards::contact::check_delivery_date(
            &format!("line {}: deliver-at", line.id),
            at_text,
            env.now(),
        )?;
    }
    products::check_purchase(
        env,
        settings,
        &line.sku,
        quote.context.currency,
        quote.context.base_currency,
        line.unit_price,
    )?;
    Ok(())
}

/// The collector.
pub fn collect(env: &mut dyn Environment, req: CollectRequest) -> Result<GiftCardTotals> {
    let quote = quote::parse(req.quote)?;
    collect_parsed(env, &quote, req.channel)
}

#[cfg(all(test, feature = "sqlite"))]
mod tests;
