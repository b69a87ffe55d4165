//! The posts list and the post editor.

use super::post_form::PostForm;
use super::{admin_page, error_map, INVALID};
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::render;
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use bestpick_app::posts::{self, CoverSource, SaveError};
use bestpick_core::post::{PostKind, PostStatus};
use bestpick_core::FieldErrors;
use bestpick_store::{FilmScope, PostFilter, PostView, SaveMode};
use minijinja::context;
use serde::Deserialize;

pub fn router() -> Routes {
    Routes::new()
        .get("/admin/posts", list)
        .get("/admin/posts/new", new_form)
        .post("/admin/posts/new", create)
        .get("/admin/posts/{id}", edit_form)
        .post("/admin/posts/{id}", update)
        .post("/admin/posts/{id}/status", set_status)
        .post("/admin/posts/{id}/delete", delete)
        .post("/admin/posts/{id}/comments", set_comments)
        .post("/admin/preview", preview)
}

#[derive(Deserialize, Default, serde::Serialize)]
#[serde(default)]
struct ListQuery {
    section: String,
    status: String,
    author: String,
    saved: String,
}

async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let store = &state.site.store;
    let sections = store.sections().await?;
    let users = store.users().await?;
    let mut filter = PostFilter {
        section_id: sections.iter().find(|s| s.slug == q.section).map(|s| s.id),
        status: PostStatus::parse(&q.status),
        author_id: users.iter().find(|u| u.username == q.author).map(|u| u.id),
        limit: 200,
        ..PostFilter::default()
    };
    // Authors work on their own posts only.
    if !me.user.role.can_edit_any_post() {
        filter.author_id = Some(me.user.id);
    }
    let (posts, total) = store.list_posts(&filter).await?;
    admin_page(
        &state,
        &me,
        StatusCode::OK,
        "admin/posts.html",
        context! { posts, total, sections, users, filter => q },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    kind: String,
}

async fn new_form(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    let kind = PostKind::parse(&q.kind).unwrap_or(PostKind::Pick);
    let section = match kind {
        PostKind::Pick => "best-pick",
        PostKind::Essay => "essays",
        PostKind::Article => "news",
    };
    let form = PostForm {
        kind: kind.as_str().into(),
        section: section.into(),
        status: "draft".into(),
        authors: me.user.username.clone(),
        ..PostForm::default()
    };
    editor(
        &state,
        &me,
        None,
        &form,
        &FieldErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// Shows the editor with `form` as typed and `errors` next to their fields.
async fn editor(
    state: &AppState,
    me: &CurrentUser,
    post: Option<&PostView>,
    form: &PostForm,
    errors: &FieldErrors,
    preview: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let store = &state.site.store;
    let sections = store.sections().await?;
    let works = store.works(film_scope(me), 1000, 0).await?;
    let media = store.media_list(200).await?;
    let post = post.map(|p| &p.card);
    let ctx = context! {
        post, form, rows => form.table_rows(), errors => error_map(errors),
        error_list => &errors.0, sections, works, media, preview,
        can_publish => me.user.role.can_publish(),
    };
    admin_page(state, me, status, "admin/edit.html", ctx).await
}

/// The works the editor offers: all of them to those who edit every post,
/// the public ones to authors (another author's draft may bring a work).
fn film_scope(me: &CurrentUser) -> FilmScope {
    if me.user.role.can_edit_any_post() {
        FilmScope::All
    } else {
        FilmScope::Public
    }
}

/// The post with this id, if `me` may edit it.
async fn editable(state: &AppState, me: &CurrentUser, id: i64) -> Result<PostView, AppError> {
    Ok(posts::editable(&state.site, &me.user, id).await?)
}

async fn edit_form(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let post = editable(&state, &me, id).await?;
    let data = bestpick_app::export::to_data(&post);
    let form = PostForm::from_data(&data, post.card.cover.as_ref().map(|c| c.id));
    editor(
        &state,
        &me,
        Some(&post),
        &form,
        &FieldErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    CsrfForm(form): CsrfForm<PostForm>,
) -> Result<Response, AppError> {
    save(&state, &me, None, form).await
}

async fn update(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<PostForm>,
) -> Result<Response, AppError> {
    let post = editable(&state, &me, id).await?;
    save(&state, &me, Some(post), form).await
}

/// Saves the form (or shows its preview); on bad input shows it again.
async fn save(
    state: &AppState,
    me: &CurrentUser,
    post: Option<PostView>,
    form: PostForm,
) -> Result<Response, AppError> {
    let store = &state.site.store;
    let mut errors = FieldErrors::default();
    let existing_work = match form.work.trim() {
        "" => None,
        slug => match store.work_by_slug(slug, film_scope(me)).await? {
            Some(w) => Some(w.to_work()),
            None => {
                errors.push("work", format!("there is no stored work '{slug}'"));
                None
            }
        },
    };
    let cover = match form.cover.trim() {
        "" => CoverSource::None,
        id => match id.parse::<i64>() {
            Ok(id) if store.media(id).await?.is_some() => CoverSource::Media(id),
            _ => {
                errors.push("cover", "choose one of the uploaded images");
                CoverSource::None
            }
        },
    };
    let data = match form.to_data(existing_work) {
        Ok(data) if errors.is_empty() => data,
        Ok(_) => return editor(state, me, post.as_ref(), &form, &errors, None, INVALID).await,
        Err(more) => {
            errors.0.extend(more.0);
            return editor(state, me, post.as_ref(), &form, &errors, None, INVALID).await;
        }
    };
    if form.wants_preview() {
        let html = match render::body_html(state, &data.body).await {
            Ok(html) => html,
            Err(AppError::Invalid(m)) => {
                errors.push("body", m);
                return editor(state, me, post.as_ref(), &form, &errors, None, INVALID).await;
            }
            Err(e) => return Err(e),
        };
        return editor(
            state,
            me,
            post.as_ref(),
            &form,
            &errors,
            Some(html),
            StatusCode::OK,
        )
        .await;
    }
    let mode = match &post {
        Some(p) => SaveMode::Update(p.card.id),
        None => SaveMode::Create,
    };
    match posts::save(&state.site, &data, cover, &me.user, mode).await {
        Ok(id) => Ok(Redirect::to(&format!("/admin/posts/{id}?saved=1")).into_response()),
        Err(SaveError::Store(e)) => Err(e.into()),
        Err(SaveError::NotFound) => Err(AppError::NotFound),
        Err(e) => {
            let errors = e.field_errors().unwrap_or_default();
            editor(state, me, post.as_ref(), &form, &errors, None, INVALID).await
        }
    }
}

#[derive(Deserialize)]
struct StatusForm {
    status: String,
}

/// Publish now, unpublish (back to draft) or submit for review, from the list.
async fn set_status(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> Result<Response, AppError> {
    let status = PostStatus::parse(&form.status)
        .ok_or_else(|| AppError::BadRequest(format!("'{}' is not a post status", form.status)))?;
    posts::set_status(&state.site, &me.user, id, status).await?;
    Ok(Redirect::to("/admin/posts?saved=1").into_response())
}

/// Closes or opens a post's comments (whoever may moderate them).
async fn set_comments(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<super::CommentsForm>,
) -> Result<Response, AppError> {
    let closed = form.closing()?;
    bestpick_app::moderation::close_post_comments(&state.site, &me.user, id, closed).await?;
    Ok(Redirect::to("/admin/posts?saved=1").into_response())
}

#[derive(Deserialize)]
struct Empty {}

async fn delete(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    posts::delete(&state.site, &me.user, id).await?;
    Ok(Redirect::to("/admin/posts").into_response())
}

#[derive(Deserialize)]
struct PreviewForm {
    body: String,
}

/// The body as it will look: the editor's live preview.
async fn preview(
    State(state): State<AppState>,
    _me: CurrentUser,
    CsrfForm(form): CsrfForm<PreviewForm>,
) -> Result<Response, AppError> {
    match render::body_html(&state, &form.body).await {
        Ok(html) => Ok(Html(html).into_response()),
        Err(AppError::Invalid(m)) => Err(AppError::Invalid(format!("The body {m}."))),
        Err(e) => Err(e),
    }
}
