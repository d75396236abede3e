//! The commands about the plugin itself: `info`, `component`, `settings`,
//! and `call` (any export by name, with JSON arguments).

use crate::open::{compiled_code, config, open};
use crate::output::{call_and_print, read_and_print, say, say_json};
use crate::{Cli, SettingsCommand, render};
use anyhow::{Context, Result, bail};
use giftcard_conformance::Harness;
use giftcard_conformance::json::Outcome;
use giftcard_harness::marketplace;
use giftcard_host::GiftCards;
use serde_json::{Value as Json, json};
use std::path::Path;

/// `component --out FILE`: the built-in component's bytes.
pub fn component(out: &Path, json_out: bool) -> Result<()> {
    let bytes = giftcard_host::BUILT_COMPONENT;
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("writing into {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.persist(out)
        .with_context(|| format!("writing {}", out.display()))?;
    if json_out {
        return say_json(&json!({ "path": out, "bytes": bytes.len() }));
    }
    say(&format!(
        "{} bytes written to {}",
        bytes.len(),
        out.display()
    ));
    Ok(())
}

/// `info`: the plugin's metadata, the database's schema version and what
/// the compiled-code cache did.
pub fn info(cli: &Cli, json_out: bool) -> Result<()> {
    // An existing database is only looked at (its schema version as
    // it is, not migrated first); a new one is made as usual.
    let harness = if cli.db().exists() {
        let mut config = config(cli, cli.db())?;
        config.options.read_only = true;
        let harness: &'static GiftCards =
            Box::leak(Box::new(giftcard_conformance::harness::open(&config)?));
        harness
    } else {
        open(cli)?
    };
    let metadata = match harness.call_json_read("lifecycle.metadata", &Json::Null)? {
        Outcome::Ok(m) => m,
        Outcome::Err(e) => bail!("lifecycle.metadata refused: {}", render::error(&e)),
    };
    let database = match harness.call_json_read("lifecycle.database-version", &Json::Null) {
        Ok(Outcome::Ok(v)) => v,
        _ => Json::Null,
    };
    let compiled = compiled_code(harness.runtime().cache_outcome());
    // The package installed on the database, and what a newer database needs.
    let db = cli.db();
    let installed = if db.exists() {
        marketplace::status(&db)?.active
    } else {
        None
    };
    let schema = metadata["schema-version"]
        .as_u64()
        .and_then(|v| u32::try_from(v).ok());
    let needs = match schema {
        Some(schema) => marketplace::newer_database(&db, schema)?,
        None => None,
    };
    if json_out {
        let mut v = metadata;
        v["database-schema-version"] = database;
        v["compiled-code"] = json!(compiled);
        v["installed-package"] = serde_json::to_value(&installed)?;
        v["needs"] = json!(needs);
        return say_json(&v);
    }
    let mut extra = String::new();
    if let Some(i) = &installed {
        extra.push_str(&format!(
            "\npackage: {} {} ({}), signed by {}",
            i.name, i.version, i.digest, i.signer
        ));
    }
    if let Some(n) = &needs {
        extra.push_str(&format!("\nneeds: {n}"));
    }
    say(&format!(
        "{} {} · contract giftcard:plugin@{} · schema v{} (database v{})\ncompiled code: {compiled}{extra}",
        metadata["name"].as_str().unwrap_or("?"),
        metadata["version"].as_str().unwrap_or("?"),
        metadata["contract-version"].as_str().unwrap_or("?"),
        metadata["schema-version"],
        if database.is_null() {
            "?".to_owned()
        } else {
            database.to_string()
        }
    ));
    Ok(())
}

/// `settings show` / `settings set`.
pub fn settings(cli: &Cli, json_out: bool, cmd: &SettingsCommand) -> Result<()> {
    let harness = open(cli)?;
    match cmd {
        SettingsCommand::Show => read_and_print(
            harness,
            json_out,
            "lifecycle.get-settings",
            Json::Null,
            render::settings,
        ),
        SettingsCommand::Set(set) => call_and_print(
            harness,
            json_out,
            "lifecycle.configure",
            set.update()?,
            render::settings,
        ),
    }
}

/// `call FUNCTION [--args JSON]`: always JSON out.
pub fn call(cli: &Cli, function: &str, args: Option<&str>) -> Result<()> {
    let args: Json = match args {
        Some(text) => serde_json::from_str(text)
            .with_context(|| format!("--args is not valid JSON: `{text}`"))?,
        None => Json::Null,
    };
    // Always JSON: there is no table layout for an arbitrary answer.
    call_and_print(open(cli)?, true, function, args, |_| String::new())
}
