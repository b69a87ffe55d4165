//! The works list: every work readers may see, filtered and sorted, read
//! a page at a time from indexes; and the facts it sorts and filters by
//! (genres one per row, a folded name, the score), kept as works and
//! posts change.

use crate::read::ScoreView;
use crate::sql::{self, Value};
use crate::works::{brief_from_row, WorkBrief};
use crate::{Result, Store};
use bestpick_core::score::Score;
use bestpick_core::search::fold;
use bestpick_core::work::{years_label, Work, WorkKind};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// Works on a page of the list.
pub const WORKS_PER_PAGE: i64 = 30;

/// Changes when what [`rebuild_work_facts`] derives changes: a site built
/// otherwise derives them again when opened.
const FACTS_VERSION: &str = "1";
pub(crate) const FACTS_VERSION_KEY: &str = "work_facts_version";

/// How the list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WorkOrder {
    /// Highest normalised score first; works without scores last.
    #[default]
    Score,
    /// Newest first.
    Year,
    /// A to Z, accents and case aside.
    Name,
}

impl WorkOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkOrder::Score => "score",
            WorkOrder::Year => "year",
            WorkOrder::Name => "name",
        }
    }

    pub fn parse(s: &str) -> Option<WorkOrder> {
        [WorkOrder::Score, WorkOrder::Year, WorkOrder::Name]
            .into_iter()
            .find(|o| o.as_str() == s)
    }

    /// The sort key (its expression matches an index of migration 0009)
    /// and whether it runs from high to low.
    fn key(self) -> (&'static str, bool) {
        match self {
            WorkOrder::Score => ("COALESCE(w.score, -1)", true),
            WorkOrder::Year => ("w.year", true),
            WorkOrder::Name => ("w.sort_name", false),
        }
    }
}

/// Which works to list; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct WorkFilter {
    pub kind: Option<WorkKind>,
    pub genre: Option<String>,
    /// The first year of a decade: 1990 for the 1990s.
    pub decade: Option<i32>,
    /// The least normalised score, 0-100.
    pub min_score: Option<f64>,
}

/// Where a page of the list starts: at the top, or after (or before) the
/// work with this id, in the list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorksAt {
    First,
    After(i64),
    Before(i64),
}

/// A work as the list shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WorkRow {
    pub work: WorkBrief,
    pub years_label: String,
    pub kind_label: &'static str,
    pub genres: Vec<String>,
    pub poster: Option<String>,
    /// The mean normalised score, 0-100.
    pub score: Option<f64>,
    /// The scores it is the mean of, for the bars.
    pub scores: Vec<ScoreView>,
}

/// A page of the list, with the ids its neighbours start from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WorksPage {
    pub works: Vec<WorkRow>,
    /// Set when there are works before this page (`?before=` its first).
    pub newer: Option<i64>,
    /// Set when there are works after it (`?after=` its last).
    pub older: Option<i64>,
}

/// What the list reads of a work beside its facts.
pub(crate) struct WorkFacts<'a> {
    pub id: i64,
    pub name: &'a str,
    pub year: i32,
    pub genres: &'a [String],
}

impl<'a> WorkFacts<'a> {
    pub fn of(id: i64, work: &'a Work) -> WorkFacts<'a> {
        WorkFacts {
            id,
            name: &work.name,
            year: work.year,
            genres: &work.genres,
        }
    }
}

/// Writes these works' genres, one per row with the work's year,
/// replacing the stored ones (`stored`: a new work has none to remove).
pub(crate) async fn write_work_genres(
    conn: &mut AnyConnection,
    works: &[WorkFacts<'_>],
    stored: bool,
) -> Result<()> {
    for chunk in works.chunks(200) {
        if stored {
            let ids: Vec<i64> = chunk.iter().map(|w| w.id).collect();
            let sql = format!(
                "DELETE FROM work_genres WHERE work_id IN ({})",
                sql::list(1, ids.len())
            );
            sqlx::query_with(&sql, sql::ids(&ids))
                .execute(&mut *conn)
                .await?;
        }
        let mut rows: Vec<(i64, &str, i32)> = Vec::new();
        for w in chunk {
            for g in w.genres.iter().map(|g| g.trim()) {
                if !g.is_empty() && !rows.iter().any(|r| r.0 == w.id && r.1 == g) {
                    rows.push((w.id, g, w.year));
                }
            }
        }
        if !rows.is_empty() {
            let sql = format!(
                "INSERT INTO work_genres (work_id, genre, year) VALUES {}",
                sql::values(rows.len(), 3)
            );
            let mut q = sqlx::query(&sql);
            for (id, genre, year) in rows {
                q = q.bind(id).bind(genre).bind(i64::from(year));
            }
            q.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// A work's name as the list sorts it (`works.sort_name`).
pub(crate) fn sort_name(name: &str) -> String {
    fold(name.trim())
}

/// Computes the works' scores again from the posts readers may see at
/// `now`, and when that next changes by itself (a scheduled post going
/// live). `None`: every work.
pub(crate) async fn refresh_work_stats(
    conn: &mut AnyConnection,
    works: Option<&[i64]>,
    now: i64,
) -> Result<()> {
    let chunks: Vec<&[i64]> = match works {
        Some(ids) => ids.chunks(500).collect(),
        None => vec![&[]],
    };
    for chunk in chunks {
        let which = match works {
            Some(_) if chunk.is_empty() => continue,
            Some(_) => format!("id IN ({})", sql::list(2, chunk.len())),
            None => "$1 IS NOT NULL".to_owned(),
        };
        let mut values = vec![Value::Int(now)];
        if works.is_some() {
            values.extend(chunk.iter().map(|id| Value::Int(*id)));
        }
        let sql = format!(
            "UPDATE works SET
                score_post = (SELECT p.id FROM posts p WHERE p.work_id = works.id AND p.kind = 'pick'
                    AND p.status = 'published' AND p.published_at <= $1
                    AND EXISTS (SELECT 1 FROM scores s WHERE s.post_id = p.id)
                    ORDER BY p.published_at DESC, p.id DESC LIMIT 1),
                stats_until = (SELECT MIN(p.published_at) FROM posts p WHERE p.work_id = works.id
                    AND p.status = 'published' AND p.published_at > $1)
             WHERE {which}"
        );
        sqlx::query_with(&sql, sql::arguments(&values))
            .execute(&mut *conn)
            .await?;
        let sql = format!(
            "UPDATE works SET score = (SELECT AVG(s.normalised) FROM scores s WHERE s.post_id = works.score_post)
             WHERE {which}"
        );
        sqlx::query_with(&sql, sql::arguments(&values))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The works of these posts, as stored now.
pub(crate) async fn works_of(conn: &mut AnyConnection, posts: &[i64]) -> Result<Vec<i64>> {
    if posts.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT DISTINCT work_id FROM posts WHERE work_id IS NOT NULL AND id IN ({})",
        sql::list(1, posts.len())
    );
    Ok(sqlx::query_scalar_with(&sql, sql::ids(posts))
        .fetch_all(&mut *conn)
        .await?)
}

/// The query of a page of the works list: from the cursor's work on,
/// along the order's index, each work asked whether readers may see it
/// and whether it passes the filter; one more than `limit`, to know
/// whether another page follows.
fn works_query(
    filter: &WorkFilter,
    order: WorkOrder,
    at: WorksAt,
    limit: i64,
    now: i64,
) -> (String, Vec<Value>) {
    let (key, descending) = order.key();
    let mut values = vec![Value::Int(now)];
    let mut conditions = vec![
        "EXISTS (SELECT 1 FROM posts p WHERE p.work_id = w.id AND p.status = 'published' AND p.published_at <= $1)"
            .to_owned(),
    ];
    let mut add = |sql: &str, v: Value| {
        values.push(v);
        conditions.push(sql.replace("$?", &format!("${}", values.len())));
    };
    if let Some(k) = filter.kind {
        add("w.kind = $?", Value::Text(k.as_str().into()));
    }
    if let Some(g) = &filter.genre {
        add(
            "EXISTS (SELECT 1 FROM work_genres g WHERE g.work_id = w.id AND g.genre = $?)",
            Value::Text(g.clone()),
        );
    }
    if let Some(d) = filter.decade {
        // Sorted by year, the decade is a range of the order's index;
        // otherwise it is asked of each work on the way down the order's
        // index (`+` keeps the planner from sorting the decade instead).
        let year = if order == WorkOrder::Year {
            "w.year"
        } else {
            "+w.year"
        };
        add(&format!("{year} >= $?"), Value::Int(d.into()));
        add(&format!("{year} <= $?"), Value::Int(i64::from(d) + 9));
    }
    if let Some(s) = filter.min_score {
        add("w.score >= $?", Value::Float(s));
    }
    // Before a cursor, the list is read backwards (and turned round).
    let (cursor, forward) = match at {
        WorksAt::First => (None, true),
        WorksAt::After(id) => (Some(id), true),
        WorksAt::Before(id) => (Some(id), false),
    };
    let down = descending == forward;
    if let Some(id) = cursor {
        let op = if down { "<" } else { ">" };
        add(
            &format!(
                "({key}, w.id) {op} (SELECT {}, c.id FROM works c WHERE c.id = $?)",
                key.replace("w.", "c.")
            ),
            Value::Int(id),
        );
    }
    let dir = if down { "DESC" } else { "ASC" };
    values.push(Value::Int(limit + 1));
    let sql = format!(
        "SELECT w.id, w.slug, w.name, w.year, w.end_year, w.kind, w.genres, w.poster, w.score, w.score_post
         FROM works w WHERE {} ORDER BY {key} {dir}, w.id {dir} LIMIT ${}",
        conditions.join(" AND "),
        values.len()
    );
    (sql, values)
}

fn row_from(r: &AnyRow) -> Result<(WorkRow, Option<i64>), sqlx::Error> {
    let work = brief_from_row(r)?;
    Ok((
        WorkRow {
            years_label: years_label(work.kind, work.year, r.try_get("end_year")?),
            kind_label: work.kind.label(),
            work,
            genres: sql::json(r, "genres")?,
            poster: r.try_get("poster")?,
            score: r.try_get("score")?,
            scores: Vec::new(),
        },
        r.try_get("score_post")?,
    ))
}

impl Store {
    /// Derives the works' facts again when they were derived by another
    /// version (or never: a site older than the works list).
    pub(crate) async fn ensure_work_facts(&self) -> Result<()> {
        if self.setting(FACTS_VERSION_KEY).await?.as_deref() == Some(FACTS_VERSION) {
            return Ok(());
        }
        self.rebuild_work_facts().await
    }

    /// Derives every work's facts, its score and every pick's related
    /// picks again (those in the background): after a copy, which leaves
    /// them out, or when their version changes.
    pub(crate) async fn rebuild_work_facts(&self) -> Result<()> {
        let mut tx = self.begin().await?;
        let rows = sqlx::query("SELECT id, name, year, genres FROM works ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
        let works = rows
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<i64, _>("id")?,
                    r.try_get::<String, _>("name")?,
                    r.try_get::<i32, _>("year")?,
                    sql::json::<Vec<String>>(r, "genres")?,
                ))
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let facts: Vec<WorkFacts> = works
            .iter()
            .map(|(id, name, year, genres)| WorkFacts {
                id: *id,
                name,
                year: *year,
                genres,
            })
            .collect();
        write_work_genres(&mut tx, &facts, true).await?;
        for w in &facts {
            sqlx::query("UPDATE works SET sort_name = $1 WHERE id = $2")
                .bind(sort_name(w.name))
                .bind(w.id)
                .execute(&mut *tx)
                .await?;
        }
        refresh_work_stats(&mut tx, None, self.now()).await?;
        sqlx::query("DELETE FROM related_picks")
            .execute(&mut *tx)
            .await?;
        // Every pick's list, each alone: all are computed again.
        sqlx::query(
            "INSERT INTO related_stale (post_id, changed_at, spread)
             SELECT id, $1, $2 FROM posts WHERE kind = 'pick' ON CONFLICT (post_id) DO NOTHING",
        )
        .bind(self.now())
        .bind(false)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(FACTS_VERSION_KEY)
        .bind(FACTS_VERSION)
        .execute(&mut *tx)
        .await?;
        self.commit(tx, &[], &[]).await
    }

    /// Scores of works whose scheduled posts have gone live, computed
    /// again: called when the schedule says one has.
    pub(crate) async fn refresh_due_work_stats(&self) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let due: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM works WHERE stats_until <= $1 ORDER BY id")
                .bind(now)
                .fetch_all(&mut *tx)
                .await?;
        refresh_work_stats(&mut tx, Some(&due), now).await?;
        self.commit(tx, &[], &[]).await
    }

    /// A page of the works readers may see, `filter`ed, in `order`.
    pub async fn works_page(
        &self,
        filter: &WorkFilter,
        order: WorkOrder,
        at: WorksAt,
        limit: i64,
    ) -> Result<WorksPage> {
        // Scores follow scheduled posts that have gone live.
        self.publish_due().await?;
        let (sql, values) = works_query(filter, order, at, limit, self.now());
        let rows = sqlx::query_with(&sql, sql::arguments(&values))
            .fetch_all(&self.readers)
            .await?;
        let mut found = rows.iter().map(row_from).collect::<Result<Vec<_>, _>>()?;
        let more = found.len() as i64 > limit;
        found.truncate(limit as usize);
        if let WorksAt::Before(_) = at {
            found.reverse();
        }
        let (mut works, score_posts): (Vec<WorkRow>, Vec<Option<i64>>) = found.into_iter().unzip();
        let posts: Vec<i64> = score_posts.iter().flatten().copied().collect();
        let mut bars = self.score_bars(&posts).await?;
        for (row, post) in works.iter_mut().zip(&score_posts) {
            if let Some(post) = post {
                row.scores = bars.remove(post).unwrap_or_default();
            }
        }
        let first = works.first().map(|w| w.work.id);
        let last = works.last().map(|w| w.work.id);
        let (newer, older) = match at {
            WorksAt::First => (None, last.filter(|_| more)),
            WorksAt::After(_) => (first, last.filter(|_| more)),
            WorksAt::Before(_) => (first.filter(|_| more), last),
        };
        Ok(WorksPage {
            works,
            newer,
            older,
        })
    }

    /// How the engine would read a page of the works list, for the test
    /// that checks it walks an index (see [`Store::explain_list_page`]).
    pub async fn explain_works_page(
        &self,
        filter: &WorkFilter,
        order: WorkOrder,
        at: WorksAt,
    ) -> Result<String> {
        let (sql, values) = works_query(filter, order, at, WORKS_PER_PAGE, self.now());
        self.explain(&sql, &values).await
    }

    /// The scores of these posts, by post, in their order.
    async fn score_bars(&self, posts: &[i64]) -> Result<HashMap<i64, Vec<ScoreView>>> {
        let mut bars: HashMap<i64, Vec<ScoreView>> = HashMap::new();
        if posts.is_empty() {
            return Ok(bars);
        }
        let sql = format!(
            "SELECT post_id, source, value, scale FROM scores WHERE post_id IN ({}) ORDER BY post_id, position",
            sql::list(1, posts.len())
        );
        for r in sqlx::query_with(&sql, sql::ids(posts))
            .fetch_all(&self.readers)
            .await?
        {
            let score = Score {
                source: r.try_get("source")?,
                value: r.try_get("value")?,
                scale: r.try_get("scale")?,
            };
            bars.entry(r.try_get("post_id")?)
                .or_default()
                .push(ScoreView::of(score));
        }
        Ok(bars)
    }
}
