//! The export archive `plugin uninstall` writes before it drops anything,
//! and `plugin install --restore` reads back: a SQLite file holding every
//! table of the plugin (`gc_*`) exactly as it was — its definition, its
//! indexes and every row — plus an `archive_meta` table saying which
//! package and schema version wrote it and how many rows each table had.
//!
//! A SQLite file rather than a text dump: it keeps every value's type
//! (integers, text, blobs, nulls) bit for bit, and any SQLite tool opens it.

use anyhow::{Context, Result, bail};
use rusqlite::{Connection, params};
use serde::Serialize;
use std::path::Path;

/// The plugin's tables and indexes, in creation order: `(type, name, sql)`.
pub fn plugin_objects(conn: &Connection, schema: &str) -> Result<Vec<(String, String, String)>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT type, name, sql FROM {schema}.sqlite_master
         WHERE type IN ('table', 'index') AND name LIKE 'gc\\_%' ESCAPE '\\' AND sql IS NOT NULL
         ORDER BY rowid"
    ))?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What an archive says about itself.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub struct ArchiveMeta {
    /// The plugin's name.
    pub plugin: String,
    /// The version of the package that was installed, if one was.
    pub version: String,
    /// Its digest (empty when the data was never installed from a package).
    pub digest: String,
    /// The plugin's schema version of the data.
    pub schema_version: u32,
    /// When it was written (Unix seconds).
    pub written_at: i64,
    /// Each table and its row count.
    pub tables: Vec<(String, i64)>,
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Writes every plugin table of `conn` into a new archive at `path`
/// (refused if it exists), checks the copy's row counts and returns them.
pub fn write(conn: &Connection, path: &Path, mut meta: ArchiveMeta) -> Result<ArchiveMeta> {
    if path.exists() {
        bail!(
            "{} exists already: an archive is never overwritten",
            path.display()
        );
    }
    let partial = path.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let objects = plugin_objects(conn, "main")?;
    if objects.is_empty() {
        bail!("the database holds no plugin tables: there is nothing to archive");
    }
    {
        let archive = Connection::open(&partial)
            .with_context(|| format!("creating {}", partial.display()))?;
        archive.execute_batch(
            "CREATE TABLE archive_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        )?;
        for (kind, _, sql) in &objects {
            if kind == "table" {
                archive.execute_batch(sql)?;
            }
        }
    }
    conn.execute("ATTACH DATABASE ?1 AS archive", [partial.to_string_lossy()])?;
    let copied = (|| -> Result<Vec<(String, i64)>> {
        conn.execute_batch("BEGIN")?;
        let mut counts = Vec::new();
        for (kind, name, _) in &objects {
            if kind == "table" {
                let t = quote(name);
                conn.execute(
                    &format!("INSERT INTO archive.{t} SELECT * FROM main.{t}"),
                    [],
                )?;
                let rows: i64 =
                    conn.query_row(&format!("SELECT COUNT(*) FROM main.{t}"), [], |r| r.get(0))?;
                let copied: i64 =
                    conn.query_row(&format!("SELECT COUNT(*) FROM archive.{t}"), [], |r| {
                        r.get(0)
                    })?;
                if rows != copied {
                    bail!("{name}: {copied} of {rows} rows copied");
                }
                counts.push((name.clone(), rows));
            }
        }
        meta.tables = counts.clone();
        conn.execute_batch("COMMIT")?;
        Ok(counts)
    })();
    if copied.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    conn.execute("DETACH DATABASE archive", [])?;
    let counts = copied.with_context(|| format!("writing the archive {}", path.display()))?;
    {
        // Indexes after the rows (faster), then what the archive is.
        let archive = Connection::open(&partial)?;
        archive.execute_batch("BEGIN")?;
        for (kind, _, sql) in &objects {
            if kind == "index" {
                archive.execute_batch(sql)?;
            }
        }
        let fields = [
            ("plugin", meta.plugin.clone()),
            ("version", meta.version.clone()),
            ("digest", meta.digest.clone()),
            ("schema-version", meta.schema_version.to_string()),
            ("written-at", meta.written_at.to_string()),
            ("tables", serde_json::to_string(&counts)?),
        ];
        for (k, v) in fields {
            archive.execute(
                "INSERT INTO archive_meta (name, value) VALUES (?1, ?2)",
                params![k, v],
            )?;
        }
        archive.execute_batch("COMMIT")?;
    }
    std::fs::rename(&partial, path).with_context(|| format!("writing {}", path.display()))?;
    read_meta(path)
}

/// What the archive at `path` holds, checked to be one.
pub fn read_meta(path: &Path) -> Result<ArchiveMeta> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening the archive {}", path.display()))?;
    let get = |k: &str| -> Result<String> {
        conn.query_row("SELECT value FROM archive_meta WHERE name = ?1", [k], |r| {
            r.get(0)
        })
        .with_context(|| format!("{} is not a plugin archive (no `{k}`)", path.display()))
    };
    Ok(ArchiveMeta {
        plugin: get("plugin")?,
        version: get("version")?,
        digest: get("digest")?,
        schema_version: get("schema-version")?
            .parse()
            .context("the archive's schema version")?,
        written_at: get("written-at")?.parse().context("the archive's time")?,
        tables: serde_json::from_str(&get("tables")?).context("the archive's table list")?,
    })
}

/// Recreates the archived tables in `conn` (which must hold none of the
/// plugin's) with every row, in one transaction, and checks the counts.
pub fn restore(conn: &Connection, path: &Path) -> Result<ArchiveMeta> {
    let meta = read_meta(path)?;
    if !plugin_objects(conn, "main")?.is_empty() {
        bail!(
            "the database still holds the plugin's tables: an archive is restored only into a \
             database the plugin was uninstalled from"
        );
    }
    conn.execute("ATTACH DATABASE ?1 AS archive", [path.to_string_lossy()])?;
    let done = (|| -> Result<()> {
        let objects = plugin_objects(conn, "archive")?;
        conn.execute_batch("BEGIN")?;
        for (kind, name, sql) in &objects {
            // One CREATE statement each, as SQLite itself stores them: an
            // archive cannot smuggle any other statement in.
            let create = sql.trim_start().to_ascii_uppercase();
            if !(create.starts_with("CREATE TABLE")
                || create.starts_with("CREATE INDEX")
                || create.starts_with("CREATE UNIQUE INDEX"))
            {
                bail!("the archive's definition of {name} is not a CREATE statement");
            }
            conn.execute(sql, [])?;
            if kind == "table" {
                let t = quote(name);
                conn.execute(
                    &format!("INSERT INTO main.{t} SELECT * FROM archive.{t}"),
                    [],
                )?;
            }
        }
        for (table, rows) in &meta.tables {
            let t = quote(table);
            let n: i64 =
                conn.query_row(&format!("SELECT COUNT(*) FROM main.{t}"), [], |r| r.get(0))?;
            if n != *rows {
                bail!("{table}: {n} rows restored, the archive says {rows}");
            }
        }
        conn.execute_batch("COMMIT")?;
        Ok(())
    })();
    if done.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    conn.execute("DETACH DATABASE archive", [])?;
    done.with_context(|| format!("restoring {}", path.display()))?;
    Ok(meta)
}

/// Drops every plugin table in one transaction.
pub fn drop_plugin_tables(conn: &Connection) -> Result<usize> {
    let objects = plugin_objects(conn, "main")?;
    conn.execute_batch("BEGIN")?;
    let done = (|| -> Result<usize> {
        let mut n = 0;
        // Tables only (their indexes go with them), newest first.
        for (kind, name, _) in objects.iter().rev() {
            if kind == "table" {
                conn.execute_batch(&format!("DROP TABLE {}", quote(name)))?;
                n += 1;
            }
        }
        conn.execute_batch("COMMIT")?;
        Ok(n)
    })();
    if done.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    done
}
