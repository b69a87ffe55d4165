//! User accounts: admins only.

use super::{admin_page, error_map, INVALID};
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bestpick_app::accounts::{self, AccountError};
use bestpick_core::user::Role;
use bestpick_core::{FieldError, FieldErrors};
use minijinja::context;
use serde::{Deserialize, Serialize};

pub fn router() -> Routes {
    Routes::new()
        .get("/admin/users", list)
        .post("/admin/users", create)
}

fn allowed(me: &CurrentUser) -> Result<(), AppError> {
    me.require(me.user.role.can_manage_users(), "manage users")
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct NewUser {
    username: String,
    display_name: String,
    role: String,
    #[serde(skip_serializing)]
    password: String,
}

async fn show(
    state: &AppState,
    me: &CurrentUser,
    form: &NewUser,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let users = state.site.store.users().await?;
    let ctx = context! { users, form, errors => error_map(errors) };
    admin_page(state, me, status, "admin/users.html", ctx).await
}

async fn list(State(state): State<AppState>, me: CurrentUser) -> Result<Response, AppError> {
    allowed(&me)?;
    let form = NewUser {
        role: "author".into(),
        ..NewUser::default()
    };
    show(&state, &me, &form, &FieldErrors::default(), StatusCode::OK).await
}

async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    CsrfForm(form): CsrfForm<NewUser>,
) -> Result<Response, AppError> {
    allowed(&me)?;
    let Some(role) = Role::parse(&form.role) else {
        let errors = FieldError::new("role", "choose admin, editor or author").into();
        return show(&state, &me, &form, &errors, INVALID).await;
    };
    match accounts::add_user(
        &state.site,
        &form.username,
        &form.display_name,
        role,
        &form.password,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/admin/users").into_response()),
        Err(AccountError::Invalid(errors)) => show(&state, &me, &form, &errors, INVALID).await,
        Err(e) => Err(e.into()),
    }
}
