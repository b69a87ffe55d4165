//! The comment and spam settings: stored as `comments.*` keys in the
//! settings table, each with its default, its bounds and a label for the
//! admin form.

use crate::Site;
use bestpick_core::comment::Limits;
use bestpick_core::FieldErrors;
use bestpick_spam::Thresholds;

/// One setting: its key (after `comments.`), what the form calls it, its
/// default and the range it must fall in.
pub struct Setting {
    pub key: &'static str,
    pub label: &'static str,
    pub default: f64,
    pub min: f64,
    pub max: f64,
}

pub const SETTINGS: &[Setting] = &[
    Setting {
        key: "max_depth",
        label: "Deepest reply level",
        default: 4.0,
        min: 1.0,
        max: 10.0,
    },
    Setting {
        key: "close_after_days",
        label: "Close comments this many days after publishing (0: never)",
        default: 0.0,
        min: 0.0,
        max: 36500.0,
    },
    Setting {
        key: "max_length",
        label: "Longest comment, in characters",
        default: 5000.0,
        min: 100.0,
        max: 1e9,
    },
    Setting {
        key: "max_links",
        label: "Most links in a comment",
        default: 2.0,
        min: 0.0,
        max: 50.0,
    },
    Setting {
        key: "min_seconds",
        label: "Fewest seconds between loading the form and posting",
        default: 3.0,
        min: 0.0,
        max: 600.0,
    },
    Setting {
        key: "per_ip",
        label: "Comments per address per 10 minutes",
        default: 5.0,
        min: 1.0,
        max: 1e9,
    },
    Setting {
        key: "per_network",
        label: "Comments per /24 or /64 network per 10 minutes",
        default: 20.0,
        min: 1.0,
        max: 1e9,
    },
    Setting {
        key: "per_post",
        label: "Comments per post per 10 minutes",
        default: 60.0,
        min: 1.0,
        max: 1e9,
    },
    Setting {
        key: "hold_at",
        label: "Hold for moderation from this spam score",
        default: 0.2,
        min: 0.0,
        max: 1.0,
    },
    Setting {
        key: "spam_at",
        label: "Send to spam from this spam score",
        default: 0.95,
        min: 0.0,
        max: 1.0,
    },
    Setting {
        key: "trusted_hold_at",
        label: "Hold a trusted commenter's comment from this score",
        default: 0.8,
        min: 0.0,
        max: 1.0,
    },
    Setting {
        key: "ip_days",
        label: "Days full IP addresses are kept",
        default: 30.0,
        min: 1.0,
        max: 3650.0,
    },
    Setting {
        key: "spam_days",
        label: "Days spam is kept before deletion",
        default: 30.0,
        min: 1.0,
        max: 3650.0,
    },
];

/// The settings, read once per use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CommentSettings {
    pub max_depth: i64,
    pub close_after_days: i64,
    pub limits: Limits,
    pub min_seconds: i64,
    pub per_ip: i64,
    pub per_network: i64,
    pub per_post: i64,
    pub thresholds: Thresholds,
    pub trusted_hold_at: f32,
    pub ip_days: i64,
    pub spam_days: i64,
}

impl CommentSettings {
    fn from_values(get: impl Fn(&str) -> f64) -> CommentSettings {
        CommentSettings {
            max_depth: get("max_depth") as i64,
            close_after_days: get("close_after_days") as i64,
            limits: Limits {
                max_length: get("max_length") as usize,
                max_links: get("max_links") as usize,
            },
            min_seconds: get("min_seconds") as i64,
            per_ip: get("per_ip") as i64,
            per_network: get("per_network") as i64,
            per_post: get("per_post") as i64,
            thresholds: Thresholds {
                hold: get("hold_at") as f32,
                spam: get("spam_at") as f32,
            },
            trusted_hold_at: get("trusted_hold_at") as f32,
            ip_days: get("ip_days") as i64,
            spam_days: get("spam_days") as i64,
        }
    }

    /// The stored values, defaults for the rest. Every new comment needs
    /// them, so they are read once per change of the site's settings.
    pub async fn load(site: &Site) -> anyhow::Result<CommentSettings> {
        let version = site
            .store
            .changes()
            .last_change(bestpick_store::Topic::Site);
        if let Some(settings) = site.comment_settings.get(version) {
            return Ok(settings);
        }
        let values = Self::values(site).await?;
        let settings = Self::from_values(|key| {
            values
                .iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or_else(|| default_of(key))
        });
        site.comment_settings.set(version, settings);
        Ok(settings)
    }

    /// Every setting's current value as text (the default when none is
    /// stored), keyed without the `comments.` prefix.
    pub async fn values(site: &Site) -> anyhow::Result<Vec<(String, String)>> {
        let stored = site.store.settings_with_prefix("comments.").await?;
        Ok(SETTINGS
            .iter()
            .map(|s| {
                let v = stored
                    .iter()
                    .find(|(k, _)| k.strip_prefix("comments.") == Some(s.key))
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| s.default.to_string());
                (s.key.to_owned(), v)
            })
            .collect())
    }

    /// Checks every submitted value and stores them all, or none.
    pub async fn save(site: &Site, form: &[(String, String)]) -> Result<(), SaveSettingsError> {
        let mut errors = FieldErrors::default();
        let mut parsed = Vec::new();
        for s in SETTINGS {
            let Some((_, raw)) = form.iter().find(|(k, _)| k == s.key) else {
                continue;
            };
            match raw.trim().parse::<f64>() {
                Ok(v) if v >= s.min && v <= s.max => parsed.push((s.key, v)),
                _ => errors.push(
                    s.key,
                    format!("{}: give a number from {} to {}.", s.label, s.min, s.max),
                ),
            }
        }
        let value = |key: &str, fallback: f64| {
            parsed
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v)
                .unwrap_or(fallback)
        };
        let current = Self::load(site).await.map_err(SaveSettingsError::Other)?;
        let hold = value("hold_at", f64::from(current.thresholds.hold));
        let spam = value("spam_at", f64::from(current.thresholds.spam));
        if errors.get("hold_at").is_none() && hold > spam {
            errors.push(
                "hold_at",
                "The hold score must not be above the spam score.",
            );
        }
        if !errors.is_empty() {
            return Err(SaveSettingsError::Invalid(errors));
        }
        let pairs: Vec<(String, String)> = parsed
            .into_iter()
            .map(|(k, v)| (format!("comments.{k}"), v.to_string()))
            .collect();
        site.store
            .set_settings(&pairs)
            .await
            .map_err(|e| SaveSettingsError::Other(e.into()))?;
        Ok(())
    }
}

impl Default for CommentSettings {
    fn default() -> Self {
        Self::from_values(default_of)
    }
}

fn default_of(key: &str) -> f64 {
    SETTINGS
        .iter()
        .find(|s| s.key == key)
        .map(|s| s.default)
        .unwrap_or(0.0)
}

#[derive(Debug, thiserror::Error)]
pub enum SaveSettingsError {
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Other(anyhow::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_classifier_and_the_issue() {
        let d = CommentSettings::default();
        assert_eq!(d.thresholds, Thresholds::default());
        assert_eq!(d.max_depth, 4);
        assert_eq!(d.ip_days, 30);
        assert_eq!(d.limits, Limits::default());
    }
}
