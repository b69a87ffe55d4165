//! `/admin/comments`: the moderation queue (pending, published, spam,
//! trash) with bulk actions and keyboard shortcuts, the 30-day chart,
//! blocking, the comment settings, and a commenter's export and erasure.
//! Authors see and moderate comments on their own posts; editors and admins
//! on all.

use super::{admin_page, error_map, INVALID};
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use bestpick_app::comment_settings::{CommentSettings, SaveSettingsError, SETTINGS};
use bestpick_app::moderation::{self, Action, BlockKind, ModerationError};
use bestpick_core::comment::CommentStatus;
use bestpick_core::FieldErrors;
use bestpick_store::{DayCount, History, ModerationRecord, QueueFilter};
use minijinja::context;
use serde::{Deserialize, Serialize};

const PAGE_SIZE: i64 = 20;

pub fn router() -> Routes {
    Routes::new()
        .get("/admin/comments", queue)
        .post("/admin/comments", act)
        .post("/admin/comments/undo", undo)
        .post("/admin/comments/{id}/block", block)
        .get("/admin/comments/settings", settings)
        .post("/admin/comments/settings", save_settings)
        .post("/admin/comments/blocklist", edit_blocklist)
        .get("/admin/comments/privacy", privacy)
        .post("/admin/comments/privacy", privacy_action)
}

#[derive(Debug, Deserialize)]
struct QueueQuery {
    status: Option<String>,
    page: Option<i64>,
    /// What the last action did, after its redirect.
    done: Option<String>,
    /// The press that did it, for its Undo.
    undo: Option<String>,
    /// "borderline": the spam folder's least certain cases first.
    review: Option<String>,
}

/// The spam folder's borderline scores: spam by the filter, but not by
/// much: from the spam threshold (0.95 by default) to `BORDERLINE_TO`.
const BORDERLINE_TO: f64 = 0.99;

/// The borderline band for a spam threshold: up to 0.99, or for a threshold
/// set above it, its lower half.
fn borderline(spam_at: f64) -> (f64, f64) {
    let to = if spam_at < BORDERLINE_TO {
        BORDERLINE_TO
    } else {
        spam_at + (1.0 - spam_at) / 2.0
    };
    (spam_at, to)
}

#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    item: bestpick_store::QueuedComment,
    history: History,
    /// What moderators did to it, oldest first.
    actions: Vec<ModerationRecord>,
}

async fn queue(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let status = match q.status.as_deref() {
        None | Some("") => CommentStatus::Pending,
        Some(s) => CommentStatus::parse(s).ok_or_else(|| {
            AppError::BadRequest(format!("'{s}' is not pending, published, spam or trash."))
        })?,
    };
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let store = &state.site.store;
    let author_id = (!me.user.role.can_moderate_all_comments()).then_some(me.user.id);
    let settings = bestpick_app::comment_settings::CommentSettings::load(&state.site).await?;
    let band = borderline(f64::from(settings.thresholds.spam));
    let (items, total) = store
        .comment_queue(&QueueFilter {
            status,
            author_id,
            limit: PAGE_SIZE,
            offset: (page - 1) * PAGE_SIZE,
            first_scored: (status == CommentStatus::Spam
                && q.review.as_deref() == Some("borderline"))
            .then_some(band),
        })
        .await?;
    let emails: Vec<&str> = items.iter().map(|i| i.email.as_str()).collect();
    let histories = store.commenter_histories(&emails).await?;
    let ids: Vec<i64> = items.iter().map(|i| i.comment.id).collect();
    let mut actions = store.moderation_history(&ids).await?;
    let rows: Vec<Row> = items
        .into_iter()
        .map(|item| Row {
            history: histories.get(&item.email).copied().unwrap_or_default(),
            actions: actions.remove(&item.comment.id).unwrap_or_default(),
            item,
        })
        .collect();
    let counts = store.comment_counts(author_id).await?;
    let days = store.comments_per_day(30).await?;
    let chart = chart_svg(&days);
    let pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    let ctx = context! {
        status => status.as_str(), rows, total, page, pages, counts, chart, done => q.done,
        undo => q.undo.filter(|b| is_batch(b)),
        review => q.review, borderline => band,
        learnt => state.site.spam.decisions_learnt(),
    };
    admin_page(&state, &me, StatusCode::OK, "admin/comments.html", ctx).await
}

#[derive(Debug, Deserialize)]
struct ActionForm {
    #[serde(default)]
    ids: Vec<i64>,
    action: String,
    #[serde(default)]
    status: String,
    /// The folder's order to come back to ("borderline").
    #[serde(default)]
    review: String,
}

async fn act(
    State(state): State<AppState>,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<ActionForm>,
) -> Result<Response, AppError> {
    let action = Action::parse(&f.action).ok_or_else(|| {
        AppError::BadRequest(format!("'{}' is not a moderation action.", f.action))
    })?;
    if f.ids.is_empty() {
        return Err(AppError::BadRequest(
            "Select at least one comment first.".into(),
        ));
    }
    let seen_in = CommentStatus::parse(&f.status);
    let done = moderation::moderate(&state.site, &me.user, &f.ids, action, seen_in).await?;
    let n = done.changed;
    let said = format!("{} {n} comment{}", past(action), plural(n));
    let order = order(&f.review);
    if n == 0 {
        return Ok(back_to_queue(&f.status, &said, order));
    }
    Ok(back_to_queue(
        &f.status,
        &said,
        &format!("{order}&undo={}", done.batch),
    ))
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The folder's order as a query string part: `&review=...` or empty.
fn order(review: &str) -> &'static str {
    match review {
        "borderline" => "&review=borderline",
        _ => "",
    }
}

/// A press's name as the store makes it: 16 hex digits.
fn is_batch(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[derive(Debug, Deserialize)]
struct UndoForm {
    batch: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    review: String,
}

/// The notice's Undo: the last press taken back.
async fn undo(
    State(state): State<AppState>,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<UndoForm>,
) -> Result<Response, AppError> {
    let undone = moderation::undo(&state.site, &me.user, &f.batch).await?;
    let mut said = format!(
        "Undone: {} comment{} put back",
        undone.restored,
        plural(undone.restored)
    );
    match undone.kept {
        0 => {}
        1 => said.push_str("; 1 was moved again since and stays where it is"),
        n => said.push_str(&format!(
            "; {n} were moved again since and stay where they are"
        )),
    }
    Ok(back_to_queue(&f.status, &said, order(&f.review)))
}

/// Back to the folder the moderator acted in (in the order it was shown:
/// `order` is `&review=...` or empty), saying what was done.
fn back_to_queue(status: &str, done: &str, order: &str) -> Response {
    let back = CommentStatus::parse(status).unwrap_or(CommentStatus::Pending);
    Redirect::to(&format!(
        "/admin/comments?status={}{order}&done={}",
        back.as_str(),
        crate::auth::urlencode(done)
    ))
    .into_response()
}

fn past(action: Action) -> &'static str {
    match action {
        Action::Approve => "Approved",
        Action::Spam => "Marked as spam",
        Action::Trash => "Moved to the trash",
        Action::Restore => "Restored",
        Action::Delete => "Deleted",
    }
}

impl From<ModerationError> for AppError {
    fn from(e: ModerationError) -> Self {
        match e {
            ModerationError::Forbidden => AppError::Forbidden(e.to_string()),
            ModerationError::NotFound => AppError::NotFound,
            ModerationError::Invalid(m) => AppError::BadRequest(m),
            ModerationError::Other(e) => e.into(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct BlockForm {
    kind: String,
    #[serde(default)]
    status: String,
}

async fn block(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<BlockForm>,
) -> Result<Response, AppError> {
    let kind = BlockKind::parse(&f.kind)
        .ok_or_else(|| AppError::BadRequest(format!("'{}' is not email, ip or domain.", f.kind)))?;
    let what = moderation::block_from_comment(&state.site, &me.user, id, kind).await?;
    Ok(back_to_queue(
        &f.status,
        &format!("Blocked {what}: new comments from it go to spam"),
        "",
    ))
}

/// Settings, blocklist and privacy are the site's, not a post's.
fn site_wide(me: &CurrentUser) -> Result<(), AppError> {
    me.require(
        me.user.role.can_moderate_all_comments(),
        "change comment settings",
    )
}

async fn settings(State(state): State<AppState>, me: CurrentUser) -> Result<Response, AppError> {
    site_wide(&me)?;
    let values = CommentSettings::values(&state.site).await?;
    show_settings(
        &state,
        &me,
        values,
        &FieldErrors::default(),
        false,
        StatusCode::OK,
    )
    .await
}

async fn show_settings(
    state: &AppState,
    me: &CurrentUser,
    values: Vec<(String, String)>,
    errors: &FieldErrors,
    saved: bool,
    status: StatusCode,
) -> Result<Response, AppError> {
    let fields: Vec<_> = SETTINGS
        .iter()
        .map(|s| {
            let value = values.iter().find(|(k, _)| k == s.key).map(|(_, v)| v.clone()).unwrap_or_default();
            context! { key => s.key, label => s.label, value, min => s.min, max => s.max, default => s.default }
        })
        .collect();
    let blocklist = state.site.store.blocklist().await?;
    let ctx = context! { fields, errors => error_map(errors), saved, blocklist };
    admin_page(state, me, status, "admin/comment_settings.html", ctx).await
}

async fn save_settings(
    State(state): State<AppState>,
    me: CurrentUser,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    site_wide(&me)?;
    let values: Vec<(String, String)> = form.into_iter().filter(|(k, _)| k != "csrf").collect();
    match CommentSettings::save(&state.site, &values).await {
        Ok(()) => {
            let values = CommentSettings::values(&state.site).await?;
            show_settings(
                &state,
                &me,
                values,
                &FieldErrors::default(),
                true,
                StatusCode::OK,
            )
            .await
        }
        Err(SaveSettingsError::Invalid(errors)) => {
            show_settings(&state, &me, values, &errors, false, INVALID).await
        }
        Err(SaveSettingsError::Other(e)) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
struct BlocklistForm {
    kind: String,
    value: String,
    /// "add" or "remove".
    op: String,
}

async fn edit_blocklist(
    State(state): State<AppState>,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<BlocklistForm>,
) -> Result<Response, AppError> {
    site_wide(&me)?;
    if f.op == "remove" {
        moderation::remove_block(&state.site, &me.user, &f.kind, &f.value).await?;
    } else if let Err(e) = moderation::add_block(&state.site, &me.user, &f.kind, &f.value).await {
        let values = CommentSettings::values(&state.site).await?;
        let mut errors = FieldErrors::default();
        errors.push("blocklist", e.to_string());
        return show_settings(&state, &me, values, &errors, false, INVALID).await;
    }
    Ok(Redirect::to("/admin/comments/settings#blocklist").into_response())
}

#[derive(Debug, Deserialize, Default)]
struct PrivacyForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    op: String,
}

async fn privacy(State(state): State<AppState>, me: CurrentUser) -> Result<Response, AppError> {
    site_wide(&me)?;
    admin_page(
        &state,
        &me,
        StatusCode::OK,
        "admin/comment_privacy.html",
        context! { email => "", done => None::<String> },
    )
    .await
}

/// Export answers a JSON download; erase deletes and says how much.
async fn privacy_action(
    State(state): State<AppState>,
    me: CurrentUser,
    CsrfForm(f): CsrfForm<PrivacyForm>,
) -> Result<Response, AppError> {
    site_wide(&me)?;
    let email = f.email.trim().to_lowercase();
    if !email.contains('@') {
        let ctx = context! { email, error => "Give the commenter's email address, such as reader@example.com." };
        return admin_page(&state, &me, INVALID, "admin/comment_privacy.html", ctx).await;
    }
    match f.op.as_str() {
        "export" => {
            let data = moderation::export_commenter(&state.site, &email).await?;
            let body = serde_json::to_string_pretty(&data).map_err(anyhow::Error::from)?;
            Ok((
                [
                    (header::CONTENT_TYPE, "application/json".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"comments.json\"".to_owned(),
                    ),
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                ],
                body,
            )
                .into_response())
        }
        "erase" => {
            let n = moderation::erase_commenter(&state.site, &email).await?;
            let done = format!(
                "Erased {n} comment{} written with {email}.",
                if n == 1 { "" } else { "s" }
            );
            admin_page(
                &state,
                &me,
                StatusCode::OK,
                "admin/comment_privacy.html",
                context! { email => "", done },
            )
            .await
        }
        other => Err(AppError::BadRequest(format!(
            "'{other}' is not export or erase."
        ))),
    }
}

/// Comments (bar) and spam (its red part) per day over 30 days, as inline
/// SVG: no script, no external service.
fn chart_svg(days: &[DayCount]) -> String {
    // Bars of W units on a plot H high, after an axis of AXIS units; each
    // day's count above its bar, a legend below.
    const W: usize = 16;
    const H: f64 = 80.0;
    const AXIS: usize = 24;
    const TOP: f64 = 12.0;
    let max = days.iter().map(|d| d.comments).max().unwrap_or(0).max(1);
    let width = AXIS + days.len() * W;
    let height = TOP + H + 34.0;
    let y = |count: f64| TOP + H - count / max as f64 * H;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{}\" role=\"img\" aria-labelledby=\"chart-title\"><title id=\"chart-title\">Comments per day over the last {} days, spam in red: {} comments, {} of them spam</title>",
        width * 2,
        days.len(),
        days.iter().map(|d| d.comments).sum::<i64>(),
        days.iter().map(|d| d.spam).sum::<i64>(),
    );
    // The axis: 0, half and the most in a day, with grid lines.
    let mut ticks = vec![0, max / 2, max];
    ticks.dedup();
    for tick in ticks {
        let ty = y(tick as f64);
        svg.push_str(&format!(
            "<line x1=\"{AXIS}\" x2=\"{width}\" y1=\"{ty:.1}\" y2=\"{ty:.1}\" class=\"grid\"/><text x=\"{}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">{tick}</text>",
            AXIS - 4,
            ty + 3.0
        ));
    }
    for (i, d) in days.iter().enumerate() {
        let x = AXIS + i * W + 2;
        let (all, spam) = (d.comments as f64, d.spam as f64);
        svg.push_str(&format!(
            "<g><title>{} day{} ago: {} comments, {} spam</title><rect x=\"{x}\" y=\"{:.1}\" width=\"{}\" height=\"{:.1}\" class=\"bar-all\"/><rect x=\"{x}\" y=\"{:.1}\" width=\"{}\" height=\"{:.1}\" class=\"bar-spam\"/>",
            d.days_ago,
            if d.days_ago == 1 { "" } else { "s" },
            d.comments,
            d.spam,
            y(all),
            W - 4,
            TOP + H - y(all),
            y(spam),
            W - 4,
            TOP + H - y(spam),
        ));
        if d.comments > 0 {
            svg.push_str(&format!(
                "<text x=\"{}\" y=\"{:.1}\" class=\"count\" text-anchor=\"middle\">{}</text>",
                x + (W - 4) / 2,
                y(all) - 2.0,
                d.comments
            ));
        }
        svg.push_str("</g>");
    }
    let below = TOP + H + 11.0;
    svg.push_str(&format!(
        "<text x=\"{AXIS}\" y=\"{below}\" class=\"tick\">{} days ago</text><text x=\"{width}\" y=\"{below}\" class=\"tick\" text-anchor=\"end\">today</text>",
        days.first().map_or(30, |d| d.days_ago)
    ));
    let legend = below + 16.0;
    svg.push_str(&format!(
        "<rect x=\"{AXIS}\" y=\"{:.1}\" width=\"10\" height=\"10\" class=\"bar-all\"/><text x=\"{}\" y=\"{legend}\" class=\"tick\">comments kept</text><rect x=\"{}\" y=\"{:.1}\" width=\"10\" height=\"10\" class=\"bar-spam\"/><text x=\"{}\" y=\"{legend}\" class=\"tick\">spam</text></svg>",
        legend - 9.0,
        AXIS + 14,
        AXIS + 110,
        legend - 9.0,
        AXIS + 124,
    ));
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_borderline_band_starts_at_the_spam_threshold() {
        assert_eq!(borderline(0.95), (0.95, 0.99));
        assert_eq!(borderline(0.8), (0.8, 0.99));
        assert_eq!(borderline(0.995), (0.995, 0.9975));
    }

    #[test]
    fn the_chart_has_a_bar_per_day() {
        let days: Vec<DayCount> = (0..30)
            .rev()
            .map(|d| DayCount {
                days_ago: d,
                comments: d % 5,
                spam: d % 2,
            })
            .collect();
        let svg = chart_svg(&days);
        assert_eq!(svg.matches("<g>").count(), 30);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        // An axis up to the busiest day, each day's count, a legend.
        assert!(svg.contains("text-anchor=\"end\">4</text>"), "{svg}");
        assert_eq!(svg.matches("class=\"count\"").count(), 24);
        assert!(svg.contains(">comments kept</text>") && svg.contains(">spam</text>"));
    }
}
