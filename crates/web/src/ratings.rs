//! Readers rating a pick: a plain form on the pick's page, no account. A
//! reader is known by a random id in a cookie of their own; their address
//! counts against the limits (see `bestpick_app::ratings`).

use crate::auth;
use crate::client::ClientIp;
use crate::error::AppError;
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Form, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use bestpick_app::secrets;
use bestpick_store::Rated;
use serde::Deserialize;

/// The reader's random id, sent only with ratings.
const READER_COOKIE: &str = "rater";
const READER_COOKIE_DAYS: i64 = 365;

pub fn router() -> Routes {
    Routes::new().post("/ratings", rate)
}

#[derive(Debug, Deserialize)]
struct RatingForm {
    post_id: i64,
    /// Stars (1 to 5), or up and down.
    #[serde(default)]
    value: String,
}

/// Counts a rating and goes back to the pick, which thanks the reader (or
/// says the address has rated enough for now).
async fn rate(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    jar: CookieJar,
    Form(form): Form<RatingForm>,
) -> Result<Response, AppError> {
    // The form is on the site's own page; a form elsewhere may not rate in
    // a reader's name.
    if !auth::same_origin(&headers) {
        return Err(AppError::Forbidden(
            "ratings are given from the pick's own page".into(),
        ));
    }
    let reader = match jar.get(READER_COOKIE) {
        Some(c) if c.value().len() == 32 && c.value().bytes().all(|b| b.is_ascii_hexdigit()) => {
            c.value().to_owned()
        }
        _ => secrets::random_token()[..32].to_owned(),
    };
    let rated =
        bestpick_app::ratings::rate(&state.site, form.post_id, &reader, ip, &form.value).await?;
    let card = state
        .site
        .store
        .post_card(form.post_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let said = match rated {
        Rated::Counted | Rated::Changed => "thanks",
        Rated::Limited => "later",
    };
    let jar = jar.add(
        Cookie::build((READER_COOKIE, reader))
            .path("/ratings")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(auth::is_https(&headers))
            .max_age(time::Duration::days(READER_COOKIE_DAYS)),
    );
    let back = format!("{}?rated={said}#readers", card.url);
    Ok((jar, Redirect::to(&back)).into_response())
}
