//! Saving posts: validation, permissions, cover photos, all or nothing.

use crate::media::{self, PhotoText};
use crate::Site;
use bestpick_core::document::{PostData, ValidPost};
use bestpick_core::post::PostStatus;
use bestpick_core::user::Role;
use bestpick_core::{FieldError, FieldErrors};
use bestpick_store::{Cover, SaveMode, StoreError, User};

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
    Ok(site.store.save_post(&post, &cover, actor.id, mode).await?)
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
    if actor.role == Role::Author {
        if post.status == PostStatus::Published {
            return Err(SaveError::Forbidden(FieldError::new(
                "status",
                "authors can submit a post for review; an editor publishes it",
            )));
        }
        let existing = match mode {
            SaveMode::Update(id) => Some(id),
            _ => site.store.post_id_by_slug(post.slug.as_str()).await?,
        };
        if let Some(id) = existing {
            let stored = site.store.post(id).await?;
            let own = stored
                .as_ref()
                .is_some_and(|p| p.card.authors.iter().any(|a| a.username == actor.username));
            if !own {
                return Err(SaveError::Forbidden(FieldError::new(
                    "slug",
                    "authors can only edit their own posts",
                )));
            }
            if stored.is_some_and(|p| p.card.status == PostStatus::Published) {
                return Err(SaveError::Forbidden(FieldError::new(
                    "status",
                    "this post is published: an editor changes or unpublishes it",
                )));
            }
        }
    }
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
