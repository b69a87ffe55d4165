//! The posts list and the post editor.

use super::post_form::{Action, PostForm};
use super::{admin_page, error_map, Empty, INVALID};
use crate::api::ApiError;
use crate::auth::{CsrfForm, CsrfUpload, CurrentUser, FilePart};
use crate::error::AppError;
use crate::render;
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use bestpick_app::media::{self, PhotoText};
use bestpick_app::posts::{self, CoverSource, SaveError};
use bestpick_core::document::PostData;
use bestpick_core::post::{PostKind, PostStatus, Visibility};
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
        .post("/admin/posts/{id}/ratings", set_ratings)
        .post("/admin/preview", preview)
        .get("/admin/works/sharing", sharing)
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
    // Readers' ratings of the picks listed, by id, for their controls.
    let picks: Vec<i64> = posts
        .iter()
        .filter(|p| p.kind == PostKind::Pick)
        .map(|p| p.id)
        .collect();
    let ratings: std::collections::BTreeMap<String, minijinja::Value> = store
        .ratings_of(&picks)
        .await?
        .into_iter()
        .map(|(id, r)| {
            (
                id.to_string(),
                context! { count => r.count, hidden => r.hidden },
            )
        })
        .collect();
    admin_page(
        &state,
        &me,
        StatusCode::OK,
        "admin/posts.html",
        context! { posts, total, sections, users, filter => q, ratings },
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
    editor(&state, &me, Shown::form(None, &form), StatusCode::OK).await
}

/// The editor as it is shown: the post being edited (none for a new one),
/// the form as typed, its errors, and whether it was just saved.
struct Shown<'a> {
    post: Option<&'a PostView>,
    form: &'a PostForm,
    errors: FieldErrors,
    done: bool,
    /// What became of an image uploaded with the form.
    uploaded: Option<String>,
}

impl<'a> Shown<'a> {
    fn form(post: Option<&'a PostView>, form: &'a PostForm) -> Shown<'a> {
        Shown {
            post,
            form,
            errors: FieldErrors::default(),
            done: false,
            uploaded: None,
        }
    }

    fn errors(post: Option<&'a PostView>, form: &'a PostForm, errors: FieldErrors) -> Shown<'a> {
        Shown {
            errors,
            ..Shown::form(post, form)
        }
    }
}

/// Shows the editor with the form as typed and each error next to its
/// field and in a summary that links to it.
async fn editor(
    state: &AppState,
    me: &CurrentUser,
    shown: Shown<'_>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let store = &state.site.store;
    // Posts go in sections of posts, not in Quotes or Guess!.
    let mut sections = store.sections().await?;
    sections.retain(|s| s.feature.is_none());
    let works = store.works(film_scope(me), 1000, 0).await?;
    let form = shown.form;
    let mut media = store.media_list(200).await?;
    // The chosen cover is offered even when it is older than the newest 200.
    if let Ok(cover) = form.cover.trim().parse::<i64>() {
        if !media.iter().any(|m| m.id == cover) {
            media.extend(store.media(cover).await?);
        }
    }
    let poster_elsewhere = !form.work_poster.trim().is_empty()
        && !media.iter().any(|m| m.url == form.work_poster.trim());
    let sharing = work_sharing(state, me, form, shown.post.map(|p| p.card.id)).await?;
    let mut in_order: Vec<_> = shown.errors.0.iter().collect();
    in_order.sort_by_key(|e| form_order(&e.field));
    let error_list: Vec<_> = in_order
        .into_iter()
        .map(|e| context! { label => e.label(), message => e.message, anchor => anchor(&e.field) })
        .collect();
    let notice = shown
        .post
        .filter(|_| shown.done)
        .map(notice)
        .or(shown.uploaded);
    let post = shown.post.map(|p| &p.card);
    let ctx = context! {
        post, form, rows => form.table_rows(), errors => error_map(&shown.errors),
        error_list, notice, sections, works, media, poster_elsewhere, sharing,
        can_publish => me.user.role.can_publish(),
    };
    admin_page(state, me, status, "admin/edit.html", ctx).await
}

/// What the editor says of a typed work that other posts show ("also used
/// by 3 other posts"), before it is saved; nothing for a stored work chosen
/// as it is, whose facts the save leaves alone.
async fn work_sharing(
    state: &AppState,
    me: &CurrentUser,
    form: &PostForm,
    post: Option<i64>,
) -> Result<Option<String>, AppError> {
    if form.kind != "pick" || !form.work.trim().is_empty() {
        return Ok(None);
    }
    let Some(work) = form.read(None).0.work else {
        return Ok(None);
    };
    let sharing = bestpick_app::films::sharing(&state.site, &me.user, &work, post).await?;
    Ok(sharing.map(|s| s.words()))
}

#[derive(Deserialize)]
struct SharingQuery {
    #[serde(flatten)]
    form: PostForm,
    /// The post being edited (text: numbers do not pass a flattened query).
    #[serde(default)]
    post: String,
}

/// [`work_sharing`] for the editor's script, as the work's name, year or
/// IMDb id are typed: `{"message": "..."}` or `{"message": null}`.
async fn sharing(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<SharingQuery>,
) -> Result<Response, AppError> {
    // A post id the user may not edit tells nothing (it is not excluded).
    let post = match q.post.parse::<i64>() {
        Ok(id) => posts::editable(&state.site, &me.user, id)
            .await
            .ok()
            .map(|p| p.card.id),
        Err(_) => None,
    };
    let message = work_sharing(&state, &me, &q.form, post).await?;
    Ok(axum::Json(serde_json::json!({ "message": message })).into_response())
}

/// The id of the input a field's error is about, for the summary's links:
/// `scores[1].value` is `f-scores-1-value`, `work.year` `f-work_year`, and a
/// list typed into one input (`tags[2]`, `work.directors[1]`) links to that
/// input.
fn anchor(field: &str) -> String {
    let field = field
        .strip_prefix("work.cast")
        .map_or_else(|| field.to_owned(), |rest| format!("cast{rest}"));
    match field.split_once('[') {
        // A row of a table: its cell, or the table.
        Some((list, rest)) if super::post_form::TABLES.contains(&list) => {
            let (i, column) = rest.split_once(']').unwrap_or((rest, ""));
            match column.strip_prefix('.') {
                Some(column) => format!("f-{list}-{i}-{column}"),
                None => format!("f-{list}"),
            }
        }
        // An item of a list typed into one input: that input.
        Some((list, _)) => format!("f-{}", list.replace('.', "_")),
        None => format!("f-{}", field.replace('.', "_")),
    }
}

/// Where a field comes in the editor, so the summary lists errors from the
/// top of the form down: its place among the fields, then its row.
fn form_order(field: &str) -> (usize, usize) {
    const FIELDS: [&str; 35] = [
        "title",
        "slug",
        "summary",
        "body",
        "work",
        "work.kind",
        "work.name",
        "work.year",
        "work.original_name",
        "work.end_year",
        "work.seasons",
        "work.directors",
        "work.writers",
        "work.genres",
        "work.countries",
        "work.languages",
        "work.runtime_minutes",
        "work.budget_usd",
        "work.box_office_usd",
        "work.awards",
        "work.imdb_id",
        "work.cast",
        "scores",
        "critics",
        "lines",
        "question",
        "status",
        "date",
        "section",
        "tags",
        "authors",
        "image_file",
        "image_alt",
        "cover",
        "work.poster",
    ];
    let (head, row) = match field.split_once('[') {
        Some((head, rest)) => (head, rest.split(']').next().and_then(|i| i.parse().ok())),
        None => (field, None),
    };
    let place = FIELDS
        .iter()
        .position(|f| *f == head)
        .unwrap_or(FIELDS.len());
    (place, row.unwrap_or(0))
}

/// What the editor says after a save, from the post as it now is.
fn notice(post: &PostView) -> String {
    let card = &post.card;
    match card.visibility {
        Visibility::Published => "Published.".to_owned(),
        Visibility::Scheduled => {
            let at = card
                .published_at
                .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
                .map(bestpick_core::format::date_time)
                .unwrap_or_default();
            format!("Scheduled for {at}: it appears by itself then.")
        }
        Visibility::Review => "Saved and submitted for review.".to_owned(),
        Visibility::Draft => "Saved as a draft: only the editors can see it.".to_owned(),
    }
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

#[derive(Deserialize, Default)]
#[serde(default)]
struct EditQuery {
    /// Set by the redirect after a save, to say what became of the post.
    saved: String,
}

async fn edit_form(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<EditQuery>,
) -> Result<Response, AppError> {
    let post = editable(&state, &me, id).await?;
    let data = bestpick_app::export::to_data(&post);
    let form = PostForm::from_data(&data, post.card.cover.as_ref().map(|c| c.id));
    let shown = Shown {
        done: !q.saved.is_empty(),
        ..Shown::form(Some(&post), &form)
    };
    editor(&state, &me, shown, StatusCode::OK).await
}

async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    form: CsrfUpload<PostForm>,
) -> Result<Response, AppError> {
    save(&state, &me, None, form).await
}

async fn update(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    form: CsrfUpload<PostForm>,
) -> Result<Response, AppError> {
    let post = editable(&state, &me, id).await?;
    save(&state, &me, Some(post), form).await
}

/// `text` as the words of a Markdown link or image: its brackets and
/// backslashes kept as they are, on one line.
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Stores the image sent with the form, whatever button was pressed (a
/// browser does not keep a chosen file when the form comes back), and puts
/// it where the form says: the cover, the poster, or the end of the body.
/// Returns what to tell the editor, or the image's errors.
async fn take_image(
    state: &AppState,
    form: &mut PostForm,
    files: Vec<FilePart>,
) -> Result<Result<Option<String>, FieldErrors>, AppError> {
    let Some(file) = files.into_iter().find(|f| f.field == "image_file") else {
        return Ok(Ok(None));
    };
    let text = PhotoText {
        alt: form.image_alt.trim().to_owned(),
        caption: None,
        credit: None,
    };
    let stored = media::upload(&state.site, "image_file", file.name, file.bytes, text).await?;
    let m = match stored {
        Ok(m) => m,
        Err(errors) => {
            // The image's own rules name "image_file.alt"; the form's field is "image_alt".
            let errors = errors
                .0
                .into_iter()
                .map(|mut e| {
                    if e.field == "image_file.alt" {
                        e.field = "image_alt".into();
                    }
                    e
                })
                .collect();
            return Ok(Err(FieldErrors(errors)));
        }
    };
    form.image_alt.clear();
    let placed = match form.image_use.as_str() {
        "poster" => {
            form.work_poster = m.url.clone();
            "it is the poster now"
        }
        "body" => {
            let body = form.body.trim_end();
            form.body = format!("{body}\n\n![{}]({})\n", markdown_text(&m.alt), m.url);
            "its Markdown is at the end of the body"
        }
        _ => {
            form.cover = m.id.to_string();
            "it is the cover now"
        }
    };
    Ok(Ok(Some(format!("Uploaded “{}”: {placed}.", m.alt))))
}

/// Does what the pressed button asks: saves the form (or publishes it),
/// previews the whole post, or adds or removes a row; on bad input shows
/// every error.
async fn save(
    state: &AppState,
    me: &CurrentUser,
    post: Option<PostView>,
    sent: CsrfUpload<PostForm>,
) -> Result<Response, AppError> {
    let post = post.as_ref();
    let (mut form, files) = (sent.fields, sent.files);
    // A file too large cut the form short: shown again with what came.
    if let Some(e) = sent.file_error {
        let mut errors = FieldErrors::default();
        errors.push("image_file", e);
        return editor(state, me, Shown::errors(post, &form, errors), INVALID).await;
    }
    let action = form.action();
    if action == Action::Autosave {
        return autosave(state, me, post, form).await;
    }
    let uploaded = match take_image(state, &mut form, files).await? {
        Ok(uploaded) => uploaded,
        Err(errors) => return editor(state, me, Shown::errors(post, &form, errors), INVALID).await,
    };
    if action == Action::Upload && uploaded.is_none() {
        let mut errors = FieldErrors::default();
        errors.push("image_file", "choose an image to upload");
        return editor(state, me, Shown::errors(post, &form, errors), INVALID).await;
    }
    if matches!(
        action,
        Action::AddRow(_) | Action::RemoveRow(..) | Action::Upload | Action::Unknown
    ) {
        let shown = Shown {
            uploaded,
            ..Shown::form(post, &form)
        };
        return editor(state, me, shown, StatusCode::OK).await;
    }
    if action == Action::Publish {
        form.status = PostStatus::Published.as_str().to_owned();
    }
    let (data, cover) = match read(state, me, &form).await? {
        Ok(read) => read,
        Err(errors) => return editor(state, me, Shown::errors(post, &form, errors), INVALID).await,
    };
    let mode = save_mode(post);
    if action == Action::Preview {
        return match posts::preview(&state.site, &data, cover, &me.user, mode).await {
            Ok(view) => whole_preview(state, view).await,
            Err(e) => {
                let errors = refused(e)?;
                editor(state, me, Shown::errors(post, &form, errors), INVALID).await
            }
        };
    }
    match posts::save(&state.site, &data, cover, &me.user, mode).await {
        Ok(id) => Ok(Redirect::to(&format!("/admin/posts/{id}?saved=1")).into_response()),
        Err(e) => {
            let errors = refused(e)?;
            editor(state, me, Shown::errors(post, &form, errors), INVALID).await
        }
    }
}

fn save_mode(post: Option<&PostView>) -> SaveMode {
    match post {
        Some(p) => SaveMode::Update(p.card.id),
        None => SaveMode::Create,
    }
}

/// The field errors of a refused save; a failure of the site stays one.
fn refused(e: SaveError) -> Result<FieldErrors, AppError> {
    match e {
        SaveError::Store(e) => Err(e.into()),
        SaveError::NotFound => Err(AppError::NotFound),
        e => Ok(e.field_errors().unwrap_or_default()),
    }
}

/// The post the form describes, with its cover: the chosen stored work
/// and image looked up, and every error found at once.
async fn read(
    state: &AppState,
    me: &CurrentUser,
    form: &PostForm,
) -> Result<Result<(PostData, CoverSource), FieldErrors>, AppError> {
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
    Ok(match form.checked(existing_work) {
        Ok(data) if errors.is_empty() => Ok((data, cover)),
        checked => {
            errors
                .0
                .extend(checked.err().map(|e| e.0).unwrap_or_default());
            Err(errors)
        }
    })
}

/// Saves a draft by the editor's script every few seconds while it is
/// written, and answers JSON: `{"id", "edit", "saved"}`, or the errors that
/// keep it from being saved yet. It never publishes: a published post is
/// not autosaved (its readers would see half-written changes), and a form
/// set to "Published" is kept at its stored status (a new one as a draft).
async fn autosave(
    state: &AppState,
    me: &CurrentUser,
    post: Option<&PostView>,
    mut form: PostForm,
) -> Result<Response, AppError> {
    let published = || {
        let refused = ApiError::new(
            StatusCode::CONFLICT,
            "not saved: a published post is saved by Update only",
        );
        Ok(refused.into_response())
    };
    if post.is_some_and(|p| p.card.status == PostStatus::Published) {
        return published();
    }
    // The status stays as stored (a new post is a draft): only the buttons
    // submit a post for review or publish it.
    form.status = post.map_or("draft", |p| p.card.status.as_str()).to_owned();
    let not_yet = |errors: FieldErrors| {
        Ok(ApiError::fields(INVALID, "not saved yet", errors).into_response())
    };
    let (data, cover) = match read(state, me, &form).await? {
        Ok(read) => read,
        Err(errors) => return not_yet(errors),
    };
    // Published by someone else since this page was loaded: left alone.
    if let Some(p) = post {
        let now = state.site.store.post_card(p.card.id).await?;
        if now.is_some_and(|c| c.status == PostStatus::Published) {
            return published();
        }
    }
    match posts::save(&state.site, &data, cover, &me.user, save_mode(post)).await {
        Ok(id) => {
            let now = time::OffsetDateTime::from_unix_timestamp(state.site.now())
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
            let saved = format!("{:02}:{:02} UTC", now.hour(), now.minute());
            let body = serde_json::json!({ "id": id, "edit": format!("/admin/posts/{id}"), "saved": saved });
            Ok(axum::Json(body).into_response())
        }
        Err(e) => not_yet(refused(e)?),
    }
}

/// The whole post as readers will see it, from the unsaved form: the page
/// "Preview" opens in a new tab. Nothing is stored, so a published post's
/// changes are seen before anyone else sees them.
async fn whole_preview(state: &AppState, post: PostView) -> Result<Response, AppError> {
    let parts = render::body_parts(state, &post.body).await?;
    let template = match post.card.kind {
        PostKind::Pick => "pick.html",
        _ => "post.html",
    };
    let ctx = context! { post, parts, preview => "unsaved" };
    let html = crate::public::render_page(state, template, ctx).await?;
    Ok(([(header::CACHE_CONTROL, "private, no-store")], Html(html)).into_response())
}

#[cfg(test)]
mod tests {
    use super::anchor;

    #[test]
    fn errors_link_to_their_inputs() {
        for (field, id) in [
            ("scores[1].value", "f-scores-1-value"),
            ("work.cast[0].name", "f-cast-0-name"),
            ("work.cast", "f-cast"),
            ("critics", "f-critics"),
            ("work.year", "f-work_year"),
            ("work.directors[1]", "f-work_directors"),
            ("tags[2]", "f-tags"),
            ("title", "f-title"),
        ] {
            assert_eq!(anchor(field), id, "{field}");
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
struct RatingsForm {
    /// reset, hide or show.
    op: String,
}

/// Resets a pick's readers' ratings, hides them or shows them again.
async fn set_ratings(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<RatingsForm>,
) -> Result<Response, AppError> {
    bestpick_app::ratings::manage(&state.site, &me.user, id, &form.op).await?;
    Ok(Redirect::to("/admin/posts?saved=1").into_response())
}

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
