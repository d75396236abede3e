//! Installing the plugin from a package onto a shop database, as a
//! marketplace does: **install, status, upgrade, rollback, uninstall**.
//!
//! Every action first checks the package without compiling it
//! ([`admit`]: every byte against its digest, a signature by a trusted key,
//! the imports against the host's grants, the contract version), and every
//! action that changes the plugin's data is all-or-nothing:
//!
//! - `upgrade` (and an `install` over data already there) makes a backup
//!   with SQLite's online backup API first, migrates forward (one
//!   `lifecycle.migrate` call: one transaction), checks the ledger invariant
//!   of every card, and on any failure copies the backup back;
//! - `rollback` copies the backup the last upgrade made back over the
//!   database: the previous package is active again, and everything done
//!   since that upgrade is undone;
//! - `uninstall` writes an export [`archive`] of all the plugin's tables
//!   first (checked row for row), then drops them; `install --restore`
//!   brings them back.
//!
//! The database records what is installed ([`installs`]); commands then run
//! the installed package's component ([`installed_component`]), so a
//! database upgraded by a newer package keeps working with this binary.

pub mod archive;
pub mod installs;

use crate::doctor;
use anyhow::{Context, Result, bail};
use giftcard_conformance::HarnessConfig;
use giftcard_host::GiftCards;
use giftcard_package::capabilities::check_contract;
use giftcard_package::{Grants, Package, PackageError, Signer, TrustStore};
use installs::{Install, Record};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A package that passed every check: safe to compile.
pub struct Admitted {
    pub package: Package,
    pub signer: Signer,
}

/// The checks before anything is compiled, in the order a merchant can act
/// on them: the signature (integrity was checked when the package was
/// read), the capability grants, the contract version.
pub fn admit(
    package: Package,
    trust: &TrustStore,
    grants: &Grants,
) -> Result<Admitted, PackageError> {
    let signer = trust.verify(&package.digest, &package.signatures)?;
    grants.check(&package.imports)?;
    let host = semver::Version::parse(giftcard_host::CONTRACT_VERSION).expect("a semver version");
    check_contract(&host, &package.imports, &package.exports)?;
    Ok(Admitted { package, signer })
}

/// What an action did, for the command's output.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Outcome {
    pub action: &'static str,
    pub name: String,
    pub version: String,
    pub digest: String,
    pub signer: String,
    /// The plugin's schema version before and after.
    pub schema_before: Option<u32>,
    pub schema_after: Option<u32>,
    /// The backup made first, if one was.
    pub backup: Option<PathBuf>,
    /// The archive written (uninstall) or read (install --restore).
    pub archive: Option<PathBuf>,
    /// What the ledger check looked at.
    pub ledger: Option<String>,
}

impl Outcome {
    /// An install's or upgrade's outcome (no backup or archive yet).
    fn of(
        action: &'static str,
        admitted: &Admitted,
        before: Option<u32>,
        after: Option<u32>,
        ledger: String,
    ) -> Outcome {
        let d = &admitted.package.description;
        Outcome {
            action,
            name: d.name.clone(),
            version: d.version.clone(),
            digest: admitted.package.digest.clone(),
            signer: admitted.signer.name.clone(),
            schema_before: before,
            schema_after: after,
            backup: None,
            archive: None,
            ledger: Some(ledger),
        }
    }
}

/// The plugin's schema version in the database (`None`: no plugin tables).
pub fn schema_version(conn: &Connection) -> Result<Option<u32>> {
    let has = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gc_schema'",
            [],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !has {
        return Ok(None);
    }
    let v: Option<i64> = conn
        .query_row("SELECT version FROM gc_schema", [], |r| r.get(0))
        .optional()?;
    Ok(Some(v.map_or(0, |v| u32::try_from(v).unwrap_or(u32::MAX))))
}

/// A connection to a database that must exist already (upgrade, rollback,
/// uninstall never create one).
fn existing(db: &Path) -> Result<Connection> {
    if !db.exists() {
        bail!(
            "{} does not exist: `plugin install PACKAGE` first",
            db.display()
        );
    }
    connect(db)
}

fn connect(db: &Path) -> Result<Connection> {
    let conn =
        Connection::open(db).with_context(|| format!("opening the database {}", db.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

/// Where an installed component is kept as a file for loading:
/// `<db>.plugins/sha256-<hex>.wasm`, written from the database when missing
/// or different (the database is the record; the file is a copy).
fn component_file(db: &Path, digest: &str, bytes: &[u8]) -> Result<PathBuf> {
    let dir = sibling(db, "plugins");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!("{}.wasm", digest.replace(':', "-")));
    let same = std::fs::read(&path).is_ok_and(|b| b == bytes);
    if !same {
        let tmp = path.with_extension("partial");
        std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(path)
}

/// `<db file name>.<what>` beside the database.
fn sibling(db: &Path, what: &str) -> PathBuf {
    let name = db
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("giftcards.db");
    db.with_file_name(format!("{name}.{what}"))
}

/// The installed package's component, as a file, when the database records
/// one; `None` when nothing was installed from a package.
pub fn installed_component(db: &Path) -> Result<Option<PathBuf>> {
    if !db.exists() {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening the database {}", db.display()))?;
    let Some(active) = installs::active(&conn)? else {
        return Ok(None);
    };
    let bytes = installs::component(&conn, &active.digest)?;
    component_file(db, &active.digest, &bytes).map(Some)
}

/// When the database's plugin schema is newer than `component_schema` (the
/// component about to run on it), what is needed instead, in words: the
/// package that wrote it when the database records one. `None` when the
/// component can work on it.
pub fn newer_database(db: &Path, component_schema: u32) -> Result<Option<String>> {
    if !db.exists() {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening the database {}", db.display()))?;
    let Some(found) = schema_version(&conn)? else {
        return Ok(None);
    };
    if found <= component_schema {
        return Ok(None);
    }
    let writer = installs::history(&conn)?
        .into_iter()
        .rev()
        .find(|i| i.schema_version >= found);
    Ok(Some(match writer {
        Some(w) => format!(
            "the database is at schema version {found}, written by {} {} ({}); this component \
             knows schema versions up to {component_schema}: run without --component to use the \
             installed package, or install {} {} or newer",
            w.name, w.version, w.digest, w.name, w.version
        ),
        None => format!(
            "the database is at schema version {found}; this component knows schema versions up \
             to {component_schema}: a plugin with schema version {found} or newer is needed \
             (`plugin install` one, or run with --component)"
        ),
    }))
}

/// A backup of the whole database, through SQLite's online backup API.
fn backup(db: &Path, label: &str) -> Result<PathBuf> {
    let dir = sibling(db, "backups");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    let mut path = dir.join(format!("{stamp}-{label}.db"));
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = dir.join(format!("{stamp}-{label}-{n}.db"));
    }
    let src = connect(db)?;
    let mut dst = Connection::open(&path)?;
    rusqlite::backup::Backup::new(&src, &mut dst)?
        .run_to_completion(256, std::time::Duration::ZERO, None)
        .with_context(|| format!("backing the database up to {}", path.display()))?;
    Ok(path)
}

/// Copies a backup back over the database (the online backup API again, so
/// the database's own journal keeps it consistent).
fn restore_backup(db: &Path, from: &Path) -> Result<()> {
    let src = Connection::open_with_flags(from, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening the backup {}", from.display()))?;
    let mut dst = connect(db)?;
    rusqlite::backup::Backup::new(&src, &mut dst)?
        .run_to_completion(256, std::time::Duration::ZERO, None)
        .with_context(|| format!("restoring {} from {}", db.display(), from.display()))?;
    Ok(())
}

/// Opens the plugin on the database with the admitted package's component
/// (which migrates it forward, in one call) and checks every card's ledger.
fn open_and_check(config: &HarnessConfig, admitted: &Admitted) -> Result<String> {
    let file = component_file(
        &config.database,
        &admitted.package.digest,
        &admitted.package.component,
    )?;
    let mut config = config.clone();
    config.component = Some(file);
    config.options.migrate = true;
    config.options.read_only = false;
    let cards: GiftCards = giftcard_conformance::harness::open(&config)
        .context("loading the package's component and migrating the database")?;
    let check = doctor::ledger(&cards);
    if !check.findings.is_empty() {
        bail!(
            "the ledger invariant does not hold after migrating: {}",
            check.findings.join("; ")
        );
    }
    Ok(check.summary)
}

/// Runs `change`, and on failure puts the database back as it was: from the
/// backup when one was made, or by removing the database file when it did
/// not exist before the action (`existed`).
fn all_or_nothing<T>(
    db: &Path,
    backup: Option<&Path>,
    existed: bool,
    change: impl FnOnce() -> Result<T>,
) -> Result<T> {
    match change() {
        Ok(v) => Ok(v),
        Err(e) => {
            let undo = match backup {
                Some(b) => restore_backup(db, b),
                None if !existed => {
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
                    }
                    Ok(())
                }
                None => Ok(()),
            };
            match undo {
                Ok(()) => Err(e.context("nothing was changed")),
                Err(u) => Err(e.context(format!("and putting the database back failed: {u:#}"))),
            }
        }
    }
}

/// A database newer than the package: what to do instead.
fn downgrade(db_schema: u32, active: Option<&Install>, package: &Package) -> anyhow::Error {
    let by = active.map_or(String::new(), |a| {
        format!(" (installed: {} {})", a.name, a.version)
    });
    anyhow::anyhow!(
        "refusing a downgrade: the database is at schema version {db_schema}{by}, and {} {} \
         knows schema versions up to {}. Install a package with schema version {db_schema} or \
         newer, or `plugin rollback` to go back to the package before the last upgrade",
        package.description.name,
        package.description.version,
        package.description.schema_version
    )
}

/// `plugin install PACKAGE [--restore ARCHIVE]`.
pub fn install(
    config: &HarnessConfig,
    admitted: Admitted,
    restore: Option<&Path>,
) -> Result<Outcome> {
    let db = &config.database;
    let existed = db.exists();
    // A refusal must not leave a new, empty database behind: a database
    // that does not exist yet is looked at as an empty one.
    let conn = if existed {
        connect(db)?
    } else {
        Connection::open_in_memory()?
    };
    if let Some(active) = installs::active(&conn)? {
        bail!(
            "{} {} is installed already ({}): `plugin upgrade PACKAGE` installs another version",
            active.name,
            active.version,
            active.digest
        );
    }
    let before = schema_version(&conn)?;
    let package = &admitted.package;
    if let Some(v) = before
        && v > package.description.schema_version
    {
        return Err(downgrade(v, None, package));
    }
    if let Some(archive) = restore {
        let meta = archive::read_meta(archive)?;
        if meta.plugin != package.description.name {
            bail!(
                "the archive holds {}'s data, not {}'s",
                meta.plugin,
                package.description.name
            );
        }
        if meta.schema_version > package.description.schema_version {
            return Err(downgrade(meta.schema_version, None, package));
        }
        if before.is_some() {
            bail!(
                "the database still holds the plugin's tables: `--restore` needs a database the \
                 plugin was uninstalled from (or a new one)"
            );
        }
    }
    // A database that exists is backed up first, whatever it holds, so a
    // failed install puts it back exactly.
    drop(conn);
    let backup = if existed {
        Some(backup(db, "before-install")?)
    } else {
        None
    };
    let ledger = all_or_nothing(db, backup.as_deref(), existed, || {
        if let Some(archive) = restore {
            archive::restore(&connect(db)?, archive)?;
        }
        let ledger = open_and_check(config, &admitted)?;
        installs::record(
            &mut connect(db)?,
            &Record {
                at: config.options.clock.now(),
                action: "install",
                package: Some((package, &admitted.signer)),
                about: None,
                backup: backup.as_deref().and_then(Path::to_str),
                note: restore.and_then(Path::to_str),
                active: true,
            },
        )?;
        Ok(ledger)
    })?;
    Ok(Outcome {
        backup,
        archive: restore.map(Path::to_path_buf),
        ..Outcome::of(
            "install",
            &admitted,
            before,
            schema_version(&connect(db)?)?,
            ledger,
        )
    })
}

/// `plugin upgrade PACKAGE`.
pub fn upgrade(config: &HarnessConfig, admitted: Admitted) -> Result<Outcome> {
    let db = &config.database;
    let conn = existing(db)?;
    let Some(active) = installs::active(&conn)? else {
        bail!(
            "no package is installed on {}: `plugin install PACKAGE` first",
            db.display()
        );
    };
    let package = &admitted.package;
    if active.digest == package.digest {
        bail!(
            "{} {} ({}) is installed already",
            active.name,
            active.version,
            active.digest
        );
    }
    if package.description.name != active.name {
        bail!(
            "{} is installed; this package is {}",
            active.name,
            package.description.name
        );
    }
    let before = schema_version(&conn)?;
    if let Some(v) = before
        && v > package.description.schema_version
    {
        return Err(downgrade(v, Some(&active), package));
    }
    let older = match (
        semver::Version::parse(&package.description.version),
        semver::Version::parse(&active.version),
    ) {
        (Ok(new), Ok(old)) => new < old,
        _ => false,
    };
    if older || package.description.schema_version < active.schema_version {
        bail!(
            "refusing a downgrade from {} {} (schema version {}) to {} (schema version {}): \
             `plugin rollback` goes back to the package before the last upgrade",
            active.name,
            active.version,
            active.schema_version,
            package.description.version,
            package.description.schema_version
        );
    }
    drop(conn);
    let backup = backup(db, &format!("before-upgrade-from-{}", active.version))?;
    let ledger = all_or_nothing(db, Some(&backup), true, || {
        let ledger = open_and_check(config, &admitted)?;
        installs::record(
            &mut connect(db)?,
            &Record {
                at: config.options.clock.now(),
                action: "upgrade",
                package: Some((package, &admitted.signer)),
                about: None,
                backup: backup.to_str(),
                note: Some(&format!("from {} {}", active.version, active.digest)),
                active: true,
            },
        )?;
        Ok(ledger)
    })?;
    Ok(Outcome {
        backup: Some(backup),
        ..Outcome::of(
            "upgrade",
            &admitted,
            before,
            schema_version(&connect(db)?)?,
            ledger,
        )
    })
}

/// `plugin rollback`: back to the package (and data) before the last upgrade.
pub fn rollback(config: &HarnessConfig) -> Result<Outcome> {
    let db = &config.database;
    let conn = existing(db)?;
    let Some(active) = installs::active(&conn)? else {
        bail!(
            "no package is installed on {}: there is nothing to roll back",
            db.display()
        );
    };
    let before = schema_version(&conn)?;
    let (true, Some(backup)) = (active.action == "upgrade", active.backup.clone()) else {
        bail!(
            "{} {} was not installed by `plugin upgrade`: there is no earlier package to go back to",
            active.name,
            active.version
        );
    };
    let backup = PathBuf::from(backup);
    if !backup.exists() {
        bail!(
            "the backup {} made before the upgrade is gone: cannot roll back",
            backup.display()
        );
    }
    drop(conn);
    // The rollback itself can be undone: the current state is backed up too.
    let safety = self::backup(db, &format!("before-rollback-from-{}", active.version))?;
    let restored = all_or_nothing(db, Some(&safety), true, || {
        restore_backup(db, &backup)?;
        let mut conn = connect(db)?;
        let previous =
            installs::active(&conn)?.context("the backup records no installed package")?;
        installs::record(
            &mut conn,
            &Record {
                at: config.options.clock.now(),
                action: "rollback",
                package: None,
                about: Some(&previous),
                backup: safety.to_str(),
                note: Some(&format!(
                    "undid the upgrade to {} {}",
                    active.version, active.digest
                )),
                active: true,
            },
        )?;
        Ok(previous)
    })?;
    Ok(Outcome {
        action: "rollback",
        name: restored.name.clone(),
        version: restored.version.clone(),
        digest: restored.digest.clone(),
        signer: restored.signer.clone(),
        schema_before: before,
        schema_after: schema_version(&connect(db)?)?,
        backup: Some(safety),
        archive: None,
        ledger: None,
    })
}

/// `plugin uninstall --confirm [--archive FILE]`.
pub fn uninstall(config: &HarnessConfig, archive_path: Option<&Path>) -> Result<Outcome> {
    let db = &config.database;
    let conn = existing(db)?;
    let active = installs::active(&conn)?;
    let before = schema_version(&conn)?;
    let Some(schema) = before else {
        bail!(
            "{} holds no plugin tables: there is nothing to uninstall",
            db.display()
        );
    };
    let path = match archive_path {
        Some(p) => p.to_path_buf(),
        None => {
            let dir = sibling(db, "archives");
            std::fs::create_dir_all(&dir)?;
            let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
            dir.join(format!("{stamp}-schema-v{schema}.giftcard-archive"))
        }
    };
    let meta = archive::ArchiveMeta {
        plugin: active
            .as_ref()
            .map_or("giftcard".into(), |a| a.name.clone()),
        version: active.as_ref().map_or(String::new(), |a| a.version.clone()),
        digest: active.as_ref().map_or(String::new(), |a| a.digest.clone()),
        schema_version: schema,
        written_at: config.options.clock.now(),
        tables: Vec::new(),
    };
    // Nothing another process commits between the archive and the drop
    // may be lost: the drop checks the database did not change meanwhile.
    let archived_at = archive::data_version(&conn)?;
    archive::write(&conn, &path, meta)?;
    archive::drop_plugin_tables(&conn, archived_at)?;
    if let Some(active) = &active {
        installs::record(
            &mut connect(db)?,
            &Record {
                at: config.options.clock.now(),
                action: "uninstall",
                package: None,
                about: Some(active),
                backup: None,
                note: path.to_str(),
                active: false,
            },
        )?;
    }
    Ok(Outcome {
        action: "uninstall",
        name: active
            .as_ref()
            .map_or("giftcard".into(), |a| a.name.clone()),
        version: active.as_ref().map_or(String::new(), |a| a.version.clone()),
        digest: active.as_ref().map_or(String::new(), |a| a.digest.clone()),
        signer: active.as_ref().map_or(String::new(), |a| a.signer.clone()),
        schema_before: before,
        schema_after: None,
        backup: None,
        archive: Some(path),
        ledger: None,
    })
}

/// `plugin status`: what is installed, the database's schema version and
/// the history.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Status {
    pub database: PathBuf,
    pub schema_version: Option<u32>,
    pub active: Option<Install>,
    pub history: Vec<Install>,
}

pub fn status(db: &Path) -> Result<Status> {
    if !db.exists() {
        bail!("{} does not exist", db.display());
    }
    let conn = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let history = installs::history(&conn)?;
    Ok(Status {
        database: db.to_path_buf(),
        schema_version: schema_version(&conn)?,
        active: history.iter().rev().find(|i| i.active).cloned(),
        history,
    })
}
