//! The balance movements order hooks make, each one guarded UPDATE plus one
//! ledger row: debits at placement, credits back on refund or cancellation,
//! and disabling cards an order bought when it is refunded or cancelled.

use crate::cards::ledger::{self, NewEntry};
use crate::cards::status;
use crate::cards::{self, StoredCard};
use crate::error::{Error, Result};
use crate::model::*;
use crate::storage::db::Value;
use crate::storage::env::Environment;
use crate::storage::time::{self, DAY, Seconds};

/// Debits `amount` (card currency) for an order, only if the card is still
/// active, unexpired, holds enough and has a use left; counts one use.
/// Returns the balance after. Placement calls it once per card that pays a
/// non-zero amount, inside its once-only path (a replay returns the stored
/// answer before reaching it), so a use is never counted twice.
pub fn debit(
    env: &mut dyn Environment,
    card: &StoredCard,
    amount: i64,
    reference: &str,
    actor: &Actor,
    comment: &str,
) -> Result<Option<i64>> {
    let now = env.now();
    let rows = env.db().execute(
        "UPDATE gc_cards SET balance = balance - ?1, uses = uses + 1, \
         status = CASE WHEN balance - ?1 = 0 THEN 'used' ELSE 'active' END, updated_at = ?2 \
         WHERE id = ?3 AND status = 'active' AND balance >= ?1 \
         AND (expires_at IS NULL OR expires_at > ?2) \
         AND (max_uses < 0 OR uses < max_uses) RETURNING balance",
        &[
            Value::Integer(amount),
            Value::Integer(now),
            Value::Integer(card.id as i64),
        ],
    )?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let after = row.i64("balance")?;
    ledger::append(
        env,
        NewEntry {
            card_id: card.id,
            action: HistoryAction::Redeemed,
            amount: -amount,
            balance_before: after + amount,
            actor,
            reference: Some(reference),
            comment: Some(comment),
            at: now,
        },
    )?;
    Ok(Some(after))
}

/// A credit planned (and, unless previewing, made) to one card.
#[derive(Clone, Debug)]
pub struct Credit {
    pub card: StoredCard,
    pub amount: i64,
    pub balance_after: i64,
    pub status_after: CardStatus,
    pub extended_to: Option<Seconds>,
}

/// Works out what crediting `amount` does to `card`: a disabled card stays
/// disabled (an admin's block is never lifted by a refund); a card that has
/// expired or expires within `extension_days` gets `now + extension_days`.
pub fn plan_credit(card: &StoredCard, amount: i64, extension_days: u32, now: Seconds) -> Credit {
    let horizon = now + i64::from(extension_days) * DAY;
    let extended_to = match card.expires_at {
        Some(at) if extension_days > 0 && at <= horizon => Some(horizon),
        _ => None,
    };
    let expires_at = extended_to.or(card.expires_at);
    let balance_after = card.balance + amount;
    let stored = match card.stored_status {
        CardStatus::Disabled => CardStatus::Disabled,
        _ => status::by_balance(balance_after),
    };
    Credit {
        card: card.clone(),
        amount,
        balance_after,
        status_after: status::effective(stored, expires_at, now),
        extended_to,
    }
}

/// Makes a planned credit: one guarded UPDATE and a `refunded` ledger row.
pub fn credit(
    env: &mut dyn Environment,
    plan: &Credit,
    reference: &str,
    actor: &Actor,
    comment: &str,
) -> Result<()> {
    let now = env.now();
    let card = &plan.card;
    let max = card.currency.max_minor();
    let rows = env.db().execute(
        "UPDATE gc_cards SET balance = balance + ?1, \
         status = CASE WHEN status = 'disabled' THEN 'disabled' \
                       WHEN balance + ?1 = 0 THEN 'used' ELSE 'active' END, \
         expires_at = COALESCE(?2, expires_at), updated_at = ?3 \
         WHERE id = ?4 AND balance + ?1 <= ?5 RETURNING balance",
        &[
            Value::Integer(plan.amount),
            Value::from(plan.extended_to),
            Value::Integer(now),
            Value::Integer(card.id as i64),
            Value::Integer(max),
        ],
    )?;
    let Some(row) = rows.first() else {
        return Err(Error::InvalidAmount(format!(
            "crediting {} would take {} over the maximum balance",
            card.currency.format(plan.amount),
            card.masked_code
        )));
    };
    let after = row.i64("balance")?;
    let comment = match plan.extended_to {
        Some(at) => format!("{comment} (expiry extended to {})", time::format(at)),
        None => comment.to_owned(),
    };
    ledger::append(
        env,
        NewEntry {
            card_id: card.id,
            action: HistoryAction::Refunded,
            amount: plan.amount,
            balance_before: after - plan.amount,
            actor,
            reference: Some(reference),
            comment: Some(&comment),
            at: now,
        },
    )?;
    Ok(())
}

impl Credit {
    /// The movement as answered; `order_amount` is the share in the order's
    /// currency.
    pub fn to_movement(&self, order_amount: Money) -> CardMovement {
        CardMovement {
            card_id: self.card.id,
            masked_code: self.card.masked_code.clone(),
            amount: self.card.money(self.amount),
            order_amount,
            balance_after: self.card.money(self.balance_after),
            status: self.status_after,
            expiry_extended_to: self.extended_to.map(time::format),
        }
    }
}

/// Cards an order bought, oldest first; `line` narrows to one order line.
pub fn issued_cards(
    env: &mut dyn Environment,
    order_id: &str,
    line: Option<&str>,
) -> Result<Vec<(StoredCard, bool)>> {
    let mut params = vec![Value::from(order_id)];
    let line_filter = match line {
        Some(line) => {
            params.push(Value::from(line));
            " AND order_line = ?2"
        }
        None => "",
    };
    let rows = env.db().execute(
        &format!(
            "SELECT {}, (SELECT COUNT(*) FROM gc_history h WHERE h.card_id = gc_cards.id \
             AND h.action = 'redeemed') AS spends FROM gc_cards \
             WHERE order_id = ?1 AND origin = 'purchase'{line_filter} ORDER BY id",
            cards::CARD_COLUMNS
        ),
        &params,
    )?;
    rows.iter()
        .map(|r| {
            let card = StoredCard::from_row(&r)?;
            let unused = r.i64("spends")? == 0 && card.balance == card.initial_value;
            Ok((card, unused))
        })
        .collect()
}

pub fn note(card: &StoredCard) -> IssuedCardNote {
    IssuedCardNote {
        card_id: card.id,
        masked_code: card.masked_code.clone(),
        line_id: card.context.order_line.clone().unwrap_or_default(),
        balance: card.money(card.balance),
    }
}

/// Disables a bought card whose order was refunded or cancelled.
pub fn disable_issued(
    env: &mut dyn Environment,
    card: &StoredCard,
    reference: &str,
    comment: &str,
) -> Result<()> {
    if card.stored_status == CardStatus::Disabled {
        return Ok(());
    }
    let now = env.now();
    env.db().execute(
        "UPDATE gc_cards SET status = 'disabled', updated_at = ?1 WHERE id = ?2",
        &[Value::Integer(now), Value::Integer(card.id as i64)],
    )?;
    ledger::append(
        env,
        NewEntry {
            card_id: card.id,
            action: HistoryAction::Disabled,
            amount: 0,
            balance_before: card.balance,
            actor: &Actor::System,
            reference: Some(reference),
            comment: Some(comment),
            at: now,
        },
    )
}

/// Hook answers are stored so that a replay returns exactly the first answer.
pub mod replay {
    use super::*;
    use crate::storage::db::QueryResult;
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use serde_json::Value as Json;

    /// A hook answer kept for replays. Builds before money was typed in the
    /// engine's records stored some of its amounts as bare decimals
    /// (`"12.50"`), always in the order's currency; they are listed here so
    /// that such an answer still reads back, with that currency.
    pub trait Stored: Serialize + DeserializeOwned {
        /// Where those amounts sit: field names joined by `.`, a `[]` suffix
        /// for every item of a list.
        const LEGACY_MONEY: &'static [&'static str] = &[];
    }

    impl Stored for Vec<Card> {}

    /// The stored answer for `(hook, reference)`: `Ok(Some)` when the same
    /// request was seen, an error when the reference was used for another.
    /// `order_id` names the order the answer belongs to (its currency is
    /// that of legacy bare amounts).
    pub fn find<T: Stored>(
        env: &mut dyn Environment,
        hook: &str,
        reference: &str,
        fingerprint: &str,
        order_id: &str,
    ) -> Result<Option<T>> {
        Known::read(env, &[hook], reference)?.find_any(
            env,
            hook,
            reference,
            &[fingerprint],
            order_id,
        )
    }

    /// The stored answers of several hooks for one reference, read in one
    /// statement: for a call that answers for two hooks (a paid invoice is
    /// registered on the way).
    pub struct Known {
        rows: QueryResult,
    }

    impl Known {
        pub fn read(env: &mut dyn Environment, hooks: &[&str], reference: &str) -> Result<Known> {
            let marks: Vec<String> = (2..hooks.len() + 2).map(|i| format!("?{i}")).collect();
            let sql = format!(
                "SELECT hook, fingerprint, result FROM gc_hook_results \
                 WHERE reference = ?1 AND hook IN ({})",
                marks.join(", ")
            );
            let params: Vec<Value> = std::iter::once(Value::from(reference))
                .chain(hooks.iter().map(|h| Value::from(*h)))
                .collect();
            let rows = env.db().execute(&sql, &params)?;
            Ok(Known { rows })
        }

        /// [`find`] on what was read, accepting any of `fingerprints`: the
        /// current form, and the forms earlier builds stored, so a replay of
        /// a hook answered before an upgrade still finds its answer.
        pub fn find_any<T: Stored>(
            &self,
            env: &mut dyn Environment,
            hook: &str,
            reference: &str,
            fingerprints: &[&str],
            order_id: &str,
        ) -> Result<Option<T>> {
            let mut row = None;
            for r in self.rows.iter() {
                if r.text("hook")? == hook {
                    row = Some(r);
                    break;
                }
            }
            let Some(row) = row else {
                return Ok(None);
            };
            let stored = row.text("fingerprint")?;
            if !fingerprints.contains(&stored.as_str()) {
                return Err(Error::InvalidArgument(format!(
                    "`{reference}` was already used for a different {hook}"
                )));
            }
            let broken =
                |e: serde_json::Error| Error::Database(format!("stored {hook} answer: {e}"));
            let mut json: Json = serde_json::from_str(&row.text("result")?).map_err(broken)?;
            let mut currency = None;
            for path in T::LEGACY_MONEY {
                let path: Vec<&str> = path.split('.').collect();
                upgrade(env, &mut json, &path, order_id, &mut currency)?;
            }
            serde_json::from_value(json).map(Some).map_err(broken)
        }
    }

    /// Turns the bare decimals at `path` into `{"amount", "currency"}` with
    /// the order's currency (read once, only when one is met); amounts
    /// already in that form are left alone.
    fn upgrade(
        env: &mut dyn Environment,
        json: &mut Json,
        path: &[&str],
        order_id: &str,
        currency: &mut Option<String>,
    ) -> Result<()> {
        let Some((field, rest)) = path.split_first() else {
            if let Json::String(amount) = json {
                let code = match currency {
                    Some(code) => code.clone(),
                    None => currency.insert(order_currency(env, order_id)?).clone(),
                };
                *json = serde_json::json!({ "amount": amount, "currency": code });
            }
            return Ok(());
        };
        match field.strip_suffix("[]") {
            Some(list) => {
                if let Some(Json::Array(items)) = json.get_mut(list) {
                    for item in items {
                        upgrade(env, item, rest, order_id, currency)?;
                    }
                }
            }
            None => {
                if let Some(inner) = json.get_mut(*field) {
                    upgrade(env, inner, rest, order_id, currency)?;
                }
            }
        }
        Ok(())
    }

    fn order_currency(env: &mut dyn Environment, order_id: &str) -> Result<String> {
        let rows = env.db().execute(
            "SELECT currency FROM gc_orders WHERE order_id = ?1",
            &[Value::from(order_id)],
        )?;
        match rows.first() {
            Some(row) => Ok(row.text("currency")?),
            None => Err(Error::Database(format!(
                "a stored answer names order `{order_id}`, which is not recorded"
            ))),
        }
    }

    pub fn store<T: Stored>(
        env: &mut dyn Environment,
        hook: &str,
        reference: &str,
        fingerprint: &str,
        answer: &T,
    ) -> Result<()> {
        store_all(env, reference, fingerprint, &[(hook, json_of(answer))])
    }

    /// An answer as it is stored.
    pub fn json_of<T: Stored>(answer: &T) -> String {
        serde_json::to_string(answer).expect("plain records serialize")
    }

    /// Stores the answers of several hooks for one request in one
    /// statement: `(hook, answer as [`json_of`] made it)`.
    pub fn store_all(
        env: &mut dyn Environment,
        reference: &str,
        fingerprint: &str,
        answers: &[(&str, String)],
    ) -> Result<()> {
        let rows: Vec<String> = (0..answers.len())
            .map(|i| format!("(?{}, ?1, ?2, ?{})", 2 * i + 3, 2 * i + 4))
            .collect();
        let sql = format!(
            "INSERT INTO gc_hook_results (hook, reference, fingerprint, result) VALUES {}",
            rows.join(", ")
        );
        let mut params = vec![Value::from(reference), Value::from(fingerprint)];
        for (hook, json) in answers {
            params.push(Value::from(*hook));
            params.push(Value::from(json.as_str()));
        }
        env.db().execute(&sql, &params)?;
        Ok(())
    }

    /// Money in a card movement that earlier builds stored bare.
    const MOVEMENTS: &str = "movements[].order_amount";

    impl Stored for PlacedOrder {
        const LEGACY_MONEY: &'static [&'static str] = &[
            "totals.total_before_cards",
            "totals.eligible",
            "totals.gift_card_amount",
            "totals.grand_total",
            "totals.cards[].applied",
            "totals.cards[].available",
            MOVEMENTS,
        ];
    }

    impl Stored for Cancellation {
        const LEGACY_MONEY: &'static [&'static str] = &["restored", MOVEMENTS];
    }

    impl Stored for InvoiceGiftCards {
        const LEGACY_MONEY: &'static [&'static str] = &[
            "total_before_cards",
            "gift_card_amount",
            "grand_total",
            "order_remaining",
        ];
    }

    impl Stored for PaidInvoice {
        const LEGACY_MONEY: &'static [&'static str] = &[
            "invoice.total_before_cards",
            "invoice.gift_card_amount",
            "invoice.grand_total",
            "invoice.order_remaining",
        ];
    }

    impl Stored for MemoSplit {
        const LEGACY_MONEY: &'static [&'static str] = &[
            "total",
            "gift_card_amount",
            "other_amount",
            "account_credit",
            MOVEMENTS,
        ];
    }
}
