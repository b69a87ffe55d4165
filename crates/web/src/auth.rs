//! Who is asking: login sessions and CSRF tokens (the login limit is
//! `bestpick_app::login_limit`).
//!
//! A session is a random token in an HttpOnly, SameSite=Lax cookie (Secure
//! when the request came over https); the database keeps only its hash and
//! the session's CSRF token. Forms shown to a logged-in user carry that
//! token; the login and setup forms, shown before there is a session, use a
//! double-submit cookie instead. [`CsrfForm`] checks both kinds in one place.

use crate::error::AppError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use bestpick_app::{accounts, secrets};
use bestpick_store::User;
use serde::de::DeserializeOwned;

pub const SESSION_COOKIE: &str = "bp_session";
pub const CSRF_COOKIE: &str = "bp_csrf";

/// The logged-in user of an `/admin` request. Extracting it from a request
/// without a live session redirects to the login page.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: User,
    pub csrf: String,
    token_hash: String,
}

impl CurrentUser {
    pub fn require(&self, allowed: bool, what: &str) -> Result<(), AppError> {
        if allowed {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "Your role ({}) does not allow you to {what}.",
                self.user.role.as_str()
            )))
        }
    }
}

/// The session named by the request's cookie, if it is live.
pub async fn current_user(
    state: &AppState,
    jar: &CookieJar,
) -> Result<Option<CurrentUser>, AppError> {
    let Some(token) = jar.get(SESSION_COOKIE) else {
        return Ok(None);
    };
    let token_hash = secrets::token_hash(token.value());
    let Some(session) = state.site.store.session(&token_hash).await? else {
        return Ok(None);
    };
    let user = state.site.store.user(session.user_id).await?;
    Ok(user.map(|user| CurrentUser {
        user,
        csrf: session.csrf_token,
        token_hash,
    }))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        match current_user(state, &jar).await {
            Ok(Some(user)) => {
                // Kept for `CsrfForm`, so one request looks the session up once.
                parts.extensions.insert(user.clone());
                Ok(user)
            }
            Ok(None) => {
                let next = parts.uri.path();
                Err(Redirect::to(&format!("/admin/login?next={}", urlencode(next))).into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

/// Starts a session for `user` and returns the cookie jar that carries it.
pub async fn log_in(
    state: &AppState,
    jar: CookieJar,
    headers: &HeaderMap,
    user: &User,
) -> Result<CookieJar, AppError> {
    let token = accounts::start_session(&state.site, user).await?;
    let cookie = Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(is_https(headers))
        .max_age(time::Duration::days(accounts::SESSION_DAYS));
    Ok(jar.add(cookie))
}

pub async fn log_out(
    state: &AppState,
    jar: CookieJar,
    user: &CurrentUser,
) -> Result<CookieJar, AppError> {
    accounts::end_session(&state.site, &user.token_hash).await?;
    Ok(jar.remove(Cookie::build(SESSION_COOKIE).path("/")))
}

/// The double-submit CSRF token for forms shown before login: the cookie's
/// value, or a new one set on the returned jar.
pub fn anonymous_csrf(jar: CookieJar, headers: &HeaderMap) -> (CookieJar, String) {
    if let Some(c) = jar.get(CSRF_COOKIE) {
        let value = c.value().to_owned();
        return (jar, value);
    }
    let token = secrets::random_token();
    let cookie = Cookie::build((CSRF_COOKIE, token.clone()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(is_https(headers));
    (jar.add(cookie), token)
}

/// Behind a TLS-terminating proxy the request itself is plain http; the
/// proxy says what the browser used.
pub fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

/// A URL-encoded form whose `csrf` field matched the session's token (or,
/// with no session, the CSRF cookie). Fields may repeat (`cast_name=…&cast_name=…`).
pub struct CsrfForm<T>(pub T);

/// [`CsrfForm`] that may also come as `multipart/form-data` with files:
/// the post editor, whose image field uploads without leaving the form.
pub struct CsrfUpload<T> {
    pub fields: T,
    pub files: Vec<FilePart>,
    /// Why a file could not be read (too large): the fields before it
    /// were, and the form can be shown again with them.
    pub file_error: Option<String>,
}

/// A file sent in a multipart form.
pub struct FilePart {
    /// The form field's name.
    pub field: String,
    /// The file's name on the sender's machine.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A form read in full, with its CSRF check's result left to the handler:
/// the comment form, whose page is the same for every reader, asks a
/// reader whose browser did not fill its token in to confirm once more.
pub struct CheckedForm<T> {
    pub fields: T,
    pub csrf: Result<(), AppError>,
    pub files: Vec<FilePart>,
    pub file_error: Option<String>,
}

/// A multipart body read: its text fields URL-encoded, its files, and why
/// the rest could not be read when a file was too large.
struct Multiparts {
    text: Vec<u8>,
    files: Vec<FilePart>,
    file_error: Option<String>,
}

#[derive(serde::Deserialize)]
struct CsrfField {
    csrf: Option<String>,
}

/// Reads a multipart body. A file over the size limit ends the reading
/// with `file_error` set, keeping the fields before it (the editor puts its
/// file input after everything else it needs to show the form again).
async fn read_multipart(req: Request, state: &AppState) -> Result<Multiparts, AppError> {
    let unreadable = |e: &axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            format!(
                "is larger than the upload limit of {} MB",
                bestpick_app::media::MAX_UPLOAD_BYTES / (1024 * 1024)
            )
        } else {
            format!("could not be read: {}", e.body_text())
        }
    };
    let mut multipart = axum::extract::Multipart::from_request(req, state)
        .await
        .map_err(|e| {
            AppError::BadRequest(format!("The form could not be read: {}.", e.body_text()))
        })?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut files = Vec::new();
    let mut file_error = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if !pairs.is_empty() => {
                file_error = Some(unreadable(&e));
                break;
            }
            Err(e) => {
                return Err(AppError::BadRequest(format!(
                    "The form {}.",
                    unreadable(&e)
                )))
            }
        };
        let name = field.name().unwrap_or("").to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => {
                file_error = Some(unreadable(&e));
                break;
            }
        };
        match file_name {
            // A file input left empty sends a part without a name or bytes.
            Some(file) if !bytes.is_empty() => files.push(FilePart {
                field: name,
                name: file,
                bytes: bytes.to_vec(),
            }),
            Some(_) => {}
            None => pairs.push((name, String::from_utf8_lossy(&bytes).into_owned())),
        }
    }
    let text = serde_html_form::to_string(&pairs)
        .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}.")))?;
    Ok(Multiparts {
        text: text.into_bytes(),
        files,
        file_error,
    })
}

impl<T: DeserializeOwned> FromRequest<AppState> for CheckedForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let expected = match req.extensions().get::<CurrentUser>() {
            Some(user) => Some(user.csrf.clone()),
            None => expected_csrf(state, &CookieJar::from_headers(req.headers()))
                .await
                .map_err(IntoResponse::into_response)?,
        };
        let multipart = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let read = if multipart {
            read_multipart(req, state)
                .await
                .map_err(IntoResponse::into_response)?
        } else {
            let bytes = Bytes::from_request(req, state)
                .await
                .map_err(IntoResponse::into_response)?;
            Multiparts {
                text: bytes.to_vec(),
                files: Vec::new(),
                file_error: None,
            }
        };
        let bytes = read.text;
        let sent = serde_html_form::from_bytes::<CsrfField>(&bytes)
            .ok()
            .and_then(|f| f.csrf);
        let fields = serde_html_form::from_bytes(&bytes).map_err(|e| {
            AppError::BadRequest(format!("The form could not be read: {e}.")).into_response()
        })?;
        Ok(CheckedForm {
            fields,
            csrf: check_csrf(expected.as_deref(), sent.as_deref()),
            files: read.files,
            file_error: read.file_error,
        })
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let form = CheckedForm::<T>::from_request(req, state).await?;
        form.csrf.map_err(IntoResponse::into_response)?;
        // Only the editor's form takes a body cut short by a large file.
        if let Some(e) = form.file_error {
            return Err(AppError::BadRequest(format!("The form {e}.")).into_response());
        }
        Ok(CsrfForm(form.fields))
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfUpload<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let form = CheckedForm::<T>::from_request(req, state).await?;
        form.csrf.map_err(IntoResponse::into_response)?;
        Ok(CsrfUpload {
            fields: form.fields,
            files: form.files,
            file_error: form.file_error,
        })
    }
}

/// Whether the browser says the request came from a page of this site:
/// `Sec-Fetch-Site: same-origin`, or an `Origin` whose host is the one
/// asked. A page elsewhere cannot make a browser say either.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return site == "same-origin";
    }
    match (header("origin"), header("host")) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, origin_host)| origin_host.eq_ignore_ascii_case(host)),
        _ => false,
    }
}

/// The token a form must carry for this request's cookies.
pub async fn expected_csrf(state: &AppState, jar: &CookieJar) -> Result<Option<String>, AppError> {
    Ok(match current_user(state, jar).await? {
        Some(user) => Some(user.csrf),
        None => jar.get(CSRF_COOKIE).map(|c| c.value().to_owned()),
    })
}

/// The one CSRF rule: a token was expected, one was sent, and they are equal.
pub fn check_csrf(expected: Option<&str>, sent: Option<&str>) -> Result<(), AppError> {
    match (expected, sent) {
        (Some(e), Some(s)) if !e.is_empty() && secrets::constant_time_eq(e, s) => Ok(()),
        _ => Err(AppError::Forbidden(
            "This form is missing its security token or it has expired (CSRF check failed). \
             Go back, reload the page and send it again."
                .into(),
        )),
    }
}

pub fn urlencode(s: &str) -> String {
    serde_html_form::to_string([("", s)])
        .map(|s| s.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_needs_an_equal_token() {
        assert!(check_csrf(Some("abc"), Some("abc")).is_ok());
        assert!(check_csrf(Some("abc"), Some("abd")).is_err());
        assert!(check_csrf(Some("abc"), None).is_err());
        assert!(check_csrf(None, Some("abc")).is_err());
        assert!(check_csrf(Some(""), Some("")).is_err());
    }
}
