//! Reader comments on the post page: the threads, the form (which keeps
//! what was typed when something is wrong), and the commenter's own edit
//! and delete for ten minutes, proven by a signed cookie.

use crate::admin::error_map;
use crate::auth::{self, current_user, CheckedForm, CsrfForm, CurrentUser};
use crate::client::ClientIp;
use crate::error::AppError;
use crate::page_cache;
use crate::public::render_page;
use crate::render;
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use bestpick_app::comment_settings::CommentSettings;
use bestpick_app::comments::{self, CommentError, Posted, Submission, EDIT_WINDOW_SECS};
use bestpick_app::posts;
use bestpick_core::comment::{CommentInput, CommentStatus};
use bestpick_core::FieldErrors;
use bestpick_store::{Comment, PostView, Topic};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Holds the commenter's edit tokens: `id.expires.signature,...`.
pub const EDIT_COOKIE: &str = "bp_comments";
/// The reader's name, email and website, kept on their device when they
/// tick "remember me" (and said so in the privacy notice).
pub const READER_COOKIE: &str = "bp_reader";
/// How long a cached post page keeps the form stamp it was rendered with.
const SHARED_STAMP_SECS: i64 = 3600;
/// How long a remembered reader is remembered.
const REMEMBER_DAYS: i64 = 365;

pub fn router() -> Routes {
    Routes::new()
        .post("/comments", create)
        .get("/comments/form/{post}", form_for_reader)
        .get("/comments/{id}", permalink)
        .get("/comments/{id}/edit", edit_form)
        .post("/comments/{id}/edit", edit)
        .post("/comments/{id}/delete", delete)
}

/// What the comment form shows: the values typed, and what went wrong.
#[derive(Debug, Default, Serialize)]
pub struct FormState {
    pub parent_id: Option<i64>,
    pub replying_to: Option<String>,
    pub name: String,
    pub email: String,
    pub website: String,
    pub body: String,
    pub notify: bool,
    pub errors: BTreeMap<String, String>,
    /// A rule's refusal, shown above the form.
    pub message: Option<String>,
    /// After posting: published, or held for moderation.
    pub notice: Option<String>,
    /// The comment the notice is about, shown beside it.
    pub notice_for: Option<i64>,
    /// The reader asked to be remembered on this device.
    pub remember: bool,
    /// After rating the pick (the rating form's own notice): `thanks`, or
    /// `later` when the address has rated enough for now.
    pub rated: Option<String>,
}

/// One comment and its replies, as the theme renders them.
#[derive(Debug, Serialize)]
struct Node {
    #[serde(flatten)]
    comment: Comment,
    /// Written by one of the post's authors.
    by_author: bool,
    /// The reader may still edit or delete it (their own, within 10 minutes).
    editable: bool,
    can_reply: bool,
    replies: Vec<Node>,
}

/// Builds the threads from comments in time order; a reply whose parent is
/// gone is shown at the top level. `editable` are the reader's own, which
/// they may still change at `now`.
fn threads(
    comments: Vec<Comment>,
    post: &PostView,
    editable: &[i64],
    max_depth: i64,
    now: i64,
) -> Vec<Node> {
    let ids: Vec<i64> = comments.iter().map(|c| c.id).collect();
    let mut children: BTreeMap<Option<i64>, Vec<Comment>> = BTreeMap::new();
    for c in comments {
        let parent = c.parent_id.filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(c);
    }
    fn build(
        parent: Option<i64>,
        children: &mut BTreeMap<Option<i64>, Vec<Comment>>,
        post: &PostView,
        editable: &[i64],
        max_depth: i64,
        now: i64,
    ) -> Vec<Node> {
        let list = children.remove(&parent).unwrap_or_default();
        list.into_iter()
            .map(|c| {
                let replies = build(Some(c.id), children, post, editable, max_depth, now);
                Node {
                    by_author: c
                        .username
                        .as_ref()
                        .is_some_and(|u| post.card.authors.iter().any(|a| &a.username == u)),
                    editable: comments::may_edit(&c, editable, now),
                    can_reply: c.depth + 1 < max_depth,
                    comment: c,
                    replies,
                }
            })
            .collect()
    }
    build(None, &mut children, post, editable, max_depth, now)
}

/// The CSRF token for a form on a public page: the session's for a
/// logged-in member of the team, else the double-submit cookie's.
fn form_csrf(
    user: Option<&CurrentUser>,
    jar: CookieJar,
    headers: &HeaderMap,
) -> (CookieJar, String) {
    match user {
        Some(u) => (jar, u.csrf.clone()),
        None => auth::anonymous_csrf(jar, headers),
    }
}

pub(crate) fn editable_ids(state: &AppState, jar: &CookieJar) -> Vec<i64> {
    jar.get(EDIT_COOKIE)
        .map(|c| comments::editable_ids(&state.site, c.value()))
        .unwrap_or_default()
}

/// Who a post page is for.
pub enum Audience<'a> {
    /// Any reader: the page goes through the page cache, so it holds
    /// nothing personal; `comments.js` fetches the form's token and time
    /// stamp and the reader's edit links from [`form_for_reader`].
    Everyone,
    /// This request alone: a form sent back with what went wrong, or a
    /// draft's preview, with the reader's token and links in the page.
    Requester {
        jar: CookieJar,
        headers: &'a HeaderMap,
    },
}

/// What one reader's copy of a post page adds to the shared one.
#[derive(Debug, Default, Serialize)]
struct Personal {
    csrf: String,
    stamp: String,
    /// The logged-in team member's name.
    member: Option<String>,
    /// Comments the reader may still edit or delete.
    editable: Vec<i64>,
    /// Name, email and website remembered on this device, to fill in.
    remembered: Option<Remembered>,
}

/// What "remember me" keeps in the reader's cookie.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
struct Remembered {
    name: String,
    email: String,
    website: String,
}

impl Remembered {
    fn from_jar(jar: &CookieJar) -> Option<Remembered> {
        serde_html_form::from_str(jar.get(READER_COOKIE)?.value()).ok()
    }
}

/// `user` is the request's logged-in team member, looked up by the caller.
fn personal(
    state: &AppState,
    user: Option<CurrentUser>,
    jar: CookieJar,
    headers: &HeaderMap,
    post_id: i64,
) -> (CookieJar, Personal) {
    let (jar, csrf) = form_csrf(user.as_ref(), jar, headers);
    let editable = editable_ids(state, &jar);
    let remembered = Remembered::from_jar(&jar);
    (
        jar,
        Personal {
            csrf,
            stamp: comments::form_stamp(&state.site, post_id),
            member: user.map(|u| u.user.display_name),
            editable,
            remembered,
        },
    )
}

/// `/comments/form/{post}`: the comment form's personal parts as JSON,
/// never stored by any cache.
async fn form_for_reader(
    State(state): State<AppState>,
    Path(post_id): Path<i64>,
    jar: CookieJar,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let user = current_user(&state, &jar).await?;
    if !posts::is_visible(&state.site, post_id, user.as_ref().map(|u| &u.user)).await? {
        return Err(AppError::NotFound);
    }
    let (jar, me) = personal(&state, user, jar, &headers, post_id);
    Ok((
        [(header::CACHE_CONTROL, "private, no-store")],
        jar,
        Json(me),
    )
        .into_response())
}

/// Renders a post's page with its comments and the comment form.
pub async fn post_page(
    state: &AppState,
    audience: Audience<'_>,
    post: PostView,
    preview: bool,
    mut form: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    let site = &state.site;
    let settings = CommentSettings::load(site).await?;
    let closed = comments::comments_closed(&post.card, &settings, state.site.now());
    let (jar, me) = match audience {
        // The shared page's form carries a stamp of its own render, so a
        // reader without JavaScript posts in one press (comments.js puts
        // a fresh one in).
        Audience::Everyone => (
            None,
            Personal {
                stamp: comments::form_stamp(site, post.card.id),
                ..Personal::default()
            },
        ),
        Audience::Requester { jar, headers } => {
            let user = current_user(state, &jar).await?;
            let (jar, me) = personal(state, user, jar, headers, post.card.id);
            (Some(jar), me)
        }
    };
    let list = site.store.published_comments(post.card.id).await?;
    let count = list.len();
    if let Some(parent) = form.parent_id {
        form.replying_to = list.iter().find(|c| c.id == parent).map(|c| c.name.clone());
        if form.replying_to.is_none() {
            form.parent_id = None;
        }
    }
    let comments = threads(
        list,
        &post,
        &me.editable,
        settings.max_depth,
        state.site.now(),
    );
    let parts = render::body_parts(state, &post.body).await?;
    let template = if post.card.kind == bestpick_core::post::PostKind::Pick {
        "pick.html"
    } else {
        "post.html"
    };
    let mut topics = vec![Topic::Post(post.card.id)];
    if post.work.is_some() {
        topics.push(Topic::Films);
    }
    // Related picks change the page when one of them changes (or, for a
    // scheduled one, when it goes live).
    let (related, goes_live) = site.store.related_picks(post.card.id).await?;
    // The readers' score, apart from the critics' (none on a preview).
    let readers = match (post.card.kind, preview) {
        (bestpick_core::post::PostKind::Pick, false) => {
            let scale = bestpick_app::ratings::scale(site).await?;
            bestpick_app::ratings::readers_score(post.ratings, scale)
        }
        _ => None,
    };
    topics.extend(related.iter().map(|r| Topic::Post(r.card.id)));
    // The shared page's form stamp is its render's: kept an hour at most,
    // so the form a reader without JavaScript sends is never a day old.
    let stale = state.site.now() + SHARED_STAMP_SECS;
    let until = comments::closes_at(&post.card, &settings).map_or(stale, |t| (t + 1).min(stale));
    let until = Some(goes_live.map_or(until, |t| t.min(until)));
    // Likes and boosts from the fediverse.
    let (likes, boosts) = site.store.reaction_counts(post.card.id).await?;
    let reactions = context! { likes, boosts };
    let head = |site: &crate::public::SiteContext| {
        crate::head::Head::post(site, &post, readers.as_ref()).noindex(preview)
    };
    let html = crate::public::render_page_with(
        state,
        template,
        head,
        context! {
            feed => context! {
                page => format!("/{}", post.card.section.slug),
                title => post.card.section.name.clone(),
            },
            activity => (post.card.visibility == bestpick_core::post::Visibility::Published)
                .then(|| crate::federation::objects::post_path(post.card.id, post.card.created_at)),
            reactions => reactions,
            post, parts, preview, comments, comment_count => count, form, closed, related, readers,
            csrf => me.csrf, stamp => me.stamp, member => me.member,
            ip_days => settings.ip_days, spam_days => settings.spam_days,
        },
    )
    .await?;
    Ok(match jar {
        None => page_cache::shared((status, Html(html)).into_response(), topics, until),
        Some(jar) => (status, jar, Html(html)).into_response(),
    })
}

#[derive(Debug, Deserialize)]
pub struct CommentFields {
    post_id: i64,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    website: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    notify: Option<String>,
    /// "Remember me on this device".
    #[serde(default)]
    remember: Option<String>,
    /// The honeypot: hidden from people, filled in by robots.
    #[serde(default)]
    nickname: String,
    #[serde(default)]
    stamp: String,
}

async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    headers: HeaderMap,
    sent: CheckedForm<CommentFields>,
) -> Result<Response, AppError> {
    let f = sent.fields;
    let me = current_user(&state, &jar).await?;
    let parent_id = match f.parent_id.trim() {
        "" => None,
        p => Some(
            p.parse::<i64>()
                .map_err(|_| AppError::BadRequest("parent_id is not a comment number.".into()))?,
        ),
    };
    let form = |errors: &FieldErrors, message: Option<String>| FormState {
        parent_id,
        name: f.name.clone(),
        email: f.email.clone(),
        website: f.website.clone(),
        body: f.body.clone(),
        notify: f.notify.is_some(),
        remember: f.remember.is_some(),
        errors: error_map(errors),
        message,
        ..FormState::default()
    };
    // The shared page's form gets its token from comments.js; without it
    // (no script, or a page left open for days) a form the browser says
    // came from this site's own page is taken at once, and any other is
    // confirmed on a page of the reader's own, which carries a token.
    // Nothing is stored before.
    let same_origin = auth::same_origin(&headers);
    let result = match sent.csrf {
        Err(_) if !same_origin => Err(CommentError::Refused(CONFIRM.into())),
        _ => {
            let submission = Submission {
                post_id: f.post_id,
                parent_id,
                input: CommentInput::new(&f.name, &f.email, &f.website, &f.body),
                notify: f.notify.is_some(),
                ip,
                honeypot: f.nickname.clone(),
                form_stamp: f.stamp.clone(),
                user: me.as_ref().map(|u| u.user.clone()),
            };
            comments::post_comment(&state.site, submission).await
        }
    };
    let (form, status) = match result {
        Ok(posted) => {
            let expires = state.site.now() + EDIT_WINDOW_SECS;
            let jar = remember_edit(
                &state,
                jar,
                &headers,
                comments::edit_token(&state.site, posted.id, expires),
            );
            let jar = remember_reader(jar, &headers, &f, me.is_none());
            return Ok((jar, back_to_post(posted, "published")).into_response());
        }
        Err(CommentError::Invalid(errors)) => {
            (form(&errors, None), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(CommentError::RateLimited(m)) => (
            form(&FieldErrors::default(), Some(m)),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(CommentError::Refused(m)) => (
            form(&FieldErrors::default(), Some(m)),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return Err(e.into()),
    };
    // The form goes back on its post's page, and nothing of a post the
    // sender may not see is shown: a 404, as for no post at all.
    // (`post_comment` refuses such a post before any other rule.)
    let post = visible_post(&state, me.as_ref(), f.post_id).await?;
    let audience = Audience::Requester {
        jar,
        headers: &headers,
    };
    post_page(&state, audience, post, false, form, status).await
}

/// Asked of a reader whose form came without its token.
const CONFIRM: &str = "Please check your comment and press “Post comment” once more: \
    this confirms it was sent from this page (the page's script did not run, \
    or the page was open for a long time).";

/// The most comments a reader's cookie keeps editable at once.
const MAX_EDITABLE: usize = 20;

/// Keeps the reader's name, email and website in a cookie when they ask,
/// and forgets them when they post without asking.
fn remember_reader(
    jar: CookieJar,
    headers: &HeaderMap,
    f: &CommentFields,
    reader: bool,
) -> CookieJar {
    if !reader {
        return jar;
    }
    if f.remember.is_none() {
        return match jar.get(READER_COOKIE) {
            Some(_) => jar.remove(Cookie::build(READER_COOKIE).path("/comments")),
            None => jar,
        };
    }
    let kept = Remembered {
        name: f.name.trim().to_owned(),
        email: f.email.trim().to_owned(),
        website: f.website.trim().to_owned(),
    };
    let value = serde_html_form::to_string(&kept).unwrap_or_default();
    let cookie = Cookie::build((READER_COOKIE, value))
        .path("/comments")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(auth::is_https(headers))
        .max_age(time::Duration::days(REMEMBER_DAYS));
    jar.add(cookie)
}

/// Adds an edit token to the cookie, dropping expired ones.
fn remember_edit(
    state: &AppState,
    jar: CookieJar,
    headers: &HeaderMap,
    token: String,
) -> CookieJar {
    let mut tokens: Vec<String> = jar
        .get(EDIT_COOKIE)
        .map(|c| {
            c.value()
                .split(',')
                .filter(|t| !comments::editable_ids(&state.site, t).is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    tokens.push(token);
    // The newest only: a cookie holds about 4 KB, and a browser drops one
    // that grows past it (with every edit link in it).
    let older = tokens.len().saturating_sub(MAX_EDITABLE);
    tokens.drain(..older);
    let cookie = Cookie::build((EDIT_COOKIE, tokens.join(",")))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(auth::is_https(headers))
        .max_age(time::Duration::seconds(EDIT_WINDOW_SECS));
    jar.add(cookie)
}

/// The post with this id, if `me` may see it; else 404, as for a post
/// that does not exist.
async fn visible_post(
    state: &AppState,
    me: Option<&CurrentUser>,
    id: i64,
) -> Result<PostView, AppError> {
    posts::visible_post(&state.site, id, me.map(|u| &u.user))
        .await?
        .ok_or(AppError::NotFound)
}

/// A comment and the post it is on, if the request may see the post.
async fn comment_and_post(
    state: &AppState,
    jar: &CookieJar,
    id: i64,
) -> Result<(Comment, PostView), AppError> {
    let c = state
        .site
        .store
        .comment(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let me = current_user(state, jar).await?;
    let post = visible_post(state, me.as_ref(), c.post_id).await?;
    Ok((c, post))
}

/// Where a reader lands after posting or editing: their comment when it
/// is shown, else the comments with a note that it waits.
fn back_to_post(posted: Posted, outcome: &str) -> Redirect {
    let url = &posted.post_url;
    Redirect::to(&match posted.status {
        CommentStatus::Published => {
            format!("{url}?comment={outcome}-{id}#comment-{id}", id = posted.id)
        }
        _ => format!("{url}?comment=held#comments"),
    })
}

/// `/comments/{id}`: the comment in its post's page.
async fn permalink(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let (c, post) = comment_and_post(&state, &jar, id).await?;
    if c.status != CommentStatus::Published {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("{}#comment-{id}", post.card.url)).into_response())
}

async fn edit_form(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    jar: CookieJar,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (c, post) = comment_and_post(&state, &jar, id).await?;
    let body = c.body.clone();
    render_edit(
        &state,
        jar,
        &headers,
        (c, post),
        body,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn render_edit(
    state: &AppState,
    jar: CookieJar,
    headers: &HeaderMap,
    (c, post): (Comment, PostView),
    body: String,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let editable = comments::may_edit(&c, &editable_ids(state, &jar), state.site.now());
    let user = current_user(state, &jar).await?;
    let (jar, csrf) = form_csrf(user.as_ref(), jar, headers);
    let html = render_page(
        state,
        "comment_edit.html",
        context! { comment => c, body, post => post.card, editable, csrf, errors => error_map(&errors) },
    )
    .await?;
    Ok((status, jar, Html(html)).into_response())
}

#[derive(Debug, Deserialize)]
struct EditFields {
    #[serde(default)]
    body: String,
}

async fn edit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    jar: CookieJar,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<EditFields>,
) -> Result<Response, AppError> {
    // A comment on a post the writer may no longer see is not edited.
    let found = comment_and_post(&state, &jar, id).await?;
    let editable = editable_ids(&state, &jar);
    match comments::edit_own(&state.site, id, &editable, &f.body).await {
        Ok(posted) => Ok(back_to_post(posted, "edited").into_response()),
        Err(CommentError::Invalid(errors)) => {
            render_edit(
                &state,
                jar,
                &headers,
                found,
                f.body,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    jar: CookieJar,
    CsrfForm(_): CsrfForm<EditFields>,
) -> Result<Response, AppError> {
    let (_, post) = comment_and_post(&state, &jar, id).await?;
    comments::delete_own(&state.site, id, &editable_ids(&state, &jar)).await?;
    Ok(Redirect::to(&format!("{}?comment=deleted#comments", post.card.url)).into_response())
}

/// A refusal outside the comment form (editing, deleting): the error page.
impl From<CommentError> for AppError {
    fn from(e: CommentError) -> Self {
        match e {
            CommentError::Refused(m) | CommentError::RateLimited(m) => AppError::Forbidden(m),
            CommentError::Invalid(errors) => AppError::BadRequest(errors.to_string()),
            CommentError::NoPost | CommentError::NoComment => AppError::NotFound,
            CommentError::Other(e) => e.into(),
        }
    }
}

/// The message shown after a redirect back to the post.
/// The notice after a comment was posted, edited or deleted, and the
/// comment it is about: `published-12` is comment 12, published.
pub fn notice(outcome: Option<&str>) -> (Option<String>, Option<i64>) {
    let Some(outcome) = outcome else {
        return (None, None);
    };
    let (what, id) = match outcome.split_once('-') {
        Some((what, id)) => (what, id.parse().ok()),
        None => (outcome, None),
    };
    (said(what), id)
}

fn said(outcome: &str) -> Option<String> {
    Some(
        match outcome {
            "published" => "Thank you: your comment is published.",
            "held" => {
                "Thank you: your comment is held for moderation and will appear once approved."
            }
            "edited" => "Your comment is updated.",
            "deleted" => "Your comment is deleted.",
            _ => return None,
        }
        .to_owned(),
    )
}
