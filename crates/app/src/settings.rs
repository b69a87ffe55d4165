//! The settings an operator changes from the command line: the site's
//! name and tagline, and every comment setting (`comments.*`, checked by
//! [`crate::comment_settings`]).

use crate::comment_settings::{CommentSettings, SaveSettingsError, SETTINGS};
use crate::Site;

/// Plain text settings of the site, with their defaults.
const SITE: &[(&str, &str)] = &[
    ("site_name", "bestpick"),
    ("site_tagline", "Films and shows worth your evening"),
];

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
        if value.trim().is_empty() {
            anyhow::bail!("{key} cannot be empty");
        }
        site.store.set_setting(key, value.trim()).await?;
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
