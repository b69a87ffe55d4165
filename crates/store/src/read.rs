//! Reading posts for pages, lists and the API. A list is a fixed number of
//! queries whatever its length: the posts, then their authors and covers in
//! one query each.

use crate::media::{self, Media};
use crate::sql::{self, flag, named, time_of, Value};
use crate::works::{WorkBrief, WorkView};
use crate::{Result, Store};
use bestpick_core::post::{CriticQuote, Line, PostKind, PostStatus, Visibility};
use bestpick_core::score::Score;
use bestpick_core::work::WorkKind;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

#[derive(Debug, Clone, serde::Serialize)]
pub struct UserRef {
    pub username: String,
    pub display_name: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TagRef {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SectionRef {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// A post in a list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PostCard {
    pub id: i64,
    pub slug: String,
    pub kind: PostKind,
    pub title: String,
    pub summary: Option<String>,
    pub status: PostStatus,
    pub visibility: Visibility,
    /// Unix seconds.
    pub published_at: Option<i64>,
    pub updated_at: i64,
    /// When the post was first saved: with its id, what tells it apart
    /// from a later post given the id of a deleted one (SQLite reuses it).
    #[serde(skip)]
    pub created_at: i64,
    pub section: SectionRef,
    pub url: String,
    pub authors: Vec<UserRef>,
    pub cover: Option<Media>,
    pub work: Option<WorkBrief>,
    /// The mean of the pick's normalised scores, 0-100.
    pub score: Option<f64>,
    /// How many scores the mean is of.
    pub score_count: i64,
    /// The source's name when there is one score ("Metacritic").
    pub score_source: Option<String>,
    /// The work's poster, when it is an uploaded image (with its sizes).
    pub poster: Option<Media>,
    /// Published comments.
    pub comment_count: i64,
    /// Comments closed on this post, or on its whole section (the age
    /// rule is the app's).
    pub comments_closed: bool,
    pub section_comments_closed: bool,
    #[serde(skip)]
    pub(crate) cover_id: Option<i64>,
    #[serde(skip)]
    pub(crate) poster_url: Option<String>,
}

/// A post with everything its page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PostView {
    #[serde(flatten)]
    pub card: PostCard,
    pub body: String,
    pub question: Option<String>,
    pub tags: Vec<TagRef>,
    /// Everything about the work; the card's `work` is its short form.
    #[serde(rename = "work_details")]
    pub work: Option<WorkView>,
    pub scores: Vec<ScoreView>,
    pub critics: Vec<CriticQuote>,
    pub lines: Vec<Line>,
    /// Readers' ratings, as kept; whether and how they show is the app's.
    #[serde(skip)]
    pub ratings: crate::Ratings,
}

/// A score with what a page needs to show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScoreView {
    #[serde(flatten)]
    pub score: Score,
    pub label: String,
    pub display: String,
    pub normalised: f64,
}

impl ScoreView {
    pub(crate) fn of(score: Score) -> ScoreView {
        ScoreView {
            label: score.source_label().to_owned(),
            display: score.display(),
            normalised: score.normalised(),
            score,
        }
    }
}

/// Which posts to list. `visible_at` limits the list to what readers see at
/// that time (published, and due); without it drafts and scheduled posts show too.
#[derive(Debug, Clone, Default)]
pub struct PostFilter {
    pub section_id: Option<i64>,
    pub tag_slug: Option<String>,
    pub author_id: Option<i64>,
    pub work_id: Option<i64>,
    pub kind: Option<PostKind>,
    pub not_kind: Option<PostKind>,
    pub status: Option<PostStatus>,
    pub visible_at: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// The columns and tables every card reads (a macro: `concat!` takes literals).
macro_rules! card_columns {
    () => {
        "SELECT p.id, p.slug, p.kind, p.title, p.summary, p.status, p.published_at, p.updated_at,
    p.created_at, p.cover_media_id, s.id AS section_id, s.slug AS section_slug, s.name AS section_name,
    w.id AS work_id, w.slug AS work_slug, w.name AS work_name, w.year AS work_year, w.kind AS work_kind,
    w.poster AS work_poster, p.comments_closed, s.comments_closed AS section_comments_closed, "
    };
}
macro_rules! card_from {
    () => {
        " FROM posts p JOIN sections s ON s.id = p.section_id LEFT JOIN works w ON w.id = p.work_id"
    };
}

const CARD_SELECT: &str = concat!(
    card_columns!(),
    "(SELECT AVG(normalised) FROM scores sc WHERE sc.post_id = p.id) AS score,
    (SELECT COUNT(*) FROM scores sc WHERE sc.post_id = p.id) AS score_count,
    (SELECT MIN(source) FROM scores sc WHERE sc.post_id = p.id) AS score_source,
    (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id AND c.status = 'published') AS comment_count",
    card_from!()
);

/// A card without its score and comment count, which cost a count of the
/// post's comments: for checks on a post that show neither.
const BARE_CARD_SELECT: &str = concat!(
    card_columns!(),
    "NULL AS score, 0 AS score_count, NULL AS score_source, 0 AS comment_count",
    card_from!()
);

fn card_from_row(r: &AnyRow, now: i64) -> Result<PostCard, sqlx::Error> {
    let status = named(r, "status", PostStatus::parse)?;
    let published_at: Option<i64> = r.try_get("published_at")?;
    let section_slug: String = r.try_get("section_slug")?;
    let slug: String = r.try_get("slug")?;
    let work = match r.try_get::<Option<i64>, _>("work_id")? {
        Some(id) => Some(WorkBrief {
            id,
            slug: r.try_get("work_slug")?,
            name: r.try_get("work_name")?,
            year: r.try_get("work_year")?,
            kind: named(r, "work_kind", WorkKind::parse)?,
        }),
        None => None,
    };
    let live_at = published_at
        .map(|t| time_of("published_at", t))
        .transpose()?;
    Ok(PostCard {
        id: r.try_get("id")?,
        url: format!("/{section_slug}/{slug}"),
        slug,
        kind: named(r, "kind", PostKind::parse)?,
        title: r.try_get("title")?,
        summary: r.try_get("summary")?,
        status,
        visibility: Visibility::of(status, live_at, time_of("now", now)?),
        published_at,
        updated_at: r.try_get("updated_at")?,
        created_at: r.try_get("created_at")?,
        section: SectionRef {
            id: r.try_get("section_id")?,
            slug: section_slug,
            name: r.try_get("section_name")?,
        },
        authors: Vec::new(),
        cover: None,
        work,
        score: r.try_get("score")?,
        score_count: r.try_get("score_count")?,
        score_source: match r.try_get::<i64, _>("score_count")? {
            1 => r
                .try_get::<Option<String>, _>("score_source")?
                .map(|s| bestpick_core::score::label(&s).to_owned()),
            _ => None,
        },
        poster: None,
        poster_url: r.try_get("work_poster")?,
        comment_count: r.try_get("comment_count")?,
        comments_closed: flag(r, "comments_closed")?,
        section_comments_closed: flag(r, "section_comments_closed")?,
        cover_id: r.try_get("cover_media_id")?,
    })
}

impl PostFilter {
    /// The `WHERE` clause and the values of its placeholders, `$1` on.
    fn where_clause(&self) -> (String, Vec<Value>) {
        let mut clauses = Vec::new();
        let mut values = Vec::new();
        // `$?` in a condition stands for its value's placeholder.
        let mut add = |sql: &str, v: Value| {
            values.push(v);
            clauses.push(sql.replace("$?", &format!("${}", values.len())));
        };
        if let Some(id) = self.section_id {
            add("p.section_id = $?", Value::Int(id));
        }
        // Asked of each post (its key's first column), not gathered: a
        // list walking the newest posts checks a few, where gathering a
        // tag on every post would read them all.
        if let Some(tag) = &self.tag_slug {
            add(
                "EXISTS (SELECT 1 FROM post_tags pt WHERE pt.post_id = p.id
                     AND pt.tag_id = (SELECT t.id FROM tags t WHERE t.slug = $?))",
                Value::Text(tag.clone()),
            );
        }
        if let Some(id) = self.author_id {
            add(
                "EXISTS (SELECT 1 FROM post_authors pa WHERE pa.post_id = p.id AND pa.user_id = $?)",
                Value::Int(id),
            );
        }
        if let Some(id) = self.work_id {
            add("p.work_id = $?", Value::Int(id));
        }
        if let Some(kind) = self.kind {
            add("p.kind = $?", Value::Text(kind.as_str().into()));
        }
        if let Some(kind) = self.not_kind {
            add("p.kind <> $?", Value::Text(kind.as_str().into()));
        }
        if let Some(status) = self.status {
            add("p.status = $?", Value::Text(status.as_str().into()));
        }
        // The unary plus keeps this bound out of index choice: a list is
        // read along (.., published_at, id) from the newest post or from
        // a cursor's time, and SQLite would rather take this range.
        if let Some(t) = self.visible_at {
            add(
                "p.status = 'published' AND +p.published_at <= $?",
                Value::Int(t),
            );
        }
        let sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        (sql, values)
    }
}

/// A place in a list of published posts, newest first: the time a post
/// went live and its id. A page starts just past a cursor, so its cost is
/// that of the page, however deep (an offset walks every post before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Cursor {
    pub at: i64,
    pub id: i64,
}

impl Cursor {
    /// Reads `TIME.ID`, as [`Cursor`]'s `Display` writes it.
    pub fn parse(s: &str) -> Option<Cursor> {
        let (at, id) = s.split_once('.')?;
        let digits =
            |v: &str| !v.is_empty() && v.len() <= 19 && v.bytes().all(|b| b.is_ascii_digit());
        // A time before 1970 is negative.
        if !digits(at.strip_prefix('-').unwrap_or(at)) || !digits(id) {
            return None;
        }
        Some(Cursor {
            at: at.parse().ok()?,
            id: id.parse().ok()?,
        })
    }

    fn of(card: &PostCard) -> Cursor {
        Cursor {
            at: card.published_at.unwrap_or(card.updated_at),
            id: card.id,
        }
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.at, self.id)
    }
}

/// Which page of a list: the newest, the one older than a post, or the
/// one newer than it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAt {
    Newest,
    Before(Cursor),
    After(Cursor),
}

/// A page of a list, with where the pages beside it start.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ListPage {
    pub posts: Vec<PostCard>,
    /// The next page (older posts) starts before this, if there is one.
    pub older: Option<Cursor>,
    /// The previous page (newer posts) starts after this, if there is one.
    pub newer: Option<Cursor>,
}

/// The query of [`Store::list_page`] and its values: one more post than
/// the page, to know whether another follows; a newer page is read oldest
/// first from its cursor, then turned. Past a cursor, the posts of the
/// cursor's own time come first, then the older (or newer) times: each
/// half is one range of an index ending (published_at, id), where one
/// comparison of both columns would walk every post of that time.
///
/// A tag or an author with `few` posts has them read and sorted (a rare
/// tag would otherwise walk every post for a page of its own); one with
/// many, by walking the newest posts, which soon finds a page of theirs.
fn page_query(filter: &PostFilter, at: PageAt, few: bool) -> (String, Vec<Value>) {
    debug_assert!(filter.visible_at.is_some(), "a page lists published posts");
    let (where_sql, mut values) = filter.where_clause();
    let mut where_sql = if where_sql.is_empty() {
        " WHERE TRUE".to_owned()
    } else {
        where_sql
    };
    let own = match (few, &filter.tag_slug, filter.author_id) {
        (true, Some(tag), _) => {
            values.push(Value::Text(tag.clone()));
            Some(format!(
                "SELECT pt.post_id FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE t.slug = ${}",
                values.len()
            ))
        }
        (true, None, Some(author)) => {
            values.push(Value::Int(author));
            Some(format!(
                "SELECT post_id FROM post_authors WHERE user_id = ${}",
                values.len()
            ))
        }
        _ => None,
    };
    // CROSS JOIN: SQLite reads the list's own posts first, as asked.
    let posts = match own {
        Some(own) => {
            where_sql.push_str(" AND p.id = own.post_id");
            format!("({own}) AS own CROSS JOIN posts p")
        }
        None => "posts p".to_owned(),
    };
    let n = values.len();
    let cards = |inner: &str| {
        format!("{CARD_SELECT} WHERE p.id IN ({inner}) ORDER BY p.published_at DESC, p.id DESC")
    };
    let (cursor, (cmp, order)) = match at {
        PageAt::Newest => {
            values.push(Value::Int(filter.limit + 1));
            let inner = format!(
                "SELECT p.id FROM {posts}{where_sql} ORDER BY p.published_at DESC, p.id DESC LIMIT ${}",
                n + 1
            );
            return (cards(&inner), values);
        }
        PageAt::Before(c) => (c, ("<", "DESC")),
        PageAt::After(c) => (c, (">", "ASC")),
    };
    let (t, id, limit) = (n + 1, n + 2, n + 3);
    values.push(Value::Int(cursor.at));
    values.push(Value::Int(cursor.id));
    values.push(Value::Int(filter.limit + 1));
    let inner = format!(
        "SELECT id FROM (
             SELECT id, published_at FROM (SELECT p.id, p.published_at FROM {posts}{where_sql}
                 AND p.published_at = ${t} AND p.id {cmp} ${id} ORDER BY p.id {order} LIMIT ${limit}) AS same_time
             UNION ALL
             SELECT id, published_at FROM (SELECT p.id, p.published_at FROM {posts}{where_sql}
                 AND p.published_at {cmp} ${t} ORDER BY p.published_at {order}, p.id {order} LIMIT ${limit}) AS other_times
         ) AS page ORDER BY published_at {order}, id {order} LIMIT ${limit}"
    );
    (cards(&inner), values)
}

impl Store {
    /// How the engine would run [`Store::list_page`]'s query, for tests
    /// that check the indexes it needs exist: SQLite's query plan, or
    /// PostgreSQL's with sequential scans discouraged (a small test table
    /// is otherwise read whole whatever its indexes).
    pub async fn explain_list_page(&self, filter: &PostFilter, at: PageAt) -> Result<String> {
        let (sql, values) = page_query(filter, at, self.few_posts(filter).await?);
        self.explain(&sql, &values).await
    }

    /// How the engine would run this query (see [`Store::explain_list_page`]).
    pub(crate) async fn explain(&self, sql: &str, values: &[Value]) -> Result<String> {
        let mut tx = self.readers.begin().await?;
        let prefix = match self.engine() {
            crate::Engine::Sqlite => "EXPLAIN QUERY PLAN",
            crate::Engine::Postgres => {
                sqlx::query("SET LOCAL enable_seqscan = off")
                    .execute(&mut *tx)
                    .await?;
                "EXPLAIN"
            }
        };
        let explain = format!("{prefix} {sql}");
        let q = sqlx::query_with(&explain, sql::arguments(values));
        let mut plan = String::new();
        for r in q.fetch_all(&mut *tx).await? {
            let line: String = match self.engine() {
                crate::Engine::Sqlite => r.try_get("detail")?,
                crate::Engine::Postgres => r.try_get(0)?,
            };
            plan.push_str(&line);
            plan.push('\n');
        }
        tx.rollback().await?;
        Ok(plan)
    }

    /// Posts matching `filter`, newest first, and how many match in all.
    pub async fn list_posts(&self, filter: &PostFilter) -> Result<(Vec<PostCard>, i64)> {
        let (where_sql, mut values) = filter.where_clause();
        let count_sql = format!("SELECT COUNT(*) FROM posts p{where_sql}");
        let total = sqlx::query_scalar_with::<_, i64, _>(&count_sql, sql::arguments(&values))
            .fetch_one(&self.readers)
            .await?;
        // The page's ids first, then the cards of those alone: the per-card
        // subqueries (score, comment count) run for a page, not for every match.
        let order = "ORDER BY COALESCE(p.published_at, p.updated_at) DESC, p.id DESC";
        let n = values.len();
        values.extend([Value::Int(filter.limit), Value::Int(filter.offset)]);
        let sql = format!(
            "{CARD_SELECT} WHERE p.id IN (SELECT p.id FROM posts p{where_sql} {order} LIMIT ${} OFFSET ${}) {order}",
            n + 1,
            n + 2
        );
        let rows = sqlx::query_with(&sql, sql::arguments(&values))
            .fetch_all(&self.readers)
            .await?;
        let now = self.now();
        let mut cards = rows
            .iter()
            .map(|r| card_from_row(r, now))
            .collect::<Result<Vec<_>, _>>()?;
        self.fill_cards(&mut cards).await?;
        Ok((cards, total))
    }

    /// The cards of these posts, whatever their status, in no set order.
    pub(crate) async fn cards(&self, ids: &[i64]) -> Result<Vec<PostCard>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!("{CARD_SELECT} WHERE p.id IN ({})", sql::list(1, ids.len()));
        let now = self.now();
        let mut cards = sqlx::query_with(&sql, sql::ids(ids))
            .fetch_all(&self.readers)
            .await?
            .iter()
            .map(|r| card_from_row(r, now))
            .collect::<Result<Vec<_>, _>>()?;
        self.fill_cards(&mut cards).await?;
        Ok(cards)
    }

    /// A page of published posts readers may see (`filter.visible_at` is
    /// required), newest first, from `at`; `filter.limit` long.
    pub async fn list_page(&self, filter: &PostFilter, at: PageAt) -> Result<ListPage> {
        let (sql, values) = page_query(filter, at, self.few_posts(filter).await?);
        let rows = sqlx::query_with(&sql, sql::arguments(&values))
            .fetch_all(&self.readers)
            .await?;
        let now = self.now();
        let mut posts = rows
            .iter()
            .map(|r| card_from_row(r, now))
            .collect::<Result<Vec<_>, _>>()?;
        let more = posts.len() as i64 > filter.limit;
        if more {
            // The one past the page: the oldest going back, the newest going forward.
            match at {
                PageAt::After(_) => drop(posts.remove(0)),
                _ => drop(posts.pop()),
            }
        }
        self.fill_cards(&mut posts).await?;
        let (first, last) = (posts.first().map(Cursor::of), posts.last().map(Cursor::of));
        let (older, newer) = match at {
            PageAt::Newest => (last.filter(|_| more), None),
            PageAt::Before(_) => (last.filter(|_| more), first),
            PageAt::After(_) => (last, first.filter(|_| more)),
        };
        Ok(ListPage {
            posts,
            older,
            newer,
        })
    }

    /// Whether the list is a tag's or an author's with few posts (see
    /// [`page_query`]), counted no further than that.
    async fn few_posts(&self, filter: &PostFilter) -> Result<bool> {
        const FEW: i64 = 1000;
        let q = match (&filter.tag_slug, filter.author_id) {
            (Some(tag), _) => sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM (SELECT 1 FROM post_tags pt JOIN tags t ON t.id = pt.tag_id
                 WHERE t.slug = $1 LIMIT $2) AS counted",
            )
            .bind(tag.as_str()),
            (None, Some(author)) => sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM (SELECT 1 FROM post_authors WHERE user_id = $1 LIMIT $2) AS counted",
            )
            .bind(author),
            _ => return Ok(false),
        };
        Ok(q.bind(FEW).fetch_one(&self.readers).await? < FEW)
    }

    /// Whether `cursor` is where a visible post of `filter` stands: pages
    /// start only at real posts, so made-up cursors make no new pages.
    pub async fn cursor_exists(&self, filter: &PostFilter, cursor: Cursor) -> Result<bool> {
        let (where_sql, mut values) = filter.where_clause();
        let n = values.len();
        let joiner = if where_sql.is_empty() {
            " WHERE"
        } else {
            " AND"
        };
        let sql = format!(
            "SELECT COUNT(*) FROM posts p{where_sql}{joiner} p.id = ${} AND p.published_at = ${}",
            n + 1,
            n + 2
        );
        values.extend([Value::Int(cursor.id), Value::Int(cursor.at)]);
        let found: i64 = sqlx::query_scalar_with(&sql, sql::arguments(&values))
            .fetch_one(&self.readers)
            .await?;
        Ok(found > 0)
    }

    /// Loads the authors and covers of many cards with one query each.
    async fn fill_cards(&self, cards: &mut [PostCard]) -> Result<()> {
        if cards.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = cards.iter().map(|c| c.id).collect();
        let sql = format!(
            "SELECT pa.post_id, u.username, u.display_name FROM post_authors pa JOIN users u ON u.id = pa.user_id
             WHERE pa.post_id IN ({}) ORDER BY pa.position",
            sql::list(1, ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in &ids {
            q = q.bind(id);
        }
        let mut authors: HashMap<i64, Vec<UserRef>> = HashMap::new();
        for r in q.fetch_all(&self.readers).await? {
            authors
                .entry(r.try_get("post_id")?)
                .or_default()
                .push(UserRef {
                    username: r.try_get("username")?,
                    display_name: r.try_get("display_name")?,
                });
        }
        let cover_ids: Vec<i64> = cards.iter().filter_map(|c| c.cover_id).collect();
        let mut covers: HashMap<i64, Media> = HashMap::new();
        if !cover_ids.is_empty() {
            let sql = format!(
                "SELECT id, file, original_name, mime, width, height, bytes, alt, caption, credit, variants
                 FROM media WHERE id IN ({})",
                sql::list(1, cover_ids.len())
            );
            let mut q = sqlx::query(&sql);
            for id in &cover_ids {
                q = q.bind(id);
            }
            for r in q.fetch_all(&self.readers).await? {
                let m = media::from_row(&r)?;
                covers.insert(m.id, m);
            }
        }
        // The works' posters that are uploads, with their sizes, in one query.
        let poster_urls: Vec<String> = cards.iter().filter_map(|c| c.poster_url.clone()).collect();
        let posters: HashMap<String, Media> = self
            .media_by_urls(&poster_urls)
            .await?
            .into_iter()
            .map(|m| (m.url.clone(), m))
            .collect();
        for card in cards.iter_mut() {
            card.authors = authors.remove(&card.id).unwrap_or_default();
            card.cover = card.cover_id.and_then(|id| covers.get(&id).cloned());
            card.poster = card
                .poster_url
                .as_ref()
                .and_then(|u| posters.get(u).cloned());
        }
        Ok(())
    }

    pub async fn post_by_slug(&self, slug: &str) -> Result<Option<PostView>> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM posts WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.readers)
            .await?;
        match id {
            Some(id) => self.post(id).await,
            None => Ok(None),
        }
    }

    /// A post's card alone, without authors, tags, score or comment count
    /// (left empty): what the comment pipeline checks for every new comment,
    /// which must not cost a count of a busy post's comments.
    pub async fn post_card(&self, id: i64) -> Result<Option<PostCard>> {
        let row = sqlx::query(&format!("{BARE_CARD_SELECT} WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(&self.readers)
            .await?;
        Ok(row.map(|r| card_from_row(&r, self.now())).transpose()?)
    }

    /// A post with everything it carries, whatever its status.
    pub async fn post(&self, id: i64) -> Result<Option<PostView>> {
        let Some(row) = sqlx::query(&format!("{CARD_SELECT} WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(&self.readers)
            .await?
        else {
            return Ok(None);
        };
        let mut cards = [card_from_row(&row, self.now())?];
        self.fill_cards(&mut cards).await?;
        let [card] = cards;
        let extra = sqlx::query(
            "SELECT body, question, work_id, rating_count, rating_sum, ratings_hidden FROM posts WHERE id = $1",
        )
            .bind(id)
            .fetch_one(&self.readers)
            .await?;
        let work = match extra.try_get::<Option<i64>, _>("work_id")? {
            Some(w) => self.work(w).await?,
            None => None,
        };
        let tags = sqlx::query(
            "SELECT t.slug, t.name FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = $1 ORDER BY t.name",
        )
        .bind(id)
        .fetch_all(&self.readers)
        .await?
        .iter()
        .map(tag_from_row)
        .collect::<Result<_, _>>()?;
        let scores = sqlx::query(
            "SELECT source, value, scale FROM scores WHERE post_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&self.readers)
        .await?
        .iter()
        .map(|r| {
            let score = Score {
                source: r.try_get("source")?,
                value: r.try_get("value")?,
                scale: r.try_get("scale")?,
            };
            Ok(ScoreView::of(score))
        })
        .collect::<Result<_, sqlx::Error>>()?;
        let critics = sqlx::query("SELECT outlet, quote, critic, link FROM critic_quotes WHERE post_id = $1 ORDER BY position")
            .bind(id)
            .fetch_all(&self.readers)
            .await?
            .iter()
            .map(|r| {
                Ok(CriticQuote {
                    outlet: r.try_get("outlet")?,
                    quote: r.try_get("quote")?,
                    critic: r.try_get("critic")?,
                    link: r.try_get("link")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        let lines = sqlx::query(
            "SELECT speaker, text, context FROM lines WHERE post_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&self.readers)
        .await?
        .iter()
        .map(|r| {
            Ok(Line {
                speaker: r.try_get("speaker")?,
                text: r.try_get("text")?,
                context: r.try_get("context")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
        Ok(Some(PostView {
            card,
            body: extra.try_get("body")?,
            question: extra.try_get("question")?,
            tags,
            work,
            scores,
            critics,
            lines,
            ratings: crate::ratings::ratings_from_row(&extra)?,
        }))
    }

    pub async fn tag(&self, slug: &str) -> Result<Option<TagRef>> {
        let row = sqlx::query("SELECT slug, name FROM tags WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.readers)
            .await?;
        Ok(row.as_ref().map(tag_from_row).transpose()?)
    }

    /// Every post id, oldest first, for export.
    pub async fn post_ids(&self) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM posts ORDER BY id")
            .fetch_all(&self.readers)
            .await?)
    }

    /// The cover's media id of a post, for export.
    pub async fn post_cover_id(&self, id: i64) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT cover_media_id FROM posts WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.readers)
                .await?
                .flatten(),
        )
    }
}

impl Store {
    pub async fn post_id_by_slug(&self, slug: &str) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM posts WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.readers)
            .await?)
    }
}

fn tag_from_row(r: &AnyRow) -> Result<TagRef, sqlx::Error> {
    Ok(TagRef {
        slug: r.try_get("slug")?,
        name: r.try_get("name")?,
    })
}
