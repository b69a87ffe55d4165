//! `bestpick export`: every post back into content files.

use crate::Site;
use anyhow::Context;
use bestpick_core::document::{self, PostData, PostDate};
use bestpick_core::post::Photo;
use bestpick_store::PostView;
use std::path::Path;

/// Writes each post as `SLUG.md` in `dir`, with its cover photo beside it.
/// Returns how many posts were written.
pub async fn export_all(site: &Site, dir: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let ids = site.store.post_ids().await?;
    for id in &ids {
        let Some(post) = site.store.post(*id).await? else {
            continue; // deleted while exporting
        };
        let data = to_data(&post);
        if let Some(cover) = &post.card.cover {
            let from = site.media_dir().join(&cover.file);
            std::fs::copy(&from, dir.join(&cover.file))
                .with_context(|| format!("could not copy {}", from.display()))?;
        }
        let path = dir.join(format!("{}.md", post.card.slug));
        std::fs::write(&path, document::render(&data))
            .with_context(|| format!("could not write {}", path.display()))?;
    }
    Ok(ids.len())
}

/// A stored post as the document that would import it again.
pub fn to_data(post: &PostView) -> PostData {
    let c = &post.card;
    PostData {
        title: c.title.clone(),
        slug: Some(c.slug.clone()),
        kind: Some(c.kind),
        section: c.section.slug.clone(),
        date: c
            .published_at
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
            .and_then(PostDate::from_time),
        status: Some(c.status),
        tags: post.tags.iter().map(|t| t.name.clone()).collect(),
        summary: c.summary.clone(),
        authors: c.authors.iter().map(|a| a.username.clone()).collect(),
        question: post.question.clone(),
        cover: c.cover.as_ref().map(|m| Photo {
            src: m.file.clone(),
            alt: m.alt.clone(),
            caption: m.caption.clone(),
            credit: m.credit.clone(),
        }),
        work: post.work.as_ref().map(|w| w.to_work()),
        scores: post.scores.iter().map(|s| s.score.clone()).collect(),
        critics: post.critics.clone(),
        lines: post.lines.clone(),
        body: post.body.clone(),
    }
}
