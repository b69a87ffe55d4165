//! The image library: uploads with alt text, caption and credit; search,
//! pages, and deleting an image nothing uses. An upload asked for with
//! `Accept: application/json` (the editor's drag and drop) answers JSON.

use super::{admin_page, error_map, Empty, INVALID};
use crate::api::ApiError;
use crate::auth::CsrfForm;
use crate::auth::{self, CurrentUser};
use crate::error::AppError;
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use axum_extra::extract::CookieJar;
use bestpick_app::media::{self, PhotoText, MAX_UPLOAD_BYTES};
use bestpick_core::FieldErrors;
use bestpick_store::MediaQuery;
use minijinja::context;
use serde::{Deserialize, Serialize};

pub fn router() -> Routes {
    Routes::new()
        .get("/admin/media", list)
        .post("/admin/media", upload)
        .post("/admin/media/{id}/delete", delete)
}

/// Images on one page of the library.
const PAGE: i64 = 48;

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct ListQuery {
    q: String,
    /// The next page: images older than this id.
    before: Option<i64>,
    deleted: String,
}

async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let shown = Shown {
        notice: (!q.deleted.is_empty()).then(|| "Deleted.".to_owned()),
        ..Shown::default()
    };
    show(&state, &me, &q, shown, StatusCode::OK).await
}

/// What the library page shows besides the images: the upload form as
/// typed, its errors, and a notice or a refusal.
#[derive(Default)]
struct Shown {
    form: Upload,
    errors: FieldErrors,
    notice: Option<String>,
    refusal: Option<String>,
}

async fn show(
    state: &AppState,
    me: &CurrentUser,
    q: &ListQuery,
    shown: Shown,
    status: StatusCode,
) -> Result<Response, AppError> {
    let query = MediaQuery {
        text: q.q.chars().take(200).collect(),
        before: q.before,
        limit: PAGE + 1,
    };
    let mut media = state.site.store.media_search(&query).await?;
    let more = media.len() > PAGE as usize;
    media.truncate(PAGE as usize);
    let next = more.then(|| media.last().map(|m| m.id)).flatten();
    let ctx = context! {
        media, next, query => q, form => shown.form, errors => error_map(&shown.errors),
        notice => shown.notice, refusal => shown.refusal,
        can_delete => me.user.role.can_delete_media(),
        max_mb => MAX_UPLOAD_BYTES / (1024 * 1024),
    };
    admin_page(state, me, status, "admin/media.html", ctx).await
}

/// Deletes an image nothing uses; one in use stays, and the page says where.
async fn delete(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    match media::delete(&state.site, &me.user, id).await? {
        Ok(()) => Ok(Redirect::to("/admin/media?deleted=1").into_response()),
        Err(uses) => {
            let name = match state.site.store.media(id).await? {
                Some(m) => format!("“{}”", m.alt),
                None => "The image".into(),
            };
            let shown = Shown {
                refusal: Some(format!(
                    "{name} was not deleted: it is used as {}. Choose another image there first.",
                    uses.words()
                )),
                ..Shown::default()
            };
            show(
                &state,
                &me,
                &ListQuery::default(),
                shown,
                StatusCode::CONFLICT,
            )
            .await
        }
    }
}

/// Whether the request asks for JSON (the editor's upload by script).
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

#[derive(Default, Serialize)]
struct Upload {
    alt: String,
    caption: String,
    credit: String,
    #[serde(skip)]
    csrf: Option<String>,
    #[serde(skip)]
    file: Option<(String, Vec<u8>)>,
}

/// Reads the multipart form; a body over the size limit becomes an error on
/// the file field rather than a bare 413.
async fn read_upload(mut multipart: Multipart, errors: &mut FieldErrors) -> Upload {
    let mut form = Upload::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                errors.push("file", too_large_or(e.status().as_u16(), e.body_text()));
                break;
            }
        };
        let name = field.name().unwrap_or("").to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => {
                errors.push("file", too_large_or(e.status().as_u16(), e.body_text()));
                break;
            }
        };
        let text = || String::from_utf8_lossy(&bytes).trim().to_owned();
        match name.as_str() {
            "alt" => form.alt = text(),
            "caption" => form.caption = text(),
            "credit" => form.credit = text(),
            "csrf" => form.csrf = Some(text()),
            "file" if !bytes.is_empty() => {
                form.file = Some((file_name.unwrap_or_else(|| "upload".into()), bytes.to_vec()))
            }
            _ => {}
        }
    }
    form
}

fn too_large_or(status: u16, text: String) -> String {
    if status == 413 {
        format!(
            "is larger than the upload limit of {} MB",
            MAX_UPLOAD_BYTES / (1024 * 1024)
        )
    } else {
        format!("could not be read: {text}")
    }
}

async fn upload(
    State(state): State<AppState>,
    me: CurrentUser,
    jar: CookieJar,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let json = wants_json(&headers);
    let mut errors = FieldErrors::default();
    let mut form = read_upload(multipart, &mut errors).await;
    let expected = auth::expected_csrf(&state, &jar).await?;
    auth::check_csrf(expected.as_deref(), form.csrf.as_deref())?;
    let refused = |form: Upload, errors: FieldErrors| async {
        if json {
            let refused = ApiError::fields(INVALID, "the image was not uploaded", errors);
            return Ok(refused.into_response());
        }
        let shown = Shown {
            form,
            errors,
            ..Shown::default()
        };
        show(&state, &me, &ListQuery::default(), shown, INVALID).await
    };
    let Some((name, bytes)) = form.file.take().filter(|_| errors.is_empty()) else {
        if errors.is_empty() {
            errors.push("file", "choose an image to upload");
        }
        return refused(form, errors).await;
    };
    let text = PhotoText {
        alt: form.alt.clone(),
        caption: Some(form.caption.clone()).filter(|c| !c.is_empty()),
        credit: Some(form.credit.clone()).filter(|c| !c.is_empty()),
    };
    match media::upload(&state.site, "file", name, bytes, text).await? {
        Ok(m) if json => Ok((StatusCode::CREATED, Json(m)).into_response()),
        Ok(_) => Ok(Redirect::to("/admin/media").into_response()),
        Err(errors) => {
            // The image's own rules name "file.alt"; the form's field is "alt".
            let errors = FieldErrors(
                errors
                    .0
                    .into_iter()
                    .map(|mut e| {
                        if let Some(f) = e.field.strip_prefix("file.") {
                            e.field = f.to_owned();
                        }
                        e
                    })
                    .collect(),
            );
            refused(form, errors).await
        }
    }
}
