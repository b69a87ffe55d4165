//! Storage: the only code that speaks SQL.
//!
//! [`Store`] wraps a pool of reading connections and one writing connection, and has one module per aggregate (users,
//! sections, works and people, posts, media). Queries are built at run time
//! with bound parameters (never by pasting input into SQL), so the same API can
//! gain a PostgreSQL backend next to SQLite; every write that touches several
//! tables runs in one transaction.

mod changes;
mod comments;
mod error;
mod media;
mod posts;
mod read;
mod sections;
mod sessions;
mod settings;
mod users;
mod works;

pub use changes::{Changes, Topic};
pub use comments::{Comment, DayCount, History, NewComment, QueueFilter, QueuedComment};
pub use error::StoreError;
pub use media::{media_prefix, Media, NewMedia, Variant};
pub use posts::{Cover, PostBatch, SaveMode};
pub use read::{PostCard, PostFilter, PostView, TagRef, UserRef};
pub use sections::Section;
pub use sessions::{ApiToken, ApiTokenInfo, Session};
pub use users::User;
pub use works::{Credit, FilmScope, PersonRef, PersonView, WorkBrief, WorkView};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Reading connections: enough for both cores and requests waiting on I/O.
const READERS: u32 = 8;
/// Pages (4 KiB) the write-ahead log may hold before [`Store::checkpoint`]
/// empties it.
const WAL_FRAMES_KEPT: i64 = 4096;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The site's database.
#[derive(Clone, Debug)]
pub struct Store {
    readers: SqlitePool,
    writer: SqlitePool,
    checkpointer: SqlitePool,
    changes: Arc<Changes>,
}

impl Store {
    /// Opens (creating when missing) the SQLite database at `path` in WAL mode
    /// and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Store> {
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            // WAL lets readers go on while one writer writes.
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL loses no committed data on a crash of the
            // process, only possibly the last commits on a power loss.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        // One writer: writes queue in the pool instead of contending for
        // SQLite's lock. Readers never write (read-only connections make a
        // mistake fail loudly) and never wait for the writer, thanks to WAL.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
        // Checkpoints run on a connection of their own, so the writer goes
        // on writing while the log is copied.
        let checkpointer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(options.read_only(true))
            .await?;
        let store = Store {
            readers,
            writer,
            checkpointer,
            changes: Arc::new(Changes::new()),
        };
        store.refresh_schedule().await?;
        Ok(store)
    }

    /// Notes a change made by another process (a command run while the
    /// site is served) as a change of everything. SQLite's data version of
    /// a connection moves only with other connections' commits, and this
    /// process writes through its one writer, so the writer's moves only
    /// with other processes' writes. Returns whether one was seen.
    pub async fn notice_other_writers(&self) -> Result<bool> {
        let version: i64 = sqlx::query_scalar("PRAGMA data_version")
            .fetch_one(&self.writer)
            .await?;
        let seen = self.changes.other_writers_seen(version);
        if seen {
            self.touched(&[Topic::Site]);
            self.refresh_schedule().await?;
        }
        Ok(seen)
    }

    /// Keeps the write-ahead log short. Under a steady stream of reads
    /// (a busy site) SQLite's own checkpoints never find a moment without a
    /// reader, so the log never starts over: it grows by gigabytes and every
    /// read searches it. When it holds more than a few megabytes this waits
    /// for the reads under way (milliseconds), copies it into the database
    /// and empties it. `serve` calls it every second.
    pub async fn checkpoint(&self) -> Result<()> {
        // Copying the log into the database blocks no one (PASSIVE); only
        // starting it over waits for the writer and readers, briefly, as
        // little is left to copy by then.
        let (_, frames, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&self.checkpointer)
            .await?;
        if frames > WAL_FRAMES_KEPT {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.checkpointer)
                .await?;
        }
        Ok(())
    }

    /// What this store's writes have changed, for the page cache.
    pub fn changes(&self) -> &Changes {
        &self.changes
    }

    /// Notes the topics a committed write touched.
    pub(crate) fn touched(&self, topics: &[Topic]) {
        self.changes.touch(topics);
    }

    pub async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
        self.checkpointer.close().await;
    }
}

/// Now, as the Unix seconds the schema stores.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

pub(crate) fn to_time(secs: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

pub(crate) fn json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

pub(crate) fn to_json(list: &[String]) -> String {
    serde_json::to_string(list).expect("a list of strings is JSON")
}
