//! Every public page a search engine should know, for the sitemap: each
//! published post whose time has come, and the sections, tags, authors,
//! works and people such posts make public, each with the time of the
//! newest edit it shows. Paged list pages, search results and Guess! are
//! left out: those pages say `noindex`.

use crate::{Result, Store};
use sqlx::Row;

/// One page: its path on the site and when what it shows last changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub path: String,
    /// Unix seconds; none for a page of no post (a section still empty).
    pub modified: Option<i64>,
}

/// Published posts whose time has come (`$1` is now).
const PUBLIC: &str = "p.status = 'published' AND p.published_at <= $1";

/// When a post last changed for readers: its last edit, or its going live
/// when later (a scheduled post is not saved again when its time comes).
const CHANGED: &str =
    "CASE WHEN p.published_at > p.updated_at THEN p.published_at ELSE p.updated_at END";

impl Store {
    /// Every public page, home first, then sections in their order, posts
    /// newest first, tags, authors, works and people by address.
    pub async fn public_pages(&self) -> Result<Vec<Listed>> {
        let now = self.now();
        let mut out = Vec::new();
        let newest: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT MAX({CHANGED}) FROM posts p WHERE {PUBLIC}"
        ))
        .bind(now)
        .fetch_one(&self.readers)
        .await?;
        out.push(Listed {
            path: "/".into(),
            modified: newest,
        });
        // Guess! pages are one round each, and say noindex.
        let sections = format!(
            "SELECT s.slug AS path, (SELECT MAX({CHANGED}) FROM posts p
               WHERE p.section_id = s.id AND {PUBLIC}) AS modified
             FROM sections s WHERE s.retired_into IS NULL
               AND (s.feature IS NULL OR s.feature <> 'guess')
             ORDER BY s.position"
        );
        let queries = [
            (sections, "/"),
            (
                format!(
                    "SELECT s.slug || '/' || p.slug AS path, {CHANGED} AS modified
                     FROM posts p JOIN sections s ON s.id = p.section_id WHERE {PUBLIC}
                     ORDER BY p.published_at DESC, p.id DESC"
                ),
                "/",
            ),
            (
                format!(
                    "SELECT t.slug AS path, MAX({CHANGED}) AS modified FROM tags t
                     JOIN post_tags pt ON pt.tag_id = t.id JOIN posts p ON p.id = pt.post_id
                     WHERE {PUBLIC} GROUP BY t.slug ORDER BY t.slug"
                ),
                "/tag/",
            ),
            (
                format!(
                    "SELECT u.username AS path, MAX({CHANGED}) AS modified FROM users u
                     JOIN post_authors pa ON pa.user_id = u.id JOIN posts p ON p.id = pa.post_id
                     WHERE {PUBLIC} GROUP BY u.username ORDER BY u.username"
                ),
                "/author/",
            ),
            (
                format!(
                    "SELECT w.slug AS path, MAX({CHANGED}) AS modified FROM works w
                     JOIN posts p ON p.work_id = w.id WHERE {PUBLIC} GROUP BY w.slug ORDER BY w.slug"
                ),
                "/work/",
            ),
            (
                format!(
                    "SELECT pe.slug AS path, MAX({CHANGED}) AS modified FROM people pe
                     JOIN credits c ON c.person_id = pe.id JOIN posts p ON p.work_id = c.work_id
                     WHERE {PUBLIC} GROUP BY pe.slug ORDER BY pe.slug"
                ),
                "/person/",
            ),
        ];
        for (query, prefix) in queries {
            for row in sqlx::query(&query)
                .bind(now)
                .fetch_all(&self.readers)
                .await?
            {
                out.push(Listed {
                    path: format!("{prefix}{}", row.try_get::<String, _>("path")?),
                    modified: row.try_get("modified")?,
                });
            }
        }
        out.push(Listed {
            path: "/works".into(),
            modified: newest,
        });
        Ok(out)
    }
}
