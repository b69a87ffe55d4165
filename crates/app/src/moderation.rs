//! What moderators do with comments: approve, mark spam or not spam (which
//! teaches the classifier at once and is stored so it survives a
//! restart), trash, delete, each undoable for a minute and kept in the
//! comment's history; block a commenter; and the privacy duties:
//! export and erase a commenter's data, truncate old addresses, empty the
//! spam folder.

use crate::comment_settings::CommentSettings;
use crate::{OpError, Site};
use bestpick_core::comment::{self, CommentStatus};
use bestpick_store::{Comment, Moderated, ModerationAct, Undone, User, UNDO_SECONDS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Publish; teaches "not spam" when the comment was held or spam.
    Approve,
    /// To the spam folder; teaches "spam".
    Spam,
    Trash,
    /// Back to the queue, from the trash.
    Restore,
    /// Gone for good.
    Delete,
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        Some(match s {
            "approve" => Action::Approve,
            "spam" => Action::Spam,
            "trash" => Action::Trash,
            "restore" => Action::Restore,
            "delete" => Action::Delete,
            _ => return None,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ModerationError {
    #[error(
        "You may moderate comments on your own posts only; blocking is for editors and admins."
    )]
    Forbidden,
    #[error("no such comment")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<bestpick_store::StoreError> for ModerationError {
    fn from(e: bestpick_store::StoreError) -> Self {
        ModerationError::Other(e.into())
    }
}

/// Whether `user` may moderate comments on post `post_id`.
pub async fn may_moderate(site: &Site, user: &User, post_id: i64) -> Result<bool, ModerationError> {
    Ok(
        user.role.can_moderate_all_comments()
            || site.store.is_post_author(post_id, user.id).await?,
    )
}

/// The comments `ids` that exist and `user` may moderate; any other is an error.
async fn moderatable(
    site: &Site,
    user: &User,
    ids: &[i64],
) -> Result<Vec<Comment>, ModerationError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut out = Vec::with_capacity(ids.len());
    for id in &ids {
        let c = site
            .store
            .comment(*id)
            .await?
            .ok_or(ModerationError::NotFound)?;
        if !may_moderate(site, user, c.post_id).await? {
            return Err(ModerationError::Forbidden);
        }
        out.push(c);
    }
    Ok(out)
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Spam => "spam",
            Action::Trash => "trash",
            Action::Restore => "restore",
            Action::Delete => "delete",
        }
    }

    /// Where the comments go; `None`: deleted for good.
    fn to(self) -> Option<CommentStatus> {
        match self {
            Action::Approve => Some(CommentStatus::Published),
            Action::Spam => Some(CommentStatus::Spam),
            Action::Trash => Some(CommentStatus::Trash),
            Action::Restore => Some(CommentStatus::Pending),
            Action::Delete => None,
        }
    }
}

/// Applies `action` to comments in one write, recorded in each comment's
/// history; the returned press can be undone for a minute ([`undo`]).
/// `seen_in`: the folder the moderator saw them in, when known.
pub async fn moderate(
    site: &Site,
    user: &User,
    ids: &[i64],
    action: Action,
    seen_in: Option<CommentStatus>,
) -> Result<Moderated, ModerationError> {
    let mut comments = moderatable(site, user, ids).await?;
    // Pressed in a folder: a comment someone moved out of it since the
    // page was shown is left alone (the store checks again as it writes).
    if let Some(folder) = seen_in {
        comments.retain(|c| c.status == folder);
    }
    if action == Action::Delete
        && comments
            .iter()
            .any(|c| !matches!(c.status, CommentStatus::Spam | CommentStatus::Trash))
    {
        return Err(ModerationError::Invalid(
            "Only comments in the spam folder or the trash can be deleted for good; move them there first.".into(),
        ));
    }
    // A decision teaches the filter where it (or a rule) judged otherwise:
    // "not spam" for a held or spam comment approved, "spam" for one moved
    // to the spam folder. The team's own comments teach nothing.
    let mut teaches: Vec<(i64, String)> = Vec::new();
    for c in comments.iter().filter(|c| c.user_id.is_none()) {
        let teaching = match action {
            Action::Approve => c.status != CommentStatus::Published,
            Action::Spam => c.status != CommentStatus::Spam,
            _ => false,
        };
        if teaching {
            teaches.push((c.id, site.store.post_context(c.post_id).await?));
        }
    }
    let done = site
        .store
        .moderate(&ModerationAct {
            user_id: user.id,
            action: action.as_str(),
            comments: &comments,
            to: action.to(),
            approve: action == Action::Approve,
            teaches: &teaches,
        })
        .await?;
    for decision in &done.decisions {
        site.spam.learn(decision);
    }
    Ok(done)
}

/// Takes back the press `batch` of `user` (theirs only, within
/// [`UNDO_SECONDS`]): the comments go back where they were, unless
/// moved again since, and what it taught the spam filter is forgotten (the
/// filter is built again from the decisions that remain, as on start).
pub async fn undo(site: &Site, user: &User, batch: &str) -> Result<Undone, ModerationError> {
    let undone = site
        .store
        .undo_moderation(batch, user.id)
        .await?
        .ok_or_else(|| {
            ModerationError::Invalid(format!(
                "There is nothing to undo: it was undone already, or it is more than {UNDO_SECONDS} seconds old."
            ))
        })?;
    if undone.withdrew {
        site.spam.reload(&site.store).await?;
    }
    Ok(undone)
}

/// What can be blocked from a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Email,
    Ip,
    Domain,
}

impl BlockKind {
    pub fn parse(s: &str) -> Option<BlockKind> {
        Some(match s {
            "email" => BlockKind::Email,
            "ip" => BlockKind::Ip,
            "domain" => BlockKind::Domain,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            BlockKind::Email => "email",
            BlockKind::Ip => "ip",
            BlockKind::Domain => "domain",
        }
    }
}

/// Blocks the comment's email, address, or domain (its website's, else its
/// email's); returns what was blocked.
pub async fn block_from_comment(
    site: &Site,
    user: &User,
    id: i64,
    kind: BlockKind,
) -> Result<String, ModerationError> {
    may_block(user)?;
    let c = moderatable(site, user, &[id]).await?.remove(0);
    let value = match kind {
        BlockKind::Email => Some(c.email.clone()).filter(|e| !e.is_empty()),
        BlockKind::Ip => {
            Some(c.ip.clone()).filter(|ip| !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_ok())
        }
        BlockKind::Domain => c
            .website
            .as_deref()
            .and_then(comment::domain_of)
            .or_else(|| comment::domain_of(&c.email)),
    }
    .ok_or_else(|| {
        ModerationError::Invalid(format!("This comment has no {} to block.", kind.as_str()))
    })?;
    site.store.block(kind.as_str(), &value).await?;
    Ok(format!("{} {value}", kind.as_str()))
}

/// Closes or opens a post's comments (whoever may moderate them).
pub async fn close_post_comments(
    site: &Site,
    actor: &User,
    post_id: i64,
    closed: bool,
) -> Result<(), OpError> {
    site.store
        .post_card(post_id)
        .await?
        .ok_or(OpError::NotFound("post"))?;
    let allowed = may_moderate(site, actor, post_id)
        .await
        .map_err(|e| match e {
            ModerationError::Other(e) => OpError::Other(e),
            e => OpError::Other(e.into()),
        })?;
    OpError::unless(actor, allowed, "open or close comments on this post")?;
    Ok(site.store.set_post_comments_closed(post_id, closed).await?)
}

/// The blocklist is the whole site's: editors and admins only.
fn may_block(user: &User) -> Result<(), ModerationError> {
    if user.role.can_moderate_all_comments() {
        Ok(())
    } else {
        Err(ModerationError::Forbidden)
    }
}

/// Removes a blocklist entry (editors and admins).
pub async fn remove_block(
    site: &Site,
    user: &User,
    kind: &str,
    value: &str,
) -> Result<(), ModerationError> {
    may_block(user)?;
    Ok(site.store.unblock(kind, value).await?)
}

/// Adds a blocklist entry typed by a moderator (editors and admins).
pub async fn add_block(
    site: &Site,
    user: &User,
    kind: &str,
    value: &str,
) -> Result<(), ModerationError> {
    may_block(user)?;
    let value = value.trim().to_lowercase();
    if value.is_empty() {
        return Err(ModerationError::Invalid("Give something to block.".into()));
    }
    let ok = match kind {
        "word" => true,
        "email" => value.contains('@'),
        "ip" => value.parse::<std::net::IpAddr>().is_ok(),
        "domain" => value.contains('.') && !value.contains(['/', '@', ' ']),
        _ => {
            return Err(ModerationError::Invalid(format!(
                "'{kind}' is not word, email, ip or domain."
            )))
        }
    };
    if !ok {
        return Err(ModerationError::Invalid(format!(
            "'{value}' is not a valid {kind}."
        )));
    }
    site.store.block(kind, &value).await?;
    Ok(())
}

/// A commenter's email as the store keeps it, or why it is not one.
fn commenter_email(email: &str) -> anyhow::Result<String> {
    // A fediverse reply's writer is known by their account's id, as written.
    let email = email.trim();
    if email.starts_with("https://") || email.starts_with("http://") {
        return Ok(email.to_owned());
    }
    let email = email.to_lowercase();
    if !email.contains('@') {
        anyhow::bail!("'{email}' is not an email address");
    }
    Ok(email)
}

/// Everything stored about a commenter, as JSON: what `comments export` and
/// the admin's export give them.
pub async fn export_commenter(site: &Site, email: &str) -> anyhow::Result<serde_json::Value> {
    let email = commenter_email(email)?;
    let comments = site.store.comments_by_email(&email).await?;
    let items: Vec<serde_json::Value> = comments
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.id,
                "post_id": c.post_id,
                "in_reply_to": c.parent_id,
                "name": c.name,
                "email": c.email,
                "website": c.website,
                "body": c.body,
                "status": c.status,
                "spam_score": c.score,
                "reasons": c.reasons,
                "approved_by_a_moderator": c.approved,
                "ip_address": c.ip,
                "notify_of_replies": c.notify,
                "created_at": c.created_at,
                "updated_at": c.updated_at,
            })
        })
        .collect();
    let decisions: Vec<serde_json::Value> = site
        .store
        .spam_decisions_by_email(&email)
        .await?
        .into_iter()
        .map(|(body, spam, at)| serde_json::json!({ "body": body, "spam": spam, "decided_at": at }))
        .collect();
    let (actions, held) = site.store.moderation_of_commenter(&email).await?;
    let actions: Vec<serde_json::Value> = actions
        .into_iter()
        .map(|(comment, action, at, undone_at)| {
            serde_json::json!({ "comment_id": comment, "action": action, "at": at, "undone_at": undone_at })
        })
        .collect();
    let held: Vec<serde_json::Value> = held
        .into_iter()
        .map(|(id, body, at)| serde_json::json!({ "id": id, "body": body, "deleted_at": at }))
        .collect();
    let blocked = site
        .store
        .blocklist()
        .await?
        .iter()
        .any(|(kind, value)| kind == "email" && *value == email);
    Ok(serde_json::json!({
        "email": email,
        "comments": items,
        "moderator_decisions": decisions,
        "moderation_history": actions,
        "deleted_comments_held_for_undo": held,
        "email_blocked": blocked,
    }))
}

/// Deletes everything stored about a commenter; returns how many comments.
/// The spam filter is built again without their decisions.
pub async fn erase_commenter(site: &Site, email: &str) -> anyhow::Result<u64> {
    let erased = site.store.erase_commenter(&commenter_email(email)?).await?;
    site.spam.reload(&site.store).await?;
    Ok(erased)
}

/// What a maintenance pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Maintenance {
    pub spam_deleted: u64,
    pub addresses_truncated: usize,
}

/// How often maintenance runs, across all instances of a site.
pub const MAINTENANCE_EVERY: i64 = 3600;

/// [`maintain`], unless another instance of the site (or this one) ran it
/// in the last hour: `serve` calls this at start and every hour, and only
/// one instance does the work. `None` when it was not this one's turn.
pub async fn maintain_once(site: &Site) -> anyhow::Result<Option<Maintenance>> {
    // A few minutes' slack: an instance whose hour comes a little early
    // still takes its turn.
    let due = site.now() - MAINTENANCE_EVERY + 300;
    if !site.store.claim_job("comment maintenance", due).await? {
        return Ok(None);
    }
    Ok(Some(maintain(site).await?))
}

/// Deletes old spam, truncates old addresses (per the settings) and
/// forgets login attempts no longer counted.
pub async fn maintain(site: &Site) -> anyhow::Result<Maintenance> {
    let settings = CommentSettings::load(site).await?;
    let now = site.now();
    let spam_deleted = site
        .store
        .purge_spam(now - settings.spam_days * 86_400)
        .await?;
    let old = site
        .store
        .old_full_ips(now - settings.ip_days * 86_400)
        .await?;
    let truncated: Vec<(i64, String)> = old
        .into_iter()
        .map(|(id, ip)| (id, comment::truncate_ip(&ip)))
        .collect();
    site.store.set_truncated_ips(&truncated).await?;
    site.store
        .forget_login_attempts((now - crate::login_limit::WINDOW) * 1000)
        .await?;
    site.store.purge_moderation_leftovers().await?;
    Ok(Maintenance {
        spam_deleted,
        addresses_truncated: truncated.len(),
    })
}
