//! A [`Database`] over a rusqlite connection, for native tests, benchmarks and
//! the host harness's SQLite backend. It maps SQLite's failures onto the same
//! typed cases the WIT `database.error` has.

use crate::storage::db::{Database, DbError, QueryResult, Value};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};

/// Lets a `Value` be bound as a rusqlite parameter.
struct Param<'a>(&'a Value);

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Integer(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Real(f) => ToSqlOutput::Borrowed(ValueRef::Real(*f)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

fn value_from(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// Maps a rusqlite error onto the contract's typed cases.
pub fn map_error(e: rusqlite::Error) -> DbError {
    use rusqlite::ffi::ErrorCode;
    match &e {
        rusqlite::Error::SqliteFailure(f, msg) => {
            let text = msg.clone().unwrap_or_else(|| e.to_string());
            match f.code {
                ErrorCode::ConstraintViolation => DbError::ConstraintViolation(text),
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => DbError::Busy,
                _ if text.contains("no such table")
                    || text.contains("no such column")
                    || text.contains("syntax error") =>
                {
                    DbError::InvalidStatement(text)
                }
                _ => DbError::Other(text),
            }
        }
        rusqlite::Error::SqlInputError { msg, .. } => DbError::InvalidStatement(msg.clone()),
        _ => DbError::Other(e.to_string()),
    }
}

/// Runs one statement on `conn` and collects everything it returns.
pub fn execute(conn: &Connection, sql: &str, params: &[Value]) -> Result<QueryResult, DbError> {
    let mut stmt = conn.prepare_cached(sql).map_err(map_error)?;
    let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let bound: Vec<Param<'_>> = params.iter().map(Param).collect();
    let bound_refs: Vec<&dyn ToSql> = bound.iter().map(|p| p as &dyn ToSql).collect();
    let before = conn.total_changes();
    let mut rows = stmt.query(bound_refs.as_slice()).map_err(map_error)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(map_error)? {
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            values.push(value_from(row.get_ref(i).map_err(map_error)?));
        }
        out.push(values);
    }
    drop(rows);
    Ok(QueryResult {
        columns,
        rows: out,
        rows_changed: conn.total_changes().saturating_sub(before),
        last_insert_id: conn.last_insert_rowid(),
    })
}

/// A connection used as the engine's database (native callers manage the
/// transaction themselves, as a host would).
pub struct SqliteDb {
    pub conn: Connection,
    /// How many statements the engine ran through it, as the host's
    /// `database` import counts them (for tests of statement counts).
    pub statements: u64,
}

impl Database for SqliteDb {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<QueryResult, DbError> {
        self.statements += 1;
        execute(&self.conn, sql, params)
    }
}

/// A complete native environment: SQLite, a settable clock and a seeded
/// generator. It follows the host's transaction rule in [`NativeEnv::call`],
/// so native tests and benchmarks see exactly the component's semantics.
pub struct NativeEnv {
    pub db: SqliteDb,
    /// The current time in unix seconds; tests move it by hand.
    pub now: i64,
    /// Exchange rates the "host" knows: (from, to) → decimal string.
    pub rates: std::collections::HashMap<(String, String), String>,
    /// Messages of committed calls, in the order they were handed over.
    pub outbox: Vec<crate::storage::outbound::OutboundMessage>,
    /// Messages of the call in progress; kept only if it commits.
    pending: Vec<crate::storage::outbound::OutboundMessage>,
    /// When set, `deliver` refuses every message with this error.
    pub refuse_delivery: Option<crate::storage::outbound::DeliveryError>,
    rng_state: u64,
}

impl NativeEnv {
    /// Wraps a connection as it is (no schema is installed).
    pub fn new(conn: Connection, now: i64, seed: u64) -> Self {
        NativeEnv {
            db: SqliteDb {
                conn,
                statements: 0,
            },
            now,
            rates: Default::default(),
            outbox: Vec::new(),
            pending: Vec::new(),
            refuse_delivery: None,
            rng_state: seed,
        }
    }

    /// An in-memory database with the schema installed.
    pub fn in_memory(now: i64, seed: u64) -> Self {
        let conn = Connection::open_in_memory().expect("in-memory SQLite");
        let mut env = NativeEnv::new(conn, now, seed);
        env.call(|e| crate::storage::schema::migrate(e))
            .expect("migrate");
        env
    }

    /// Every row of every plugin table (`gc_*`), for "writes nothing" checks.
    pub fn dump(&mut self) -> Vec<String> {
        let conn = &self.db.conn;
        let mut tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'gc_%' ORDER BY name")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("listing tables");
        tables.sort();
        let mut out = Vec::new();
        for table in tables {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM {table} ORDER BY 1"))
                .expect("reading a table");
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    let mut cells = Vec::with_capacity(n);
                    for i in 0..n {
                        cells.push(format!("{:?}", r.get_ref(i)?));
                    }
                    Ok(format!("{table}: {}", cells.join("|")))
                })
                .expect("reading rows");
            out.extend(rows.map(|r| r.expect("a row")));
        }
        out
    }

    /// Sets the rate from one currency to another (units of `to` per `from`).
    pub fn set_rate(&mut self, from: &str, to: &str, rate: &str) {
        self.rates
            .insert((from.to_owned(), to.to_owned()), rate.to_owned());
    }

    /// Runs `f` in one transaction: commit on `Ok`, roll back on `Err`.
    pub fn call<T>(
        &mut self,
        f: impl FnOnce(&mut dyn crate::Environment) -> crate::Result<T>,
    ) -> crate::Result<T> {
        self.db
            .conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| crate::Error::Database(e.to_string()))?;
        self.pending.clear();
        let result = f(self);
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let pending = std::mem::take(&mut self.pending);
        if result.is_ok() {
            self.outbox.extend(pending);
        }
        self.db
            .conn
            .execute_batch(end)
            .map_err(|e| crate::Error::Database(e.to_string()))?;
        result
    }
}

impl crate::Environment for NativeEnv {
    fn db(&mut self) -> &mut dyn Database {
        &mut self.db
    }

    fn now(&mut self) -> i64 {
        self.now
    }

    fn exchange_rate(&mut self, from: &str, to: &str) -> Option<String> {
        self.rates.get(&(from.to_owned(), to.to_owned())).cloned()
    }

    fn deliver(
        &mut self,
        message: &crate::storage::outbound::OutboundMessage,
    ) -> Result<String, crate::storage::outbound::DeliveryError> {
        if let Some(e) = &self.refuse_delivery {
            return Err(e.clone());
        }
        self.pending.push(message.clone());
        Ok(format!("native-{}", message.message_id))
    }

    /// SplitMix64 from a fixed seed: deterministic, which is what tests want.
    /// Production randomness comes from the host through `wasi:random`.
    fn fill_random(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.rng_state = self.rng_state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.rng_state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}
