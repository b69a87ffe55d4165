//! A post as its page would show it once saved, built without saving it:
//! the editor's preview of an unsaved form. What a save would refuse
//! (an unknown section or author, a slug another post holds) is refused
//! the same way here, with the same [`StoreError::Refused`].

use crate::posts::{Cover, SaveMode};
use crate::read::{PostCard, PostView, ScoreView, SectionRef, TagRef, UserRef};
use crate::works::{Credit, PersonRef, WorkView};
use crate::{Refusal, Result, Store, StoreError, User};
use bestpick_core::document::ValidPost;
use bestpick_core::post::{PostStatus, Visibility};
use bestpick_core::work::Work;

impl Store {
    /// `post` as it will look once saved by `actor` in `mode`, with `cover`.
    pub async fn unsaved_view(
        &self,
        post: &ValidPost,
        cover: &Cover,
        actor: &User,
        mode: SaveMode,
    ) -> Result<PostView> {
        let stored = match mode {
            SaveMode::Update(id) => self.post(id).await?,
            _ => None,
        };
        let sections = self.sections().await?;
        let named = sections
            .iter()
            .find(|s| s.slug == post.section.as_str())
            .ok_or_else(|| {
                StoreError::refused("section", post.section.as_str(), Refusal::Unknown)
            })?;
        // A retired section's posts go to the one that replaced it.
        let section = named
            .retired_into
            .and_then(|into| sections.iter().find(|s| s.id == into))
            .unwrap_or(named);
        let mut authors = Vec::new();
        for (i, username) in post.authors.iter().enumerate() {
            let user = self.user_by_username(username).await?.ok_or_else(|| {
                StoreError::refused(format!("authors[{i}]"), username, Refusal::Unknown)
            })?;
            authors.push(UserRef {
                username: user.username,
                display_name: user.display_name,
            });
        }
        if authors.is_empty() {
            authors = match &stored {
                Some(p) => p.card.authors.clone(),
                None => vec![UserRef {
                    username: actor.username.clone(),
                    display_name: actor.display_name.clone(),
                }],
            };
        }
        let holder = self.post_id_by_slug(post.slug.as_str()).await?;
        if holder.is_some() && holder != stored.as_ref().map(|p| p.card.id) {
            return Err(StoreError::refused(
                "slug",
                post.slug.as_str(),
                Refusal::Taken,
            ));
        }
        let cover = match cover {
            Cover::None => None,
            Cover::Existing(id) => self.media(*id).await?,
            // Only imports bring new images, and they do not preview.
            Cover::New(_) => None,
        };
        let now = self.now();
        let published_at = match post.status {
            PostStatus::Published => Some(
                post.published_at
                    .map(|t| t.unix_timestamp())
                    .or(stored.as_ref().and_then(|p| p.card.published_at))
                    .unwrap_or(now),
            ),
            _ => post.published_at.map(|t| t.unix_timestamp()),
        };
        let live_at = published_at.and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok());
        let now_time = time::OffsetDateTime::from_unix_timestamp(now)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let scores: Vec<ScoreView> = post
            .parts
            .scores
            .iter()
            .map(|s| ScoreView::of(s.clone()))
            .collect();
        let score = (!scores.is_empty())
            .then(|| scores.iter().map(|s| s.normalised).sum::<f64>() / scores.len() as f64);
        let work = post.work.as_ref().map(work_view);
        let card = PostCard {
            id: stored.as_ref().map_or(0, |p| p.card.id),
            slug: post.slug.to_string(),
            kind: post.kind,
            title: post.title.clone(),
            summary: post.summary.clone(),
            status: post.status,
            visibility: Visibility::of(post.status, live_at, now_time),
            published_at,
            updated_at: now,
            created_at: stored.as_ref().map_or(now, |p| p.card.created_at),
            url: format!("/{}/{}", section.slug, post.slug),
            section: SectionRef {
                id: section.id,
                slug: section.slug.clone(),
                name: section.name.clone(),
            },
            authors,
            cover,
            work: work.as_ref().map(WorkView::brief),
            score,
            score_count: scores.len() as i64,
            score_source: match scores.as_slice() {
                [one] => Some(one.label.clone()),
                _ => None,
            },
            poster: match work.as_ref().and_then(|w| w.poster.clone()) {
                Some(url) => self.media_by_urls(&[url]).await?.pop(),
                None => None,
            },
            poster_url: None,
            comment_count: stored.as_ref().map_or(0, |p| p.card.comment_count),
            comments_closed: stored.as_ref().is_some_and(|p| p.card.comments_closed),
            section_comments_closed: section.comments_closed,
            cover_id: None,
        };
        Ok(PostView {
            card,
            body: post.body.clone(),
            question: post.question.clone(),
            tags: post
                .tags
                .iter()
                .map(|(name, slug)| TagRef {
                    slug: slug.to_string(),
                    name: name.clone(),
                })
                .collect(),
            work,
            scores,
            critics: post.parts.critics.clone(),
            lines: post.parts.lines.clone(),
            ratings: crate::Ratings::default(),
        })
    }
}

/// The work as its page will show it, its people at the addresses a save gives them.
fn work_view(work: &Work) -> WorkView {
    let person = |name: &String| PersonRef {
        slug: crate::works::person_slug(name),
        name: name.clone(),
    };
    WorkView {
        id: 0,
        slug: work.slug().map(|s| s.to_string()).unwrap_or_default(),
        kind: work.kind,
        kind_label: work.kind.label(),
        name: work.name.clone(),
        original_name: work.original_name.clone(),
        year: work.year,
        end_year: work.end_year,
        seasons: work.seasons,
        years_label: work.years_label(),
        directors: work.directors.iter().map(person).collect(),
        writers: work.writers.iter().map(person).collect(),
        cast: work
            .cast
            .iter()
            .map(|c| Credit {
                person: person(&c.name),
                role: c.role.clone(),
            })
            .collect(),
        genres: work.genres.clone(),
        runtime_minutes: work.runtime_minutes,
        countries: work.countries.clone(),
        languages: work.languages.clone(),
        box_office_usd: work.box_office_usd,
        budget_usd: work.budget_usd,
        awards: work.awards.clone(),
        imdb_id: work.imdb_id.clone(),
        poster: work.poster.clone(),
    }
}
