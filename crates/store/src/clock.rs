//! The time every stored and compared time comes from. A site runs on the
//! system's clock; a test moves its site's clock forward (or holds it still)
//! instead of sleeping or rewriting stored times behind the site's back.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Unix seconds now.
#[derive(Clone, Debug, Default)]
pub struct Clock(Option<Arc<Set>>);

#[derive(Debug)]
struct Set {
    /// Still: `at` is the time. Otherwise `at` is added to the system's.
    still: bool,
    at: AtomicI64,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock(None)
    }

    /// The system's clock, which [`Clock::advance`] moves ahead (its
    /// copies follow).
    pub fn adjustable() -> Clock {
        Clock(Some(Arc::new(Set {
            still: false,
            at: AtomicI64::new(0),
        })))
    }

    /// A clock that stands at `at` until it is advanced.
    pub fn fixed(at: i64) -> Clock {
        Clock(Some(Arc::new(Set {
            still: true,
            at: AtomicI64::new(at),
        })))
    }

    pub fn now(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }

    /// Now in milliseconds, for what must be timed finer than seconds.
    pub fn now_millis(&self) -> i64 {
        let system = || (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
        match &self.0 {
            None => system(),
            Some(set) if set.still => set.at.load(Ordering::Acquire) * 1000,
            Some(set) => system() + set.at.load(Ordering::Acquire) * 1000,
        }
    }

    /// Moves the clock `secs` ahead. The system's own clock cannot be moved.
    pub fn advance(&self, secs: i64) {
        let set = self
            .0
            .as_ref()
            .expect("only an adjustable or fixed clock moves");
        set.at.fetch_add(secs, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_moves_when_told_and_its_copies_follow() {
        let clock = Clock::fixed(1_000);
        let copy = clock.clone();
        clock.advance(60);
        assert_eq!(copy.now(), 1_060);

        let system = Clock::system().now();
        let ahead = Clock::adjustable();
        ahead.advance(3_600);
        assert!((ahead.now() - system - 3_600).abs() <= 1);
    }
}
