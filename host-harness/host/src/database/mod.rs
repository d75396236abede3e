//! The `database` import: the host's database, lent to the component one
//! transaction per export call.
//!
//! A [`Backend`] opens one [`Transaction`] per call; the component's
//! `database.execute` runs statements inside it (the [`Host`](wit::Host)
//! implementation below), and [`crate::call`] commits or rolls it back by
//! the call's outcome. The backend is a trait so that a PostgreSQL backend can
//! sit beside SQLite; the plugin's SQL is already limited to what both accept.

mod postgresql;
mod sqlite;

pub use postgresql::{PostgresBackend, numbered_placeholders};
pub use sqlite::SqliteBackend;

use crate::bindings::giftcard::plugin::database as wit;
use crate::call::CallState;
use giftcard_engine::storage::db::{DbError, QueryResult, Value};

/// Opens transactions. Shared by every call and thread.
pub trait Backend: Send + Sync {
    /// Starts a transaction that may write.
    fn begin(&self) -> Result<Box<dyn Transaction>, DbError>;

    /// Starts a transaction that may only read: it never waits for (or
    /// blocks) a writer, and any write in it fails with a database error.
    /// For the calls that only look (show, list, history, statistics…).
    fn begin_read(&self) -> Result<Box<dyn Transaction>, DbError>;
}

/// One call's transaction.
pub trait Transaction: Send {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<QueryResult, DbError>;
    fn commit(self: Box<Self>) -> Result<(), DbError>;
    fn rollback(self: Box<Self>) -> Result<(), DbError>;
}

fn to_wit(v: Value) -> wit::Value {
    match v {
        Value::Null => wit::Value::Null,
        Value::Integer(i) => wit::Value::Integer(i),
        Value::Real(f) => wit::Value::Real(f),
        Value::Text(s) => wit::Value::Text(s),
        Value::Blob(b) => wit::Value::Blob(b),
    }
}

fn from_wit(v: wit::Value) -> Value {
    match v {
        wit::Value::Null => Value::Null,
        wit::Value::Integer(i) => Value::Integer(i),
        wit::Value::Real(f) => Value::Real(f),
        wit::Value::Text(s) => Value::Text(s),
        wit::Value::Blob(b) => Value::Blob(b),
    }
}

fn error_to_wit(e: DbError) -> wit::Error {
    match e {
        DbError::ConstraintViolation(m) => wit::Error::ConstraintViolation(m),
        DbError::Busy => wit::Error::Busy,
        DbError::InvalidStatement(m) => wit::Error::InvalidStatement(m),
        DbError::Other(m) => wit::Error::Other(m),
    }
}

/// Every statement the guest runs goes through here: counted (for fault
/// injection and statement budgets), then run in the call's transaction.
impl wit::Host for CallState {
    fn execute(
        &mut self,
        statement: String,
        parameters: Vec<wit::Value>,
    ) -> wasmtime::Result<Result<wit::QueryResult, wit::Error>> {
        self.statements += 1;
        if self.faults.trap_at_statement == Some(self.statements) {
            return Err(wasmtime::Error::msg(format!(
                "injected trap at statement {}",
                self.statements
            )));
        }
        if self.faults.fail_at_statement == Some(self.statements) {
            return Ok(Err(wit::Error::Other(format!(
                "injected failure at statement {}",
                self.statements
            ))));
        }
        let params: Vec<Value> = parameters.into_iter().map(from_wit).collect();
        let tx = self.tx()?;
        Ok(tx
            .execute(&statement, &params)
            .map(|r| wit::QueryResult {
                columns: r.columns,
                rows: r
                    .rows
                    .into_iter()
                    .map(|row| row.into_iter().map(to_wit).collect())
                    .collect(),
                rows_changed: r.rows_changed,
                last_insert_id: r.last_insert_id,
            })
            .map_err(error_to_wit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_convert_both_ways_at_the_extremes() {
        let values = [
            Value::Null,
            Value::Integer(i64::MIN),
            Value::Integer(i64::MAX),
            Value::Integer(0),
            Value::Real(-0.5),
            Value::Text(String::new()),
            Value::Text("é\u{0}\u{1F600}".into()),
            Value::Blob(vec![]),
            Value::Blob(vec![0, 255, 1]),
        ];
        for v in values {
            assert_eq!(from_wit(to_wit(v.clone())), v);
        }
    }

    #[test]
    fn database_errors_keep_their_kind() {
        assert!(matches!(error_to_wit(DbError::Busy), wit::Error::Busy));
        assert!(matches!(
            error_to_wit(DbError::ConstraintViolation("u".into())),
            wit::Error::ConstraintViolation(m) if m == "u"
        ));
        assert!(matches!(
            error_to_wit(DbError::InvalidStatement("s".into())),
            wit::Error::InvalidStatement(_)
        ));
    }

    #[test]
    fn sqlite_transactions_commit_and_roll_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteBackend::open(&dir.path().join("t.db")).unwrap();
        let mut tx = db.begin().unwrap();
        tx.execute("CREATE TABLE t (x INTEGER)", &[]).unwrap();
        tx.commit().unwrap();
        let mut tx = db.begin().unwrap();
        tx.execute("INSERT INTO t VALUES (1)", &[]).unwrap();
        tx.rollback().unwrap();
        let mut read = db.begin_read().unwrap();
        let r = read.execute("SELECT COUNT(*) FROM t", &[]).unwrap();
        assert_eq!(r.rows, vec![vec![Value::Integer(0)]]);
        assert!(read.execute("INSERT INTO t VALUES (2)", &[]).is_err());
        read.rollback().unwrap();
    }
}
