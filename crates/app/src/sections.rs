//! Creating and retiring sections, with the rules shared by the editor and the API.

use crate::Site;
use bestpick_core::{FieldErrors, Slug};
use bestpick_store::{Section, StoreError};

/// First path segments the site itself uses; a section there would be unreachable.
pub const RESERVED_SLUGS: &[&str] = &[
    "admin", "api", "author", "media", "person", "setup", "static", "tag", "work", "feed",
    "search", "login", "logout", "comments",
];

/// Adds a section at the end of the order. An empty slug is made from the name.
pub async fn create(
    site: &Site,
    slug: &str,
    name: &str,
    description: &str,
) -> Result<Section, StoreError> {
    let mut errors = FieldErrors::default();
    let name = name.trim();
    if name.is_empty() {
        errors.push("name", "is missing: give the section a name");
    }
    let slug = match slug.trim() {
        "" if name.is_empty() => None,
        "" => errors.check(Slug::from_title(name).ok_or_else(|| {
            bestpick_core::FieldError::new(
                "slug",
                "the name has no letters or digits: give an address",
            )
        })),
        s => errors.check(Slug::parse("slug", s)),
    };
    if let Some(s) = &slug {
        if RESERVED_SLUGS.contains(&s.as_str()) {
            errors.push(
                "slug",
                format!(
                    "'{}' is used by the site itself; choose another address",
                    s.as_str()
                ),
            );
        }
    }
    match slug {
        Some(slug) if errors.is_empty() => {
            site.store
                .create_section(slug.as_str(), name, description.trim())
                .await
        }
        _ => Err(StoreError::Invalid(errors)),
    }
}
