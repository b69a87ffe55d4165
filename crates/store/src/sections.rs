//! Sections: the site's departments (Best Pick, Essays, News...).

use crate::error::OnConflict;
use crate::sql::flag;
use crate::{Refusal, Result, Store, StoreError, Topic};
use sqlx::any::AnyRow;
use sqlx::Row;

/// What a section's page shows instead of a list of posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Feature {
    /// Every line of every work (the Quotes section).
    Quotes,
    /// The line game (Guess!).
    Guess,
}

impl Feature {
    pub fn as_str(self) -> &'static str {
        match self {
            Feature::Quotes => "quotes",
            Feature::Guess => "guess",
        }
    }

    pub fn parse(s: &str) -> Option<Feature> {
        [Feature::Quotes, Feature::Guess]
            .into_iter()
            .find(|f| f.as_str() == s)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Section {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i64,
    /// The section that replaced this one, when retired.
    pub retired_into: Option<i64>,
    /// No new comments on any of its posts.
    pub comments_closed: bool,
    /// Set when the section's page is a feature, with no posts.
    pub feature: Option<Feature>,
    /// Left out of the site's menus (its addresses still answer).
    pub hidden: bool,
}

impl Section {
    pub fn is_active(&self) -> bool {
        self.retired_into.is_none()
    }
}

const COLUMNS: &str =
    "id, slug, name, description, position, retired_into, comments_closed, feature, hidden";

fn from_row(r: &AnyRow) -> Result<Section, sqlx::Error> {
    Ok(Section {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        position: r.try_get("position")?,
        retired_into: r.try_get("retired_into")?,
        comments_closed: flag(r, "comments_closed")?,
        feature: match r.try_get::<Option<String>, _>("feature")? {
            Some(_) => Some(crate::sql::named(r, "feature", Feature::parse)?),
            None => None,
        },
        hidden: flag(r, "hidden")?,
    })
}

impl Store {
    /// Every section, active ones first, each group in its order.
    pub async fn sections(&self) -> Result<Vec<Section>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM sections ORDER BY retired_into IS NOT NULL, position, id"
        ))
        .fetch_all(&self.readers)
        .await?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }

    pub async fn section_by_slug(&self, slug: &str) -> Result<Option<Section>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM sections WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(&self.readers)
            .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    pub async fn section(&self, id: i64) -> Result<Option<Section>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM sections WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.readers)
            .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// Adds a section of posts at the end of the order.
    pub async fn create_section(
        &self,
        slug: &str,
        name: &str,
        description: &str,
    ) -> Result<Section> {
        self.create_feature_section(slug, name, description, None)
            .await
    }

    /// Adds a section at the end of the order: of posts, or a feature.
    pub async fn create_feature_section(
        &self,
        slug: &str,
        name: &str,
        description: &str,
        feature: Option<Feature>,
    ) -> Result<Section> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sections (slug, name, description, position, created_at, feature)
             VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM sections), $4, $5) RETURNING id",
        )
        .bind(slug)
        .bind(name)
        .bind(description)
        .bind(self.now())
        .bind(feature.map(Feature::as_str))
        .fetch_one(&mut *tx)
        .await
        .on_unique("slug", slug)?;
        self.commit(tx, &[Topic::Site], &[]).await?;
        self.section(id)
            .await?
            .ok_or_else(|| StoreError::NotFound("the new section".into()))
    }

    pub async fn update_section(&self, id: i64, name: &str, description: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE sections SET name = $1, description = $2 WHERE id = $3")
            .bind(name)
            .bind(description)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.commit(tx, &[Topic::Site], &[]).await?;
        Ok(())
    }

    /// Shows a section in the site's menus, or leaves it out.
    pub async fn set_section_hidden(&self, id: i64, hidden: bool) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE sections SET hidden = $1 WHERE id = $2")
            .bind(hidden)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.commit(tx, &[Topic::Site], &[]).await?;
        Ok(())
    }

    /// The active section showing this feature, if any.
    pub async fn feature_section(&self, feature: Feature) -> Result<Option<Section>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM sections WHERE feature = $1 AND retired_into IS NULL
             ORDER BY position, id LIMIT 1"
        ))
        .bind(feature.as_str())
        .fetch_optional(&self.readers)
        .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// Moves a section one place up (`-1`) or down (`+1`) among the active ones.
    pub async fn move_section(&self, id: i64, step: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM sections WHERE retired_into IS NULL ORDER BY position, id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut ids = ids;
        if let Some(i) = ids.iter().position(|&x| x == id) {
            let j = i as i64 + step;
            if (0..ids.len() as i64).contains(&j) {
                ids.swap(i, j as usize);
            }
        }
        for (pos, id) in ids.iter().enumerate() {
            sqlx::query("UPDATE sections SET position = $1 WHERE id = $2")
                .bind(pos as i64 + 1)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        self.commit(tx, &[Topic::Site], &[]).await?;
        Ok(())
    }

    /// Retires a section into another: its posts move there, and its address
    /// (and theirs) will answer with a permanent redirect. Sections retired
    /// into this one earlier now point at the new one, so no chain forms.
    /// Refused (as `Unknown` for `into`) unless both are active and differ:
    /// the caller checked, but another writer may have changed them since.
    pub async fn retire_section(&self, id: i64, into: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        // Both rows held, in one order, before either is read: two editors
        // retiring A into B and B into C meanwhile take turns, and the
        // second sees the first's change (no chain, no posts left behind).
        let mut ids = [id, into];
        ids.sort_unstable();
        for id in ids {
            sqlx::query("UPDATE sections SET retired_into = retired_into WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let done = sqlx::query(
            "UPDATE sections SET retired_into = $1
             WHERE id = $2 AND retired_into IS NULL AND id <> $1
               AND EXISTS (SELECT 1 FROM sections s WHERE s.id = $1 AND s.retired_into IS NULL)",
        )
        .bind(into)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::refused(
                "into",
                into.to_string(),
                Refusal::Unknown,
            ));
        }
        sqlx::query("UPDATE sections SET retired_into = $1 WHERE retired_into = $2")
            .bind(into)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE posts SET section_id = $1, updated_at = $2 WHERE section_id = $3")
            .bind(into)
            .bind(self.now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.commit(tx, &[Topic::Site], &[]).await?;
        Ok(())
    }
}
