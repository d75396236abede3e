//! The host's own tables beside the plugin's: exchange rates
//! ([`crate::exchange_rates`]), the outbox queue ([`crate::outbox::queue`])
//! and `host_meta` (their version and the database's outbox key). Created or
//! upgraded when a host opens a database; a current database is only read.

use crate::database::{Backend, Transaction};
use crate::outbox::queue;
use anyhow::{Result, anyhow, bail};
use giftcard_engine::storage::db::Value;

/// The version of the host's own tables (exchange rates, outbox) this build
/// keeps, in `host_meta`: 2 is the at-least-once outbox.
pub const HOST_SCHEMA: &str = "2";

/// The host's own tables beside the plugin's (exchange rates, the
/// outbox, `host_meta`), created or upgraded when missing or older than
/// this build; returns the database's outbox key. A current database is
/// only read, so opening it never takes the write lock.
pub fn ensure(backend: &dyn Backend) -> Result<String> {
    if let Some(key) = read(backend)? {
        return Ok(key);
    }
    // Probes run in their own read transactions: a failed statement
    // would abort a PostgreSQL transaction.
    let outbox_exists = probe(backend, "SELECT id FROM host_outbox WHERE 1 = 0")?;
    let outbox_current = probe(backend, "SELECT retry_at FROM host_outbox WHERE 1 = 0")?;
    let messages_exist = probe(backend, "SELECT id FROM gc_messages WHERE 1 = 0")?;
    let mut tx = backend
        .begin()
        .map_err(|e| anyhow!("starting a transaction: {e}"))?;
    let result = (|| -> Result<String> {
        let run = |tx: &mut Box<dyn Transaction>, sql: &str| {
            tx.execute(sql, &[]).map(|_| ()).map_err(|e| anyhow!("{e}"))
        };
        run(
            &mut tx,
            "CREATE TABLE IF NOT EXISTS host_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        )?;
        let meta = host_meta(tx.as_mut())?;
        if let Some(found) = meta.0.as_deref()
            && found.parse::<u32>().unwrap_or(u32::MAX) > HOST_SCHEMA.parse().unwrap_or(0)
        {
            bail!(
                "the host tables are version {found}, newer than this build's {HOST_SCHEMA}: \
                 use a newer giftcard-harness"
            );
        }
        // Another process may have upgraded while this one waited for
        // the write lock.
        if meta.0.as_deref() != Some(HOST_SCHEMA) {
            run(&mut tx, crate::exchange_rates::CREATE_TABLE)?;
            let upgrade = outbox_exists && !outbox_current;
            let outbox: &[&str] = if upgrade {
                queue::UPGRADE_AT_MOST_ONCE
            } else {
                queue::CREATE_TABLES
            };
            for sql in outbox {
                run(&mut tx, sql)?;
            }
            if upgrade && messages_exist {
                run(&mut tx, queue::REQUEUE_FAILED)?;
            }
            tx.execute("DELETE FROM host_meta WHERE name = 'schema'", &[])
                .map_err(|e| anyhow!("{e}"))?;
            tx.execute(
                "INSERT INTO host_meta (name, value) VALUES ('schema', ?1)",
                &[Value::from(HOST_SCHEMA)],
            )
            .map_err(|e| anyhow!("{e}"))?;
        }
        match meta.1 {
            Some(key) => Ok(key),
            None => {
                let key = new_outbox_key();
                tx.execute(
                    "INSERT INTO host_meta (name, value) VALUES ('outbox-key', ?1)",
                    &[Value::from(key.as_str())],
                )
                .map_err(|e| anyhow!("{e}"))?;
                Ok(key)
            }
        }
    })();
    match result {
        Ok(key) => {
            tx.commit().map_err(|e| anyhow!("{e}"))?;
            Ok(key)
        }
        Err(e) => {
            let _ = tx.rollback();
            Err(e)
        }
    }
}

/// The outbox key when the host tables are current, read without
/// writing; `None` when they must be created or upgraded.
pub fn read(backend: &dyn Backend) -> Result<Option<String>> {
    let mut tx = backend
        .begin_read()
        .map_err(|e| anyhow!("starting a read transaction: {e}"))?;
    let meta = host_meta(tx.as_mut());
    let _ = tx.rollback();
    Ok(match meta {
        Ok((Some(schema), Some(key))) if schema == HOST_SCHEMA => Some(key),
        _ => None,
    })
}

/// Whether `sql` runs (a missing table or column makes it an invalid
/// statement), in a read-only transaction of its own. Any other failure
/// (a busy or broken database) is an error, not a "no".
fn probe(backend: &dyn Backend, sql: &str) -> Result<bool> {
    let mut tx = backend
        .begin_read()
        .map_err(|e| anyhow!("starting a read transaction: {e}"))?;
    let ran = tx.execute(sql, &[]);
    let _ = tx.rollback();
    match ran {
        Ok(_) => Ok(true),
        Err(giftcard_engine::storage::db::DbError::InvalidStatement(_)) => Ok(false),
        Err(e) => Err(anyhow!("looking at the host tables: {e}")),
    }
}

/// A new outbox key: 8 lower-case base-32 characters (40 bits), enough to
/// tell databases apart, short enough for a file name. Always from the OS's
/// generator, seeded run or not: two databases must never share a key
/// (their messages would share file names), and the key does not draw on
/// the seeded stream the component's calls get.
fn new_outbox_key() -> String {
    use rand::Rng;
    let mut rng: rand::rngs::StdRng = rand::make_rng();
    let mut bits = rng.next_u64();
    (0..8)
        .map(|_| {
            let c = b"abcdefghijklmnopqrstuvwxyz234567"[(bits & 31) as usize] as char;
            bits >>= 5;
            c
        })
        .collect()
}

/// The host's schema version and the database's outbox key, as stored.
fn host_meta(tx: &mut dyn Transaction) -> Result<(Option<String>, Option<String>)> {
    let rows = tx
        .execute("SELECT name, value FROM host_meta", &[])
        .map_err(|e| anyhow!("{e}"))?;
    let mut schema = None;
    let mut key = None;
    for row in rows.rows {
        if let [Value::Text(name), Value::Text(value)] = row.as_slice() {
            match name.as_str() {
                "schema" => schema = Some(value.clone()),
                "outbox-key" => key = Some(value.clone()),
                _ => {}
            }
        }
    }
    Ok((schema, key))
}
