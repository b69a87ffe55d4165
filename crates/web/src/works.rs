//! `/works`: every film and show readers may see, filtered and sorted,
//! a page at a time. Not kept in the page cache: each combination of
//! filters is its own page, and the page is read from indexes (a few
//! milliseconds at 100,000 works) rather than stored.

use crate::error::AppError;
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bestpick_app::works_list::{self, Params};
use bestpick_store::{WorksAt, WORKS_PER_PAGE};
use minijinja::context;

pub fn router() -> Routes {
    Routes::new().get("/works", page)
}

/// The list; a wrong filter is said above the form (400), the rest kept.
async fn page(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<Response, AppError> {
    let site = &state.site;
    let choices = bestpick_app::search::choices(site).await?;
    let this_year = time::OffsetDateTime::from_unix_timestamp(site.now())
        .map(|t| t.year())
        .unwrap_or(2026);
    let decades = works_list::decades(this_year);
    let (list, errors, status) = match works_list::read(&params) {
        Ok(asked) => {
            let list = site
                .store
                .works_page(&asked.filter, asked.order, asked.at, WORKS_PER_PAGE)
                .await?;
            // A cursor past the list's end (or of a work not listed) leads nowhere.
            if list.works.is_empty() && asked.at != WorksAt::First {
                return Err(AppError::NotFound);
            }
            (Some(list), Vec::new(), StatusCode::OK)
        }
        Err(errors) => (None, errors.labelled(), StatusCode::BAD_REQUEST),
    };
    // Links to the next and previous pages keep the filters and order.
    let query = crate::search::given(&[
        ("kind", &params.kind),
        ("genre", &params.genre),
        ("decade", &params.decade),
        ("min_score", &params.min_score),
        ("sort", &params.sort),
    ]);
    let base = if query.is_empty() {
        "/works?".to_owned()
    } else {
        format!("/works?{query}&")
    };
    let filtered = [
        &params.kind,
        &params.genre,
        &params.decade,
        &params.min_score,
    ]
    .iter()
    .any(|v| !v.trim().is_empty());
    // A filtered or later page repeats the list: followed, not listed.
    let later = !(params.after.is_empty() && params.before.is_empty());
    let head = |site: &crate::public::SiteContext| {
        crate::head::Head::page(
            site,
            "Films and TV",
            &format!(
                "Every film and show picked or written about on {}.",
                site.name
            ),
            "/works",
            &[("Films and TV", "/works".to_owned())],
        )
        .noindex(filtered || later)
    };
    let html = crate::public::render_page_with(
        &state,
        "works.html",
        head,
        context! { params, list, errors, choices, decades, base, filtered },
    )
    .await?;
    Ok((status, Html(html)).into_response())
}
