//! Works and people written on their own (the API's works and people
//! endpoints), with the rules of `core`: who may, what is valid, how a
//! refusal reads.

use crate::{refusals, OpError, Site};
use bestpick_core::work::Work;
use bestpick_core::{FieldError, FieldErrors, Slug};
use bestpick_store::{FilmScope, Refusal, StoreError, User, WorkView};

/// Stores a work, or updates the one with its IMDb id (or name and year);
/// returns it as stored, and whether it is new.
pub async fn save_work(
    site: &Site,
    actor: &User,
    work: &Work,
) -> Result<(WorkView, bool), OpError> {
    OpError::unless(actor, actor.role.can_edit_any_post(), "edit works")?;
    let mut errors = FieldErrors::default();
    work.validate("work", &mut errors);
    if !errors.is_empty() {
        // The work is the whole input here, not a part of a post.
        for e in &mut errors.0 {
            e.field = e.field.trim_start_matches("work.").to_owned();
        }
        return Err(StoreError::Invalid(errors).into());
    }
    let existed = match work.slug() {
        Some(slug) => site
            .store
            .work_by_slug(slug.as_str(), FilmScope::All)
            .await?
            .is_some(),
        None => false,
    };
    let id = site.store.save_work(work, actor).await.map_err(|e| {
        refusals::worded(e, |_, value, refusal| {
            (refusal == Refusal::Taken).then(|| name_taken(value, work.year))
        })
    })?;
    let view = site
        .store
        .work(id)
        .await?
        .ok_or(OpError::NotFound("work"))?;
    Ok((view, !existed))
}

/// Why a work was not stored: matched by IMDb id, but named (and so
/// addressed) as another stored work.
pub(crate) fn name_taken(name: &str, year: i32) -> String {
    format!("another stored work is already called '{name}' ({year}); its IMDb id differs")
}

/// A person's name as given: trimmed, and not empty.
fn person_name(name: &str) -> Result<&str, OpError> {
    match name.trim() {
        "" => Err(StoreError::Invalid(FieldError::new("name", "is missing").into()).into()),
        name => Ok(name),
    }
}

/// Adds a person by name, or finds the one with that name's address;
/// returns their address, and whether they are new.
pub async fn add_person(site: &Site, actor: &User, name: &str) -> Result<(String, bool), OpError> {
    OpError::unless(actor, actor.role.can_edit_any_post(), "edit people")?;
    let name = person_name(name)?;
    let existed = match Slug::from_title(name) {
        Some(slug) => site
            .store
            .person_by_slug(slug.as_str(), FilmScope::All)
            .await?
            .is_some(),
        None => false,
    };
    let slug = site.store.save_person(name).await?;
    Ok((slug, !existed))
}

/// Renames the person at `slug`; their address stays, so links keep working.
pub async fn rename_person(
    site: &Site,
    actor: &User,
    slug: &str,
    name: &str,
) -> Result<(), OpError> {
    OpError::unless(actor, actor.role.can_edit_any_post(), "edit people")?;
    let name = person_name(name)?;
    match site.store.rename_person(slug, name).await {
        Err(StoreError::NotFound(_)) => Err(OpError::NotFound("person")),
        done => Ok(done?),
    }
}

/// What saving a post's work would touch besides the post: the stored work
/// it matches and how many other posts show it, as `actor` may know them.
#[derive(Debug, serde::Serialize)]
pub struct Sharing {
    pub name: String,
    pub year: i32,
    /// Other posts showing the work that `actor` may see.
    pub posts: usize,
    /// Whether `actor`'s changes to the work's facts are saved
    /// (`Role::may_change_work`); otherwise the post only links to it.
    pub changes_saved: bool,
}

impl Sharing {
    /// "“Heat” (1995) is also used by 3 posts: ..." for the editor.
    pub fn words(&self) -> String {
        let posts = match self.posts {
            1 => "1 other post".to_owned(),
            n => format!("{n} other posts"),
        };
        if self.changes_saved {
            format!(
                "“{}” ({}) is also used by {posts}: what you change in its facts changes there too.",
                self.name, self.year
            )
        } else {
            format!(
                "“{}” ({}) is also used by other writers’ posts: your post links to it, and its facts stay as they are (an editor can change them).",
                self.name, self.year
            )
        }
    }
}

/// Whether saving `work` with the post `except` (the one being edited)
/// would write into a work other posts show; `None` when it would not.
pub async fn sharing(
    site: &Site,
    actor: &User,
    work: &Work,
    except: Option<i64>,
) -> Result<Option<Sharing>, OpError> {
    let Some((brief, cards)) = site.store.work_sharing(work, except).await? else {
        return Ok(None);
    };
    let others = cards.iter().any(|c| !crate::posts::is_author(c, actor));
    let public = cards.iter().any(|c| crate::posts::may_see(c, None));
    // A work only another writer's draft shows is as unseen as the draft:
    // nothing of it is told here (the save says it cannot be linked).
    if !actor.role.may_link_work(public, others) {
        return Ok(None);
    }
    let visible = cards
        .iter()
        .filter(|c| crate::posts::may_see(c, Some(actor)))
        .count();
    let changes_saved = actor.role.may_change_work(others);
    if visible == 0 && changes_saved {
        return Ok(None);
    }
    Ok(Some(Sharing {
        name: brief.name,
        year: brief.year,
        posts: visible,
        changes_saved,
    }))
}
