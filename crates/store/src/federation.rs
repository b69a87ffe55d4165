//! What federation keeps: each actor's key pair.

use crate::{Result, Store};
use sqlx::Row;

/// An actor's key pair, as PEM.
#[derive(Clone)]
pub struct ActorKeys {
    pub public_pem: String,
    pub private_pem: String,
}

/// The private key stays out of logs.
impl std::fmt::Debug for ActorKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActorKeys")
            .field("public_pem", &self.public_pem)
            .finish()
    }
}

impl Store {
    pub async fn actor_keys(&self, actor: &str) -> Result<Option<ActorKeys>> {
        let row = sqlx::query("SELECT public_pem, private_pem FROM actor_keys WHERE actor = $1")
            .bind(actor)
            .fetch_optional(&self.readers)
            .await?;
        Ok(match row {
            Some(r) => Some(ActorKeys {
                public_pem: r.try_get("public_pem")?,
                private_pem: r.try_get("private_pem")?,
            }),
            None => None,
        })
    }

    /// Keeps `keys` for `actor` unless it has some already (another
    /// instance made them first); the actor's keys either way.
    pub async fn keep_actor_keys(&self, actor: &str, keys: &ActorKeys) -> Result<ActorKeys> {
        sqlx::query(
            "INSERT INTO actor_keys (actor, public_pem, private_pem, created_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(actor)
        .bind(&keys.public_pem)
        .bind(&keys.private_pem)
        .bind(self.now())
        .execute(&self.writer)
        .await?;
        let row = sqlx::query("SELECT public_pem, private_pem FROM actor_keys WHERE actor = $1")
            .bind(actor)
            .fetch_one(&self.writer)
            .await?;
        Ok(ActorKeys {
            public_pem: row.try_get("public_pem")?,
            private_pem: row.try_get("private_pem")?,
        })
    }
}
