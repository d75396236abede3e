//! Opening the database a command works on, with the global options.

use crate::Cli;
use anyhow::{Context, Result};
use giftcard_conformance::HarnessConfig;
use giftcard_host::clock::Clock;
use giftcard_host::{CodeCache, GiftCards};
use std::path::PathBuf;
use std::sync::Mutex;

/// Every harness the command opened, so `main` can report the messages
/// they could not deliver (a call that committed stays committed; its
/// message stays pending and is tried again later).
pub static OPENED: Mutex<Vec<&'static GiftCards>> = Mutex::new(Vec::new());

/// What the compiled-code cache did for this process, in words.
pub fn compiled_code(outcome: &giftcard_host::CacheOutcome) -> String {
    use giftcard_host::CacheOutcome::*;
    match outcome {
        Hit => "loaded from the cache".to_owned(),
        Stored => "compiled, and stored in the cache".to_owned(),
        Rebuilt(why) => format!("compiled again ({why})"),
        Bypassed(why) if why == "off" => "compiled (--no-cache)".to_owned(),
        Bypassed(why) => format!("compiled, not cached ({why})"),
    }
}

/// The compiled-code cache the command uses (`--no-cache`: none).
pub fn cache(cli: &Cli) -> CodeCache {
    if cli.no_cache {
        CodeCache::Off
    } else {
        CodeCache::user_default()
    }
}

pub fn config(cli: &Cli, db: PathBuf) -> Result<HarnessConfig> {
    // Without --component, a database with an installed package runs that
    // package's component (see `plugin install`).
    let component = match &cli.component {
        Some(path) => Some(path.clone()),
        None => giftcard_harness::marketplace::installed_component(&db)?,
    };
    let mut config = HarnessConfig::new(db);
    config.component = component;
    config.cache = cache(cli);
    config.options.seed = cli.seed;
    if let Some(start) = &cli.fixed_clock {
        let t = chrono::DateTime::parse_from_rfc3339(start)
            .with_context(|| format!("--fixed-clock `{start}` is not an RFC 3339 time"))?;
        config.options.clock = Clock::fixed(t.timestamp());
    }
    config.options.delivery.from_address = cli.mail_from.clone();
    config.options.delivery.outbox = cli.outbox.clone();
    if let Some(smtp) = &cli.smtp {
        config.options.delivery.smtp = Some(giftcard_host::outbox::Smtp::parse(smtp)?);
    }
    Ok(config)
}

/// Opens the harness on `db`. It lives as long as the program (a command
/// opens one or two), so `main` can look at it once the command is done.
pub fn open_at(cli: &Cli, db: PathBuf) -> Result<&'static GiftCards> {
    let harness: &'static GiftCards = Box::leak(Box::new(giftcard_conformance::harness::open(
        &config(cli, db.clone())?,
    )?));
    // A database from a newer plugin: say what is needed, once, instead of
    // every call failing on its own.
    if let Some(schema) = component_schema(harness)
        && let Some(why) = giftcard_harness::marketplace::newer_database(&db, schema)?
    {
        anyhow::bail!("{why}");
    }
    OPENED.lock().unwrap().push(harness);
    Ok(harness)
}

/// The newest schema version the loaded component knows (from
/// `lifecycle.metadata`, which touches no data).
pub fn component_schema(harness: &GiftCards) -> Option<u32> {
    use giftcard_conformance::Harness;
    match harness.call_json_read("lifecycle.metadata", &serde_json::Value::Null) {
        Ok(giftcard_conformance::json::Outcome::Ok(m)) => m["schema-version"]
            .as_u64()
            .and_then(|v| u32::try_from(v).ok()),
        _ => None,
    }
}

pub fn open(cli: &Cli) -> Result<&'static GiftCards> {
    open_at(cli, cli.db())
}
