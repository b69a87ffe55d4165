//! Turning stored content into what templates show: post bodies as HTML with
//! responsive figures, split into the parts a pick page lays out.

use crate::error::AppError;
use crate::state::AppState;
use bestpick_core::markdown::{self, Figure};
use bestpick_store::StoreError;
use serde::Serialize;
use std::collections::HashMap;

/// A part of a body under one `##` heading, rendered.
#[derive(Debug, Serialize)]
pub struct HtmlPart {
    pub heading: Option<String>,
    pub html: String,
    /// The plot of a pick, folded because it tells the story.
    pub plot: bool,
}

/// Renders a body, with uploaded images as figures with srcset, caption and credit.
pub async fn body_parts(state: &AppState, body: &str) -> Result<Vec<HtmlPart>, AppError> {
    let figures = figures_for(state, body).await?;
    let body = body.to_owned();
    off_the_async_threads(state, move || {
        let lookup = |src: &str| figures.get(src).cloned();
        markdown::split_parts(&body)
            .into_iter()
            .map(|part| HtmlPart {
                heading: part.heading.map(str::to_owned),
                plot: part.is_plot(),
                html: markdown::to_html(part.markdown, &lookup),
            })
            .collect()
    })
    .await
}

/// The whole body as one piece of HTML: the editor's preview. A body too
/// large or nested too deeply to be saved is refused before any render,
/// as `AppError::Invalid` with what is wrong with it.
pub async fn body_html(state: &AppState, body: &str) -> Result<String, AppError> {
    markdown::check_body(body).map_err(AppError::Invalid)?;
    let figures = figures_for(state, body).await?;
    let body = body.to_owned();
    off_the_async_threads(state, move || {
        markdown::to_html(&body, &|src: &str| figures.get(src).cloned())
    })
    .await
}

/// Parsing and sanitising a long body takes milliseconds of a core: on a
/// blocking thread, so that the async threads keep answering (cached
/// pages above all) while it runs, and at most two per core at once
/// whichever path asked (a page, a comment form sent back, a preview). The
/// turn goes with the work: a request dropped meanwhile does not free it
/// before the render is done.
pub(crate) async fn off_the_async_threads<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let turn = state
        .render_turns
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        work()
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("rendering a body failed")))
}

async fn figures_for(state: &AppState, body: &str) -> Result<HashMap<String, Figure>, StoreError> {
    let urls = markdown::image_sources(body);
    if urls.is_empty() {
        return Ok(HashMap::new());
    }
    let media = state.site.store.media_by_urls(&urls).await?;
    Ok(media.iter().map(|m| (m.url.clone(), m.figure())).collect())
}
