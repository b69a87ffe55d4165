//! Files: the theme's static assets (embedded, overridable from the data
//! folder's `theme/static/`) and uploaded media.

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const EMBEDDED: &[(&str, &[u8])] = &[
    ("style.css", include_bytes!("../theme/static/style.css")),
    ("admin.css", include_bytes!("../theme/static/admin.css")),
    ("editor.js", include_bytes!("../theme/static/editor.js")),
    ("top.js", include_bytes!("../theme/static/top.js")),
    ("moderate.js", include_bytes!("../theme/static/moderate.js")),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/{file}", get(asset))
        .route("/media/{file}", get(media))
}

/// A single path segment: no folders, no dot-files, nothing to climb out with.
fn plain_name(name: &str) -> Result<&str, AppError> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    ok.then_some(name).ok_or(AppError::NotFound)
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "woff2" => "font/woff2",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

async fn asset(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let name = plain_name(&file)?;
    let themed = state.site.theme_dir().join("static").join(name);
    let bytes = match tokio::fs::read(&themed).await {
        Ok(b) => b,
        Err(_) => EMBEDDED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b.to_vec())
            .ok_or(AppError::NotFound)?,
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type(name)),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        bytes,
    )
        .into_response())
}

/// Uploaded files are named by a hash of their content, so they never change
/// and may be cached for good.
async fn media(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let name = plain_name(&file)?;
    let bytes = tokio::fs::read(state.site.media_dir().join(name))
        .await
        .map_err(|_| AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type(name)),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        bytes,
    )
        .into_response())
}
