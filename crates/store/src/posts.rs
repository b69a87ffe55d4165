//! Writing posts with everything they carry, in one transaction.

use crate::error::OnConflict;
use crate::media::NewMedia;
use crate::sql;
use crate::{related, works_list};
use crate::{Refusal, Result, Store, StoreError, Topic, User};
use bestpick_core::document::ValidPost;
use bestpick_core::post::PostStatus;
use sqlx::{Acquire, Any, AnyConnection, Row, Transaction};
use std::collections::HashMap;

/// The cover photo of a post being saved.
#[derive(Debug, Clone)]
pub enum Cover {
    None,
    /// Media already stored.
    Existing(i64),
    /// An upload to record in the same transaction as the post; its files are
    /// already on disk under content-derived names, so a failed save leaves at
    /// most a file that the next try reuses.
    New(NewMedia),
}

/// How a save treats a post already stored under the same slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveMode {
    /// A new post: its slug must be free.
    Create,
    /// Import: update the post with this slug, or create it.
    Upsert,
    /// Edit the post with this id; its slug may change, but not to one in use.
    Update(i64),
}

impl Store {
    /// Stores a validated post, its work, people, tags, scores, quotes and
    /// lines, all or nothing, on behalf of `actor`: the author of a new
    /// post that names none (a stored post naming none keeps its authors),
    /// and whose role decides whether a shared work's facts change (see
    /// [`Store::upsert_work`]). Returns the post's id.
    pub async fn save_post(
        &self,
        post: &ValidPost,
        cover: &Cover,
        actor: &User,
        mode: SaveMode,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let mut known = Known::default();
        let written = write_post(&mut tx, &mut known, post, cover, actor, mode, self.now()).await?;
        crate::search::index_saved(&mut tx, &[written.id], written.work_id.as_slice()).await?;
        let mut topics = written.topics();
        topics.extend(
            self.derive(&mut tx, &[written.id], &written.works(), related::INLINE)
                .await?,
        );
        self.commit(tx, &topics, &[]).await?;
        self.goes_live(written.goes_live);
        Ok(written.id)
    }

    /// Starts a batch of posts saved in one transaction (see [`PostBatch`]).
    pub async fn post_batch(&self) -> Result<PostBatch<'_>> {
        Ok(PostBatch {
            store: self,
            tx: self.begin().await?,
            written: Vec::new(),
            known: Known::default(),
            inline: related::INLINE,
        })
    }

    /// Publishes (at `at`, or now), unpublishes to draft, or submits for review.
    pub async fn set_post_status(
        &self,
        id: i64,
        status: PostStatus,
        at: Option<i64>,
    ) -> Result<()> {
        let now = self.now();
        let at = match status {
            PostStatus::Published => Some(at.unwrap_or(now)),
            _ => at,
        };
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE posts SET status = $1, published_at = COALESCE($2, published_at), updated_at = $3 WHERE id = $4")
            .bind(status.as_str())
            .bind(at)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("that post".into()));
        }
        let works = works_list::works_of(&mut tx, &[id]).await?;
        let mut topics = post_topics(id, false);
        topics.extend(self.derive(&mut tx, &[id], &works, related::INLINE).await?);
        self.commit(tx, &topics, &[]).await?;
        self.goes_live(at);
        Ok(())
    }

    /// Deletes a post and remembers its slug, so its address answers 410.
    pub async fn delete_post(&self, id: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        // What the post leaves behind: its work's score, and the lists
        // of the picks that named it.
        let works = works_list::works_of(&mut tx, &[id]).await?;
        let named_by = related::named_by(&mut tx, id).await?;
        let slug: Option<String> =
            sqlx::query_scalar("DELETE FROM posts WHERE id = $1 RETURNING slug")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let slug = slug.ok_or_else(|| StoreError::NotFound("that post".into()))?;
        crate::search::index_posts(&mut tx, &[id]).await?;
        sqlx::query(
            "INSERT INTO removed_posts (slug, removed_at) VALUES ($1, $2)
             ON CONFLICT (slug) DO UPDATE SET removed_at = excluded.removed_at",
        )
        .bind(&slug)
        .bind(self.now())
        .execute(&mut *tx)
        .await?;
        let mut topics = post_topics(id, false);
        topics.extend(
            self.derive(&mut tx, &named_by, &works, related::INLINE)
                .await?,
        );
        self.commit(tx, &topics, &[]).await?;
        Ok(())
    }

    /// Derives what follows from these posts' change, in its transaction:
    /// the scores of these works (as readers may see them now) and the
    /// posts' related picks (up to `inline` lists, the rest marked stale).
    /// Returns the topics of the pages that changed.
    async fn derive(
        &self,
        conn: &mut AnyConnection,
        posts: &[i64],
        works: &[i64],
        inline: usize,
    ) -> Result<Vec<Topic>> {
        let now = self.now();
        works_list::refresh_work_stats(&mut *conn, Some(works), now).await?;
        // The other picks of these works too: the save may have changed
        // the work's people or genres.
        let mut changed: Vec<i64> = posts.to_vec();
        changed.extend(related::picks_of(&mut *conn, works).await?);
        changed.sort_unstable();
        changed.dedup();
        let changed: Vec<(i64, i64)> = changed.into_iter().map(|p| (p, now)).collect();
        let related = related::relate(conn, &changed, now, inline).await?;
        Ok(related.into_iter().map(Topic::Post).collect())
    }

    /// Notes when a post goes live, if that is later: lists change then.
    /// (Other instances read the schedule again when they hear of the
    /// change.)
    fn goes_live(&self, at: Option<i64>) {
        if let Some(at) = at.filter(|at| *at > self.now()) {
            self.changes.scheduled_at(at);
        }
    }

    /// Reads when the next scheduled post goes live; once that time has
    /// come, lists change, which [`Store::publish_due`] notes.
    pub async fn refresh_schedule(&self) -> Result<()> {
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(published_at) FROM posts WHERE status = 'published' AND published_at > $1",
        )
        .bind(self.now())
        .fetch_one(&self.readers)
        .await?;
        self.changes.set_next_publish(next);
        Ok(())
    }

    /// When a scheduled post's time has come: its lists change now.
    pub async fn publish_due(&self) -> Result<()> {
        if self.now() >= self.changes.next_publish() {
            self.touched(&[Topic::Lists]);
            self.refresh_schedule().await?;
            // The works list's scores follow; a failure here (the writer
            // busy) leaves them for the next change, not the lists stale.
            if let Err(e) = self.refresh_due_work_stats().await {
                tracing::warn!("could not update the scores of works gone live: {e}");
            }
        }
        Ok(())
    }

    /// Whether a post with this slug was deleted (and none replaced it).
    pub async fn post_removed(&self, slug: &str) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM removed_posts WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.readers)
            .await?;
        Ok(found.is_some())
    }
}

/// Posts saved in one transaction, each all or nothing on its own (a
/// savepoint), so a bad one leaves the others in. An import of thousands of
/// files spends much of its time committing; a batch commits once. Nothing
/// of a batch is stored, and no page changes, until [`PostBatch::commit`].
pub struct PostBatch<'s> {
    store: &'s Store,
    tx: Transaction<'static, Any>,
    written: Vec<Written>,
    known: Known,
    /// Related picks' lists computed at commit (see [`related::relate`]).
    inline: usize,
}

impl PostBatch<'_> {
    /// Leaves every related picks' list to the background (or `bestpick
    /// related`): a many-file import's batches write posts and nothing
    /// else, where each list costs more than saving its post.
    pub fn relating_later(mut self) -> Self {
        self.inline = 0;
        self
    }

    /// Saves a post as [`Store::save_post`] does, within the batch.
    /// Returns whether it is new.
    pub async fn save_post(
        &mut self,
        post: &ValidPost,
        cover: &Cover,
        actor: &User,
        mode: SaveMode,
    ) -> Result<bool> {
        let mut savepoint = (&mut self.tx).begin().await?;
        let now = self.store.now();
        let written = write_post(
            &mut savepoint,
            &mut self.known,
            post,
            cover,
            actor,
            mode,
            now,
        )
        .await?;
        savepoint.commit().await?;
        let created = written.created;
        self.written.push(written);
        Ok(created)
    }

    /// Stores every post the batch saved.
    pub async fn commit(mut self) -> Result<()> {
        let topics: Vec<Topic> = self.written.iter().flat_map(Written::topics).collect();
        // Indexed once for the batch, outside the posts' savepoints: FTS5
        // writes what it holds to disk at each savepoint.
        let posts: Vec<i64> = self.written.iter().map(|w| w.id).collect();
        let works: Vec<i64> = self.written.iter().filter_map(|w| w.work_id).collect();
        crate::search::index_saved(&mut self.tx, &posts, &works).await?;
        let mut topics = topics;
        let works: Vec<i64> = self.written.iter().flat_map(Written::works).collect();
        topics.extend(
            self.store
                .derive(&mut self.tx, &posts, &works, self.inline)
                .await?,
        );
        self.store.commit(self.tx, &topics, &[]).await?;
        for w in &self.written {
            self.store.goes_live(w.goes_live);
        }
        Ok(())
    }
}

/// What writing a post did, for the caller and the page cache.
struct Written {
    id: i64,
    created: bool,
    /// It brought its work along.
    films: bool,
    /// The work it shows.
    work_id: Option<i64>,
    /// The work it showed before this save.
    old_work_id: Option<i64>,
    /// When it goes live, if it is published.
    goes_live: Option<i64>,
}

impl Written {
    fn topics(&self) -> Vec<Topic> {
        post_topics(self.id, self.films)
    }

    /// The works whose scores the save may change.
    fn works(&self) -> Vec<i64> {
        let mut works: Vec<i64> = self.work_id.into_iter().chain(self.old_work_id).collect();
        works.dedup();
        works
    }
}

/// What a post's change touches: its page and every list; film data too
/// when the post brought its work along.
fn post_topics(id: i64, films: bool) -> Vec<Topic> {
    let mut topics = vec![Topic::Post(id), Topic::Lists];
    if films {
        topics.push(Topic::Films);
    }
    topics
}

/// Ids a transaction looked up by name, asked once per batch: a
/// section's (followed to where it was retired into) and authors'.
#[derive(Default)]
struct Known {
    sections: HashMap<String, i64>,
    users: HashMap<String, i64>,
}

/// Writes a post and its parts on `conn`, inside the caller's transaction.
async fn write_post(
    conn: &mut AnyConnection,
    known: &mut Known,
    post: &ValidPost,
    cover: &Cover,
    actor: &User,
    mode: SaveMode,
    now: i64,
) -> Result<Written> {
    let section_id = match known.sections.get(post.section.as_str()) {
        Some(id) => *id,
        None => {
            let id = active_section_id(&mut *conn, post.section.as_str()).await?;
            known.sections.insert(post.section.to_string(), id);
            id
        }
    };
    let mut authors = Vec::new();
    for (i, username) in post.authors.iter().enumerate() {
        let id: Option<i64> = match known.users.get(username.as_str()) {
            Some(id) => Some(*id),
            None => {
                let id = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                    .bind(username)
                    .fetch_optional(&mut *conn)
                    .await?;
                if let Some(id) = id {
                    known.users.insert(username.to_string(), id);
                }
                id
            }
        };
        match id {
            Some(id) => authors.push(id),
            None => {
                return Err(StoreError::refused(
                    format!("authors[{i}]"),
                    username,
                    Refusal::Unknown,
                ))
            }
        }
    }

    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM posts WHERE slug = $1")
        .bind(post.slug.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    // The other post may be a draft its writer may not see: nothing of
    // it but that it exists is told.
    let taken = || StoreError::refused("slug", post.slug.as_str(), Refusal::Taken);
    let post_id = match (mode, existing) {
        (SaveMode::Create, Some(_)) => return Err(taken()),
        (SaveMode::Update(id), Some(other)) if other != id => return Err(taken()),
        (SaveMode::Update(id), _) => Some(id),
        (SaveMode::Upsert, found) => found,
        (SaveMode::Create, None) => None,
    };

    let old_work_id: Option<i64> = match post_id {
        Some(id) => sqlx::query_scalar("SELECT work_id FROM posts WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .flatten(),
        None => None,
    };
    let work_id = match &post.work {
        Some(work) => Some(Store::upsert_work(&mut *conn, work, actor, post_id, now).await?),
        None => None,
    };
    let cover_media_id = match cover {
        Cover::None => None,
        Cover::Existing(id) => Some(*id),
        Cover::New(m) => Some(crate::media::insert_media(&mut *conn, m, now).await?),
    };
    // A published post without a date goes live now, or keeps the time
    // it first went live when it is edited.
    let published_at = post.published_at.map(|t| t.unix_timestamp());
    let q = match post_id {
        Some(_) => "UPDATE posts SET slug = $1, kind = $2, section_id = $3, title = $4, summary = $5, body = $6,
            question = $7, status = $8,
            published_at = CASE WHEN $8 = 'published' THEN COALESCE($9, published_at, $12) ELSE $9 END,
            work_id = $10, cover_media_id = $11, updated_at = $12
            WHERE id = $13 RETURNING id",
        None => "INSERT INTO posts (slug, kind, section_id, title, summary, body, question, status, published_at,
            work_id, cover_media_id, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
                CASE WHEN $8 = 'published' THEN COALESCE($9, $12) ELSE $9 END, $10, $11, $12, $12)
            RETURNING id",
    };
    let q = sqlx::query_scalar(q)
        .bind(post.slug.as_str())
        .bind(post.kind.as_str())
        .bind(section_id)
        .bind(&post.title)
        .bind(&post.summary)
        .bind(&post.body)
        .bind(&post.question)
        .bind(post.status.as_str())
        .bind(published_at)
        .bind(work_id)
        .bind(cover_media_id)
        .bind(now);
    // The id only where the statement has a place for it: each statement
    // is bound exactly the values it uses.
    let q = match post_id {
        Some(id) => q.bind(id),
        None => q,
    };
    let id: Option<i64> = match q.fetch_optional(&mut *conn).await {
        // A cover deleted since it was chosen: said at the cover.
        Err(sqlx::Error::Database(db))
            if db.is_foreign_key_violation() && cover_media_id.is_some() =>
        {
            return Err(StoreError::refused(
                "cover",
                cover_media_id.unwrap_or_default().to_string(),
                Refusal::Unknown,
            ))
        }
        done => done.on_unique("slug", post.slug.as_str())?,
    };
    let id = id.ok_or_else(|| StoreError::NotFound("that post".into()))?;
    // Naming no authors keeps a stored post's (a co-author is not dropped
    // by an edit that leaves the list out); a new post is the actor's.
    let authors = match (authors.is_empty(), post_id) {
        (true, Some(_)) => None,
        (true, None) => Some(vec![actor.id]),
        (false, _) => Some(authors),
    };
    replace_parts(&mut *conn, id, post, authors.as_deref(), post_id.is_none()).await?;
    let goes_live = (post.status == PostStatus::Published)
        .then_some(published_at)
        .flatten();
    Ok(Written {
        id,
        created: post_id.is_none(),
        films: post.work.is_some(),
        work_id,
        old_work_id,
        goes_live,
    })
}

/// The id of the section with this slug, following a retired section to the one that replaced it.
async fn active_section_id(conn: &mut AnyConnection, slug: &str) -> Result<i64> {
    let row = sqlx::query(
        "SELECT s.id, s.retired_into, COALESCE(i.feature, s.feature) AS feature
         FROM sections s LEFT JOIN sections i ON i.id = s.retired_into WHERE s.slug = $1",
    )
    .bind(slug)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(r) if r.try_get::<Option<String>, _>("feature")?.is_some() => {
            Err(StoreError::refused("section", slug, Refusal::NoPosts))
        }
        Some(r) => match r.try_get::<Option<i64>, _>("retired_into")? {
            Some(into) => Ok(into),
            None => Ok(r.try_get("id")?),
        },
        None => Err(StoreError::refused("section", slug, Refusal::Unknown)),
    }
}

/// Writes a post's authors, tags, scores, quotes and lines, replacing the
/// stored ones (a new post has none to remove).
async fn replace_parts(
    conn: &mut AnyConnection,
    id: i64,
    post: &ValidPost,
    authors: Option<&[i64]>,
    new: bool,
) -> Result<()> {
    let stored: &[&str] = match (new, authors) {
        (true, _) => &[],
        (false, Some(_)) => &["post_authors", "post_tags", "scores", "critic_quotes"],
        (false, None) => &["post_tags", "scores", "critic_quotes"],
    };
    for table in stored {
        sqlx::query(&format!("DELETE FROM {table} WHERE post_id = $1"))
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    // One statement per kind of part, however many rows: an import of
    // thousands of posts spends its time on statements.
    if let Some(authors) = authors.filter(|a| !a.is_empty()) {
        let sql = format!(
            "INSERT INTO post_authors (post_id, user_id, position) VALUES {} ON CONFLICT DO NOTHING",
            sql::values(authors.len(), 3)
        );
        let mut q = sqlx::query(&sql);
        for (pos, user) in authors.iter().enumerate() {
            q = q.bind(id).bind(*user).bind(pos as i64);
        }
        q.execute(&mut *conn).await?;
    }
    let mut tags: Vec<(&str, &str)> = Vec::new();
    for (name, slug) in &post.tags {
        if !tags.iter().any(|(s, _)| *s == slug.as_str()) {
            tags.push((slug.as_str(), name.as_str()));
        }
    }
    if !tags.is_empty() {
        // A tag already stored keeps its name, unless it was stored as its
        // address ("los-angeles") and a published post writes it as people
        // do ("Los Angeles"): a draft renames nothing readers see. The
        // update makes RETURNING give the id either way.
        let rename = if post.status == PostStatus::Published {
            "CASE WHEN tags.name = tags.slug THEN excluded.name ELSE tags.name END"
        } else {
            "tags.name"
        };
        let sql = format!(
            "INSERT INTO tags (slug, name) VALUES {}
             ON CONFLICT (slug) DO UPDATE SET name = {rename}
             RETURNING id",
            sql::values(tags.len(), 2)
        );
        let mut q = sqlx::query_scalar(&sql);
        for (slug, name) in &tags {
            q = q.bind(*slug).bind(*name);
        }
        let ids: Vec<i64> = q.fetch_all(&mut *conn).await?;
        let sql = format!(
            "INSERT INTO post_tags (post_id, tag_id) VALUES {} ON CONFLICT DO NOTHING",
            sql::values(ids.len(), 2)
        );
        let mut q = sqlx::query(&sql);
        for tag in ids {
            q = q.bind(id).bind(tag);
        }
        q.execute(&mut *conn).await?;
    }
    let parts = &post.parts;
    if !parts.scores.is_empty() {
        let sql = format!(
            "INSERT INTO scores (post_id, position, source, value, scale, normalised) VALUES {}",
            sql::values(parts.scores.len(), 6)
        );
        let mut q = sqlx::query(&sql);
        for (pos, s) in parts.scores.iter().enumerate() {
            q = q
                .bind(id)
                .bind(pos as i64)
                .bind(&s.source)
                .bind(s.value)
                .bind(s.scale)
                .bind(s.normalised());
        }
        q.execute(&mut *conn).await?;
    }
    if !parts.critics.is_empty() {
        let sql = format!(
            "INSERT INTO critic_quotes (post_id, position, outlet, quote, critic, link) VALUES {}",
            sql::values(parts.critics.len(), 6)
        );
        let mut q = sqlx::query(&sql);
        for (pos, c) in parts.critics.iter().enumerate() {
            q = q
                .bind(id)
                .bind(pos as i64)
                .bind(c.outlet.trim())
                .bind(c.quote.trim())
                .bind(&c.critic)
                .bind(&c.link);
        }
        q.execute(&mut *conn).await?;
    }
    write_lines(conn, id, &parts.lines, new).await
}

/// Writes a post's lines. A line saved again unchanged (same speaker and
/// words) keeps its id, wherever it moved, and so its permalink; an edited
/// line in the same place keeps it too (a typo fixed); others are new.
async fn write_lines(
    conn: &mut AnyConnection,
    post: i64,
    lines: &[bestpick_core::post::Line],
    new: bool,
) -> Result<()> {
    let mut stored: Vec<(i64, i64, String, String)> = Vec::new();
    if !new {
        for r in sqlx::query("SELECT id, position, speaker, text FROM lines WHERE post_id = $1")
            .bind(post)
            .fetch_all(&mut *conn)
            .await?
        {
            stored.push((
                r.try_get("id")?,
                r.try_get("position")?,
                r.try_get("speaker")?,
                r.try_get("text")?,
            ));
        }
        sqlx::query("DELETE FROM lines WHERE post_id = $1")
            .bind(post)
            .execute(&mut *conn)
            .await?;
    }
    let mut ids: Vec<Option<i64>> = vec![None; lines.len()];
    for (pos, l) in lines.iter().enumerate() {
        let same = stored
            .iter()
            .position(|s| s.2 == l.speaker.trim() && s.3 == l.text.trim());
        if let Some(i) = same {
            ids[pos] = Some(stored.swap_remove(i).0);
        }
    }
    for (pos, id) in ids.iter_mut().enumerate() {
        if id.is_none() {
            if let Some(i) = stored.iter().position(|s| s.1 == pos as i64) {
                *id = Some(stored.swap_remove(i).0);
            }
        }
    }
    // Kept ids and new lines go in apart: a new line takes the next id.
    for keep in [true, false] {
        let rows: Vec<(usize, Option<i64>)> = ids
            .iter()
            .enumerate()
            .filter(|(_, id)| id.is_some() == keep)
            .map(|(pos, id)| (pos, *id))
            .collect();
        if rows.is_empty() {
            continue;
        }
        let (columns, width) = match keep {
            true => ("id, post_id, position, speaker, text, context", 6),
            false => ("post_id, position, speaker, text, context", 5),
        };
        let sql = format!(
            "INSERT INTO lines ({columns}) VALUES {}",
            sql::values(rows.len(), width)
        );
        let mut q = sqlx::query(&sql);
        for (pos, id) in rows {
            let l = &lines[pos];
            if let Some(id) = id {
                q = q.bind(id);
            }
            q = q
                .bind(post)
                .bind(pos as i64)
                .bind(l.speaker.trim())
                .bind(l.text.trim())
                .bind(&l.context);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
