//! Posts as the fediverse sees them: an `Article` (a `Note` for a short
//! post, as WordPress's plugin does, since Mastodon shows a Note whole and
//! an Article as its title, summary and link), with the cover as an
//! image, the tags as hashtags, and the activities that carry them.

use crate::error::AppError;
use crate::state::AppState;
use bestpick_app::federation::inbox::{AS_CONTEXT, PUBLIC};
use bestpick_app::federation::{self, SITE_ACTOR};
use bestpick_core::format::unix_rfc3339;
use bestpick_core::markdown;
use bestpick_core::SiteUrl;
use bestpick_store::PostView;
use serde_json::{json, Value};

/// A post whose text is shorter than this goes out as a Note.
const NOTE_UNDER: usize = 500;

/// The id of a post's object: its number and when it was first saved (a
/// later post given a deleted one's number is another object: servers
/// remember deleted ones).
pub fn post_id(origin: &SiteUrl, post: i64, created_at: i64) -> String {
    origin.join(&post_path(post, created_at))
}

pub fn post_path(post: i64, created_at: i64) -> String {
    format!("/ap/posts/{post}-{created_at}")
}

/// The local actor a post is sent as (its first author, else the site)
/// and that actor's id.
pub async fn post_actor(
    state: &AppState,
    origin: &SiteUrl,
    post: &PostView,
) -> Result<(String, String), AppError> {
    if let Some(author) = post.card.authors.first() {
        if let Some(user) = state.site.store.user_by_username(&author.username).await? {
            let (local, path) = federation::author_actor(&user);
            return Ok((local, origin.join(&path)));
        }
    }
    Ok((SITE_ACTOR.to_owned(), origin.join(federation::SITE_PATH)))
}

/// The id of a local actor (`site`, `user:ID`), when it still exists.
pub async fn actor_id(
    state: &AppState,
    origin: &SiteUrl,
    local: &str,
) -> Result<Option<String>, AppError> {
    if local == SITE_ACTOR {
        return Ok(Some(origin.join(federation::SITE_PATH)));
    }
    let Some(id) = federation::author_id(local) else {
        return Ok(None);
    };
    Ok(state
        .site
        .store
        .user(id)
        .await?
        .map(|u| origin.join(&federation::author_actor(&u).1)))
}

/// The post as an Article or a Note.
pub async fn object(
    state: &AppState,
    origin: &SiteUrl,
    post: &PostView,
) -> Result<Value, AppError> {
    let (_, author) = post_actor(state, origin, post).await?;
    let url = origin.join(&post.card.url);
    let html = crate::feeds::full_html(state, post, origin).await?;
    // (An excerpt of twice the length, cut at a word, is long enough to tell.)
    let short = markdown::excerpt(&post.body, 2 * NOTE_UNDER)
        .chars()
        .count()
        < NOTE_UNDER;
    let image = match post.card.cover.as_ref().or(post.card.poster.as_ref()) {
        Some(m) => json!({
            "type": "Image",
            "mediaType": m.mime,
            "url": origin.join(&m.url),
            "name": m.alt,
            "width": m.width,
            "height": m.height,
        }),
        None => json!({
            "type": "Image",
            "mediaType": "image/png",
            "url": origin.join(&format!("/cards/{}", post.card.slug)),
            "name": post.card.title,
            "width": 1200,
            "height": 630,
        }),
    };
    let tags: Vec<Value> = post
        .tags
        .iter()
        .map(|t| {
            json!({
                "type": "Hashtag",
                "href": origin.join(&format!("/tag/{}", t.slug)),
                "name": format!("#{}", t.name.split_whitespace().collect::<String>()),
            })
        })
        .collect();
    let mut object = json!({
        "id": post_id(origin, post.card.id, post.card.created_at),
        "type": if short { "Note" } else { "Article" },
        "attributedTo": author,
        "url": url,
        "mediaType": "text/html",
        "to": [PUBLIC],
        "cc": [format!("{author}/followers"), origin.join("/ap/site/followers")],
        "attachment": [image.clone()],
        "image": image,
        "tag": tags,
        "sensitive": false,
    });
    let o = object.as_object_mut().expect("an object");
    if let Some(at) = post.card.published_at {
        o.insert("published".into(), json!(unix_rfc3339(at)));
        if post.card.updated_at > at {
            o.insert("updated".into(), json!(unix_rfc3339(post.card.updated_at)));
        }
    }
    let title = markdown::escape(&post.card.title);
    if short {
        // A Note's summary would be a content warning: the title leads the text.
        let content = format!(
            "<p><strong>{title}</strong></p>{html}<p><a href=\"{0}\">{0}</a></p>",
            markdown::escape(&url)
        );
        o.insert("content".into(), json!(content));
    } else {
        o.insert("name".into(), json!(post.card.title));
        o.insert("summary".into(), json!(crate::head::description(post, 500)));
        o.insert("content".into(), json!(html));
    }
    o.insert(
        "@context".into(),
        json!([AS_CONTEXT, {"Hashtag": "as:Hashtag", "sensitive": "as:sensitive"}]),
    );
    Ok(object)
}

/// The activity (`Create`, `Update`) that carries a post's object: from
/// its author, addressed as the object is.
pub fn carrying(kind: &str, id: String, object: Value) -> Value {
    let actor = object["attributedTo"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let cc: Vec<String> = serde_json::from_value(object["cc"].clone()).unwrap_or_default();
    activity(kind, id, &actor, object, &cc)
}

/// An activity by `actor` about `object` (embedded, or an id), addressed
/// to the public with `cc`.
pub fn activity(kind: &str, id: String, actor: &str, object: Value, cc: &[String]) -> Value {
    let object = match object {
        Value::Object(mut o) => {
            o.remove("@context");
            Value::Object(o)
        }
        other => other,
    };
    json!({
        "@context": AS_CONTEXT,
        "id": id,
        "type": kind,
        "actor": actor,
        "object": object,
        "to": [PUBLIC],
        "cc": cc,
    })
}
