//! `AppError`, the one error type of the HTML side. It turns into a status
//! and a safe message; the `themed_errors` layer then renders the theme's
//! error page around it. Causes are logged, never shown.

use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use bestpick_app::accounts::{AccountError, LoginError};
use bestpick_app::OpError;
use bestpick_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("gone")]
    Gone,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed but not acceptable input (422).
    #[error("{0}")]
    Invalid(String),
    #[error("too many attempts")]
    TooManyRequests { retry_after_secs: u64 },
    /// The server is at a bound it keeps (password hashes at once).
    #[error("busy")]
    Busy,
    /// The database cannot be reached: try again in a few seconds.
    #[error("the database cannot be reached")]
    Unavailable,
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        if StoreError::is_unavailable(e.as_ref()) {
            tracing::warn!("{e:#}");
            AppError::Unavailable
        } else {
            AppError::Internal(e)
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => AppError::NotFound,
            // Bad input that no form shows beside its field.
            StoreError::Invalid(_) | StoreError::Conflict(_) => AppError::Invalid(e.to_string()),
            StoreError::Refused { .. } => {
                AppError::Invalid(bestpick_app::refusals::worded(e, |_, _, _| None).to_string())
            }
            e => anyhow::Error::new(e).into(),
        }
    }
}

impl From<OpError> for AppError {
    fn from(e: OpError) -> Self {
        match e {
            OpError::Forbidden { .. } => AppError::Forbidden(e.to_string()),
            OpError::NotFound(_) => AppError::NotFound,
            OpError::Store(e) => e.into(),
            OpError::Other(e) => e.into(),
        }
    }
}

impl From<AccountError> for AppError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Invalid(f) => AppError::BadRequest(f.to_string()),
            AccountError::Busy(_) => AppError::Busy,
            AccountError::Store(e) => e.into(),
            AccountError::Other(e) => AppError::Internal(e),
        }
    }
}

impl From<LoginError> for AppError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::Busy(_) => AppError::Busy,
            LoginError::Store(e) => e.into(),
        }
    }
}

impl From<minijinja::Error> for AppError {
    fn from(e: minijinja::Error) -> Self {
        AppError::Internal(anyhow::Error::new(e).context("a template failed"))
    }
}

/// Marks a response whose body the `themed_errors` layer should render.
#[derive(Clone, Debug)]
pub struct ErrorPage {
    pub title: &'static str,
    pub message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is no page at this address. It may have moved, or the link may be mistyped."
                    .to_owned(),
            ),
            AppError::Gone => (
                StatusCode::GONE,
                "This page was removed",
                "What was published here has been taken down for good.".to_owned(),
            ),
            AppError::Forbidden(m) => (StatusCode::FORBIDDEN, "Not allowed", m.clone()),
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, "Bad request", m.clone()),
            AppError::Invalid(m) => (StatusCode::UNPROCESSABLE_ENTITY, "Not accepted", m.clone()),
            AppError::TooManyRequests { retry_after_secs } => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                format!(
                    "Too many failed logins. Try again in {}.",
                    match retry_after_secs {
                        1 => "a second".to_owned(),
                        s @ ..=90 => format!("{s} seconds"),
                        s => format!("{} minutes", s.div_ceil(60)),
                    }
                ),
            ),
            AppError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Busy",
                "The site is checking many logins at once. Try again in a moment.".to_owned(),
            ),
            AppError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Back in a moment",
                "The site cannot reach its database right now. Try again in a few seconds."
                    .to_owned(),
            ),
            AppError::Internal(e) => {
                tracing::error!("{e:#}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The site could not answer this request. The error has been logged.".to_owned(),
                )
            }
        };
        let mut response = (status, message.clone()).into_response();
        match self {
            AppError::TooManyRequests { retry_after_secs } => {
                response
                    .headers_mut()
                    .insert("retry-after", retry_after_secs.into());
            }
            AppError::Busy => {
                response.headers_mut().insert("retry-after", 1.into());
            }
            AppError::Unavailable => {
                response.headers_mut().insert("retry-after", 5.into());
            }
            _ => {}
        }
        response
            .extensions_mut()
            .insert(ErrorPage { title, message });
        response
    }
}

/// Renders the theme's error page for responses that carry an [`ErrorPage`].
pub async fn themed_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let Some(page) = response.extensions().get::<ErrorPage>().cloned() else {
        return response;
    };
    let status = response.status();
    // With the database out of reach, asking it for the site's name would
    // only make the reader wait as long again.
    let site = match status {
        StatusCode::SERVICE_UNAVAILABLE => None,
        _ => crate::public::site_context(&state).await.ok(),
    };
    let ctx = minijinja::context! {
        site => site,
        status => status.as_u16(),
        title => page.title,
        message => page.message,
    };
    match state.templates.render("error.html", ctx) {
        Ok(html) => {
            let (mut parts, _) = response.into_parts();
            parts.headers.remove(axum::http::header::CONTENT_TYPE);
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            (parts, Html(html)).into_response()
        }
        Err(e) => {
            tracing::error!("the error page failed to render: {e:#}");
            response
        }
    }
}
