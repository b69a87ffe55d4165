//! The site as ActivityPub actors: WebFinger (`acct:site@HOST`,
//! `acct:AUTHOR@HOST`), NodeInfo, the actor documents with their keys,
//! their collections, the posts as objects, and the inboxes. Answered only
//! when the `federation` setting is `on`.

pub mod deliver;
mod inbox;
pub mod objects;

use crate::error::AppError;
use crate::origin;
use crate::public::{site_context, visible};
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bestpick_app::federation::inbox::AS_CONTEXT;
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
        .get("/ap/site/outbox", site_outbox)
        .get("/ap/users/{username}/outbox", author_outbox)
        .get("/ap/site/followers", site_followers)
        .get("/ap/users/{username}/followers", author_followers)
        .get("/ap/posts/{id}", post_object)
        .merge(
            Routes::new()
                .post("/ap/inbox", inbox::post)
                .post("/ap/site/inbox", inbox::post)
                .post("/ap/users/{username}/inbox", inbox::post)
                // An activity is small: no more is read than a fetch would take.
                .map(|r| {
                    r.layer(axum::extract::DefaultBodyLimit::max(
                        bestpick_app::federation::fetch::MAX_BODY,
                    ))
                }),
        )
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

/// An author the fediverse may know (one with something published), with
/// their actor's local name and id.
async fn author(state: &AppState, username: &str) -> Result<(User, String, String), AppError> {
    let user = federation::public_author(&state.site, username)
        .await?
        .ok_or(AppError::NotFound)?;
    let (local, path) = federation::author_actor(&user);
    Ok((user, local, origin::current().join(&path)))
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
    } else if q.resource == origin.join(federation::SITE_PATH) {
        SITE_ACTOR.to_owned()
    } else if let Some(name) = federation::author_named(&origin, &q.resource) {
        name.to_owned()
    } else if q.resource.is_empty() {
        return Err(AppError::BadRequest("give resource=acct:NAME@HOST".into()));
    } else {
        return Err(AppError::NotFound);
    };
    let (id, page) = if name == SITE_ACTOR {
        (origin.join(federation::SITE_PATH), origin.join("/"))
    } else {
        let (user, _, id) = author(&state, &name).await?;
        (id, origin.join(&format!("/author/{}", user.username)))
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
            "icon": {
                "type": "Image",
                "mediaType": "image/png",
                "url": origin::current().join(&format!("/cards/actors/{username}")),
            },
            "image": {
                "type": "Image",
                "mediaType": "image/png",
                "url": origin::current().join(&format!("/cards/actors/{username}/header")),
            },
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
        origin.join(federation::SITE_PATH),
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
    let (user, local, id) = author(&state, &username).await?;
    let origin = origin::current();
    actor(
        &state,
        &local,
        "Person",
        id,
        &user.display_name,
        user.bio.as_deref().unwrap_or(""),
        origin.join(&format!("/author/{}", user.username)),
    )
    .await
}

/// The newest posts an actor sent (all of the site's for the site), as
/// the Creates that carried them.
async fn outbox(state: &AppState, id: String, author: Option<i64>) -> Result<Response, AppError> {
    let origin = origin::current();
    let (cards, total) = state
        .site
        .store
        .list_posts(&PostFilter {
            author_id: author,
            limit: 20,
            ..visible(state.site.now())
        })
        .await?;
    let mut items = Vec::with_capacity(cards.len());
    for card in &cards {
        let Some(post) = state.site.store.post(card.id).await? else {
            continue;
        };
        let object = objects::object(state, &origin, &post).await?;
        let id = format!("{}#create", object["id"].as_str().unwrap_or_default());
        items.push(objects::carrying("Create", id, object));
    }
    Ok(answer(
        ACTIVITY_JSON,
        json!({
            "@context": AS_CONTEXT,
            "id": format!("{id}/outbox"),
            "type": "OrderedCollection",
            "totalItems": total,
            "orderedItems": items,
        }),
    ))
}

async fn site_outbox(State(state): State<AppState>) -> Result<Response, AppError> {
    on(&state).await?;
    outbox(&state, origin::current().join(federation::SITE_PATH), None).await
}

async fn author_outbox(
    State(state): State<AppState>,
    Path(username): Path<String>,
) -> Result<Response, AppError> {
    on(&state).await?;
    let (user, _, id) = author(&state, &username).await?;
    outbox(&state, id, Some(user.id)).await
}

/// How many follow an actor; who they are is theirs to say, as on Mastodon.
async fn followers(state: &AppState, id: String, local: &str) -> Result<Response, AppError> {
    let count = state.site.store.follower_count(local).await?;
    Ok(answer(
        ACTIVITY_JSON,
        json!({
            "@context": AS_CONTEXT,
            "id": format!("{id}/followers"),
            "type": "OrderedCollection",
            "totalItems": count,
        }),
    ))
}

async fn site_followers(State(state): State<AppState>) -> Result<Response, AppError> {
    on(&state).await?;
    followers(
        &state,
        origin::current().join(federation::SITE_PATH),
        SITE_ACTOR,
    )
    .await
}

async fn author_followers(
    State(state): State<AppState>,
    Path(username): Path<String>,
) -> Result<Response, AppError> {
    on(&state).await?;
    let (_, local, id) = author(&state, &username).await?;
    followers(&state, id, &local).await
}

/// A published post as an Article or a Note; nothing else is found here.
async fn post_object(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    on(&state).await?;
    let (id, created_at) = federation::post_of_object(&id).ok_or(AppError::NotFound)?;
    let post = bestpick_app::posts::visible_post(&state.site, id, None)
        .await?
        .filter(|p| p.card.created_at == created_at)
        .ok_or(AppError::NotFound)?;
    let object = objects::object(&state, &origin::current(), &post).await?;
    Ok(answer(ACTIVITY_JSON, object))
}

/// A follower, with whom they follow in words: `the site` or `@NAME`.
#[derive(Debug, serde::Serialize)]
pub struct FollowerView {
    #[serde(flatten)]
    pub follower: bestpick_store::Follower,
    pub follows: String,
}

/// How federation stands: for the admin's page and `/api/v1/federation`.
#[derive(Debug, serde::Serialize)]
pub struct Status {
    pub enabled: bool,
    /// The site's address is set: without it nothing is delivered.
    pub address: Option<String>,
    /// `@site@HOST`
    pub handle: String,
    pub host: String,
    pub followers: Vec<FollowerView>,
    pub site_followers: usize,
    pub deliveries: bestpick_store::DeliveryCounts,
    /// Blocked servers and accounts: (kind, value, since).
    pub blocks: Vec<(String, String, i64)>,
}

pub async fn status(state: &AppState) -> Result<Status, bestpick_store::StoreError> {
    let store = &state.site.store;
    let mut followers = Vec::new();
    for follower in store.followers().await? {
        let follows = match federation::author_id(&follower.local_actor) {
            None => "the site".to_owned(),
            Some(id) => match store.user(id).await? {
                Some(user) => format!("@{}", user.username),
                None => "an author since removed".to_owned(),
            },
        };
        followers.push(FollowerView { follower, follows });
    }
    Ok(Status {
        enabled: federation::enabled(&state.site).await?,
        address: origin::configured(state).await.map(|u| u.to_string()),
        handle: format!("@{SITE_ACTOR}@{}", origin::current().host()),
        host: origin::current().host().to_owned(),
        site_followers: followers
            .iter()
            .filter(|f| f.follower.local_actor == SITE_ACTOR)
            .count(),
        followers,
        deliveries: store.delivery_counts().await?,
        blocks: store.federation_blocks().await?,
    })
}
