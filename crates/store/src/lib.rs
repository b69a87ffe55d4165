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
mod copy;
mod engine;
mod error;
mod federation;
mod limits;
mod mail;
mod media;
mod moderation;
mod notice;
mod posts;
mod preview;
mod queue;
mod quotes;
mod ratings;
mod read;
mod related;
mod search;
mod sections;
mod sessions;
mod settings;
mod sitemap;
mod sql;
mod users;
mod works;
mod works_list;

#[cfg(feature = "scratch")]
pub mod scratch;

pub use changes::{Changes, Topic};
pub use clock::Clock;
pub use comments::{
    Comment, DayCount, History, NewComment, QueueFilter, QueuedComment, SpamDecision,
};
pub use copy::{CopyProgress, TableCopy};
pub use engine::{Engine, Location};
pub use error::{Refusal, StoreError};
pub use federation::{
    host_in, host_of, ActorKeys, Delivery, DeliveryCounts, FailedDelivery, Follower, PostChange,
    RemoteActor, Told, DELIVERY_GIVE_UP_AFTER,
};
pub use limits::LoginCount;
pub use mail::{MailCounts, NewMail, QueuedMail, ReplyNotice, Subscriber, GIVE_UP_AFTER};
pub use media::{media_prefix, Media, MediaQuery, MediaUse, NewMedia, Variant};
pub use moderation::{Moderated, ModerationAct, ModerationRecord, Undone, UNDO_SECONDS};
pub use notice::Event;
pub use posts::{Cover, PostBatch, SaveMode};
pub use queue::retry_after;
pub use quotes::{GuessResult, Quote, QuotedWork, QuotedWorksPage};
pub use ratings::{NewRating, Rated, RatingLimits, Ratings};
pub use read::{Cursor, ListPage, PageAt, PostCard, PostFilter, PostView, TagRef, UserRef};
pub use related::{RelatedPick, SHOWN as RELATED_SHOWN};
pub use search::{SearchFilter, COUNT_LIMIT};
pub use sections::{Feature, Section};
pub use sessions::{ApiToken, ApiTokenInfo, Session};
pub use sitemap::Listed;
pub use users::User;
pub use works::{Credit, FilmScope, PersonRef, PersonView, WorkBrief, WorkView};
pub use works_list::{WorkFilter, WorkOrder, WorkRow, WorksAt, WorksPage, WORKS_PER_PAGE};

use sqlx::postgres::PgListener;
use sqlx::{Any, AnyPool, Transaction};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

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
    /// This process, in the notices it sends, so it skips its own.
    instance: Arc<str>,
    /// Other instances' events, for the memories that follow them.
    events: broadcast::Sender<Event>,
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
            instance: format!("{:016x}", rand::random::<u64>()).into(),
            events: broadcast::channel(4096).0,
        };
        store.refresh_schedule().await?;
        store.ensure_search_index().await?;
        store.ensure_work_facts().await?;
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

    /// Follows other processes' writes, for as long as the site is served:
    /// what they touched is noted as this instance's own writes are.
    ///
    /// - SQLite: every second, a change of the file's data version by
    ///   another process (a command run while the site is served) counts as
    ///   a change of everything, and the memories are read again (a
    ///   commenter erased by the command leaves the spam filter here too);
    ///   and the write-ahead log is kept short.
    /// - PostgreSQL: the notices other instances send with their commits
    ///   are heard as they come. When the connection that hears them is
    ///   lost, notices may be missed: on reconnecting, everything counts as
    ///   changed and the memories are read again ([`Event::Resync`]).
    pub async fn follow_other_writers(&self) {
        match &*self.engine {
            engine::Parts::Sqlite {
                checkpointer,
                data_version,
            } => {
                let mut every_second = tokio::time::interval(Duration::from_secs(1));
                loop {
                    every_second.tick().await;
                    match engine::other_writers_seen(data_version, &self.writer).await {
                        Ok(true) => {
                            if let Err(e) = self.resync().await {
                                tracing::warn!("could not read the schedule again: {e}");
                            }
                        }
                        Ok(false) => {}
                        Err(e) => tracing::warn!("could not check for other writers: {e}"),
                    }
                    if let Err(e) = engine::checkpoint(checkpointer).await {
                        tracing::warn!("could not checkpoint the database: {e}");
                    }
                }
            }
            engine::Parts::Postgres { url, listener } => {
                let mut listening = listener.lock().await.take();
                // Retries come quickly at first, then every few seconds
                // while the server stays away.
                let mut pause = Duration::from_millis(100);
                loop {
                    let started = tokio::time::Instant::now();
                    if let Err(e) = self.listen(url, listening.take()).await {
                        tracing::warn!("not hearing other instances' changes, trying again: {e}");
                    }
                    if started.elapsed() > Duration::from_secs(10) {
                        pause = Duration::from_millis(100);
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// Hears notices until the connection fails: on the listener that has
    /// listened since the store opened, or on a new one, which may have
    /// missed notices meanwhile.
    async fn listen(&self, url: &str, since_open: Option<PgListener>) -> Result<()> {
        let mut listener = match since_open {
            Some(listener) => listener,
            None => {
                let mut listener = PgListener::connect(url).await?;
                listener.listen(notice::CHANNEL).await?;
                // From here on nothing is missed; before, anything may
                // have been.
                self.resync().await?;
                listener
            }
        };
        loop {
            // `None`: the connection was lost and made again (listening
            // again already), and notices sent meanwhile are gone.
            let Some(heard) = listener.try_recv().await? else {
                tracing::warn!("the connection hearing other instances was lost and made again");
                self.resync().await?;
                continue;
            };
            let notice = notice::decode(heard.payload());
            if notice.instance == *self.instance {
                continue;
            }
            self.touched(&notice.topics);
            if notice
                .topics
                .iter()
                .any(|t| matches!(t, Topic::Site | Topic::Lists))
            {
                self.refresh_schedule().await?;
            }
            for event in notice.events {
                // No one following is no error.
                let _ = self.events.send(event);
            }
        }
    }

    /// Counts everything as changed and has the memories read again.
    async fn resync(&self) -> Result<()> {
        self.everything_changed().await?;
        let _ = self.events.send(Event::Resync);
        Ok(())
    }

    /// Counts everything as changed: every page, and the schedule.
    async fn everything_changed(&self) -> Result<()> {
        self.touched(&[Topic::Site]);
        self.refresh_schedule().await
    }

    /// Other instances' events, as they are heard. A receiver that falls
    /// behind gets `Lagged`: it should read its memory again.
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Runs a transaction's BEGIN or COMMIT to its end, even when the
    /// request that asked is dropped half-way (its client gone). On
    /// PostgreSQL, on a task of its own: sqlx's PostgreSQL driver cut short
    /// there can leave the connection inside a transaction it does not
    /// know of, which the connection's next user would share (the bench
    /// showed it). SQLite's driver finishes or undoes the step on its
    /// worker thread, and its one writer must not wait for a task switch.
    async fn to_its_end<T: Send + 'static>(
        &self,
        step: impl std::future::Future<Output = Result<T>> + Send + 'static,
    ) -> Result<T> {
        if self.engine() == Engine::Sqlite {
            return step.await;
        }
        match tokio::spawn(step).await {
            Ok(done) => done,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // The runtime is shutting down.
            Err(_) => Err(StoreError::Unavailable(sqlx::Error::PoolClosed)),
        }
    }

    /// Begins a write.
    pub(crate) async fn begin(&self) -> Result<Transaction<'static, Any>> {
        let writer = self.writer.clone();
        self.to_its_end(async move { Ok(writer.begin().await?) })
            .await
    }

    /// Commits a write with the topics it touched and the events it is.
    /// This instance's pages see it at once; on PostgreSQL the notice goes
    /// out in the same commit, so other instances hear of exactly the
    /// writes that were stored.
    pub(crate) async fn commit(
        &self,
        mut tx: Transaction<'static, Any>,
        topics: &[Topic],
        events: &[Event],
    ) -> Result<()> {
        let notice = (self.engine() == Engine::Postgres
            && !(topics.is_empty() && events.is_empty()))
        .then(|| notice::encode(&self.instance, topics, events));
        let topics = topics.to_vec();
        let store = self.clone();
        self.to_its_end(async move {
            if let Some(notice) = notice {
                // `SELECT 1 FROM`: pg_notify returns void, which no driver reads.
                sqlx::query("SELECT 1 FROM pg_notify($1, $2)")
                    .bind(notice::CHANNEL)
                    .bind(notice)
                    .execute(&mut *tx)
                    .await?;
            }
            let committed = tx.commit().await;
            // Also when the answer to COMMIT was lost: the write may be
            // stored, and a needless render costs less than a stale page.
            store.touched(&topics);
            Ok(committed?)
        })
        .await
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
