//! Site settings as key/value pairs (site title, the secret that signs cookies).

use crate::{Result, Store, Topic};

impl Store {
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.readers)
                .await?,
        )
    }

    /// Every setting whose key starts with `prefix`, as (key, value).
    pub async fn settings_with_prefix(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT key, value FROM settings WHERE substr(key, 1, length($1)) = $1")
                .bind(prefix)
                .fetch_all(&self.readers)
                .await?,
        )
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        self.commit(tx, &[Topic::Site], &[]).await?;
        Ok(())
    }

    /// Sets several keys in one transaction: all of them or none.
    pub async fn set_settings(&self, pairs: &[(String, String)]) -> Result<()> {
        let mut tx = self.begin().await?;
        for (key, value) in pairs {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(value)
                .execute(&mut *tx)
                .await?;
        }
        self.commit(tx, &[Topic::Site], &[]).await?;
        Ok(())
    }

    /// The stored value, or `make()`'s stored first; two racing callers agree.
    pub async fn setting_or_init(
        &self,
        key: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(make())
        .execute(&self.writer)
        .await?;
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_one(&self.readers)
                .await?,
        )
    }
}
