//! Mail readers asked for: a notice when a published reply answers their
//! comment, and the newsletter (double opt-in, a mail when a pick goes
//! live). Mails are rendered from the theme's `mail/*.txt` and `.html`
//! templates into the queue the store keeps, and sent from there by a task
//! that runs while the site is served, with retries, so a mail server that
//! is down delays mail and loses none. Every mail that is not asked for
//! carries a one-click unsubscribe link and the `List-Unsubscribe` headers.

use crate::auth;
use crate::error::AppError;
use crate::origin;
use crate::public::{render_page, site_context, SiteContext};
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::{Form, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use bestpick_app::mail::Mailer;
use bestpick_app::secrets;
use bestpick_core::post::PostKind;
use bestpick_store::{NewMail, PostFilter, ReplyNotice};
use minijinja::{context, Value};
use serde::Deserialize;
use std::time::Duration;

/// How often the queue and what is new to mail are looked at.
const POLL: Duration = Duration::from_secs(2);
/// How long a message taken to send is kept from other senders.
const LEASE_SECS: i64 = 120;

pub fn router() -> Routes {
    Routes::new()
        .get("/mail/unsubscribe", unsubscribe_page)
        .post("/mail/unsubscribe", unsubscribe)
        .post("/newsletter", subscribe)
        .get("/newsletter/confirm", confirm_page)
        .post("/newsletter/confirm", confirm)
}

/// Sends and composes mail for as long as the site is served.
pub async fn run(state: AppState, mailer: Mailer) {
    loop {
        if let Err(e) = round(&state, &mailer).await {
            tracing::warn!("mail: {e:#}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// One look at what is new and what is due. Each part runs whatever
/// became of the others: a mail that cannot be composed (a broken theme
/// override) holds up no other mail.
async fn round(state: &AppState, mailer: &Mailer) -> anyhow::Result<()> {
    let url = origin::of_site(state).await;
    origin::scoped(url, async {
        if let Err(e) = compose_replies(state).await {
            tracing::warn!("mail: composing reply notices: {e:#}");
        }
        if let Err(e) = compose_newsletters(state).await {
            tracing::warn!("mail: composing the newsletter: {e:#}");
        }
        send_due(state, mailer).await
    })
    .await
}

/// Sends what is due, one message at a time, until none is.
async fn send_due(state: &AppState, mailer: &Mailer) -> anyhow::Result<()> {
    let store = &state.site.store;
    while let Some(mail) = store.take_due_mail(LEASE_SECS).await? {
        match mailer.send(&mail).await {
            Ok(()) => store.mail_sent(mail.id).await?,
            Err(e) => {
                tracing::warn!("mail {} not sent (try {}): {e}", mail.id, mail.attempts + 1);
                store.mail_failed(&mail, &e.why, e.permanent).await?;
                // The server is likely down: the rest wait for the next round.
                if !e.permanent {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// The first moment mail is composed for: what came before (replies,
/// posts) is not mailed about when mail is first set up, nor what is
/// older than `window` (mail turned off a while, then on again).
async fn mail_since(state: &AppState, window: i64) -> anyhow::Result<i64> {
    let now = state.site.now();
    let since = state
        .site
        .store
        .setting_or_init("mail.since", || now.to_string())
        .await?;
    Ok(since.parse().unwrap_or(now).max(now - window))
}

/// Replies and posts older than this are not mailed about.
const FRESH: i64 = 2 * 24 * 3600;
/// At most this many reply notices to one address a day: the box is
/// ticked without proof that the address is the commenter's.
const REPLY_NOTICES_A_DAY: i64 = 10;
/// A new confirmation to one address only this long after the last.
const CONFIRM_AGAIN_AFTER: i64 = 6 * 3600;

/// The site as mails show it: read once for all the mails composed together.
async fn mail_site(state: &AppState) -> anyhow::Result<SiteContext> {
    site_context(state)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))
}

/// A mail's plain text and HTML from `mail/NAME.txt` and `.html`.
fn render_mail(
    state: &AppState,
    site: &SiteContext,
    name: &str,
    ctx: Value,
) -> anyhow::Result<(String, String)> {
    let ctx = context! { site => site, ..ctx };
    Ok((
        state
            .templates
            .render(&format!("mail/{name}.txt"), ctx.clone())?,
        state.templates.render(&format!("mail/{name}.html"), ctx)?,
    ))
}

fn token(state: &AppState, what: &str) -> String {
    secrets::sign(&state.site.signing_key, what)[..32].to_owned()
}

fn checks(state: &AppState, what: &str, given: &str) -> bool {
    secrets::constant_time_eq(&token(state, what), given)
}

fn query(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

async fn compose_replies(state: &AppState) -> anyhow::Result<()> {
    let since = mail_since(state, FRESH).await?;
    let store = &state.site.store;
    let day_ago = state.site.now() - 24 * 3600;
    let notices = store.replies_to_mail(since).await?;
    if notices.is_empty() {
        return Ok(());
    }
    let site = mail_site(state).await?;
    for notice in notices {
        let sent = store
            .mail_to_since(&notice.parent_email, "reply", day_ago)
            .await?;
        if sent >= REPLY_NOTICES_A_DAY {
            // Marked as dealt with, not mailed: a flood stops here.
            store
                .queue_mail_once("reply", &[notice.reply_id], &[])
                .await?;
            continue;
        }
        let mail = reply_mail(state, &site, &notice)?;
        store
            .queue_mail_once("reply", &[notice.reply_id], &[mail])
            .await?;
    }
    Ok(())
}

fn reply_mail(
    state: &AppState,
    site: &SiteContext,
    notice: &ReplyNotice,
) -> anyhow::Result<NewMail> {
    let url = origin::current();
    let id = notice.parent_id.to_string();
    let unsubscribe = url.join(&format!(
        "/mail/unsubscribe?{}",
        query(&[
            ("comment", &id),
            ("t", &token(state, &format!("replies.{id}")))
        ])
    ));
    let link = url.join(&format!("{}#comment-{}", notice.post_url, notice.reply_id));
    let ctx = context! {
        // The reply's words stay on the site: whoever ticked the box gave
        // an address nobody confirmed, so the mail carries no one's text.
        notice => context! {
            parent_name => notice.parent_name, reply_name => notice.reply_name,
            post_title => notice.post_title,
        },
        link, unsubscribe => unsubscribe.clone(),
    };
    let (text_body, html_body) = render_mail(state, site, "reply", ctx)?;
    Ok(NewMail {
        kind: "reply",
        recipient: notice.parent_email.clone(),
        subject: format!("A reply to your comment on {}", site.name),
        text_body,
        html_body,
        unsubscribe: Some(unsubscribe),
    })
}

/// The newsletter: a mail to each confirmed subscriber for each pick gone
/// live, or (setting `newsletter` = `weekly`) one a week with the week's picks.
async fn compose_newsletters(state: &AppState) -> anyhow::Result<()> {
    let store = &state.site.store;
    let weekly = store.setting(NEWSLETTER).await?.as_deref() == Some("weekly");
    let since = mail_since(state, if weekly { WEEK + FRESH } else { FRESH }).await?;
    let ids = store.posts_to_mail(since).await?;
    if ids.is_empty() {
        return Ok(());
    }
    let now = state.site.now();
    if weekly {
        let last: i64 = store
            .setting_or_init("mail.last_digest", || now.to_string())
            .await?
            .parse()
            .unwrap_or(now);
        if now - last < WEEK {
            return Ok(());
        }
        store
            .set_setting("mail.last_digest", &now.to_string())
            .await?;
    }
    let readers: Vec<String> = store
        .subscribers()
        .await?
        .into_iter()
        .filter(|s| s.status == "confirmed")
        .map(|s| s.email)
        .collect();
    // Picks are the newsletter; other posts are marked, not mailed.
    let mut picks = Vec::new();
    for id in &ids {
        if let Some(post) = store
            .post(*id)
            .await?
            .filter(|p| p.card.kind == PostKind::Pick)
        {
            picks.push(post);
        }
    }
    let batches: Vec<&[bestpick_store::PostView]> = match weekly {
        true => vec![&picks[..]],
        false => picks.chunks(1).collect(),
    };
    let site = mail_site(state).await?;
    for posts in batches.into_iter().filter(|b| !b.is_empty()) {
        let mails = readers
            .iter()
            .map(|to| newsletter_mail(state, &site, posts, to))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let targets: Vec<i64> = posts.iter().map(|p| p.card.id).collect();
        store.queue_mail_once("post", &targets, &mails).await?;
    }
    let others: Vec<i64> = ids
        .into_iter()
        .filter(|id| !picks.iter().any(|p| p.card.id == *id))
        .collect();
    if !others.is_empty() {
        store.queue_mail_once("post", &others, &[]).await?;
    }
    Ok(())
}

/// The setting: `each` (a mail when a pick is published) or `weekly`.
const NEWSLETTER: &str = bestpick_app::settings::NEWSLETTER;
const WEEK: i64 = 7 * 24 * 3600;

/// The newsletter about `posts` for one reader, with their own way out.
fn newsletter_mail(
    state: &AppState,
    site: &SiteContext,
    posts: &[bestpick_store::PostView],
    to: &str,
) -> anyhow::Result<NewMail> {
    let url = origin::current();
    let unsubscribe = url.join(&format!(
        "/mail/unsubscribe?{}",
        query(&[
            ("email", to),
            ("t", &token(state, &format!("newsletter.{to}")))
        ])
    ));
    let subject = match posts {
        [one] => format!("{} · {}", one.card.title, site.name),
        _ => format!("New on {}", site.name),
    };
    let items: Vec<Value> = posts
        .iter()
        .map(|p| {
            context! {
                title => p.card.title, link => url.join(&p.card.url),
                description => crate::head::description(p, 300),
                work => p.card.work.as_ref().map(|w| context! { name => w.name, year => w.year }),
                image => p.card.cover.as_ref().map(|m| url.join(&m.url)),
            }
        })
        .collect();
    let ctx =
        context! { posts => items, unsubscribe => unsubscribe.clone(), subject => subject.clone() };
    let (text_body, html_body) = render_mail(state, site, "newsletter", ctx)?;
    Ok(NewMail {
        kind: "newsletter",
        recipient: to.to_owned(),
        subject,
        text_body,
        html_body,
        unsubscribe: Some(unsubscribe),
    })
}

/// The newest published pick as a newsletter to `to`, to send at once
/// (`bestpick newsletter send-test`), and the pick's title.
pub async fn test_newsletter(
    state: &AppState,
    to: &str,
) -> anyhow::Result<(String, bestpick_store::QueuedMail)> {
    let url = origin::of_site(state).await;
    origin::scoped(url, async {
        let store = &state.site.store;
        let (cards, _) = store
            .list_posts(&PostFilter {
                kind: Some(PostKind::Pick),
                limit: 1,
                ..crate::public::visible(state.site.now())
            })
            .await?;
        let card = cards
            .first()
            .ok_or_else(|| anyhow::anyhow!("no pick is published yet"))?;
        let post = store
            .post(card.id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the pick is gone"))?;
        let site = mail_site(state).await?;
        let mail = newsletter_mail(state, &site, std::slice::from_ref(&post), to)?;
        let mail = bestpick_store::QueuedMail {
            id: 0,
            kind: "test".into(),
            recipient: mail.recipient,
            subject: format!("[test] {}", mail.subject),
            text_body: mail.text_body,
            html_body: mail.html_body,
            unsubscribe: mail.unsubscribe,
            created_at: state.site.now(),
            attempts: 0,
        };
        Ok((card.title.clone(), mail))
    })
    .await
}

#[derive(Debug, Deserialize)]
struct Unsubscribe {
    comment: Option<String>,
    email: Option<String>,
    #[serde(default)]
    t: String,
}

/// What an unsubscribe address names, once its token is checked.
enum Leaving {
    Replies(i64),
    Newsletter(String),
}

fn leaving(state: &AppState, q: &Unsubscribe) -> Result<Leaving, AppError> {
    let bad = || {
        AppError::BadRequest(
            "this unsubscribe link is not whole: copy all of it from the mail".into(),
        )
    };
    match (&q.comment, &q.email) {
        (Some(id), None) if checks(state, &format!("replies.{id}"), &q.t) => {
            Ok(Leaving::Replies(id.parse().map_err(|_| bad())?))
        }
        (None, Some(email)) if checks(state, &format!("newsletter.{email}"), &q.t) => {
            Ok(Leaving::Newsletter(email.clone()))
        }
        _ => Err(bad()),
    }
}

async fn mail_page(
    state: &AppState,
    title: &str,
    message: &str,
    confirm: Option<String>,
    button: &str,
) -> Result<Response, AppError> {
    let html = render_page(
        state,
        "mail_page.html",
        context! { title, message, confirm, button },
    )
    .await?;
    Ok(Html(html).into_response())
}

/// The link in a mail: one button, so that a mail scanner following
/// links unsubscribes no one; mail apps use the one-click POST.
async fn unsubscribe_page(
    State(state): State<AppState>,
    Query(q): Query<Unsubscribe>,
) -> Result<Response, AppError> {
    let what = match leaving(&state, &q)? {
        Leaving::Replies(_) => "Stop the mails about replies to your comment?",
        Leaving::Newsletter(_) => "Leave the newsletter?",
    };
    let again = match (&q.comment, &q.email) {
        (Some(c), _) => query(&[("comment", c), ("t", &q.t)]),
        (_, Some(e)) => query(&[("email", e), ("t", &q.t)]),
        _ => String::new(),
    };
    mail_page(
        &state,
        "Unsubscribe",
        what,
        Some(format!("/mail/unsubscribe?{again}")),
        "Unsubscribe",
    )
    .await
}

/// RFC 8058 one-click unsubscribe (the mail app's POST), and the page's button.
async fn unsubscribe(
    State(state): State<AppState>,
    Query(q): Query<Unsubscribe>,
) -> Result<Response, AppError> {
    let store = &state.site.store;
    let said = match leaving(&state, &q)? {
        Leaving::Replies(id) => {
            store.stop_reply_notices(id).await?;
            "You will get no more mails about replies to that comment."
        }
        Leaving::Newsletter(email) => {
            store.unsubscribe(&email).await?;
            "You have left the newsletter. Nothing more will be sent to you."
        }
    };
    mail_page(&state, "Unsubscribed", said, None, "").await
}

#[derive(Debug, Deserialize)]
struct Subscribe {
    #[serde(default)]
    email: String,
}

/// The newsletter form: a confirmation mail to the address, whatever it
/// was before (the page says the same either way, so it tells no one who
/// subscribes).
async fn subscribe(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<Subscribe>,
) -> Result<Response, AppError> {
    if !auth::same_origin(&headers) {
        return Err(AppError::Forbidden(
            "subscribe from the site's own form".into(),
        ));
    }
    if state.options.mail.is_none() {
        return Err(AppError::NotFound);
    }
    let email = bestpick_core::comment::mail_address(&form.email).map_err(AppError::BadRequest)?;
    let store = &state.site.store;
    let before = store.subscribe(&email).await?;
    // One confirmation in a while: the form is no way to flood an address.
    let recent = store
        .mail_to_since(&email, "confirm", state.site.now() - CONFIRM_AGAIN_AFTER)
        .await?;
    if before.as_deref() != Some("confirmed") && recent == 0 {
        let link = origin::current().join(&format!(
            "/newsletter/confirm?{}",
            query(&[
                ("email", &email),
                ("t", &token(&state, &format!("confirm.{email}")))
            ])
        ));
        let site = site_context(&state).await?;
        let (text_body, html_body) =
            render_mail(&state, &site, "confirm", context! { link }).map_err(AppError::Internal)?;
        state
            .site
            .store
            .queue_mail(&NewMail {
                kind: "confirm",
                recipient: email.clone(),
                subject: format!("Confirm your subscription to {}", site.name),
                text_body,
                html_body,
                unsubscribe: None,
            })
            .await?;
    }
    mail_page(
        &state,
        "Check your inbox",
        &format!("If {email} is yours, a mail there has a link to confirm. Nothing is sent before you follow it."),
        None,
        "",
    )
    .await
}

#[derive(Debug, Deserialize)]
struct Confirm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    t: String,
}

fn confirm_checked(state: &AppState, q: &Confirm) -> Result<(), AppError> {
    match checks(state, &format!("confirm.{}", q.email), &q.t) {
        true => Ok(()),
        false => Err(AppError::BadRequest(
            "this confirmation link is not whole: copy all of it from the mail".into(),
        )),
    }
}

/// The link in the confirmation mail: one button, so that a mail scanner
/// following links subscribes no one.
async fn confirm_page(
    State(state): State<AppState>,
    Query(q): Query<Confirm>,
) -> Result<Response, AppError> {
    confirm_checked(&state, &q)?;
    let again = query(&[("email", &q.email), ("t", &q.t)]);
    let ask = format!("Send the newsletter to {}?", q.email);
    let to = format!("/newsletter/confirm?{again}");
    mail_page(&state, "Confirm", &ask, Some(to), "Yes, subscribe").await
}

async fn confirm(
    State(state): State<AppState>,
    Query(q): Query<Confirm>,
) -> Result<Response, AppError> {
    confirm_checked(&state, &q)?;
    let confirmed = state.site.store.confirm_subscriber(&q.email).await?;
    let (title, said) = match confirmed {
        true => (
            "Subscribed",
            "Thank you: the newsletter will come to this address when a pick is published.",
        ),
        false => (
            "Not subscribed",
            "This address left the newsletter after this link was sent: subscribe again from the form at the foot of any page.",
        ),
    };
    mail_page(&state, title, said, None, "").await
}
