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

const SELECT: &str = "SELECT public_pem, private_pem FROM actor_keys WHERE actor = $1";

fn from_row(r: &sqlx::any::AnyRow) -> std::result::Result<ActorKeys, sqlx::Error> {
    Ok(ActorKeys {
        public_pem: r.try_get("public_pem")?,
        private_pem: r.try_get("private_pem")?,
    })
}

impl Store {
    pub async fn actor_keys(&self, actor: &str) -> Result<Option<ActorKeys>> {
        let row = sqlx::query(SELECT)
            .bind(actor)
            .fetch_optional(&self.readers)
            .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
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
        // Read where it was written: the first writer's keys are the ones kept.
        let row = sqlx::query(SELECT)
            .bind(actor)
            .fetch_one(&self.writer)
            .await?;
        Ok(from_row(&row)?)
    }
}
