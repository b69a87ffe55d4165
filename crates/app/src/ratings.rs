//! Readers' ratings: the scale (stars or thumbs, a site setting), what a
//! reader may send, the limits per address, and the readers' score as a
//! page shows it, beside the critics' and never mixed into their average.

use crate::{secrets, OpError, Site};
use bestpick_core::FieldError;
use bestpick_store::{NewRating, Rated, RatingLimits, Ratings, StoreError};
use serde::Serialize;
use std::net::IpAddr;

/// The setting that chooses the scale: `stars` (1 to 5) or `thumbs`.
pub const SCALE_SETTING: &str = "ratings_scale";

/// Enough for a household sharing a connection, not for a ballot stuffer.
pub const LIMITS: RatingLimits = RatingLimits {
    per_hour: 30,
    per_post_per_day: 5,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    Stars,
    Thumbs,
}

impl Scale {
    pub fn parse(s: &str) -> Option<Scale> {
        match s {
            "stars" => Some(Scale::Stars),
            "thumbs" => Some(Scale::Thumbs),
            _ => None,
        }
    }

    /// The stored value (1 to 5) of what a reader sent: a number of stars,
    /// or `up` (5) and `down` (1).
    pub fn value(self, sent: &str) -> Result<i64, FieldError> {
        let sent = sent.trim();
        match (self, sent) {
            (Scale::Thumbs, "up") => Ok(5),
            (Scale::Thumbs, "down") => Ok(1),
            (Scale::Thumbs, _) => Err(FieldError::new(
                "value",
                format!("'{sent}' is neither up nor down"),
            )),
            (Scale::Stars, _) => match sent.parse::<i64>() {
                Ok(n) if (1..=5).contains(&n) => Ok(n),
                _ => Err(FieldError::new(
                    "value",
                    format!("'{sent}' is not a number of stars from 1 to 5"),
                )),
            },
        }
    }
}

/// The site's scale (stars when unset).
pub async fn scale(site: &Site) -> Result<Scale, StoreError> {
    Ok(site
        .store
        .setting(SCALE_SETTING)
        .await?
        .as_deref()
        .and_then(Scale::parse)
        .unwrap_or(Scale::Stars))
}

/// The readers' score as a page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ReadersScore {
    pub scale: Scale,
    pub count: i64,
    /// Stars: the mean, one decimal.
    pub mean: f64,
    /// Thumbs: the share who liked it, in percent.
    pub liked: i64,
    /// 0-100, for a bar beside the critics'.
    pub normalised: f64,
}

/// The readers' score of a post's ratings, unless an editor hid it.
pub fn readers_score(r: Ratings, scale: Scale) -> Option<ReadersScore> {
    if r.hidden {
        return None;
    }
    let (mean, normalised) = match r.count {
        0 => (0.0, 0.0),
        n => {
            let mean = r.sum as f64 / n as f64;
            (mean, (mean - 1.0) / 4.0 * 100.0)
        }
    };
    Some(ReadersScore {
        scale,
        count: r.count,
        mean: (mean * 10.0).round() / 10.0,
        liked: normalised.round() as i64,
        normalised,
    })
}

/// The key a reader's address is counted under: their IPv4 address or
/// IPv6 /64 (one household), hashed with the site's key, so that the
/// ratings table holds no address.
fn address_key(site: &Site, ip: IpAddr) -> String {
    let network = match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    };
    secrets::sign(&site.signing_key, &format!("rating-address.{network}"))[..32].to_owned()
}

/// Resets a post's ratings, hides them or shows them again: for those who
/// may edit any post.
pub async fn manage(
    site: &Site,
    actor: &bestpick_store::User,
    post_id: i64,
    op: &str,
) -> Result<(), OpError> {
    OpError::unless(
        actor,
        actor.role.can_edit_any_post(),
        "manage readers' ratings",
    )?;
    match op {
        "reset" => site.store.reset_ratings(post_id).await?,
        "hide" => site.store.set_ratings_hidden(post_id, true).await?,
        "show" => site.store.set_ratings_hidden(post_id, false).await?,
        other => {
            return Err(StoreError::Invalid(
                FieldError::new("op", format!("'{other}' is none of reset, hide and show")).into(),
            )
            .into())
        }
    }
    Ok(())
}

/// Stores a reader's rating (`reader`: their cookie's random id).
pub async fn rate(
    site: &Site,
    post_id: i64,
    reader: &str,
    ip: IpAddr,
    sent: &str,
) -> Result<Rated, OpError> {
    let value = scale(site)
        .await?
        .value(sent)
        .map_err(|e| StoreError::Invalid(e.into()))?;
    let address = address_key(site, ip);
    let rating = NewRating {
        post_id,
        reader,
        address: &address,
        value,
    };
    Ok(site.store.rate(&rating, LIMITS).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_follow_the_scale() {
        assert_eq!(Scale::Stars.value("4").unwrap(), 4);
        assert!(Scale::Stars.value("6").is_err());
        assert!(Scale::Stars.value("up").is_err());
        assert_eq!(Scale::Thumbs.value("up").unwrap(), 5);
        assert_eq!(Scale::Thumbs.value("down").unwrap(), 1);
        assert!(Scale::Thumbs.value("3").is_err());
    }

    #[test]
    fn the_readers_score_is_a_mean_or_a_share() {
        let r = Ratings {
            count: 4,
            sum: 5 + 5 + 5 + 1,
            hidden: false,
        };
        let thumbs = readers_score(r, Scale::Thumbs).unwrap();
        assert_eq!(thumbs.liked, 75);
        let stars = readers_score(r, Scale::Stars).unwrap();
        assert_eq!(stars.mean, 4.0);
        assert!(readers_score(Ratings { hidden: true, ..r }, Scale::Stars).is_none());
    }
}
