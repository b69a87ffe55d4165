//! Sections: create, rename, reorder, retire into another.

use super::{admin_page, error_map, INVALID};
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bestpick_app::sections;
use bestpick_app::OpError;
use bestpick_core::FieldErrors;
use minijinja::context;
use serde::{Deserialize, Serialize};

pub fn router() -> Routes {
    Routes::new()
        .get("/admin/sections", list)
        .post("/admin/sections", create)
        .post("/admin/sections/{id}", update)
        .post("/admin/sections/{id}/move", move_section)
        .post("/admin/sections/{id}/retire", retire)
        .post("/admin/sections/{id}/comments", set_comments)
        .post("/admin/sections/{id}/menu", set_menu)
}

fn allowed(me: &CurrentUser) -> Result<(), AppError> {
    me.require(me.user.role.can_manage_sections(), "manage sections")
}

async fn list(State(state): State<AppState>, me: CurrentUser) -> Result<Response, AppError> {
    allowed(&me)?;
    show(
        &state,
        &me,
        &NewSection::default(),
        None,
        &FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn show(
    state: &AppState,
    me: &CurrentUser,
    form: &NewSection,
    failed_id: Option<i64>,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let all = state.site.store.sections().await?;
    let (active, retired): (Vec<_>, Vec<_>) = all.into_iter().partition(|s| s.is_active());
    let ctx = context! {
        active, retired, form, failed_id, errors => error_map(errors),
    };
    admin_page(state, me, status, "admin/sections.html", ctx).await
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct NewSection {
    name: String,
    slug: String,
    description: String,
    /// posts, quotes or guess.
    kind: String,
}

/// Bad input is shown on the page; anything else is a real failure.
async fn answer(
    state: &AppState,
    me: &CurrentUser,
    form: &NewSection,
    id: Option<i64>,
    result: Result<(), OpError>,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to("/admin/sections").into_response()),
        Err(e) => match e.field_errors() {
            Some(errors) => show(state, me, form, id, &errors, INVALID).await,
            None => Err(e.into()),
        },
    }
}

async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    CsrfForm(form): CsrfForm<NewSection>,
) -> Result<Response, AppError> {
    let result = sections::create_with(
        &state.site,
        &me.user,
        &form.slug,
        &form.name,
        &form.description,
        &form.kind,
    )
    .await
    .map(|_| ());
    answer(&state, &me, &form, None, result).await
}

async fn update(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<NewSection>,
) -> Result<Response, AppError> {
    let result = sections::update(&state.site, &me.user, id, &form.name, &form.description).await;
    answer(&state, &me, &NewSection::default(), Some(id), result).await
}

#[derive(Deserialize)]
struct MoveForm {
    step: i64,
}

async fn move_section(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<MoveForm>,
) -> Result<Response, AppError> {
    sections::move_by(&state.site, &me.user, id, form.step).await?;
    Ok(Redirect::to("/admin/sections").into_response())
}

#[derive(Deserialize)]
struct RetireForm {
    into: String,
}

async fn retire(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<RetireForm>,
) -> Result<Response, AppError> {
    let result = sections::retire(&state.site, &me.user, id, &form.into).await;
    answer(&state, &me, &NewSection::default(), Some(id), result).await
}

#[derive(Deserialize)]
struct MenuForm {
    /// show or hide.
    menu: String,
}

/// Shows a section in the site's menus, or leaves it out.
async fn set_menu(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<MenuForm>,
) -> Result<Response, AppError> {
    let hidden = match form.menu.as_str() {
        "show" => false,
        "hide" => true,
        other => {
            return Err(AppError::BadRequest(format!(
                "menu: '{other}' is neither show nor hide"
            )))
        }
    };
    sections::set_hidden(&state.site, &me.user, id, hidden).await?;
    Ok(Redirect::to("/admin/sections").into_response())
}

/// Closes or opens comments on every post of a section.
async fn set_comments(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<super::CommentsForm>,
) -> Result<Response, AppError> {
    let closed = form.closing()?;
    sections::close_comments(&state.site, &me.user, id, closed).await?;
    Ok(Redirect::to("/admin/sections").into_response())
}
