//! What instances of one site count together: login attempts, and jobs
//! that run once across them. The rules (how many attempts, how long to
//! wait, how often a job runs) are the caller's; this only stores.

use crate::sql::flag;
use crate::{Engine, Result, Store};
use sqlx::any::AnyRow;
use sqlx::Row;

/// The attempts one key counted in its window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginCount {
    pub key: String,
    /// Attempts let in since the window started.
    pub attempts: i64,
    /// The last attempt let in (Unix milliseconds).
    pub last_ms: i64,
    /// The account logged in from this address before (pair keys).
    pub known: bool,
}

impl Store {
    /// Counts a login attempt under `keys`, if `decide` lets it in.
    ///
    /// Every key's row is made if missing and locked, in one order (a
    /// window older than `window_ms` starts over); `decide`, given the
    /// counts and the time in milliseconds, answers `Ok` to count the
    /// attempt under every key, or its `Err` to turn it away, which rolls
    /// everything back (a key gets a row only from an attempt let in).
    /// Attempts on the same keys, on any instance, wait for each other, so
    /// a burst in parallel counts in full.
    pub async fn count_login_attempt<E>(
        &self,
        keys: &[String],
        window_ms: i64,
        decide: impl FnOnce(&[LoginCount], i64) -> std::result::Result<(), E>,
    ) -> Result<std::result::Result<(), E>> {
        let now = self.clock.now_millis();
        let mut sorted: Vec<&String> = keys.iter().collect();
        // One order for every transaction: two attempts never wait on each
        // other's locks in a circle.
        sorted.sort();
        sorted.dedup();
        let mut tx = self.begin().await?;
        let mut counts = Vec::with_capacity(sorted.len());
        for key in &sorted {
            // An upsert, so that the row exists to be held until this
            // attempt is counted, even for a key nobody tried before.
            let row = sqlx::query(
                "INSERT INTO login_limits (key, attempts, window_start_ms, last_ms)
                 VALUES ($1, 0, $2, $2)
                 ON CONFLICT (key) DO UPDATE SET
                    attempts = CASE WHEN login_limits.window_start_ms <= $2 - $3
                        THEN 0 ELSE login_limits.attempts END,
                    window_start_ms = CASE WHEN login_limits.window_start_ms <= $2 - $3
                        THEN $2 ELSE login_limits.window_start_ms END
                 RETURNING key, attempts, last_ms, known",
            )
            .bind(*key)
            .bind(now)
            .bind(window_ms)
            .fetch_one(&mut *tx)
            .await?;
            counts.push(count_from_row(&row)?);
        }
        let verdict = decide(&counts, now);
        if verdict.is_err() {
            tx.rollback().await?;
            return Ok(verdict);
        }
        for key in &sorted {
            sqlx::query(
                "UPDATE login_limits SET attempts = attempts + 1, last_ms = $2 WHERE key = $1",
            )
            .bind(*key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        self.commit(tx, &[], &[]).await?;
        Ok(verdict)
    }

    /// A login succeeded: `forget` keys start over, `known` is remembered.
    pub async fn login_succeeded(&self, forget: &[String], known: &str) -> Result<()> {
        let now = self.clock.now_millis();
        let mut forget: Vec<&String> = forget.iter().collect();
        // The order every attempt locks keys in.
        forget.sort();
        let mut tx = self.begin().await?;
        for key in forget {
            sqlx::query(
                "UPDATE login_limits SET attempts = 0, window_start_ms = $2 WHERE key = $1",
            )
            .bind(key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO login_limits (key, attempts, window_start_ms, last_ms, known)
             VALUES ($1, 0, $2, $2, TRUE) ON CONFLICT (key) DO UPDATE SET known = TRUE",
        )
        .bind(known)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.commit(tx, &[], &[]).await
    }

    /// Forgets keys with no attempt since `before_ms` that remember no login.
    pub async fn forget_login_attempts(&self, before_ms: i64) -> Result<u64> {
        let sql = match self.engine() {
            // Rows locked in key order, as attempts lock them, so the two
            // never wait on each other in a circle.
            Engine::Postgres => {
                "DELETE FROM login_limits WHERE key IN (SELECT key FROM login_limits
                 WHERE last_ms < $1 AND NOT known ORDER BY key FOR UPDATE)"
            }
            // One writer at a time: no order to keep.
            Engine::Sqlite => "DELETE FROM login_limits WHERE last_ms < $1 AND NOT known",
        };
        Ok(sqlx::query(sql)
            .bind(before_ms)
            .execute(&self.writer)
            .await?
            .rows_affected())
    }

    /// Claims the job `name` if it last ran at or before `due`: true for
    /// exactly one of the instances asking at once, which then runs it.
    pub async fn claim_job(&self, name: &str, due: i64) -> Result<bool> {
        let claimed: Option<String> = sqlx::query_scalar(
            "INSERT INTO job_runs (name, ran_at) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET ran_at = excluded.ran_at WHERE job_runs.ran_at <= $3
             RETURNING name",
        )
        .bind(name)
        .bind(self.now())
        .bind(due)
        .fetch_optional(&self.writer)
        .await?;
        Ok(claimed.is_some())
    }
}

fn count_from_row(r: &AnyRow) -> Result<LoginCount, sqlx::Error> {
    Ok(LoginCount {
        key: r.try_get("key")?,
        attempts: r.try_get("attempts")?,
        last_ms: r.try_get("last_ms")?,
        known: flag(r, "known")?,
    })
}
