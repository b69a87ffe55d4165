//! The fediverse, for admins: who follows the site and its authors (to
//! remove or block), blocked servers and accounts, how delivery goes, and
//! new keys for the site's actor.

use super::admin_page;
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bestpick_app::federation::{self, SITE_ACTOR};
use minijinja::context;
use serde::Deserialize;

pub fn router() -> Routes {
    Routes::new()
        .get("/admin/federation", show)
        .post("/admin/federation/followers/remove", remove_follower)
        .post("/admin/federation/blocks", block)
        .post("/admin/federation/blocks/remove", unblock)
        .post("/admin/federation/keys", new_keys)
}

fn allowed(me: &CurrentUser) -> Result<(), AppError> {
    me.require(
        me.user.role.can_manage_federation(),
        "manage the site's followers on the fediverse",
    )
}

async fn show(State(state): State<AppState>, me: CurrentUser) -> Result<Response, AppError> {
    allowed(&me)?;
    let status = crate::federation::status(&state).await?;
    admin_page(
        &state,
        &me,
        StatusCode::OK,
        "admin/federation.html",
        context! { status },
    )
    .await
}

fn back() -> Response {
    Redirect::to("/admin/federation").into_response()
}

// Fields default to empty, so the CSRF token and the role are checked
// before what the form holds.
#[derive(Deserialize)]
struct FollowerForm {
    #[serde(default)]
    local_actor: String,
    #[serde(default)]
    actor: String,
    /// Also block the account, so it cannot follow again.
    #[serde(default)]
    block: Option<String>,
}

async fn remove_follower(
    State(state): State<AppState>,
    me: CurrentUser,
    CsrfForm(form): CsrfForm<FollowerForm>,
) -> Result<Response, AppError> {
    allowed(&me)?;
    let store = &state.site.store;
    if form.block.is_some() {
        store.federation_block("actor", &form.actor).await?;
    } else {
        store
            .remove_follower(&form.local_actor, &form.actor)
            .await?;
    }
    Ok(back())
}

#[derive(Deserialize)]
struct BlockForm {
    /// `domain` or `actor`
    #[serde(default)]
    kind: String,
    #[serde(default)]
    value: String,
}

/// A server by its host name (`spam.example`, or an address on it) or an
/// account by its id (`https://spam.example/users/a`).
fn block_target(form: &BlockForm) -> Result<(&'static str, String), AppError> {
    let value = form.value.trim();
    match form.kind.as_str() {
        "domain" => {
            let host = match url::Url::parse(value) {
                Ok(u) => u.host_str().map(str::to_owned),
                Err(_) => url::Url::parse(&format!("https://{value}"))
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned)),
            };
            match host {
                Some(h) if !value.is_empty() => Ok(("domain", h.to_ascii_lowercase())),
                _ => Err(AppError::Invalid(format!("server: '{value}' is not a host name such as spam.example"))),
            }
        }
        "actor" => match url::Url::parse(value) {
            Ok(u) if matches!(u.scheme(), "https" | "http") => Ok(("actor", value.to_owned())),
            _ => Err(AppError::Invalid(format!(
                "account: '{value}' is not an account's address such as https://spam.example/users/a"
            ))),
        },
        other => Err(AppError::BadRequest(format!("kind: '{other}' is neither domain nor actor"))),
    }
}

async fn block(
    State(state): State<AppState>,
    me: CurrentUser,
    CsrfForm(form): CsrfForm<BlockForm>,
) -> Result<Response, AppError> {
    allowed(&me)?;
    let (kind, value) = block_target(&form)?;
    state.site.store.federation_block(kind, &value).await?;
    Ok(back())
}

async fn unblock(
    State(state): State<AppState>,
    me: CurrentUser,
    CsrfForm(form): CsrfForm<BlockForm>,
) -> Result<Response, AppError> {
    allowed(&me)?;
    state
        .site
        .store
        .federation_unblock(&form.kind, form.value.trim())
        .await?;
    Ok(back())
}

#[derive(Deserialize)]
struct KeysForm {
    /// `site`, or an author's user name; the site when left empty.
    #[serde(default)]
    account: String,
}

/// A new key pair for the site's actor or an author's (a leaked key, or a
/// routine change): servers fetch the new key when the old one stops
/// verifying.
async fn new_keys(
    State(state): State<AppState>,
    me: CurrentUser,
    CsrfForm(form): CsrfForm<KeysForm>,
) -> Result<Response, AppError> {
    allowed(&me)?;
    let account = form.account.trim().trim_start_matches('@');
    let actor = match account {
        "" | SITE_ACTOR => SITE_ACTOR.to_owned(),
        name => match state.site.store.user_by_username(name).await? {
            Some(user) => federation::author_actor(&user).0,
            None => {
                return Err(AppError::Invalid(format!(
                    "account: there is no user named '{name}'"
                )))
            }
        },
    };
    federation::rotate_keys(&state.site, &actor)
        .await
        .map_err(AppError::Internal)?;
    Ok(back())
}
