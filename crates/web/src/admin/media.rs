//! Image uploads with alt text, caption and credit.

use super::{admin_page, error_map, INVALID};
use crate::auth::{self, CurrentUser};
use crate::error::AppError;
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use bestpick_app::media::{self, PhotoText, MAX_UPLOAD_BYTES};
use bestpick_core::FieldErrors;
use minijinja::context;

pub fn router() -> Routes {
    Routes::new()
        .get("/admin/media", list)
        .post("/admin/media", upload)
}

async fn list(State(state): State<AppState>, me: CurrentUser) -> Result<Response, AppError> {
    show(
        &state,
        &me,
        &Upload::default(),
        &FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn show(
    state: &AppState,
    me: &CurrentUser,
    form: &Upload,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let media = state.site.store.media_list(200).await?;
    let ctx = context! {
        media, form, errors => error_map(errors),
        max_mb => MAX_UPLOAD_BYTES / (1024 * 1024),
    };
    admin_page(state, me, status, "admin/media.html", ctx).await
}

#[derive(Default, serde::Serialize)]
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
    multipart: Multipart,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let form = read_upload(multipart, &mut errors).await;
    let expected = auth::expected_csrf(&state, &jar).await?;
    auth::check_csrf(expected.as_deref(), form.csrf.as_deref())?;
    let Some((name, bytes)) = form.file.as_ref().filter(|_| errors.is_empty()) else {
        if errors.is_empty() {
            errors.push("file", "choose an image to upload");
        }
        return show(&state, &me, &form, &errors, INVALID).await;
    };
    let text = PhotoText {
        alt: form.alt.clone(),
        caption: Some(form.caption.clone()).filter(|c| !c.is_empty()),
        credit: Some(form.credit.clone()).filter(|c| !c.is_empty()),
    };
    let stored = media::upload(&state.site, "file", name.clone(), bytes.clone(), text).await?;
    match stored {
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
            show(&state, &me, &form, &errors, INVALID).await
        }
    }
}
