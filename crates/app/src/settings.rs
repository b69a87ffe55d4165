//! The settings an operator changes from the command line: the site's
//! name, tagline, about page and social profiles, and every comment
//! setting (`comments.*`, checked by [`crate::comment_settings`]).

use crate::comment_settings::{CommentSettings, SaveSettingsError, SETTINGS};
use crate::Site;
use bestpick_core::SiteUrl;

/// Plain text settings of the site, with their defaults.
const SITE: &[(&str, &str)] = &[
    ("site_name", "bestpick"),
    ("site_tagline", "Films and shows worth your evening"),
    // The address of the site's about page (its own path or https), or none.
    ("site_about", ""),
    // The site's own profiles elsewhere: https addresses, space-separated.
    ("site_social", ""),
    // How readers rate picks: stars (1 to 5) or thumbs (up or down).
    (crate::ratings::SCALE_SETTING, "stars"),
    // The site's public address (https://example.org), when `serve` is not
    // given one by --base-url.
    (SITE_URL, ""),
    // What feeds carry of each post: the whole text (full) or its summary.
    (FEED_CONTENT, "full"),
    // How many of the newest posts each feed holds.
    (FEED_ITEMS, "20"),
    // The newsletter: a mail when a pick is published (each), or a digest
    // of the week's picks (weekly).
    (NEWSLETTER, "each"),
    // Whether the site and its authors can be followed from the fediverse
    // (WebFinger, actors, inboxes, delivery of new posts).
    (FEDERATION, "on"),
];

pub const FEDERATION: &str = "federation";

pub const NEWSLETTER: &str = "newsletter";

pub const SITE_URL: &str = "site_url";
pub const FEED_CONTENT: &str = "feed_content";
pub const FEED_ITEMS: &str = "feed_items";
/// The most posts a feed may be set to hold.
pub const MAX_FEED_ITEMS: usize = 100;

/// The site's about page and social profiles as the footer links them.
#[derive(Debug, Default, serde::Serialize)]
pub struct SiteLinks {
    pub about: Option<String>,
    pub social: Vec<SocialLink>,
}

#[derive(Debug, serde::Serialize)]
pub struct SocialLink {
    /// "Mastodon", "Bluesky"... or the address's host.
    pub name: String,
    pub url: String,
}

/// The footer's links, from the settings.
pub async fn links(site: &Site) -> Result<SiteLinks, bestpick_store::StoreError> {
    let about = site
        .store
        .setting("site_about")
        .await?
        .filter(|a| !a.is_empty());
    let social = site
        .store
        .setting("site_social")
        .await?
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|url| {
            let host = url.strip_prefix("https://")?.split('/').next()?.to_owned();
            Some(SocialLink {
                name: network(&host),
                url: url.to_owned(),
            })
        })
        .collect();
    Ok(SiteLinks { about, social })
}

/// The name readers know a profile's site by.
fn network(host: &str) -> String {
    let host = host.trim_start_matches("www.");
    let known = [
        ("mastodon.", "Mastodon"),
        ("bsky.app", "Bluesky"),
        ("instagram.com", "Instagram"),
        ("letterboxd.com", "Letterboxd"),
        ("youtube.com", "YouTube"),
        ("threads.net", "Threads"),
        ("facebook.com", "Facebook"),
        ("x.com", "X"),
        ("twitter.com", "X"),
    ];
    known
        .iter()
        .find(|(prefix, _)| host.starts_with(prefix))
        .map_or_else(|| host.to_owned(), |(_, name)| (*name).to_owned())
}

/// A path on this site ("/essays/about-us"), not another host's ("//host").
fn own_path(value: &str) -> bool {
    // Browsers read "/\host" as "//host".
    value.starts_with('/') && !value.starts_with("//") && !value.contains('\\')
}

/// Why a value of `key` cannot be kept, if it cannot.
fn refusal(key: &str, value: &str) -> Option<String> {
    let https = |url: &str| {
        url.strip_prefix("https://")
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
    };
    match key {
        "site_name" | "site_tagline" if value.is_empty() => Some(format!("{key} cannot be empty")),
        "site_about" if !(value.is_empty() || https(value) || own_path(value)) => {
            Some(format!("site_about: '{value}' is not an address on this site (such as /essays/about-us) or an https address"))
        }
        "site_social" => value
            .split_whitespace()
            .find(|url| !https(url))
            .map(|url| format!("site_social: '{url}' is not an https address of a profile, such as https://mastodon.social/@site")),
        SITE_URL if !value.is_empty() => bestpick_core::SiteUrl::parse(value)
            .err()
            .map(|e| format!("{key}: {e}")),
        FEDERATION if value != "on" && value != "off" => {
            Some(format!("{key}: '{value}' is neither on nor off"))
        }
        NEWSLETTER if value != "each" && value != "weekly" => {
            Some(format!("{key}: '{value}' is neither each nor weekly"))
        }
        FEED_CONTENT if value != "full" && value != "summary" => {
            Some(format!("{key}: '{value}' is neither full nor summary"))
        }
        FEED_ITEMS
            if value
                .parse::<usize>()
                .map_or(true, |n| !(1..=MAX_FEED_ITEMS).contains(&n)) =>
        {
            Some(format!(
                "{key}: '{value}' is not a whole number from 1 to {MAX_FEED_ITEMS}"
            ))
        }
        crate::ratings::SCALE_SETTING if crate::ratings::Scale::parse(value).is_none() => {
            Some(format!("{key}: '{value}' is neither stars nor thumbs"))
        }
        _ if value.chars().any(char::is_control) => Some(format!("{key} cannot hold control characters")),
        _ => None,
    }
}

/// The site's public address: `serve --base-url` when given, else the
/// `site_url` setting (read once per change of the settings: cached pages
/// ask for it on every request), else none.
pub async fn site_url(site: &Site) -> Result<Option<SiteUrl>, bestpick_store::StoreError> {
    if let Some(url) = &site.base_url {
        return Ok(Some(url.clone()));
    }
    let version = site
        .store
        .changes()
        .last_change(bestpick_store::Topic::Site);
    if let Some(url) = site.site_url.get(version) {
        return Ok(url);
    }
    let stored = site.store.setting(SITE_URL).await?.unwrap_or_default();
    // A value set by hand in the database is checked here too.
    let url = match stored.as_str() {
        "" => None,
        s => match SiteUrl::parse(s) {
            Ok(url) => Some(url),
            Err(e) => {
                tracing::warn!("the {SITE_URL} setting is ignored: {e}");
                None
            }
        },
    };
    site.site_url.set(version, url.clone());
    Ok(url)
}

/// What feeds hold: how many posts, and their whole text or summaries.
#[derive(Clone, Copy, Debug)]
pub struct FeedSettings {
    pub items: usize,
    pub full_text: bool,
}

pub async fn feed_settings(site: &Site) -> Result<FeedSettings, bestpick_store::StoreError> {
    let items = site.store.setting(FEED_ITEMS).await?;
    let content = site.store.setting(FEED_CONTENT).await?;
    Ok(FeedSettings {
        items: items
            .and_then(|n| n.parse().ok())
            .filter(|n| (1..=MAX_FEED_ITEMS).contains(n))
            .unwrap_or(20),
        full_text: content.as_deref() != Some("summary"),
    })
}

/// Every setting and its value (the default when none is stored).
pub async fn list(site: &Site) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (key, default) in SITE {
        let value = site.store.setting(key).await?;
        out.push((
            key.to_string(),
            value.unwrap_or_else(|| default.to_string()),
        ));
    }
    for (key, value) in CommentSettings::values(site).await? {
        out.push((format!("comments.{key}"), value));
    }
    Ok(out)
}

/// Sets one setting, or says what is wrong with the key or the value.
pub async fn set(site: &Site, key: &str, value: &str) -> anyhow::Result<()> {
    if SITE.iter().any(|(k, _)| *k == key) {
        let value = value.trim();
        if let Some(why) = refusal(key, value) {
            anyhow::bail!(why);
        }
        // Kept as links will write it (no trailing slash, host in lower case).
        let value = match key {
            SITE_URL if !value.is_empty() => bestpick_core::SiteUrl::parse(value)
                .map_err(anyhow::Error::msg)?
                .to_string(),
            _ => value.to_owned(),
        };
        site.store.set_setting(key, &value).await?;
        return Ok(());
    }
    let Some(name) = key
        .strip_prefix("comments.")
        .filter(|k| SETTINGS.iter().any(|s| s.key == *k))
    else {
        let known: Vec<String> = SITE
            .iter()
            .map(|(k, _)| k.to_string())
            .chain(SETTINGS.iter().map(|s| format!("comments.{}", s.key)))
            .collect();
        anyhow::bail!(
            "there is no setting '{key}'; the settings are {}",
            known.join(", ")
        );
    };
    match CommentSettings::save(site, &[(name.to_owned(), value.to_owned())]).await {
        Ok(()) => Ok(()),
        Err(SaveSettingsError::Invalid(errors)) => {
            let messages: Vec<&str> = errors.0.iter().map(|e| e.message.as_str()).collect();
            anyhow::bail!("{key}: {}", messages.join("; "))
        }
        Err(SaveSettingsError::Other(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_checked_and_named() {
        assert!(refusal("site_about", "/essays/about-us").is_none());
        assert!(refusal("site_about", "https://example.org/about").is_none());
        assert!(refusal("site_about", "").is_none());
        assert!(refusal("site_about", "javascript:alert(1)").is_some());
        assert!(refusal("site_about", "//evil.example/").is_some());
        assert!(refusal(
            "site_social",
            "https://mastodon.social/@a https://bsky.app/profile/a"
        )
        .is_none());
        assert!(
            refusal("site_social", "https://ok.example http://plain.example")
                .unwrap()
                .contains("http://plain.example")
        );
        assert!(refusal("site_name", "").is_some());
        assert!(refusal(SITE_URL, "https://films.example").is_none());
        assert!(refusal(SITE_URL, "").is_none());
        assert!(refusal(SITE_URL, "https://films.example/blog")
            .unwrap()
            .contains("no path"));
        assert!(refusal(FEED_CONTENT, "summary").is_none());
        assert!(refusal(FEED_CONTENT, "some").is_some());
        assert!(refusal(FEED_ITEMS, "20").is_none());
        assert!(refusal(FEED_ITEMS, "0").is_some());
        assert!(refusal(FEED_ITEMS, "101").is_some());
        assert_eq!(network("mastodon.social"), "Mastodon");
        assert_eq!(network("www.instagram.com"), "Instagram");
        assert_eq!(network("films.example"), "films.example");
    }
}
