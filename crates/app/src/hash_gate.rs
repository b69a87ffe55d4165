//! Password hashing, bounded. Argon2 takes 19 MiB and tens of milliseconds
//! of a core per hash, so unbounded logins are a way to run the server out
//! of memory (40 wrong passwords at once took it from 102 to 887 MB). At
//! most one hash per core runs at a time, on the blocking threads; a few
//! more wait their turn, and beyond that a request is told to come back.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How many requests may wait for a turn, per core.
const WAITING_PER_CORE: usize = 8;
/// How long one waits at most.
const MAX_WAIT: Duration = Duration::from_secs(5);

/// Too many passwords are being checked: try again shortly.
#[derive(Debug, thiserror::Error)]
#[error("too many logins are being checked at once; try again in a moment")]
pub struct Busy;

#[derive(Debug)]
pub struct HashGate {
    turns: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
}

impl Default for HashGate {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        HashGate::new(cores)
    }
}

impl HashGate {
    /// A gate that lets `at_once` hashes run together.
    pub fn new(at_once: usize) -> HashGate {
        HashGate {
            turns: Arc::new(Semaphore::new(at_once.max(1))),
            waiting: AtomicUsize::new(0),
            max_waiting: at_once.max(1) * WAITING_PER_CORE,
        }
    }

    /// Runs `work` (hashing or verifying) on a blocking thread when a turn
    /// is free; `Busy` when too many wait already or the wait is too long.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let turn = {
            // Counted out again however the wait ends, a request dropped
            // mid-wait (the client hung up) included.
            let _waiting = Waiting::enter(&self.waiting, self.max_waiting)?;
            match tokio::time::timeout(MAX_WAIT, self.turns.clone().acquire_owned()).await {
                Ok(Ok(permit)) => permit,
                _ => return Err(Busy),
            }
        };
        // The turn goes with the work: a request dropped while its hash
        // runs does not free the turn before the hash is done.
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            work()
        })
        .await
        .map_err(|_| Busy)
    }
}

/// One request waiting for a turn, while it exists.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize, max: usize) -> Result<Waiting<'a>, Busy> {
        if count.fetch_add(1, Ordering::AcqRel) >= max {
            count.fetch_sub(1, Ordering::AcqRel);
            return Err(Busy);
        }
        Ok(Waiting(count))
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn beyond_the_queue_callers_are_turned_away() {
        let gate = std::sync::Arc::new(HashGate::new(1));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let hold = std::sync::Arc::new(std::sync::Mutex::new(hold));
        let mut runs = Vec::new();
        for _ in 0..(1 + WAITING_PER_CORE + 3) {
            let gate = gate.clone();
            let hold = hold.clone();
            runs.push(tokio::spawn(async move {
                gate.run(move || {
                    let _ = hold.lock().unwrap().recv();
                })
                .await
            }));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        for _ in 0..runs.len() {
            let _ = release.send(());
        }
        let mut busy = 0;
        for r in runs {
            if r.await.unwrap().is_err() {
                busy += 1;
            }
        }
        // One ran and eight waited their turn (and then ran); the other three were turned away.
        assert_eq!(busy, 3);
    }

    #[tokio::test]
    async fn a_dropped_request_gives_its_place_back_and_keeps_its_turn_until_done() {
        let gate = std::sync::Arc::new(HashGate::new(1));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let running = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.run(move || hold.recv().ok()).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Waiters that give up (their clients hung up) leave no trace.
        for _ in 0..3 * WAITING_PER_CORE {
            let gate = gate.clone();
            let waiter = tokio::spawn(async move { gate.run(|| ()).await });
            tokio::time::sleep(Duration::from_millis(5)).await;
            waiter.abort();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(gate.waiting.load(Ordering::Acquire), 0);
        // The running hash's request is dropped: its turn is still taken.
        running.abort();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(gate.turns.available_permits(), 0);
        release.send(()).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(gate.turns.available_permits(), 1);
        assert!(gate.run(|| 7).await.is_ok());
    }
}
