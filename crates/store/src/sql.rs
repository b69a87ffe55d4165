//! What every module's SQL shares: placeholders in the `$1` form both
//! engines read, and decoding that fails loudly. A value a row cannot hold
//! (an unknown status, a flag that is neither true nor false, a list that
//! is not JSON) is an error naming its column, never a default.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Arguments, Row};
use std::fmt::Write;

/// `$start, $start+1, ...`: `n` placeholders for an `IN (...)` list.
pub(crate) fn list(start: usize, n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        if i > 0 {
            out.push_str(", ");
        }
        write!(out, "${}", start + i).expect("writing to a String");
    }
    out
}

/// `($1, $2), ($3, $4), ...`: `rows` tuples of `cols` placeholders, for a
/// multi-row `VALUES`; bind row by row, column by column.
pub(crate) fn values(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", list(1 + r * cols, cols)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value for a placeholder of a query put together as it is asked for
/// (a list's filter, a search's), bound in order with [`arguments`].
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Int(i64),
    Float(f64),
    Text(String),
}

/// These values, in order, as a query's arguments (`sqlx::query_with`).
pub(crate) fn arguments<'q>(values: &[Value]) -> AnyArguments<'q> {
    let mut args = AnyArguments::default();
    for v in values {
        let added = match v {
            Value::Int(i) => args.add(*i),
            Value::Float(f) => args.add(*f),
            Value::Text(s) => args.add(s.clone()),
        };
        added.expect("numbers and text always encode");
    }
    args
}

/// Ids as a query's arguments, for an `IN` list made by [`list`].
pub(crate) fn ids<'q>(ids: &[i64]) -> AnyArguments<'q> {
    let mut args = AnyArguments::default();
    for id in ids {
        args.add(*id).expect("numbers always encode");
    }
    args
}

fn bad(column: &str, message: String) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: message.into(),
    }
}

/// A flag: PostgreSQL's BOOLEAN, or SQLite's 0 or 1 (SQLite has no
/// boolean type; `EXISTS` and comparisons give integers there too).
pub(crate) fn flag(r: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    match r.try_get::<bool, _>(column) {
        Ok(b) => Ok(b),
        Err(sqlx::Error::ColumnDecode { .. }) => match r.try_get::<i64, _>(column)? {
            0 => Ok(false),
            1 => Ok(true),
            n => Err(bad(column, format!("{n} is not a flag (0 or 1)"))),
        },
        Err(e) => Err(e),
    }
}

/// A text column holding one of a fixed set of names (a role, a status),
/// read with that type's `parse`.
pub(crate) fn named<T>(
    r: &AnyRow,
    column: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, sqlx::Error> {
    let text: String = r.try_get(column)?;
    parse(&text).ok_or_else(|| bad(column, format!("'{text}' is not a known value")))
}

/// A JSON value kept as text (lists of genres, a comment's reasons).
pub(crate) fn json<T: serde::de::DeserializeOwned>(
    r: &AnyRow,
    column: &str,
) -> Result<T, sqlx::Error> {
    let text: String = r.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| bad(column, format!("not the JSON expected: {e}")))
}

/// A count or size that cannot be negative.
pub(crate) fn unsigned(r: &AnyRow, column: &str) -> Result<u32, sqlx::Error> {
    let n: i64 = r.try_get(column)?;
    u32::try_from(n).map_err(|_| bad(column, format!("{n} is out of range")))
}

/// A count or amount that may be missing (runtime, seasons, money).
pub(crate) fn unsigned_opt<T: TryFrom<i64>>(
    r: &AnyRow,
    column: &str,
) -> Result<Option<T>, sqlx::Error> {
    r.try_get::<Option<i64>, _>(column)?
        .map(|n| T::try_from(n).map_err(|_| bad(column, format!("{n} is out of range"))))
        .transpose()
}

/// A stored time as a date (times before year 0 or after 9999 are no
/// times this site writes).
pub(crate) fn time_of(column: &str, secs: i64) -> Result<time::OffsetDateTime, sqlx::Error> {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .map_err(|_| bad(column, format!("{secs} is not a time")))
}

/// A list kept as JSON text.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("lists of strings and numbers are JSON")
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_count_from_where_they_start() {
        assert_eq!(super::list(3, 2), "$3, $4");
        assert_eq!(super::values(2, 2), "($1, $2), ($3, $4)");
    }
}
