//! The site's public address for the request being answered: the one the
//! operator gave (`--base-url` or the `site_url` setting), or, on a site
//! run without one, the request's Host when it names this machine
//! (`localhost:8080`, `127.0.0.1:8080`), so that a site tried out locally
//! links to itself. Any other Host is never written into a page: a forged
//! one would end up in canonical links and feeds.

use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;
use bestpick_core::SiteUrl;

tokio::task_local! {
    static ORIGIN: SiteUrl;
}

/// Where a site without a public address links when the Host is not this machine.
const FALLBACK: &str = "http://localhost";

/// Works out the request's origin once, for every page and the page cache's
/// key (pages of two origins differ).
pub async fn scope(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let origin = resolve(&state, req.headers()).await;
    ORIGIN.scope(origin, next.run(req)).await
}

async fn resolve(state: &AppState, headers: &HeaderMap) -> SiteUrl {
    match configured(state).await {
        Some(url) => url,
        None => headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .and_then(loopback_origin)
            .unwrap_or_else(fallback),
    }
}

/// The address the operator gave, if any (and readable).
pub async fn configured(state: &AppState) -> Option<SiteUrl> {
    bestpick_app::settings::site_url(&state.site)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!("could not read the site's address: {e}");
            None
        })
}

fn fallback() -> SiteUrl {
    SiteUrl::parse(FALLBACK).expect("a valid address")
}

/// `http://HOST` when `host` names this machine, with a port or none.
fn loopback_origin(host: &str) -> Option<SiteUrl> {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    };
    // The three names of this machine, not all of 127.0.0.0/8: each name
    // is a key of its own in the page cache.
    let local = ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n));
    local
        .then(|| SiteUrl::parse(&format!("http://{host}")).ok())
        .flatten()
}

/// The site's address outside a request (mail): the one given, else the fallback.
pub async fn of_site(state: &AppState) -> SiteUrl {
    configured(state).await.unwrap_or_else(fallback)
}

/// Runs `f` with `url` as the origin its links point to.
pub async fn scoped<F: std::future::Future>(url: SiteUrl, f: F) -> F::Output {
    ORIGIN.scope(url, f).await
}

/// The current request's origin (outside a request: the fallback).
pub fn current() -> SiteUrl {
    ORIGIN
        .try_with(SiteUrl::clone)
        .unwrap_or_else(|_| fallback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_machine_is_taken_from_the_host() {
        let o = |h: &str| loopback_origin(h).map(|u| u.to_string());
        assert_eq!(
            o("localhost:8080").as_deref(),
            Some("http://localhost:8080")
        );
        assert_eq!(
            o("127.0.0.1:3000").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(o("[::1]:80").as_deref(), Some("http://[::1]"));
        assert_eq!(o("127.0.0.1").as_deref(), Some("http://127.0.0.1"));
        for forged in [
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
            "127.0.0.1@evil.example",
            "127.0.0.1/x",
            "10.0.0.1:80",
            "127.0.0.2:8080",
        ] {
            assert_eq!(o(forged), None, "{forged}");
        }
    }
}
