//! Login sessions and API tokens. Only hashes of their secrets are stored.

use crate::error::OnConflict;
use crate::{Result, Store};
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: i64,
    pub csrf_token: String,
    pub expires_at: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub user_id: i64,
}

/// What `token list` shows of a token.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiTokenInfo {
    pub id: i64,
    pub name: String,
    /// The token's first characters.
    pub prefix: String,
    pub username: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
}

impl Store {
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(self.now())
        .bind(expires_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The live session with this token hash; expired ones are not returned.
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(self.now())
        .fetch_optional(&self.readers)
        .await?;
        row.map(|r| {
            Ok(Session {
                user_id: r.try_get("user_id")?,
                csrf_token: r.try_get("csrf_token")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2")
            .bind(token_hash)
            .bind(self.now())
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Stores a new API token by its hash; `prefix` is its first
    /// characters, shown by `token list`.
    pub async fn create_api_token(
        &self,
        name: &str,
        token_hash: &str,
        prefix: &str,
        user_id: i64,
        expires_at: Option<i64>,
    ) -> Result<ApiToken> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (name, token_hash, prefix, user_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(name)
        .bind(token_hash)
        .bind(prefix)
        .bind(user_id)
        .bind(self.now())
        .bind(expires_at)
        .fetch_one(&self.writer)
        .await
        .on_unique("name", name)?;
        Ok(ApiToken {
            id,
            name: name.to_owned(),
            user_id,
        })
    }

    /// The live token with this hash (not expired), marking it used.
    pub async fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        let row = sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1
             WHERE token_hash = $2 AND (expires_at IS NULL OR expires_at > $1)
             RETURNING id, name, user_id",
        )
        .bind(self.now())
        .bind(token_hash)
        .fetch_optional(&self.writer)
        .await?;
        row.map(|r| {
            Ok(ApiToken {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                user_id: r.try_get("user_id")?,
            })
        })
        .transpose()
    }

    /// Every token, for `token list`: never the token, only its prefix.
    pub async fn api_tokens(&self) -> Result<Vec<ApiTokenInfo>> {
        let rows = sqlx::query(
            "SELECT t.id, t.name, t.prefix, u.username, t.created_at, t.last_used_at, t.expires_at
             FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id",
        )
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiTokenInfo {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    prefix: r.try_get("prefix")?,
                    username: r.try_get("username")?,
                    created_at: r.try_get("created_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                    expires_at: r.try_get("expires_at")?,
                })
            })
            .collect()
    }

    /// Deletes the token with this id (a number) or else this name;
    /// returns its name, `None` when there is no such token. Exactly one
    /// token at most, even if an old token was named with a number.
    pub async fn revoke_api_token(&self, name_or_id: &str) -> Result<Option<String>> {
        let q = match name_or_id.parse::<i64>() {
            Ok(id) => {
                sqlx::query_scalar("DELETE FROM api_tokens WHERE id = $1 RETURNING name").bind(id)
            }
            Err(_) => sqlx::query_scalar("DELETE FROM api_tokens WHERE name = $1 RETURNING name")
                .bind(name_or_id),
        };
        Ok(q.fetch_optional(&self.writer).await?)
    }
}
