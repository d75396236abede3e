//! What anyone holding a code may do. The answers are built so that asking
//! cannot be used to find codes: one generic refusal for every kind of bad
//! code, and at most `MAX_ATTEMPTS` attempts per client key in any sliding
//! `WINDOW_SECONDS`.

use crate::cards;
use crate::code;
use crate::db::Value;
use crate::env::Environment;
use crate::error::Result;
use crate::model::{BalanceAnswer, BalanceInfo, BalanceRequest, CardRef, CardStatus, Money};
use crate::time;

/// Attempts allowed per client key within the window.
pub const MAX_ATTEMPTS: i64 = 10;
/// The sliding window, in seconds.
pub const WINDOW_SECONDS: i64 = 60;

/// Checks a balance. Every attempt that is not itself refused by the rate limit
/// is recorded, whatever its answer, so wrong guesses use up the allowance.
pub fn check_balance(env: &mut dyn Environment, req: BalanceRequest) -> Result<BalanceAnswer> {
    cards::check_text("client-key", &req.client_key, 200, true)?;
    if let Some(retry_after_seconds) = take_attempt(env, &req.client_key)? {
        return Ok(BalanceAnswer::RateLimited {
            retry_after_seconds,
        });
    }
    let now = env.now();
    let Ok(normalized) = code::normalize(&req.code) else {
        return Ok(BalanceAnswer::NotAvailable);
    };
    let card = match cards::load(env, &CardRef::Code(normalized)) {
        Ok(card) => card,
        Err(crate::error::Error::CardNotFound) => return Ok(BalanceAnswer::NotAvailable),
        Err(e) => return Err(e),
    };
    if card.status(now) != CardStatus::Active {
        return Ok(BalanceAnswer::NotAvailable);
    }
    Ok(BalanceAnswer::Found(BalanceInfo {
        masked_code: card.masked_code.clone(),
        balance: Money::new(card.currency.format(card.balance), card.currency.code()),
        expires_at: card.expires_at.map(time::format),
    }))
}

/// Counts one attempt for `client_key`, unless it has used up its allowance:
/// then nothing is recorded and the answer is how many seconds to wait. Shared
/// by balance checks and storefront code applications, so neither can be used
/// to probe codes faster than the other.
pub fn take_attempt(env: &mut dyn Environment, client_key: &str) -> Result<Option<u32>> {
    let now = env.now();
    let window_start = now - WINDOW_SECONDS;
    let db = env.db();
    // Attempts older than the window no longer matter.
    db.execute(
        "DELETE FROM gc_balance_checks WHERE client_key = ?1 AND attempted_at <= ?2",
        &[Value::from(client_key), Value::Integer(window_start)],
    )?;
    let recent = db.execute(
        "SELECT COUNT(*) AS n, MIN(attempted_at) AS oldest FROM gc_balance_checks WHERE client_key = ?1",
        &[Value::from(client_key)],
    )?;
    let row = recent.first();
    let count = row.as_ref().map(|r| r.i64("n")).transpose()?.unwrap_or(0);
    if count >= MAX_ATTEMPTS {
        let oldest = row
            .map(|r| r.opt_i64("oldest"))
            .transpose()?
            .flatten()
            .unwrap_or(now);
        let retry_after = (oldest + WINDOW_SECONDS - now).max(1);
        return Ok(Some(u32::try_from(retry_after).unwrap_or(u32::MAX)));
    }
    db.execute(
        "INSERT INTO gc_balance_checks (client_key, attempted_at) VALUES (?1, ?2)",
        &[Value::from(client_key), Value::Integer(now)],
    )?;
    Ok(None)
}
