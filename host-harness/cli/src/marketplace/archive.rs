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

/// `PRAGMA data_version` of `conn`: it changes when another connection
/// commits to the database.
pub fn data_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
}

/// Drops every plugin table in one write transaction, refused when another
/// connection committed since `conn` read `data_version` (that change would
/// be missing from the archive just written).
pub fn drop_plugin_tables(conn: &Connection, archived_at: i64) -> Result<usize> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let done = (|| -> Result<usize> {
        if data_version(conn)? != archived_at {
            bail!(
                "another process wrote to the database while the archive was written: nothing \
                 was dropped (stop the shop, then run uninstall again)"
            );
        }
        let objects = plugin_objects(conn, "main")?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn table_count(conn: &Connection) -> usize {
        plugin_objects(conn, "main").unwrap().len()
    }

    #[test]
    fn a_write_by_another_process_while_archiving_stops_the_drop() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("shop.db");
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE gc_cards (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL);
             CREATE INDEX gc_cards_balance ON gc_cards (balance);
             INSERT INTO gc_cards VALUES (1, 500);",
        )
        .unwrap();
        let meta = ArchiveMeta {
            plugin: "giftcard".into(),
            version: "0.1.0".into(),
            digest: String::new(),
            schema_version: 5,
            written_at: 0,
            tables: Vec::new(),
        };
        let before = data_version(&conn).unwrap();
        let written = write(&conn, &dir.path().join("a.archive"), meta.clone()).unwrap();
        assert_eq!(written.tables, [("gc_cards".to_owned(), 1)]);
        // Another connection commits before the drop: refused, nothing dropped.
        Connection::open(&db)
            .unwrap()
            .execute("INSERT INTO gc_cards VALUES (2, 700)", [])
            .unwrap();
        let err = drop_plugin_tables(&conn, before).unwrap_err();
        assert!(err.to_string().contains("nothing was dropped"), "{err}");
        assert_eq!(
            table_count(&conn),
            2,
            "the table and its index are still there"
        );
        // Archived again with nothing in between: dropped.
        let before = data_version(&conn).unwrap();
        write(&conn, &dir.path().join("b.archive"), meta).unwrap();
        assert_eq!(drop_plugin_tables(&conn, before).unwrap(), 1);
        assert_eq!(table_count(&conn), 0);
        // The archive brings both rows back.
        let restored = restore(&conn, &dir.path().join("b.archive")).unwrap();
        assert_eq!(restored.tables, [("gc_cards".to_owned(), 2)]);
        assert_eq!(table_count(&conn), 2, "the index comes back too");
    }
}
