//! Whether a batch definition's card may be used on a quote, with a per-call
//! cache of definitions.

use crate::catalog::batches::{CustomerTarget, StoredDefinition, load};
use crate::error::{Error, Result};
use crate::model::RefusalReason;
use crate::money::rates;
use crate::pipeline::quote::ParsedQuote;
use crate::storage::env::Environment;
use crate::storage::time::Seconds;
use std::collections::HashMap;

/// Looks definitions up at most once per collection.
#[derive(Default)]
pub struct DefinitionCache {
    loaded: HashMap<u64, Option<StoredDefinition>>,
}

impl DefinitionCache {
    /// The definition, loaded on first use; `None` if it has gone.
    pub fn get(&mut self, env: &mut dyn Environment, id: u64) -> Result<Option<&StoredDefinition>> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.loaded.entry(id) {
            slot.insert(match load(env, id) {
                Ok(d) => Some(d),
                Err(Error::DefinitionNotFound) => None,
                Err(e) => return Err(e),
            });
        }
        Ok(self.loaded.get(&id).and_then(Option::as_ref))
    }
}

/// Why a definition's codes do not apply to `quote` at `now`, if they do not;
/// in a fixed order so the reason reported is stable.
pub fn refusal(
    env: &mut dyn Environment,
    d: &StoredDefinition,
    quote: &ParsedQuote,
    now: Seconds,
) -> Result<Option<RefusalReason>> {
    use RefusalReason as R;
    if !d.enabled {
        return Ok(Some(R::DefinitionDisabled));
    }
    if d.valid_from.is_some_and(|from| now < from) {
        return Ok(Some(R::NotYetValid));
    }
    if d.valid_to.is_some_and(|to| now >= to) {
        return Ok(Some(R::NoLongerValid));
    }
    let targeted = match &d.target {
        CustomerTarget::Everyone => true,
        CustomerTarget::Registered => quote.context.customer_id.is_some(),
        CustomerTarget::Groups(groups) => {
            quote.context.customer_id.is_some()
                && quote
                    .customer_groups
                    .iter()
                    .any(|g| groups.iter().any(|w| w.eq_ignore_ascii_case(g.trim())))
        }
    };
    if !targeted {
        return Ok(Some(R::CustomerNotTargeted));
    }
    if !d.currencies.is_empty()
        && !d
            .currencies
            .iter()
            .any(|c| c == quote.context.currency.code())
    {
        return Ok(Some(R::CurrencyNotAllowed));
    }
    let country_ok = |allowed: &[String], given: &Option<String>| {
        allowed.is_empty() || given.as_ref().is_some_and(|g| allowed.contains(g))
    };
    if !country_ok(&d.shipping_countries, &quote.shipping_country)
        || !country_ok(&d.billing_countries, &quote.billing_country)
    {
        return Ok(Some(R::CountryNotAllowed));
    }
    if !d.required_skus.is_empty()
        && !quote.skus().any(|sku| {
            d.required_skus
                .iter()
                .any(|r| r.eq_ignore_ascii_case(sku.trim()))
        })
    {
        return Ok(Some(R::RequiredProductMissing));
    }
    if let Some(min) = d.min_order_amount {
        let total = quote.body.total();
        let total = match rates::lookup(env, quote.context.currency, d.currency) {
            Ok(None) => total,
            Ok(Some(rate)) => rates::convert_down(total, &rate),
            // The minimum cannot be checked in this currency: the code does
            // not apply here (never a failed quote), whether the shop has no
            // rate or a garbled one.
            Err(Error::NoExchangeRate { .. } | Error::InvalidExchangeRate(_)) => {
                return Ok(Some(R::CurrencyNotAllowed));
            }
            Err(e) => return Err(e),
        };
        if total < min {
            return Ok(Some(R::BelowMinimumOrder));
        }
    }
    Ok(None)
}
