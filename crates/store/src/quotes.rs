//! Lines as the Quotes section and Guess! read them: every line of every
//! work that a post readers may see quotes, with its work and its post.

use crate::sql::{self, named};
use crate::works::{brief_from_row, WorkBrief};
use crate::{Result, Store};
use bestpick_core::work::WorkKind;
use sqlx::any::AnyRow;
use sqlx::Row;

/// A line with where it comes from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Quote {
    pub id: i64,
    pub speaker: String,
    pub text: String,
    pub context: Option<String>,
    pub work: WorkBrief,
    /// The post that quotes it.
    pub post_url: String,
    pub post_title: String,
}

/// A work with how many lines it has and its first few.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QuotedWork {
    pub work: WorkBrief,
    pub count: i64,
    pub quotes: Vec<Quote>,
}

/// A page of the works that have lines, by name.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QuotedWorksPage {
    pub works: Vec<QuotedWork>,
    /// The last work's id, when more follow.
    pub next: Option<i64>,
}

/// Lines with their work and post (a macro: `concat!` takes literals).
macro_rules! quote_columns {
    () => {
        "SELECT l.id, l.speaker, l.text, l.context, p.slug AS post_slug,
    p.title AS post_title, s.slug AS section_slug, w.id AS work_id, w.slug AS work_slug,
    w.name AS work_name, w.year AS work_year, w.kind AS work_kind
    FROM lines l JOIN posts p ON p.id = l.post_id JOIN sections s ON s.id = p.section_id
    JOIN works w ON w.id = p.work_id"
    };
}

/// Lines of posts readers may see at `$1`.
const QUOTE_SELECT: &str = concat!(
    quote_columns!(),
    " WHERE p.status = 'published' AND p.published_at <= $1"
);

/// The same, walked from the lines' side: the post's status and time are
/// asked of each line's post, never looked up in an index of every post
/// (`|| ''` and `+` keep them out of the planner's choice).
const QUOTE_LINE_SELECT: &str = concat!(
    quote_columns!(),
    " WHERE p.status || '' = 'published' AND +p.published_at <= $1"
);

/// Works readers may see at `$1` (a post of theirs is visible).
const VISIBLE_WORK: &str = "EXISTS (SELECT 1 FROM posts p WHERE p.work_id = w.id
    AND p.status = 'published' AND p.published_at <= $1)";

fn quote_from_row(r: &AnyRow) -> Result<Quote, sqlx::Error> {
    let section: String = r.try_get("section_slug")?;
    let post: String = r.try_get("post_slug")?;
    Ok(Quote {
        id: r.try_get("id")?,
        speaker: r.try_get("speaker")?,
        text: r.try_get("text")?,
        context: r.try_get("context")?,
        work: WorkBrief {
            id: r.try_get("work_id")?,
            slug: r.try_get("work_slug")?,
            name: r.try_get("work_name")?,
            year: r.try_get("work_year")?,
            kind: named(r, "work_kind", WorkKind::parse)?,
        },
        post_url: format!("/{section}/{post}"),
        post_title: r.try_get("post_title")?,
    })
}

impl Store {
    /// A line readers may see.
    pub async fn quote(&self, id: i64) -> Result<Option<Quote>> {
        let row = sqlx::query(&format!("{QUOTE_SELECT} AND l.id = $2"))
            .bind(self.now())
            .bind(id)
            .fetch_optional(&self.readers)
            .await?;
        Ok(row.as_ref().map(quote_from_row).transpose()?)
    }

    /// Every line of a work readers may see, by speaker, then as posts
    /// quote them (oldest post first).
    pub async fn work_quotes(&self, work: i64) -> Result<Vec<Quote>> {
        let rows = sqlx::query(&format!(
            "{QUOTE_SELECT} AND p.work_id = $2 ORDER BY l.speaker, p.published_at, p.id, l.position"
        ))
        .bind(self.now())
        .bind(work)
        .fetch_all(&self.readers)
        .await?;
        Ok(rows.iter().map(quote_from_row).collect::<Result<_, _>>()?)
    }

    /// A page of the works that have lines readers may see, by name
    /// (walking `works_by_name` from the work `after`), each with its
    /// count of lines and its first `shown`.
    pub async fn quoted_works_page(
        &self,
        after: Option<i64>,
        limit: i64,
        shown: usize,
    ) -> Result<QuotedWorksPage> {
        let has_lines = "EXISTS (SELECT 1 FROM posts p JOIN lines l ON l.post_id = p.id
            WHERE p.work_id = w.id AND p.status = 'published' AND p.published_at <= $1)";
        let (cursor, values) = match after {
            Some(id) => (
                "AND (w.sort_name, w.id) > (SELECT c.sort_name, c.id FROM works c WHERE c.id = $3)",
                vec![
                    sql::Value::Int(self.now()),
                    sql::Value::Int(limit + 1),
                    sql::Value::Int(id),
                ],
            ),
            None => (
                "",
                vec![sql::Value::Int(self.now()), sql::Value::Int(limit + 1)],
            ),
        };
        let sql = format!(
            "SELECT w.id FROM works w WHERE {has_lines} {cursor} ORDER BY w.sort_name, w.id LIMIT $2"
        );
        let mut ids: Vec<i64> = sqlx::query_scalar_with(&sql, sql::arguments(&values))
            .fetch_all(&self.readers)
            .await?;
        let more = ids.len() as i64 > limit;
        ids.truncate(limit as usize);
        let mut works = Vec::new();
        if !ids.is_empty() {
            // Every line of the page's works in one query.
            let sql = format!(
                "{QUOTE_SELECT} AND p.work_id IN ({}) ORDER BY w.sort_name, w.id, p.published_at, p.id, l.position",
                sql::list(2, ids.len())
            );
            let mut values = vec![sql::Value::Int(self.now())];
            values.extend(ids.iter().map(|id| sql::Value::Int(*id)));
            let rows = sqlx::query_with(&sql, sql::arguments(&values))
                .fetch_all(&self.readers)
                .await?;
            for r in &rows {
                let q = quote_from_row(r)?;
                match works.last_mut() {
                    Some(QuotedWork {
                        work,
                        count,
                        quotes,
                    }) if work.id == q.work.id => {
                        *count += 1;
                        if quotes.len() < shown {
                            quotes.push(q);
                        }
                    }
                    _ => works.push(QuotedWork {
                        work: q.work.clone(),
                        count: 1,
                        quotes: vec![q],
                    }),
                }
            }
        }
        let next = works.last().map(|w| w.work.id).filter(|_| more);
        Ok(QuotedWorksPage { works, next })
    }

    /// The lowest and highest line ids, for picking lines at random.
    pub async fn line_id_range(&self) -> Result<Option<(i64, i64)>> {
        self.id_range("lines").await
    }

    /// The lowest and highest ids of `table` (a name of ours, not input).
    async fn id_range(&self, table: &str) -> Result<Option<(i64, i64)>> {
        let (low, high): (Option<i64>, Option<i64>) =
            sqlx::query_as(&format!("SELECT MIN(id), MAX(id) FROM {table}"))
                .fetch_one(&self.readers)
                .await?;
        Ok(low.zip(high))
    }

    /// The first line readers may see from id `from` on (wrapping round to
    /// the first of all): with `from` drawn at random, a random line, found
    /// through the primary key however many lines there are.
    pub async fn quote_from(&self, from: i64) -> Result<Option<Quote>> {
        for bound in [from, i64::MIN] {
            let row = sqlx::query(&format!(
                "{QUOTE_LINE_SELECT} AND l.id >= $2 ORDER BY l.id LIMIT 1"
            ))
            .bind(self.now())
            .bind(bound)
            .fetch_optional(&self.readers)
            .await?;
            if let Some(r) = row {
                return Ok(Some(quote_from_row(&r)?));
            }
        }
        Ok(None)
    }

    /// The lowest and highest work ids, for picking works at random.
    pub async fn work_id_range(&self) -> Result<Option<(i64, i64)>> {
        self.id_range("works").await
    }

    /// The first work readers may see from id `from` on (wrapping round).
    pub async fn work_from(&self, from: i64) -> Result<Option<WorkBrief>> {
        for bound in [from, i64::MIN] {
            let row = sqlx::query(&format!(
                "SELECT w.id, w.slug, w.name, w.year, w.kind FROM works w
                 WHERE {VISIBLE_WORK} AND w.id >= $2 ORDER BY w.id LIMIT 1"
            ))
            .bind(self.now())
            .bind(bound)
            .fetch_optional(&self.readers)
            .await?;
            if let Some(r) = row {
                return Ok(Some(brief_from_row(&r)?));
            }
        }
        Ok(None)
    }

    /// These works, those readers may see, in the order asked.
    pub async fn work_briefs(&self, ids: &[i64]) -> Result<Vec<WorkBrief>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT w.id, w.slug, w.name, w.year, w.kind FROM works w
             WHERE {VISIBLE_WORK} AND w.id IN ({})",
            sql::list(2, ids.len())
        );
        let mut values = vec![sql::Value::Int(self.now())];
        values.extend(ids.iter().map(|id| sql::Value::Int(*id)));
        let rows = sqlx::query_with(&sql, sql::arguments(&values))
            .fetch_all(&self.readers)
            .await?;
        let mut found = rows
            .iter()
            .map(brief_from_row)
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        found.sort_by_key(|w| ids.iter().position(|id| *id == w.id));
        Ok(found)
    }

    /// These works' names as readers know them (name and original name),
    /// by id: what a typed guess is matched against.
    pub async fn work_names(&self, id: i64) -> Result<Vec<String>> {
        let row: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT name, original_name FROM works WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.readers)
                .await?;
        Ok(row
            .map(|(name, original)| std::iter::once(name).chain(original).collect())
            .unwrap_or_default())
    }
}

/// A Guess! round's result: (score, lines, best streak).
pub type GuessResult = (i64, i64, i64);

impl Store {
    /// Records a new Guess! round of `lines` lines (and forgets rounds
    /// left unfinished a day ago).
    pub async fn start_guess_round(&self, id: &str, lines: i64) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM guess_rounds WHERE asked < lines AND updated_at < $1")
            .bind(now - 86_400)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO guess_rounds (id, lines, asked, score, best, updated_at) VALUES ($1, $2, 0, 0, 0, $3)",
        )
        .bind(id)
        .bind(lines)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.commit(tx, &[], &[]).await
    }

    /// Records an answer to a round that had `asked` answers, with the
    /// round's score, best streak and length after it. False when the round
    /// had moved on (an old cookie sent again) or is unknown: nothing changes.
    pub async fn step_guess_round(
        &self,
        id: &str,
        asked: i64,
        (score, lines, best): GuessResult,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE guess_rounds SET asked = asked + 1, score = $1, lines = $2, best = $3, updated_at = $4
             WHERE id = $5 AND asked = $6 AND asked < lines",
        )
        .bind(score)
        .bind(lines)
        .bind(best)
        .bind(self.now())
        .bind(id)
        .bind(asked)
        .execute(&mut *tx)
        .await?;
        self.commit(tx, &[], &[]).await?;
        Ok(done.rows_affected() == 1)
    }

    /// A round's length after a line was skipped (unpublished meanwhile).
    pub async fn shorten_guess_round(&self, id: &str, lines: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE guess_rounds SET lines = $1 WHERE id = $2 AND asked <= $1")
            .bind(lines)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.commit(tx, &[], &[]).await
    }

    /// A finished round's result.
    pub async fn guess_result(&self, id: &str) -> Result<Option<GuessResult>> {
        Ok(sqlx::query_as(
            "SELECT score, lines, best FROM guess_rounds WHERE id = $1 AND asked = lines AND lines > 0",
        )
        .bind(id)
        .fetch_optional(&self.readers)
        .await?)
    }
}
