//! The refusal log: every code refused on a quote, with the precise reason
//! the storefront was not told. Staff read it through `admin.refusal-log`.

use crate::error::{Error, Result};
use crate::model::*;
use crate::storage::db::Value;
use crate::storage::env::Environment;
use crate::storage::schema::next_ids;
use crate::storage::time;

/// One refusal about to be logged.
pub struct NewRefusal<'a> {
    pub channel: Channel,
    pub client_key: Option<&'a str>,
    pub quote_id: &'a str,
    pub card_id: Option<CardId>,
    pub masked_code: Option<&'a str>,
    pub reason: RefusalReason,
}

pub fn log(env: &mut dyn Environment, r: NewRefusal<'_>) -> Result<()> {
    let now = env.now();
    let id = next_ids(env, "refusal", 1)?;
    env.db().execute(
        "INSERT INTO gc_refusals (id, at, channel, client_key, quote_id, card_id, masked_code, reason) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &[
            Value::Integer(id),
            Value::Integer(now),
            Value::from(r.channel.as_str()),
            Value::from(r.client_key),
            Value::from(r.quote_id),
            Value::from(r.card_id.map(|c| c as i64)),
            Value::from(r.masked_code),
            Value::from(r.reason.as_str()),
        ],
    )?;
    Ok(())
}

/// Newest first.
pub fn page(env: &mut dyn Environment, page: PageRequest) -> Result<RefusalLogPage> {
    let (limit, offset) = crate::cards::limit_offset(page)?;
    let db = env.db();
    let rows = db.execute(
        "SELECT at, channel, client_key, quote_id, card_id, masked_code, reason FROM gc_refusals \
         ORDER BY id DESC LIMIT ?1 OFFSET ?2",
        &[Value::Integer(limit), Value::Integer(offset)],
    )?;
    let mut entries = Vec::with_capacity(rows.rows.len());
    for row in rows.iter() {
        let reason = row.text("reason")?;
        let channel = row.text("channel")?;
        entries.push(RefusalLogEntry {
            at: time::format(row.i64("at")?),
            // Anything but "admin" was logged from the storefront.
            channel: Channel::parse(&channel).unwrap_or(Channel::Storefront),
            client_key: row.opt_text("client_key")?,
            quote_id: row.text("quote_id")?,
            card_id: row.opt_i64("card_id")?.map(|c| c as u64),
            masked_code: row.opt_text("masked_code")?,
            reason: RefusalReason::parse(&reason)
                .ok_or_else(|| Error::Database(format!("unknown refusal reason `{reason}`")))?,
        });
    }
    let total = db.execute("SELECT COUNT(*) AS n FROM gc_refusals", &[])?;
    let total = total.first_i64_or_zero("n")?;
    Ok(RefusalLogPage {
        entries,
        total: total as u64,
    })
}
