//! Turning stored content into what templates show: post bodies as HTML with
//! responsive figures, split into the parts a pick page lays out.

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
pub async fn body_parts(state: &AppState, body: &str) -> Result<Vec<HtmlPart>, StoreError> {
    let figures = figures_for(state, body).await?;
    let lookup = |src: &str| figures.get(src).cloned();
    Ok(markdown::split_parts(body)
        .into_iter()
        .map(|part| HtmlPart {
            heading: part.heading.map(str::to_owned),
            plot: part.is_plot(),
            html: markdown::to_html(part.markdown, &lookup),
        })
        .collect())
}

/// The whole body as one piece of HTML: the editor's preview.
pub async fn body_html(state: &AppState, body: &str) -> Result<String, StoreError> {
    let figures = figures_for(state, body).await?;
    Ok(markdown::to_html(body, &|src: &str| {
        figures.get(src).cloned()
    }))
}

async fn figures_for(state: &AppState, body: &str) -> Result<HashMap<String, Figure>, StoreError> {
    let urls = markdown::image_sources(body);
    if urls.is_empty() {
        return Ok(HashMap::new());
    }
    let media = state.site.store.media_by_urls(&urls).await?;
    Ok(media.iter().map(|m| (m.url.clone(), m.figure())).collect())
}
