//! The search page, its suggestions as a reader types, and nothing cached:
//! every query is its own page, and a results page must never be stale.

use crate::error::AppError;
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use bestpick_app::search::{self, Params};
use minijinja::context;

pub fn router() -> Routes {
    Routes::new()
        .get("/search", page)
        .get("/search/suggest", suggest)
}

/// The results page; without JavaScript it is all there is. A wrong filter
/// is said at the top of the form (400), with the rest of it kept.
async fn page(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<Response, AppError> {
    let choices = search::choices(&state.site).await?;
    let (results, errors, status) = match search::read(&params) {
        Ok((query, filter, page)) => {
            let results = search::search(&state.site, &query, &filter, page).await?;
            if page > results.pages && page > 1 {
                return Err(AppError::NotFound);
            }
            let asked = !query.is_empty() || !filter.is_empty();
            (Some(results).filter(|_| asked), Vec::new(), StatusCode::OK)
        }
        Err(errors) => (None, errors.labelled(), StatusCode::BAD_REQUEST),
    };
    // The address of another page of the same results: what was given.
    let base = format!(
        "/search?{}",
        given(&[
            ("q", &params.q),
            ("section", &params.section),
            ("kind", &params.kind),
            ("genre", &params.genre),
            ("year_from", &params.year_from),
            ("year_to", &params.year_to),
            ("min_score", &params.min_score),
            ("person", &params.person),
        ])
    );
    // Results pages are followed, never listed.
    let head = |site: &crate::public::SiteContext| {
        crate::head::Head::page(
            site,
            "Search",
            &format!(
                "Search the films, shows, people and lines of {}.",
                site.name
            ),
            "/search",
            &[("Search", "/search".to_owned())],
        )
        .noindex(true)
    };
    let html = crate::public::render_page_with(
        &state,
        "search.html",
        head,
        context! { search_q => params.q.clone(), params, results, errors, choices, base },
    )
    .await?;
    Ok((status, Html(html)).into_response())
}

/// The parameters given (those not blank), as a query string: what links
/// to another page of the same results keep.
pub(crate) fn given(params: &[(&str, &String)]) -> String {
    let given: Vec<(&str, &str)> = params
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    serde_html_form::to_string(&given).unwrap_or_default()
}

/// Up to a few works, people and posts for what is typed so far, as JSON
/// for the search box's list.
async fn suggest(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<Response, AppError> {
    let found = search::suggest(&state.site, &params.q).await?;
    Ok(Json(found).into_response())
}
