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
async fn tell_followers(state: &AppState, origin: &SiteUrl) -> Result<(), AppError> {
    let store = &state.site.store;
    for change in store.post_changes(50).await? {
        tell(state, origin, &change).await?;
    }
    Ok(())
}

async fn tell(state: &AppState, origin: &SiteUrl, change: &PostChange) -> Result<(), AppError> {
    let store = &state.site.store;
    let now = state.site.now();
    let site_actor = origin.join("/ap/site");
    let Some(version) = change.version else {
        // Taken down: a Delete from whoever it was sent as.
        let Some((local, _)) = &change.sent else {
            return Ok(());
        };
        let actor = objects::actor_id(state, origin, local)
            .await?
            .unwrap_or_else(|| site_actor.clone());
        let id = objects::post_id(origin, change.post_id);
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
        let inboxes = store.follower_inboxes(&[local, SITE_ACTOR]).await?;
        return Ok(store
            .post_told(
                change.post_id,
                None,
                &[(local, "Delete", delete.to_string(), inboxes)],
            )
            .await?);
    };
    let Some(post) = store.post(change.post_id).await? else {
        return Ok(());
    };
    let (local, actor) = objects::post_actor(state, origin, &post).await?;
    let fresh = change.published_at.is_some_and(|at| now - at < NEW_FOR);
    let kind = match &change.sent {
        None if !fresh => {
            // Older than federation here: known from now on, announced to no one.
            return Ok(store
                .post_told(change.post_id, Some((&local, version)), &[])
                .await?);
        }
        None => "Create",
        Some(_) => "Update",
    };
    let object = objects::object(state, origin, &post).await?;
    let id = format!(
        "{}#{}-{version}",
        object["id"].as_str().unwrap_or_default(),
        kind.to_lowercase()
    );
    let cc = [
        format!("{actor}/followers"),
        format!("{site_actor}/followers"),
    ];
    let main = activity(kind, id, &actor, object.clone(), &cc);
    let inboxes = store.follower_inboxes(&[&local, SITE_ACTOR]).await?;
    let mut deliveries = vec![(local.as_str(), kind, main.to_string(), inboxes)];
    // The site's followers see an author's new post as the site's boost:
    // servers show a Create only to the followers of its actor.
    if kind == "Create" && local != SITE_ACTOR {
        let boost = activity(
            "Announce",
            format!("{site_actor}#announce-{}", change.post_id),
            &site_actor,
            object["id"].clone(),
            &[format!("{site_actor}/followers")],
        );
        let inboxes = store.follower_inboxes(&[SITE_ACTOR]).await?;
        deliveries.push((SITE_ACTOR, "Announce", boost.to_string(), inboxes));
    }
    Ok(store
        .post_told(change.post_id, Some((&local, version)), &deliveries)
        .await?)
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
        // A server error or too many requests may pass; a refusal will not.
        permanent: (400..500).contains(&status) && !matches!(status, 408 | 429),
    })
}
