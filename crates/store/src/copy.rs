//! Copying a whole site from one database to another, either engine to
//! either engine: `bestpick db copy`, and `backup`/`restore`, which copy to
//! and from an SQLite file.
//!
//! The source is read in one snapshot (a read-only REPEATABLE READ
//! transaction on PostgreSQL, one read transaction on SQLite's WAL), so a
//! copy taken while the site serves and writes is consistent. Each table is
//! read in the order of its key and written in batches of its own
//! transaction; a batch is written with `ON CONFLICT DO NOTHING`, and a
//! table keyed by `id` starts after the highest id already copied, so a copy
//! cut short and run again finishes the job. Every table is then verified:
//! its row count and a SHA-256 over its rows, in key order, must be the same
//! on both sides.

use crate::{Engine, Result, Store};
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::any::AnyTypeInfoKind;
use sqlx::{Any, AnyConnection, Column, Row, ValueRef};
use std::collections::HashMap;

/// Every table, parents before children, with the columns its rows are
/// ordered by. (Sections may name a later section they were retired into:
/// a table written in one batch is checked at the end of its statement.)
const TABLES: &[(&str, &str)] = &[
    ("users", "id"),
    ("sessions", "token_hash{c}"),
    ("api_tokens", "id"),
    ("sections", "id"),
    ("people", "id"),
    ("works", "id"),
    ("credits", "work_id, job{c}, position"),
    ("media", "id"),
    ("posts", "id"),
    ("post_authors", "post_id, user_id"),
    ("tags", "id"),
    ("post_tags", "post_id, tag_id"),
    ("scores", "post_id, position"),
    ("critic_quotes", "post_id, position"),
    ("lines", "id"),
    ("ratings", "post_id, reader{c}"),
    ("guess_rounds", "id{c}"),
    ("settings", "key{c}"),
    ("removed_posts", "slug{c}"),
    ("comments", "id"),
    ("spam_decisions", "id"),
    ("comment_actions", "id"),
    ("deleted_comments", "id"),
    ("blocklist", "kind{c}, value{c}"),
    ("login_limits", "key{c}"),
    ("job_runs", "name{c}"),
    ("mail_queue", "id"),
    ("subscribers", "id"),
    ("mailed", "kind{c}, target_id"),
    ("actor_keys", "actor{c}"),
    ("remote_actors", "id{c}"),
    ("followers", "local_actor{c}, actor_id{c}"),
    ("federation_blocks", "kind{c}, value{c}"),
    ("deliveries", "id"),
    ("federated_posts", "post_id"),
    ("remote_comments", "object_id{c}"),
    ("reactions", "activity_id{c}"),
];

/// The `ORDER BY` for a table's key on `engine`: text (marked `{c}`) in
/// byte order on both, which PostgreSQL's collation (`en_US` ignores
/// hyphens at first) would not give, and the checksums must see the rows
/// in one order.
fn order_by(key: &str, engine: Engine) -> String {
    let bytes = match engine {
        Engine::Postgres => " COLLATE \"C\"",
        Engine::Sqlite => "",
    };
    key.replace("{c}", bytes)
}

/// Rows written per statement and transaction.
const BATCH: usize = 500;

/// One table's copy: its rows, and whether both sides agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    pub table: &'static str,
    pub rows: u64,
    /// The SHA-256 of the source's rows, hex.
    pub checksum: String,
    /// The destination holds the same rows (count and checksum).
    pub verified: bool,
}

/// How far a copy has come, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct CopyProgress {
    pub done: u64,
    pub total: u64,
}

/// A value of any column, as both engines hold them (a flag is an integer
/// here, and becomes PostgreSQL's BOOLEAN where the destination wants one).
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    fn read(row: &sqlx::any::AnyRow, i: usize) -> Result<Value, sqlx::Error> {
        let raw = row.try_get_raw(i)?;
        if raw.is_null() {
            return Ok(Value::Null);
        }
        Ok(match raw.type_info().kind() {
            AnyTypeInfoKind::Null => Value::Null,
            AnyTypeInfoKind::Bool => Value::Int(i64::from(row.try_get::<bool, _>(i)?)),
            AnyTypeInfoKind::SmallInt | AnyTypeInfoKind::Integer | AnyTypeInfoKind::BigInt => {
                Value::Int(row.try_get(i)?)
            }
            AnyTypeInfoKind::Real | AnyTypeInfoKind::Double => Value::Real(row.try_get(i)?),
            AnyTypeInfoKind::Text => Value::Text(row.try_get(i)?),
            AnyTypeInfoKind::Blob => Value::Blob(row.try_get(i)?),
        })
    }

    /// Feeds the value to a checksum, tagged so no two values read alike.
    fn hash(&self, h: &mut Sha256) {
        match self {
            Value::Null => h.update(b"N"),
            Value::Int(n) => h.update(format!("I{n};")),
            Value::Real(x) => h.update(format!("R{};", x.to_bits())),
            Value::Text(s) => {
                h.update(format!("T{}:", s.len()));
                h.update(s.as_bytes());
            }
            Value::Blob(b) => {
                h.update(format!("B{}:", b.len()));
                h.update(b);
            }
        }
    }
}

/// How the destination keeps a column, where it matters: PostgreSQL
/// wants a BOOLEAN for a flag and a NULL of the column's own type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Real,
    Text,
    Flag,
    Blob,
}

/// A table's rows in key order, counted and summed as they stream past.
struct Tally {
    rows: u64,
    sum: Sha256,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            rows: 0,
            sum: Sha256::new(),
        }
    }

    fn add(&mut self, row: &[Value]) {
        self.rows += 1;
        for v in row {
            v.hash(&mut self.sum);
        }
        self.sum.update(b"\n");
    }

    fn finish(self) -> (u64, String) {
        (self.rows, format!("{:x}", self.sum.finalize()))
    }
}

fn read_row(r: &sqlx::any::AnyRow) -> Result<Vec<Value>, sqlx::Error> {
    (0..r.columns().len()).map(|i| Value::read(r, i)).collect()
}

/// Counts and sums a table as `conn` sees it.
async fn tally(
    conn: &mut AnyConnection,
    engine: Engine,
    table: &str,
    key: &str,
) -> Result<(u64, String)> {
    let sql = format!("SELECT * FROM {table} ORDER BY {}", order_by(key, engine));
    let mut rows = sqlx::query(&sql).fetch(&mut *conn);
    let mut tally = Tally::new();
    while let Some(r) = rows.try_next().await? {
        tally.add(&read_row(&r)?);
    }
    Ok(tally.finish())
}

impl Store {
    /// Copies every row of this store into `to` (see the module's notes)
    /// and verifies each table; `progress` hears of each batch written.
    pub async fn copy_into(
        &self,
        to: &Store,
        mut progress: impl FnMut(CopyProgress),
    ) -> Result<Vec<TableCopy>> {
        // One snapshot of the source for the whole copy.
        let mut source = self.readers.acquire().await?;
        let mut snapshot = sqlx::Connection::begin(&mut *source).await?;
        if self.engine() == Engine::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *snapshot)
                .await?;
        }
        let mut total = 0u64;
        for (table, _) in TABLES {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&mut *snapshot)
                .await?;
            total += n as u64;
        }
        let mut done = 0u64;
        progress(CopyProgress { done, total });
        let mut report = Vec::new();
        for (table, key) in TABLES {
            // Rows up to the highest id already there were copied by a
            // run cut short: start after them.
            let copied: Option<i64> = match *key {
                "id" => {
                    sqlx::query_scalar(&format!("SELECT MAX(id) FROM {table}"))
                        .fetch_one(&to.writer)
                        .await?
                }
                _ => None,
            };
            let kinds = to.column_kinds(table).await?;
            let sql = format!(
                "SELECT * FROM {table} ORDER BY {}",
                order_by(key, self.engine())
            );
            let mut rows = sqlx::query(&sql).fetch(&mut *snapshot);
            let mut source = Tally::new();
            let mut columns: Vec<String> = Vec::new();
            let mut batch: Vec<Vec<Value>> = Vec::new();
            while let Some(r) = rows.try_next().await? {
                if columns.is_empty() {
                    columns = r.columns().iter().map(|c| c.name().to_owned()).collect();
                }
                let row = read_row(&r)?;
                source.add(&row);
                match (copied, &row[0]) {
                    (Some(max), Value::Int(id)) if *id <= max => done += 1,
                    _ => batch.push(row),
                }
                if batch.len() == BATCH {
                    to.write_rows(table, &columns, &batch, &kinds).await?;
                    done += batch.len() as u64;
                    batch.clear();
                    progress(CopyProgress { done, total });
                }
            }
            drop(rows);
            if !batch.is_empty() {
                to.write_rows(table, &columns, &batch, &kinds).await?;
                done += batch.len() as u64;
                progress(CopyProgress { done, total });
            }
            if to.engine() == Engine::Postgres && *key == "id" {
                to.restart_identity(table).await?;
            }
            let (rows, checksum) = source.finish();
            let mut conn = to.writer.acquire().await?;
            let there = tally(&mut conn, to.engine(), table, key).await?;
            report.push(TableCopy {
                table,
                rows,
                verified: there == (rows, checksum.clone()),
                checksum,
            });
        }
        snapshot.rollback().await?;
        // PostgreSQL plans by the statistics it keeps of each table, and
        // has none yet of rows loaded moments ago: without them, deriving
        // the works' facts of 100,000 posts read every post for each work
        // (a copy of 100,000 posts had not finished it after four minutes).
        // Then again for the derived tables, which readers' queries use.
        to.analyse().await?;
        // The search index, the works list's facts and related picks are
        // derived data: built from what was copied.
        to.rebuild_search_index().await?;
        to.rebuild_work_facts().await?;
        to.analyse().await?;
        progress(CopyProgress { done, total });
        Ok(report)
    }

    /// Has PostgreSQL gather its statistics of every table (SQLite plans
    /// without any). A connection keeps its plan of a statement it runs
    /// often; new statistics make it plan again.
    pub async fn analyse(&self) -> Result<()> {
        if self.engine() == Engine::Postgres {
            sqlx::query("ANALYZE").execute(&self.writer).await?;
        }
        Ok(())
    }

    /// Whether the store holds no site yet (no user, no post, no setting),
    /// as a restore or copy needs its destination.
    pub async fn is_empty(&self) -> Result<bool> {
        // The versions of derived data are noted on opening any store.
        let n: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM posts)
                  + (SELECT COUNT(*) FROM settings WHERE key <> $1 AND key <> $2)",
        )
        .bind(crate::search::VERSION_KEY)
        .bind(crate::works_list::FACTS_VERSION_KEY)
        .fetch_one(&self.readers)
        .await?;
        Ok(n == 0)
    }

    /// How PostgreSQL keeps each column of `table` (nothing to know on
    /// SQLite, where any value goes in any column).
    async fn column_kinds(&self, table: &str) -> Result<HashMap<String, Kind>> {
        if self.engine() != Engine::Postgres {
            return Ok(HashMap::new());
        }
        let columns: Vec<(String, String)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1",
        )
        .bind(table)
        .fetch_all(&self.readers)
        .await?;
        Ok(columns
            .into_iter()
            .map(|(name, kind)| {
                let kind = match kind.as_str() {
                    "bigint" | "integer" | "smallint" => Kind::Int,
                    "double precision" | "real" => Kind::Real,
                    "boolean" => Kind::Flag,
                    "bytea" => Kind::Blob,
                    _ => Kind::Text,
                };
                (name, kind)
            })
            .collect())
    }

    async fn write_rows(
        &self,
        table: &str,
        columns: &[String],
        rows: &[Vec<Value>],
        kinds: &HashMap<String, Kind>,
    ) -> Result<()> {
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {} ON CONFLICT DO NOTHING",
            columns.join(", "),
            crate::sql::values(rows.len(), columns.len())
        );
        let mut q = sqlx::query::<Any>(&sql);
        for row in rows {
            for (value, column) in row.iter().zip(columns) {
                let kind = kinds.get(column).copied();
                q = match (value, kind) {
                    (Value::Int(n), Some(Kind::Flag)) => q.bind(*n != 0),
                    (Value::Int(n), _) => q.bind(*n),
                    (Value::Real(x), _) => q.bind(*x),
                    (Value::Text(s), _) => q.bind(s.as_str()),
                    (Value::Blob(b), _) => q.bind(b.as_slice()),
                    (Value::Null, Some(Kind::Flag)) => q.bind(None::<bool>),
                    (Value::Null, Some(Kind::Real)) => q.bind(None::<f64>),
                    (Value::Null, Some(Kind::Text)) => q.bind(None::<String>),
                    (Value::Null, Some(Kind::Blob)) => q.bind(None::<Vec<u8>>),
                    (Value::Null, _) => q.bind(None::<i64>),
                };
            }
        }
        let mut tx = self.begin().await?;
        q.execute(&mut *tx).await?;
        // Everything a page shows may have changed.
        self.commit(tx, &[crate::Topic::Site], &[]).await
    }

    /// Moves a PostgreSQL identity past the highest id copied in, so the
    /// next row gets a new one.
    async fn restart_identity(&self, table: &str) -> Result<()> {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false)
             FROM {table}"
        ))
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}
