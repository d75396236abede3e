//! The engine's only window on storage: one `execute` call, shaped exactly like
//! the WIT `database` import, so the same logic runs inside the component (over
//! the import) and natively (over rusqlite) without knowing which.

/// A value bound to a placeholder or read from a column.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Integer(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// What a statement produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    pub rows_changed: u64,
    pub last_insert_id: i64,
}

/// Why a statement failed, as the host reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbError {
    ConstraintViolation(String),
    Busy,
    InvalidStatement(String),
    Other(String),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::ConstraintViolation(m) => write!(f, "constraint violation: {m}"),
            DbError::Busy => f.write_str("database busy"),
            DbError::InvalidStatement(m) => write!(f, "invalid statement: {m}"),
            DbError::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for DbError {}

/// Runs SQL inside the transaction the caller (the host) opened for this call.
pub trait Database {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<QueryResult, DbError>;
}

/// Most rows one multi-row `INSERT` carries. SQLite binds at most 32,766
/// values and PostgreSQL 65,535; at a dozen columns a chunk stays far below
/// both.
pub const ROWS_PER_INSERT: usize = 200;

/// Inserts `rows` (each one value per column) into `table` with one
/// statement per [`ROWS_PER_INSERT`] rows rather than one per row: every
/// statement is a host call, and an order of 200 lines is then one.
pub fn insert_rows(
    db: &mut dyn Database,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Value>],
) -> Result<(), DbError> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut values = Vec::with_capacity(chunk.len());
        let mut params = Vec::with_capacity(chunk.len() * columns.len());
        for row in chunk {
            debug_assert_eq!(row.len(), columns.len(), "one value per column");
            let marks: Vec<String> = (params.len() + 1..=params.len() + row.len())
                .map(|n| format!("?{n}"))
                .collect();
            values.push(format!("({})", marks.join(", ")));
            params.extend(row.iter().cloned());
        }
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {}",
            columns.join(", "),
            values.join(", ")
        );
        db.execute(&sql, &params)?;
    }
    Ok(())
}

/// Reads one row by column name, so queries and readers cannot drift apart on
/// column order.
pub struct Row<'a> {
    columns: &'a [String],
    values: &'a [Value],
    /// The column after the one read last: readers mostly take columns in
    /// the order their query lists them, so this is looked at first, and a
    /// 31-column card reads without a scan per column. (The engine's
    /// queries never give two columns one name: joins list theirs.)
    next: std::cell::Cell<usize>,
    #[cfg(test)]
    misses: std::cell::Cell<usize>,
}

impl<'a> Row<'a> {
    fn value(&self, name: &str) -> Result<&'a Value, DbError> {
        let hint = self.next.get();
        let n = self.columns.len();
        // From the hint on, wrapping round: a reader that skips a column or
        // two pays for those, not for a scan from the first column.
        let index = (0..n).map(|k| (hint + k) % n).find(|&i| {
            // SQLite and PostgreSQL give names as the query spells them,
            // so the exact comparison (one `memcmp`) nearly always
            // decides; byte-wise case folding was most of a read.
            let column = &self.columns[i];
            column == name || column.eq_ignore_ascii_case(name)
        });
        #[cfg(test)]
        if index != Some(hint) {
            self.misses.set(self.misses.get() + 1);
        }
        let value = index.and_then(|i| self.values.get(i).map(|v| (i, v)));
        let (i, value) =
            value.ok_or_else(|| DbError::Other(format!("column `{name}` missing from result")))?;
        self.next.set(i + 1);
        Ok(value)
    }

    /// How many reads did not find their column at the hint (tests keep
    /// hot readers in their query's order with it).
    #[cfg(test)]
    pub(crate) fn misses(&self) -> usize {
        self.misses.get()
    }

    pub fn i64(&self, name: &str) -> Result<i64, DbError> {
        match self.value(name)? {
            Value::Integer(v) => Ok(*v),
            other => Err(type_error(name, "integer", other)),
        }
    }

    pub fn opt_i64(&self, name: &str) -> Result<Option<i64>, DbError> {
        match self.value(name)? {
            Value::Null => Ok(None),
            Value::Integer(v) => Ok(Some(*v)),
            other => Err(type_error(name, "integer or null", other)),
        }
    }

    pub fn text(&self, name: &str) -> Result<String, DbError> {
        match self.value(name)? {
            Value::Text(v) => Ok(v.clone()),
            other => Err(type_error(name, "text", other)),
        }
    }

    pub fn opt_text(&self, name: &str) -> Result<Option<String>, DbError> {
        match self.value(name)? {
            Value::Null => Ok(None),
            Value::Text(v) => Ok(Some(v.clone())),
            other => Err(type_error(name, "text or null", other)),
        }
    }
}

/// The one row `select` (a query up to its `WHERE`) finds with this `id`,
/// read by `read`; `missing` when there is none, or when `id` is too large
/// to be a stored one.
pub fn load_by_id<T, E: From<DbError>>(
    db: &mut dyn Database,
    select: &str,
    id: u64,
    read: impl FnOnce(&Row<'_>) -> Result<T, E>,
    missing: E,
) -> Result<T, E> {
    let Ok(id) = i64::try_from(id) else {
        return Err(missing);
    };
    db.execute(&format!("{select} WHERE id = ?1"), &[Value::Integer(id)])?
        .first_or(read, missing)
}

fn type_error(name: &str, wanted: &str, got: &Value) -> DbError {
    DbError::Other(format!("column `{name}`: expected {wanted}, got {got:?}"))
}

impl QueryResult {
    /// The rows, readable by column name.
    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(|values| Row {
            columns: &self.columns,
            values,
            next: std::cell::Cell::new(0),
            #[cfg(test)]
            misses: std::cell::Cell::new(0),
        })
    }

    /// The first row, if any.
    pub fn first(&self) -> Option<Row<'_>> {
        self.iter().next()
    }

    /// The first row read by `read`, or `missing` when there is none: what
    /// a lookup by key answers.
    pub fn first_or<T, E>(
        &self,
        read: impl FnOnce(&Row<'_>) -> Result<T, E>,
        missing: E,
    ) -> Result<T, E> {
        match self.first() {
            Some(row) => read(&row),
            None => Err(missing),
        }
    }

    /// An integer column of the first row, 0 when there is no row: what a
    /// `COUNT`, `SUM` or `MAX` query reads as.
    pub fn first_i64_or_zero(&self, name: &str) -> Result<i64, DbError> {
        self.first()
            .map(|r| r.i64(name))
            .transpose()
            .map(|v| v.unwrap_or(0))
    }
}
