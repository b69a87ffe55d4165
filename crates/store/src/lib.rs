//! Storage: the only code that speaks SQL.
//!
//! [`Store`] speaks to SQLite (the embedded default) or PostgreSQL through
//! sqlx's `Any` driver: one SQL text per query, written in the dialect both
//! engines share (`$1` placeholders, `ON CONFLICT`, `RETURNING`, `IS
//! DISTINCT FROM`). What only one engine has (SQLite's write-ahead log and
//! data version, PostgreSQL's notifications) lives in `engine.rs`. One
//! module per aggregate (users, sections, works and people, posts, media,
//! comments); every write that touches several tables runs in one
//! transaction. Rows decode with errors, never with defaults.

mod changes;
mod clock;
mod comments;
mod engine;
mod error;
mod media;
mod posts;
mod read;
mod sections;
mod sessions;
mod settings;
mod sql;
mod users;
mod works;

#[cfg(feature = "scratch")]
pub mod scratch;

pub use changes::{Changes, Topic};
pub use clock::Clock;
pub use comments::{Comment, DayCount, History, NewComment, QueueFilter, QueuedComment};
pub use engine::{Engine, Location};
pub use error::StoreError;
pub use media::{media_prefix, Media, NewMedia, Variant};
pub use posts::{Cover, PostBatch, SaveMode};
pub use read::{PostCard, PostFilter, PostView, TagRef, UserRef};
pub use sections::Section;
pub use sessions::{ApiToken, ApiTokenInfo, Session};
pub use users::User;
pub use works::{Credit, FilmScope, PersonRef, PersonView, WorkBrief, WorkView};

use sqlx::AnyPool;
use std::sync::Arc;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The site's database.
#[derive(Clone, Debug)]
pub struct Store {
    /// Connections for reading. On SQLite, read-only connections beside
    /// the one writer (WAL lets them go on while it writes); on
    /// PostgreSQL, the same pool as `writer`.
    readers: AnyPool,
    writer: AnyPool,
    engine: Arc<engine::Parts>,
    changes: Arc<Changes>,
    clock: Clock,
}

impl Store {
    /// Opens the database at `location` (creating an SQLite file when
    /// missing) and brings its schema up to date. `clock` is what every
    /// stored and compared time comes from.
    pub async fn open(location: &Location, clock: Clock) -> Result<Store> {
        let (readers, writer, engine) = engine::connect(location).await?;
        let store = Store {
            readers,
            writer,
            engine: Arc::new(engine),
            changes: Arc::new(Changes::new()),
            clock,
        };
        store.refresh_schedule().await?;
        Ok(store)
    }

    /// Which engine holds the data.
    pub fn engine(&self) -> Engine {
        self.engine.kind()
    }

    /// Now, as the Unix seconds the schema stores, from the store's clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Notes a change made by another process (a command run while the
    /// site is served, another instance) as a change of everything.
    /// Returns whether one was seen.
    pub async fn notice_other_writers(&self) -> Result<bool> {
        let seen = self.engine.other_writers_seen(&self.writer).await?;
        if seen {
            self.touched(&[Topic::Site]);
            self.refresh_schedule().await?;
        }
        Ok(seen)
    }

    /// Keeps SQLite's write-ahead log short (see `engine.rs`); nothing to
    /// do on PostgreSQL. `serve` calls it every second.
    pub async fn checkpoint(&self) -> Result<()> {
        self.engine.checkpoint().await
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
        self.engine.close().await;
    }
}
