//! What moderators did to comments: every action stored per comment with
//! what it takes to undo it (the status before, the spam decision it
//! taught, a deleted comment held for a while), the undo of one press, and
//! each comment's history.

use crate::sql::{self, flag, to_json};
use crate::{Comment, Event, Result, SpamDecision, Store};
use bestpick_core::comment::CommentStatus;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

/// How long after a press it can be undone, in seconds: the notice offers
/// Undo for 10 seconds; the rest is slack for a slow connection. A comment
/// deleted for good is held this long, then removed by the next delete or
/// the hourly maintenance.
pub const UNDO_SECONDS: i64 = 60;

/// The columns a deleted comment is held with, in both tables.
const HELD: &str = "id, post_id, parent_id, depth, name, email, website, user_id, body, body_html,
    status, score, reasons, ip, network, ip_truncated, notify, approved, fingerprint, created_at,
    updated_at, status_at";

/// One press of a moderator on the comments it names.
#[derive(Debug)]
pub struct ModerationAct<'a> {
    pub user_id: i64,
    /// "approve", "spam", "trash", "restore" or "delete".
    pub action: &'static str,
    pub comments: &'a [Comment],
    /// Where they go; `None`: deleted for good (held while it can be undone).
    pub to: Option<CommentStatus>,
    /// Marks them approved by a moderator.
    pub approve: bool,
    /// The comments whose move teaches the spam filter (spam when `to` is
    /// the spam folder, not spam otherwise), each with what its post is
    /// about ([`Store::post_context`]).
    pub teaches: &'a [(i64, String)],
}

/// What a press did.
#[derive(Debug)]
pub struct Moderated {
    /// What names the press for its undo.
    pub batch: String,
    pub changed: u64,
    /// The decisions it stored for the spam filter.
    pub decisions: Vec<SpamDecision>,
}

/// What an undo did.
#[derive(Debug, Default)]
pub struct Undone {
    /// Comments put back as they were.
    pub restored: u64,
    /// Comments left alone: someone moved them again since.
    pub kept: u64,
    /// Whether it withdrew decisions the spam filter had learnt.
    pub withdrew: bool,
}

/// One line of a comment's history.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ModerationRecord {
    /// "approve", "spam", "trash", "restore", "delete" or "undo".
    pub action: String,
    /// The moderator's display name (none once their account is removed).
    pub by: Option<String>,
    /// Unix seconds.
    pub at: i64,
    /// When it was undone, if it was.
    pub undone_at: Option<i64>,
}

impl Store {
    /// Applies one press in one transaction: each comment's move (or its
    /// delete, held for undo), the decisions it teaches and its history.
    /// A comment no longer where it was read (`Comment::status`) is left
    /// alone.
    pub async fn moderate(&self, act: &ModerationAct<'_>) -> Result<Moderated> {
        let batch = format!("{:016x}", rand::random::<u64>());
        let now = self.now();
        let spam = act.to == Some(CommentStatus::Spam);
        let mut tx = self.begin().await?;
        if act.to.is_none() {
            sqlx::query("DELETE FROM deleted_comments WHERE deleted_at < $1")
                .bind(now - UNDO_SECONDS)
                .execute(&mut *tx)
                .await?;
        }
        let (mut decisions, mut events, mut posts) = (Vec::new(), Vec::new(), Vec::new());
        for c in act.comments {
            // Moved only from where it was read: a comment that someone
            // else moved meanwhile is left alone.
            let from = c.status.as_str();
            // The approval as it is now, for an undo to put back.
            let approved: Option<bool> = sqlx::query("SELECT approved FROM comments WHERE id = $1")
                .bind(c.id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| flag(&r, "approved"))
                .transpose()?;
            let moved = match act.to {
                Some(to) => sqlx::query(
                    "UPDATE comments SET status = $1, status_at = $2, approved = (approved OR $3)
                     WHERE id = $4 AND status = $5",
                )
                .bind(to.as_str())
                .bind(now)
                .bind(act.approve)
                .bind(c.id)
                .bind(from)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                None => self.hold_and_delete(&mut tx, c, now, &batch).await?,
            };
            if moved == 0 {
                continue;
            }
            let taught = act.teaches.iter().find(|(id, _)| *id == c.id);
            let decision: Option<i64> = if let Some((_, context)) = taught {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO spam_decisions (comment_id, email, body, spam, user_id, decided_at, context)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(c.id)
                .bind(&c.email)
                .bind(&c.body)
                .bind(spam)
                .bind(act.user_id)
                .bind(now)
                .bind(context)
                .fetch_one(&mut *tx)
                .await?;
                decisions.push(SpamDecision {
                    id,
                    text: c.body.clone(),
                    context: context.clone(),
                    spam,
                });
                events.push(Event::SpamDecision(id));
                Some(id)
            } else {
                None
            };
            sqlx::query(
                "INSERT INTO comment_actions (batch, comment_id, email, user_id, action, from_status,
                     from_approved, to_status, decision_id, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&batch)
            .bind(c.id)
            .bind(&c.email)
            .bind(act.user_id)
            .bind(act.action)
            .bind(from)
            .bind(approved.unwrap_or(c.approved))
            .bind(act.to.map(CommentStatus::as_str))
            .bind(decision)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            posts.push(c.post_id);
        }
        let changed = posts.len() as u64;
        self.commit(tx, &crate::comments::post_topics(posts), &events)
            .await?;
        Ok(Moderated {
            batch,
            changed,
            decisions,
        })
    }

    /// Takes back `user_id`'s press `batch`, made since `UNDO_SECONDS` ago:
    /// each comment it moved goes back where it was (unless moved again
    /// since), a deleted one comes back with its replies under it, and the
    /// decisions it taught the spam filter are withdrawn. `None` when there
    /// is nothing of theirs to undo: no such press, undone already, or too
    /// old.
    pub async fn undo_moderation(&self, batch: &str, user_id: i64) -> Result<Option<Undone>> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let rows = sqlx::query(
            "SELECT id, comment_id, email, action, from_status, from_approved, to_status, decision_id, at
             FROM comment_actions
             WHERE batch = $1 AND user_id = $2 AND undone_at IS NULL AND action <> 'undo' AND at >= $3
             ORDER BY id DESC",
        )
        .bind(batch)
        .bind(user_id)
        .bind(now - UNDO_SECONDS)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        // Last done, first undone: a reply deleted after its parent comes
        // back under it.
        let mut undone = Undone::default();
        let mut posts = Vec::new();
        for r in &rows {
            let comment_id: i64 = r.try_get("comment_id")?;
            let from: String = r.try_get("from_status")?;
            let to: Option<String> = r.try_get("to_status")?;
            let back = match &to {
                // The comment acted on, not a newer one that SQLite gave its
                // id to after a delete.
                Some(to) => {
                    sqlx::query(
                        "UPDATE comments SET status = $1, approved = $2, status_at = $3
                         WHERE id = $4 AND status = $5 AND created_at <= $6",
                    )
                    .bind(&from)
                    .bind(flag(r, "from_approved")?)
                    .bind(now)
                    .bind(comment_id)
                    .bind(to)
                    .bind(r.try_get::<i64, _>("at")?)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        > 0
                }
                None => self.bring_back(&mut tx, comment_id, batch).await?,
            };
            if !back {
                undone.kept += 1;
                continue;
            }
            undone.restored += 1;
            if let Some(post) = sqlx::query_scalar("SELECT post_id FROM comments WHERE id = $1")
                .bind(comment_id)
                .fetch_optional(&mut *tx)
                .await?
            {
                posts.push(post);
            }
            if let Some(decision) = r.try_get::<Option<i64>, _>("decision_id")? {
                undone.withdrew |= sqlx::query("DELETE FROM spam_decisions WHERE id = $1")
                    .bind(decision)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    > 0;
            }
            sqlx::query("UPDATE comment_actions SET undone_at = $1 WHERE id = $2")
                .bind(now)
                .bind(r.try_get::<i64, _>("id")?)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO comment_actions (batch, comment_id, email, user_id, action, from_status,
                     from_approved, to_status, at)
                 VALUES ($1, $2, $3, $4, 'undo', $5, FALSE, $6, $7)",
            )
            .bind(batch)
            .bind(comment_id)
            .bind(r.try_get::<String, _>("email")?)
            .bind(user_id)
            .bind(to.as_deref().unwrap_or("deleted"))
            .bind(&from)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        // Other instances rebuild their filters without the withdrawn ones.
        let events = if undone.withdrew {
            vec![Event::SpamWithdrawn]
        } else {
            vec![]
        };
        self.commit(tx, &crate::comments::post_topics(posts), &events)
            .await?;
        Ok(Some(undone))
    }

    /// Deletes `c` for good if it is still where the moderator saw it,
    /// holding it, and which replies it had, while the delete can be undone.
    async fn hold_and_delete(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        c: &Comment,
        now: i64,
        batch: &str,
    ) -> Result<u64> {
        // A comment held under the id of one still here is older: SQLite
        // gave its id again. It is past saving.
        sqlx::query(
            "DELETE FROM deleted_comments WHERE id = $1 AND EXISTS (SELECT 1 FROM comments WHERE id = $1)",
        )
        .bind(c.id)
        .execute(&mut **tx)
        .await?;
        let replies: Vec<i64> = sqlx::query_scalar("SELECT id FROM comments WHERE parent_id = $1")
            .bind(c.id)
            .fetch_all(&mut **tx)
            .await?;
        // Another moderator deleting it at the same moment: held once, and
        // the second delete finds nothing to delete.
        sqlx::query(&format!(
            "INSERT INTO deleted_comments ({HELD}, deleted_at, batch, replies)
             SELECT {HELD}, $2, $5, $3 FROM comments WHERE id = $1 AND status = $4
             ON CONFLICT (id) DO NOTHING"
        ))
        .bind(c.id)
        .bind(now)
        .bind(to_json(&replies))
        .bind(c.status.as_str())
        .bind(batch)
        .execute(&mut **tx)
        .await?;
        Ok(
            sqlx::query("DELETE FROM comments WHERE id = $1 AND status = $2")
                .bind(c.id)
                .bind(c.status.as_str())
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        )
    }

    /// Puts the comment the press `batch` deleted back, under its parent if
    /// that is still here, and its replies back under it. False when it is
    /// no longer held (or its id was taken meanwhile).
    async fn bring_back(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: i64,
        batch: &str,
    ) -> Result<bool> {
        let Some(held) = sqlx::query(
            "SELECT replies, deleted_at FROM deleted_comments WHERE id = $1 AND batch = $2",
        )
        .bind(id)
        .bind(batch)
        .fetch_optional(&mut **tx)
        .await?
        else {
            return Ok(false);
        };
        let replies: String = held.try_get("replies")?;
        let deleted_at: i64 = held.try_get("deleted_at")?;
        let columns = HELD.replace(
            "parent_id",
            "CASE WHEN parent_id IN (SELECT id FROM comments) THEN parent_id END",
        );
        let back = sqlx::query(&format!(
            "INSERT INTO comments ({HELD}) SELECT {columns} FROM deleted_comments WHERE id = $1
             ON CONFLICT DO NOTHING"
        ))
        .bind(id)
        .execute(&mut **tx)
        .await?
        .rows_affected()
            > 0;
        if !back {
            return Ok(false);
        }
        sqlx::query("DELETE FROM deleted_comments WHERE id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        let replies: Vec<i64> = serde_json::from_str(&replies).unwrap_or_default();
        if !replies.is_empty() {
            // Replies it had, not newer comments that took their ids.
            let sql = format!(
                "UPDATE comments SET parent_id = $1
                 WHERE parent_id IS NULL AND created_at <= $2 AND id IN ({})",
                sql::list(3, replies.len())
            );
            let mut q = sqlx::query(&sql).bind(id).bind(deleted_at);
            for r in &replies {
                q = q.bind(r);
            }
            q.execute(&mut **tx).await?;
        }
        Ok(true)
    }

    /// The history of each of `ids`, oldest first. An action older than the
    /// comment belongs to an earlier comment whose id SQLite gave again.
    pub async fn moderation_history(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<ModerationRecord>>> {
        let mut out: HashMap<i64, Vec<ModerationRecord>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let sql = format!(
            "SELECT a.comment_id, a.action, a.at, a.undone_at, u.display_name
             FROM comment_actions a JOIN comments c ON c.id = a.comment_id
             LEFT JOIN users u ON u.id = a.user_id
             WHERE a.comment_id IN ({}) AND a.at >= c.created_at
             ORDER BY a.id",
            sql::list(1, ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id);
        }
        let record = |r: &AnyRow| -> Result<(i64, ModerationRecord), sqlx::Error> {
            Ok((
                r.try_get("comment_id")?,
                ModerationRecord {
                    action: r.try_get("action")?,
                    by: r.try_get("display_name")?,
                    at: r.try_get("at")?,
                    undone_at: r.try_get("undone_at")?,
                },
            ))
        };
        for row in q.fetch_all(&self.readers).await?.iter() {
            let (id, rec) = record(row)?;
            out.entry(id).or_default().push(rec);
        }
        Ok(out)
    }

    /// What moderators did to one commenter's comments, for their export:
    /// (comment id, action, Unix time, undone at), oldest first; and their
    /// deleted comments still held for an undo: (id, text, deleted at).
    #[allow(clippy::type_complexity)]
    pub async fn moderation_of_commenter(
        &self,
        email: &str,
    ) -> Result<(
        Vec<(i64, String, i64, Option<i64>)>,
        Vec<(i64, String, i64)>,
    )> {
        let actions = sqlx::query_as(
            "SELECT comment_id, action, at, undone_at FROM comment_actions WHERE email = $1 ORDER BY id",
        )
        .bind(email)
        .fetch_all(&self.readers)
        .await?;
        let held = sqlx::query_as(
            "SELECT id, body, deleted_at FROM deleted_comments WHERE email = $1 ORDER BY id",
        )
        .bind(email)
        .fetch_all(&self.readers)
        .await?;
        Ok((actions, held))
    }

    /// Forgets deleted comments past their undo, and the history of
    /// comments that are gone (their id maybe given to a newer one).
    pub async fn purge_moderation_leftovers(&self) -> Result<()> {
        let before = self.now() - UNDO_SECONDS;
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM deleted_comments WHERE deleted_at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM comment_actions WHERE at < $1
             AND NOT EXISTS (SELECT 1 FROM comments c
                 WHERE c.id = comment_actions.comment_id AND c.created_at <= comment_actions.at)",
        )
        .bind(before)
        .execute(&mut *tx)
        .await?;
        self.commit(tx, &[], &[]).await
    }
}
