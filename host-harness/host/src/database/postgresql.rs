//! The PostgreSQL backend: the `postgres` client with an r2d2 pool, one
//! PostgreSQL transaction per export call.
//!
//! **Isolation.** Writing calls run `SERIALIZABLE`, so concurrent calls from
//! many processes behave as if run one after another, as SQLite's single
//! writer gives; a call PostgreSQL cannot serialize fails with `busy` and is
//! rolled back (nothing of it stays). Reading calls run `REPEATABLE READ
//! READ ONLY`: one snapshot, never blocked, any write refused.
//!
//! **Value mapping.** PostgreSQL types every placeholder, so each bound
//! value is converted to the type the server inferred for it, and refused
//! (as `invalid-statement`) where no exact conversion exists:
//!
//! | import value | PostgreSQL parameter types it binds to |
//! | --- | --- |
//! | `integer` | `bigint`; `integer`/`smallint` when it fits; `boolean` (0/1 only); `text` (decimal digits) |
//! | `real` | `double precision`, `real` |
//! | `text` | `text`, `varchar`, `char`, `name` |
//! | `blob` | `bytea` |
//! | `null` | any |
//!
//! Columns come back as `integer` (`bigint`, `integer`, `smallint`,
//! `boolean` as 0/1, whole `numeric` such as `SUM(bigint)`), `real`
//! (floating types), `text` (character types, and `numeric` with a
//! fraction, exactly), `blob` (`bytea`) and `null`.
//!
//! **Placeholders.** The import numbers them `?1`, `?2`, … (SQLite's
//! syntax); they are rewritten to PostgreSQL's `$1`, `$2`, … outside string
//! literals, quoted identifiers and comments. Nothing else in the SQL is
//! changed: the plugin's SQL must be valid on both.

use super::{Backend, Transaction};
use giftcard_engine::storage::db::{DbError, QueryResult, Value};
use postgres::error::SqlState;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;
use std::time::Duration;

/// PostgreSQL through a pool of connections.
pub struct PostgresBackend {
    pool: r2d2::Pool<Manager>,
}

impl PostgresBackend {
    /// Connects to `url` (`postgres://user:password@host:port/database`);
    /// one connection is opened now so a bad URL or an unreachable server
    /// fails here, with its reason.
    pub fn connect(url: &str) -> Result<PostgresBackend, DbError> {
        let config: postgres::Config = url
            .parse()
            .map_err(|e| DbError::Other(format!("the PostgreSQL URL is not valid: {e}")))?;
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            // The pool's own error handler would only log to stderr.
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build(Manager { config })
            .map_err(|e| DbError::Other(format!("connecting to PostgreSQL: {e}")))?;
        Ok(PostgresBackend { pool })
    }

    fn start(&self, begin: &str) -> Result<Box<dyn Transaction>, DbError> {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| DbError::Other(format!("connecting to PostgreSQL: {e}")))?;
        conn.client.batch_execute(begin).map_err(map_error)?;
        Ok(Box::new(PostgresTransaction {
            conn: Some(conn),
            finished: false,
        }))
    }
}

impl Backend for PostgresBackend {
    fn begin(&self) -> Result<Box<dyn Transaction>, DbError> {
        self.start("BEGIN ISOLATION LEVEL SERIALIZABLE")
    }

    fn begin_read(&self) -> Result<Box<dyn Transaction>, DbError> {
        self.start("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    }
}

/// One pooled connection with its prepared statements (preparing costs a
/// round trip; the plugin runs the same few hundred statements again and
/// again).
pub struct Connection {
    client: Client,
    statements: HashMap<String, Statement>,
}

/// Opens and checks connections for the pool.
struct Manager {
    config: postgres::Config,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Connection;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Connection, postgres::Error> {
        let client = self.config.connect(NoTls)?;
        Ok(Connection {
            client,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut Connection) -> Result<(), postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    /// A lost connection is never lent again: the next call gets a new one.
    fn has_broken(&self, conn: &mut Connection) -> bool {
        conn.client.is_closed()
    }
}

struct PostgresTransaction {
    conn: Option<r2d2::PooledConnection<Manager>>,
    finished: bool,
}

impl PostgresTransaction {
    fn finish(&mut self, sql: &str) -> Result<(), DbError> {
        self.finished = true;
        let mut conn = self.conn.take().expect("transaction already finished");
        conn.client.batch_execute(sql).map_err(map_error)
    }
}

impl Transaction for PostgresTransaction {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<QueryResult, DbError> {
        let conn = self.conn.as_mut().expect("transaction already finished");
        let statement = match conn.statements.get(sql) {
            Some(s) => s.clone(),
            None => {
                let s = conn
                    .client
                    .prepare(&numbered_placeholders(sql))
                    .map_err(map_error)?;
                // Schema changes would leave cached plans of other
                // statements stale: only plain statements are kept.
                if !is_schema_change(sql) {
                    conn.statements.insert(sql.to_owned(), s.clone());
                }
                s
            }
        };
        if statement.params().len() != params.len() {
            return Err(DbError::InvalidStatement(format!(
                "the statement has {} placeholders but {} values were given",
                statement.params().len(),
                params.len()
            )));
        }
        let bound: Vec<Bind<'_>> = params.iter().map(Bind).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            bound.iter().map(|b| b as &(dyn ToSql + Sync)).collect();
        let columns: Vec<String> = statement
            .columns()
            .iter()
            .map(|c| c.name().to_owned())
            .collect();
        if columns.is_empty() {
            let changed = conn.client.execute(&statement, &refs).map_err(map_error)?;
            return Ok(QueryResult {
                columns,
                rows: Vec::new(),
                rows_changed: changed,
                last_insert_id: 0,
            });
        }
        let rows = conn.client.query(&statement, &refs).map_err(map_error)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut values = Vec::with_capacity(columns.len());
            for (i, column) in statement.columns().iter().enumerate() {
                values.push(read_column(row, i, column.type_())?);
            }
            out.push(values);
        }
        // `UPDATE … RETURNING` returns one row per changed row.
        let rows_changed = if is_change(sql) { out.len() as u64 } else { 0 };
        Ok(QueryResult {
            columns,
            rows: out,
            rows_changed,
            last_insert_id: 0,
        })
    }

    fn commit(mut self: Box<Self>) -> Result<(), DbError> {
        self.finish("COMMIT")
    }

    fn rollback(mut self: Box<Self>) -> Result<(), DbError> {
        self.finish("ROLLBACK")
    }
}

impl Drop for PostgresTransaction {
    /// A transaction dropped without an outcome is rolled back, never left
    /// open on a pooled connection.
    fn drop(&mut self) {
        if !self.finished
            && let Some(mut conn) = self.conn.take()
        {
            let _ = conn.client.batch_execute("ROLLBACK");
        }
    }
}

/// Rewrites SQLite's `?N` (and bare `?`) placeholders to `$N`, leaving
/// string literals, quoted identifiers and comments alone.
pub fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut next = 1usize;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                out.push('$');
                if digits.is_empty() {
                    out.push_str(&next.to_string());
                    next += 1;
                } else {
                    out.push_str(&digits);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

fn first_word(sql: &str) -> String {
    sql.trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

fn is_schema_change(sql: &str) -> bool {
    matches!(first_word(sql).as_str(), "CREATE" | "ALTER" | "DROP")
}

fn is_change(sql: &str) -> bool {
    matches!(first_word(sql).as_str(), "INSERT" | "UPDATE" | "DELETE")
}

/// A bound value, converted to the parameter type PostgreSQL inferred.
#[derive(Debug)]
struct Bind<'a>(&'a Value);

type BoxError = Box<dyn std::error::Error + Sync + Send>;

fn refuse(value: &Value, ty: &Type) -> BoxError {
    let kind = match value {
        Value::Null => "null",
        Value::Integer(_) => "an integer",
        Value::Real(_) => "a real",
        Value::Text(_) => "text",
        Value::Blob(_) => "a blob",
    };
    format!("{kind} cannot be bound where PostgreSQL expects {ty}").into()
}

impl ToSql for Bind<'_> {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)
                    .map_err(|_| format!("{i} does not fit PostgreSQL's integer"))?
                    .to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)
                    .map_err(|_| format!("{i} does not fit PostgreSQL's smallint"))?
                    .to_sql(ty, out),
                Type::BOOL if *i == 0 || *i == 1 => (*i == 1).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => Err(refuse(self.0, ty)),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                _ => Err(refuse(self.0, ty)),
            },
            Value::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    s.as_str().to_sql(&Type::TEXT, out)
                }
                _ => Err(refuse(self.0, ty)),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => b.as_slice().to_sql(ty, out),
                _ => Err(refuse(self.0, ty)),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        // Every type is tried; `to_sql` refuses the ones without an exact
        // conversion, with the reason.
        true
    }

    to_sql_checked!();
}

/// One column of a row as an import value.
fn read_column(row: &postgres::Row, i: usize, ty: &Type) -> Result<Value, DbError> {
    let get_err = |e: postgres::Error| DbError::Other(format!("reading a column: {e}"));
    let value = match *ty {
        Type::INT8 => row
            .try_get::<_, Option<i64>>(i)
            .map_err(get_err)?
            .map(Value::Integer),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)
            .map_err(get_err)?
            .map(|v| Value::Integer(v.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)
            .map_err(get_err)?
            .map(|v| Value::Integer(v.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)
            .map_err(get_err)?
            .map(|v| Value::Integer(v.into())),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(i)
            .map_err(get_err)?
            .map(Value::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(i)
            .map_err(get_err)?
            .map(|v| Value::Real(v.into())),
        Type::BYTEA => row
            .try_get::<_, Option<Vec<u8>>>(i)
            .map_err(get_err)?
            .map(Value::Blob),
        Type::NUMERIC => row
            .try_get::<_, Option<rust_decimal::Decimal>>(i)
            .map_err(get_err)?
            .map(numeric_value),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => row
            .try_get::<_, Option<String>>(i)
            .map_err(get_err)?
            .map(Value::Text),
        ref other => {
            return Err(DbError::InvalidStatement(format!(
                "column {i} has type {other}, which the database import cannot carry"
            )));
        }
    };
    Ok(value.unwrap_or(Value::Null))
}

/// A whole `numeric` (what `SUM` of a `bigint` column gives) as an integer;
/// one with a fraction, or too large, as its exact decimal text.
fn numeric_value(d: rust_decimal::Decimal) -> Value {
    use rust_decimal::prelude::ToPrimitive;
    if d.fract().is_zero()
        && let Some(i) = d.to_i64()
    {
        return Value::Integer(i);
    }
    Value::Text(d.normalize().to_string())
}

/// PostgreSQL's error as the import's: by SQLSTATE class, not by message.
fn map_error(e: postgres::Error) -> DbError {
    let text = match e.as_db_error() {
        Some(db) => db.message().to_owned(),
        // A value refused while binding carries the reason as its source.
        None => match std::error::Error::source(&e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    };
    match e.code() {
        Some(code) if code.code().starts_with("23") => DbError::ConstraintViolation(text),
        Some(code)
            if *code == SqlState::T_R_SERIALIZATION_FAILURE
                || *code == SqlState::T_R_DEADLOCK_DETECTED
                || *code == SqlState::LOCK_NOT_AVAILABLE =>
        {
            DbError::Busy
        }
        Some(code) if code.code().starts_with("42") => DbError::InvalidStatement(text),
        _ => DbError::Other(text),
    }
}

#[cfg(test)]
mod tests;
