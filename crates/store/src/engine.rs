//! What only one engine has: how its connections are opened and tuned, its
//! migrations, and how a write by another process is noticed.
//!
//! - SQLite: one writing connection (writes queue in the pool instead of
//!   contending for the file's lock), read-only readers beside it (WAL lets
//!   them read while it writes), a connection of its own that keeps the
//!   write-ahead log short, and `PRAGMA data_version` to notice commits by
//!   other processes.
//! - PostgreSQL: one pool for reading and writing; the server orders the
//!   writes.

use crate::{Result, StoreError};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::postgres::PgListener;
use sqlx::{AnyPool, Executor};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Reading connections on SQLite: enough for both cores and requests
/// waiting on I/O.
const SQLITE_READERS: u32 = 8;
/// Connections to PostgreSQL per process: several instances share the
/// server's 100 by default.
const POSTGRES_CONNECTIONS: u32 = 16;
/// Pages (4 KiB) SQLite's write-ahead log may hold before
/// [`checkpoint`] empties it.
const WAL_FRAMES_KEPT: i64 = 4096;

/// Which engine holds a site's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine behind a connection.
    pub(crate) fn of(conn: &sqlx::AnyConnection) -> Engine {
        match conn.backend_name() {
            "PostgreSQL" => Engine::Postgres,
            _ => Engine::Sqlite,
        }
    }
}

/// Where a site's database is: an SQLite file, or a PostgreSQL database.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    /// A `postgres://` address (it may hold a password: never printed).
    Postgres(String),
}

impl Location {
    /// The default: `bestpick.db` in the data folder.
    pub fn in_folder(data_dir: &Path) -> Location {
        Location::Sqlite(data_dir.join("bestpick.db"))
    }

    /// Reads `--database`: `postgres://...` (or `postgresql://`), or
    /// `sqlite:PATH`.
    pub fn parse(url: &str) -> Result<Location, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            url::Url::parse(url)
                .map_err(|e| format!("'{}' is not a valid address: {e}", redact(url)))?;
            Ok(Location::Postgres(url.to_owned()))
        } else if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err("sqlite: needs a file's path, as sqlite:site.db".into());
            }
            Ok(Location::Sqlite(PathBuf::from(path)))
        } else {
            Err(format!(
                "'{}' is neither postgres://USER@HOST/DATABASE nor sqlite:PATH",
                redact(url)
            ))
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            Location::Sqlite(_) => Engine::Sqlite,
            Location::Postgres(_) => Engine::Postgres,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Location({self})")
    }
}

/// An address without its password, for messages and logs.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// The engine's own parts of an open store.
#[derive(Debug)]
pub(crate) enum Parts {
    Sqlite {
        /// Checkpoints run on a connection of their own, so the writer
        /// goes on writing while the log is copied.
        checkpointer: AnyPool,
        /// The writer's data version when last read.
        data_version: AtomicI64,
    },
    Postgres {
        /// Where to listen for other instances' notices.
        url: String,
        /// Listening since the store opened, before anything was read
        /// into memory, so no notice falls between; taken by
        /// [`crate::Store::follow_other_writers`].
        listener: tokio::sync::Mutex<Option<PgListener>>,
    },
}

/// Opens the pools for `location` and migrates its schema: (readers,
/// writer, the engine's own parts).
pub(crate) async fn connect(location: &Location) -> Result<(AnyPool, AnyPool, Parts)> {
    sqlx::any::install_default_drivers();
    match location {
        Location::Sqlite(path) => connect_sqlite(path).await,
        Location::Postgres(url) => {
            let options = AnyConnectOptions::from_str(url)?;
            let pool = AnyPoolOptions::new()
                .max_connections(POSTGRES_CONNECTIONS)
                // A request waits this long for a connection, then answers 503: when
                // the server is down, not a hang.
                .acquire_timeout(Duration::from_secs(3))
                .connect_with(options)
                .await?;
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
            let mut listener = PgListener::connect(url).await?;
            listener.listen(crate::notice::CHANNEL).await?;
            let parts = Parts::Postgres {
                url: url.clone(),
                listener: tokio::sync::Mutex::new(Some(listener)),
            };
            Ok((pool.clone(), pool, parts))
        }
    }
}

async fn connect_sqlite(path: &Path) -> Result<(AnyPool, AnyPool, Parts)> {
    // The address sqlx reads: an absolute path, percent-encoded.
    let absolute = std::path::absolute(path)
        .map_err(|e| StoreError::NotFound(format!("the database path {}: {e}", path.display())))?;
    let file = url::Url::from_file_path(&absolute)
        .map_err(|()| StoreError::NotFound(format!("the database path {}", absolute.display())))?;
    let url = |mode: &str| format!("sqlite://{}?mode={mode}", file.path());
    let writer = AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(tune_sqlite(WRITER_SETTINGS))
        .connect_with(AnyConnectOptions::from_str(&url("rwc"))?)
        .await?;
    // WAL lets readers go on while one writer writes; it is a property of
    // the file, set once.
    writer.execute("PRAGMA journal_mode = WAL").await?;
    sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
    let checkpointer = AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(tune_sqlite(""))
        .connect_with(AnyConnectOptions::from_str(&url("rw"))?)
        .await?;
    // Readers never write: read-only connections make a mistake fail loudly.
    let readers = AnyPoolOptions::new()
        .max_connections(SQLITE_READERS)
        .after_connect(tune_sqlite(READER_SETTINGS))
        .connect_with(AnyConnectOptions::from_str(&url("ro"))?)
        .await?;
    // The version as this process starts: a write by another process
    // from here on moves it.
    let version: i64 = sqlx::query_scalar("PRAGMA data_version")
        .fetch_one(&writer)
        .await?;
    let parts = Parts::Sqlite {
        checkpointer,
        data_version: AtomicI64::new(version),
    };
    Ok((readers, writer, parts))
}

/// The writer's own settings: room for 64 MiB of pages (SQLite's default
/// is 2 MiB). A write walks the indexes of every table it touches; past a
/// few thousand posts they no longer fit, and an import spent a third of
/// its time reading pages from the file again (100,000 posts: 87 s for the
/// first 20,000 with 2 MiB, 55 s with 64). The cache grows only as pages
/// are read: a small site's stays small.
const WRITER_SETTINGS: &str = "PRAGMA cache_size = -65536;";
/// A reader's own settings: the file mapped into memory, up to 1 GiB of
/// address space (not memory: the pages are the system's file cache,
/// shared). The pool hands each query the connection idle longest, whose
/// own page cache (2 MiB) holds little of what a search over a big site
/// reads; mapped, every reader shares the system's cache of the file
/// without copying it (a search of 5,000 matches at 100,000 posts: 11 ms
/// read, 7 ms mapped).
const READER_SETTINGS: &str = "PRAGMA mmap_size = 1073741824;";

/// What a pool's `after_connect` gives back: the settings being applied.
type Applying<'c> = Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + 'c>>;

/// Every SQLite connection's settings, then its own (`own`: a pool's).
fn tune_sqlite(
    own: &'static str,
) -> impl for<'c> Fn(&'c mut sqlx::AnyConnection, sqlx::pool::PoolConnectionMetadata) -> Applying<'c>
       + Send
       + Sync
       + 'static {
    move |conn, _| {
        Box::pin(async move {
            // In WAL mode NORMAL loses no committed data on a crash of the
            // process, only possibly the last commits on a power loss.
            let settings = format!(
                "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; {own}"
            );
            conn.execute(settings.as_str()).await?;
            Ok(())
        })
    }
}

impl Parts {
    pub(crate) fn kind(&self) -> Engine {
        match self {
            Parts::Sqlite { .. } => Engine::Sqlite,
            Parts::Postgres { .. } => Engine::Postgres,
        }
    }

    pub(crate) async fn close(&self) {
        match self {
            Parts::Sqlite { checkpointer, .. } => checkpointer.close().await,
            Parts::Postgres { listener, .. } => drop(listener.lock().await.take()),
        }
    }
}

/// Whether another process wrote to the SQLite file since the last call.
/// A connection's data version moves only with other connections'
/// commits, and this process writes through its one writer, so the
/// writer's moves only with other processes' writes.
pub(crate) async fn other_writers_seen(data_version: &AtomicI64, writer: &AnyPool) -> Result<bool> {
    let version: i64 = sqlx::query_scalar("PRAGMA data_version")
        .fetch_one(writer)
        .await?;
    Ok(data_version.swap(version, Ordering::AcqRel) != version)
}

/// Keeps SQLite's write-ahead log short. Under a steady stream of reads
/// (a busy site) SQLite's own checkpoints never find a moment without a
/// reader, so the log never starts over: it grows by gigabytes and every
/// read searches it. When it holds more than a few megabytes this waits
/// for the reads under way (milliseconds), copies it into the database and
/// empties it.
pub(crate) async fn checkpoint(checkpointer: &AnyPool) -> Result<()> {
    // Copying the log into the database blocks no one (PASSIVE); only
    // starting it over waits for the writer and readers, briefly, as
    // little is left to copy by then.
    let (_, frames, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(checkpointer)
        .await?;
    if frames > WAL_FRAMES_KEPT {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(checkpointer)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_address_names_its_engine_and_never_prints_its_password() {
        let pg = Location::parse("postgres://bp:secret@db.example/site").unwrap();
        assert_eq!(pg.engine(), Engine::Postgres);
        assert!(!pg.to_string().contains("secret"), "{pg}");
        assert_eq!(
            Location::parse("sqlite:/srv/site.db").unwrap(),
            Location::Sqlite("/srv/site.db".into())
        );
        let e = Location::parse("mysql://x@y/z").unwrap_err();
        assert!(e.contains("neither"), "{e}");
    }
}
