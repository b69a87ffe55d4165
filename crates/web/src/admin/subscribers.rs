//! The newsletter's subscribers and how mail is going: admins only, as
//! the list holds readers' addresses. Exported as CSV.

use super::admin_page;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::context;

pub fn router() -> Routes {
    Routes::new()
        .get("/admin/subscribers", list)
        .get("/admin/subscribers.csv", export)
}

fn allowed(me: &CurrentUser) -> Result<(), AppError> {
    me.require(
        me.user.role.can_see_subscribers(),
        "see the newsletter's subscribers",
    )
}

async fn list(State(state): State<AppState>, me: CurrentUser) -> Result<Response, AppError> {
    allowed(&me)?;
    let store = &state.site.store;
    let subscribers = store.subscribers().await?;
    let confirmed = subscribers
        .iter()
        .filter(|s| s.status == "confirmed")
        .count();
    let mail = store.mail_counts().await?;
    let ctx = context! {
        subscribers, confirmed, mail, mail_on => state.options.mail.is_some(),
    };
    admin_page(&state, &me, StatusCode::OK, "admin/subscribers.html", ctx).await
}

/// Every subscriber as CSV: address, status, and when (UTC, RFC 3339).
async fn export(State(state): State<AppState>, me: CurrentUser) -> Result<Response, AppError> {
    allowed(&me)?;
    let subscribers = state.site.store.subscribers().await?;
    let when = |t: Option<i64>| {
        t.and_then(bestpick_core::format::unix_rfc3339)
            .unwrap_or_default()
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    let row = |out: &mut csv::Writer<Vec<u8>>, cells: [&str; 5]| {
        out.write_record(cells)
            .map_err(|e| AppError::Internal(e.into()))
    };
    row(
        &mut out,
        [
            "email",
            "status",
            "subscribed_at",
            "confirmed_at",
            "unsubscribed_at",
        ],
    )?;
    for s in &subscribers {
        row(
            &mut out,
            [
                &spreadsheet_safe(&s.email),
                &s.status,
                &when(Some(s.created_at)),
                &when(s.confirmed_at),
                &when(s.unsubscribed_at),
            ],
        )?;
    }
    let body = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"subscribers.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// A cell a spreadsheet opens as text: one starting with `=`, `+`, `-` or
/// `@` would be read as a formula (an address may start with any of them).
fn spreadsheet_safe(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn no_cell_is_read_as_a_formula() {
        assert_eq!(super::spreadsheet_safe("=1+2@x.example"), "'=1+2@x.example");
        assert_eq!(
            super::spreadsheet_safe("ann@example.com"),
            "ann@example.com"
        );
    }
}
