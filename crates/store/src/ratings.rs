//! Readers' ratings of picks: one per reader and pick, counted on the post
//! as they come (a page shows the count without counting), apart from the
//! critics' scores.

use crate::sql::flag;
use crate::{Result, Store, StoreError, Topic};
use sqlx::Row;

/// A post's ratings as kept: values are 1 to 5 (thumbs are 1 and 5).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ratings {
    pub count: i64,
    pub sum: i64,
    /// Hidden by an editor: not shown, and no new ratings taken.
    pub hidden: bool,
}

/// A post's ratings from its row (`rating_count`, `rating_sum`,
/// `ratings_hidden`).
pub(crate) fn ratings_from_row(r: &sqlx::any::AnyRow) -> Result<Ratings, sqlx::Error> {
    Ok(Ratings {
        count: r.try_get("rating_count")?,
        sum: r.try_get("rating_sum")?,
        hidden: flag(r, "ratings_hidden")?,
    })
}

/// A rating asked to be stored.
#[derive(Debug, Clone)]
pub struct NewRating<'a> {
    pub post_id: i64,
    /// The reader's own random id (their cookie's).
    pub reader: &'a str,
    /// A keyed hash of the reader's network address.
    pub address: &'a str,
    pub value: i64,
}

/// How many ratings one address may give, over what time.
#[derive(Debug, Clone, Copy)]
pub struct RatingLimits {
    /// Ratings from the address in the last hour, across posts.
    pub per_hour: i64,
    /// Readers from the address rating one post in the last day (people
    /// who share a connection may each rate).
    pub per_post_per_day: i64,
}

/// What became of a rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rated {
    /// A new reader's rating, counted.
    Counted,
    /// The reader had rated the post: their rating changed, counted once.
    Changed,
    /// Over a limit of the address: nothing stored.
    Limited,
}

impl Store {
    /// Stores a reader's rating of a pick readers may see, in one
    /// transaction with the post's count. A hidden post's ratings take
    /// none (refused as not found, as a draft's).
    pub async fn rate(&self, r: &NewRating<'_>, limits: RatingLimits) -> Result<Rated> {
        let now = self.now();
        let mut tx = self.begin().await?;
        // The post's row is locked (a no-op update) for the transaction:
        // one reader's two clicks, or two readers, count one after another.
        let open: Option<bool> = sqlx::query(
            "UPDATE posts SET rating_count = rating_count WHERE id = $1 AND kind = 'pick'
             AND status = 'published' AND published_at <= $2 RETURNING ratings_hidden",
        )
        .bind(r.post_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?
        .map(|row| flag(&row, "ratings_hidden").map(|hidden| !hidden))
        .transpose()?;
        if open != Some(true) {
            return Err(StoreError::NotFound("that pick".into()));
        }
        let before: Option<i64> =
            sqlx::query_scalar("SELECT value FROM ratings WHERE post_id = $1 AND reader = $2")
                .bind(r.post_id)
                .bind(r.reader)
                .fetch_optional(&mut *tx)
                .await?;
        if before.is_none() {
            let hour: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM ratings WHERE address = $1 AND created_at > $2",
            )
            .bind(r.address)
            .bind(now - 3600)
            .fetch_one(&mut *tx)
            .await?;
            let day: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM ratings WHERE address = $1 AND post_id = $2 AND created_at > $3",
            )
            .bind(r.address)
            .bind(r.post_id)
            .bind(now - 86_400)
            .fetch_one(&mut *tx)
            .await?;
            if hour >= limits.per_hour || day >= limits.per_post_per_day {
                return Ok(Rated::Limited);
            }
        }
        let (rated, count, sum) = match before {
            None => {
                sqlx::query(
                    "INSERT INTO ratings (post_id, reader, address, value, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(r.post_id)
                .bind(r.reader)
                .bind(r.address)
                .bind(r.value)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                (Rated::Counted, 1, r.value)
            }
            Some(old) => {
                sqlx::query("UPDATE ratings SET value = $1 WHERE post_id = $2 AND reader = $3")
                    .bind(r.value)
                    .bind(r.post_id)
                    .bind(r.reader)
                    .execute(&mut *tx)
                    .await?;
                (Rated::Changed, 0, r.value - old)
            }
        };
        sqlx::query(
            "UPDATE posts SET rating_count = rating_count + $1, rating_sum = rating_sum + $2 WHERE id = $3",
        )
        .bind(count)
        .bind(sum)
        .bind(r.post_id)
        .execute(&mut *tx)
        .await?;
        self.commit(tx, &[Topic::Post(r.post_id)], &[]).await?;
        Ok(rated)
    }

    /// The ratings of these posts, by id (for the editor's list).
    pub async fn ratings_of(&self, ids: &[i64]) -> Result<Vec<(i64, Ratings)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, rating_count, rating_sum, ratings_hidden FROM posts WHERE id IN ({})",
            crate::sql::list(1, ids.len())
        );
        let rows = sqlx::query_with(&sql, crate::sql::ids(ids))
            .fetch_all(&self.readers)
            .await?;
        Ok(rows
            .iter()
            .map(|r| Ok((r.try_get("id")?, ratings_from_row(r)?)))
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// Deletes a post's ratings: its readers' score starts again.
    pub async fn reset_ratings(&self, post_id: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM ratings WHERE post_id = $1")
            .bind(post_id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("UPDATE posts SET rating_count = 0, rating_sum = 0 WHERE id = $1")
            .bind(post_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("that post".into()));
        }
        self.commit(tx, &[Topic::Post(post_id)], &[]).await
    }

    /// Hides a post's ratings (and takes no more), or shows them again.
    pub async fn set_ratings_hidden(&self, post_id: i64, hidden: bool) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE posts SET ratings_hidden = $1 WHERE id = $2")
            .bind(hidden)
            .bind(post_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("that post".into()));
        }
        self.commit(tx, &[Topic::Post(post_id)], &[]).await
    }
}
