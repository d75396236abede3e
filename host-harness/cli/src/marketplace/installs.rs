//! The host's record of the packages installed on a shop database, in two
//! host tables beside the plugin's: `host_plugin_packages` (each package
//! once: its description and component, so the database alone says what
//! runs on it) and `host_plugin_installs` (every install, upgrade,
//! rollback and uninstall, the active one marked).

use anyhow::{Context, Result};
use giftcard_package::{Package, Signer};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// The tables, created on the first install.
const CREATE: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS host_plugin_packages (
        digest TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        contract_version TEXT NOT NULL,
        schema_version BIGINT NOT NULL,
        description TEXT NOT NULL,
        component BLOB NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS host_plugin_installs (
        id BIGINT PRIMARY KEY,
        at BIGINT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('install', 'upgrade', 'rollback', 'uninstall')),
        digest TEXT NOT NULL REFERENCES host_plugin_packages (digest),
        signer TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        active BIGINT NOT NULL CHECK (active IN (0, 1)),
        backup TEXT,
        note TEXT
    )",
];

/// One row of the install history, with its package.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Install {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub action: String,
    pub digest: String,
    pub name: String,
    pub version: String,
    pub contract_version: String,
    pub schema_version: u32,
    pub signer: String,
    pub fingerprint: String,
    pub active: bool,
    /// The backup made before this action, when it made one.
    pub backup: Option<String>,
    /// The archive an uninstall wrote, or what a rollback undid.
    pub note: Option<String>,
}

/// Whether the install tables exist yet.
fn exists(conn: &Connection) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'host_plugin_installs'",
            [],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The whole history, oldest first (empty before the first install).
pub fn history(conn: &Connection) -> Result<Vec<Install>> {
    if !exists(conn)? {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(
        "SELECT i.id, i.at, i.action, i.digest, p.name, p.version, p.contract_version,
                p.schema_version, i.signer, i.fingerprint, i.active, i.backup, i.note
         FROM host_plugin_installs i JOIN host_plugin_packages p ON p.digest = i.digest
         ORDER BY i.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Install {
            id: r.get(0)?,
            at: r.get(1)?,
            action: r.get(2)?,
            digest: r.get(3)?,
            name: r.get(4)?,
            version: r.get(5)?,
            contract_version: r.get(6)?,
            schema_version: r.get(7)?,
            signer: r.get(8)?,
            fingerprint: r.get(9)?,
            active: r.get::<_, i64>(10)? == 1,
            backup: r.get(11)?,
            note: r.get(12)?,
        })
    })?;
    rows.collect::<rusqlite::Result<_>>()
        .context("reading the install history")
}

/// The active install, if a package is installed.
pub fn active(conn: &Connection) -> Result<Option<Install>> {
    Ok(history(conn)?.into_iter().rev().find(|i| i.active))
}

/// The component of an installed package.
pub fn component(conn: &Connection, digest: &str) -> Result<Vec<u8>> {
    conn.query_row(
        "SELECT component FROM host_plugin_packages WHERE digest = ?1",
        [digest],
        |r| r.get(0),
    )
    .with_context(|| format!("the installed package {digest} has no component"))
}

/// What an action records.
pub struct Record<'a> {
    pub at: i64,
    pub action: &'a str,
    /// The package made active; `None` for an uninstall (nothing active).
    pub package: Option<(&'a Package, &'a Signer)>,
    /// For an uninstall or a rollback: the install it is about.
    pub about: Option<&'a Install>,
    pub backup: Option<&'a str>,
    pub note: Option<&'a str>,
    /// Whether the row's package is the active one afterwards (not after
    /// an uninstall).
    pub active: bool,
}

/// Records an action in one transaction: the package row (once), every
/// earlier install made inactive, the new row.
pub fn record(conn: &mut Connection, r: &Record<'_>) -> Result<()> {
    let tx = conn.transaction()?;
    for sql in CREATE {
        tx.execute(sql, [])?;
    }
    let (digest, signer, fingerprint) = match (r.package, r.about) {
        (Some((p, s)), _) => {
            tx.execute(
                "INSERT INTO host_plugin_packages
                    (digest, name, version, contract_version, schema_version, description, component)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (digest) DO NOTHING",
                params![
                    p.digest,
                    p.description.name,
                    p.description.version,
                    p.description.contract_version,
                    p.description.schema_version,
                    serde_json::to_string(&p.description)?,
                    p.component,
                ],
            )?;
            (p.digest.clone(), s.name.clone(), s.fingerprint.clone())
        }
        (None, Some(about)) => (
            about.digest.clone(),
            about.signer.clone(),
            about.fingerprint.clone(),
        ),
        (None, None) => anyhow::bail!("an install record needs a package"),
    };
    tx.execute("UPDATE host_plugin_installs SET active = 0", [])?;
    let next: i64 = tx.query_row(
        "SELECT COALESCE(MAX(id), 0) + 1 FROM host_plugin_installs",
        [],
        |row| row.get(0),
    )?;
    tx.execute(
        "INSERT INTO host_plugin_installs
            (id, at, action, digest, signer, fingerprint, active, backup, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            next,
            r.at,
            r.action,
            digest,
            signer,
            fingerprint,
            i64::from(r.active),
            r.backup,
            r.note
        ],
    )?;
    tx.commit()?;
    Ok(())
}
