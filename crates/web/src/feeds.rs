//! Atom and RSS 2.0 feeds of the whole site, a section, a tag, an author
//! and a work: the newest published posts (20 unless the `feed_items`
//! setting says otherwise), whole or as summaries (`feed_content`), with
//! the cover image as an enclosure. Written with `atom_syndication` and
//! `rss`, and served through the page cache like the pages they follow, so
//! a feed reader asking every few minutes gets a 304 until a post changes.
//! WordPress's addresses (`/feed/`, `/SECTION/feed/`) lead here, for sites
//! that move from it.

use crate::error::AppError;
use crate::page_cache::{self, list_topics};
use crate::public::{moved, site_context, visible};
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bestpick_core::markdown;
use bestpick_core::SiteUrl;
use bestpick_store::{FilmScope, Media, PostFilter, PostView, Topic};
use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

/// The two formats: every feed is offered in both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Atom,
    Rss,
}

impl Format {
    fn file(self) -> &'static str {
        match self {
            Format::Atom => "atom.xml",
            Format::Rss => "rss.xml",
        }
    }
}

pub fn router() -> Routes {
    let mut routes = Routes::new();
    for format in [Format::Atom, Format::Rss] {
        let file = format.file();
        routes = routes
            .get(&format!("/{file}"), move |State(s): State<AppState>| {
                feed(s, Scope::Site, format)
            })
            .get(
                &format!("/{{section}}/{file}"),
                move |State(s): State<AppState>, Path(slug): Path<String>| {
                    feed(s, Scope::Section(slug), format)
                },
            )
            .get(
                &format!("/tag/{{slug}}/{file}"),
                move |State(s): State<AppState>, Path(slug): Path<String>| {
                    feed(s, Scope::Tag(slug), format)
                },
            )
            .get(
                &format!("/author/{{username}}/{file}"),
                move |State(s): State<AppState>, Path(name): Path<String>| {
                    feed(s, Scope::Author(name), format)
                },
            )
            .get(
                &format!("/work/{{slug}}/{file}"),
                move |State(s): State<AppState>, Path(slug): Path<String>| {
                    feed(s, Scope::Work(slug), format)
                },
            );
    }
    // WordPress's feed addresses, moved for good to ours (RSS, as theirs).
    routes
        .get("/feed", || async { moved("/rss.xml") })
        .get("/feed/", || async { moved("/rss.xml") })
        .get("/feed/atom/", || async { moved("/atom.xml") })
        .get("/{section}/feed/", |Path(s): Path<String>| async move {
            wordpress("", &s)
        })
        .get("/tag/{slug}/feed/", |Path(s): Path<String>| async move {
            wordpress("/tag", &s)
        })
        .get(
            "/author/{username}/feed/",
            |Path(s): Path<String>| async move { wordpress("/author", &s) },
        )
}

/// `PREFIX/NAME/feed/` to `PREFIX/NAME/rss.xml`, for a well-formed name
/// only: a made-up one ("/evil.example", decoded from %2F) must not turn
/// into a redirect to another host (`//evil.example/...`).
fn wordpress(prefix: &str, name: &str) -> Response {
    let ok = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !name.is_empty();
    if !ok {
        return AppError::NotFound.into_response();
    }
    moved(&format!("{prefix}/{name}/rss.xml"))
}

/// Whose posts a feed holds.
enum Scope {
    Site,
    Section(String),
    Tag(String),
    Author(String),
    Work(String),
}

/// What a feed is about: its title, its page, and the posts it holds.
struct About {
    title: String,
    description: String,
    /// The page the feed follows (`/best-pick`), `""` for the whole site.
    page: String,
    filter: PostFilter,
}

impl About {
    /// The page the feed follows, absolute.
    fn page_url(&self, origin: &SiteUrl) -> String {
        origin.join(if self.page.is_empty() {
            "/"
        } else {
            &self.page
        })
    }
}

async fn about(
    state: &AppState,
    scope: Scope,
    format: Format,
    site_name: &str,
) -> Result<About, Response> {
    let store = &state.site.store;
    let posts = visible(state.site.now());
    let not_found = || AppError::NotFound.into_response();
    let fail = |e: bestpick_store::StoreError| AppError::from(e).into_response();
    Ok(match scope {
        Scope::Site => About {
            title: site_name.to_owned(),
            description: String::new(),
            page: String::new(),
            filter: posts,
        },
        Scope::Section(slug) => {
            let section = store
                .section_by_slug(&slug)
                .await
                .map_err(fail)?
                .ok_or_else(not_found)?;
            if let Some(into) = section.retired_into {
                let to = store
                    .section(into)
                    .await
                    .map_err(fail)?
                    .ok_or_else(not_found)?;
                return Err(moved(&format!("/{}/{}", to.slug, format.file())));
            }
            // Quotes and Guess! hold no posts.
            if section.feature.is_some() {
                return Err(not_found());
            }
            About {
                title: format!("{} · {site_name}", section.name),
                description: section.description.clone(),
                page: format!("/{}", section.slug),
                filter: PostFilter {
                    section_id: Some(section.id),
                    ..posts
                },
            }
        }
        Scope::Tag(slug) => {
            let tag = store
                .tag(&slug)
                .await
                .map_err(fail)?
                .ok_or_else(not_found)?;
            About {
                title: format!("Tagged “{}” · {site_name}", tag.name),
                description: String::new(),
                page: format!("/tag/{}", tag.slug),
                filter: PostFilter {
                    tag_slug: Some(tag.slug),
                    ..posts
                },
            }
        }
        Scope::Author(username) => {
            let user = store
                .user_by_username(&username)
                .await
                .map_err(fail)?
                .ok_or_else(not_found)?;
            About {
                title: format!("{} · {site_name}", user.display_name),
                description: user.bio.unwrap_or_default(),
                page: format!("/author/{}", user.username),
                filter: PostFilter {
                    author_id: Some(user.id),
                    ..posts
                },
            }
        }
        Scope::Work(slug) => {
            let work = store
                .work_by_slug(&slug, FilmScope::Public)
                .await
                .map_err(fail)?
                .ok_or_else(not_found)?;
            About {
                title: format!("{} ({}) · {site_name}", work.name, work.years_label),
                description: String::new(),
                page: format!("/work/{}", work.slug),
                filter: PostFilter {
                    work_id: Some(work.id),
                    ..posts
                },
            }
        }
    })
}

/// One post as a feed entry shows it.
struct Item {
    /// Its stable identifier.
    id: String,
    post: PostView,
    /// The whole text as HTML with absolute links, when feeds carry it.
    html: Option<String>,
    /// The summary the author wrote, or the body's opening words.
    summary: String,
    /// The cover, or else the work's uploaded poster.
    image: Option<Media>,
}

async fn feed(state: AppState, scope: Scope, format: Format) -> Response {
    match render(&state, scope, format).await {
        Ok(response) | Err(response) => response,
    }
}

async fn render(state: &AppState, scope: Scope, format: Format) -> Result<Response, Response> {
    let fail = |e: AppError| e.into_response();
    let site = site_context(state).await.map_err(fail)?;
    let mut about = about(state, scope, format, &site.name).await?;
    if about.description.is_empty() {
        about.description = site.tagline.clone();
    }
    let settings = bestpick_app::settings::feed_settings(&state.site)
        .await
        .map_err(|e| fail(e.into()))?;
    let store = &state.site.store;
    let (cards, _) = store
        .list_posts(&PostFilter {
            limit: settings.items as i64,
            ..about.filter.clone()
        })
        .await
        .map_err(|e| fail(e.into()))?;
    // A tag or an author that only drafts have has no feed, as no page.
    if cards.is_empty()
        && matches!(
            about.filter,
            PostFilter {
                tag_slug: Some(_),
                ..
            } | PostFilter {
                author_id: Some(_),
                ..
            }
        )
    {
        return Err(AppError::NotFound.into_response());
    }
    let origin = &site.url;
    let mut items = Vec::with_capacity(cards.len());
    for card in &cards {
        let Some(post) = store.post(card.id).await.map_err(|e| fail(e.into()))? else {
            continue;
        };
        let html = match settings.full_text {
            true => Some(full_html(state, &post, origin).await.map_err(fail)?),
            false => None,
        };
        let summary = crate::head::description(&post, 300);
        let image = post.card.cover.clone().or_else(|| post.card.poster.clone());
        items.push(Item {
            id: entry_id(state, &post),
            post,
            html,
            summary,
            image,
        });
    }
    let body = match format {
        Format::Atom => atom(&about, &items, origin),
        Format::Rss => rss(&about, &items, origin),
    };
    let content_type = match format {
        Format::Atom => "application/atom+xml; charset=utf-8",
        Format::Rss => "application/rss+xml; charset=utf-8",
    };
    let topics = list_topics(cards.iter().map(|c| c.id))
        .into_iter()
        .chain([Topic::Site])
        .collect();
    Ok(page_cache::shared(
        ([(header::CONTENT_TYPE, content_type)], body).into_response(),
        topics,
        None,
    ))
}

/// The post's whole text, its cover first, as a feed reader shows it.
pub(crate) async fn full_html(
    state: &AppState,
    post: &PostView,
    origin: &SiteUrl,
) -> Result<String, AppError> {
    let mut html = String::new();
    if let Some(cover) = &post.card.cover {
        html.push_str(&format!(
            "<figure><img src=\"{}\" width=\"{}\" height=\"{}\" alt=\"{}\"></figure>",
            markdown::escape(&cover.url),
            cover.width,
            cover.height,
            markdown::escape(&cover.alt)
        ));
    }
    // As the page lays it out: the plot folded, as it tells the story.
    for part in crate::render::body_parts(state, &post.body).await? {
        match (&part.heading, part.plot) {
            (Some(h), true) => html.push_str(&format!(
                "<details><summary>{}</summary>{}</details>",
                markdown::escape(h),
                part.html
            )),
            (Some(h), false) => {
                html.push_str(&format!("<h2>{}</h2>{}", markdown::escape(h), part.html))
            }
            (None, _) => html.push_str(&part.html),
        }
    }
    Ok(markdown::absolute_links(&html, origin.as_str()))
}

/// A post's identifier for feed readers: the same whatever its address,
/// section or the site's address become (a UUID from the site's key and
/// the post's number), so no reader shows a post again as new.
fn entry_id(state: &AppState, post: &PostView) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(format!(
        "{}.feed-entry.{}",
        state.site.signing_key, post.card.id
    ));
    let hex = hex::encode(&h[..16]);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn when(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn fixed(secs: i64) -> atom_syndication::FixedDateTime {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .fixed_offset()
}

/// The newest edit of what the feed holds.
fn last_update(items: &[Item]) -> i64 {
    items.iter().map(|i| changed_at(&i.post)).max().unwrap_or(0)
}

/// When a post last changed for its readers: its last edit, or its going
/// live when that came later (a scheduled post is not saved again then).
pub fn changed_at(post: &PostView) -> i64 {
    post.card
        .updated_at
        .max(post.card.published_at.unwrap_or(0))
}

fn atom(about: &About, items: &[Item], origin: &SiteUrl) -> String {
    use atom_syndication::{Content, Entry, Feed, Link, Person, Text};
    let link = |href: String, rel: &str, mime: Option<&str>| Link {
        href,
        rel: rel.to_owned(),
        mime_type: mime.map(str::to_owned),
        ..Link::default()
    };
    let page = about.page_url(origin);
    let entries = items
        .iter()
        .map(|item| {
            let card = &item.post.card;
            let mut links = vec![link(origin.join(&card.url), "alternate", Some("text/html"))];
            if let Some(image) = &item.image {
                links.push(Link {
                    length: Some(image.bytes.to_string()),
                    ..link(origin.join(&image.url), "enclosure", Some(&image.mime))
                });
            }
            Entry {
                id: item.id.clone(),
                title: Text::plain(card.title.clone()),
                updated: fixed(changed_at(&item.post)),
                published: card.published_at.map(fixed),
                authors: card
                    .authors
                    .iter()
                    .map(|a| Person {
                        name: a.display_name.clone(),
                        uri: Some(origin.join(&format!("/author/{}", a.username))),
                        ..Person::default()
                    })
                    .collect(),
                categories: item
                    .post
                    .tags
                    .iter()
                    .map(|t| atom_syndication::Category {
                        term: t.slug.clone(),
                        label: Some(t.name.clone()),
                        ..Default::default()
                    })
                    .collect(),
                links,
                summary: Some(Text::plain(item.summary.clone())),
                content: item.html.as_ref().map(|html| Content {
                    value: Some(html.clone()),
                    content_type: Some("html".into()),
                    ..Content::default()
                }),
                ..Entry::default()
            }
        })
        .collect();
    let feed = Feed {
        title: Text::plain(about.title.clone()),
        subtitle: Some(Text::plain(about.description.clone())).filter(|t| !t.value.is_empty()),
        id: page.clone(),
        updated: fixed(last_update(items)),
        links: vec![
            link(page, "alternate", Some("text/html")),
            link(
                origin.join(&format!("{}/{}", about.page, Format::Atom.file())),
                "self",
                Some("application/atom+xml"),
            ),
        ],
        generator: Some(atom_syndication::Generator {
            value: "bestpick".into(),
            ..Default::default()
        }),
        entries,
        ..Feed::default()
    };
    feed.to_string()
}

fn rss(about: &About, items: &[Item], origin: &SiteUrl) -> String {
    use rss::extension::{Extension, ExtensionMap};
    use std::collections::BTreeMap;
    let rfc2822 = |secs: i64| when(secs).format(&Rfc2822).unwrap_or_default();
    let page = about.page_url(origin);
    let rss_items = items
        .iter()
        .map(|item| {
            let card = &item.post.card;
            let mut extensions = ExtensionMap::new();
            if let Some(image) = &item.image {
                let attrs = BTreeMap::from([
                    ("url".to_owned(), origin.join(&image.url)),
                    ("medium".to_owned(), "image".to_owned()),
                    ("type".to_owned(), image.mime.clone()),
                    ("width".to_owned(), image.width.to_string()),
                    ("height".to_owned(), image.height.to_string()),
                ]);
                let content = Extension {
                    name: "media:content".into(),
                    attrs,
                    ..Extension::default()
                };
                extensions.insert(
                    "media".into(),
                    BTreeMap::from([("content".to_owned(), vec![content])]),
                );
            }
            rss::Item {
                title: Some(card.title.clone()),
                link: Some(origin.join(&card.url)),
                description: Some(item.summary.clone()),
                content: item.html.clone(),
                guid: Some(rss::Guid {
                    value: item.id.clone(),
                    permalink: false,
                }),
                pub_date: card.published_at.map(rfc2822),
                categories: item
                    .post
                    .tags
                    .iter()
                    .map(|t| rss::Category {
                        name: t.name.clone(),
                        domain: None,
                    })
                    .collect(),
                enclosure: item.image.as_ref().map(|image| rss::Enclosure {
                    url: origin.join(&image.url),
                    length: image.bytes.to_string(),
                    mime_type: image.mime.clone(),
                }),
                dublin_core_ext: Some(rss::extension::dublincore::DublinCoreExtension {
                    creators: card
                        .authors
                        .iter()
                        .map(|a| a.display_name.clone())
                        .collect(),
                    ..Default::default()
                }),
                extensions,
                ..rss::Item::default()
            }
        })
        .collect();
    let channel = rss::Channel {
        title: about.title.clone(),
        link: page,
        description: about.description.clone(),
        last_build_date: Some(rfc2822(last_update(items))),
        generator: Some("bestpick".into()),
        atom_ext: Some(rss::extension::atom::AtomExtension {
            links: vec![rss::extension::atom::Link {
                href: origin.join(&format!("{}/{}", about.page, Format::Rss.file())),
                rel: "self".into(),
                mime_type: Some("application/rss+xml".into()),
                ..Default::default()
            }],
        }),
        // The crate declares the namespaces of its own extensions (content,
        // dc, atom); Media RSS is ours to declare.
        namespaces: BTreeMap::from([(
            "media".to_owned(),
            "http://search.yahoo.com/mrss/".to_owned(),
        )]),
        items: rss_items,
        ..rss::Channel::default()
    };
    channel.to_string()
}
