//! From a score to a decision. Two thresholds split the score range in
//! three: publish below `hold`, hold for a moderator from `hold`, spam from
//! `spam`. Holding the uncertain middle is what keeps both costly errors
//! (a reader's comment thrown away, spam on a page) rare.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    Publish,
    Hold,
    Spam,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Publish => "publish",
            Verdict::Hold => "hold",
            Verdict::Spam => "spam",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub hold: f32,
    pub spam: f32,
}

impl Default for Thresholds {
    /// Chosen by leave-one-video-out cross-validation on videos 1-4
    /// (`tests/youtube.rs`): 0.3% of legitimate comments to spam, 2.4% of
    /// spam published, 12.9% of all comments held.
    fn default() -> Self {
        Thresholds {
            hold: 0.2,
            spam: 0.95,
        }
    }
}

impl Thresholds {
    /// Checks that both are probabilities and `hold` is not above `spam`.
    pub fn new(hold: f32, spam: f32) -> Result<Thresholds, String> {
        if !(0.0..=1.0).contains(&hold) || !(0.0..=1.0).contains(&spam) {
            return Err("thresholds are probabilities, from 0 to 1".into());
        }
        if hold > spam {
            return Err(format!(
                "the hold threshold ({hold}) is above the spam threshold ({spam})"
            ));
        }
        Ok(Thresholds { hold, spam })
    }

    pub fn verdict(&self, score: f32) -> Verdict {
        if score >= self.spam {
            Verdict::Spam
        } else if score >= self.hold {
            Verdict::Hold
        } else {
            Verdict::Publish
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_range_in_three() {
        let t = Thresholds::default();
        assert_eq!(t.verdict(0.05), Verdict::Publish);
        assert_eq!(t.verdict(0.5), Verdict::Hold);
        assert_eq!(t.verdict(0.99), Verdict::Spam);
        assert!(Thresholds::new(0.9, 0.5).is_err());
        assert!(Thresholds::new(-0.1, 0.5).is_err());
    }
}
