//! Logging in and out, and the first-run setup that creates the first admin.

use super::{error_map, Empty};
use crate::auth::{self, CsrfForm, CurrentUser};
use crate::client::ClientIp;
use crate::error::AppError;
use crate::public::site_context;
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use bestpick_app::accounts::{self, AccountError};
use bestpick_app::{login_limit, settings};
use bestpick_core::user::Role;
use bestpick_core::FieldErrors;
use minijinja::context;
use serde::Deserialize;

pub fn router() -> Routes {
    Routes::new()
        .get("/admin/login", login_form)
        .post("/admin/login", login)
        .post("/admin/logout", logout)
        .get("/setup", setup_form)
        .post("/setup", setup)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: String,
}

/// Only addresses inside the editor: a login link must not send anyone
/// elsewhere, nor put a line break (or anything a URL may not hold) into
/// the `Location` header.
fn safe_next(next: &str) -> &str {
    let url_safe = next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    if url_safe && (next == "/admin" || next.starts_with("/admin/") || next.starts_with("/admin?"))
    {
        next
    } else {
        "/admin/posts"
    }
}

async fn anonymous_page(
    state: &AppState,
    jar: CookieJar,
    headers: &HeaderMap,
    status: StatusCode,
    template: &str,
    ctx: minijinja::Value,
) -> Result<Response, AppError> {
    let (jar, csrf) = auth::anonymous_csrf(jar, headers);
    let site = site_context(state).await?;
    let html = state
        .templates
        .render(template, context! { site, csrf, ..ctx })?;
    Ok((status, jar, Html(html)).into_response())
}

async fn login_form(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    if auth::current_user(&state, &jar).await?.is_some() {
        return Ok(Redirect::to(safe_next(&q.next)).into_response());
    }
    if !state.site.store.has_admin().await? {
        return Ok(Redirect::to("/setup").into_response());
    }
    let next = safe_next(&q.next).to_owned();
    anonymous_page(
        &state,
        jar,
        &headers,
        StatusCode::OK,
        "admin/login.html",
        context! { next },
    )
    .await
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, AppError> {
    if let Err(wait) = login_limit::attempt(&state.site, ip, &form.username).await? {
        return Err(AppError::TooManyRequests {
            retry_after_secs: wait.max(1) as u64,
        });
    }
    match accounts::check_login(&state.site, &form.username, &form.password).await? {
        Some(user) => {
            login_limit::succeeded(&state.site, ip, &form.username).await?;
            tracing::info!(user = %user.username, "logged in");
            let jar = auth::log_in(&state, jar, &headers, &user).await?;
            Ok((jar, Redirect::to(safe_next(&form.next))).into_response())
        }
        None => {
            let next = safe_next(&form.next).to_owned();
            let ctx = context! {
                next, username => form.username,
                error => "Wrong user name or password.",
            };
            anonymous_page(
                &state,
                jar,
                &headers,
                StatusCode::UNAUTHORIZED,
                "admin/login.html",
                ctx,
            )
            .await
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    me: CurrentUser,
    jar: CookieJar,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let jar = auth::log_out(&state, jar, &me).await?;
    Ok((jar, Redirect::to("/admin/login")).into_response())
}

async fn setup_form(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if state.site.store.has_admin().await? {
        return Ok(Redirect::to("/admin/login").into_response());
    }
    anonymous_page(
        &state,
        jar,
        &headers,
        StatusCode::OK,
        "setup.html",
        context! {},
    )
    .await
}

#[derive(Deserialize, serde::Serialize, Default)]
#[serde(default)]
struct SetupForm {
    site_name: String,
    username: String,
    display_name: String,
    #[serde(skip_serializing)]
    password: String,
    #[serde(skip_serializing)]
    password_again: String,
}

async fn setup(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<SetupForm>,
) -> Result<Response, AppError> {
    if state.site.store.has_admin().await? {
        return Ok(Redirect::to("/admin/login").into_response());
    }
    let mut errors = FieldErrors::default();
    if form.password != form.password_again {
        errors.push("password_again", "does not match the password");
    }
    if form.site_name.trim().is_empty() {
        errors.push("site_name", "is missing: name your site");
    }
    if !errors.is_empty() {
        // Report the account's problems in the same answer.
        errors.check(bestpick_core::user::parse_username(form.username.trim()));
        errors.check(bestpick_core::user::check_password(&form.password));
    }
    let created = if errors.is_empty() {
        accounts::add_user(
            &state.site,
            &form.username,
            &form.display_name,
            Role::Admin,
            &form.password,
        )
        .await
    } else {
        Err(AccountError::Invalid(errors))
    };
    match created {
        Ok(user) => {
            settings::set(&state.site, "site_name", &form.site_name).await?;
            let jar = auth::log_in(&state, jar, &headers, &user).await?;
            Ok((jar, Redirect::to("/admin/posts")).into_response())
        }
        Err(AccountError::Invalid(errors)) => {
            let ctx = context! { form, errors => error_map(&errors) };
            anonymous_page(&state, jar, &headers, super::INVALID, "setup.html", ctx).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_in_the_editor() {
        assert_eq!(safe_next("/admin/posts/3"), "/admin/posts/3");
        for bad in [
            "//evil.example",
            "https://evil.example/admin",
            "/admin\r\nSet-Cookie: x=1",
            "/admin/\\evil",
            "/administrator",
            "/admin/ x",
        ] {
            assert_eq!(safe_next(bad), "/admin/posts", "{bad}");
        }
    }
}
