//! What federation keeps: each actor's key pair.

use crate::queue::DELIVERIES;
use crate::{Result, Store};
use sqlx::Row;

/// An actor's key pair, as PEM.
#[derive(Clone)]
pub struct ActorKeys {
    pub public_pem: String,
    pub private_pem: String,
}

/// The private key stays out of logs.
impl std::fmt::Debug for ActorKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActorKeys")
            .field("public_pem", &self.public_pem)
            .finish()
    }
}

const SELECT: &str = "SELECT public_pem, private_pem FROM actor_keys WHERE actor = $1";

fn from_row(r: &sqlx::any::AnyRow) -> std::result::Result<ActorKeys, sqlx::Error> {
    Ok(ActorKeys {
        public_pem: r.try_get("public_pem")?,
        private_pem: r.try_get("private_pem")?,
    })
}

impl Store {
    pub async fn actor_keys(&self, actor: &str) -> Result<Option<ActorKeys>> {
        let row = sqlx::query(SELECT)
            .bind(actor)
            .fetch_optional(&self.readers)
            .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// Keeps `keys` for `actor` unless it has some already (another
    /// instance made them first); the actor's keys either way.
    pub async fn keep_actor_keys(&self, actor: &str, keys: &ActorKeys) -> Result<ActorKeys> {
        sqlx::query(
            "INSERT INTO actor_keys (actor, public_pem, private_pem, created_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(actor)
        .bind(&keys.public_pem)
        .bind(&keys.private_pem)
        .bind(self.now())
        .execute(&self.writer)
        .await?;
        // Read where it was written: the first writer's keys are the ones kept.
        let row = sqlx::query(SELECT)
            .bind(actor)
            .fetch_one(&self.writer)
            .await?;
        Ok(from_row(&row)?)
    }
}

/// Another server's actor, as last fetched.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RemoteActor {
    pub id: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub key_id: String,
    #[serde(skip)]
    pub public_pem: String,
    pub name: String,
    /// `@user@host`
    pub handle: String,
    pub url: Option<String>,
    pub icon: Option<String>,
    pub fetched_at: i64,
}

/// A follower, for the admin's list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Follower {
    /// Whom they follow: `site` or `user:ID`.
    pub local_actor: String,
    pub actor: RemoteActor,
    pub since: i64,
}

/// An activity taken from the queue to deliver.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub inbox: String,
    pub signer: String,
    pub kind: String,
    pub activity: String,
    pub created_at: i64,
    pub attempts: i64,
}

/// A delivery that failed, for the admin and the API.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FailedDelivery {
    pub inbox: String,
    pub kind: String,
    pub error: String,
    pub attempts: i64,
    /// Given up (else it is tried again later).
    pub given_up: bool,
    pub at: i64,
}

/// How delivery stands.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DeliveryCounts {
    pub waiting: i64,
    pub delivered: i64,
    pub given_up: i64,
    pub last_delivered_at: Option<i64>,
    /// The latest deliveries: (activity, inbox, when), newest first.
    pub recent: Vec<(String, String, i64)>,
    /// The latest failures, newest first.
    pub failures: Vec<FailedDelivery>,
}

/// A post followers know of, or should: what to tell them next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostChange {
    pub post_id: i64,
    /// The post's `updated_at`; none when it is no longer visible.
    pub version: Option<i64>,
    pub published_at: Option<i64>,
    /// When the post was first saved; none when it is no longer visible.
    pub created_at: Option<i64>,
    /// What followers were last told: none when nothing yet.
    pub told: Option<Told>,
}

/// What followers were told of a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Told {
    /// When the post told of was first saved (its object's id says so).
    pub created_at: i64,
    /// The local actor it was sent as.
    pub actor: String,
    pub version: i64,
    /// The object's digest; none when they were told it is gone, empty
    /// when it was known here without being sent.
    pub digest: Option<String>,
    pub sent_at: i64,
}

/// A delivery is given up once it has waited this long: two days.
pub const DELIVERY_GIVE_UP_AFTER: i64 = 2 * 24 * 3600;

const ACTOR_COLUMNS: &str =
    "a.id, a.inbox, a.shared_inbox, a.key_id, a.public_pem, a.name, a.handle, a.url, a.icon, a.fetched_at";

fn remote_actor(r: &sqlx::any::AnyRow) -> std::result::Result<RemoteActor, sqlx::Error> {
    Ok(RemoteActor {
        id: r.try_get("id")?,
        inbox: r.try_get("inbox")?,
        shared_inbox: r.try_get("shared_inbox")?,
        key_id: r.try_get("key_id")?,
        public_pem: r.try_get("public_pem")?,
        name: r.try_get("name")?,
        handle: r.try_get("handle")?,
        url: r.try_get("url")?,
        icon: r.try_get("icon")?,
        fetched_at: r.try_get("fetched_at")?,
    })
}

/// Whether `host` is `domain` or one of its subdomains.
pub fn host_in(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

async fn insert_delivery(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    inbox: &str,
    signer: &str,
    kind: &str,
    activity: &str,
    post_id: Option<i64>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO deliveries (inbox, signer, kind, activity, post_id, created_at, next_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(inbox)
    .bind(signer)
    .bind(kind)
    .bind(activity)
    .bind(post_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The host of an actor's id, lowercased: what a domain block names.
pub fn host_of(id: &str) -> String {
    url::Url::parse(id)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default()
}

impl Store {
    /// Keeps (or refreshes) what was fetched of an actor.
    pub async fn keep_remote_actor(&self, a: &RemoteActor) -> Result<()> {
        sqlx::query(
            "INSERT INTO remote_actors (id, inbox, shared_inbox, key_id, public_pem, name, handle, url, icon, fetched_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (id) DO UPDATE SET inbox = $2, shared_inbox = $3, key_id = $4, public_pem = $5,
               name = $6, handle = $7, url = $8, icon = $9, fetched_at = $10",
        )
        .bind(&a.id)
        .bind(&a.inbox)
        .bind(&a.shared_inbox)
        .bind(&a.key_id)
        .bind(&a.public_pem)
        .bind(&a.name)
        .bind(&a.handle)
        .bind(&a.url)
        .bind(&a.icon)
        .bind(a.fetched_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Records a follow and queues its Accept to `inbox`, together.
    pub async fn add_follower(
        &self,
        local: &str,
        actor_id: &str,
        follow_id: &str,
        inbox: &str,
        accept: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO followers (local_actor, actor_id, follow_id, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (local_actor, actor_id) DO UPDATE SET follow_id = $3",
        )
        .bind(local)
        .bind(actor_id)
        .bind(follow_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        insert_delivery(&mut tx, inbox, local, "Accept", accept, None, now).await?;
        self.commit(tx, &[], &[]).await
    }

    /// Ends a follow (an Undo, or the admin removing it); whether there was one.
    pub async fn remove_follower(&self, local: &str, actor_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM followers WHERE local_actor = $1 AND actor_id = $2")
            .bind(local)
            .bind(actor_id)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Whom the Follow with this id asked for.
    pub async fn follow_by_id(&self, follow_id: &str) -> Result<Option<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT local_actor, actor_id FROM followers WHERE follow_id = $1")
                .bind(follow_id)
                .fetch_optional(&self.readers)
                .await?,
        )
    }

    /// Every follower, newest first, with whom they follow.
    pub async fn followers(&self) -> Result<Vec<Follower>> {
        let rows = sqlx::query(&format!(
            "SELECT f.local_actor, f.created_at AS since, {ACTOR_COLUMNS}
             FROM followers f JOIN remote_actors a ON a.id = f.actor_id
             ORDER BY f.created_at DESC, a.id"
        ))
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Follower {
                    local_actor: r.try_get("local_actor")?,
                    since: r.try_get("since")?,
                    actor: remote_actor(r)?,
                })
            })
            .collect()
    }

    pub async fn follower_count(&self, local: &str) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM followers WHERE local_actor = $1")
                .bind(local)
                .fetch_one(&self.readers)
                .await?,
        )
    }

    /// The inboxes that reach the followers of `locals`: each server's
    /// shared inbox once, else each follower's own.
    pub async fn follower_inboxes(&self, locals: &[&str]) -> Result<Vec<String>> {
        let mut inboxes = Vec::new();
        for local in locals {
            let found: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT COALESCE(a.shared_inbox, a.inbox) FROM followers f
                 JOIN remote_actors a ON a.id = f.actor_id WHERE f.local_actor = $1",
            )
            .bind(local)
            .fetch_all(&self.readers)
            .await?;
            inboxes.extend(found);
        }
        inboxes.sort();
        inboxes.dedup();
        Ok(inboxes)
    }

    /// Blocks a server (`domain`, with its subdomains) or an account
    /// (`actor`): ends their follows and drops what waits to go to them.
    pub async fn federation_block(&self, kind: &str, value: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO federation_blocks (kind, value, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(kind)
        .bind(value)
        .bind(self.now())
        .execute(&mut *tx)
        .await?;
        let blocked = |id: &str| match kind {
            "domain" => host_in(&host_of(id), value),
            _ => id == value,
        };
        let follows: Vec<(String, String)> =
            sqlx::query_as("SELECT local_actor, actor_id FROM followers")
                .fetch_all(&mut *tx)
                .await?;
        for (local, actor) in follows.iter().filter(|(_, a)| blocked(a)) {
            sqlx::query("DELETE FROM followers WHERE local_actor = $1 AND actor_id = $2")
                .bind(local)
                .bind(actor)
                .execute(&mut *tx)
                .await?;
        }
        if kind == "actor" {
            sqlx::query(&format!(
                "DELETE FROM deliveries WHERE {}
                   AND inbox IN (SELECT inbox FROM remote_actors WHERE id = $1)",
                DELIVERIES.waiting()
            ))
            .bind(value)
            .execute(&mut *tx)
            .await?;
        } else {
            let waiting: Vec<(i64, String)> = sqlx::query_as(&format!(
                "SELECT id, inbox FROM deliveries WHERE {}",
                DELIVERIES.waiting()
            ))
            .fetch_all(&mut *tx)
            .await?;
            for (id, _) in waiting.iter().filter(|(_, inbox)| blocked(inbox)) {
                sqlx::query("DELETE FROM deliveries WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        self.commit(tx, &[], &[]).await
    }

    pub async fn federation_unblock(&self, kind: &str, value: &str) -> Result<()> {
        sqlx::query("DELETE FROM federation_blocks WHERE kind = $1 AND value = $2")
            .bind(kind)
            .bind(value)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// The blocks: (kind, value, since), servers first.
    pub async fn federation_blocks(&self) -> Result<Vec<(String, String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT kind, value, created_at FROM federation_blocks ORDER BY kind DESC, value",
        )
        .fetch_all(&self.readers)
        .await?)
    }

    /// Whether the actor (or inbox), or its server, is blocked.
    pub async fn federation_blocked(&self, id: &str) -> Result<bool> {
        let host = host_of(id);
        Ok(self
            .federation_blocks()
            .await?
            .iter()
            .any(|(kind, value, _)| match kind.as_str() {
                "domain" => host_in(&host, value),
                _ => id == value,
            }))
    }

    /// Takes the next delivery due for `lease` seconds, as the mail queue does.
    pub async fn take_due_delivery(&self, lease: i64) -> Result<Option<Delivery>> {
        let columns = "id, inbox, signer, kind, activity, created_at, attempts";
        let Some(r) = DELIVERIES.take(self, lease, columns).await? else {
            return Ok(None);
        };
        Ok(Some(Delivery {
            id: r.try_get("id")?,
            inbox: r.try_get("inbox")?,
            signer: r.try_get("signer")?,
            kind: r.try_get("kind")?,
            activity: r.try_get("activity")?,
            created_at: r.try_get("created_at")?,
            attempts: r.try_get("attempts")?,
        }))
    }

    pub async fn delivered(&self, id: i64) -> Result<()> {
        DELIVERIES.done(self, id).await
    }

    /// A try failed: tried again later (the mail queue's waits), or given
    /// up after [`DELIVERY_GIVE_UP_AFTER`] or at once when `permanent`.
    pub async fn delivery_failed(&self, d: &Delivery, error: &str, permanent: bool) -> Result<()> {
        let give_up_after = DELIVERY_GIVE_UP_AFTER;
        DELIVERIES
            .failed(
                self,
                d.id,
                d.created_at,
                d.attempts,
                error,
                permanent,
                give_up_after,
            )
            .await
    }

    pub async fn delivery_counts(&self) -> Result<DeliveryCounts> {
        let r = sqlx::query(&format!(
            "SELECT COUNT(*) FILTER (WHERE {}) AS waiting,
                    COUNT(delivered_at) AS delivered, COUNT(gave_up_at) AS given_up,
                    MAX(delivered_at) AS last_delivered_at FROM deliveries",
            DELIVERIES.waiting()
        ))
        .fetch_one(&self.readers)
        .await?;
        let failures = sqlx::query(
            "SELECT inbox, kind, last_error, attempts, gave_up_at, next_at FROM deliveries
             WHERE last_error IS NOT NULL ORDER BY id DESC LIMIT 10",
        )
        .fetch_all(&self.readers)
        .await?
        .iter()
        .map(|r| {
            let gave_up: Option<i64> = r.try_get("gave_up_at")?;
            Ok(FailedDelivery {
                inbox: r.try_get("inbox")?,
                kind: r.try_get("kind")?,
                error: r.try_get("last_error")?,
                attempts: r.try_get("attempts")?,
                given_up: gave_up.is_some(),
                at: gave_up.map_or_else(|| r.try_get("next_at"), Ok)?,
            })
        })
        .collect::<std::result::Result<_, sqlx::Error>>()?;
        let recent = sqlx::query_as(
            "SELECT kind, inbox, delivered_at FROM deliveries WHERE delivered_at IS NOT NULL
             ORDER BY delivered_at DESC, id DESC LIMIT 10",
        )
        .fetch_all(&self.readers)
        .await?;
        Ok(DeliveryCounts {
            recent,
            waiting: r.try_get("waiting")?,
            delivered: r.try_get("delivered")?,
            given_up: r.try_get("given_up")?,
            last_delivered_at: r.try_get("last_delivered_at")?,
            failures,
        })
    }

    /// Deletes delivered and given-up rows a month old; how many.
    pub async fn prune_deliveries(&self) -> Result<u64> {
        DELIVERIES.prune(self).await
    }

    /// Posts whose followers have not been told of their present state:
    /// visible ones that are new, told gone, or edited since they were
    /// told (or in that second), and ones they were told of that are no
    /// longer visible (unpublished or deleted).
    pub async fn post_changes(&self, limit: i64) -> Result<Vec<PostChange>> {
        let now = self.now();
        let visible = "p.status = 'published' AND p.published_at <= $1";
        let told =
            "f.created_at AS told_created, f.actor, f.version AS told_version, f.digest, f.sent_at";
        // A post that took a deleted one's id is another post (`created_at`).
        let mut rows = sqlx::query(&format!(
            "SELECT p.id AS post_id, p.updated_at AS version, p.published_at, p.created_at, {told}
             FROM posts p LEFT JOIN federated_posts f ON f.post_id = p.id
             WHERE {visible} AND (f.post_id IS NULL OR f.digest IS NULL OR f.created_at <> p.created_at
                                  OR f.version <> p.updated_at OR f.sent_at <= p.updated_at)
             ORDER BY p.published_at, p.id LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.readers)
        .await?;
        rows.extend(
            sqlx::query(&format!(
                "SELECT f.post_id, NULL AS version, NULL AS published_at, NULL AS created_at, {told}
                 FROM federated_posts f LEFT JOIN posts p ON p.id = f.post_id
                 WHERE f.digest IS NOT NULL
                   AND (p.id IS NULL OR NOT ({visible}) OR f.created_at <> p.created_at)
                 ORDER BY f.post_id LIMIT $2"
            ))
            .bind(now)
            .bind(limit)
            .fetch_all(&self.readers)
            .await?,
        );
        rows.iter()
            .map(|r| {
                let actor: Option<String> = r.try_get("actor")?;
                Ok(PostChange {
                    post_id: r.try_get("post_id")?,
                    version: r.try_get("version")?,
                    published_at: r.try_get("published_at")?,
                    created_at: r.try_get("created_at")?,
                    told: match actor {
                        Some(actor) => Some(Told {
                            created_at: r.try_get("told_created")?,
                            actor,
                            version: r.try_get("told_version")?,
                            digest: r.try_get("digest")?,
                            sent_at: r.try_get("sent_at")?,
                        }),
                        None => None,
                    },
                })
            })
            .collect()
    }

    /// Records what followers are told of a post (`told`: when it was
    /// first saved, its actor, version and digest; a digest of none: that
    /// it is gone) with the deliveries that tell them, in one
    /// transaction, if what was told before is still `before` (another instance may have told them
    /// first: then nothing is stored, and false is returned). What is
    /// queued about the post supersedes what still waits: an Update or a
    /// Create drops a waiting Update or Delete (a waiting Create carries
    /// `create`, the object as it is now), and a Delete drops whatever waits.
    pub async fn post_told(
        &self,
        post_id: i64,
        before: Option<&Told>,
        told: (i64, &str, i64, Option<&str>),
        deliveries: &[(&str, &str, String, Vec<String>)],
        create: Option<&str>,
    ) -> Result<bool> {
        let now = self.now();
        let (created_at, actor, version, digest) = told;
        let mut tx = self.begin().await?;
        let stored = match before {
            None => sqlx::query(
                "INSERT INTO federated_posts (post_id, actor, version, digest, sent_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (post_id) DO NOTHING",
            )
            .bind(post_id)
            .bind(actor)
            .bind(version)
            .bind(digest)
            .bind(now)
            .bind(created_at),
            Some(b) => sqlx::query(
                "UPDATE federated_posts SET actor = $2, version = $3, digest = $4, sent_at = $5,
                   created_at = $9
                 WHERE post_id = $1 AND version = $6 AND sent_at = $7
                   AND COALESCE(digest, '-') = COALESCE($8, '-') AND created_at = $10",
            )
            .bind(post_id)
            .bind(actor)
            .bind(version)
            .bind(digest)
            .bind(now)
            .bind(b.version)
            .bind(b.sent_at)
            .bind(b.digest.clone())
            .bind(created_at)
            .bind(b.created_at),
        }
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if stored == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        let waiting = format!("post_id = $1 AND {}", DELIVERIES.waiting());
        // Only what is queued now supersedes what waits: a save that
        // changed nothing leaves a waiting Update to go.
        if !deliveries.is_empty() {
            let superseded = match digest {
                None => "",
                Some(_) => " AND kind IN ('Update', 'Delete')",
            };
            sqlx::query(&format!(
                "DELETE FROM deliveries WHERE {waiting}{superseded}"
            ))
            .bind(post_id)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(create) = create.filter(|_| !deliveries.is_empty()) {
            sqlx::query(&format!(
                "UPDATE deliveries SET activity = $2 WHERE {waiting} AND kind = 'Create'"
            ))
            .bind(post_id)
            .bind(create)
            .execute(&mut *tx)
            .await?;
        }
        for (signer, kind, activity, inboxes) in deliveries {
            for inbox in inboxes {
                insert_delivery(&mut tx, inbox, signer, kind, activity, Some(post_id), now).await?;
            }
        }
        self.commit(tx, &[], &[]).await?;
        Ok(true)
    }

    /// Counts a like or a boost; whether it is new.
    pub async fn add_reaction(
        &self,
        activity_id: &str,
        post_id: i64,
        actor_id: &str,
        kind: &str,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "INSERT INTO reactions (activity_id, post_id, actor_id, kind, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(activity_id)
        .bind(post_id)
        .bind(actor_id)
        .bind(kind)
        .bind(self.now())
        .execute(&mut *tx)
        .await?;
        self.commit(tx, &[crate::Topic::Post(post_id)], &[]).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Takes back the like or boost `activity_id` of `actor_id`.
    pub async fn remove_reaction(&self, activity_id: &str, actor_id: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        let post: Option<i64> = sqlx::query_scalar(
            "DELETE FROM reactions WHERE activity_id = $1 AND actor_id = $2 RETURNING post_id",
        )
        .bind(activity_id)
        .bind(actor_id)
        .fetch_optional(&mut *tx)
        .await?;
        let topics: Vec<crate::Topic> = post.into_iter().map(crate::Topic::Post).collect();
        self.commit(tx, &topics, &[]).await?;
        Ok(!topics.is_empty())
    }

    /// A post's likes and boosts.
    pub async fn reaction_counts(&self, post_id: i64) -> Result<(i64, i64)> {
        let r = sqlx::query(
            "SELECT COUNT(*) FILTER (WHERE kind = 'like') AS likes,
                    COUNT(*) FILTER (WHERE kind = 'boost') AS boosts
             FROM reactions WHERE post_id = $1",
        )
        .bind(post_id)
        .fetch_one(&self.readers)
        .await?;
        Ok((r.try_get("likes")?, r.try_get("boosts")?))
    }
}

impl Store {
    /// Replaces an actor's key pair (rotation).
    pub async fn replace_actor_keys(&self, actor: &str, keys: &ActorKeys) -> Result<()> {
        sqlx::query(
            "INSERT INTO actor_keys (actor, public_pem, private_pem, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (actor) DO UPDATE SET public_pem = $2, private_pem = $3, created_at = $4",
        )
        .bind(actor)
        .bind(&keys.public_pem)
        .bind(&keys.private_pem)
        .bind(self.now())
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}

impl Store {
    /// An actor deleted on its server: forgotten with its follows.
    pub async fn forget_remote_actor(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM remote_actors WHERE id = $1")
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}

impl Store {
    /// The actor that publishes the key `key_id`, as kept.
    pub async fn remote_actor_by_key(&self, key_id: &str) -> Result<Option<RemoteActor>> {
        let row = sqlx::query(&format!(
            "SELECT {ACTOR_COLUMNS} FROM remote_actors a WHERE a.key_id = $1"
        ))
        .bind(key_id)
        .fetch_optional(&self.readers)
        .await?;
        Ok(row.as_ref().map(remote_actor).transpose()?)
    }
}
