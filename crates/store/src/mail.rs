//! The outgoing mail queue, newsletter subscribers, and what has been
//! mailed about. A message is stored rendered, so a restart or a server
//! that is down loses none; a try that fails is retried later and later
//! until the message is a day old, then given up with the reason kept.

use crate::queue::MAIL;
use crate::{Result, Store};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A message to queue.
#[derive(Debug, Clone)]
pub struct NewMail {
    /// reply, confirm, newsletter, test
    pub kind: &'static str,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// The one-click unsubscribe address, when there is one.
    pub unsubscribe: Option<String>,
}

/// A message taken from the queue to send.
#[derive(Debug, Clone)]
pub struct QueuedMail {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub unsubscribe: Option<String>,
    pub created_at: i64,
    pub attempts: i64,
}

/// How the queue stands, for the admin and the API.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct MailCounts {
    pub waiting: i64,
    pub sent: i64,
    pub given_up: i64,
    /// The last message given up: to whom, and why.
    pub last_failure: Option<(String, String)>,
}

/// A published reply to a comment whose writer asked to hear of replies.
#[derive(Debug, Clone)]
pub struct ReplyNotice {
    pub reply_id: i64,
    pub reply_name: String,
    pub parent_id: i64,
    pub parent_name: String,
    pub parent_email: String,
    pub post_title: String,
    /// `/section/slug`
    pub post_url: String,
}

/// A newsletter subscriber's state.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Subscriber {
    pub id: i64,
    pub email: String,
    /// pending, confirmed, unsubscribed
    pub status: String,
    pub created_at: i64,
    pub confirmed_at: Option<i64>,
    pub unsubscribed_at: Option<i64>,
}

/// A message is given up once it has waited this long.
pub const GIVE_UP_AFTER: i64 = 24 * 3600;

fn queued(r: &AnyRow) -> std::result::Result<QueuedMail, sqlx::Error> {
    Ok(QueuedMail {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        recipient: r.try_get("recipient")?,
        subject: r.try_get("subject")?,
        text_body: r.try_get("text_body")?,
        html_body: r.try_get("html_body")?,
        unsubscribe: r.try_get("unsubscribe")?,
        created_at: r.try_get("created_at")?,
        attempts: r.try_get("attempts")?,
    })
}

fn subscriber(r: &AnyRow) -> std::result::Result<Subscriber, sqlx::Error> {
    Ok(Subscriber {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        status: r.try_get("status")?,
        created_at: r.try_get("created_at")?,
        confirmed_at: r.try_get("confirmed_at")?,
        unsubscribed_at: r.try_get("unsubscribed_at")?,
    })
}

const INSERT_MAIL: &str = "INSERT INTO mail_queue
    (kind, recipient, subject, text_body, html_body, unsubscribe, created_at, next_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $7)";

impl Store {
    pub async fn queue_mail(&self, mail: &NewMail) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_mail(&mut tx, mail, self.now()).await?;
        self.commit(tx, &[], &[]).await
    }

    /// Queues `mails` about `targets` (a reply, the posts of a newsletter)
    /// unless one of them was mailed about already: at most one mail each,
    /// whoever asks twice (another instance too). Whether they were queued.
    pub async fn queue_mail_once(
        &self,
        kind: &str,
        targets: &[i64],
        mails: &[NewMail],
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let now = self.now();
        let mut fresh = true;
        for target in targets {
            fresh &= sqlx::query(
                "INSERT INTO mailed (kind, target_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(kind)
            .bind(target)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
        }
        if !fresh {
            // Another sender was first: nothing of this one is kept.
            tx.rollback().await?;
            return Ok(false);
        }
        for mail in mails {
            insert_mail(&mut tx, mail, now).await?;
        }
        self.commit(tx, &[], &[]).await?;
        Ok(fresh)
    }

    /// Takes the next message due, for `lease` seconds: another instance
    /// (or this one, after a crash mid-send) takes it again only after that.
    pub async fn take_due_mail(&self, lease: i64) -> Result<Option<QueuedMail>> {
        let columns =
            "id, kind, recipient, subject, text_body, html_body, unsubscribe, created_at, attempts";
        let row = MAIL.take(self, lease, columns).await?;
        Ok(row.as_ref().map(queued).transpose()?)
    }

    pub async fn mail_sent(&self, id: i64) -> Result<()> {
        MAIL.done(self, id).await
    }

    /// A try failed: tried again later, or given up once a day old (or at
    /// once when the server said the address will never take it).
    pub async fn mail_failed(&self, mail: &QueuedMail, error: &str, permanent: bool) -> Result<()> {
        MAIL.failed(
            self,
            mail.id,
            mail.created_at,
            mail.attempts,
            error,
            permanent,
            GIVE_UP_AFTER,
        )
        .await
    }

    /// Whether any message was tried and failed (and waits to be tried again).
    pub async fn mail_tried(&self) -> Result<bool> {
        let tried: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM mail_queue WHERE sent_at IS NULL AND attempts > 0",
        )
        .fetch_one(&self.readers)
        .await?;
        Ok(tried > 0)
    }

    pub async fn mail_counts(&self) -> Result<MailCounts> {
        let r = sqlx::query(
            "SELECT COUNT(*) FILTER (WHERE sent_at IS NULL AND gave_up_at IS NULL) AS waiting,
                    COUNT(sent_at) AS sent, COUNT(gave_up_at) AS given_up FROM mail_queue",
        )
        .fetch_one(&self.readers)
        .await?;
        let last = sqlx::query(
            "SELECT recipient, last_error FROM mail_queue WHERE gave_up_at IS NOT NULL
             ORDER BY gave_up_at DESC, id DESC LIMIT 1",
        )
        .fetch_optional(&self.readers)
        .await?;
        Ok(MailCounts {
            waiting: r.try_get("waiting")?,
            sent: r.try_get("sent")?,
            given_up: r.try_get("given_up")?,
            last_failure: match last {
                Some(r) => Some((
                    r.try_get("recipient")?,
                    r.try_get::<Option<String>, _>("last_error")?
                        .unwrap_or_default(),
                )),
                None => None,
            },
        })
    }

    /// Deletes sent and given-up messages a month old; how many.
    pub async fn prune_mail(&self) -> Result<u64> {
        MAIL.prune(self).await
    }

    /// Mail of `kind` queued for `recipient` since `since`: a flood's measure.
    pub async fn mail_to_since(&self, recipient: &str, kind: &str, since: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM mail_queue WHERE recipient = $1 AND kind = $2 AND created_at >= $3",
        )
        .bind(recipient)
        .bind(kind)
        .bind(since)
        .fetch_one(&self.readers)
        .await?)
    }

    /// Published replies since `since` to comments whose writers asked to
    /// hear of them (and did not write the reply), not yet mailed about.
    /// Held or spam replies are not published, so never here.
    pub async fn replies_to_mail(&self, since: i64) -> Result<Vec<ReplyNotice>> {
        let rows = sqlx::query(
            "SELECT c.id AS reply_id, c.name AS reply_name,
                    p.id AS parent_id, p.name AS parent_name, p.email AS parent_email,
                    po.title AS post_title, s.slug AS section_slug, po.slug AS post_slug
             FROM comments c
             JOIN comments p ON p.id = c.parent_id
             JOIN posts po ON po.id = c.post_id
             JOIN sections s ON s.id = po.section_id
             WHERE c.status = 'published' AND c.created_at >= $1
               AND p.notify AND p.status = 'published' AND p.email <> '' AND p.email <> c.email
               AND po.status = 'published' AND po.published_at <= $2
               AND NOT EXISTS (SELECT 1 FROM mailed m WHERE m.kind = 'reply' AND m.target_id = c.id)
             ORDER BY c.id LIMIT 100",
        )
        .bind(since)
        .bind(self.now())
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReplyNotice {
                    reply_id: r.try_get("reply_id")?,
                    reply_name: r.try_get("reply_name")?,
                    parent_id: r.try_get("parent_id")?,
                    parent_name: r.try_get("parent_name")?,
                    parent_email: r.try_get("parent_email")?,
                    post_title: r.try_get("post_title")?,
                    post_url: format!(
                        "/{}/{}",
                        r.try_get::<String, _>("section_slug")?,
                        r.try_get::<String, _>("post_slug")?
                    ),
                })
            })
            .collect()
    }

    /// Stops reply notices for a comment (its unsubscribe link).
    pub async fn stop_reply_notices(&self, comment_id: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE comments SET notify = $2 WHERE id = $1")
            .bind(comment_id)
            .bind(false)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Adds an address as pending (or pending again, after leaving).
    /// What it was before: none, or its status.
    pub async fn subscribe(&self, email: &str) -> Result<Option<String>> {
        let mut tx = self.begin().await?;
        let before: Option<String> =
            sqlx::query_scalar("SELECT status FROM subscribers WHERE email = $1")
                .bind(email)
                .fetch_optional(&mut *tx)
                .await?;
        match before.as_deref() {
            None => {
                // Two forms sent at once: the second finds the first's row.
                sqlx::query("INSERT INTO subscribers (email, status, created_at) VALUES ($1, 'pending', $2) ON CONFLICT DO NOTHING")
                    .bind(email)
                    .bind(self.now())
                    .execute(&mut *tx)
                    .await?;
            }
            Some("unsubscribed") => {
                sqlx::query("UPDATE subscribers SET status = 'pending', unsubscribed_at = NULL WHERE email = $1")
                    .bind(email)
                    .execute(&mut *tx)
                    .await?;
            }
            Some(_) => {}
        }
        self.commit(tx, &[], &[]).await?;
        Ok(before)
    }

    /// Confirms a pending address (its owner followed the link); whether
    /// it is confirmed now (it was already, or was just made so).
    pub async fn confirm_subscriber(&self, email: &str) -> Result<bool> {
        let status: Option<String> = sqlx::query_scalar(
            "UPDATE subscribers SET status = 'confirmed',
               confirmed_at = CASE WHEN status = 'pending' THEN $2 ELSE confirmed_at END
             WHERE email = $1 AND status IN ('pending', 'confirmed') RETURNING status",
        )
        .bind(email)
        .bind(self.now())
        .fetch_optional(&self.writer)
        .await?;
        Ok(status.is_some())
    }

    /// Takes an address off the newsletter, with the newsletters still
    /// waiting to be sent to it: nothing arrives after leaving.
    pub async fn unsubscribe(&self, email: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = $2
             WHERE email = $1 AND status <> 'unsubscribed'",
        )
        .bind(email)
        .bind(self.now())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM mail_queue WHERE recipient = $1 AND kind = 'newsletter'
               AND sent_at IS NULL AND gave_up_at IS NULL",
        )
        .bind(email)
        .execute(&mut *tx)
        .await?;
        self.commit(tx, &[], &[]).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every subscriber, newest first.
    pub async fn subscribers(&self) -> Result<Vec<Subscriber>> {
        let rows = sqlx::query(
            "SELECT id, email, status, created_at, confirmed_at, unsubscribed_at FROM subscribers
             ORDER BY created_at DESC, id DESC",
        )
        .fetch_all(&self.readers)
        .await?;
        Ok(rows
            .iter()
            .map(subscriber)
            .collect::<std::result::Result<_, _>>()?)
    }

    /// Published posts gone live since `since` and not yet mailed, oldest first.
    pub async fn posts_to_mail(&self, since: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT p.id FROM posts p WHERE p.status = 'published' AND p.published_at <= $2
               AND p.published_at >= $1
               AND NOT EXISTS (SELECT 1 FROM mailed m WHERE m.kind = 'post' AND m.target_id = p.id)
             ORDER BY p.published_at, p.id LIMIT 50",
        )
        .bind(since)
        .bind(self.now())
        .fetch_all(&self.readers)
        .await?)
    }
}

async fn insert_mail(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    mail: &NewMail,
    now: i64,
) -> Result<()> {
    sqlx::query(INSERT_MAIL)
        .bind(mail.kind)
        .bind(&mail.recipient)
        .bind(&mail.subject)
        .bind(&mail.text_body)
        .bind(&mail.html_body)
        .bind(&mail.unsubscribe)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
