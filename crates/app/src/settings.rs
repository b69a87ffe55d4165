//! The settings an operator changes from the command line: the site's
//! name, tagline, about page and social profiles, and every comment
//! setting (`comments.*`, checked by [`crate::comment_settings`]).

use crate::comment_settings::{CommentSettings, SaveSettingsError, SETTINGS};
use crate::Site;

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
];

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
        crate::ratings::SCALE_SETTING if crate::ratings::Scale::parse(value).is_none() => {
            Some(format!("{key}: '{value}' is neither stars nor thumbs"))
        }
        _ if value.chars().any(char::is_control) => Some(format!("{key} cannot hold control characters")),
        _ => None,
    }
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
        site.store.set_setting(key, value).await?;
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
        assert_eq!(network("mastodon.social"), "Mastodon");
        assert_eq!(network("www.instagram.com"), "Instagram");
        assert_eq!(network("films.example"), "films.example");
    }
}
