//! Login sessions and API tokens. Only hashes of their secrets are stored.

use crate::error::OnConflict;
use crate::{now, Result, Store};
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

impl Store {
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(now())
        .bind(expires_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The live session with this token hash; expired ones are not returned.
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.readers)
        .await?;
        Ok(row.map(|r| Session {
            user_id: r.get("user_id"),
            csrf_token: r.get("csrf_token"),
            expires_at: r.get("expires_at"),
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ? OR expires_at <= ?")
            .bind(token_hash)
            .bind(now())
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn create_api_token(
        &self,
        name: &str,
        token_hash: &str,
        user_id: i64,
    ) -> Result<ApiToken> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (name, token_hash, user_id, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(name)
        .bind(token_hash)
        .bind(user_id)
        .bind(now())
        .fetch_one(&self.writer)
        .await
        .on_unique("name", || format!("a token named '{name}' already exists"))?;
        Ok(ApiToken {
            id,
            name: name.to_owned(),
            user_id,
        })
    }

    /// The token with this hash, marking it used.
    pub async fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        let row = sqlx::query(
            "UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ? RETURNING id, name, user_id",
        )
        .bind(now())
        .bind(token_hash)
        .fetch_optional(&self.writer)
        .await?;
        Ok(row.map(|r| ApiToken {
            id: r.get("id"),
            name: r.get("name"),
            user_id: r.get("user_id"),
        }))
    }
}
