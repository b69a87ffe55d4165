//! The inboxes (the shared one, the site's and each author's): the
//! request handed to `bestpick_app::federation::inbox` as it arrived, and
//! its answer as a status the sending server understands.

use crate::client::ClientIp;
use crate::origin;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bestpick_app::federation::inbox::{self, InboxError, Received};

pub async fn post(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = inbox::admit(&state.federator, ip, state.site.now()) {
        return refusal(e);
    }
    match bestpick_app::federation::enabled(&state.site).await {
        Ok(true) => {}
        Ok(false) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return crate::error::AppError::from(e).into_response(),
    }
    let origin = origin::current();
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let Ok(target) = url::Url::parse(&origin.join(path)) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let received = Received {
        target_uri: &target,
        headers: &headers,
        body: &body,
        ip,
    };
    match inbox::receive(&state.site, &state.federator, &origin, received).await {
        Ok(outcome) => {
            tracing::info!(
                actor = outcome.actor,
                signature = outcome.scheme.name(),
                "inbox: {}",
                outcome.done
            );
            StatusCode::ACCEPTED.into_response()
        }
        Err(e) => refusal(e),
    }
}

/// A refusal as the sending server reads it: its status and why.
fn refusal(e: InboxError) -> Response {
    let status = match &e {
        InboxError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
        InboxError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        InboxError::Blocked => StatusCode::FORBIDDEN,
        InboxError::Invalid(_) => StatusCode::BAD_REQUEST,
        InboxError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        InboxError::Other(e) => {
            return crate::error::AppError::from(anyhow::anyhow!("inbox: {e:#}")).into_response()
        }
    };
    // A flood is not worth a line of the log per request.
    match status {
        StatusCode::TOO_MANY_REQUESTS => tracing::debug!("inbox: refused ({status}): {e}"),
        _ => tracing::info!("inbox: refused ({status}): {e}"),
    }
    let mut response = (status, e.to_string()).into_response();
    if matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
    ) {
        response
            .headers_mut()
            .insert("retry-after", axum::http::HeaderValue::from_static("60"));
    }
    response
}
