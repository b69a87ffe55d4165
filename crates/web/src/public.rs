//! The pages readers see: home, sections, posts, tags, authors, people, works.

use crate::auth::current_user;
use crate::comments;
use crate::error::AppError;
use crate::features;
use crate::head::Head;
use crate::page_cache::{self, list_topics};
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use bestpick_core::post::{PostKind, PostStatus};
use bestpick_store::{Feature, FilmScope, PageAt, PostCard, PostFilter, Section, Topic};
use minijinja::{context, Value};
use serde::{Deserialize, Serialize};

/// Posts per page of a list.
pub const PAGE_SIZE: i64 = 12;
/// Far past any real list; keeps the offset arithmetic from overflowing.
const MAX_PAGE: i64 = 1_000_000;

pub fn router() -> Routes {
    Routes::new()
        .get("/", home)
        .get("/tag/{slug}", tag)
        .get("/author/{username}", author)
        .get("/person/{slug}", person)
        .get("/work/{slug}", work)
        .get("/{section}", section)
        .post("/{section}", section_post)
        .get("/{section}/", section_slash)
        .get("/{section}/{slug}", post)
        .get("/{section}/result/{token}", section_result)
        .map(|router| router.fallback(|| async { AppError::NotFound }))
}

/// What every page of the theme shows: the site's name and its sections.
#[derive(Serialize)]
pub struct SiteContext {
    /// The public address every absolute link starts with.
    pub url: bestpick_core::SiteUrl,
    pub name: String,
    pub tagline: String,
    pub sections: Vec<Section>,
    /// Whether mail is sent: the reply box and the newsletter form.
    pub mail: bool,
    /// The footer's about page and social profiles.
    pub links: bestpick_app::settings::SiteLinks,
    /// Whether the site can be followed from the fediverse, as `@site@HOST`.
    pub fediverse: Option<String>,
}

pub async fn site_context(state: &AppState) -> Result<SiteContext, AppError> {
    let store = &state.site.store;
    let sections = store.sections().await?;
    Ok(SiteContext {
        url: crate::origin::current(),
        mail: state.options.mail.is_some(),
        name: store
            .setting("site_name")
            .await?
            .unwrap_or_else(|| "bestpick".into()),
        tagline: store
            .setting("site_tagline")
            .await?
            .unwrap_or_else(|| "Films and shows worth your evening".into()),
        sections: sections.into_iter().filter(Section::is_active).collect(),
        links: bestpick_app::settings::links(&state.site).await?,
        // Named only where it can be followed: on, at the site's own address.
        fediverse: match bestpick_app::federation::enabled(&state.site).await? {
            true => crate::origin::configured(state)
                .await
                .map(|url| format!("@{}@{}", bestpick_app::federation::SITE_ACTOR, url.host())),
            false => None,
        },
    })
}

/// Renders a public page with the site around it, the same for every
/// reader: the page cache keeps it until one of `topics` changes.
pub async fn page(
    state: &AppState,
    template: &str,
    head: impl FnOnce(&SiteContext) -> Head,
    ctx: Value,
    topics: Vec<Topic>,
) -> Result<Response, AppError> {
    let html = render_page_with(state, template, head, ctx).await?;
    Ok(page_cache::shared(Html(html).into_response(), topics, None))
}

fn ids(posts: &[PostCard]) -> impl Iterator<Item = i64> + '_ {
    posts.iter().map(|p| p.id)
}

/// The HTML of a public page, for handlers that add a status or cookies.
pub async fn render_page(state: &AppState, template: &str, ctx: Value) -> Result<String, AppError> {
    let site = site_context(state).await?;
    Ok(state
        .templates
        .render(template, context! { site => site, ..ctx })?)
}

/// [`render_page`] with what the page says of itself to search engines
/// and social networks, made once the site's name and address are known.
pub async fn render_page_with(
    state: &AppState,
    template: &str,
    head: impl FnOnce(&SiteContext) -> Head,
    ctx: Value,
) -> Result<String, AppError> {
    let site = site_context(state).await?;
    let head = head(&site);
    Ok(state
        .templates
        .render(template, context! { site => site, head => head, ..ctx })?)
}

/// Published posts whose time has come at `now`.
pub(crate) fn visible(now: i64) -> PostFilter {
    PostFilter {
        status: Some(PostStatus::Published),
        visible_at: Some(now),
        limit: PAGE_SIZE,
        ..PostFilter::default()
    }
}

async fn home(State(state): State<AppState>) -> Result<Response, AppError> {
    let store = &state.site.store;
    // A site that has no admin yet shows the first-run setup instead.
    if !store.has_admin().await? {
        return Ok(Redirect::to("/setup").into_response());
    }
    let picks = store
        .list_page(
            &PostFilter {
                kind: Some(PostKind::Pick),
                limit: 6,
                ..visible(state.site.now())
            },
            PageAt::Newest,
        )
        .await?
        .posts;
    // Essays and news, newest first: each kind read from its own index
    // (a site of many picks would otherwise be walked to find them).
    let mut others = Vec::new();
    for kind in [PostKind::Essay, PostKind::Article] {
        let filter = PostFilter {
            kind: Some(kind),
            limit: 8,
            ..visible(state.site.now())
        };
        others.extend(store.list_page(&filter, PageAt::Newest).await?.posts);
    }
    others.sort_by_key(|p| std::cmp::Reverse((p.published_at, p.id)));
    others.truncate(8);
    let topics = list_topics(ids(&picks).chain(ids(&others)));
    // A line from the Quotes section, the same for a few minutes: the
    // cached page is kept until the next is due.
    let quotes = store
        .feature_section(Feature::Quotes)
        .await?
        .filter(|s| !s.hidden);
    let (line, until) = match &quotes {
        Some(_) => match bestpick_app::quotes::line_of_the_moment(&state.site).await? {
            Some((line, until)) => (Some(line), Some(until)),
            None => (None, None),
        },
        None => (None, None),
    };
    let html = render_page_with(
        &state,
        "home.html",
        Head::home,
        context! { picks, others, line, quotes, activity => bestpick_app::federation::SITE_PATH },
    )
    .await?;
    Ok(page_cache::shared(
        Html(html).into_response(),
        topics,
        until,
    ))
}

#[derive(Deserialize)]
struct PageQuery {
    /// A page by number: the old way, kept for links made with it.
    page: Option<String>,
    /// Older than this post (`TIME.ID`), or newer: the pager's links.
    before: Option<String>,
    after: Option<String>,
}

impl PageQuery {
    /// A page past the list's first: followed by search engines, not listed.
    fn is_later(&self) -> bool {
        self.named().is_some()
    }

    /// The page named past the first, as (parameter, value).
    fn named(&self) -> Option<(&'static str, &str)> {
        [
            ("page", &self.page),
            ("before", &self.before),
            ("after", &self.after),
        ]
        .into_iter()
        .find_map(|(n, v)| {
            v.as_deref()
                .filter(|v| !v.is_empty() && *v != "1")
                .map(|v| (n, v))
        })
    }

    /// This page's own address: its list's, with the page it names.
    fn path(&self, base: &str) -> String {
        match self.named() {
            Some((name, value)) => format!(
                "{base}?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair(name, value)
                    .finish()
            ),
            None => base.to_owned(),
        }
    }
}

/// Page numbers start at 1; anything else is a clear 400, a page past the
/// end a 404.
fn page_number(q: &PageQuery) -> Result<i64, AppError> {
    match q.page.as_deref() {
        None | Some("") => Ok(1),
        Some(p) => p
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "'page' must be a whole number from 1 to {MAX_PAGE}; '{p}' is not."
                ))
            }),
    }
}

/// The links to the pages beside this one.
#[derive(Serialize)]
struct Pagination {
    newer: Option<String>,
    older: Option<String>,
}

/// One page of a filtered list, or 404 past its end. Pages link to each
/// other by cursor, so a page deep in a long list costs what the first
/// does; `?page=N` still answers, by offset, for links made with it.
/// The inner `Err` is a redirect to answer instead.
async fn paged(
    state: &AppState,
    filter: PostFilter,
    q: &PageQuery,
    base: &str,
) -> Result<Result<(Vec<PostCard>, Pagination), Response>, AppError> {
    let store = &state.site.store;
    let cursor = |name: &str, v: &str| {
        bestpick_store::Cursor::parse(v).ok_or_else(|| {
            AppError::BadRequest(format!(
                "'{name}' must be a place in the list as the pager writes it (such as 1735689600.42); '{v}' is not."
            ))
        })
    };
    let at = match (q.before.as_deref(), q.after.as_deref()) {
        (Some(v), _) => PageAt::Before(cursor("before", v)?),
        (None, Some(v)) => PageAt::After(cursor("after", v)?),
        (None, None) => PageAt::Newest,
    };
    let link =
        |name: &str, c: Option<bestpick_store::Cursor>| c.map(|c| format!("{base}?{name}={c}"));
    // One way to name a page: two would make endless addresses of one page.
    let given = [&q.page, &q.before, &q.after]
        .iter()
        .filter(|v| v.as_deref().is_some_and(|v| !v.is_empty()))
        .count();
    if given > 1 {
        return Err(AppError::BadRequest(
            "give one of 'page', 'before' and 'after', not several".into(),
        ));
    }
    let number = page_number(q)?;
    if number > 1 && at == PageAt::Newest {
        let (posts, total) = store
            .list_posts(&PostFilter {
                offset: (number - 1) * PAGE_SIZE,
                ..filter
            })
            .await?;
        if posts.is_empty() {
            return Err(AppError::NotFound);
        }
        let last = posts.last().map(|p| bestpick_store::Cursor {
            at: p.published_at.unwrap_or(p.updated_at),
            id: p.id,
        });
        let older = link("before", last.filter(|_| number * PAGE_SIZE < total));
        let newer = Some(match number {
            2 => base.to_owned(),
            n => format!("{base}?page={}", n - 1),
        });
        return Ok(Ok((posts, Pagination { newer, older })));
    }
    if let PageAt::Before(c) | PageAt::After(c) = at {
        if !store.cursor_exists(&filter, c).await? {
            return Err(AppError::NotFound);
        }
    }
    let page = store.list_page(&filter, at).await?;
    if page.posts.is_empty() && at != PageAt::Newest {
        return Err(AppError::NotFound);
    }
    // Back at the newest posts: the list's own address, not a second one.
    if matches!(at, PageAt::After(_)) && page.newer.is_none() {
        return Ok(Err(Redirect::to(base).into_response()));
    }
    Ok(Ok((
        page.posts,
        Pagination {
            newer: link("after", page.newer),
            older: link("before", page.older),
        },
    )))
}

async fn section(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let store = &state.site.store;
    let section = store
        .section_by_slug(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(into) = section.retired_into {
        let to = store.section(into).await?.ok_or(AppError::NotFound)?;
        return Ok(moved(&format!("/{}", to.slug)));
    }
    if let Some(feature) = section.feature {
        return features::page(&state, section, feature, q.after.as_deref(), &headers).await;
    }
    let base = format!("/{}", section.slug);
    let (posts, pagination) = match paged(
        &state,
        PostFilter {
            section_id: Some(section.id),
            ..visible(state.site.now())
        },
        &q,
        &base,
    )
    .await?
    {
        Ok(page) => page,
        Err(redirect) => return Ok(redirect),
    };
    let topics = list_topics(ids(&posts));
    let head = |site: &SiteContext| {
        Head::page(
            site,
            &section.name,
            &section.description,
            &q.path(&base),
            &[(section.name.as_str(), base.clone())],
        )
        .noindex(q.is_later())
    };
    page(
        &state,
        "list.html",
        head,
        context! {
            feed => context! { page => base, title => section.name },
            title => section.name, description => section.description,
            posts, pagination, base, current_section => section.slug,
        },
        topics,
    )
    .await
}

/// A form sent to a section: only Guess! takes one (an answer).
async fn section_post(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(form): Form<features::GuessForm>,
) -> Result<Response, AppError> {
    let section = features::guess_section(&state, &slug).await?;
    features::guess_post(&state, section, &headers, form).await
}

/// A Guess! round's result, to share.
async fn section_result(
    State(state): State<AppState>,
    Path((slug, token)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let section = features::guess_section(&state, &slug).await?;
    features::guess_result(&state, section, &token).await
}

async fn section_slash(Path(slug): Path<String>) -> Result<Response, AppError> {
    // Only a well-formed slug: "/%2Fevil.example/" must not become "//evil.example".
    let slug = bestpick_core::Slug::parse("section", &slug).map_err(|_| AppError::NotFound)?;
    Ok(moved(&format!("/{}", slug.as_str())))
}

/// 301 Moved Permanently: the status search engines and old links know
/// best (axum's `Redirect::permanent` answers 308).
pub(crate) fn moved(to: &str) -> Response {
    (
        StatusCode::MOVED_PERMANENTLY,
        [(header::LOCATION, to.to_owned())],
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
struct PostQuery {
    /// Reply to this comment (the form is shown under it).
    replyto: Option<i64>,
    /// What happened to the reader's comment, after a redirect.
    comment: Option<String>,
    /// What happened to the reader's rating, after a redirect.
    rated: Option<String>,
}

async fn post(
    State(state): State<AppState>,
    Path((section, slug)): Path<(String, String)>,
    Query(q): Query<PostQuery>,
    jar: CookieJar,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let store = &state.site.store;
    // A feature section's addresses are its own (a line, a work's lines).
    if let Some(s) = store.section_by_slug(&section).await? {
        if let (Some(feature), true) = (s.feature, s.is_active()) {
            return features::item(&state, s, feature, &slug).await;
        }
    }
    let Some(post) = store.post_by_slug(&slug).await? else {
        return Err(if store.post_removed(&slug).await? {
            AppError::Gone
        } else {
            AppError::NotFound
        });
    };
    // Drafts and scheduled posts are shown, marked, only to those who may
    // edit them; to anyone else they do not exist.
    let me = current_user(&state, &jar).await?;
    let post = bestpick_app::posts::visible_to(post, me.as_ref().map(|u| &u.user))
        .ok_or(AppError::NotFound)?;
    let visible = post.card.visibility == bestpick_core::post::Visibility::Published;
    // Old addresses (a retired section, a moved post) lead to the current one.
    if section != post.card.section.slug {
        return Ok(moved(&post.card.url));
    }
    // A notice beside a comment only for its writer (their edit cookie
    // names it): a shared link does not thank anyone for another's words.
    let (notice, notice_for) = match comments::notice(q.comment.as_deref()) {
        (notice, Some(id)) if comments::editable_ids(&state, &jar).contains(&id) => {
            (notice, Some(id))
        }
        (_, Some(_)) => (None, None),
        unnamed => unnamed,
    };
    let form = comments::FormState {
        parent_id: q.replyto,
        notice,
        notice_for,
        rated: q.rated.filter(|r| r == "thanks" || r == "later"),
        ..Default::default()
    };
    // A draft's preview is for the logged-in team member alone.
    let audience = if visible {
        comments::Audience::Everyone
    } else {
        comments::Audience::Requester {
            jar,
            headers: &headers,
        }
    };
    comments::post_page(&state, audience, post, !visible, form, StatusCode::OK).await
}

async fn tag(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let tag = state
        .site
        .store
        .tag(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let base = format!("/tag/{}", tag.slug);
    let (posts, pagination) = match paged(
        &state,
        PostFilter {
            tag_slug: Some(tag.slug.clone()),
            ..visible(state.site.now())
        },
        &q,
        &base,
    )
    .await?
    {
        Ok(page) => page,
        Err(redirect) => return Ok(redirect),
    };
    // A tag only drafts carry has no public page.
    if posts.is_empty() {
        return Err(AppError::NotFound);
    }
    let title = format!("Tagged “{}”", tag.name);
    let topics = list_topics(ids(&posts));
    let head = |site: &SiteContext| {
        let about = format!("Posts tagged {} on {}.", tag.name, site.name);
        Head::page(
            site,
            &title,
            &about,
            &q.path(&base),
            &[(title.as_str(), base.clone())],
        )
        .noindex(q.is_later())
    };
    page(
        &state,
        "list.html",
        head,
        context! {
            feed => context! { page => base, title => title },
            title, posts, pagination, base,
        },
        topics,
    )
    .await
}

async fn author(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let user = state
        .site
        .store
        .user_by_username(&username)
        .await?
        .ok_or(AppError::NotFound)?;
    let base = format!("/author/{}", user.username);
    let (posts, pagination) = match paged(
        &state,
        PostFilter {
            author_id: Some(user.id),
            ..visible(state.site.now())
        },
        &q,
        &base,
    )
    .await?
    {
        Ok(page) => page,
        Err(redirect) => return Ok(redirect),
    };
    // An account with nothing published has no public page.
    if posts.is_empty() {
        return Err(AppError::NotFound);
    }
    let topics = list_topics(ids(&posts));
    let head = |site: &SiteContext| {
        let about = user
            .bio
            .clone()
            .filter(|b| !b.trim().is_empty())
            .unwrap_or_else(|| format!("Posts by {} on {}.", user.display_name, site.name));
        let mut head = Head::page(
            site,
            &user.display_name,
            &about,
            &q.path(&base),
            &[(user.display_name.as_str(), base.clone())],
        )
        .noindex(q.is_later());
        head.og_type = "profile";
        head
    };
    page(
        &state,
        "list.html",
        head,
        context! {
            feed => context! { page => base, title => user.display_name },
            title => user.display_name, description => user.bio,
            posts, pagination, base,
            activity => bestpick_app::federation::author_actor(&user).1,
            fediverse => format!("@{}@{}", user.username, crate::origin::current().host()),
        },
        topics,
    )
    .await
}

async fn person(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let person = state
        .site
        .store
        .person_by_slug(&slug, FilmScope::Public)
        .await?
        .ok_or(AppError::NotFound)?;
    let head = |site: &SiteContext| {
        let n = person.credits.len();
        let about = format!(
            "{}: {n} credit{} on {}.",
            person.person.name,
            if n == 1 { "" } else { "s" },
            site.name
        );
        let path = format!("/person/{}", person.person.slug);
        let mut head = Head::page(
            site,
            &person.person.name,
            &about,
            &path,
            &[(person.person.name.as_str(), path.clone())],
        );
        head.og_type = "profile";
        head
    };
    page(
        &state,
        "person.html",
        head,
        context! { person },
        // A post going live makes more of the person's works public.
        vec![Topic::Films, Topic::Lists],
    )
    .await
}

async fn work(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let store = &state.site.store;
    let work = store
        .work_by_slug(&slug, FilmScope::Public)
        .await?
        .ok_or(AppError::NotFound)?;
    let (posts, _) = store
        .list_posts(&PostFilter {
            work_id: Some(work.id),
            limit: 100,
            ..visible(state.site.now())
        })
        .await?;
    let poster = match &work.poster {
        Some(url) => store.media_by_urls(std::slice::from_ref(url)).await?.pop(),
        None => None,
    };
    let topics = list_topics(ids(&posts));
    let head = |site: &SiteContext| Head::work(site, &work, poster.as_ref());
    page(
        &state,
        "work.html",
        head,
        context! {
            feed => context! { page => format!("/work/{}", work.slug), title => work.name },
            work, poster, posts,
        },
        topics,
    )
    .await
}
