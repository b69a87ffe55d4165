//! The page cache: readers' pages rendered once, kept in memory with their
//! gzip and brotli bodies, and answered from there until something they show
//! changes.
//!
//! A handler marks a page any reader may be given with [`shared`], naming
//! the [`Topic`]s it shows. A cached page is fresh while none of those topics
//! (nor the site itself) changed after it began to render: the store notes
//! every write's topics after it commits, so the next request after a new
//! comment or an edit renders again. Pages never hold anything personal
//! (the comment form's token and the writer's edit links come from
//! `/comments/form/{post}`), and a response that sets a cookie is never kept.

use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bestpick_store::{Changes, Topic};
use lru::LruCache;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Browsers ask again every time (a change shows at once); a CDN may keep a
/// page for a few seconds and serve it stale while it asks again.
pub const PUBLIC_CACHE_CONTROL: &str = "public, max-age=0, s-maxage=5, stale-while-revalidate=30";

/// What a shared page shows, attached to its response by the handler.
#[derive(Clone, Debug)]
pub struct Shows {
    topics: Vec<Topic>,
    /// A time after which the page changes by itself (comments close).
    until: Option<i64>,
}

/// Marks a page as the same for every reader, showing these topics.
pub fn shared(mut response: Response, topics: Vec<Topic>, until: Option<i64>) -> Response {
    response.extensions_mut().insert(Shows { topics, until });
    response
}

/// The topics of a page of post cards: which posts are listed, the posts
/// shown, and their works' names.
pub fn list_topics(ids: impl IntoIterator<Item = i64>) -> Vec<Topic> {
    [Topic::Lists, Topic::Films]
        .into_iter()
        .chain(ids.into_iter().map(Topic::Post))
        .collect()
}

/// One rendered page in its three encodings.
pub struct Page {
    identity: Bytes,
    gzip: Bytes,
    br: Bytes,
    content_type: HeaderValue,
    /// The content's hash: the base of each encoding's ETag.
    hash: String,
    /// Each encoding's ETag, by [`Encoding`], and Last-Modified: made once,
    /// not for every answer.
    etags: [HeaderValue; 3],
    modified: SystemTime,
    last_modified: HeaderValue,
    /// The change count when rendering began.
    seq: u64,
    shows: Shows,
}

impl Page {
    fn new(identity: Bytes, content_type: HeaderValue, seq: u64, shows: Shows) -> Page {
        let hash = hex::encode(&Sha256::digest(&identity)[..8]);
        let etag = |e: Encoding| {
            HeaderValue::from_str(&format!("\"{hash}{}\"", e.suffix()))
                .expect("hex digits make a header value")
        };
        let modified = SystemTime::now();
        Page {
            gzip: gzip(&identity),
            br: brotli(&identity),
            identity,
            content_type,
            etags: Encoding::ALL.map(etag),
            hash,
            modified,
            last_modified: http_date(modified),
            seq,
            shows,
        }
    }

    /// Keeps the time of an earlier page with the same content.
    fn modified_at(&mut self, modified: SystemTime) {
        self.modified = modified;
        self.last_modified = http_date(modified);
    }

    /// Memory the page holds (bodies and a little for the rest).
    fn size(&self, key: &str) -> usize {
        self.identity.len() + self.gzip.len() + self.br.len() + key.len() + 256
    }

    fn fresh(&self, changes: &Changes, now: i64) -> bool {
        self.shows.until.is_none_or(|t| now < t)
            && !changes.changed_since(&self.shows.topics, self.seq)
    }

    fn etag(&self, encoding: Encoding) -> &HeaderValue {
        &self.etags[encoding as usize]
    }
}

fn http_date(t: SystemTime) -> HeaderValue {
    HeaderValue::from_str(&httpdate::fmt_http_date(t)).expect("a date makes a header value")
}

fn gzip(body: &[u8]) -> Bytes {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(body).expect("writing to memory");
    e.finish().expect("writing to memory").into()
}

/// Quality 5 compresses about as well as gzip -9 in a few milliseconds;
/// 11 would take hundreds for a large page, and pages render often.
fn brotli(body: &[u8]) -> Bytes {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        w.write_all(body).expect("writing to memory");
    }
    out.into()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Identity = 0,
    Gzip = 1,
    Br = 2,
}

impl Encoding {
    /// Every encoding, in the order of a page's `etags`.
    const ALL: [Encoding; 3] = [Encoding::Identity, Encoding::Gzip, Encoding::Br];

    fn suffix(self) -> &'static str {
        match self {
            Encoding::Identity => "",
            Encoding::Gzip => "-gz",
            Encoding::Br => "-br",
        }
    }

    /// The best encoding the client accepts: br, then gzip, else none.
    fn negotiate(headers: &HeaderMap) -> Encoding {
        let Some(accept) = headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
        else {
            return Encoding::Identity;
        };
        let accepts = |name: &str| {
            accept.split(',').any(|part| {
                let mut bits = part.split(';');
                let coding = bits.next().unwrap_or("").trim();
                let q = bits
                    .filter_map(|b| b.trim().strip_prefix("q="))
                    .find_map(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                (coding.eq_ignore_ascii_case(name) || coding == "*") && q > 0.0
            })
        };
        if accepts("br") {
            Encoding::Br
        } else if accepts("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }
}

struct Lru {
    pages: LruCache<String, Arc<Page>>,
    bytes: usize,
}

/// The cache: pages by path and query, least recently used first out
/// once they hold more than `limit` bytes.
pub struct PageCache {
    lru: Mutex<Lru>,
    limit: usize,
    /// One render at a time per page: the others wait for its result.
    rendering: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    renders: AtomicU64,
}

impl PageCache {
    pub fn new(limit: usize) -> PageCache {
        PageCache {
            lru: Mutex::new(Lru {
                pages: LruCache::unbounded(),
                bytes: 0,
            }),
            limit,
            rendering: Mutex::default(),
            renders: AtomicU64::new(0),
        }
    }

    /// How many requests the cache could not answer and passed on.
    pub fn renders(&self) -> u64 {
        self.renders.load(Ordering::Relaxed)
    }

    /// The bytes the cached pages hold now, and how many pages.
    pub fn usage(&self) -> (usize, usize) {
        let lru = self.lock();
        (lru.bytes, lru.pages.len())
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        self.lru.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fresh(&self, key: &str, changes: &Changes, now: i64) -> Option<Arc<Page>> {
        let mut lru = self.lock();
        let page = lru.pages.get(key)?.clone();
        if page.fresh(changes, now) {
            return Some(page);
        }
        let size = page.size(key);
        lru.pages.pop(key);
        lru.bytes -= size;
        None
    }

    fn insert(&self, key: String, page: Arc<Page>) {
        let size = page.size(&key);
        if size > self.limit {
            return;
        }
        let mut lru = self.lock();
        if let Some(old) = lru.pages.put(key.clone(), page) {
            lru.bytes -= old.size(&key);
        }
        lru.bytes += size;
        while lru.bytes > self.limit {
            match lru.pages.pop_lru() {
                Some((k, p)) => lru.bytes -= p.size(&k),
                None => break,
            }
        }
    }

    /// The last page kept under `key`, fresh or not: a new render with the
    /// same content keeps its Last-Modified.
    fn previous(&self, key: &str) -> Option<Arc<Page>> {
        self.lock().pages.peek(key).cloned()
    }

    fn gate(&self, key: &str) -> Gate<'_> {
        let mut rendering = self.rendering.lock().unwrap_or_else(|e| e.into_inner());
        Gate {
            cache: self,
            key: key.to_owned(),
            turn: rendering.entry(key.to_owned()).or_default().clone(),
        }
    }
}

/// A place in the queue to render one page. Its entry goes when the last
/// request holding it does, however it ends (a client gone mid-render too).
struct Gate<'a> {
    cache: &'a PageCache,
    key: String,
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl Drop for Gate<'_> {
    fn drop(&mut self) {
        let mut rendering = self
            .cache
            .rendering
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // Held by the map and by us alone: nobody else waits on it.
        let last = rendering
            .get(&self.key)
            .is_some_and(|g| Arc::ptr_eq(g, &self.turn) && Arc::strong_count(g) == 2);
        if last {
            rendering.remove(&self.key);
        }
    }
}

/// Before routing: a GET or HEAD whose page is cached and fresh is answered
/// at once, without the router and the layers a render needs (they cost
/// about as much as the answer). Only pages [`serve`] kept are found here.
pub async fn answer_cached(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        let key = origin_key(&cache_key(req.uri()));
        if let Some(page) = fresh_page(&state, &key).await {
            return answer(&page, req.headers());
        }
    }
    next.run(req).await
}

/// Around the readers' pages: renders a page missing from the cache, one
/// request at a time per page (the others wait and take its result), and
/// keeps it when its handler marked it [`shared`].
pub async fn serve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let cache = &state.pages;
    // The handler sees only the parameters the page reads.
    let key = cache_key(req.uri());
    match key.parse() {
        Ok(uri) => *req.uri_mut() = uri,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    }
    if is_personal(&key) {
        cache.renders.fetch_add(1, Ordering::Relaxed);
        return next.run(req).await;
    }
    let key = origin_key(&key);
    let asked = req.headers().clone();
    let gate = cache.gate(&key);
    let _turn = gate.turn.lock().await;
    if let Some(page) = fresh_page(&state, &key).await {
        return answer(&page, &asked);
    }
    let seq = state.site.store.changes().seq();
    cache.renders.fetch_add(1, Ordering::Relaxed);
    let response = next.run(req).await;
    let kept = keep(cache, &key, seq, response).await;
    match kept {
        Ok(page) => answer(&page, &asked),
        Err(response) => response,
    }
}

/// The query parameters a readers' page reads, by the shape of its path.
/// The rest are dropped before a page is looked up or rendered: junk such
/// as `?utm=1`, `?utm=2`... neither renders a page again nor evicts one.
fn page_params(path: &str) -> &'static [&'static str] {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    // Files (feeds, the sitemap, robots.txt) and share cards read none.
    if segments.last().is_some_and(|s| s.contains('.')) || path.starts_with("/cards/") {
        return &[];
    }
    match segments.as_slice() {
        ["tag" | "author", _] => &["page", "before", "after"],
        ["work" | "person", _] => &[],
        [section] if !section.is_empty() => &["page", "before", "after"],
        [_section, _slug] => &["replyto", "comment", "rated"],
        _ => &[],
    }
}

/// Parameters that make a page for one reader (the reply form under a
/// comment, the note after posting): rendered each time, never kept, so
/// that made-up values cannot fill the cache.
const PERSONAL: &[&str] = &["replyto=", "comment=", "rated="];

/// Whether the page for `key` is rendered for this request alone: a
/// personal parameter, or an address written other than the one way
/// links write it (`/b%65st-pick`, `?page=02`). Those are rendered, never
/// kept, so that variants of one page cannot fill the cache.
fn is_personal(key: &str) -> bool {
    let (path, query) = key.split_once('?').unwrap_or((key, ""));
    // Dots only inside a name (`atom.xml`): no `/./` variants of a page.
    let plain_path = path
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"/-_.".contains(&b))
        && !path.contains("/.")
        && !path.contains("..");
    let canonical_page =
        |v: &str| v.len() <= 7 && !v.starts_with('0') && v.bytes().all(|b| b.is_ascii_digit());
    !plain_path
        || query.split('&').filter(|p| !p.is_empty()).any(|p| {
            PERSONAL.iter().any(|n| p.starts_with(n))
                || p.strip_prefix("page=").is_some_and(|v| !canonical_page(v))
                || ["before=", "after="].iter().any(|n| {
                    p.strip_prefix(n).is_some_and(|v| {
                        bestpick_store::Cursor::parse(v).is_none_or(|c| c.to_string() != v)
                    })
                })
        })
}

/// A page's key: its path and the parameters it reads, in a fixed order
/// (`page=1` is the page itself).
fn cache_key(uri: &axum::http::Uri) -> String {
    let path = uri.path();
    let query = uri.query().unwrap_or("");
    let mut kept = Vec::new();
    for name in page_params(path) {
        let value = query.split('&').find_map(|pair| {
            let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
            (n == *name).then_some(v)
        });
        match value {
            None | Some("") => {}
            Some("1") if *name == "page" => {}
            Some(v) => kept.push(format!("{name}={v}")),
        }
    }
    if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// A page's key with the origin its links point to: pages rendered for
/// two origins (a site tried at localhost and at 127.0.0.1) differ.
fn origin_key(key: &str) -> String {
    format!("{}{key}", crate::origin::current())
}

/// The cached page for `key` if nothing it shows changed since it was
/// rendered (a scheduled post that went live counts as a change).
async fn fresh_page(state: &AppState, key: &str) -> Option<Arc<Page>> {
    let store = &state.site.store;
    if let Err(e) = store.publish_due().await {
        tracing::warn!("could not check scheduled posts: {e}");
    }
    state.pages.fresh(key, store.changes(), store.now())
}

/// Stores a shared page and returns it, or gives back any other response.
async fn keep(
    cache: &PageCache,
    key: &str,
    seq: u64,
    response: Response,
) -> Result<Arc<Page>, Response> {
    let Some(shows) = response.extensions().get::<Shows>().cloned() else {
        return Err(response);
    };
    if response.status() != StatusCode::OK || response.headers().contains_key(header::SET_COOKIE) {
        return Err(response);
    }
    let (parts, body) = response.into_parts();
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static("text/html; charset=utf-8"));
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!("a page's body could not be read: {e}");
            return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
        }
    };
    // Compressing a large page takes milliseconds: off the async threads.
    let mut page = tokio::task::spawn_blocking(move || Page::new(body, content_type, seq, shows))
        .await
        .map_err(|e| {
            tracing::error!("compressing a page failed: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        })?;
    if let Some(old) = cache.previous(key).filter(|old| old.hash == page.hash) {
        page.modified_at(old.modified);
    }
    let page = Arc::new(page);
    cache.insert(key.to_owned(), page.clone());
    Ok(page)
}

/// The page for this request: 304 when the client's copy is current, else
/// the best encoding it accepts.
fn answer(page: &Page, asked: &HeaderMap) -> Response {
    let encoding = Encoding::negotiate(asked);
    let mut headers = HeaderMap::with_capacity(8);
    headers.insert(header::ETAG, page.etag(encoding).clone());
    headers.insert(header::LAST_MODIFIED, page.last_modified.clone());
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PUBLIC_CACHE_CONTROL),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if not_modified(page, asked) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(header::CONTENT_TYPE, page.content_type.clone());
    let body = match encoding {
        Encoding::Identity => page.identity.clone(),
        Encoding::Gzip => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            page.gzip.clone()
        }
        Encoding::Br => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
            page.br.clone()
        }
    };
    (headers, Body::from(body)).into_response()
}

/// RFC 9110: If-None-Match decides when present (any encoding's ETag of
/// the same content matches); else If-Modified-Since, to the second.
fn not_modified(page: &Page, asked: &HeaderMap) -> bool {
    if let Some(tags) = asked.get(header::IF_NONE_MATCH) {
        let tags = tags.to_str().unwrap_or("");
        return tags.split(',').any(|t| {
            let t = t.trim().trim_start_matches("W/");
            t == "*"
                || Encoding::ALL
                    .iter()
                    .any(|e| t.as_bytes() == page.etag(*e).as_bytes())
        });
    }
    let since = asked
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok());
    since.is_some_and(|since| {
        let secs = |t: SystemTime| {
            t.duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        };
        secs(page.modified) <= secs(since)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_keyed_by_the_parameters_they_read() {
        let key = |s: &str| cache_key(&s.parse().unwrap());
        assert_eq!(key("/?utm=1"), "/");
        assert_eq!(key("/best-pick?utm=2&page=3"), "/best-pick?page=3");
        assert_eq!(key("/best-pick?page=1"), "/best-pick");
        assert_eq!(key("/tag/crime?page=2&x=y"), "/tag/crime?page=2");
        assert_eq!(key("/work/heat-1995?page=2"), "/work/heat-1995");
        assert_eq!(key("/atom.xml?page=2"), "/atom.xml");
        assert_eq!(key("/best-pick/rss.xml?comment=x"), "/best-pick/rss.xml");
        assert_eq!(key("/cards/heat?replyto=1"), "/cards/heat");
        assert_eq!(
            key("/best-pick/heat?fbclid=z&comment=held&page=4"),
            "/best-pick/heat?comment=held"
        );
        assert!(is_personal("/best-pick/heat?replyto=7"));
        assert!(!is_personal("/best-pick?page=2"));
        assert!(!is_personal("/"));
        assert!(!is_personal("/best-pick/atom.xml"));
        assert!(is_personal("/best-pick/./atom.xml"));
        for variant in [
            "/best-pick?page=02",
            "/best-pick?page=+2",
            "/best-pick?page=%32",
            "/b%65st-pick",
            "/Best-Pick",
        ] {
            assert!(is_personal(&key(variant)), "{variant}");
        }
    }

    fn headers(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(accept).unwrap(),
        );
        h
    }

    #[test]
    fn encodings_are_negotiated_with_their_weights() {
        assert_eq!(
            Encoding::negotiate(&headers("gzip, deflate, br")),
            Encoding::Br
        );
        assert_eq!(Encoding::negotiate(&headers("gzip")), Encoding::Gzip);
        assert_eq!(
            Encoding::negotiate(&headers("br;q=0, gzip;q=0.5")),
            Encoding::Gzip
        );
        assert_eq!(
            Encoding::negotiate(&headers("identity")),
            Encoding::Identity
        );
        assert_eq!(Encoding::negotiate(&HeaderMap::new()), Encoding::Identity);
    }
}
