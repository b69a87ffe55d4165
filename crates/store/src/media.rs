//! Uploaded images and their resized variants.

use crate::sql::{self, json, unsigned};
use crate::{Result, Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Variant {
    pub width: u32,
    pub file: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Media {
    pub id: i64,
    pub file: String,
    pub original_name: String,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
    pub alt: String,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub variants: Vec<Variant>,
    pub url: String,
    pub srcset: String,
}

/// The media URL prefix; files are served from the data folder's media/.
pub const MEDIA_PREFIX: &str = "/media/";

impl Media {
    fn finish(mut self) -> Media {
        self.url = format!("{MEDIA_PREFIX}{}", self.file);
        let mut set: Vec<String> = self
            .variants
            .iter()
            .map(|v| format!("{MEDIA_PREFIX}{} {}w", v.file, v.width))
            .collect();
        if !self.variants.iter().any(|v| v.width >= self.width) {
            set.push(format!("{} {}w", self.url, self.width));
        }
        self.srcset = set.join(", ");
        self
    }

    pub fn figure(&self) -> bestpick_core::markdown::Figure {
        bestpick_core::markdown::Figure {
            src: self.url.clone(),
            srcset: self.srcset.clone(),
            width: self.width,
            height: self.height,
            caption: self.caption.clone(),
            credit: self.credit.clone(),
        }
    }
}

/// A stored upload to record.
#[derive(Debug, Clone)]
pub struct NewMedia {
    pub file: String,
    pub original_name: String,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
    pub alt: String,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub variants: Vec<Variant>,
}

const COLUMNS: &str =
    "id, file, original_name, mime, width, height, bytes, alt, caption, credit, variants";

pub(crate) fn from_row(r: &AnyRow) -> Result<Media, sqlx::Error> {
    Ok(Media {
        id: r.try_get("id")?,
        file: r.try_get("file")?,
        original_name: r.try_get("original_name")?,
        mime: r.try_get("mime")?,
        width: unsigned(r, "width")?,
        height: unsigned(r, "height")?,
        bytes: r.try_get("bytes")?,
        alt: r.try_get("alt")?,
        caption: r.try_get("caption")?,
        credit: r.try_get("credit")?,
        variants: json(r, "variants")?,
        url: String::new(),
        srcset: String::new(),
    }
    .finish())
}

impl Store {
    /// Records an upload on its own (see [`insert_media`]). The same picture
    /// uploaded again is the stored one, its words as now given: the pages
    /// showing it are told.
    pub async fn save_media(&self, m: &NewMedia) -> Result<Media> {
        let mut tx = self.begin().await?;
        let existed: Option<i64> = sqlx::query_scalar("SELECT id FROM media WHERE file = $1")
            .bind(&m.file)
            .fetch_optional(&mut *tx)
            .await?;
        let id = insert_media(&mut tx, m, self.now()).await?;
        let topics: &[crate::Topic] = match existed {
            Some(_) => &[crate::Topic::Site],
            None => &[],
        };
        self.commit(tx, topics, &[]).await?;
        self.media(id)
            .await?
            .ok_or_else(|| StoreError::NotFound("the new media".into()))
    }
}

/// Records an upload; a file stored before (same content, same name) is found
/// again and its texts updated, so re-imports do not pile up copies.
pub(crate) async fn insert_media(
    conn: &mut sqlx::AnyConnection,
    m: &NewMedia,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO media (file, original_name, mime, width, height, bytes, alt, caption, credit, variants, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (file) DO UPDATE SET alt = excluded.alt,
             caption = COALESCE(excluded.caption, media.caption), credit = COALESCE(excluded.credit, media.credit)
         RETURNING id",
    )
    .bind(&m.file)
    .bind(&m.original_name)
    .bind(&m.mime)
    .bind(i64::from(m.width))
    .bind(i64::from(m.height))
    .bind(m.bytes)
    .bind(&m.alt)
    .bind(&m.caption)
    .bind(&m.credit)
    .bind(sql::to_json(&m.variants))
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

impl Store {
    pub async fn media(&self, id: i64) -> Result<Option<Media>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM media WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.readers)
            .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// The media whose addresses (`/media/...`) are given, for rendering the
    /// images a body holds in one query.
    pub async fn media_by_urls(&self, urls: &[String]) -> Result<Vec<Media>> {
        let files: Vec<&str> = urls
            .iter()
            .filter_map(|u| u.strip_prefix(MEDIA_PREFIX))
            .collect();
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM media WHERE file IN ({})",
            sql::list(1, files.len())
        );
        let mut q = sqlx::query(&sql);
        for f in &files {
            q = q.bind(*f);
        }
        Ok(q.fetch_all(&self.readers)
            .await?
            .iter()
            .map(from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Newest first.
    pub async fn media_list(&self, limit: i64) -> Result<Vec<Media>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM media ORDER BY id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.readers)
        .await?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }
}

/// Where an image is used: a post's cover, an image in a post's body, or
/// the poster of a work (with the posts about it).
#[derive(Debug, Clone, serde::Serialize)]
pub struct MediaUse {
    pub post_id: i64,
    pub title: String,
    pub url: String,
    /// "cover", "body" or "poster".
    pub how: &'static str,
}

/// A page of the library: images newest first, matching a search.
#[derive(Debug, Clone, Default)]
pub struct MediaQuery {
    /// Words looked for in the alt text, caption, credit and file name.
    pub text: String,
    /// Only images older than this id: the next page.
    pub before: Option<i64>,
    pub limit: i64,
}

impl Store {
    /// The library's images for `q`, newest first.
    pub async fn media_search(&self, q: &MediaQuery) -> Result<Vec<Media>> {
        let pattern = like_pattern(&q.text);
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM media
             WHERE ($1 = '' OR LOWER(alt) LIKE $2 ESCAPE '\\' OR LOWER(COALESCE(caption, '')) LIKE $2 ESCAPE '\\'
                OR LOWER(COALESCE(credit, '')) LIKE $2 ESCAPE '\\' OR LOWER(original_name) LIKE $2 ESCAPE '\\')
               AND id < $3
             ORDER BY id DESC LIMIT $4"
        ))
        .bind(q.text.trim())
        .bind(pattern)
        .bind(q.before.unwrap_or(i64::MAX))
        .bind(q.limit)
        .fetch_all(&self.readers)
        .await?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }

    /// Every use of the image with this id.
    pub async fn media_uses(&self, id: i64) -> Result<Vec<MediaUse>> {
        let Some(media) = self.media(id).await? else {
            return Ok(Vec::new());
        };
        let mut conn = self.readers.acquire().await?;
        uses(&mut conn, &media).await
    }

    /// Deletes the image with this id if nothing uses it, checked in the
    /// same transaction; returns the deleted record (to remove its files),
    /// or the uses that kept it.
    pub async fn delete_media(&self, id: i64) -> Result<std::result::Result<Media, Vec<MediaUse>>> {
        let media = self
            .media(id)
            .await?
            .ok_or_else(|| StoreError::NotFound("that image".into()))?;
        let mut tx = self.begin().await?;
        let found = uses(&mut tx, &media).await?;
        if !found.is_empty() {
            return Ok(Err(found));
        }
        let deleted = sqlx::query("DELETE FROM media WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await;
        match deleted {
            // Made a post's cover since the look above.
            Err(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
                drop(tx);
                return Ok(Err(self.media_uses(id).await?));
            }
            done => done?,
        };
        // Nothing shows an image no post uses: no page changes.
        self.commit(tx, &[], &[]).await?;
        Ok(Ok(media))
    }
}

/// `text` as a case-blind `LIKE` pattern matching it anywhere, its own `%`
/// and `_` taken literally (for `LOWER(column) LIKE`).
fn like_pattern(text: &str) -> String {
    like_literal(&text.trim().to_lowercase())
}

/// `text` as a `LIKE` pattern matching it anywhere, as it is.
fn like_literal(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The uses of `media`: as a cover, in a body (any of its sizes), or as the
/// poster of a work, with each post about that work.
async fn uses(conn: &mut sqlx::AnyConnection, media: &Media) -> Result<Vec<MediaUse>> {
    let mut files = vec![media.file.clone()];
    files.extend(media.variants.iter().map(|v| v.file.clone()));
    let mut found = Vec::new();
    let row_use = |r: &AnyRow, how| -> Result<MediaUse, sqlx::Error> {
        let section: String = r.try_get("section")?;
        let slug: String = r.try_get("slug")?;
        Ok(MediaUse {
            post_id: r.try_get("id")?,
            title: r.try_get("title")?,
            url: format!("/{section}/{slug}"),
            how,
        })
    };
    const POST: &str = "SELECT p.id, p.title, p.slug, s.slug AS section FROM posts p JOIN sections s ON s.id = p.section_id";
    for r in sqlx::query(&format!("{POST} WHERE p.cover_media_id = $1 ORDER BY p.id"))
        .bind(media.id)
        .fetch_all(&mut *conn)
        .await?
    {
        found.push(row_use(&r, "cover")?);
    }
    for file in &files {
        let url = format!("{MEDIA_PREFIX}{file}");
        for r in sqlx::query(&format!(
            "{POST} WHERE p.body LIKE $1 ESCAPE '\\' ORDER BY p.id"
        ))
        .bind(like_literal(&url))
        .fetch_all(&mut *conn)
        .await?
        {
            let used = row_use(&r, "body")?;
            // A body may show several sizes of one image: one use.
            if !found
                .iter()
                .any(|u| u.post_id == used.post_id && u.how == "body")
            {
                found.push(used);
            }
        }
        for r in sqlx::query(&format!(
            "{POST} JOIN works w ON w.id = p.work_id WHERE w.poster = $1 ORDER BY p.id"
        ))
        .bind(&url)
        .fetch_all(&mut *conn)
        .await?
        {
            found.push(row_use(&r, "poster")?);
        }
    }
    Ok(found)
}

/// The address prefix of uploaded media.
pub fn media_prefix() -> &'static str {
    MEDIA_PREFIX
}
