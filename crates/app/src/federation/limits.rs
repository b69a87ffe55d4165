//! The inbox's rate limits, kept in memory: how many requests one server
//! may send a minute, and how many replies one account and one server may
//! post in ten minutes. A flood is refused before any signature is
//! fetched or checked, and only a few inbox requests are worked on at
//! once, so readers' pages never wait behind it.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Inbox requests one network (an IPv4 /24, an IPv6 /64) may make in a
/// minute, counted before anything is read.
pub const PER_NETWORK_A_MINUTE: usize = 600;
/// Inbox requests one server may make in a minute, counted once its
/// signature is checked (a forged key id spends no server's budget).
pub const PER_SERVER_A_MINUTE: usize = 300;
/// Keys counted at once; past this, new senders wait for old ones to age out.
const MAX_KEYS: usize = 10_000;
/// Replies one account may post in ten minutes.
pub const REPLIES_PER_ACTOR: usize = 5;
/// Replies all accounts of one server may post in ten minutes.
pub const REPLIES_PER_SERVER: usize = 30;
/// Inbox requests worked on at once.
pub const AT_ONCE: usize = 4;

pub struct Limits {
    hits: Mutex<HashMap<String, VecDeque<i64>>>,
    /// Bounds the inbox work done at once.
    pub gate: tokio::sync::Semaphore,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            hits: Mutex::new(HashMap::new()),
            gate: tokio::sync::Semaphore::new(AT_ONCE),
        }
    }
}

impl Limits {
    /// Whether one more `key` fits in `max` per `window` seconds; counted
    /// when it does.
    pub fn allow(&self, key: &str, max: usize, window: i64, now: i64) -> bool {
        let mut hits = self.hits.lock().unwrap();
        if hits.len() >= MAX_KEYS && !hits.contains_key(key) {
            hits.retain(|_, times| times.back().is_some_and(|t| now - t < 600));
            if hits.len() >= MAX_KEYS {
                return false;
            }
        }
        let times = hits.entry(key.to_owned()).or_default();
        while times.front().is_some_and(|t| now - t >= window) {
            times.pop_front();
        }
        if times.len() >= max {
            return false;
        }
        times.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_window_fills_and_empties() {
        let limits = super::Limits::default();
        assert!(limits.allow("a", 2, 60, 0));
        assert!(limits.allow("a", 2, 60, 1));
        assert!(!limits.allow("a", 2, 60, 2));
        assert!(limits.allow("b", 2, 60, 2));
        assert!(limits.allow("a", 2, 60, 61));
    }
}
