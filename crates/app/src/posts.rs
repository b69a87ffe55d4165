//! Saving posts: validation, permissions, cover photos, all or nothing.

use crate::media::{self, PhotoText};
use crate::{films, refusals, OpError, Site};
use bestpick_core::document::{PostData, ValidPost};
use bestpick_core::post::{PostStatus, Visibility};
use bestpick_core::{FieldError, FieldErrors};
use bestpick_store::{Cover, PostCard, PostView, Refusal, SaveMode, StoreError, User};

/// Why a post was not saved. Every variant leaves the site as it was.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Bad input: each error names its field.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// The input clashes with a stored post (its slug is taken).
    #[error("{0}")]
    Conflict(FieldErrors),
    /// The user may not do this.
    #[error("{0}")]
    Forbidden(FieldError),
    #[error("no such post")]
    NotFound,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for SaveError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(f) => SaveError::Invalid(f),
            StoreError::Conflict(f) => SaveError::Conflict(f.into()),
            StoreError::NotFound(_) => SaveError::NotFound,
            other => SaveError::Store(other),
        }
    }
}

impl SaveError {
    /// The field errors to show next to a form's inputs.
    pub fn field_errors(&self) -> Option<FieldErrors> {
        match self {
            SaveError::Invalid(f) | SaveError::Conflict(f) => Some(f.clone()),
            SaveError::Forbidden(f) => Some(f.clone().into()),
            _ => None,
        }
    }
}

/// Reads a cover photo's bytes from the `src` a document names.
pub type CoverLoader = Box<dyn Fn(&str) -> std::io::Result<Vec<u8>> + Send + Sync>;

/// Where a cover photo's bytes come from.
pub enum CoverSource {
    /// Keep what the post has (or nothing for a new post).
    Keep,
    /// Read the file named by the data's `cover.src`, through this loader.
    Load(CoverLoader),
    /// Media already uploaded.
    Media(i64),
    None,
}

/// Validates and stores a post on behalf of `actor`; returns its id.
pub async fn save(
    site: &Site,
    data: &PostData,
    cover: CoverSource,
    actor: &User,
    mode: SaveMode,
) -> Result<i64, SaveError> {
    let post = data.validate().map_err(SaveError::Invalid)?;
    let cover = prepare(site, &post, cover, actor, mode).await?;
    match site.store.save_post(&post, &cover, actor, mode).await {
        Ok(id) => Ok(id),
        Err(e) => Err(worded(site, &post, e).await.into()),
    }
}

/// `data` as its page will look once `actor` saves it in `mode`, without
/// saving it: the editor's preview. Checked as a save is (the rules, the
/// actor's role, the section, the authors, the slug), with the same errors.
pub async fn preview(
    site: &Site,
    data: &PostData,
    cover: CoverSource,
    actor: &User,
    mode: SaveMode,
) -> Result<PostView, SaveError> {
    let post = data.validate().map_err(SaveError::Invalid)?;
    let cover = match cover {
        CoverSource::Load(_) => CoverSource::None,
        other => other,
    };
    let cover = prepare(site, &post, cover, actor, mode).await?;
    match site.store.unsaved_view(&post, &cover, actor, mode).await {
        Ok(view) => Ok(view),
        Err(e) => Err(worded(site, &post, e).await.into()),
    }
}

/// What the store refused in saving `post`, worded for its writer.
pub async fn worded(site: &Site, post: &ValidPost, e: StoreError) -> StoreError {
    // The sections are named only when one was unknown.
    let sections = match &e {
        StoreError::Refused { field, .. } if field == "section" => {
            match site.store.sections().await {
                Ok(all) => all
                    .into_iter()
                    .filter(|s| s.is_active() && s.feature.is_none())
                    .map(|s| s.slug)
                    .collect::<Vec<_>>()
                    .join(", "),
                Err(failed) => return failed,
            }
        }
        _ => String::new(),
    };
    refusals::worded(e, |field, value, refusal| {
        Some(match (field, refusal) {
            // The other post may be a draft its writer may not see: nothing
            // of it but that it exists is told.
            ("slug", Refusal::Taken) => {
                format!("'{value}' is already the address of another post: choose another slug")
            }
            ("section", Refusal::Unknown) => {
                format!("there is no section '{value}' (the sections are: {sections})")
            }
            ("section", Refusal::NoPosts) => {
                format!("'{value}' is a section of lines or games, which holds no posts (the sections for posts are: {sections})")
            }
            ("work.name", Refusal::Taken) => {
                films::name_taken(value, post.work.as_ref().map_or(0, |w| w.year))
            }
            ("work.name", Refusal::Others) => {
                "names a work another writer is preparing; an editor can link it".to_owned()
            }
            ("cover", Refusal::Unknown) => {
                "the chosen image was deleted meanwhile: choose another".to_owned()
            }
            (f, Refusal::Unknown) if f.starts_with("authors[") => {
                format!("there is no user '{value}'")
            }
            _ => return None,
        })
    })
}

/// The post with this id, if `actor` may edit it.
pub async fn editable(site: &Site, actor: &User, id: i64) -> Result<PostView, OpError> {
    let post = site
        .store
        .post(id)
        .await?
        .ok_or(OpError::NotFound("post"))?;
    OpError::unless(
        actor,
        may_edit(&post.card, actor),
        "edit other people's posts",
    )?;
    Ok(post)
}

/// Publishes now, unpublishes (back to draft) or submits for review.
pub async fn set_status(
    site: &Site,
    actor: &User,
    id: i64,
    status: PostStatus,
) -> Result<(), OpError> {
    let post = editable(site, actor, id).await?;
    let publishing = status == PostStatus::Published || post.card.status == PostStatus::Published;
    OpError::unless(
        actor,
        !publishing || actor.role.can_publish(),
        "publish or unpublish posts",
    )?;
    Ok(site.store.set_post_status(id, status, None).await?)
}

/// Deletes a post for good; its address answers 410 Gone from then on.
pub async fn delete(site: &Site, actor: &User, id: i64) -> Result<(), OpError> {
    OpError::unless(actor, actor.role.can_delete_posts(), "delete posts")?;
    match site.store.delete_post(id).await {
        Err(StoreError::NotFound(_)) => Err(OpError::NotFound("post")),
        done => Ok(done?),
    }
}

/// Whether `user` is one of the post's authors.
pub fn is_author(post: &PostCard, user: &User) -> bool {
    post.authors.iter().any(|a| a.username == user.username)
}

/// Whether `viewer` may edit this post (and so see it before it is published).
pub fn may_edit(post: &PostCard, viewer: &User) -> bool {
    viewer.role.may_edit_post(is_author(post, viewer))
}

/// [`visible_to`] for a post's card (with its authors): lists that only
/// count or name posts ask here.
pub fn may_see(post: &PostCard, viewer: Option<&User>) -> bool {
    post.visibility == Visibility::Published || viewer.is_some_and(|u| may_edit(post, u))
}

/// The one rule for what a request may see of a post: a published post
/// (its time come) is everyone's; a draft, a post in review or a scheduled
/// post only that of whoever may edit it. Every path that shows a post
/// (its page, the comment form and its errors, a comment's edit page, the
/// API) asks here; `None` must look the same as a post that does not exist.
pub fn visible_to(post: PostView, viewer: Option<&User>) -> Option<PostView> {
    may_see(&post.card, viewer).then_some(post)
}

/// Whether `viewer` may see the post with this id ([`visible_to`]), at the
/// cost of its card alone when it is published (most asks).
pub async fn is_visible(site: &Site, id: i64, viewer: Option<&User>) -> Result<bool, StoreError> {
    match site.store.post_card(id).await? {
        None => Ok(false),
        Some(card) if card.visibility == Visibility::Published => Ok(true),
        Some(_) => Ok(visible_post(site, id, viewer).await?.is_some()),
    }
}

/// The post with this id if `viewer` may see it ([`visible_to`]).
pub async fn visible_post(
    site: &Site,
    id: i64,
    viewer: Option<&User>,
) -> Result<Option<PostView>, StoreError> {
    Ok(site
        .store
        .post(id)
        .await?
        .and_then(|p| visible_to(p, viewer)))
}

/// Checks that `actor` may save this validated post, and stores the photo
/// files of its cover; returns the cover to save with it.
pub(crate) async fn prepare(
    site: &Site,
    post: &ValidPost,
    cover: CoverSource,
    actor: &User,
    mode: SaveMode,
) -> Result<Cover, SaveError> {
    // Those who edit every post may save whatever is stored: an editor's
    // import of thousands of files looks nothing up here.
    let stored = match mode {
        _ if actor.role.can_edit_any_post() => None,
        SaveMode::Update(id) => site.store.post(id).await?,
        _ => site.store.post_by_slug(post.slug.as_str()).await?,
    };
    let credits_self = post.authors.is_empty() || post.authors.contains(&actor.username);
    actor
        .role
        .check_post_save(
            post.status,
            stored
                .as_ref()
                .map(|p| (is_author(&p.card, actor), p.card.status)),
            credits_self,
        )
        .map_err(SaveError::Forbidden)?;
    Ok(match (cover, &post.cover) {
        (CoverSource::Load(load), Some(photo)) => {
            let bytes = load(&photo.src).map_err(|e| {
                SaveError::Invalid(
                    FieldError::new("cover.src", format!("could not read '{}': {e}", photo.src))
                        .into(),
                )
            })?;
            let dir = site.media_dir();
            let text = PhotoText {
                alt: photo.alt.clone(),
                caption: photo.caption.clone(),
                credit: photo.credit.clone(),
            };
            let name = photo.src.clone();
            let new = tokio::task::spawn_blocking(move || {
                media::store_image(&dir, "cover", &name, &bytes, text)
            })
            .await
            .map_err(|e| SaveError::Store(StoreError::NotFound(e.to_string())))?
            .map_err(SaveError::Invalid)?;
            Cover::New(new)
        }
        (CoverSource::Media(id), _) => Cover::Existing(id),
        (CoverSource::Keep, _) => match mode {
            SaveMode::Update(id) => match site.store.post_cover_id(id).await? {
                Some(m) => Cover::Existing(m),
                None => Cover::None,
            },
            _ => Cover::None,
        },
        _ => Cover::None,
    })
}
