//! What arrives in the inbox. In order: the sending server's rate limit,
//! the signature read (time, digest), blocks, the actor's key fetched and
//! the signature checked, the key's owner matched with the activity's
//! actor; only then is the activity acted on. Follows are accepted at
//! once; replies go through the comment pipeline; likes and boosts are
//! counted; edits and deletions of replies follow their Note.

use super::signature::{self, Incoming, Scheme};
use super::{id_of, limits, Federator, SITE_ACTOR};
use crate::comments::{self, CommentError, RemoteReply};
use crate::Site;
use bestpick_core::post::Visibility;
use bestpick_core::SiteUrl;
use bestpick_store::{host_of, RemoteActor};
use serde_json::{json, Value};
use std::net::IpAddr;
use std::time::Duration;

pub const AS_CONTEXT: &str = "https://www.w3.org/ns/activitystreams";
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// A POST to an inbox, as it arrived.
pub struct Received<'a> {
    pub target_uri: &'a url::Url,
    pub headers: &'a reqwest::header::HeaderMap,
    pub body: &'a [u8],
    /// The delivering server's address.
    pub ip: IpAddr,
}

/// Why an activity is refused; each maps to a status the sender reads.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    /// 429: too many requests from the server.
    #[error("too many requests from {0}; try again in a minute")]
    RateLimited(String),
    /// 401: the signature is missing, stale or wrong.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the actor or its server is blocked.
    #[error("blocked")]
    Blocked,
    /// 503: the inbox is working on as many requests as it takes at once.
    #[error("busy; try again in a minute")]
    Busy,
    /// 400: not an activity this inbox can read.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<bestpick_store::StoreError> for InboxError {
    fn from(e: bestpick_store::StoreError) -> Self {
        InboxError::Other(e.into())
    }
}

/// What was done with an activity, for the log and the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub scheme: Scheme,
    pub actor: String,
    pub done: String,
}

/// Whether a request from `ip` may be looked at: a flood is counted by
/// the sender's network before anything else is done, even before the
/// site is asked whether it federates.
pub fn admit(fed: &Federator, ip: IpAddr, now: i64) -> Result<(), InboxError> {
    let network = bestpick_core::comment::network_of(ip);
    match fed.limits.allow(
        &format!("inbox-from:{network}"),
        limits::PER_NETWORK_A_MINUTE,
        60,
        now,
    ) {
        true => Ok(()),
        false => Err(InboxError::RateLimited(network)),
    }
}

/// Takes one activity (once [`admit`]ted): checks it and acts on it.
pub async fn receive(
    site: &Site,
    fed: &Federator,
    origin: &SiteUrl,
    r: Received<'_>,
) -> Result<Outcome, InboxError> {
    let now = site.now();
    let claim = signature::claim(
        &Incoming {
            method: "POST",
            target_uri: r.target_uri,
            headers: r.headers,
            body: Some(r.body),
        },
        now,
    )
    .map_err(|e| InboxError::Unauthorized(e.to_string()))?;
    // A blocked server's key is not even fetched.
    if site.store.federation_blocked(&claim.key_id).await? {
        return Err(InboxError::Blocked);
    }
    // A few at once; the rest are asked to come back rather than queue here.
    let _turn = tokio::time::timeout(Duration::from_secs(5), fed.limits.gate.acquire())
        .await
        .map_err(|_| InboxError::Busy)?
        .map_err(anyhow::Error::from)?;
    let actor = verified_actor(site, fed, origin, &claim, now).await?;
    let server = host_of(&actor.id);
    if !fed.limits.allow(
        &format!("inbox:{server}"),
        limits::PER_SERVER_A_MINUTE,
        60,
        now,
    ) {
        return Err(InboxError::RateLimited(server));
    }
    let activity: Value = serde_json::from_slice(r.body)
        .map_err(|e| InboxError::Invalid(format!("the body is not JSON: {e}")))?;
    if activity.get("actor").and_then(id_of) != Some(actor.id.as_str()) {
        return Err(InboxError::Unauthorized(
            "the activity's actor does not own the key it is signed with".into(),
        ));
    }
    if site.store.federation_blocked(&actor.id).await? {
        return Err(InboxError::Blocked);
    }
    let done = act(site, fed, origin, &actor, &activity, r.ip).await?;
    Ok(Outcome {
        scheme: claim.scheme,
        actor: actor.id,
        done,
    })
}

/// The actor whose key signed the claim, its signature checked. A key
/// that fails is fetched again (it may have been rotated), at most once
/// in five minutes, so forged requests cannot make this site hammer a
/// real server. An actor fetched is kept only once it has verified.
async fn verified_actor(
    site: &Site,
    fed: &Federator,
    origin: &SiteUrl,
    claim: &signature::Claim,
    now: i64,
) -> Result<RemoteActor, InboxError> {
    let fetch_failed = |e: anyhow::Error| {
        tracing::info!(
            "inbox: the key {} could not be fetched: {e:#}",
            claim.key_id
        );
        InboxError::Unauthorized(format!("the key {} could not be fetched", claim.key_id))
    };
    let (mut actor, mut fetched) = fed
        .actor_by_key(site, origin, &claim.key_id, false)
        .await
        .map_err(fetch_failed)?;
    if claim.verify(&actor.public_pem).is_err() {
        let refetch = !fetched
            && fed
                .limits
                .allow(&format!("refetch:{}", claim.key_id), 1, 300, now);
        if refetch {
            (actor, fetched) = fed
                .actor_by_key(site, origin, &claim.key_id, true)
                .await
                .map_err(fetch_failed)?;
        }
        claim
            .verify(&actor.public_pem)
            .map_err(|e| InboxError::Unauthorized(e.to_string()))?;
    }
    if fetched {
        site.store.keep_remote_actor(&actor).await?;
    }
    Ok(actor)
}

fn kind(v: &Value) -> &str {
    v.get("type").and_then(Value::as_str).unwrap_or("")
}

/// The local actor (`site`, `user:ID`) an address names: one the
/// fediverse may follow (`public`: an author with something published),
/// or any author (to end a follow).
pub async fn local_actor(
    site: &Site,
    origin: &SiteUrl,
    id: &str,
    public: bool,
) -> anyhow::Result<Option<String>> {
    if id == origin.join(super::SITE_PATH) {
        return Ok(Some(SITE_ACTOR.to_owned()));
    }
    let Some(name) = super::author_named(origin, id) else {
        return Ok(None);
    };
    let user = match public {
        true => super::public_author(site, name).await?,
        false => site.store.user_by_username(name).await?,
    };
    Ok(user.map(|u| super::author_actor(&u).0))
}

/// The post a local object address names, when readers may see it.
async fn local_post(site: &Site, origin: &SiteUrl, id: &str) -> anyhow::Result<Option<i64>> {
    let Some((post_id, created_at)) = id
        .strip_prefix(&origin.join("/ap/posts/"))
        .and_then(super::post_of_object)
    else {
        return Ok(None);
    };
    let post = site.store.post_card(post_id).await?;
    Ok(post
        .filter(|p| p.created_at == created_at && p.visibility == Visibility::Published)
        .map(|p| p.id))
}

async fn act(
    site: &Site,
    fed: &Federator,
    origin: &SiteUrl,
    actor: &RemoteActor,
    activity: &Value,
    ip: IpAddr,
) -> Result<String, InboxError> {
    let store = &site.store;
    let activity_id = activity.get("id").and_then(Value::as_str).unwrap_or("");
    let object = activity.get("object").unwrap_or(&Value::Null);
    let object_id = id_of(object).unwrap_or("");
    match kind(activity) {
        "Follow" => {
            let Some(local) = local_actor(site, origin, object_id, true).await? else {
                return Err(InboxError::Invalid(format!(
                    "{object_id} is not an actor here"
                )));
            };
            // The Follow as it names itself, not whatever else it carried.
            let accept = json!({
                "@context": AS_CONTEXT,
                "id": format!("{object_id}#accepts/{}", super::short_hash(activity_id)),
                "type": "Accept",
                "actor": object_id,
                "object": {
                    "id": activity_id,
                    "type": "Follow",
                    "actor": actor.id,
                    "object": object_id,
                },
            });
            store
                .add_follower(
                    &local,
                    &actor.id,
                    activity_id,
                    &actor.inbox,
                    &accept.to_string(),
                )
                .await?;
            Ok(format!("follow of {local} accepted"))
        }
        "Undo" => {
            // A Follow named by its id, or carried whole (as Mastodon does).
            if let Some((local, follower)) = store.follow_by_id(object_id).await? {
                if follower == actor.id {
                    store.remove_follower(&local, &actor.id).await?;
                    return Ok("follow undone".into());
                }
            }
            match kind(object) {
                "Follow" => {
                    let target = object.get("object").and_then(id_of).unwrap_or("");
                    if let Some(local) = local_actor(site, origin, target, false).await? {
                        store.remove_follower(&local, &actor.id).await?;
                    }
                    Ok("follow undone".into())
                }
                _ => match store.remove_reaction(object_id, &actor.id).await? {
                    true => Ok("reaction undone".into()),
                    false => Ok("nothing to undo".into()),
                },
            }
        }
        "Create" => create(site, fed, origin, actor, object, ip).await,
        "Update" => {
            if object_id == actor.id {
                let fresh = super::parse_actor(object, Some(&actor.key_id), site.now())
                    .map_err(InboxError::Invalid)?;
                store.keep_remote_actor(&fresh).await?;
                return Ok("actor updated".into());
            }
            match store.remote_comment(object_id).await? {
                Some((comment, by)) if by == actor.id => {
                    // An edit is judged again: it counts as a reply.
                    if !replies_allowed(fed, &actor.id, &host_of(&actor.id), site.now()) {
                        return Err(InboxError::RateLimited(actor.handle.clone()));
                    }
                    let content = object.get("content").and_then(Value::as_str).unwrap_or("");
                    comments::edit_remote_reply(site, comment, content)
                        .await
                        .map_err(refused)?;
                    Ok("reply edited".into())
                }
                _ => Ok("nothing here to update".into()),
            }
        }
        "Delete" => {
            if object_id == actor.id {
                store.forget_remote_actor(&actor.id).await?;
                return Ok("actor deleted".into());
            }
            match store.remote_comment(object_id).await? {
                Some((comment, by)) if by == actor.id => {
                    store.delete_comment(comment).await?;
                    Ok("reply deleted".into())
                }
                _ => Ok("nothing here to delete".into()),
            }
        }
        // Counted once per activity, whose id must be the actor's own.
        "Like" | "Announce"
            if activity_id.is_empty() || host_of(activity_id) != host_of(&actor.id) =>
        {
            Err(InboxError::Invalid(
                "the activity's id is not on the actor's server".into(),
            ))
        }
        k @ ("Like" | "Announce") => match local_post(site, origin, object_id).await? {
            Some(post) => {
                let reaction = if k == "Like" { "like" } else { "boost" };
                store
                    .add_reaction(activity_id, post, &actor.id, reaction)
                    .await?;
                Ok(format!("{reaction} counted"))
            }
            None => Ok("not a post here".into()),
        },
        k => Ok(format!("{k} ignored")),
    }
}

fn refused(e: CommentError) -> InboxError {
    match e {
        CommentError::Other(e) => InboxError::Other(e),
        other => InboxError::Invalid(other.to_string()),
    }
}

/// A Create: a reply to a post here (or to a reply here) becomes a comment.
async fn create(
    site: &Site,
    fed: &Federator,
    origin: &SiteUrl,
    actor: &RemoteActor,
    object: &Value,
    ip: IpAddr,
) -> Result<String, InboxError> {
    let Some(note_id) = object.get("id").and_then(Value::as_str) else {
        return Ok("nothing to create".into());
    };
    let Some(in_reply_to) = object.get("inReplyTo").and_then(id_of) else {
        return Ok("not a reply".into());
    };
    // A reply meant for followers or for the people it mentions is not
    // for a public page.
    if !is_public(object) {
        return Ok("not a public reply".into());
    }
    let attributed = object.get("attributedTo").and_then(id_of).unwrap_or("");
    if attributed != actor.id || host_of(note_id) != host_of(&actor.id) {
        return Err(InboxError::Invalid(
            "the reply is not the actor's own".into(),
        ));
    }
    if site.store.remote_comment(note_id).await?.is_some() {
        return Ok("reply already here".into());
    }
    let (post_id, parent_id) = match local_post(site, origin, in_reply_to).await? {
        Some(post) => (post, None),
        None => match site.store.remote_comment(in_reply_to).await? {
            Some((parent, _)) => match site.store.comment(parent).await? {
                Some(c) => (c.post_id, Some(c.id)),
                None => return Ok("not a reply to anything here".into()),
            },
            None => return Ok("not a reply to anything here".into()),
        },
    };
    let now = site.now();
    let server = host_of(&actor.id);
    if !replies_allowed(fed, &actor.id, &server, now) {
        return Err(InboxError::RateLimited(actor.handle.clone()));
    }
    let content = object.get("content").and_then(Value::as_str).unwrap_or("");
    let posted = comments::post_remote_reply(
        site,
        RemoteReply {
            post_id,
            parent_id,
            object_id: note_id.to_owned(),
            actor: actor.clone(),
            content: content.to_owned(),
            ip,
        },
    )
    .await
    .map_err(refused)?;
    Ok(format!(
        "reply stored as comment {} ({})",
        posted.id,
        posted.status.as_str()
    ))
}

/// Replies one account, and one server, may post in ten minutes.
fn replies_allowed(fed: &Federator, actor: &str, server: &str, now: i64) -> bool {
    let limits = &fed.limits;
    limits.allow(
        &format!("replies:{actor}"),
        limits::REPLIES_PER_ACTOR,
        600,
        now,
    ) && limits.allow(
        &format!("replies-from:{server}"),
        limits::REPLIES_PER_SERVER,
        600,
        now,
    )
}

/// Whether an object is addressed to the public (`to` or `cc`).
fn is_public(object: &Value) -> bool {
    ["to", "cc"].iter().any(|field| {
        let names = match object.get(*field) {
            Some(Value::Array(a)) => a.iter().filter_map(id_of).collect(),
            Some(v) => id_of(v).into_iter().collect(),
            None => Vec::new(),
        };
        names
            .iter()
            .any(|n| matches!(*n, PUBLIC | "as:Public" | "Public"))
    })
}
