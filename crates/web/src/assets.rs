//! Files: the theme's static assets (embedded, overridable from the data
//! folder's `theme/static/`) and uploaded media.

use crate::error::AppError;
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path as FsPath, PathBuf};
use std::sync::{LazyLock, Mutex};

const EMBEDDED: &[(&str, &[u8])] = &[
    ("style.css", include_bytes!("../theme/static/style.css")),
    ("admin.css", include_bytes!("../theme/static/admin.css")),
    ("editor.js", include_bytes!("../theme/static/editor.js")),
    ("top.js", include_bytes!("../theme/static/top.js")),
    ("search.js", include_bytes!("../theme/static/search.js")),
    ("share.js", include_bytes!("../theme/static/share.js")),
    ("guess.js", include_bytes!("../theme/static/guess.js")),
    ("moderate.js", include_bytes!("../theme/static/moderate.js")),
    ("comments.js", include_bytes!("../theme/static/comments.js")),
    ("admin.js", include_bytes!("../theme/static/admin.js")),
];

pub fn router() -> Routes {
    Routes::new()
        .get("/static/{file}", asset)
        .get("/media/{file}", media)
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

/// A theme file's bytes: the data folder's override, else the embedded one.
fn static_bytes(theme_dir: &FsPath, name: &str) -> Option<Vec<u8>> {
    std::fs::read(theme_dir.join("static").join(name))
        .ok()
        .or_else(|| {
            EMBEDDED
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, b)| b.to_vec())
        })
}

/// The first 10 hex digits of the SHA-256 of a theme file, computed once
/// per file and run (restart `serve` after changing a theme file).
fn fingerprint(theme_dir: &FsPath, name: &str) -> Option<String> {
    static SEEN: LazyLock<Mutex<HashMap<PathBuf, String>>> = LazyLock::new(Default::default);
    let key = theme_dir.join(name);
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(h) = seen.get(&key) {
        return Some(h.clone());
    }
    let hash = hex::encode(Sha256::digest(static_bytes(theme_dir, name)?))[..10].to_owned();
    seen.insert(key, hash.clone());
    Some(hash)
}

/// The address of a theme file with its fingerprint (`/static/style.0123456789.css`),
/// which may be cached for good: a changed file gets a new address. Templates
/// call it as `asset("style.css")`.
pub fn asset_url(theme_dir: &FsPath, name: &str) -> String {
    match (fingerprint(theme_dir, name), name.rsplit_once('.')) {
        (Some(hash), Some((stem, ext))) => format!("/static/{stem}.{hash}.{ext}"),
        _ => format!("/static/{name}"),
    }
}

/// `style.0123456789.css` -> (`style.css`, the fingerprint).
fn split_fingerprint(name: &str) -> Option<(String, &str)> {
    let (rest, ext) = name.rsplit_once('.')?;
    let (stem, hash) = rest.rsplit_once('.')?;
    (hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| (format!("{stem}.{ext}"), hash))
}

async fn asset(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let requested = plain_name(&file)?;
    let theme_dir = state.site.theme_dir();
    let (name, current) = match split_fingerprint(requested) {
        Some((name, hash)) => {
            let current = fingerprint(&theme_dir, &name).is_some_and(|h| h == hash);
            (name, current)
        }
        None => (requested.to_owned(), false),
    };
    let bytes = static_bytes(&theme_dir, &name).ok_or(AppError::NotFound)?;
    // Only an address with the file's current fingerprint is forever.
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type(&name)),
            (header::CACHE_CONTROL, cache),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprinted_names_split_back() {
        assert_eq!(
            split_fingerprint("style.0123456789.css"),
            Some(("style.css".into(), "0123456789"))
        );
        assert_eq!(split_fingerprint("style.css"), None);
        assert_eq!(split_fingerprint("jquery.min.js"), None);
        let dir = std::path::Path::new("/nonexistent-theme");
        let url = asset_url(dir, "style.css");
        assert!(
            url.starts_with("/static/style.")
                && url.ends_with(".css")
                && url.len() == "/static/style.0123456789.css".len(),
            "{url}"
        );
        assert_eq!(asset_url(dir, "missing.css"), "/static/missing.css");
    }
}
