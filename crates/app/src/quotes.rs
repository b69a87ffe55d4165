//! The Quotes section's line of the moment, on the home page.

use crate::Site;
use bestpick_store::{Quote, StoreError};

/// How long one line stays on the home page: the cached page is kept until
/// the next line is due, not rendered for every reader.
pub const LINE_SECS: i64 = 300;

/// A line drawn at random for the current five minutes (the same for every
/// reader and every instance meanwhile), and when the next is due.
pub async fn line_of_the_moment(site: &Site) -> Result<Option<(Quote, i64)>, StoreError> {
    let now = site.now();
    let Some((low, high)) = site.store.line_id_range().await? else {
        return Ok(None);
    };
    let slot = now.div_euclid(LINE_SECS);
    let span = (high - low + 1) as u64;
    let point = low + (mix(slot as u64) % span) as i64;
    let until = (slot + 1) * LINE_SECS;
    Ok(site.store.quote_from(point).await?.map(|q| (q, until)))
}

/// SplitMix64's finaliser: consecutive slots land far apart in the ids.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
