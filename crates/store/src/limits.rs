//! What instances of one site count together: login attempts, and jobs
//! that run once across them. The rules (how many attempts, how long to
//! wait, how often a job runs) are the caller's; this only stores.

use crate::sql::flag;
use crate::{Result, Store};
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
    /// The keys' counts are read and locked (a key seen first counts
    /// nothing yet; a window older than `window_ms` starts over), then
    /// `decide` (given the time in milliseconds) answers `Ok` to count the attempt under every key, or its
    /// `Err` to turn it away uncounted. Concurrent attempts on the same
    /// keys, on any instance, wait for each other, so a burst in parallel
    /// counts in full.
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
            // An update, to hold the row until this attempt is counted; a
            // key with no row counts nothing yet (and gets none if the
            // attempt is turned away).
            let row = sqlx::query(
                "UPDATE login_limits SET
                    attempts = CASE WHEN window_start_ms <= $2 - $3 THEN 0 ELSE attempts END,
                    window_start_ms = CASE WHEN window_start_ms <= $2 - $3 THEN $2 ELSE window_start_ms END
                 WHERE key = $1 RETURNING key, attempts, last_ms, known",
            )
            .bind(*key)
            .bind(now)
            .bind(window_ms)
            .fetch_optional(&mut *tx)
            .await?;
            counts.push(match row {
                Some(r) => count_from_row(&r)?,
                None => LoginCount {
                    key: (*key).clone(),
                    attempts: 0,
                    last_ms: now,
                    known: false,
                },
            });
        }
        let verdict = decide(&counts, now);
        if verdict.is_ok() {
            for key in &sorted {
                sqlx::query(
                    "INSERT INTO login_limits (key, attempts, window_start_ms, last_ms)
                     VALUES ($1, 1, $2, $2)
                     ON CONFLICT (key) DO UPDATE SET attempts = login_limits.attempts + 1, last_ms = $2",
                )
                .bind(*key)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
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
        Ok(
            sqlx::query("DELETE FROM login_limits WHERE last_ms < $1 AND NOT known")
                .bind(before_ms)
                .execute(&self.writer)
                .await?
                .rows_affected(),
        )
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
