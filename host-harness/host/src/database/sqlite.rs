//! The SQLite backend (the default): rusqlite with SQLite bundled, WAL, a
//! small connection pool, `BEGIN IMMEDIATE` for writes.

use super::{Backend, Transaction};
use giftcard_engine::storage::db::{DbError, QueryResult, Value};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// SQLite through rusqlite (bundled), in WAL mode, with a small pool of
/// connections so concurrent calls each get their own. Transactions start with
/// `BEGIN IMMEDIATE`: the write lock is taken up front, so two calls can never
/// both read a balance and then both spend it.
pub struct SqliteBackend {
    path: PathBuf,
    pool: Arc<Mutex<Vec<Connection>>>,
    busy_timeout: Duration,
    /// Whether connections switch the file to WAL and may create it; off for
    /// [`SqliteBackend::open_as_found`].
    shape: bool,
}

impl SqliteBackend {
    pub fn open(path: &Path) -> Result<SqliteBackend, DbError> {
        Self::with_shape(path, true)
    }

    /// Opens an existing file as it is: no journal-mode change, never
    /// created (for tools that only look, such as `doctor`, which must not
    /// write to a file that may be damaged).
    pub fn open_as_found(path: &Path) -> Result<SqliteBackend, DbError> {
        Self::with_shape(path, false)
    }

    fn with_shape(path: &Path, shape: bool) -> Result<SqliteBackend, DbError> {
        let backend = SqliteBackend {
            path: path.to_owned(),
            pool: Arc::new(Mutex::new(Vec::new())),
            busy_timeout: Duration::from_secs(10),
            shape,
        };
        // Open one connection now so a bad path fails early, with its reason.
        let conn = backend.connect()?;
        backend.pool.lock().unwrap().push(conn);
        Ok(backend)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn connect(&self) -> Result<Connection, DbError> {
        let conn = if self.shape {
            Connection::open(&self.path)
        } else {
            use rusqlite::OpenFlags;
            Connection::open_with_flags(
                &self.path,
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | OpenFlags::SQLITE_OPEN_URI,
            )
        }
        .map_err(giftcard_engine::storage::sqlite::map_error)?;
        conn.busy_timeout(self.busy_timeout)
            .map_err(giftcard_engine::storage::sqlite::map_error)?;
        if self.shape {
            conn.execute_batch("PRAGMA journal_mode = WAL;")
                .map_err(giftcard_engine::storage::sqlite::map_error)?;
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(giftcard_engine::storage::sqlite::map_error)?;
        Ok(conn)
    }

    /// A connection outside any call, for inspection by tools and tests.
    pub fn inspect(&self) -> Result<Connection, DbError> {
        self.connect()
    }
}

impl SqliteBackend {
    fn start(&self, begin: &str, read_only: bool) -> Result<Box<dyn Transaction>, DbError> {
        let pooled = self.pool.lock().unwrap().pop();
        let conn = match pooled {
            Some(c) => c,
            None => self.connect()?,
        };
        conn.execute_batch(begin)
            .map_err(giftcard_engine::storage::sqlite::map_error)?;
        Ok(Box::new(SqliteTransaction {
            conn: Some(conn),
            pool: Arc::clone(&self.pool),
            read_only,
        }))
    }
}

impl Backend for SqliteBackend {
    fn begin(&self) -> Result<Box<dyn Transaction>, DbError> {
        self.start("BEGIN IMMEDIATE", false)
    }

    /// A deferred transaction on a connection switched to `query_only`: in
    /// WAL mode it reads a snapshot while another process holds the write
    /// lock, and SQLite itself refuses any write in it.
    fn begin_read(&self) -> Result<Box<dyn Transaction>, DbError> {
        self.start("PRAGMA query_only = ON; BEGIN DEFERRED", true)
    }
}

struct SqliteTransaction {
    conn: Option<Connection>,
    pool: Arc<Mutex<Vec<Connection>>>,
    read_only: bool,
}

impl SqliteTransaction {
    fn finish(&mut self, sql: &str) -> Result<(), DbError> {
        let conn = self.conn.take().expect("transaction already finished");
        let mut result = conn
            .execute_batch(sql)
            .map_err(giftcard_engine::storage::sqlite::map_error);
        if self.read_only && result.is_ok() {
            result = conn
                .execute_batch("PRAGMA query_only = OFF")
                .map_err(giftcard_engine::storage::sqlite::map_error);
        }
        if result.is_ok() {
            self.pool.lock().unwrap().push(conn);
        }
        result
    }
}

impl Transaction for SqliteTransaction {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<QueryResult, DbError> {
        let conn = self.conn.as_ref().expect("transaction already finished");
        giftcard_engine::storage::sqlite::execute(conn, sql, params)
    }

    fn commit(mut self: Box<Self>) -> Result<(), DbError> {
        self.finish("COMMIT")
    }

    fn rollback(mut self: Box<Self>) -> Result<(), DbError> {
        self.finish("ROLLBACK")
    }
}

impl Drop for SqliteTransaction {
    /// A transaction dropped without an outcome (a panic in the host) is
    /// rolled back, never left open or committed.
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
}
