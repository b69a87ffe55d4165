//! What a page tells search engines and social networks about itself: its
//! canonical address, description, OpenGraph and Twitter card, whether it
//! should be indexed, and schema.org JSON-LD (a pick is a `Review` of a
//! `Movie` or `TVSeries`, an essay an `Article`, news a `NewsArticle`, and
//! every page has its `BreadcrumbList`). The base template writes it out.

use crate::public::SiteContext;
use bestpick_app::ratings::{ReadersScore, Scale};
use bestpick_core::post::PostKind;
use bestpick_core::work::WorkKind;
use bestpick_store::{Media, PostView, WorkView};
use serde::Serialize;
use serde_json::{json, Value};

/// Descriptions are cut here, as search engines show about this much.
const DESCRIPTION_CHARS: usize = 160;

#[derive(Debug, Serialize)]
pub struct Head {
    pub title: String,
    pub description: String,
    /// Absolute.
    pub canonical: String,
    /// `website`, `article`, `video.movie`, `video.tv_show`, `profile`.
    pub og_type: &'static str,
    pub image: Option<Image>,
    /// Search results and the second page of a list on: followed, not listed.
    pub noindex: bool,
    /// `<script type="application/ld+json">` elements, ready to write:
    /// escaped so that no value can close the script.
    pub json_ld: String,
}

#[derive(Debug, Serialize)]
pub struct Image {
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    pub mime: String,
}

impl Image {
    fn of(site: &SiteContext, m: &Media) -> Image {
        Image {
            url: site.url.join(&m.url),
            width: m.width,
            height: m.height,
            alt: m.alt.clone(),
            mime: m.mime.clone(),
        }
    }
}

/// A step of the breadcrumbs: a name and a path on the site.
pub type Crumb<'a> = (&'a str, String);

impl Head {
    /// A page of no particular kind: a list, the works, a person.
    pub fn page(
        site: &SiteContext,
        title: &str,
        description: &str,
        path: &str,
        crumbs: &[Crumb],
    ) -> Head {
        let description = if description.trim().is_empty() {
            site.tagline.clone()
        } else {
            cut(description)
        };
        Head {
            title: title.to_owned(),
            description,
            canonical: site.url.join(path),
            og_type: "website",
            image: None,
            noindex: false,
            json_ld: scripts(&[breadcrumbs(site, crumbs)]),
        }
    }

    /// The home page: the site as a `WebSite` with its search.
    pub fn home(site: &SiteContext) -> Head {
        let website = json!({
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": site.name,
            "description": site.tagline,
            "url": site.url.join("/"),
            "publisher": publisher(site),
            "potentialAction": {
                "@type": "SearchAction",
                "target": site.url.join("/search?q={search_term_string}"),
                "query-input": "required name=search_term_string",
            },
        });
        Head {
            title: site.name.clone(),
            description: site.tagline.clone(),
            canonical: site.url.join("/"),
            og_type: "website",
            image: None,
            noindex: false,
            json_ld: scripts(&[website, breadcrumbs(site, &[])]),
        }
    }

    /// Marks a page that is not to be listed (a list's later pages).
    pub fn noindex(mut self, noindex: bool) -> Head {
        self.noindex |= noindex;
        self
    }

    /// A post: a pick reviews its work; essays and news are articles.
    pub fn post(site: &SiteContext, post: &PostView, readers: Option<&ReadersScore>) -> Head {
        let card = &post.card;
        let description = description(post, DESCRIPTION_CHARS);
        let url = site.url.join(&card.url);
        // The cover, else a card drawn with the title, the work and its scores.
        let image = Some(card.cover.as_ref().map_or_else(
            || Image {
                url: site.url.join(&crate::card::path(&card.slug)),
                width: crate::card::WIDTH,
                height: crate::card::HEIGHT,
                alt: match &card.work {
                    Some(w) => format!("{}: {} ({})", card.title, w.name, w.year),
                    None => card.title.clone(),
                },
                mime: "image/png".into(),
            },
            |m| Image::of(site, m),
        ));
        let date = |t: Option<i64>| t.and_then(bestpick_core::format::unix_rfc3339);
        let authors: Vec<Value> = card
            .authors
            .iter()
            .map(|a| {
                json!({
                    "@type": "Person",
                    "name": a.display_name,
                    "url": site.url.join(&format!("/author/{}", a.username)),
                })
            })
            .collect();
        let image_object = card.cover.as_ref().map(|m| {
            let mut o = json!({
                "@type": "ImageObject",
                "url": site.url.join(&m.url),
                "width": m.width,
                "height": m.height,
            });
            if let Some(c) = m.caption.as_ref().filter(|c| !c.is_empty()) {
                o["caption"] = json!(c);
            }
            if let Some(c) = m.credit.as_ref().filter(|c| !c.is_empty()) {
                o["creditText"] = json!(c);
            }
            o
        });
        let mut main = json!({
            "@context": "https://schema.org",
            "headline": card.title,
            "name": card.title,
            "description": description,
            "url": url,
            "mainEntityOfPage": url,
            "author": authors,
            "publisher": publisher(site),
            "datePublished": date(card.published_at),
            "dateModified": date(Some(crate::feeds::changed_at(post))),
            "keywords": post.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        });
        if let Some(o) = image_object {
            main["image"] = o;
        }
        let og_type = match (card.kind, &post.work) {
            (PostKind::Pick, Some(work)) => {
                main["@type"] = json!("Review");
                main["itemReviewed"] = work_object(site, work, readers);
                og_type(work.kind)
            }
            (PostKind::Article, _) => {
                main["@type"] = json!("NewsArticle");
                "article"
            }
            _ => {
                main["@type"] = json!("Article");
                "article"
            }
        };
        let crumbs = [
            (
                card.section.name.as_str(),
                format!("/{}", card.section.slug),
            ),
            (card.title.as_str(), card.url.clone()),
        ];
        Head {
            title: card.title.clone(),
            description,
            canonical: url,
            og_type,
            image,
            noindex: false,
            json_ld: scripts(&[main, breadcrumbs(site, &crumbs)]),
        }
    }

    /// A work's page: the work itself.
    pub fn work(site: &SiteContext, work: &WorkView, poster: Option<&Media>) -> Head {
        let mut object = work_object(site, work, None);
        object["@context"] = json!("https://schema.org");
        object["url"] = json!(site.url.join(&format!("/work/{}", work.slug)));
        let directors = work
            .directors
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let description = match directors.as_str() {
            "" => format!("{}, {}.", work.kind_label, work.years_label),
            d => format!("{} directed by {d}, {}.", work.kind_label, work.years_label),
        };
        let path = format!("/work/{}", work.slug);
        let crumbs = [
            ("Films and TV", "/works".to_owned()),
            (work.name.as_str(), path.clone()),
        ];
        Head {
            title: format!("{} ({})", work.name, work.years_label),
            description,
            canonical: site.url.join(&path),
            og_type: og_type(work.kind),
            image: poster.map(|m| Image::of(site, m)),
            noindex: false,
            json_ld: scripts(&[object, breadcrumbs(site, &crumbs)]),
        }
    }
}

fn og_type(kind: WorkKind) -> &'static str {
    match kind {
        WorkKind::Movie => "video.movie",
        WorkKind::Tv => "video.tv_show",
    }
}

/// A `Movie` or `TVSeries` with its facts, and the readers' ratings when
/// there are some: the only ratings this site holds and can sum up.
fn work_object(site: &SiteContext, work: &WorkView, readers: Option<&ReadersScore>) -> Value {
    let person = |name: &str, slug: &str| json!({ "@type": "Person", "name": name, "url": site.url.join(&format!("/person/{slug}")) });
    let mut o = json!({
        "@type": match work.kind { WorkKind::Movie => "Movie", WorkKind::Tv => "TVSeries" },
        "name": work.name,
        "dateCreated": work.year.to_string(),
        "director": work.directors.iter().map(|p| person(&p.name, &p.slug)).collect::<Vec<_>>(),
        "actor": work.cast.iter().map(|c| person(&c.person.name, &c.person.slug)).collect::<Vec<_>>(),
        "genre": work.genres,
    });
    if let Some(imdb) = &work.imdb_id {
        o["sameAs"] = json!(format!("https://www.imdb.com/title/{imdb}/"));
    }
    if let Some(poster) = &work.poster {
        o["image"] = json!(if poster.starts_with('/') {
            site.url.join(poster)
        } else {
            poster.clone()
        });
    }
    if let Some(r) = readers.filter(|r| r.count > 0) {
        o["aggregateRating"] = match r.scale {
            Scale::Stars => json!({
                "@type": "AggregateRating", "ratingValue": r.mean,
                "bestRating": 5, "worstRating": 1, "ratingCount": r.count,
            }),
            Scale::Thumbs => json!({
                "@type": "AggregateRating", "ratingValue": r.liked,
                "bestRating": 100, "worstRating": 0, "ratingCount": r.count,
            }),
        };
    }
    o
}

fn publisher(site: &SiteContext) -> Value {
    json!({ "@type": "Organization", "name": site.name, "url": site.url.join("/") })
}

/// Home, then each step, as a `BreadcrumbList`.
fn breadcrumbs(site: &SiteContext, crumbs: &[Crumb]) -> Value {
    let home = (site.name.as_str(), "/".to_owned());
    let items: Vec<Value> = std::iter::once(&home)
        .chain(crumbs)
        .enumerate()
        .map(|(i, (name, path))| {
            json!({
                "@type": "ListItem",
                "position": i + 1,
                "name": name,
                "item": site.url.join(path),
            })
        })
        .collect();
    json!({
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": items,
    })
}

/// Script elements holding `objects`. JSON escapes quotes and control
/// characters, not `<`: written as `\u003c` (and `>`, `&` alike), no
/// value can end the script element or open a comment in it.
fn scripts(objects: &[Value]) -> String {
    objects
        .iter()
        .map(|o| {
            let json = o
                .to_string()
                .replace('<', "\\u003c")
                .replace('>', "\\u003e")
                .replace('&', "\\u0026")
                .replace('\u{2028}', "\\u2028")
                .replace('\u{2029}', "\\u2029");
            format!("<script type=\"application/ld+json\">{json}</script>\n")
        })
        .collect()
}

/// Plain text cut at a word to a description's length.
fn cut(text: &str) -> String {
    bestpick_core::markdown::cut_words(text, DESCRIPTION_CHARS)
}

/// What a post is about in at most `max` characters: the summary its
/// author wrote, or the body's opening words (for feeds and meta alike).
pub fn description(post: &PostView, max: usize) -> String {
    match post.card.summary.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => bestpick_core::markdown::cut_words(s, max),
        _ => bestpick_core::markdown::excerpt(&post.body, max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_value_can_close_the_script() {
        let out = scripts(&[json!({ "name": "</script><script>alert(1)</script><!--" })]);
        assert_eq!(out.matches("</script>").count(), 1, "{out}");
        assert!(!out.contains("<!--"), "{out}");
        let inner = out
            .trim_start_matches("<script type=\"application/ld+json\">")
            .trim_end_matches("</script>\n");
        let back: Value = serde_json::from_str(inner).unwrap();
        assert_eq!(back["name"], "</script><script>alert(1)</script><!--");
    }
}
