//! Storage: the only code that speaks SQL.
//!
//! [`Store`] wraps a connection pool and has one module per aggregate (users,
//! sections, works and people, posts, media). Queries are built at run time
//! with bound parameters (never by pasting input into SQL), so the same API can
//! gain a PostgreSQL backend next to SQLite; every write that touches several
//! tables runs in one transaction.

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

pub use comments::{Comment, DayCount, History, NewComment, QueueFilter, QueuedComment};
pub use error::StoreError;
pub use media::{media_prefix, Media, NewMedia, Variant};
pub use posts::{Cover, SaveMode};
pub use read::{PostCard, PostFilter, PostView, TagRef, UserRef};
pub use sections::Section;
pub use sessions::{ApiToken, Session};
pub use users::User;
pub use works::{Credit, PersonRef, PersonView, WorkBrief, WorkView};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The site's database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
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
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Store { pool })
    }

    pub async fn close(&self) {
        self.pool.close().await;
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
