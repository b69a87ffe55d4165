//! The site as ActivityPub actors, as far as built: WebFinger
//! (`acct:site@HOST`, `acct:AUTHOR@HOST`), NodeInfo, and the actor
//! documents with their public keys. Answered only when the `federation`
//! setting is `on` (off while issue 16 is under way).

use crate::error::AppError;
use crate::origin;
use crate::public::{site_context, visible};
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bestpick_app::federation::{self, SITE_ACTOR};
use bestpick_store::{PostFilter, User};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn router() -> Routes {
    Routes::new()
        .get("/.well-known/webfinger", webfinger)
        .get("/.well-known/nodeinfo", nodeinfo_links)
        .get("/nodeinfo/2.1", nodeinfo)
        .get("/ap/site", site_actor)
        .get("/ap/users/{username}", author_actor)
}

const ACTIVITY_JSON: &str = "application/activity+json";

fn answer(content_type: &'static str, body: Value) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body.to_string()).into_response()
}

async fn on(state: &AppState) -> Result<(), AppError> {
    match federation::enabled(&state.site).await? {
        true => Ok(()),
        false => Err(AppError::NotFound),
    }
}

/// An author the fediverse may know: one with something published, as
/// for their page.
async fn public_author(state: &AppState, username: &str) -> Result<User, AppError> {
    let store = &state.site.store;
    let user = store
        .user_by_username(username)
        .await?
        .ok_or(AppError::NotFound)?;
    let (posts, _) = store
        .list_posts(&PostFilter {
            author_id: Some(user.id),
            limit: 1,
            ..visible(state.site.now())
        })
        .await?;
    match posts.is_empty() {
        true => Err(AppError::NotFound),
        false => Ok(user),
    }
}

#[derive(Deserialize)]
struct Resource {
    #[serde(default)]
    resource: String,
}

/// RFC 7033: who `acct:NAME@HOST` (or an actor's address) is.
async fn webfinger(
    State(state): State<AppState>,
    Query(q): Query<Resource>,
) -> Result<Response, AppError> {
    on(&state).await?;
    let origin = origin::current();
    let name = if let Some(acct) = q.resource.strip_prefix("acct:") {
        let (name, host) = acct.rsplit_once('@').ok_or_else(|| {
            AppError::BadRequest(format!("resource: '{}' is not acct:NAME@HOST", q.resource))
        })?;
        if !host.eq_ignore_ascii_case(origin.host()) {
            return Err(AppError::NotFound);
        }
        name.to_owned()
    } else if q.resource == origin.join("/ap/site") {
        SITE_ACTOR.to_owned()
    } else if let Some(name) = q.resource.strip_prefix(&origin.join("/ap/users/")) {
        name.to_owned()
    } else if q.resource.is_empty() {
        return Err(AppError::BadRequest("give resource=acct:NAME@HOST".into()));
    } else {
        return Err(AppError::NotFound);
    };
    let (id, page) = if name == SITE_ACTOR {
        (origin.join("/ap/site"), origin.join("/"))
    } else {
        let user = public_author(&state, &name).await?;
        (
            origin.join(&format!("/ap/users/{}", user.username)),
            origin.join(&format!("/author/{}", user.username)),
        )
    };
    Ok(answer(
        "application/jrd+json",
        json!({
            "subject": format!("acct:{name}@{}", origin.host()),
            "aliases": [page, id],
            "links": [
                { "rel": "self", "type": ACTIVITY_JSON, "href": id },
                { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": page },
            ],
        }),
    ))
}

async fn nodeinfo_links(State(state): State<AppState>) -> Result<Response, AppError> {
    on(&state).await?;
    Ok(answer(
        "application/json",
        json!({ "links": [{
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
            "href": origin::current().join("/nodeinfo/2.1"),
        }]}),
    ))
}

/// NodeInfo 2.1: what software this is and how much it holds.
async fn nodeinfo(State(state): State<AppState>) -> Result<Response, AppError> {
    on(&state).await?;
    let store = &state.site.store;
    let (_, posts) = store
        .list_posts(&PostFilter {
            limit: 1,
            ..visible(state.site.now())
        })
        .await?;
    let users = store.users().await?.len();
    Ok(answer(
        "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\"",
        json!({
            "version": "2.1",
            "software": {
                "name": "bestpick",
                "version": env!("CARGO_PKG_VERSION"),
                "homepage": origin::current().join("/"),
            },
            "protocols": ["activitypub"],
            "services": { "inbound": [], "outbound": ["atom1.0", "rss2.0"] },
            "openRegistrations": false,
            "usage": { "users": { "total": users }, "localPosts": posts },
            "metadata": {},
        }),
    ))
}

/// An actor document: its names, where it is on the site, its key.
async fn actor(
    state: &AppState,
    key_of: &str,
    kind: &str,
    id: String,
    name: &str,
    summary: &str,
    page: String,
) -> Result<Response, AppError> {
    let keys = federation::keys(&state.site, key_of)
        .await
        .map_err(AppError::Internal)?;
    let username = id.rsplit('/').next().unwrap_or(SITE_ACTOR).to_owned();
    Ok(answer(
        ACTIVITY_JSON,
        json!({
            "@context": [
                "https://www.w3.org/ns/activitystreams",
                "https://w3id.org/security/v1",
                {
                    "toot": "http://joinmastodon.org/ns#",
                    "discoverable": "toot:discoverable",
                    "indexable": "toot:indexable",
                    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
                },
            ],
            "id": id,
            "type": kind,
            "preferredUsername": username,
            "name": name,
            "summary": summary,
            "url": page,
            "inbox": format!("{id}/inbox"),
            "outbox": format!("{id}/outbox"),
            "followers": format!("{id}/followers"),
            "endpoints": { "sharedInbox": origin::current().join("/ap/inbox") },
            "manuallyApprovesFollowers": false,
            "discoverable": true,
            "indexable": true,
            "publicKey": {
                "id": format!("{id}#main-key"),
                "owner": id,
                "publicKeyPem": keys.public_pem,
            },
        }),
    ))
}

async fn site_actor(State(state): State<AppState>) -> Result<Response, AppError> {
    on(&state).await?;
    let site = site_context(&state).await?;
    let origin = origin::current();
    actor(
        &state,
        SITE_ACTOR,
        "Service",
        origin.join("/ap/site"),
        &site.name,
        &site.tagline,
        origin.join("/"),
    )
    .await
}

async fn author_actor(
    State(state): State<AppState>,
    Path(username): Path<String>,
) -> Result<Response, AppError> {
    on(&state).await?;
    let user = public_author(&state, &username).await?;
    let origin = origin::current();
    actor(
        &state,
        &format!("user:{}", user.id),
        "Person",
        origin.join(&format!("/ap/users/{}", user.username)),
        &user.display_name,
        user.bio.as_deref().unwrap_or(""),
        origin.join(&format!("/author/{}", user.username)),
    )
    .await
}
