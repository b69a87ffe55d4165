//! Posting a comment: the anti-spam pipeline, in order. Hard rules first
//! (closed post, thread depth, honeypot, form age, rate limits, validity,
//! duplicates), which refuse the comment with a message and store nothing;
//! then blocklists and the classifier, which decide where a stored comment
//! goes: published, held for a moderator, or the spam folder. Every stored
//! decision keeps its reasons.
//!
//! A commenter may edit or delete their own comment for ten minutes; the web
//! side proves ownership with a signed cookie (see [`edit_token`]).

use crate::comment_settings::CommentSettings;
use crate::{secrets, Site};
use bestpick_core::comment::{self, CommentInput, CommentStatus};
use bestpick_core::post::Visibility;
use bestpick_core::FieldErrors;
use bestpick_spam::Verdict;
use bestpick_store::{Comment, NewComment, PostCard, Topic, User};
use std::net::IpAddr;
use std::sync::Arc;

/// How long a commenter may edit or delete their comment.
pub const EDIT_WINDOW_SECS: i64 = 600;
/// A form older than this has expired.
const FORM_MAX_AGE_SECS: i64 = 86_400;
/// A comment this alike (word triples) to one of the recent ones
/// ([`crate::recent`]) is held as a near-duplicate.
const NEAR_DUPLICATE_SIMILARITY: f64 = 0.8;

/// A comment as submitted through the form.
#[derive(Debug, Clone)]
pub struct Submission {
    pub post_id: i64,
    pub parent_id: Option<i64>,
    pub input: CommentInput,
    pub notify: bool,
    pub ip: IpAddr,
    /// The hidden field people leave empty and form-filling robots do not.
    pub honeypot: String,
    /// The signed time stamp the form was rendered with.
    pub form_stamp: String,
    /// A logged-in member of the team: published as themselves, no spam checks.
    pub user: Option<User>,
}

/// Where a stored comment went, and the address of its post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub id: i64,
    pub status: CommentStatus,
    pub post_url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CommentError {
    /// Fields to correct; the form shows each message at its input.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// A rule refused the comment; the message says which and what to do.
    #[error("{0}")]
    Refused(String),
    /// Too many comments from the address, its network, or on the post.
    #[error("{0}")]
    RateLimited(String),
    #[error("no such post")]
    NoPost,
    #[error("no such comment")]
    NoComment,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<bestpick_store::StoreError> for CommentError {
    fn from(e: bestpick_store::StoreError) -> Self {
        CommentError::Other(e.into())
    }
}

/// The time stamp a comment form carries: `unix.signature`.
pub fn form_stamp(site: &Site, post_id: i64) -> String {
    let now = site.now();
    let sig = secrets::sign(&site.signing_key, &format!("form.{post_id}.{now}"));
    format!("{now}.{sig}")
}

/// Seconds since the form was rendered, when its stamp is genuine.
fn form_age(site: &Site, post_id: i64, stamp: &str) -> Option<i64> {
    let (time, sig) = stamp.split_once('.')?;
    let t: i64 = time.parse().ok()?;
    secrets::verify(&site.signing_key, &format!("form.{post_id}.{t}"), sig).then(|| site.now() - t)
}

/// The cookie value that lets a commenter edit a comment until `expires`.
pub fn edit_token(site: &Site, comment_id: i64, expires: i64) -> String {
    let sig = secrets::sign(&site.signing_key, &format!("edit.{comment_id}.{expires}"));
    format!("{comment_id}.{expires}.{sig}")
}

/// The comments a cookie's tokens may still edit.
pub fn editable_ids(site: &Site, tokens: &str) -> Vec<i64> {
    let now = site.now();
    tokens
        .split(',')
        .filter_map(|t| {
            let mut parts = t.splitn(3, '.');
            let id: i64 = parts.next()?.parse().ok()?;
            let expires: i64 = parts.next()?.parse().ok()?;
            let sig = parts.next()?;
            (expires > now
                && secrets::verify(&site.signing_key, &format!("edit.{id}.{expires}"), sig))
            .then_some(id)
        })
        .collect()
}

/// Whether comments are closed on this post: on the post, on its section,
/// or by the site's age rule (at `now`).
pub fn comments_closed(post: &PostCard, settings: &CommentSettings, now: i64) -> bool {
    post.comments_closed
        || post.section_comments_closed
        || closes_at(post, settings).is_some_and(|t| now > t)
}

/// When the site's age rule closes comments on this post, if it does.
pub fn closes_at(post: &PostCard, settings: &CommentSettings) -> Option<i64> {
    if settings.close_after_days <= 0 {
        return None;
    }
    post.published_at
        .map(|at| at + settings.close_after_days * 86_400)
}

/// Runs a submission through the pipeline and stores it, or refuses it.
pub async fn post_comment(site: &Site, s: Submission) -> Result<Posted, CommentError> {
    // Staff previewing a draft see its form; strangers are answered by the
    // caller as if there were no post (it asks `posts::visible_post`).
    let unpublished = CommentError::Refused("Comments open once the post is published.".into());
    let (settings, post, depth) = open_post(site, s.post_id, s.parent_id, unpublished).await?;
    if let Some(user) = &s.user {
        return post_as_team_member(site, &s, user, &post, depth, &settings).await;
    }
    let now = site.now();
    // Robots fill every field and post at once.
    if !s.honeypot.trim().is_empty() {
        return Err(CommentError::Refused(
            "The comment could not be accepted: a field meant to stay empty was filled in. If you use a form-filling tool, turn it off for this form.".into(),
        ));
    }
    match form_age(site, s.post_id, &s.form_stamp) {
        None => {
            return Err(CommentError::Refused(
                "The form has expired or was changed; reload the page and post again (your text is kept below).".into(),
            ))
        }
        Some(age) if age > FORM_MAX_AGE_SECS => {
            return Err(CommentError::Refused(
                "The form is more than a day old; reload the page and post again (your text is kept below).".into(),
            ))
        }
        Some(age) if age < settings.min_seconds => {
            return Err(CommentError::Refused(format!(
                "That was very quick: comments posted within {} seconds of opening the page look automated. Wait a moment and post again.",
                settings.min_seconds
            )))
        }
        Some(_) => {}
    }
    check_rates(site, &s, &settings, now).await?;
    s.input
        .validate(settings.limits)
        .map_err(CommentError::Invalid)?;
    let fingerprint = not_posted_before(site, &s.input.body).await?;

    let (status, score, reasons) = judge(site, s.post_id, &s.input, &s.ip, &settings, true).await?;
    let id = store_comment(
        site,
        NewComment {
            post_id: s.post_id,
            parent_id: s.parent_id,
            depth,
            name: s.input.name.clone(),
            email: s.input.email.clone(),
            website: s.input.website.clone(),
            user_id: None,
            body: s.input.body.clone(),
            body_html: comment::body_html(&s.input.body),
            status,
            score: Some(f64::from(score)),
            reasons,
            ip: s.ip.to_string(),
            network: comment::network_of(s.ip),
            notify: s.notify,
            fingerprint,
        },
    )
    .await?;
    Ok(Posted {
        id,
        status,
        post_url: post.url,
    })
}

/// The site's comment settings, the post (published, taking comments)
/// and the depth of a new comment under `parent_id`; `unpublished` is the
/// answer when the post is not published yet.
async fn open_post(
    site: &Site,
    post_id: i64,
    parent_id: Option<i64>,
    unpublished: CommentError,
) -> Result<(CommentSettings, PostCard, i64), CommentError> {
    let settings = CommentSettings::load(site).await?;
    let post = site
        .store
        .post_card(post_id)
        .await?
        .ok_or(CommentError::NoPost)?;
    if post.visibility != Visibility::Published {
        return Err(unpublished);
    }
    if comments_closed(&post, &settings, site.now()) {
        return Err(CommentError::Refused(
            "Comments are closed on this post.".into(),
        ));
    }
    let depth = reply_depth(site, post_id, parent_id, &settings).await?;
    Ok((settings, post, depth))
}

/// Stores a new comment and remembers it for the rate limits and
/// near-duplicate checks of the next ones.
async fn store_comment(site: &Site, new: NewComment) -> Result<i64, CommentError> {
    let id = site.store.insert_comment(&new).await?;
    site.recent.record(
        id,
        site.now(),
        &new.ip,
        &new.network,
        new.post_id,
        &new.body,
    );
    Ok(id)
}

/// The depth of the new comment, after checking its parent.
async fn reply_depth(
    site: &Site,
    post_id: i64,
    parent_id: Option<i64>,
    settings: &CommentSettings,
) -> Result<i64, CommentError> {
    let Some(parent_id) = parent_id else {
        return Ok(0);
    };
    let parent = site.store.comment(parent_id).await?;
    let parent = match parent {
        Some(p) if p.post_id == post_id && p.status == CommentStatus::Published => p,
        _ => {
            return Err(CommentError::Refused(
                "The comment you are replying to is not on this post (or no longer shown).".into(),
            ))
        }
    };
    if parent.depth + 1 >= settings.max_depth {
        return Err(CommentError::Refused(format!(
            "Replies go at most {} levels deep; reply to an earlier comment in this thread instead.",
            settings.max_depth
        )));
    }
    Ok(parent.depth + 1)
}

async fn check_rates(
    site: &Site,
    s: &Submission,
    settings: &CommentSettings,
    now: i64,
) -> Result<(), CommentError> {
    let counts = site.recent.counts(
        &s.ip.to_string(),
        &comment::network_of(s.ip),
        s.post_id,
        now,
    );
    let wait = "Please wait a few minutes before posting again.";
    if counts.ip >= settings.per_ip {
        return Err(CommentError::RateLimited(format!(
            "You have posted {} comments in the last 10 minutes. {wait}",
            settings.per_ip
        )));
    }
    if counts.network >= settings.per_network {
        return Err(CommentError::RateLimited(format!(
            "Too many comments came from your network in the last 10 minutes. {wait}"
        )));
    }
    if counts.post >= settings.per_post {
        return Err(CommentError::RateLimited(format!(
            "This post received too many comments in the last 10 minutes. {wait}"
        )));
    }
    Ok(())
}

/// Blocklists, trust, near-duplicates (for new comments) and the
/// classifier: where the comment goes, its spam score and why.
async fn judge(
    site: &Site,
    post_id: i64,
    input: &CommentInput,
    ip: &IpAddr,
    settings: &CommentSettings,
    new: bool,
) -> Result<(CommentStatus, f32, Vec<String>), CommentError> {
    let text = &input.body;
    let context = site.store.post_context(post_id).await?;
    let (score, features) = site.spam.assess(text, &context, 5);
    if let Some(rule) = blocked(site, input, ip).await? {
        return Ok((CommentStatus::Spam, score, vec![rule]));
    }
    let trusted = site.store.is_trusted(&input.email).await?;
    let mut thresholds = settings.thresholds;
    if trusted {
        thresholds.hold = thresholds
            .hold
            .max(settings.trusted_hold_at)
            .min(thresholds.spam);
    }
    let mut verdict = thresholds.verdict(score);
    let mut reasons = vec![format!("spam score {score:.2} ({verdict})")];
    if trusted {
        reasons.push("trusted: a moderator approved an earlier comment".into());
    }
    if new && verdict == Verdict::Publish && near_duplicate(site, text) {
        verdict = Verdict::Hold;
        reasons.push("nearly the same as a recent comment".into());
    }
    reasons.extend(features);
    let status = match verdict {
        Verdict::Publish => CommentStatus::Published,
        Verdict::Hold => CommentStatus::Pending,
        Verdict::Spam => CommentStatus::Spam,
    };
    Ok((status, score, reasons))
}

/// The blocklist, read once per change (every new comment needs it). A
/// command run in another process changes the site's version.
async fn blocklist(site: &Site) -> Result<crate::Blocklist, CommentError> {
    let changes = site.store.changes();
    let version = changes
        .last_change(Topic::Blocklist)
        .max(changes.last_change(Topic::Site));
    if let Some(list) = site.blocklist.get(version) {
        return Ok(list);
    }
    let list = Arc::new(site.store.blocklist().await?);
    site.blocklist.set(version, list.clone());
    Ok(list)
}

/// The blocklist entry the comment matches, described.
async fn blocked(
    site: &Site,
    input: &CommentInput,
    ip: &IpAddr,
) -> Result<Option<String>, CommentError> {
    let list = blocklist(site).await?;
    if list.is_empty() {
        return Ok(None);
    }
    let domains = comment::domains(input);
    let body = input.body.to_lowercase();
    let name = input.name.to_lowercase();
    let ip = ip.to_string();
    for (kind, value) in list.iter() {
        let hit = match kind.as_str() {
            "email" => input.email == *value,
            "ip" => ip == *value,
            "domain" => domains
                .iter()
                .any(|d| d == value || d.ends_with(&format!(".{value}"))),
            "word" => body.contains(value.as_str()) || name.contains(value.as_str()),
            _ => false,
        };
        if hit {
            return Ok(Some(format!("blocklist: {kind} {value}")));
        }
    }
    Ok(None)
}

fn near_duplicate(site: &Site, text: &str) -> bool {
    if comment::fingerprint(text).split(' ').count() < 6 {
        // Short comments ("great film!") are alike by nature.
        return false;
    }
    site.recent
        .closest(&comment::Shingles::of(text), site.now())
        >= NEAR_DUPLICATE_SIMILARITY
}

async fn post_as_team_member(
    site: &Site,
    s: &Submission,
    user: &User,
    post: &PostCard,
    depth: i64,
    settings: &CommentSettings,
) -> Result<Posted, CommentError> {
    let body = &s.input.body;
    comment::validate_body(body, settings.limits).map_err(CommentError::Invalid)?;
    let id = store_comment(
        site,
        NewComment {
            post_id: post.id,
            parent_id: s.parent_id,
            depth,
            name: user.display_name.clone(),
            email: String::new(),
            website: None,
            user_id: Some(user.id),
            body: body.clone(),
            body_html: comment::body_html(body),
            status: CommentStatus::Published,
            score: None,
            reasons: vec![format!(
                "written by {} ({})",
                user.username,
                user.role.as_str()
            )],
            ip: s.ip.to_string(),
            network: comment::network_of(s.ip),
            notify: s.notify,
            fingerprint: comment::fingerprint(body),
        },
    )
    .await?;
    Ok(Posted {
        id,
        status: CommentStatus::Published,
        post_url: post.url.clone(),
    })
}

/// A reply from the fediverse, its signature already checked.
#[derive(Debug, Clone)]
pub struct RemoteReply {
    pub post_id: i64,
    pub parent_id: Option<i64>,
    /// The Note's id.
    pub object_id: String,
    pub actor: bestpick_store::RemoteActor,
    /// The Note's content, as HTML.
    pub content: String,
    /// The address of the server that delivered it.
    pub ip: IpAddr,
}

/// Runs a fediverse reply through the same rules as a form's comment,
/// less those of a form (honeypot, form age): the post must take
/// comments, the thread's depth holds, exact duplicates are refused, and
/// the blocklists and the classifier decide where it goes. Keyed by the
/// actor's id where a form's comment has an email address, so a
/// moderator's approval makes the account trusted, and an erasure finds it.
pub async fn post_remote_reply(site: &Site, r: RemoteReply) -> Result<Posted, CommentError> {
    // Another server learns nothing of a post readers may not see.
    let (settings, post, depth) =
        open_post(site, r.post_id, r.parent_id, CommentError::NoPost).await?;
    let (text, html) = remote_body(&r.content, &settings)?;
    let fingerprint = not_posted_before(site, &text).await?;
    // The name is cut before the handle: it says who wrote it.
    let room = comment::MAX_NAME.saturating_sub(r.actor.handle.chars().count() + 3);
    let name: String = r.actor.name.chars().take(room.max(1)).collect();
    let input = CommentInput {
        name: format!("{name} ({})", r.actor.handle),
        email: r.actor.id.clone(),
        website: r.actor.url.clone().or_else(|| Some(r.actor.id.clone())),
        body: text,
    };
    let (status, score, mut reasons) =
        judge(site, r.post_id, &input, &r.ip, &settings, true).await?;
    reasons.insert(0, format!("from the fediverse: {}", r.actor.handle));
    let new = NewComment {
        post_id: r.post_id,
        parent_id: r.parent_id,
        depth,
        name: input.name.chars().take(comment::MAX_NAME).collect(),
        email: input.email,
        website: input.website,
        user_id: None,
        body: input.body,
        body_html: html,
        status,
        score: Some(f64::from(score)),
        reasons,
        ip: r.ip.to_string(),
        network: comment::network_of(r.ip),
        notify: false,
        fingerprint,
    };
    let id = site
        .store
        .insert_remote_comment(&new, &r.object_id, &r.actor.id, r.actor.icon.as_deref())
        .await?;
    site.recent.record(
        id,
        site.now(),
        &new.ip,
        &new.network,
        new.post_id,
        &new.body,
    );
    Ok(Posted {
        id,
        status,
        post_url: post.url,
    })
}

/// A fediverse reply edited by its writer: judged again, as a reader's
/// own edit is, and never lifted past a moderator.
pub async fn edit_remote_reply(site: &Site, id: i64, content: &str) -> Result<(), CommentError> {
    let c = site
        .store
        .comment(id)
        .await?
        .ok_or(CommentError::NoComment)?;
    let settings = CommentSettings::load(site).await?;
    let (text, html) = remote_body(content, &settings)?;
    let input = CommentInput {
        name: c.name.clone(),
        email: c.email.clone(),
        website: c.website.clone(),
        body: text,
    };
    let ip = c.ip.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let (verdict, score, mut reasons) =
        judge(site, c.post_id, &input, &ip, &settings, false).await?;
    reasons.insert(0, "edited by its writer on the fediverse".into());
    let status = after_edit(c.status, verdict);
    site.store
        .update_comment_body(
            id,
            &input.body,
            &html,
            status,
            Some(f64::from(score)),
            &reasons,
        )
        .await?;
    Ok(())
}

/// Where an edited comment goes: an edit never lifts a held comment past
/// its moderator, and spam is spam.
fn after_edit(current: CommentStatus, verdict: CommentStatus) -> CommentStatus {
    match (current, verdict) {
        (_, CommentStatus::Spam) => CommentStatus::Spam,
        (CommentStatus::Published, s) => s,
        (current, _) => current,
    }
}

/// The text's fingerprint, unless the same text was posted in the last
/// week. (A comment of emoji or punctuation alone has no words to compare.)
async fn not_posted_before(site: &Site, text: &str) -> Result<String, CommentError> {
    let fingerprint = comment::fingerprint(text);
    if !fingerprint.is_empty()
        && site
            .store
            .fingerprint_seen_since(&fingerprint, site.now() - 7 * 86_400)
            .await?
    {
        return Err(CommentError::Refused(
            "This exact comment was already posted; there is no need to send it twice.".into(),
        ));
    }
    Ok(fingerprint)
}

/// A fediverse reply's text and safe HTML, within the comment limits (and
/// its HTML within a few times them: empty links weigh nothing as text).
fn remote_body(
    content: &str,
    settings: &CommentSettings,
) -> Result<(String, String), CommentError> {
    if content.len() > 8 * settings.limits.max_length.max(1000) {
        return Err(CommentError::Refused("the reply is too long".into()));
    }
    let (text, html) = comment::remote_body(content);
    comment::validate_body(&text, settings.limits).map_err(CommentError::Invalid)?;
    Ok((text, html))
}

/// Whether the reader holding tokens for `editable` may still change `c`:
/// theirs, and within the window.
pub fn may_edit(c: &Comment, editable: &[i64], now: i64) -> bool {
    editable.contains(&c.id) && now <= c.created_at + EDIT_WINDOW_SECS
}

/// The comment its author may still change, or why not.
async fn own_comment(site: &Site, id: i64, editable: &[i64]) -> Result<Comment, CommentError> {
    let c = site
        .store
        .comment(id)
        .await?
        .ok_or(CommentError::NoComment)?;
    if !may_edit(&c, editable, site.now()) {
        return Err(CommentError::Refused(
            "Comments can be edited or deleted by their writer for 10 minutes only; that time has passed.".into(),
        ));
    }
    if matches!(c.status, CommentStatus::Spam | CommentStatus::Trash) {
        return Err(CommentError::NoComment);
    }
    Ok(c)
}

/// A commenter's edit within the window: checked and judged again.
pub async fn edit_own(
    site: &Site,
    id: i64,
    editable: &[i64],
    body: &str,
) -> Result<Posted, CommentError> {
    let c = own_comment(site, id, editable).await?;
    let settings = CommentSettings::load(site).await?;
    let body = body.trim();
    let input = CommentInput {
        name: c.name.clone(),
        email: c.email.clone(),
        website: c.website.clone(),
        body: body.to_owned(),
    };
    if c.user_id.is_none() {
        input.validate(settings.limits)
    } else {
        comment::validate_body(body, settings.limits)
    }
    .map_err(CommentError::Invalid)?;
    let ip = c.ip.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let (status, score, reasons) = if c.user_id.is_some() {
        (c.status, None, c.reasons.clone())
    } else {
        let (verdict, score, mut reasons) =
            judge(site, c.post_id, &input, &ip, &settings, false).await?;
        reasons.insert(0, "edited by its writer".into());
        (
            after_edit(c.status, verdict),
            Some(f64::from(score)),
            reasons,
        )
    };
    site.store
        .update_comment_body(id, body, &comment::body_html(body), status, score, &reasons)
        .await?;
    let post_url = site
        .store
        .post_card(c.post_id)
        .await?
        .ok_or(CommentError::NoPost)?
        .url;
    Ok(Posted {
        id,
        status,
        post_url,
    })
}

/// A commenter deletes their own comment within the window.
pub async fn delete_own(site: &Site, id: i64, editable: &[i64]) -> Result<(), CommentError> {
    own_comment(site, id, editable).await?;
    site.store.delete_comment(id).await?;
    Ok(())
}
