//! Reader comments, the moderators' spam decisions and the blocklists.

use crate::sql::{self, flag, json, named, to_json};
use crate::{Event, Result, Store, Topic};
use bestpick_core::comment::CommentStatus;
use sqlx::any::AnyRow;
use sqlx::Row;

/// A comment as the pipeline decided to store it.
#[derive(Debug, Clone)]
pub struct NewComment {
    pub post_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i64,
    pub name: String,
    pub email: String,
    pub website: Option<String>,
    pub user_id: Option<i64>,
    pub body: String,
    pub body_html: String,
    pub status: CommentStatus,
    pub score: Option<f64>,
    pub reasons: Vec<String>,
    pub ip: String,
    pub network: String,
    pub notify: bool,
    pub fingerprint: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Comment {
    pub id: i64,
    pub post_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i64,
    pub name: String,
    #[serde(skip)]
    pub email: String,
    pub website: Option<String>,
    pub user_id: Option<i64>,
    /// The team member who wrote it, when one did.
    pub username: Option<String>,
    #[serde(skip)]
    pub body: String,
    pub body_html: String,
    pub status: CommentStatus,
    pub score: Option<f64>,
    pub reasons: Vec<String>,
    #[serde(skip)]
    pub ip: String,
    pub notify: bool,
    pub approved: bool,
    /// Unix seconds.
    pub created_at: i64,
    pub updated_at: i64,
    /// The picture of a fediverse reply's author.
    pub avatar: Option<String>,
}

/// A moderator's decision the spam filter learns from: a comment's text,
/// what its post was about, and spam or not.
#[derive(Debug, Clone, PartialEq)]
pub struct SpamDecision {
    pub id: i64,
    pub text: String,
    pub context: String,
    pub spam: bool,
}

/// A comment in the moderation queue, with its post.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QueuedComment {
    #[serde(flatten)]
    pub comment: Comment,
    pub email: String,
    pub ip: String,
    pub post_title: String,
    pub post_url: String,
}

/// One commenter's comments by status, for the moderator.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct History {
    pub pending: i64,
    pub published: i64,
    pub spam: i64,
    pub trash: i64,
}

/// Which comments a moderator sees.
#[derive(Debug, Clone)]
pub struct QueueFilter {
    pub status: CommentStatus,
    /// Only comments on posts this user wrote (authors moderate their own).
    pub author_id: Option<i64>,
    pub limit: i64,
    pub offset: i64,
    /// Comments scored in `[from, to)` first, least sure first; then the
    /// rest, newest first: a review of the spam folder's borderline cases.
    pub first_scored: Option<(f64, f64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DayCount {
    /// Days before today, 0 = today.
    pub days_ago: i64,
    pub comments: i64,
    pub spam: i64,
}

const COLUMNS: &str = "c.id, c.post_id, c.parent_id, c.depth, c.name, c.email, c.website, c.user_id, c.body,
    c.body_html, c.status, c.score, c.reasons, c.ip, c.notify, c.approved, c.created_at, c.updated_at, c.avatar,
    (SELECT username FROM users u WHERE u.id = c.user_id) AS username";

fn from_row(r: &AnyRow) -> Result<Comment, sqlx::Error> {
    Ok(Comment {
        id: r.try_get("id")?,
        post_id: r.try_get("post_id")?,
        parent_id: r.try_get("parent_id")?,
        depth: r.try_get("depth")?,
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        website: r.try_get("website")?,
        user_id: r.try_get("user_id")?,
        username: r.try_get("username")?,
        body: r.try_get("body")?,
        body_html: r.try_get("body_html")?,
        status: named(r, "status", CommentStatus::parse)?,
        score: r.try_get("score")?,
        reasons: json(r, "reasons")?,
        ip: r.try_get("ip")?,
        notify: flag(r, "notify")?,
        approved: flag(r, "approved")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        avatar: r.try_get("avatar")?,
    })
}

fn all(rows: &[AnyRow]) -> Result<Vec<Comment>> {
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

impl Store {
    pub async fn insert_comment(&self, c: &NewComment) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = insert_comment_row(&mut tx, c, self.now()).await?;
        let events = [Event::Comment(id)];
        self.commit(tx, &[Topic::Post(c.post_id)], &events).await?;
        Ok(id)
    }

    /// Stores a reply from the fediverse: the comment, its author's
    /// picture, and the Note's id it answers to from now on.
    pub async fn insert_remote_comment(
        &self,
        c: &NewComment,
        object_id: &str,
        actor_id: &str,
        avatar: Option<&str>,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = insert_comment_row(&mut tx, c, self.now()).await?;
        sqlx::query("UPDATE comments SET avatar = $2 WHERE id = $1")
            .bind(id)
            .bind(avatar)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO remote_comments (object_id, comment_id, actor_id) VALUES ($1, $2, $3)",
        )
        .bind(object_id)
        .bind(id)
        .bind(actor_id)
        .execute(&mut *tx)
        .await?;
        let events = [Event::Comment(id)];
        self.commit(tx, &[Topic::Post(c.post_id)], &events).await?;
        Ok(id)
    }

    /// The comment a fediverse Note became, and who wrote the Note.
    pub async fn remote_comment(&self, object_id: &str) -> Result<Option<(i64, String)>> {
        Ok(
            sqlx::query_as("SELECT comment_id, actor_id FROM remote_comments WHERE object_id = $1")
                .bind(object_id)
                .fetch_optional(&self.readers)
                .await?,
        )
    }

    pub async fn comment(&self, id: i64) -> Result<Option<Comment>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM comments c WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(&self.readers)
            .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// A post's published comments, oldest first (threads are built from
    /// `parent_id`).
    pub async fn published_comments(&self, post_id: i64) -> Result<Vec<Comment>> {
        all(&sqlx::query(&format!(
            "SELECT {COLUMNS} FROM comments c WHERE c.post_id = $1 AND c.status = 'published'
             ORDER BY c.created_at, c.id"
        ))
        .bind(post_id)
        .fetch_all(&self.readers)
        .await?)
    }

    /// Id, time, address, network and post of every comment stored since
    /// `since`, oldest first: what the rate limits count.
    pub async fn arrivals_since(&self, since: i64) -> Result<Vec<(i64, i64, String, String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT id, created_at, ip, network, post_id FROM comments WHERE created_at >= $1 ORDER BY created_at, id",
        )
        .bind(since)
        .fetch_all(&self.readers)
        .await?)
    }

    async fn count(&self, sql: &str, key: &str, since: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(sql)
            .bind(key)
            .bind(since)
            .fetch_one(&self.readers)
            .await?)
    }

    /// What the rate limits and near-duplicate checks keep of one comment:
    /// (time, address, network, post, text).
    pub async fn arrival(&self, id: i64) -> Result<Option<(i64, String, String, i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT created_at, ip, network, post_id, body FROM comments WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.readers)
        .await?)
    }

    /// Whether a comment with this fingerprint was stored since `since`.
    pub async fn fingerprint_seen_since(&self, fingerprint: &str, since: i64) -> Result<bool> {
        Ok(self
            .count(
                "SELECT COUNT(*) FROM comments WHERE fingerprint = $1 AND created_at >= $2",
                fingerprint,
                since,
            )
            .await?
            > 0)
    }

    /// The id, time and body of the latest comments, oldest first, for
    /// near-duplicate checks.
    pub async fn recent_bodies(&self, since: i64, limit: i64) -> Result<Vec<(i64, i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT id, created_at, body FROM (SELECT id, created_at, body FROM comments WHERE created_at >= $1
                ORDER BY created_at DESC, id DESC LIMIT $2) AS latest ORDER BY created_at, id",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(&self.readers)
        .await?)
    }

    /// Whether a moderator has approved an earlier comment with this email.
    pub async fn is_trusted(&self, email: &str) -> Result<bool> {
        let row = sqlx::query(
            "SELECT EXISTS (SELECT 1 FROM comments WHERE email = $1 AND approved AND status = 'published') AS trusted",
        )
        .bind(email)
        .fetch_one(&self.readers)
        .await?;
        Ok(flag(&row, "trusted")?)
    }

    /// A commenter's own edit: new text and the pipeline's new verdict.
    pub async fn update_comment_body(
        &self,
        id: i64,
        body: &str,
        body_html: &str,
        status: CommentStatus,
        score: Option<f64>,
        reasons: &[String],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let post_id: Option<i64> = sqlx::query_scalar(
            "UPDATE comments SET body = $1, body_html = $2, fingerprint = $3, score = $4, reasons = $5, updated_at = $6,
                status_at = CASE WHEN status = $7 THEN status_at ELSE $6 END, status = $7
             WHERE id = $8 RETURNING post_id",
        )
        .bind(body)
        .bind(body_html)
        .bind(bestpick_core::comment::fingerprint(body))
        .bind(score)
        .bind(to_json(reasons))
        .bind(self.now())
        .bind(status.as_str())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        self.commit(tx, &post_topics(post_id), &[]).await?;
        Ok(())
    }

    /// Moves comments to `status`; `approved` marks a moderator's approval.
    /// Returns how many changed.
    pub async fn set_comment_status(
        &self,
        ids: &[i64],
        status: CommentStatus,
        approved: bool,
    ) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        // An approval stays once given: a later move to spam keeps it.
        let sql = format!(
            "UPDATE comments SET status = $1, status_at = $2, approved = (approved OR $3) WHERE id IN ({}) RETURNING post_id",
            sql::list(4, ids.len())
        );
        let mut q = sqlx::query_scalar(&sql)
            .bind(status.as_str())
            .bind(self.now())
            .bind(approved);
        for id in ids {
            q = q.bind(id);
        }
        let mut tx = self.begin().await?;
        let posts: Vec<i64> = q.fetch_all(&mut *tx).await?;
        self.commit(tx, &post_topics(posts.iter().copied()), &[])
            .await?;
        Ok(posts.len() as u64)
    }

    pub async fn delete_comment(&self, id: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        let post_id: Option<i64> =
            sqlx::query_scalar("DELETE FROM comments WHERE id = $1 RETURNING post_id")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        self.commit(tx, &post_topics(post_id), &[]).await?;
        Ok(())
    }

    /// The moderation queue and how many comments it holds in all.
    pub async fn comment_queue(&self, f: &QueueFilter) -> Result<(Vec<QueuedComment>, i64)> {
        // $1 is the status, $2 the author (NULL: every post's comments).
        let filter = "c.status = $1
            AND ($2 IS NULL OR c.post_id IN (SELECT post_id FROM post_authors WHERE user_id = $2))";
        // $5 and $6 bound the borderline scores; none when both are 2.
        let (from, to) = f.first_scored.unwrap_or((2.0, 2.0));
        let sql = format!(
            "SELECT {COLUMNS}, p.title AS post_title, s.slug AS section_slug, p.slug AS post_slug
             FROM comments c JOIN posts p ON p.id = c.post_id JOIN sections s ON s.id = p.section_id
             WHERE {filter}
             ORDER BY CASE WHEN c.score >= $5 AND c.score < $6 THEN 0 ELSE 1 END,
                 CASE WHEN c.score >= $5 AND c.score < $6 THEN c.score ELSE 0 END,
                 c.created_at DESC, c.id DESC
             LIMIT $3 OFFSET $4"
        );
        let rows = sqlx::query(&sql)
            .bind(f.status.as_str())
            .bind(f.author_id)
            .bind(f.limit)
            .bind(f.offset)
            .bind(from)
            .bind(to)
            .fetch_all(&self.readers)
            .await?;
        let items = rows
            .iter()
            .map(|r| {
                let comment = from_row(r)?;
                let section: String = r.try_get("section_slug")?;
                let post: String = r.try_get("post_slug")?;
                Ok(QueuedComment {
                    email: comment.email.clone(),
                    ip: comment.ip.clone(),
                    post_title: r.try_get("post_title")?,
                    post_url: format!("/{section}/{post}"),
                    comment,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        let count = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM comments c WHERE {filter}"))
            .bind(f.status.as_str())
            .bind(f.author_id)
            .fetch_one(&self.readers)
            .await?;
        Ok((items, count))
    }

    /// How many comments each status holds (for the queue's tabs).
    pub async fn comment_counts(&self, author_id: Option<i64>) -> Result<History> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM comments
             WHERE $1 IS NULL OR post_id IN (SELECT post_id FROM post_authors WHERE user_id = $1)
             GROUP BY status",
        )
        .bind(author_id)
        .fetch_all(&self.readers)
        .await?;
        history_from(&rows)
    }

    /// Several commenters' comments by status, in one query (for a page of
    /// the moderation queue); an email with no comments is missing.
    pub async fn commenter_histories(
        &self,
        emails: &[&str],
    ) -> Result<std::collections::HashMap<String, History>> {
        let mut out: std::collections::HashMap<String, History> = Default::default();
        if emails.is_empty() {
            return Ok(out);
        }
        let sql = format!(
            "SELECT email, status, COUNT(*) AS n FROM comments WHERE email IN ({}) GROUP BY email, status",
            sql::list(1, emails.len())
        );
        let mut q = sqlx::query(&sql);
        for e in emails {
            q = q.bind(*e);
        }
        for r in q.fetch_all(&self.readers).await? {
            let h = out.entry(r.try_get("email")?).or_default();
            add_to_history(h, &r)?;
        }
        Ok(out)
    }

    /// Whether `user_id` wrote the post the comment is on.
    pub async fn is_post_author(&self, post_id: i64, user_id: i64) -> Result<bool> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM post_authors WHERE post_id = $1 AND user_id = $2",
        )
        .bind(post_id)
        .bind(user_id)
        .fetch_one(&self.readers)
        .await?
            > 0)
    }

    /// Comments and spam per day over the last `days` days, oldest first,
    /// every day present.
    pub async fn comments_per_day(&self, days: i64) -> Result<Vec<DayCount>> {
        let now = self.now();
        let today = now - now.rem_euclid(86_400);
        let since = today - (days - 1) * 86_400;
        let rows = sqlx::query(
            "SELECT ($1 - (created_at - created_at % 86400)) / 86400 AS days_ago, COUNT(*) AS n,
                    SUM(CASE WHEN status = 'spam' THEN 1 ELSE 0 END) AS spam
             FROM comments WHERE created_at >= $2 GROUP BY days_ago",
        )
        .bind(today)
        .bind(since)
        .fetch_all(&self.readers)
        .await?;
        let mut out: Vec<DayCount> = (0..days)
            .rev()
            .map(|d| DayCount {
                days_ago: d,
                comments: 0,
                spam: 0,
            })
            .collect();
        for r in rows {
            let d: i64 = r.try_get("days_ago")?;
            if let Some(day) = out.iter_mut().find(|x| x.days_ago == d) {
                day.comments = r.try_get("n")?;
                day.spam = r.try_get("spam")?;
            }
        }
        Ok(out)
    }

    /// The decisions about one commenter's comments: (text, spam, Unix time).
    pub async fn spam_decisions_by_email(&self, email: &str) -> Result<Vec<(String, bool, i64)>> {
        let rows = sqlx::query(
            "SELECT body, spam, decided_at FROM spam_decisions WHERE email = $1 ORDER BY id",
        )
        .bind(email)
        .fetch_all(&self.readers)
        .await?;
        let decision = |r: &AnyRow| -> Result<_, sqlx::Error> {
            Ok((
                r.try_get("body")?,
                flag(r, "spam")?,
                r.try_get("decided_at")?,
            ))
        };
        Ok(rows.iter().map(decision).collect::<Result<_, _>>()?)
    }

    /// The stored decision `id`, if it still is.
    pub async fn spam_decision(&self, id: i64) -> Result<Option<SpamDecision>> {
        let row = sqlx::query("SELECT id, body, context, spam FROM spam_decisions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.readers)
            .await?;
        Ok(row.as_ref().map(decision_from).transpose()?)
    }

    /// Every stored decision, oldest first.
    pub async fn spam_decisions(&self) -> Result<Vec<SpamDecision>> {
        let rows = sqlx::query("SELECT id, body, context, spam FROM spam_decisions ORDER BY id")
            .fetch_all(&self.readers)
            .await?;
        Ok(rows.iter().map(decision_from).collect::<Result<_, _>>()?)
    }

    /// What post `post_id` is about, for the spam filter: its title and
    /// summary, its work's names, its people and their characters, its
    /// tags; one per line.
    pub async fn post_context(&self, post_id: i64) -> Result<String> {
        let lines: Vec<String> = sqlx::query_scalar(
            "SELECT title FROM posts WHERE id = $1
             UNION ALL SELECT summary FROM posts WHERE id = $1 AND summary IS NOT NULL
             UNION ALL SELECT w.name FROM works w JOIN posts p ON p.work_id = w.id WHERE p.id = $1
             UNION ALL SELECT w.original_name FROM works w JOIN posts p ON p.work_id = w.id
                 WHERE p.id = $1 AND w.original_name IS NOT NULL
             UNION ALL SELECT pe.name || ' ' || c.role FROM credits c
                 JOIN people pe ON pe.id = c.person_id JOIN posts p ON p.work_id = c.work_id
                 WHERE p.id = $1
             UNION ALL SELECT t.name FROM tags t JOIN post_tags pt ON pt.tag_id = t.id
                 WHERE pt.post_id = $1",
        )
        .bind(post_id)
        .fetch_all(&self.readers)
        .await?;
        Ok(lines.join("\n"))
    }

    /// Adds an entry to a blocklist (`word`, `email`, `ip` or `domain`).
    pub async fn block(&self, kind: &str, value: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO blocklist (kind, value, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(kind)
            .bind(value)
            .bind(self.now())
            .execute(&mut *tx)
            .await?;
        self.commit(tx, &[Topic::Blocklist], &[]).await?;
        Ok(())
    }

    pub async fn unblock(&self, kind: &str, value: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM blocklist WHERE kind = $1 AND value = $2")
            .bind(kind)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        self.commit(tx, &[Topic::Blocklist], &[]).await?;
        Ok(())
    }

    /// Every blocklist entry as (kind, value).
    pub async fn blocklist(&self) -> Result<Vec<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT kind, value FROM blocklist ORDER BY kind, value")
                .fetch_all(&self.readers)
                .await?,
        )
    }

    /// Every comment written with this email, oldest first.
    pub async fn comments_by_email(&self, email: &str) -> Result<Vec<Comment>> {
        all(&sqlx::query(&format!(
            "SELECT {COLUMNS} FROM comments c WHERE c.email = $1 ORDER BY c.created_at, c.id"
        ))
        .bind(email)
        .fetch_all(&self.readers)
        .await?)
    }

    /// Deletes every comment written with this email, the decisions that
    /// kept their text, and the email's blocklist entry; replies by others
    /// stay. Returns how many comments went.
    pub async fn erase_commenter(&self, email: &str) -> Result<u64> {
        let mut tx = self.begin().await?;
        let withdrawn = sqlx::query("DELETE FROM spam_decisions WHERE email = $1")
            .bind(email)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM blocklist WHERE kind = 'email' AND value = $1")
            .bind(email)
            .execute(&mut *tx)
            .await?;
        for table in ["comment_actions", "deleted_comments"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE email = $1"))
                .bind(email)
                .execute(&mut *tx)
                .await?;
        }
        let posts: Vec<i64> =
            sqlx::query_scalar("DELETE FROM comments WHERE email = $1 RETURNING post_id")
                .bind(email)
                .fetch_all(&mut *tx)
                .await?;
        let mut topics = post_topics(posts.iter().copied());
        topics.push(Topic::Blocklist);
        // Other instances forget the erased decisions too.
        let events = if withdrawn > 0 {
            vec![Event::SpamWithdrawn]
        } else {
            vec![]
        };
        self.commit(tx, &topics, &events).await?;
        Ok(posts.len() as u64)
    }

    /// Deletes spam that has been in the spam folder since before `before`.
    pub async fn purge_spam(&self, before: i64) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM comments WHERE status = 'spam' AND status_at < $1")
                .bind(before)
                .execute(&self.writer)
                .await?
                .rows_affected(),
        )
    }

    /// The full addresses of comments written before `before`, truncated.
    pub async fn old_full_ips(&self, before: i64) -> Result<Vec<(i64, String)>> {
        Ok(
            sqlx::query_as(
                "SELECT id, ip FROM comments WHERE NOT ip_truncated AND created_at < $1",
            )
            .bind(before)
            .fetch_all(&self.readers)
            .await?,
        )
    }

    /// Replaces full addresses by their truncated form, in the address and
    /// the network columns alike.
    pub async fn set_truncated_ips(&self, ips: &[(i64, String)]) -> Result<()> {
        let mut tx = self.begin().await?;
        for (id, ip) in ips {
            sqlx::query(
                "UPDATE comments SET ip = $1, network = $1, ip_truncated = TRUE WHERE id = $2",
            )
            .bind(ip)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        self.commit(tx, &[], &[]).await?;
        Ok(())
    }

    pub async fn set_post_comments_closed(&self, post_id: i64, closed: bool) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE posts SET comments_closed = $1 WHERE id = $2")
            .bind(closed)
            .bind(post_id)
            .execute(&mut *tx)
            .await?;
        self.commit(tx, &[Topic::Post(post_id)], &[]).await?;
        Ok(())
    }

    pub async fn set_section_comments_closed(&self, section_id: i64, closed: bool) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE sections SET comments_closed = $1 WHERE id = $2")
            .bind(closed)
            .bind(section_id)
            .execute(&mut *tx)
            .await?;
        // Every post of the section shows whether it takes comments.
        self.commit(tx, &[Topic::Site], &[]).await?;
        Ok(())
    }
}

async fn insert_comment_row(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    c: &NewComment,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
            "INSERT INTO comments (post_id, parent_id, depth, name, email, website, user_id, body, body_html,
                status, score, reasons, ip, network, notify, fingerprint, created_at, updated_at, status_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id",
        )
        .bind(c.post_id)
        .bind(c.parent_id)
        .bind(c.depth)
        .bind(&c.name)
        .bind(&c.email)
        .bind(&c.website)
        .bind(c.user_id)
        .bind(&c.body)
        .bind(&c.body_html)
        .bind(c.status.as_str())
        .bind(c.score)
        .bind(to_json(&c.reasons))
        .bind(&c.ip)
        .bind(&c.network)
        .bind(c.notify)
        .bind(&c.fingerprint)
        .bind(now)
        .bind(now)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?)
}

/// The pages of the posts whose comments changed, each once.
pub(crate) fn post_topics(post_ids: impl IntoIterator<Item = i64>) -> Vec<Topic> {
    let mut ids: Vec<i64> = post_ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter().map(Topic::Post).collect()
}

fn decision_from(r: &AnyRow) -> Result<SpamDecision, sqlx::Error> {
    Ok(SpamDecision {
        id: r.try_get("id")?,
        text: r.try_get("body")?,
        context: r.try_get("context")?,
        spam: flag(r, "spam")?,
    })
}

fn history_from(rows: &[AnyRow]) -> Result<History> {
    let mut h = History::default();
    for r in rows {
        add_to_history(&mut h, r)?;
    }
    Ok(h)
}

/// Adds a `status, n` row to a history.
fn add_to_history(h: &mut History, r: &AnyRow) -> Result<(), sqlx::Error> {
    let n: i64 = r.try_get("n")?;
    match named(r, "status", CommentStatus::parse)? {
        CommentStatus::Pending => h.pending = n,
        CommentStatus::Published => h.published = n,
        CommentStatus::Spam => h.spam = n,
        CommentStatus::Trash => h.trash = n,
    }
    Ok(())
}
