//! What the comment pipeline remembers of recent comments, in memory: how
//! many came from each address, network and post within the rate window,
//! and the word-triple shingles of the latest bodies for near-duplicate
//! checks. Loaded from the database when the site opens, so a restart
//! forgets nothing, and kept up to date as comments are stored, so a new
//! comment costs no scan of the comments table. Comments are known by id,
//! so one heard of twice (stored here, then read again; or heard from
//! another instance after a reload) counts once.

use bestpick_core::comment::Shingles;
use bestpick_store::Store;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;

/// The rate limits count comments of the last ten minutes.
pub const RATE_WINDOW_SECS: i64 = 600;
/// A new comment is compared with this many of the latest ones...
pub const NEAR_DUPLICATE_SCAN: usize = 500;
/// ...written within this many seconds.
pub const NEAR_DUPLICATE_SECS: i64 = 7 * 86_400;

/// Comments of the rate window, counted three ways.
#[derive(Debug, Default)]
struct Rates {
    arrivals: VecDeque<Arrival>,
    /// The ids of `arrivals`.
    ids: HashSet<i64>,
    per_ip: HashMap<String, i64>,
    per_network: HashMap<String, i64>,
    per_post: HashMap<i64, i64>,
}

#[derive(Debug)]
struct Arrival {
    id: i64,
    at: i64,
    ip: String,
    network: String,
    post_id: i64,
}

/// How many comments of the rate window came from an address, from its
/// network, and went to a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub ip: i64,
    pub network: i64,
    pub post: i64,
}

/// The latest bodies' shingles, with an index from each shingle to the
/// bodies that have it: a new comment is compared only with the bodies it
/// shares a word triple with.
#[derive(Debug, Default)]
struct Bodies {
    /// The number the next body gets.
    next: u64,
    /// (number, time, shingles), oldest first.
    kept: VecDeque<(u64, i64, Shingles)>,
    /// The comment ids of `kept`, in the same order.
    ids: VecDeque<i64>,
    postings: HashMap<u64, Vec<u64>>,
}

impl Bodies {
    fn add(&mut self, id: i64, at: i64, shingles: Shingles) {
        if self.ids.contains(&id) {
            return;
        }
        self.ids.push_back(id);
        let number = self.next;
        self.next += 1;
        for h in shingles.hashes() {
            self.postings.entry(*h).or_default().push(number);
        }
        self.kept.push_back((number, at, shingles));
        while self.kept.len() > NEAR_DUPLICATE_SCAN {
            let Some((old, _, shingles)) = self.kept.pop_front() else {
                break;
            };
            self.ids.pop_front();
            for h in shingles.hashes() {
                if let Some(list) = self.postings.get_mut(h) {
                    list.retain(|n| *n != old);
                    if list.is_empty() {
                        self.postings.remove(h);
                    }
                }
            }
        }
    }

    fn closest(&self, text: &Shingles, since: i64) -> f64 {
        let Some(first) = self.kept.front().map(|(n, _, _)| *n) else {
            return 0.0;
        };
        let mut common: HashMap<u64, usize> = HashMap::new();
        for h in text.hashes() {
            for n in self.postings.get(h).into_iter().flatten() {
                *common.entry(*n).or_insert(0) += 1;
            }
        }
        common
            .into_iter()
            .filter_map(|(n, shared)| {
                let (_, at, other) = &self.kept[(n - first) as usize];
                let union = text.hashes().len() + other.hashes().len() - shared;
                (*at >= since).then(|| shared as f64 / union as f64)
            })
            .fold(0.0, f64::max)
    }
}

#[derive(Debug, Default)]
pub struct Recent {
    rates: Mutex<Rates>,
    bodies: Mutex<Bodies>,
}

/// One fewer under `key`; a key at zero leaves, so the maps hold only the
/// window's keys.
fn forget<K: std::hash::Hash + Eq>(map: &mut HashMap<K, i64>, key: &K) {
    if let Some(n) = map.get_mut(key) {
        *n -= 1;
        if *n == 0 {
            map.remove(key);
        }
    }
}

impl Rates {
    fn add(&mut self, a: Arrival) {
        if !self.ids.insert(a.id) {
            return;
        }
        *self.per_ip.entry(a.ip.clone()).or_insert(0) += 1;
        *self.per_network.entry(a.network.clone()).or_insert(0) += 1;
        *self.per_post.entry(a.post_id).or_insert(0) += 1;
        self.arrivals.push_back(a);
    }

    fn expire(&mut self, now: i64) {
        while self
            .arrivals
            .front()
            .is_some_and(|a| a.at < now - RATE_WINDOW_SECS)
        {
            let Some(a) = self.arrivals.pop_front() else {
                break;
            };
            self.ids.remove(&a.id);
            forget(&mut self.per_ip, &a.ip);
            forget(&mut self.per_network, &a.network);
            forget(&mut self.per_post, &a.post_id);
        }
    }
}

impl Recent {
    pub async fn load(store: &Store) -> anyhow::Result<Recent> {
        let recent = Recent::default();
        recent.reload(store).await?;
        Ok(recent)
    }

    /// Reads the window's comments again, in place of what is kept (after
    /// notices from other instances may have been missed).
    pub async fn reload(&self, store: &Store) -> anyhow::Result<()> {
        let now = store.now();
        let arrivals = store.arrivals_since(now - RATE_WINDOW_SECS).await?;
        let bodies = store
            .recent_bodies(now - NEAR_DUPLICATE_SECS, NEAR_DUPLICATE_SCAN as i64)
            .await?;
        {
            let mut rates = self.lock_rates();
            *rates = Rates::default();
            for (id, at, ip, network, post_id) in arrivals {
                rates.add(Arrival {
                    id,
                    at,
                    ip,
                    network,
                    post_id,
                });
            }
        }
        {
            let mut kept = self.lock_bodies();
            *kept = Bodies::default();
            for (id, at, body) in bodies {
                kept.add(id, at, Shingles::of(&body));
            }
        }
        Ok(())
    }

    fn lock_rates(&self) -> std::sync::MutexGuard<'_, Rates> {
        self.rates.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_bodies(&self) -> std::sync::MutexGuard<'_, Bodies> {
        self.bodies.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Comments of the last ten minutes from `ip`, from `network`, on `post_id`.
    pub fn counts(&self, ip: &str, network: &str, post_id: i64, now: i64) -> Counts {
        let mut rates = self.lock_rates();
        rates.expire(now);
        Counts {
            ip: rates.per_ip.get(ip).copied().unwrap_or(0),
            network: rates.per_network.get(network).copied().unwrap_or(0),
            post: rates.per_post.get(&post_id).copied().unwrap_or(0),
        }
    }

    /// The best similarity (0 to 1) of `text` to a recent comment.
    pub fn closest(&self, text: &Shingles, now: i64) -> f64 {
        self.lock_bodies().closest(text, now - NEAR_DUPLICATE_SECS)
    }

    /// Notes a stored comment (once, however often it is heard of).
    pub fn record(&self, id: i64, at: i64, ip: &str, network: &str, post_id: i64, body: &str) {
        let shingles = Shingles::of(body);
        {
            let mut rates = self.lock_rates();
            rates.expire(at);
            rates.add(Arrival {
                id,
                at,
                ip: ip.to_owned(),
                network: network.to_owned(),
                post_id,
            });
        }
        self.lock_bodies().add(id, at, shingles);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_leave_the_window_and_bodies_stay_bounded() {
        let r = Recent::default();
        r.record(
            1,
            1_000,
            "192.0.2.1",
            "192.0.2.0/24",
            7,
            "a first comment here",
        );
        r.record(
            2,
            1_100,
            "192.0.2.2",
            "192.0.2.0/24",
            7,
            "a second comment here",
        );
        // Heard of again (from another instance, after a reload): once.
        r.record(
            2,
            1_100,
            "192.0.2.2",
            "192.0.2.0/24",
            7,
            "a second comment here",
        );
        let c = r.counts("192.0.2.1", "192.0.2.0/24", 7, 1_200);
        assert_eq!((c.ip, c.network, c.post), (1, 2, 2));
        let c = r.counts("192.0.2.1", "192.0.2.0/24", 7, 1_000 + RATE_WINDOW_SECS + 1);
        assert_eq!((c.ip, c.network, c.post), (0, 1, 1));
        for i in 0..NEAR_DUPLICATE_SCAN + 10 {
            r.record(
                10 + i as i64,
                2_000,
                "192.0.2.3",
                "192.0.2.0/24",
                7,
                &format!("comment {i}"),
            );
        }
        let bodies = r.lock_bodies();
        assert_eq!(bodies.kept.len(), NEAR_DUPLICATE_SCAN);
        assert_eq!(bodies.ids.len(), NEAR_DUPLICATE_SCAN);
        let indexed: usize = bodies.postings.values().map(Vec::len).sum();
        let held: usize = bodies.kept.iter().map(|(_, _, s)| s.hashes().len()).sum();
        assert_eq!(indexed, held, "the index holds the kept bodies only");
        drop(bodies);
        let same = Shingles::of("comment 12 here and there");
        assert!(
            r.closest(
                &Shingles::of(&format!("comment {}", NEAR_DUPLICATE_SCAN + 9)),
                2_000
            ) > 0.99
        );
        assert!(r.closest(&same, 2_000) < 0.99);
    }
}
