//! What changed, and when: the record the page cache checks its pages
//! against. Every write of the store notes the topics it touched after it
//! commits, so the very next request sees a page built before the write as
//! stale. Other processes' writes (a command run while `serve` runs) are
//! noticed by `Store::follow_other_writers` and count as a change of the site.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::RwLock;

/// Something a public page shows (or, for the blocklist, something the
/// comment pipeline keeps in memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    /// What every page shows: the site's name, sections, settings, authors.
    Site,
    /// Which posts are in which list, and in what order.
    Lists,
    /// Works and people (film data on posts, work and person pages).
    Films,
    /// One post: its text, its comments, its card in lists.
    Post(i64),
    /// The comment blocklist: on no page, but the comment pipeline keeps
    /// it in memory until it changes.
    Blocklist,
}

/// A running count of writes, and the count at each topic's last change.
#[derive(Debug, Default)]
pub struct Changes {
    seq: AtomicU64,
    site: AtomicU64,
    lists: AtomicU64,
    films: AtomicU64,
    blocklist: AtomicU64,
    posts: RwLock<HashMap<i64, u64>>,
    /// The first future time a scheduled post goes live (`i64::MAX`: none).
    next_publish: AtomicI64,
}

impl Changes {
    pub fn new() -> Changes {
        Changes {
            next_publish: AtomicI64::new(i64::MAX),
            ..Changes::default()
        }
    }

    /// The count now: a page built from here on is current until one of
    /// its topics changes.
    pub fn seq(&self) -> u64 {
        self.seq.load(Ordering::Acquire)
    }

    /// Notes that these topics changed (call after the write committed).
    pub fn touch(&self, topics: &[Topic]) {
        let seq = self.seq.fetch_add(1, Ordering::AcqRel) + 1;
        for topic in topics {
            match topic {
                Topic::Site => self.site.store(seq, Ordering::Release),
                Topic::Lists => self.lists.store(seq, Ordering::Release),
                Topic::Films => self.films.store(seq, Ordering::Release),
                Topic::Blocklist => self.blocklist.store(seq, Ordering::Release),
                Topic::Post(id) => {
                    self.posts
                        .write()
                        .expect("the change record is never poisoned")
                        .insert(*id, seq);
                }
            }
        }
    }

    /// Whether anything a page built at `seq` shows has changed since: the
    /// site, or one of its topics.
    pub fn changed_since(&self, topics: &[Topic], seq: u64) -> bool {
        self.last_change(Topic::Site) > seq || topics.iter().any(|t| self.last_change(*t) > seq)
    }

    /// The count at a topic's last change (0: none since the start). What
    /// is read once per change stays current while this stays the same.
    pub fn last_change(&self, topic: Topic) -> u64 {
        match topic {
            Topic::Site => self.site.load(Ordering::Acquire),
            Topic::Lists => self.lists.load(Ordering::Acquire),
            Topic::Films => self.films.load(Ordering::Acquire),
            Topic::Blocklist => self.blocklist.load(Ordering::Acquire),
            Topic::Post(id) => self
                .posts
                .read()
                .expect("the change record is never poisoned")
                .get(&id)
                .copied()
                .unwrap_or(0),
        }
    }

    /// When the next scheduled post goes live: lists change then.
    pub fn next_publish(&self) -> i64 {
        self.next_publish.load(Ordering::Acquire)
    }

    /// A post goes live at `at` (in the future): lists change then, if
    /// that comes before the time already noted. (A time noted for a post
    /// since moved only costs one needless render.)
    pub(crate) fn scheduled_at(&self, at: i64) {
        self.next_publish.fetch_min(at, Ordering::AcqRel);
    }

    pub(crate) fn set_next_publish(&self, at: Option<i64>) {
        self.next_publish
            .store(at.unwrap_or(i64::MAX), Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_stale_only_after_its_own_topics_change() {
        let c = Changes::new();
        let built = c.seq();
        c.touch(&[Topic::Post(2)]);
        assert!(!c.changed_since(&[Topic::Post(1), Topic::Lists], built));
        assert!(c.changed_since(&[Topic::Post(2)], built));
        let built = c.seq();
        c.touch(&[Topic::Site]);
        assert!(c.changed_since(&[], built), "the site shows on every page");
    }
}
