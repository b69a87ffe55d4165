//! The editor at `/admin`: login, posts, comments, media, sections and users.
//! Every form posts through [`crate::auth::CsrfForm`] (or checks the token
//! itself, for uploads), and a form with bad input is shown again with each
//! error next to its field and what was typed kept, with nothing saved.

mod comments;
mod federation;
mod login;
mod media;
pub(crate) mod post_form;
mod posts;
mod sections;
mod subscribers;
mod users;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::public::site_context;
use crate::routes::Routes;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use bestpick_core::FieldErrors;
use minijinja::{context, Value};
use std::collections::BTreeMap;

/// The largest request body: an image upload at its limit plus the form around it.
pub const MAX_BODY_BYTES: usize = bestpick_app::media::MAX_UPLOAD_BYTES + 256 * 1024;

pub fn router() -> Routes {
    Routes::new()
        .get("/admin", || async { Redirect::to("/admin/posts") })
        .merge(login::router())
        .merge(comments::router())
        .merge(posts::router())
        .merge(media::router())
        .merge(sections::router())
        .merge(users::router())
        .merge(subscribers::router())
        .merge(federation::router())
}

/// A form with nothing in it but its CSRF token: a button that acts.
#[derive(serde::Deserialize)]
pub(super) struct Empty {}

/// Renders an editor page for `me`, with the status given.
pub async fn admin_page(
    state: &AppState,
    me: &CurrentUser,
    status: StatusCode,
    template: &str,
    ctx: Value,
) -> Result<Response, AppError> {
    let site = site_context(state).await?;
    let html = state.templates.render(
        template,
        context! { site, me => me.user, csrf => me.csrf, ..ctx },
    )?;
    Ok((status, Html(html)).into_response())
}

/// Field errors as the templates look them up: `errors["work.year"]`.
pub fn error_map(errors: &FieldErrors) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for e in &errors.0 {
        // `tags[2]` is also shown at the `tags` input, which holds the whole list.
        let mut keys = vec![e.field.clone()];
        if let Some((list, _)) = e.field.strip_suffix(']').and_then(|f| f.rsplit_once('[')) {
            keys.push(list.to_owned());
        }
        for key in keys {
            map.entry(key)
                .and_modify(|m| {
                    m.push_str("; ");
                    m.push_str(&e.message);
                })
                .or_insert_with(|| e.message.clone());
        }
    }
    map
}

/// The open/close buttons for comments on posts and sections.
#[derive(serde::Deserialize)]
pub struct CommentsForm {
    /// "close" or "open".
    comments: String,
}

impl CommentsForm {
    /// Whether comments are to be closed.
    pub fn closing(&self) -> Result<bool, AppError> {
        match self.comments.as_str() {
            "close" => Ok(true),
            "open" => Ok(false),
            other => Err(AppError::BadRequest(format!(
                "'{other}' is not open or close"
            ))),
        }
    }
}

/// The status of a form shown again because of what was typed into it.
pub const INVALID: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;
