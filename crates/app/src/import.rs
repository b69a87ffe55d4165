//! `bestpick import`: content files into the site, one transaction per file.

use crate::posts::{self, CoverSource, SaveError};
use crate::Site;
use bestpick_core::document::{self, DocumentError};
use bestpick_store::{SaveMode, User};
use std::path::{Path, PathBuf};

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

/// Imports one content file: a post with the same slug is updated, never
/// duplicated. Nothing of the file is stored when any of it is wrong.
pub async fn import_file(
    site: &Site,
    path: &Path,
    actor: &User,
) -> Result<Imported, Vec<DocumentError>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![DocumentError {
            line: None,
            field: None,
            message: format!("could not read the file: {e}"),
        }]
    })?;
    let base = path.parent().unwrap_or(Path::new(".")).to_owned();
    let media_dir = site.media_dir();
    let loader = move |src: &str| match src.strip_prefix(bestpick_store::media_prefix()) {
        Some(stored) => std::fs::read(media_dir.join(stored)),
        None => std::fs::read(base.join(src)),
    };
    import_text(site, &text, CoverSource::Load(Box::new(loader)), actor).await
}

/// Imports a document given as text; `cover` loads its cover photo.
pub async fn import_text(
    site: &Site,
    text: &str,
    cover: CoverSource,
    actor: &User,
) -> Result<Imported, Vec<DocumentError>> {
    let (data, valid) = document::parse(text)?;
    let created = site
        .store
        .post_id_by_slug(valid.slug.as_str())
        .await
        .map_err(|e| vec![other(e)])?
        .is_none();
    match posts::save(site, &data, cover, actor, SaveMode::Upsert).await {
        Ok(_) => Ok(Imported {
            slug: valid.slug.to_string(),
            created,
        }),
        Err(e) => Err(match e.field_errors() {
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
        }),
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
    DocumentError {
        line: None,
        field: None,
        message,
    }
}
