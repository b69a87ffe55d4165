//! Creating and retiring sections, with the rules shared by the editor and the API.

use crate::{refusals, OpError, Site};
use bestpick_core::{FieldError, FieldErrors, Slug};
use bestpick_store::{Feature, Section, StoreError, User};

/// First path segments the site itself uses; a section there would be unreachable.
pub const RESERVED_SLUGS: &[&str] = &[
    "admin",
    "api",
    "author",
    "media",
    "person",
    "setup",
    "static",
    "tag",
    "work",
    "feed",
    "search",
    "login",
    "logout",
    "comments",
    "works",
    "cards",
    "sitemap",
    "newsletter",
    "mail",
    "ratings",
    "ap",
    "nodeinfo",
];

/// Adds a section of posts at the end of the order. An empty slug is made
/// from the name.
pub async fn create(
    site: &Site,
    actor: &User,
    slug: &str,
    name: &str,
    description: &str,
) -> Result<Section, OpError> {
    create_with(site, actor, slug, name, description, "posts").await
}

/// Adds a section at the end of the order: of `posts`, or the `quotes` or
/// `guess` feature.
pub async fn create_with(
    site: &Site,
    actor: &User,
    slug: &str,
    name: &str,
    description: &str,
    kind: &str,
) -> Result<Section, OpError> {
    may_manage(actor)?;
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
    let feature = match kind.trim() {
        "" | "posts" => None,
        k => match Feature::parse(k) {
            Some(f) => Some(f),
            None => {
                errors.push("kind", format!("'{k}' is none of posts, quotes and guess"));
                None
            }
        },
    };
    match slug {
        Some(slug) if errors.is_empty() => site
            .store
            .create_feature_section(slug.as_str(), name, description.trim(), feature)
            .await
            .map_err(|e| {
                refusals::worded(e, |_, value, _| {
                    Some(format!(
                        "a section with the address '{value}' already exists"
                    ))
                })
                .into()
            }),
        _ => Err(StoreError::Invalid(errors).into()),
    }
}

/// Every section's address, active ones first, each group in its order.
pub async fn addresses(site: &Site) -> Result<Vec<String>, StoreError> {
    Ok(site
        .store
        .sections()
        .await?
        .into_iter()
        .map(|s| s.slug)
        .collect())
}

/// Sections are the whole site's: editors and admins manage them.
fn may_manage(actor: &User) -> Result<(), OpError> {
    OpError::unless(actor, actor.role.can_manage_sections(), "manage sections")
}

/// The section with this id.
async fn section(site: &Site, id: i64) -> Result<Section, OpError> {
    site.store
        .section(id)
        .await?
        .ok_or(OpError::NotFound("section"))
}

fn invalid(field: &str, message: &str) -> OpError {
    StoreError::Invalid(FieldError::new(field, message).into()).into()
}

/// Renames a section and rewrites its description; its address stays.
pub async fn update(
    site: &Site,
    actor: &User,
    id: i64,
    name: &str,
    description: &str,
) -> Result<(), OpError> {
    may_manage(actor)?;
    if name.trim().is_empty() {
        return Err(invalid("name", "is missing: give the section a name"));
    }
    section(site, id).await?;
    Ok(site
        .store
        .update_section(id, name.trim(), description.trim())
        .await?)
}

/// Moves an active section one place up (a negative step) or down.
pub async fn move_by(site: &Site, actor: &User, id: i64, step: i64) -> Result<(), OpError> {
    may_manage(actor)?;
    Ok(site.store.move_section(id, step.signum()).await?)
}

/// Retires a section into the active section `into` (the form's choice, as
/// text): its posts move there and its addresses redirect.
pub async fn retire(site: &Site, actor: &User, id: i64, into: &str) -> Result<(), OpError> {
    may_manage(actor)?;
    let retiring = section(site, id).await?;
    let Ok(into) = into.parse::<i64>() else {
        return Err(invalid("into", "choose the section that replaces this one"));
    };
    if !retiring.is_active() {
        return Err(invalid("section", "that section is already retired"));
    }
    if into == id {
        return Err(invalid("into", "a section cannot be replaced by itself"));
    }
    match site.store.section(into).await? {
        None => return Err(invalid("into", "that section does not exist")),
        Some(s) if !s.is_active() => {
            return Err(invalid(
                "into",
                "that section is retired itself: choose an active one",
            ))
        }
        // Its posts would move into a page that shows none.
        Some(s) if s.feature.is_some() => {
            return Err(invalid(
                "into",
                "that section holds no posts: choose a section of posts",
            ))
        }
        Some(_) => {}
    }
    site.store.retire_section(id, into).await.map_err(|e| {
        // Checked above: another writer changed the sections meanwhile.
        refusals::worded(e, |_, _, _| {
            Some("the sections changed meanwhile: look again and choose".to_owned())
        })
        .into()
    })
}

/// Shows a section in the site's menus, or leaves it out (its pages
/// still answer).
pub async fn set_hidden(site: &Site, actor: &User, id: i64, hidden: bool) -> Result<(), OpError> {
    may_manage(actor)?;
    section(site, id).await?;
    Ok(site.store.set_section_hidden(id, hidden).await?)
}

/// Closes or opens comments on every post of a section.
pub async fn close_comments(
    site: &Site,
    actor: &User,
    id: i64,
    closed: bool,
) -> Result<(), OpError> {
    may_manage(actor)?;
    section(site, id).await?;
    Ok(site.store.set_section_comments_closed(id, closed).await?)
}
