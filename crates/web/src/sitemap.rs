//! `/sitemap.xml` and `/robots.txt`: what search engines are asked to read
//! and what they are asked to leave. Past the protocol's 50,000 addresses
//! a file, `/sitemap.xml` becomes an index of `/sitemap/N.xml` files.

use crate::error::AppError;
use crate::page_cache;
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bestpick_core::markdown::escape;
use bestpick_core::SiteUrl;
use bestpick_store::{Listed, Topic};

pub fn router() -> Routes {
    Routes::new()
        .get("/sitemap.xml", index)
        .get("/sitemap/{file}", part)
        .get("/robots.txt", robots)
}

const XML: &str = "application/xml; charset=utf-8";

/// A sitemap changes with any list or work, and with the site's address.
fn topics() -> Vec<Topic> {
    vec![Topic::Lists, Topic::Films, Topic::Site]
}

fn answer(content_type: &'static str, body: String) -> Response {
    page_cache::shared(
        ([(header::CONTENT_TYPE, content_type)], body).into_response(),
        topics(),
        None,
    )
}

/// The whole sitemap in one file, or the index of its files.
async fn index(State(state): State<AppState>) -> Result<Response, AppError> {
    let pages = state.site.store.public_pages().await?;
    let per_file = state.options.sitemap_urls.max(1);
    let origin = crate::origin::current();
    if pages.len() <= per_file {
        return Ok(answer(XML, urlset(&origin, &pages)));
    }
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (i, chunk) in pages.chunks(per_file).enumerate() {
        xml.push_str(&format!(
            "<sitemap><loc>{}</loc>{}</sitemap>\n",
            escape(&origin.join(&format!("/sitemap/{}.xml", i + 1))),
            lastmod(chunk.iter().filter_map(|p| p.modified).max())
        ));
    }
    xml.push_str("</sitemapindex>\n");
    Ok(answer(XML, xml))
}

/// One file of a sitemap too large for one (`/sitemap/2.xml`).
async fn part(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    // Written one way (`2.xml`, not `02.xml`): no copies of one part.
    let n: usize = file
        .strip_suffix(".xml")
        .and_then(|n| n.parse().ok().filter(|p: &usize| p.to_string() == n))
        .filter(|n| *n >= 1)
        .ok_or(AppError::NotFound)?;
    let pages = state.site.store.public_pages().await?;
    let per_file = state.options.sitemap_urls.max(1);
    // A site small enough for one file has no parts.
    if pages.len() <= per_file {
        return Err(AppError::NotFound);
    }
    let chunk = pages
        .chunks(per_file)
        .nth(n - 1)
        .ok_or(AppError::NotFound)?;
    Ok(answer(XML, urlset(&crate::origin::current(), chunk)))
}

fn urlset(origin: &SiteUrl, pages: &[Listed]) -> String {
    let mut xml = String::with_capacity(80 + pages.len() * 120);
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for page in pages {
        xml.push_str(&format!(
            "<url><loc>{}</loc>{}</url>\n",
            escape(&origin.join(&page.path)),
            lastmod(page.modified)
        ));
    }
    xml.push_str("</urlset>\n");
    xml
}

fn lastmod(at: Option<i64>) -> String {
    at.and_then(bestpick_core::format::unix_rfc3339)
        .map(|t| format!("<lastmod>{t}</lastmod>"))
        .unwrap_or_default()
}

/// The editor, the API and the comment forms are no search engine's
/// business; everything else may be read, and the sitemap says what is there.
async fn robots() -> Response {
    let origin = crate::origin::current();
    let body = format!(
        "User-agent: *\nDisallow: /admin$\nDisallow: /admin/\nDisallow: /api/\nDisallow: /comments/\nDisallow: /setup$\n\nSitemap: {}\n",
        origin.join("/sitemap.xml")
    );
    answer("text/plain; charset=utf-8", body)
}
