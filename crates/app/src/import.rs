//! `bestpick import`: content files into the site, each all or nothing.

use crate::posts::{self, CoverSource, SaveError};
use crate::{sections, OpError, Site};
use bestpick_core::document::{self, DocumentError};
use bestpick_store::{PostBatch, SaveMode, Section, StoreError, User};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What importing one file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub slug: String,
    pub created: bool,
}

/// The Markdown files under the given paths (files as given, folders walked),
/// sorted so runs are repeatable. A path that does not exist is an error.
pub fn collect_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(path)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| {
                    e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md")
                })
                .filter(|e| e.file_name() != "README.md")
                .map(|e| e.into_path())
                .collect();
            found.sort();
            files.extend(found);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            anyhow::bail!("{}: no such file or folder", path.display());
        }
    }
    Ok(files)
}

/// The sections the files name that the site does not have, in the order
/// they are first named (a file that does not read or parse is left for the
/// import to report).
pub async fn missing_sections(site: &Site, files: &[PathBuf]) -> Result<Vec<String>, StoreError> {
    let known = sections::addresses(site).await?;
    let mut missing: Vec<String> = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let Ok((_, post)) = document::parse(&text) else {
            continue;
        };
        let slug = post.section.as_str();
        if !known.iter().any(|k| k == slug) && !missing.iter().any(|m| m == slug) {
            missing.push(slug.to_owned());
        }
    }
    Ok(missing)
}

/// Adds sections at these addresses, each named after its address
/// (`short-takes` is "Short takes"), for files that name them.
pub async fn create_sections(
    site: &Site,
    actor: &User,
    slugs: &[String],
) -> Result<Vec<Section>, OpError> {
    let mut made = Vec::with_capacity(slugs.len());
    for slug in slugs {
        let words = slug.replace(['-', '_'], " ");
        let mut letters = words.chars();
        let name = match letters.next() {
            Some(first) => first.to_uppercase().chain(letters).collect(),
            None => String::new(),
        };
        made.push(sections::create(site, actor, slug, &name, "").await?);
    }
    Ok(made)
}

/// How long a batch of files goes uncommitted: a site served meanwhile
/// waits about this long at most to write (a comment), and a crash loses
/// no more than this much of the work, which a new run does again.
const BATCH_TIME: Duration = Duration::from_millis(250);

/// The import's first fresh statistics, after this many posts stored.
const FIRST_ANALYSIS: usize = 1000;

/// Imports files, many to a transaction (see [`PostBatch`]): a post with
/// the same slug is updated, never duplicated, and nothing of a file is
/// stored when any of it is wrong. Related picks are left to compute
/// afterwards ([`PostBatch::relating_later`]). `done` hears of each file once its batch
/// is stored.
pub async fn import_files(
    site: &Site,
    files: &[PathBuf],
    actor: &User,
    mut done: impl FnMut(&Path, Result<Imported, Vec<DocumentError>>),
) -> Result<(), StoreError> {
    let mut files = files.iter().peekable();
    // PostgreSQL's plans of a batch's statements, made while the tables
    // were nearly empty, walk them whole once they are not (at 20,000
    // picks, each post's look-up of its work read 10,000 works): fresh
    // statistics each time the import has doubled what it stored have it
    // plan again.
    let (mut stored_posts, mut next_analysis) = (0, FIRST_ANALYSIS);
    while files.peek().is_some() {
        let mut batch = site.store.post_batch().await?.relating_later();
        let started = Instant::now();
        let mut results = Vec::new();
        while started.elapsed() < BATCH_TIME {
            let Some(file) = files.next() else { break };
            results.push((file, import_file(&mut batch, site, file, actor).await));
        }
        let stored = batch.commit().await;
        if stored.is_ok() {
            stored_posts += results.iter().filter(|(_, r)| r.is_ok()).count();
        }
        for (file, result) in results {
            done(
                file,
                match &stored {
                    Ok(()) => result,
                    Err(e) => result.and(Err(vec![whole_file(format!("not stored: {e}"))])),
                },
            );
        }
        if stored_posts >= next_analysis {
            // Only quicker for it: a failure here is the next batch's to tell.
            if let Err(e) = site.store.analyse().await {
                tracing::warn!("could not gather statistics: {e}");
            }
            next_analysis = 2 * stored_posts;
        }
    }
    Ok(())
}

/// Imports one content file into a batch; its cover photo is read beside it.
async fn import_file(
    batch: &mut PostBatch<'_>,
    site: &Site,
    path: &Path,
    actor: &User,
) -> Result<Imported, Vec<DocumentError>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| vec![whole_file(format!("could not read the file: {e}"))])?;
    let base = path.parent().unwrap_or(Path::new(".")).to_owned();
    let media_dir = site.media_dir();
    let loader = move |src: &str| match src.strip_prefix(bestpick_store::media_prefix()) {
        Some(stored) => std::fs::read(media_dir.join(stored)),
        None => std::fs::read(base.join(src)),
    };
    import_into(
        batch,
        site,
        &text,
        CoverSource::Load(Box::new(loader)),
        actor,
    )
    .await
}

/// Imports a document given as text; `cover` loads its cover photo.
pub async fn import_text(
    site: &Site,
    text: &str,
    cover: CoverSource,
    actor: &User,
) -> Result<Imported, Vec<DocumentError>> {
    let mut batch = site.store.post_batch().await.map_err(|e| vec![other(e)])?;
    let imported = import_into(&mut batch, site, text, cover, actor).await?;
    batch.commit().await.map_err(|e| vec![other(e)])?;
    Ok(imported)
}

async fn import_into(
    batch: &mut PostBatch<'_>,
    site: &Site,
    text: &str,
    cover: CoverSource,
    actor: &User,
) -> Result<Imported, Vec<DocumentError>> {
    let (_, post) = document::parse(text)?;
    let mode = SaveMode::Upsert;
    let cover = posts::prepare(site, &post, cover, actor, mode)
        .await
        .map_err(|e| located(text, e))?;
    let created = match batch.save_post(&post, &cover, actor, mode).await {
        Ok(created) => created,
        Err(e) => return Err(located(text, posts::worded(site, &post, e).await.into())),
    };
    Ok(Imported {
        slug: post.slug.to_string(),
        created,
    })
}

/// A save's errors, each on the line of the file its field is on.
fn located(text: &str, e: SaveError) -> Vec<DocumentError> {
    match e.field_errors() {
        Some(fields) => fields
            .0
            .into_iter()
            .map(|f| DocumentError {
                line: document::field_line(text, &f.field),
                field: Some(f.field),
                message: f.message,
            })
            .collect(),
        None => vec![other(e)],
    }
}

fn whole_file(message: String) -> DocumentError {
    DocumentError {
        line: None,
        field: None,
        message,
    }
}

fn other(e: impl Into<SaveError>) -> DocumentError {
    let e: SaveError = e.into();
    let mut message = e.to_string();
    if let SaveError::Store(inner) = &e {
        let mut source = std::error::Error::source(inner);
        while let Some(s) = source {
            message.push_str(&format!(": {s}"));
            source = s.source();
        }
    }
    whole_file(message)
}
