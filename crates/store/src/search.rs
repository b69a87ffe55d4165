//! Full-text search: the index, kept in the transaction of every write it
//! depends on, and the queries readers' searches run. SQLite ranks with
//! FTS5's BM25, PostgreSQL with a weighted `tsvector` and `ts_rank`; both
//! index text folded by [`bestpick_core::search`], so they find the same
//! posts (see migration 0008).

use crate::read::PostCard;
use crate::sql::{self, named, Value};
use crate::works::{PersonRef, WorkBrief};
use crate::{Engine, Result, Store};
use bestpick_core::markdown::plain_text;
use bestpick_core::post::Visibility;
use bestpick_core::search::{fold, Query};
use bestpick_core::work::WorkKind;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};

/// Changes when what the index holds, or how, changes: a site whose index
/// was built otherwise is indexed again when opened.
const INDEX_VERSION: &str = "1";
pub(crate) const VERSION_KEY: &str = "search_index_version";
/// Characters of a post's text kept for its snippets.
const EXCERPT_CHARS: usize = 20_000;
/// Results counted at most: "more than 1,000" is as useful as the exact
/// number, and counting every match of a common word costs.
pub const COUNT_LIMIT: i64 = 1000;

/// Narrows a search; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// A section's slug.
    pub section: Option<String>,
    /// Film or TV: the work's kind.
    pub kind: Option<WorkKind>,
    /// One of the work's genres, as stored.
    pub genre: Option<String>,
    pub year_from: Option<i64>,
    pub year_to: Option<i64>,
    /// The least mean normalised score, 0-100.
    pub min_score: Option<f64>,
    /// A person's slug: posts about works they are credited on.
    pub person: Option<String>,
}

impl SearchFilter {
    pub fn is_empty(&self) -> bool {
        self.section.is_none()
            && self.kind.is_none()
            && self.genre.is_none()
            && self.year_from.is_none()
            && self.year_to.is_none()
            && self.min_score.is_none()
            && self.person.is_none()
    }
}

/// The parts of a search's SQL (see [`Store::matching`]).
struct Matching {
    from: &'static str,
    order: &'static str,
    where_sql: String,
    values: Vec<Value>,
}

/// A post's document: its folded fields, and the text for snippets.
struct PostDocument {
    title: String,
    names: String,
    people: String,
    words: String,
    body: String,
    excerpt: String,
}

/// The column an index table's rows are found by: the indexed row's id
/// is the rowid of SQLite's FTS5 tables, PostgreSQL's tables name it.
fn index_key(engine: Engine, key: &str) -> &str {
    match engine {
        Engine::Sqlite => "rowid",
        Engine::Postgres => key,
    }
}

/// Rows written per statement: a few statements for a whole import batch.
const CHUNK: usize = 200;

/// The documents of these posts as stored on `conn`, by id (a post that
/// is gone has none). Tags are indexed by their address, which a tag's
/// renaming leaves as it is.
async fn post_documents(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<BTreeMap<i64, PostDocument>> {
    let list = sql::list(1, ids.len());
    let rows: Vec<AnyRow> = {
        let sql = format!(
            "SELECT p.id, p.title, p.summary, p.body, p.question, w.name, w.original_name, w.year
             FROM posts p LEFT JOIN works w ON w.id = p.work_id WHERE p.id IN ({list})"
        );
        sqlx::query_with(&sql, sql::ids(ids))
            .fetch_all(&mut *conn)
            .await?
    };
    // Everything else in one query, part by part, in page order.
    let parts: Vec<AnyRow> = {
        let sql = format!(
            "SELECT p.id AS post, 1 AS part, pe.name AS a, c.role AS b, c.position AS n, c.job AS job
                 FROM posts p JOIN credits c ON c.work_id = p.work_id JOIN people pe ON pe.id = c.person_id
                 WHERE p.id IN ({list})
             UNION ALL SELECT pt.post_id, 2, t.slug, '', 0, '' FROM post_tags pt JOIN tags t ON t.id = pt.tag_id
                 WHERE pt.post_id IN ({list})
             UNION ALL SELECT post_id, 3, speaker, text, position, '' FROM lines WHERE post_id IN ({list})
             UNION ALL SELECT post_id, 4, outlet, quote, position, '' FROM critic_quotes WHERE post_id IN ({list})
             ORDER BY post, part, job, n"
        );
        sqlx::query_with(&sql, sql::ids(ids))
            .fetch_all(&mut *conn)
            .await?
    };
    let mut by_post: HashMap<i64, Vec<&AnyRow>> = HashMap::new();
    for r in &parts {
        by_post.entry(r.try_get("post")?).or_default().push(r);
    }
    // In id order: concurrent writers of the same rows then lock them in
    // one order, and never wait on each other in a circle.
    let mut docs = BTreeMap::new();
    for row in &rows {
        let id: i64 = row.try_get("id")?;
        let parts = by_post.remove(&id).unwrap_or_default();
        docs.insert(id, post_document(row, &parts)?);
    }
    Ok(docs)
}

/// A post's document from its row and its parts.
fn post_document(row: &AnyRow, parts: &[&AnyRow]) -> Result<PostDocument, sqlx::Error> {
    let text = |col: &str| -> Result<String, sqlx::Error> {
        Ok(row.try_get::<Option<String>, _>(col)?.unwrap_or_default())
    };
    let (summary, body) = (text("summary")?, plain_text(&text("body")?));
    let mut names = format!("{} {}", text("name")?, text("original_name")?);
    if let Some(year) = row.try_get::<Option<i64>, _>("year")? {
        names.push_str(&format!(" {year}"));
    }
    let (mut people, mut cast, mut words, mut lines) =
        (String::new(), String::new(), String::new(), String::new());
    words.push_str(&summary);
    words.push('\n');
    words.push_str(&text("question")?);
    for r in parts {
        let part: i64 = r.try_get("part")?;
        let a: String = r.try_get("a")?;
        let b: String = r.try_get("b")?;
        match part {
            1 => {
                people.push_str(&format!("{a} {b}\n"));
                if !b.is_empty() {
                    cast.push_str(&format!("{a} as {b}. "));
                }
            }
            2 => words.push_str(&format!("\n{a}")),
            3 => {
                words.push_str(&format!("\n{a} {b}"));
                lines.push_str(&format!("“{b}” ({a}) "));
            }
            _ => words.push_str(&format!("\n{a} {b}")),
        }
    }
    let mut excerpt = format!("{summary}\n{lines}\n{body}\n{cast}");
    if let Some((cut, _)) = excerpt.char_indices().nth(EXCERPT_CHARS) {
        excerpt.truncate(cut);
    }
    Ok(PostDocument {
        title: fold(&text("title")?),
        names: fold(&names),
        people: fold(&people),
        words: fold(&words),
        body: fold(&body),
        excerpt,
    })
}

/// Deletes the index rows of these ids from `table` (keyed by rowid on
/// SQLite, by `key` on PostgreSQL). A row another transaction writes
/// meanwhile is not seen here: PostgreSQL's inserts update on conflict.
async fn unindex(conn: &mut AnyConnection, table: &str, key: &str, ids: &[i64]) -> Result<()> {
    let key = index_key(Engine::of(conn), key);
    let sql = format!(
        "DELETE FROM {table} WHERE {key} IN ({})",
        sql::list(1, ids.len())
    );
    sqlx::query_with(&sql, sql::ids(ids))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Writes these posts' entries in the index (removing those of posts that
/// are gone), a few statements for every [`CHUNK`] of them; on `conn`, in
/// the caller's transaction.
pub(crate) async fn index_posts(conn: &mut AnyConnection, ids: &[i64]) -> Result<()> {
    for ids in ids.chunks(CHUNK) {
        let docs = post_documents(&mut *conn, ids).await?;
        unindex(&mut *conn, "search_posts", "post_id", ids).await?;
        if docs.is_empty() {
            continue;
        }
        let sql = match Engine::of(conn) {
            Engine::Sqlite => format!(
                "INSERT INTO search_posts (rowid, excerpt, title, names, people, words, body) VALUES {}",
                sql::values(docs.len(), 7)
            ),
            // PostgreSQL types a VALUES list from its first row.
            Engine::Postgres => format!(
                "INSERT INTO search_posts (post_id, excerpt, document)
                 SELECT v.id, v.excerpt,
                     setweight(to_tsvector('simple', v.title || ' ' || v.names), 'A')
                     || setweight(to_tsvector('simple', v.people), 'B')
                     || setweight(to_tsvector('simple', v.words), 'C')
                     || setweight(to_tsvector('simple', v.body), 'D')
                 FROM (VALUES {}) AS v (id, excerpt, title, names, people, words, body)
                 ON CONFLICT (post_id) DO UPDATE SET excerpt = excluded.excerpt, document = excluded.document",
                sql::values(docs.len(), 7).replacen(
                    "($1, $2, $3, $4, $5, $6, $7)",
                    "($1::BIGINT, $2::TEXT, $3::TEXT, $4::TEXT, $5::TEXT, $6::TEXT, $7::TEXT)",
                    1
                )
            ),
        };
        let mut q = sqlx::query(&sql);
        for (id, d) in &docs {
            q = q
                .bind(*id)
                .bind(d.excerpt.as_str())
                .bind(d.title.as_str())
                .bind(d.names.as_str())
                .bind(d.people.as_str())
                .bind(d.words.as_str())
                .bind(d.body.as_str());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Indexes what a save wrote, in its transaction: these posts, and these
/// works with their people not yet indexed and every other post that
/// shows them.
pub(crate) async fn index_saved(
    conn: &mut AnyConnection,
    posts: &[i64],
    works: &[i64],
) -> Result<()> {
    let mut works = works.to_vec();
    works.sort_unstable();
    works.dedup();
    let mut all_posts = posts.to_vec();
    // A person indexed before keeps their entry: a save keeps a stored
    // person's name (only renaming them changes it, and indexes it again),
    // and an import's batches name the same people over and over.
    let key = index_key(Engine::of(conn), "person_id");
    for works in works.chunks(CHUNK) {
        let list = sql::list(1, works.len());
        let sql = format!(
            "SELECT DISTINCT pe.id, pe.name FROM credits c JOIN people pe ON pe.id = c.person_id
             WHERE c.work_id IN ({list})
             AND NOT EXISTS (SELECT 1 FROM search_people s WHERE s.{key} = pe.id) ORDER BY pe.id"
        );
        let people: Vec<(i64, String)> = sqlx::query_as_with(&sql, sql::ids(works))
            .fetch_all(&mut *conn)
            .await?;
        index_people(&mut *conn, &people).await?;
        index_works(&mut *conn, works).await?;
        let sql = format!("SELECT id FROM posts WHERE work_id IN ({list}) ORDER BY id");
        let shown: Vec<i64> = sqlx::query_scalar_with(&sql, sql::ids(works))
            .fetch_all(&mut *conn)
            .await?;
        all_posts.extend(shown);
    }
    all_posts.sort_unstable();
    all_posts.dedup();
    index_posts(&mut *conn, &all_posts).await
}

/// Indexes these works' names (name, original name, year).
async fn index_works(conn: &mut AnyConnection, ids: &[i64]) -> Result<()> {
    let sql = format!(
        "SELECT id, name, original_name, year FROM works WHERE id IN ({})",
        sql::list(1, ids.len())
    );
    let rows: Vec<(i64, String, Option<String>, i64)> = sqlx::query_as_with(&sql, sql::ids(ids))
        .fetch_all(&mut *conn)
        .await?;
    let names: Vec<(i64, String)> = rows
        .into_iter()
        .map(|(id, name, original, year)| {
            (
                id,
                format!("{name} {} {year}", original.unwrap_or_default()),
            )
        })
        .collect();
    unindex(&mut *conn, "search_works", "work_id", ids).await?;
    write_names(&mut *conn, "search_works", "names", "work_id", &names).await
}

/// Indexes these people's names (id, name).
async fn index_people(conn: &mut AnyConnection, people: &[(i64, String)]) -> Result<()> {
    for people in people.chunks(CHUNK) {
        let ids: Vec<i64> = people.iter().map(|(id, _)| *id).collect();
        unindex(&mut *conn, "search_people", "person_id", &ids).await?;
        write_names(&mut *conn, "search_people", "name", "person_id", people).await?;
    }
    Ok(())
}

/// Writes names (id, text) into a one-column index, `search_works` or
/// `search_people`: its `column` on SQLite, its `document` keyed by `key`
/// on PostgreSQL; in one statement.
async fn write_names(
    conn: &mut AnyConnection,
    table: &str,
    column: &str,
    key: &str,
    names: &[(i64, String)],
) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    let sql = match Engine::of(conn) {
        Engine::Sqlite => format!(
            "INSERT INTO {table} (rowid, {column}) VALUES {}",
            sql::values(names.len(), 2)
        ),
        // PostgreSQL types a VALUES list from its first row.
        Engine::Postgres => format!(
            "INSERT INTO {table} ({key}, document)
             SELECT v.id, to_tsvector('simple', v.words) FROM (VALUES {}) AS v (id, words)
             ON CONFLICT ({key}) DO UPDATE SET document = excluded.document",
            sql::values(names.len(), 2).replacen("($1, $2)", "($1::BIGINT, $2::TEXT)", 1)
        ),
    };
    let mut q = sqlx::query(&sql);
    for (id, text) in names {
        q = q.bind(*id).bind(fold(text));
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// Person `id`'s name again, and every post about a work they are credited on.
pub(crate) async fn index_person(conn: &mut AnyConnection, id: i64) -> Result<()> {
    let name: String = sqlx::query_scalar("SELECT name FROM people WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    index_people(&mut *conn, &[(id, name)]).await?;
    let posts: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT p.id FROM posts p JOIN credits c ON c.work_id = p.work_id
         WHERE c.person_id = $1 ORDER BY p.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    index_posts(&mut *conn, &posts).await
}

impl Store {
    /// Builds the whole index again when it was built by another version
    /// (or never, on a site older than search), in one transaction.
    pub(crate) async fn ensure_search_index(&self) -> Result<()> {
        // Posts and no index (a copy cut short: its index is built at its
        // end) rebuild it too. Asked, not counted: every command opens the
        // store, and counting an index of many posts reads all of it.
        let row = sqlx::query(
            "SELECT EXISTS (SELECT 1 FROM posts) AND NOT EXISTS (SELECT 1 FROM search_posts) AS missing",
        )
        .fetch_one(&self.readers)
        .await?;
        let missing = sql::flag(&row, "missing")?;
        if !missing && self.setting(VERSION_KEY).await?.as_deref() == Some(INDEX_VERSION) {
            return Ok(());
        }
        self.rebuild_search_index().await
    }

    /// Builds the whole index again: after a copy, which leaves it out as
    /// derived data, or when its version changes.
    pub async fn rebuild_search_index(&self) -> Result<()> {
        let mut tx = self.begin().await?;
        for table in ["search_posts", "search_works", "search_people"] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await?;
        }
        let people: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM people ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
        index_people(&mut tx, &people).await?;
        let works: Vec<i64> = sqlx::query_scalar("SELECT id FROM works ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
        for chunk in works.chunks(CHUNK) {
            index_works(&mut tx, chunk).await?;
        }
        let posts: Vec<i64> = sqlx::query_scalar("SELECT id FROM posts ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
        index_posts(&mut tx, &posts).await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(VERSION_KEY)
        .bind(INDEX_VERSION)
        .execute(&mut *tx)
        .await?;
        self.commit(tx, &[], &[]).await
    }

    /// The condition that `table`'s entry (of the row `alias`, keyed by
    /// `key` on PostgreSQL) matches the query in `$1`, and that query in
    /// the engine's syntax.
    fn matches(&self, query: &Query, table: &str, key: &str, alias: &str) -> (String, String) {
        let (found, q) = match self.engine() {
            Engine::Sqlite => (format!("{table} MATCH $1"), query.to_fts5()),
            Engine::Postgres => (
                format!("{table}.document @@ to_tsquery('simple', $1)"),
                query.to_tsquery(),
            ),
        };
        let key = index_key(self.engine(), key);
        (format!("{found} AND {alias}.id = {table}.{key}"), q)
    }

    /// What [`Store::search`] and [`Store::count_matches`] share: the
    /// tables, the posts' condition and its values ($1 the query, $2 now)
    /// and the order. Without words, what the filter lets through, newest
    /// first.
    fn matching(&self, query: &Query, filter: &SearchFilter) -> Matching {
        let (matches, q) = match query.is_empty() {
            true => ("$1 = ''".to_owned(), String::new()),
            false => self.matches(query, "search_posts", "post_id", "p"),
        };
        let mut conditions = vec![
            matches,
            "p.status = 'published' AND p.published_at <= $2".to_owned(),
        ];
        let mut values = vec![Value::Text(q), Value::Int(self.now())];
        // `$?` in a condition stands for its value's placeholder.
        let mut add = |sql: &str, v: Value| {
            values.push(v);
            conditions.push(sql.replace("$?", &format!("${}", values.len())));
        };
        if let Some(s) = &filter.section {
            add(
                "p.section_id = (SELECT id FROM sections WHERE slug = $?)",
                Value::Text(s.clone()),
            );
        }
        if let Some(k) = filter.kind {
            add("w.kind = $?", Value::Text(k.as_str().to_owned()));
        }
        if let Some(g) = &filter.genre {
            let json = serde_json::to_string(g).unwrap_or_default();
            let escaped = json
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            add(
                "w.genres LIKE $? ESCAPE '\\'",
                Value::Text(format!("%{escaped}%")),
            );
        }
        if let Some(person) = &filter.person {
            add(
                "p.work_id IN (SELECT c.work_id FROM credits c JOIN people pe ON pe.id = c.person_id WHERE pe.slug = $?)",
                Value::Text(person.clone()),
            );
        }
        if let Some(y) = filter.year_from {
            add("w.year >= $?", Value::Int(y));
        }
        if let Some(y) = filter.year_to {
            add("w.year <= $?", Value::Int(y));
        }
        if let Some(s) = filter.min_score {
            add(
                "(SELECT AVG(sc.normalised) FROM scores sc WHERE sc.post_id = p.id) >= $?",
                Value::Float(s),
            );
        }
        let (from, order) = match (query.is_empty(), self.engine()) {
            (true, _) => (
                "posts p LEFT JOIN works w ON w.id = p.work_id",
                "p.published_at DESC",
            ),
            // The index first, then each match's post: left to itself,
            // SQLite may walk every post and ask the index about each.
            (false, Engine::Sqlite) => (
                "search_posts CROSS JOIN posts p LEFT JOIN works w ON w.id = p.work_id",
                "bm25(search_posts, 10.0, 8.0, 4.0, 2.0, 1.0)",
            ),
            // Normalised by the document's length (1): a long body does
            // not outrank a title.
            (false, Engine::Postgres) => (
                "search_posts CROSS JOIN posts p LEFT JOIN works w ON w.id = p.work_id",
                "ts_rank(search_posts.document, to_tsquery('simple', $1), 1) DESC",
            ),
        };
        Matching {
            from,
            order,
            where_sql: conditions.join(" AND "),
            values,
        }
    }

    /// Posts readers may see at this moment that match `query` and
    /// `filter`, best first: `limit` of them from `offset`. (Their
    /// snippets' text: [`Store::excerpts`].)
    pub async fn search(
        &self,
        query: &Query,
        filter: &SearchFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<PostCard>> {
        let Matching {
            from,
            order,
            where_sql,
            mut values,
        } = self.matching(query, filter);
        let n = values.len();
        values.extend([Value::Int(limit), Value::Int(offset)]);
        let sql = format!(
            "SELECT p.id FROM {from} WHERE {where_sql}
             ORDER BY {order}, p.id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let ids: Vec<i64> = sqlx::query_scalar_with(&sql, sql::arguments(&values))
            .fetch_all(&self.readers)
            .await?;
        let mut cards = self.cards(&ids).await?;
        // A post unpublished since the search matched it is not shown.
        cards.retain(|c| c.visibility == Visibility::Published);
        Ok(ids
            .into_iter()
            .filter_map(|id| {
                let at = cards.iter().position(|c| c.id == id)?;
                Some(cards.swap_remove(at))
            })
            .collect())
    }

    /// The text the snippets of these found posts are cut from, by post,
    /// read for a page of results only: carried through the ranking of
    /// every match, it doubled the time a common word takes.
    pub async fn excerpts(&self, ids: &[i64]) -> Result<HashMap<i64, String>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let key = index_key(self.engine(), "post_id");
        let sql = format!(
            "SELECT {key}, excerpt FROM search_posts WHERE {key} IN ({})",
            sql::list(1, ids.len())
        );
        let rows: Vec<(i64, String)> = sqlx::query_as_with(&sql, sql::ids(ids))
            .fetch_all(&self.readers)
            .await?;
        Ok(rows.into_iter().collect())
    }

    /// How many posts [`Store::search`] would find, counted up to one past
    /// [`COUNT_LIMIT`].
    pub async fn count_matches(&self, query: &Query, filter: &SearchFilter) -> Result<i64> {
        let m = self.matching(query, filter);
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {} WHERE {} LIMIT {}) AS found",
            m.from,
            m.where_sql,
            COUNT_LIMIT + 1
        );
        Ok(sqlx::query_scalar_with(&sql, sql::arguments(&m.values))
            .fetch_one(&self.readers)
            .await?)
    }

    /// The genres of the works readers may see, sorted.
    pub async fn public_genres(&self) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT DISTINCT w.genres FROM works w WHERE EXISTS (SELECT 1 FROM posts p
                 WHERE p.work_id = w.id AND p.status = 'published' AND p.published_at <= $1)",
        )
        .bind(self.now())
        .fetch_all(&self.readers)
        .await?;
        let mut genres = std::collections::BTreeSet::new();
        for r in &rows {
            genres.extend(sql::json::<Vec<String>>(r, "genres")?);
        }
        Ok(genres.into_iter().collect())
    }

    /// Works readers may see whose names match, best first.
    pub async fn search_works(&self, query: &Query, limit: i64) -> Result<Vec<WorkBrief>> {
        let (matches, q) = self.matches(query, "search_works", "work_id", "w");
        // The index first (`+ 0` keeps the works' index by year out of it):
        // PostgreSQL, misjudging how many works a query finds, walked every
        // work newest first and asked each whether it matched (360 ms at
        // 100,000 works; 5-15 ms from the index).
        let rows = sqlx::query(&format!(
            "SELECT w.id, w.slug, w.name, w.year, w.kind FROM search_works CROSS JOIN works w WHERE {matches}
             AND EXISTS (SELECT 1 FROM posts p WHERE p.work_id = w.id AND p.status = 'published' AND p.published_at <= $2)
             ORDER BY w.year + 0 DESC, w.id LIMIT $3"
        ))
        .bind(q)
        .bind(self.now())
        .bind(limit)
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WorkBrief {
                    id: r.try_get("id")?,
                    slug: r.try_get("slug")?,
                    name: r.try_get("name")?,
                    year: r.try_get::<i64, _>("year")? as i32,
                    kind: named(r, "kind", WorkKind::parse)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// People credited on a work readers may see whose names match.
    pub async fn search_people(&self, query: &Query, limit: i64) -> Result<Vec<PersonRef>> {
        let (matches, q) = self.matches(query, "search_people", "person_id", "pe");
        // The person's credits, then their posts: left to itself, SQLite
        // walks every published post and asks each for the person's credit.
        let rows = sqlx::query(&format!(
            "SELECT pe.slug, pe.name FROM search_people CROSS JOIN people pe WHERE {matches}
             AND EXISTS (SELECT 1 FROM credits c CROSS JOIN posts p
                 WHERE c.person_id = pe.id AND p.work_id = c.work_id
                 AND p.status = 'published' AND p.published_at <= $2)
             ORDER BY pe.name, pe.id LIMIT $3"
        ))
        .bind(q)
        .bind(self.now())
        .bind(limit)
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PersonRef {
                    slug: r.try_get("slug")?,
                    name: r.try_get("name")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
