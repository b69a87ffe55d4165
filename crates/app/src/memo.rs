//! A value read from the database once per change: kept with the change
//! count it was read at ([`bestpick_store::Changes::last_change`]) and read
//! again when that moves. The comment pipeline's settings and blocklist,
//! which every new comment needs and which rarely change.

use std::sync::Mutex;

#[derive(Debug)]
pub struct Memo<T>(Mutex<Option<(u64, T)>>);

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo(Mutex::new(None))
    }
}

impl<T: Clone> Memo<T> {
    /// The value read at `version`, if that is the one kept.
    pub fn get(&self, version: u64) -> Option<T> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        kept.as_ref()
            .filter(|(v, _)| *v == version)
            .map(|(_, value)| value.clone())
    }

    /// Keeps a value read at `version` (taken before reading, so a change
    /// during the read makes it stale at once).
    pub fn set(&self, version: u64, value: T) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((version, value));
    }
}
