//! The federation worker: every two seconds it tells followers what
//! changed in the posts (Create for a new post, Update for an edit,
//! Delete for one taken down), then delivers what is due from the queue.
//! Deliveries are rows in the database: a restart loses none, a failed
//! one is tried again later and later, and given up after two days.

use super::objects::{self, activity};
use crate::error::AppError;
use crate::origin;
use crate::state::AppState;
use bestpick_app::federation::fetch::Client;
use bestpick_app::federation::signature::{self, Scheme};
use bestpick_app::federation::{self, SITE_ACTOR};
use bestpick_core::SiteUrl;
use bestpick_store::{Delivery, PostChange};
use serde_json::json;
use std::time::Duration;

const POLL: Duration = Duration::from_secs(2);
/// A delivery being tried is another instance's to take again after this.
const LEASE_SECS: i64 = 120;
/// A post published longer ago than this is not announced as new when
/// federation starts (its followers had no way to follow it then).
const NEW_FOR: i64 = 2 * 24 * 3600;

pub async fn run(state: AppState) {
    loop {
        if let Err(e) = round(&state).await {
            tracing::warn!("federation: {e:#}");
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn round(state: &AppState) -> anyhow::Result<()> {
    if !federation::enabled(&state.site).await? {
        return Ok(());
    }
    // Ids are addresses under the site's own: without one, nothing goes out.
    let Some(origin) = origin::configured(state).await else {
        return Ok(());
    };
    origin::scoped(origin.clone(), async {
        if let Err(e) = tell_followers(state, &origin).await {
            tracing::warn!("federation: composing activities: {e:?}");
        }
        deliver_due(state, &origin).await
    })
    .await
}

/// Queues an activity for every post whose followers do not know its
/// present state, recording what they were told in the same transaction.
/// A post that cannot be told of holds up no other.
async fn tell_followers(state: &AppState, origin: &SiteUrl) -> Result<(), AppError> {
    for change in state.site.store.post_changes(50).await? {
        if let Err(e) = tell(state, origin, &change).await {
            tracing::warn!("federation: post {}: {e:?}", change.post_id);
        }
    }
    Ok(())
}

async fn tell(state: &AppState, origin: &SiteUrl, change: &PostChange) -> Result<(), AppError> {
    let store = &state.site.store;
    let now = state.site.now();
    let site_actor = origin.join(federation::SITE_PATH);
    let told = change.told.as_ref();
    // The post told of is gone: unpublished, deleted, or its number now
    // another post's.
    let gone = match (change.version, told) {
        (None, _) => true,
        (Some(_), Some(t)) => t.digest.is_some() && Some(t.created_at) != change.created_at,
        (Some(_), None) => false,
    };
    if gone {
        // A Delete from whoever sent it (the site, for an author removed
        // since, whose key went with them).
        let Some(told) = told else {
            return Ok(());
        };
        let (signer, actor) = match objects::actor_id(state, origin, &told.actor).await? {
            Some(actor) => (told.actor.as_str(), actor),
            None => (SITE_ACTOR, site_actor.clone()),
        };
        let id = objects::post_id(origin, change.post_id, told.created_at);
        let delete = activity(
            "Delete",
            format!("{id}#delete-{now}"),
            &actor,
            json!({ "id": id, "type": "Tombstone" }),
            &[
                format!("{actor}/followers"),
                format!("{site_actor}/followers"),
            ],
        );
        let inboxes = store.follower_inboxes(&[signer, SITE_ACTOR]).await?;
        store
            .post_told(
                change.post_id,
                Some(told),
                (told.created_at, &told.actor, told.version, None),
                &[(signer, "Delete", delete.to_string(), inboxes)],
                None,
            )
            .await?;
        return Ok(());
    }
    let Some(version) = change.version else {
        return Ok(());
    };
    let Some(post) = bestpick_app::posts::visible_post(&state.site, change.post_id, None).await?
    else {
        return Ok(());
    };
    let (local, _) = objects::post_actor(state, origin, &post).await?;
    let object = objects::object(state, origin, &post).await?;
    let id = object["id"].as_str().unwrap_or_default().to_owned();
    let created_at = post.card.created_at;
    // What followers see: a save that changed nothing but the time of
    // the save sends nothing.
    let mut seen = object.clone();
    if let Some(o) = seen.as_object_mut() {
        o.remove("updated");
    }
    let digest = federation::short_hash(&seen.to_string());
    let record = |deliveries, create| {
        store.post_told(
            change.post_id,
            told,
            (created_at, &local, version, Some(&digest)),
            deliveries,
            create,
        )
    };
    let kind = match told {
        // Older than federation here: known from now on, announced to no one.
        None if change.published_at.is_none_or(|at| now - at >= NEW_FOR) => {
            store
                .post_told(
                    change.post_id,
                    None,
                    (created_at, &local, version, Some("")),
                    &[],
                    None,
                )
                .await?;
            return Ok(());
        }
        // New, or back after it was taken down.
        None => "Create",
        Some(t) if t.digest.is_none() || t.created_at != created_at => "Create",
        // Saved again without a change followers would see.
        Some(t) if t.digest.as_deref() == Some(digest.as_str()) => {
            record(&[], None).await?;
            return Ok(());
        }
        Some(_) => "Update",
    };
    let create = objects::carrying("Create", format!("{id}#create-{version}"), object.clone());
    let main = match kind {
        "Create" => create.clone(),
        _ => objects::carrying(kind, format!("{id}#update-{version}-{now}"), object),
    };
    let inboxes = store.follower_inboxes(&[&local, SITE_ACTOR]).await?;
    let mut deliveries = vec![(local.as_str(), kind, main.to_string(), inboxes)];
    // The site's followers see an author's new post as the site's boost:
    // servers show a Create only to the followers of its actor.
    if kind == "Create" && local != SITE_ACTOR {
        let boost = activity(
            "Announce",
            format!("{site_actor}#announce-{}-{version}", change.post_id),
            &site_actor,
            json!(id),
            &[format!("{site_actor}/followers")],
        );
        let inboxes = store.follower_inboxes(&[SITE_ACTOR]).await?;
        deliveries.push((SITE_ACTOR, "Announce", boost.to_string(), inboxes));
    }
    // A Create still waiting (a server that was down) carries the edit.
    let create = (kind == "Update").then(|| create.to_string());
    record(&deliveries, create.as_deref()).await?;
    Ok(())
}

/// Delivers what is due, one at a time, until nothing is.
async fn deliver_due(state: &AppState, origin: &SiteUrl) -> anyhow::Result<()> {
    let store = &state.site.store;
    while let Some(d) = store.take_due_delivery(LEASE_SECS).await? {
        match deliver(state, origin, &d).await {
            Ok(scheme) => {
                tracing::debug!(
                    inbox = d.inbox,
                    kind = d.kind,
                    scheme = scheme.name(),
                    "delivered"
                );
                store.delivered(d.id).await?;
            }
            Err(e) => {
                tracing::warn!(
                    "federation: {} to {} failed (try {}): {}",
                    d.kind,
                    d.inbox,
                    d.attempts + 1,
                    e.why
                );
                store.delivery_failed(&d, &e.why, e.permanent).await?;
            }
        }
    }
    Ok(())
}

struct Failed {
    why: String,
    permanent: bool,
}

impl Failed {
    fn now(why: impl Into<String>) -> Failed {
        Failed {
            why: why.into(),
            permanent: false,
        }
    }
}

/// Signs and posts one activity: the scheme the server took last (else
/// RFC 9421) first, and the other at once when that one is refused.
async fn deliver(state: &AppState, origin: &SiteUrl, d: &Delivery) -> Result<Scheme, Failed> {
    let fed = &state.federator;
    if state
        .site
        .store
        .federation_blocked(&d.inbox)
        .await
        .map_err(|e| Failed::now(e.to_string()))?
    {
        return Err(Failed {
            why: format!("{} is blocked", d.inbox),
            permanent: true,
        });
    }
    let url = url::Url::parse(&d.inbox).map_err(|_| Failed {
        why: format!("{} is not an address", d.inbox),
        permanent: true,
    })?;
    bestpick_app::federation::fetch::check_url(&url, fed.client.allow_private).map_err(|e| {
        Failed {
            why: e.to_string(),
            permanent: true,
        }
    })?;
    let actor = objects::actor_id(state, origin, &d.signer)
        .await
        .map_err(|e| Failed::now(format!("{e:?}")))?
        .ok_or_else(|| Failed {
            why: format!("{} no longer exists", d.signer),
            permanent: true,
        })?;
    let keys = federation::keys(&state.site, &d.signer)
        .await
        .map_err(|e| Failed::now(e.to_string()))?;
    let key = signature::private_key(&keys.private_pem).map_err(|e| Failed::now(e.to_string()))?;
    // Per server: host and port.
    let host = format!(
        "{}:{}",
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or(0)
    );
    let first = fed.scheme_for(&host);
    let mut last = None;
    for scheme in [first, first.other()] {
        let headers = signature::sign(
            scheme,
            "POST",
            &url,
            Some(d.activity.as_bytes()),
            &format!("{actor}#main-key"),
            &key,
            state.site.now(),
        )
        .map_err(|e| Failed::now(e.to_string()))?;
        let mut request = fed
            .client
            .http
            .post(url.clone())
            .header("content-type", "application/activity+json")
            .header("accept", bestpick_app::federation::fetch::ACCEPT)
            .body(d.activity.clone());
        for (name, value) in headers {
            if name != "host" {
                request = request.header(name, value);
            }
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Err(Failed::now(format!("{}: {e}", d.inbox))),
        };
        let status = response.status();
        // Read (at most a little of) the answer, so the connection is reused.
        let answer = Client::body(&d.inbox, response).await.unwrap_or_default();
        if status.is_success() {
            fed.remember_scheme(&host, scheme);
            return Ok(scheme);
        }
        let said = String::from_utf8_lossy(&answer[..answer.len().min(200)]).into_owned();
        last = Some((status.as_u16(), said));
        // Only a refusal of the signature is worth the other scheme.
        if !matches!(status.as_u16(), 400 | 401 | 403) {
            break;
        }
    }
    let (status, said) = last.unwrap_or_default();
    Err(Failed {
        why: format!("{} answered {status}: {said}", d.inbox),
        // A server error, too many requests or a key it could not fetch
        // yet may pass; other refusals will not.
        permanent: (400..500).contains(&status) && !matches!(status, 401 | 408 | 429),
    })
}
