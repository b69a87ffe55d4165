//! Users (editors, authors, admins).

use crate::error::OnConflict;
use crate::sql::named;
use crate::{Result, Store, StoreError, Topic};
use bestpick_core::user::Role;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub bio: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
}

const COLUMNS: &str = "id, username, display_name, role, bio, password_hash";

fn from_row(r: &AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        role: named(r, "role", Role::parse)?,
        bio: r.try_get("bio")?,
        password_hash: r.try_get("password_hash")?,
    })
}

impl Store {
    /// Adds a user; `password_hash` is an Argon2 PHC string.
    pub async fn create_user(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        password_hash: &str,
    ) -> Result<User> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, role, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(username)
        .bind(display_name)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(self.now())
        .fetch_one(&mut *tx)
        .await
        .on_unique("username", username)?;
        self.commit(tx, &[Topic::Site], &[]).await?;
        Ok(User {
            id,
            username: username.to_owned(),
            display_name: display_name.to_owned(),
            role,
            bio: None,
            password_hash: password_hash.to_owned(),
        })
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE username = $1"))
            .bind(username)
            .fetch_optional(&self.readers)
            .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    pub async fn user(&self, id: i64) -> Result<Option<User>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.readers)
            .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM users ORDER BY username"))
            .fetch_all(&self.readers)
            .await?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }

    pub async fn has_admin(&self) -> Result<bool> {
        Ok(self.admins().await? > 0)
    }

    /// How many admins the site has.
    pub async fn admins(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
                .fetch_one(&self.readers)
                .await?,
        )
    }

    /// The first admin, who is the author of imported posts that name none.
    pub async fn first_admin(&self) -> Result<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM users WHERE role = 'admin' ORDER BY id LIMIT 1"
        ))
        .fetch_optional(&self.readers)
        .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// Sets a new password hash and ends the user's sessions, so a changed
    /// password locks out whoever knew the old one.
    pub async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        // A new password ends whatever the old one let in.
        for table in ["sessions", "api_tokens"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        self.commit(tx, &[], &[]).await?;
        Ok(())
    }

    /// Deletes a user with their sessions and API tokens; their posts
    /// become `posts_to`'s (a post keeps its other authors), and their
    /// comments stay, no longer linked to an account.
    pub async fn remove_user(&self, user_id: i64, posts_to: Option<i64>) -> Result<()> {
        let mut tx = self.begin().await?;
        if let Some(to) = posts_to {
            sqlx::query(
                "INSERT INTO post_authors (post_id, user_id, position)
                 SELECT post_id, $1, position FROM post_authors WHERE user_id = $2
                 ON CONFLICT DO NOTHING",
            )
            .bind(to)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM post_authors WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        // Their followers, key and what waits to be signed with it go with
        // them: SQLite may give their id to the next user, who must not
        // inherit any.
        for table in [
            "followers WHERE local_actor",
            "actor_keys WHERE actor",
            "deliveries WHERE delivered_at IS NULL AND gave_up_at IS NULL AND signer",
        ] {
            sqlx::query(&format!("DELETE FROM {table} = $1"))
                .bind(format!("user:{user_id}"))
                .execute(&mut *tx)
                .await?;
        }
        let done = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("that user".into()));
        }
        self.commit(tx, &[Topic::Site], &[]).await?;
        Ok(())
    }

    /// How many posts name this user as an author.
    pub async fn posts_by(&self, user_id: i64) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM post_authors WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(&self.readers)
                .await?,
        )
    }

    pub async fn update_user(
        &self,
        user_id: i64,
        display_name: &str,
        role: Role,
        bio: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE users SET display_name = $1, role = $2, bio = $3 WHERE id = $4")
            .bind(display_name)
            .bind(role.as_str())
            .bind(bio)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        self.commit(tx, &[Topic::Site], &[]).await?;
        Ok(())
    }
}
