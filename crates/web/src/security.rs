//! Security headers on every answer (cached pages, media and errors
//! included), and the address browsers report Content-Security-Policy
//! violations to.
//!
//! The policy allows scripts and styles from this site only: no inline
//! script, handler or style attribute runs, so HTML that slipped past the
//! sanitiser still could not execute. Images may also come from https
//! addresses (a work's poster may be one).

use crate::auth::is_https;
use crate::routes::Routes;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use std::sync::atomic::{AtomicU64, Ordering};

/// The one policy, with who may frame the page.
macro_rules! policy {
    ($frame_ancestors:literal) => {
        concat!(
            "default-src 'self'; script-src 'self'; style-src 'self'; ",
            "img-src 'self' https: data:; font-src 'self'; connect-src 'self'; object-src 'none'; ",
            "base-uri 'none'; form-action 'self'; frame-ancestors ",
            $frame_ancestors,
            "; report-uri /csp-report"
        )
    };
}
const POLICY: &str = policy!("'self'");
/// The editor is never framed, not even by the site itself.
const EDITOR_POLICY: &str = policy!("'none'");

/// Whether a path is the editor's (or the first-run setup's).
fn is_editor(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/") || path == "/setup"
}

/// Adds the headers to whatever the inner layers answered.
pub async fn headers(req: Request, next: Next) -> Response {
    let editor = is_editor(req.uri().path());
    let https = is_https(req.headers());
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        h,
        header::REFERRER_POLICY,
        "strict-origin-when-cross-origin",
    );
    if editor {
        set(h, header::CONTENT_SECURITY_POLICY, EDITOR_POLICY);
        set(h, header::X_FRAME_OPTIONS, "DENY");
    } else {
        set(h, header::CONTENT_SECURITY_POLICY, POLICY);
        set(h, header::X_FRAME_OPTIONS, "SAMEORIGIN");
    }
    if https {
        set(h, header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    response
}

/// Violation reports received since the start, for operators and tests.
#[derive(Default)]
pub struct CspReports {
    count: AtomicU64,
    /// When a report was last logged (seconds): a flood logs once a second.
    logged_at: AtomicU64,
}

impl CspReports {
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}

pub fn router() -> Routes {
    // Reports are a few hundred bytes; nobody may send megabytes here.
    Routes::new().on(
        Method::POST,
        "/csp-report",
        post(report).layer(axum::extract::DefaultBodyLimit::max(MAX_REPORT)),
    )
}

/// The largest report read; browsers send a few hundred bytes.
const MAX_REPORT: usize = 8 * 1024;

async fn report(State(state): State<AppState>, body: Bytes) -> Response {
    let reports = &state.csp_reports;
    reports.count.fetch_add(1, Ordering::Relaxed);
    let now = state.site.now() as u64;
    if reports.logged_at.swap(now, Ordering::Relaxed) != now {
        let text = String::from_utf8_lossy(&body[..body.len().min(MAX_REPORT)]);
        tracing::warn!("Content-Security-Policy violation reported: {text}");
    }
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_editor_is_known_by_its_paths() {
        assert!(super::is_editor("/admin/posts"));
        assert!(super::is_editor("/setup"));
        assert!(!super::is_editor("/administrivia"));
        assert!(!super::is_editor("/best-pick/heat"));
    }
}
