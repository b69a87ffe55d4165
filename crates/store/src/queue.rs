//! What the mail queue and the delivery queue share: rows of work taken
//! with a lease (so another instance, or this one after a crash, takes a
//! row again only after it), retried later and later, given up after a
//! while or at once, and deleted a month after they are done.

use crate::{Result, Store};
use sqlx::any::AnyRow;

/// A table of such rows: each has `id`, `created_at`, `next_at`,
/// `attempts`, `last_error`, `gave_up_at`, and `done` (when it was done).
pub(crate) struct Queue {
    pub table: &'static str,
    pub done: &'static str,
}

pub(crate) const MAIL: Queue = Queue {
    table: "mail_queue",
    done: "sent_at",
};

pub(crate) const DELIVERIES: Queue = Queue {
    table: "deliveries",
    done: "delivered_at",
};

/// The wait after the `attempts`-th failed try: 30 s, doubling, at most an hour.
pub fn retry_after(attempts: i64) -> i64 {
    (30_i64 << (attempts - 1).clamp(0, 7)).min(3600)
}

/// Done and given-up rows are kept this long (for the admin's counts and
/// a reason to read), then deleted.
pub const KEEP_DONE: i64 = 30 * 24 * 3600;

impl Queue {
    /// The condition of a row still to do.
    pub fn waiting(&self) -> String {
        format!("{} IS NULL AND gave_up_at IS NULL", self.done)
    }

    /// Takes the next row due for `lease` seconds; its `columns`.
    pub async fn take(&self, store: &Store, lease: i64, columns: &str) -> Result<Option<AnyRow>> {
        let (table, waiting) = (self.table, self.waiting());
        let now = store.now();
        Ok(sqlx::query(&format!(
            "UPDATE {table} SET next_at = $2
             WHERE id = (SELECT id FROM {table} WHERE {waiting} AND next_at <= $1
                         ORDER BY next_at, id LIMIT 1)
               AND next_at <= $1 AND {waiting}
             RETURNING {columns}"
        ))
        .bind(now)
        .bind(now + lease)
        .fetch_optional(&store.writer)
        .await?)
    }

    pub async fn done(&self, store: &Store, id: i64) -> Result<()> {
        sqlx::query(&format!(
            "UPDATE {} SET {} = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1",
            self.table, self.done
        ))
        .bind(id)
        .bind(store.now())
        .execute(&store.writer)
        .await?;
        Ok(())
    }

    /// A try of row `id` (made at `created_at`, tried `attempts` times
    /// before) failed: tried again later ([`retry_after`]), or given up
    /// once `give_up_after` seconds old, or at once when `permanent`.
    #[allow(clippy::too_many_arguments)]
    pub async fn failed(
        &self,
        store: &Store,
        id: i64,
        created_at: i64,
        attempts: i64,
        error: &str,
        permanent: bool,
        give_up_after: i64,
    ) -> Result<()> {
        let now = store.now();
        let attempts = attempts + 1;
        let give_up = permanent || now - created_at >= give_up_after;
        sqlx::query(&format!(
            "UPDATE {} SET attempts = $2, last_error = $3, next_at = $4,
               gave_up_at = CASE WHEN $5 THEN $6 ELSE NULL END
             WHERE id = $1",
            self.table
        ))
        .bind(id)
        .bind(attempts)
        .bind(error)
        .bind(now + retry_after(attempts))
        .bind(give_up)
        .bind(now)
        .execute(&store.writer)
        .await?;
        Ok(())
    }

    /// Deletes done and given-up rows older than [`KEEP_DONE`]; how many.
    pub async fn prune(&self, store: &Store) -> Result<u64> {
        let (table, done) = (self.table, self.done);
        Ok(sqlx::query(&format!(
            "DELETE FROM {table} WHERE ({done} IS NOT NULL AND {done} < $1)
               OR (gave_up_at IS NOT NULL AND gave_up_at < $1)"
        ))
        .bind(store.now() - KEEP_DONE)
        .execute(&store.writer)
        .await?
        .rows_affected())
    }
}
