//! The operations of a bestpick site: what the web handlers and the CLI both
//! call. Each takes a [`Site`] and plain inputs, applies the rules of
//! `bestpick-core`, and writes through `bestpick-store`.

pub mod accounts;
pub mod comment_settings;
pub mod comments;
pub mod demo;
mod error;
pub mod export;
pub mod federation;
pub mod films;
pub mod guess;
pub mod hash_gate;
pub mod import;
pub mod login_limit;
pub mod mail;
pub mod media;
pub mod memo;
pub mod moderation;
pub mod posts;
pub mod quotes;
pub mod ratings;
pub mod recent;
pub mod refusals;
pub mod search;
pub mod secrets;
pub mod sections;
pub mod settings;
pub mod spam_filter;
pub mod works_list;

use anyhow::Context;
use bestpick_store::{Clock, Event, Location, Store};
pub use error::OpError;
use spam_filter::SpamFilter;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::broadcast::{self, error::RecvError};

/// The comment blocklist: (kind, value) pairs.
pub type Blocklist = Arc<Vec<(String, String)>>;

/// A site's data folder, its open database and its spam filter.
#[derive(Clone, Debug)]
pub struct Site {
    pub store: Store,
    pub data_dir: PathBuf,
    pub spam: Arc<SpamFilter>,
    /// Signs the comment form's time stamp and commenters' edit cookies.
    pub signing_key: Arc<str>,
    /// Recent comments, for the pipeline's rate limits and near-duplicates.
    pub recent: Arc<recent::Recent>,
    /// The comment settings and the blocklist, read once per change.
    pub comment_settings: Arc<memo::Memo<comment_settings::CommentSettings>>,
    pub blocklist: Arc<memo::Memo<Blocklist>>,
    /// The search form's genres, read once per change.
    pub search_choices: Arc<memo::Memo<search::Choices>>,
    /// Bounds the password hashes computed at once.
    pub hash_gate: Arc<hash_gate::HashGate>,
    /// The public address `serve --base-url` gave, over the setting's.
    pub base_url: Option<bestpick_core::SiteUrl>,
    /// The `site_url` setting, read once per change.
    pub site_url: Arc<memo::Memo<Option<bestpick_core::SiteUrl>>>,
    /// Other instances' events, heard from before the memories above were
    /// read, so none falls between; taken by [`Site::follow_other_instances`].
    events: Arc<std::sync::Mutex<Option<broadcast::Receiver<Event>>>>,
}

impl Site {
    /// Opens the data folder with its SQLite database, creating them when
    /// missing and migrating the database when it is older than this binary.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Site> {
        Site::open_at(data_dir, &Location::in_folder(data_dir), Clock::system()).await
    }

    /// Opens the data folder (media, theme) with the database at
    /// `database`, on `clock`'s time.
    pub async fn open_at(
        data_dir: &Path,
        database: &Location,
        clock: Clock,
    ) -> anyhow::Result<Site> {
        std::fs::create_dir_all(data_dir.join("media"))
            .with_context(|| format!("could not create the data folder {}", data_dir.display()))?;
        let store = Store::open(database, clock)
            .await
            .with_context(|| format!("could not open the database {database}"))?;
        let events = store.events();
        let spam = SpamFilter::load(&store)
            .await
            .context("could not load the spam filter")?;
        let recent = recent::Recent::load(&store)
            .await
            .context("could not read the recent comments")?;
        let signing_key = store
            .setting_or_init("signing_key", secrets::random_token)
            .await?;
        Ok(Site {
            store,
            data_dir: data_dir.to_owned(),
            spam: Arc::new(spam),
            signing_key: signing_key.into(),
            recent: Arc::new(recent),
            comment_settings: Arc::default(),
            blocklist: Arc::default(),
            search_choices: Arc::default(),
            hash_gate: Arc::default(),
            base_url: None,
            site_url: Arc::default(),
            events: Arc::new(std::sync::Mutex::new(Some(events))),
        })
    }

    /// Keeps this instance's memories in step with other instances on the
    /// same PostgreSQL, for as long as the site is served: their comments
    /// count toward the rate limits and near-duplicate checks here, their
    /// moderators' decisions teach the spam filter here.
    pub async fn follow_other_instances(&self) {
        let taken = self.events.lock().unwrap_or_else(|e| e.into_inner()).take();
        let mut events = taken.unwrap_or_else(|| self.store.events());
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                // Fell behind: what was missed is read again.
                Err(RecvError::Lagged(_)) => Event::Resync,
                Err(RecvError::Closed) => return,
            };
            if let Err(e) = self.follow(event).await {
                tracing::warn!("could not follow another instance's change: {e:#}");
            }
        }
    }

    async fn follow(&self, event: Event) -> anyhow::Result<()> {
        match event {
            Event::Comment(id) => {
                if let Some((at, ip, network, post_id, body)) = self.store.arrival(id).await? {
                    self.recent.record(id, at, &ip, &network, post_id, &body);
                }
            }
            Event::SpamDecision(id) => {
                if let Some(decision) = self.store.spam_decision(id).await? {
                    self.spam.learn(&decision);
                }
            }
            Event::SpamWithdrawn => self.spam.reload(&self.store).await?,
            Event::Resync => {
                self.recent.reload(&self.store).await?;
                self.spam.reload(&self.store).await?;
            }
        }
        Ok(())
    }

    /// Now, in Unix seconds, on the site's clock.
    pub fn now(&self) -> i64 {
        self.store.now()
    }

    /// Uploaded images and their variants.
    pub fn media_dir(&self) -> PathBuf {
        self.data_dir.join("media")
    }

    /// An optional theme that overrides the embedded one.
    pub fn theme_dir(&self) -> PathBuf {
        self.data_dir.join("theme")
    }
}
